//! Text sized for OCR: measures the text's x-height on the binarized page and chooses the
//! output resolution from it.
//!
//! OCR engines read best in a band of text sizes. Tesseract's documentation ("Improving the
//! quality of the output") puts the x-height of 10 pt text at 300 dpi at about 20 px, with
//! accuracy falling below that and little chance under 10 px; Azure Read needs text at least
//! 12 px high. So a page whose x-height is well below the target is binarized again at a
//! higher resolution — the gray page interpolated, then thresholded, as Leptonica's
//! `pixScaleGray2xLIThresh` does, never the bits enlarged — and a page whose text is very
//! large is reduced (smaller files, the same accuracy). Ordinary pages (x-height 18–48 px at
//! the default target of 24) keep their resolution and their bytes.
//!
//! Method: the connected components of the binarized page, without specks, rules, pictures
//! and dots; the histogram of their heights. In running text most letters have no ascender
//! or descender (a c e m n o r s u v w x z), so its main peak is the x-height; a peak about
//! 1.25–1.8 times higher is the capital (ascender) height. Text set all in capitals or
//! figures shows one peak, its capital height, and is sized by it.

use serde::{Deserialize, Serialize};

use crate::clean::Components;
use crate::math::round3;
use crate::BitImage;

/// The default target x-height, in pixels (the middle of the 20–30 px band OCR reads best).
pub const DEFAULT_TARGET_X_HEIGHT: f32 = 24.0;
/// The range a target may take, in pixels.
pub const TARGET_X_HEIGHT_RANGE: std::ops::RangeInclusive<f32> = 8.0..=64.0;
/// Text whose x-height is below this fraction of the target is enlarged to the target.
const ENLARGE_BELOW: f64 = 0.75;
/// Text whose x-height is above this multiple of the target is reduced ...
const REDUCE_ABOVE: f64 = 2.0;
/// ... to this multiple of the target.
const REDUCE_TO: f64 = 1.5;
/// The largest enlargement (text this small is barely legible at any resolution).
const MAX_ENLARGEMENT: f64 = 4.0;
/// The edge width, in pixels, of a sharp page (a 300 dpi scan measures 1.9–2.1): text with
/// softer edges than this is given a larger target.
const SCAN_EDGE_PX: f64 = 2.2;
/// The most a soft page's target is raised, as a multiple of the target.
const MAX_SOFT_FACTOR: f64 = 1.5;
/// Scales closer to 1 than this are not worth a second binarization.
const MIN_CHANGE: f64 = 0.1;
/// The smallest x-height measured, in pixels: below it, specks of noise line up by chance, and
/// text is past reading at any resolution.
const MIN_X_HEIGHT: usize = 6;
/// Fewest glyphs from which a size is given.
const MIN_GLYPHS: usize = 30;
/// Height histogram length; taller components are not text.
const MAX_HEIGHT: usize = 512;

/// The text's size on a page.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TextMeasure {
    /// Height of the lowercase letters without ascenders, in pixels; `None` when the page
    /// shows no text to measure.
    pub x_height_px: Option<f64>,
    /// Height of capitals and ascenders, in pixels, when the text shows both sizes.
    pub cap_height_px: Option<f64>,
    /// The glyphs the sizes were measured on.
    pub glyphs: u32,
}

/// What text sizing found and did, for the processing report.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct TextSizeReport {
    /// The x-height found on the page before scaling, in pixels; `None` when the page shows
    /// no text (the resolution is then kept).
    pub text_height_px: Option<f64>,
    /// The capital (ascender) height before scaling, in pixels, when it shows.
    pub cap_height_px: Option<f64>,
    /// The glyphs measured.
    pub glyphs: u32,
    /// The target x-height aimed at, in pixels: `target_x_height`, raised on a soft page.
    pub target_px: f64,
    /// The scale applied to the page (1 = resolution kept, 2 = twice the pixels per side).
    pub scale: f64,
    /// Why: `in_range` (kept), `enlarged`, `reduced`, `no_text` (kept: nothing to measure),
    /// `limited` (kept or enlarged less than asked: `max_working_pixels` is reached).
    pub decision: String,
}

/// Measures the x-height (and capital height) of the text on `bits` (ink set, upright).
pub fn measure_text(bits: &BitImage) -> TextMeasure {
    let (w, h) = (bits.width(), bits.height());
    if w < 8 || h < 8 {
        return TextMeasure::default();
    }
    measure_components(&Components::label(bits), None, w, h)
}

/// [`measure_text`] from the components of a `w`×`h` page, as labelled by cleaning, without
/// those it removed (by root, in `removed`).
pub(crate) fn measure_components(
    comps: &Components,
    removed: Option<&[bool]>,
    w: u32,
    h: u32,
) -> TextMeasure {
    let mut hist = vec![0u32; MAX_HEIGHT + 1];
    let mut boxes = Vec::new();
    let mut n = 0usize;
    for (root, c) in comps.iter() {
        if removed.is_some_and(|r| r[root]) {
            continue;
        }
        let (cw, ch) = (c.x1 - c.x0, c.y1 - c.y0);
        // Glyphs: not touching the frame, not a speck, not a rule or a merged word, not a
        // filled block (a picture, a bullet) unless it is a stem (l, I, 1).
        let inside = c.x0 > 0 && c.y0 > 0 && c.x1 < w && c.y1 < h;
        let fill = c.area as u64 * 100 / (cw as u64 * ch as u64).max(1);
        let glyph_like = fill >= 8 && (fill <= 90 || 2 * cw < ch);
        if inside && ch >= 4 && (ch as usize) < MAX_HEIGHT && cw <= 3 * ch && glyph_like {
            hist[ch as usize] += 1;
            boxes.push([c.x0, c.y0, c.x1, c.y1]);
            n += 1;
        }
    }
    if n < MIN_GLYPHS {
        return TextMeasure::default();
    }
    // Dots, commas and fragments sit well below the x-height: look from half the median up.
    let median = nth_height(&hist, n / 2);
    let floor = (median / 2).max(4);
    let (m, s1) = peak(&hist, floor, MAX_HEIGHT);
    if s1 < MIN_GLYPHS as u32 / 2 {
        return TextMeasure::default();
    }
    // A peak 0.55–0.8 of the main one: the main one was the capitals' (a page in capitals
    // and lowercase where capitals dominate, such as a form); else look for the capitals above.
    let lo = (m as f64 * 0.55).floor() as usize;
    let hi = ((m as f64 * 0.8).ceil() as usize).min(m.saturating_sub(radius(m) + 1));
    let (below, s2) = peak(&hist, lo.max(floor), hi);
    let (xh, cap) = if below > 0 && s2 * 2 >= s1 {
        (below, Some(m))
    } else {
        let lo = ((m as f64 * 1.25).floor() as usize).max(m + radius(m) + 1);
        let hi = ((m as f64 * 1.8).ceil() as usize).min(MAX_HEIGHT - 1);
        let (above, s3) = peak(&hist, lo, hi);
        (m, (above > 0 && s3 * 6 >= s1).then_some(above))
    };
    // Text, not texture or noise: letters of the x-height stand on a common baseline beside
    // one another.
    if xh < MIN_X_HEIGHT || !aligned(&mut boxes, xh) {
        return TextMeasure::default();
    }
    TextMeasure {
        x_height_px: Some(round3(centroid(&hist, xh))),
        cap_height_px: cap.map(|c| round3(centroid(&hist, c))),
        glyphs: n as u32,
    }
}

/// Fraction of the x-height glyphs whose nearest x-height neighbour to the right (overlapping
/// it vertically, at most two x-heights away) shares its top and bottom lines, at least.
const MIN_ALIGNED: f64 = 0.6;

/// Whether the glyphs `boxes` (`[x0, y0, x1, y1]`) of height about `xh` line up as text:
/// in running text a letter's nearest neighbour of its size is the next letter on its line,
/// with the same top and bottom; in noise or texture it lies anywhere.
fn aligned(boxes: &mut Vec<[u32; 4]>, xh: usize) -> bool {
    let r = radius(xh) as u32;
    boxes.retain(|b| (b[3] - b[1]).abs_diff(xh as u32) <= r);
    boxes.sort_unstable_by_key(|b| b[0]);
    let tol = r + 1;
    let reach = 2 * xh as u32;
    let (mut hits, mut tried) = (0usize, 0usize);
    for (i, g) in boxes.iter().enumerate() {
        let mut nearest: Option<&[u32; 4]> = None;
        for n in &boxes[i + 1..] {
            if n[0] > g[2] + reach {
                break;
            }
            let overlaps = n[1] < g[3] && g[1] < n[3];
            if overlaps && n[0] + tol >= g[2] && nearest.is_none_or(|b| n[0] < b[0]) {
                nearest = Some(n);
            }
        }
        if let Some(n) = nearest {
            tried += 1;
            if n[1].abs_diff(g[1]) <= tol && n[3].abs_diff(g[3]) <= tol {
                hits += 1;
            }
        }
    }
    tried >= MIN_GLYPHS && hits as f64 >= MIN_ALIGNED * tried as f64
}

/// The height of rank `k` (0-based) in the histogram.
fn nth_height(hist: &[u32], k: usize) -> usize {
    let mut seen = 0usize;
    for (h, &c) in hist.iter().enumerate() {
        seen += c as usize;
        if seen > k {
            return h;
        }
    }
    hist.len() - 1
}

/// Half-width of the window a height's peak is summed over: 1 px, or 6 % of the height.
fn radius(h: usize) -> usize {
    (h / 16).max(1)
}

/// The height in `lo..=hi` whose window (clipped to `lo..=hi`) holds the most glyphs, and
/// that count (0, 0 when the range is empty). Ties go to the smaller height.
fn peak(hist: &[u32], lo: usize, hi: usize) -> (usize, u32) {
    let mut best = (0usize, 0u32);
    let hi = hi.min(hist.len() - 1);
    for h in lo..=hi {
        let r = radius(h);
        let s: u32 = hist[h.saturating_sub(r).max(lo)..=(h + r).min(hi)]
            .iter()
            .sum();
        if s > best.1 {
            best = (h, s);
        }
    }
    best
}

/// The mean height of the glyphs in the window around `h`: the peak to a fraction of a pixel.
fn centroid(hist: &[u32], h: usize) -> f64 {
    let r = radius(h);
    let (mut sum, mut n) = (0u64, 0u64);
    for (k, &c) in hist
        .iter()
        .enumerate()
        .take((h + r).min(hist.len() - 1) + 1)
        .skip(h.saturating_sub(r))
    {
        sum += k as u64 * c as u64;
        n += c as u64;
    }
    if n == 0 {
        h as f64
    } else {
        sum as f64 / n as f64
    }
}

/// The scale that brings `measure`'s text to `target` px on a `width`×`height` page, with at
/// most `max_pixels` pixels after it (0 = no limit), and the decision's name.
/// The target x-height for a page whose text edges are `edge_width_px` wide (the capture
/// verdict's measure): a soft page, a photo through its lens, demosaicing, JPEG and
/// rectification, or a blurred scan, is thresholded more accurately at a higher resolution,
/// where its blurred edges span more pixels and the threshold cuts them at a finer position;
/// the target grows with the edge width beyond a sharp page's, up to 1.5 times.
pub(crate) fn soft_target(target: f32, edge_width_px: Option<f64>) -> f32 {
    let f = edge_width_px.map_or(1.0, |e| (e / SCAN_EDGE_PX).clamp(1.0, MAX_SOFT_FACTOR));
    (target as f64 * f) as f32
}

pub(crate) fn choose_scale(
    measure: &TextMeasure,
    target: f64,
    width: u32,
    height: u32,
    max_pixels: u64,
) -> (f64, &'static str) {
    let Some(xh) = measure.x_height_px else {
        return (1.0, "no_text");
    };
    let pixels = width as f64 * height as f64;
    if xh < ENLARGE_BELOW * target {
        let mut s = (target / xh).min(MAX_ENLARGEMENT);
        let mut decision = "enlarged";
        if max_pixels != 0 && pixels * s * s > max_pixels as f64 {
            s = (max_pixels as f64 / pixels).sqrt();
            decision = "limited";
        }
        if s < 1.0 + MIN_CHANGE {
            return (1.0, "limited");
        }
        (s, decision)
    } else if xh > REDUCE_ABOVE * target {
        let s = REDUCE_TO * target / xh;
        // Never below a few hundred pixels a side.
        let s = s.max(256.0 / width.min(height).max(1) as f64).min(1.0);
        if s > 1.0 - MIN_CHANGE {
            return (1.0, "in_range");
        }
        (s, "reduced")
    } else {
        (1.0, "in_range")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clean::tests::fill;

    /// Lines of "letters": rings of height `xh` and, one in three, taller stems of `cap`.
    fn text(xh: u32, cap: u32) -> BitImage {
        let mut img = BitImage::new(1200, 600);
        let stroke = (xh / 6).max(1);
        let mut y = 20;
        while y + cap + 20 < 600 {
            let base = y + cap;
            let mut x = 10;
            let mut i = 0;
            while x + xh + 10 < 1200 {
                if i % 3 == 2 {
                    fill(&mut img, x, base - cap, x + stroke, base);
                    x += stroke + xh / 3;
                } else {
                    let w = xh * 3 / 4;
                    fill(&mut img, x, base - xh, x + w, base);
                    // Hollow it: a letter, not a block.
                    if w > 2 * stroke && xh > 2 * stroke {
                        for yy in base - xh + stroke..base - stroke {
                            for xx in x + stroke..x + w - stroke {
                                img.set(xx, yy, false);
                            }
                        }
                    }
                    x += w + xh / 3;
                }
                i += 1;
            }
            y += cap + cap / 2 + 4;
        }
        img
    }

    #[test]
    fn a_soft_page_aims_higher_a_sharp_one_does_not() {
        // A 300 dpi scan (edges 1.9–2.1 px) keeps the target; a photo's softer edges raise it
        // in proportion, up to 1.5 times.
        assert_eq!(soft_target(24.0, None), 24.0);
        assert_eq!(soft_target(24.0, Some(2.0)), 24.0);
        assert_eq!(soft_target(24.0, Some(2.2)), 24.0);
        assert!((soft_target(24.0, Some(2.75)) - 30.0).abs() < 1e-3);
        assert_eq!(soft_target(24.0, Some(9.0)), 36.0);
    }

    #[test]
    fn finds_the_x_height_and_the_capital_height() {
        for (xh, cap) in [(10, 14), (21, 29), (40, 56)] {
            let m = measure_text(&text(xh, cap));
            let got = m.x_height_px.unwrap();
            assert!((got - xh as f64).abs() <= 0.5, "{xh}: {m:?}");
            let c = m.cap_height_px.unwrap();
            assert!((c - cap as f64).abs() <= 1.0, "{cap}: {m:?}");
        }
    }

    #[test]
    fn noise_blots_hide_the_text_size_until_the_lone_ones_are_removed() {
        // Text above, and below it a wide margin of noise blots (diagonal, 4 px high, 7 px:
        // glyph-sized for the histogram), as smoothing leaves on a faded, noisy page.
        let (xh, cap) = (12u32, 17u32);
        let top = text(xh, cap);
        let mut img = BitImage::new(1200, 1400);
        for y in 0..600 {
            img.row_mut(y).copy_from_slice(top.row(y));
        }
        for by in (640..1390).step_by(16) {
            for bx in (10..1190).step_by(16) {
                for (dx, dy) in [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3)] {
                    img.set(bx + dx, by + dy, true);
                }
            }
        }
        assert_eq!(
            measure_text(&img).x_height_px,
            None,
            "the blots outnumber the letters"
        );
        let params = crate::CleanParams {
            despeckle: true,
            ..Default::default()
        };
        let (r, _) = crate::clean::clean_labelled(&mut img, &params, true);
        assert!(r.speckles_removed >= 3000, "{}", r.speckles_removed);
        let m = measure_text(&img);
        let got = m.x_height_px.expect("the text is measured");
        assert!((got - xh as f64).abs() <= 0.5, "{m:?}");
    }

    #[test]
    fn a_blank_or_speckled_page_has_no_text_size() {
        let mut img = BitImage::new(500, 500);
        assert_eq!(measure_text(&img), TextMeasure::default());
        for i in 0..400u32 {
            img.set((i * 37) % 500, (i * 91) % 500, true);
        }
        assert_eq!(measure_text(&img).x_height_px, None);
        // Dense noise (a tenth of the pixels) clumps into specks of every size, on no line.
        let mut noise = BitImage::new(300, 300);
        let mut state = 7u64;
        for y in 0..300 {
            for x in 0..300 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                noise.set(x, y, (state >> 33).is_multiple_of(10));
            }
        }
        assert_eq!(measure_text(&noise).x_height_px, None);
        assert_eq!(
            choose_scale(&measure_text(&img), 24.0, 500, 500, 0),
            (1.0, "no_text")
        );
    }

    #[test]
    fn small_text_is_enlarged_large_text_reduced_ordinary_text_kept() {
        let m = |x| TextMeasure {
            x_height_px: Some(x),
            cap_height_px: None,
            glyphs: 100,
        };
        for (xh, want) in [
            (12.0, (2.0, "enlarged")),
            (21.0, (1.0, "in_range")),
            (45.0, (1.0, "in_range")),
            (72.0, (0.5, "reduced")),
        ] {
            assert_eq!(choose_scale(&m(xh), 24.0, 1000, 1000, 0), want, "{xh}");
        }
        // The pixel budget bounds an enlargement.
        let (s, d) = choose_scale(&m(8.0), 24.0, 1000, 1000, 4_000_000);
        assert_eq!((s, d), (2.0, "limited"));
        assert_eq!(
            choose_scale(&m(8.0), 24.0, 1000, 1000, 1_100_000),
            (1.0, "limited")
        );
        // Tiny text is enlarged at most four times.
        assert_eq!(choose_scale(&m(3.0), 24.0, 100, 100, 0).0, 4.0);
    }
}
