//! Fuzzes the decoders alone (JPEG, PNG, TIFF, WebP), which run many more inputs per second
//! than the whole pipeline, and the upload check (`probe_image`): any input must give `Ok` or a
//! typed `Err`, never a panic, and an image within the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanprep::{decode_image, probe_image, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_pixels: 1 << 22,
        max_side: 8192,
        max_input_bytes: 1 << 20,
        // Both ways: files cut short are errors, or decode in part.
        allow_truncated: data.len() % 2 == 0,
        // With and without the colour's block means.
        keep_chroma: data.len() % 3 != 0,
    };
    // The upload check reads the structure alone: it must never panic either, and a file it
    // calls whole and within the limits has the size it decodes to.
    let probed = probe_image(data, &limits);
    if let Ok(d) = decode_image(data, &limits) {
        if let Ok(info) = probed {
            let (w, h) = (
                d.image.width().max(d.image.height()),
                d.image.width().min(d.image.height()),
            );
            assert_eq!(
                (info.width.max(info.height), info.width.min(info.height)),
                (w, h)
            );
        }
        let (w, h) = (d.image.width() as u64, d.image.height() as u64);
        assert!(w * h <= limits.max_pixels && w.max(h) <= 8192);
        if let Some(t) = d.truncated {
            assert!(limits.allow_truncated && t.rows_present <= t.height);
        }
    }
});
