//! Fuzzes the whole pipeline from encoded bytes: any input must give `Ok` or a typed `Err`,
//! never a panic, with limits small enough that each run stays fast. The output format follows
//! the input's length, so every encoder (Group 4, 1-bit PNG, gray PNG, JPEG) gets inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanprep::{process, Format, Options};

fuzz_target!(|data: &[u8]| {
    let format = [Format::Tiff, Format::Png, Format::GrayPng, Format::Jpeg][data.len() % 4];
    let options = Options {
        max_pixels: 1 << 20,
        max_side: 4096,
        max_input_bytes: 1 << 20,
        format,
        allow_truncated: (data.len() / 4) % 2 == 0,
        ..Options::default()
    };
    if let Ok(out) = process(data, &options) {
        assert_eq!(out.bytes.len() as u64, out.report.output_bytes);
    }
});
