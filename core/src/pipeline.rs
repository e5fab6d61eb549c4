//! The whole chain: decode → page detection → rectification (a photographed page) or working
//! resolution → capture quality → denoise → background → sharpen → orientation → deskew →
//! binarize → clean → encode, holding at most two full-size grayscale buffers at any time (the
//! input and its rectified or reduced copy; later the page and, while rotating, its rotated
//! copy).

use std::borrow::Cow;

use crate::binarize::{binarize, BinarizeParams};
use crate::clean::{clean_labelled, CleanParams};
use crate::decode::{
    decode_image, decode_image_owned, gray_and_chroma_from_rgba, gray_from_rgba, Decoded, Limits,
};

use crate::deskew::detect_skew_flattened;
use crate::encode::{encode_g4_tiff, encode_jpeg_gray, encode_png_bilevel, encode_png_gray};
use crate::geometry::{area, outside_frame};
use crate::math::round3;
use crate::orientation::{orientation_of_page, TextSample};
use crate::page::{detect_page_lazy, ChromaOf};
use crate::quality::{assess, whole_page, PageFacts};
use crate::rectify::rectify_middle;
use crate::text_size::{choose_scale, measure_components};
use crate::{
    flatten_photo, measure_text, normalize_background, rectify, reduce_to_working, resize_area,
    rotate, turn, Binarization, Chroma, Detection, Error, Format, GrayImage, Options,
    OrientationEstimate, PageReport, PageSource, Point, Quality, Report, TextSizeReport, Timings,
    Warning,
};
use crate::{ChromaBuilder, OcrProfile, TextMeasure};

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
    run(
        decoded.image,
        decoded.chroma.as_ref(),
        options,
        &mut report,
        timer,
        decode_ms,
    )
}

/// RGBA pixels to gray, with the chroma when the options keep it, in one pass.
fn gray_of_rgba(
    data: &[u8],
    width: u32,
    height: u32,
    options: &Options,
) -> Result<(GrayImage, Option<Chroma>), Error> {
    let limits = Limits::from(options);
    if limits.keep_chroma {
        gray_and_chroma_from_rgba(data, width, height, &limits)
    } else {
        Ok((gray_from_rgba(data, width, height, &limits)?, None))
    }
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
    let (gray, chroma) = gray_of_rgba(data, width, height, options)?;
    let decode_ms = timer.lap("decode");
    let mut report = Report {
        input_format: "raw".into(),
        input_bytes: data.len() as u64,
        exif_orientation: 1,
        ..Report::default()
    };
    run(
        gray,
        chroma.as_ref(),
        options,
        &mut report,
        timer,
        decode_ms,
    )
}

/// Runs the pipeline on an already decoded grayscale page.
pub fn process_gray(
    gray: GrayImage,
    options: &Options,
    clock: Option<&dyn Clock>,
) -> Result<Processed, Error> {
    process_color(gray, None, options, clock)
}

/// Runs the pipeline on an already decoded page: its luma and, for page detection, its
/// chroma (from a [`ChromaBuilder`] fed the same pixels).
pub fn process_color(
    gray: GrayImage,
    chroma: Option<Chroma>,
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
    run(gray, chroma.as_ref(), options, &mut report, timer, 0.0)
}

/// The stages after decoding.
fn run(
    img: GrayImage,
    chroma: Option<&Chroma>,
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

    let f = front(
        img,
        &|| chroma.map(Cow::Borrowed),
        o,
        None,
        &mut timer,
        &mut t,
    )?;
    let mut img = f.img;
    let (scale, page_dpi) = (f.scale, f.page_dpi);
    report.scale = scale;
    report.page = f.page;
    report.quality = Some(f.quality);

    // A photo: a page found and rectified, or a camera's clipped highlight seen.
    let photo = report.page.as_ref().is_some_and(|p| p.found)
        || report
            .quality
            .as_ref()
            .is_some_and(|q| q.measures.glare_fraction > 0.0);
    // Sensor noise is smoothed first: the paper level that background normalisation divides
    // by is a bright percentile, which noise lifts, and the division would scale the noise
    // with the page (a gray output keeps its pixels).
    let binarizing = o.binarization != Binarization::None;
    let denoised = binarizing && crate::denoise::denoise(&mut img);
    if o.normalize_background {
        // On a photo, a highlight may have lifted the ink as well as the paper: it is
        // stretched back (a scanner's lamp adds no highlight).
        if photo {
            flatten_photo(&mut img);
        } else {
            normalize_background(&mut img);
        }
    }
    // Blur and smoothing bolden and merge binarized strokes: the page is sharpened before
    // skew detection and binarization.
    let measures = report.quality.as_ref().map(|q| &q.measures);
    let edge = measures.and_then(|m| m.edge_width_px);
    if binarizing {
        crate::sharpen::restore(&mut img, measures, photo, denoised);
    }
    t.background_ms = timer.lap("background");

    if let Some(d) = f.orientation.degrees {
        if d != 0 {
            img = turn(img, d);
        }
        report.orientation_degrees = Some(d);
        report.orientation_confidence = f.orientation.confidence;
    }
    t.rotate_ms = timer.lap("turn");

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
        t.rotate_ms += timer.lap("rotate");
    }

    // The OCR service's formats, pixel and text-size needs.
    let profile = o.ocr_profile;
    let mut format = profile.format_for(o.format);
    if format != o.format {
        report.warnings.push(Warning {
            code: "format_changed".into(),
            message: format!(
                "{} does not read {}; the output is {}",
                profile.name(),
                o.format.name(),
                format.name()
            ),
            first_missing_row: None,
            rows_missing: None,
        });
    }
    let target = match (o.target_x_height, profile.limits().min_x_height_px) {
        (Some(t), Some(m)) => Some(t.max(m)),
        (t, _) => t,
    };
    let params = BinarizeParams {
        method: o.binarization,
        window: o.window,
        k: o.k,
        denoised,
    };
    let cp = CleanParams {
        despeckle: o.despeckle,
        max_speckle_pixels: o.max_speckle_pixels,
        remove_borders: o.remove_borders,
    };
    // The bits: those of the page, or, when its text is too small or too large for OCR (or
    // the page too large for the OCR service), those of the gray page scaled.
    let mut text_scale = 1.0;
    let (bytes, width, height, dpi) = if !binarizing {
        let mut sized = None;
        if let Some(target) = target {
            let otsu = BinarizeParams {
                method: Binarization::Otsu,
                ..BinarizeParams::default()
            };
            let (bits, _) = binarize(&img, &otsu);
            let (s, ts) = size_text(&measure_text(&bits), target, &img, o.max_working_pixels);
            drop(bits);
            report.text_size = Some(ts);
            sized = s;
        }
        if let Some((w, h)) = fit_to(profile, sized, &img, &mut report.text_size) {
            text_scale = w as f64 / img.width() as f64;
            img = resize_area(&img, w, h);
        }
        t.text_size_ms = timer.lap("text_size");
        let dpi = output_dpi(page_dpi, o.dpi, scale, text_scale);
        let (w, h) = (img.width(), img.height());
        let bytes = match format {
            Format::Jpeg => encode_jpeg_within(&img, o.jpeg_quality, dpi, profile)?,
            _ => encode_png_gray(&img, dpi)?,
        };
        t.encode_ms = timer.lap("encode");
        (bytes, w, h, dpi)
    } else {
        let (mut bits, brep) = binarize(&img, &params);
        report.binarization = Some(brep);
        t.binarize_ms = timer.lap("binarize");
        // On a page the denoise stage smoothed, noise left as blots alone on the paper goes
        // too: it would be read as punctuation, and taken for glyphs when the text is measured.
        let lone_blots = denoised;
        let (mut crep, labelled) = clean_labelled(&mut bits, &cp, lone_blots);
        t.clean_ms = timer.lap("clean");
        let mut sized = None;
        if let Some(target) = target {
            // Cleaning's labelling, when it made one, serves the measurement too.
            let m = match &labelled {
                Some(l) => {
                    measure_components(&l.comps, Some(&l.removed), bits.width(), bits.height())
                }
                None => measure_text(&bits),
            };
            let target = crate::text_size::soft_target(target, edge);
            let (s, ts) = size_text(&m, target, &img, o.max_working_pixels);
            report.text_size = Some(ts);
            sized = s;
        }
        drop(labelled);
        if let Some((w, h)) = fit_to(profile, sized, &img, &mut report.text_size) {
            // Interpolate the gray page, then threshold it again: never enlarge the bits.
            drop(bits);
            text_scale = w as f64 / img.width() as f64;
            let scaled = resize_area(&img, w, h);
            drop(img);
            let (b, brep) = binarize(&scaled, &params);
            drop(scaled);
            bits = b;
            report.binarization = Some(brep);
            crep = clean_labelled(&mut bits, &cp, lone_blots).0;
        } else {
            drop(img);
        }
        t.text_size_ms = timer.lap("text_size");
        report.speckles_removed = crep.speckles_removed;
        report.border_pixels_removed = crep.border_pixels_removed;
        let dpi = output_dpi(page_dpi, o.dpi, scale, text_scale);
        let encode = |f: Format| -> Result<Vec<u8>, Error> {
            Ok(match f {
                Format::Png => encode_png_bilevel(&bits, dpi, o.png_effort)?,
                Format::GrayPng => encode_png_gray(&bits.to_gray(), dpi)?,
                Format::Jpeg => encode_jpeg_gray(&bits.to_gray(), o.jpeg_quality, dpi)?,
                Format::Jbig2 => jbig2_output(&bits, dpi)?,
                _ => encode_g4_tiff(&bits, dpi),
            })
        };
        let mut bytes = encode(format)?;
        // Over the service's byte cap: the other 1-bit format it reads, when smaller.
        if let Some(cap) = profile.limits().max_bytes {
            let other = match format {
                Format::Tiff => Some(Format::Png),
                Format::Png => Some(Format::Tiff),
                _ => None,
            };
            if let Some(f) =
                other.filter(|f| bytes.len() as u64 > cap && profile.format_for(*f) == *f)
            {
                let alt = encode(f)?;
                if alt.len() < bytes.len() {
                    bytes = alt;
                    format = f;
                }
            }
        }
        t.encode_ms = timer.lap("encode");
        (bytes, bits.width(), bits.height(), dpi)
    };
    profile.check(width, height, bytes.len())?;

    report.output_format = format.name().to_string();
    report.media_type = format.media_type().to_string();
    report.output_width = width;
    report.output_height = height;
    report.output_dpi = dpi;
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

/// The size to scale `img` to: text sizing's (`sized`), reduced to what the OCR service
/// takes; `None` to keep it. A reduction by the service's limits is told in `report`.
fn fit_to(
    profile: OcrProfile,
    sized: Option<(u32, u32)>,
    img: &GrayImage,
    report: &mut Option<TextSizeReport>,
) -> Option<(u32, u32)> {
    let (w, h) = sized.unwrap_or((img.width(), img.height()));
    let f = profile.fit_scale(w, h);
    if f >= 1.0 {
        return sized;
    }
    let size = (
        ((w as f64 * f).floor() as u32).max(1),
        ((h as f64 * f).floor() as u32).max(1),
    );
    if let Some(r) = report.as_mut() {
        r.scale = round3(size.0 as f64 / img.width().max(1) as f64);
        r.decision = "limited".into();
    }
    Some(size)
}

/// A gray JPEG at `quality`, or, over the OCR service's byte cap, at lower qualities down to
/// 40 (the first that fits).
/// The JBIG2 output, in builds with the `jbig2-output` feature (every build but the npm
/// package's main module, which makes it from Group 4 in its PDF module).
#[cfg(feature = "jbig2-output")]
fn jbig2_output(bits: &crate::BitImage, dpi: Option<u32>) -> Result<Vec<u8>, Error> {
    Ok(crate::encode::encode_jbig2(bits, dpi))
}

#[cfg(not(feature = "jbig2-output"))]
fn jbig2_output(_: &crate::BitImage, _: Option<u32>) -> Result<Vec<u8>, Error> {
    Err(Error::UnsupportedFeature {
        format: "jbig2",
        feature: "JBIG2 output in this build (the npm package makes it in its PDF module)",
    })
}

fn encode_jpeg_within(
    img: &GrayImage,
    quality: u8,
    dpi: Option<u32>,
    profile: OcrProfile,
) -> Result<Vec<u8>, Error> {
    let mut bytes = encode_jpeg_gray(img, quality, dpi)?;
    if let Some(cap) = profile.limits().max_bytes {
        let mut q = quality;
        while bytes.len() as u64 > cap && q > 40 {
            q = q.saturating_sub(20).max(40);
            bytes = encode_jpeg_gray(img, q, dpi)?;
        }
    }
    Ok(bytes)
}

/// The output's resolution: the rectified page's, or the input's (`dpi`) scaled to the
/// working resolution (`scale`), then by the text sizing (`text_scale`).
fn output_dpi(page_dpi: Option<f64>, dpi: Option<u32>, scale: f64, text_scale: f64) -> Option<u32> {
    let d = match page_dpi {
        Some(d) => d,
        None => dpi? as f64 * scale,
    };
    Some(((d * text_scale).round() as u32).max(1))
}

/// Chooses the scale of `img` from its text's measure `m`: the report, and the size to scale
/// `img` to when it changes.
fn size_text(
    m: &TextMeasure,
    target: f32,
    img: &GrayImage,
    max_pixels: u64,
) -> (Option<(u32, u32)>, TextSizeReport) {
    let (w, h) = (img.width(), img.height());
    let (s, decision) = choose_scale(m, target as f64, w, h, max_pixels);
    let size = (s != 1.0).then(|| {
        (
            ((w as f64 * s).round() as u32).max(1),
            ((h as f64 * s).round() as u32).max(1),
        )
    });
    let applied = size.map_or(1.0, |(sw, _)| sw as f64 / w.max(1) as f64);
    let report = TextSizeReport {
        text_height_px: m.x_height_px,
        cap_height_px: m.cap_height_px,
        glyphs: m.glyphs,
        target_px: round3(target as f64),
        scale: round3(applied),
        decision: decision.to_string(),
    };
    (size, report)
}

/// What the stages before the page's levels are touched found: the page to go on with (its
/// corners rectified, or reduced to the working resolution), its orientation (not applied
/// yet) and the capture verdict.
struct Front {
    img: GrayImage,
    scale: f64,
    page_dpi: Option<f64>,
    page: Option<PageReport>,
    orientation: OrientationEstimate,
    quality: Quality,
}

/// Page detection, rectification or reduction, glyph sampling, capture quality and
/// orientation; fails with `poor_capture` when a rejected reason is found.
fn front(
    img: GrayImage,
    chroma: ChromaOf<'_>,
    o: &Options,
    live: Option<u64>,
    timer: &mut Timer<'_>,
    t: &mut Timings,
) -> Result<Front, Error> {
    let FoundPage {
        report: mut page,
        corners,
        facts,
    } = find_page(&img, chroma, o)?;
    t.page_ms = timer.lap("page");
    // A live preview measures the page at no more pixels than the frame holds.
    let max_pixels = match (live, o.max_working_pixels) {
        (None, m) => m,
        (Some(_), 0) => img.width() as u64 * img.height() as u64,
        (Some(_), m) => m.min(img.width() as u64 * img.height() as u64),
    };
    let mut page_dpi = None;
    // A live preview's verdict: the text on the page's middle, the glare on all of it.
    let (mut whole, mut rectified_page) = (None, false);
    let (img, scale) = match corners {
        Some(c) => {
            let rectified = match live {
                Some(budget) => rectify_middle(&img, &c, o.page_size, max_pixels, budget),
                None => rectify(&img, &c, o.page_size, max_pixels).map(|r| {
                    let size = (r.image.width(), r.image.height());
                    (r, size)
                }),
            };
            match rectified {
                Ok((mut r, (w, h))) => {
                    if live.is_some() {
                        whole = whole_page(&img, Some(&c), LIVE_GLARE_STEP);
                    }
                    rectified_page = true;
                    drop(img);
                    if (r.image.width(), r.image.height()) == (w, h) {
                        crate::rectify::extend_paper_to_edges(&mut r.image);
                    }
                    let scale = (w as f64 * h as f64 / area(&c).max(1.0)).sqrt();
                    page_dpi = r.dpi;
                    if let Some(p) = page.as_mut() {
                        p.aspect = Some(round3(r.aspect));
                        p.dpi = r.dpi.map(round3);
                    }
                    t.rectify_ms = timer.lap("rectify");
                    (r.image, round3(scale))
                }
                // Manual corners are the caller's: their error is the answer.
                Err(e) if o.corners.is_some() => return Err(e),
                // Detected corners that cannot be rectified: treat the page as not found.
                Err(_) => {
                    page = Some(PageReport {
                        reason: Some("no_quadrilateral".into()),
                        ..PageReport::default()
                    });
                    let r = reduce_to_working(img, max_pixels);
                    t.resize_ms = timer.lap("resize");
                    r
                }
            }
        }
        None => {
            let r = reduce_to_working(img, max_pixels);
            t.resize_ms = timer.lap("resize");
            r
        }
    };
    // Without a rectified page, a live preview judges the frame's middle.
    let img = match live {
        Some(budget) if !rectified_page => {
            whole = whole_page(&img, None, LIVE_GLARE_STEP);
            middle(img, budget)
        }
        _ => img,
    };

    // Glyphs, once, for the capture-quality verdict and the orientation.
    let text = TextSample::of(&img);
    let orientation = if o.detect_orientation {
        orientation_of_page(&img, &text)
    } else {
        OrientationEstimate::default()
    };
    let facts = PageFacts {
        rectified: rectified_page,
        ..facts
    };
    let quality = assess(
        &img,
        &text,
        matches!(orientation.degrees, Some(90 | 270)),
        facts,
        whole,
    );
    drop(text);
    let rejected: Vec<&'static str> = quality
        .reasons
        .iter()
        .filter(|r| o.reject.contains(r))
        .map(|r| r.name())
        .collect();
    if !rejected.is_empty() {
        return Err(Error::PoorCapture {
            reasons: rejected,
            quality: Box::new(quality),
        });
    }
    t.orientation_ms = timer.lap("orientation");
    if let Some(d) = orientation.degrees {
        // The page's top-left, once turned, is the corner `d / 90` places before it.
        if let Some(q) = page.as_mut().and_then(|p| p.corners.as_mut()) {
            q.rotate_right((d / 90) as usize % 4);
        }
    }
    Ok(Front {
        img,
        scale,
        page_dpi,
        page,
        orientation,
        quality,
    })
}

/// What [`detect`] finds: where the page is, which way up, and whether the capture is good
/// enough, without producing an output.
pub fn detect(bytes: &[u8], options: &Options) -> Result<Detection, Error> {
    options.validate()?;
    let decoded = decode_image(bytes, &Limits::from(options))?;
    detect_in(
        decoded.image,
        &|| decoded.chroma.as_ref().map(Cow::Borrowed),
        options,
        None,
    )
}

/// [`detect`] on bytes the caller gives away, so that decoding needs no copy of them (the
/// WebAssembly package calls this, which links one JPEG decoder, as [`process_owned`] does).
pub fn detect_owned(bytes: Vec<u8>, options: &Options) -> Result<Detection, Error> {
    options.validate()?;
    let decoded = decode_image_owned(bytes, &Limits::from(options))?;
    detect_in(
        decoded.image,
        &|| decoded.chroma.as_ref().map(Cow::Borrowed),
        options,
        None,
    )
}

/// [`detect`] on an already decoded grayscale page (the npm package's canvas pixels).
pub fn detect_gray(gray: GrayImage, options: &Options) -> Result<Detection, Error> {
    detect_color(gray, None, options)
}

/// [`detect`] on an already decoded page with its chroma (the npm package's canvas pixels).
pub fn detect_color(
    gray: GrayImage,
    chroma: Option<Chroma>,
    options: &Options,
) -> Result<Detection, Error> {
    checked(options, &gray)?;
    detect_in(gray, &|| chroma.as_ref().map(Cow::Borrowed), options, None)
}

/// The options, valid, and the image's size within their limits.
fn checked(options: &Options, gray: &GrayImage) -> Result<(), Error> {
    options.validate()?;
    Limits::from(options).check_dimensions(gray.width(), gray.height())
}

/// [`detect_color`] for a live preview frame, at a cost that does not grow with the page: the
/// page is found and its corners placed as [`detect`] does, and the capture verdict judges
/// the text on the page's middle (about 120,000 pixels at the page's own density, which is
/// what the text's height, sharpness and levels depend on) and the glare on all of the page.
/// Without a page, the frame's middle. `max_working_pixels` is capped at the frame's size.
pub fn detect_frame(
    gray: GrayImage,
    chroma: Option<Chroma>,
    options: &Options,
) -> Result<Detection, Error> {
    checked(options, &gray)?;
    detect_in(
        gray,
        &|| chroma.as_ref().map(Cow::Borrowed),
        options,
        Some(LIVE_SAMPLE_PIXELS),
    )
}

/// [`detect_frame`] on a camera frame's RGBA pixels: the gray at once, the colour (when the
/// options keep it) only if the luma shows no page, which spares most frames half the work
/// of reading their pixels.
pub fn detect_frame_rgba(
    data: &[u8],
    width: u32,
    height: u32,
    options: &Options,
) -> Result<Detection, Error> {
    options.validate()?;
    let limits = Limits::from(options);
    let gray = gray_from_rgba(data, width, height, &limits)?;
    let chroma = || {
        if !limits.keep_chroma {
            return None;
        }
        let mut b = ChromaBuilder::new(width, height);
        b.push_rows(data, 4);
        b.finish().map(Cow::Owned)
    };
    detect_in(gray, &chroma, options, Some(LIVE_SAMPLE_PIXELS))
}

/// Pixels of the page a live preview judges the text on: its middle, at the page's density.
/// The text's height, sharpness and levels need the density, not the whole page (a 720p
/// frame's page holds several thousand glyphs; this window, several hundred to a thousand),
/// and the verdict then costs the same on a frame the page fills as on one where it is small.
const LIVE_SAMPLE_PIXELS: u64 = 120_000;
/// A live preview counts glare on every second pixel of every second row of the page.
const LIVE_GLARE_STEP: usize = 2;

/// The middle of `img`: at most `budget` pixels, centred, of its proportions.
fn middle(img: GrayImage, budget: u64) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    if w as u64 * h as u64 <= budget {
        return img;
    }
    let k = (budget as f64 / (w as f64 * h as f64)).sqrt();
    let (mw, mh) = (
        ((w as f64 * k) as u32).clamp(1, w),
        ((h as f64 * k) as u32).clamp(1, h),
    );
    let (x0, y0) = (((w - mw) / 2) as usize, (h - mh) / 2);
    let mut out = GrayImage::new(mw, mh, 255);
    for (y, row) in out.rows_mut().enumerate() {
        row.copy_from_slice(&img.row(y0 + y as u32)[x0..x0 + mw as usize]);
    }
    out
}

fn detect_in(
    img: GrayImage,
    chroma: ChromaOf<'_>,
    options: &Options,
    live: Option<u64>,
) -> Result<Detection, Error> {
    let mut timer = Timer::new(None);
    let mut t = Timings::default();
    let f = front(img, chroma, options, live, &mut timer, &mut t)?;
    let page = f.page.unwrap_or_default();
    Ok(Detection {
        corners: page.corners,
        confidence: page.confidence,
        orientation_degrees: f.orientation.degrees,
        orientation_confidence: f.orientation.confidence,
        quality: f.quality,
        page,
    })
}

/// The page stage's answer.
struct FoundPage {
    /// The report's page object (`None` with detection off and no corners).
    report: Option<PageReport>,
    /// The corners to rectify.
    corners: Option<[Point; 4]>,
    /// What the quality verdict needs to know.
    facts: PageFacts,
}

/// The page to rectify: the caller's corners, or the detected ones.
fn find_page(img: &GrayImage, chroma: ChromaOf<'_>, o: &Options) -> Result<FoundPage, Error> {
    let (w, h) = (img.width() as f64, img.height() as f64);
    if let Some(c) = o.corners {
        // Half the frame beyond its edges is as far as a corner cut off by the frame can lie.
        let far = c
            .iter()
            .any(|p| p[0] < -0.5 * w || p[0] > 1.5 * w || p[1] < -0.5 * h || p[1] > 1.5 * h);
        if far {
            return Err(Error::InvalidCorners {
                reason: "a corner lies more than half the image's size outside it",
            });
        }
        let cut_off = outside_frame(&c, img.width(), img.height());
        let report = PageReport {
            found: true,
            source: Some(PageSource::Manual),
            corners: Some(c),
            confidence: 1.0,
            cut_off,
            ..PageReport::default()
        };
        let facts = PageFacts {
            not_found: false,
            cut_off,
            rectified: false,
        };
        return Ok(FoundPage {
            report: Some(report),
            corners: Some(c),
            facts,
        });
    }
    if !o.detect_page {
        return Ok(FoundPage {
            report: None,
            corners: None,
            facts: PageFacts::default(),
        });
    }
    let d = detect_page_lazy(img, chroma);
    let cut_off = d.cut_off(img.width(), img.height());
    let round = |q: [Point; 4]| q.map(|p| p.map(|v| (v * 100.0).round() / 100.0));
    let report = PageReport {
        found: d.corners.is_some(),
        source: d.corners.map(|_| PageSource::Detected),
        corners: d.corners.map(round),
        confidence: d.confidence,
        reason: d.reason.map(str::to_string),
        cut_off,
        ..PageReport::default()
    };
    let facts = PageFacts {
        not_found: d.corners.is_none(),
        cut_off,
        rectified: false,
    };
    Ok(FoundPage {
        report: Some(report),
        corners: d.corners,
        facts,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_middle_of_a_frame_is_its_centred_crop() {
        let mut img = GrayImage::new(400, 200, 0);
        for (i, v) in img.data_mut().iter_mut().enumerate() {
            *v = ((i % 400) ^ (i / 400)) as u8;
        }
        let m = middle(img.clone(), 20_000);
        assert_eq!((m.width(), m.height()), (200, 100));
        for y in 0..100 {
            assert_eq!(m.row(y), &img.row(50 + y)[100..300]);
        }
        // Within the budget: the frame itself.
        assert_eq!(middle(img.clone(), 80_000), img);
    }
}
