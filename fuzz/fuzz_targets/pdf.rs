//! Fuzzes the PDF writer's inputs: any bytes as a page image (its JBIG2, TIFF, PNG and JPEG
//! header readers) and as OCR words (hOCR, Tesseract TSV) must give `Ok` or a typed `Err`,
//! never a panic; a page that was accepted always finishes into a document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanprep::{PageWords, PdfOptions, PdfWriter, Word};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = PageWords::parse(&text);
    let mut w = PdfWriter::new(&PdfOptions::default()).expect("the default options are valid");
    // Words at arbitrary places (outside the page too) with the text the input gives.
    let words = parsed.unwrap_or_else(|_| PageWords {
        words: text
            .split_whitespace()
            .take(64)
            .enumerate()
            .map(|(i, t)| Word {
                text: t.to_string(),
                bbox: [i as f64 * 7.0 - 20.0, 3.0, i as f64 * 7.0 + 5.0, 40.0],
            })
            .collect(),
        ..PageWords::default()
    });
    if let Ok(mut pdf) = w.add_page(data, Some(&words)) {
        pdf.extend(w.finish().expect("a document with a page finishes"));
        assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));
    }
});
