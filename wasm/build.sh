#!/usr/bin/env bash
# Builds the npm package's WebAssembly into wasm/pkg, offline, the same steps as
# `wasm-pack build --mode no-install --target web`:
#   cargo (wasm32-unknown-unknown, profile wasm-release, +simd128)
#   → wasm-bindgen 0.2.130 (--target web, with a reset function for trap recovery)
#   → wasm-opt -Os (npm binaryen 132; 1.1 KB smaller than -O3, the same speed within 1%) → size report.
# Three modules:
#   pkg/           the whole engine: the Node and workerd entries' module, and the module the
#                  browser entry loads later, only for what the browser cannot decode (TIFF);
#   pkg/lite/      the engine without its image readers (--no-default-features): the browser
#                  entry's first module; the browser decodes JPEG, PNG and WebP itself
#                  (createImageBitmap) and hands it pixels. Same sources, so the same pixels
#                  give the same bytes as in the whole engine;
#   pkg/pdf/       the PDF writer (wasm/pdf), which createPdf() loads only when first called.
# Tools come from the registries only: `cargo install wasm-bindgen-cli --version 0.2.130` and
# `npm ci` here (binaryen). SCANPREP_WASM_SIMD=0 builds without SIMD, for comparison.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
WB_VERSION=0.2.130

if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WB_VERSION" ]; then
  echo "build.sh: wasm-bindgen $WB_VERSION is needed: cargo install wasm-bindgen-cli --version $WB_VERSION" >&2
  exit 1
fi
# npm packages from the lock file, again whenever the lock file is newer than the install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

features="+simd128,+bulk-memory,+nontrapping-fptoint,+sign-ext"
[ "${SCANPREP_WASM_SIMD:-1}" = 0 ] && features="+bulk-memory,+nontrapping-fptoint,+sign-ext"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=$features" \
  cargo build -p scanprep-wasm --target wasm32-unknown-unknown --profile wasm-release

raw="$root/target/wasm32-unknown-unknown/wasm-release/scanprep_wasm.wasm"
rm -rf pkg
wasm-bindgen "$raw" --out-dir pkg --out-name scanprep --target web \
  --experimental-reset-state-function
node_modules/.bin/wasm-opt pkg/scanprep_bg.wasm -o pkg/scanprep_bg.wasm -Os --strip-producers \
  --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue

# The browser's first module: the engine without the image readers.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=$features" \
  cargo build -p scanprep-wasm --target wasm32-unknown-unknown --profile wasm-release --no-default-features
cp "$raw" "$root/target/wasm32-unknown-unknown/wasm-release/scanprep_lite.wasm"
wasm-bindgen "$root/target/wasm32-unknown-unknown/wasm-release/scanprep_lite.wasm" \
  --out-dir pkg/lite --out-name scanprep_lite --target web --experimental-reset-state-function
node_modules/.bin/wasm-opt pkg/lite/scanprep_lite_bg.wasm -o pkg/lite/scanprep_lite_bg.wasm -Os --strip-producers \
  --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue

# The PDF writer: a module of its own under pkg/pdf/, loaded by createPdf() on first use.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=$features" \
  cargo build -p scanprep-pdf-wasm --target wasm32-unknown-unknown --profile wasm-release
wasm-bindgen "$root/target/wasm32-unknown-unknown/wasm-release/scanprep_pdf_wasm.wasm" \
  --out-dir pkg/pdf --out-name scanprep_pdf --target web --experimental-reset-state-function
node_modules/.bin/wasm-opt pkg/pdf/scanprep_pdf_bg.wasm -o pkg/pdf/scanprep_pdf_bg.wasm -Oz --strip-producers \
  --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue

for f in pkg/scanprep_bg.wasm pkg/lite/scanprep_lite_bg.wasm pkg/pdf/scanprep_pdf_bg.wasm; do
  echo "$f: $(stat -c %s "$f") bytes, $(gzip -9 -c "$f" | wc -c) bytes gzipped"
done
