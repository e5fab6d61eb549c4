//! Stroke-edge local threshold, after B. Su, S. Lu & C. L. Tan, "Robust document image
//! binarization technique for degraded document images", IEEE Trans. Image Processing 22(4), 2013
//! and S. Lu, B. Su & C. L. Tan, "Document image binarization using background estimation and
//! stroke edges", IJDAR 13(4), 2010 (the DIBCO 2009 winner).
//!
//! 1. **Contrast**: the local max − min over a 3×3 neighbourhood (on the background-normalised
//!    page, where paper ≈ 255, plain max − min is already illumination-independent).
//! 2. **Stroke edges**: Otsu's threshold on the contrast histogram separates the high-contrast
//!    pixels that straddle a stroke boundary (both the ink side and the paper side) from the rest.
//! 3. **Local threshold**: in a window sized from the estimated stroke width, a pixel is ink when
//!    enough edge pixels surround it (`Ne ≥ Nmin`) and it is darker than
//!    `mean(edge) + std(edge)/2`: the edge pixels sample both sides of nearby strokes, so their
//!    mean sits between the local ink and paper levels whatever the contrast or illumination.
//!    Pixels with too few edges around them are paper (this removes smooth stains, bleed-through
//!    halos and noise), except very dark ones (the interior of strokes wider than the window).
//!
//! Everything is streamed: the contrast rows are recomputed from three image rows, the edge
//! flags and edge intensities of the `2r+1` rows under the window live in small ring buffers,
//! and the window sums are u32 column accumulators. The test `p ≤ mean + std/2` is done exactly
//! in 64-bit integers (`4·(p·Ne − Σ)² ≤ Ne·Σ² − Σ²`), so there is no float at all.

use super::otsu::otsu_threshold;
use crate::{BitImage, GrayImage};

/// Tunables of the edge method, derived from the image by [`super::binarize`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct EdgeParams {
    /// Block side: the window of a pixel is the 3×3 blocks around it.
    pub block: usize,
    /// Minimum number of edge pixels in the window for a pixel to be considered at all.
    pub min_edges: u32,
    /// Pixels at or below this level are ink even without edges around (wide strokes).
    pub dark: u8,
    /// Pixels above this level are never ink (paper texture, noise, stains lighter than ink).
    pub light: u8,
}

/// Writes the 3×3 max − min contrast of row `y` into `out`.
fn contrast_row(img: &GrayImage, y: usize, hmax: &mut [u8], hmin: &mut [u8], out: &mut [u8]) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let y0 = y.saturating_sub(1);
    let y1 = (y + 1).min(h - 1);
    // Vertical max/min of the (up to) three rows, then horizontal max/min of three columns.
    hmax.copy_from_slice(img.row(y0 as u32));
    hmin.copy_from_slice(img.row(y0 as u32));
    for yy in y0 + 1..=y1 {
        for ((a, b), &p) in hmax.iter_mut().zip(hmin.iter_mut()).zip(img.row(yy as u32)) {
            *a = (*a).max(p);
            *b = (*b).min(p);
        }
    }
    if w == 1 {
        out[0] = hmax[0] - hmin[0];
        return;
    }
    out[0] = hmax[0].max(hmax[1]) - hmin[0].min(hmin[1]);
    out[w - 1] = hmax[w - 2].max(hmax[w - 1]) - hmin[w - 2].min(hmin[w - 1]);
    // Interior: zipped shifted slices so the compiler can vectorise without bounds checks.
    let n = w - 2;
    let (a0, a1, a2) = (&hmax[..n], &hmax[1..n + 1], &hmax[2..n + 2]);
    let (b0, b1, b2) = (&hmin[..n], &hmin[1..n + 1], &hmin[2..n + 2]);
    for (i, o) in out[1..n + 1].iter_mut().enumerate() {
        let mx = a0[i].max(a1[i]).max(a2[i]);
        let mn = b0[i].min(b1[i]).min(b2[i]);
        *o = mx - mn;
    }
}

/// Otsu's threshold of the contrast histogram: contrasts above it are stroke edges. On tall
/// images every other row is enough for a histogram.
pub(crate) fn edge_threshold(img: &GrayImage) -> u8 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut hist = [0u64; 256];
    let (mut a, mut b, mut c) = (vec![0u8; w], vec![0u8; w], vec![0u8; w]);
    let step = if h > 1024 {
        4
    } else if h > 256 {
        2
    } else {
        1
    };
    for y in (0..h).step_by(step) {
        contrast_row(img, y, &mut a, &mut b, &mut c);
        for &v in &c {
            hist[v as usize] += 1;
        }
    }
    otsu_threshold(&hist).map_or(255, |t| t as u8)
}

/// Edge statistics of one block: edge count, Σ intensity, Σ intensity².
#[derive(Clone, Copy, Default)]
struct Block {
    n: u32,
    s: u32,
    q: u64,
}

impl Block {
    #[inline]
    fn add(&mut self, o: &Block) {
        self.n += o.n;
        self.s += o.s;
        self.q += o.q;
    }
}

/// Binarizes with the stroke-edge method; `tc` is the contrast threshold (edges are `> tc`).
///
/// The statistics are gathered per `b×b` block (`b = p.block`) and the window of a pixel is the
/// 3×3 blocks around its own, so each block gets one threshold, `floor(mean + std/2)` computed
/// exactly with an integer square root. Only three block rows are alive at a time.
pub(crate) fn binarize_edge(img: &GrayImage, tc: u8, p: &EdgeParams) -> BitImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = BitImage::new(img.width(), img.height());
    if w == 0 || h == 0 {
        return out;
    }
    // ≤ 256 keeps the u16 column sums (≤ 255·b) from overflowing.
    let b = p.block.clamp(1, 256);
    let (gw, gh) = (w.div_ceil(b), h.div_ceil(b));
    // Ring of three block rows of raw stats, and their horizontal 3-sums.
    let mut raw = vec![Block::default(); 3 * gw];
    let mut hsum = vec![Block::default(); 3 * gw];
    let (mut ta, mut tb, mut con) = (vec![0u8; w], vec![0u8; w], vec![0u8; w]);
    let mut thr = vec![0u8; gw];
    let mut thr_px = vec![0u8; w];
    // Per-column sums over the rows of the current block row, reduced to blocks at its end.
    let (mut cn, mut cs, mut cq) = (vec![0u16; w], vec![0u16; w], vec![0u32; w]);
    let (mut flag_row, mut val_row) = (vec![0u8; w], vec![0u8; w]);
    let mut accumulate = |gy: usize,
                          raw: &mut [Block],
                          hsum: &mut [Block],
                          ta: &mut [u8],
                          tb: &mut [u8],
                          con: &mut [u8]| {
        let slot = (gy % 3) * gw;
        cn.fill(0);
        cs.fill(0);
        cq.fill(0);
        for y in gy * b..((gy + 1) * b).min(h) {
            contrast_row(img, y, ta, tb, con);
            let src = img.row(y as u32);
            // Simple single-width loops over equal-length slices: each one vectorises.
            let (fl, vl) = (&mut flag_row[..w], &mut val_row[..w]);
            let (con, src) = (&con[..w], &src[..w]);
            for i in 0..w {
                let e = con[i] > tc;
                fl[i] = e as u8;
                vl[i] = if e { src[i] } else { 0 };
            }
            let (cn, cs, cq) = (&mut cn[..w], &mut cs[..w], &mut cq[..w]);
            for i in 0..w {
                cn[i] += fl[i] as u16;
            }
            for i in 0..w {
                cs[i] += vl[i] as u16;
            }
            for i in 0..w {
                let v = vl[i] as u16;
                cq[i] += (v * v) as u32;
            }
        }
        let row = &mut raw[slot..slot + gw];
        for (((blk, n), s), q) in row
            .iter_mut()
            .zip(cn.chunks(b))
            .zip(cs.chunks(b))
            .zip(cq.chunks(b))
        {
            *blk = Block {
                n: n.iter().map(|&v| v as u32).sum(),
                s: s.iter().map(|&v| v as u32).sum(),
                q: q.iter().map(|&v| v as u64).sum(),
            };
        }
        let hs = &mut hsum[slot..slot + gw];
        for gx in 0..gw {
            let mut acc = row[gx];
            if gx > 0 {
                acc.add(&row[gx - 1]);
            }
            if gx + 1 < gw {
                acc.add(&row[gx + 1]);
            }
            hs[gx] = acc;
        }
    };
    accumulate(0, &mut raw, &mut hsum, &mut ta, &mut tb, &mut con);
    let min_edges = p.min_edges as u64;
    for gy in 0..gh {
        if gy + 1 < gh {
            accumulate(gy + 1, &mut raw, &mut hsum, &mut ta, &mut tb, &mut con);
        }
        // Threshold of each block from its 3×3 neighbourhood.
        for (gx, t) in thr.iter_mut().enumerate() {
            let mut acc = hsum[(gy % 3) * gw + gx];
            if gy > 0 {
                acc.add(&hsum[((gy - 1) % 3) * gw + gx]);
            }
            if gy + 1 < gh {
                acc.add(&hsum[((gy + 1) % 3) * gw + gx]);
            }
            let n = acc.n as u64;
            *t = if n >= min_edges && n > 0 {
                // p ≤ mean + std/2 ⇔ 2(p·n − s) ≤ √(n·q − s²) ⇔ p ≤ (2s + ⌊√V⌋) / 2n.
                let s = acc.s as u64;
                let v = (n * acc.q).saturating_sub(s * s);
                let t = (2 * s + v.isqrt()) / (2 * n);
                t.min(p.light as u64) as u8
            } else {
                p.dark
            };
        }
        for (chunk, &t) in thr_px.chunks_mut(b).zip(&thr) {
            chunk.fill(t);
        }
        for y in gy * b..((gy + 1) * b).min(h) {
            pack_row_thresholds(img.row(y as u32), &thr_px, &mut ta, out.row_mut(y as u32));
        }
    }
    out
}

/// Packs one gray row into bits with a threshold per pixel: `src[x] <= thr[x]` is ink.
/// `mask` is scratch of the row's length.
#[inline]
fn pack_row_thresholds(src: &[u8], thr: &[u8], mask: &mut [u8], dst: &mut [u8]) {
    let n = src.len().min(thr.len()).min(mask.len());
    let (src, thr, mask) = (&src[..n], &thr[..n], &mut mask[..n]);
    for i in 0..n {
        mask[i] = (src[i] <= thr[i]) as u8;
    }
    pack_ones(mask, dst);
}

/// Packs bytes that are 0 or 1 into bits, MSB first: eight bytes at a time with one multiply
/// (byte `k` of the little-endian word lands on bit `7 − k` of the top byte).
#[inline]
pub(crate) fn pack_ones(mask: &[u8], dst: &mut [u8]) {
    let mut chunks = mask.chunks_exact(8);
    for (d, c) in dst.iter_mut().zip(&mut chunks) {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        let v = u64::from_le_bytes(a);
        *d = (v.wrapping_mul(0x8040_2010_0804_0201) >> 56) as u8;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = 0u8;
        for (i, &m) in rest.iter().enumerate() {
            b |= (m & 1) << (7 - i);
        }
        if let Some(d) = dst.get_mut(mask.len() / 8) {
            *d = b;
        }
    }
}
