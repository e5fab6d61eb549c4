//! Checks shared by the Node and the browser wasm-bindgen test binaries.

use scanprep_wasm::{process, RgbaPage};
use wasm_bindgen::JsValue;

/// FNV-1a 64-bit, as `tests/golden.json` records output checksums.
pub fn fnv1a64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn golden(file: &str) -> String {
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/golden.json")).expect("golden.json");
    golden[file]["fnv1a64"]
        .as_str()
        .expect("checksum")
        .to_string()
}

/// An options object, as the JavaScript wrapper passes it.
fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test options are JSON")
}

fn code(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &JsValue::from_str("code"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The WebP and the PNG fixtures give the native golden bytes.
pub fn fixtures_match_native_goldens() {
    for (name, bytes) in [
        (
            "page.webp",
            &include_bytes!("../../../fixtures/page.webp")[..],
        ),
        (
            "two-column.png",
            &include_bytes!("../../../fixtures/two-column.png")[..],
        ),
    ] {
        let out = process(bytes.to_vec(), JsValue::UNDEFINED, None).expect("processes");
        assert_eq!(fnv1a64(&out.bytes()), golden(name), "{name}");
        assert_eq!(out.media_type(), "image/tiff");
        let timings = js_sys::Reflect::get(&out.report(), &"timings".into()).expect("timings");
        let total = js_sys::Reflect::get(&timings, &"total_ms".into()).expect("total_ms");
        assert!(total.as_f64().expect("a number") >= 0.0);
    }
}

/// Pixels pushed in strips of rows equal the same page pushed at once.
pub fn rgba_strips_equal_one_push() {
    let (w, h) = (64u32, 48u32);
    let rgba: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let v = if (i / w) % 8 < 2 && (i % w) > 4 {
                20
            } else {
                235
            };
            [v, v, v, 255]
        })
        .collect();
    let opts = options(r#"{"format":"png","deskew":false}"#);
    let mut whole = RgbaPage::new(w, h, opts.clone()).expect("page");
    whole.push_rows(&rgba).expect("push");
    let whole = whole.process(None).expect("processes").bytes();
    let mut strips = RgbaPage::new(w, h, opts).expect("page");
    for chunk in rgba.chunks(w as usize * 4 * 5) {
        strips.push_rows(chunk).expect("push");
    }
    assert_eq!(strips.process(None).expect("processes").bytes(), whole);
}

/// Errors are JavaScript errors with the engine's code.
pub fn errors_carry_codes() {
    let e = process(Vec::new(), JsValue::NULL, None)
        .err()
        .expect("empty input fails");
    assert_eq!(code(&e), "empty_input");
    let e = process(vec![1, 2, 3], options(r#"{"max_pixels":0}"#), None)
        .err()
        .expect("bad option fails");
    assert_eq!(code(&e), "invalid_option");
    let e = process(vec![1, 2, 3], options(r#"{"nope":1}"#), None)
        .err()
        .expect("unknown option fails");
    assert_eq!(code(&e), "invalid_option");
    let mut page = RgbaPage::new(4, 4, JsValue::UNDEFINED).expect("page");
    let e = page.push_rows(&[0; 12]).err().expect("partial row fails");
    assert_eq!(code(&e), "buffer_size_mismatch");
    let e = RgbaPage::new(20_000, 20_000, JsValue::UNDEFINED)
        .err()
        .expect("too large");
    assert_eq!(code(&e), "image_too_large");
}
