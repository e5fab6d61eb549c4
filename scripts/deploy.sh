#!/usr/bin/env bash
# Deploys the scanprep Worker.
#
#   scripts/deploy.sh <staging|production> <worker|all>
#
#   worker  build (worker/build.sh) and `wrangler deploy --env <env>`
#   all     also apply pending D1 migrations (worker/migrations) first, then deploy
#
# Needs CLOUDFLARE_API_TOKEN (+ CLOUDFLARE_ACCOUNT_ID) or a `wrangler login` session, the
# wasm32-unknown-unknown Rust target and wasm-bindgen 0.2.130 on PATH. After the deploy it
# calls GET /health when SCANPREP_HEALTH_URL is set and fails if that is not 200.
set -euo pipefail
env="${1:-}"
what="${2:-}"
case "$env" in staging | production) ;; *) echo "usage: $0 <staging|production> <worker|all>" >&2; exit 2 ;; esac
case "$what" in worker | all) ;; *) echo "usage: $0 <staging|production> <worker|all>" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../worker"
export WRANGLER_SEND_METRICS=false

if grep -q "REPLACE_WITH_${env^^}_" wrangler.toml; then
  echo "worker/wrangler.toml still has REPLACE_WITH_${env^^}_* ids: run scripts/setup-cloudflare.sh $env first" >&2
  exit 1
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
./build.sh

if [ "$what" = all ]; then
  echo "== D1 migrations ($env)"
  npx --no-install wrangler d1 migrations apply DB --env "$env" --remote
fi

echo "== wrangler deploy --env $env"
msg="$(git log -1 --format='%h %s' 2>/dev/null || echo manual)"
npx --no-install wrangler deploy --env "$env" --message "${msg:0:100}"

if [ -n "${SCANPREP_HEALTH_URL:-}" ]; then
  echo "== health check $SCANPREP_HEALTH_URL"
  for i in 1 2 3 4 5; do
    if curl -fsS "$SCANPREP_HEALTH_URL" ; then echo; exit 0; fi
    sleep 3
  done
  echo "health check failed: roll back with: (cd worker && npx wrangler rollback --env $env)" >&2
  exit 1
fi
