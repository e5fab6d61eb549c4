//! PDF/A size per page and assembly time: what a page costs in a document beside its image
//! alone, for a text page (rendered A4 pages), a form, a letter and a magazine page with
//! pictures (the SmartDoc phone frames, rectified and binarized), and a gray picture page
//! (JPEG); then a 50-page document assembled natively, its time and size.
//!
//! `cargo run --release -p scanprep-benches --bin pdf_size [-- SMARTDOC_DIR]`
//! (default `../shared/data/smartdoc-sample`). Words for the text layer come from Tesseract
//! (hOCR) when it is installed, so the layer's cost is measured on real OCR output.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use scanprep::{
    process, process_gray, Binarization, Format, Options, PageWords, PdfOptions, PdfWriter,
    Processed,
};
use scanprep_fixtures::a4_page;

/// Tesseract's words for a processed page, when Tesseract is installed.
fn ocr_words(tiff: &Processed, dir: &Path, name: &str) -> Option<PageWords> {
    let img = dir.join(format!("{name}.tif"));
    std::fs::write(&img, &tiff.bytes).ok()?;
    let base = dir.join(name);
    let ok = Command::new("tesseract")
        .arg(&img)
        .arg(&base)
        .arg("hocr")
        .output()
        .ok()?
        .status
        .success();
    if !ok {
        return None;
    }
    PageWords::parse(&std::fs::read_to_string(base.with_extension("hocr")).ok()?).ok()
}

struct Row {
    name: String,
    kind: &'static str,
    image: usize,
    page: usize,
    words: usize,
    layer: usize,
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let smartdoc = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/smartdoc-sample"));
    let dir = std::env::temp_dir().join(format!("scanprep_pdf_size_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bilevel = |f| Options {
        format: f,
        ..Options::default()
    };
    // (name, kind, JBIG2 or JPEG page, the same page as TIFF for OCR)
    let mut pages: Vec<(String, &'static str, Processed, Option<Processed>)> = Vec::new();
    for seed in 0..4 {
        let img = a4_page(seed).image;
        let jb = process_gray(img.clone(), &bilevel(Format::Jbig2), None).unwrap();
        let tif = process_gray(img, &bilevel(Format::Tiff), None).unwrap();
        pages.push((format!("a4-text-{seed}"), "text", jb, Some(tif)));
    }
    for (kind, stem) in [
        ("form", "tax001"),
        ("letter", "letter001"),
        ("magazine", "magazine001"),
        ("datasheet", "datasheet001"),
    ] {
        let Ok(entries) = std::fs::read_dir(&smartdoc) else {
            eprintln!("{}: not found, SmartDoc pages skipped", smartdoc.display());
            break;
        };
        let Some(path) = entries
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains(stem))
        else {
            continue;
        };
        let bytes = std::fs::read(&path).unwrap();
        let jb = process(&bytes, &bilevel(Format::Jbig2)).unwrap();
        let tif = process(&bytes, &bilevel(Format::Tiff)).unwrap();
        pages.push((format!("smartdoc-{stem}"), kind, jb, Some(tif)));
    }
    let picture = std::fs::read(root.join("fixtures/picture.png")).unwrap();
    let gray = process(
        &picture,
        &Options {
            binarization: Binarization::None,
            format: Format::Jpeg,
            ..Options::default()
        },
    )
    .unwrap();
    pages.push(("fixture-picture".into(), "picture (gray JPEG)", gray, None));

    let have_tesseract = Command::new("tesseract").arg("-v").output().is_ok();
    let mut rows = Vec::new();
    for (name, kind, page, tif) in &pages {
        let words = if have_tesseract {
            tif.as_ref().and_then(|t| ocr_words(t, &dir, name))
        } else {
            None
        };
        let opts = PdfOptions::default();
        let mut bare = PdfWriter::new(&opts).unwrap();
        let plain = bare.add_page(&page.bytes, None).unwrap().len();
        let mut w = PdfWriter::new(&opts).unwrap();
        let with_text = w.add_page(&page.bytes, words.as_ref()).unwrap().len();
        rows.push(Row {
            name: name.clone(),
            kind,
            image: page.bytes.len(),
            page: with_text,
            words: words.map_or(0, |w| w.words.len()),
            layer: with_text - plain,
        });
    }
    println!(
        "| page | kind | image bytes | PDF page bytes | overhead | OCR words | text layer bytes |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {:+} | {} | {} |",
            r.name,
            r.kind,
            r.image,
            r.page,
            r.page as i64 - r.image as i64 - r.layer as i64,
            r.words,
            r.layer
        );
    }

    // A 50-page document of the text pages, with their words, assembled as the Worker does:
    // page by page, each page's bytes handed out as soon as it is added.
    let mut words_of = Vec::new();
    for (name, _, _, tif) in pages.iter().take(4) {
        let w = if have_tesseract {
            tif.as_ref().and_then(|t| ocr_words(t, &dir, name))
        } else {
            None
        };
        words_of.push(w);
    }
    let t = Instant::now();
    let mut w = PdfWriter::new(&PdfOptions::default()).unwrap();
    let mut total = 0;
    let mut largest_part = 0;
    for i in 0..50 {
        let part = w
            .add_page(&pages[i % 4].2.bytes, words_of[i % 4].as_ref())
            .unwrap();
        largest_part = largest_part.max(part.len());
        total += part.len();
    }
    let tail = w.finish().unwrap();
    total += tail.len();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    println!();
    println!(
        "50-page document (A4 text pages{}): {total} bytes, {:.1} KB per page, assembled in {ms:.1} ms natively; largest part {largest_part} B, closing part {} B",
        if have_tesseract { " with Tesseract's words" } else { ", no words: Tesseract not installed" },
        total as f64 / 50.0 / 1000.0,
        tail.len()
    );
    std::fs::remove_dir_all(&dir).ok();
}
