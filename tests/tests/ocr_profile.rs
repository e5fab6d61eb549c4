//! OCR API profiles: the output is one the named service accepts (format, pixels, bytes), or a
//! typed error says which limit it cannot meet.

use scanprep::{
    decode_image, process_gray, Binarization, Error, Format, GrayImage, Limits, OcrProfile, Options,
};
use scanprep_fixtures::{render_page, PageSpec};

fn with(profile: OcrProfile) -> Options {
    Options {
        ocr_profile: profile,
        ..Options::default()
    }
}

#[test]
fn a_format_the_service_does_not_read_is_replaced_and_the_report_says_so() {
    let page = render_page(&PageSpec::letter_small()).image;
    // Google Vision's images:annotate reads no TIFF: the default Group 4 becomes a 1-bit PNG.
    let out = process_gray(page.clone(), &with(OcrProfile::GoogleVision), None).unwrap();
    assert_eq!(out.media_type, "image/png");
    assert_eq!(out.report.output_format, "png");
    assert!(out.bytes.starts_with(b"\x89PNG"));
    let w = &out.report.warnings;
    assert!(w.iter().any(|w| w.code == "format_changed"), "{w:?}");
    // Textract reads TIFF: nothing changes.
    let t = process_gray(page, &with(OcrProfile::Textract), None).unwrap();
    assert_eq!(t.media_type, "image/tiff");
    assert!(t.report.warnings.is_empty());
}

#[test]
fn a_page_beyond_the_side_limit_is_reduced_to_it() {
    // A 12,000 px strip (a long receipt scanned at high resolution): Textract takes 10,000.
    let strip = GrayImage::new(12_000, 400, 255);
    let o = Options {
        max_working_pixels: 0,
        ..with(OcrProfile::Textract)
    };
    let out = process_gray(strip, &o, None).unwrap();
    assert!(out.width <= 10_000 && out.width >= 9_990, "{}", out.width);
    assert_eq!(out.report.text_size.unwrap().decision, "limited");
}

#[test]
fn limits_that_cannot_be_met_are_typed_errors_naming_the_limit() {
    // Azure Read needs 50 px a side.
    let e = process_gray(
        GrayImage::new(40, 300, 255),
        &with(OcrProfile::AzureRead),
        None,
    )
    .unwrap_err();
    assert_eq!(e.code(), "ocr_limit_exceeded");
    assert!(
        matches!(
            e,
            Error::OcrLimitExceeded {
                limit: "min_side",
                value: 40,
                allowed: 50,
                ..
            }
        ),
        "{e}"
    );
    // Noise does not compress: a 5 Mpx gray PNG of it is over the free tier's 4 MB.
    let mut noise = GrayImage::new(2500, 2000, 0);
    let mut state = 1u64;
    for p in noise.data_mut() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *p = (state >> 56) as u8;
    }
    let o = Options {
        binarization: Binarization::None,
        format: Format::GrayPng,
        deskew: false,
        detect_page: false,
        ..with(OcrProfile::AzureReadFree)
    };
    let e = process_gray(noise.clone(), &o, None).unwrap_err();
    assert!(
        matches!(
            e,
            Error::OcrLimitExceeded {
                profile: "azure-read-free",
                limit: "max_bytes",
                allowed: 4_194_304,
                ..
            }
        ),
        "{e}"
    );
    // The standard tier takes it.
    let o = Options {
        ocr_profile: OcrProfile::AzureRead,
        ..o
    };
    let out = process_gray(noise, &o, None).unwrap();
    let back = decode_image(&out.bytes, &Limits::default()).unwrap().image;
    assert_eq!((back.width(), back.height()), (2500, 2000));
}

#[test]
fn profiles_are_named_in_json_as_in_the_flags() {
    let o: Options = serde_json::from_str(r#"{"ocr_profile": "azure-read-free"}"#).unwrap();
    assert_eq!(o.ocr_profile, OcrProfile::AzureReadFree);
    assert!(serde_json::from_str::<Options>(r#"{"ocr_profile": "abbyy"}"#).is_err());
}
