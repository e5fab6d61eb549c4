//! PDF/A documents: what `create_pdf` writes is checked with tools that did not write it.
//! - structure: `qpdf --check` finds no error;
//! - rendering: `pdftoppm` of every page, at the page's resolution, equals the page's bitmap
//!   pixel for pixel (bilevel and gray PNG pages; a JPEG page within its decoder's rounding);
//! - PDF/A-2 fields: XMP names part 2 and conformance B (no text) or U (a text layer), its
//!   producer and title equal the Info dictionary's, an output intent carries a 1-component
//!   ICC profile, the trailer has an ID, there is no encryption and no JavaScript;
//! - text layer: `pdftotext` gives the words back in reading order, `pdftotext -bbox` puts
//!   each word where its box is in the image; with Tesseract's own hOCR for a page too.
//!
//! No full PDF/A validator installs here, so these are the checks; the tools come from
//! `scripts/setup.sh` (qpdf, poppler-utils, tesseract-ocr). Without them a test is skipped
//! locally and fails in CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use scanprep::{
    create_pdf, decode_image, process, process_gray, Binarization, Format, Limits, Options,
    PageWords, PdfOptions, PdfPage, PdfWriter, Word,
};
use scanprep_fixtures::jbig2check::hayro_decode_file;
use scanprep_fixtures::{a4_page, render_page, PageSpec};
use scanprep_tests::fixture;

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-v").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is not installed (scripts/setup.sh installs it)"
        );
        eprintln!("{tool} is not installed: skipped");
    }
    ok
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("scanprep_pdf_{}_{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the tool runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn with(format: Format) -> Options {
    Options {
        format,
        ..Options::default()
    }
}

/// A P5 PGM's size and samples.
fn read_pgm(data: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while data[at].is_ascii_whitespace() {
            at += 1;
        }
        if data[at] == b'#' {
            while data[at] != b'\n' {
                at += 1;
            }
            continue;
        }
        let start = at;
        while !data[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, data[at + 1..].to_vec())
}

/// Renders page `page` (from 1) at `dpi` as 8-bit gray, without anti-aliasing.
fn render(pdf: &Path, page: usize, dpi: u32) -> (u32, u32, Vec<u8>) {
    let prefix = pdf.with_file_name(format!("render{page}"));
    run(Command::new("pdftoppm")
        .args(["-gray", "-aa", "no", "-aaVector", "no", "-singlefile"])
        .args(["-r", &dpi.to_string()])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg(&prefix));
    read_pgm(&std::fs::read(prefix.with_extension("pgm")).unwrap())
}

/// The page as our own decoder reads the processed output (every pixel 0 or 255 for
/// bilevel), or hayro-jbig2 for JBIG2.
fn pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    if bytes.starts_with(b"\x97JB2") {
        let bits = hayro_decode_file(bytes).expect("hayro-jbig2 decodes it");
        let g = bits.to_gray();
        return (g.width(), g.height(), g.data().to_vec());
    }
    let d = decode_image(bytes, &Limits::default()).expect("our output decodes");
    (d.image.width(), d.image.height(), d.image.data().to_vec())
}

#[test]
fn every_page_renders_back_to_its_bitmap_for_every_page_format() {
    if !have("pdftoppm") || !have("qpdf") {
        return;
    }
    let dir = tmp("render");
    let photo = fixture("page-skew-minus7.jpg");
    let scan = fixture("two-column.png");
    let gray = Options {
        binarization: Binarization::None,
        format: Format::GrayPng,
        ..Options::default()
    };
    // Formats whose pixels must come back exactly; the TIFF page stands for Group 4.
    let exact = [
        process(&scan, &with(Format::Jbig2)).unwrap(),
        process(&photo, &with(Format::Tiff)).unwrap(),
        process(&scan, &with(Format::Png)).unwrap(),
        process(&photo, &gray).unwrap(),
        process_gray(a4_page(3).image, &with(Format::Jbig2), None).unwrap(),
    ];
    let jpeg = process(
        &photo,
        &Options {
            binarization: Binarization::None,
            format: Format::Jpeg,
            ..Options::default()
        },
    )
    .unwrap();
    let mut pages: Vec<PdfPage> = exact
        .iter()
        .map(|p| PdfPage {
            image: &p.bytes,
            words: None,
        })
        .collect();
    pages.push(PdfPage {
        image: &jpeg.bytes,
        words: None,
    });
    let pdf = create_pdf(&pages, &PdfOptions::default()).unwrap();
    let path = dir.join("pages.pdf");
    std::fs::write(&path, &pdf).unwrap();
    run(Command::new("qpdf").arg("--check").arg(&path));
    for (i, p) in exact.iter().enumerate() {
        let dpi = p.report.output_dpi.unwrap_or(300);
        let (w, h, got) = render(&path, i + 1, dpi);
        let (ew, eh, want) = pixels(&p.bytes);
        assert_eq!((w, h), (ew, eh), "page {} size", i + 1);
        let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        assert_eq!(
            differ,
            0,
            "page {} ({}): {differ} pixels differ",
            i + 1,
            p.media_type
        );
    }
    // JPEG: poppler's IDCT rounds differently from ours; the page is the same within that.
    let dpi = jpeg.report.output_dpi.unwrap_or(300);
    let (w, h, got) = render(&path, exact.len() + 1, dpi);
    let (ew, eh, want) = pixels(&jpeg.bytes);
    assert_eq!((w, h), (ew, eh));
    let mean = got
        .iter()
        .zip(&want)
        .map(|(&a, &b)| (a as i32 - b as i32).abs() as f64)
        .sum::<f64>()
        / got.len() as f64;
    assert!(mean < 1.0, "JPEG page differs by {mean:.2} on average");
    std::fs::remove_dir_all(&dir).ok();
}

/// The XMP packet's text, found in the file (it is not compressed, as PDF/A wants).
fn xmp(pdf: &[u8]) -> String {
    let s = String::from_utf8_lossy(pdf);
    let a = s.find("<x:xmpmeta").expect("an XMP packet");
    let b = s[a..].find("</x:xmpmeta>").expect("the packet ends") + a;
    s[a..b].to_string()
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let a = s.find(open)? + open.len();
    let b = s[a..].find(close)? + a;
    Some(&s[a..b])
}

#[test]
fn a_document_is_pdf_a_2b_and_2u_with_a_text_layer() {
    if !have("qpdf") || !have("pdfinfo") {
        return;
    }
    let dir = tmp("pdfa");
    let page = process(&fixture("two-column.png"), &with(Format::Jbig2)).unwrap();
    let options = PdfOptions {
        title: Some("Quarterly <report> & notes".into()),
        author: Some("Ada".into()),
        created_unix_seconds: Some(1_796_407_305),
        ..PdfOptions::default()
    };
    let plain = create_pdf(
        &[PdfPage {
            image: &page.bytes,
            words: None,
        }],
        &options,
    )
    .unwrap();
    let words = PageWords {
        words: vec![Word {
            text: "Quarterly".into(),
            bbox: [300.0, 300.0, 900.0, 360.0],
        }],
        ..PageWords::default()
    };
    let text = create_pdf(
        &[PdfPage {
            image: &page.bytes,
            words: Some(&words),
        }],
        &options,
    )
    .unwrap();
    for (pdf, level) in [(&plain, "B"), (&text, "U")] {
        let path = dir.join(format!("doc{level}.pdf"));
        std::fs::write(&path, pdf).unwrap();
        run(Command::new("qpdf").arg("--check").arg(&path));
        let x = xmp(pdf);
        assert_eq!(between(&x, "<pdfaid:part>", "<"), Some("2"));
        assert_eq!(between(&x, "<pdfaid:conformance>", "<"), Some(level));
        assert!(x.contains("Quarterly &lt;report&gt; &amp; notes"));
        assert_eq!(
            between(&x, "<xmp:CreateDate>", "<"),
            Some("2026-12-04T18:01:45Z")
        );
        let info = run(Command::new("pdfinfo").arg("-isodates").arg(&path));
        let field = |k: &str| {
            info.lines()
                .find(|l| l.starts_with(k))
                .map(|l| l[k.len()..].trim().to_string())
                .unwrap_or_default()
        };
        assert_eq!(field("Title:"), "Quarterly <report> & notes");
        assert_eq!(field("Author:"), "Ada");
        assert_eq!(
            field("Producer:"),
            between(&x, "<pdf:Producer>", "<").unwrap()
        );
        assert_eq!(field("CreationDate:"), "2026-12-04T18:01:45Z");
        assert_eq!(field("Encrypted:"), "no");
        assert_eq!(field("JavaScript:"), "no");
        assert_eq!(field("Pages:"), "1");
        // An output intent for PDF/A with a gray ICC profile; a trailer ID.
        let raw = run(Command::new("qpdf")
            .args(["--qdf", "--object-streams=disable"])
            .arg(&path)
            .arg("-"));
        assert!(raw.contains("/S /GTS_PDFA1"), "no PDF/A output intent");
        let icc = run(Command::new("qpdf").arg("--show-object=5").arg(&path));
        assert!(
            icc.contains("/N 1"),
            "the output intent's profile is not gray: {icc}"
        );
        let trailer = run(Command::new("qpdf").arg("--show-object=trailer").arg(&path));
        assert!(trailer.contains("/ID ["), "no document ID: {trailer}");
    }
    // The same pages and options give the same bytes.
    let again = create_pdf(
        &[PdfPage {
            image: &page.bytes,
            words: None,
        }],
        &options,
    )
    .unwrap();
    assert_eq!(again, plain);
    std::fs::remove_dir_all(&dir).ok();
}

/// `pdftotext -bbox` words: text and box in points (origin top-left).
fn bbox_words(html: &str) -> Vec<(String, [f64; 4])> {
    let mut out = Vec::new();
    for part in html.split("<word ").skip(1) {
        let attr = |k: &str| -> f64 {
            between(part, &format!("{k}=\""), "\"")
                .and_then(|v| v.parse().ok())
                .unwrap()
        };
        let text = between(part, ">", "</word>").unwrap();
        let text = text
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'");
        out.push((
            text,
            [attr("xMin"), attr("yMin"), attr("xMax"), attr("yMax")],
        ));
    }
    out
}

fn overlap(a: [f64; 4], b: [f64; 4]) -> f64 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let area = |r: [f64; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    inter / (area(a) + area(b) - inter)
}

#[test]
fn the_text_layer_gives_the_words_back_in_order_on_their_boxes() {
    if !have("pdftotext") {
        return;
    }
    let dir = tmp("text");
    // A blank page at 200 dpi with three lines of words, one of them in many scripts and
    // more than 256 distinct characters in all (the layer spreads them over several fonts).
    let blank = render_page(&PageSpec::blank(1700, 2200)).image;
    let page = process_gray(
        blank,
        &Options {
            dpi: Some(200),
            format: Format::Jbig2,
            ..Options::default()
        },
        None,
    )
    .unwrap();
    let cjk: String = (0x4E00u32..0x4E00 + 300)
        .filter_map(char::from_u32)
        .collect();
    let lines: Vec<Vec<String>> = vec![
        vec!["Invoice".into(), "No.".into(), "2026-0415".into()],
        vec![
            "Straße".into(),
            "café".into(),
            "€12,50".into(),
            "“quoted”".into(),
        ],
        vec![
            cjk.chars().take(150).collect(),
            cjk.chars().skip(150).collect(),
        ],
    ];
    let (w, h) = (page.width as f64, page.height as f64);
    let mut words = PageWords::default();
    for (i, line) in lines.iter().enumerate() {
        let top = 150.0 + 120.0 * i as f64;
        let mut left = 120.0;
        for word in line {
            let width = (40.0 * word.chars().count() as f64).min(w - left - 200.0) / 1.0;
            let width = width.min(600.0);
            words.words.push(Word {
                text: word.clone(),
                bbox: [left, top, left + width, top + 60.0],
            });
            left += width + 40.0;
        }
    }
    let pdf = create_pdf(
        &[PdfPage {
            image: &page.bytes,
            words: Some(&words),
        }],
        &PdfOptions::default(),
    )
    .unwrap();
    let path = dir.join("text.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = run(Command::new("pdftotext").arg(&path).arg("-"));
    let got: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    let want: Vec<Vec<&str>> = lines
        .iter()
        .map(|l| l.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(got, want, "pdftotext gave:\n{text}");
    let html = run(Command::new("pdftotext").arg("-bbox").arg(&path).arg("-"));
    let placed = bbox_words(&html);
    assert_eq!(placed.len(), words.words.len());
    let k = 72.0 / 200.0;
    for ((text, b), word) in placed.iter().zip(&words.words) {
        assert_eq!(text, &word.text);
        let want = word.bbox.map(|v| v * k);
        let iou = overlap(*b, want);
        assert!(iou > 0.6, "{text}: box {b:?} vs {want:?} (IoU {iou:.2})");
    }
    let _ = h;
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn tesseract_words_become_a_searchable_layer_of_the_same_page() {
    if !have("pdftotext") || !have("tesseract") {
        return;
    }
    let dir = tmp("hocr");
    let input = fixture("two-column.png");
    // Tesseract reads the Group 4 page; the PDF carries the JBIG2 page, the same bits.
    let tiff = process(&input, &with(Format::Tiff)).unwrap();
    let jb = process(&input, &with(Format::Jbig2)).unwrap();
    let tif = dir.join("page.tif");
    std::fs::write(&tif, &tiff.bytes).unwrap();
    let base = dir.join("page");
    run(Command::new("tesseract").arg(&tif).arg(&base).arg("hocr"));
    let hocr = std::fs::read_to_string(base.with_extension("hocr")).unwrap();
    let words = PageWords::parse(&hocr).unwrap();
    assert!(
        words.words.len() > 100,
        "Tesseract found {} words",
        words.words.len()
    );
    let mut writer = PdfWriter::new(&PdfOptions::default()).unwrap();
    let mut pdf = writer.add_page(&jb.bytes, Some(&words)).unwrap();
    pdf.extend(writer.finish().unwrap());
    let path = dir.join("ocr.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let html = run(Command::new("pdftotext").arg("-bbox").arg(&path).arg("-"));
    let placed = bbox_words(&html);
    // Every OCR word is in the layer, on its box (the order is poppler's reading order, so
    // each is matched by its text and nearest box).
    let dpi = jb.report.output_dpi.unwrap_or(300) as f64;
    let k = 72.0 / dpi;
    let mut matched = 0;
    for w in &words.words {
        let want = w.bbox.map(|v| v * k);
        if placed
            .iter()
            .any(|(t, b)| t == &w.text && overlap(*b, want) > 0.5)
        {
            matched += 1;
        }
    }
    assert!(
        matched as f64 >= 0.98 * words.words.len() as f64,
        "{matched} of {} words found on their boxes",
        words.words.len()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_pages_and_words_are_typed_errors_and_leave_the_document_whole() {
    let page = process(&fixture("two-column.png"), &with(Format::Jbig2)).unwrap();
    let mut writer = PdfWriter::new(&PdfOptions::default()).unwrap();
    assert_eq!(
        PdfWriter::new(&PdfOptions::default())
            .unwrap()
            .finish()
            .unwrap_err()
            .code(),
        "no_pages"
    );
    let mut pdf = writer.add_page(&page.bytes, None).unwrap();
    for bad in [&b"GIF89a...."[..], &page.bytes[..40], &fixture("page.webp")] {
        let e = writer.add_page(bad, None).unwrap_err();
        assert_eq!(e.code(), "pdf_page_image", "{e}");
    }
    let inverted = PageWords {
        words: vec![Word {
            text: "x".into(),
            bbox: [50.0, 50.0, 10.0, 60.0],
        }],
        ..PageWords::default()
    };
    assert_eq!(
        writer
            .add_page(&page.bytes, Some(&inverted))
            .unwrap_err()
            .code(),
        "invalid_ocr_words"
    );
    assert_eq!(writer.page_count(), 1);
    pdf.extend(writer.finish().unwrap());
    assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));
    let limited = PdfOptions {
        max_pages: 1,
        ..PdfOptions::default()
    };
    let mut w = PdfWriter::new(&limited).unwrap();
    w.add_page(&page.bytes, None).unwrap();
    assert_eq!(
        w.add_page(&page.bytes, None).unwrap_err().code(),
        "too_many_pages"
    );
    let bad_dpi = PdfOptions {
        default_dpi: 0,
        ..PdfOptions::default()
    };
    assert_eq!(
        PdfWriter::new(&bad_dpi).unwrap_err().code(),
        "invalid_option"
    );
}
