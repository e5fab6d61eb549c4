//! Otsu's global threshold (N. Otsu, "A threshold selection method from gray-level histograms",
//! IEEE Trans. SMC 9(1), 1979): the gray level that maximises the between-class variance of the
//! histogram. Integer sums and an IEEE f64 ratio, so every target picks the same level.

use crate::{BitImage, GrayImage};

/// The 256-bin histogram of an image.
pub(crate) fn histogram(img: &GrayImage) -> [u64; 256] {
    histogram_rows(img, 1)
}

/// The histogram of every `step`-th row.
pub(crate) fn histogram_rows(img: &GrayImage, step: usize) -> [u64; 256] {
    let mut h = Histogram::new();
    for row in img.rows().step_by(step.max(1)) {
        h.add(row);
    }
    h.totals()
}

/// A 256-bin histogram filled a row at a time. Eight interleaved u32 sub-histograms avoid
/// store-to-load stalls on runs of equal values (paper, flat backgrounds), where four still
/// wait on the forwarding latency; they are folded into the u64 totals only when they could
/// overflow and at the end, not per row.
pub(crate) struct Histogram {
    sub: [[u32; 256]; 8],
    total: [u64; 256],
    pending: u64,
}

impl Histogram {
    pub(crate) fn new() -> Self {
        Histogram {
            sub: [[0; 256]; 8],
            total: [0; 256],
            pending: 0,
        }
    }

    /// Counts one row of levels.
    pub(crate) fn add(&mut self, row: &[u8]) {
        if self.pending + row.len() as u64 > u32::MAX as u64 {
            self.fold();
        }
        self.pending += row.len() as u64;
        let [h0, h1, h2, h3, h4, h5, h6, h7] = &mut self.sub;
        let mut chunks = row.chunks_exact(8);
        for c in &mut chunks {
            h0[c[0] as usize] += 1;
            h1[c[1] as usize] += 1;
            h2[c[2] as usize] += 1;
            h3[c[3] as usize] += 1;
            h4[c[4] as usize] += 1;
            h5[c[5] as usize] += 1;
            h6[c[6] as usize] += 1;
            h7[c[7] as usize] += 1;
        }
        for &p in chunks.remainder() {
            h0[p as usize] += 1;
        }
    }

    fn fold(&mut self) {
        for (i, t) in self.total.iter_mut().enumerate() {
            *t += self.sub.iter().map(|h| h[i] as u64).sum::<u64>();
        }
        self.sub = [[0; 256]; 8];
        self.pending = 0;
    }

    /// The counts so far.
    pub(crate) fn totals(mut self) -> [u64; 256] {
        self.fold();
        self.total
    }
}

/// Otsu's threshold of a histogram: pixels `<= t` form the dark class. Returns `None` when the
/// histogram holds fewer than two distinct levels (no split exists).
pub(crate) fn otsu_threshold(hist: &[u64]) -> Option<usize> {
    let n: u64 = hist.iter().sum();
    let total: u128 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as u128 * c as u128)
        .sum();
    let (mut w0, mut s0) = (0u64, 0u128);
    let mut best: Option<(f64, usize, usize)> = None; // (score numerator, first t, last t)
    for (t, &count) in hist.iter().enumerate().take(hist.len().saturating_sub(1)) {
        w0 += count;
        s0 += t as u128 * count as u128;
        let w1 = n - w0;
        if w0 == 0 || w1 == 0 {
            continue;
        }
        // Between-class variance × n²/… : (s0·n − total·w0)² / (w0·w1). The numerator is exact
        // in i128; the ratio uses IEEE f64 division only, which is identical on every target.
        let num = (s0 as i128 * n as i128 - total as i128 * w0 as i128).unsigned_abs() as f64;
        let score = num * num / (w0 as f64 * w1 as f64);
        match best {
            Some((b, first, _)) if score == b => best = Some((b, first, t)),
            Some((b, _, _)) if score < b => {}
            _ => best = Some((score, t, t)),
        }
    }
    // Between equally good levels (an empty gap in the histogram), take the middle of the gap.
    best.map(|(_, a, b)| (a + b) / 2)
}

/// Otsu's threshold with the means of its two classes (dark, light), when there are two.
pub(crate) fn class_means(hist: &[u64; 256]) -> Option<(u8, f64, f64)> {
    let t = otsu_threshold(hist)?;
    let (mut n0, mut s0, mut n1, mut s1) = (0u64, 0u64, 0u64, 0u64);
    for (v, &c) in hist.iter().enumerate() {
        if v <= t {
            n0 += c;
            s0 += v as u64 * c;
        } else {
            n1 += c;
            s1 += v as u64 * c;
        }
    }
    (n0 > 0 && n1 > 0).then(|| (t as u8, s0 as f64 / n0 as f64, s1 as f64 / n1 as f64))
}

/// Binarizes with Otsu's global threshold; returns the image and the threshold used.
pub(crate) fn binarize_otsu(img: &GrayImage) -> (BitImage, u8) {
    let hist = histogram(img);
    // No split (uniform image): dark uniform pages are ink, light ones paper.
    let t = match otsu_threshold(&hist) {
        Some(t) => t as u8,
        None => {
            let level = hist.iter().position(|&c| c > 0).unwrap_or(255);
            if level < 128 {
                255
            } else {
                0
            }
        }
    };
    (BitImage::from_gray_threshold(img, t), t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bimodal_threshold_splits_the_modes() {
        let mut h = [0u64; 256];
        h[40] = 100;
        h[200] = 300;
        let t = otsu_threshold(&h).unwrap();
        assert!((40..200).contains(&t), "{t}");
        assert_eq!(t, 119);
        assert_eq!(otsu_threshold(&[0u64; 256]), None);
        let mut one = [0u64; 256];
        one[7] = 5;
        assert_eq!(otsu_threshold(&one), None);
    }

    #[test]
    fn uniform_pages() {
        let (b, _) = binarize_otsu(&GrayImage::new(9, 3, 255));
        assert_eq!(b.count_ink(), 0);
        let (b, _) = binarize_otsu(&GrayImage::new(9, 3, 0));
        assert_eq!(b.count_ink(), 27);
        let (b, _) = binarize_otsu(&GrayImage::new(1, 1, 200));
        assert_eq!(b.count_ink(), 0);
    }
}
