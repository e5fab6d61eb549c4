//! Bad input gives a typed error or a sensible result: never a panic, never an allocation
//! beyond the limits.

use std::io::Cursor;

use scanprep::{process, process_gray, Error, Format, GrayImage, Options};
use scanprep_tests::fixture;

fn encode(img: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format)
        .expect("encodes");
    out
}

#[test]
fn empty_random_and_truncated_inputs_are_typed_errors() {
    assert_eq!(
        process(&[], &Options::default()).unwrap_err(),
        Error::EmptyInput
    );
    let junk: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert_eq!(
        process(&junk, &Options::default()).unwrap_err(),
        Error::UnsupportedFormat
    );
    for name in [
        "page-skew-minus7.jpg",
        "page.webp",
        "scan-1bit.tiff",
        "two-column.png",
    ] {
        let bytes = fixture(name);
        for cut in [
            1,
            2,
            8,
            16,
            64,
            200,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            // A truncated file may still decode (JPEG and PNG decoders pad missing data) or
            // fail with a typed error; it must not panic.
            if let Err(e) = process(&bytes[..cut], &Options::default()) {
                assert!(!e.to_string().is_empty(), "{name} cut at {cut}");
            }
        }
    }
}

#[test]
fn a_header_claiming_a_huge_image_is_refused_before_decoding() {
    let mut png = encode(
        image::DynamicImage::new_luma8(4, 4),
        image::ImageFormat::Png,
    );
    // Patch IHDR's width and height to 100000 and fix its CRC.
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let err = process(&png, &Options::default()).unwrap_err();
    assert!(err.is_limit(), "{err:?}");
    let small = Options {
        max_pixels: 10,
        ..Options::default()
    };
    let ok_png = encode(
        image::DynamicImage::new_luma8(4, 4),
        image::ImageFormat::Png,
    );
    assert!(matches!(
        process(&ok_png, &small),
        Err(Error::ImageTooLarge {
            width: 4,
            height: 4,
            max_pixels: 10
        })
    ));
    let tiny = Options {
        max_input_bytes: 10,
        ..Options::default()
    };
    assert!(matches!(
        process(&ok_png, &tiny),
        Err(Error::InputTooLarge { .. })
    ));
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn tiny_uniform_and_deep_images_give_sensible_results() {
    for (w, h, v) in [
        (1, 1, 0u8),
        (1, 1, 255),
        (2, 1, 128),
        (3, 300, 0),
        (640, 480, 255),
        (640, 480, 0),
    ] {
        let out = process_gray(GrayImage::new(w, h, v), &Options::default(), None)
            .unwrap_or_else(|e| panic!("{w}x{h}={v}: {e}"));
        assert!(!out.report.rotated, "{w}x{h}");
        assert!(!out.bytes.is_empty());
    }
    // A white page stays white; an all-black page is one big border and is cleaned away.
    let white =
        process_gray(GrayImage::new(640, 480, 255), &Options::default(), None).expect("runs");
    assert_eq!(
        white.report.speckles_removed + white.report.border_pixels_removed,
        0
    );
    // 16-bit PNG and TIFF, RGBA with transparency: decoded to 8-bit gray.
    let deep = image::DynamicImage::ImageLuma16(image::ImageBuffer::from_fn(64, 48, |x, y| {
        image::Luma([((x * 1000 + y * 300) % 65536) as u16])
    }));
    for f in [image::ImageFormat::Png, image::ImageFormat::Tiff] {
        let out = process(&encode(deep.clone(), f), &Options::default()).expect("16-bit decodes");
        assert_eq!((out.report.input_width, out.report.input_height), (64, 48));
    }
    let rgba = image::DynamicImage::ImageRgba8(image::ImageBuffer::from_fn(32, 32, |x, _| {
        image::Rgba([0, 0, 0, (x * 8) as u8])
    }));
    process(&encode(rgba, image::ImageFormat::Png), &Options::default()).expect("RGBA decodes");
}

#[test]
fn cmyk_jpeg_decodes_to_gray() {
    let (w, h) = (40u16, 30u16);
    let mut px = Vec::new();
    for y in 0..h {
        for x in 0..w {
            // Black ink (K) on the left half, paper on the right.
            px.extend_from_slice(&[0, 0, 0, if x < w / 2 { 255 } else { 0 }]);
            let _ = y;
        }
    }
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, 95);
    enc.encode(&px, w, h, jpeg_encoder::ColorType::Cmyk)
        .expect("encodes CMYK");
    let opts = Options {
        format: Format::GrayPng,
        binarization: scanprep::Binarization::None,
        deskew: false,
        ..Options::default()
    };
    let done = process(&out, &opts).expect("CMYK JPEG decodes");
    assert_eq!((done.width, done.height), (40, 30));
}

#[test]
fn invalid_options_are_refused_with_the_field_name() {
    let png = encode(
        image::DynamicImage::new_luma8(8, 8),
        image::ImageFormat::Png,
    );
    let bad = Options {
        jpeg_quality: 0,
        ..Options::default()
    };
    assert!(matches!(
        process(&png, &bad),
        Err(Error::InvalidOption {
            field: "jpeg_quality",
            ..
        })
    ));
}
