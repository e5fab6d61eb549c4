//! The whole chain: decode → working resolution → background → deskew → binarize → clean →
//! encode, holding at most two full-size grayscale buffers at any time (the page and, while
//! rotating, its rotated copy).

use crate::binarize::{binarize, BinarizeParams};
use crate::clean::{clean, CleanParams};
use crate::decode::{decode_image, decode_image_owned, gray_from_rgba, Decoded, Limits};
use crate::deskew::detect_skew_flattened;
use crate::encode::{encode_g4_tiff, encode_jpeg_gray, encode_png_bilevel, encode_png_gray};
use crate::{
    normalize_background, reduce_to_working, rotate, Binarization, Error, Format, GrayImage,
    Options, Report, Timings, Warning,
};

/// A source of time in milliseconds, injected by the caller (`Instant` natively,
/// `performance.now()` in a browser). The engine never reads a clock itself.
pub trait Clock {
    /// Milliseconds since an arbitrary origin.
    fn now_ms(&self) -> f64;
    /// Called as each stage ends, with its name (as in [`Timings`], without `_ms`) and its
    /// duration, so that a host can report progress (the npm package's Web Worker does).
    fn stage_done(&self, _stage: &'static str, _ms: f64) {}
}

/// The result of [`process`]: the encoded output and what was done.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// Its media type, such as `image/tiff`.
    pub media_type: &'static str,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// What the pipeline found and did.
    pub report: Report,
}

/// Runs the whole pipeline on an encoded image (JPEG, PNG, TIFF or WebP).
pub fn process(bytes: &[u8], options: &Options) -> Result<Processed, Error> {
    process_with_clock(bytes, options, None)
}

/// [`process`] with a clock, so that the report carries per-stage timings.
pub fn process_with_clock(
    bytes: &[u8],
    options: &Options,
    clock: Option<&dyn Clock>,
) -> Result<Processed, Error> {
    options.validate()?;
    let mut timer = Timer::new(clock);
    let decoded = decode_image(bytes, &Limits::from(options))?;
    let decode_ms = timer.lap("decode");
    run_decoded(decoded, bytes.len(), options, timer, decode_ms)
}

/// [`process_with_clock`] on bytes the caller gives away, so that decoding needs no copy of
/// them (the WebAssembly package calls this).
pub fn process_owned(
    bytes: Vec<u8>,
    options: &Options,
    clock: Option<&dyn Clock>,
) -> Result<Processed, Error> {
    options.validate()?;
    let mut timer = Timer::new(clock);
    let len = bytes.len();
    let decoded = decode_image_owned(bytes, &Limits::from(options))?;
    let decode_ms = timer.lap("decode");
    run_decoded(decoded, len, options, timer, decode_ms)
}

fn run_decoded(
    decoded: Decoded,
    input_bytes: usize,
    options: &Options,
    timer: Timer<'_>,
    decode_ms: f64,
) -> Result<Processed, Error> {
    let mut report = Report {
        input_format: decoded.format.to_string(),
        input_bytes: input_bytes as u64,
        exif_orientation: decoded.exif_orientation,
        warnings: decoded.truncated.map(Warning::from).into_iter().collect(),
        ..Report::default()
    };
    run(decoded.image, options, &mut report, timer, decode_ms)
}

/// Runs the pipeline on raw RGBA pixels (a canvas `ImageData`), skipping decoding.
pub fn process_rgba(
    data: &[u8],
    width: u32,
    height: u32,
    options: &Options,
    clock: Option<&dyn Clock>,
) -> Result<Processed, Error> {
    options.validate()?;
    let mut timer = Timer::new(clock);
    let gray = gray_from_rgba(data, width, height, &Limits::from(options))?;
    let decode_ms = timer.lap("decode");
    let mut report = Report {
        input_format: "raw".into(),
        input_bytes: data.len() as u64,
        exif_orientation: 1,
        ..Report::default()
    };
    run(gray, options, &mut report, timer, decode_ms)
}

/// Runs the pipeline on an already decoded grayscale page.
pub fn process_gray(
    gray: GrayImage,
    options: &Options,
    clock: Option<&dyn Clock>,
) -> Result<Processed, Error> {
    options.validate()?;
    Limits::from(options).check_dimensions(gray.width(), gray.height())?;
    let timer = Timer::new(clock);
    let mut report = Report {
        input_format: "raw".into(),
        input_bytes: gray.data().len() as u64,
        exif_orientation: 1,
        ..Report::default()
    };
    run(gray, options, &mut report, timer, 0.0)
}

/// The stages after decoding.
fn run(
    img: GrayImage,
    o: &Options,
    report: &mut Report,
    mut timer: Timer<'_>,
    decode_ms: f64,
) -> Result<Processed, Error> {
    let mut t = Timings {
        decode_ms,
        ..Timings::default()
    };
    report.input_width = img.width();
    report.input_height = img.height();

    let (mut img, scale) = reduce_to_working(img, o.max_working_pixels);
    report.scale = scale;
    t.resize_ms = timer.lap("resize");

    if o.normalize_background {
        normalize_background(&mut img);
    }
    t.background_ms = timer.lap("background");

    if o.deskew {
        let est = detect_skew_flattened(&img, o.max_skew_degrees, o.normalize_background);
        report.skew_degrees = est.degrees;
        report.skew_confidence = est.confidence;
        t.skew_ms = timer.lap("skew");
        if est.degrees.abs() >= o.min_skew_degrees as f64
            && est.confidence >= o.min_skew_confidence as f64
        {
            img = rotate(&img, est.degrees);
            report.rotated = true;
        }
        t.rotate_ms = timer.lap("rotate");
    }

    let dpi = o.dpi.map(|d| ((d as f64 * scale).round() as u32).max(1));
    let format = o.format;
    let (bytes, width, height) = if o.binarization == Binarization::None {
        let (w, h) = (img.width(), img.height());
        let bytes = match format {
            Format::Jpeg => encode_jpeg_gray(&img, o.jpeg_quality, dpi)?,
            _ => encode_png_gray(&img, dpi)?,
        };
        t.encode_ms = timer.lap("encode");
        (bytes, w, h)
    } else {
        let params = BinarizeParams {
            method: o.binarization,
            window: o.window,
            k: o.k,
        };
        let (mut bits, brep) = binarize(&img, &params);
        drop(img);
        report.binarization = Some(brep);
        t.binarize_ms = timer.lap("binarize");
        let cp = CleanParams {
            despeckle: o.despeckle,
            max_speckle_pixels: o.max_speckle_pixels,
            remove_borders: o.remove_borders,
        };
        let crep = clean(&mut bits, &cp);
        report.speckles_removed = crep.speckles_removed;
        report.border_pixels_removed = crep.border_pixels_removed;
        t.clean_ms = timer.lap("clean");
        let bytes = match format {
            Format::Png => encode_png_bilevel(&bits, dpi, o.png_effort)?,
            Format::GrayPng => encode_png_gray(&bits.to_gray(), dpi)?,
            Format::Jpeg => encode_jpeg_gray(&bits.to_gray(), o.jpeg_quality, dpi)?,
            _ => encode_g4_tiff(&bits, dpi),
        };
        t.encode_ms = timer.lap("encode");
        (bytes, bits.width(), bits.height())
    };

    report.output_format = format.name().to_string();
    report.media_type = format.media_type().to_string();
    report.output_width = width;
    report.output_height = height;
    report.output_bytes = bytes.len() as u64;
    if timer.clock.is_some() {
        t.total_ms = timer.total();
        report.timings = Some(t);
    }
    Ok(Processed {
        bytes,
        media_type: format.media_type(),
        width,
        height,
        report: report.clone(),
    })
}

/// Laps of an optional clock; all zeros without one.
struct Timer<'a> {
    clock: Option<&'a dyn Clock>,
    start: f64,
    last: f64,
}

impl<'a> Timer<'a> {
    fn new(clock: Option<&'a dyn Clock>) -> Self {
        let now = clock.map_or(0.0, |c| c.now_ms());
        Timer {
            clock,
            start: now,
            last: now,
        }
    }
    /// Ends `stage`: its duration, also passed to [`Clock::stage_done`].
    fn lap(&mut self, stage: &'static str) -> f64 {
        let Some(c) = self.clock else { return 0.0 };
        let now = c.now_ms();
        let d = now - self.last;
        self.last = now;
        c.stage_done(stage, d);
        d
    }
    fn total(&self) -> f64 {
        self.clock.map_or(0.0, |c| c.now_ms() - self.start)
    }
}
