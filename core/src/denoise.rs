//! Denoise stage: on a page whose sensor noise would break and merge the binarized strokes
//! (and hide the text lines from skew detection), a light smoothing before both.
//!
//! The noise is measured with Immerkær's mask ("Fast Noise Variance Estimation", Computer
//! Vision and Image Understanding 64(2), 1996), `[1 −2 1; −2 4 −2; 1 −2 1]`, which cancels gray
//! levels that vary linearly (paper, shading, the inside of a stroke) and leaves the noise; its
//! responses' median (not their mean, as in the paper) keeps text edges out of the estimate.
//! Only pages well above what clean scans and photos measure are smoothed. First each pixel is
//! clamped into the range of its eight neighbours, which removes salt-and-pepper specks (dust,
//! dead sensor cells) and leaves every stroke and line: the morphological clamp, the first
//! mode of Avisynth's RemoveGrain, a switching filter in the family of Hwang & Haddad's
//! adaptive median ("Adaptive median filters: new algorithms and results", IEEE TIP 4(4),
//! 1995); a page without sensor noise but with such specks (dust, a fax line's dropped bits)
//! gets this clamp alone. Then, on a noisy page, a separable binomial kernel `[1 4 6 4 1]/16`
//! (a Gaussian of σ ≈ 1 px): it divides white noise by about 3.6 and costs a stroke 2 px wide
//! or more little of its contrast. Both work through a few rows of copy, so the stage needs
//! no second page.

use crate::GrayImage;

/// Noise (σ, gray levels) from which a page is smoothed. The fixtures, the synthetic scans and
/// photos without added noise measure under 3, the 65 DIBCO 2009–2013 pages 0–6 (2011/H07:
/// 6.0), pages with sensor noise of σ 8–12 measure 9.7–12.5.
pub(crate) const DENOISE_FROM_SIGMA: f64 = 7.0;

/// The noise's standard deviation in gray levels, on about 160 rows spread over the image
/// (0 for an image smaller than 3×3): Immerkær's mask, with the median of its absolute responses instead of their mean,
/// so that the edges of text (a minority of the pixels, however sharp: a 1-bit scan is nothing
/// but edges and flat paper) do not count. For Gaussian noise of σ the response is Gaussian of
/// 6σ, whose absolute value has its median at 0.6745 × 6σ.
pub fn noise_sigma(img: &GrayImage) -> f64 {
    noise_sigma_on_rows(img, 160)
}

/// [`noise_sigma`] on about `rows` rows spread over the image (a coarse look costs less).
pub(crate) fn noise_sigma_on_rows(img: &GrayImage, rows: usize) -> f64 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let data = img.data();
    // |response| ≤ 16 × 255.
    const MAX_RESPONSE: usize = 16 * 255;
    let mut hist = vec![0u32; MAX_RESPONSE + 1];
    let mut n = 0u64;
    let m = w - 2;
    for y in (1..h - 1).step_by((h / rows.max(1)).max(1)) {
        let [a0, a1, a2, b0, b1, b2, c0, c1, c2] = neighbourhoods(data, w, y);
        for x in 0..m {
            let outer = a0[x] as i32 + a2[x] as i32 + c0[x] as i32 + c2[x] as i32;
            let edge = a1[x] as i32 + c1[x] as i32 + b0[x] as i32 + b2[x] as i32;
            let r = (outer - 2 * edge + 4 * b1[x] as i32).unsigned_abs() as usize;
            hist[r.min(MAX_RESPONSE)] += 1;
        }
        n += m as u64;
    }
    // The median, interpolated within its bin (responses are whole numbers).
    let half = n as f64 / 2.0;
    let mut below = 0.0;
    let mut median = 0.0;
    for (r, &c) in hist.iter().enumerate() {
        let c = c as f64;
        if below + c >= half {
            median = if c > 0.0 {
                r as f64 - 0.5 + (half - below) / c
            } else {
                r as f64
            };
            break;
        }
        below += c;
    }
    median.max(0.0) / (6.0 * 0.6745)
}

/// The 3×3 neighbourhoods of row `y`'s interior pixels (`0 < y < h − 1`, `w ≥ 3`) as nine
/// slices of `w − 2` pixels: the rows above, at and below `y`, each shifted by 0, 1 and 2
/// pixels, so that a loop over them indexes all nine with one `x` and no bounds checks
/// (inlined, so that the caller sees their lengths: called, the loops cost 60 % more).
#[inline(always)]
fn neighbourhoods(data: &[u8], w: usize, y: usize) -> [&[u8]; 9] {
    let row = |y: usize, dx: usize| &data[y * w + dx..][..w - 2];
    [
        row(y - 1, 0),
        row(y - 1, 1),
        row(y - 1, 2),
        row(y, 0),
        row(y, 1),
        row(y, 2),
        row(y + 1, 0),
        row(y + 1, 1),
        row(y + 1, 2),
    ]
}

/// Isolated specks per million pixels ([`specks_ppm`]) from which a page that is otherwise
/// clean has them clamped. Clean synthetic scans measure 25–75, small type at 150 dpi up to
/// 125, the 65 DIBCO 2009–2013 pages at most 32; the specks of light sensor noise on tinted
/// scans 300–420, dust on 0.15–0.45 % of the pixels 700–1800. Single-pixel specks, though
/// too small to read, are the sharpest edges on a page: they lift the stroke-edge threshold
/// above faint ink's edges and break its strokes (`ocr_degraded`, `specks`: 4.7 % → 0.8 %).
const DESPECKLE_FROM_PPM: u64 = 250;

/// How far (gray levels) a pixel must lie beyond the range of its eight neighbours, which must
/// themselves lie within this range, to count as a speck in [`specks_ppm`]: a dot of small
/// type or a stroke's end has anti-aliased neighbours, a speck on the paper has none.
const SPECK_DEPTH: i32 = 48;

/// Isolated specks per million pixels, on about 80 rows spread over the image: pixels
/// [`SPECK_DEPTH`] or more darker than the darkest of their eight neighbours, or lighter than
/// the lightest, where those neighbours are flat (salt and pepper: dust, dead sensor cells, a
/// fax line's dropped bits).
pub(crate) fn specks_ppm(img: &GrayImage) -> u64 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 3 || h < 3 {
        return 0;
    }
    let data = img.data();
    let m = w - 2;
    let (mut n, mut specks) = (0u64, 0u64);
    for y in (1..h - 1).step_by((h / 80).max(1)) {
        let [a0, a1, a2, b0, b1, b2, c0, c1, c2] = neighbourhoods(data, w, y);
        for x in 0..m {
            let lo = a0[x].min(a1[x]).min(a2[x]).min(b0[x]).min(b2[x]);
            let lo = lo.min(c0[x]).min(c1[x]).min(c2[x]) as i32;
            let hi = a0[x].max(a1[x]).max(a2[x]).max(b0[x]).max(b2[x]);
            let hi = hi.max(c0[x]).max(c1[x]).max(c2[x]) as i32;
            let p = b1[x] as i32;
            let flat = hi - lo < SPECK_DEPTH;
            specks += (flat && (p + SPECK_DEPTH <= lo || p >= hi + SPECK_DEPTH)) as u64;
        }
        n += m as u64;
    }
    specks * 1_000_000 / n.max(1)
}

/// Smooths `img` in place, when its noise measures [`DENOISE_FROM_SIGMA`] or more: isolated
/// specks clamped to their neighbours, then the binomial kernel `[1 4 6 4 1]/16` along rows and
/// columns (edges repeated). Returns whether it did. A page without such noise but specked
/// ([`DESPECKLE_FROM_PPM`]) only has its specks clamped, and is not counted as smoothed.
pub fn denoise(img: &mut GrayImage) -> bool {
    let noisy = noise_sigma(img) >= DENOISE_FROM_SIGMA;
    if noisy {
        smooth(img);
    } else if specks_ppm(img) >= DESPECKLE_FROM_PPM {
        clamp_impulses(img);
    }
    noisy
}

/// The smoothing [`denoise`] applies: specks clamped, then the binomial kernel.
pub(crate) fn smooth(img: &mut GrayImage) {
    clamp_impulses(img);
    smooth_binomial(img);
}

/// Clamps each interior pixel into the range of its eight neighbours, in place: an isolated
/// dark or light pixel (a dust speck, a dead or hot sensor cell: salt-and-pepper noise) takes
/// the nearest level around it, while every pixel of a line or a stroke, which has neighbours
/// on both sides along it, keeps its level. Linear smoothing only spreads such a speck into a
/// blot as deep as faint text; this removes it first. Border pixels are kept.
pub(crate) fn clamp_impulses(img: &mut GrayImage) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 3 || h < 3 {
        return;
    }
    let data = img.data_mut();
    // The row above as it was before this pass, the current row, and per column the extremes
    // of the three rows (`lo3`, `hi3`) and of the rows above and below only (`lo2`, `hi2`).
    let mut above = data[..w].to_vec();
    let mut here = vec![0u8; w];
    let (mut lo3, mut hi3, mut lo2, mut hi2) =
        (vec![0u8; w], vec![0u8; w], vec![0u8; w], vec![0u8; w]);
    for y in 1..h - 1 {
        here.copy_from_slice(&data[y * w..(y + 1) * w]);
        // Every slice cut to its loop's length, so that the loops run without bounds checks
        // and vectorise.
        let (a, b, c) = (&above[..w], &data[(y + 1) * w..(y + 2) * w], &here[..w]);
        let (l3, h3, l2, h2) = (&mut lo3[..w], &mut hi3[..w], &mut lo2[..w], &mut hi2[..w]);
        for x in 0..w {
            l2[x] = a[x].min(b[x]);
            h2[x] = a[x].max(b[x]);
            l3[x] = l2[x].min(c[x]);
            h3[x] = h2[x].max(c[x]);
        }
        let n = w - 2;
        let out = &mut data[y * w + 1..][..n];
        let (la, lb, lc) = (&lo3[..n], &lo2[1..][..n], &lo3[2..][..n]);
        let (ha, hb, hc) = (&hi3[..n], &hi2[1..][..n], &hi3[2..][..n]);
        let c = &here[1..][..n];
        for x in 0..n {
            let lo = la[x].min(lb[x]).min(lc[x]);
            let hi = ha[x].max(hb[x]).max(hc[x]);
            out[x] = c[x].max(lo).min(hi);
        }
        std::mem::swap(&mut above, &mut here);
    }
}

/// The separable `[1 4 6 4 1]/16` filter, in place (edges repeated). The interior of each row
/// and every column step run over plain slices, so that they vectorise.
pub(crate) fn smooth_binomial(img: &mut GrayImage) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return;
    }
    let data = img.data_mut();
    let tap = |a: u8, b: u8, c: u8, d: u8, e: u8| -> u8 {
        ((a as u32 + 4 * b as u32 + 6 * c as u32 + 4 * d as u32 + e as u32 + 8) >> 4) as u8
    };
    // Rows: each row through a copy of itself, padded with its end pixels.
    let mut row = vec![0u8; w + 4];
    for line in data.chunks_exact_mut(w) {
        row[2..w + 2].copy_from_slice(line);
        (row[0], row[1]) = (line[0], line[0]);
        (row[w + 2], row[w + 3]) = (line[w - 1], line[w - 1]);
        for (o, win) in line.iter_mut().zip(row.windows(5)) {
            *o = tap(win[0], win[1], win[2], win[3], win[4]);
        }
    }
    // Columns: a ring of the five source rows around the one being written.
    let mut ring = vec![0u8; 5 * w];
    let src = |y: isize| y.clamp(0, h as isize - 1) as usize;
    for k in 0..5 {
        let y = src(k as isize - 2);
        ring[k * w..(k + 1) * w].copy_from_slice(&data[y * w..(y + 1) * w]);
    }
    for y in 0..h {
        // Ring slot of source row y + d is (y + d + 2) mod 5.
        let slot = |d: isize| ((y as isize + d + 2).rem_euclid(5)) as usize;
        let at = |d: isize| &ring[slot(d) * w..][..w];
        let (r0, r1, r2, r3, r4) = (at(-2), at(-1), at(0), at(1), at(2));
        let out = &mut data[y * w..(y + 1) * w];
        for (i, o) in out.iter_mut().enumerate() {
            *o = tap(r0[i], r1[i], r2[i], r3[i], r4[i]);
        }
        // Row y − 2 leaves the ring; row y + 3 (from the untouched source) takes its slot.
        let next = src(y as isize + 3);
        let first = slot(-2) * w;
        ring[first..first + w].copy_from_slice(&data[next * w..(next + 1) * w]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of stripes (2 px ink every 10 px) with white noise of σ `noise` from a fixed LCG.
    fn page(noise: f64) -> GrayImage {
        let (w, h) = (300u32, 200u32);
        let mut s = 12345u64;
        let mut gauss = move || {
            // Sum of 12 uniforms − 6: mean 0, σ 1.
            let mut t = 0.0;
            for _ in 0..12 {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                t += (s >> 11) as f64 / (1u64 << 53) as f64;
            }
            t - 6.0
        };
        let mut data = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for _x in 0..w {
                let base = if y % 10 < 2 { 60.0 } else { 230.0 };
                data.push((base + noise * gauss()).round().clamp(0.0, 255.0) as u8);
            }
        }
        GrayImage::from_raw(w, h, data).unwrap()
    }

    #[test]
    fn the_estimate_follows_the_noise_and_leaves_clean_pages_alone() {
        assert!(noise_sigma(&page(0.0)) < DENOISE_FROM_SIGMA);
        for noise in [8.0, 12.0, 20.0] {
            let s = noise_sigma(&page(noise));
            assert!(
                (s - noise).abs() < 0.35 * noise + 3.0,
                "σ {noise}: measured {s}"
            );
        }
        let clean = page(0.0);
        let mut same = clean.clone();
        assert!(!denoise(&mut same));
        assert_eq!(same.data(), clean.data());
    }

    #[test]
    fn smoothing_divides_the_noise_and_keeps_the_strokes() {
        let mut img = page(12.0);
        let before = noise_sigma(&img);
        assert!(denoise(&mut img));
        let after = noise_sigma(&img);
        assert!(after < before / 2.5, "{before} → {after}");
        // A stroke row still stands 100 levels below the paper between strokes.
        let row_mean = |y: u32| {
            let r = &img.data()[(y * 300) as usize..((y + 1) * 300) as usize];
            r.iter().map(|&v| v as f64).sum::<f64>() / 300.0
        };
        assert!(
            row_mean(15) - row_mean(10) > 100.0,
            "{} vs {}",
            row_mean(15),
            row_mean(10)
        );
    }

    #[test]
    fn a_clean_page_with_specks_has_only_its_specks_clamped() {
        let clean = page(0.0);
        assert!(specks_ppm(&clean) < DESPECKLE_FROM_PPM);
        // Dust: a dark pixel every 25 columns on the row midway between two strokes (0.4 %
        // of the pixels), each alone among paper.
        let mut dusty = clean.clone();
        let d = dusty.data_mut();
        for y in (5..200).step_by(10) {
            for x in (5..300).step_by(25) {
                d[y * 300 + x] = 20;
            }
        }
        assert!(
            specks_ppm(&dusty) >= DESPECKLE_FROM_PPM,
            "{}",
            specks_ppm(&dusty)
        );
        // Not smoothed (the strokes keep their edges), but the specks are gone.
        assert!(!denoise(&mut dusty));
        assert_eq!(dusty.data(), clean.data());
    }

    #[test]
    fn dots_of_small_text_are_not_specks() {
        // A 1 px dot every 4 px, on rows 4 px apart: each has anti-aliased neighbours (its
        // halo at 140), as a small "i" dot or a stroke's end at 150 dpi does.
        let (w, h) = (120usize, 60usize);
        let mut data = vec![235u8; w * h];
        for y in (2..h - 2).step_by(4) {
            for x in (2..w - 2).step_by(4) {
                data[y * w + x] = 40;
                data[y * w + x + 1] = 140;
                data[(y + 1) * w + x] = 140;
            }
        }
        let img = GrayImage::from_raw(w as u32, h as u32, data).unwrap();
        assert_eq!(specks_ppm(&img), 0);
    }

    /// The filter by its definition: each pass per pixel, edges repeated.
    fn reference(img: &GrayImage) -> GrayImage {
        let (w, h) = (img.width() as isize, img.height() as isize);
        let k = [1u32, 4, 6, 4, 1];
        let px = |g: &GrayImage, x: isize, y: isize| {
            g.data()[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize] as u32
        };
        let mut rows = img.clone();
        for y in 0..h {
            for x in 0..w {
                let s: u32 = (0..5).map(|i| k[i] * px(img, x + i as isize - 2, y)).sum();
                rows.data_mut()[(y * w + x) as usize] = ((s + 8) >> 4) as u8;
            }
        }
        let mut out = rows.clone();
        for y in 0..h {
            for x in 0..w {
                let s: u32 = (0..5)
                    .map(|i| k[i] * px(&rows, x, y + i as isize - 2))
                    .sum();
                out.data_mut()[(y * w + x) as usize] = ((s + 8) >> 4) as u8;
            }
        }
        out
    }

    /// Random images from 1×1 to 40×33, edge cases first.
    fn random_images() -> impl Iterator<Item = GrayImage> {
        let mut state = 7u64;
        let sizes = [
            (1, 1),
            (1, 7),
            (7, 1),
            (2, 3),
            (2, 9),
            (3, 3),
            (4, 3),
            (3, 5),
            (5, 5),
        ];
        sizes
            .into_iter()
            .chain([(6, 9), (17, 6), (33, 17), (40, 33)])
            .map(move |(w, h)| {
                let data = (0..w * h)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                        (state >> 56) as u8
                    })
                    .collect();
                GrayImage::from_raw(w, h, data).unwrap()
            })
    }

    #[test]
    fn the_fast_filter_is_the_definition() {
        for img in random_images() {
            let mut fast = img.clone();
            smooth_binomial(&mut fast);
            let (w, h) = (img.width(), img.height());
            assert_eq!(fast.data(), reference(&img).data(), "{w}x{h}");
        }
    }

    /// The clamp by its definition: each interior pixel into the range of its 8 neighbours in
    /// the source.
    fn clamp_reference(img: &GrayImage) -> GrayImage {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let src = img.data();
        let mut out = img.clone();
        for y in 1..h.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let mut n = Vec::new();
                for (dx, dy) in [
                    (-1, -1),
                    (0, -1),
                    (1, -1),
                    (-1, 0),
                    (1, 0),
                    (-1, 1),
                    (0, 1),
                    (1, 1),
                ] {
                    let (xx, yy) = ((x as isize + dx) as usize, (y as isize + dy) as usize);
                    n.push(src[yy * w + xx]);
                }
                let (lo, hi) = (*n.iter().min().unwrap(), *n.iter().max().unwrap());
                out.data_mut()[y * w + x] = src[y * w + x].clamp(lo, hi);
            }
        }
        out
    }

    #[test]
    fn the_fast_clamp_is_the_definition() {
        for img in random_images() {
            let mut fast = img.clone();
            clamp_impulses(&mut fast);
            let (w, h) = (img.width(), img.height());
            assert_eq!(fast.data(), clamp_reference(&img).data(), "{w}x{h}");
        }
    }

    #[test]
    fn specks_go_and_thin_lines_stay() {
        // Paper 230 with a dark speck, a light speck inside a block of ink, a 1-px horizontal
        // line and a 1-px diagonal.
        let (w, h) = (40usize, 30usize);
        let mut data = vec![230u8; w * h];
        data[5 * w + 5] = 20;
        for y in 10..16 {
            for x in 2..10 {
                data[y * w + x] = 40;
            }
        }
        data[12 * w + 5] = 250;
        for x in 12..38 {
            data[20 * w + x] = 60;
        }
        for i in 0..8 {
            data[(2 + i) * w + 20 + i] = 70;
        }
        let mut img = GrayImage::from_raw(w as u32, h as u32, data).unwrap();
        clamp_impulses(&mut img);
        let at = |x: usize, y: usize| img.data()[y * w + x];
        assert_eq!(at(5, 5), 230, "the dark speck");
        assert_eq!(at(5, 12), 40, "the light speck in the ink");
        assert!((13..37).all(|x| at(x, 20) == 60), "the horizontal line");
        assert!((1..7).all(|i| at(20 + i, 2 + i) == 70), "the diagonal");
    }

    #[test]
    fn salt_and_pepper_leaves_no_blots_on_a_noisy_page() {
        // The stripes page at σ 12, with 0.4 % of its pixels set to ink-dark or white specks.
        let mut img = page(12.0);
        let mut state = 99u64;
        for v in img.data_mut() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if (state >> 32) % 1000 < 4 {
                *v = if state & 1 == 0 {
                    255
                } else {
                    20 + (state >> 8 & 0x3F) as u8
                };
            }
        }
        assert!(denoise(&mut img));
        // Paper rows (2 px and more away from any stroke): smoothed, a speck 150–210 levels
        // deep leaves a blot 20–30 deep, 6–9σ of the smoothed noise, as deep as faint text.
        let w = img.width() as usize;
        let blots = (0..img.height() as usize)
            .filter(|y| y % 10 >= 4 && y % 10 <= 8)
            .flat_map(|y| img.data()[y * w..(y + 1) * w].iter().copied())
            .filter(|&v| v < 205)
            .count();
        assert!(
            blots < 25,
            "{blots} paper pixels darker than 205 (75 without the clamp)"
        );
    }

    #[test]
    fn tiny_and_empty_images_pass() {
        for (w, h) in [(1, 1), (2, 5), (5, 2), (3, 3)] {
            let mut img = GrayImage::new(w, h, 7);
            denoise(&mut img);
            assert_eq!(img.data(), GrayImage::new(w, h, 7).data());
        }
        let mut one = GrayImage::from_raw(1, 4, vec![0, 255, 0, 255]).unwrap();
        smooth_binomial(&mut one);
        assert_eq!(one.width(), 1);
    }
}
