//! The bindings as WebAssembly under Node (wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

mod common;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn fixtures_match_native_goldens() {
    common::fixtures_match_native_goldens();
}

#[wasm_bindgen_test]
fn rgba_strips_equal_one_push() {
    common::rgba_strips_equal_one_push();
}

#[wasm_bindgen_test]
fn errors_carry_codes() {
    common::errors_carry_codes();
}
