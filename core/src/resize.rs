//! Working resolution: reduce oversized inputs by exact area averaging (box filter with
//! fractional edge weights, in integer arithmetic), streaming one output row at a time.

use crate::GrayImage;

/// One source index and its weight (in 1/256) for an output sample.
#[derive(Clone, Copy)]
struct Tap {
    index: u32,
    weight: u32,
}

/// For each of `dst` output samples over `src` input samples: the first tap's position in the
/// returned list and the number of taps. Weights of each output sum to exactly 256.
fn area_taps(src: u32, dst: u32) -> (Vec<Tap>, Vec<(u32, u32)>) {
    let mut taps = Vec::new();
    let mut spans = Vec::with_capacity(dst as usize);
    // Output sample i covers [i*src/dst, (i+1)*src/dst) in source units; in fixed point with
    // denominator dst every boundary is an integer.
    for i in 0..dst as u64 {
        let a = i * src as u64; // start * dst
        let b = (i + 1) * src as u64; // end * dst
        let first = taps.len() as u32;
        let len = b - a;
        let mut acc = 0u32;
        let mut j = a / dst as u64;
        while j * (dst as u64) < b {
            let lo = (j * dst as u64).max(a);
            let hi = ((j + 1) * dst as u64).min(b);
            let w = ((hi - lo) * 256 / len) as u32;
            taps.push(Tap {
                index: (j as u32).min(src - 1),
                weight: w,
            });
            acc += w;
            j += 1;
        }
        // Give the rounding remainder to the largest tap so that weights sum to 256.
        let n = taps.len() as u32 - first;
        if let Some(t) = taps[first as usize..].iter_mut().max_by_key(|t| t.weight) {
            t.weight += 256 - acc;
        }
        spans.push((first, n));
    }
    (taps, spans)
}

/// Resizes to `width`×`height` by area averaging (for reductions) or bilinear interpolation
/// (for enlargements). Zero target sizes are raised to 1.
pub fn resize_area(img: &GrayImage, width: u32, height: u32) -> GrayImage {
    let (width, height) = (width.max(1), height.max(1));
    let (sw, sh) = (img.width(), img.height());
    if sw == 0 || sh == 0 {
        return GrayImage::new(width, height, 255);
    }
    if (width, height) == (sw, sh) {
        return img.clone();
    }
    let (htaps, hspans) = area_taps_or_linear(sw, width);
    let (vtaps, vspans) = area_taps_or_linear(sh, height);
    let mut out = GrayImage::new(width, height, 255);
    let mut acc = vec![0u32; width as usize];
    let mut cached: Option<u32> = None;
    let mut cache = vec![0u32; width as usize];
    for (y, &(vf, vn)) in vspans.iter().enumerate() {
        acc.iter_mut().for_each(|a| *a = 0);
        for vt in &vtaps[vf as usize..(vf + vn) as usize] {
            if cached != Some(vt.index) {
                let src = img.row(vt.index);
                for (h, &(hf, hn)) in cache.iter_mut().zip(&hspans) {
                    let mut s = 0u32;
                    for t in &htaps[hf as usize..(hf + hn) as usize] {
                        s += src[t.index as usize] as u32 * t.weight;
                    }
                    *h = s;
                }
                cached = Some(vt.index);
            }
            for (a, &h) in acc.iter_mut().zip(&cache) {
                *a += h * vt.weight;
            }
        }
        for (o, &a) in out.row_mut(y as u32).iter_mut().zip(&acc) {
            *o = ((a + 32768) >> 16) as u8;
        }
    }
    out
}

/// Area taps for reductions, linear (two-tap) interpolation for enlargements.
fn area_taps_or_linear(src: u32, dst: u32) -> (Vec<Tap>, Vec<(u32, u32)>) {
    if dst <= src {
        return area_taps(src, dst);
    }
    let mut taps = Vec::with_capacity(2 * dst as usize);
    let mut spans = Vec::with_capacity(dst as usize);
    for i in 0..dst as u64 {
        // Centre of output sample i in source coordinates, times 2*dst: (2i+1)*src - dst.
        let num = ((2 * i + 1) * src as u64).saturating_sub(dst as u64);
        let den = 2 * dst as u64;
        let j = (num / den) as u32;
        let frac = ((num % den) * 256 / den) as u32;
        let first = taps.len() as u32;
        taps.push(Tap {
            index: j.min(src - 1),
            weight: 256 - frac,
        });
        taps.push(Tap {
            index: (j + 1).min(src - 1),
            weight: frac,
        });
        spans.push((first, 2));
    }
    (taps, spans)
}

/// Reduces `img` so that it has at most `max_pixels` pixels (0 = no limit), keeping the aspect
/// ratio. Returns the image and the scale applied (1.0 when unchanged).
pub fn reduce_to_working(img: GrayImage, max_pixels: u64) -> (GrayImage, f64) {
    let (w, h) = (img.width() as u64, img.height() as u64);
    if max_pixels == 0 || w * h <= max_pixels {
        return (img, 1.0);
    }
    let scale = (max_pixels as f64 / (w * h) as f64).sqrt();
    let nw = ((w as f64 * scale) as u32).max(1);
    let nh = ((h as f64 * scale) as u32).max(1);
    let out = resize_area(&img, nw, nh);
    (out, nw as f64 / w as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_2x2_blocks_exactly() {
        let img = GrayImage::from_raw(4, 2, vec![0, 255, 10, 20, 255, 0, 30, 40]).unwrap();
        let out = resize_area(&img, 2, 1);
        assert_eq!(out.data(), &[128, 25]);
    }

    #[test]
    fn fractional_reduction_preserves_mean_and_uniform_areas() {
        let img = GrayImage::new(1000, 700, 200);
        let out = resize_area(&img, 333, 251);
        assert!(out.data().iter().all(|&v| v == 200));
        let mut g = GrayImage::new(300, 300, 0);
        for (i, p) in g.data_mut().iter_mut().enumerate() {
            *p = ((i * 7919) % 256) as u8;
        }
        let mean = |im: &GrayImage| {
            im.data().iter().map(|&v| v as f64).sum::<f64>() / im.data().len() as f64
        };
        let r = resize_area(&g, 97, 113);
        assert!(
            (mean(&g) - mean(&r)).abs() < 1.0,
            "{} vs {}",
            mean(&g),
            mean(&r)
        );
    }

    #[test]
    fn working_reduction_respects_the_pixel_budget() {
        let img = GrayImage::new(4000, 3000, 255);
        let (out, s) = reduce_to_working(img, 9_000_000);
        assert!(out.width() as u64 * out.height() as u64 <= 9_000_000);
        assert!((s - 0.866).abs() < 0.01);
        let small = GrayImage::new(100, 100, 0);
        let (same, s) = reduce_to_working(small, 9_000_000);
        assert_eq!((same.width(), s), (100, 1.0));
    }

    #[test]
    fn enlargement_interpolates() {
        let img = GrayImage::from_raw(2, 1, vec![0, 255]).unwrap();
        let out = resize_area(&img, 4, 1);
        assert_eq!(out.data()[0], 0);
        assert_eq!(out.data()[3], 255);
        assert!(out.data()[1] > 0 && out.data()[1] < out.data()[2]);
    }
}
