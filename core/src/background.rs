//! Background normalisation: flattens uneven illumination, shadows and stains so that the paper
//! is ≈ 255 everywhere and a single threshold (or a contrast-based local one) fits the page.
//!
//! The background (paper) level is estimated on a coarse grid and divided out, the classic
//! flat-field correction used by Lu, Su & Tan (2010) and by most camera-document pipelines:
//!
//! 1. The page is cut into square cells (side derived from the image size). In each cell the
//!    *bright percentile* of the gray levels (the level that 1/8 of the pixels reach) is taken as
//!    the local paper level: text rarely covers more than 7/8 of a cell.
//! 2. Cells much darker than the page's paper (dark borders, pictures, large black areas) are not
//!    paper; they are filled from their neighbours.
//! 3. A grey-level closing (max then min over 3×3 cells) removes cells that were entirely under a
//!    heading or a blot, and a 1-2-1 smoothing removes the blockiness.
//! 4. Each pixel is scaled by `255 / bg(x, y)`, `bg` interpolated bilinearly between the cell
//!    centres, in 16.16 fixed point.
//!
//! Memory is one 256-bin histogram per cell column of a strip and the grid itself; all
//! arithmetic is integer, so the result is identical on every target. A clean white page has
//! `bg = 255` everywhere and comes out unchanged.

use crate::GrayImage;

/// Fraction of a cell's pixels (as 1/n) that must be at least as bright as its paper level.
const BRIGHT_FRACTION: u32 = 8;

/// The side of the background cells for a `w × h` page.
fn cell_side(w: u32, h: u32) -> usize {
    let area = w as u64 * h as u64;
    let side = (area as f64).sqrt() / 32.0;
    (side as usize).clamp(16, 128)
}

/// Flattens uneven illumination in place (see the module docs). Never panics; images smaller
/// than a couple of cells are still handled (the grid is then 1×1, a global gain).
pub fn normalize_background(img: &mut GrayImage) {
    flatten(img);
}

/// The paper levels a page was divided by: one per square cell of `cell` pixels, `gw × gh`
/// cells, row-major (what [`crate::deglare`] compares the cells' paper with).
pub(crate) struct PaperGrid {
    pub levels: Vec<u16>,
    pub cell: usize,
    pub gw: usize,
    pub gh: usize,
}

/// [`normalize_background`], returning the paper levels it divided by (`None` for an empty
/// image).
pub(crate) fn flatten(img: &mut GrayImage) -> Option<PaperGrid> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return None;
    }
    let c = cell_side(img.width(), img.height());
    let (gw, gh) = (w.div_ceil(c), h.div_ceil(c));
    let mut grid = estimate_grid(img, c, gw, gh);
    fill_dark_cells(&mut grid, gw, gh);
    close_and_smooth(&mut grid, gw, gh);
    apply(img, &grid, c, gw, gh);
    Some(PaperGrid {
        levels: grid,
        cell: c,
        gw,
        gh,
    })
}

/// Per-cell bright percentile. Large cells are sampled: every `step`-th pixel of every
/// `step`-th row, at least 32×32 of them (cells under 64 pixels are read whole).
fn estimate_grid(img: &GrayImage, c: usize, gw: usize, gh: usize) -> Vec<u16> {
    let w = img.width() as usize;
    let h = img.height() as usize;
    let mut grid = vec![255u16; gw * gh];
    let step = (c / 32).max(1);
    // Four interleaved sub-histograms avoid store-to-load stalls on runs of equal pixels (the
    // paper); one cell at a time, so they stay in L1.
    for gy in 0..gh {
        let y0 = gy * c;
        let y1 = (y0 + c).min(h);
        let rows = (y1 - y0).div_ceil(step);
        for gx in 0..gw {
            let (x0, x1) = (gx * c, ((gx + 1) * c).min(w));
            let mut h4 = [[0u32; 256]; 4];
            for y in (y0..y1).step_by(step) {
                let cell = &img.row(y as u32)[x0..x1];
                let mut quads = cell.chunks_exact(4 * step);
                for q in &mut quads {
                    h4[0][q[0] as usize] += 1;
                    h4[1][q[step] as usize] += 1;
                    h4[2][q[2 * step] as usize] += 1;
                    h4[3][q[3 * step] as usize] += 1;
                }
                for &p in quads.remainder().iter().step_by(step) {
                    h4[0][p as usize] += 1;
                }
            }
            let n = ((x1 - x0).div_ceil(step) * rows) as u32;
            let need = n.div_ceil(BRIGHT_FRACTION).max(1);
            let mut acc = 0u32;
            let mut level = 255usize;
            for v in (0..256).rev() {
                acc += h4[0][v] + h4[1][v] + h4[2][v] + h4[3][v];
                if acc >= need {
                    level = v;
                    break;
                }
            }
            grid[gy * gw + gx] = level as u16;
        }
    }
    grid
}

/// Replaces cells much darker than the page's paper level by the mean of their paper
/// neighbours (repeatedly, so large dark areas fill from their edges).
fn fill_dark_cells(grid: &mut [u16], gw: usize, gh: usize) {
    let mut sorted = grid.to_vec();
    crate::sort::sort_by(&mut sorted, |a, b| a < b);
    // The page's paper: the 3/4 quantile of the cells' levels.
    let paper = sorted[(sorted.len() * 3) / 4];
    let cutoff = paper * 2 / 5;
    let mut valid: Vec<bool> = grid.iter().map(|&v| v > cutoff).collect();
    if valid.iter().all(|&v| v) {
        return;
    }
    if !valid.iter().any(|&v| v) {
        grid.iter_mut().for_each(|v| *v = paper.max(1));
        return;
    }
    loop {
        let mut changed = false;
        let prev = valid.clone();
        for gy in 0..gh {
            for gx in 0..gw {
                let i = gy * gw + gx;
                if prev[i] {
                    continue;
                }
                let (mut s, mut n) = (0u32, 0u32);
                for ny in gy.saturating_sub(1)..(gy + 2).min(gh) {
                    for nx in gx.saturating_sub(1)..(gx + 2).min(gw) {
                        let j = ny * gw + nx;
                        if prev[j] {
                            s += grid[j] as u32;
                            n += 1;
                        }
                    }
                }
                if let Some(mean) = s.checked_div(n) {
                    grid[i] = mean as u16;
                    valid[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// 3×3 grey-level closing then a 1-2-1 smoothing of the grid.
fn close_and_smooth(grid: &mut [u16], gw: usize, gh: usize) {
    let filt = |src: &[u16], f: &dyn Fn(u16, u16) -> u16| -> Vec<u16> {
        let mut out = src.to_vec();
        for gy in 0..gh {
            for gx in 0..gw {
                let mut v = src[gy * gw + gx];
                for ny in gy.saturating_sub(1)..(gy + 2).min(gh) {
                    for nx in gx.saturating_sub(1)..(gx + 2).min(gw) {
                        v = f(v, src[ny * gw + nx]);
                    }
                }
                out[gy * gw + gx] = v;
            }
        }
        out
    };
    let dil = filt(grid, &|a, b| a.max(b));
    let clo = filt(&dil, &|a, b| a.min(b));
    // Separable 1-2-1 with edge replication.
    let mut tmp = clo.clone();
    for gy in 0..gh {
        for gx in 0..gw {
            let l = clo[gy * gw + gx.saturating_sub(1)] as u32;
            let m = clo[gy * gw + gx] as u32;
            let r = clo[gy * gw + (gx + 1).min(gw - 1)] as u32;
            tmp[gy * gw + gx] = ((l + 2 * m + r + 2) / 4) as u16;
        }
    }
    for gy in 0..gh {
        for gx in 0..gw {
            let u = tmp[gy.saturating_sub(1) * gw + gx] as u32;
            let m = tmp[gy * gw + gx] as u32;
            let d = tmp[(gy + 1).min(gh - 1) * gw + gx] as u32;
            grid[gy * gw + gx] = ((u + 2 * m + d + 2) / 4) as u16;
        }
    }
}

/// For coordinate `p` in `0..len`, the two cell indices around it and the weight (0..=256) of
/// the second, cells being `c` wide with centres at `i·c + c/2`.
#[inline]
pub(crate) fn interp(p: usize, c: usize, cells: usize) -> (usize, usize, u32) {
    // Position in cell units ×256 relative to the first centre: (p + ½ − c/2)/c · 256.
    let num = ((2 * p + 1) as i64 - c as i64) * 256;
    let t = (num.max(0) / (2 * c as i64)) as usize;
    let i0 = (t >> 8).min(cells - 1);
    if i0 + 1 >= cells {
        return (cells - 1, cells - 1, 0);
    }
    (i0, i0 + 1, (t & 255) as u32)
}

/// Fractional bits of the per-pixel gain.
const GAIN_BITS: u32 = 12;

/// Divides every pixel by the interpolated background.
///
/// The gain `255 / bg` (fixed point, [`GAIN_BITS`] fractional bits, `bg` clamped to ≥ 16 so
/// that nearly-black cells cannot explode the noise) is computed once per cell row, at the
/// cells' centre line, with `bg` interpolated linearly between the cell centres along it; each
/// pixel row then interpolates linearly between the gain rows of the two nearest centre lines
/// and scales its pixels. The per-pixel work is two u16×u16 products and a shift, in loops
/// that vectorise; a clean page (`bg = 255`, gain exactly 1) is left unchanged.
fn apply(img: &mut GrayImage, grid: &[u16], c: usize, gw: usize, gh: usize) {
    let w = img.width() as usize;
    let mut recip = [0u16; 256];
    for (b, r) in recip.iter_mut().enumerate() {
        let b = b.max(16) as u32;
        *r = (((255u32 << GAIN_BITS) + b / 2) / b) as u16;
    }
    let cols: Vec<(usize, usize, u32)> = (0..w).map(|x| interp(x, c, gw)).collect();
    let gains: Vec<Vec<u16>> = (0..gh)
        .map(|gy| {
            let row = &grid[gy * gw..(gy + 1) * gw];
            cols.iter()
                .map(|&(i0, i1, wx)| {
                    let bg = (row[i0] as u32 * (256 - wx) + row[i1] as u32 * wx + 128) >> 8;
                    recip[bg.min(255) as usize]
                })
                .collect()
        })
        .collect();
    for y in 0..img.height() as usize {
        let (j0, j1, wy) = interp(y, c, gh);
        let (g0, g1) = (&gains[j0][..w], &gains[j1][..w]);
        let (a, b) = ((256 - wy) as u16, wy as u16);
        let row = &mut img.row_mut(y as u32)[..w];
        for i in 0..w {
            // ≤ 65 280: fits u16, so both products are u16×u16 → u32 (pmullw/pmulhuw).
            let g = ((g0[i] as u32 * a as u32 + g1[i] as u32 * b as u32 + 128) >> 8) as u16;
            let v = (row[i] as u16 as u32 * g as u32 + (1 << (GAIN_BITS - 1))) >> GAIN_BITS;
            row[i] = v.min(255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_white_page_is_unchanged() {
        let mut img = GrayImage::new(300, 200, 255);
        for y in 50..60 {
            for x in 20..280 {
                if (x / 4) % 2 == 0 {
                    img.row_mut(y)[x] = 10;
                }
            }
        }
        let before = img.clone();
        normalize_background(&mut img);
        assert_eq!(img, before);
    }

    #[test]
    fn gradient_is_flattened() {
        // Paper from 120 (left) to 250 (right), ink at 40 % of the local paper level.
        let (w, h) = (400u32, 300u32);
        let mut img = GrayImage::new(w, h, 0);
        for y in 0..h {
            for x in 0..w {
                let paper = 120 + 130 * x / (w - 1);
                let ink = (y % 20 < 3) && (x % 10 < 6);
                img.row_mut(y)[x as usize] = if ink {
                    (paper * 2 / 5) as u8
                } else {
                    paper as u8
                };
            }
        }
        normalize_background(&mut img);
        let mut paper_min = 255u8;
        let mut ink_max = 0u8;
        for y in 0..h {
            for x in 0..w {
                let v = img.get(x, y);
                if (y % 20 < 3) && (x % 10 < 6) {
                    ink_max = ink_max.max(v);
                } else {
                    paper_min = paper_min.min(v);
                }
            }
        }
        assert!(paper_min >= 235, "paper {paper_min}");
        assert!(ink_max <= 120, "ink {ink_max}");
    }

    #[test]
    fn tiny_and_uniform_images() {
        for (w, h) in [(1, 1), (1, 7), (9, 1), (0, 5), (3, 0), (17, 13)] {
            let mut img = GrayImage::new(w, h, 200);
            normalize_background(&mut img);
            assert!(img.data().iter().all(|&v| v >= 250));
            let mut black = GrayImage::new(w, h, 0);
            normalize_background(&mut black);
            assert!(black.data().iter().all(|&v| v == 0));
        }
    }
}
