//! PNG writer (PNG specification, W3C/ISO 15948): 1-bit palette and 8-bit grayscale,
//! non-interlaced.
//!
//! Bilevel pages are written as 1-bit palette images (white, black), so that ink is a 1 bit
//! as in [`BitImage`] and paper a 0 bit: blank bytes are then 0x00 whatever the row filter
//! (None or Up), so mixing filters does not split the page's most common byte in two. (1-bit
//! grayscale forces paper to be 1 bits: 0xFF unfiltered, 0x00 after Up. oxipng makes the same
//! move.) The rows are compressed with our own near-optimal deflate ([`super::deflate`]),
//! which also tries the same column of the rows above as match distance, and the row filters
//! are chosen per page from three strategies (None, Up, or None/Up per row by byte entropy, as
//! oxipng's "Entropy") by trial compression of three sample strips ([`pick_filter`]).
//!
//! On the A4 300 dpi rendered text page (`png_bilevel_size_experiment`): miniz_oxide level 6
//! 103.1 kB; our deflate, 1-bit gray, filter None 95.0 kB; with the sampled filters 91.7 kB;
//! as a palette image 88.9 kB in ~40 ms ([`PngEffort::Fast`]), and 82.5 kB in ~2.2 s
//! ([`PngEffort::Max`], `png_efforts_on_rendered_page`), where oxipng -o4 makes 84.7 kB in
//! ~2.2 s. Gray rows use the usual minimum sum of absolute differences to pick a filter per
//! row, and our deflate at the fast effort.

use super::deflate::{zlib_compress, Effort};
use crate::math::log2_q16;
use crate::{BitImage, Error, GrayImage, PngEffort};

/// PNG file signature.
const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// Largest chunk payload the PNG spec allows (2^31 - 1 bytes).
const MAX_CHUNK: usize = 0x7FFF_FFFF;
/// The palette of bilevel pages: index 0 paper (white), index 1 ink (black).
const BILEVEL_PALETTE: [u8; 6] = [0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00];
/// Deflate effort of [`PngEffort::Fast`]. On the A4 300 dpi rendered text page with the
/// Entropy filters, as a palette image (`deflate_size_experiment`): this 88.8 kB in ~38 ms;
/// depth 4, nice 64, 2 passes 87.0 kB in ~63 ms; miniz_oxide level 6 97.4 kB, libdeflate
/// level 9 91.4 kB (~33 ms), level 12 84.2 kB (~640 ms).
const FAST_EFFORT: Effort = Effort {
    depth: 2,
    nice: 32,
    passes: 1,
    block: 1 << 18,
    split: false,
    tree: false,
    starts: 1,
};
/// Filtered rows (bytes) up to which [`PngEffort::Max`] searches wide: three start models
/// per block part when ranking the strategies, six for the winner. Below it a few bytes are
/// the difference with oxipng and the search costs little time (every DIBCO page, up to
/// 548 kB); above it (an A4 page at 300 dpi is 1.09 MB) one model ranks and the winner is
/// kept: on the peers' cleaned A4 bitmap that is 2.2 s instead of 6.2 s for 50 bytes more
/// (100,015 against 99,965; oxipng -o4 104,105 in 3.4 s).
const WIDE_SEARCH_BYTES: usize = 1 << 20;
/// Deflate effort at which [`PngEffort::Max`] ranks its filter strategies, each compressed
/// whole: libdeflate level 12's search depth (300) in binary trees, up to 10 passes, the
/// block splitter, and each block part parsed from three start models. On the rendered page
/// with the Entropy filters (`png_efforts_on_rendered_page`): 82.5 kB in ~1.2 s; the former
/// single-model effort (depth 64, 4 passes) 82.8 kB in ~1 s; libdeflate level 12 84.2 kB.
const RANK_EFFORT: Effort = Effort {
    depth: 300,
    nice: 258,
    passes: 10,
    block: 1 << 19,
    split: true,
    tree: true,
    starts: 3,
};
/// Deflate effort of [`PngEffort::Max`]'s last run, on the strategy ranked first: six start
/// models per block part, the last three zopfli's perturbed statistics. Entropy filters on
/// the rendered page: 82.3 kB in ~1.9 s. With it, max is no larger than oxipng -o4 on each
/// of the 65 DIBCO pages (binarized with and without background normalisation); with the
/// three models of [`RANK_EFFORT`] alone, oxipng was 2 bytes smaller on one of those pages.
pub(crate) const MAX_EFFORT: Effort = Effort {
    starts: 6,
    ..RANK_EFFORT
};

/// Encodes a bilevel image as a 1-bit palette PNG (ink black, paper white), with a pHYs
/// chunk (pixels per metre) when `dpi` is given and non-zero. The row filters are chosen per
/// page by [`pick_filter`]; `effort` trades time for size (see [`PngEffort`]).
///
/// Errors: [`Error::EmptyImage`] for a 0-pixel side (PNG needs ≥ 1), [`Error::Encode`] for a
/// side over 2^31 - 1.
pub fn encode_png_bilevel(
    img: &BitImage,
    dpi: Option<u32>,
    effort: PngEffort,
) -> Result<Vec<u8>, Error> {
    check_size(img.width(), img.height())?;
    let idat = match effort {
        PngEffort::Fast => match pick_filter(img) {
            // The one sample was the whole image: its trial is the page's data.
            (_, Some(idat)) => idat,
            (filter, None) => bilevel_idat(img, filter, Deflater::Near(FAST_EFFORT)),
        },
        // Every strategy compressed whole at the ranking effort, the smallest kept: the
        // fast effort ranks them differently on a sixth of the DIBCO pages, and the samples
        // miss pages whose parts differ. (On a tie the first, in the order of
        // MAX_STRATEGIES.) Up to WIDE_SEARCH_BYTES of rows, the winner is compressed once
        // more with the wider search of MAX_EFFORT, kept if smaller.
        PngEffort::Max => {
            let wide = (img.stride() + 1) * img.height() as usize <= WIDE_SEARCH_BYTES;
            let starts = if wide { RANK_EFFORT.starts } else { 1 };
            let rank = Effort {
                starts,
                ..RANK_EFFORT
            };
            let (filter, idat) = MAX_STRATEGIES
                .iter()
                .map(|&f| (f, bilevel_idat(img, f, Deflater::Near(rank))))
                .min_by_key(|(_, idat)| idat.len())
                .unwrap_or((BilevelFilter::None, Vec::new()));
            let wider = wide.then(|| bilevel_idat(img, filter, Deflater::Near(MAX_EFFORT)));
            match wider {
                Some(wider) if wider.len() < idat.len() => wider,
                _ => idat,
            }
        }
    };
    Ok(write_bilevel_png(img, &idat, dpi))
}

/// How bilevel rows are filtered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BilevelFilter {
    /// Filter type 0 on every row: best where glyphs repeat exactly along a row.
    None,
    /// Filter type 2 on every row: best where rows repeat with small changes.
    Up,
    /// None or Up per row, the one whose bytes have the lower entropy (oxipng's "Entropy"
    /// strategy, restricted to the two filters that suit 1-bit rows).
    Entropy,
    /// Any of the five filters per row, the one whose bytes hold the fewest distinct pairs
    /// of neighbours (pngwolf's and oxipng's "Bigrams"): fewer pairs, more repeats for
    /// deflate to find. Sub, Average and Paeth predict from the byte to the left, which now
    /// and then suits a row of 1-bit pixels. Tried by [`PngEffort::Max`] only.
    Bigrams,
}

/// The filter strategies [`pick_filter`] tries, in order of preference on a tie.
const STRATEGIES: [BilevelFilter; 3] = [
    BilevelFilter::None,
    BilevelFilter::Up,
    BilevelFilter::Entropy,
];
/// The filter strategies [`PngEffort::Max`] tries, in order of preference on a tie. Up is
/// left out: at this effort it was never the smallest on the 65 DIBCO pages nor on the
/// rendered page (`max_strategies_on_pages`), while Bigrams was on 3 (35 bytes in all).
const MAX_STRATEGIES: [BilevelFilter; 3] = [
    BilevelFilter::None,
    BilevelFilter::Entropy,
    BilevelFilter::Bigrams,
];
/// Rows per sample strip of [`pick_filter`].
const SAMPLE_ROWS: u32 = 64;
/// Sample strips of [`pick_filter`], spread evenly down the page.
const SAMPLES: u32 = 3;

/// Picks the filter strategy of a page by compressing three strips of 64 rows (at a quarter,
/// a half and three quarters of the height; the whole image when it is shorter) with each
/// strategy and keeping the smallest. No one strategy wins everywhere: on an A4 page of
/// rendered text Entropy is 3.5% smaller than None, on exactly repeated glyphs 7-18% larger,
/// and Up wins on a third of the binarized DIBCO pages. The trials cost about 16% of an
/// encode of an A4 page. When the image is short enough to be its own sample, the winning
/// trial's zlib data is returned too, so that the page is not compressed again.
fn pick_filter(img: &BitImage) -> (BilevelFilter, Option<Vec<u8>>) {
    let h = img.height();
    let whole = h <= SAMPLES * SAMPLE_ROWS;
    let strips: Vec<std::ops::Range<u32>> = if whole {
        std::iter::once(0..h).collect()
    } else {
        (1..=SAMPLES)
            .map(|k| {
                let mid = (h as u64 * k as u64 / (SAMPLES as u64 + 1)) as u32;
                let start = mid.saturating_sub(SAMPLE_ROWS / 2).min(h - SAMPLE_ROWS);
                start..start + SAMPLE_ROWS
            })
            .collect()
    };
    let mut raw = Vec::new();
    let mut best: (usize, BilevelFilter, Vec<u8>) = (usize::MAX, BilevelFilter::None, Vec::new());
    for f in STRATEGIES {
        let mut size = 0;
        let mut last = Vec::new();
        for rows in &strips {
            raw.clear();
            filter_rows(img, rows.clone(), f, &mut raw);
            last = zlib_compress(&raw, img.stride() + 1, &FAST_EFFORT);
            size += last.len();
        }
        if size < best.0 {
            best = (size, f, last);
        }
    }
    (best.1, whole.then_some(best.2))
}

/// The deflate encoder of the bilevel image data.
#[derive(Clone, Copy, Debug)]
enum Deflater {
    /// Ours, near-optimal, with this effort.
    Near(Effort),
    /// miniz_oxide at this level (the former encoder, for the size experiments).
    #[cfg(test)]
    Miniz(u8),
}

/// `Σ c·log2(c)` over a histogram, in 1/65536 bits: the larger, the lower the entropy (for
/// a fixed total). Integer only, so every target picks the same filters.
fn neg_entropy(hist: &[u32; 256], log2: &[u64]) -> u64 {
    hist.iter()
        .filter(|&&c| c > 1)
        .map(|&c| {
            c as u64
                * log2
                    .get(c as usize)
                    .copied()
                    .unwrap_or_else(|| log2_q16(c as u64))
        })
        .sum()
}

/// [`encode_png_bilevel`] with an explicit filter strategy and deflater.
#[cfg(test)]
fn encode_bilevel_with(
    img: &BitImage,
    dpi: Option<u32>,
    filter: BilevelFilter,
    deflater: Deflater,
) -> Result<Vec<u8>, Error> {
    check_size(img.width(), img.height())?;
    let idat = bilevel_idat(img, filter, deflater);
    Ok(write_bilevel_png(img, &idat, dpi))
}

/// The zlib-compressed image data of a bilevel image, filtered with `filter`.
fn bilevel_idat(img: &BitImage, filter: BilevelFilter, deflater: Deflater) -> Vec<u8> {
    let mut raw = Vec::with_capacity((img.stride() + 1) * img.height() as usize);
    filter_rows(img, 0..img.height(), filter, &mut raw);
    match deflater {
        Deflater::Near(e) => zlib_compress(&raw, img.stride() + 1, &e),
        #[cfg(test)]
        Deflater::Miniz(level) => miniz_oxide::deflate::compress_to_vec_zlib(&raw, level),
    }
}

/// Appends rows `rows` of `img` as the palette PNG stores them (ink 1, paper 0, as in
/// [`BitImage`]), each after its filter type byte, filtered with `filter`.
fn filter_rows(
    img: &BitImage,
    rows: std::ops::Range<u32>,
    filter: BilevelFilter,
    raw: &mut Vec<u8>,
) {
    let stride = img.stride();
    // Padding bits become paper (0) like the pixels around them, so blank rows are all 0x00.
    let keep = match img.width() % 8 {
        0 => 0xFF,
        r => !(0xFFu8 >> r),
    };
    let stored = |y: u32, out: &mut [u8]| {
        out.copy_from_slice(img.row(y));
        if let Some(last) = out.last_mut() {
            *last &= keep;
        }
    };
    // The current and previous rows as stored; the Up-filtered row.
    let mut cur = vec![0u8; stride];
    let mut prev = vec![0u8; stride];
    if rows.start > 0 {
        stored(rows.start - 1, &mut prev);
    }
    let mut up = vec![0u8; stride];
    let log2: Vec<u64> = match filter {
        BilevelFilter::Entropy => (0..=stride.min(4096) as u64).map(log2_q16).collect(),
        _ => Vec::new(),
    };
    if filter == BilevelFilter::Bigrams {
        let mut scratch = vec![0u8; 5 * stride];
        let mut seen = vec![0u64; 1 << 10];
        for y in rows {
            stored(y, &mut cur);
            let (kind, row) = fewest_bigrams_filter(&cur, &prev, &mut scratch, &mut seen);
            raw.push(kind);
            raw.extend_from_slice(row);
            std::mem::swap(&mut cur, &mut prev);
        }
        return;
    }
    for y in rows {
        stored(y, &mut cur);
        if y > 0 && filter != BilevelFilter::None {
            for ((u, &a), &b) in up.iter_mut().zip(&cur).zip(&prev) {
                *u = a.wrapping_sub(b);
            }
        }
        let use_up = y > 0
            && match filter {
                BilevelFilter::None => false,
                BilevelFilter::Up | BilevelFilter::Bigrams => true,
                BilevelFilter::Entropy => {
                    let (mut hn, mut hu) = ([0u32; 256], [0u32; 256]);
                    for (&a, &u) in cur.iter().zip(&up) {
                        hn[a as usize] += 1;
                        hu[u as usize] += 1;
                    }
                    neg_entropy(&hu, &log2) > neg_entropy(&hn, &log2)
                }
            };
        if use_up {
            raw.push(2);
            raw.extend_from_slice(&up);
        } else {
            raw.push(0);
            raw.extend_from_slice(&cur);
        }
        std::mem::swap(&mut cur, &mut prev);
    }
}

/// The row `cur` (under `prev`, zeros above the first row) filtered by each of the five PNG
/// filters into `scratch` (five rows), the one whose stored row (filter type byte first)
/// holds the fewest distinct pairs of neighbouring bytes kept: its filter type and bytes.
/// `seen` is a 65536-bit set, all clear, and left so.
#[inline(never)]
fn fewest_bigrams_filter<'a>(
    cur: &[u8],
    prev: &[u8],
    scratch: &'a mut [u8],
    seen: &mut [u64],
) -> (u8, &'a [u8]) {
    let w = cur.len().max(1);
    let mut best = (usize::MAX, 0usize);
    for (t, out) in scratch.chunks_exact_mut(w).enumerate() {
        filter_row(t as u8, cur, prev, out);
        // The pairs of the row as stored: its filter type byte, then its bytes.
        let pairs = || {
            std::iter::once(t as u8)
                .chain(out.iter().copied())
                .zip(out.iter().copied())
                .map(|(a, b)| (a as usize) << 8 | b as usize)
        };
        let mut distinct = 0;
        for k in pairs() {
            if let Some(word) = seen.get_mut(k >> 6) {
                distinct += (*word >> (k & 63) & 1 == 0) as usize;
                *word |= 1 << (k & 63);
            }
        }
        for k in pairs() {
            if let Some(word) = seen.get_mut(k >> 6) {
                *word = 0;
            }
        }
        if distinct < best.0 {
            best = (distinct, t);
        }
    }
    (
        best.1 as u8,
        scratch.get(best.1 * w..(best.1 + 1) * w).unwrap_or(&[]),
    )
}

/// Encodes an 8-bit grayscale image as an 8-bit grayscale PNG, with a pHYs chunk when `dpi`
/// is given and non-zero. Errors as for [`encode_png_bilevel`].
///
/// Filters per row, then our deflate at the fast effort. Against miniz_oxide level 6, the
/// encoder before (`gray_deflaters`): a gray A4 text page 104 kB against 250 kB, a noisy
/// gradient 2.16 MB against 2.30 MB, in 1.2-1.5x the time; and miniz_oxide's compressor no
/// longer weighs on the WebAssembly.
pub fn encode_png_gray(img: &GrayImage, dpi: Option<u32>) -> Result<Vec<u8>, Error> {
    check_size(img.width(), img.height())?;
    let w = img.width() as usize;
    let mut raw = Vec::with_capacity((w + 1) * img.height() as usize);
    // One scratch row per filter type, reused for every row.
    let mut scratch = vec![0u8; 5 * w];
    let zeros = vec![0u8; w];
    let mut prev: &[u8] = &zeros;
    for row in img.rows() {
        let mut best = (u64::MAX, 0usize);
        for (t, out) in scratch.chunks_exact_mut(w).enumerate() {
            filter_row(t as u8, row, prev, out);
            // Sum of |x| with bytes read as signed: the libpng heuristic.
            let cost = out
                .iter()
                .map(|&b| (b as i8).unsigned_abs() as u64)
                .sum::<u64>();
            if cost < best.0 {
                best = (cost, t);
            }
        }
        raw.push(best.1 as u8);
        raw.extend_from_slice(&scratch[best.1 * w..(best.1 + 1) * w]);
        prev = row;
    }
    let idat = zlib_compress(&raw, w + 1, &FAST_EFFORT);
    Ok(write_png(img.width(), img.height(), 8, &[], &idat, dpi))
}

/// Applies PNG filter type `t` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) to an 8-bit,
/// 1-byte-per-pixel row, given the previous row `up` (zeros for the first row).
#[inline(never)]
fn filter_row(t: u8, row: &[u8], up: &[u8], out: &mut [u8]) {
    let mut left = 0u8;
    let mut upleft = 0u8;
    for ((o, &x), &b) in out.iter_mut().zip(row).zip(up) {
        *o = match t {
            0 => x,
            1 => x.wrapping_sub(left),
            2 => x.wrapping_sub(b),
            3 => x.wrapping_sub(((left as u16 + b as u16) / 2) as u8),
            _ => x.wrapping_sub(paeth(left, b, upleft)),
        };
        left = x;
        upleft = b;
    }
}

/// The Paeth predictor (PNG spec §9.4), as the specification writes it.
#[inline]
pub(crate) fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = a as i16 + b as i16 - c as i16;
    let (pa, pb, pc) = (
        (p - a as i16).abs(),
        (p - b as i16).abs(),
        (p - c as i16).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// PNG sides must be 1 ..= 2^31 - 1.
fn check_size(width: u32, height: u32) -> Result<(), Error> {
    if width == 0 || height == 0 {
        return Err(Error::EmptyImage { width, height });
    }
    if width > MAX_CHUNK as u32 || height > MAX_CHUNK as u32 {
        return Err(Error::Encode {
            format: "png",
            reason: format!("{width}x{height} exceeds the PNG limit of 2^31-1 pixels per side"),
        });
    }
    Ok(())
}

/// [`write_png`] of a bilevel image's zlib data. The palette is paper and ink, or paper
/// alone when no pixel is ink (3 bytes less, as oxipng writes a blank page).
fn write_bilevel_png(img: &BitImage, zdata: &[u8], dpi: Option<u32>) -> Vec<u8> {
    let plte = match img.count_ink() {
        0 => &BILEVEL_PALETTE[..3],
        _ => &BILEVEL_PALETTE[..],
    };
    write_png(img.width(), img.height(), 1, plte, zdata, dpi)
}

/// Assembles signature, IHDR (`depth` bits: 1 is a palette image with the colours `plte`, 8
/// grayscale), PLTE for 1 bit, optional pHYs, IDAT chunk(s) and IEND.
fn write_png(
    width: u32,
    height: u32,
    depth: u8,
    plte: &[u8],
    zdata: &[u8],
    dpi: Option<u32>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(zdata.len() + 64);
    out.extend_from_slice(&SIGNATURE);
    let mut ihdr = [0u8; 13];
    ihdr[0..4].copy_from_slice(&width.to_be_bytes());
    ihdr[4..8].copy_from_slice(&height.to_be_bytes());
    ihdr[8] = depth;
    // Colour type 3 (palette) for 1 bit, 0 (gray) for 8; compression 0, filter method 0,
    // interlace 0.
    ihdr[9] = if depth == 1 { 3 } else { 0 };
    chunk(&mut out, b"IHDR", &ihdr);
    if depth == 1 {
        chunk(&mut out, b"PLTE", plte);
    }
    if let Some(dpi) = dpi.filter(|&d| d > 0) {
        // Pixels per metre, rounded: 1 inch = 0.0254 m.
        let ppm = u32::try_from((dpi as u64 * 10_000 + 127) / 254).unwrap_or(u32::MAX);
        let mut phys = [0u8; 9];
        phys[0..4].copy_from_slice(&ppm.to_be_bytes());
        phys[4..8].copy_from_slice(&ppm.to_be_bytes());
        phys[8] = 1; // unit: metre
        chunk(&mut out, b"pHYs", &phys);
    }
    for part in zdata.chunks(MAX_CHUNK) {
        chunk(&mut out, b"IDAT", part);
    }
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Appends one chunk: length, type, data, CRC-32 of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = CRC_TABLES.with(|t| !t.update(t.update(!0, kind), data));
    out.extend_from_slice(&crc.to_be_bytes());
}

thread_local! {
    /// Built on first use rather than stored in the binary: 8 KiB less WebAssembly to ship.
    static CRC_TABLES: Crc32 = Crc32::new();
}

/// CRC-32 (ISO-HDLC, the polynomial of PNG and zlib), eight bytes a step ("slicing-by-8",
/// Kounavis and Berry, 2005).
struct Crc32(Box<[[u32; 256]; 8]>);

impl Crc32 {
    fn new() -> Self {
        let mut t = Box::new([[0u32; 256]; 8]);
        for i in 0..256 {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            t[0][i] = c;
        }
        for i in 0..256 {
            for k in 1..8 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            }
        }
        Crc32(t)
    }

    /// Continues the (pre-inverted) register `crc` over `data`.
    fn update(&self, mut crc: u32, data: &[u8]) -> u32 {
        let t = &self.0;
        let mut blocks = data.chunks_exact(8);
        for b in &mut blocks {
            let lo = crc ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            crc = t[7][(lo & 0xff) as usize]
                ^ t[6][((lo >> 8) & 0xff) as usize]
                ^ t[5][((lo >> 16) & 0xff) as usize]
                ^ t[4][(lo >> 24) as usize]
                ^ t[3][b[4] as usize]
                ^ t[2][b[5] as usize]
                ^ t[1][b[6] as usize]
                ^ t[0][b[7] as usize];
        }
        for &b in blocks.remainder() {
            crc = (crc >> 8) ^ t[0][((crc ^ b as u32) & 0xff) as usize];
        }
        crc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::testutil::{fnv1a, random_bitmap, text_page, Rng};

    #[test]
    fn crc32_matches_the_reference() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for n in [0, 1, 7, 8, 9, 100, 1000] {
            let mut h = crc32fast::Hasher::new();
            h.update(&data[..n]);
            let ours = CRC_TABLES.with(|t| !t.update(!0, &data[..n]));
            assert_eq!(ours, h.finalize(), "{n} bytes");
        }
        // The check value of CRC-32/ISO-HDLC.
        assert_eq!(
            CRC_TABLES.with(|t| !t.update(!0, b"123456789")),
            0xCBF4_3926
        );
    }

    fn decode_bilevel(png: &[u8]) -> BitImage {
        // IHDR: bit depth 1, colour type 3 (palette).
        assert_eq!(&png[24..26], &[1, 3]);
        let dec = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .expect("image decodes our PNG");
        let gray = dec.to_luma8();
        let mut out = BitImage::new(gray.width(), gray.height());
        for (x, y, p) in gray.enumerate_pixels() {
            assert!(p.0[0] == 0 || p.0[0] == 255);
            out.set(x, y, p.0[0] == 0);
        }
        out
    }

    #[test]
    fn bilevel_round_trips() {
        let mut seed = 1;
        for (w, h) in [(1, 1), (1, 13), (7, 3), (8, 8), (9, 2), (65, 17), (333, 41)] {
            for density in [0, 20, 128, 256] {
                let img = random_bitmap(w, h, density, seed);
                seed += 1;
                assert!(
                    decode_bilevel(&encode_png_bilevel(&img, None, PngEffort::Fast).unwrap())
                        == img,
                    "{w}x{h}"
                );
            }
        }
        let page = text_page(1240, 1754, 4);
        assert!(
            decode_bilevel(&encode_png_bilevel(&page, Some(150), PngEffort::Fast).unwrap()) == page
        );
        // Every strategy decodes, with either deflater, also on images too short to sample.
        for img in [random_bitmap(77, 23, 60, 5), random_bitmap(40, 500, 30, 6)] {
            for f in MAX_STRATEGIES {
                for d in [Deflater::Near(FAST_EFFORT), Deflater::Miniz(6)] {
                    let png = encode_bilevel_with(&img, None, f, d).unwrap();
                    assert!(decode_bilevel(&png) == img, "{f:?} {d:?}");
                }
            }
        }
        let max = encode_png_bilevel(&page, None, PngEffort::Max).unwrap();
        assert!(decode_bilevel(&max) == page);
        assert!(
            max.len()
                < encode_png_bilevel(&page, None, PngEffort::Fast)
                    .unwrap()
                    .len()
        );
    }

    /// A page whose rows repeat with a few changes (a slowly drifting texture): Up wins.
    fn drifting_page(width: u32, height: u32, seed: u64) -> BitImage {
        let mut rng = Rng::new(seed);
        let mut row: Vec<bool> = (0..width).map(|_| rng.below(3) == 0).collect();
        let mut img = BitImage::new(width, height);
        for y in 0..height {
            for _ in 0..width / 64 {
                let x = rng.below(width) as usize;
                row[x] = !row[x];
            }
            for (x, &b) in row.iter().enumerate() {
                img.set(x as u32, y, b);
            }
        }
        img
    }

    /// An image short enough to be its own sample reuses the winning trial: the same bytes
    /// as encoding it again with the chosen filter.
    #[test]
    fn short_images_reuse_the_trial() {
        for (w, h, density) in [(200, 150, 40), (64, 192, 128), (300, 1, 20)] {
            let img = random_bitmap(w, h, density, 11);
            let (filter, trial) = pick_filter(&img);
            assert!(trial.is_some(), "{w}x{h}");
            let again = encode_bilevel_with(&img, Some(300), filter, Deflater::Near(FAST_EFFORT));
            assert_eq!(
                encode_png_bilevel(&img, Some(300), PngEffort::Fast).unwrap(),
                again.unwrap()
            );
        }
        assert!(pick_filter(&random_bitmap(50, 193, 40, 12)).1.is_none());
    }

    /// The size of `page` with each of [`STRATEGIES`], at the default effort.
    fn strategy_sizes(page: &BitImage) -> Vec<usize> {
        STRATEGIES
            .iter()
            .map(|&f| {
                encode_bilevel_with(page, None, f, Deflater::Near(FAST_EFFORT))
                    .unwrap()
                    .len()
            })
            .collect()
    }

    /// The sampled choice of filters follows the page: None on exactly repeated glyphs (where
    /// Up and Entropy are larger), a row-to-row filter on a drifting texture, and the page
    /// comes out no larger than with the worst strategy and within 1% of the best.
    #[test]
    fn filter_choice_follows_the_page() {
        for (page, want) in [
            (text_page(1240, 1754, 4), BilevelFilter::None),
            (drifting_page(800, 900, 2), BilevelFilter::Up),
        ] {
            assert_eq!(pick_filter(&page).0, want);
            let sizes = strategy_sizes(&page);
            let best = *sizes.iter().min().unwrap();
            let ours = encode_png_bilevel(&page, None, PngEffort::Fast)
                .unwrap()
                .len();
            assert!(ours * 100 <= best * 101, "{ours} vs {sizes:?}");
            assert!(
                sizes.iter().any(|&s| s > ours * 103 / 100),
                "{ours} vs {sizes:?}"
            );
        }
    }

    #[test]
    fn gray_round_trips() {
        let mut rng = Rng::new(9);
        for (w, h) in [(1, 1), (3, 7), (64, 5), (101, 33)] {
            // Smooth gradient plus noise, so every filter type gets chosen somewhere.
            let data: Vec<u8> = (0..w * h)
                .map(|i| ((i % w) * 3 + (i / w) * 2) as u8 ^ (rng.below(4) as u8))
                .collect();
            let img = GrayImage::from_raw(w, h, data).unwrap();
            let png = encode_png_gray(&img, Some(300)).unwrap();
            let dec = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
            assert_eq!(dec.color(), image::ColorType::L8);
            assert_eq!(dec.to_luma8().into_raw(), img.data());
        }
    }

    #[test]
    fn filters_invert_exactly() {
        // Unfilter by the spec's reconstruction and compare, for every filter type.
        let mut rng = Rng::new(3);
        let up: Vec<u8> = (0..50).map(|_| rng.below(256) as u8).collect();
        let row: Vec<u8> = (0..50).map(|_| rng.below(256) as u8).collect();
        for t in 0..5u8 {
            let mut f = vec![0; 50];
            filter_row(t, &row, &up, &mut f);
            let mut r = vec![0u8; 50];
            for i in 0..50 {
                let (a, b, c) = if i > 0 {
                    (r[i - 1], up[i], up[i - 1])
                } else {
                    (0, up[i], 0)
                };
                let pred = match t {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => ((a as u16 + b as u16) / 2) as u8,
                    _ => paeth(a, b, c),
                };
                r[i] = f[i].wrapping_add(pred);
            }
            assert_eq!(r, row, "filter {t}");
        }
    }

    #[test]
    fn chunks_and_phys() {
        let mut img = BitImage::new(10, 2);
        img.set(3, 1, true);
        let png = encode_png_bilevel(&img, Some(300), PngEffort::Fast).unwrap();
        assert_eq!(&png[..8], &SIGNATURE);
        // IHDR: 13 bytes, 10x2, depth 1, colour type 3 (palette).
        assert_eq!(&png[8..16], &[0, 0, 0, 13, b'I', b'H', b'D', b'R']);
        assert_eq!(&png[16..29], &[0, 0, 0, 10, 0, 0, 0, 2, 1, 3, 0, 0, 0]);
        // PLTE: white (index 0, paper), black (index 1, ink).
        assert_eq!(&png[33..41], &[0, 0, 0, 6, b'P', b'L', b'T', b'E']);
        assert_eq!(&png[41..47], &[255, 255, 255, 0, 0, 0]);
        // pHYs after PLTE: 300 dpi = 11811 px/m, unit 1.
        assert_eq!(&png[51..59], &[0, 0, 0, 9, b'p', b'H', b'Y', b's']);
        assert_eq!(&png[59..68], &[0, 0, 0x2E, 0x23, 0, 0, 0x2E, 0x23, 1]);
        assert_eq!(
            &png[png.len() - 12..],
            &[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]
        );
        let plain = encode_png_bilevel(&img, None, PngEffort::Fast).unwrap();
        assert_eq!(plain.len(), png.len() - 21);
        assert_eq!(
            encode_png_bilevel(&img, Some(0), PngEffort::Fast).unwrap(),
            plain
        );
    }

    #[test]
    fn a_blank_page_has_a_palette_of_paper_alone() {
        let blank = BitImage::new(10, 2);
        for effort in [PngEffort::Fast, PngEffort::Max] {
            let png = encode_png_bilevel(&blank, None, effort).unwrap();
            assert_eq!(
                &png[33..44],
                &[0, 0, 0, 3, b'P', b'L', b'T', b'E', 255, 255, 255]
            );
            assert!(decode_bilevel(&png) == blank, "{effort:?}");
        }
    }

    #[test]
    fn empty_images_are_errors() {
        assert_eq!(
            encode_png_bilevel(&BitImage::new(0, 3), None, PngEffort::Fast),
            Err(Error::EmptyImage {
                width: 0,
                height: 3
            })
        );
        assert_eq!(
            encode_png_gray(&GrayImage::new(4, 0, 0), None),
            Err(Error::EmptyImage {
                width: 4,
                height: 0
            })
        );
    }

    /// Golden output of the bilevel PNG for a fixed page: any change of filter or of the
    /// deflate encoder's choices that alters bytes (and so size) shows up here.
    #[test]
    fn golden_bilevel_png_bytes() {
        let png = encode_png_bilevel(&text_page(600, 400, 5), Some(300), PngEffort::Fast).unwrap();
        assert_eq!((png.len(), fnv1a(&png)), (1153, 9420478098014254718));
    }

    /// Size and time of the filter/level choices on A4 text pages (`--ignored`, release mode).
    /// Also reads `/tmp/scanprep_g4/rendered_a4_src.png` when present (made by g4_size.py).
    #[test]
    #[ignore]
    fn png_bilevel_size_experiment() {
        let mut pages = vec![
            ("small", text_page(600, 400, 5)),
            ("synthetic", text_page(2480, 3508, 1)),
        ];
        if let Ok(dec) = image::open("/tmp/scanprep_g4/rendered_a4_src.png") {
            let g = dec.to_luma8();
            let mut b = BitImage::new(g.width(), g.height());
            for (x, y, p) in g.enumerate_pixels() {
                b.set(x, y, p.0[0] < 128);
            }
            pages.push(("rendered", b));
        }
        for (name, page) in &pages {
            let mut runs = vec![];
            for f in [
                BilevelFilter::None,
                BilevelFilter::Up,
                BilevelFilter::Entropy,
            ] {
                for level in [6, 9, 10] {
                    runs.push((f, Deflater::Miniz(level)));
                }
            }
            for f in STRATEGIES {
                for e in [
                    FAST_EFFORT,
                    Effort {
                        depth: 4,
                        nice: 64,
                        passes: 2,
                        block: 1 << 18,
                        split: false,
                        tree: false,
                        starts: 1,
                    },
                    MAX_EFFORT,
                ] {
                    runs.push((f, Deflater::Near(e)));
                }
            }
            for (f, d) in runs {
                let mut best = f64::MAX;
                let mut png = vec![];
                for _ in 0..3 {
                    let t = std::time::Instant::now();
                    png = encode_bilevel_with(page, None, f, d).unwrap();
                    best = best.min(t.elapsed().as_secs_f64() * 1e3);
                }
                assert!(decode_bilevel(&png) == *page);
                println!("{name} {f:?} {d:?}: {} bytes, {best:.1} ms", png.len());
            }
            for effort in [PngEffort::Fast, PngEffort::Max] {
                let t = std::time::Instant::now();
                let png = encode_png_bilevel(page, None, effort).unwrap();
                println!(
                    "{name} {effort:?}: picks {:?}, {} bytes, {:.1} ms",
                    pick_filter(page).0,
                    png.len(),
                    t.elapsed().as_secs_f64() * 1e3
                );
            }
            std::fs::write(
                format!("/tmp/scanprep_g4/{name}_ours.png"),
                encode_png_bilevel(page, None, PngEffort::Fast).unwrap(),
            )
            .ok();
        }
        let gray = pages[0].1.to_gray();
        let t = std::time::Instant::now();
        let len = encode_png_gray(&gray, None).unwrap().len();
        println!(
            "gray PNG of the synthetic page: {len} bytes, {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
    }

    /// Gray PNG data through miniz_oxide level 6 and through our deflate at the fast effort:
    /// a synthetic A4 text page and a noisy gradient (`--ignored`, release mode).
    #[test]
    #[ignore]
    fn gray_deflaters() {
        let page = text_page(2480, 3508, 1).to_gray();
        let w = page.width() as usize;
        let mut raw = Vec::new();
        for row in page.rows() {
            raw.push(0);
            raw.extend_from_slice(row);
        }
        // A photo-like gray: smooth gradient plus noise.
        let mut g2 = Vec::new();
        let mut x = 1u32;
        for y in 0..2000usize {
            g2.push(1);
            for i in 0..1500usize {
                x = x.wrapping_mul(1103515245).wrapping_add(12345);
                g2.push(((i / 8 + y / 8) as u32 + (x >> 29)) as u8);
            }
        }
        for (name, data, row) in [("text", &raw, w + 1), ("noisy", &g2, 1501)] {
            let t = std::time::Instant::now();
            let m = miniz_oxide::deflate::compress_to_vec_zlib(data, 6).len();
            let tm = t.elapsed().as_secs_f64() * 1e3;
            let t = std::time::Instant::now();
            let o = zlib_compress(data, row, &FAST_EFFORT).len();
            let to = t.elapsed().as_secs_f64() * 1e3;
            println!("{name}: miniz6 {m} {tm:.0} ms, ours fast {o} {to:.0} ms");
        }
    }

    /// Size and time of both efforts on the rendered A4 page of `png_bilevel_size_experiment`
    /// (`--ignored`, release mode; skipped without the page).
    #[test]
    #[ignore]
    fn png_efforts_on_rendered_page() {
        let path =
            std::env::var("SP_PAGE").unwrap_or("/tmp/scanprep_g4/rendered_a4_src.png".into());
        let Ok(dec) = image::open(path) else {
            return;
        };
        let g = dec.to_luma8();
        let mut page = BitImage::new(g.width(), g.height());
        for (x, y, p) in g.enumerate_pixels() {
            page.set(x, y, p.0[0] < 128);
        }
        for f in MAX_STRATEGIES {
            for e in [RANK_EFFORT, MAX_EFFORT] {
                let t = std::time::Instant::now();
                let png = encode_bilevel_with(&page, None, f, Deflater::Near(e)).unwrap();
                println!(
                    "rendered {f:?} starts {}: {} bytes, {:.0} ms",
                    e.starts,
                    png.len(),
                    t.elapsed().as_secs_f64() * 1e3
                );
            }
        }
        for effort in [PngEffort::Fast, PngEffort::Max] {
            let t = std::time::Instant::now();
            let png = encode_png_bilevel(&page, None, effort).unwrap();
            println!(
                "rendered {effort:?}: {} bytes, {:.0} ms",
                png.len(),
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }

    /// Each strategy of [`PngEffort::Max`] at the ranking and the final effort on the pages
    /// of /tmp/scanprep_dibco_png named in `SP_PAGES` (`--ignored`, release mode).
    #[test]
    #[ignore]
    fn max_strategies_on_pages() {
        let pages = std::env::var("SP_PAGES").unwrap_or_default();
        let mut names: Vec<String> = pages.split(',').map(String::from).collect();
        if pages == "all" {
            names = std::fs::read_dir("/tmp/scanprep_dibco_png")
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    let n = e.ok()?.file_name().to_string_lossy().to_string();
                    n.strip_suffix(".max.png").map(String::from)
                })
                .collect();
            names.sort();
        }
        for name in names.iter().filter(|n| !n.is_empty()) {
            let Ok(png) = std::fs::read(format!("/tmp/scanprep_dibco_png/{name}.max.png")) else {
                continue;
            };
            let img = decode_bilevel(&png);
            for f in MAX_STRATEGIES {
                let rank = encode_bilevel_with(&img, None, f, Deflater::Near(RANK_EFFORT)).unwrap();
                let max = encode_bilevel_with(&img, None, f, Deflater::Near(MAX_EFFORT)).unwrap();
                println!("{name} {f:?}: rank {} max {}", rank.len(), max.len());
            }
        }
    }

    /// The filter choice on real documents: the DIBCO 2009-2013 inputs binarized as the
    /// pipeline and `scanprep eval` do (background normalised, then the default method), each strategy against the sampled choice, and the total at
    /// [`PngEffort::Max`] (`--ignored`, release mode; skipped without `../shared`). The pages
    /// are left in /tmp/scanprep_dibco_png for `benches/peers/png_size.py`.
    #[test]
    #[ignore]
    fn png_filter_choice_on_dibco() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/data/dibco-2009-2013");
        let Ok(years) = std::fs::read_dir(&root) else {
            return;
        };
        let mut files: Vec<_> = years
            .flat_map(|y| std::fs::read_dir(y.unwrap().path()).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with("_in.png"))
            .collect();
        files.sort();
        let (mut each, mut oracle, mut ours, mut max) = ([0usize; 3], 0, 0, 0);
        // The pages as written, for a comparison with oxipng (benches/peers/png_size.py).
        let dump = std::path::Path::new("/tmp/scanprep_dibco_png");
        std::fs::create_dir_all(dump).ok();
        for f in &files {
            let g = image::open(f).unwrap().to_luma8();
            let mut g = GrayImage::from_raw(g.width(), g.height(), g.into_raw()).unwrap();
            crate::normalize_background(&mut g);
            let (b, _) = crate::binarize::binarize(&g, &Default::default());
            let sizes = strategy_sizes(&b);
            for (t, s) in each.iter_mut().zip(&sizes) {
                *t += s;
            }
            oracle += sizes.iter().min().unwrap();
            let fast = encode_png_bilevel(&b, None, PngEffort::Fast).unwrap();
            ours += fast.len();
            let slow = encode_png_bilevel(&b, None, PngEffort::Max).unwrap();
            max += slow.len();
            let name = f
                .file_name()
                .unwrap()
                .to_string_lossy()
                .replace("_in.png", "");
            let year = f.parent().unwrap().file_name().unwrap().to_string_lossy();
            std::fs::write(dump.join(format!("{year}_{name}.fast.png")), fast).ok();
            std::fs::write(dump.join(format!("{year}_{name}.max.png")), slow).ok();
        }
        println!(
            "{} pages: None/Up/Entropy {each:?}, best per page {oracle}, sampled choice {ours}, max effort {max}",
            files.len()
        );
    }
}
