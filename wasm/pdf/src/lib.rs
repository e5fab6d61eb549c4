//! JavaScript bindings of scanprep's PDF/A writer (wasm-bindgen), built as a module of its own
//! (`pkg/pdf/`) that the npm package loads only when `createPdf()` is first called: the
//! preprocessing module every user downloads does not grow by the PDF writer.
//!
//! [`PdfBuilder`] takes one page at a time (the image bytes `preprocess` returned and the
//! page's OCR words) and hands back the bytes to append, so that a long document never has to
//! be held twice.
#![warn(missing_docs)]
#![forbid(unsafe_code)]
// A panic traps: outside tests no unwrap, expect or panic!; every failure is a typed error.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use scanprep::{Error, PageWords, PdfOptions, PdfWriter};
use wasm_bindgen::prelude::*;

/// A document being written.
#[wasm_bindgen]
pub struct PdfBuilder {
    writer: Option<PdfWriter>,
}

#[wasm_bindgen]
impl PdfBuilder {
    /// A new document; `options` is a plain object with the Rust field names of
    /// [`PdfOptions`] (the wrapper maps camelCase), or undefined for the defaults.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<PdfBuilder, JsValue> {
        let options: PdfOptions = if options.is_undefined() || options.is_null() {
            PdfOptions::default()
        } else {
            reject_unknown_keys(&options)?;
            serde_wasm_bindgen::from_value(options).map_err(|e| {
                let e = e.to_string();
                let e = e.strip_prefix("Error: ").unwrap_or(&e).to_string();
                error_value(
                    "invalid_option",
                    &format!("the PDF options are not valid: {e}"),
                )
            })?
        };
        let writer = PdfWriter::new(&options).map_err(js_error)?;
        Ok(PdfBuilder {
            writer: Some(writer),
        })
    }

    /// Adds a page: `image` is a JBIG2, Group 4 TIFF, PNG or gray JPEG file (what
    /// `preprocess` returns); `words` is undefined, hOCR or Tesseract TSV text, or an object
    /// `{ width?, height?, words: [{ text, bbox: [l, t, r, b] }] }`. Returns the bytes to
    /// append to the document.
    #[wasm_bindgen(js_name = addPage)]
    pub fn add_page(&mut self, image: &[u8], words: JsValue) -> Result<Vec<u8>, JsValue> {
        let words: Option<PageWords> = if words.is_undefined() || words.is_null() {
            None
        } else if let Some(text) = words.as_string() {
            Some(PageWords::parse(&text).map_err(js_error)?)
        } else {
            Some(serde_wasm_bindgen::from_value(words).map_err(|e| {
                error_value(
                    "invalid_ocr_words",
                    &format!("cannot read the OCR words: {e}"),
                )
            })?)
        };
        self.writer_mut()?
            .add_page(image, words.as_ref())
            .map_err(js_error)
    }

    /// Pages added so far.
    #[wasm_bindgen(getter, js_name = pageCount)]
    pub fn page_count(&self) -> usize {
        self.writer.as_ref().map_or(0, PdfWriter::page_count)
    }

    /// The document's last bytes (fonts, page tree, metadata, cross-reference table). The
    /// builder is finished afterwards.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        let w = self.writer.take().ok_or_else(finished)?;
        w.finish().map_err(js_error)
    }
}

/// The Group 4 TIFF `preprocess` wrote as the same page in a stand-alone JBIG2 file (the main
/// module leaves the JBIG2 encoder out; `format: "jbig2"` comes through here).
#[wasm_bindgen(js_name = group4ToJbig2)]
pub fn group4_to_jbig2(tiff: &[u8]) -> Result<Vec<u8>, JsValue> {
    scanprep::jbig2_from_group4_tiff(tiff).map_err(js_error)
}

impl PdfBuilder {
    fn writer_mut(&mut self) -> Result<&mut PdfWriter, JsValue> {
        self.writer.as_mut().ok_or_else(finished)
    }
}

/// serde-wasm-bindgen ignores `deny_unknown_fields`: every key must name a field of the
/// defaults (a misspelt option is an error, not silently ignored).
fn reject_unknown_keys(options: &JsValue) -> Result<(), JsValue> {
    let known = serde::Serialize::serialize(
        &PdfOptions::default(),
        &serde_wasm_bindgen::Serializer::json_compatible(),
    )
    .map_err(|e| error_value("internal", &e.to_string()))?;
    for key in js_sys::Object::keys(&js_sys::Object::from(options.clone())).iter() {
        if !js_sys::Reflect::has(&known, &key).unwrap_or(false) {
            let name = key.as_string().unwrap_or_default();
            return Err(error_value(
                "invalid_option",
                &format!("the PDF options are not valid: unknown field `{name}`"),
            ));
        }
    }
    Ok(())
}

fn finished() -> JsValue {
    error_value("finished", "the document is already finished")
}

/// A JavaScript `Error` named `ScanprepError` whose `code` is [`Error::code`], as the main
/// module's errors.
fn js_error(e: Error) -> JsValue {
    error_value(e.code(), &e.to_string())
}

fn error_value(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("ScanprepError");
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    err.into()
}
