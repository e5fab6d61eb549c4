//! Bad input gives a typed error or a sensible result: never a panic, never an allocation
//! beyond the limits.

use std::io::Cursor;

use scanprep::{
    decode_image, probe_image, process, process_gray, Error, Format, GrayImage, Limits, Options,
};
use scanprep_tests::fixture;

fn encode(img: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format)
        .expect("encodes");
    out
}

#[test]
fn empty_and_random_inputs_are_typed_errors() {
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
}

/// Fixtures in every input format: JPEG (a page and a photo with EXIF), WebP, TIFF, PNG.
const EVERY_FORMAT: [&str; 6] = [
    "page-skew-minus7.jpg",
    "photo-shadow.jpg",
    "page.webp",
    "scan-1bit.tiff",
    "two-column.png",
    "picture.png",
];

/// A file cut short (an interrupted upload) is a `truncated_image` error in every format,
/// never a silent success; with `allow_truncated` it gives the rows it holds and a warning,
/// or the same error when nothing can be read.
#[test]
fn truncated_inputs_are_truncated_image_errors_in_every_format() {
    let lenient = Options {
        allow_truncated: true,
        ..Options::default()
    };
    for name in EVERY_FORMAT {
        let bytes = fixture(name);
        for cut in [
            16,
            64,
            200,
            bytes.len() / 3,
            bytes.len() * 2 / 5,
            bytes.len() / 2,
            bytes.len() - 2,
            bytes.len() - 1,
        ] {
            let what = format!("{name} cut at {cut} of {}", bytes.len());
            let err = process(&bytes[..cut], &Options::default())
                .map(|out| out.report)
                .unwrap_err();
            assert_eq!(err.code(), "truncated_image", "{what}: {err}");
            assert!(err.to_string().contains("missing"), "{what}: {err}");
            match process(&bytes[..cut], &lenient) {
                Ok(out) => {
                    let w = &out.report.warnings;
                    assert_eq!(w.len(), 1, "{what}");
                    assert_eq!(w[0].code, "truncated_image", "{what}");
                }
                Err(e) => assert_eq!(e.code(), "truncated_image", "{what}: {e}"),
            }
        }
        // The whole file is not truncated.
        let out = process(&bytes, &Options::default()).expect("the whole file decodes");
        assert!(out.report.warnings.is_empty(), "{name}");
    }
}

/// The first 40% of a phone photo: the missing rows are reported, and left white rather than
/// made up.
#[test]
fn a_jpeg_cut_at_forty_percent_says_which_rows_are_missing() {
    let bytes = fixture("photo-shadow.jpg");
    let part = &bytes[..bytes.len() * 2 / 5];
    let err = decode_image(part, &Limits::default()).unwrap_err();
    let Error::TruncatedImage {
        format: "jpeg",
        rows_present,
        height,
    } = err
    else {
        panic!("{err:?}");
    };
    let whole = decode_image(&bytes, &Limits::default()).expect("decodes");
    let stored_height = if whole.exif_orientation >= 5 {
        whole.image.width()
    } else {
        whole.image.height()
    };
    assert_eq!(height, stored_height);
    assert!(
        rows_present > 0 && rows_present < height,
        "{rows_present} of {height}"
    );
    let lenient = Limits {
        allow_truncated: true,
        ..Limits::default()
    };
    let cut = decode_image(part, &lenient).expect("decodes in part");
    let t = cut.truncated.expect("reports the truncation");
    assert_eq!((t.rows_present, t.height), (rows_present, height));
    // Upright, the rows present match the whole file's pixels and the rest is white.
    assert_eq!(cut.exif_orientation, whole.exif_orientation);
    let same = cut
        .image
        .data()
        .iter()
        .zip(whole.image.data())
        .filter(|(a, b)| a == b)
        .count();
    let white = cut.image.data().iter().filter(|&&v| v == 255).count();
    let n = whole.image.data().len();
    let expect_same = n as u64 * rows_present as u64 / height as u64;
    assert!(same as u64 >= expect_same * 99 / 100, "{same} of {n}");
    assert!(
        white as u64 >= (n as u64 - expect_same) * 99 / 100,
        "{white} of {n}"
    );
}

/// `fuzz/seeds/`: the fuzzers' seed files and every input that once crashed the engine.
fn seeds_dir() -> std::path::PathBuf {
    scanprep_tests::fixtures_dir()
        .parent()
        .map(|p| p.join("fuzz").join("seeds"))
        .expect("the repository root")
}

/// Every input that ever crashed the engine (`fuzz/seeds/regress-*`, found by `cargo fuzz`),
/// and every other seed, decodes or gives a typed error through the decoders and the whole
/// pipeline.
#[test]
fn every_fuzz_seed_and_past_crash_is_a_result_not_a_panic() {
    let dir = seeds_dir();
    let mut seen = 0;
    let mut regressions = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("fuzz/seeds is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let bytes = std::fs::read(&path).expect("reads");
        let name = path.display().to_string();
        // What the upload check reads is what decoding finds (a file with two frame headers
        // once decoded at the second one's size).
        if let (Ok(d), Ok(info)) = (
            decode_image(&bytes, &Limits::default()),
            probe_image(&bytes, &Limits::default()),
        ) {
            let (w, h) = (d.image.width(), d.image.height());
            let (pw, ph) = (info.width, info.height);
            assert_eq!((pw.max(ph), pw.min(ph)), (w.max(h), w.min(h)), "{name}");
        }
        for format in [Format::Tiff, Format::Png, Format::GrayPng, Format::Jpeg] {
            let options = Options {
                format,
                ..Options::default()
            };
            if let Err(e) = process(&bytes, &options) {
                assert!(!e.code().is_empty(), "{name}");
            }
        }
        seen += 1;
        regressions += name.contains("regress-") as u32;
    }
    assert!(
        seen >= 10 && regressions >= 4,
        "{seen} seeds, {regressions} regressions"
    );
}

/// The two files that panicked inside zune-jpeg (a hierarchical frame marker among
/// baseline segments) are typed errors that name what is unsupported.
#[test]
fn the_zune_jpeg_panics_are_typed_errors() {
    let dir = seeds_dir();
    for name in ["regress-zune-mcu-panic.jpg", "regress-zune-mcu-panic-2.jpg"] {
        let bytes = std::fs::read(dir.join(name)).expect("reads");
        let err = process(&bytes, &Options::default()).unwrap_err();
        assert_eq!(err.code(), "unsupported_feature", "{name}: {err}");
        assert!(err.to_string().contains("hierarchical"), "{name}: {err}");
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

/// `probe_image` reads what the Worker checks before it accepts an upload: the format, the
/// size within the limits, whether the file is whole and the orientation decoding applies
/// (the browser build reports it for files the browser decoded), from every format's structure.
#[test]
fn probe_reads_size_and_completeness_without_decoding() {
    for name in EVERY_FORMAT {
        let bytes = fixture(name);
        let info = probe_image(&bytes, &Limits::default()).expect("probes");
        let d = decode_image(&bytes, &Limits::default()).expect("decodes");
        let (w, h) = if d.exif_orientation >= 5 {
            (d.image.height(), d.image.width())
        } else {
            (d.image.width(), d.image.height())
        };
        assert_eq!(
            (info.width, info.height, info.format, info.exif_orientation),
            (w, h, d.format, d.exif_orientation),
            "{name}"
        );
        assert!(info.complete, "{name}");
        for cut in [16, 300, bytes.len() / 2, bytes.len() - 1] {
            match probe_image(&bytes[..cut], &Limits::default()) {
                Ok(info) => assert!(!info.complete, "{name} cut at {cut}"),
                Err(e) => assert_eq!(e.code(), "truncated_image", "{name} cut at {cut}: {e}"),
            }
        }
        let small = Limits {
            max_pixels: 1000,
            ..Limits::default()
        };
        let err = probe_image(&bytes, &small).unwrap_err();
        assert_eq!(err.code(), "image_too_large", "{name}");
    }
    assert_eq!(
        probe_image(b"not an image at all", &Limits::default()).unwrap_err(),
        Error::UnsupportedFormat
    );
}
