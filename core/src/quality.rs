//! Capture quality: whether a photo is good enough for OCR, and if not, why (so that an app can
//! ask for a retake). Every measure is taken on the text itself, not on blank paper:
//! - **text height**: the median glyph height in pixels of the output page (OCR engines read
//!   text from about 10 px of x-height; Tesseract's own guidance is 20 px of capital height);
//! - **edge width**: the width of the ink-to-paper transitions of the glyphs, each glyph's
//!   contrast over its steepest step between 2×2 means (a sharp edge is 2 px wide, a Gaussian
//!   blur of σ px makes it wider, and thin strokes lose their ink; the means keep sensor noise,
//!   which a camera adds after the lens blur, from passing for a sharp edge), judged against
//!   the text height; on a page noisy enough to be smoothed (where noise steps as steeply as
//!   any edge), on the smoothed copy, less what the smoothing added;
//! - **paper and ink levels** around the glyphs (5th and 95th percentiles of the raw levels
//!   in each glyph's neighbourhood, medians over the page): a dark exposure, a washed-out page;
//! - **glare**: the share of the page clipped to white when the paper itself is grey (a
//!   specular highlight, which erases the text under it); on a page not rectified, without the
//!   clipped light joined to the image's border (a scanner's lid or fill around the sheet).
//!
//! The verdict never stops processing; [`Options::reject`](crate::Options::reject) turns
//! chosen reasons into [`Error::PoorCapture`](crate::Error::PoorCapture).

use serde::{Deserialize, Serialize};

use crate::math::round3;
use crate::orientation::TextSample;
use crate::sort::sort_f64;
use crate::{GrayImage, Point};

/// Below this median glyph height (output pixels) OCR loses characters.
pub const MIN_TEXT_HEIGHT_PX: f64 = 9.0;
/// Edge widths above this share of the text height blur glyphs into each other (large text
/// stands more blur).
pub const MAX_EDGE_WIDTH_RATIO: f64 = 0.08;
/// Edge widths up to this many pixels are sharp whatever the text height: pages rendered at
/// 150 dpi with noise measure 2.0–2.13 px up to a blur of σ 0.8 px, and 3.2–4.5 px from σ
/// 2.5 px, where the glyphs of 10 pt text merge (`quality_eval`, seeds 0–19).
pub const SHARP_EDGE_PX: f64 = 2.6;
/// Paper darker than this level (of 255) is an underexposed photo.
pub const MIN_PAPER_LEVEL: f64 = 80.0;
/// Less than this difference between paper and ink (levels) is too faint to read reliably.
pub const MIN_CONTRAST_LEVELS: f64 = 50.0;
/// More than this share of the page clipped white, on grey paper, is glare.
pub const MAX_GLARE_FRACTION: f64 = 0.01;
/// Fewest glyphs from which text measures are taken.
const MIN_GLYPHS: usize = 20;
/// Most glyphs sampled for the edge width.
const EDGE_SAMPLES: usize = 600;

/// A reason a capture is not good enough.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualityReason {
    /// Page detection ran and found neither a page nor any text.
    NoPageFound,
    /// A corner of the detected page lies outside the frame.
    PageCutOff,
    /// The text's edges are wide for its size.
    TooBlurry,
    /// The paper is dark: underexposed.
    TooDark,
    /// Part of the page is clipped white by a reflection.
    Glare,
    /// Ink and paper are too close in level.
    LowContrast,
    /// The text is smaller than OCR needs, in pixels of the output page.
    TextTooSmall,
}

impl QualityReason {
    /// The name used in options, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            QualityReason::NoPageFound => "no_page_found",
            QualityReason::PageCutOff => "page_cut_off",
            QualityReason::TooBlurry => "too_blurry",
            QualityReason::TooDark => "too_dark",
            QualityReason::Glare => "glare",
            QualityReason::LowContrast => "low_contrast",
            QualityReason::TextTooSmall => "text_too_small",
        }
    }
}

/// The measures behind the verdict; `None` where there was no text to measure.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct QualityMeasures {
    /// Glyphs measured.
    pub glyphs: u32,
    /// Median glyph height, in pixels of the output page (across the text lines).
    pub text_height_px: Option<f64>,
    /// Median width of the glyphs' edges in pixels.
    pub edge_width_px: Option<f64>,
    /// Median paper level around the text, 0 to 255.
    pub paper_level: Option<f64>,
    /// Median ink level of the text, 0 to 255.
    pub ink_level: Option<f64>,
    /// Share of the page clipped white while the paper is grey, 0 to 1.
    pub glare_fraction: f64,
}

/// The capture-quality verdict.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Quality {
    /// True when no reason was found.
    pub ok: bool,
    /// What is wrong, in a fixed order.
    pub reasons: Vec<QualityReason>,
    /// The measures behind them.
    pub measures: QualityMeasures,
}

/// What the page stage contributes to the verdict.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PageFacts {
    /// Page detection ran and found no page (manual corners, a scan with detection off: false).
    pub not_found: bool,
    /// The detected page has a corner outside the frame.
    pub cut_off: bool,
    /// The page was rectified: the image's edges are the page's own.
    pub rectified: bool,
}

/// Measures `img` (the output page before background normalisation, at working resolution),
/// whose glyphs are `text`; `lines_vertical` when its text lines run down the page.
/// `whole`: the glare's measures on the whole page when `img` is only its middle (a live
/// preview judges the text there, and the glare on all of the page); `None`: on `text`.
pub(crate) fn assess(
    img: &GrayImage,
    text: &TextSample,
    lines_vertical: bool,
    page: PageFacts,
    whole: Option<WholePage>,
) -> Quality {
    let mut m = QualityMeasures {
        glyphs: text.glyphs.len() as u32,
        ..QualityMeasures::default()
    };
    let has_text = text.glyphs.len() >= MIN_GLYPHS;
    let f = text.factor as f64;
    if has_text {
        let mut heights: Vec<f64> = text
            .boxes()
            .map(|(x0, y0, x1, y1)| if lines_vertical { x1 - x0 } else { y1 - y0 } * f)
            .collect();
        m.text_height_px = median(&mut heights);
        let (paper, ink) = levels(&text.raw, text);
        m.paper_level = paper;
        m.ink_level = ink;
        m.edge_width_px = match text.noise_sigma {
            None => edge_width(img, text.factor, text),
            // Noise steps as steeply as any edge: a noisy page's edges are measured on its
            // smoothed copy, less the smoothing's own width.
            Some(_) => edge_width(&text.raw, 1, text).map(|w| unsmoothed(w * text.factor as f64)),
        };
    }
    m.glare_fraction = glare_fraction(&text.raw, m.paper_level, whole, !page.rectified);

    let mut reasons = Vec::new();
    if page.not_found && !has_text {
        reasons.push(QualityReason::NoPageFound);
    }
    if page.cut_off {
        reasons.push(QualityReason::PageCutOff);
    }
    if too_blurry(&m) {
        reasons.push(QualityReason::TooBlurry);
    }
    if m.paper_level.is_some_and(|p| p < MIN_PAPER_LEVEL) {
        reasons.push(QualityReason::TooDark);
    }
    if m.glare_fraction > MAX_GLARE_FRACTION {
        reasons.push(QualityReason::Glare);
    }
    if let (Some(p), Some(i)) = (m.paper_level, m.ink_level) {
        if p - i < MIN_CONTRAST_LEVELS {
            reasons.push(QualityReason::LowContrast);
        }
    }
    if m.text_height_px.is_some_and(|t| t < MIN_TEXT_HEIGHT_PX) {
        reasons.push(QualityReason::TextTooSmall);
    }
    for v in [
        &mut m.text_height_px,
        &mut m.edge_width_px,
        &mut m.paper_level,
        &mut m.ink_level,
    ] {
        *v = v.map(round3);
    }
    m.glare_fraction = round3(m.glare_fraction);
    Quality {
        ok: reasons.is_empty(),
        reasons,
        measures: m,
    }
}

/// An edge width measured after [`smooth`](crate::denoise::smooth), as it was before.
fn unsmoothed(w: f64) -> f64 {
    (w * w - SMOOTHING_WIDTH_SQ).max(4.0).sqrt()
}

/// What the smoothing adds to an edge's width, squared (widths add in quadrature, as the
/// variances of two Gaussian blurs do).
const SMOOTHING_WIDTH_SQ: f64 = 2.0;

/// The text's edges are wide, and wide for its size: `too_blurry`.
pub(crate) fn too_blurry(m: &QualityMeasures) -> bool {
    match (m.edge_width_px, m.text_height_px) {
        (Some(e), Some(t)) => e > SHARP_EDGE_PX && e > MAX_EDGE_WIDTH_RATIO * t,
        _ => false,
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    sort_f64(v);
    Some(v[v.len() / 2])
}

/// The `q`-quantile (0 to 1) of a 256-bin histogram holding `n` values.
pub(crate) fn quantile(hist: &[u32; 256], n: u32, q: f64) -> f64 {
    let target = (q * n as f64).ceil().max(1.0) as u32;
    let mut acc = 0;
    for (v, &c) in hist.iter().enumerate() {
        acc += c;
        if acc >= target {
            return v as f64;
        }
    }
    255.0
}

/// Histogram of `img` over the box `x0..x1 × y0..y1` (clipped to the image).
fn box_histogram(img: &GrayImage, x0: i64, y0: i64, x1: i64, y1: i64) -> ([u32; 256], u32) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, x1) = (x0.clamp(0, w), x1.clamp(0, w));
    let (y0, y1) = (y0.clamp(0, h), y1.clamp(0, h));
    let mut hist = [0u32; 256];
    let data = img.data();
    for y in y0..y1 {
        let row = &data[(y * w + x0) as usize..(y * w + x1) as usize];
        for &v in row {
            hist[v as usize] += 1;
        }
    }
    (hist, ((x1 - x0).max(0) * (y1 - y0).max(0)) as u32)
}

/// Median paper (95th percentile) and ink (5th percentile) levels around the glyphs, on the
/// reduced raw copy.
fn levels(raw: &GrayImage, text: &TextSample) -> (Option<f64>, Option<f64>) {
    let step = (text.glyphs.len() / EDGE_SAMPLES).max(1);
    let mut paper = Vec::new();
    let mut ink = Vec::new();
    for (x0, y0, x1, y1) in text.boxes().step_by(step) {
        let pad = ((y1 - y0).max(x1 - x0) * 0.5).ceil() as i64;
        let (hist, n) = box_histogram(
            raw,
            x0 as i64 - pad,
            y0 as i64 - pad,
            x1 as i64 + pad,
            y1 as i64 + pad,
        );
        if n > 0 {
            paper.push(quantile(&hist, n, 0.95));
            ink.push(quantile(&hist, n, 0.05));
        }
    }
    (median(&mut paper), median(&mut ink))
}

/// Median, over sampled glyphs, of contrast (95th − 5th percentile) over the steepest step
/// between 2×2 means, at working resolution.
fn edge_width(img: &GrayImage, f: u32, text: &TextSample) -> Option<f64> {
    let f = f as i64;
    let (w, h) = (img.width() as i64, img.height() as i64);
    let data = img.data();
    let step = (text.glyphs.len() / EDGE_SAMPLES).max(1);
    let mut widths = Vec::new();
    let mut sums: Vec<u16> = Vec::new();
    for (x0, y0, x1, y1) in text.boxes().step_by(step) {
        let bx0 = (x0 as i64 * f - 1).clamp(0, w - 1);
        let by0 = (y0 as i64 * f - 1).clamp(0, h - 1);
        let bx1 = (x1 as i64 * f + 1).clamp(bx0 + 1, w);
        let by1 = (y1 as i64 * f + 1).clamp(by0 + 1, h);
        let (hist, n) = box_histogram(img, bx0, by0, bx1, by1);
        let range = quantile(&hist, n, 0.95) - quantile(&hist, n, 0.05);
        if range < MIN_CONTRAST_LEVELS * 0.5 {
            continue;
        }
        // Steps between 2×2 means, so that sensor noise (added after the lens blur) does not
        // pass for a sharp edge: a sharp edge is then 2 px wide. The sums of the box (and of
        // one more column and row, for the steps out of it) first, then their steps.
        let (xe, ye) = ((bx1 + 1).min(w), (by1 + 1).min(h));
        let (bw, bh) = ((xe - bx0) as usize, (ye - by0) as usize);
        sums.clear();
        sums.resize(bw * bh, 0);
        let last = (w - 1) as usize;
        for (j, y) in (by0..ye).enumerate() {
            let r0 = &data[(y * w) as usize..][..w as usize];
            let r1 = &data[((y + 1).min(h - 1) * w) as usize..][..w as usize];
            let out = &mut sums[j * bw..][..bw];
            for (o, x) in out.iter_mut().zip(bx0 as usize..) {
                let x1 = (x + 1).min(last);
                *o = r0[x] as u16 + r0[x1] as u16 + r1[x] as u16 + r1[x1] as u16;
            }
        }
        let mut steepest = 0u16;
        for j in 0..bh {
            let row = &sums[j * bw..][..bw];
            for pair in row.windows(2) {
                steepest = steepest.max(pair[0].abs_diff(pair[1]));
            }
            if j + 1 < bh {
                let below = &sums[(j + 1) * bw..][..bw];
                for (a, b) in row.iter().zip(below) {
                    steepest = steepest.max(a.abs_diff(*b));
                }
            }
        }
        if steepest > 0 {
            widths.push((4.0 * range / steepest as f64).max(1.0));
        }
    }
    median(&mut widths)
}

/// Share of the reduced page at 250 or above, when the paper around the text is grey (below
/// 235); a white page on a scanner is clipped everywhere and shows no glare.
/// `beyond_edges`: the image may extend past the page (not rectified), so clipped light that
/// reaches the image's border is the scanner's lid or fill around the sheet, not glare on it.
fn glare_fraction(
    raw: &GrayImage,
    paper: Option<f64>,
    whole: Option<WholePage>,
    beyond_edges: bool,
) -> f64 {
    let Some(p) = paper else { return 0.0 };
    // The paper's level: around the text, or over the whole page when the text was sampled on
    // part of it (where a highlight may lie over all of that part).
    let p = whole.map_or(p, |w| w.median);
    if p >= 235.0 || raw.data().is_empty() {
        return 0.0;
    }
    whole.map_or_else(
        || {
            let n = raw.data().iter().filter(|&&v| v >= CLIPPED).count();
            let fill = if beyond_edges && n > 0 {
                clipped_from_border(raw)
            } else {
                0
            };
            (n - fill) as f64 / raw.data().len() as f64
        },
        |w| w.clipped,
    )
}

/// A level this bright is clipped white.
const CLIPPED: u8 = 250;

/// The clipped pixels joined to the image's border through clipped pixels (4-connected): a
/// flood fill from the border, with one bit a pixel and a stack (4 bytes an entry, at most one
/// entry per clipped pixel) of what is still to visit.
fn clipped_from_border(raw: &GrayImage) -> usize {
    let (w, h) = (raw.width() as usize, raw.height() as usize);
    let data = raw.data();
    let mut seen = vec![0u64; (w * h).div_ceil(64)];
    let mut stack: Vec<u32> = Vec::new();
    let visit = |i: usize, seen: &mut [u64], stack: &mut Vec<u32>| {
        if data[i] >= CLIPPED && seen[i / 64] & (1 << (i % 64)) == 0 {
            seen[i / 64] |= 1 << (i % 64);
            stack.push(i as u32);
        }
    };
    for x in 0..w {
        visit(x, &mut seen, &mut stack);
        visit((h - 1) * w + x, &mut seen, &mut stack);
    }
    for y in 0..h {
        visit(y * w, &mut seen, &mut stack);
        visit(y * w + w - 1, &mut seen, &mut stack);
    }
    let mut count = 0;
    while let Some(i) = stack.pop() {
        let i = i as usize;
        count += 1;
        let (x, y) = (i % w, i / w);
        if x > 0 {
            visit(i - 1, &mut seen, &mut stack);
        }
        if x + 1 < w {
            visit(i + 1, &mut seen, &mut stack);
        }
        if y > 0 {
            visit(i - w, &mut seen, &mut stack);
        }
        if y + 1 < h {
            visit(i + w, &mut seen, &mut stack);
        }
    }
    count
}

/// What a live preview measures on the whole page (its text, on the page's middle only).
#[derive(Clone, Copy, Debug)]
pub(crate) struct WholePage {
    /// Share of the page clipped white.
    pub clipped: f64,
    /// The page's median level (its paper, on a page of text).
    pub median: f64,
}

/// [`WholePage`] of the convex quadrilateral `q` of `img` (the whole image without one), from
/// every `step`-th pixel of every `step`-th row; `None` when no pixel lies inside.
pub(crate) fn whole_page(
    img: &GrayImage,
    q: Option<&[Point; 4]>,
    step: usize,
) -> Option<WholePage> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let step = step.max(1);
    let mut hist = [0u32; 256];
    for y in (0..h).step_by(step) {
        let (x0, x1) = match q {
            None => (0, w),
            Some(q) => match row_span(q, y as f64 + 0.5, w) {
                Some(span) => span,
                None => continue,
            },
        };
        for &v in img.row(y as u32)[x0..x1].iter().step_by(step) {
            hist[v as usize] += 1;
        }
    }
    let n: u32 = hist.iter().sum();
    (n > 0).then(|| WholePage {
        clipped: hist[CLIPPED as usize..].iter().sum::<u32>() as f64 / n as f64,
        median: quantile(&hist, n, 0.5),
    })
}

/// The pixels `x0..x1` of row centre `y` that lie inside the convex quadrilateral `q`, within
/// `0..w`; `None` when the row misses it.
fn row_span(q: &[Point; 4], y: f64, w: usize) -> Option<(usize, usize)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        if (a[1] <= y && y <= b[1]) || (b[1] <= y && y <= a[1]) {
            let x = if a[1] == b[1] {
                lo = lo.min(a[0].min(b[0]));
                a[0].max(b[0])
            } else {
                a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            };
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    // Pixel centres x + 0.5 within [lo, hi].
    let x0 = (lo - 0.5).ceil().max(0.0);
    let x1 = ((hi - 0.5).floor() + 1.0).min(w as f64);
    (x1 > x0).then_some((x0 as usize, x1 as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of dark bars shaped like glyphs: `height` px tall, edges softened over `ramp` px.
    fn text_page(height: u32, ramp: u32, paper: u8, ink: u8) -> GrayImage {
        let (w, h) = (1200u32, 900u32);
        let mut img = GrayImage::new(w, h, paper);
        let pitch_y = height * 2;
        let pitch_x = height.max(4);
        for y in 0..h {
            for x in 0..w {
                let (ly, lx) = (y % pitch_y, x % pitch_x);
                // Distance inside the glyph box (negative outside).
                let gw = pitch_x * 2 / 3;
                let inside = (ly.min(height.saturating_sub(ly)) as i64)
                    .min(lx.min(gw.saturating_sub(lx)) as i64);
                let t = if ly >= height || lx >= gw {
                    0.0
                } else if ramp == 0 {
                    1.0
                } else {
                    (inside as f64 / ramp as f64).min(1.0)
                };
                let v = paper as f64 + (ink as f64 - paper as f64) * t;
                img.data_mut()[(y * w + x) as usize] = v.round() as u8;
            }
        }
        img
    }

    /// `passes` horizontal and vertical box blurs of radius `r`.
    fn blurred(mut img: GrayImage, r: usize, passes: usize) -> GrayImage {
        let (w, h) = (img.width() as usize, img.height() as usize);
        for _ in 0..passes {
            for (stride, len, count) in [(1, w, h), (w, h, w)] {
                let step = if stride == 1 { w } else { 1 };
                for line in 0..count {
                    let at = |i: usize| line * step + i * stride;
                    let src: Vec<u32> = (0..len).map(|i| img.data()[at(i)] as u32).collect();
                    for i in 0..len {
                        let (a, b) = (i.saturating_sub(r), (i + r).min(len - 1));
                        let sum: u32 = src[a..=b].iter().sum();
                        img.data_mut()[at(i)] = (sum / (b - a + 1) as u32) as u8;
                    }
                }
            }
        }
        img
    }

    fn verdict(img: &GrayImage) -> Quality {
        let t = TextSample::of(img);
        assess(img, &t, false, PageFacts::default(), None)
    }

    #[test]
    fn a_clean_page_passes_with_its_measures() {
        let q = verdict(&text_page(24, 0, 230, 30));
        assert!(q.ok, "{q:?}");
        let m = &q.measures;
        assert!((m.text_height_px.unwrap() - 24.0).abs() <= 2.0, "{m:?}");
        // A sharp edge is 2 px wide between 2×2 means.
        assert!(m.edge_width_px.unwrap() <= 2.1, "{m:?}");
        assert!(m.paper_level.unwrap() >= 225.0 && m.ink_level.unwrap() <= 40.0);
    }

    #[test]
    fn each_defect_names_its_reason() {
        let has = |img: &GrayImage, r: QualityReason| verdict(img).reasons.contains(&r);
        assert!(has(&text_page(6, 0, 230, 30), QualityReason::TextTooSmall));
        // Three box blurs of radius 2: a Gaussian of σ ≈ 2.4 px on 16 px text.
        let b = verdict(&blurred(text_page(16, 0, 230, 30), 2, 3));
        assert!(b.reasons.contains(&QualityReason::TooBlurry), "{b:?}");
        // The same page sharp.
        let s = verdict(&text_page(16, 0, 230, 30));
        assert!(!s.reasons.contains(&QualityReason::TooBlurry), "{s:?}");
        assert!(has(&text_page(24, 0, 60, 10), QualityReason::TooDark));
        assert!(has(&text_page(24, 0, 200, 155), QualityReason::LowContrast));
        let mut glare = text_page(24, 0, 190, 30);
        for y in 300..500 {
            for x in 400..700 {
                glare.data_mut()[y * 1200 + x] = 255;
            }
        }
        assert!(has(&glare, QualityReason::Glare));
        assert!(!has(&text_page(24, 0, 255, 30), QualityReason::Glare));
    }

    /// Sensor noise of σ `sigma` levels (the sum of 12 uniforms) and 0.3 % salt-and-pepper
    /// specks, from a fixed xorshift seed.
    fn noisy(mut img: GrayImage, sigma: f64) -> GrayImage {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for v in img.data_mut() {
            let g: f64 = (0..12).map(|_| uniform()).sum::<f64>() - 6.0;
            let speck = uniform();
            *v = if speck < 0.0015 {
                0
            } else if speck < 0.003 {
                255
            } else {
                (*v as f64 + sigma * g).round().clamp(0.0, 255.0) as u8
            };
        }
        img
    }

    #[test]
    fn sensor_noise_hides_neither_faint_text_nor_blur_nor_passes_for_sharp_edges() {
        // Faint text (40 levels) under noise of σ 12: found, and too faint.
        let faint = verdict(&noisy(text_page(16, 0, 230, 190), 12.0));
        assert!(
            faint.reasons.contains(&QualityReason::LowContrast),
            "{faint:?}"
        );
        assert!((faint.measures.text_height_px.unwrap() - 16.0).abs() <= 2.0);
        // Dark sharp text under the same noise: neither faint nor blurred.
        let sharp = verdict(&noisy(text_page(16, 0, 230, 30), 12.0));
        assert!(sharp.ok, "{sharp:?}");
        // Blurred (σ ≈ 2.4 px) under the same noise: the noise does not pass for sharp edges.
        let soft = verdict(&noisy(blurred(text_page(16, 0, 230, 30), 2, 3), 12.0));
        assert!(soft.reasons.contains(&QualityReason::TooBlurry), "{soft:?}");
    }

    #[test]
    fn the_white_around_a_scanned_sheet_is_not_glare_a_highlight_on_it_is() {
        // Grey paper scanned on a white lid: a clipped band along the top and left edges.
        let mut scan = text_page(24, 0, 190, 30);
        for y in 0..900 {
            for x in 0..1200 {
                if y < 80 || x < 60 {
                    scan.data_mut()[y * 1200 + x] = 253;
                }
            }
        }
        let q = verdict(&scan);
        assert!(!q.reasons.contains(&QualityReason::Glare), "{q:?}");
        assert_eq!(q.measures.glare_fraction, 0.0);
        // A highlight on the same sheet, clear of the band, is glare.
        for y in 300..500 {
            for x in 400..700 {
                scan.data_mut()[y * 1200 + x] = 255;
            }
        }
        let q = verdict(&scan);
        assert!(q.reasons.contains(&QualityReason::Glare), "{q:?}");
        // A rectified page's edges are its own: a highlight reaching them is still on it.
        let t = TextSample::of(&scan);
        let facts = PageFacts {
            rectified: true,
            ..PageFacts::default()
        };
        let on_page = assess(&scan, &t, false, facts, None)
            .measures
            .glare_fraction;
        assert!(on_page > q.measures.glare_fraction, "{on_page} {q:?}");
    }

    #[test]
    fn no_text_and_no_page_is_no_page_found() {
        let img = GrayImage::new(640, 480, 128);
        let t = TextSample::of(&img);
        let facts = PageFacts {
            not_found: true,
            ..PageFacts::default()
        };
        let q = assess(&img, &t, false, facts, None);
        assert_eq!(q.reasons, vec![QualityReason::NoPageFound]);
        assert_eq!(q.measures.text_height_px, None);
    }

    #[test]
    fn the_whole_page_counts_glare_inside_the_quadrilateral_only() {
        // A 200×100 grey frame; clipped white inside x 40..80 (all rows), and outside the
        // quadrilateral at x 150..200.
        let mut img = GrayImage::new(200, 100, 180);
        for y in 0..100 {
            for x in (40..80).chain(150..200) {
                img.data_mut()[y * 200 + x] = 255;
            }
        }
        // The quadrilateral x 20..120: 40 of its 100 columns clipped.
        let q = [[20.0, 0.0], [120.0, 0.0], [120.0, 100.0], [20.0, 100.0]];
        let w = whole_page(&img, Some(&q), 1).unwrap();
        assert!((w.clipped - 0.4).abs() < 1e-9, "{w:?}");
        assert_eq!(w.median, 180.0);
        // Every second pixel of every second row: the same share.
        assert!((whole_page(&img, Some(&q), 2).unwrap().clipped - 0.4).abs() < 0.02);
        // The whole frame: 90 of 200 columns.
        assert!((whole_page(&img, None, 1).unwrap().clipped - 0.45).abs() < 1e-9);
        // A quadrilateral outside the frame has no pixels.
        let far = [[300.0, 0.0], [400.0, 0.0], [400.0, 50.0], [300.0, 50.0]];
        assert!(whole_page(&img, Some(&far), 1).is_none());
    }
}
