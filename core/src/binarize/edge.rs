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
//!    On a page smoothed against sensor noise the threshold is the mean itself: there the
//!    deviation is mostly noise, and half of it made the strokes bold and merged; and the
//!    contrast threshold of step 2 is lowered, since smoothing took most from faint edges.
//!    Pixels with too few edges around them are paper (this removes smooth stains, bleed-through
//!    halos and noise), except very dark ones (the interior of strokes wider than the window).
//!
//! Everything is streamed: the contrast rows are recomputed from three image rows, the edge
//! flags and edge intensities of the `2r+1` rows under the window live in small ring buffers,
//! and the window sums are u32 column accumulators. The test `p ≤ mean + std/2` is done exactly
//! in 64-bit integers (`4·(p·Ne − Σ)² ≤ Ne·Σ² − Σ²`), so there is no float at all.

use super::otsu::{otsu_threshold, Histogram};
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
    /// The threshold is the edge pixels' mean, without half their deviation: for a page that
    /// was smoothed against noise, where the deviation is mostly noise and strokes came out
    /// bold and merged.
    pub at_mean: bool,
}

/// Writes the 3×3 max − min contrast of row `y` into `out` (`vmax`, `vmin`: scratch of the
/// row's length). Rows outside the image are left out of the neighbourhood.
fn contrast_row(img: &GrayImage, y: usize, vmax: &mut [u8], vmin: &mut [u8], out: &mut [u8]) {
    let h = img.height() as usize;
    let up = img.row(y.saturating_sub(1) as u32);
    let mid = img.row(y as u32);
    let dn = img.row((y + 1).min(h - 1) as u32);
    contrast_of_rows(up, mid, dn, vmax, vmin, out);
}

/// The 3×3 max − min contrast of `mid`, its neighbours being `up` and `dn` (at the image's
/// border, pass `mid` itself for the missing row: max and min are idempotent).
fn contrast_of_rows(
    up: &[u8],
    mid: &[u8],
    dn: &[u8],
    vmax: &mut [u8],
    vmin: &mut [u8],
    out: &mut [u8],
) {
    let w = mid.len();
    let (up, dn) = (&up[..w], &dn[..w]);
    let (vmax, vmin, out) = (&mut vmax[..w], &mut vmin[..w], &mut out[..w]);
    // Vertical max/min of the three rows, then horizontal max/min of three columns; each loop
    // walks equal-length slices so that it vectorises without bounds checks.
    for i in 0..w {
        let (a, b, c) = (up[i], mid[i], dn[i]);
        vmax[i] = a.max(b).max(c);
        vmin[i] = a.min(b).min(c);
    }
    if w == 1 {
        out[0] = vmax[0] - vmin[0];
        return;
    }
    out[0] = vmax[0].max(vmax[1]) - vmin[0].min(vmin[1]);
    out[w - 1] = vmax[w - 2].max(vmax[w - 1]) - vmin[w - 2].min(vmin[w - 1]);
    let n = w - 2;
    let (a0, a1, a2) = (&vmax[..n], &vmax[1..n + 1], &vmax[2..n + 2]);
    let (b0, b1, b2) = (&vmin[..n], &vmin[1..n + 1], &vmin[2..n + 2]);
    let o = &mut out[1..n + 1];
    for i in 0..n {
        let mx = a0[i].max(a1[i]).max(a2[i]);
        let mn = b0[i].min(b1[i]).min(b2[i]);
        o[i] = mx - mn;
    }
}

/// Otsu's threshold of the contrast histogram: contrasts above it are stroke edges. On tall
/// images every other row is enough for a histogram.
pub(crate) fn edge_threshold(img: &GrayImage) -> u8 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut hist = Histogram::new();
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
        hist.add(&c);
    }
    otsu_threshold(&hist.totals()).map_or(255, |t| t as u8)
}

/// `⌊√v⌋`, exactly: an IEEE square root (correctly rounded, so identical on every target)
/// corrected by at most a step or two in integers.
#[inline]
fn isqrt(v: u64) -> u64 {
    let mut r = (v as f64).sqrt() as u64;
    while r > 0 && r * r > v {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= v {
        r += 1;
    }
    r
}

/// The threshold of a window with `n > 0` edge pixels of intensity sum `s` and square sum `q`:
/// `⌊mean + std/2⌋ = ⌊(2s + ⌊√(n·q − s²)⌋) / 2n⌋`, exactly (`at_mean`: `⌊mean⌋`, the same with
/// the root left out).
///
/// p ≤ mean + std/2 ⇔ 2(p·n − s) ≤ √(n·q − s²) ⇔ p ≤ (2s + ⌊√V⌋) / 2n for integer p.
#[inline]
fn window_threshold(n: u64, s: u64, q: u64, at_mean: bool) -> u64 {
    let v = if at_mean {
        0
    } else {
        (n * q).saturating_sub(s * s)
    };
    let num = 2 * s + isqrt(v);
    let den = 2 * n;
    // Both are below 2^53, so the IEEE quotient is within one unit of the last place: its floor
    // is exact unless rounding crossed an integer, which the integer checks undo.
    let mut t = (num as f64 / den as f64) as u64;
    if t * den > num {
        t -= 1;
    } else if (t + 1) * den <= num {
        t += 1;
    }
    t
}

/// [`window_threshold`] for the small sums of the packed path (`n ≤ 2304`, `s < 2^20`,
/// `q < 2^28`), branch-free so that it vectorises, for every block whether or not it is used
/// (`n = 0` gives 0). Every integer involved is below 2^53, so `n·q − s²` and the checks are
/// exact in f64. The IEEE square root and quotient, rounded to an integer by the 2^52 trick
/// (no float-to-int conversion), give a candidate within one of the floor, which the exact
/// checks `(2n·t − 2s)² ≤ V < (2n·(t+1) − 2s)²` correct.
#[inline]
fn packed_threshold(n: i32, s: i32, q: i32, at_mean: bool) -> i32 {
    const MAGIC: f64 = 4_503_599_627_370_496.0; // 2^52
    let (nf, sf, qf) = (n as f64, s as f64, q as f64);
    let v = if at_mean {
        0.0
    } else {
        (nf * qf - sf * sf).max(0.0)
    };
    let den = 2.0 * nf.max(1.0);
    let r = (2.0 * sf + v.sqrt()) / den + MAGIC;
    let tf = r - MAGIC;
    let t = r.to_bits() as u32 as i32;
    // t too high: 2n·t > 2s + √V ⇔ a = 2n·t − 2s > 0 and a² > V.
    let a = den * tf - 2.0 * sf;
    let high = (a > 0.0) & (a * a > v);
    // t too low: 2n·(t+1) ≤ 2s + √V ⇔ c = a + 2n ≤ 0 or c² ≤ V.
    let c = a + den;
    let low = (c <= 0.0) | (c * c <= v);
    t - high as i32 + (low & !high) as i32
}

/// Per-column edge statistics over the rows of one block row, and the row scratch.
struct Columns {
    /// Edge count per column.
    cn: Vec<u16>,
    /// Σ intensity of the edge pixels per column (≤ 255·256).
    cs: Vec<u16>,
    /// Σ intensity² of the edge pixels per column.
    cq: Vec<u32>,
    vmax: Vec<u8>,
    vmin: Vec<u8>,
    con: Vec<u8>,
}

impl Columns {
    fn new(w: usize) -> Self {
        Columns {
            cn: vec![0; w],
            cs: vec![0; w],
            cq: vec![0; w],
            vmax: vec![0; w],
            vmin: vec![0; w],
            con: vec![0; w],
        }
    }

    /// Replaces the column sums by those of rows `y0..y1` (`y0 < y1`); edges are contrasts `> tc`.
    fn gather(&mut self, img: &GrayImage, y0: usize, y1: usize, tc: u8) {
        let w = img.width() as usize;
        for y in y0..y1 {
            contrast_row(img, y, &mut self.vmax, &mut self.vmin, &mut self.con);
            let src = &img.row(y as u32)[..w];
            let con = &self.con[..w];
            let (cn, cs, cq) = (&mut self.cn[..w], &mut self.cs[..w], &mut self.cq[..w]);
            // Branch-free, single-pass loops that vectorise: `m` is 0xFF on an edge, else 0.
            if y == y0 {
                for i in 0..w {
                    let m = 0u8.wrapping_sub((con[i] > tc) as u8);
                    let v = src[i] & m;
                    cn[i] = (m & 1) as u16;
                    cs[i] = v as u16;
                    cq[i] = (v as u16 * v as u16) as u32;
                }
            } else {
                for i in 0..w {
                    let m = 0u8.wrapping_sub((con[i] > tc) as u8);
                    let v = src[i] & m;
                    cn[i] += (m & 1) as u16;
                    cs[i] += v as u16;
                    cq[i] += (v as u16 * v as u16) as u32;
                }
            }
        }
    }
}

/// Largest block side for which the statistics of 3×3 blocks fit packed in one u64.
const PACKED_MAX_BLOCK: usize = 16;
/// Packed layout: edge count in bits 48.., Σ intensity in bits 28..48, Σ intensity² in 0..28.
/// For `b ≤ 16` a 3×3-block window holds at most 2304 edges, Σ ≤ 587 520 < 2^20 and
/// Σ² ≤ 149 817 600 < 2^28, so the fields never carry into each other.
const N_SHIFT: u32 = 48;
const S_SHIFT: u32 = 28;

/// Binarizes with the stroke-edge method; `tc` is the contrast threshold (edges are `> tc`).
///
/// The statistics are gathered per `b×b` block (`b = p.block`) and the window of a pixel is the
/// 3×3 blocks around its own, so each block gets one threshold, `floor(mean + std/2)` computed
/// exactly in integers. Only three block rows are alive at a time.
pub(crate) fn binarize_edge(img: &GrayImage, tc: u8, p: &EdgeParams) -> BitImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return BitImage::new(img.width(), img.height());
    }
    // ≤ 256 keeps the u16 column sums (≤ 255·b) from overflowing.
    let b = p.block.clamp(1, 256);
    if b <= PACKED_MAX_BLOCK {
        binarize_edge_packed(img, tc, p, b)
    } else {
        binarize_edge_wide(img, tc, p, b)
    }
}

/// Writes the rows of block row `gy` given the threshold of each of its blocks.
#[allow(clippy::too_many_arguments)] // scratch buffers passed in to avoid per-row allocation
fn emit_block_row(
    img: &GrayImage,
    gy: usize,
    b: usize,
    thr: &[u8],
    block_of: &[u32],
    thr_px: &mut [u8],
    mask: &mut [u8],
    out: &mut BitImage,
) {
    let h = img.height() as usize;
    expand(thr, b, block_of, thr_px);
    for y in gy * b..((gy + 1) * b).min(h) {
        pack_row_thresholds(img.row(y as u32), thr_px, mask, out.row_mut(y as u32));
    }
}

/// Writes `thr[x / b]` into `px[x]`: each block's threshold over its `b` columns.
fn expand(thr: &[u8], b: usize, block_of: &[u32], px: &mut [u8]) {
    /// With the block side known at compile time each block is one fixed-size store.
    fn fixed<const B: usize>(thr: &[u8], px: &mut [u8]) {
        let full = px.len() / B;
        let mut chunks = px.chunks_exact_mut(B);
        for (c, &t) in (&mut chunks).zip(thr) {
            c.copy_from_slice(&[t; B]);
        }
        let rest = chunks.into_remainder();
        if let Some(&t) = thr.get(full) {
            rest.fill(t);
        }
    }
    match b {
        1 => px.copy_from_slice(&thr[..px.len()]),
        2 => fixed::<2>(thr, px),
        3 => fixed::<3>(thr, px),
        4 => fixed::<4>(thr, px),
        5 => fixed::<5>(thr, px),
        6 => fixed::<6>(thr, px),
        7 => fixed::<7>(thr, px),
        8 => fixed::<8>(thr, px),
        9 => fixed::<9>(thr, px),
        10 => fixed::<10>(thr, px),
        11 => fixed::<11>(thr, px),
        12 => fixed::<12>(thr, px),
        _ => {
            for (t, &g) in px.iter_mut().zip(block_of) {
                *t = thr[g as usize];
            }
        }
    }
}

/// The threshold of a block from its window's statistics.
#[inline]
fn block_threshold(n: u64, s: u64, q: u64, min_edges: u64, p: &EdgeParams) -> u8 {
    if n >= min_edges {
        window_threshold(n, s, q, p.at_mean).min(p.light as u64) as u8
    } else {
        p.dark
    }
}

/// [`binarize_edge`] for blocks of at most [`PACKED_MAX_BLOCK`] pixels: the three statistics
/// of a block live packed in one u64, so that window sums are single additions, and the
/// horizontal 3-block sums are differences of a running (wrapping) prefix sum.
fn binarize_edge_packed(img: &GrayImage, tc: u8, p: &EdgeParams, b: usize) -> BitImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = BitImage::new(img.width(), img.height());
    let (gw, gh) = (w.div_ceil(b), h.div_ceil(b));
    let mut cols = Columns::new(w);
    let mut prefix = vec![0u64; w + 1];
    // Ring of three block rows of horizontal 3-block sums.
    let mut hsum = vec![0u64; 3 * gw];
    let mut thr = vec![0u8; gw];
    let mut thr_px = vec![0u8; w];
    let mut mask = vec![0u8; w];
    let block_of: Vec<u32> = (0..w).map(|x| (x / b) as u32).collect();
    let mut accumulate = |gy: usize, hsum: &mut [u64]| {
        cols.gather(img, gy * b, ((gy + 1) * b).min(h), tc);
        let (cn, cs, cq) = (&cols.cn[..w], &cols.cs[..w], &cols.cq[..w]);
        // Pack (vectorises), then the running sum (one add per column).
        for (pre, ((&n, &s), &q)) in prefix[1..].iter_mut().zip(cn.iter().zip(cs).zip(cq)) {
            *pre = ((n as u64) << N_SHIFT) | ((s as u64) << S_SHIFT) | q as u64;
        }
        let mut acc = 0u64;
        for pre in prefix[1..].iter_mut() {
            acc = acc.wrapping_add(*pre);
            *pre = acc;
        }
        let hs = &mut hsum[(gy % 3) * gw..(gy % 3 + 1) * gw];
        for (gx, o) in hs.iter_mut().enumerate() {
            let lo = gx.saturating_sub(1) * b;
            let hi = ((gx + 2) * b).min(w);
            *o = prefix[hi].wrapping_sub(prefix[lo]);
        }
    };
    accumulate(0, &mut hsum);
    let min_edges = (p.min_edges as u64).max(1);
    let light = p.light as i32;
    let mut sums = vec![0u64; gw];
    let mut list = vec![0u32; gw];
    for gy in 0..gh {
        if gy + 1 < gh {
            accumulate(gy + 1, &mut hsum);
        }
        let cur = &hsum[(gy % 3) * gw..(gy % 3 + 1) * gw];
        let prev = &hsum[((gy + 2) % 3) * gw..((gy + 2) % 3 + 1) * gw];
        let next = &hsum[((gy + 1) % 3) * gw..((gy + 1) % 3 + 1) * gw];
        let (has_prev, has_next) = ((gy > 0) as u64, (gy + 1 < gh) as u64);
        let (pm, nm) = (has_prev.wrapping_neg(), has_next.wrapping_neg());
        // Window sums of every block, and the (typically few) blocks with enough edges listed
        // without a branch; only those need the square root and the division.
        let mut heavy = 0usize;
        for (gx, (sum, t)) in sums.iter_mut().zip(thr.iter_mut()).enumerate() {
            // `0 − 1` is an all-ones mask: the rows outside the image are left out.
            let acc = cur[gx]
                .wrapping_add(prev[gx] & pm)
                .wrapping_add(next[gx] & nm);
            *sum = acc;
            *t = p.dark;
            list[heavy] = gx as u32;
            heavy += ((acc >> N_SHIFT) >= min_edges) as usize;
        }
        for &gx in &list[..heavy] {
            let acc = sums[gx as usize];
            let n = (acc >> N_SHIFT) as i32;
            let s = ((acc >> S_SHIFT) & ((1 << (N_SHIFT - S_SHIFT)) - 1)) as i32;
            let q = (acc & ((1 << S_SHIFT) - 1)) as i32;
            thr[gx as usize] = packed_threshold(n, s, q, p.at_mean).min(light) as u8;
        }
        emit_block_row(
            img,
            gy,
            b,
            &thr,
            &block_of,
            &mut thr_px,
            &mut mask,
            &mut out,
        );
    }
    out
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

/// [`binarize_edge`] for blocks wider than [`PACKED_MAX_BLOCK`] (very thick strokes): the
/// statistics as separate fields.
fn binarize_edge_wide(img: &GrayImage, tc: u8, p: &EdgeParams, b: usize) -> BitImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = BitImage::new(img.width(), img.height());
    let (gw, gh) = (w.div_ceil(b), h.div_ceil(b));
    let mut cols = Columns::new(w);
    // Ring of three block rows of raw stats, and their horizontal 3-sums.
    let mut raw = vec![Block::default(); 3 * gw];
    let mut hsum = vec![Block::default(); 3 * gw];
    let mut thr = vec![0u8; gw];
    let mut thr_px = vec![0u8; w];
    let mut mask = vec![0u8; w];
    let block_of: Vec<u32> = (0..w).map(|x| (x / b) as u32).collect();
    let mut accumulate = |gy: usize, raw: &mut [Block], hsum: &mut [Block]| {
        cols.gather(img, gy * b, ((gy + 1) * b).min(h), tc);
        let slot = (gy % 3) * gw;
        let row = &mut raw[slot..slot + gw];
        for (((blk, n), s), q) in row
            .iter_mut()
            .zip(cols.cn.chunks(b))
            .zip(cols.cs.chunks(b))
            .zip(cols.cq.chunks(b))
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
    accumulate(0, &mut raw, &mut hsum);
    let min_edges = (p.min_edges as u64).max(1);
    for gy in 0..gh {
        if gy + 1 < gh {
            accumulate(gy + 1, &mut raw, &mut hsum);
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
            *t = block_threshold(acc.n as u64, acc.s as u64, acc.q, min_edges, p);
        }
        emit_block_row(
            img,
            gy,
            b,
            &thr,
            &block_of,
            &mut thr_px,
            &mut mask,
            &mut out,
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_threshold_matches_the_exact_one() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        for _ in 0..200_000 {
            let n = 1 + next() % 2304;
            // Edge intensities: a random mix of levels, so s and q are consistent.
            let hi = 1 + next() % 256;
            let (mut s, mut q) = (0u64, 0u64);
            let base = next() % hi;
            let spread = hi - base;
            for i in 0..n.min(64) {
                let v = base + (i * 37 + next()) % spread.max(1);
                s += v;
                q += v * v;
            }
            // Scale up to n samples keeping the moments plausible.
            let f = n / n.min(64);
            let (n, s, q) = (n.min(64) * f, s * f, q * f);
            for at_mean in [false, true] {
                assert_eq!(
                    packed_threshold(n as i32, s as i32, q as i32, at_mean) as u64,
                    window_threshold(n, s, q, at_mean),
                    "n {n} s {s} q {q} at_mean {at_mean}"
                );
            }
        }
    }

    #[test]
    fn packed_and_wide_paths_agree() {
        let (w, h) = (157u32, 91u32);
        let mut g = GrayImage::new(w, h, 0);
        for y in 0..h {
            for x in 0..w {
                let ink = (x / 3 + y / 5) % 4 == 0 || (x * x + 3 * y) % 97 < 9;
                let v = if ink {
                    40 + (x * 7 + y) % 60
                } else {
                    180 + (x + y * 3) % 70
                };
                g.row_mut(y)[x as usize] = v as u8;
            }
        }
        let tc = edge_threshold(&g);
        for b in 1..=PACKED_MAX_BLOCK {
            let p = EdgeParams {
                block: b,
                min_edges: 2 * 3 * b as u32,
                dark: 30,
                light: 200,
                at_mean: b % 2 == 0,
            };
            assert_eq!(
                binarize_edge_packed(&g, tc, &p, b),
                binarize_edge_wide(&g, tc, &p, b),
                "block {b}"
            );
        }
    }
}
