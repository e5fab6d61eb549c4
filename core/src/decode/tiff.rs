//! TIFF reader (TIFF 6.0 baseline and the extensions scanners write): the first page of a
//! classic or BigTIFF file, either byte order, in strips or tiles, chunky or planar.
//!
//! Compression: none, PackBits, LZW (with the horizontal predictor), Deflate, CCITT Group 3
//! (one-dimensional) and Group 4 (with the `fax` crate), and JPEG (TIFF technote 2, JPEG
//! tables included), decoded by the same JPEG decoder as plain JPEG files. Photometric:
//! WhiteIsZero, BlackIsZero, RGB, palette, CMYK, and YCbCr inside JPEG; 1, 2, 4, 8 or 16 bits
//! per sample, with an alpha channel composited over white.
//!
//! Each strip or tile is decompressed on its own and its rows are reduced to gray straight into
//! the output, so the peak is the gray page plus one strip (or one row of tiles): a 48 MB RGBA
//! page never exists at full size. Every size comes from the header and is checked against the
//! limits and the file length before anything is allocated.

use std::borrow::Cow;

use miniz_oxide::inflate::core::DecompressorOxide;

use super::{decode_error, jpeg, luma, over_white, scale16, unpack_depth, Limits, Stored};
use crate::{Error, GrayImage};

/// A decoding failure with its reason; every one becomes [`Error::Decode`] for `tiff`.
fn bad(reason: impl std::fmt::Display) -> Error {
    decode_error("tiff", reason)
}

fn unsupported(what: impl std::fmt::Display) -> Error {
    decode_error("tiff", format_args!("unsupported feature: {what}"))
}

/// The file's bytes with its byte order and offset size.
struct File<'a> {
    data: &'a [u8],
    le: bool,
    big: bool,
}

impl<'a> File<'a> {
    /// The file, its byte order and kind (classic or BigTIFF) from the header's first bytes.
    fn open(data: &'a [u8]) -> Result<File<'a>, Error> {
        let (le, big) = match data.get(0..4) {
            Some(b"II*\0") => (true, false),
            Some(b"MM\0*") => (false, false),
            Some(b"II+\0") => (true, true),
            Some(b"MM\0+") => (false, true),
            _ => return Err(Error::UnsupportedFormat),
        };
        Ok(File { data, le, big })
    }

    fn bytes<const N: usize>(&self, at: u64) -> Option<[u8; N]> {
        let at = usize::try_from(at).ok()?;
        let b = self.data.get(at..at.checked_add(N)?)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        if !self.le {
            a.reverse();
        }
        Some(a)
    }
    fn u16(&self, at: u64) -> Option<u16> {
        self.bytes::<2>(at).map(u16::from_le_bytes)
    }
    fn u32(&self, at: u64) -> Option<u32> {
        self.bytes::<4>(at).map(u32::from_le_bytes)
    }
    fn u64(&self, at: u64) -> Option<u64> {
        self.bytes::<8>(at).map(u64::from_le_bytes)
    }
    /// An offset: 4 bytes in classic TIFF, 8 in BigTIFF.
    fn offset(&self, at: u64) -> Option<u64> {
        if self.big {
            self.u64(at)
        } else {
            self.u32(at).map(u64::from)
        }
    }
}

/// One IFD entry: its field type, value count and where the values are.
#[derive(Clone, Copy)]
struct Entry {
    typ: u16,
    count: u64,
    at: u64,
}

/// The size in bytes of one value of a TIFF field type (0 for unknown types).
fn type_size(typ: u16) -> u64 {
    match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => 0,
    }
}

/// The first IFD, as a list of tags with their entries.
struct Ifd<'a, 'f> {
    file: &'f File<'a>,
    entries: Vec<(u16, Entry)>,
    /// The file holds the directory's closing next-directory offset: it is not cut off
    /// within its first directory.
    whole: bool,
}

impl<'a, 'f> Ifd<'a, 'f> {
    fn read(file: &'f File<'a>) -> Result<Self, Error> {
        // The directory is often written after the image data: a file cut short loses it.
        let truncated = || Error::TruncatedImage {
            format: "tiff",
            rows_present: 0,
            height: 0,
        };
        let first = if file.big {
            if file.u16(4) != Some(8) {
                return Err(bad("BigTIFF with an offset size other than 8"));
            }
            file.u64(8).ok_or_else(truncated)?
        } else {
            file.u32(4).map(u64::from).ok_or_else(truncated)?
        };
        let (count, start, size) = if file.big {
            (file.u64(first).ok_or_else(truncated)?, first + 8, 20)
        } else {
            (
                file.u16(first).map(u64::from).ok_or_else(truncated)?,
                first + 2,
                12,
            )
        };
        if count == 0 || count > 4096 {
            return Err(bad(format_args!("the first directory has {count} entries")));
        }
        let inline = if file.big { 8 } else { 4 };
        let mut entries = Vec::with_capacity(count as usize);
        for k in 0..count {
            let e = start + k * size;
            let tag = file.u16(e).ok_or_else(truncated)?;
            let typ = file.u16(e + 2).ok_or_else(truncated)?;
            let count = if file.big {
                file.u64(e + 4)
            } else {
                file.u32(e + 4).map(u64::from)
            }
            .ok_or_else(truncated)?;
            let value = e + if file.big { 12 } else { 8 };
            let bytes = type_size(typ).saturating_mul(count);
            let at = if bytes <= inline {
                value
            } else {
                file.offset(value).ok_or_else(truncated)?
            };
            entries.push((tag, Entry { typ, count, at }));
        }
        let next = start + count * size + inline;
        let whole = next <= file.data.len() as u64;
        Ok(Ifd {
            file,
            entries,
            whole,
        })
    }

    fn entry(&self, tag: u16) -> Option<Entry> {
        self.entries
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|&(_, e)| e)
    }

    /// The unsigned integer values of `tag` (BYTE, SHORT, LONG, LONG8 or IFD types), at most
    /// `max` of them; `None` when the tag is absent.
    fn uints(&self, tag: u16, max: u64) -> Result<Option<Vec<u64>>, Error> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        let size = type_size(e.typ);
        if !matches!(e.typ, 1 | 3 | 4 | 13 | 16 | 18) {
            return Err(bad(format_args!("tag {tag} has field type {}", e.typ)));
        }
        if e.count > max {
            return Err(bad(format_args!("tag {tag} has {} values", e.count)));
        }
        let end = e.at.checked_add(size * e.count);
        if end.is_none_or(|end| end > self.file.data.len() as u64) {
            // Values written after the directory, in a file that ends before them.
            return Err(Error::TruncatedImage {
                format: "tiff",
                rows_present: 0,
                height: 0,
            });
        }
        let f = self.file;
        let values = (0..e.count)
            .map(|i| {
                let at = e.at + i * size;
                match size {
                    1 => f.data.get(at as usize).map(|&b| b as u64),
                    2 => f.u16(at).map(u64::from),
                    4 => f.u32(at).map(u64::from),
                    _ => f.u64(at),
                }
                .unwrap_or(0)
            })
            .collect();
        Ok(Some(values))
    }

    /// The first value of `tag`, or `default` when the tag is absent.
    fn uint(&self, tag: u16, default: u64) -> Result<u64, Error> {
        Ok(match self.uints(tag, 1 << 20)? {
            Some(v) => *v
                .first()
                .ok_or_else(|| bad(format_args!("tag {tag} is empty")))?,
            None => default,
        })
    }

    /// The raw bytes of `tag` (for JPEGTables).
    fn raw(&self, tag: u16) -> Option<&'a [u8]> {
        let e = self.entry(tag)?;
        let start = usize::try_from(e.at).ok()?;
        let len = usize::try_from(e.count.checked_mul(type_size(e.typ))?).ok()?;
        self.file.data.get(start..start.checked_add(len)?)
    }
}

/// How the samples of a pixel become gray.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Photometric {
    WhiteIsZero,
    BlackIsZero,
    Rgb,
    Palette,
    Cmyk,
}

/// Everything needed to turn rows of stored samples into gray.
struct Layout {
    bits: u32,
    samples: usize,
    photometric: Photometric,
    /// Index of the alpha sample, if there is one.
    alpha: Option<usize>,
    /// Gray for each stored value of a one-sample pixel of up to 8 bits (inversion, scaling
    /// or the palette already applied).
    lut: [u8; 256],
}

impl Layout {
    /// Bytes in one stored row of `pixels` pixels holding `samples` samples each.
    fn row_bytes(&self, pixels: usize, samples: usize) -> usize {
        (pixels * samples * self.bits as usize).div_ceil(8)
    }

    /// Reduces one chunky row of stored samples (in the file's order for 16 bits) to gray.
    /// `tmp` is scratch space kept between rows.
    fn gray_row(&self, row: &[u8], le: bool, tmp: &mut Vec<u8>, out: &mut [u8]) {
        let w = out.len();
        if self.samples == 1 && self.bits <= 8 {
            // The table has every stored value, so no index is out of range.
            unpack_depth(self.bits, row, out, &self.lut, 256);
            return;
        }
        // 8-bit samples: the row itself, or the 16-bit samples reduced to 8 bits.
        let s8: &[u8] = if self.bits == 16 {
            tmp.clear();
            tmp.extend(row.chunks_exact(2).take(w * self.samples).map(|b| {
                scale16(if le {
                    u16::from_le_bytes([b[0], b[1]])
                } else {
                    u16::from_be_bytes([b[0], b[1]])
                })
            }));
            tmp
        } else {
            row
        };
        let n = self.samples;
        let pixels = s8.chunks_exact(n);
        let alpha = self.alpha;
        let with_alpha = |l: u8, p: &[u8]| match alpha {
            Some(a) => over_white(l, p[a]),
            None => l,
        };
        match self.photometric {
            Photometric::WhiteIsZero | Photometric::BlackIsZero => {
                let invert = self.photometric == Photometric::WhiteIsZero;
                for (o, p) in out.iter_mut().zip(pixels) {
                    let l = if invert { 255 - p[0] } else { p[0] };
                    *o = with_alpha(l, p);
                }
            }
            Photometric::Rgb => {
                for (o, p) in out.iter_mut().zip(pixels) {
                    *o = with_alpha(luma(p[0], p[1], p[2]), p);
                }
            }
            Photometric::Cmyk => {
                // The conversion the `image` crate uses: (255 - C) (1 - K / 255), per channel.
                for (o, p) in out.iter_mut().zip(pixels) {
                    let kf = 1.0 - p[3] as f32 / 255.0;
                    let c = |v: u8| ((255.0 - v as f32) * kf) as u8;
                    *o = with_alpha(luma(c(p[0]), c(p[1]), c(p[2])), p);
                }
            }
            // One sample per pixel of at most 8 bits is handled above.
            Photometric::Palette => out.fill(0),
        }
    }
}

/// The compression schemes read here.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Compression {
    None,
    Fax3,
    Fax4,
    Lzw,
    Jpeg,
    Deflate,
    PackBits,
}

/// The first page's dimensions (checked against the limits) and whether every strip or tile
/// and the directory lie inside the file, without decoding anything.
pub(super) fn probe_tiff(bytes: &[u8], limits: &Limits) -> Result<(u32, u32, bool, u8), Error> {
    let file = File::open(bytes)?;
    let ifd = Ifd::read(&file)?;
    let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let (w, h) = (clamp(ifd.uint(256, 0)?), clamp(ifd.uint(257, 0)?));
    limits.check_dimensions(w, h)?;
    let (offsets, counts) = if ifd.entry(322).is_some() {
        (324, 325)
    } else {
        (273, 279)
    };
    let offsets = ifd.uints(offsets, 1 << 24)?.unwrap_or_default();
    let counts = ifd.uints(counts, 1 << 24)?.unwrap_or_default();
    let inside = offsets
        .iter()
        .zip(&counts)
        .all(|(&o, &c)| o.saturating_add(c) <= bytes.len() as u64);
    let orientation = match ifd.uint(274, 1)? {
        o @ 1..=8 => o as u8,
        _ => 1,
    };
    Ok((w, h, ifd.whole && inside, orientation))
}

/// Decodes the first page of a TIFF to gray; also returns its orientation tag (1 when absent).
/// A file cut short in its strips or tiles gives the whole rows above the first one cut off,
/// the rest white.
pub(super) fn decode_tiff(bytes: &[u8], limits: &Limits) -> Result<Stored, Error> {
    let file = File::open(bytes)?;
    let le = file.le;
    let ifd = Ifd::read(&file)?;
    let width = ifd.uint(256, 0)?;
    let height = ifd.uint(257, 0)?;
    let (w32, h32) = (
        u32::try_from(width).unwrap_or(u32::MAX),
        u32::try_from(height).unwrap_or(u32::MAX),
    );
    limits.check_dimensions(w32, h32)?;
    let (width, height) = (w32 as usize, h32 as usize);

    let samples = ifd.uint(277, 1)? as usize;
    if !(1..=16).contains(&samples) {
        return Err(bad(format_args!("{samples} samples per pixel")));
    }
    let bits_list = ifd.uints(258, 16)?.unwrap_or_else(|| vec![1]);
    let bits = *bits_list.first().ok_or_else(|| bad("tag 258 is empty"))?;
    if bits_list.iter().any(|&b| b != bits) {
        return Err(unsupported("samples of different bit depths"));
    }
    let bits = bits as u32;
    let sample_format = ifd.uint(339, 1)?;
    if sample_format != 1 {
        return Err(unsupported(format_args!("sample format {sample_format}")));
    }
    let compression = match ifd.uint(259, 1)? {
        1 => Compression::None,
        3 => Compression::Fax3,
        4 => Compression::Fax4,
        5 => Compression::Lzw,
        7 => Compression::Jpeg,
        8 | 32946 => Compression::Deflate,
        32773 => Compression::PackBits,
        c => return Err(unsupported(format_args!("compression {c}"))),
    };
    let fax = matches!(compression, Compression::Fax3 | Compression::Fax4);
    let photometric_tag = match ifd.uint(262, u64::MAX)? {
        u64::MAX if fax => 0,
        u64::MAX if samples >= 3 => 2,
        u64::MAX => 1,
        p => p,
    };
    let planar = ifd.uint(284, 1)?;
    let predictor = ifd.uint(317, 1)?;
    let orientation = match ifd.uint(274, 1)? {
        o @ 1..=8 => o as u8,
        _ => 1,
    };

    // JPEG data decodes to gray whatever its photometric: the rows are then one 8-bit sample.
    let (bits, samples, photometric) = if compression == Compression::Jpeg {
        if bits != 8 || planar != 1 {
            return Err(unsupported("JPEG compression other than 8-bit chunky"));
        }
        (8, 1, Photometric::BlackIsZero)
    } else {
        let p = match photometric_tag {
            0 => Photometric::WhiteIsZero,
            1 => Photometric::BlackIsZero,
            2 => Photometric::Rgb,
            3 => Photometric::Palette,
            5 if ifd.uint(332, 1)? == 1 => Photometric::Cmyk,
            p => return Err(unsupported(format_args!("photometric interpretation {p}"))),
        };
        (bits, samples, p)
    };
    if !matches!(bits, 1 | 2 | 4 | 8 | 16) {
        return Err(unsupported(format_args!("{bits} bits per sample")));
    }
    let colour = match photometric {
        Photometric::Rgb => 3,
        Photometric::Cmyk => 4,
        _ => 1,
    };
    if samples < colour {
        return Err(bad(format_args!(
            "{samples} samples per pixel for {colour} colour channels"
        )));
    }
    if samples > 1 && bits < 8 {
        return Err(unsupported("several samples per pixel below 8 bits"));
    }
    if fax && (bits != 1 || samples != 1) {
        return Err(bad("CCITT compression of other than 1-bit pixels"));
    }
    if photometric == Photometric::Palette && (bits > 8 || samples != 1) {
        return Err(unsupported(
            "a palette with more than 8 bits or other samples",
        ));
    }
    // Alpha: the first extra sample when it is declared as alpha (1 associated, 2 unassociated),
    // or when the extra samples are not declared at all.
    let alpha = if samples > colour {
        match ifd.uints(338, 16)? {
            Some(extra) if matches!(extra.first(), Some(1 | 2)) => Some(colour),
            None => Some(colour),
            _ => None,
        }
    } else {
        None
    };
    if predictor != 1 && !(predictor == 2 && bits >= 8) {
        return Err(unsupported(format_args!("predictor {predictor}")));
    }

    // Gray for each one-sample stored value.
    let mut lut = [0u8; 256];
    if samples == 1 && bits <= 8 {
        let max = (1u32 << bits) - 1;
        if photometric == Photometric::Palette {
            let entries = 1u64 << bits;
            let map = ifd
                .uints(320, 3 * entries)?
                .filter(|m| m.len() as u64 == 3 * entries)
                .ok_or_else(|| bad("a palette image without a full ColorMap"))?;
            let e = entries as usize;
            // As libtiff reads colormaps: the high byte of each 16-bit entry, or the entries
            // as they are when every one fits 8 bits (a common writer mistake).
            let wide = map.iter().any(|&v| v > 255);
            let to8 = |v: u64| {
                if wide {
                    (v.min(65535) >> 8) as u8
                } else {
                    v as u8
                }
            };
            for (i, g) in lut.iter_mut().enumerate().take(e) {
                *g = luma(to8(map[i]), to8(map[e + i]), to8(map[2 * e + i]));
            }
        } else {
            for (v, g) in lut.iter_mut().enumerate().take(max as usize + 1) {
                let v = v as u32;
                let v = if photometric == Photometric::WhiteIsZero {
                    max - v
                } else {
                    v
                };
                *g = (v * 255 / max) as u8;
            }
        }
    }
    let layout = Layout {
        bits,
        samples,
        photometric,
        alpha,
        lut,
    };

    // Blocks: strips are blocks as wide as the page.
    let tiled = ifd.entry(322).is_some();
    let (block_w, block_h, offsets_tag, counts_tag) = if tiled {
        let tw = ifd.uint(322, 0)? as usize;
        let th = ifd.uint(323, 0)? as usize;
        if tw == 0 || th == 0 {
            return Err(bad("a tile with no width or height"));
        }
        // Tiles may overhang the page, but not by more than the page is big.
        if tw.saturating_mul(th) > (width * height).max(1 << 16).saturating_mul(4) {
            return Err(bad(format_args!(
                "{tw}x{th} tiles for a {width}x{height} page"
            )));
        }
        (tw, th, 324, 325)
    } else {
        let rows = ifd.uint(278, height as u64)?;
        let rows = (rows.clamp(1, height as u64)) as usize;
        (width, rows, 273, 279)
    };
    let across = width.div_ceil(block_w);
    let down = height.div_ceil(block_h);
    let planes = if planar == 2 { samples } else { 1 };
    let plane_samples = if planar == 2 { 1 } else { samples };
    let blocks = across * down * planes;
    let offsets = ifd
        .uints(offsets_tag, 1 << 24)?
        .ok_or_else(|| bad("no strip or tile offsets"))?;
    if (offsets.len()) < blocks {
        return Err(bad(format_args!(
            "{} strip or tile offsets for {blocks} blocks",
            offsets.len()
        )));
    }
    let counts = match ifd.uints(counts_tag, 1 << 24)? {
        Some(c) if c.len() >= blocks => c,
        Some(_) => return Err(bad("fewer byte counts than strips or tiles")),
        // Without byte counts only an uncompressed single strip can be read.
        None if compression == Compression::None && blocks == 1 => {
            vec![(bytes.len() as u64).saturating_sub(offsets[0])]
        }
        None => return Err(bad("no strip or tile byte counts")),
    };
    let reverse_bits = ifd.uint(266, 1)? == 2;
    let t4_options = ifd.uint(292, 0)?;
    if compression == Compression::Fax3 && t4_options & 1 != 0 {
        return Err(unsupported("two-dimensional Group 3 coding"));
    }
    let tables = ifd.raw(347);

    let block_row = layout.row_bytes(block_w, plane_samples);
    let mut ctx = Chunks {
        data: bytes,
        offsets: &offsets,
        counts: &counts,
        compression,
        reverse_bits,
        predictor: predictor == 2,
        bits,
        le,
        tables,
        limits,
        lzw: None,
        inflater: None,
    };

    let mut out = vec![0u8; width * height];
    let mut tmp = Vec::new();
    let mut row = vec![0u8; layout.row_bytes(width, samples)];
    let mut rows_present = None;
    'bands: for by in 0..down {
        let y0 = by * block_h;
        // Strips hold just the rows left on the page; tiles always hold whole tiles.
        let rows_here = if tiled {
            block_h
        } else {
            block_h.min(height - y0)
        };
        let rows_out = block_h.min(height - y0);
        let mut band: Vec<Vec<Cow<'_, [u8]>>> = Vec::with_capacity(planes);
        for plane in 0..planes {
            let mut line = Vec::with_capacity(across);
            for bx in 0..across {
                let index = plane * across * down + by * across + bx;
                let want = block_row * rows_here;
                match ctx.chunk(index, block_w, rows_here, plane_samples, want) {
                    Ok(block) => line.push(block),
                    // A block that the file's end cuts off, and that its bytes there do not
                    // fill: the file is cut short from this band on.
                    Err(_) if ctx.cut_off(index) => {
                        out[y0 * width..].fill(255);
                        rows_present = Some(y0 as u32);
                        break 'bands;
                    }
                    Err(e) => return Err(e),
                }
            }
            band.push(line);
        }
        for r in 0..rows_out {
            let y = y0 + r;
            let gray = &mut out[y * width..(y + 1) * width];
            if planes == 1 && across == 1 {
                // A strip as wide as the page: its rows are the stored rows, no gathering.
                let start = r * block_row;
                layout.gray_row(&band[0][0][start..start + block_row], le, &mut tmp, gray);
                continue;
            }
            // Gather the stored row from the blocks of this band (and planes, interleaved).
            for bx in 0..across {
                let x0 = bx * block_w;
                let px = block_w.min(width - x0);
                if planes == 1 {
                    let start = r * block_row;
                    let src = &band[0][bx][start..start + layout.row_bytes(px, samples)];
                    let dst_start = layout.row_bytes(x0, samples);
                    row[dst_start..dst_start + src.len()].copy_from_slice(src);
                } else {
                    let bytes_per_sample = bits as usize / 8;
                    for (plane, blocks) in band.iter().enumerate() {
                        let src = &blocks[bx][r * block_row..];
                        for x in 0..px {
                            let d = ((x0 + x) * samples + plane) * bytes_per_sample;
                            let s = x * bytes_per_sample;
                            row[d..d + bytes_per_sample]
                                .copy_from_slice(&src[s..s + bytes_per_sample]);
                        }
                    }
                }
            }
            layout.gray_row(&row, le, &mut tmp, gray);
        }
    }
    // Every row is there, but the file stops inside its directory's last field.
    let rows_present = rows_present.or((!ifd.whole).then_some(h32));
    Ok(Stored {
        image: GrayImage::from_raw(w32, h32, out)?,
        orientation,
        rows_present,
        chroma: None,
    })
}

/// Where the strips or tiles are and how they are coded.
struct Chunks<'a> {
    data: &'a [u8],
    offsets: &'a [u64],
    counts: &'a [u64],
    compression: Compression,
    reverse_bits: bool,
    predictor: bool,
    bits: u32,
    le: bool,
    tables: Option<&'a [u8]>,
    limits: &'a Limits,
    /// Decoder state made on the first strip that needs it and reused for the others.
    lzw: Option<Box<Lzw>>,
    inflater: Option<Box<DecompressorOxide>>,
}

impl<'a> Chunks<'a> {
    /// Whether block `index` runs past the end of the file.
    fn cut_off(&self, index: usize) -> bool {
        let start = self.offsets.get(index).copied().unwrap_or(0);
        let len = self.counts.get(index).copied().unwrap_or(0);
        start.saturating_add(len) > self.data.len() as u64
    }

    /// The decompressed bytes of block `index`: `rows` rows of `w` pixels, `want` bytes, or an
    /// error when the data holds fewer.
    fn chunk(
        &mut self,
        index: usize,
        w: usize,
        rows: usize,
        samples: usize,
        want: usize,
    ) -> Result<Cow<'a, [u8]>, Error> {
        let start = usize::try_from(self.offsets[index]).unwrap_or(usize::MAX);
        let len = usize::try_from(self.counts[index]).unwrap_or(usize::MAX);
        let end = start.saturating_add(len).min(self.data.len());
        let raw = self
            .data
            .get(start..end)
            .ok_or_else(|| bad(format_args!("strip or tile {index} starts past the end")))?;
        // FillOrder 2 (least significant bit first) applies to the coded bytes of every scheme
        // but JPEG, as libtiff reads it.
        let raw: Cow<'a, [u8]> = if self.reverse_bits && self.compression != Compression::Jpeg {
            Cow::Owned(raw.iter().map(|b| b.reverse_bits()).collect())
        } else {
            Cow::Borrowed(raw)
        };
        let short = |got: usize| {
            bad(format_args!(
                "strip or tile {index} holds {got} of {want} bytes"
            ))
        };
        let mut out: Cow<'a, [u8]> = match self.compression {
            Compression::None => {
                if raw.len() < want {
                    return Err(short(raw.len()));
                }
                match raw {
                    Cow::Borrowed(b) => Cow::Borrowed(&b[..want]),
                    Cow::Owned(mut v) => {
                        v.truncate(want);
                        Cow::Owned(v)
                    }
                }
            }
            Compression::PackBits => Cow::Owned(unpack_bits(&raw, want).ok_or_else(|| short(0))?),
            Compression::Lzw => {
                let v = self
                    .lzw
                    .get_or_insert_with(Lzw::new)
                    .decode(&raw, want)
                    .map_err(bad)?;
                if v.len() < want {
                    return Err(short(v.len()));
                }
                Cow::Owned(v)
            }
            Compression::Deflate => {
                let state = self.inflater.get_or_insert_with(Box::default);
                Cow::Owned(inflate_exact(state, &raw, want)?)
            }
            Compression::Fax3 | Compression::Fax4 => {
                Cow::Owned(fax_decode(&raw, self.compression, w, rows)?)
            }
            Compression::Jpeg => Cow::Owned(self.jpeg(&raw, w, rows)?),
        };
        if self.predictor {
            undo_predictor(out.to_mut(), w, samples, self.bits, self.le);
        }
        Ok(out)
    }

    /// A JPEG strip or tile, with the shared JPEGTables, decoded to gray `w` by `rows`.
    fn jpeg(&self, raw: &[u8], w: usize, rows: usize) -> Result<Vec<u8>, Error> {
        let mut stream = Vec::with_capacity(raw.len() + self.tables.map_or(0, <[u8]>::len));
        match self.tables {
            // Tables end with EOI and the strip starts with SOI: join them without either.
            Some(t) if t.len() >= 4 && raw.len() >= 2 => {
                stream.extend_from_slice(&t[..t.len() - 2]);
                stream.extend_from_slice(&raw[2..]);
            }
            _ => stream.extend_from_slice(raw),
        }
        // A JPEG strip's own truncation shows as the strip's: its bytes end with the file's.
        let img = jpeg::decode_jpeg(stream, self.limits)?.image;
        let (jw, jh) = (img.width() as usize, img.height() as usize);
        if jw < w || jh < rows.min(jh.max(1)) || jw == 0 {
            return Err(bad(format_args!(
                "a {jw}x{jh} JPEG strip or tile where {w}x{rows} was expected"
            )));
        }
        let mut out = vec![255u8; w * rows];
        for (dst, src) in out.chunks_exact_mut(w).zip(img.data().chunks_exact(jw)) {
            dst.copy_from_slice(&src[..w]);
        }
        Ok(out)
    }
}

/// PackBits (TIFF 6.0 section 9) into exactly `want` bytes; `None` when the data ends first.
fn unpack_bits(mut src: &[u8], want: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(want);
    while out.len() < want {
        let (&n, rest) = src.split_first()?;
        src = rest;
        let n = n as i8;
        if n >= 0 {
            let k = n as usize + 1;
            let lit = src.get(..k)?;
            out.extend_from_slice(lit);
            src = &src[k..];
        } else if n != -128 {
            let (&b, rest) = src.split_first()?;
            src = rest;
            out.resize(out.len() + (1 - n as isize) as usize, b);
        }
    }
    out.truncate(want);
    Some(out)
}

/// A TIFF LZW decoder (TIFF 6.0 section 13: MSB-first codes of 9 to 12 bits with the early
/// change). Its table is made once per page and kept across strips: codes 0 to 255 never
/// change, and every later code is written before it can be read.
struct Lzw {
    /// Each code: the code it extends, its last byte, its length and its first byte.
    prefix: [u16; 4096],
    last: [u8; 4096],
    len: [u16; 4096],
    first: [u8; 4096],
}

impl Lzw {
    fn new() -> Box<Self> {
        let mut t = Box::new(Lzw {
            prefix: [0; 4096],
            last: [0; 4096],
            len: [0; 4096],
            first: [0; 4096],
        });
        for c in 0..256 {
            t.last[c] = c as u8;
            t.first[c] = c as u8;
            t.len[c] = 1;
        }
        t
    }

    /// Decodes `src`, stopping at `want` bytes, at the end-of-information code or at the end
    /// of the data.
    fn decode(&mut self, src: &[u8], want: usize) -> Result<Vec<u8>, &'static str> {
        const CLEAR: usize = 256;
        const EOI: usize = 257;
        let Lzw {
            prefix,
            last,
            len,
            first,
        } = self;
        let mut out = vec![0u8; want];
        let mut pos = 0usize;
        let mut next = 258usize;
        let mut width = 9u32;
        let mut prev: Option<usize> = None;
        let (mut acc, mut nbits, mut i) = (0u32, 0u32, 0usize);
        while pos < want {
            while nbits < width {
                let Some(&b) = src.get(i) else {
                    out.truncate(pos);
                    return Ok(out);
                };
                acc = (acc << 8) | b as u32;
                nbits += 8;
                i += 1;
            }
            let code = ((acc >> (nbits - width)) & ((1 << width) - 1)) as usize;
            nbits -= width;
            acc &= (1u32 << nbits).wrapping_sub(1);
            if code == EOI {
                break;
            }
            if code == CLEAR {
                next = 258;
                width = 9;
                prev = None;
                continue;
            }
            let Some(p) = prev else {
                if code > 255 {
                    return Err("an LZW stream starts with an unknown code");
                }
                out[pos] = code as u8;
                pos += 1;
                prev = Some(code);
                continue;
            };
            let (string, head) = if code < next {
                (code, first[code])
            } else if code == next {
                (p, first[p])
            } else {
                return Err("an LZW code beyond the table");
            };
            // Write `string` backwards into place, then the extra byte when code == next.
            let n = len[string] as usize;
            let extra = usize::from(code == next);
            let end = (pos + n + extra).min(want);
            let mut c = string;
            let mut k = pos + n;
            while k > pos {
                k -= 1;
                if k < end {
                    out[k] = last[c];
                }
                c = prefix[c] as usize;
            }
            if extra == 1 && pos + n < want {
                out[pos + n] = head;
            }
            pos = end;
            if next < 4096 {
                prefix[next] = p as u16;
                last[next] = head;
                len[next] = len[p].saturating_add(1);
                first[next] = first[p];
                next += 1;
                if next + 1 == 1 << width && width < 12 {
                    width += 1;
                }
            }
            prev = Some(code);
        }
        out.truncate(pos);
        Ok(out)
    }
}

/// Zlib-wrapped Deflate into exactly `want` bytes, with an inflater kept across strips.
fn inflate_exact(state: &mut DecompressorOxide, src: &[u8], want: usize) -> Result<Vec<u8>, Error> {
    use miniz_oxide::inflate::core::{decompress, inflate_flags};
    use miniz_oxide::inflate::TINFLStatus;
    let mut out = vec![0u8; want];
    state.init();
    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, _, written) = decompress(state, src, &mut out, 0, flags);
    match status {
        TINFLStatus::Done | TINFLStatus::HasMoreOutput if written == want => Ok(out),
        TINFLStatus::Done | TINFLStatus::HasMoreOutput | TINFLStatus::NeedsMoreInput => Err(bad(
            format_args!("a Deflate strip holds {written} of {want} bytes"),
        )),
        other => Err(bad(format_args!("corrupt Deflate data ({other:?})"))),
    }
}

/// CCITT Group 3 (one-dimensional) or Group 4 data to packed 1-bit rows, 1 for black, as
/// libtiff gives them (so PhotometricInterpretation then applies as for uncompressed data).
/// Decodes Group 4 (T.6) data of `w` × `rows` pixels into packed rows, 1 = the coded black.
pub(crate) fn decode_group4(src: &[u8], w: usize, rows: usize) -> Result<Vec<u8>, Error> {
    fax_decode(src, Compression::Fax4, w, rows)
}

fn fax_decode(src: &[u8], c: Compression, w: usize, rows: usize) -> Result<Vec<u8>, Error> {
    let width = u16::try_from(w).map_err(|_| unsupported("CCITT data wider than 65535"))?;
    let row_bytes = w.div_ceil(8);
    let mut out = vec![0u8; row_bytes * rows];
    let mut y = 0usize;
    let mut line = |transitions: &[u16]| {
        if y >= rows {
            return;
        }
        let dst = &mut out[y * row_bytes..(y + 1) * row_bytes];
        // Transitions alternate white-to-black and black-to-white, starting with white.
        let mut x = 0usize;
        for pair in transitions.chunks(2) {
            let start = (pair[0] as usize).min(w);
            let end = pair.get(1).map_or(w, |&e| (e as usize).min(w));
            x = x.max(start);
            while x < end {
                dst[x / 8] |= 0x80 >> (x % 8);
                x += 1;
            }
        }
        y += 1;
    };
    let ok = match c {
        Compression::Fax4 => {
            let rows16 = u16::try_from(rows).unwrap_or(u16::MAX);
            fax::decoder::decode_g4(src.iter().copied(), width, Some(rows16), &mut line)
        }
        _ => {
            // libtiff ends the data after the last row with no EOL or RTC, where the decoder
            // expects them: six EOLs (zero fill, then 0000 0000 0001) close it either way.
            let eols = [0u8, 1].iter().cycle().take(12).copied();
            fax::decoder::decode_g3(src.iter().copied().chain(eols), &mut line)
        }
    };
    if ok.is_none() && y < rows {
        return Err(bad(format_args!(
            "the CCITT data ends after {y} of {rows} rows"
        )));
    }
    Ok(out)
}

/// Undoes the horizontal differencing predictor (TIFF 6.0 section 14) on rows of `w` pixels of
/// `samples` samples of 8 or 16 bits (16-bit samples in the file's byte order).
fn undo_predictor(buf: &mut [u8], w: usize, samples: usize, bits: u32, le: bool) {
    let n = w * samples;
    if bits == 8 {
        for row in buf.chunks_mut(n) {
            for i in samples..row.len() {
                row[i] = row[i].wrapping_add(row[i - samples]);
            }
        }
    } else if bits == 16 {
        let get = |b: &[u8], i: usize| {
            let v = [b[2 * i], b[2 * i + 1]];
            if le {
                u16::from_le_bytes(v)
            } else {
                u16::from_be_bytes(v)
            }
        };
        for row in buf.chunks_mut(2 * n) {
            for i in samples..row.len() / 2 {
                let v = get(row, i).wrapping_add(get(row, i - samples));
                let b = if le { v.to_le_bytes() } else { v.to_be_bytes() };
                row[2 * i..2 * i + 2].copy_from_slice(&b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode_image, to_luma_in_place, Limits, Native};

    /// A TIFF field for the test writer: tag, type and values.
    struct Field(u16, u16, Vec<u64>);

    /// Writes a TIFF with one IFD of `fields` and the blobs in `chunks` (their offsets and byte
    /// counts go into `offsets_tag` and `offsets_tag + 1`), classic or BigTIFF, either order.
    fn write_tiff(
        le: bool,
        big: bool,
        mut fields: Vec<Field>,
        offsets_tag: u16,
        chunks: &[Vec<u8>],
    ) -> Vec<u8> {
        let put = |out: &mut Vec<u8>, v: u64, n: usize| {
            let b = v.to_le_bytes();
            let mut b = b[..n].to_vec();
            if !le {
                b.reverse();
            }
            out.extend_from_slice(&b);
        };
        let mut out = Vec::new();
        out.extend_from_slice(match (le, big) {
            (true, false) => b"II*\0",
            (false, false) => b"MM\0*",
            (true, true) => b"II+\0",
            (false, true) => b"MM\0+",
        });
        if big {
            put(&mut out, 8, 2);
            put(&mut out, 0, 2);
            put(&mut out, 0, 8);
        } else {
            put(&mut out, 0, 4);
        }
        let mut offsets = Vec::new();
        for c in chunks {
            offsets.push(out.len() as u64);
            out.extend_from_slice(c);
        }
        let long = if big { 16 } else { 4 };
        fields.push(Field(offsets_tag, long, offsets));
        fields.push(Field(
            if offsets_tag == 273 {
                279
            } else {
                offsets_tag + 1
            },
            long,
            chunks.iter().map(|c| c.len() as u64).collect(),
        ));
        // Tags are distinct, so an unstable sort gives the one order.
        crate::sort::sort_by(&mut fields, |a, b| a.0 < b.0);
        // Values that do not fit inline go after the IFD.
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let ifd = out.len() as u64;
        if big {
            let b = if le {
                ifd.to_le_bytes()
            } else {
                ifd.to_be_bytes()
            };
            out[8..16].copy_from_slice(&b);
        } else {
            let b = if le {
                (ifd as u32).to_le_bytes()
            } else {
                (ifd as u32).to_be_bytes()
            };
            out[4..8].copy_from_slice(&b);
        }
        let (entry, inline, count_size) = if big { (20, 8, 8) } else { (12, 4, 4) };
        let ifd_len = if big { 8 } else { 2 } + entry * fields.len() + if big { 8 } else { 4 };
        let mut extra = Vec::new();
        let extra_start = ifd as usize + ifd_len;
        let mut table = Vec::new();
        put(&mut table, fields.len() as u64, if big { 8 } else { 2 });
        for Field(tag, typ, values) in &fields {
            let size = type_size(*typ) as usize;
            put(&mut table, *tag as u64, 2);
            put(&mut table, *typ as u64, 2);
            put(&mut table, values.len() as u64, count_size);
            let mut data = Vec::new();
            for &v in values {
                put(&mut data, v, size);
            }
            if data.len() <= inline {
                data.resize(inline, 0);
                table.extend_from_slice(&data);
            } else {
                put(&mut table, (extra_start + extra.len()) as u64, inline);
                extra.extend_from_slice(&data);
            }
        }
        put(&mut table, 0, if big { 8 } else { 4 });
        out.extend_from_slice(&table);
        out.extend_from_slice(&extra);
        out
    }

    const SHORT: u16 = 3;
    const LONG: u16 = 4;

    /// A 37 by 23 test page with every gray level and some structure.
    fn page() -> (usize, usize, Vec<u8>) {
        let (w, h) = (37, 23);
        let px = (0..w * h)
            .map(|i| ((i * 7 + (i / w) * 13) % 256) as u8)
            .collect();
        (w, h, px)
    }

    fn decode(bytes: &[u8]) -> Result<(GrayImage, u8), Error> {
        decode_tiff(bytes, &Limits::default())?.strict("tiff")
    }

    fn basic(
        w: usize,
        h: usize,
        bits: u64,
        spp: u64,
        photometric: u64,
        compression: u64,
    ) -> Vec<Field> {
        vec![
            Field(256, LONG, vec![w as u64]),
            Field(257, LONG, vec![h as u64]),
            Field(258, SHORT, vec![bits; spp as usize]),
            Field(259, SHORT, vec![compression]),
            Field(262, SHORT, vec![photometric]),
            Field(277, SHORT, vec![spp]),
        ]
    }

    /// Splits rows of `row_bytes` into strips of `rps` rows.
    fn strips(data: &[u8], row_bytes: usize, rps: usize) -> Vec<Vec<u8>> {
        data.chunks(row_bytes * rps).map(<[u8]>::to_vec).collect()
    }

    fn packbits(data: &[u8]) -> Vec<u8> {
        // Literal runs of up to 128 bytes and repeats of 3 or more.
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let mut run = 1;
            while i + run < data.len() && data[i + run] == data[i] && run < 128 {
                run += 1;
            }
            if run >= 3 {
                out.push((1i16 - run as i16) as i8 as u8);
                out.push(data[i]);
                i += run;
            } else {
                let n = (data.len() - i).min(128);
                out.push((n - 1) as u8);
                out.extend_from_slice(&data[i..i + n]);
                i += n;
            }
        }
        out
    }

    fn lzw(data: &[u8]) -> Vec<u8> {
        weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .encode(data)
            .unwrap()
    }

    fn predict(data: &[u8], row_bytes: usize, spp: usize) -> Vec<u8> {
        let mut out = data.to_vec();
        for row in out.chunks_mut(row_bytes) {
            for i in (spp..row.len()).rev() {
                row[i] = row[i].wrapping_sub(row[i - spp]);
            }
        }
        out
    }

    #[test]
    fn gray_8_bit_in_every_container_and_compression() {
        let (w, h, px) = page();
        for (le, big) in [(true, false), (false, false), (true, true), (false, true)] {
            for compression in [1, 5, 8, 32946, 32773] {
                for predictor in [1, 2] {
                    let code = |strip: &[u8]| {
                        let strip = if predictor == 2 {
                            predict(strip, w, 1)
                        } else {
                            strip.to_vec()
                        };
                        match compression {
                            5 => lzw(&strip),
                            8 | 32946 => miniz_oxide::deflate::compress_to_vec_zlib(&strip, 6),
                            32773 => packbits(&strip),
                            _ => strip,
                        }
                    };
                    let chunks: Vec<_> = strips(&px, w, 5).iter().map(|s| code(s)).collect();
                    let mut f = basic(w, h, 8, 1, 1, compression);
                    f.push(Field(278, SHORT, vec![5]));
                    f.push(Field(317, SHORT, vec![predictor]));
                    let file = write_tiff(le, big, f, 273, &chunks);
                    let what = format!(
                        "le {le} big {big} compression {compression} predictor {predictor}"
                    );
                    let (img, o) = decode(&file).expect(&what);
                    assert_eq!(
                        (img.width(), img.height(), o),
                        (w as u32, h as u32, 1),
                        "{what}"
                    );
                    assert_eq!(img.data(), &px[..], "{what}");
                    let via = decode_image(&file, &Limits::default()).unwrap();
                    assert_eq!(via.format, "tiff");
                }
            }
        }
    }

    #[test]
    fn white_is_zero_16_bit_and_low_bit_depths_scale_like_the_reference() {
        let (w, h, px) = page();
        // WhiteIsZero 8-bit stores 255 - v.
        let inv: Vec<u8> = px.iter().map(|v| 255 - v).collect();
        let file = write_tiff(true, false, basic(w, h, 8, 1, 0, 1), 273, &[inv]);
        assert_eq!(decode(&file).unwrap().0.data(), &px[..]);
        // 16-bit, both byte orders: v * 257 reduces to v.
        for le in [true, false] {
            let data: Vec<u8> = px
                .iter()
                .flat_map(|&v| {
                    let s = v as u16 * 257;
                    if le {
                        s.to_le_bytes()
                    } else {
                        s.to_be_bytes()
                    }
                })
                .collect();
            for predictor in [1u64, 2] {
                let data = if predictor == 2 {
                    // Differences of 16-bit samples in the file's order.
                    let s: Vec<u16> = data
                        .chunks(2)
                        .map(|b| {
                            if le {
                                u16::from_le_bytes([b[0], b[1]])
                            } else {
                                u16::from_be_bytes([b[0], b[1]])
                            }
                        })
                        .collect();
                    let mut d = s.clone();
                    for y in 0..h {
                        for x in (1..w).rev() {
                            d[y * w + x] = s[y * w + x].wrapping_sub(s[y * w + x - 1]);
                        }
                    }
                    d.iter()
                        .flat_map(|v| if le { v.to_le_bytes() } else { v.to_be_bytes() })
                        .collect()
                } else {
                    data.clone()
                };
                let mut f = basic(w, h, 16, 1, 1, 5);
                f.push(Field(317, SHORT, vec![predictor]));
                let file = write_tiff(le, false, f, 273, &[lzw(&data)]);
                assert_eq!(
                    decode(&file).unwrap().0.data(),
                    &px[..],
                    "16-bit le {le} predictor {predictor}"
                );
            }
        }
        // 1, 2 and 4 bits, rows padded to whole bytes, both photometrics, FillOrder 2.
        for bits in [1u32, 2, 4] {
            let max = (1u32 << bits) - 1;
            let levels: Vec<u32> = px.iter().map(|&v| v as u32 * max / 255).collect();
            for photometric in [0u64, 1] {
                for fill in [1u64, 2] {
                    let row_bytes = (w * bits as usize).div_ceil(8);
                    let mut data = vec![0u8; row_bytes * h];
                    for y in 0..h {
                        for x in 0..w {
                            let v = levels[y * w + x];
                            let stored = if photometric == 0 { max - v } else { v };
                            let bit = x * bits as usize;
                            data[y * row_bytes + bit / 8] |=
                                (stored << (8 - bits - (bit % 8) as u32)) as u8;
                        }
                    }
                    // FillOrder 2 reverses the bits of the coded bytes.
                    let mut coded = packbits(&data);
                    if fill == 2 {
                        coded.iter_mut().for_each(|b| *b = b.reverse_bits());
                    }
                    let mut f = basic(w, h, bits as u64, 1, photometric, 32773);
                    f.push(Field(266, SHORT, vec![fill]));
                    let file = write_tiff(true, false, f, 273, &[coded]);
                    let want: Vec<u8> = levels.iter().map(|&v| (v * 255 / max) as u8).collect();
                    assert_eq!(
                        decode(&file).unwrap().0.data(),
                        &want[..],
                        "bits {bits} photometric {photometric} fill {fill}"
                    );
                }
            }
        }
    }

    #[test]
    fn colour_palette_cmyk_alpha_planar_and_tiles() {
        let (w, h, px) = page();
        let rgb: Vec<[u8; 3]> = px
            .iter()
            .enumerate()
            .map(|(i, &v)| [v, (i * 31 % 256) as u8, 255 - v])
            .collect();
        let want: Vec<u8> = rgb.iter().map(|p| luma(p[0], p[1], p[2])).collect();
        // Chunky RGB, Deflate with the predictor.
        let chunky: Vec<u8> = rgb.iter().flatten().copied().collect();
        let mut f = basic(w, h, 8, 3, 2, 8);
        f.push(Field(317, SHORT, vec![2]));
        let coded = miniz_oxide::deflate::compress_to_vec_zlib(&predict(&chunky, 3 * w, 3), 6);
        let file = write_tiff(false, false, f, 273, &[coded]);
        assert_eq!(decode(&file).unwrap().0.data(), &want[..], "chunky RGB");
        // Planar RGB, one strip per plane.
        let planes: Vec<Vec<u8>> = (0..3).map(|c| rgb.iter().map(|p| p[c]).collect()).collect();
        let mut f = basic(w, h, 8, 3, 2, 1);
        f.push(Field(284, SHORT, vec![2]));
        let file = write_tiff(true, false, f, 273, &planes);
        assert_eq!(decode(&file).unwrap().0.data(), &want[..], "planar RGB");
        // RGBA with unassociated alpha composites over white.
        let alpha: Vec<u8> = (0..w * h).map(|i| (i * 5 % 256) as u8).collect();
        let rgba: Vec<u8> = rgb
            .iter()
            .zip(&alpha)
            .flat_map(|(p, &a)| [p[0], p[1], p[2], a])
            .collect();
        let mut f = basic(w, h, 8, 4, 2, 1);
        f.push(Field(338, SHORT, vec![2]));
        let file = write_tiff(true, false, f, 273, &[rgba]);
        let want_a: Vec<u8> = want
            .iter()
            .zip(&alpha)
            .map(|(&l, &a)| over_white(l, a))
            .collect();
        assert_eq!(decode(&file).unwrap().0.data(), &want_a[..], "RGBA");
        // A 4-bit palette.
        let map: Vec<u64> = (0..48).map(|i| (i as u64 * 1361) % 65536).collect();
        let idx: Vec<u8> = px.iter().map(|v| v >> 4).collect();
        let row_bytes = w.div_ceil(2);
        let mut data = vec![0u8; row_bytes * h];
        for y in 0..h {
            for x in 0..w {
                data[y * row_bytes + x / 2] |= idx[y * w + x] << if x % 2 == 0 { 4 } else { 0 };
            }
        }
        let mut f = basic(w, h, 4, 1, 3, 1);
        f.push(Field(320, SHORT, map.clone()));
        let file = write_tiff(true, false, f, 273, &[data]);
        let to8 = |v: u64| (v >> 8) as u8;
        let want_p: Vec<u8> = idx
            .iter()
            .map(|&i| {
                luma(
                    to8(map[i as usize]),
                    to8(map[16 + i as usize]),
                    to8(map[32 + i as usize]),
                )
            })
            .collect();
        assert_eq!(decode(&file).unwrap().0.data(), &want_p[..], "palette");
        // CMYK.
        let cmyk: Vec<u8> = rgb
            .iter()
            .flat_map(|p| [255 - p[0], 255 - p[1], 255 - p[2], 0])
            .collect();
        let file = write_tiff(true, false, basic(w, h, 8, 4, 5, 1), 273, &[cmyk]);
        assert_eq!(decode(&file).unwrap().0.data(), &want[..], "CMYK");
        // 16 by 16 tiles overhanging the page, LZW.
        let (tw, th) = (16, 16);
        let mut tiles = Vec::new();
        for ty in (0..h).step_by(th) {
            for tx in (0..w).step_by(tw) {
                let mut t = vec![0u8; tw * th];
                for y in 0..th {
                    for x in 0..tw {
                        if ty + y < h && tx + x < w {
                            t[y * tw + x] = px[(ty + y) * w + tx + x];
                        }
                    }
                }
                tiles.push(lzw(&t));
            }
        }
        let mut f = basic(w, h, 8, 1, 1, 5);
        f.push(Field(322, SHORT, vec![tw as u64]));
        f.push(Field(323, SHORT, vec![th as u64]));
        let file = write_tiff(true, true, f, 324, &tiles);
        assert_eq!(decode(&file).unwrap().0.data(), &px[..], "tiles");
    }

    #[test]
    fn group_4_round_trips_our_encoder_in_both_fill_orders() {
        let (w, h, px) = page();
        let bits = crate::BitImage::from_gray_threshold(
            &GrayImage::from_raw(w as u32, h as u32, px.clone()).unwrap(),
            128,
        );
        let file = crate::encode::encode_g4_tiff(&bits, None);
        let (img, _) = decode(&file).unwrap();
        let want: Vec<u8> = px.iter().map(|&v| if v <= 128 { 0 } else { 255 }).collect();
        assert_eq!(img.data(), &want[..]);
        // The same T.6 data least significant bit first, in strips of 8 rows, BlackIsZero
        // (fax "black" is then a 1 that means white).
        for (fill, photometric) in [(2u64, 0u64), (1, 1)] {
            let mut chunks = Vec::new();
            for y0 in (0..h).step_by(8) {
                let rows = 8.min(h - y0);
                let part = GrayImage::from_raw(
                    w as u32,
                    rows as u32,
                    px[y0 * w..(y0 + rows) * w].to_vec(),
                )
                .unwrap();
                let mut g4 =
                    crate::encode::encode_g4(&crate::BitImage::from_gray_threshold(&part, 128));
                if fill == 2 {
                    g4.iter_mut().for_each(|b| *b = b.reverse_bits());
                }
                chunks.push(g4);
            }
            let mut f = basic(w, h, 1, 1, photometric, 4);
            f.push(Field(266, SHORT, vec![fill]));
            f.push(Field(278, SHORT, vec![8]));
            let file = write_tiff(false, false, f, 273, &chunks);
            let (img, _) = decode(&file).unwrap();
            let want: Vec<u8> = if photometric == 0 {
                want.clone()
            } else {
                want.iter().map(|v| 255 - v).collect()
            };
            assert_eq!(
                img.data(),
                &want[..],
                "fill {fill} photometric {photometric}"
            );
        }
    }

    #[test]
    fn group_3_one_dimensional() {
        // 8 pixels wide: a white row, then white 2, black 4, white 2; EOL before each row and
        // six EOLs (RTC) at the end.
        let eol = "000000000001";
        let bits =
            format!("{eol}10011{eol}0111011 0111{eol}{eol}{eol}{eol}{eol}{eol}").replace(' ', "");
        let mut data = vec![0u8; bits.len().div_ceil(8)];
        for (i, c) in bits.chars().enumerate() {
            if c == '1' {
                data[i / 8] |= 0x80 >> (i % 8);
            }
        }
        let file = write_tiff(true, false, basic(8, 2, 1, 1, 0, 3), 273, &[data]);
        let (img, _) = decode(&file).unwrap();
        assert_eq!(
            img.data(),
            &[255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 255, 255]
        );
    }

    #[test]
    fn jpeg_strips_with_and_without_shared_tables() {
        use image::ImageEncoder;
        let (w, h, px) = page();
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .write_image(&px, w as u32, h as u32, image::ExtendedColorType::L8)
            .unwrap();
        let want = super::jpeg::decode_jpeg(jpeg.clone(), &Limits::default())
            .unwrap()
            .image;
        let file = write_tiff(true, false, basic(w, h, 8, 1, 1, 7), 273, &[jpeg.clone()]);
        assert_eq!(
            decode(&file).unwrap().0.data(),
            want.data(),
            "whole JPEG in the strip"
        );
        // Tables = SOI + everything before the frame header + EOI; strip = SOI + the rest.
        let sof = jpeg.windows(2).position(|m| m == [0xff, 0xc0]).unwrap();
        let mut tables = jpeg[..sof].to_vec();
        tables.extend_from_slice(&[0xff, 0xd9]);
        let mut strip = vec![0xff, 0xd8];
        strip.extend_from_slice(&jpeg[sof..]);
        let mut f = basic(w, h, 8, 1, 1, 7);
        f.push(Field(347, 7, tables.iter().map(|&b| b as u64).collect()));
        let file = write_tiff(true, false, f, 273, &[strip]);
        assert_eq!(
            decode(&file).unwrap().0.data(),
            want.data(),
            "shared tables"
        );
    }

    #[test]
    fn orientation_is_read_and_applied() {
        let (w, h, px) = page();
        let mut f = basic(w, h, 8, 1, 1, 1);
        f.push(Field(274, SHORT, vec![6]));
        let file = write_tiff(true, false, f, 273, &[px]);
        assert_eq!(decode(&file).unwrap().1, 6);
        let d = decode_image(&file, &Limits::default()).unwrap();
        assert_eq!(
            (d.image.width(), d.image.height(), d.exif_orientation),
            (h as u32, w as u32, 6)
        );
    }

    #[test]
    fn the_image_crate_reads_the_same_gray_where_it_can() {
        let (w, h, px) = page();
        let rgb: Vec<u8> = px
            .iter()
            .enumerate()
            .flat_map(|(i, &v)| [v, (i % 256) as u8, 255 - v])
            .collect();
        let mut cases = vec![
            write_tiff(true, false, basic(w, h, 8, 1, 1, 5), 273, &[lzw(&px)]),
            write_tiff(
                false,
                false,
                basic(w, h, 8, 1, 0, 1),
                273,
                std::slice::from_ref(&px),
            ),
            write_tiff(
                true,
                false,
                basic(w, h, 8, 3, 2, 8),
                273,
                &[miniz_oxide::deflate::compress_to_vec_zlib(&rgb, 6)],
            ),
        ];
        let rgba: Vec<u8> = rgb
            .chunks(3)
            .zip(&px)
            .flat_map(|(p, &a)| [p[0], p[1], p[2], a])
            .collect();
        let mut f = basic(w, h, 8, 4, 2, 32773);
        f.push(Field(338, SHORT, vec![2]));
        cases.push(write_tiff(true, false, f, 273, &[packbits(&rgba)]));
        let bits = crate::BitImage::from_gray_threshold(
            &GrayImage::from_raw(w as u32, h as u32, px.clone()).unwrap(),
            100,
        );
        cases.push(crate::encode::encode_g4_tiff(&bits, Some(300)));
        for (i, file) in cases.iter().enumerate() {
            let ours = decode(file).unwrap().0;
            let theirs =
                image::load_from_memory_with_format(file, image::ImageFormat::Tiff).unwrap();
            let layout = match theirs.color() {
                image::ColorType::L8 => Native::L8,
                image::ColorType::Rgb8 => Native::Rgb8,
                image::ColorType::Rgba8 => Native::Rgba8,
                other => panic!("case {i}: {other:?}"),
            };
            let mut buf = theirs.into_bytes();
            to_luma_in_place(&mut buf, layout, w * h);
            assert_eq!(ours.data(), &buf[..], "case {i}");
        }
    }

    #[test]
    fn bad_files_are_typed_errors_never_panics() {
        let (w, h, px) = page();
        let mut f = basic(w, h, 8, 1, 1, 5);
        f.push(Field(278, SHORT, vec![4]));
        let good = write_tiff(
            true,
            false,
            f,
            273,
            &strips(&px, w, 4).iter().map(|s| lzw(s)).collect::<Vec<_>>(),
        );
        assert!(decode(&good).is_ok());
        for cut in 0..good.len() {
            let _ = decode(&good[..cut]);
        }
        assert!(decode(&good[..good.len() - 20]).is_err());
        // A tag with no values where one is needed (found by `cargo fuzz run decode`).
        let mut f = basic(w, h, 8, 1, 1, 1);
        f[2] = Field(258, SHORT, vec![]);
        let empty = write_tiff(true, false, f, 273, std::slice::from_ref(&px));
        assert!(matches!(decode(&empty), Err(Error::Decode { .. })));
        // Every single-byte change decodes or fails, without a panic.
        let mut state = 0x2545_f491u32;
        for _ in 0..4000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let mut bad = good.clone();
            let at = state as usize % bad.len();
            bad[at] = (state >> 8) as u8;
            let _ = decode(&bad);
        }
        // Sizes from the header are checked before anything is allocated.
        let huge = write_tiff(
            true,
            false,
            basic(100_000, 100_000, 8, 1, 1, 1),
            273,
            &[vec![0; 16]],
        );
        assert!(matches!(decode(&huge), Err(Error::SideTooLong { .. })));
        let big = write_tiff(
            true,
            false,
            basic(20_000, 20_000, 8, 1, 1, 1),
            273,
            &[vec![0; 16]],
        );
        assert!(matches!(
            decode_tiff(
                &big,
                &Limits {
                    max_pixels: 1_000_000,
                    ..Limits::default()
                }
            ),
            Err(Error::ImageTooLarge { .. })
        ));
        // A strip shorter than its rows is an error, not a page of zeros.
        let short = write_tiff(
            true,
            false,
            basic(w, h, 8, 1, 1, 1),
            273,
            &[px[..100].to_vec()],
        );
        assert!(matches!(
            decode(&short),
            Err(Error::Decode { format: "tiff", .. })
        ));
        // LZW that codes more than the strip holds stops at the strip.
        let long = write_tiff(true, false, basic(w, 2, 8, 1, 1, 5), 273, &[lzw(&px)]);
        assert_eq!(decode(&long).unwrap().0.data(), &px[..2 * w]);
    }
}

/// TIFFs written by libtiff (through Pillow 13) in the compressions and layouts that scanners
/// produce, each with the gray that Pillow reads from it (colour reduced with our luma).
#[cfg(test)]
mod interop {
    use super::*;

    macro_rules! case {
        ($name:literal) => {
            (
                $name,
                &include_bytes!(concat!("../../../fixtures/tiff-interop/", $name, ".tiff"))[..],
                &include_bytes!(concat!("../../../fixtures/tiff-interop/", $name, ".pgm"))[..],
            )
        };
    }

    #[test]
    fn libtiff_files_decode_to_the_gray_pillow_reads() {
        let cases = [
            case!("bw-raw"),
            case!("g3"),
            case!("g4"),
            case!("gray-deflate"),
            case!("gray-lzw"),
            case!("gray-packbits"),
            case!("gray16"),
            case!("pal"),
            case!("rgb-lzw"),
            case!("rgba"),
            case!("cmyk"),
            case!("jpeg"),
        ];
        for (name, tiff, pgm) in cases {
            let want = &pgm[pgm.len() - 61 * 43..];
            let (img, _) = decode_tiff(tiff, &Limits::default())
                .and_then(|s| s.strict("tiff"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!((img.width(), img.height()), (61, 43), "{name}");
            // JPEG decoders may differ by a level or two (libjpeg's IDCT against zune-jpeg's).
            let tolerance = if name == "jpeg" { 3 } else { 0 };
            let worst = img
                .data()
                .iter()
                .zip(want)
                .map(|(a, b)| a.abs_diff(*b))
                .max()
                .unwrap();
            assert!(worst <= tolerance, "{name}: off by up to {worst}");
        }
    }
}
