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

/// The taps of every output sample as a window of `n` consecutive source samples starting at
/// `start[i]`, with `n` weights each (zero-padded). Every window lies inside the source, so the
/// hot loops take one slice per output sample and index it without further checks.
struct Windows {
    n: usize,
    start: Vec<u32>,
    weight: Vec<u32>,
}

impl Windows {
    fn new(src: u32, dst: u32) -> Windows {
        let (taps, spans) = area_taps_or_linear(src, dst);
        let span_of = |&(f, n): &(u32, u32)| &taps[f as usize..(f + n) as usize];
        // Taps of one sample are consecutive source indices (clamped ones repeat the last).
        let n = spans
            .iter()
            .map(|sp| {
                let t = span_of(sp);
                let lo = t.iter().map(|t| t.index).min().unwrap_or(0);
                let hi = t.iter().map(|t| t.index).max().unwrap_or(0);
                (hi - lo + 1) as usize
            })
            .max()
            .unwrap_or(1)
            .min(src as usize);
        let mut start = Vec::with_capacity(spans.len());
        let mut weight = vec![0u32; spans.len() * n];
        for (sp, w) in spans.iter().zip(weight.chunks_exact_mut(n)) {
            let t = span_of(sp);
            let lo = t.iter().map(|t| t.index).min().unwrap_or(0);
            let s = lo.min(src - n as u32);
            for tap in t {
                w[(tap.index - s) as usize] += tap.weight;
            }
            start.push(s);
        }
        Windows { n, start, weight }
    }
}

/// One row through the horizontal windows: `out[i] = Σ src[start_i + k] · w_i[k]`.
fn filter_row(src: &[u8], h: &Windows, out: &mut [u32]) {
    match h.n {
        1 => filter_row_n::<1>(src, h, out),
        2 => filter_row_n::<2>(src, h, out),
        3 => filter_row_n::<3>(src, h, out),
        4 => filter_row_n::<4>(src, h, out),
        n => {
            for ((o, &s), w) in out.iter_mut().zip(&h.start).zip(h.weight.chunks_exact(n)) {
                let win = &src[s as usize..s as usize + n];
                *o = win.iter().zip(w).map(|(&p, &w)| p as u32 * w).sum();
            }
        }
    }
}

/// [`filter_row`] for a window size known at compile time (the common reductions).
fn filter_row_n<const N: usize>(src: &[u8], h: &Windows, out: &mut [u32]) {
    for ((o, &s), w) in out.iter_mut().zip(&h.start).zip(h.weight.chunks_exact(N)) {
        let Some(win) = src.get(s as usize..s as usize + N) else {
            continue;
        };
        let mut acc = 0u32;
        for k in 0..N {
            acc += win[k] as u32 * w[k];
        }
        *o = acc;
    }
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
    let h = Windows::new(sw, width);
    let v = Windows::new(sh, height);
    let mut out = GrayImage::new(width, height, 255);
    let mut acc = vec![0u32; width as usize];
    // Source rows filtered horizontally, kept while the windows of the next output rows may
    // still need them: `rows[k]` holds source row `first + k`.
    let mut first = 0u32;
    let mut rows: Vec<Vec<u32>> = Vec::new();
    let mut spare: Vec<Vec<u32>> = Vec::new();
    for (y, (&vs, vw)) in v.start.iter().zip(v.weight.chunks_exact(v.n)).enumerate() {
        // Drop rows above this window; filter the rows it adds.
        let drop = (vs.saturating_sub(first) as usize).min(rows.len());
        spare.extend(rows.drain(..drop));
        first += drop as u32;
        if rows.is_empty() {
            first = vs;
        }
        while (rows.len() as u32) < vs + v.n as u32 - first {
            let r = first + rows.len() as u32;
            let mut buf = spare.pop().unwrap_or_else(|| vec![0u32; width as usize]);
            filter_row(img.row(r), &h, &mut buf);
            rows.push(buf);
        }
        acc.iter_mut().for_each(|a| *a = 0);
        let skip = (vs - first) as usize;
        for (row, &w) in rows[skip..].iter().zip(vw) {
            if w != 0 {
                for (a, &hv) in acc.iter_mut().zip(row) {
                    *a += hv * w;
                }
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

    /// The tap lists applied one by one, as the resize did before the windows: the windows must
    /// give the same bytes.
    fn resize_by_taps(img: &GrayImage, width: u32, height: u32) -> GrayImage {
        let (ht, hs) = area_taps_or_linear(img.width(), width);
        let (vt, vs) = area_taps_or_linear(img.height(), height);
        let mut out = GrayImage::new(width, height, 0);
        for (y, &(vf, vn)) in vs.iter().enumerate() {
            for (x, &(hf, hn)) in hs.iter().enumerate() {
                let mut a = 0u32;
                for v in &vt[vf as usize..(vf + vn) as usize] {
                    for h in &ht[hf as usize..(hf + hn) as usize] {
                        a += img.get(h.index, v.index) as u32 * h.weight * v.weight;
                    }
                }
                out.row_mut(y as u32)[x] = ((a + 32768) >> 16) as u8;
            }
        }
        out
    }

    #[test]
    fn windows_give_the_bytes_of_the_tap_lists() {
        let sizes = [
            (40, 30, 34, 26),
            (40, 30, 13, 7),
            (37, 23, 36, 22),
            (9, 5, 1, 1),
            (1, 7, 1, 3),
            (5, 4, 11, 9),
            (1, 1, 3, 2),
            (64, 3, 20, 3),
            (100, 80, 29, 11),
        ];
        for (sw, sh, dw, dh) in sizes {
            let mut img = GrayImage::new(sw, sh, 0);
            for (i, p) in img.data_mut().iter_mut().enumerate() {
                *p = ((i * 7919 + 13) % 251) as u8;
            }
            let fast = resize_area(&img, dw, dh);
            let slow = resize_by_taps(&img, dw, dh);
            assert_eq!(fast.data(), slow.data(), "{sw}x{sh} -> {dw}x{dh}");
        }
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
