//! Page orientation: the clockwise quarter turn (0, 90, 180 or 270°) that makes the text
//! upright, found from the text itself without an OCR engine, or `unknown`.
//!
//! Method, on a copy reduced to about 2000 px and thresholded (Otsu), like the skew stage:
//! 1. **Line direction.** A glyph's nearest neighbours mostly sit in its own text line
//!    (O'Gorman's docstrum, 1993): the links that run more across than down, or the reverse,
//!    give the direction of the lines; their skew is then the angle, within ±12°, whose
//!    projection piles the centroids into the sharpest peaks (Σ P², as in the skew stage).
//! 2. **Which way up.** Seen with its lines horizontal, Latin text has far more ascenders
//!    (b d f h k l t, capitals, digits, the dots of i and j) than descenders (g j p q y), the
//!    asymmetry that Leptonica's flipdetect measures with hit-miss patterns. Here: the
//!    components of each text line are placed against a straight line fitted through their
//!    centres (so skew does not matter); the median top and bottom are the x-height band, and
//!    components reaching well above it are counted against those reaching well below.
//!    The count difference, in standard deviations of a fair coin, is the evidence.
//!
//! Too few components, no clear line direction or no clear asymmetry: `unknown`, and the page
//! is left as it is, never a confident guess.

use crate::binarize::otsu::{class_means, histogram};
use crate::binarize::{separability_of, CLEAN_SEPARABILITY, MIN_INK_CONTRAST};
use crate::clean::Components;
use crate::deskew::reduce_box;
use crate::math::{sin_cos, to_radians};
use crate::sort::{median_u32, sort_f64, stable_sort_by};
use crate::{BitImage, GrayImage};

/// Target longest side of the analysis copy.
const ANALYSIS_SIDE: u32 = 2000;
/// Class-mean distance (levels, after normalisation) from which glyphs are still sought for
/// the quality verdict: faded or washed-out text.
const FAINT_INK_CONTRAST: f64 = 12.0;
/// Nearest-neighbour links along the lines over links across them, at least, for text lines.
const MIN_LINE_RATIO: f64 = 1.15;
/// The same, at least, for a turn to be decided from them: lines barely preferred (1.23 to 1
/// on a 1080p frame of small text) gave a wrong sideways answer.
const MIN_TURN_LINE_RATIO: f64 = 1.25;
/// The least share of the glyphs that must be ascenders or descenders about the lines found.
const MIN_MARKED_SHARE: f64 = 0.15;
/// Evidence (standard deviations) needed for a decision.
const MIN_Z: f64 = 4.0;

/// An orientation estimate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OrientationEstimate {
    /// The clockwise turn that makes the page upright: 0, 90, 180 or 270; `None` when unknown.
    pub degrees: Option<u16>,
    /// How much to trust it, 0 (unknown) to 1.
    pub confidence: f64,
}

/// A component reduced to what the analysis needs: centre and box.
#[derive(Clone, Copy)]
pub(crate) struct Glyph {
    cx: f64,
    cy: f64,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

/// The character-sized components of a page, found once on a reduced copy and shared by the
/// orientation and capture-quality stages.
pub(crate) struct TextSample {
    /// Reduction factor of the analysis copy (its pixel = `factor`² pixels of the page).
    pub factor: u32,
    /// The analysis copy before background normalisation: the page's own levels, reduced (and
    /// smoothed when noisy: [`denoise`](crate::denoise::denoise)).
    pub raw: GrayImage,
    /// The glyphs, in the analysis copy's pixels; empty when the page shows no text.
    pub(crate) glyphs: Vec<Glyph>,
    /// The glyphs stand less than [`MIN_INK_CONTRAST`] above the paper: faint text, enough to
    /// measure (the quality verdict's `low_contrast`), too weak to judge its orientation.
    pub faint: bool,
    /// The page's noise (σ, levels, at full resolution) when it was noisy enough to smooth
    /// `raw`; `None` otherwise.
    pub noise_sigma: Option<f64>,
}

impl TextSample {
    /// Finds the glyphs of `img` (upright or not, any levels).
    pub(crate) fn of(img: &GrayImage) -> TextSample {
        TextSample::at(img, false)
    }

    /// [`TextSample::of`] with the threshold `darker`: halfway from the one that best separates
    /// ink from paper (Otsu's) to the ink's mean level, where blurred small text whose letters
    /// merge into words at Otsu's comes apart into letters again.
    fn at(img: &GrayImage, darker: bool) -> TextSample {
        let longest = img.width().max(img.height());
        let factor = longest.div_ceil(ANALYSIS_SIDE).max(1);
        let mut raw = reduce_box(img, factor);
        // Sensor noise as strong as faint strokes' contrast breaks them into specks at any
        // threshold: such a copy is smoothed first, as the pipeline smooths the page. The
        // noise is measured on a quarter of the denoise stage's rows: tens of thousands of
        // responses still give its median to a fraction of a level.
        let sigma = crate::denoise::noise_sigma_on_rows(&raw, 40);
        let noise_sigma = if sigma >= crate::denoise::DENOISE_FROM_SIGMA {
            crate::denoise::smooth(&mut raw);
            // Box reduction averages factor² pixels: the page's own noise is that much more.
            Some(sigma * factor as f64)
        } else {
            None
        };
        let mut glyphs = Vec::new();
        let mut faint = false;
        if raw.width() >= 32 && raw.height() >= 32 {
            // An evenly lit page (a scan) thresholds as it is; a shaded one (a photo) is
            // flattened first.
            let hist = histogram(&raw);
            let flat = if separability_of(&hist) >= CLEAN_SEPARABILITY {
                None
            } else {
                let mut small = raw.clone();
                crate::normalize_background(&mut small);
                Some(small)
            };
            let small = flat.as_ref().unwrap_or(&raw);
            let hist = if flat.is_some() {
                histogram(small)
            } else {
                hist
            };
            if let Some((t, m0, m1)) = class_means(&hist) {
                let t = if darker {
                    ((t as f64 + m0) / 2.0) as u8
                } else {
                    t
                };
                if m1 - m0 >= FAINT_INK_CONTRAST {
                    let bits = BitImage::from_gray_threshold(small, t);
                    glyphs = find_glyphs(&bits).unwrap_or_default();
                    faint = m1 - m0 < MIN_INK_CONTRAST;
                    // Faint specks are text only if they line up (noise, grain and texture
                    // link in every direction alike).
                    if faint && !lined_up(&glyphs) {
                        glyphs.clear();
                    }
                }
            }
        }
        TextSample {
            factor,
            raw,
            glyphs,
            faint,
            noise_sigma,
        }
    }

    /// Glyph boxes `(x0, y0, x1, y1)` in the analysis copy's pixels.
    pub(crate) fn boxes(&self) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        self.glyphs.iter().map(|g| (g.x0, g.y0, g.x1, g.y1))
    }
}

/// Whether the glyphs' nearest-neighbour links prefer one direction, as text lines do.
fn lined_up(glyphs: &[Glyph]) -> bool {
    let (across, down) = neighbour_directions(glyphs);
    across.max(down) as f64 >= MIN_LINE_RATIO * across.min(down).max(1) as f64
}

/// Finds the orientation of the text on `img`.
pub fn detect_orientation(img: &GrayImage) -> OrientationEstimate {
    orientation_of_page(img, &TextSample::of(img))
}

/// The orientation of `img` from its glyphs `sample`; when they leave it unknown although
/// they are text, once more from the glyphs at a darker threshold (small blurred text, whose
/// letters merge into words, the ascenders and descenders with them).
pub(crate) fn orientation_of_page(img: &GrayImage, sample: &TextSample) -> OrientationEstimate {
    let first = orientation_of(sample);
    if first.degrees.is_some() || sample.glyphs.is_empty() || sample.faint {
        return first;
    }
    orientation_of(&TextSample::at(img, true))
}

/// The orientation from a page's glyphs.
pub(crate) fn orientation_of(sample: &TextSample) -> OrientationEstimate {
    if sample.glyphs.is_empty() || sample.faint {
        return OrientationEstimate::default();
    }
    let glyphs = &sample.glyphs;
    let h = sample.raw.height();
    let size = median_u32(
        glyphs
            .iter()
            .map(|g| ((g.x1 - g.x0).min(g.y1 - g.y0)) as u32),
    )
    .unwrap_or(2)
    .max(2) as f64;
    let bin = (0.35 * size).max(1.0);
    let (across, down) = neighbour_directions(glyphs);
    let (lines_horizontal, ratio) = if across >= down {
        (true, across as f64 / down.max(1) as f64)
    } else {
        (false, down as f64 / across.max(1) as f64)
    };
    if ratio < MIN_TURN_LINE_RATIO {
        return OrientationEstimate::default();
    }
    // Coordinates in which the lines run left to right: as is, or after a clockwise turn.
    let hf = h as f64;
    let turned: std::borrow::Cow<[Glyph]> = if lines_horizontal {
        glyphs.into()
    } else {
        // Clockwise quarter turn: (x, y) → (h − y, x).
        glyphs
            .iter()
            .map(|g| Glyph {
                cx: hf - g.cy,
                cy: g.cx,
                x0: hf - g.y1,
                y0: g.x0,
                x1: hf - g.y0,
                y1: g.x1,
            })
            .collect::<Vec<_>>()
            .into()
    };
    // The skew of the lines, from the one family of projections they run along.
    let skew = if lines_horizontal {
        best_projection(glyphs, 0.0, bin).0
    } else {
        best_projection(glyphs, 90.0, bin).0 - 90.0
    };
    let (up, down) = ascenders_and_descenders(&turned, skew, bin);
    let n = (up + down) as f64;
    // In lines of letters, a third or more of the glyphs rise above the x-height or drop
    // below it; far fewer, and the "lines" were not the text's (letters merged into words
    // that link across the lines): no evidence either way.
    if n < 30.0 || n < MIN_MARKED_SHARE * glyphs.len() as f64 {
        return OrientationEstimate::default();
    }
    let z = (up as f64 - down as f64) / n.sqrt();
    if z.abs() < MIN_Z {
        return OrientationEstimate::default();
    }
    let base = if lines_horizontal { 0 } else { 90 };
    let degrees = if z > 0.0 { base } else { base + 180 };
    // Confidence: the weaker of the two pieces of evidence, each mapped to 0..1.
    let c_dir = ((ratio - MIN_LINE_RATIO) / 0.85).clamp(0.0, 1.0);
    let c_flip = ((z.abs() - MIN_Z) / 8.0).clamp(0.0, 1.0);
    let confidence = 0.5 + 0.5 * c_dir.min(c_flip);
    OrientationEstimate {
        degrees: Some(degrees),
        confidence: crate::math::round3(confidence),
    }
}

/// The character-sized components (not specks, rules or pictures).
fn find_glyphs(bits: &BitImage) -> Option<Vec<Glyph>> {
    let comps = Components::label(bits);
    let sizes: Vec<u32> = comps
        .iter()
        .filter(|(_, c)| c.area >= 4)
        .map(|(_, c)| (c.x1 - c.x0).max(c.y1 - c.y0))
        .collect();
    if sizes.len() < 20 {
        return None;
    }
    let m = median_u32(sizes.iter().copied()).unwrap_or(2).max(2) as f64;
    let out: Vec<Glyph> = comps
        .iter()
        .filter(|(_, c)| {
            let (cw, ch) = ((c.x1 - c.x0) as f64, (c.y1 - c.y0) as f64);
            c.area >= 4 && cw.max(ch) <= 4.0 * m && cw.max(ch) >= 0.25 * m
        })
        .map(|(_, c)| Glyph {
            cx: c.sum_x as f64 / c.area as f64 + 0.5,
            cy: c.sum_y as f64 / c.area as f64 + 0.5,
            x0: c.x0 as f64,
            y0: c.y0 as f64,
            x1: c.x1 as f64,
            y1: c.y1 as f64,
        })
        .collect();
    (out.len() >= 20).then_some(out)
}

/// The docstrum's cue (O'Gorman, "The document spectrum for page layout analysis", 1993): a
/// glyph's nearest neighbours are mostly in its own text line, even in monospaced text whose
/// glyphs also line up in columns. Counts nearest-neighbour links that run more across (x)
/// than down (y), and the others.
fn neighbour_directions(glyphs: &[Glyph]) -> (u32, u32) {
    let size = median_u32(glyphs.iter().map(|g| (g.x1 - g.x0).max(g.y1 - g.y0) as u32))
        .unwrap_or(2)
        .max(2) as f64;
    let cell = 2.0 * size;
    let (x0, y0) = (
        glyphs.iter().map(|g| g.cx).fold(f64::INFINITY, f64::min),
        glyphs.iter().map(|g| g.cy).fold(f64::INFINITY, f64::min),
    );
    let key = |g: &Glyph| (((g.cy - y0) / cell) as i64, ((g.cx - x0) / cell) as i64);
    let mut order: Vec<usize> = (0..glyphs.len()).collect();
    stable_sort_by(&mut order, |&a, &b| key(&glyphs[a]) < key(&glyphs[b]));
    // Start of each occupied cell in `order`.
    let mut cells: Vec<((i64, i64), usize, usize)> = Vec::new();
    for (i, &gi) in order.iter().enumerate() {
        let k = key(&glyphs[gi]);
        match cells.last_mut() {
            Some(c) if c.0 == k => c.2 = i + 1,
            _ => cells.push((k, i, i + 1)),
        }
    }
    let find = |k: (i64, i64)| {
        cells
            .binary_search_by(|c| c.0.cmp(&k))
            .ok()
            .map(|i| cells[i])
    };
    let (mut across, mut down) = (0u32, 0u32);
    for g in glyphs {
        let (ky, kx) = key(g);
        // The two nearest neighbours within one cell.
        let mut best = [(f64::INFINITY, 0.0, 0.0); 2];
        for dy in -1..=1 {
            for dx in -1..=1 {
                let Some((_, a, b)) = find((ky + dy, kx + dx)) else {
                    continue;
                };
                for &oi in &order[a..b] {
                    let o = &glyphs[oi];
                    let (vx, vy) = (o.cx - g.cx, o.cy - g.cy);
                    let d = vx * vx + vy * vy;
                    if d == 0.0 || d > cell * cell {
                        continue;
                    }
                    if d < best[0].0 {
                        best[1] = best[0];
                        best[0] = (d, vx, vy);
                    } else if d < best[1].0 {
                        best[1] = (d, vx, vy);
                    }
                }
            }
        }
        for &(d, vx, vy) in &best {
            if d.is_finite() {
                if vx.abs() > vy.abs() {
                    across += 1;
                } else {
                    down += 1;
                }
            }
        }
    }
    (across, down)
}

/// The best angle within ±12° of `around` (0: horizontal lines, 90: vertical) and its Σ P².
fn best_projection(glyphs: &[Glyph], around: f64, bin: f64) -> (f64, f64) {
    let mut best = (around, 0.0);
    let mut bins: Vec<u32> = Vec::new();
    for k in -12..=12 {
        let deg = around + k as f64;
        // Distance across lines whose direction is at `deg` from the x axis.
        let (s, c) = sin_cos(to_radians(deg - around));
        let (s, c) = if around == 0.0 { (s, c) } else { (c, -s) };
        // Normal of the line direction (cos d, sin d) with d = deg: (−sin d, cos d).
        let r: Vec<f64> = glyphs.iter().map(|g| (g.cy * c - g.cx * s) / bin).collect();
        let lo = r.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let n = (hi - lo) as usize + 2;
        bins.clear();
        bins.resize(n, 0);
        for v in &r {
            bins[(v - lo) as usize] += 1;
        }
        let score: f64 = bins.iter().map(|&p| (p as f64) * (p as f64)).sum();
        if score > best.1 {
            best = (deg, score);
        }
    }
    best
}

/// Components reaching well above and well below the x-height band of their text line, with
/// the lines at `skew` degrees from the x axis (y down: falling to the right when positive).
///
/// The lines are found from the body glyphs alone (at least half the median height): marks,
/// dots and accents sit between lines where leading is tight and would join two lines into
/// one. Each mark is then given to the line whose band it is nearest to, and counts above or
/// below it (the dots of i and j and most accents sit above; cedillas and ogoneks below).
fn ascenders_and_descenders(glyphs: &[Glyph], skew: f64, bin: f64) -> (u32, u32) {
    let (s, c) = sin_cos(to_radians(skew));
    // Along-line u and across-line r (down), rotated so the lines are level: (u, centre,
    // top, bottom).
    let r = |x: f64, y: f64| y * c - x * s;
    let all: Vec<(f64, f64, f64, f64)> = glyphs
        .iter()
        .map(|g| {
            let u = g.cx * c + g.cy * s;
            (u, r(g.cx, g.cy), r(g.cx, g.y0), r(g.cx, g.y1))
        })
        .collect();
    let height = median_u32(glyphs.iter().map(|g| (g.y1 - g.y0) as u32))
        .unwrap_or(2)
        .max(2) as f64;
    let is_body = |p: &(f64, f64, f64, f64)| p.3 - p.2 >= 0.5 * height;
    let mut g: Vec<(f64, f64, f64, f64)> = all.iter().copied().filter(is_body).collect();
    let marks: Vec<(f64, f64, f64, f64)> = all.iter().copied().filter(|p| !is_body(p)).collect();
    // Bands across the lines, narrow enough that a residual skew of a degree moves a line by
    // less than a pixel within one; in each, centres sorted across the lines and split at gaps.
    let u0 = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let band_w = 25.0 * height;
    let bin = (0.5 * height).max(bin);
    let band = |u: f64| ((u - u0) / band_w) as u32;
    stable_sort_by(&mut g, |a, b| (band(a.0), a.1) < (band(b.0), b.1));
    // Each line: its band, its fit r = mr + b·(u − mu), and its band's top and bottom.
    struct Line {
        band: u32,
        mu: f64,
        mr: f64,
        b: f64,
        top: f64,
        bottom: f64,
    }
    let mut lines: Vec<Line> = Vec::new();
    let (mut up, mut down) = (0u32, 0u32);
    let mut start = 0;
    for i in 1..=g.len() {
        if i < g.len() && band(g[i].0) == band(g[i - 1].0) && g[i].1 - g[i - 1].1 <= bin {
            continue;
        }
        let line = &g[start..i];
        start = i;
        if line.len() < 4 {
            continue;
        }
        let n = line.len() as f64;
        let (mu, mr) = (
            line.iter().map(|p| p.0).sum::<f64>() / n,
            line.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let (mut suu, mut sur) = (0.0, 0.0);
        for p in line {
            suu += (p.0 - mu) * (p.0 - mu);
            sur += (p.0 - mu) * (p.1 - mr);
        }
        let b = if suu > 0.0 { sur / suu } else { 0.0 };
        let fit = |u: f64| mr + b * (u - mu);
        let mut tops: Vec<f64> = line.iter().map(|p| p.2 - fit(p.0)).collect();
        let mut bots: Vec<f64> = line.iter().map(|p| p.3 - fit(p.0)).collect();
        sort_f64(&mut tops);
        sort_f64(&mut bots);
        let (mt, mb) = (tops[tops.len() * 3 / 4], bots[bots.len() / 4]);
        let xh = mb - mt;
        if xh < 2.0 {
            continue;
        }
        let reach = (0.2 * xh).max(1.5);
        for p in line {
            let (t, bo) = (p.2 - fit(p.0), p.3 - fit(p.0));
            if t < mt - reach {
                up += 1;
            }
            if bo > mb + reach {
                down += 1;
            }
        }
        lines.push(Line {
            band: band(line[0].0),
            mu,
            mr,
            b,
            top: mt,
            bottom: mb,
        });
    }
    // Marks: above or below the x-height band of the nearest line of their band, within one
    // x-height of it.
    // The lines come in band order (the body glyphs were sorted by band): a mark looks only
    // at the lines of its own band.
    for p in &marks {
        let k = band(p.0);
        let (lo, hi) = (
            lines.partition_point(|l| l.band < k),
            lines.partition_point(|l| l.band <= k),
        );
        // (distance outside the band, above it, x-height) for the nearest line.
        let mut nearest: Option<(f64, bool, f64)> = None;
        for l in &lines[lo..hi] {
            let centre = p.1 - (l.mr + l.b * (p.0 - l.mu));
            let (above, below) = (l.top - centre, centre - l.bottom);
            let d = above.max(below).max(0.0);
            if nearest.is_none_or(|(best, _, _)| d < best) {
                nearest = Some((d, above > 0.0, l.bottom - l.top));
            }
        }
        if let Some((d, above, xh)) = nearest {
            if d > 0.15 * xh && d < xh {
                if above {
                    up += 1;
                } else {
                    down += 1;
                }
            }
        }
    }
    (up, down)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_or_uniform_page_is_unknown() {
        let e = detect_orientation(&GrayImage::new(1000, 1400, 240));
        assert_eq!(e.degrees, None);
        assert_eq!(e.confidence, 0.0);
    }
}
