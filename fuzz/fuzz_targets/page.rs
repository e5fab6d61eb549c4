//! Fuzzes the photo stages on raw pixels: page detection (in the luma and in any colour),
//! orientation and the quality verdict on any gray image, and rectification through any four corners (collinear, crossing, far
//! outside, NaN or infinite), also as a live preview detects (`detect_frame`, on gray and on
//! the bytes read as RGBA, the page's middle through any corners): `Ok` or a typed `Err`,
//! never a panic.
//!
//! Layout of an input: 32 bytes of corners (eight little-endian `f32`), 2 bytes of width, then
//! the pixels (the height is what they fill).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanprep::{
    detect_color, detect_frame, detect_frame_rgba, detect_gray, process_gray, ChromaBuilder,
    Format, GrayImage, Options, PageSize,
};

fuzz_target!(|data: &[u8]| {
    if data.len() < 36 {
        return;
    }
    let f = |i: usize| f32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as f64;
    let corners = [[f(0), f(4)], [f(8), f(12)], [f(16), f(20)], [f(24), f(28)]];
    let width = u16::from_le_bytes([data[32], data[33]]).max(1) as u32 % 2048 + 1;
    let pixels = &data[34..];
    let height = (pixels.len() as u32 / width).max(1);
    let mut img = GrayImage::new(width, height, 255);
    let n = img.data().len().min(pixels.len());
    img.data_mut()[..n].copy_from_slice(&pixels[..n]);
    let options = Options {
        format: Format::GrayPng,
        binarization: scanprep::Binarization::None,
        ..Options::default()
    };
    let _ = detect_gray(img.clone(), &options);
    // The same bytes read as RGB too: the colour search on any chroma.
    let mut chroma = ChromaBuilder::new(width, height);
    for row in 0..height as usize {
        let rgb: Vec<u8> = (0..3 * width as usize)
            .map(|i| {
                pixels
                    .get((row * width as usize * 3 + i) % pixels.len().max(1))
                    .copied()
                    .unwrap_or(128)
            })
            .collect();
        chroma.push_rows(&rgb, 3);
    }
    let _ = detect_color(img.clone(), chroma.finish(), &options);
    let _ = detect_frame(img.clone(), None, &options);
    let rgba_height = pixels.len() as u32 / (4 * width);
    let rgba = &pixels[..(4 * width * rgba_height) as usize];
    let _ = detect_frame_rgba(rgba, width, rgba_height, &options);
    let manual = Options {
        corners: Some(corners),
        page_size: if data[33] % 2 == 0 {
            PageSize::default()
        } else {
            PageSize::Ratio(f(4).abs().clamp(0.0, 30.0))
        },
        ..options
    };
    let _ = detect_frame(img.clone(), None, &manual);
    if let Ok(out) = process_gray(img, &manual, None) {
        assert_eq!(out.bytes.len() as u64, out.report.output_bytes);
    }
});
