//! CCITT Group 4 encoder (ITU-T T.6, two-dimensional coding of ITU-T T.4 §4.2 with K = ∞).
//!
//! Each row is first turned into its list of changing elements with 64-bit word scans
//! (words with no change are skipped; otherwise `xor` with the row shifted by one pixel, then
//! `trailing_zeros` on the bit-reversed word), so runs of paper or ink cost nothing per pixel. The coding loop then walks the two lists (coding line and reference line)
//! choosing pass, vertical or horizontal mode exactly as T.6 and libtiff do, which makes the
//! output bit-identical to libtiff's `Fax3Encode2DRow` followed by EOFB.

use crate::BitImage;

/// Copies of `width` appended to each changing-element list, so the coding loop can read
/// `b1`, `b2` and `a2` past the last real change without bounds checks failing.
const SENTINELS: usize = 4;

/// Pass mode code `0001`.
const PASS: (u32, u32) = (0b0001, 4);
/// Horizontal mode code `001`.
const HORIZONTAL: (u32, u32) = (0b001, 3);
/// Vertical mode codes indexed by `a1 - b1 + 3`: VL3, VL2, VL1, V0, VR1, VR2, VR3.
const VERTICAL: [(u32, u32); 7] = [
    (0b0000010, 7),
    (0b000010, 6),
    (0b010, 3),
    (0b1, 1),
    (0b011, 3),
    (0b000011, 6),
    (0b0000011, 7),
];
/// End of facsimile block: two EOL codes `000000000001`.
const EOFB: (u32, u32) = (0x001001, 24);

/// White terminating codes for runs 0..=63, as (code, bit length) (T.4 table 2).
#[rustfmt::skip]
const WHITE_TERM: [(u16, u8); 64] = [
    (0b00110101, 8), (0b000111, 6), (0b0111, 4), (0b1000, 4),
    (0b1011, 4), (0b1100, 4), (0b1110, 4), (0b1111, 4),
    (0b10011, 5), (0b10100, 5), (0b00111, 5), (0b01000, 5),
    (0b001000, 6), (0b000011, 6), (0b110100, 6), (0b110101, 6),
    (0b101010, 6), (0b101011, 6), (0b0100111, 7), (0b0001100, 7),
    (0b0001000, 7), (0b0010111, 7), (0b0000011, 7), (0b0000100, 7),
    (0b0101000, 7), (0b0101011, 7), (0b0010011, 7), (0b0100100, 7),
    (0b0011000, 7), (0b00000010, 8), (0b00000011, 8), (0b00011010, 8),
    (0b00011011, 8), (0b00010010, 8), (0b00010011, 8), (0b00010100, 8),
    (0b00010101, 8), (0b00010110, 8), (0b00010111, 8), (0b00101000, 8),
    (0b00101001, 8), (0b00101010, 8), (0b00101011, 8), (0b00101100, 8),
    (0b00101101, 8), (0b00000100, 8), (0b00000101, 8), (0b00001010, 8),
    (0b00001011, 8), (0b01010010, 8), (0b01010011, 8), (0b01010100, 8),
    (0b01010101, 8), (0b00100100, 8), (0b00100101, 8), (0b01011000, 8),
    (0b01011001, 8), (0b01011010, 8), (0b01011011, 8), (0b01001010, 8),
    (0b01001011, 8), (0b00110010, 8), (0b00110011, 8), (0b00110100, 8),
];
/// White make-up codes for runs 64, 128, ..., 2560: T.4 table 3 up to 1728, then the
/// extended make-up codes (1792 and up, shared by both colours).
#[rustfmt::skip]
const WHITE_MAKEUP: [(u16, u8); 40] = [
    (0b11011, 5), (0b10010, 5), (0b010111, 6), (0b0110111, 7),
    (0b00110110, 8), (0b00110111, 8), (0b01100100, 8), (0b01100101, 8),
    (0b01101000, 8), (0b01100111, 8), (0b011001100, 9), (0b011001101, 9),
    (0b011010010, 9), (0b011010011, 9), (0b011010100, 9), (0b011010101, 9),
    (0b011010110, 9), (0b011010111, 9), (0b011011000, 9), (0b011011001, 9),
    (0b011011010, 9), (0b011011011, 9), (0b010011000, 9), (0b010011001, 9),
    (0b010011010, 9), (0b011000, 6), (0b010011011, 9), (0b00000001000, 11),
    (0b00000001100, 11), (0b00000001101, 11), (0b000000010010, 12), (0b000000010011, 12),
    (0b000000010100, 12), (0b000000010101, 12), (0b000000010110, 12), (0b000000010111, 12),
    (0b000000011100, 12), (0b000000011101, 12), (0b000000011110, 12), (0b000000011111, 12),
];
/// Black terminating codes for runs 0..=63, as (code, bit length) (T.4 table 2).
#[rustfmt::skip]
const BLACK_TERM: [(u16, u8); 64] = [
    (0b0000110111, 10), (0b010, 3), (0b11, 2), (0b10, 2),
    (0b011, 3), (0b0011, 4), (0b0010, 4), (0b00011, 5),
    (0b000101, 6), (0b000100, 6), (0b0000100, 7), (0b0000101, 7),
    (0b0000111, 7), (0b00000100, 8), (0b00000111, 8), (0b000011000, 9),
    (0b0000010111, 10), (0b0000011000, 10), (0b0000001000, 10), (0b00001100111, 11),
    (0b00001101000, 11), (0b00001101100, 11), (0b00000110111, 11), (0b00000101000, 11),
    (0b00000010111, 11), (0b00000011000, 11), (0b000011001010, 12), (0b000011001011, 12),
    (0b000011001100, 12), (0b000011001101, 12), (0b000001101000, 12), (0b000001101001, 12),
    (0b000001101010, 12), (0b000001101011, 12), (0b000011010010, 12), (0b000011010011, 12),
    (0b000011010100, 12), (0b000011010101, 12), (0b000011010110, 12), (0b000011010111, 12),
    (0b000001101100, 12), (0b000001101101, 12), (0b000011011010, 12), (0b000011011011, 12),
    (0b000001010100, 12), (0b000001010101, 12), (0b000001010110, 12), (0b000001010111, 12),
    (0b000001100100, 12), (0b000001100101, 12), (0b000001010010, 12), (0b000001010011, 12),
    (0b000000100100, 12), (0b000000110111, 12), (0b000000111000, 12), (0b000000100111, 12),
    (0b000000101000, 12), (0b000001011000, 12), (0b000001011001, 12), (0b000000101011, 12),
    (0b000000101100, 12), (0b000001011010, 12), (0b000001100110, 12), (0b000001100111, 12),
];
/// Black make-up codes for runs 64, 128, ..., 2560: T.4 table 3 up to 1728, then the
/// extended make-up codes (1792 and up, shared by both colours).
#[rustfmt::skip]
const BLACK_MAKEUP: [(u16, u8); 40] = [
    (0b0000001111, 10), (0b000011001000, 12), (0b000011001001, 12), (0b000001011011, 12),
    (0b000000110011, 12), (0b000000110100, 12), (0b000000110101, 12), (0b0000001101100, 13),
    (0b0000001101101, 13), (0b0000001001010, 13), (0b0000001001011, 13), (0b0000001001100, 13),
    (0b0000001001101, 13), (0b0000001110010, 13), (0b0000001110011, 13), (0b0000001110100, 13),
    (0b0000001110101, 13), (0b0000001110110, 13), (0b0000001110111, 13), (0b0000001010010, 13),
    (0b0000001010011, 13), (0b0000001010100, 13), (0b0000001010101, 13), (0b0000001011010, 13),
    (0b0000001011011, 13), (0b0000001100100, 13), (0b0000001100101, 13), (0b00000001000, 11),
    (0b00000001100, 11), (0b00000001101, 11), (0b000000010010, 12), (0b000000010011, 12),
    (0b000000010100, 12), (0b000000010101, 12), (0b000000010110, 12), (0b000000010111, 12),
    (0b000000011100, 12), (0b000000011101, 12), (0b000000011110, 12), (0b000000011111, 12),
];

/// Encodes `img` as raw CCITT Group 4 (T.6) data, MSB-first bit order (TIFF FillOrder 1),
/// terminated by EOFB and zero-padded to a whole byte. Ink (set bits) is coded as black.
///
/// An image with no pixels (width or height 0) has no rows to code: the result is empty.
pub fn encode_g4(img: &BitImage) -> Vec<u8> {
    let mut out = Vec::new();
    encode_g4_into(img, &mut out);
    out
}

/// Appends the Group 4 data of `img` to `out` (what [`encode_g4`] returns), so the TIFF writer
/// can code straight after its header without a copy.
pub(crate) fn encode_g4_into(img: &BitImage, out: &mut Vec<u8>) {
    let (width, height) = (img.width(), img.height());
    if width == 0 || height == 0 {
        return;
    }
    // Text pages compress ~15-30×; reserve a guess to avoid most regrowth.
    out.reserve(img.data().len() / 16 + 64);
    // The writer owns the buffer while coding (one indirection less in the hot path).
    let mut w = BitWriter {
        out: std::mem::take(out),
        acc: 0,
        n: 0,
    };
    // Two change buffers, swapped each row: the coding line becomes the next reference line.
    // The first reference is the imaginary all-white line above the image: no changes.
    let size = width as usize + SENTINELS;
    let (mut cur_buf, mut ref_buf) = (vec![width; size], vec![width; size]);
    let mut ref_len = SENTINELS;
    for y in 0..height {
        let cur_len = changing_elements(img.row(y), width, &mut cur_buf).len();
        code_row(&cur_buf[..cur_len], &ref_buf[..ref_len], width, &mut w);
        std::mem::swap(&mut cur_buf, &mut ref_buf);
        ref_len = cur_len;
    }
    w.put(EOFB.0, EOFB.1);
    *out = w.finish();
}

/// Writes into `buf` the changing elements of a packed row: every `x < width` whose colour
/// differs from pixel `x - 1` (pixel `-1` being the imaginary white one), ascending, followed by
/// [`SENTINELS`] copies of `width`. Bits past `width` are ignored even if set.
///
/// Even indices are therefore changes to ink and odd ones changes back to paper. Works on
/// 64-pixel words bit-reversed so pixel `base + i` is bit `i`: blank and solid stretches cost
/// one xor per word, and each change costs a `trailing_zeros` and a clear-lowest-bit.
///
/// `buf` must hold `width + SENTINELS` entries (sized once per image, so the hot loop writes by
/// index with no capacity checks); returns the filled prefix.
fn changing_elements<'b>(row: &[u8], width: u32, buf: &'b mut [u32]) -> &'b [u32] {
    let mut n = 0usize;
    let mut prev = 0u64; // last pixel of the previous word (0 = white), in bit 0
    let mut base = 0u32;
    let mut chunks = row.chunks_exact(8);
    let mut tail = [0u8; 8];
    let rem = chunks.remainder();
    tail[..rem.len()].copy_from_slice(rem);
    let words = chunks
        .by_ref()
        .map(|c| <[u8; 8]>::try_from(c).unwrap_or_default());
    for bytes in words.chain((!rem.is_empty()).then_some(tail)) {
        let left = width - base; // pixels of this row from `base` on (> 0)
        let raw = u64::from_ne_bytes(bytes);
        // Paper continuing paper, or ink continuing ink: no change in this word.
        if raw == 0u64.wrapping_sub(prev) && left > 64 {
            base += 64;
            continue;
        }
        let word = u64::from_be_bytes(bytes).reverse_bits();
        // Bit i set where pixel base+i differs from pixel base+i-1.
        let mut diff = word ^ ((word << 1) | prev);
        prev = word >> 63;
        if left < 64 {
            diff &= (1u64 << left) - 1; // drop changes in the padding
        }
        while diff != 0 {
            if let Some(slot) = buf.get_mut(n) {
                *slot = base + diff.trailing_zeros();
            }
            n += 1;
            diff &= diff - 1;
        }
        if left <= 64 {
            break;
        }
        base += 64;
    }
    let n = n
        .min(width as usize)
        .min(buf.len().saturating_sub(SENTINELS));
    let end = (n + SENTINELS).min(buf.len());
    buf[n..end].fill(width);
    &buf[..end]
}

/// Codes one row given the changing elements of the coding line (`cur`) and of the reference
/// line (`refl`), both as built by [`changing_elements`].
///
/// Follows T.4 §4.2.1.3: with `a0` the current position (initially the imaginary white pixel
/// before column 0), `a1` the next change on the coding line, `b1` the first change on the
/// reference line right of `a0` to the colour opposite `a0`'s, and `b2` the next one:
/// pass if `b2 < a1`, else vertical if `|a1 - b1| <= 3`, else horizontal.
#[inline]
fn code_row(cur: &[u32], refl: &[u32], width: u32, w: &mut BitWriter) {
    // `k`: index in `cur` of a1, the first change right of a0. Its parity is a0's colour
    // (0 white, 1 black), since changes alternate starting with white→black.
    let mut k = 0usize;
    // `j`: index in `refl` of the first change right of a0 (any colour).
    let mut j = 0usize;
    // a0's position for run lengths: the imaginary start pixel counts as column 0.
    let mut a0 = 0u32;
    loop {
        let (Some(&a1), Some(&a2)) = (cur.get(k), cur.get(k + 1)) else {
            return;
        };
        // b1 must change to the colour opposite a0's: its index has the parity of k.
        let bi = j + ((j ^ k) & 1);
        let (Some(&b1), Some(&b2)) = (refl.get(bi), refl.get(bi + 1)) else {
            return;
        };
        if b2 < a1 {
            w.put(PASS.0, PASS.1);
            a0 = b2;
        } else {
            let d = a1 as i64 - b1 as i64;
            if (-3..=3).contains(&d) {
                let (code, len) = VERTICAL[(d + 3) as usize];
                w.put(code, len);
                a0 = a1;
                k += 1;
            } else {
                w.put(HORIZONTAL.0, HORIZONTAL.1);
                if k & 1 == 0 {
                    put_run(w, a1.saturating_sub(a0), &WHITE_MAKEUP, &WHITE_TERM);
                    put_run(w, a2.saturating_sub(a1), &BLACK_MAKEUP, &BLACK_TERM);
                } else {
                    put_run(w, a1.saturating_sub(a0), &BLACK_MAKEUP, &BLACK_TERM);
                    put_run(w, a2.saturating_sub(a1), &WHITE_MAKEUP, &WHITE_TERM);
                }
                a0 = a2;
                k += 2;
            }
        }
        if a0 >= width {
            return;
        }
        while refl.get(j).is_some_and(|&b| b <= a0) {
            j += 1;
        }
    }
}

/// Writes one run length: make-up codes of 2560 while more than 2623 remain (T.4 §4.1.1), then
/// one make-up code for the multiple of 64, then the terminating code.
#[inline]
fn put_run(w: &mut BitWriter, mut run: u32, makeup: &[(u16, u8); 40], term: &[(u16, u8); 64]) {
    while run >= 2624 {
        let (code, len) = makeup[39];
        w.put(code as u32, len as u32);
        run -= 2560;
    }
    if run >= 64 {
        let (code, len) = makeup[(run / 64 - 1) as usize];
        w.put(code as u32, len as u32);
        run %= 64;
    }
    let (code, len) = term[run as usize];
    w.put(code as u32, len as u32);
}

/// MSB-first bit writer: codes collect in a 64-bit accumulator and leave 32 bits at a time.
struct BitWriter {
    out: Vec<u8>,
    /// Pending bits are the low `n` bits.
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// Appends the low `len` bits of `code` (`len` ≤ 32).
    #[inline(always)]
    fn put(&mut self, code: u32, len: u32) {
        self.acc = (self.acc << len) | code as u64;
        self.n += len;
        if self.n >= 32 {
            self.n -= 32;
            self.out
                .extend_from_slice(&((self.acc >> self.n) as u32).to_be_bytes());
        }
    }

    /// Flushes the pending bits, zero-padding the last byte, and gives the buffer back.
    fn finish(mut self) -> Vec<u8> {
        while self.n >= 8 {
            self.n -= 8;
            self.out.push((self.acc >> self.n) as u8);
        }
        if self.n > 0 {
            self.out.push((self.acc << (8 - self.n)) as u8);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::testutil::{fnv1a, random_bitmap, text_page};

    /// Packs a string of '0'/'1' (spaces ignored) MSB-first, zero-padding the last byte.
    fn bits(s: &str) -> Vec<u8> {
        let mut bw = BitWriter {
            out: Vec::new(),
            acc: 0,
            n: 0,
        };
        for c in s.chars().filter(|c| !c.is_whitespace()) {
            bw.put((c == '1') as u32, 1);
        }
        bw.finish()
    }

    const EOFB_BITS: &str = "000000000001 000000000001";

    fn img(width: u32, rows: &[&[u8]]) -> BitImage {
        BitImage::from_packed(width, rows.len() as u32, rows.concat()).unwrap()
    }

    /// Decodes with the independent `fax` crate and rebuilds a BitImage.
    fn fax_decode(data: &[u8], width: u32, height: u32) -> BitImage {
        let mut out = BitImage::new(width, height);
        let mut y = 0;
        fax::decoder::decode_g4(
            data.iter().copied(),
            width as u16,
            Some(height as u16),
            |line| {
                for (x, c) in fax::decoder::pels(line, width as u16).enumerate() {
                    if c == fax::Color::Black {
                        out.set(x as u32, y, true);
                    }
                }
                y += 1;
            },
        )
        .expect("fax decodes our G4");
        assert_eq!(y, height, "line count");
        out
    }

    fn round_trip(img: &BitImage) {
        let data = encode_g4(img);
        let back = fax_decode(&data, img.width(), img.height());
        assert!(back == *img, "G4 round trip differs for {:?}", img);
    }

    #[test]
    fn all_white_row_is_v0() {
        assert_eq!(
            encode_g4(&BitImage::new(8, 1)),
            bits(&format!("1 {EOFB_BITS}"))
        );
    }

    #[test]
    fn horizontal_mode_codes() {
        // 4 white then 4 black under the white line: b1 = 8, a1 = 4 → horizontal W4 B4.
        assert_eq!(
            encode_g4(&img(8, &[&[0x0F]])),
            bits(&format!("001 1011 011 {EOFB_BITS}"))
        );
        // All black: horizontal W0 B8.
        assert_eq!(
            encode_g4(&img(8, &[&[0xFF]])),
            bits(&format!("001 00110101 000101 {EOFB_BITS}"))
        );
    }

    #[test]
    fn vertical_and_pass_mode_codes() {
        // Second identical row: V0 at the change, V0 at the end.
        assert_eq!(
            encode_g4(&img(8, &[&[0x0F], &[0x0F]])),
            bits(&format!("001 1011 011 11 {EOFB_BITS}"))
        );
        // Row 2 black at 5..8 under 4..8: VR1 then V0 (b1 = 8 for the black a0).
        assert_eq!(
            encode_g4(&img(8, &[&[0x0F], &[0x07]])),
            bits(&format!("001 1011 011 011 1 {EOFB_BITS}"))
        );
        // Row 2 black at 3..8 under 4..8: VL1 then V0.
        assert_eq!(
            encode_g4(&img(8, &[&[0x0F], &[0x1F]])),
            bits(&format!("001 1011 011 010 1 {EOFB_BITS}"))
        );
        // Black bar at 2..4 above a white row: pass (b2 = 4 < a1 = 8), then V0.
        assert_eq!(
            encode_g4(&img(8, &[&[0x30], &[0x00]])),
            bits(&format!("001 0111 11 1 0001 1 {EOFB_BITS}")) // row 1: H W2 B2, V0
        );
    }

    #[test]
    fn long_runs_use_makeup_and_extended_makeup_codes() {
        // White 100 (64 + 36), black 2700 (2560 + 128 + 12), then white to 6000 via V0.
        let mut im = BitImage::new(6000, 1);
        for x in 100..2800 {
            im.set(x, 0, true);
        }
        let expect = format!("001 11011 00010101 000000011111 000011001000 0000111 1 {EOFB_BITS}");
        assert_eq!(encode_g4(&im), bits(&expect));
        round_trip(&im);
        // Runs of exactly 2560, 2623, 2624 and 64 at both colours.
        for run in [
            63, 64, 1728, 1729, 1791, 1792, 2559, 2560, 2561, 2623, 2624, 2625, 5200, 7000,
        ] {
            let mut im = BitImage::new(run + 70, 2);
            for x in 3..3 + run {
                im.set(x, 0, true);
            }
            round_trip(&im);
        }
    }

    #[test]
    fn empty_images_give_no_data() {
        assert!(encode_g4(&BitImage::new(0, 5)).is_empty());
        assert!(encode_g4(&BitImage::new(5, 0)).is_empty());
        assert!(encode_g4(&BitImage::new(0, 0)).is_empty());
    }

    #[test]
    fn padding_bits_are_ignored() {
        let clean = random_bitmap(13, 9, 100, 7);
        let mut dirty = clean.clone();
        let s = dirty.stride();
        for y in 0..9 {
            dirty.data_mut()[y * s + s - 1] |= 0x07; // bits 13..16 are padding
        }
        assert_eq!(encode_g4(&clean), encode_g4(&dirty));
    }

    #[test]
    fn round_trips_uniform_and_thin_images() {
        for (w, h) in [
            (1, 1),
            (1, 17),
            (7, 3),
            (8, 8),
            (9, 5),
            (64, 2),
            (65, 3),
            (1000, 4),
        ] {
            round_trip(&BitImage::new(w, h));
            let mut black = BitImage::new(w, h);
            black.data_mut().fill(0xFF);
            black.clear_padding();
            round_trip(&black);
        }
        // Width 1: alternating and random columns.
        round_trip(&random_bitmap(1, 200, 128, 3));
    }

    #[test]
    fn round_trips_random_noise_of_odd_sizes() {
        let mut seed = 1;
        for (w, h) in [
            (3, 5),
            (13, 11),
            (63, 7),
            (65, 9),
            (127, 31),
            (129, 33),
            (257, 19),
            (1001, 13),
        ] {
            for density in [8, 64, 128, 200, 250] {
                round_trip(&random_bitmap(w, h, density, seed));
                seed += 1;
            }
        }
    }

    #[test]
    fn round_trips_text_page() {
        round_trip(&text_page(1237, 1751, 11));
    }

    /// Golden output: any change to the emitted bytes (a different but still valid mode choice,
    /// a table edit) shows up here. The expected values were produced by this encoder and the
    /// same bytes match libtiff's Group 4 strip for this bitmap (benches/peers/g4_size.py).
    #[test]
    fn golden_text_page_bytes() {
        let data = encode_g4(&text_page(600, 400, 5));
        assert_eq!((data.len(), fnv1a(&data)), (2486, 2268185413933596844));
    }

    /// A4 at 300 dpi with text-like content: release-mode timing (`--ignored`).
    #[test]
    #[ignore]
    fn timing_a4_text_page() {
        let mut pages = vec![("synthetic", text_page(2480, 3508, 1))];
        // A real rendered page, when benches/peers/g4_size.py --make-page has made one.
        if let Ok(dec) = image::open("/tmp/scanprep_g4/rendered_a4_src.png") {
            let g = dec.to_luma8();
            let mut b = BitImage::new(g.width(), g.height());
            for (x, y, p) in g.enumerate_pixels() {
                b.set(x, y, p.0[0] < 128);
            }
            pages.push(("rendered", b));
        }
        for (name, page) in &pages {
            let mut best = f64::MAX;
            let mut len = 0;
            for _ in 0..30 {
                let t = std::time::Instant::now();
                let d = encode_g4(page);
                best = best.min(t.elapsed().as_secs_f64() * 1e3);
                len = d.len();
            }
            println!("G4 A4 {name} page: {len} bytes, best of 30: {best:.3} ms");
            round_trip(page);
        }
    }
}
