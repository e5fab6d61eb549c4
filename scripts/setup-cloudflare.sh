#!/usr/bin/env bash
# Creates the Cloudflare resources of one environment of the scanprep Worker with wrangler:
# the D1 database, the KV namespace, the R2 buckets (scans, exports) and the queues (processing
# and dead-letter), then prints the ids to put in worker/wrangler.toml. Safe to run again:
# resources that already exist are reported and kept.
#
#   scripts/setup-cloudflare.sh <staging|production>
#
# Needs CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID when the token sees several accounts),
# or a `wrangler login` session. Run from anywhere.
set -euo pipefail
env="${1:-}"
case "$env" in
  staging | production) ;;
  *) echo "usage: $0 <staging|production>" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../worker"
[ -d node_modules ] || npm ci --no-audit --no-fund
wrangler() { npx --no-install wrangler "$@"; }
export WRANGLER_SEND_METRICS=false

db="scanprep-$env"
kv="scanprep-$env"
scans="scanprep-scans-$env"
exports="scanprep-exports-$env"
queue="scanprep-scans-$env"
dlq="scanprep-scans-dlq-$env"

step() { printf '\n== %s\n' "$*"; }
# Runs a create command; "already exists" is not an error.
create() {
  local out
  if out="$("$@" 2>&1)"; then
    echo "$out"
  elif grep -qiE "already exists|already taken|A bucket with this name|code: 10026|11009" <<<"$out"; then
    echo "(exists) $*"
  else
    echo "$out" >&2
    return 1
  fi
}

step "D1 database $db"
create wrangler d1 create "$db"
d1_id="$(wrangler d1 list --json | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const db = JSON.parse(s).find((d) => d.name === process.argv[1]);
    console.log(db ? db.uuid : "");
  });' "$db")"

step "KV namespace $kv"
create wrangler kv namespace create "$kv"
kv_id="$(wrangler kv namespace list | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const ns = JSON.parse(s).find((n) => n.title === process.argv[1]);
    console.log(ns ? ns.id : "");
  });' "$kv")"

step "R2 buckets"
create wrangler r2 bucket create "$scans"
create wrangler r2 bucket create "$exports"

step "Queues"
create wrangler queues create "$queue"
create wrangler queues create "$dlq"

step "D1 schema (worker/migrations)"
wrangler d1 migrations apply DB --env "$env" --remote || {
  echo "note: put database_id = \"$d1_id\" in [[env.$env.d1_databases]] first, then run:" >&2
  echo "  (cd worker && npx wrangler d1 migrations apply DB --env $env --remote)" >&2
}

cat <<EOF2

Done. Put these in worker/wrangler.toml under [env.$env]:

  [[env.$env.d1_databases]]   database_id = "${d1_id:-<see wrangler d1 list>}"
  [[env.$env.kv_namespaces]]  id          = "${kv_id:-<see wrangler kv namespace list>}"

R2 buckets: $scans, $exports    Queues: $queue (dead letters: $dlq)
Then set the secrets (once per environment):

  (cd worker && npx wrangler secret put JWT_SECRET --env $env)
  (cd worker && npx wrangler secret put OCR_API_KEY --env $env)

and deploy: scripts/deploy.sh $env all
EOF2
