//! Shared inputs for the benchmarks: the A4 page and the 12 MP phone photo, generated
//! deterministically, and the options of the timed chains.

use scanprep::{GrayImage, Options};

pub mod gate;
pub mod heap;
/// Tesseract as the judge (shared with the test suite's OCR test).
pub use scanprep_fixtures::ocr;

/// The A4 page at 300 dpi (2480×3508), skewed 2–3°, as grayscale (after decoding).
pub fn a4_gray() -> GrayImage {
    scanprep_fixtures::a4_page(1).image
}

/// The 12 MP (4000×3000) phone photo, encoded as JPEG (quality 90) like a camera would.
pub fn photo_jpeg() -> Vec<u8> {
    let rgb = scanprep_fixtures::photo_12mp(1);
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    rgb.write_with_encoder(enc)
        .expect("in-memory JPEG encoding");
    out
}

/// The 12 MP photo converted to grayscale (after decoding).
pub fn photo_gray() -> GrayImage {
    let jpeg = photo_jpeg();
    scanprep::decode_image(&jpeg, &scanprep::Limits::default())
        .expect("decodes")
        .image
}

/// The chain the speed budget names: detect skew, rotate, binarize (default method), clean,
/// Group 4 — no background normalisation and no reduction.
pub fn budget_options() -> Options {
    Options {
        normalize_background: false,
        max_working_pixels: 0,
        ..Options::default()
    }
}

/// The seeds `FROM..TO` of an evaluation's first two arguments (`TO` defaults to
/// `FROM + default_len`, `FROM` to 0).
pub fn seed_range(args: &[String], default_len: u64) -> std::ops::Range<u64> {
    let from: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(0);
    let to: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(from + default_len);
    from..to
}

/// The capture named by an evaluation's third argument (`video` or `photo`), else `default`.
pub fn capture_arg(
    args: &[String],
    default: scanprep_fixtures::Capture,
) -> scanprep_fixtures::Capture {
    match args.get(2).map(String::as_str) {
        Some("video") => scanprep_fixtures::Capture::Video1080p,
        Some("photo") => scanprep_fixtures::Capture::Photo12mp,
        _ => default,
    }
}
