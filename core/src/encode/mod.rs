//! Output encoders: CCITT Group 4 (raw and in a baseline TIFF) and lossless JBIG2 for bilevel pages, PNG for
//! bilevel and gray, JPEG for gray. All are pure Rust and deterministic, so native and wasm32
//! builds give the same bytes.

mod deflate;
mod g4;
mod jbig2;
mod jpeg;
mod png;
mod tiff;

/// The writer's Paeth predictor: the textbook form the PNG reader's fast one is tested against.
#[cfg(test)]
pub(crate) use self::png::paeth;

pub use self::g4::encode_g4;
pub use self::jbig2::{encode_jbig2, encode_jbig2_embedded, encode_jbig2_with, Jbig2Params};
pub use self::jpeg::encode_jpeg_gray;
pub(crate) use self::jpeg::ZIGZAG;
pub use self::png::{encode_png_bilevel, encode_png_gray};
pub use self::tiff::encode_g4_tiff;

/// Deterministic test bitmaps shared by the encoder tests (no `rand` dependency).
#[cfg(test)]
pub(crate) mod testutil {
    use crate::BitImage;

    /// xorshift64* generator: tiny, deterministic, good enough for test bitmaps.
    pub struct Rng(u64);

    impl Rng {
        /// A generator from a non-zero-ised seed.
        pub fn new(seed: u64) -> Self {
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }
        /// Next 64 random bits.
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        /// Uniform in `0..n` (n > 0).
        pub fn below(&mut self, n: u32) -> u32 {
            (((self.next() >> 32) * n as u64) >> 32) as u32
        }
    }

    /// Random noise where each pixel is ink with probability `ink_per_256 / 256`.
    pub fn random_bitmap(width: u32, height: u32, ink_per_256: u32, seed: u64) -> BitImage {
        let mut rng = Rng::new(seed);
        let mut img = BitImage::new(width, height);
        for y in 0..height {
            for x in 0..width {
                if rng.below(256) < ink_per_256 {
                    img.set(x, y, true);
                }
            }
        }
        img
    }

    /// A page with text-like structure: lines of "words" made of 26 random 5×7 glyphs scaled
    /// ×4/×5 (≈ 10 pt at 300 dpi), plus a rule and a filled box, on white.
    pub fn text_page(width: u32, height: u32, seed: u64) -> BitImage {
        let mut rng = Rng::new(seed);
        let glyphs: Vec<[u8; 7]> = (0..26)
            .map(|_| {
                let mut g = [0u8; 7];
                for row in g.iter_mut() {
                    *row = (rng.next() >> 40) as u8 & 0x1F;
                }
                g
            })
            .collect();
        let mut img = BitImage::new(width, height);
        let (sx, sy, margin) = (4u32, 5u32, width / 12);
        let mut y = height / 14;
        while y + 7 * sy + 20 < height.saturating_sub(height / 14) {
            let mut x = margin;
            loop {
                let word = 2 + rng.below(8);
                if x + word * (5 * sx + 4) > width.saturating_sub(margin) {
                    break;
                }
                for _ in 0..word {
                    let g = &glyphs[rng.below(26) as usize];
                    for (gy, bits) in g.iter().enumerate() {
                        for gx in 0..5u32 {
                            if bits >> (4 - gx) & 1 == 1 {
                                for dy in 0..sy {
                                    for dx in 0..sx {
                                        img.set(x + gx * sx + dx, y + gy as u32 * sy + dy, true);
                                    }
                                }
                            }
                        }
                    }
                    x += 5 * sx + 4;
                }
                x += 24;
            }
            y += 7 * sy + 20;
        }
        // A horizontal rule and a solid box: long runs for the make-up codes.
        let ry = height / 20;
        for x in margin..width.saturating_sub(margin) {
            for dy in 0..3 {
                if ry + dy < height {
                    img.set(x, ry + dy, true);
                }
            }
        }
        for yy in height * 9 / 10..(height * 9 / 10 + 40).min(height) {
            for x in width / 3..width * 2 / 3 {
                img.set(x, yy, true);
            }
        }
        img
    }

    /// FNV-1a 64 over bytes: a stable fingerprint for golden-output tests.
    pub fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
        })
    }
}
