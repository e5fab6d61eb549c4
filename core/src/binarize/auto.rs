//! `auto`: picks a method per image, from the shape of its histogram.
//!
//! Otsu's separability `η = σ²_between / σ²_total` (Otsu 1979) measures how well one global
//! threshold explains the page: a clean scan (or a well normalised photo) of black text on white
//! paper is two narrow peaks and scores close to 1; stains, faint strokes, bleed-through and
//! paper texture fill the space between the peaks and lower it. Above [`CLEAN_ETA`] the page is
//! binarized with Otsu — exact on such pages and the fastest method; otherwise with the
//! stroke-edge method. The report says which, and why.

use super::otsu::{histogram_rows, otsu_threshold};
use super::{run_edge, run_otsu, BinarizationReport, BinarizeParams};
use crate::{BitImage, GrayImage};

/// Separability above which one global threshold is trusted.
pub(crate) const CLEAN_ETA: f64 = 0.92;

/// Otsu's separability η of the image's histogram (0 when it has a single level).
pub(crate) fn separability(img: &GrayImage) -> f64 {
    let step = if img.height() > 1024 {
        4
    } else if img.height() > 256 {
        2
    } else {
        1
    };
    let hist = histogram_rows(img, step);
    let Some(t) = otsu_threshold(&hist) else {
        return 0.0;
    };
    let (mut n, mut s, mut q) = (0u64, 0u64, 0u64);
    let (mut n0, mut s0) = (0u64, 0u64);
    for (v, &c) in hist.iter().enumerate() {
        n += c;
        s += v as u64 * c;
        q += (v * v) as u64 * c;
        if v <= t {
            n0 += c;
            s0 += v as u64 * c;
        }
    }
    let n1 = n - n0;
    if n0 == 0 || n1 == 0 {
        return 0.0;
    }
    // n²σ²_total = n·q − s²; n²σ²_between = (s0·n − s·n0)² / (n0·n1). Exact integers, then IEEE f64.
    let total = (n as u128 * q as u128 - s as u128 * s as u128) as f64;
    let d = (s0 as i128 * n as i128 - s as i128 * n0 as i128) as f64;
    let between = d * d / (n0 as f64 * n1 as f64);
    if total <= 0.0 {
        0.0
    } else {
        between / total
    }
}

/// Chooses and runs a method for `img`.
pub(super) fn run_auto(img: &GrayImage, params: &BinarizeParams) -> (BitImage, BinarizationReport) {
    let eta = separability(img);
    let cut = CLEAN_ETA;
    if eta >= cut {
        let (b, mut rep) = run_otsu(img);
        rep.reason = format!("clean bimodal page (separability {eta:.3} ≥ {cut}): otsu");
        (b, rep)
    } else {
        let (b, mut rep) = run_edge(img, params);
        rep.reason = format!("degraded or uneven page (separability {eta:.3} < {cut}): edge");
        (b, rep)
    }
}
