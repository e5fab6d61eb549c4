//! Page detection: the four corners of a document lying in a photo, with a confidence, or the
//! reason none was found (a scan, or a page that fills the frame, has no page to find).
//!
//! Method, after the line-based detectors of the SmartDoc 2015 challenge:
//! 1. **Lines.** On a copy reduced to about 480 px and smoothed (a 5×5 binomial), Sobel
//!    gradients feed a Hough transform in which each edge pixel votes only near the direction
//!    of its own gradient, weighted by its strength (O'Gorman & Clowes, "Finding picture edges
//!    through collinearity of feature points", 1976). Its strongest peaks are the candidate
//!    sides; texture, text and clutter spread their votes over many directions.
//! 2. **Quadrilaterals.** Every choice of two roughly opposite pairs of lines is a candidate.
//!    It is scored by the edge support along its four sides, counting only gradient across a
//!    side and of one polarity (the page brighter, or darker, than what surrounds it on all
//!    four sides), from prefix sums along each line, so a candidate costs O(1). A side may be
//!    partly hidden (a finger, a dog-ear, a corner out of frame): each needs only part of its
//!    length supported, and the best-supported quadrilateral wins. When it covers less than a
//!    fifth of the frame, the search runs again among more lines (a page lying on other papers
//!    has faint sides there, weaker than their lines of text), visiting the pairs of lines
//!    best-bound first and stopping where nothing left can beat the first answer.
//! 3. **The frame's edge.** A side near the frame's edge, nearly parallel to it, moves onto it
//!    when the strip between them is as light as the page and unlike the desk beside it: the
//!    page runs out of the frame there, and the side was its last line of text.
//! 4. **Refinement.** At full resolution, the strongest step of the right polarity along
//!    normals to each side, located to a fraction of a pixel, gives edge points; a robust line
//!    fit (least squares, then again without the points beyond 2.5 median deviations, which
//!    drops a thumb over the edge or a curled corner) gives each side, and the corners are
//!    where adjacent sides meet. Corners may lie outside the image, or a side on its edge
//!    (`cut_off`).
//!
//! 5. **Colour.** When the luma shows no page (white paper on a light desk), the same search
//!    runs on the image's main chroma axis (the principal component of its Cb, Cr block
//!    means, [`Chroma`]), and a page found there is taken if it is the less coloured side of
//!    its sides (paper is near neutral); its corners are then placed on the luma where it
//!    shows the edge, else on the colour.
//!
//! Only IEEE-754 arithmetic, so every target finds the same corners.

// `!(x > t)` is deliberate: it is also true for NaN, which must be rejected the same way.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::borrow::Cow;

use crate::deskew::reduce_box;
use crate::geometry::{area, atan2_deg, dist, is_convex, order_clockwise, Line, Point};
use crate::{Chroma, GrayImage};

/// The image's chroma, made when first asked for (`None`: the image has none).
pub(crate) type ChromaOf<'a> = &'a dyn Fn() -> Option<Cow<'a, Chroma>>;

/// Target longest side of the analysis copy, in pixels.
const ANALYSIS_SIDE: u32 = 480;
/// Candidate lines kept from the Hough transform.
const MAX_LINES: usize = 24;
/// Candidate lines searched again when the page found is small.
const MORE_LINES: usize = 64;
/// Below this share of the frame, a page found among `MAX_LINES` lines is looked for again
/// among `MORE_LINES`.
const SMALL_PAGE: f64 = 0.2;
/// Smallest gradient magnitude (Sobel units, 4× levels per pixel) counted as an edge.
const EDGE_MIN: f32 = 14.0;
/// Gradient across a side that counts as full support.
const FULL_SUPPORT: f32 = 45.0;
/// Smallest share of each side's length that must be supported.
const MIN_SIDE_SUPPORT: f64 = 0.3;
/// Longest side over shortest side of a plausible page (a till receipt is about 1:4).
const MAX_ASPECT: f64 = 4.5;
/// Below this confidence the best quadrilateral is more likely a box of text, a stain, a table
/// or a picture than a sheet of paper (pages on desks score 0.77 to 0.99 in the SmartDoc
/// sample; text regions and stains on the DIBCO scans up to 0.72 once slivers are excluded,
/// and only one above 0.65).
const MIN_CONFIDENCE: f64 = 0.65;
/// Smallest page, as a share of the frame (the "smaller than 1% of the frame").
const MIN_PAGE_AREA: f64 = 0.01;
/// Levels of the colour channel per chroma level, at least and at most: paper and desk
/// differ by a few levels of chroma where they differ at all.
const CHROMA_GAIN_MIN: f64 = 4.0;
const CHROMA_GAIN_MAX: f64 = 12.0;
/// The spread along the main chroma axis is stretched to this many levels (within the gains).
const CHROMA_SPREAD_TO: f64 = 24.0;
/// The largest chroma offset from the median that counts in full toward the main axis.
const CHROMA_CLIP: f64 = 8.0;
/// Smallest spread (standard deviation, chroma levels) along the main chroma axis worth
/// searching: below it the scene is as good as neutral.
const MIN_CHROMA_SPREAD: f64 = 0.5;
/// Share of edge points along the sides that must agree for the luma to place corners that
/// the colour found.
const SNAP_AGREEMENT: f64 = 0.6;

/// How near the frame's edge (share of the frame across it) a side may be moved onto it.
const FRAME_REACH: f64 = 0.15;
/// Fewest analysis pixels (of every other row) that give the level of a region.
const STRIP_MIN_PIXELS: u32 = 16;
/// Cosine of the largest angle between such a side and the frame's edge (20°).
const FRAME_PARALLEL_COS: f64 = 0.94;

/// What [`detect_page`] found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageDetection {
    /// The page's corners in image pixels, clockwise from the one nearest the image's
    /// top-left; `None` when no page was found.
    pub corners: Option<[Point; 4]>,
    /// How much to trust the corners, 0 (none found) to 1.
    pub confidence: f64,
    /// Why no page was found (`image_too_small`, `no_quadrilateral`), when none was.
    pub reason: Option<&'static str>,
}

impl PageDetection {
    fn none(reason: &'static str) -> PageDetection {
        PageDetection {
            corners: None,
            confidence: 0.0,
            reason: Some(reason),
        }
    }

    /// Whether the page is cut off by the frame: a corner lies outside the image, or a whole
    /// side lies on the image's edge (the page ran out of the frame there).
    pub fn cut_off(&self, width: u32, height: u32) -> bool {
        self.corners.is_some_and(|q| {
            crate::geometry::outside_frame(&q, width, height)
                || (0..4).any(|i| on_frame_edge(q[i], q[(i + 1) % 4], width, height))
        })
    }
}

/// Finds the page in `img` (upright, full resolution), from its luma only.
pub fn detect_page(img: &GrayImage) -> PageDetection {
    detect_page_color(img, None)
}

/// Finds the page in `img`, also looking in the colour when the luma shows no page (white
/// paper on a light desk): the same search on the image's main chroma axis, where the page
/// must be the less coloured side (paper is near neutral; a page-sized picture or a coloured
/// box on a scan is not). Where the luma does find a page, the colour is not consulted: other
/// papers on a coloured desk are as neutral as the page, and the luma tells them apart.
pub fn detect_page_color(img: &GrayImage, chroma: Option<&Chroma>) -> PageDetection {
    detect_page_lazy(img, &|| chroma.map(Cow::Borrowed))
}

/// [`detect_page_color`] with the chroma made only if the luma shows no page (a camera frame's
/// colour costs as much to reduce as the page search, and most frames do not need it).
pub(crate) fn detect_page_lazy(img: &GrayImage, chroma: ChromaOf<'_>) -> PageDetection {
    let f = analysis_factor(img.width(), img.height());
    if img.width() / f < 32 || img.height() / f < 32 {
        return PageDetection::none("image_too_small");
    }
    let small = smooth(&reduce_box(img, f));
    let (sw, sh) = (small.width(), small.height());
    let full = (img.width(), img.height());
    let luma = search(&small, f, full, &|coarse, bright| {
        refine(img, coarse, bright, f as f64)
    });
    drop(small);
    if luma.corners.is_some() {
        return luma;
    }
    let Some(chroma) = chroma() else {
        return luma;
    };
    let Some(colour) = colour_channel(&chroma, sw, sh, f) else {
        return luma;
    };
    let scale = f as f64;
    let found = search(&colour.image, f, full, &|coarse, bright| {
        // Located on the analysis copy itself: the colour has no finer detail.
        let small = coarse.map(|p| [p[0] / scale, p[1] / scale]);
        let (q, agree) = refine(&colour.image, &small, bright, 1.0)
            .map(|(q, agree)| (q.map(|p| [p[0] * scale, p[1] * scale]), agree))?;
        // Then to the pixel on the luma, where it shows the edge at all (of either polarity:
        // the colour's says nothing of the luma's).
        let snapped = [true, false]
            .into_iter()
            .filter_map(|b| refine(img, &q, b, scale))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match snapped {
            Some((s, a)) if a >= SNAP_AGREEMENT => Some((s, agree.max(a))),
            _ => Some((q, agree)),
        }
    });
    match found.corners {
        Some(q) if colour.paper_inside(&q, scale) => found,
        _ => luma,
    }
}

/// Longest side of the image over that of the analysis copy: the reduction factor.
pub(crate) fn analysis_factor(width: u32, height: u32) -> u32 {
    width.max(height).div_ceil(ANALYSIS_SIDE).max(1)
}

/// Places coarse corners precisely: the corners and the share of edge points that agree.
type Locate<'a> = dyn Fn(&[Point; 4], bool) -> Option<([Point; 4], f64)> + 'a;

/// The line and quadrilateral search on one smoothed analysis channel (`f` image pixels per
/// pixel), with `locate` placing the coarse corners precisely (image pixels, the page's
/// polarity): corners in image pixels, or why none.
fn search(small: &GrayImage, f: u32, full: (u32, u32), locate: &Locate<'_>) -> PageDetection {
    let grad = Gradients::new(small);
    let mut lines = hough_lines(&grad);
    let Some(best) = best_quad(&grad, &lines.out, f64::NEG_INFINITY) else {
        return PageDetection::none("no_quadrilateral");
    };
    let found = place(small, f, full, &best, locate);
    // A small page may be another sheet, or a sheet's part, beside the page whose sides are
    // fainter (paper on paper) than the text of the papers around it: look again among more
    // lines, and take what wins there if it is a page too. (Only when a page was found: on a
    // scan, more lines only offer more boxes of text.)
    let frame_area = small.width() as f64 * small.height() as f64;
    if found.corners.is_some() && area(&best.corners) < SMALL_PAGE * frame_area {
        lines.take(&grad, MORE_LINES);
        // Only a quadrilateral with one of the new lines can beat it.
        if let Some(more) = best_quad(&grad, &lines.out, best.score) {
            let again = place(small, f, full, &more, locate);
            if again.corners.is_some() {
                return again;
            }
        }
    }
    found
}

/// The page of the best quadrilateral `best` of the analysis copy `small` (`f` image pixels per
/// pixel of it, of an image of `full` pixels), its corners placed by `locate`, if it is
/// confident enough and the shape of a page.
fn place(
    small: &GrayImage,
    f: u32,
    full: (u32, u32),
    best: &Quad,
    locate: &Locate<'_>,
) -> PageDetection {
    let scale = f as f64;
    let frame = [full.0 as f64 / scale, full.1 as f64 / scale];
    let corners = extend_to_frame(small, best.corners, best.bright_inside, frame);
    let coarse = corners.map(|p| [p[0] * scale, p[1] * scale]);
    let (corners, inliers) = locate(&coarse, best.bright_inside).unwrap_or((coarse, 0.5));
    let confidence = (best.mean_support.min(1.0) * (0.5 + 0.5 * inliers)).clamp(0.0, 1.0);
    if confidence < MIN_CONFIDENCE || !plausible_shape(&corners) {
        return PageDetection::none("no_quadrilateral");
    }
    PageDetection {
        corners: Some(order_clockwise(corners)),
        confidence: crate::math::round3(confidence),
        reason: None,
    }
}

/// The image's colour along its main chroma axis, on the analysis grid.
struct ColourChannel {
    /// 128 + a gain × the chroma's offset along the axis from its median, smoothed.
    image: GrayImage,
    /// Distance from neutral (|Cb − 128| + |Cr − 128|) per analysis pixel.
    saturation: Vec<f32>,
}

/// The colour channel of `chroma` on a `w`×`h` analysis grid of `f` image pixels per pixel;
/// `None` when the image has next to no colour variation (a gray image, a neutral scene).
fn colour_channel(chroma: &Chroma, w: u32, h: u32, f: u32) -> Option<ColourChannel> {
    let (wu, hu) = (w as usize, h as usize);
    let n = wu * hu;
    let (mut cb, mut cr) = (vec![0f32; n], vec![0f32; n]);
    let s = f as f64;
    for y in 0..hu {
        for x in 0..wu {
            let (b, r) = chroma.at((x as f64 + 0.5) * s, (y as f64 + 0.5) * s);
            cb[y * wu + x] = b;
            cr[y * wu + x] = r;
        }
    }
    // Principal axis of the (Cb, Cr) scatter about its median, with each offset limited to
    // `CHROMA_CLIP` so that a small, strongly coloured object (a thumb, a mug) does not turn
    // the axis away from the large, faint difference of page and desk.
    let (mb, mr) = (median(&cb), median(&cr));
    let (mut sbb, mut srr, mut sbr) = (0.0, 0.0, 0.0);
    for (&b, &r) in cb.iter().zip(&cr) {
        let db = (b as f64 - mb).clamp(-CHROMA_CLIP, CHROMA_CLIP);
        let dr = (r as f64 - mr).clamp(-CHROMA_CLIP, CHROMA_CLIP);
        sbb += db * db;
        srr += dr * dr;
        sbr += db * dr;
    }
    let (sbb, srr, sbr) = (sbb / n as f64, srr / n as f64, sbr / n as f64);
    let half = 0.5 * (sbb - srr);
    let lambda = 0.5 * (sbb + srr) + (half * half + sbr * sbr).sqrt();
    if !(lambda >= MIN_CHROMA_SPREAD * MIN_CHROMA_SPREAD) {
        return None;
    }
    let (ex, ey) = if sbr.abs() > 1e-12 {
        (lambda - srr, sbr)
    } else if sbb >= srr {
        (1.0, 0.0)
    } else {
        (0.0, 1.0)
    };
    let norm = (ex * ex + ey * ey).sqrt();
    let (ex, ey) = ((ex / norm) as f32, (ey / norm) as f32);
    // Faint colour differences are stretched more, to a spread of `CHROMA_SPREAD_TO` levels.
    let gain = (CHROMA_SPREAD_TO / lambda.sqrt()).clamp(CHROMA_GAIN_MIN, CHROMA_GAIN_MAX) as f32;
    let mut img = GrayImage::new(w, h, 128);
    let mut saturation = vec![0f32; n];
    for (i, o) in img.data_mut().iter_mut().enumerate() {
        let (db, dr) = (cb[i] - mb as f32, cr[i] - mr as f32);
        let v = 128.0 + gain * (db * ex + dr * ey);
        *o = v.round().clamp(0.0, 255.0) as u8;
        saturation[i] = (cb[i] - 128.0).abs() + (cr[i] - 128.0).abs();
    }
    Some(ColourChannel {
        image: smooth(&img),
        saturation,
    })
}

impl ColourChannel {
    /// Whether the quadrilateral `q` (image pixels, `scale` per analysis pixel) is the less
    /// coloured side: paper, not a coloured object on a neutral ground.
    fn paper_inside(&self, q: &[Point; 4], scale: f64) -> bool {
        let (w, h) = (self.image.width() as usize, self.image.height() as usize);
        let q = q.map(|p| [p[0] / scale, p[1] / scale]);
        let (mut sum_in, mut n_in, mut sum_out, mut n_out) = (0.0, 0usize, 0.0, 0usize);
        for y in 0..h {
            for x in 0..w {
                let p = [x as f64 + 0.5, y as f64 + 0.5];
                let s = self.saturation[y * w + x] as f64;
                if contains(&q, p) {
                    sum_in += s;
                    n_in += 1;
                } else {
                    sum_out += s;
                    n_out += 1;
                }
            }
        }
        n_in > 0 && n_out > 0 && sum_in / (n_in as f64) < sum_out / (n_out as f64)
    }
}

/// The median of chroma samples (0 to 255), to a quarter level.
fn median(v: &[f32]) -> f64 {
    let mut hist = [0u32; 1024];
    for &x in v {
        hist[((x * 4.0).round() as usize).min(1023)] += 1;
    }
    let half = v.len().div_ceil(2) as u32;
    let mut seen = 0;
    for (i, &c) in hist.iter().enumerate() {
        seen += c;
        if seen >= half {
            return i as f64 / 4.0;
        }
    }
    128.0
}

/// Whether `p` lies inside the convex quadrilateral `q` (either winding).
fn contains(q: &[Point; 4], p: Point) -> bool {
    let mut sign = 0.0f64;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let c = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
        if c != 0.0 {
            if sign != 0.0 && c.signum() != sign {
                return false;
            }
            sign = c.signum();
        }
    }
    true
}

/// A document is not a sliver: a line of large text, or a rule between two lines, is.
fn plausible_shape(q: &[Point; 4]) -> bool {
    let across = dist(q[0], q[1]) + dist(q[2], q[3]);
    let down = dist(q[1], q[2]) + dist(q[3], q[0]);
    across <= MAX_ASPECT * down && down <= MAX_ASPECT * across
}

/// A 5×5 binomial blur (1 4 6 4 1)² / 256, edges replicated.
fn smooth(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src = img.data();
    let mut tmp = vec![0u16; w * h];
    for (row, out) in src.chunks_exact(w).zip(tmp.chunks_exact_mut(w)) {
        // The inside without clamping; the two columns at each end clamped.
        if w > 4 {
            for (o, p) in out[2..w - 2].iter_mut().zip(row.windows(5)) {
                *o =
                    p[0] as u16 + 4 * p[1] as u16 + 6 * p[2] as u16 + 4 * p[3] as u16 + p[4] as u16;
            }
        }
        let at =
            |x: usize, d: isize| row[(x as isize + d).clamp(0, w as isize - 1) as usize] as u16;
        for x in (0..w.min(2)).chain(w.saturating_sub(2).max(2)..w) {
            out[x] = at(x, -2) + 4 * at(x, -1) + 6 * at(x, 0) + 4 * at(x, 1) + at(x, 2);
        }
    }
    let mut out = GrayImage::new(w as u32, h as u32, 255);
    let dst = out.data_mut();
    for y in 0..h {
        let r = |d: isize| (y as isize + d).clamp(0, h as isize - 1) as usize * w;
        let (a, b, c, d, e) = (r(-2), r(-1), r(0), r(1), r(2));
        for x in 0..w {
            let s = tmp[a + x] as u32
                + 4 * tmp[b + x] as u32
                + 6 * tmp[c + x] as u32
                + 4 * tmp[d + x] as u32
                + tmp[e + x] as u32;
            dst[y * w + x] = ((s + 128) >> 8) as u8;
        }
    }
    out
}

/// Sobel gradients of the analysis copy (pointing from dark to bright).
struct Gradients {
    w: usize,
    h: usize,
    gx: Vec<f32>,
    gy: Vec<f32>,
}

impl Gradients {
    fn new(img: &GrayImage) -> Gradients {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let p = img.data();
        let (mut gx, mut gy) = (vec![0f32; w * h], vec![0f32; w * h]);
        for y in 1..h - 1 {
            let (u, c, d) = ((y - 1) * w, y * w, (y + 1) * w);
            for x in 1..w - 1 {
                let v = |i: usize| p[i] as i32;
                let sx = v(u + x + 1) + 2 * v(c + x + 1) + v(d + x + 1)
                    - v(u + x - 1)
                    - 2 * v(c + x - 1)
                    - v(d + x - 1);
                let sy = v(d + x - 1) + 2 * v(d + x) + v(d + x + 1)
                    - v(u + x - 1)
                    - 2 * v(u + x)
                    - v(u + x + 1);
                gx[c + x] = sx as f32;
                gy[c + x] = sy as f32;
            }
        }
        Gradients { w, h, gx, gy }
    }

    /// The gradient at the pixel holding `p` (continuous coordinates), zero outside.
    #[inline]
    fn at(&self, p: Point) -> (f32, f32) {
        let (x, y) = (p[0].floor(), p[1].floor());
        if x < 0.0 || y < 0.0 || x >= self.w as f64 || y >= self.h as f64 {
            return (0.0, 0.0);
        }
        let i = y as usize * self.w + x as usize;
        (self.gx[i], self.gy[i])
    }
}

/// A candidate side: the line and the support along it.
struct Candidate {
    line: Line,
    /// Parameter (along `line.direction()`, from the foot of the origin) of the first sample.
    t0: f64,
    /// Prefix sums of the support where the gradient points along +n (`pos`) or −n (`neg`),
    /// one sample per pixel of length.
    pos: Vec<f32>,
    neg: Vec<f32>,
    /// Normal angle in degrees, [0, 180).
    theta: f64,
}

/// The strongest lines of the gradient image (the first `MAX_LINES`), with their support
/// profiles.
fn hough_lines(g: &Gradients) -> HoughLines {
    let (w, h) = (g.w, g.h);
    let diag = ((w * w + h * h) as f64).sqrt().ceil() as usize + 2;
    let nr = 2 * diag + 1;
    const NT: usize = 180;
    let trig: Vec<(f64, f64)> = (0..NT)
        .map(|k| {
            // (cos k°, sin k°) from an argument within ±90°, where `sin_cos` is exact.
            let (s, c) = crate::math::sin_cos(crate::math::to_radians(k as f64 - 90.0));
            (-s, c)
        })
        .collect();
    // The votes in fixed point (16 fractional bits): ρ + diag + ½ for the pixel centre
    // (x + ½, y + ½) is ((2x + 1)·cos + (2y + 1)·sin + 2·diag + 1) / 2, and its floor is the
    // bin; integer arithmetic, so every target votes alike, and fast everywhere.
    const FIX: f64 = 65536.0;
    let itrig: Vec<(i64, i64)> = trig
        .iter()
        .map(|&(c, s)| ((c * FIX).round() as i64, (s * FIX).round() as i64))
        .collect();
    let bias = (2 * diag as i64 + 1) << 16;
    // Distance-major: a pixel's five votes, at neighbouring angles and nearly the same
    // distance, fall on neighbouring cells (one or two cache lines, not five).
    let mut acc = vec![0f32; NT * nr];
    const SPREAD: [f32; 5] = [0.35, 0.75, 1.0, 0.75, 0.35];
    let edge_min_sq = EDGE_MIN * EDGE_MIN;
    for y in 1..h - 1 {
        let (rx, ry) = (&g.gx[y * w..(y + 1) * w], &g.gy[y * w..(y + 1) * w]);
        let ty = 2 * y as i64 + 1;
        for (x, (&gx, &gy)) in rx.iter().zip(ry).enumerate().take(w - 1).skip(1) {
            let m2 = gx * gx + gy * gy;
            if m2 < edge_min_sq {
                continue;
            }
            let wgt = m2.sqrt().min(4.0 * FULL_SUPPORT);
            // The gradient's direction to the nearest degree, 0 to 359 (ties upward).
            let k0 = (atan2_deg(gy as f64, gx as f64) + 360.5) as usize % 360;
            let tx = 2 * x as i64 + 1;
            for (j, s) in SPREAD.iter().enumerate() {
                let mut k = k0 + 358 + j;
                // A gradient at θ + 180° votes for the same line as one at θ.
                while k >= NT {
                    k -= NT;
                }
                let (c, sn) = itrig[k];
                let r = (tx * c + ty * sn + bias) >> 17;
                if (0..nr as i64).contains(&r) {
                    acc[r as usize * NT + k] += wgt * s;
                }
            }
        }
    }
    // Peaks: local maxima over ±3° and ±4 px, strongest first, apart from each other.
    let floor = 24.0 * EDGE_MIN * 2.0;
    let mut peaks: Vec<(f32, usize, usize)> = Vec::new();
    for r in 4..nr - 4 {
        for k in 0..NT {
            let v = acc[r * NT + k];
            if v < floor {
                continue;
            }
            let mut is_max = true;
            'win: for dk in -3i64..=3 {
                for dr in -4i64..=4 {
                    if dk == 0 && dr == 0 {
                        continue;
                    }
                    let mut kk = k as i64 + dk;
                    let mut rr = r as i64 + dr;
                    if kk < 0 || kk >= NT as i64 {
                        kk = kk.rem_euclid(NT as i64);
                        rr = 2 * diag as i64 - rr;
                    }
                    let o = acc[rr.clamp(0, nr as i64 - 1) as usize * NT + kk as usize];
                    if o > v || (o == v && (dk, dr) < (0, 0)) {
                        is_max = false;
                        break 'win;
                    }
                }
            }
            if is_max {
                peaks.push((v, k, r));
            }
        }
    }
    // Strongest first; equal ones by angle, then distance.
    crate::sort::stable_sort_by(&mut peaks, |a, b| {
        a.0 > b.0 || (a.0 == b.0 && (a.1, a.2) < (b.1, b.2))
    });
    let mut lines = HoughLines {
        peaks,
        next: 0,
        diag: diag as f64,
        trig,
        out: Vec::new(),
    };
    lines.take(g, MAX_LINES);
    lines
}

/// The Hough transform's peaks, strongest first, and the candidate sides taken from them.
struct HoughLines {
    /// (votes, angle in degrees, distance bin).
    peaks: Vec<(f32, usize, usize)>,
    /// The first peak not yet looked at.
    next: usize,
    /// Offset of the distance bins.
    diag: f64,
    /// The unit normal of each angle bin.
    trig: Vec<(f64, f64)>,
    /// The candidates so far, strongest first.
    out: Vec<Candidate>,
}

impl HoughLines {
    /// Takes candidates from the next peaks until there are `limit` (each apart from those
    /// before it, and crossing the image).
    fn take(&mut self, g: &Gradients, limit: usize) {
        while self.out.len() < limit && self.next < self.peaks.len() {
            let (_, k, r) = self.peaks[self.next];
            self.next += 1;
            let (c, s) = self.trig[k];
            let line = Line {
                n: [c, s],
                c: r as f64 - self.diag,
            };
            let near = self.out.iter().any(|o| {
                let d = (o.theta - k as f64).abs();
                let (d, flip) = if d > 90.0 {
                    (180.0 - d, -1.0)
                } else {
                    (d, 1.0)
                };
                d < 4.0 && (o.line.c - flip * line.c).abs() < 6.0
            });
            if !near {
                if let Some(cand) = profile(g, line, k as f64) {
                    self.out.push(cand);
                }
            }
        }
    }
}

/// The support profile of `line` over its part inside the analysis image.
fn profile(g: &Gradients, line: Line, theta: f64) -> Option<Candidate> {
    let (w, h) = (g.w as f64, g.h as f64);
    let d = line.direction();
    let foot = [line.n[0] * line.c, line.n[1] * line.c];
    // Clip the parameter range to the image (one pixel in from the border).
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    for (o, dir, max) in [(foot[0], d[0], w), (foot[1], d[1], h)] {
        if dir.abs() < 1e-9 {
            if o < 1.0 || o > max - 1.0 {
                return None;
            }
        } else {
            let (a, b) = ((1.0 - o) / dir, (max - 1.0 - o) / dir);
            lo = lo.max(a.min(b));
            hi = hi.min(a.max(b));
        }
    }
    if !(hi - lo > 4.0) {
        return None;
    }
    let n = (hi - lo).floor() as usize;
    let (mut pos, mut neg) = (vec![0f32; n + 1], vec![0f32; n + 1]);
    for i in 0..n {
        let t = lo + i as f64 + 0.5;
        let p = [foot[0] + t * d[0], foot[1] + t * d[1]];
        let (mut bp, mut bn) = (0f32, 0f32);
        for off in [-1.0, 0.0, 1.0] {
            let q = [p[0] + off * line.n[0], p[1] + off * line.n[1]];
            let (gx, gy) = g.at(q);
            let across = gx * line.n[0] as f32 + gy * line.n[1] as f32;
            let along = gx * d[0] as f32 + gy * d[1] as f32;
            // Only gradient mostly across the line counts.
            if across.abs() >= 2.0 * along.abs() {
                let v = (across.abs() / FULL_SUPPORT).min(1.0);
                if across > 0.0 {
                    bp = bp.max(v);
                } else {
                    bn = bn.max(v);
                }
            }
        }
        pos[i + 1] = pos[i] + bp;
        neg[i + 1] = neg[i] + bn;
    }
    Some(Candidate {
        line,
        t0: lo,
        pos,
        neg,
        theta,
    })
}

/// The best quadrilateral of the candidate lines.
struct Quad {
    corners: [Point; 4],
    bright_inside: bool,
    mean_support: f64,
    /// What it won by: its support times its mean share.
    score: f64,
}

/// Angle between two normal angles, folded to [0, 90].
fn angle_between(a: f64, b: f64) -> f64 {
    let d = (a - b).abs() % 180.0;
    d.min(180.0 - d)
}

/// The best-supported quadrilateral of the candidate lines that scores above `beat`.
fn best_quad(g: &Gradients, lines: &[Candidate], beat: f64) -> Option<Quad> {
    let (w, h) = (g.w as f64, g.h as f64);
    let frame = w * h;
    let min_side = 0.04 * w.min(h);
    let inside_frame =
        |p: &Point| p[0] > -0.3 * w && p[0] < 1.3 * w && p[1] > -0.3 * h && p[1] < 1.3 * h;
    // The most support each line can give a side.
    let most: Vec<f64> = lines
        .iter()
        .map(|l| l.pos[l.pos.len() - 1].max(l.neg[l.neg.len() - 1]) as f64)
        .collect();
    let mut pairs = Vec::new();
    for i in 0..lines.len() {
        for j in i + 1..lines.len() {
            if angle_between(lines[i].theta, lines[j].theta) > 40.0 {
                continue;
            }
            // Opposite sides do not cross near the frame.
            if let Some(p) = lines[i].line.meet(&lines[j].line) {
                if inside_frame(&p) {
                    continue;
                }
            }
            pairs.push((i, j, most[i] + most[j]));
        }
    }
    // Best first, so that the search can stop where no quadrilateral left can win: a side's
    // support is at most its line's (in the better polarity), and its share of the side at
    // most 1 + 1/`min_side` (whole samples over a fractional length; a little more for rounding).
    crate::sort::stable_sort_by(&mut pairs, |x, y| x.2 > y.2);
    let share_max = 1.0 + 1.0 / min_side + 1e-3;
    let mut best: Option<(f64, Quad)> = None;
    for (pi, &(a, b, bound_ab)) in pairs.iter().enumerate() {
        let beaten = |bound: f64, best: &Option<(f64, Quad)>| {
            (bound_ab + bound) * share_max < best.as_ref().map_or(beat, |b| b.0)
        };
        if pairs.get(pi + 1).is_none_or(|p| beaten(p.2, &best)) {
            break;
        }
        for &(c, e, bound_ce) in &pairs[pi + 1..] {
            if beaten(bound_ce, &best) {
                break;
            }
            let cross_ok = [(a, c), (a, e), (b, c), (b, e)]
                .iter()
                .all(|&(u, v)| angle_between(lines[u].theta, lines[v].theta) >= 30.0);
            if !cross_ok {
                continue;
            }
            let (la, lb, lc, le) = (&lines[a], &lines[b], &lines[c], &lines[e]);
            let (Some(p0), Some(p1), Some(p2), Some(p3)) = (
                la.line.meet(&lc.line),
                lc.line.meet(&lb.line),
                lb.line.meet(&le.line),
                le.line.meet(&la.line),
            ) else {
                continue;
            };
            let q = [p0, p1, p2, p3];
            if !q.iter().all(inside_frame) || !is_convex(&q) {
                continue;
            }
            let ar = area(&q);
            if ar < MIN_PAGE_AREA * frame {
                continue;
            }
            let centre = [
                (p0[0] + p1[0] + p2[0] + p3[0]) / 4.0,
                (p0[1] + p1[1] + p2[1] + p3[1]) / 4.0,
            ];
            // Sides in order: a from p3 to p0, c from p0 to p1, b from p1 to p2, e from p2 to p3.
            let sides = [(la, p3, p0), (lc, p0, p1), (lb, p1, p2), (le, p2, p3)];
            if sides.iter().any(|s| dist(s.1, s.2) < min_side) {
                continue;
            }
            // A document is not a sliver: a line of text or a rule between two lines is.
            if !plausible_shape(&q) {
                continue;
            }
            for bright_inside in [true, false] {
                let mut total = 0.0;
                let mut min_frac = f64::INFINITY;
                let mut sum_frac = 0.0;
                for &(l, s, t) in &sides {
                    let (sup, frac) = side_support(l, s, t, centre, bright_inside);
                    total += sup;
                    sum_frac += frac;
                    min_frac = min_frac.min(frac);
                }
                if min_frac < MIN_SIDE_SUPPORT {
                    continue;
                }
                let score = total * (sum_frac / 4.0);
                if score > best.as_ref().map_or(beat, |b| b.0) {
                    best = Some((
                        score,
                        Quad {
                            corners: q,
                            bright_inside,
                            mean_support: sum_frac / 4.0,
                            score,
                        },
                    ));
                }
            }
        }
    }
    best.map(|b| b.1)
}

/// Moves a side that lies near the frame's edge, nearly parallel to it, onto that edge when
/// what lies between them looks like the page, not like the desk: the page runs out of the
/// frame there, and the side found was a line of text or a rule on the page (its edge is not
/// in the image, so no line could be found for it). `q` and `frame` (the image's size) are in
/// analysis pixels of `small`.
fn extend_to_frame(
    small: &GrayImage,
    q: [Point; 4],
    bright_inside: bool,
    frame: Point,
) -> [Point; 4] {
    let (w, h) = (frame[0], frame[1]);
    // The frame's edges as lines with outward normals.
    let borders = [
        Line {
            n: [-1.0, 0.0],
            c: 0.0,
        },
        Line {
            n: [1.0, 0.0],
            c: w,
        },
        Line {
            n: [0.0, -1.0],
            c: 0.0,
        },
        Line {
            n: [0.0, 1.0],
            c: h,
        },
    ];
    let mut q = q;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        for (k, border) in borders.iter().enumerate() {
            let span = if k < 2 { w } else { h };
            // Both ends within reach of the edge, inside the frame.
            let (da, db) = (-border.distance(a), -border.distance(b));
            let reach = FRAME_REACH * span;
            if !(da > 0.0 && db > 0.0 && da < reach && db < reach) {
                continue;
            }
            // Nearly parallel to it.
            let Some(side) = Line::through(a, [b[0] - a[0], b[1] - a[1]]) else {
                continue;
            };
            let cos = (side.n[0] * border.n[0] + side.n[1] * border.n[1]).abs();
            if cos < FRAME_PARALLEL_COS {
                continue;
            }
            // The neighbouring sides carried on to the edge.
            let (p, n) = (q[(i + 3) % 4], q[(i + 2) % 4]);
            let (Some(before), Some(after)) = (
                Line::through(p, [a[0] - p[0], a[1] - p[1]]),
                Line::through(n, [b[0] - n[0], b[1] - n[1]]),
            ) else {
                continue;
            };
            let (Some(a2), Some(b2)) = (before.meet(border), after.meet(border)) else {
                continue;
            };
            let mut moved = q;
            moved[i] = a2;
            moved[(i + 1) % 4] = b2;
            if !is_convex(&moved)
                || !plausible_shape(&moved)
                || dist(a2, a) > 2.0 * reach
                || dist(b2, b) > 2.0 * reach
            {
                continue;
            }
            if strip_is_page(small, &q, &moved, bright_inside, border, da.max(db)) {
                q = moved;
            }
            break;
        }
    }
    q
}

/// Whether the side from `s` to `t` lies on an edge of a `width`×`height` image.
fn on_frame_edge(s: Point, t: Point, width: u32, height: u32) -> bool {
    let on = |a: f64, b: f64, v: f64| (a - v).abs() < 0.5 && (b - v).abs() < 0.5;
    let (w, h) = (width as f64, height as f64);
    on(s[0], t[0], 0.0) || on(s[0], t[0], w) || on(s[1], t[1], 0.0) || on(s[1], t[1], h)
}

/// The columns (pixel centres) of a `w`-pixel row at height `yc` that the convex
/// quadrilateral `q` covers, as a half-open range (empty when it misses the row).
fn row_span(q: &[Point; 4], yc: f64, w: usize) -> (usize, usize) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        if (a[1] - yc) * (b[1] - yc) <= 0.0 && a[1] != b[1] {
            let x = a[0] + (yc - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    if !(hi >= lo) {
        return (0, 0);
    }
    // Pixel x is covered when its centre x + ½ lies within [lo, hi].
    let first = (lo - 0.5).ceil().clamp(0.0, w as f64) as usize;
    let end = ((hi - 0.5).floor() + 1.0).clamp(0.0, w as f64) as usize;
    (first, end.max(first))
}

/// Whether the part of `moved` outside `q` (the strip between a side and the frame's edge
/// `border`, up to `depth` from it) has the page's level (the median of what `q` holds), not
/// that of the surroundings beside it along the same edge (the median of what neither holds
/// within `depth` of the edge).
fn strip_is_page(
    small: &GrayImage,
    q: &[Point; 4],
    moved: &[Point; 4],
    bright_inside: bool,
    border: &Line,
    depth: f64,
) -> bool {
    let (w, h) = (small.width() as usize, small.height() as usize);
    let mut hist = [[0u32; 256]; 3];
    // The band of the frame within `depth` of its edge, as columns of a row.
    let band = |yc: f64| -> (usize, usize) {
        if border.n[0] == 0.0 {
            if -border.distance([0.0, yc]) <= depth {
                (0, w)
            } else {
                (0, 0)
            }
        } else if border.n[0] < 0.0 {
            (0, ((depth - 0.5).ceil().max(0.0) as usize).min(w))
        } else {
            let from = (border.c - depth - 0.5).ceil().max(0.0) as usize;
            (from.min(w), w)
        }
    };
    // Every other row is plenty for three medians.
    for (y, row) in small.data().chunks_exact(w).enumerate().take(h).step_by(2) {
        // Each region of a row is a run of columns (both quadrilaterals are convex, and
        // `moved` holds `q`).
        let yc = y as f64 + 0.5;
        let (q0, q1) = row_span(q, yc, w);
        let (m0, m1) = row_span(moved, yc, w);
        let (q0, q1) = if q0 < q1 {
            (q0.clamp(m0, m1), q1.clamp(m0, m1))
        } else {
            (m0, m0)
        };
        let (b0, b1) = band(yc);
        let mut add = |region: usize, px: &[u8]| {
            for &v in px {
                hist[region][v as usize] += 1;
            }
        };
        add(0, &row[q0..q1]);
        add(1, &row[m0..q0]);
        add(1, &row[q1..m1]);
        // The surroundings beside the strip, in the same band along the edge (a light desk is
        // often lit unevenly: its far side says little of what lies beside the page).
        add(2, &row[b0..m0.clamp(b0, b1)]);
        add(2, &row[m1.clamp(b0, b1)..b1]);
    }
    let median = |h: &[u32; 256]| {
        let n: u32 = h.iter().sum();
        (n >= STRIP_MIN_PIXELS).then(|| crate::quality::quantile(h, n, 0.5))
    };
    let (Some(page), Some(strip), Some(around)) =
        (median(&hist[0]), median(&hist[1]), median(&hist[2]))
    else {
        return false;
    };
    let sign = if bright_inside { 1.0 } else { -1.0 };
    let contrast = sign * (page - around);
    // The page's level is its median, which its text lowers: a strip of the page is at least
    // as light (a strip of desk beside a light page is between the two, or as dark as the
    // desk beside it). On the tuning frames, strips of desk came to at most 0.67 of the way
    // from the desk beside them to the page, the one strip of page to 1.56 of it.
    contrast >= 3.0 && sign * (strip - page) >= 0.0
}

/// Support along the side of `l` from `s` to `t`: the supported length and its share of the
/// side (the part outside the image counted at half weight).
fn side_support(
    l: &Candidate,
    s: Point,
    t: Point,
    centre: Point,
    bright_inside: bool,
) -> (f64, f64) {
    let d = l.line.direction();
    let foot = [l.line.n[0] * l.line.c, l.line.n[1] * l.line.c];
    let par = |p: Point| (p[0] - foot[0]) * d[0] + (p[1] - foot[1]) * d[1] - l.t0;
    let (mut u, mut v) = (par(s), par(t));
    if u > v {
        std::mem::swap(&mut u, &mut v);
    }
    let len = v - u;
    let n = (l.pos.len() - 1) as f64;
    let (cu, cv) = (u.clamp(0.0, n), v.clamp(0.0, n));
    let inside = cv - cu;
    let inward_positive = l.line.distance(centre) > 0.0;
    let prefix = if inward_positive == bright_inside {
        &l.pos
    } else {
        &l.neg
    };
    let (i0, i1) = (cu.floor() as usize, cv.floor() as usize);
    let sup = (prefix[i1.min(prefix.len() - 1)] - prefix[i0.min(prefix.len() - 1)]) as f64;
    let denom = inside + 0.5 * (len - inside);
    (sup, if denom > 0.0 { sup / denom } else { 0.0 })
}

/// Bilinear sample of `img` at continuous `p`; `None` outside.
#[inline]
fn sample(img: &GrayImage, p: Point) -> Option<f64> {
    let (x, y) = (p[0] - 0.5, p[1] - 0.5);
    let (w, h) = (img.width() as f64, img.height() as f64);
    if !(x >= 0.0 && y >= 0.0 && x <= w - 1.0 && y <= h - 1.0) {
        return None;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (xi, yi) = (x0 as u32, y0 as u32);
    let (x1, y1) = (
        (xi + 1).min(img.width() - 1),
        (yi + 1).min(img.height() - 1),
    );
    let g = |a: u32, b: u32| img.get(a, b) as f64;
    let top = g(xi, yi) + (g(x1, yi) - g(xi, yi)) * fx;
    let bot = g(xi, y1) + (g(x1, y1) - g(xi, y1)) * fx;
    Some(top + (bot - top) * fy)
}

/// Refines the corners at full resolution; the new corners and the share of edge points that
/// agreed with the fitted sides.
#[inline(never)]
fn refine(
    img: &GrayImage,
    q: &[Point; 4],
    bright_inside: bool,
    f: f64,
) -> Option<([Point; 4], f64)> {
    let centre = [
        (q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4.0,
        (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4.0,
    ];
    let mut lines = [None; 4];
    let (mut agree, mut fitted) = (0.0, 0.0);
    for (i, slot) in lines.iter_mut().enumerate() {
        let (s, t) = (q[i], q[(i + 1) % 4]);
        let mut line = Line::through(s, [t[0] - s[0], t[1] - s[1]])?;
        // A side on the frame's edge (where the page runs out of the frame) has no edge to
        // find: it stays, and counts neither for nor against the fit.
        if on_frame_edge(s, t, img.width(), img.height()) {
            *slot = Some(line);
            continue;
        }
        fitted += 1.0;
        let mut share = 0.0;
        for reach in [1.5 * f + 3.0, 4.0] {
            match fit_side(img, &line, s, t, centre, bright_inside, reach) {
                Some((l, sh)) => {
                    line = l;
                    share = sh;
                }
                None => break,
            }
        }
        agree += share;
        *slot = Some(line);
    }
    let l = lines.map(|l| {
        l.unwrap_or(Line {
            n: [1.0, 0.0],
            c: 0.0,
        })
    });
    let mut out = [[0.0; 2]; 4];
    for i in 0..4 {
        // Corner i joins side i−1 (ending at it) and side i (starting from it).
        out[i] = l[(i + 3) % 4].meet(&l[i])?;
        if dist(out[i], q[i]) > 3.0 * f + 6.0 {
            return None;
        }
    }
    let agree = if fitted > 0.0 { agree / fitted } else { 0.0 };
    is_convex(&out).then_some((out, agree))
}

/// Edge points along normals to the side `s`→`t` within `reach` pixels of `line`, and the line
/// fitted through them robustly, with the share of points kept.
fn fit_side(
    img: &GrayImage,
    line: &Line,
    s: Point,
    t: Point,
    centre: Point,
    bright_inside: bool,
    reach: f64,
) -> Option<(Line, f64)> {
    let len = dist(s, t);
    let samples = ((len / 4.0) as usize).clamp(16, 160);
    // Inward normal.
    let n = if line.distance(centre) > 0.0 {
        line.n
    } else {
        [-line.n[0], -line.n[1]]
    };
    let d = [(t[0] - s[0]) / len, (t[1] - s[1]) / len];
    let polarity = if bright_inside { 1.0 } else { -1.0 };
    let steps = reach.ceil() as i64;
    let mut pts: Vec<(Point, f64)> = Vec::with_capacity(samples);
    let mut prof = Vec::with_capacity(2 * steps as usize + 3);
    for k in 0..samples {
        let a = 0.04 + 0.92 * (k as f64 + 0.5) / samples as f64;
        let base0 = [s[0] + a * (t[0] - s[0]), s[1] + a * (t[1] - s[1])];
        // The sample's foot on the current line.
        let off = line.distance(base0);
        let base = [base0[0] - off * line.n[0], base0[1] - off * line.n[1]];
        prof.clear();
        let mut ok = true;
        for j in -steps - 1..=steps + 1 {
            let p = [base[0] + j as f64 * n[0], base[1] + j as f64 * n[1]];
            let mut v = 0.0;
            for dt in [-1.0, 0.0, 1.0] {
                match sample(img, [p[0] + dt * d[0], p[1] + dt * d[1]]) {
                    Some(x) => v += x,
                    None => ok = false,
                }
            }
            prof.push(v / 3.0);
        }
        if !ok {
            continue;
        }
        // Central differences, strongest step of the right polarity.
        let mut best = (0.0, 0usize);
        for i in 1..prof.len() - 1 {
            let g = polarity * (prof[i + 1] - prof[i - 1]);
            if g > best.0 {
                best = (g, i);
            }
        }
        if best.0 < 8.0 || best.1 < 2 || best.1 > prof.len() - 3 {
            continue;
        }
        let i = best.1;
        let (gm, g0, gp) = (
            polarity * (prof[i] - prof[i - 2]),
            best.0,
            polarity * (prof[i + 2] - prof[i]),
        );
        let den = gm - 2.0 * g0 + gp;
        let delta = if den < 0.0 {
            (0.5 * (gm - gp) / den).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let at = (i as f64 - 1.0 - steps as f64) + delta;
        pts.push(([base[0] + at * n[0], base[1] + at * n[1]], best.0));
    }
    if pts.len() < 8 {
        return None;
    }
    let total = pts.len();
    let mut fit = Line::fit(&pts.iter().map(|p| (p.0, 1.0)).collect::<Vec<_>>())?;
    for _ in 0..3 {
        let mut res: Vec<f64> = pts.iter().map(|p| fit.distance(p.0).abs()).collect();
        crate::sort::sort_f64(&mut res);
        let mad = res[res.len() / 2];
        let cut = (2.5 * 1.4826 * mad).max(0.75);
        let kept: Vec<(Point, f64)> = pts
            .iter()
            .filter(|p| fit.distance(p.0).abs() <= cut)
            .map(|p| (p.0, 1.0))
            .collect();
        if kept.len() < 8 {
            break;
        }
        fit = Line::fit(&kept)?;
        pts.retain(|p| fit.distance(p.0).abs() <= cut.max(1.0));
        if pts.len() < 8 {
            return None;
        }
    }
    Some((fit, pts.len() as f64 / samples.max(total) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bright page with straight edges on a darker desk.
    fn quad_image(w: u32, h: u32, q: [Point; 4]) -> GrayImage {
        let mut img = GrayImage::new(w, h, 90);
        let inside = |p: Point| {
            (0..4).all(|i| {
                let (a, b) = (q[i], q[(i + 1) % 4]);
                (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0.0
            })
        };
        for y in 0..h {
            for x in 0..w {
                // 4×4 supersampling for exact edge coverage.
                let mut n = 0;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let p = [
                            x as f64 + (sx as f64 + 0.5) / 4.0,
                            y as f64 + (sy as f64 + 0.5) / 4.0,
                        ];
                        n += inside(p) as u32;
                    }
                }
                img.data_mut()[(y * w + x) as usize] = (90 + (230 - 90) * n / 16) as u8;
            }
        }
        img
    }

    #[test]
    fn finds_the_corners_of_a_synthetic_page_to_a_pixel() {
        let q = [
            [210.3, 120.8],
            [1010.6, 160.2],
            [960.1, 1000.4],
            [180.7, 950.9],
        ];
        let img = quad_image(1280, 1080, q);
        let d = detect_page(&img);
        let c = d.corners.expect("a page");
        for (a, b) in c.iter().zip(&q) {
            assert!(dist(*a, *b) < 1.0, "{c:?}");
        }
        assert!(d.confidence > 0.5, "{}", d.confidence);
        assert!(!d.cut_off(1280, 1080));
    }

    #[test]
    fn a_page_running_out_of_the_frame_ends_at_the_frame_not_at_its_last_line_of_text() {
        // The bottom edge lies below the frame; the top of the last line of text is the
        // strongest bright-over-dark line near the bottom.
        let q = [
            [210.0, 120.0],
            [1010.0, 160.0],
            [1000.0, 1130.0],
            [200.0, 1100.0],
        ];
        let mut img = quad_image(1280, 1080, q);
        for top in (260..1040).step_by(120) {
            for y in top..top + 14 {
                for x in 280..940 {
                    img.data_mut()[y * 1280 + x] = 60;
                }
            }
        }
        let d = detect_page(&img);
        let c = d.corners.expect("a page");
        let want = [
            [210.0, 120.0],
            [1010.0, 160.0],
            [1000.52, 1080.0],
            [200.2, 1080.0],
        ];
        for (a, b) in c.iter().zip(&want) {
            assert!(dist(*a, *b) < 2.0, "{c:?}");
        }
        assert!(d.cut_off(1280, 1080));
    }

    #[test]
    fn a_uniform_or_tiny_image_has_no_page() {
        assert_eq!(
            detect_page(&GrayImage::new(640, 480, 200)).reason,
            Some("no_quadrilateral")
        );
        assert_eq!(
            detect_page(&GrayImage::new(1, 5000, 200)).reason,
            Some("image_too_small")
        );
    }
}
