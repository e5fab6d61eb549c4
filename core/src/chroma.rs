//! Chroma: a reduced colour-difference image (Cb and Cr, as JPEG stores them) kept beside the
//! luma for page detection only. A white page on a light desk differs from it in luma by a few
//! levels, but often clearly in colour (a cream, grey-blue or pine desk), so the page detector
//! looks for the page in the colour too (`page.rs`).
//!
//! One sample per block of pixels, never at full resolution: a JPEG gives the mean of each
//! chroma block for free (its DC coefficient, read while the luma is decoded), and an RGB
//! source (PNG, WebP, raw RGBA) is reduced to block means as its rows go by. The whole
//! image's chroma then costs two bytes per block, and no full-size colour copy is ever held.

use crate::GrayImage;

/// The colour-difference image: one Cb and one Cr sample per block of image pixels (128 is
/// neutral, JFIF's full-range BT.601 scale).
#[derive(Clone, PartialEq)]
pub struct Chroma {
    cb: GrayImage,
    cr: GrayImage,
    /// Image pixels per sample, across and down.
    step: [f64; 2],
    /// Image position of the top-left corner of sample (0, 0) (negative when the first block
    /// is only partly inside the image, after a flip).
    origin: [f64; 2],
}

impl std::fmt::Debug for Chroma {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Chroma({}x{})", self.cb.width(), self.cb.height())
    }
}

impl Chroma {
    /// Wraps two planes of equal size whose samples cover `step_x`×`step_y` image pixels each,
    /// starting at the image's top-left; `None` when the planes differ in size or a step is 0.
    pub(crate) fn new(cb: GrayImage, cr: GrayImage, step_x: u32, step_y: u32) -> Option<Chroma> {
        let same = cb.width() == cr.width() && cb.height() == cr.height();
        (same && step_x > 0 && step_y > 0 && cb.width() > 0 && cb.height() > 0).then_some(Chroma {
            cb,
            cr,
            step: [step_x as f64, step_y as f64],
            origin: [0.0, 0.0],
        })
    }

    /// Samples across and down.
    pub fn size(&self) -> (u32, u32) {
        (self.cb.width(), self.cb.height())
    }

    /// The chroma of an image that `orientation` (EXIF, 1 to 8) turns upright, turned the same
    /// way; `width`×`height` is the image as stored.
    pub(crate) fn oriented(self, orientation: u8, width: u32, height: u32) -> Chroma {
        if !(2..=8).contains(&orientation) {
            return self;
        }
        let Chroma {
            cb,
            cr,
            step,
            origin,
        } = self;
        let (n, m) = (cb.width() as f64, cb.height() as f64);
        let (w, h) = (width as f64, height as f64);
        // Where the flipped grid starts: the old far edge's distance from the far side.
        let flip_x = w - (origin[0] + n * step[0]);
        let flip_y = h - (origin[1] + m * step[1]);
        let (step, origin) = match orientation {
            2 => (step, [flip_x, origin[1]]),
            3 => (step, [flip_x, flip_y]),
            4 => (step, [origin[0], flip_y]),
            // Transposed: across becomes down. 5 is the transpose, 6 turns 90° clockwise
            // (x' = h − 1 − y), 7 the transverse, 8 turns 90° anticlockwise (y' = w − 1 − x).
            5 => ([step[1], step[0]], [origin[1], origin[0]]),
            6 => ([step[1], step[0]], [flip_y, origin[0]]),
            7 => ([step[1], step[0]], [flip_y, flip_x]),
            _ => ([step[1], step[0]], [origin[1], flip_x]),
        };
        Chroma {
            cb: crate::decode::apply_orientation(cb, orientation),
            cr: crate::decode::apply_orientation(cr, orientation),
            step,
            origin,
        }
    }

    /// Cb and Cr at image position (`x`, `y`), bilinear between block centres (the nearest
    /// edge sample beyond them).
    #[inline]
    pub(crate) fn at(&self, x: f64, y: f64) -> (f32, f32) {
        let (n, m) = (self.cb.width() as usize, self.cb.height() as usize);
        let u = ((x - self.origin[0]) / self.step[0] - 0.5).clamp(0.0, (n - 1) as f64);
        let v = ((y - self.origin[1]) / self.step[1] - 0.5).clamp(0.0, (m - 1) as f64);
        let (u0, v0) = (u.floor() as usize, v.floor() as usize);
        let (u1, v1) = ((u0 + 1).min(n - 1), (v0 + 1).min(m - 1));
        let (fu, fv) = ((u - u0 as f64) as f32, (v - v0 as f64) as f32);
        let bil = |p: &GrayImage| {
            let d = p.data();
            let g = |a: usize, b: usize| d[b * n + a] as f32;
            let top = g(u0, v0) + (g(u1, v0) - g(u0, v0)) * fu;
            let bot = g(u0, v1) + (g(u1, v1) - g(u0, v1)) * fu;
            top + (bot - top) * fv
        };
        (bil(&self.cb), bil(&self.cr))
    }
}

/// Reduces RGB(A) rows, as a decoder or a host yields them, to a [`Chroma`] of block means.
pub struct ChromaBuilder {
    width: usize,
    height: usize,
    block: usize,
    /// The block row being summed: Cb and Cr sums (×256) per image column, over its rows so
    /// far (at most 32,640 a pixel, so an `i32` holds 65,000 rows).
    col_cb: Vec<i32>,
    col_cr: Vec<i32>,
    /// Rows summed into the current block row.
    rows: usize,
    /// Rows pushed so far.
    done: usize,
    cb: Vec<u8>,
    cr: Vec<u8>,
}

impl ChromaBuilder {
    /// For a `width`×`height` image (as stored), with blocks sized like the page detector's
    /// analysis copy.
    pub fn new(width: u32, height: u32) -> ChromaBuilder {
        let block = crate::page::analysis_factor(width, height) as usize;
        let (width, height) = (width as usize, height as usize);
        ChromaBuilder {
            width,
            height,
            block,
            col_cb: vec![0; width],
            col_cr: vec![0; width],
            rows: 0,
            done: 0,
            cb: Vec::with_capacity(width.div_ceil(block) * height.div_ceil(block)),
            cr: Vec::with_capacity(width.div_ceil(block) * height.div_ceil(block)),
        }
    }

    /// Adds the next rows, `channels` bytes per pixel (3: RGB, 4: RGBA, composited over
    /// white as the luma is); bytes beyond the image's last row are ignored.
    pub fn push_rows(&mut self, pixels: &[u8], channels: usize) {
        match channels {
            3 => self.push::<3>(pixels),
            4 => self.push::<4>(pixels),
            _ => {}
        }
    }

    /// [`ChromaBuilder::push_rows`] for `C` bytes per pixel: each row adds into per-column
    /// sums (one pass in memory order, no division), which the block row's last row folds
    /// into block sums.
    fn push<const C: usize>(&mut self, pixels: &[u8]) {
        if self.width == 0 {
            return;
        }
        for row in pixels.chunks_exact(self.width * C) {
            if self.done >= self.height {
                return;
            }
            // Sixteen pixels at a time: where all are opaque (always, for a camera frame or a
            // photo), without the compositing, on SIMD lanes.
            const N: usize = 16;
            let mut cb = self.col_cb.chunks_exact_mut(N);
            let mut cr = self.col_cr.chunks_exact_mut(N);
            let mut px = row.chunks_exact(N * C);
            for ((cb, cr), px) in (&mut cb).zip(&mut cr).zip(&mut px) {
                if crate::decode::opaque::<C>(px) {
                    add_chroma::<C, true>(cb, cr, px);
                } else {
                    add_chroma::<C, false>(cb, cr, px);
                }
            }
            let (cb, cr) = (cb.into_remainder(), cr.into_remainder());
            add_chroma::<C, false>(cb, cr, px.remainder());
            self.done += 1;
            self.rows += 1;
            if self.rows == self.block || self.done == self.height {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        let rows = self.rows as i64;
        let blocks = self
            .col_cb
            .chunks(self.block)
            .zip(self.col_cr.chunks(self.block));
        let mut last_n = 0;
        let mut inv = 0.0;
        for (bcb, bcr) in blocks {
            let n = 256 * bcb.len() as i64 * rows;
            if n != last_n {
                (last_n, inv) = (n, 1.0 / (2 * n) as f64);
            }
            // The mean rounded half up, ⌊(2v + n) / 2n⌋: a multiplication by the reciprocal,
            // then corrected to the exact quotient (a division per block cost more than the
            // pixels' sums).
            let mean = |v: i64| {
                let (a, d) = (2 * v + n, 2 * n);
                let mut q = (a as f64 * inv).floor() as i64;
                if q * d > a {
                    q -= 1;
                } else if (q + 1) * d <= a {
                    q += 1;
                }
                (128 + q).clamp(0, 255) as u8
            };
            let sum = |v: &[i32]| v.iter().map(|&x| x as i64).sum::<i64>();
            self.cb.push(mean(sum(bcb)));
            self.cr.push(mean(sum(bcr)));
        }
        self.col_cb.fill(0);
        self.col_cr.fill(0);
        self.rows = 0;
    }

    /// The chroma, once every row was pushed (`None` before).
    pub fn finish(self) -> Option<Chroma> {
        if self.done < self.height || self.height == 0 {
            return None;
        }
        let (n, m) = (
            self.width.div_ceil(self.block),
            self.height.div_ceil(self.block),
        );
        let cb = GrayImage::from_raw(n as u32, m as u32, self.cb).ok()?;
        let cr = GrayImage::from_raw(n as u32, m as u32, self.cr).ok()?;
        Chroma::new(cb, cr, self.block as u32, self.block as u32)
    }
}

/// Adds the Cb and Cr (×256) of the pixels `px` (`C` bytes each) to the column sums; with
/// `OPAQUE` the alpha is known to be 255 and is not read.
#[inline(always)]
fn add_chroma<const C: usize, const OPAQUE: bool>(cb: &mut [i32], cr: &mut [i32], px: &[u8]) {
    for ((cb, cr), p) in cb.iter_mut().zip(cr.iter_mut()).zip(px.chunks_exact(C)) {
        let (mut r, mut g, mut b) = (p[0] as i32, p[1] as i32, p[2] as i32);
        if !OPAQUE && C == 4 && p[C - 1] < 255 {
            let a = p[C - 1] as i32;
            let over = |c: i32| (c * a + 255 * (255 - a) + 127) / 255;
            (r, g, b) = (over(r), over(g), over(b));
        }
        *cb += -43 * r - 85 * g + 128 * b;
        *cr += 128 * r - 107 * g - 21 * b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 40×24 image, left half one colour, right half another.
    fn halves(left: [u8; 3], right: [u8; 3]) -> Vec<u8> {
        let mut px = Vec::new();
        for _ in 0..24 {
            for x in 0..40 {
                px.extend_from_slice(if x < 20 { &left } else { &right });
            }
        }
        px
    }

    #[test]
    fn block_means_are_jfif_chroma() {
        let mut b = ChromaBuilder::new(40, 24);
        b.push_rows(&halves([255, 255, 255], [0, 0, 255]), 3);
        let c = b.finish().unwrap();
        assert_eq!(c.size(), (40, 24));
        // White is neutral; pure blue has Cb 255 (128 + 127.5) and Cr 107.
        assert_eq!(c.at(5.0, 5.0), (128.0, 128.0));
        let (cb, cr) = c.at(35.0, 5.0);
        assert_eq!((cb, cr), (255.0, 107.0));
    }

    #[test]
    fn orientation_moves_the_colour_with_the_pixels() {
        let mut b = ChromaBuilder::new(40, 24);
        b.push_rows(&halves([255, 255, 255], [0, 0, 255]), 3);
        let c = b.finish().unwrap();
        // Turned 90° clockwise, the blue right half is the bottom half (24 wide, 40 tall).
        let t = c.clone().oriented(6, 40, 24);
        assert!(t.at(12.0, 35.0).0 > 250.0 && t.at(12.0, 5.0).0 == 128.0);
        // Mirrored, it is the left half.
        let m = c.oriented(2, 40, 24);
        assert!(m.at(5.0, 5.0).0 > 250.0 && m.at(35.0, 5.0).0 == 128.0);
    }

    #[test]
    fn transparent_pixels_are_white_paper() {
        let mut b = ChromaBuilder::new(2, 1);
        b.push_rows(&[0, 0, 255, 0, 0, 0, 255, 0], 4);
        assert_eq!(b.finish().unwrap().at(0.5, 0.5), (128.0, 128.0));
    }

    #[test]
    fn an_unfinished_image_has_no_chroma() {
        let mut b = ChromaBuilder::new(4, 4);
        b.push_rows(&[0; 4 * 3 * 2], 3);
        assert!(b.finish().is_none());
    }

    /// The block means by the definition: each pixel composited over white, its Cb and Cr
    /// (×256) summed per block, the mean rounded half up by an integer division.
    fn reference(px: &[u8], w: usize, h: usize, c: usize, block: usize) -> (Vec<u8>, Vec<u8>) {
        let (mut cb, mut cr) = (Vec::new(), Vec::new());
        for by in (0..h).step_by(block) {
            for bx in (0..w).step_by(block) {
                let (mut sb, mut sr, mut n) = (0i64, 0i64, 0i64);
                for y in by..(by + block).min(h) {
                    for x in bx..(bx + block).min(w) {
                        let p = &px[(y * w + x) * c..][..c];
                        let a = if c == 4 { p[3] as i64 } else { 255 };
                        let over = |v: u8| (v as i64 * a + 255 * (255 - a) + 127) / 255;
                        let (r, g, b) = (over(p[0]), over(p[1]), over(p[2]));
                        sb += -43 * r - 85 * g + 128 * b;
                        sr += 128 * r - 107 * g - 21 * b;
                        n += 256;
                    }
                }
                let mean = |v: i64| (128 + (2 * v + n).div_euclid(2 * n)).clamp(0, 255) as u8;
                cb.push(mean(sb));
                cr.push(mean(sr));
            }
        }
        (cb, cr)
    }

    #[test]
    fn block_means_match_the_definition_on_any_pixels() {
        // Sizes with partial blocks and partial 16-pixel runs; opaque, translucent and mixed
        // runs; pushed in uneven strips.
        let mut seed = 0x2545_f491u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for (w, h, c) in [(1283usize, 731usize, 4usize), (997, 503, 3), (50, 40, 4)] {
            let mut px: Vec<u8> = (0..w * h * c).map(|_| next() as u8).collect();
            if c == 4 {
                // Most runs opaque, as a photo's are.
                for (i, p) in px.chunks_exact_mut(4).enumerate() {
                    if (i / 16) % 5 != 0 {
                        p[3] = 255;
                    }
                }
            }
            let mut b = ChromaBuilder::new(w as u32, h as u32);
            let block = b.block;
            for strip in px.chunks(w * c * 7) {
                b.push_rows(strip, c);
            }
            let got = b.finish().unwrap();
            let (cb, cr) = reference(&px, w, h, c, block);
            assert_eq!(got.cb.data(), &cb[..], "{w}x{h}x{c}");
            assert_eq!(got.cr.data(), &cr[..], "{w}x{h}x{c}");
        }
    }
}
