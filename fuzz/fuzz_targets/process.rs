//! Fuzzes the whole pipeline from encoded bytes: any input must give `Ok` or a typed `Err`,
//! never a panic, with limits small enough that each run stays fast. The output format follows
//! the input's length, so every encoder (Group 4, 1-bit PNG, gray PNG, JPEG) gets inputs, and
//! so do the text-size targets (default, off, the range's ends) and every OCR profile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanprep::{process, Format, OcrProfile, Options};

fuzz_target!(|data: &[u8]| {
    let format = [Format::Tiff, Format::Png, Format::GrayPng, Format::Jpeg][data.len() % 4];
    let options = Options {
        max_pixels: 1 << 20,
        max_side: 4096,
        max_input_bytes: 1 << 20,
        format,
        allow_truncated: (data.len() / 4) % 2 == 0,
        target_x_height: [Some(24.0), None, Some(8.0), Some(64.0)][(data.len() / 8) % 4],
        ocr_profile: [
            OcrProfile::None,
            OcrProfile::Tesseract,
            OcrProfile::Textract,
            OcrProfile::GoogleVision,
            OcrProfile::AzureRead,
            OcrProfile::AzureReadFree,
        ][(data.len() / 32) % 6],
        // Text sizing may enlarge the page up to this: keep each run fast.
        max_working_pixels: 4_000_000,
        ..Options::default()
    };
    if let Ok(out) = process(data, &options) {
        assert_eq!(out.bytes.len() as u64, out.report.output_bytes);
    }
});
