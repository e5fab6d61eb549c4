//! Sauvola's local threshold (J. Sauvola & M. Pietikäinen, "Adaptive document image
//! binarization", Pattern Recognition 33(2), 2000): a pixel is ink when it is darker than
//! `T = m · (1 + k · (s / R − 1))`, with `m` and `s` the mean and standard deviation of the gray
//! levels in a window around it and `R = 128` the dynamic range of `s`.
//!
//! The window sums come from [`boxsum`](super::boxsum) (streaming u32 column accumulators, no
//! integral image); the variance numerator `n·Σp² − (Σp)²` is exact in integers, and the rest
//! uses IEEE f64 `+ − × ÷ √` only, so the output is bit-identical on native and wasm32.

use super::boxsum::{clipped_counts, window_step, ColumnSums};
use crate::{BitImage, GrayImage};

/// Sauvola's `k` default (the paper's value, also Doxa's).
pub(crate) const DEFAULT_K: f32 = 0.2;

/// Binarizes with Sauvola's method, window side `2r+1`.
pub(crate) fn binarize_sauvola(img: &GrayImage, r: usize, k: f32) -> BitImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = BitImage::new(img.width(), img.height());
    if w == 0 || h == 0 {
        return out;
    }
    let k = if k.is_finite() {
        k.clamp(0.0, 1.0) as f64
    } else {
        DEFAULT_K as f64
    };
    if r <= FAST_MAX_RADIUS {
        return binarize_sauvola_fast(img, r, k as f32);
    }
    let counts = clipped_counts(w, r);
    let mut sum = ColumnSums::new(w);
    let mut sq = ColumnSums::new(w);
    let mut s1 = vec![0u64; w];
    let mut s2 = vec![0u64; w];
    let mut sqrow = vec![0u32; w];
    let square = |row: &[u8], dst: &mut Vec<u32>| {
        for (d, &p) in dst.iter_mut().zip(row) {
            *d = p as u32 * p as u32;
        }
    };
    let mut bits = vec![false; w];
    for y in 0..h {
        let (add, sub, rows) = window_step(y, r, h);
        for yy in add {
            let row = img.row(yy as u32);
            sum.add(row);
            square(row, &mut sqrow);
            sq.add(&sqrow[..]);
        }
        if let Some(yy) = sub {
            let row = img.row(yy as u32);
            sum.sub(row);
            square(row, &mut sqrow);
            sq.sub(&sqrow[..]);
        }
        sum.horizontal(r, &mut s1);
        sq.horizontal(r, &mut s2);
        let src = img.row(y as u32);
        for x in 0..w {
            let n = (rows * counts[x]) as u64;
            let (s, q) = (s1[x], s2[x]);
            // n·q − s² is exact in u128 (≥ 0 by Cauchy–Schwarz); the rest is IEEE f64 +,×,÷,√,
            // which is correctly rounded and therefore identical on every target.
            let var_n2 = (n as u128 * q as u128).saturating_sub(s as u128 * s as u128) as f64;
            let nf = n as f64;
            let m = s as f64 / nf;
            let sd = var_n2.sqrt() / nf;
            let t = m * (1.0 + k * (sd / 128.0 - 1.0));
            bits[x] = (src[x] as f64) <= t;
        }
        pack_bools(&bits, out.row_mut(y as u32));
    }
    out
}

/// Largest radius of the fast path: window sums then stay below 2^31 (`65 025 · 181² < 2^31`),
/// so they are exact as wrapping u32 prefix differences and convert to f32 as i32.
const FAST_MAX_RADIUS: usize = 90;

/// [`binarize_sauvola`] for windows up to `2·90+1` (the derived windows are at most 121): u32
/// column sums updated per row, a wrapping u32 prefix sum per row, and the threshold in f32
/// with a vector square root, in loops over slices that vectorise. Every operation is an IEEE
/// single-precision `+ − × ÷ √` or an exact integer one, so the output is bit-identical on
/// every target. (The f32 rounding moves the threshold by far less than one gray level.)
fn binarize_sauvola_fast(img: &GrayImage, r: usize, k: f32) -> BitImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = BitImage::new(img.width(), img.height());
    let inv_counts: Vec<f32> = clipped_counts(w, r)
        .iter()
        .map(|&c| 1.0 / c as f32)
        .collect();
    let (mut col, mut colq) = (vec![0u32; w], vec![0u32; w]);
    let (mut pre, mut preq) = (vec![0u32; w + 1], vec![0u32; w + 1]);
    let (mut s1, mut s2) = (vec![0u32; w], vec![0u32; w]);
    let mut mask = vec![0u8; w];
    for y in 0..h {
        let (add, sub, rows) = window_step(y, r, h);
        for yy in add {
            let row = &img.row(yy as u32)[..w];
            let (col, colq) = (&mut col[..w], &mut colq[..w]);
            for i in 0..w {
                let p = row[i] as u16;
                col[i] = col[i].wrapping_add(p as u32);
                colq[i] = colq[i].wrapping_add((p * p) as u32);
            }
        }
        if let Some(yy) = sub {
            let row = &img.row(yy as u32)[..w];
            let (col, colq) = (&mut col[..w], &mut colq[..w]);
            for i in 0..w {
                let p = row[i] as u16;
                col[i] = col[i].wrapping_sub(p as u32);
                colq[i] = colq[i].wrapping_sub((p * p) as u32);
            }
        }
        let (mut a, mut b) = (0u32, 0u32);
        for ((p1, p2), (&c1, &c2)) in pre[1..]
            .iter_mut()
            .zip(preq[1..].iter_mut())
            .zip(col.iter().zip(&colq))
        {
            a = a.wrapping_add(c1);
            b = b.wrapping_add(c2);
            *p1 = a;
            *p2 = b;
        }
        // Window sums: clipped at the borders, plain shifted differences inside.
        for x in 0..w {
            if x >= r && x + r < w {
                continue;
            }
            let lo = x.saturating_sub(r);
            let hi = (x + r + 1).min(w);
            s1[x] = pre[hi].wrapping_sub(pre[lo]);
            s2[x] = preq[hi].wrapping_sub(preq[lo]);
        }
        if w > 2 * r {
            let n = w - 2 * r;
            let (hi1, lo1) = (&pre[2 * r + 1..2 * r + 1 + n], &pre[..n]);
            let (hi2, lo2) = (&preq[2 * r + 1..2 * r + 1 + n], &preq[..n]);
            let (o1, o2) = (&mut s1[r..r + n], &mut s2[r..r + n]);
            for i in 0..n {
                o1[i] = hi1[i].wrapping_sub(lo1[i]);
                o2[i] = hi2[i].wrapping_sub(lo2[i]);
            }
        }
        let inv_rows = 1.0 / rows as f32;
        let src = &img.row(y as u32)[..w];
        let (s1, s2, ic, m) = (&s1[..w], &s2[..w], &inv_counts[..w], &mut mask[..w]);
        for i in 0..w {
            let inv_n = inv_rows * ic[i];
            let mean = s1[i] as i32 as f32 * inv_n;
            let var = (s2[i] as i32 as f32 * inv_n - mean * mean).max(0.0);
            let t = mean * (1.0 + k * (var.sqrt() * (1.0 / 128.0) - 1.0));
            m[i] = (src[i] as f32 <= t) as u8;
        }
        super::edge::pack_ones(m, out.row_mut(y as u32));
    }
    out
}

/// Packs a row of booleans (true = ink) MSB first.
pub(crate) fn pack_bools(bits: &[bool], dst: &mut [u8]) {
    for (d, c) in dst.iter_mut().zip(bits.chunks(8)) {
        let mut b = 0u8;
        for (i, &v) in c.iter().enumerate() {
            b |= (v as u8) << (7 - i);
        }
        *d = b;
    }
}
