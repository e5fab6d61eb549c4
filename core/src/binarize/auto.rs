//! `auto`: picks a method per image, from the shape of its histogram.
//!
//! Otsu's separability `η = σ²_between / σ²_total` (Otsu 1979) measures how well one global
//! threshold explains the page: a clean scan (or a well normalised photo) of black text on white
//! paper is two narrow peaks and scores close to 1; stains, faint strokes, bleed-through and
//! paper texture fill the space between the peaks and lower it. Above [`CLEAN_ETA`] the page is
//! binarized with Otsu — exact on such pages and the fastest method; otherwise with the
//! stroke-edge method. The report says which, and why.

use super::otsu::{class_means, otsu_threshold};
use super::{
    level_histogram, otsu_level_of, run_edge_at, run_otsu, BinarizationReport, BinarizeParams,
};
use crate::math::fmt_fixed;
use crate::{BitImage, GrayImage};

/// Separability above which one global threshold is trusted.
pub(crate) const CLEAN_ETA: f64 = 0.92;

/// Below this distance between the means of Otsu's two classes (in gray levels) the page holds
/// no ink at all — only paper texture and noise — and comes out blank. Ink on a normalised page
/// stands 80 or more levels below the paper; even faint pencil stands out by 50.
pub(crate) const MIN_INK_CONTRAST: f64 = 40.0;

/// Faint ink: class means this far apart (or more) are ink after all when the page's darkest
/// percent stands well clear of its paper and of its noise (see [`faint_ink`]).
pub(crate) const FAINT_INK_CONTRAST: f64 = 20.0;

/// Whether a page whose class means are only [`FAINT_INK_CONTRAST`] to [`MIN_INK_CONTRAST`]
/// apart holds faint text (faded ink, blurred and denoised) rather than textured paper: its
/// darkest percent lies at least 30 levels, and 8 noise deviations, below its median. Paper
/// texture and noise spread the whole histogram a little; faint text adds a tail of its own.
fn faint_ink(img: &GrayImage, hist: &[u64; 256]) -> bool {
    let total: u64 = hist.iter().sum();
    let quantile = |q: f64| {
        let mut acc = 0u64;
        for (v, &c) in hist.iter().enumerate() {
            acc += c;
            if acc as f64 >= q * total as f64 {
                return v as f64;
            }
        }
        255.0
    };
    let depth = quantile(0.5) - quantile(0.01);
    depth >= 30.0 && depth >= 8.0 * crate::denoise::noise_sigma(img).max(2.0)
}

/// Whether a page whose Otsu classes have means `dark` and `light` holds ink at all: they stand
/// [`MIN_INK_CONTRAST`] apart, or at least [`FAINT_INK_CONTRAST`] with the tail of
/// [`faint_ink`]. Binarization and skew detection ask the same question.
pub(crate) fn holds_ink(img: &GrayImage, hist: &[u64; 256], dark: f64, light: f64) -> bool {
    light - dark >= MIN_INK_CONTRAST || (light - dark >= FAINT_INK_CONTRAST && faint_ink(img, hist))
}

/// Otsu's separability η of the image's histogram (0 when it has a single level).
pub(crate) fn separability_of(hist: &[u64; 256]) -> f64 {
    let Some(t) = otsu_threshold(hist) else {
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
    // One sampled histogram gives both the separability and, for edge, Otsu's level.
    let hist = level_histogram(img);
    if let Some((_, dark, light)) = class_means(&hist) {
        if !holds_ink(img, &hist, dark, light) {
            let mut rep = BinarizationReport::new(crate::Binarization::Otsu);
            rep.reason = format!(
                "no ink (class means {} and {} differ by < {}): blank",
                fmt_fixed(dark, 0),
                fmt_fixed(light, 0),
                fmt_fixed(MIN_INK_CONTRAST, 0)
            );
            return (BitImage::new(img.width(), img.height()), rep);
        }
    }
    let eta = separability_of(&hist);
    let cut = CLEAN_ETA;
    if eta >= cut {
        let (b, mut rep) = run_otsu(img);
        rep.reason = format!(
            "clean bimodal page (separability {} ≥ {}): otsu",
            fmt_fixed(eta, 3),
            fmt_fixed(cut, 2)
        );
        (b, rep)
    } else {
        let (b, mut rep) = run_edge_at(img, params, otsu_level_of(&hist));
        rep.reason = format!(
            "degraded or uneven page (separability {} < {}): edge",
            fmt_fixed(eta, 3),
            fmt_fixed(cut, 2)
        );
        (b, rep)
    }
}
