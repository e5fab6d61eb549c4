#!/usr/bin/env bash
# Builds the Worker into build/index.js + build/index_bg.wasm, doing what `worker-build 0.8.7
# --release` does (its default, panic-recovering "module" path) without installing it:
#   1. cargo build --lib --release --target wasm32-unknown-unknown, with WASM_BINDGEN_USE_JS_SYS=1
#      (read by wasm-bindgen's proc-macro, untracked by cargo: hence our own target dir);
#      (+simd128 comes from .cargo/config.toml: ~35% faster in workerd, same output bytes);
#   2. wasm-bindgen --target module --out-name index --no-typescript
#      --experimental-reset-state-function --force-enable-abort-handler;
#   3. wasm-opt -O (only when a working wasm-opt is available: $WASM_OPT_BIN or npm binaryen);
#   4. the entry shim (tools/make-shim.mjs + tools/shim-template.js, from worker-build 0.8.7),
#      bundled by esbuild into build/index.js, `import source` rewritten to `import`.
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen 0.2.130 ($WASM_BINDGEN_BIN or PATH),
# node, and `npm ci` done (esbuild). Skips everything when no input changed since the last build
# (build/.inputs), and the post-processing when the wasm did not change (build/.stamp).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="$PWD/target"
export WASM_BINDGEN_USE_JS_SYS=1

want_bindgen="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)"
BINDGEN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen || true)}"
if [ -z "$BINDGEN" ]; then
  echo "build.sh: wasm-bindgen $want_bindgen not found: cargo install wasm-bindgen-cli --version $want_bindgen" >&2
  exit 1
fi
have_bindgen="$("$BINDGEN" --version | awk '{print $2}')"
if [ "$have_bindgen" != "$want_bindgen" ]; then
  echo "build.sh: $BINDGEN is $have_bindgen but Cargo.lock has wasm-bindgen $want_bindgen" >&2
  exit 1
fi
ESBUILD="${ESBUILD_BIN:-node_modules/.bin/esbuild}"
if [ ! -x "$ESBUILD" ]; then
  echo "build.sh: esbuild missing: run npm ci in worker/" >&2
  exit 1
fi

# A fingerprint of every input of the build. `wrangler dev` runs the [build] command twice at
# start (wrangler 4.86: once when it reads the config, then again when its watcher of
# `watch_dir` reports "ready", although nothing changed), and `wrangler deploy` runs it after
# scripts/deploy.sh already did: when the inputs are the ones of the last build, stop here
# without even running cargo, so that only the first of those invocations builds.
inputs="$( {
  find src ../core/src tools .cargo -type f -print0 | sort -z | xargs -0 cksum
  cksum Cargo.toml Cargo.lock ../core/Cargo.toml build.sh
  rustc -V
  echo "$have_bindgen ${WASM_OPT_BIN:-} ${NO_WASM_OPT:-} ${NO_MINIFY:-} ${RUSTFLAGS:-}"
} | cksum | awk '{print $1 "-" $2}')"
if [ -f build/index.js ] && [ -f build/index_bg.wasm ] && [ "$(cat build/.inputs 2>/dev/null)" = "$inputs" ]; then
  echo "build.sh: build/ is up to date (inputs unchanged)"
  exit 0
fi

cargo build --lib --release --locked --target wasm32-unknown-unknown
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/scanprep_worker.wasm"

stamp="$(cksum < "$wasm" | awk '{print $1 "-" $2}')-$(cksum < tools/shim-template.js | awk '{print $1}')-$(cksum < tools/make-shim.mjs | awk '{print $1}')"
if [ -f build/index.js ] && [ -f build/index_bg.wasm ] && [ "$(cat build/.stamp 2>/dev/null)" = "$stamp" ]; then
  echo "$inputs" > build/.inputs
  echo "build.sh: build/ is up to date"
  exit 0
fi

stage="$(mktemp -d "$PWD/.build.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
"$BINDGEN" "$wasm" --out-dir "$stage" --no-typescript --target module --out-name index \
  --experimental-reset-state-function --force-enable-abort-handler

WASM_OPT="${WASM_OPT_BIN:-}"
if [ -z "$WASM_OPT" ] && [ -x node_modules/.bin/wasm-opt ]; then WASM_OPT=node_modules/.bin/wasm-opt; fi
if [ -n "$WASM_OPT" ] && [ "${NO_WASM_OPT:-}" = "" ]; then
  "$WASM_OPT" "$stage/index_bg.wasm" -o "$stage/index_bg.opt.wasm" -O \
    --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-bulk-memory --enable-multivalue --enable-reference-types \
    --enable-exception-handling --debuginfo
  mv "$stage/index_bg.opt.wasm" "$stage/index_bg.wasm"
fi

node tools/make-shim.mjs "$stage"
esbuild_args=(--external:./index_bg.wasm "--external:cloudflare:*" --format=esm --bundle ./shim.js
  --outfile=index.js --allow-overwrite --log-level=warning)
[ -n "${NO_MINIFY:-}" ] || esbuild_args+=(--minify)
(cd "$stage" && "$OLDPWD/$ESBUILD" "${esbuild_args[@]}")
sed -i 's/import source /import /g' "$stage/index.js"
rm -rf "$stage/shim.js" "$stage/snippets"
mkdir -p "$stage/worker"
printf '%s\n' "// Use index.js directly, this file provided for backwards compat" \
  "// with former shim.mjs only." "export * from '../index.js';" "export { default } from '../index.js';" \
  > "$stage/worker/shim.mjs"
echo "$stamp" > "$stage/.stamp"
echo "$inputs" > "$stage/.inputs"
chmod 755 "$stage"
rm -rf build
mv "$stage" build
trap - EXIT
gz=$(gzip -9 -c build/index_bg.wasm | wc -c)
echo "build.sh: build/index.js + build/index_bg.wasm ($(wc -c < build/index_bg.wasm) bytes, $gz gzipped)"
