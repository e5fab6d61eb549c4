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
