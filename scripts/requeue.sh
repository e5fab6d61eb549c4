#!/usr/bin/env bash
# Sends failed scans through the Worker again (operators; the owner of one scan can use
# POST /v1/scans/:id/retry instead).
#
#   scripts/requeue.sh <local|staging|production> [--all] [--id ID]... [--deadline-seconds N]
#                      [--dry-run] [--print-sql]
#
#   (default)      every `failed` scan whose error is transient (OCR API or storage down,
#                  whatever its deadline; the same codes as TRANSIENT_CODES in
#                  worker/src/store.rs)
#   --all          every `failed` scan, also those the OCR API refused (`ocr_rejected`, e.g. after
#                  fixing OCR_API_KEY) or that could not be processed
#   --id ID        only these scans (repeatable; still only `failed` ones)
#   --deadline-seconds N   their new deadline, from now (default 86400)
#   --dry-run      count and list what would be re-queued, change nothing
#   --print-sql    print the UPDATE and exit (no wrangler; used by worker/test)
#
# It marks the rows `queued` in D1 (`wrangler d1 execute`, --remote for staging/production,
# --local for the `wrangler dev` state) with a new deadline and a message due at once; the
# Worker's cron (every minute) sends every such scan to the queue once its probe of the OCR API
# succeeds. The originals (and processed images) are in R2: nothing is uploaded again.
# Needs CLOUDFLARE_API_TOKEN (+ CLOUDFLARE_ACCOUNT_ID) or `wrangler login` for remote envs.
set -euo pipefail
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
env="${1:-}"
case "$env" in local | staging | production) ;; *) usage ;; esac
shift
all=0 dry=0 print=0 deadline=86400
ids=()
while [ $# -gt 0 ]; do
  case "$1" in
    --all) all=1 ;;
    --id) [ $# -ge 2 ] || usage; ids+=("$2"); shift ;;
    --deadline-seconds) [ $# -ge 2 ] || usage; deadline="$2"; shift ;;
    --dry-run) dry=1 ;;
    --print-sql) print=1 ;;
    *) usage ;;
  esac
  shift
done
case "$deadline" in '' | *[!0-9]*) echo "requeue.sh: --deadline-seconds needs a whole number" >&2; exit 2 ;; esac

# Keep in step with TRANSIENT_CODES in worker/src/store.rs.
transient="'ocr_unavailable', 'storage_unavailable', 'retries_exhausted', 'internal_error'"
where="status = 'failed'"
if [ "${#ids[@]}" -gt 0 ]; then
  list=""
  for id in "${ids[@]}"; do
    case "$id" in '' | *[!A-Za-z0-9-]*) echo "requeue.sh: bad scan id: $id" >&2; exit 2 ;; esac
    list="${list:+$list, }'$id'"
  done
  where="$where AND id IN ($list)"
elif [ "$all" = 0 ]; then
  where="$where AND error_code IN ($transient)"
fi
now_ms="(julianday('now') - 2440587.5) * 86400000.0"
update="UPDATE scans SET status = 'queued', error_code = NULL, error_message = NULL, \
lease_until = NULL, next_attempt_at = 0, revived = revived + 1, \
deadline_at = $now_ms + $((deadline * 1000)), \
updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE $where;"
select="SELECT id, user_id, error_code, substr(error_message, 1, 80) AS error, updated_at FROM scans WHERE $where ORDER BY updated_at LIMIT 1000;"

if [ "$print" = 1 ]; then
  echo "$update"
  exit 0
fi

cd "$(dirname "$0")/../worker"
export WRANGLER_SEND_METRICS=false
if [ "$env" = local ]; then
  target=(--local)
  export CLOUDFLARE_CF_FETCH_ENABLED=false
else
  target=(--env "$env" --remote)
fi
d1() { npx --no-install wrangler d1 execute DB "${target[@]}" --command "$1"; }

echo "== failed scans selected ($env)"
d1 "$select"
if [ "$dry" = 1 ]; then
  echo "(dry run: nothing changed)"
  exit 0
fi
echo "== marking them queued"
d1 "$update"
echo "The Worker's cron sends them to the queue within a minute (once the OCR API answers its probe)."
if [ "$env" = local ]; then
  echo "Locally, run the cron: curl \"http://127.0.0.1:8787/cdn-cgi/handler/scheduled?cron=*+*+*+*+*\""
else
  echo "Watch: (cd worker && npx wrangler tail --env $env --search '\"revived_lost\"')"
fi
