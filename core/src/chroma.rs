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
    /// The block row being summed: Cb and Cr sums (×256) per block column.
    sums: Vec<[i64; 2]>,
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
            sums: vec![[0; 2]; width.div_ceil(block)],
            rows: 0,
            done: 0,
            cb: Vec::with_capacity(width.div_ceil(block) * height.div_ceil(block)),
            cr: Vec::with_capacity(width.div_ceil(block) * height.div_ceil(block)),
        }
    }

    /// Adds the next rows, `channels` bytes per pixel (3: RGB, 4: RGBA, composited over
    /// white as the luma is); bytes beyond the image's last row are ignored.
    pub fn push_rows(&mut self, pixels: &[u8], channels: usize) {
        if !(3..=4).contains(&channels) || self.width == 0 {
            return;
        }
        for row in pixels.chunks_exact(self.width * channels) {
            if self.done >= self.height {
                return;
            }
            // Block by block: the sums stay in registers, no division per pixel.
            for (s, block) in self.sums.iter_mut().zip(row.chunks(self.block * channels)) {
                let (mut cb, mut cr) = (0i64, 0i64);
                for p in block.chunks_exact(channels) {
                    let (mut r, mut g, mut b) = (p[0] as i64, p[1] as i64, p[2] as i64);
                    if channels == 4 && p[3] < 255 {
                        let a = p[3] as i64;
                        let over = |c: i64| (c * a + 255 * (255 - a) + 127) / 255;
                        (r, g, b) = (over(r), over(g), over(b));
                    }
                    cb += -43 * r - 85 * g + 128 * b;
                    cr += 128 * r - 107 * g - 21 * b;
                }
                s[0] += cb;
                s[1] += cr;
            }
            self.done += 1;
            self.rows += 1;
            if self.rows == self.block || self.done == self.height {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        let rows = self.rows as i64;
        for (bx, s) in self.sums.iter_mut().enumerate() {
            let cols = (self.width - bx * self.block).min(self.block) as i64;
            let n = 256 * cols * rows;
            let mean = |v: i64| (128 + (2 * v + n).div_euclid(2 * n)).clamp(0, 255) as u8;
            self.cb.push(mean(s[0]));
            self.cr.push(mean(s[1]));
            *s = [0; 2];
        }
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
}
