//! Lossless JBIG2 encoder: one generic region per stripe (ITU-T T.88 §6.2), template 0 with the
//! standard adaptive pixels, typical prediction (TPGD) for rows equal to the row above, and the
//! MQ arithmetic coder of T.88 Annex E. No symbol dictionaries: every pixel is coded, so the
//! decoded page is the encoded page bit for bit (no 6-for-8 substitution can happen).
//!
//! Method: the 16-pixel context of each pixel is kept in a shift register fed from three
//! packed rows a byte at a time. Wherever the whole context window is paper, the run of paper
//! pixels is coded in one step per renormalisation, using the closed form of repeated MPS coding
//! in one state (`A` drops by `Qe` each pixel until it falls below 0x8000), which gives exactly
//! the bits pixel-by-pixel coding gives, so blank margins and gaps between words cost almost
//! nothing.

use crate::BitImage;

/// MQ coder probability estimation table (T.88 Table E.1): `(Qe, NMPS, NLPS, SWITCH)`.
#[rustfmt::skip]
const QE: [(u16, u8, u8, bool); 47] = [
    (0x5601, 1, 1, true), (0x3401, 2, 6, false), (0x1801, 3, 9, false), (0x0AC1, 4, 12, false),
    (0x0521, 5, 29, false), (0x0221, 38, 33, false), (0x5601, 7, 6, true), (0x5401, 8, 14, false),
    (0x4801, 9, 14, false), (0x3801, 10, 14, false), (0x3001, 11, 17, false),
    (0x2401, 12, 18, false), (0x1C01, 13, 20, false), (0x1601, 29, 21, false),
    (0x5601, 15, 14, true), (0x5401, 16, 14, false), (0x5101, 17, 15, false),
    (0x4801, 18, 16, false), (0x3801, 19, 17, false), (0x3401, 20, 18, false),
    (0x3001, 21, 19, false), (0x2801, 22, 19, false), (0x2401, 23, 20, false),
    (0x2201, 24, 21, false), (0x1C01, 25, 22, false), (0x1801, 26, 23, false),
    (0x1601, 27, 24, false), (0x1401, 28, 25, false), (0x1201, 29, 26, false),
    (0x1101, 30, 27, false), (0x0AC1, 31, 28, false), (0x09C1, 32, 29, false),
    (0x08A1, 33, 30, false), (0x0521, 34, 31, false), (0x0441, 35, 32, false),
    (0x02A1, 36, 33, false), (0x0221, 37, 34, false), (0x0141, 38, 35, false),
    (0x0111, 39, 36, false), (0x0085, 40, 37, false), (0x0049, 41, 38, false),
    (0x0025, 42, 39, false), (0x0015, 43, 40, false), (0x0009, 44, 41, false),
    (0x0005, 45, 42, false), (0x0001, 45, 43, false), (0x5601, 46, 46, false),
];

/// The context that codes TPGD's "row is a copy" flag for template 0 (T.88 §6.2.5.7).
const SLTP_CONTEXT: usize = 0x9B25;
/// Template 0's adaptive pixels at their standard places: A1..A4 as (x, y) pairs.
const AT_PIXELS: [i8; 8] = [3, -1, -3, -1, 2, -2, -2, -2];
/// The stand-alone file's ID string (T.88 Annex D.4.1).
const FILE_ID: [u8; 8] = [0x97, 0x4A, 0x42, 0x32, 0x0D, 0x0A, 0x1A, 0x0A];

/// Segment types used here (T.88 §7.3).
const SEG_IMMEDIATE_LOSSLESS_GENERIC: u8 = 39;
const SEG_PAGE_INFO: u8 = 48;
const SEG_END_OF_PAGE: u8 = 49;
const SEG_END_OF_STRIPE: u8 = 50;
const SEG_END_OF_FILE: u8 = 51;

/// How the page is cut and coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jbig2Params {
    /// Rows per stripe; 0 codes the page as one stripe (the smallest output). Stripes let a
    /// decoder start before the whole page has arrived, at a small cost in size.
    pub stripe_rows: u32,
    /// Typical prediction: a row equal to the row above costs one coded decision.
    pub tpgd: bool,
}

impl Default for Jbig2Params {
    fn default() -> Self {
        Jbig2Params {
            stripe_rows: 0,
            tpgd: true,
        }
    }
}

/// A stand-alone JBIG2 file (sequential organisation, one page) holding `img` losslessly.
/// `dpi`, when known, is written as the page's resolution.
pub fn encode_jbig2(img: &BitImage, dpi: Option<u32>) -> Vec<u8> {
    encode_jbig2_with(img, dpi, Jbig2Params::default(), false)
}

/// The same page in the embedded organisation PDF's `JBIG2Decode` filter reads: the page's
/// segments without the file header and the end-of-page and end-of-file segments.
pub fn encode_jbig2_embedded(img: &BitImage, dpi: Option<u32>) -> Vec<u8> {
    encode_jbig2_with(img, dpi, Jbig2Params::default(), true)
}

/// [`encode_jbig2`] (or, with `embedded`, [`encode_jbig2_embedded`]) with explicit parameters.
pub fn encode_jbig2_with(
    img: &BitImage,
    dpi: Option<u32>,
    params: Jbig2Params,
    embedded: bool,
) -> Vec<u8> {
    let (w, h) = (img.width(), img.height());
    let stripe = match params.stripe_rows {
        0 => h.max(1),
        n => n.min(0x7FFF),
    };
    let striped = stripe < h;
    let mut out = Vec::with_capacity(img.data().len() / 24 + 128);
    if !embedded {
        out.extend_from_slice(&FILE_ID);
        out.push(0x01); // sequential organisation, number of pages known
        out.extend_from_slice(&1u32.to_be_bytes());
    }
    let mut number = 0u32;
    // Page information (T.88 §7.4.8).
    let ppm = dpi.map_or(0, |d| (d as f64 / 0.0254).round() as u32);
    let mut page = Vec::with_capacity(19);
    page.extend_from_slice(&w.to_be_bytes());
    page.extend_from_slice(&h.to_be_bytes());
    page.extend_from_slice(&ppm.to_be_bytes());
    page.extend_from_slice(&ppm.to_be_bytes());
    page.push(0x01); // eventually lossless; default pixel paper; combination operator OR
    let striping: u16 = if striped { 0x8000 | stripe as u16 } else { 0 };
    page.extend_from_slice(&striping.to_be_bytes());
    push_segment(&mut out, &mut number, SEG_PAGE_INFO, 1, &page);

    let mut y0 = 0;
    while y0 < h || (h == 0 && y0 == 0) {
        let y1 = (y0 + stripe).min(h);
        let mut data = Vec::with_capacity(26);
        // Region segment information (T.88 §7.4.1): size, place, combination operator OR.
        data.extend_from_slice(&w.to_be_bytes());
        data.extend_from_slice(&(y1 - y0).to_be_bytes());
        data.extend_from_slice(&0u32.to_be_bytes());
        data.extend_from_slice(&y0.to_be_bytes());
        data.push(0);
        // Generic region flags (T.88 §7.4.6.2): arithmetic, template 0, TPGDON.
        data.push(if params.tpgd { 0x08 } else { 0x00 });
        data.extend(AT_PIXELS.iter().map(|&v| v as u8));
        code_region(img, y0, y1, params.tpgd, &mut data);
        push_segment(
            &mut out,
            &mut number,
            SEG_IMMEDIATE_LOSSLESS_GENERIC,
            1,
            &data,
        );
        if striped {
            let last = y1.saturating_sub(1);
            push_segment(
                &mut out,
                &mut number,
                SEG_END_OF_STRIPE,
                1,
                &last.to_be_bytes(),
            );
        }
        if h == 0 {
            break;
        }
        y0 = y1;
    }
    if !embedded {
        push_segment(&mut out, &mut number, SEG_END_OF_PAGE, 1, &[]);
        push_segment(&mut out, &mut number, SEG_END_OF_FILE, 0, &[]);
    }
    out
}

/// Appends one segment (T.88 §7.2): header with no referred-to segments and a one-byte page
/// association, then its data.
fn push_segment(out: &mut Vec<u8>, number: &mut u32, kind: u8, page: u8, data: &[u8]) {
    out.extend_from_slice(&number.to_be_bytes());
    out.push(kind);
    out.push(0);
    out.push(page);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
    *number += 1;
}

/// MQ-codes rows `y0..y1` of `img` as one generic region (T.88 §6.2.5.7), appending to `out`.
fn code_region(img: &BitImage, y0: u32, y1: u32, tpgd: bool, out: &mut Vec<u8>) {
    let width = img.width() as usize;
    let stride = img.stride();
    // Rows y-2, y-1 and y, each with two bytes of paper past the end so that the context
    // window can read beyond the last pixel without a bounds test.
    let padded = stride + 2;
    let mut m2 = vec![0u8; padded];
    let mut m1 = vec![0u8; padded];
    let mut cur = vec![0u8; padded];
    let mut states = Box::new([0u8; 1 << 16]);
    let mut enc = MqEncoder::new(out);
    let mut ltp = false;
    for y in y0..y1 {
        cur[..stride].copy_from_slice(img.row(y));
        if tpgd {
            let same = cur == m1;
            enc.encode(&mut states[SLTP_CONTEXT], (same != ltp) as u32);
            ltp = same;
        }
        if !(tpgd && ltp) {
            code_row(&mut enc, &mut states, &m2, &m1, &cur, width);
        }
        std::mem::swap(&mut m2, &mut m1);
        std::mem::swap(&mut m1, &mut cur);
    }
    enc.finish();
}

/// Codes one row with template 0. `ctx` holds, for the pixel just coded, rows y-2 (x-2..x+2,
/// bits 15..11), y-1 (x-3..x+3, bits 10..4) and y (x-4..x-1, bits 3..0), top left first.
#[inline]
fn code_row(
    enc: &mut MqEncoder<'_>,
    states: &mut [u8; 1 << 16],
    m2: &[u8],
    m1: &[u8],
    cur: &[u8],
    width: usize,
) {
    let nbytes = width.div_ceil(8);
    // The register as it stands before pixel 0 (the pixel "-1"): rows above at x-3..x+1 and
    // x-4..x+2 of x = -1.
    let bit = |row: &[u8], x: usize| ((row[x >> 3] >> (7 - (x & 7))) & 1) as u32;
    let mut ctx: u32 = (bit(m2, 0) << 12 | bit(m2, 1) << 11)
        | (bit(m1, 0) << 6 | bit(m1, 1) << 5 | bit(m1, 2) << 4);
    let mut prev = 0u32;
    let mut bx = 0usize;
    while bx < nbytes {
        // A run of bytes whose whole context window is paper: code it in one go.
        if ctx == 0 && prev == 0 {
            let mut end = bx;
            while end < nbytes && (cur[end] | m1[end] | m1[end + 1] | m2[end] | m2[end + 1]) == 0 {
                end += 1;
            }
            if end > bx {
                let pixels = (end * 8).min(width) - bx * 8;
                enc.encode_zeros(&mut states[0], pixels as u32);
                bx = end;
                continue;
            }
        }
        let w2 = (m2[bx] as u32) << 8 | m2[bx + 1] as u32;
        let w1 = (m1[bx] as u32) << 8 | m1[bx + 1] as u32;
        let c = cur[bx] as u32;
        let count = (width - bx * 8).min(8);
        for k in 0..count {
            ctx = ((ctx << 1) & 0xF7EE)
                | ((w2 >> (13 - k)) & 1) << 11
                | ((w1 >> (12 - k)) & 1) << 4
                | prev;
            let b = (c >> (7 - k)) & 1;
            enc.encode(&mut states[(ctx & 0xFFFF) as usize], b);
            prev = b;
        }
        bx += 1;
    }
}

/// The MQ arithmetic encoder of T.88 Annex E (E.2), writing into a byte vector.
struct MqEncoder<'a> {
    a: u32,
    c: u32,
    ct: u32,
    /// The byte not yet written (a carry may still reach it).
    b: u32,
    /// False until the first `BYTEOUT`: the initial `B` sits before the buffer.
    started: bool,
    out: &'a mut Vec<u8>,
}

impl<'a> MqEncoder<'a> {
    /// INITENC.
    fn new(out: &'a mut Vec<u8>) -> Self {
        MqEncoder {
            a: 0x8000,
            c: 0,
            ct: 12,
            b: 0,
            started: false,
            out,
        }
    }

    /// ENCODE of one decision `bit` in the context whose state (index, MPS in bit 7) is `cx`.
    #[inline(always)]
    fn encode(&mut self, cx: &mut u8, bit: u32) {
        let (i, mps) = ((*cx & 0x7F) as usize, (*cx >> 7) as u32);
        let (qe, nmps, nlps, switch) = QE[i.min(46)];
        let qe = qe as u32;
        self.a -= qe;
        if bit == mps {
            // CODEMPS
            if self.a & 0x8000 != 0 {
                self.c += qe;
                return;
            }
            if self.a < qe {
                self.a = qe;
            } else {
                self.c += qe;
            }
            *cx = nmps | (mps << 7) as u8;
        } else {
            // CODELPS
            if self.a < qe {
                self.c += qe;
            } else {
                self.a = qe;
            }
            let m = if switch { mps ^ 1 } else { mps };
            *cx = nlps | (m << 7) as u8;
        }
        self.renormalise();
    }

    /// `n` zero decisions in one context: the same bits as `n` calls of [`Self::encode`], in
    /// one step per renormalisation while zero is the context's MPS.
    #[inline]
    fn encode_zeros(&mut self, cx: &mut u8, mut n: u32) {
        while n > 0 {
            if *cx >> 7 != 0 {
                self.encode(cx, 0);
                n -= 1;
                continue;
            }
            let qe = QE[((*cx & 0x7F) as usize).min(46)].0 as u32;
            // MPS codings until A falls below 0x8000 (A >= 0x8000 between decisions).
            let k = (self.a - 0x8000) / qe + 1;
            if k > n {
                self.a -= n * qe;
                self.c += n * qe;
                return;
            }
            self.a -= (k - 1) * qe;
            self.c += (k - 1) * qe;
            self.encode(cx, 0);
            n -= k;
        }
    }

    /// RENORME.
    #[inline(always)]
    fn renormalise(&mut self) {
        loop {
            self.a <<= 1;
            self.c <<= 1;
            self.ct -= 1;
            if self.ct == 0 {
                self.byte_out();
            }
            if self.a & 0x8000 != 0 {
                break;
            }
        }
    }

    /// BYTEOUT, with bit stuffing after 0xFF and carry propagation into `B`.
    fn byte_out(&mut self) {
        if self.b == 0xFF {
            self.emit(7);
        } else if self.c < 0x800_0000 {
            self.emit(8);
        } else {
            self.b += 1;
            if self.b == 0xFF {
                self.c &= 0x7FF_FFFF;
                self.emit(7);
            } else {
                self.emit(8);
            }
        }
    }

    /// Writes `B` and takes the next `bits`-bit byte from `C`.
    #[inline]
    fn emit(&mut self, bits: u32) {
        if self.started {
            self.out.push(self.b as u8);
        }
        self.started = true;
        let shift = 27 - bits;
        self.b = self.c >> shift;
        self.c &= (1 << shift) - 1;
        self.ct = bits;
    }

    /// FLUSH (with SETBITS), then the 0xFF 0xAC end marker.
    fn finish(mut self) {
        let temp = self.c + self.a;
        self.c |= 0xFFFF;
        if self.c >= temp {
            self.c -= 0x8000;
        }
        self.c <<= self.ct;
        self.byte_out();
        self.c <<= self.ct;
        self.byte_out();
        if self.b != 0xFF {
            self.out.push(self.b as u8);
        }
        self.out.extend_from_slice(&[0xFF, 0xAC]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::encode_g4;
    use crate::encode::testutil::{fnv1a, random_bitmap, text_page};

    /// Collects what hayro-jbig2 (an independent decoder) pushes into a packed bitmap.
    struct Collect {
        width: u32,
        x: u32,
        y: u32,
        img: BitImage,
    }

    impl hayro_jbig2::Decoder for Collect {
        fn push_pixel(&mut self, black: bool) {
            if self.x < self.width && black {
                self.img.set(self.x, self.y, true);
            }
            self.x += 1;
        }
        fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
            for _ in 0..chunk_count * 8 {
                self.push_pixel(black);
            }
        }
        fn next_line(&mut self) {
            self.x = 0;
            self.y += 1;
        }
    }

    fn decode_page(page: hayro_jbig2::Page<'_>) -> BitImage {
        let (w, h) = (page.width(), page.height());
        let mut c = Collect {
            width: w,
            x: 0,
            y: 0,
            img: BitImage::new(w, h),
        };
        page.decode(&mut c).expect("hayro-jbig2 decodes the page");
        c.img
    }

    /// Decodes a stand-alone file with hayro-jbig2 in strict mode.
    fn decode_file(data: &[u8]) -> BitImage {
        let settings = hayro_jbig2::DecodeSettings { strict: true };
        let file = hayro_jbig2::File::new(data, &settings).expect("a valid JBIG2 file");
        assert_eq!(file.page_count(), 1);
        decode_page(file.page(0).expect("page 1"))
    }

    fn decode_embedded(data: &[u8]) -> BitImage {
        let settings = hayro_jbig2::DecodeSettings { strict: true };
        let page = hayro_jbig2::Page::new_embedded(data, None, &settings).expect("valid segments");
        decode_page(page)
    }

    fn round_trip(img: &BitImage, params: Jbig2Params) {
        let file = encode_jbig2_with(img, Some(300), params, false);
        assert_eq!(&decode_file(&file), img, "{img:?} {params:?}");
        let embedded = encode_jbig2_with(img, Some(300), params, true);
        assert_eq!(
            &decode_embedded(&embedded),
            img,
            "embedded {img:?} {params:?}"
        );
    }

    #[test]
    fn every_width_and_density_decodes_to_the_same_bits() {
        let mut seed = 1;
        for &(w, h) in &[
            (1, 1),
            (1, 9),
            (7, 3),
            (8, 8),
            (9, 17),
            (13, 5),
            (31, 40),
            (64, 2),
            (250, 61),
        ] {
            for &ink in &[0, 3, 40, 128, 250, 256] {
                let img = random_bitmap(w, h, ink, seed);
                seed += 1;
                for &tpgd in &[true, false] {
                    round_trip(
                        &img,
                        Jbig2Params {
                            stripe_rows: 0,
                            tpgd,
                        },
                    );
                }
            }
        }
    }

    #[test]
    fn text_pages_decode_to_the_same_bits_in_one_stripe_or_many() {
        let img = text_page(1240, 1754, 7);
        for &stripe_rows in &[0, 1, 64, 500, 1753, 5000] {
            round_trip(
                &img,
                Jbig2Params {
                    stripe_rows,
                    tpgd: true,
                },
            );
        }
        round_trip(
            &img,
            Jbig2Params {
                stripe_rows: 0,
                tpgd: false,
            },
        );
    }

    #[test]
    fn repeated_and_blank_rows_take_the_typical_prediction_path() {
        // Rows repeated in blocks (rules, table borders, blank gaps) are what TPGD is for.
        let mut img = BitImage::new(300, 200);
        for y in 0..200 {
            for x in 0..300 {
                if (y / 10) % 3 == 0 && (x / 7) % 2 == 0 {
                    img.set(x, y, true);
                }
            }
        }
        round_trip(&img, Jbig2Params::default());
        let with = encode_jbig2(&img, None).len();
        let without = encode_jbig2_with(
            &img,
            None,
            Jbig2Params {
                stripe_rows: 0,
                tpgd: false,
            },
            false,
        )
        .len();
        assert!(with < without, "TPGD {with} B, without {without} B");
        // A blank A4 page is its headers (102 B) and a few bytes of code.
        let blank = encode_jbig2(&BitImage::new(2480, 3508), Some(300));
        assert!(blank.len() < 112, "{} B", blank.len());
        assert_eq!(decode_file(&blank), BitImage::new(2480, 3508));
    }

    #[test]
    fn text_pages_are_well_below_group_4() {
        for seed in 0..3 {
            let img = text_page(2480, 3508, seed);
            let j = encode_jbig2_embedded(&img, Some(300)).len();
            let g = encode_g4(&img).len();
            assert!(
                (j as f64) < 0.85 * g as f64,
                "seed {seed}: JBIG2 {j} B, G4 {g} B"
            );
        }
    }

    #[test]
    fn header_fields_say_what_the_page_is() {
        let img = random_bitmap(33, 21, 90, 5);
        let f = encode_jbig2(&img, Some(300));
        assert_eq!(&f[..8], &FILE_ID);
        assert_eq!(f[8], 0x01);
        assert_eq!(&f[9..13], &1u32.to_be_bytes());
        // The first segment is the page information: 33 × 21 at 11811 pixels per metre.
        let seg = &f[13..];
        assert_eq!(seg[4], SEG_PAGE_INFO);
        assert_eq!(&seg[11..15], &33u32.to_be_bytes());
        assert_eq!(&seg[15..19], &21u32.to_be_bytes());
        assert_eq!(&seg[19..23], &11811u32.to_be_bytes());
        // The embedded form is the same segments without the file's header and trailer.
        let e = encode_jbig2_embedded(&img, Some(300));
        assert_eq!(&f[13..13 + e.len()], &e[..]);
        assert_eq!(f.len(), 13 + e.len() + 2 * 11);
    }

    #[test]
    fn output_is_deterministic() {
        let img = text_page(1000, 700, 3);
        let a = encode_jbig2(&img, Some(300));
        assert_eq!(a, encode_jbig2(&img, Some(300)));
        assert_eq!(fnv1a(&a), fnv1a(&encode_jbig2(&img.clone(), Some(300))));
    }

    /// The run shortcut gives the bits that coding pixel by pixel gives.
    #[test]
    fn zero_runs_code_as_single_decisions_do() {
        for &(n, warm) in &[(1u32, 0u32), (5, 3), (700, 0), (70_000, 40), (3, 900)] {
            let mut one = Vec::new();
            let mut run = Vec::new();
            {
                let (mut e1, mut e2) = (MqEncoder::new(&mut one), MqEncoder::new(&mut run));
                let (mut s1, mut s2) = (0u8, 0u8);
                // Some ones first so the state is not the initial one (and the MPS may flip).
                for i in 0..warm {
                    e1.encode(&mut s1, (i % 3 == 0) as u32);
                    e2.encode(&mut s2, (i % 3 == 0) as u32);
                }
                for _ in 0..n {
                    e1.encode(&mut s1, 0);
                }
                e2.encode_zeros(&mut s2, n);
                assert_eq!(s1, s2);
                e1.finish();
                e2.finish();
            }
            assert_eq!(one, run, "n {n} warm {warm}");
        }
    }
}
