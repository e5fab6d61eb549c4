//! Fuzzes the decoders alone (JPEG, PNG, TIFF, WebP), which run many more inputs per second
//! than the whole pipeline: any input must give `Ok` or a typed `Err`, never a panic, and an
//! image within the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanprep::{decode_image, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_pixels: 1 << 22,
        max_side: 8192,
        max_input_bytes: 1 << 20,
    };
    if let Ok(d) = decode_image(data, &limits) {
        let (w, h) = (d.image.width() as u64, d.image.height() as u64);
        assert!(w * h <= limits.max_pixels && w.max(h) <= 8192);
    }
});
