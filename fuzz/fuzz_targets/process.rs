//! Fuzzes the whole pipeline from encoded bytes: any input must give `Ok` or a typed `Err`,
//! never a panic, with limits small enough that each run stays fast.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanprep::{process, Options};

fuzz_target!(|data: &[u8]| {
    let options = Options { max_pixels: 1 << 20, max_side: 4096, max_input_bytes: 1 << 20, ..Options::default() };
    if let Ok(out) = process(data, &options) {
        assert_eq!(out.bytes.len() as u64, out.report.output_bytes);
    }
});
