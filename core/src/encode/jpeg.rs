//! Baseline JPEG writer for 8-bit gray (ITU-T T.81, sequential DCT, Huffman; JFIF 1.02 header).
//!
//! One component, the Annex K luminance quantisation table scaled by quality as libjpeg does
//! (`5000 / q` below 50, `200 - 2 q` above), the Annex K.3 and K.5 Huffman tables, and the
//! floating-point AAN forward DCT (Arai, Agui and Nakajima, 1988, as in libjpeg's `jfdctflt`)
//! with its scale factors folded into the quantiser. Partial blocks at the right and bottom
//! edges repeat the last column and row. IEEE single precision without fused operations gives
//! the same bytes on every target.

use crate::{Error, GrayImage};

/// Natural order of the zig-zag sequence: `ZIGZAG[k]` is the raster index of coefficient `k`.
pub(crate) const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Annex K.1 luminance quantisation table, in raster order.
const LUMA_Q: [u8; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Annex K.3: code counts per length (1 to 16) and values of the luminance DC table.
const DC_BITS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/// Annex K.5: code counts per length and values of the luminance AC table.
const AC_BITS: [u8; 16] = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALUES: [u8; 162] = [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
];

/// Encodes `img` as a one-component baseline JPEG at `quality` (clamped to 1..=100), with the
/// JFIF density set to `dpi` dots per inch when given and non-zero (clamped to 65535).
///
/// Errors: [`Error::EmptyImage`] for a 0-pixel side, [`Error::Encode`] when the image does not
/// fit JPEG (sides are limited to 65535).
pub fn encode_jpeg_gray(img: &GrayImage, quality: u8, dpi: Option<u32>) -> Result<Vec<u8>, Error> {
    let (width, height) = (img.width(), img.height());
    if width == 0 || height == 0 {
        return Err(Error::EmptyImage { width, height });
    }
    if width > u16::MAX as u32 || height > u16::MAX as u32 {
        return Err(Error::Encode {
            format: "jpeg",
            reason: format!("{width}x{height} exceeds the JPEG limit of 65535 pixels per side"),
        });
    }
    let q = quality.clamp(1, 100) as u32;
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
    let mut qtable = [0u8; 64];
    for (t, &base) in qtable.iter_mut().zip(LUMA_Q.iter()) {
        *t = ((base as u32 * scale + 50) / 100).clamp(1, 255) as u8;
    }

    let mut out = Vec::with_capacity(img.data().len() / 8 + 1024);
    out.extend_from_slice(&[0xFF, 0xD8]);
    // APP0 JFIF 1.02: density in dots per inch, or a 1:1 aspect ratio.
    let (units, density) = match dpi.filter(|&d| d > 0) {
        Some(d) => (1u8, d.min(u16::MAX as u32) as u16),
        None => (0u8, 1u16),
    };
    segment(&mut out, 0xE0, &{
        let mut s = b"JFIF\0\x01\x02".to_vec();
        s.push(units);
        s.extend_from_slice(&density.to_be_bytes());
        s.extend_from_slice(&density.to_be_bytes());
        s.extend_from_slice(&[0, 0]);
        s
    });
    // DQT: table 0, 8-bit, in zig-zag order.
    let mut dqt = vec![0u8];
    dqt.extend(ZIGZAG.iter().map(|&z| qtable[z as usize]));
    segment(&mut out, 0xDB, &dqt);
    // SOF0: 8-bit, one component (id 1, 1x1 sampling, table 0).
    let mut sof = vec![8];
    sof.extend_from_slice(&(height as u16).to_be_bytes());
    sof.extend_from_slice(&(width as u16).to_be_bytes());
    sof.extend_from_slice(&[1, 1, 0x11, 0]);
    segment(&mut out, 0xC0, &sof);
    // DHT: DC table 0 and AC table 0.
    let mut dht = vec![0x00];
    dht.extend_from_slice(&DC_BITS);
    dht.extend_from_slice(&DC_VALUES);
    dht.push(0x10);
    dht.extend_from_slice(&AC_BITS);
    dht.extend_from_slice(&AC_VALUES);
    segment(&mut out, 0xC4, &dht);
    // SOS: one component, tables 0/0, full spectral range.
    segment(&mut out, 0xDA, &[1, 1, 0x00, 0, 63, 0]);

    let dc = Huffman::new(&DC_BITS, &DC_VALUES);
    let ac = Huffman::new(&AC_BITS, &AC_VALUES);
    // Quantiser divisors with the AAN output scaling folded in (jfdctflt/jcdctmgr).
    const AAN: [f32; 8] = [
        1.0,
        1.387_039_8,
        1.306_563,
        1.175_875_6,
        1.0,
        0.785_694_96,
        0.541_196_1,
        0.275_899_38,
    ];
    let mut recip = [0f32; 64];
    for (i, r) in recip.iter_mut().enumerate() {
        *r = 1.0 / (qtable[i] as f32 * AAN[i / 8] * AAN[i % 8] * 8.0);
    }
    let mut bits = BitWriter { out, acc: 0, n: 0 };
    let (w, h) = (width as usize, height as usize);
    let data = img.data();
    let mut prev_dc = 0i32;
    let mut block = [0f32; 64];
    for by in (0..h).step_by(8) {
        for bx in (0..w).step_by(8) {
            for y in 0..8 {
                let row = &data[(by + y).min(h - 1) * w..][..w];
                for x in 0..8 {
                    block[y * 8 + x] = row[(bx + x).min(w - 1)] as f32 - 128.0;
                }
            }
            fdct(&mut block);
            let mut coef = [0i32; 64];
            for (k, &z) in ZIGZAG.iter().enumerate() {
                let v = block[z as usize] * recip[z as usize];
                coef[k] = v.round() as i32;
            }
            // DC difference, then the AC run lengths.
            let diff = coef[0] - prev_dc;
            prev_dc = coef[0];
            let (size, bits_v) = magnitude(diff);
            bits.put(dc.code[size as usize], dc.len[size as usize]);
            bits.put(bits_v, size);
            let mut run = 0u32;
            for &c in &coef[1..] {
                if c == 0 {
                    run += 1;
                    continue;
                }
                while run > 15 {
                    bits.put(ac.code[0xF0], ac.len[0xF0]);
                    run -= 16;
                }
                let (size, v) = magnitude(c);
                let sym = (run << 4 | size) as usize;
                bits.put(ac.code[sym], ac.len[sym]);
                bits.put(v, size);
                run = 0;
            }
            if run > 0 {
                bits.put(ac.code[0], ac.len[0]);
            }
        }
    }
    let mut out = bits.finish();
    out.extend_from_slice(&[0xFF, 0xD9]);
    Ok(out)
}

/// Appends a marker segment: `FF marker`, its length and `body`.
fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// The size category of a coefficient and its low bits (T.81 F.1.2.1: negative values are
/// coded as `v - 1` in `size` bits).
fn magnitude(v: i32) -> (u32, u32) {
    let size = 32 - v.unsigned_abs().leading_zeros();
    let bits = if v < 0 { v - 1 } else { v } as u32 & ((1u32 << size) - 1);
    (size, bits)
}

/// Code and length of each symbol of a Huffman table given as counts per length and values
/// (T.81 Annex C).
struct Huffman {
    code: [u32; 256],
    len: [u32; 256],
}

impl Huffman {
    fn new(bits: &[u8; 16], values: &[u8]) -> Self {
        let mut h = Huffman {
            code: [0; 256],
            len: [0; 256],
        };
        let (mut code, mut k) = (0u32, 0usize);
        for (i, &count) in bits.iter().enumerate() {
            for _ in 0..count {
                let v = values[k] as usize;
                h.code[v] = code;
                h.len[v] = i as u32 + 1;
                code += 1;
                k += 1;
            }
            code <<= 1;
        }
        h
    }
}

/// Entropy-coded data: bits most significant first, with a 0 stuffed after each 0xFF byte.
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, bits: u32, len: u32) {
        if len == 0 {
            return;
        }
        self.acc = (self.acc << len) | (bits & ((1u32 << len) - 1));
        self.n += len;
        while self.n >= 8 {
            self.n -= 8;
            let b = (self.acc >> self.n) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
        }
        self.acc &= (1u32 << self.n) - 1;
    }

    /// Pads the last byte with 1 bits (T.81 F.1.2.3) and returns the bytes.
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.put((1 << pad) - 1, pad);
        }
        self.out
    }
}

/// In-place forward DCT of an 8x8 block, rows then columns (AAN, as libjpeg's `jfdctflt`);
/// the outputs are scaled by 8 times the AAN factors, which the quantiser divides out.
fn fdct(d: &mut [f32; 64]) {
    for pass in 0..2 {
        for i in 0..8 {
            let (at, step) = if pass == 0 { (i * 8, 1) } else { (i, 8) };
            let p = |k: usize| at + k * step;
            let tmp0 = d[p(0)] + d[p(7)];
            let tmp7 = d[p(0)] - d[p(7)];
            let tmp1 = d[p(1)] + d[p(6)];
            let tmp6 = d[p(1)] - d[p(6)];
            let tmp2 = d[p(2)] + d[p(5)];
            let tmp5 = d[p(2)] - d[p(5)];
            let tmp3 = d[p(3)] + d[p(4)];
            let tmp4 = d[p(3)] - d[p(4)];
            // Even part.
            let tmp10 = tmp0 + tmp3;
            let tmp13 = tmp0 - tmp3;
            let tmp11 = tmp1 + tmp2;
            let tmp12 = tmp1 - tmp2;
            d[p(0)] = tmp10 + tmp11;
            d[p(4)] = tmp10 - tmp11;
            let z1 = (tmp12 + tmp13) * 0.707_106_77;
            d[p(2)] = tmp13 + z1;
            d[p(6)] = tmp13 - z1;
            // Odd part.
            let tmp10 = tmp4 + tmp5;
            let tmp11 = tmp5 + tmp6;
            let tmp12 = tmp6 + tmp7;
            let z5 = (tmp10 - tmp12) * 0.382_683_43;
            let z2 = 0.541_196_1 * tmp10 + z5;
            let z4 = 1.306_563 * tmp12 + z5;
            let z3 = tmp11 * 0.707_106_77;
            let z11 = tmp7 + z3;
            let z13 = tmp7 - z3;
            d[p(5)] = z13 + z2;
            d[p(3)] = z13 - z2;
            d[p(1)] = z11 + z4;
            d[p(7)] = z11 - z4;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_round_trips_approximately_with_density() {
        let (w, h) = (37u32, 21u32);
        let data: Vec<u8> = (0..w * h).map(|i| ((i % w) * 6) as u8).collect();
        let img = GrayImage::from_raw(w, h, data).unwrap();
        let jpg = encode_jpeg_gray(&img, 95, Some(300)).unwrap();
        assert_eq!(&jpg[..2], &[0xFF, 0xD8]);
        // JFIF APP0: units 1 (dpi), 300 x 300.
        let app0 = jpg
            .windows(5)
            .position(|w| w == b"JFIF\0")
            .expect("JFIF header");
        assert_eq!(&jpg[app0 + 7..app0 + 12], &[1, 0x01, 0x2C, 0x01, 0x2C]);
        let dec = image::load_from_memory_with_format(&jpg, image::ImageFormat::Jpeg).unwrap();
        assert_eq!(dec.color(), image::ColorType::L8);
        let back = dec.to_luma8();
        let max_err = back
            .as_raw()
            .iter()
            .zip(img.data())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(max_err <= 12, "max error {max_err}");
    }

    /// A page-like test image: text-like strokes on a paper gradient.
    fn page(w: u32, h: u32) -> GrayImage {
        let data = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let paper = 200 + (x + y) % 40;
                let ink = (y % 24 < 14) && (x % 11 < 3 || (y % 24) % 7 == 1);
                (if ink { 30 + (x * 7 % 20) } else { paper }) as u8
            })
            .collect();
        GrayImage::from_raw(w, h, data).unwrap()
    }

    fn psnr(a: &[u8], b: &[u8]) -> f64 {
        let mse = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
            .sum::<f64>()
            / a.len() as f64;
        10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
    }

    #[test]
    fn quality_trades_size_for_fidelity_like_libjpeg() {
        let img = page(203, 157);
        let mut last_size = 0;
        let mut last_psnr = 0.0;
        for q in [30u8, 60, 85, 95] {
            let jpg = encode_jpeg_gray(&img, q, None).unwrap();
            let back = crate::decode::decode_image(&jpg, &Default::default())
                .unwrap()
                .image;
            assert_eq!((back.width(), back.height()), (203, 157));
            let p = psnr(back.data(), img.data());
            assert!(
                jpg.len() > last_size && p > last_psnr,
                "q {q}: {} bytes, {p:.1} dB",
                jpg.len()
            );
            // The image crate's own decoder reads it the same way.
            let other = image::load_from_memory_with_format(&jpg, image::ImageFormat::Jpeg)
                .unwrap()
                .to_luma8();
            assert!(
                psnr(other.as_raw(), back.data()) > 45.0,
                "decoders agree at q {q}"
            );
            // About as small as the image crate's encoder at the same quality.
            let mut theirs = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut theirs, q)
                .encode(img.data(), 203, 157, image::ExtendedColorType::L8)
                .unwrap();
            assert!(
                jpg.len() <= theirs.len() * 105 / 100,
                "q {q}: {} bytes against {}",
                jpg.len(),
                theirs.len()
            );
            last_size = jpg.len();
            last_psnr = p;
        }
        assert!(last_psnr > 38.0, "q 95 gives {last_psnr:.1} dB");
    }

    #[test]
    fn quality_is_clamped_and_sizes_checked() {
        let img = GrayImage::new(9, 9, 128);
        assert!(encode_jpeg_gray(&img, 0, None).is_ok());
        assert!(encode_jpeg_gray(&img, 255, Some(100_000)).is_ok());
        assert_eq!(
            encode_jpeg_gray(&GrayImage::new(0, 5, 0), 80, None),
            Err(Error::EmptyImage {
                width: 0,
                height: 5
            })
        );
        assert!(matches!(
            encode_jpeg_gray(&GrayImage::new(70_000, 1, 0), 80, None),
            Err(Error::Encode { format: "jpeg", .. })
        ));
    }
}
