#!/usr/bin/env bash
# Installs what the tests need on a fresh machine, skipping what is already there: Rust targets
# and components, Node, Debian packages (Chromium and its driver for the browser tests,
# valgrind for the instruction-count gate, jbig2dec, qpdf and poppler-utils) and wasm-bindgen-cli pinned to the exact version of
# the `wasm-bindgen` crate in Cargo.lock. Everything comes from the package registries (rustup,
# crates.io, Debian; npm packages are installed from the lock files by wasm/ and worker/).
set -euo pipefail
cd "$(dirname "$0")/.."

have_target() { rustup target list --installed | grep -qx "$1"; }
for t in wasm32-unknown-unknown wasm32-wasip1; do
  have_target "$t" || rustup target add "$t"
done
for c in rustfmt clippy; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done
command -v node >/dev/null || { ${sudo:-} apt-get update && ${sudo:-} apt-get install -y nodejs npm; }

# Debian packages: Chromium and its driver for the browser tests, valgrind for the
# instruction-count gate, jbig2dec (an independent JBIG2 decoder) and, for the PDF exports,
# qpdf (structure checks) and poppler-utils (pdftoppm, pdftotext).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v jbig2dec >/dev/null || missing+=(jbig2dec)
command -v qpdf >/dev/null || missing+=(qpdf)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo=sudo
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# wasm-bindgen-cli, pinned to the exact version of the `wasm-bindgen` crate in Cargo.lock
# (from crates.io; the npm package and the Worker are built with it, and tests run under its
# wasm-bindgen-test-runner).
wb=0.2.130
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb" ]; then
  cargo install wasm-bindgen-cli --version "$wb"
fi

