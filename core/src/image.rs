//! The two raster types the pipeline passes along: 8-bit grayscale and packed 1-bit bilevel.

use crate::Error;

/// An 8-bit grayscale image, row-major, no padding (stride = width). 0 is black, 255 white.
#[derive(Clone, PartialEq, Eq)]
pub struct GrayImage {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for GrayImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayImage({}x{})", self.width, self.height)
    }
}

impl GrayImage {
    /// A `width`×`height` image filled with `value`.
    pub fn new(width: u32, height: u32, value: u8) -> Self {
        GrayImage {
            width,
            height,
            data: vec![value; width as usize * height as usize],
        }
    }

    /// Wraps a buffer of `width * height` bytes.
    pub fn from_raw(width: u32, height: u32, data: Vec<u8>) -> Result<Self, Error> {
        let expected = width as u64 * height as u64;
        if data.len() as u64 != expected {
            return Err(Error::BufferSizeMismatch {
                width,
                height,
                channels: 1,
                expected,
                actual: data.len() as u64,
            });
        }
        Ok(GrayImage {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    #[inline]
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in pixels.
    #[inline]
    pub fn height(&self) -> u32 {
        self.height
    }
    /// All pixels, row after row.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// All pixels, mutable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }
    /// Gives the pixel buffer back.
    pub fn into_raw(self) -> Vec<u8> {
        self.data
    }
    /// Row `y` (panics if `y >= height`, like slice indexing).
    #[inline]
    pub fn row(&self, y: u32) -> &[u8] {
        let w = self.width as usize;
        &self.data[y as usize * w..(y as usize + 1) * w]
    }
    /// Row `y`, mutable.
    #[inline]
    pub fn row_mut(&mut self, y: u32) -> &mut [u8] {
        let w = self.width as usize;
        &mut self.data[y as usize * w..(y as usize + 1) * w]
    }
    /// Iterates over the rows.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, u8> {
        self.data.chunks_exact(self.width.max(1) as usize)
    }
    /// Iterates over the rows, mutable.
    pub fn rows_mut(&mut self) -> std::slice::ChunksExactMut<'_, u8> {
        self.data.chunks_exact_mut(self.width.max(1) as usize)
    }
    /// Pixel at (`x`, `y`).
    #[inline]
    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.data[y as usize * self.width as usize + x as usize]
    }
}

/// A bilevel image packed 8 pixels per byte, most significant bit first, each row padded to a
/// whole byte. A set bit is ink (black), a clear bit is paper (white).
#[derive(Clone, PartialEq, Eq)]
pub struct BitImage {
    width: u32,
    height: u32,
    stride: usize,
    data: Vec<u8>,
}

impl std::fmt::Debug for BitImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BitImage({}x{})", self.width, self.height)
    }
}

impl BitImage {
    /// An all-white (no ink) image.
    pub fn new(width: u32, height: u32) -> Self {
        let stride = (width as usize).div_ceil(8);
        BitImage {
            width,
            height,
            stride,
            data: vec![0; stride * height as usize],
        }
    }

    /// Wraps packed rows of `ceil(width / 8)` bytes each; padding bits are cleared.
    pub fn from_packed(width: u32, height: u32, mut data: Vec<u8>) -> Result<Self, Error> {
        let stride = (width as usize).div_ceil(8);
        let expected = stride as u64 * height as u64;
        if data.len() as u64 != expected {
            return Err(Error::BufferSizeMismatch {
                width,
                height,
                channels: 1,
                expected,
                actual: data.len() as u64,
            });
        }
        let mut img = BitImage {
            width,
            height,
            stride,
            data: Vec::new(),
        };
        std::mem::swap(&mut img.data, &mut data);
        img.clear_padding();
        Ok(img)
    }

    /// Thresholds a grayscale image: pixels `<= threshold` become ink.
    pub fn from_gray_threshold(gray: &GrayImage, threshold: u8) -> Self {
        let mut out = BitImage::new(gray.width(), gray.height());
        for (y, src) in gray.rows().enumerate() {
            pack_row_le(src, threshold, out.row_mut(y as u32));
        }
        out
    }

    /// Width in pixels.
    #[inline]
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in pixels.
    #[inline]
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Bytes per packed row.
    #[inline]
    pub fn stride(&self) -> usize {
        self.stride
    }
    /// The packed rows.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// The packed rows, mutable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }
    /// Packed row `y`.
    #[inline]
    pub fn row(&self, y: u32) -> &[u8] {
        &self.data[y as usize * self.stride..(y as usize + 1) * self.stride]
    }
    /// Packed row `y`, mutable.
    #[inline]
    pub fn row_mut(&mut self, y: u32) -> &mut [u8] {
        &mut self.data[y as usize * self.stride..(y as usize + 1) * self.stride]
    }
    /// True if (`x`, `y`) is ink.
    #[inline]
    pub fn get(&self, x: u32, y: u32) -> bool {
        let b = self.data[y as usize * self.stride + (x as usize >> 3)];
        b & (0x80 >> (x & 7)) != 0
    }
    /// Sets (`x`, `y`) to ink (`true`) or paper.
    #[inline]
    pub fn set(&mut self, x: u32, y: u32, ink: bool) {
        let i = y as usize * self.stride + (x as usize >> 3);
        let m = 0x80u8 >> (x & 7);
        if ink {
            self.data[i] |= m;
        } else {
            self.data[i] &= !m;
        }
    }
    /// Number of ink pixels.
    pub fn count_ink(&self) -> u64 {
        self.data.iter().map(|b| b.count_ones() as u64).sum()
    }
    /// Expands to 8-bit gray: ink 0, paper 255.
    pub fn to_gray(&self) -> GrayImage {
        let mut g = GrayImage::new(self.width, self.height, 255);
        for y in 0..self.height {
            let src = self.row(y);
            for (x, p) in g.row_mut(y).iter_mut().enumerate() {
                if src[x >> 3] & (0x80 >> (x & 7)) != 0 {
                    *p = 0;
                }
            }
        }
        g
    }
    /// Clears the bits past `width` in every row, so that packed rows compare and count exactly.
    pub fn clear_padding(&mut self) {
        let rem = self.width % 8;
        if rem == 0 || self.stride == 0 {
            return;
        }
        let mask = !(0xFFu8 >> rem);
        let s = self.stride;
        for row in self.data.chunks_exact_mut(s) {
            row[s - 1] &= mask;
        }
    }
}

/// Packs one gray row into bits: a pixel `<= threshold` becomes a set (ink) bit.
///
/// 64 pixels at a time: a compare that vectorises gives 64 bytes of 0 or 1, then one multiply
/// per 8 of them moves byte j to bit 7 − j of the top byte (the partial products land on
/// distinct bits, so nothing carries into it).
#[inline]
pub(crate) fn pack_row_le(src: &[u8], threshold: u8, dst: &mut [u8]) {
    const MSB_FIRST: u64 = 0x8040_2010_0804_0201;
    let pack8 = |ink: &[u8]| -> u8 {
        let mut a = [0u8; 8];
        for (a, &i) in a.iter_mut().zip(ink) {
            *a = i;
        }
        (u64::from_le_bytes(a).wrapping_mul(MSB_FIRST) >> 56) as u8
    };
    let mut blocks = src.chunks_exact(64);
    let mut out = dst.chunks_exact_mut(8);
    for (d, c) in (&mut out).zip(&mut blocks) {
        let mut ink = [0u8; 64];
        for (i, &p) in ink.iter_mut().zip(c) {
            *i = (p <= threshold) as u8;
        }
        for (o, m) in d.iter_mut().zip(ink.chunks_exact(8)) {
            *o = pack8(m);
        }
    }
    // The last partial block: whole bytes, then the final bits (a short chunk packs zeros).
    let rest = blocks.remainder();
    let done = src.len() - rest.len();
    for (o, c) in dst.iter_mut().skip(done / 8).zip(rest.chunks(8)) {
        let mut ink = [0u8; 8];
        for (i, &p) in ink.iter_mut().zip(c) {
            *i = (p <= threshold) as u8;
        }
        *o = pack8(&ink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_packs_msb_first_and_clears_padding() {
        let g =
            GrayImage::from_raw(10, 1, vec![0, 255, 10, 255, 255, 255, 255, 200, 5, 255]).unwrap();
        let b = BitImage::from_gray_threshold(&g, 128);
        assert_eq!(b.row(0), &[0b1010_0000, 0b1000_0000]);
        assert_eq!(b.count_ink(), 3);
        assert!(b.get(8, 0) && !b.get(9, 0));
        assert_eq!(b.to_gray().data()[..3], [0, 255, 0]);
    }

    #[test]
    fn from_raw_checks_size() {
        assert!(matches!(
            GrayImage::from_raw(3, 3, vec![0; 8]),
            Err(Error::BufferSizeMismatch {
                expected: 9,
                actual: 8,
                ..
            })
        ));
    }
}
