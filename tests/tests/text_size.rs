//! Text sized for OCR: the x-height is measured on rendered pages whose fonts' x-heights are
//! known, small text comes out at the target x-height (binarized from the enlarged gray page),
//! ordinary 300 dpi pages keep their bytes, and a page without text keeps its resolution.

use scanprep::{
    binarize, decode_image, measure_text, process_gray, BinarizeParams, BitImage, Error, Format,
    Limits, Options,
};
use scanprep_fixtures::{render_page, Font, PageSpec};

/// x-heights of the DejaVu faces as a fraction of the em (OS/2 `sxHeight` over 2048 units).
fn x_height_em(font: Font) -> f64 {
    match font {
        Font::Serif => 1063.0 / 2048.0,
        _ => 1120.0 / 2048.0,
    }
}

fn png() -> Options {
    Options {
        format: Format::Png,
        ..Options::default()
    }
}

/// The output's bits, decoded back.
fn output_bits(bytes: &[u8]) -> BitImage {
    let gray = decode_image(bytes, &Limits::default()).unwrap().image;
    BitImage::from_gray_threshold(&gray, 127)
}

#[test]
fn the_x_height_of_rendered_text_is_measured_within_a_pixel_and_a_half() {
    for (font, dpi, pt) in [
        (Font::Serif, 300.0, 10.0),
        (Font::Sans, 150.0, 10.0),
        (Font::Sans, 100.0, 10.0),
        (Font::Serif, 200.0, 7.0),
    ] {
        let spec = PageSpec {
            width: (8.27 * dpi) as u32,
            height: (11.69 * dpi) as u32,
            font,
            text_px: (pt * dpi / 72.0) as f32,
            ..PageSpec::a4_300dpi()
        };
        let page = render_page(&spec);
        let (bits, _) = binarize(&page.image, &BinarizeParams::default());
        let m = measure_text(&bits);
        let want = x_height_em(font) * spec.text_px as f64;
        let got = m.x_height_px.expect("text is measured");
        assert!(
            (got - want).abs() <= 1.5,
            "{font:?} {dpi} dpi {pt} pt: x-height {got} px, the font's is {want:.1}"
        );
        let cap = m.cap_height_px.expect("capitals and ascenders show");
        assert!(cap > 1.25 * got && cap < 1.7 * got, "{m:?}");
    }
}

#[test]
fn small_text_is_binarized_at_the_target_x_height() {
    // 10 pt at 100 dpi: an x-height of about 7.7 px, where Tesseract starts to lose letters.
    let spec = PageSpec::letter_small();
    let page = render_page(&spec);
    let out = process_gray(page.image, &png(), None).unwrap();
    let ts = out
        .report
        .text_size
        .clone()
        .expect("text sizing is on by default");
    assert_eq!(ts.decision, "enlarged", "{ts:?}");
    let xh = ts.text_height_px.unwrap();
    assert!((xh - 7.7).abs() <= 1.5, "{ts:?}");
    assert!((ts.scale - 24.0 / xh).abs() < 0.01, "{ts:?}");
    assert_eq!(out.width, (850.0 * ts.scale).round() as u32);
    // What OCR gets: text at the target, in smooth strokes (the gray page enlarged, then
    // thresholded), not enlarged pixels.
    let bits = output_bits(&out.bytes);
    let after = measure_text(&bits).x_height_px.unwrap();
    assert!((after - 24.0).abs() <= 2.0, "x-height after sizing {after}");
    // Enlarged bits would show runs in multiples of the scale only; binarizing the enlarged
    // gray page gives edges at every pixel.
    let mut lengths = std::collections::BTreeSet::new();
    for y in (0..bits.height()).step_by(7) {
        let mut run = 0;
        for x in 0..bits.width() {
            if bits.get(x, y) {
                run += 1;
            } else if run > 0 {
                lengths.insert(run);
                run = 0;
            }
        }
    }
    assert!((1..=6).all(|l| lengths.contains(&l)), "{lengths:?}");

    // Off: today's resolution.
    let off = Options {
        target_x_height: None,
        ..png()
    };
    let kept = process_gray(render_page(&spec).image, &off, None).unwrap();
    assert_eq!((kept.width, kept.height), (850, 1100));
    assert_eq!(kept.report.text_size, None);
}

#[test]
fn ordinary_300_dpi_pages_keep_their_bytes_and_large_text_is_reduced() {
    let page = render_page(&PageSpec::a4_300dpi());
    let on = process_gray(page.image.clone(), &Options::default(), None).unwrap();
    let off = Options {
        target_x_height: None,
        ..Options::default()
    };
    let kept = process_gray(page.image, &off, None).unwrap();
    assert_eq!(on.report.text_size.as_ref().unwrap().decision, "in_range");
    assert_eq!(on.bytes, kept.bytes);

    // 24 pt at 300 dpi (x-height ≈ 52 px) comes down to 1.5 times the target.
    let big = PageSpec {
        text_px: 100.0,
        ..PageSpec::a4_300dpi()
    };
    let out = process_gray(render_page(&big).image, &png(), None).unwrap();
    let ts = out.report.text_size.unwrap();
    assert_eq!(ts.decision, "reduced", "{ts:?}");
    assert!(ts.scale < 0.75 && out.width < 2480 * 3 / 4, "{ts:?}");
    assert!(out.bytes.len() < kept.bytes.len());
}

#[test]
fn a_page_without_text_keeps_its_resolution_and_says_so() {
    let page = render_page(&PageSpec::blank(1240, 1754));
    let out = process_gray(page.image, &Options::default(), None).unwrap();
    let ts = out.report.text_size.unwrap();
    assert_eq!((ts.decision.as_str(), ts.text_height_px), ("no_text", None));
    assert_eq!(ts.scale, 1.0);
    assert_eq!((out.width, out.height), (1240, 1754));
}

#[test]
fn a_target_out_of_range_is_a_typed_error_and_null_turns_sizing_off() {
    for t in [4.0, 100.0, f32::NAN] {
        let o = Options {
            target_x_height: Some(t),
            ..Options::default()
        };
        let e = process_gray(render_page(&PageSpec::letter_small()).image, &o, None).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidOption {
                    field: "target_x_height",
                    ..
                }
            ),
            "{e}"
        );
    }
    let o: Options = serde_json::from_str(r#"{"target_x_height": null}"#).unwrap();
    assert_eq!(o.target_x_height, None);
    let o: Options = serde_json::from_str(r#"{"target_x_height": 30}"#).unwrap();
    assert_eq!(o.target_x_height, Some(30.0));
}
