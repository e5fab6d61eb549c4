//! Reads an encoded page image (JBIG2, Group 4 TIFF, PNG or JPEG, as `process` writes them)
//! into what a PDF image XObject needs, without decoding or re-encoding its pixels: the coded
//! data moves into the PDF as it is, under the filter that reads it (`JBIG2Decode`,
//! `CCITTFaxDecode`, `FlateDecode` with the PNG predictors, `DCTDecode`).
//!
//! Method: each container is parsed only as far as its headers (JBIG2 segment headers, the
//! TIFF IFD, PNG chunks, JPEG markers); every length is checked against the bytes present, so
//! any input gives a value or a typed error, never a panic.

use crate::Error;

/// How the coded data is read back in the PDF.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Coding {
    /// `JBIG2Decode`: the embedded organisation (page segments, no file header).
    Jbig2,
    /// `CCITTFaxDecode` with `K -1` (Group 4); `black_is_1` when the TIFF said BlackIsZero.
    Group4 { black_is_1: bool },
    /// `FlateDecode` with PNG predictors (`Predictor 15`).
    Flate,
    /// `DCTDecode`: a baseline or progressive JPEG, as it is.
    Dct,
}

/// The colour space the samples are in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Colors {
    /// `DeviceGray`.
    Gray,
    /// `[/Indexed /DeviceGray hival lookup]`: a PNG palette whose entries are all gray.
    IndexedGray(Vec<u8>),
}

/// One page image ready to become an image XObject.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bits per sample: 1 for bilevel, 8 for gray.
    pub bits: u8,
    /// The colour space.
    pub colors: Colors,
    /// The filter that reads `data`.
    pub coding: Coding,
    /// The coded samples.
    pub data: Vec<u8>,
    /// Horizontal and vertical resolution in dots per inch, when the file says.
    pub dpi: Option<(f64, f64)>,
    /// `JPEG`, `PNG`, `TIFF` or `JBIG2`: which container it came from.
    pub container: &'static str,
}

/// The reason a page's image cannot go into the PDF, for [`Error::PdfPageImage`].
type Why = &'static str;

/// Reads any of the supported containers, by its signature.
pub(crate) fn read_page_image(bytes: &[u8]) -> Result<PageImage, Why> {
    if bytes.starts_with(&JBIG2_ID) {
        read_jbig2(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        read_png(bytes)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        read_tiff(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        read_jpeg(bytes)
    } else {
        Err("not a JBIG2, Group 4 TIFF, PNG or JPEG file")
    }
}

/// Maps a reason to the crate's error for page `page` (counted from 1).
pub(crate) fn page_error(page: usize, reason: Why) -> Error {
    Error::PdfPageImage { page, reason }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

const JBIG2_ID: [u8; 8] = [0x97, 0x4A, 0x42, 0x32, 0x0D, 0x0A, 0x1A, 0x0A];

/// A stand-alone JBIG2 file → its page's segments in the embedded organisation: the file
/// header, end-of-page and end-of-file segments dropped (ISO 32000-1 §7.4.7), the rest kept
/// byte for byte. One page, sequential organisation, no global segments.
fn read_jbig2(b: &[u8]) -> Result<PageImage, Why> {
    const CUT: Why = "the JBIG2 file is cut short";
    let flags = *b.get(8).ok_or(CUT)?;
    if flags & 0x01 == 0 {
        return Err("the JBIG2 file uses the random-access organisation");
    }
    let mut at = 9;
    if flags & 0x02 == 0 {
        if be32(b, 9).ok_or(CUT)? != 1 {
            return Err("the JBIG2 file holds more than one page");
        }
        at += 4;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut info = None;
    while at < b.len() {
        let start = at;
        let number = be32(b, at).ok_or(CUT)?;
        let kind = *b.get(at + 4).ok_or(CUT)?;
        let seg_type = kind & 0x3F;
        let refs = *b.get(at + 5).ok_or(CUT)?;
        at += 6;
        let count = match refs >> 5 {
            7 => {
                // Long form: a 29-bit count, then retention bits, one per segment + 1.
                let n = (be32(b, at - 1).ok_or(CUT)? & 0x1FFF_FFFF) as usize;
                at += 3 + (n + 8) / 8;
                n
            }
            5 | 6 => return Err("the JBIG2 file has a malformed segment header"),
            n => n as usize,
        };
        let ref_size = match number {
            0..=256 => 1,
            257..=65536 => 2,
            _ => 4,
        };
        at = at
            .checked_add(count.checked_mul(ref_size).ok_or(CUT)?)
            .ok_or(CUT)?;
        let page = if kind & 0x40 != 0 {
            let p = be32(b, at).ok_or(CUT)?;
            at += 4;
            p
        } else {
            let p = *b.get(at).ok_or(CUT)? as u32;
            at += 1;
            p
        };
        let len = be32(b, at).ok_or(CUT)?;
        at += 4;
        if len == u32::MAX {
            return Err("the JBIG2 file has a segment of unknown length");
        }
        let end = at.checked_add(len as usize).ok_or(CUT)?;
        let data = b.get(at..end).ok_or(CUT)?;
        if page > 1 {
            return Err("the JBIG2 file holds more than one page");
        }
        if page == 0 && !matches!(seg_type, 51 | 62) {
            return Err("the JBIG2 file has global segments");
        }
        if seg_type == 48 {
            if data.len() < 19 {
                return Err(CUT);
            }
            let (w, h) = (be32(data, 0).ok_or(CUT)?, be32(data, 4).ok_or(CUT)?);
            let (xr, yr) = (be32(data, 8).ok_or(CUT)?, be32(data, 12).ok_or(CUT)?);
            info = Some((w, h, xr, yr));
        }
        if !matches!(seg_type, 49 | 51) {
            out.extend_from_slice(&b[start..end]);
        }
        at = end;
    }
    let (width, height, xr, yr) = info.ok_or("the JBIG2 file has no page information")?;
    if width == 0 || height == 0 || height == u32::MAX {
        return Err("the JBIG2 page has no fixed size");
    }
    // Pixels per metre → dots per inch.
    let dpi = (xr > 0 && yr > 0).then_some((xr as f64 * 0.0254, yr as f64 * 0.0254));
    Ok(PageImage {
        width,
        height,
        bits: 1,
        colors: Colors::Gray,
        coding: Coding::Jbig2,
        data: out,
        dpi,
        container: "JBIG2",
    })
}

/// The same page as a stand-alone JBIG2 file: a Group 4 TIFF's bits decoded and coded again
/// losslessly (the bits and the resolution do not change). The npm package's main module
/// leaves the JBIG2 encoder out to stay within its size budget; its `format: "jbig2"` is a
/// Group 4 page passed through this in the PDF module.
pub fn jbig2_from_group4_tiff(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let img = read_tiff(bytes).map_err(|reason| Error::Decode {
        format: "tiff",
        reason: reason.to_string(),
    })?;
    let black_is_1 = matches!(img.coding, Coding::Group4 { black_is_1: true });
    let mut packed =
        crate::decode::decode_group4(&img.data, img.width as usize, img.height as usize)?;
    if black_is_1 {
        // BlackIsZero: the coded white runs are the ink.
        packed.iter_mut().for_each(|b| *b = !*b);
    }
    let bits = crate::BitImage::from_packed(img.width, img.height, packed)?;
    let dpi = img.dpi.map(|(x, _)| x.round() as u32);
    Ok(crate::encode::encode_jbig2(&bits, dpi))
}

/// A Group 4 TIFF (one strip) → the strip's CCITT data.
fn read_tiff(b: &[u8]) -> Result<PageImage, Why> {
    const CUT: Why = "the TIFF file is cut short";
    let le = b[0] == b'I';
    let u16_at = |at: usize| -> Option<u32> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        } as u32)
    };
    let u32_at = |at: usize| -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    };
    let ifd = u32_at(4).ok_or(CUT)? as usize;
    let n = u16_at(ifd).ok_or(CUT)? as usize;
    let (mut width, mut height, mut compression, mut photometric) = (0, 0, 1, 0);
    let (mut offsets, mut counts, mut rows_per_strip) = (None, None, u32::MAX);
    let (mut xres, mut yres, mut unit, mut fill) = (None, None, 2, 1);
    let (mut samples, mut t6) = (1, 0);
    let rational = |at: usize| -> Option<f64> {
        let off = u32_at(at)? as usize;
        let (num, den) = (u32_at(off)?, u32_at(off + 4)?);
        (den > 0).then(|| num as f64 / den as f64)
    };
    for i in 0..n {
        let e = ifd + 2 + i * 12;
        let tag = u16_at(e).ok_or(CUT)?;
        let typ = u16_at(e + 2).ok_or(CUT)?;
        let count = u32_at(e + 4).ok_or(CUT)?;
        let value = match typ {
            3 => u16_at(e + 8).ok_or(CUT)?,
            4 => u32_at(e + 8).ok_or(CUT)?,
            _ => 0,
        };
        let single = matches!(typ, 3 | 4) && count == 1;
        match tag {
            256 => width = value,
            257 => height = value,
            259 => compression = value,
            262 => photometric = value,
            266 => fill = value,
            277 => samples = value,
            293 => t6 = value,
            273 if single => offsets = Some(value),
            279 if single => counts = Some(value),
            273 | 279 => return Err("the TIFF file has more than one strip"),
            278 => rows_per_strip = value,
            282 => xres = rational(e + 8),
            283 => yres = rational(e + 8),
            296 => unit = value,
            _ => {}
        }
    }
    if compression != 4 {
        return Err("the TIFF file is not Group 4 (CCITT T.6) coded");
    }
    if samples != 1 || photometric > 1 || fill != 1 || t6 & 0x02 != 0 {
        return Err("the TIFF file uses a Group 4 variant PDF cannot read");
    }
    if width == 0 || height == 0 {
        return Err("the TIFF image has no pixels");
    }
    if rows_per_strip < height {
        return Err("the TIFF file has more than one strip");
    }
    let (off, len) = (offsets.ok_or(CUT)? as usize, counts.ok_or(CUT)? as usize);
    let data = b.get(off..off.checked_add(len).ok_or(CUT)?).ok_or(CUT)?;
    let per_inch = match unit {
        2 => Some(1.0),
        3 => Some(2.54),
        _ => None,
    };
    let dpi = match (xres, yres, per_inch) {
        (Some(x), Some(y), Some(k)) if x > 0.0 && y > 0.0 => Some((x * k, y * k)),
        _ => None,
    };
    Ok(PageImage {
        width,
        height,
        bits: 1,
        colors: Colors::Gray,
        coding: Coding::Group4 {
            // WhiteIsZero (0) is CCITT's own sense; BlackIsZero inverts it.
            black_is_1: photometric == 1,
        },
        data: data.to_vec(),
        dpi,
        container: "TIFF",
    })
}

/// A PNG (gray or gray-palette, not interlaced, no transparency) → its zlib data, which PDF's
/// `FlateDecode` with `Predictor 15` reads as it is.
fn read_png(b: &[u8]) -> Result<PageImage, Why> {
    const CUT: Why = "the PNG file is cut short";
    let mut at = 8;
    let (mut width, mut height, mut depth, mut color) = (0, 0, 0, 0);
    let mut palette = None;
    let mut dpi = None;
    let mut data = Vec::new();
    let mut seen_ihdr = false;
    loop {
        let len = be32(b, at).ok_or(CUT)? as usize;
        let kind: [u8; 4] = b
            .get(at + 4..at + 8)
            .ok_or(CUT)?
            .try_into()
            .map_err(|_| CUT)?;
        let body = b
            .get(at + 8..(at + 8).checked_add(len).ok_or(CUT)?)
            .ok_or(CUT)?;
        at += 12 + len;
        match &kind {
            b"IHDR" => {
                if body.len() < 13 {
                    return Err(CUT);
                }
                width = be32(body, 0).ok_or(CUT)?;
                height = be32(body, 4).ok_or(CUT)?;
                depth = body[8];
                color = body[9];
                if body[12] != 0 {
                    return Err("the PNG file is interlaced");
                }
                seen_ihdr = true;
            }
            b"PLTE" => {
                let mut lookup = Vec::with_capacity(body.len() / 3);
                for rgb in body.chunks_exact(3) {
                    if rgb[0] != rgb[1] || rgb[1] != rgb[2] {
                        return Err(
                            "the PNG palette has colours (only gray pages go into a PDF/A here)",
                        );
                    }
                    lookup.push(rgb[0]);
                }
                palette = Some(lookup);
            }
            b"tRNS" => return Err("the PNG file has transparency"),
            b"pHYs" if body.len() >= 9 && body[8] == 1 => {
                let (x, y) = (be32(body, 0).ok_or(CUT)?, be32(body, 4).ok_or(CUT)?);
                if x > 0 && y > 0 {
                    dpi = Some((x as f64 * 0.0254, y as f64 * 0.0254));
                }
            }
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
    }
    if !seen_ihdr || width == 0 || height == 0 {
        return Err("the PNG file has no image header");
    }
    let colors = match (color, depth) {
        (0, 1 | 2 | 4 | 8 | 16) => Colors::Gray,
        (3, 1 | 2 | 4 | 8) => {
            Colors::IndexedGray(palette.ok_or("the PNG palette image has no palette")?)
        }
        (2 | 6, _) => {
            return Err("the PNG file is in colour (only gray pages go into a PDF/A here)")
        }
        (4, _) => return Err("the PNG file has an alpha channel"),
        _ => return Err("the PNG file has an invalid colour type or bit depth"),
    };
    if data.is_empty() {
        return Err("the PNG file has no image data");
    }
    Ok(PageImage {
        width,
        height,
        bits: depth,
        colors,
        coding: Coding::Flate,
        data,
        dpi,
        container: "PNG",
    })
}

/// A gray JPEG → itself; its size from the frame header, its resolution from JFIF.
fn read_jpeg(b: &[u8]) -> Result<PageImage, Why> {
    const CUT: Why = "the JPEG file is cut short";
    let mut at = 2;
    let mut dpi = None;
    loop {
        // Skip fill bytes before a marker.
        while b.get(at) == Some(&0xFF) && b.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if *b.get(at).ok_or(CUT)? != 0xFF {
            return Err("the JPEG file has a malformed marker");
        }
        let marker = *b.get(at + 1).ok_or(CUT)?;
        let len = be16(b, at + 2).ok_or(CUT)? as usize;
        let seg = b.get(at + 4..at + 2 + len.max(2)).ok_or(CUT)?;
        match marker {
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                let (x, y) = (be16(seg, 8).ok_or(CUT)?, be16(seg, 10).ok_or(CUT)?);
                let k = match seg[7] {
                    1 => Some(1.0),
                    2 => Some(2.54),
                    _ => None,
                };
                if let (Some(k), true) = (k, x > 0 && y > 0) {
                    dpi = Some((x as f64 * k, y as f64 * k));
                }
            }
            0xC0..=0xC2 => {
                if seg.len() < 6 {
                    return Err(CUT);
                }
                let (height, width) = (be16(seg, 1).ok_or(CUT)?, be16(seg, 3).ok_or(CUT)?);
                if seg[0] != 8 {
                    return Err("the JPEG file is not 8-bit");
                }
                if seg[5] != 1 {
                    return Err(
                        "the JPEG file is in colour (only gray pages go into a PDF/A here)",
                    );
                }
                if width == 0 || height == 0 {
                    return Err("the JPEG image has no fixed size");
                }
                return Ok(PageImage {
                    width: width as u32,
                    height: height as u32,
                    bits: 8,
                    colors: Colors::Gray,
                    coding: Coding::Dct,
                    data: b.to_vec(),
                    dpi,
                    container: "JPEG",
                });
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err("the JPEG file is lossless or arithmetic coded, which PDF cannot read")
            }
            0xD9 | 0xDA => return Err("the JPEG file has no frame header"),
            _ => {}
        }
        at += 2 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{
        encode_g4_tiff, encode_jbig2, encode_jbig2_embedded, encode_jpeg_gray, encode_png_bilevel,
        encode_png_gray,
    };
    use crate::{BitImage, GrayImage, PngEffort};

    fn page() -> BitImage {
        let mut img = BitImage::new(123, 77);
        for y in 10..60 {
            for x in (5..110).step_by(3) {
                img.set(x, y, (x + y) % 5 != 0);
            }
        }
        img
    }

    #[test]
    fn jbig2_file_becomes_the_embedded_stream() {
        let img = page();
        let p = read_page_image(&encode_jbig2(&img, Some(300))).unwrap();
        assert_eq!(p.data, encode_jbig2_embedded(&img, Some(300)));
        assert_eq!(
            (p.width, p.height, p.bits, p.coding),
            (123, 77, 1, Coding::Jbig2)
        );
        let (x, y) = p.dpi.unwrap();
        assert!((x - 300.0).abs() < 0.01 && (y - 300.0).abs() < 0.01);
    }

    #[test]
    fn containers_give_size_resolution_and_filter() {
        let img = page();
        let g4 = read_page_image(&encode_g4_tiff(&img, Some(200))).unwrap();
        assert_eq!(g4.coding, Coding::Group4 { black_is_1: false });
        assert_eq!(
            (g4.width, g4.height, g4.dpi),
            (123, 77, Some((200.0, 200.0)))
        );
        let png = read_page_image(&encode_png_bilevel(&img, Some(300), PngEffort::Fast).unwrap())
            .unwrap();
        assert_eq!(
            (png.width, png.height, png.bits, png.coding),
            (123, 77, 1, Coding::Flate)
        );
        assert!(matches!(png.colors, Colors::IndexedGray(ref l) if l.len() == 2));
        let gray = GrayImage::new(40, 30, 200);
        let pg = read_page_image(&encode_png_gray(&gray, None).unwrap()).unwrap();
        assert_eq!((pg.bits, pg.colors, pg.dpi), (8, Colors::Gray, None));
        let jpeg = encode_jpeg_gray(&gray, 80, Some(150)).unwrap();
        let pj = read_page_image(&jpeg).unwrap();
        assert_eq!((pj.width, pj.height, pj.coding), (40, 30, Coding::Dct));
        assert_eq!(pj.dpi, Some((150.0, 150.0)));
        assert_eq!(pj.data, jpeg);
    }

    #[test]
    fn a_group_4_tiff_becomes_the_same_jbig2_file_as_the_bits_give() {
        let img = page();
        let tiff = encode_g4_tiff(&img, Some(300));
        assert_eq!(
            jbig2_from_group4_tiff(&tiff).unwrap(),
            encode_jbig2(&img, Some(300))
        );
        assert!(jbig2_from_group4_tiff(&tiff[..30]).is_err());
    }

    #[test]
    fn every_prefix_of_every_container_is_an_error_not_a_panic() {
        let img = page();
        let files = [
            encode_jbig2(&img, Some(300)),
            encode_g4_tiff(&img, Some(300)),
            encode_png_bilevel(&img, Some(300), PngEffort::Fast).unwrap(),
            encode_jpeg_gray(&img.to_gray(), 80, Some(300)).unwrap(),
        ];
        for f in &files {
            for cut in 0..f.len() {
                // A cut TIFF or JPEG may still parse (their data is not checked here); none
                // may panic.
                let _ = read_page_image(&f[..cut]);
                let mut flipped = f.clone();
                flipped[cut] ^= 0xA5;
                let _ = read_page_image(&flipped);
            }
        }
        assert!(read_page_image(b"GIF89a").is_err());
    }
}
