//! JavaScript bindings of the `scanprep` engine (wasm-bindgen). The hand-written wrapper in
//! `wasm/js/` turns them into the npm package's `preprocess()`; this layer only moves bytes,
//! options (JSON, the Rust field names) and reports (JSON) across, and turns every
//! [`scanprep::Error`] into a JavaScript `Error` with a stable `code`.
//!
//! Raw pixels do not have to be copied into WebAssembly whole: [`RgbaPage`] takes a canvas's
//! RGBA a strip of rows at a time and keeps only the 1-byte gray page, a quarter of the size.
#![warn(missing_docs)]
#![forbid(unsafe_code)]
// A panic in WebAssembly traps and can poison a Worker: outside tests, no unwrap, expect or
// panic!, so that every failure is a typed error. Clippy (-D warnings in CI) enforces it.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use scanprep::{Clock, Error, GrayImage, Limits, Options};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: present in browsers, Web Workers, Node 16+ and workerd.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The host's clock, and the progress callback called as each stage ends.
struct JsClock {
    progress: Option<js_sys::Function>,
}

impl Clock for JsClock {
    fn now_ms(&self) -> f64 {
        performance_now()
    }
    fn stage_done(&self, stage: &'static str, ms: f64) {
        if let Some(f) = &self.progress {
            // A throwing progress callback must not abort the work: its error is ignored.
            let _ = f.call2(
                &JsValue::NULL,
                &JsValue::from_str(stage),
                &JsValue::from_f64(ms),
            );
        }
    }
}

/// The result of a call: the encoded image, its media type and size, and the report as a plain
/// object (Rust field names; the wrapper maps them to camelCase).
#[wasm_bindgen]
pub struct Output {
    bytes: Vec<u8>,
    media_type: &'static str,
    width: u32,
    height: u32,
    report: JsValue,
}

#[wasm_bindgen]
impl Output {
    /// The encoded image (copied out into a new `Uint8Array`).
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }
    /// Its media type, such as `image/tiff`.
    #[wasm_bindgen(getter, js_name = mediaType)]
    pub fn media_type(&self) -> String {
        self.media_type.to_string()
    }
    /// Output width in pixels.
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Output height in pixels.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.height
    }
    /// The report, as a plain object with the Rust field names.
    #[wasm_bindgen(getter)]
    pub fn report(&self) -> JsValue {
        self.report.clone()
    }
}

/// Runs the whole pipeline on an encoded image (JPEG, PNG, TIFF or WebP).
/// `options` is an object of [`Options`] fields (`undefined` or `null` for the defaults); `progress`,
/// if given, is called as `progress(stage, ms)` after each stage.
#[wasm_bindgen]
pub fn process(
    bytes: Vec<u8>,
    options: JsValue,
    progress: Option<js_sys::Function>,
) -> Result<Output, JsValue> {
    let options = parse_options(options)?;
    let clock = JsClock { progress };
    let out = scanprep::process_owned(bytes, &options, Some(&clock)).map_err(js_error)?;
    output(out)
}

/// Finds the page, its orientation and the capture verdict in an encoded image, without
/// producing an output: the object `scanprep detect` prints (Rust field names).
#[wasm_bindgen]
pub fn detect(bytes: Vec<u8>, options: JsValue) -> Result<JsValue, JsValue> {
    let options = parse_options(options)?;
    let found = scanprep::detect_owned(bytes, &options).map_err(js_error)?;
    to_js(&found)
}

/// Reads an encoded image's format, size and completeness from its structure, checking the
/// options' limits, without decoding a pixel (`ImageInfo`, Rust field names). The browser
/// build checks a file with it before the browser decodes it.
#[wasm_bindgen]
pub fn probe(bytes: &[u8], options: JsValue) -> Result<JsValue, JsValue> {
    let options = parse_options(options)?;
    let info = scanprep::probe_image(bytes, &Limits::from(&options)).map_err(js_error)?;
    to_js(&info)
}

/// A raw RGBA page (a canvas `ImageData`) received a strip of rows at a time and converted to
/// gray as it arrives, so WebAssembly never holds the 4-byte-per-pixel copy.
#[wasm_bindgen]
pub struct RgbaPage {
    gray: Vec<u8>,
    width: u32,
    height: u32,
    filled: usize,
    /// The colour's block means, for page detection (two bytes per analysis pixel); `None`
    /// when no page is to be detected.
    chroma: Option<scanprep::ChromaBuilder>,
    options: Options,
}

#[wasm_bindgen]
impl RgbaPage {
    /// Checks the size against the options' limits (before allocating) and makes room for
    /// the gray page.
    #[wasm_bindgen(constructor)]
    pub fn new(width: u32, height: u32, options: JsValue) -> Result<RgbaPage, JsValue> {
        let options = parse_options(options)?;
        let limits = Limits::from(&options);
        limits.check_dimensions(width, height).map_err(js_error)?;
        Ok(RgbaPage {
            gray: vec![0; width as usize * height as usize],
            width,
            height,
            filled: 0,
            chroma: limits
                .keep_chroma
                .then(|| scanprep::ChromaBuilder::new(width, height)),
            options,
        })
    }

    /// Appends the next rows, RGBA, 4 bytes per pixel; a strip must hold whole rows.
    #[wasm_bindgen(js_name = pushRows)]
    pub fn push_rows(&mut self, rgba: &[u8]) -> Result<(), JsValue> {
        let row_bytes = self.width as usize * 4;
        let pixels = rgba.len() / 4;
        if !rgba.len().is_multiple_of(row_bytes) || self.filled + pixels > self.gray.len() {
            return Err(js_error(self.mismatch(rgba.len())));
        }
        scanprep::gray_from_rgba_pixels(rgba, &mut self.gray[self.filled..self.filled + pixels]);
        if let Some(c) = self.chroma.as_mut() {
            c.push_rows(rgba, 4);
        }
        self.filled += pixels;
        Ok(())
    }

    /// Runs the pipeline on the page once every row has arrived; the page is consumed.
    pub fn process(self, progress: Option<js_sys::Function>) -> Result<Output, JsValue> {
        let input_bytes = self.gray.len() as u64 * 4;
        let (gray, chroma, options) = self.into_page()?;
        let clock = JsClock { progress };
        let mut out =
            scanprep::process_color(gray, chroma, &options, Some(&clock)).map_err(js_error)?;
        out.report.input_bytes = input_bytes;
        output(out)
    }
}

#[wasm_bindgen]
impl RgbaPage {
    /// [`detect`] on the page once every row has arrived; the page is consumed.
    pub fn detect(self) -> Result<JsValue, JsValue> {
        let (gray, chroma, options) = self.into_page()?;
        let found = scanprep::detect_color(gray, chroma, &options).map_err(js_error)?;
        to_js(&found)
    }
}

impl RgbaPage {
    /// The gray page, its chroma and its options, once every row has arrived.
    fn into_page(self) -> Result<(GrayImage, Option<scanprep::Chroma>, Options), JsValue> {
        if self.filled != self.gray.len() {
            let received = self.filled as u64 * 4;
            return Err(js_error(self.mismatch_total(received)));
        }
        let gray = GrayImage::from_raw(self.width, self.height, self.gray).map_err(js_error)?;
        Ok((gray, self.chroma.and_then(|c| c.finish()), self.options))
    }

    fn mismatch(&self, strip: usize) -> Error {
        self.mismatch_total(self.filled as u64 * 4 + strip as u64)
    }
    fn mismatch_total(&self, actual: u64) -> Error {
        Error::BufferSizeMismatch {
            width: self.width,
            height: self.height,
            channels: 4,
            expected: self.gray.len() as u64 * 4,
            actual,
        }
    }
}

/// Live page detection on camera frames: one RGBA buffer in linear memory, kept from frame to
/// frame (made again only when the frame size changes), which the host fills in place through
/// [`FrameDetector::frame`]'s offset, so a frame crosses into WebAssembly without an
/// allocation; then [`FrameDetector::detect`] answers as [`detect`] does, with the capture
/// verdict judged on the page's middle (`scanprep::detect_frame_rgba`).
#[wasm_bindgen]
pub struct FrameDetector {
    rgba: Vec<u8>,
    width: u32,
    height: u32,
    options: Options,
}

#[wasm_bindgen]
impl FrameDetector {
    /// A detector with these options (validated now, once).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<FrameDetector, JsValue> {
        Ok(FrameDetector {
            rgba: Vec::new(),
            width: 0,
            height: 0,
            options: parse_options(options)?,
        })
    }

    /// Makes room for a `width`×`height` RGBA frame (checked against the limits) and returns
    /// the byte offset in linear memory where the host writes its `width * height * 4` bytes.
    pub fn frame(&mut self, width: u32, height: u32) -> Result<usize, JsValue> {
        if (width, height) != (self.width, self.height) {
            Limits::from(&self.options)
                .check_dimensions(width, height)
                .map_err(js_error)?;
            self.rgba = vec![0; width as usize * height as usize * 4];
            (self.width, self.height) = (width, height);
        }
        Ok(self.rgba.as_ptr() as usize)
    }

    /// Finds the page in the frame last written at [`FrameDetector::frame`]'s offset.
    pub fn detect(&self) -> Result<JsValue, JsValue> {
        let found = scanprep::detect_frame_rgba(&self.rgba, self.width, self.height, &self.options)
            .map_err(js_error)?;
        to_js(&found)
    }
}

/// The engine's version (the crate version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The default options, as a plain object with the Rust field names.
#[wasm_bindgen(js_name = defaultOptions)]
pub fn default_options() -> Result<JsValue, JsValue> {
    to_js(&Options::default())
}

/// Traps on purpose (a Rust panic is a WebAssembly trap). The test suite uses it to prove that
/// the package recovers from a trap and keeps working; nothing else calls it.
#[doc(hidden)]
#[wasm_bindgen(js_name = __selfTestTrap)]
#[allow(clippy::panic)]
pub fn self_test_trap() {
    panic!("deliberate trap requested by the self-test");
}

/// Values cross the boundary as JavaScript values, not JSON text: no JSON parser or float
/// printer in the module (about 20 KB gzipped), and no text round trip.
fn parse_options(value: JsValue) -> Result<Options, JsValue> {
    let options: Options = if value.is_undefined() || value.is_null() {
        Options::default()
    } else {
        // serde-wasm-bindgen reads only the fields it knows, so `deny_unknown_fields` has to
        // be enforced here: every key must name a field of the defaults.
        let known = default_options()?;
        for key in js_sys::Object::keys(&js_sys::Object::from(value.clone())).iter() {
            if !js_sys::Reflect::has(&known, &key).unwrap_or(false) {
                let name = key.as_string().unwrap_or_default();
                return Err(error_value(
                    "invalid_option",
                    &format!("the options are not valid: unknown field `{name}`"),
                ));
            }
        }
        serde_wasm_bindgen::from_value(value).map_err(|e| {
            let e = e.to_string();
            let e = e.strip_prefix("Error: ").unwrap_or(&e);
            error_value("invalid_option", &format!("the options are not valid: {e}"))
        })?
    };
    options.validate().map_err(js_error)?;
    Ok(options)
}

fn output(p: scanprep::Processed) -> Result<Output, JsValue> {
    let report = to_js(&p.report)?;
    Ok(Output {
        bytes: p.bytes,
        media_type: p.media_type,
        width: p.width,
        height: p.height,
        report,
    })
}

/// A plain object as `JSON.parse` would give it: `None` as `null`, maps as objects, 64-bit
/// integers as numbers.
fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| {
            error_value(
                "internal",
                &format!("cannot pass a value to JavaScript: {e}"),
            )
        })
}

/// A JavaScript `Error` whose `code` is [`Error::code`] and `name` is `ScanprepError`; a
/// `poor_capture` also carries `reasons` and `quality`.
fn js_error(e: Error) -> JsValue {
    let err = error_value(e.code(), &e.to_string());
    if let Error::PoorCapture { reasons, quality } = &e {
        for (key, value) in [("reasons", to_js(reasons)), ("quality", to_js(quality))] {
            if let Ok(v) = value {
                let _ = js_sys::Reflect::set(&err, &JsValue::from_str(key), &v);
            }
        }
    }
    err
}

fn error_value(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("ScanprepError");
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    err.into()
}
