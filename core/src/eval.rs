//! Binarization quality scores against a ground truth, as used by the DIBCO contests
//! (Document Image Binarization Contest, Gatos, Ntirogiannis & Pratikakis, ICDAR 2009 onwards).
//!
//! * **F-measure** (FM, percent): the harmonic mean of precision and recall of *ink* pixels.
//! * **PSNR** (dB): `10·log10(1 / MSE)` with pixels in `0..1`, i.e. MSE is the fraction of wrong
//!   pixels.
//! * **DRD**, the Distance Reciprocal Distortion of Lu, Wang & Kot (2004), which weighs each wrong
//!   pixel by how visible it is: for a wrong pixel with value `v`, `DRD_k = Σ W(i,j)·|GT(i,j) − v|`
//!   over its 5×5 neighbourhood, where `W` is the matrix of reciprocal distances to the centre
//!   (centre 0) normalised to sum 1. `DRD = Σ DRD_k / NUBN`, with NUBN the number of 8×8 blocks of
//!   the ground truth that are not uniform (neither all ink nor all paper). Neighbours outside the
//!   image contribute nothing; only whole 8×8 blocks are counted (as in the DIBCO tool), and a
//!   ground truth without any non-uniform block counts as one.
//!
//! `benches/peers/dibco_doxa.py` implements exactly the same definitions in numpy, so its table
//! of the doxa methods and `scanprep eval` are comparable.

use serde::{Deserialize, Serialize};

use crate::{BitImage, Error};

/// The scores of one binarized image against its ground truth.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    /// F-measure of ink pixels, in percent (100 = perfect). 100 when neither image has ink.
    pub fm: f64,
    /// Peak signal-to-noise ratio in dB (higher is better; infinite for a perfect result).
    pub psnr: f64,
    /// Distance reciprocal distortion (0 = perfect, lower is better).
    pub drd: f64,
    /// Precision of ink pixels, in percent.
    pub precision: f64,
    /// Recall of ink pixels, in percent.
    pub recall: f64,
    /// Ink pixels in both images.
    pub true_ink: u64,
    /// Ink in the result but paper in the ground truth.
    pub false_ink: u64,
    /// Paper in the result but ink in the ground truth.
    pub missed_ink: u64,
    /// Non-uniform 8×8 blocks of the ground truth (the DRD normaliser).
    pub nubn: u64,
}

/// The 5×5 DRD weight matrix: reciprocal distance to the centre, centre 0, normalised to sum 1.
pub fn drd_weights() -> [[f64; 5]; 5] {
    let mut w = [[0.0f64; 5]; 5];
    let mut sum = 0.0;
    for (i, row) in w.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            let (di, dj) = (i as f64 - 2.0, j as f64 - 2.0);
            if di != 0.0 || dj != 0.0 {
                *v = 1.0 / (di * di + dj * dj).sqrt();
                sum += *v;
            }
        }
    }
    for row in w.iter_mut() {
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
    w
}

/// Scores `result` against `truth` (set bit = ink in both). Images of different sizes are an
/// [`Error::InvalidOption`] naming `truth`, never a panic.
pub fn score(result: &BitImage, truth: &BitImage) -> Result<Scores, Error> {
    if result.width() != truth.width() || result.height() != truth.height() {
        return Err(Error::InvalidOption {
            field: "truth",
            reason: format!(
                "the result is {}x{} but the ground truth is {}x{}",
                result.width(),
                result.height(),
                truth.width(),
                truth.height()
            ),
        });
    }
    let (w, h) = (result.width(), result.height());
    let (mut tp, mut fp, mut fneg) = (0u64, 0u64, 0u64);
    for y in 0..h {
        let (r, t) = (result.row(y), truth.row(y));
        for (&a, &b) in r.iter().zip(t) {
            tp += (a & b).count_ones() as u64;
            fp += (a & !b).count_ones() as u64;
            fneg += (!a & b).count_ones() as u64;
        }
    }
    let pct = |num: u64, den: u64| {
        if den == 0 {
            0.0
        } else {
            100.0 * num as f64 / den as f64
        }
    };
    let precision = pct(tp, tp + fp);
    let recall = pct(tp, tp + fneg);
    let fm = if tp + fp + fneg == 0 {
        100.0
    } else if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let n = w as u64 * h as u64;
    let wrong = fp + fneg;
    let psnr = if wrong == 0 || n == 0 {
        f64::INFINITY
    } else {
        10.0 * (n as f64 / wrong as f64).log10()
    };

    // DRD: visit the wrong pixels only (whole zero bytes of the XOR are skipped).
    let weights = drd_weights();
    let mut total = 0.0f64;
    if wrong > 0 {
        for y in 0..h {
            let (r, t) = (result.row(y), truth.row(y));
            for (bi, (&a, &b)) in r.iter().zip(t).enumerate() {
                let mut diff = a ^ b;
                while diff != 0 {
                    let bit = diff.leading_zeros();
                    diff &= !(0x80u8 >> bit);
                    let x = bi as u32 * 8 + bit;
                    if x >= w {
                        break;
                    }
                    let v = result.get(x, y);
                    let mut d = 0.0;
                    for (i, wrow) in weights.iter().enumerate() {
                        let yy = y as i64 + i as i64 - 2;
                        if yy < 0 || yy >= h as i64 {
                            continue;
                        }
                        for (j, &wt) in wrow.iter().enumerate() {
                            let xx = x as i64 + j as i64 - 2;
                            if xx < 0 || xx >= w as i64 {
                                continue;
                            }
                            if truth.get(xx as u32, yy as u32) != v {
                                d += wt;
                            }
                        }
                    }
                    total += d;
                }
            }
        }
    }
    // NUBN over whole 8×8 blocks.
    let mut nubn = 0u64;
    for by in 0..h / 8 {
        for bx in 0..w / 8 {
            let mut ink = 0u32;
            for y in by * 8..by * 8 + 8 {
                for x in bx * 8..bx * 8 + 8 {
                    ink += truth.get(x, y) as u32;
                }
            }
            if ink != 0 && ink != 64 {
                nubn += 1;
            }
        }
    }
    let drd = total / nubn.max(1) as f64;
    Ok(Scores {
        fm,
        psnr,
        drd,
        precision,
        recall,
        true_ink: tp,
        false_ink: fp,
        missed_ink: fneg,
        nubn,
    })
}

/// The page-detection score of the SmartDoc 2015 challenge (Burie, Chazalon et al., ICDAR
/// 2015, Challenge 1): both quadrilaterals, found and true, mapped into the page's own frame
/// (`model` = its width and height) by the true homography, and the Jaccard index of the two
/// polygons there. `found = None` (no answer) scores 0, as in the challenge.
pub fn smartdoc_jaccard(
    found: Option<&[crate::Point; 4]>,
    truth: &[crate::Point; 4],
    model: (f64, f64),
) -> f64 {
    let Some(found) = found else { return 0.0 };
    let (w, h) = model;
    let rect = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
    let Some(to_model) = crate::geometry::Homography::from_points(truth, &rect) else {
        return 0.0;
    };
    let mut mapped = [[0.0; 2]; 4];
    for (m, p) in mapped.iter_mut().zip(found) {
        match to_model.apply(*p) {
            Some(q) => *m = q,
            None => return 0.0,
        }
    }
    if !crate::geometry::is_convex(&mapped) {
        return 0.0;
    }
    crate::geometry::polygon_jaccard(&mapped, &rect)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32, ink: &[(u32, u32)]) -> BitImage {
        let mut b = BitImage::new(w, h);
        for &(x, y) in ink {
            b.set(x, y, true);
        }
        b
    }

    /// Sum of the unnormalised reciprocal distances in the 5×5 window.
    fn raw_sum() -> f64 {
        4.0 + 4.0 / 2f64.sqrt() + 4.0 / 2.0 + 8.0 / 5f64.sqrt() + 4.0 / 8f64.sqrt()
    }

    #[test]
    fn weights_sum_to_one_with_zero_centre() {
        let w = drd_weights();
        assert_eq!(w[2][2], 0.0);
        let s: f64 = w.iter().flatten().sum();
        assert!((s - 1.0).abs() < 1e-12);
        assert!((w[2][3] - 1.0 / raw_sum()).abs() < 1e-12);
    }

    #[test]
    fn perfect_result_scores_fm_100_drd_0() {
        let t = img(13, 9, &[(1, 1), (2, 1), (7, 3), (12, 8)]);
        let s = score(&t, &t).unwrap();
        assert_eq!(s.fm, 100.0);
        assert_eq!(s.drd, 0.0);
        assert!(s.psnr.is_infinite());
        let blank = BitImage::new(5, 5);
        assert_eq!(score(&blank, &blank).unwrap().fm, 100.0);
    }

    #[test]
    fn one_false_ink_pixel_far_from_ink_has_drd_one() {
        // GT: one 8×8 block with a single ink pixel at (2,2) → NUBN = 1.
        let t = img(8, 8, &[(2, 2)]);
        let r = img(8, 8, &[(2, 2), (5, 5)]);
        let s = score(&r, &t).unwrap();
        assert_eq!(s.nubn, 1);
        // All 24 neighbours of (5,5) inside the image... (7,7) is the last; (5±2, 5±2) fits.
        assert!((s.drd - 1.0).abs() < 1e-12, "{}", s.drd);
        // FM: tp 1, fp 1 → P 50 %, R 100 % → 66.67.
        assert!((s.fm - 200.0 / 3.0).abs() < 1e-9);
        // PSNR: 1 wrong of 64.
        assert!((s.psnr - 10.0 * 64f64.log10()).abs() < 1e-9);
    }

    #[test]
    fn false_ink_next_to_ink_is_cheaper_by_the_diagonal_weight() {
        let t = img(8, 8, &[(2, 2)]);
        let r = img(8, 8, &[(2, 2), (3, 3)]);
        let s = score(&r, &t).unwrap();
        let expect = 1.0 - (1.0 / 2f64.sqrt()) / raw_sum();
        assert!((s.drd - expect).abs() < 1e-12, "{} vs {}", s.drd, expect);
    }

    #[test]
    fn missed_isolated_ink_and_border_clipping() {
        // Missing an isolated ink pixel: its neighbours are all paper like the wrong value → 0.
        let t = img(8, 8, &[(2, 2)]);
        let r = BitImage::new(8, 8);
        let s = score(&r, &t).unwrap();
        assert_eq!(s.drd, 0.0);
        assert_eq!(s.fm, 0.0);
        // False ink in the corner (0,0): only the 8 in-image neighbours with offsets ≥ 0 count.
        let t = img(8, 8, &[(7, 7)]);
        let r = img(8, 8, &[(7, 7), (0, 0)]);
        let s = score(&r, &t).unwrap();
        let raw = 1.0 + 1.0 / 2f64.sqrt() + 1.0 + 0.5 + 0.5 + 2.0 / 5f64.sqrt() + 1.0 / 8f64.sqrt();
        assert!((s.drd - raw / raw_sum()).abs() < 1e-12);
    }

    #[test]
    fn size_mismatch_is_an_error() {
        let e = score(&BitImage::new(3, 3), &BitImage::new(3, 4)).unwrap_err();
        assert_eq!(e.code(), "invalid_option");
        // widths not a multiple of 8, empty images
        let t = img(11, 3, &[(10, 2)]);
        assert_eq!(score(&t, &t).unwrap().fm, 100.0);
        let e = BitImage::new(0, 0);
        assert_eq!(score(&e, &e).unwrap().fm, 100.0);
    }
}
