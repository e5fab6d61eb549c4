//! Glare: a highlight on glossy paper *adds* light. Dividing out the background (flat-field
//! correction, [`crate::normalize_background`]) undoes light that *multiplies* the page, so
//! under a highlight the paper comes out white but the ink stays lifted: text a hundred levels
//! below the paper elsewhere stands twenty below it there, and a threshold fit for the page
//! drops it.
//!
//! The additive model `I = R·L + G` has one more unknown per place than the multiplicative one:
//! the ink's level, which fixes `G` once the paper's is known. It is estimated on the grid of the
//! background (the level the darkest 1/128 of a cell's pixels reach, as a background estimate
//! takes a bright percentile, Lu, Su & Tan 2010). Where a cell's paper was lifted above the
//! page's (the highlight, not a grey box or a shadow, which are darker), its dark pixels are
//! strokes (steep steps, not the smooth shade of the desk at the page's edge), its ink is
//! shallower than the page's, and at least half of its neighbours are so too (a highlight is a
//! blob, not one cell at a line's end), the cell's contrast is stretched back:
//! `p' = 255 − (255 − p)·g`, `g = depth(page) / depth(cell)`, at most 4, smoothed and
//! interpolated between cell centres. The core of a highlight, clipped white, holds no ink to
//! restore: there the capture verdict's `glare` asks for a retake.
//!
//! The pipeline runs it on photos only (a page found and rectified, or clipped glare seen):
//! a scanner's lamp adds no highlight. Integer arithmetic only, so the result is the same on
//! every target; a page without lifted cells is left untouched.

use crate::background::{interp, PaperGrid};
use crate::GrayImage;

/// A cell's paper this many levels above the page's was lifted by a highlight.
const LIFT: u16 = 10;
/// Paper at or above this level is white: a highlight cannot be told from it.
const WHITE_PAPER: u16 = 235;
/// Ink less than this far below the paper is noise, not text.
const MIN_DEPTH: u16 = 16;
/// The largest stretch (noise grows with it).
const MAX_GAIN: u32 = 4 << GAIN_BITS;
/// Cells whose ink is within this ratio of the page's are left as they are (×256).
const MIN_GAIN: u32 = 5 << (GAIN_BITS - 2);
/// Of a stretched cell's eight neighbours, at least this many are stretched too.
const MIN_STRETCHED_NEIGHBOURS: u32 = 4;
/// Fractional bits of the gain.
const GAIN_BITS: u32 = 8;
/// The share (1/n) of a cell's pixels at or below its ink level.
const DARK_FRACTION: u32 = 128;
/// At least this share (1/n) of a cell's places are steep where its dark pixels are strokes.
const STROKE_FRACTION: u32 = 64;
/// Fewer cells of ordinary text than this, and the page's ink depth is not known.
const MIN_TEXT_CELLS: usize = 8;

/// [`normalize_background`](crate::normalize_background) for a photographed page: the paper
/// divided out, then the ink under a highlight stretched back to the page's depth (see the
/// module docs). Returns whether any ink was restored.
pub fn flatten_photo(img: &mut GrayImage) -> bool {
    match crate::background::flatten(img) {
        Some(paper) => deglare(img, &paper),
        None => false,
    }
}

/// Stretches the contrast back under a highlight (see the module docs); `img` has been
/// divided by `paper`. Returns whether any pixel changed.
pub(crate) fn deglare(img: &mut GrayImage, paper: &PaperGrid) -> bool {
    let PaperGrid {
        levels,
        cell: c,
        gw,
        gh,
    } = paper;
    let (c, gw, gh) = (*c, *gw, *gh);
    if levels.is_empty() || img.width() == 0 || img.height() == 0 {
        return false;
    }
    let page_paper = median(levels.clone());
    if page_paper >= WHITE_PAPER {
        return false;
    }
    let lifted: Vec<bool> = levels.iter().map(|&l| l >= page_paper + LIFT).collect();
    if !lifted.iter().any(|&l| l) {
        return false;
    }
    // A cell with a little text (a line's end) has a shallow percentile: its ink is taken as
    // deep as the deepest of its neighbours'.
    let depth = ink_depths(img, c, gw, gh);
    // The page's ink depth: the median over cells of text that no highlight lifted.
    let ordinary: Vec<u16> = depth
        .iter()
        .zip(&lifted)
        .filter(|&(&d, &l)| !l && d >= MIN_DEPTH)
        .map(|(&d, _)| d)
        .collect();
    if ordinary.len() < MIN_TEXT_CELLS {
        return false;
    }
    let page_depth = median(ordinary) as u32;
    let mut gain: Vec<u32> = depth
        .iter()
        .zip(&lifted)
        .enumerate()
        .map(|(i, (&d, &l))| {
            if !l || d < MIN_DEPTH || !has_strokes(img, c, i % gw, i / gw, d) {
                return 1 << GAIN_BITS;
            }
            let g = ((page_depth << GAIN_BITS) / d as u32).min(MAX_GAIN);
            if g < MIN_GAIN {
                1 << GAIN_BITS
            } else {
                g
            }
        })
        .collect();
    // A highlight spans many cells: a stretched cell with fewer than half of its neighbours
    // stretched too is a sparse corner of text, not glare.
    let stretched: Vec<bool> = gain.iter().map(|&g| g != 1 << GAIN_BITS).collect();
    for gy in 0..gh {
        for gx in 0..gw {
            let i = gy * gw + gx;
            if !stretched[i] {
                continue;
            }
            let mut n = 0;
            for ny in gy.saturating_sub(1)..(gy + 2).min(gh) {
                for nx in gx.saturating_sub(1)..(gx + 2).min(gw) {
                    n += stretched[ny * gw + nx] as u32;
                }
            }
            // `n` counts the cell itself.
            if n < 1 + MIN_STRETCHED_NEIGHBOURS {
                gain[i] = 1 << GAIN_BITS;
            }
        }
    }
    if gain.iter().all(|&g| g == 1 << GAIN_BITS) {
        return false;
    }
    smooth(&mut gain, gw, gh);
    apply(img, &gain, c, gw, gh);
    true
}

/// Per cell, how far the level that the darkest 1/[`DARK_FRACTION`] of its pixels reach lies
/// below white, from every `step`-th pixel of every `step`-th row.
fn ink_depths(img: &GrayImage, c: usize, gw: usize, gh: usize) -> Vec<u16> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let step = (c / 32).max(1);
    let mut out = vec![0u16; gw * gh];
    for gy in 0..gh {
        let (y0, y1) = (gy * c, ((gy + 1) * c).min(h));
        for gx in 0..gw {
            let (x0, x1) = (gx * c, ((gx + 1) * c).min(w));
            let mut hist = [0u32; 256];
            let mut n = 0u32;
            for y in (y0..y1).step_by(step) {
                for &p in img.row(y as u32)[x0..x1].iter().step_by(step) {
                    hist[p as usize] += 1;
                    n += 1;
                }
            }
            let need = n.div_ceil(DARK_FRACTION).max(1);
            let mut acc = 0u32;
            let mut level = 255u16;
            for (v, &k) in hist.iter().enumerate() {
                acc += k;
                if acc >= need {
                    level = v as u16;
                    break;
                }
            }
            out[gy * gw + gx] = 255 - level;
        }
    }
    out
}

/// Whether the dark pixels of cell (`gx`, `gy`) are strokes, with steps of a third of their
/// `depth` within 2 pixels at 1/[`STROKE_FRACTION`] of the places sampled, and not a smooth
/// shade (the desk's shadow at the page's edge, which a threshold must not darken).
fn has_strokes(img: &GrayImage, c: usize, gx: usize, gy: usize, depth: u16) -> bool {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let step = (c / 32).max(1);
    let (x0, x1) = (gx * c, ((gx + 1) * c).min(w));
    let (y0, y1) = (gy * c, ((gy + 1) * c).min(h));
    if x1 < x0 + 3 {
        return false;
    }
    let t = (depth / 3).max(MIN_DEPTH / 2);
    let (mut n, mut steep) = (0u32, 0u32);
    for y in (y0..y1).step_by(step) {
        let row = &img.row(y as u32)[x0..x1];
        for (a, b) in row.iter().zip(&row[2..]).step_by(step) {
            n += 1;
            steep += (a.abs_diff(*b) as u16 >= t) as u32;
        }
    }
    steep * STROKE_FRACTION >= n
}

/// The median of `v` (not empty).
fn median(mut v: Vec<u16>) -> u16 {
    let mid = v.len() / 2;
    *v.select_nth_unstable(mid).1
}

/// A 1-2-1 smoothing of the gain grid, so that a cell's stretch fades into its neighbours'.
fn smooth(g: &mut [u32], gw: usize, gh: usize) {
    let mut tmp = g.to_vec();
    for gy in 0..gh {
        for gx in 0..gw {
            let l = g[gy * gw + gx.saturating_sub(1)];
            let r = g[gy * gw + (gx + 1).min(gw - 1)];
            tmp[gy * gw + gx] = (l + 2 * g[gy * gw + gx] + r + 2) / 4;
        }
    }
    for gy in 0..gh {
        for gx in 0..gw {
            let u = tmp[gy.saturating_sub(1) * gw + gx];
            let d = tmp[(gy + 1).min(gh - 1) * gw + gx];
            g[gy * gw + gx] = (u + 2 * tmp[gy * gw + gx] + d + 2) / 4;
        }
    }
}

/// `p' = 255 − (255 − p)·g` with `g` interpolated bilinearly between the cell centres; rows
/// whose gains are all 1 are skipped.
fn apply(img: &mut GrayImage, gain: &[u32], c: usize, gw: usize, gh: usize) {
    let w = img.width() as usize;
    let one = 1u32 << GAIN_BITS;
    let cols: Vec<(usize, usize, u32)> = (0..w).map(|x| interp(x, c, gw)).collect();
    let rows: Vec<Option<Vec<u32>>> = (0..gh)
        .map(|gy| {
            let g = &gain[gy * gw..(gy + 1) * gw];
            g.iter().any(|&v| v != one).then(|| {
                cols.iter()
                    .map(|&(i0, i1, wx)| (g[i0] * (256 - wx) + g[i1] * wx + 128) >> 8)
                    .collect()
            })
        })
        .collect();
    let ones = vec![one; w];
    for y in 0..img.height() as usize {
        let (j0, j1, wy) = interp(y, c, gh);
        if rows[j0].is_none() && rows[j1].is_none() {
            continue;
        }
        let g0 = rows[j0].as_deref().unwrap_or(&ones);
        let g1 = rows[j1].as_deref().unwrap_or(&ones);
        let (g0, g1) = (&g0[..w], &g1[..w]);
        let row = &mut img.row_mut(y as u32)[..w];
        for i in 0..w {
            let g = (g0[i] * (256 - wy) + g1[i] * wy + 128) >> 8;
            let d = ((255 - row[i] as u32) * g + (one >> 1)) >> GAIN_BITS;
            row[i] = 255 - d.min(255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::background::flatten;

    /// Grey paper (200) with lines of ink (60), and a highlight over the middle third of its
    /// width that adds light: `v + (300 − v)·s`, clipped at 255.
    fn page(strength: f32) -> (GrayImage, Vec<bool>) {
        let (w, h) = (900u32, 600u32);
        let mut img = GrayImage::new(w, h, 0);
        let mut ink = vec![false; (w * h) as usize];
        for y in 0..h {
            for x in 0..w {
                let is_ink = (y % 24 < 4) && (x % 9 < 4);
                let v = if is_ink { 60.0 } else { 200.0 };
                let s = if (300..600).contains(&x) {
                    strength
                } else {
                    0.0
                };
                let v: f32 = v + (300.0 - v) * s;
                img.row_mut(y)[x as usize] = v.min(255.0) as u8;
                ink[(y * w + x) as usize] = is_ink;
            }
        }
        (img, ink)
    }

    /// The largest ink level and the smallest paper level in columns `xs`, away from the
    /// band's edges.
    fn levels(img: &GrayImage, ink: &[bool], xs: std::ops::Range<u32>) -> (u8, u8) {
        let (mut ink_max, mut paper_min) = (0u8, 255u8);
        for y in 0..img.height() {
            for x in xs.clone() {
                let v = img.get(x, y);
                if ink[(y * img.width() + x) as usize] {
                    ink_max = ink_max.max(v);
                } else {
                    paper_min = paper_min.min(v);
                }
            }
        }
        (ink_max, paper_min)
    }

    #[test]
    fn the_ink_under_a_highlight_is_as_dark_as_elsewhere() {
        // Under the highlight: ink 60 → 156, paper 200 → 240; divided by the paper, the ink
        // stands at 166, against 77 elsewhere.
        let (mut img, ink) = page(0.4);
        let grid = flatten(&mut img).unwrap();
        let (before, _) = levels(&img, &ink, 380..520);
        assert!(before > 150, "ink under the highlight {before}");
        assert!(deglare(&mut img, &grid));
        let (under, paper_under) = levels(&img, &ink, 380..520);
        let (elsewhere, _) = levels(&img, &ink, 20..200);
        assert!(under <= elsewhere + 25, "ink {under} against {elsewhere}");
        assert!(paper_under >= 240, "paper {paper_under}");
    }

    #[test]
    fn a_page_without_a_highlight_is_untouched() {
        let (mut img, _) = page(0.0);
        let grid = flatten(&mut img).unwrap();
        let before = img.clone();
        assert!(!deglare(&mut img, &grid));
        assert_eq!(img, before);
        // White paper (a scan): no highlight can be seen on it.
        let mut white = GrayImage::new(400, 300, 250);
        let grid = flatten(&mut white).unwrap();
        assert!(!deglare(&mut white, &grid));
    }

    #[test]
    fn a_grey_box_is_not_darkened() {
        // Text on grey paper with a lighter-than-ink grey box: the box's paper is darker than
        // the page's, not lifted, so nothing is stretched.
        let (mut img, _) = page(0.0);
        for y in 200..400 {
            for x in 300..600 {
                img.row_mut(y)[x] = 150;
            }
        }
        let grid = flatten(&mut img).unwrap();
        let before = img.clone();
        deglare(&mut img, &grid);
        assert_eq!(img.get(450, 300), before.get(450, 300));
    }

    #[test]
    fn strokes_are_told_from_a_smooth_shade() {
        // The page's edge in a photo may hold the desk's shadow, shaded smoothly: as deep as
        // lifted ink, but no strokes, so it is never stretched darker.
        let mut shade = GrayImage::new(64, 64, 255);
        for y in 0..64 {
            for x in 0..64usize {
                shade.row_mut(y)[x] = (180 + x) as u8;
            }
        }
        assert!(!has_strokes(&shade, 64, 0, 0, 75));
        // Strokes 2 px wide every 8 px, 40 levels deep: steep on both sides.
        let mut text = GrayImage::new(64, 64, 255);
        for y in 0..64 {
            for x in 0..64usize {
                if x % 8 < 2 {
                    text.row_mut(y)[x] = 215;
                }
            }
        }
        assert!(has_strokes(&text, 64, 0, 0, 40));
        // A cell too narrow to tell.
        assert!(!has_strokes(&text, 64, 1, 0, 40));
    }
}
