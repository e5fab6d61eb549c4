//! PNG, with our own reader: the chunks are walked in place, the image data (the IDAT chunks,
//! one zlib stream) is inflated incrementally with `miniz_oxide` into a 128 KiB window, and each
//! row is unfiltered and reduced to luma as soon as it is complete. Besides the input, the peak
//! is the gray output plus the window and two rows in the image's own layout, whatever the
//! colour type, bit depth or interlacing: the rows of each Adam7 pass are reduced to gray and
//! scattered into the output.
//!
//! Every colour type and bit depth of the specification is read (gray 1 to 16 bits, RGB, palette,
//! gray + alpha, RGBA). The gray bytes are those of the `png` crate expanding the image (palette
//! to RGB or RGBA, low depths to 8 bits, `tRNS` to alpha) followed by the engine's BT.601 luma
//! reduction over white paper: low-depth gray scales as v * 255 / (2^d - 1), the `tRNS` key
//! colour becomes white, 16-bit samples round to 8 bits. Nothing is inflated past what the
//! header implies, so a zlib bomb allocates nothing more; image data longer than that is an
//! error, as is a palette index past the PLTE entries (the `png` crate ignores the first and
//! paints the second black).
//!
//! Chunk CRCs and the zlib Adler-32 checksum are not verified (the `png` crate skips Adler-32
//! but rejects a bad CRC on IHDR, PLTE and IDAT; such a file decodes here). Gamma, colour
//! profiles, text and animation chunks are skipped; the EXIF orientation comes from an `eXIf`
//! chunk before the image data, where the `png` crate looks for it too.

use miniz_oxide::inflate::core::inflate_flags::{
    TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_IGNORE_ADLER32, TINFL_FLAG_PARSE_ZLIB_HEADER,
    TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
};
use miniz_oxide::inflate::core::{decompress_with_limit, DecompressorOxide, TINFL_LZ_DICT_SIZE};
use miniz_oxide::inflate::TINFLStatus;

use super::{
    decode_error, exif_orientation, luma, luma_of, over_white, scale16, unpack_depth, Limits,
    Native, Stored,
};
use crate::{ChromaBuilder, Error, GrayImage};

/// The eight bytes every PNG starts with.
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The Adam7 passes: first column, first row, column step, row step.
const ADAM7: [(usize, usize, usize, usize); 7] = [
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
];

/// Decodes a PNG to gray; also returns its EXIF orientation (eXIf chunk; 1 when absent). A
/// file cut short (in or after the image data, or without IEND) gives its whole rows, the
/// rest white.
pub(super) fn decode_png(bytes: &[u8], limits: &Limits) -> Result<Stored, Error> {
    let head = read_head(bytes, limits)?;
    let header = head.header;
    let reduce = Reduce::new(&head)?;
    let orientation = head.exif.map_or(1, exif_orientation);
    let pixels = usize::try_from(header.width as u64 * header.height as u64)
        .map_err(|_| err("the image does not fit in memory"))?;
    // Interlaced passes scatter their pixels: start white, so that a file cut short leaves no
    // made-up ink.
    let mut out = vec![if header.interlaced { 255 } else { 0 }; pixels];
    let mut data = ImageData::new(bytes, head.idat);
    let mut rows = 0u32;
    // Colour for page detection: 8-bit RGB(A) rows, as they go by (not interlaced files).
    let mut chroma = reduce
        .rgb8_channels()
        .filter(|_| !header.interlaced && limits.keep_chroma)
        .map(|_| ChromaBuilder::new(header.width, header.height));
    let read = if header.interlaced {
        read_adam7(&mut data, header, &reduce, &mut out)
    } else {
        read_rows(
            &mut data,
            header,
            &reduce,
            &mut out,
            &mut rows,
            chroma.as_mut(),
        )
    }
    .and_then(|()| {
        rows = header.height;
        data.finish()
    });
    let rows_present = match read {
        Err(_) if data.cut => {
            let w = header.width as usize;
            if let Some(rest) = out.get_mut(rows as usize * w..) {
                rest.fill(255);
            }
            Some(rows)
        }
        Err(e) => return Err(e),
        Ok(()) => (!ends_with_iend(bytes, head.idat)).then_some(header.height),
    };
    Ok(Stored {
        image: GrayImage::from_raw(header.width, header.height, out)?,
        orientation,
        chroma: chroma
            .filter(|_| rows_present.is_none())
            .and_then(ChromaBuilder::finish),
        rows_present,
    })
}

/// The dimensions from IHDR (checked against the limits), whether the chunks reach IEND and
/// the EXIF orientation, without inflating anything.
pub(super) fn probe_png(bytes: &[u8], limits: &Limits) -> Result<(u32, u32, bool, u8), Error> {
    let head = read_head(bytes, limits)?;
    let complete = ends_with_iend(bytes, head.idat);
    let orientation = head.exif.map_or(1, exif_orientation);
    Ok((head.header.width, head.header.height, complete, orientation))
}

/// Whether the chunks from `at` on reach IEND before the file ends.
fn ends_with_iend(bytes: &[u8], mut at: usize) -> bool {
    while let Ok(Some(chunk)) = chunk_at(bytes, at) {
        if &chunk.kind == b"IEND" {
            return true;
        }
        at = chunk.next;
    }
    false
}

/// A decode error of this format.
fn err(reason: impl std::fmt::Display) -> Error {
    decode_error("png", reason)
}

/// The image header (IHDR), validated.
#[derive(Clone, Copy, Debug)]
struct Header {
    width: u32,
    height: u32,
    /// Bits per sample: 1, 2, 4, 8 or 16, as the colour type allows.
    depth: u8,
    /// Colour type: 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.
    color: u8,
    /// Adam7 interlacing.
    interlaced: bool,
}

impl Header {
    /// Parses and checks IHDR, the dimensions against `limits` first.
    fn parse(data: &[u8], limits: &Limits) -> Result<Header, Error> {
        let &[w0, w1, w2, w3, h0, h1, h2, h3, depth, color, compression, filter, interlace] = data
        else {
            return Err(err(format!("IHDR is {} bytes long, not 13", data.len())));
        };
        let width = u32::from_be_bytes([w0, w1, w2, w3]);
        let height = u32::from_be_bytes([h0, h1, h2, h3]);
        limits.check_dimensions(width, height)?;
        if width > i32::MAX as u32 || height > i32::MAX as u32 {
            return Err(err(format!(
                "{width}x{height} is past the format's 2^31 - 1"
            )));
        }
        let allowed = match color {
            0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
            3 => matches!(depth, 1 | 2 | 4 | 8),
            2 | 4 | 6 => matches!(depth, 8 | 16),
            _ => return Err(err(format!("unknown colour type {color}"))),
        };
        if !allowed {
            return Err(err(format!(
                "bit depth {depth} is not allowed with colour type {color}"
            )));
        }
        if compression != 0 {
            return Err(err(format!("unknown compression method {compression}")));
        }
        if filter != 0 {
            return Err(err(format!("unknown filter method {filter}")));
        }
        let interlaced = match interlace {
            0 => false,
            1 => true,
            m => return Err(err(format!("unknown interlace method {m}"))),
        };
        Ok(Header {
            width,
            height,
            depth,
            color,
            interlaced,
        })
    }

    /// Bits per pixel: samples per pixel times the bit depth (1 to 64).
    fn bits_per_pixel(self) -> u64 {
        let samples = match self.color {
            0 | 3 => 1,
            2 => 3,
            4 => 2,
            _ => 4,
        };
        samples * self.depth as u64
    }

    /// Bytes of a row of `pixels` pixels, without its filter-type byte.
    fn row_bytes(self, pixels: usize) -> Result<usize, Error> {
        let bits = (pixels as u64).saturating_mul(self.bits_per_pixel());
        usize::try_from(bits.div_ceil(8)).map_err(|_| err("a row does not fit in memory"))
    }

    /// The filters' byte distance to the same sample of the pixel on the left (1 below 8 bits
    /// per pixel).
    fn filter_step(self) -> usize {
        (self.bits_per_pixel() / 8).max(1) as usize
    }
}

/// What the chunks before the image data say.
struct Head<'a> {
    header: Header,
    /// PLTE: RGB triplets.
    palette: Option<&'a [u8]>,
    /// The first `tRNS` chunk that the `png` crate would keep (see [`trns_is_kept`]).
    trns: Option<&'a [u8]>,
    /// The first `eXIf` chunk.
    exif: Option<&'a [u8]>,
    /// Offset of the first IDAT chunk.
    idat: usize,
}

/// A chunk: its type, its data, and the offset just past its CRC.
struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    next: usize,
}

/// The chunk starting at `at`; `None` at the end of the input. A chunk cut short (header, data
/// or CRC) is an error.
fn chunk_at(bytes: &[u8], at: usize) -> Result<Option<Chunk<'_>>, Error> {
    let rest = bytes.get(at..).unwrap_or_default();
    if rest.is_empty() {
        return Ok(None);
    }
    let cut = || Error::TruncatedImage {
        format: "png",
        rows_present: 0,
        height: ihdr_height(bytes),
    };
    let Some(&[l0, l1, l2, l3, k0, k1, k2, k3]) = rest.first_chunk::<8>() else {
        return Err(cut());
    };
    let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
    let data = rest
        .get(8..)
        .and_then(|r| r.get(..len))
        .filter(|_| rest.len() - 8 - len >= 4)
        .ok_or_else(cut)?;
    let kind = [k0, k1, k2, k3];
    Ok(Some(Chunk {
        kind,
        data,
        next: at + 8 + len + 4,
    }))
}

/// The height in IHDR, when the file holds that much (for the message of a file cut short).
fn ihdr_height(bytes: &[u8]) -> u32 {
    match bytes.get(20..24) {
        Some(&[a, b, c, d]) if bytes.get(12..16) == Some(b"IHDR") => {
            u32::from_be_bytes([a, b, c, d])
        }
        _ => 0,
    }
}

/// A chunk type for messages, non-letters as `?`.
fn name(kind: [u8; 4]) -> String {
    kind.iter()
        .map(|&b| {
            if b.is_ascii_alphabetic() {
                b as char
            } else {
                '?'
            }
        })
        .collect()
}

/// Walks the chunks up to the first IDAT. Like the `png` crate: IHDR must come first; an unknown
/// critical chunk, a second IHDR or PLTE, or IEND before any IDAT is an error; ancillary chunks
/// that do not apply are skipped.
fn read_head<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Head<'a>, Error> {
    if !bytes.starts_with(SIGNATURE) {
        return Err(err("no PNG signature"));
    }
    let mut at = SIGNATURE.len();
    let mut header = None;
    let (mut palette, mut trns, mut exif) = (None, None, None);
    loop {
        // The file ends before the image data: it was cut short.
        let Some(chunk) = chunk_at(bytes, at)? else {
            return Err(Error::TruncatedImage {
                format: "png",
                rows_present: 0,
                height: header.map_or(0, |h: Header| h.height),
            });
        };
        let Some(h) = header else {
            if &chunk.kind != b"IHDR" {
                return Err(err(format!(
                    "the first chunk is {}, not IHDR",
                    name(chunk.kind)
                )));
            }
            header = Some(Header::parse(chunk.data, limits)?);
            at = chunk.next;
            continue;
        };
        let data = chunk.data;
        match &chunk.kind {
            b"IDAT" => {
                if h.color == 3 && palette.is_none() {
                    return Err(err("a palette image without a PLTE chunk"));
                }
                return Ok(Head {
                    header: h,
                    palette,
                    trns,
                    exif,
                    idat: at,
                });
            }
            b"IHDR" => return Err(err("a second IHDR chunk")),
            b"IEND" => return Err(err("no image data (IDAT chunk) before IEND")),
            b"PLTE" => {
                if palette.is_some() {
                    return Err(err("a second PLTE chunk"));
                }
                if !(3..=768).contains(&data.len()) || (h.color == 3 && data.len() % 3 != 0) {
                    return Err(err(format!("a PLTE chunk of {} bytes", data.len())));
                }
                palette = Some(data);
            }
            b"tRNS" if trns.is_none() && trns_is_kept(h, data, palette.is_some()) => {
                trns = Some(data);
            }
            b"eXIf" if exif.is_none() => exif = Some(data),
            // Bit 5 of the first letter clear (upper case): critical, must be understood.
            _ if chunk.kind[0] & 0x20 == 0 => {
                return Err(err(format!("unknown critical chunk {}", name(chunk.kind))));
            }
            _ => {}
        }
        at = chunk.next;
    }
}

/// Whether the `png` crate keeps a `tRNS` chunk (it ignores the others): 1 to 256 bytes, at
/// least a gray (2 bytes) or RGB (6 bytes) key, after PLTE for a palette image, none for the
/// colour types with alpha.
fn trns_is_kept(h: Header, data: &[u8], after_palette: bool) -> bool {
    (1..=256).contains(&data.len())
        && match h.color {
            0 => data.len() >= 2,
            2 => data.len() >= 6,
            3 => after_palette,
            _ => false,
        }
}

/// How a row in the image's own layout becomes gray.
enum Reduce {
    /// 8-bit gray without a key: the row is the gray row.
    Copy,
    /// Samples of 1, 2, 4 or 8 bits looked up in `table`: gray levels (scaled to 8 bits, the
    /// `tRNS` key white) or palette indices (BT.601 luma over white). A value at or past
    /// `entries` (a palette index past PLTE) is an error.
    Table {
        depth: u8,
        table: Box<[u8; 256]>,
        entries: usize,
    },
    /// 16-bit gray; the pixel equal to the key (big-endian, as stored) is white.
    Gray16 { key: Option<[u8; 2]> },
    /// 8-bit RGB with a key; the pixel equal to it is white.
    Rgb8Key { key: [u8; 3] },
    /// 16-bit RGB; the pixel equal to the key (big-endian, as stored) is white.
    Rgb16 { key: Option<[u8; 6]> },
    /// 8-bit gray + alpha, RGB or RGBA, reduced as the other decoders' buffers are.
    Native(Native),
    /// 16-bit gray + alpha.
    GrayAlpha16,
    /// 16-bit RGBA.
    Rgba16,
}

impl Reduce {
    /// The reduction for the header, palette and `tRNS` key found before the image data.
    fn new(head: &Head<'_>) -> Result<Reduce, Error> {
        let h = head.header;
        let trns = head.trns.unwrap_or_default();
        let has_trns = head.trns.is_some();
        Ok(match (h.color, h.depth) {
            (0, 16) => Reduce::Gray16 {
                // The `png` crate compares the whole chunk with the sample: a key longer than
                // two bytes never matches.
                key: trns.try_into().ok(),
            },
            (0, 8) if !has_trns => Reduce::Copy,
            (0, depth) => {
                // 8 bits and below: the key is the low byte of the 16-bit value.
                let key = trns.get(1).copied();
                let levels = 1usize << depth;
                let scale = (255 / (levels - 1)) as u8;
                let mut table = Box::new([0u8; 256]);
                for (v, t) in table.iter_mut().enumerate().take(levels) {
                    *t = if key == Some(v as u8) {
                        255
                    } else {
                        v as u8 * scale
                    };
                }
                Reduce::Table {
                    depth,
                    table,
                    entries: 256,
                }
            }
            (2, 8) => match trns {
                &[_, r, _, g, _, b, ..] => Reduce::Rgb8Key { key: [r, g, b] },
                _ => Reduce::Native(Native::Rgb8),
            },
            (2, _) => Reduce::Rgb16 {
                key: trns.try_into().ok(),
            },
            (3, depth) => {
                let palette = head
                    .palette
                    .ok_or_else(|| err("a palette image without a PLTE chunk"))?;
                let entries = palette.len() / 3;
                // More alpha values than entries: the `png` crate ignores them all.
                let alpha = if trns.len() <= entries { trns } else { &[] };
                let mut table = Box::new([0u8; 256]);
                for (i, (t, rgb)) in table.iter_mut().zip(palette.chunks_exact(3)).enumerate() {
                    let a = alpha.get(i).copied().unwrap_or(255);
                    *t = over_white(luma(rgb[0], rgb[1], rgb[2]), a);
                }
                Reduce::Table {
                    depth,
                    table,
                    entries,
                }
            }
            (4, 8) => Reduce::Native(Native::La8),
            (4, _) => Reduce::GrayAlpha16,
            (_, 8) => Reduce::Native(Native::Rgba8),
            _ => Reduce::Rgba16,
        })
    }

    /// Bytes per pixel of 8-bit RGB or RGBA rows, whose colour is kept; `None` for the rest.
    fn rgb8_channels(&self) -> Option<usize> {
        match self {
            Reduce::Native(Native::Rgb8) | Reduce::Rgb8Key { .. } => Some(3),
            Reduce::Native(Native::Rgba8) => Some(4),
            _ => None,
        }
    }

    /// Reduces one unfiltered row `raw` to `out.len()` gray pixels.
    fn row(&self, raw: &[u8], out: &mut [u8]) -> Result<(), Error> {
        match self {
            Reduce::Copy => luma_of(raw, Native::L8, out),
            Reduce::Table {
                depth,
                table,
                entries,
            } => {
                if !unpack_depth(*depth as u32, raw, out, table, *entries) {
                    return Err(err("a palette index past the PLTE entries"));
                }
            }
            Reduce::Gray16 { key } => {
                for (o, p) in out.iter_mut().zip(raw.as_chunks::<2>().0) {
                    *o = if Some(*p) == *key {
                        255
                    } else {
                        s16(p[0], p[1])
                    };
                }
            }
            Reduce::Rgb8Key { key } => {
                for (o, p) in out.iter_mut().zip(raw.as_chunks::<3>().0) {
                    *o = if p == key {
                        255
                    } else {
                        luma(p[0], p[1], p[2])
                    };
                }
            }
            Reduce::Rgb16 { key } => {
                for (o, p) in out.iter_mut().zip(raw.as_chunks::<6>().0) {
                    *o = if Some(*p) == *key {
                        255
                    } else {
                        luma(s16(p[0], p[1]), s16(p[2], p[3]), s16(p[4], p[5]))
                    };
                }
            }
            Reduce::Native(layout) => luma_of(raw, *layout, out),
            Reduce::GrayAlpha16 => {
                for (o, p) in out.iter_mut().zip(raw.as_chunks::<4>().0) {
                    *o = over_white(s16(p[0], p[1]), s16(p[2], p[3]));
                }
            }
            Reduce::Rgba16 => {
                for (o, p) in out.iter_mut().zip(raw.as_chunks::<8>().0) {
                    let l = luma(s16(p[0], p[1]), s16(p[2], p[3]), s16(p[4], p[5]));
                    *o = over_white(l, s16(p[6], p[7]));
                }
            }
        }
        Ok(())
    }
}

/// A big-endian 16-bit sample scaled to 8 bits with rounding.
#[inline(always)]
fn s16(hi: u8, lo: u8) -> u8 {
    scale16(u16::from_be_bytes([hi, lo]))
}

/// Non-interlaced: each row is read, unfiltered against the one above and reduced to gray.
/// The rows of a non-interlaced image, in order; `rows` counts those complete.
fn read_rows(
    data: &mut ImageData<'_>,
    h: Header,
    reduce: &Reduce,
    out: &mut [u8],
    rows: &mut u32,
    mut chroma: Option<&mut ChromaBuilder>,
) -> Result<(), Error> {
    let w = h.width as usize;
    if let Reduce::Copy = reduce {
        // The row is the gray row: unfilter it in the output, against the output row above.
        let zero = vec![0u8; w];
        let mut filter = [0u8];
        for y in 0..h.height as usize {
            let (above, below) = out.split_at_mut(y * w);
            let prev = match y {
                0 => &zero[..],
                _ => above.get((y - 1) * w..).unwrap_or_default(),
            };
            let cur = below.get_mut(..w).unwrap_or_default();
            data.read(&mut filter)?;
            data.read(cur)?;
            unfilter(filter[0], cur, prev, 1)?;
            *rows += 1;
        }
        return Ok(());
    }
    let len = h.row_bytes(w)? + 1;
    let (mut cur, mut prev) = (vec![0u8; len], vec![0u8; len]);
    let step = h.filter_step();
    for row in out.chunks_exact_mut(w) {
        data.read(&mut cur)?;
        let Some((&mut filter, line)) = cur.split_first_mut() else {
            return Err(err("inconsistent row size"));
        };
        unfilter(filter, line, prev.get(1..).unwrap_or_default(), step)?;
        reduce.row(line, row)?;
        if let (Some(c), Some(channels)) = (chroma.as_deref_mut(), reduce.rgb8_channels()) {
            c.push_rows(line, channels);
        }
        std::mem::swap(&mut cur, &mut prev);
        *rows += 1;
    }
    Ok(())
}

/// Adam7: the seven passes in turn, each a small image of its own whose rows are reduced to
/// gray and scattered into the output.
fn read_adam7(
    data: &mut ImageData<'_>,
    h: Header,
    reduce: &Reduce,
    out: &mut [u8],
) -> Result<(), Error> {
    let (w, height) = (h.width as usize, h.height as usize);
    // A pass row is never wider than an image row.
    let full = h.row_bytes(w)? + 1;
    let (mut cur, mut prev) = (vec![0u8; full], vec![0u8; full]);
    let mut gray = vec![0u8; w];
    let step = h.filter_step();
    for (x0, y0, dx, dy) in ADAM7 {
        if x0 >= w || y0 >= height {
            continue; // An empty pass has no rows, not even filter bytes.
        }
        let pass_w = (w - x0).div_ceil(dx);
        let len = h.row_bytes(pass_w)? + 1;
        prev.fill(0);
        for y in (y0..height).step_by(dy) {
            let (Some(c), Some(p), Some(g)) =
                (cur.get_mut(..len), prev.get(1..len), gray.get_mut(..pass_w))
            else {
                return Err(err("inconsistent pass size"));
            };
            data.read(c)?;
            let Some((&mut filter, line)) = c.split_first_mut() else {
                return Err(err("inconsistent pass size"));
            };
            unfilter(filter, line, p, step)?;
            reduce.row(line, g)?;
            let row = out.get_mut(y * w..(y + 1) * w).unwrap_or_default();
            for (o, &v) in row.iter_mut().skip(x0).step_by(dx).zip(g.iter()) {
                *o = v;
            }
            std::mem::swap(&mut cur, &mut prev);
        }
    }
    Ok(())
}

/// Undoes a row's filter in place; `prev` is the unfiltered row above (zeros for the first row
/// of the image or pass), `step` the byte distance to the pixel on the left.
fn unfilter(filter: u8, cur: &mut [u8], prev: &[u8], step: usize) -> Result<(), Error> {
    macro_rules! by_step {
        ($f:ident, $($arg:expr),*) => {
            match step {
                1 => $f::<1>($($arg),*),
                2 => $f::<2>($($arg),*),
                3 => $f::<3>($($arg),*),
                4 => $f::<4>($($arg),*),
                6 => $f::<6>($($arg),*),
                _ => $f::<8>($($arg),*),
            }
        };
    }
    match filter {
        0 => {}
        1 => by_step!(sub, cur),
        2 => cur
            .iter_mut()
            .zip(prev)
            .for_each(|(c, &b)| *c = c.wrapping_add(b)),
        3 => by_step!(average, cur, prev),
        4 if step == 1 => paeth1(cur, prev),
        4 => by_step!(paeth, cur, prev),
        f => return Err(err(format!("unknown row filter {f}"))),
    }
    Ok(())
}

/// Filter 1: adds the pixel on the left.
fn sub<const N: usize>(cur: &mut [u8]) {
    let mut left = [0u8; N];
    for px in cur.as_chunks_mut::<N>().0 {
        for (x, a) in px.iter_mut().zip(left.iter_mut()) {
            *x = x.wrapping_add(*a);
            *a = *x;
        }
    }
}

/// Filter 3: adds the floor of the mean of the pixels on the left and above.
fn average<const N: usize>(cur: &mut [u8], prev: &[u8]) {
    let mut left = [0u8; N];
    for (px, up) in cur
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(prev.as_chunks::<N>().0)
    {
        for i in 0..N {
            px[i] = px[i].wrapping_add(((left[i] as u16 + up[i] as u16) >> 1) as u8);
            left[i] = px[i];
        }
    }
}

/// Filter 4 at one byte per pixel (8-bit gray and palette, the usual scan): as [`paeth`], two
/// bytes per turn of the loop.
fn paeth1(cur: &mut [u8], prev: &[u8]) {
    let (mut a, mut c) = (0i16, 0i16);
    let (pairs, last) = cur.as_chunks_mut::<2>();
    let (above, above_last) = prev.as_chunks::<2>();
    for (x, b) in pairs.iter_mut().zip(above) {
        let (b0, b1) = (b[0] as i16, b[1] as i16);
        x[0] = x[0].wrapping_add(paeth_predictor(a, b0, c));
        x[1] = x[1].wrapping_add(paeth_predictor(x[0] as i16, b1, b0));
        (a, c) = (x[1] as i16, b1);
    }
    if let (Some(x), Some(&b)) = (last.first_mut(), above_last.first()) {
        *x = x.wrapping_add(paeth_predictor(a, b as i16, c));
    }
}

/// Filter 4: adds the Paeth predictor of the pixels on the left, above and above-left.
fn paeth<const N: usize>(cur: &mut [u8], prev: &[u8]) {
    let (mut left, mut corner) = ([0i16; N], [0i16; N]);
    for (px, up) in cur
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(prev.as_chunks::<N>().0)
    {
        for i in 0..N {
            let b = up[i] as i16;
            px[i] = px[i].wrapping_add(paeth_predictor(left[i], b, corner[i]));
            left[i] = px[i] as i16;
            corner[i] = b;
        }
    }
}

/// The Paeth predictor of left `a`, above `b` and above-left `c`: of the three, the nearest to
/// a + b - c, ties to `a` then `b`. In the branch-free form of `stb_image` (the `png` crate's
/// on x86-64): compare a and b with the threshold 3c - a - b instead of three distances.
#[inline(always)]
fn paeth_predictor(a: i16, b: i16, c: i16) -> u8 {
    let threshold = c * 3 - (a + b);
    let (lo, hi) = (a.min(b), a.max(b));
    let t0 = if hi <= threshold { lo } else { c };
    let t1 = if threshold <= lo { hi } else { t0 };
    t1 as u8
}

/// The zlib stream of the consecutive IDAT chunks, inflated on demand into a small window that
/// keeps the last 32 KiB (what deflate may refer back to), never further than the caller reads.
struct ImageData<'a> {
    bytes: &'a [u8],
    /// Offset of the next chunk, while the run of IDAT chunks may go on.
    next: Option<usize>,
    /// Compressed bytes of the current chunk not yet inflated.
    input: &'a [u8],
    inflater: Box<DecompressorOxide>,
    /// The window; `[start, start + ready)` is inflated but not yet read, `at` is where the
    /// next inflated byte goes.
    window: Vec<u8>,
    at: usize,
    start: usize,
    ready: usize,
    /// The zlib stream has ended.
    done: bool,
    /// The zlib stream is corrupt past the bytes already inflated.
    broken: Option<TINFLStatus>,
    /// The data ran out: the file ends inside the image data, or the zlib stream ends before
    /// the last row (the error then is a truncation).
    cut: bool,
}

/// zlib header; more input may follow; Adler-32 not computed (as the `png` crate); the history
/// is before the output position in the window, which does not wrap around.
const FLAGS: u32 = TINFL_FLAG_PARSE_ZLIB_HEADER
    | TINFL_FLAG_HAS_MORE_INPUT
    | TINFL_FLAG_IGNORE_ADLER32
    | TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;

/// The window: the 32 KiB deflate may refer back to, and room to inflate 96 KiB after them.
const WINDOW: usize = 128 << 10;

impl<'a> ImageData<'a> {
    /// The stream whose first IDAT chunk starts at `first`.
    fn new(bytes: &'a [u8], first: usize) -> Self {
        ImageData {
            bytes,
            next: Some(first),
            input: &[],
            inflater: Box::default(),
            window: vec![0u8; WINDOW],
            at: 0,
            start: 0,
            ready: 0,
            done: false,
            broken: None,
            cut: false,
        }
    }

    /// Moves to the next IDAT chunk; false at the end of the run (another chunk type). The
    /// end of the file or an IDAT chunk cut short is an error.
    fn next_chunk(&mut self) -> Result<bool, Error> {
        let Some(at) = self.next.take() else {
            return Ok(false);
        };
        // Only the type decides; whatever follows the run is not read. As with the `png`
        // crate, a run of IDAT chunks cannot end the file.
        match self.bytes.get(at + 4..at + 8) {
            Some(b"IDAT") => {}
            Some(_) => return Ok(false),
            None => {
                self.cut = true;
                return Err(err("the file ends inside the image data"));
            }
        }
        let chunk = chunk_at(self.bytes, at);
        // Cut inside the chunk, or the file ends where the next chunk would start.
        self.cut = !matches!(chunk, Ok(Some(_)));
        match chunk? {
            Some(chunk) => {
                self.input = chunk.data;
                self.next = Some(chunk.next);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// When the window is full, moves its last 32 KiB to the front to inflate after them.
    fn slide(&mut self) {
        if self.at == self.window.len() {
            self.window.copy_within(self.at - TINFL_LZ_DICT_SIZE.., 0);
            self.at = TINFL_LZ_DICT_SIZE;
        }
    }

    /// One call of the inflater: at most `limit` bytes into the window at `at` (which the caller
    /// advances), the input consumed. Returns the status, input used and bytes made.
    fn step(&mut self, limit: usize) -> (TINFLStatus, usize, usize) {
        self.slide();
        let (status, used, made) = decompress_with_limit(
            &mut self.inflater,
            self.input,
            &mut self.window,
            self.at,
            limit,
            FLAGS,
        );
        self.input = self.input.get(used..).unwrap_or_default();
        (status, used, made)
    }

    /// Fills `dst` with the next inflated bytes.
    fn read(&mut self, mut dst: &mut [u8]) -> Result<(), Error> {
        while !dst.is_empty() {
            if self.ready == 0 {
                self.inflate()?;
            }
            let k = self.ready.min(dst.len());
            let (head, tail) = std::mem::take(&mut dst).split_at_mut(k);
            let src = self
                .window
                .get(self.start..self.start + k)
                .ok_or_else(|| err("inconsistent inflate window"))?;
            head.copy_from_slice(src);
            self.start += k;
            self.ready -= k;
            dst = tail;
        }
        Ok(())
    }

    /// Inflates at least one more byte into the window (everything before was read).
    fn inflate(&mut self) -> Result<(), Error> {
        loop {
            if self.done {
                self.cut = true;
                return Err(err("the image data ends before the last row"));
            }
            if let Some(status) = self.broken {
                return Err(err(format!("corrupt zlib stream ({status:?})")));
            }
            let (status, used, made) = self.step(usize::MAX);
            self.start = self.at;
            self.ready = made;
            self.at += made;
            match status {
                TINFLStatus::Done => self.done = true,
                TINFLStatus::NeedsMoreInput if self.input.is_empty() => {
                    if made == 0 && !self.next_chunk()? {
                        return Err(err("the image data stops before its zlib stream ends"));
                    }
                }
                TINFLStatus::NeedsMoreInput | TINFLStatus::HasMoreOutput => {
                    if made == 0 && used == 0 {
                        return Err(err("the image data's zlib stream is stuck"));
                    }
                }
                // What was inflated before the fault is good: the error waits until more is
                // needed (the `png` crate does not look past the last row either).
                other => self.broken = Some(other),
            }
            if made > 0 {
                return Ok(());
            }
        }
    }

    /// After the last row: the stream must not hold more image data than the header implies.
    /// It need not be complete past that point, and what follows the run of IDAT chunks is not
    /// read (as the `png` crate does).
    fn finish(&mut self) -> Result<(), Error> {
        let too_long = || err("the image data is longer than the header implies");
        if self.ready > 0 {
            return Err(too_long());
        }
        while !self.done && self.broken.is_none() {
            let (status, used, made) = self.step(1);
            if made > 0 {
                return Err(too_long());
            }
            match status {
                TINFLStatus::Done => self.done = true,
                TINFLStatus::NeedsMoreInput if self.input.is_empty() => {
                    if !self.next_chunk()? {
                        break;
                    }
                }
                TINFLStatus::NeedsMoreInput if used > 0 => {}
                // A stream that is corrupt past the image data, or stuck: what the rows needed
                // was there.
                _ => break,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::time::Instant;

    use ::image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use ::image::{DynamicImage, ImageBuffer, ImageFormat, Luma, LumaA, Rgb, Rgba};
    use miniz_oxide::deflate::compress_to_vec_zlib;

    use super::super::decode_other;
    use super::*;

    /// As `decode_image` decodes by default: a file cut short is an error.
    fn decode_png(bytes: &[u8], limits: &Limits) -> Result<(GrayImage, u8), Error> {
        super::decode_png(bytes, limits)?.strict("png")
    }

    /// SplitMix64, for reproducible pictures.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn samples_per_pixel(color: u8) -> usize {
        match color {
            0 | 3 => 1,
            2 => 3,
            4 => 2,
            _ => 4,
        }
    }

    /// Packs samples at `depth` bits, high bits first; 16 bits big-endian.
    fn pack(samples: &[u16], depth: u8) -> Vec<u8> {
        match depth {
            16 => samples.iter().flat_map(|s| s.to_be_bytes()).collect(),
            8 => samples.iter().map(|&s| s as u8).collect(),
            d => {
                let per = 8 / d as usize;
                samples
                    .chunks(per)
                    .map(|c| {
                        c.iter().enumerate().fold(0u8, |b, (k, &s)| {
                            b | ((s as u8) << (8 - d as usize * (k + 1)))
                        })
                    })
                    .collect()
            }
        }
    }

    #[test]
    fn the_paeth_predictor_is_the_textbook_one() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for c in 0..=255u8 {
                    let ours = paeth_predictor(a as i16, b as i16, c as i16);
                    assert_eq!(ours, crate::encode::paeth(a, b, c), "{a} {b} {c}");
                }
            }
        }
    }

    /// Filters `raw` with `kind` given the row above; the filter byte first.
    fn filter(kind: u8, raw: &[u8], prior: &[u8], step: usize) -> Vec<u8> {
        let mut out = vec![kind];
        for i in 0..raw.len() {
            let a = if i >= step { raw[i - step] } else { 0 };
            let b = prior[i];
            let c = if i >= step { prior[i - step] } else { 0 };
            let predicted = match kind {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((a as u16 + b as u16) / 2) as u8,
                _ => crate::encode::paeth(a, b, c),
            };
            out.push(raw[i].wrapping_sub(predicted));
        }
        out
    }

    /// A picture: `samples_per_pixel(color)` samples per pixel, row-major.
    struct Picture {
        w: usize,
        h: usize,
        color: u8,
        depth: u8,
        samples: Vec<u16>,
    }

    /// The filtered scanlines, pass by pass when interlaced, the row filter cycling through
    /// the five types from `seed`.
    fn scanlines(p: &Picture, interlaced: bool, seed: usize) -> Vec<u8> {
        let spp = samples_per_pixel(p.color);
        let step = (spp * p.depth as usize / 8).max(1);
        let passes = if interlaced {
            ADAM7.to_vec()
        } else {
            vec![(0, 0, 1, 1)]
        };
        let mut out = Vec::new();
        let mut n = seed;
        for (x0, y0, dx, dy) in passes {
            if x0 >= p.w || y0 >= p.h {
                continue;
            }
            let mut prior = Vec::new();
            for y in (y0..p.h).step_by(dy) {
                let row: Vec<u16> = (x0..p.w)
                    .step_by(dx)
                    .flat_map(|x| p.samples[(y * p.w + x) * spp..][..spp].to_vec())
                    .collect();
                let raw = pack(&row, p.depth);
                if prior.is_empty() {
                    prior = vec![0; raw.len()];
                }
                out.extend(filter((n % 5) as u8, &raw, &prior, step));
                n += 1;
                prior = raw;
            }
        }
        out
    }

    fn ihdr(w: u32, h: u32, depth: u8, color: u8, interlaced: bool) -> Vec<u8> {
        let mut d = Vec::new();
        d.extend(w.to_be_bytes());
        d.extend(h.to_be_bytes());
        d.extend([depth, color, 0, 0, interlaced as u8]);
        d
    }

    fn put_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(kind);
        out.extend(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend(crc.finalize().to_be_bytes());
    }

    type Chunks<'a> = &'a [(&'a [u8; 4], &'a [u8])];

    /// A PNG file: IHDR, the `before` chunks, `zlib` in IDAT chunks of `split` bytes, the
    /// `after` chunks, IEND.
    fn png_file(ihdr: &[u8], before: Chunks, zlib: &[u8], split: usize, after: Chunks) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        put_chunk(&mut out, b"IHDR", ihdr);
        for (kind, data) in before {
            put_chunk(&mut out, kind, data);
        }
        for piece in zlib.chunks(split.max(1)) {
            put_chunk(&mut out, b"IDAT", piece);
        }
        for (kind, data) in after {
            put_chunk(&mut out, kind, data);
        }
        put_chunk(&mut out, b"IEND", &[]);
        out
    }

    /// A simple file: the picture, filters cycling, default compression, one IDAT chunk.
    fn simple_file(p: &Picture, interlaced: bool, before: Chunks) -> Vec<u8> {
        let zlib = compress_to_vec_zlib(&scanlines(p, interlaced, 0), 6);
        let head = ihdr(p.w as u32, p.h as u32, p.depth, p.color, interlaced);
        png_file(&head, before, &zlib, usize::MAX, &[])
    }

    fn gray_picture(w: usize, h: usize, seed: u64) -> Picture {
        let mut rng = Rng(seed);
        Picture {
            w,
            h,
            color: 0,
            depth: 8,
            samples: (0..w * h).map(|_| rng.below(256) as u16).collect(),
        }
    }

    /// The current path: the `image` crate's PNG decoder, then the luma reduction. It can
    /// panic (a PLTE whose length is not a multiple of 3, in `png` 0.18.1): that counts as an
    /// error.
    fn reference(bytes: &[u8]) -> Result<(GrayImage, u8), Error> {
        std::panic::catch_unwind(|| {
            decode_other(bytes, ImageFormat::Png, "png", &Limits::default())
        })
        .unwrap_or_else(|_| Err(err("the reference decoder panicked")))
    }

    /// Our decode and the `image`/`png` path agree: same pixels and orientation, or both fail.
    fn same_as_reference(bytes: &[u8], what: &str) {
        match (decode_png(bytes, &Limits::default()), reference(bytes)) {
            (Ok((ours, o1)), Ok((theirs, o2))) => {
                assert_eq!(
                    (ours.width(), ours.height()),
                    (theirs.width(), theirs.height()),
                    "{what}"
                );
                assert!(ours.data() == theirs.data(), "{what}: pixels differ");
                assert_eq!(o1, o2, "{what}: orientation");
            }
            (Err(_), Err(_)) => {}
            (ours, theirs) => panic!(
                "{what}: ours {:?}, reference {:?}",
                ours.map(|_| ()),
                theirs.map(|_| ())
            ),
        }
    }

    /// A random picture of one colour type and depth, its samples drawn so that the `tRNS` key
    /// (when `variant` writes one) occurs, and the file around it.
    fn random_file(
        rng: &mut Rng,
        (w, h): (usize, usize),
        (color, depth): (u8, u8),
        interlaced: bool,
        variant: u8,
    ) -> Vec<u8> {
        let spp = samples_per_pixel(color);
        let max = (1u64 << depth) - 1;
        let entries = if color == 3 {
            1 + rng.below(max + 1) as usize
        } else {
            0
        };
        let key: Vec<u16> = (0..spp).map(|_| rng.below(max + 1) as u16).collect();
        let mut samples = Vec::with_capacity(w * h * spp);
        for _ in 0..w * h {
            if color == 3 {
                samples.push(rng.below(entries as u64) as u16);
            } else if matches!(color, 0 | 2) && rng.below(4) == 0 {
                samples.extend(&key);
            } else {
                for _ in 0..spp {
                    samples.push(match rng.below(4) {
                        0 => 0,
                        1 => max as u16,
                        _ => rng.below(max + 1) as u16,
                    });
                }
            }
        }
        let picture = Picture {
            w,
            h,
            color,
            depth,
            samples,
        };
        // A suggested palette in the other colour types, ignored.
        let palette: Vec<u8> = match color {
            3 => (0..entries * 3).map(|_| rng.below(256) as u8).collect(),
            _ => vec![1, 2, 3, 4, 5, 6],
        };
        let key_bytes: Vec<u8> = key.iter().flat_map(|k| k.to_be_bytes()).collect();
        let trns: Option<Vec<u8>> = match (variant, color) {
            (0, _) => None,
            (1, 3) => Some(
                (0..rng.below(entries as u64 + 1))
                    .map(|_| rng.below(256) as u8)
                    .collect(),
            ),
            (1, 0 | 2) => Some(key_bytes),
            (1, _) => Some(vec![0, 0]),
            // Off the specification: what the `png` crate makes of it must be matched.
            (_, 3) => Some(vec![0; (entries + 1).min(256)]),
            (_, 0 | 2) if depth < 16 => {
                let mut k = key_bytes;
                k.iter_mut().step_by(2).for_each(|hi| *hi = 0x5a);
                Some(k)
            }
            (_, 0 | 2) => Some([key_bytes, vec![0]].concat()),
            _ => Some(vec![0; 6]),
        };
        let mut before: Vec<(&[u8; 4], &[u8])> = Vec::new();
        if color == 3 || variant == 2 {
            before.push((b"PLTE", &palette));
        }
        if let Some(t) = &trns {
            before.push((b"tRNS", t));
        }
        if variant == 2 {
            before.push((b"gAMA", &[0, 0, 0xb1, 0x8f]));
            before.push((b"tEXt", b"Comment\0scanprep"));
            before.push((b"prVt", b"private ancillary data"));
        }
        let level = rng.below(11) as u8;
        let split = [1, 3, 50, usize::MAX][rng.below(4) as usize];
        let zlib = compress_to_vec_zlib(
            &scanlines(&picture, interlaced, rng.below(5) as usize),
            level,
        );
        let head = ihdr(w as u32, h as u32, depth, color, interlaced);
        let after: Chunks = &[(b"tEXt", b"After\0the data")];
        png_file(&head, &before, &zlib, split, after)
    }

    #[test]
    fn every_colour_type_depth_filter_and_interlacing_matches_the_reference() {
        let combos = [
            (0, 1),
            (0, 2),
            (0, 4),
            (0, 8),
            (0, 16),
            (2, 8),
            (2, 16),
            (3, 1),
            (3, 2),
            (3, 4),
            (3, 8),
            (4, 8),
            (4, 16),
            (6, 8),
            (6, 16),
        ];
        let mut rng = Rng(1);
        for (color, depth) in combos {
            for w in [1, 2, 3, 5, 7, 8, 13, 17, 33] {
                for h in [1, 2, 5, 9, 16] {
                    for interlaced in [false, true] {
                        for variant in 0..3 {
                            let file =
                                random_file(&mut rng, (w, h), (color, depth), interlaced, variant);
                            let what = format!(
                                "colour {color} depth {depth} {w}x{h} interlaced {interlaced} \
                                 variant {variant}"
                            );
                            // Every one of these is a valid file: both must decode it.
                            assert!(decode_png(&file, &Limits::default()).is_ok(), "{what}");
                            same_as_reference(&file, &what);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn long_rows_match_the_reference() {
        // Rows longer than the Paeth block, of both parities, every filter on every row.
        let mut rng = Rng(11);
        for (color, depth) in [(0, 8), (3, 8), (0, 1), (2, 8), (4, 16)] {
            for w in [255, 256, 257, 512, 515, 1031] {
                for interlaced in [false, true] {
                    let file = random_file(&mut rng, (w, 11), (color, depth), interlaced, 1);
                    let what = format!("colour {color} depth {depth} width {w} {interlaced}");
                    assert!(decode_png(&file, &Limits::default()).is_ok(), "{what}");
                    same_as_reference(&file, &what);
                }
            }
        }
    }

    #[test]
    fn the_image_crate_encoder_output_matches_the_reference() {
        let mut rng = Rng(2);
        let (w, h) = (37u32, 23u32);
        let mut v = || rng.below(1 << 16) as u16;
        let l16 = ImageBuffer::from_fn(w, h, |_, _| Luma([v()]));
        let la16 = ImageBuffer::from_fn(w, h, |_, _| LumaA([v(), v()]));
        let rgb16 = ImageBuffer::from_fn(w, h, |_, _| Rgb([v(), v(), v()]));
        let rgba16 = ImageBuffer::from_fn(w, h, |_, _| Rgba([v(), v(), v(), v()]));
        let images = [
            DynamicImage::ImageLuma16(l16.clone()),
            DynamicImage::ImageLumaA16(la16.clone()),
            DynamicImage::ImageRgb16(rgb16.clone()),
            DynamicImage::ImageRgba16(rgba16.clone()),
            DynamicImage::ImageLuma16(l16).to_luma8().into(),
            DynamicImage::ImageLumaA16(la16).to_luma_alpha8().into(),
            DynamicImage::ImageRgb16(rgb16).to_rgb8().into(),
            DynamicImage::ImageRgba16(rgba16).to_rgba8().into(),
        ];
        let filters = [
            FilterType::NoFilter,
            FilterType::Sub,
            FilterType::Up,
            FilterType::Avg,
            FilterType::Paeth,
            FilterType::Adaptive,
        ];
        let compressions = [
            CompressionType::Fast,
            CompressionType::Default,
            CompressionType::Best,
            CompressionType::Uncompressed,
        ];
        for img in &images {
            for f in filters {
                for c in compressions {
                    let mut out = Vec::new();
                    img.write_with_encoder(PngEncoder::new_with_quality(&mut out, c, f))
                        .expect("encodes");
                    let what = format!("{:?} {f:?} {c:?}", img.color());
                    assert!(decode_png(&out, &Limits::default()).is_ok(), "{what}");
                    same_as_reference(&out, &what);
                }
            }
        }
    }

    #[test]
    fn the_committed_fixtures_match_the_reference() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("fixtures folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "png") {
                let bytes = std::fs::read(&path).expect("reads");
                assert!(decode_png(&bytes, &Limits::default()).is_ok(), "{path:?}");
                same_as_reference(&bytes, &path.display().to_string());
                seen += 1;
            }
        }
        assert!(seen >= 5, "only {seen} PNG fixtures");
    }

    #[test]
    fn truncated_files_are_errors_and_never_panic() {
        let mut rng = Rng(3);
        let files = [
            simple_file(&gray_picture(29, 11, 4), false, &[]),
            random_file(&mut rng, (13, 9), (6, 16), true, 1),
            random_file(&mut rng, (17, 5), (3, 2), false, 1),
            random_file(&mut rng, (7, 7), (0, 1), true, 2),
        ];
        for file in &files {
            // The end of the last IDAT chunk (the 12 bytes of IEND close the file, and the
            // random files write a tEXt chunk after the data).
            let mut at = SIGNATURE.len();
            let mut data_end = 0;
            while let Ok(Some(c)) = chunk_at(file, at) {
                if &c.kind == b"IDAT" {
                    data_end = c.next;
                }
                at = c.next;
            }
            for cut in SIGNATURE.len()..file.len() {
                let bytes = &file[..cut];
                // Every cut is a truncation: an error by default, or the whole rows with
                // `allow_truncated`, never a silent success.
                match super::decode_png(bytes, &Limits::default()) {
                    Ok(stored) => {
                        let rows = stored
                            .rows_present
                            .unwrap_or_else(|| panic!("cut at {cut}"));
                        assert!(
                            cut < data_end || rows == stored.image.height(),
                            "cut at {cut}"
                        );
                        let w = stored.image.width() as usize;
                        let white = &stored.image.data()[rows as usize * w..];
                        assert!(white.iter().all(|&v| v == 255), "cut at {cut}");
                        if let Ok((theirs, _)) = reference(bytes) {
                            assert!(stored.image.data() == theirs.data(), "cut at {cut}");
                        }
                    }
                    Err(e) => assert!(
                        matches!(e, Error::TruncatedImage { format: "png", .. }),
                        "cut at {cut}: {e:?}"
                    ),
                }
                let strict = decode_png(bytes, &Limits::default()).unwrap_err();
                assert_eq!(strict.code(), "truncated_image", "cut at {cut}");
            }
        }
    }

    #[test]
    fn a_header_claiming_a_huge_image_is_refused_before_anything_is_allocated() {
        // No IDAT at all: the limit error proves that nothing past IHDR was looked at.
        let mut file = SIGNATURE.to_vec();
        put_chunk(&mut file, b"IHDR", &ihdr(100_000, 100_000, 16, 6, false));
        assert!(matches!(
            decode_png(&file, &Limits::default()),
            Err(Error::SideTooLong {
                width: 100_000,
                height: 100_000,
                ..
            })
        ));
        let wide = Limits {
            max_side: 200_000,
            ..Limits::default()
        };
        assert!(matches!(
            decode_png(&file, &wide),
            Err(Error::ImageTooLarge {
                width: 100_000,
                height: 100_000,
                ..
            })
        ));
        let mut empty = SIGNATURE.to_vec();
        put_chunk(&mut empty, b"IHDR", &ihdr(0, 7, 8, 0, false));
        assert_eq!(
            decode_png(&empty, &Limits::default()).unwrap_err(),
            Error::EmptyImage {
                width: 0,
                height: 7
            }
        );
    }

    /// A little-endian EXIF block with orientation `o`.
    fn exif(o: u8) -> Vec<u8> {
        let mut e = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        e.extend([o, 0, 0, 0, 0, 0, 0, 0]);
        e
    }

    #[test]
    fn the_exif_orientation_is_reported() {
        let p = gray_picture(5, 3, 5);
        let exif6 = exif(6);
        let file = simple_file(&p, false, &[(b"eXIf", &exif6)]);
        let (img, o) = decode_png(&file, &Limits::default()).expect("decodes");
        assert_eq!(o, 6);
        assert_eq!((img.width(), img.height()), (5, 3));
        same_as_reference(&file, "eXIf before IDAT");
        // Through the decode stage, the page is turned upright.
        let d = crate::decode::decode_image(&file, &Limits::default()).expect("decodes");
        assert_eq!((d.exif_orientation, d.image.width()), (6, 3));
        // After the image data, as for the `png` crate, it is not seen.
        let zlib = compress_to_vec_zlib(&scanlines(&p, false, 0), 6);
        let late = png_file(
            &ihdr(5, 3, 8, 0, false),
            &[],
            &zlib,
            9,
            &[(b"eXIf", &exif6)],
        );
        assert_eq!(decode_png(&late, &Limits::default()).expect("decodes").1, 1);
        same_as_reference(&late, "eXIf after IDAT");
        // The first of two counts.
        let exif3 = exif(3);
        let two = simple_file(&p, false, &[(b"eXIf", &exif3), (b"eXIf", &exif6)]);
        assert_eq!(decode_png(&two, &Limits::default()).expect("decodes").1, 3);
        same_as_reference(&two, "two eXIf");
    }

    #[test]
    fn image_data_past_what_the_header_implies_is_an_error() {
        let p = gray_picture(6, 4, 6);
        let head = ihdr(6, 4, 8, 0, false);
        let lines = scanlines(&p, false, 0);
        // One byte too many.
        let mut more = lines.clone();
        more.push(0);
        let file = png_file(&head, &[], &compress_to_vec_zlib(&more, 6), 10, &[]);
        let e = decode_png(&file, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("longer"), "{e}");
        // A zlib bomb behind a 1x1 header: refused after a few bytes of output.
        let bomb = compress_to_vec_zlib(&vec![0u8; 64 << 20], 9);
        let file = png_file(&ihdr(1, 1, 8, 0, false), &[], &bomb, 1 << 16, &[]);
        let start = Instant::now();
        let e = decode_png(&file, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("longer"), "{e}");
        assert!(start.elapsed().as_secs() < 2);
        // One byte too few, and a stream that stops early.
        let short = png_file(
            &head,
            &[],
            &compress_to_vec_zlib(&lines[..lines.len() - 1], 6),
            usize::MAX,
            &[],
        );
        assert!(decode_png(&short, &Limits::default()).is_err());
        same_as_reference(&short, "one byte short");
        let zlib = compress_to_vec_zlib(&lines, 6);
        let cut = png_file(&head, &[], &zlib[..zlib.len() / 2], usize::MAX, &[]);
        assert!(decode_png(&cut, &Limits::default()).is_err());
        same_as_reference(&cut, "stream cut");
        // Without its Adler-32 (or with a wrong one) the data is still complete: accepted, as
        // by the `png` crate.
        let no_adler = png_file(&head, &[], &zlib[..zlib.len() - 4], usize::MAX, &[]);
        assert!(decode_png(&no_adler, &Limits::default()).is_ok());
        same_as_reference(&no_adler, "no Adler-32");
        let mut bad_adler = zlib.clone();
        *bad_adler.last_mut().expect("bytes") ^= 1;
        let bad_adler = png_file(&head, &[], &bad_adler, 5, &[]);
        assert!(decode_png(&bad_adler, &Limits::default()).is_ok());
        same_as_reference(&bad_adler, "bad Adler-32");
        // Garbage instead of zlib.
        let junk = png_file(&head, &[], &[0x78, 0x9c, 0xff, 0xff, 0xff, 0xff], 99, &[]);
        assert!(decode_png(&junk, &Limits::default()).is_err());
    }

    #[test]
    fn malformed_files_are_decode_errors() {
        let p = gray_picture(4, 4, 7);
        let zlib = compress_to_vec_zlib(&scanlines(&p, false, 0), 6);
        let good = ihdr(4, 4, 8, 0, false);
        let decode = |file: &[u8]| decode_png(file, &Limits::default());
        let is_decode_error = |r: Result<(GrayImage, u8), Error>, what: &str| match r {
            Err(Error::Decode {
                format: "png",
                reason,
            }) => assert!(!reason.is_empty()),
            other => panic!("{what}: {:?}", other.map(|_| ())),
        };
        for (depth, color) in [(4, 2), (16, 3), (2, 4), (1, 6), (3, 0), (8, 1), (8, 7)] {
            let f = png_file(&ihdr(4, 4, depth, color, false), &[], &zlib, 99, &[]);
            is_decode_error(decode(&f), &format!("depth {depth} colour {color}"));
            same_as_reference(&f, "bad combination");
        }
        let mut bad = good.clone();
        bad[10] = 1; // compression method
        is_decode_error(decode(&png_file(&bad, &[], &zlib, 99, &[])), "compression");
        let mut bad = good.clone();
        bad[12] = 2; // interlace method
        is_decode_error(decode(&png_file(&bad, &[], &zlib, 99, &[])), "interlace");
        is_decode_error(
            decode(&png_file(&good[..12], &[], &zlib, 99, &[])),
            "short IHDR",
        );
        // No IHDR first, no IDAT, IEND before IDAT, unknown critical chunk, no PLTE.
        let mut no_ihdr = SIGNATURE.to_vec();
        put_chunk(&mut no_ihdr, b"IDAT", &zlib);
        is_decode_error(decode(&no_ihdr), "no IHDR");
        // A file that ends after its signature or its header was cut short.
        let cut = |r: Result<(GrayImage, u8), Error>| r.map(|_| ()).unwrap_err().code();
        assert_eq!(cut(decode(SIGNATURE)), "truncated_image", "signature only");
        let mut no_idat = SIGNATURE.to_vec();
        put_chunk(&mut no_idat, b"IHDR", &good);
        assert_eq!(cut(decode(&no_idat)), "truncated_image", "no IDAT");
        put_chunk(&mut no_idat, b"IEND", &[]);
        is_decode_error(decode(&no_idat), "IEND first");
        let unknown = png_file(&good, &[(b"CrIt", b"x")], &zlib, 99, &[]);
        is_decode_error(decode(&unknown), "unknown critical chunk");
        same_as_reference(&unknown, "unknown critical chunk");
        let pal = ihdr(4, 4, 8, 3, false);
        let no_plte = png_file(&pal, &[], &zlib, 99, &[]);
        is_decode_error(decode(&no_plte), "no PLTE");
        same_as_reference(&no_plte, "no PLTE");
        let two_plte = png_file(
            &pal,
            &[(b"PLTE", &[0; 6]), (b"PLTE", &[0; 6])],
            &zlib,
            99,
            &[],
        );
        is_decode_error(decode(&two_plte), "two PLTE");
        same_as_reference(&two_plte, "two PLTE");
        let two_ihdr = png_file(&good, &[(b"IHDR", &good)], &zlib, 99, &[]);
        is_decode_error(decode(&two_ihdr), "two IHDR");
        // An unknown row filter.
        let mut lines = scanlines(&p, false, 0);
        lines[5] = 5;
        let f = png_file(&good, &[], &compress_to_vec_zlib(&lines, 6), 99, &[]);
        is_decode_error(decode(&f), "filter 5");
        same_as_reference(&f, "filter 5");
        // A palette index past PLTE: an error here (the `png` crate paints it black).
        let indexed = Picture {
            w: 4,
            h: 1,
            color: 3,
            depth: 8,
            samples: vec![0, 1, 2, 1],
        };
        let f = simple_file(&indexed, false, &[(b"PLTE", &[9; 6])]);
        is_decode_error(decode(&f), "index past PLTE");
        let f = simple_file(&indexed, false, &[(b"PLTE", &[9; 9])]);
        assert_eq!(decode(&f).expect("in range").0.data(), &[9; 4]);
        // A PLTE length that is not a multiple of 3 (the `png` crate panics on it).
        let f = simple_file(&indexed, false, &[(b"PLTE", &[9; 10])]);
        is_decode_error(decode(&f), "PLTE of 10 bytes");
        // An IDAT run broken by another chunk: the second part is not image data.
        let broken = png_file(&good, &[], &zlib, zlib.len() / 2, &[]);
        let mut parts = Vec::new();
        let mut at = SIGNATURE.len();
        while let Ok(Some(c)) = chunk_at(&broken, at) {
            parts.push((c.kind, c.data.to_vec()));
            at = c.next;
        }
        let mut split = SIGNATURE.to_vec();
        for (i, (kind, data)) in parts.iter().enumerate() {
            if i == 2 {
                put_chunk(&mut split, b"tEXt", b"a\0b");
            }
            put_chunk(&mut split, kind, data);
        }
        is_decode_error(decode(&split), "IDAT run broken");
        same_as_reference(&split, "IDAT run broken");
    }

    #[test]
    fn odd_but_accepted_chunks_match_the_reference() {
        let mut rng = Rng(8);
        let p = Picture {
            w: 9,
            h: 3,
            color: 0,
            depth: 8,
            samples: (0..27)
                .map(|i| [7, 200, rng.below(256) as u16][i % 3])
                .collect(),
        };
        type Before<'a> = Vec<(&'a [u8; 4], &'a [u8])>;
        let cases: [(&str, Before); 6] = [
            ("two tRNS", vec![(b"tRNS", &[0, 7]), (b"tRNS", &[0, 200])]),
            (
                "short tRNS then a good one",
                vec![(b"tRNS", &[7]), (b"tRNS", &[0, 200])],
            ),
            ("empty tRNS", vec![(b"tRNS", &[])]),
            ("tRNS with a high byte", vec![(b"tRNS", &[1, 7])]),
            (
                "PLTE in a gray image",
                vec![(b"PLTE", &[1, 2, 3, 4]), (b"tRNS", &[0, 7])],
            ),
            ("empty IDAT first", vec![(b"IDAT", &[])]),
        ];
        for (what, before) in cases {
            let file = simple_file(&p, false, &before);
            assert!(decode_png(&file, &Limits::default()).is_ok(), "{what}");
            same_as_reference(&file, what);
        }
        // tRNS before PLTE is ignored; after PLTE it counts.
        let indexed = Picture {
            w: 3,
            h: 1,
            color: 3,
            depth: 2,
            samples: vec![0, 1, 2],
        };
        let plte = [0u8, 0, 0, 255, 255, 255, 90, 90, 90];
        for before in [
            vec![(b"tRNS", &[0u8][..]), (b"PLTE", &plte[..])],
            vec![(b"PLTE", &plte[..]), (b"tRNS", &[0u8][..])],
        ] {
            let file = simple_file(&indexed, true, &before);
            same_as_reference(&file, "tRNS and PLTE order");
        }
        let file = simple_file(&indexed, false, &[(b"PLTE", &plte), (b"tRNS", &[0])]);
        assert_eq!(
            decode_png(&file, &Limits::default())
                .expect("decodes")
                .0
                .data(),
            &[255, 255, luma(90, 90, 90)]
        );
    }

    /// Rewrites every chunk's CRC, so that the `png` crate looks at the data.
    fn fix_crcs(file: &[u8]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        let mut at = SIGNATURE.len();
        while let Ok(Some(c)) = chunk_at(file, at) {
            put_chunk(&mut out, &c.kind, c.data);
            at = c.next;
        }
        out.extend_from_slice(file.get(at..).unwrap_or_default());
        out
    }

    #[test]
    fn mutated_files_never_panic_and_agree_with_the_reference_when_both_decode() {
        let mut rng = Rng(10);
        let combos = [(0, 1), (0, 16), (2, 8), (3, 4), (3, 8), (4, 16), (6, 8)];
        for round in 0..20_000 {
            let (color, depth) = combos[round % combos.len()];
            let size = (1 + rng.below(12) as usize, 1 + rng.below(12) as usize);
            let interlaced = rng.below(2) == 1;
            let variant = rng.below(3) as u8;
            let mut file = random_file(&mut rng, size, (color, depth), interlaced, variant);
            for _ in 0..1 + rng.below(4) {
                let i = SIGNATURE.len() + rng.below((file.len() - SIGNATURE.len()) as u64) as usize;
                match rng.below(4) {
                    0 => file[i] ^= 1 << rng.below(8),
                    1 => file[i] = rng.below(256) as u8,
                    2 => {
                        file.remove(i);
                    }
                    _ => file.insert(i, rng.below(256) as u8),
                }
            }
            let file = if rng.below(4) == 0 {
                file
            } else {
                fix_crcs(&file)
            };
            let ours = decode_png(&file, &Limits::default());
            if let (Ok((a, oa)), Ok((b, ob))) = (&ours, reference(&file)) {
                let same = a.data() == b.data() && *oa == ob;
                // A bad CRC makes the `png` crate skip an ancillary chunk (tRNS, eXIf).
                assert!(same || fix_crcs(&file) != file, "round {round}");
            }
        }
    }

    /// A 300 dpi A4 page: paper with noise, lines of dark strokes.
    fn page(w: usize, h: usize) -> Vec<u8> {
        let mut rng = Rng(9);
        let mut px = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let in_line = (y % 60) > 18 && (y % 60) < 46 && x > 150 && x < w - 150;
                let in_word = (x / 90 + y / 60) % 5 != 0;
                let stroke = (x * 7 + y * 3) % 13 < 3 || (x + 2 * y) % 17 < 2;
                let noise = rng.below(9) as u8;
                px.push(if in_line && in_word && stroke {
                    30 + noise
                } else {
                    238 + noise
                });
            }
        }
        px
    }

    fn median_ms(mut f: impl FnMut()) -> f64 {
        let mut t: Vec<f64> = (0..7)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        t.sort_by(|a, b| a.total_cmp(b));
        t[3]
    }

    #[test]
    #[ignore = "timing: cargo test --release -p scanprep decode::png -- --ignored --nocapture"]
    fn timing_against_the_png_crate() {
        let (w, h) = (2480u32, 3508u32);
        let gray = page(w as usize, h as usize);
        let rgb: Vec<u8> = gray
            .iter()
            .enumerate()
            .flat_map(|(i, &g)| [g, g.saturating_sub((i % 7) as u8), g / 2 + 100])
            .collect();
        let bits = Picture {
            w: w as usize,
            h: h as usize,
            color: 0,
            depth: 1,
            samples: gray.iter().map(|&g| (g > 128) as u16).collect(),
        };
        let mut files = Vec::new();
        for (name, c) in [
            ("gray8, image Default/Adaptive", CompressionType::Default),
            ("gray8, image Fast/Adaptive", CompressionType::Fast),
        ] {
            let img = DynamicImage::ImageLuma8(ImageBuffer::from_raw(w, h, gray.clone()).unwrap());
            let mut out = Vec::new();
            img.write_with_encoder(PngEncoder::new_with_quality(
                &mut out,
                c,
                FilterType::Adaptive,
            ))
            .unwrap();
            files.push((name.to_string(), out));
        }
        let img = DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, rgb).unwrap());
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        files.push(("rgb8, image defaults".into(), out));
        let zlib = compress_to_vec_zlib(&scanlines(&bits, false, 0), 6);
        files.push((
            "gray1, miniz level 6".into(),
            png_file(&ihdr(w, h, 1, 0, false), &[], &zlib, 1 << 16, &[]),
        ));
        let zlib = compress_to_vec_zlib(&scanlines(&gray_page_picture(&gray, w, h), true, 0), 6);
        files.push((
            "gray8 Adam7, miniz level 6".into(),
            png_file(&ihdr(w, h, 8, 0, true), &[], &zlib, 1 << 16, &[]),
        ));
        for (name, file) in &files {
            let l = Limits::default();
            assert!(decode_png(file, &l).unwrap().0.data() == reference(file).unwrap().0.data());
            let ours = median_ms(|| {
                decode_png(file, &l).unwrap();
            });
            let theirs = median_ms(|| {
                reference(file).unwrap();
            });
            // The zlib stream alone, inflated to a vector by `miniz_oxide`: the floor for ours.
            let mut z = Vec::new();
            let mut at = SIGNATURE.len();
            while let Ok(Some(c)) = chunk_at(file, at) {
                if &c.kind == b"IDAT" {
                    z.extend_from_slice(c.data);
                }
                at = c.next;
            }
            let inflate_only = median_ms(|| {
                miniz_oxide::inflate::decompress_to_vec_zlib(&z).unwrap();
            });
            println!(
                "{name:28} {:>8} bytes: ours {ours:6.1} ms (inflate alone {inflate_only:6.1}), \
                 image/png {theirs:6.1} ms",
                file.len(),
            );
        }
    }

    fn gray_page_picture(gray: &[u8], w: u32, h: u32) -> Picture {
        Picture {
            w: w as usize,
            h: h as usize,
            color: 0,
            depth: 8,
            samples: gray.iter().map(|&g| g as u16).collect(),
        }
    }
}
