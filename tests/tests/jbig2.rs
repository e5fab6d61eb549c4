//! Lossless JBIG2 output: what `format = jbig2` writes decodes, with two independent decoders
//! (hayro-jbig2 and Debian's `jbig2dec`), to exactly the page Group 4 carries, and is smaller.

use scanprep::{decode_image, process, process_gray, BitImage, Format, Limits, Options};
use scanprep_fixtures::jbig2check::{have_jbig2dec, hayro_decode_file, jbig2dec_decode};
use scanprep_fixtures::{a4_page, render_page, PageSpec};
use scanprep_tests::fixture;

fn with(format: Format) -> Options {
    Options {
        format,
        ..Options::default()
    }
}

/// The page's bits as the Group 4 TIFF output carries them.
fn tiff_bits(bytes: &[u8]) -> BitImage {
    let back = decode_image(bytes, &Limits::default()).expect("our TIFF decodes");
    BitImage::from_gray_threshold(&back.image, 127)
}

#[test]
fn the_jbig2_output_is_the_group_4_page_bit_for_bit_and_smaller() {
    for name in [
        "two-column.png",
        "page-skew-plus3.png",
        "page-skew-minus7.jpg",
    ] {
        let input = fixture(name);
        let g4 = process(&input, &with(Format::Tiff)).unwrap();
        let jb = process(&input, &with(Format::Jbig2)).unwrap();
        assert_eq!(jb.media_type, "image/x-jbig2");
        assert_eq!(jb.report.output_format, "jbig2");
        assert_eq!((jb.width, jb.height), (g4.width, g4.height));
        let page = hayro_decode_file(&jb.bytes).expect("hayro-jbig2 decodes it");
        assert_eq!(page, tiff_bits(&g4.bytes), "{name}");
        // The TIFF holds the Group 4 data and ~200 bytes of header: compare with a margin.
        let ratio = jb.bytes.len() as f64 / g4.bytes.len() as f64;
        assert!(
            ratio < 0.85,
            "{name}: JBIG2 {} B, TIFF {} B",
            jb.bytes.len(),
            g4.bytes.len()
        );
    }
}

#[test]
fn jbig2dec_reads_what_we_write() {
    if !have_jbig2dec() {
        // scripts/setup.sh installs it; CI must not pass without the check.
        assert!(
            std::env::var_os("CI").is_none(),
            "jbig2dec is not installed"
        );
        eprintln!("jbig2dec is not installed: skipped (apt-get install jbig2dec)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("scanprep_jbig2dec_{}", std::process::id()));
    let pages = [
        a4_page(2).image,
        render_page(&PageSpec {
            columns: 2,
            seed: 9,
            ..PageSpec::a4_150dpi()
        })
        .image,
        render_page(&PageSpec::blank(333, 101)).image,
    ];
    for page in pages {
        let g4 = process_gray(page.clone(), &with(Format::Tiff), None).unwrap();
        let jb = process_gray(page, &with(Format::Jbig2), None).unwrap();
        let back = jbig2dec_decode(&jb.bytes, &dir).expect("jbig2dec decodes it");
        assert_eq!(back, tiff_bits(&g4.bytes));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_resolution_travels_in_the_page_information() {
    let o = Options {
        dpi: Some(300),
        target_x_height: None,
        ..with(Format::Jbig2)
    };
    let out = process_gray(render_page(&PageSpec::letter_small()).image, &o, None).unwrap();
    // File header (13 bytes), then the page information segment header (11): width, height,
    // then the resolution in pixels per metre (300 dpi is 11811).
    let info = &out.bytes[24..];
    let field = |i: usize| u32::from_be_bytes(info[i..i + 4].try_into().unwrap());
    assert_eq!((field(0), field(4)), (out.width, out.height));
    assert_eq!((field(8), field(12)), (11811, 11811));
}
