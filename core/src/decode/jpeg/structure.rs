//! The gate in front of the general JPEG decoder: a whole-file walk over the markers (T.81
//! Annex B) that lets through only files whose structure is consistent and of a kind the
//! general decoder handles well, and learns on the way whether the file is whole.
//!
//! `zune-jpeg` has panicked on corrupt files (a slice out of range in its assembly of
//! non-interleaved baseline scans, reached from a file with a hierarchical frame marker it
//! does not know). A panic in WebAssembly traps, so what reaches it is checked first:
//! - one frame header, SOF0, SOF1 or SOF2, 8-bit, 1 to 4 components with distinct ids,
//!   sampling factors 1 to 4 that divide the largest ones, a height in the header (no DNL);
//!   lossless, hierarchical and arithmetic-coded frames are an `UnsupportedFeature` error;
//! - every quantisation and Huffman table well formed, and defined before a scan uses it;
//! - every scan header consistent with the frame and with the process (sequential: the whole
//!   band, every component in the first scan; progressive: the spectral-selection and
//!   successive-approximation rules of G.1.1.1);
//! - no second frame, and an image before the end marker.

use super::super::Limits;
use super::baseline::{be16, end_of_scan, read_dht, read_dqt, Tables};
use crate::Error;

/// A walk over a JPEG's markers from `pos` (T.81 B.1.1.2): each item is a marker code with its
/// segment, or `None` for the markers that stand alone (SOI, EOI, RSTn, TEM). Fill bytes and
/// stray bytes before a marker are skipped, as libjpeg does, and so is the entropy-coded data
/// after each SOS segment. The walk ends where the file does, or at a segment it cuts off.
pub(super) struct Markers<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Markers<'a> {
    pub(super) fn new(bytes: &'a [u8], pos: usize) -> Markers<'a> {
        Markers { bytes, pos }
    }
}

impl<'a> Iterator for Markers<'a> {
    type Item = (u8, Option<&'a [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.bytes;
        let mut pos = self.pos + bytes.get(self.pos..)?.iter().position(|&b| b == 0xFF)?;
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos)?;
        pos += 1;
        self.pos = pos;
        if matches!(marker, 0x00 | 0x01 | 0xD0..=0xD9) {
            return Some((marker, None));
        }
        let len = be16(bytes, pos).filter(|&n| n >= 2)?;
        let seg = bytes.get(pos + 2..pos + len)?;
        self.pos = pos + len;
        if marker == 0xDA {
            self.pos = end_of_scan(bytes, self.pos);
        }
        Some((marker, Some(seg)))
    }
}

/// What the walk learnt about a file the general decoder may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Checked {
    /// The frame's height in rows.
    pub height: u32,
    /// Whether the file reaches its end-of-image marker.
    pub whole: bool,
}

#[cold]
#[inline(never)]
fn corrupt(why: &'static str) -> Error {
    Error::Decode {
        format: "jpeg",
        reason: why.to_string(),
    }
}

#[cold]
#[inline(never)]
fn unsupported(feature: &'static str) -> Error {
    Error::UnsupportedFeature {
        format: "jpeg",
        feature,
    }
}

/// One frame component: identifier, sampling factors and quantisation table.
#[derive(Clone, Copy)]
struct Comp {
    id: u8,
    h: u8,
    v: u8,
    tq: usize,
}

/// Walks the whole file; `Ok` when the general decoder may be given it.
pub(super) fn check(bytes: &[u8], limits: &Limits) -> Result<Checked, Error> {
    if bytes.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return Err(corrupt("no start-of-image marker"));
    }
    let mut tables = Tables::default();
    let mut frame: Option<(bool, u32, Vec<Comp>)> = None;
    let mut scans = 0usize;
    for (marker, seg) in Markers::new(bytes, 2) {
        let Some(seg) = seg else {
            match marker {
                0xD8 => return Err(corrupt("a second start-of-image marker")),
                0xD9 if scans == 0 => {
                    return Err(corrupt("no image data before the end of the image"))
                }
                0xD9 => {
                    let height = frame.as_ref().map_or(0, |f| f.1);
                    return Ok(Checked {
                        height,
                        whole: true,
                    });
                }
                _ => continue,
            }
        };
        match marker {
            0xDB => read_dqt(seg, &mut tables.quant)
                .ok_or_else(|| corrupt("a corrupt quantisation table"))?,
            0xC4 => read_dht(seg, &mut tables).ok_or_else(|| corrupt("a corrupt Huffman table"))?,
            0xC0..=0xC2 => {
                if frame.is_some() {
                    return Err(corrupt("a second frame header"));
                }
                frame = Some(read_frame(seg, marker == 0xC2, limits)?);
            }
            0xC3 | 0xC7 | 0xCB | 0xCF => {
                return Err(unsupported("lossless coding (SOF3, SOF7, SOF11, SOF15)"))
            }
            0xC5 | 0xC6 | 0xCD | 0xCE | 0xDE | 0xDF => {
                return Err(unsupported(
                    "hierarchical coding (SOF5-7, SOF13-15, DHP, EXP)",
                ))
            }
            0xC9 | 0xCA | 0xCC => return Err(unsupported("arithmetic coding (SOF9, SOF10, DAC)")),
            0xDC => return Err(unsupported("a height defined after the first scan (DNL)")),
            0xDA => {
                let Some((progressive, _, comps)) = &frame else {
                    return Err(corrupt("a scan before the frame header"));
                };
                check_scan(seg, *progressive, comps, &tables, scans == 0)?;
                scans += 1;
            }
            _ => {}
        }
    }
    // The file ended before its end-of-image marker.
    match &frame {
        Some((_, height, _)) if scans > 0 => Ok(Checked {
            height: *height,
            whole: false,
        }),
        _ => Err(Error::TruncatedImage {
            format: "jpeg",
            rows_present: 0,
            height: frame.as_ref().map_or(0, |f| f.1),
        }),
    }
}

/// SOF0, SOF1 or SOF2: `(progressive, height, components)`.
fn read_frame(
    seg: &[u8],
    progressive: bool,
    limits: &Limits,
) -> Result<(bool, u32, Vec<Comp>), Error> {
    let truncated = || corrupt("a truncated frame header");
    let precision = *seg.first().ok_or_else(truncated)?;
    let height = be16(seg, 1).ok_or_else(truncated)? as u32;
    let width = be16(seg, 3).ok_or_else(truncated)? as u32;
    let n = *seg.get(5).ok_or_else(truncated)? as usize;
    if precision != 8 {
        return Err(unsupported("samples of other than 8 bits"));
    }
    if height == 0 {
        return Err(unsupported("a height defined after the first scan (DNL)"));
    }
    limits.check_dimensions(width, height)?;
    if !(1..=4).contains(&n) {
        return Err(corrupt("a frame with no components or more than four"));
    }
    let spec = seg.get(6..6 + 3 * n).ok_or_else(truncated)?;
    let mut comps: Vec<Comp> = Vec::with_capacity(n);
    for c in spec.chunks_exact(3) {
        let comp = Comp {
            id: c[0],
            h: c[1] >> 4,
            v: c[1] & 15,
            tq: c[2] as usize,
        };
        if !(1..=4).contains(&comp.h) || !(1..=4).contains(&comp.v) || comp.tq > 3 {
            return Err(corrupt("a frame component with invalid sampling or table"));
        }
        if comps.iter().any(|o| o.id == comp.id) {
            return Err(corrupt("two frame components with the same identifier"));
        }
        comps.push(comp);
    }
    if n > 1 {
        let hmax = comps.iter().map(|c| c.h).max().unwrap_or(1);
        let vmax = comps.iter().map(|c| c.v).max().unwrap_or(1);
        if comps.iter().any(|c| hmax % c.h != 0 || vmax % c.v != 0) {
            return Err(unsupported(
                "sampling factors that do not divide the largest ones",
            ));
        }
        // T.81 B.2.3: at most ten blocks in an interleaved MCU.
        let blocks: u8 = comps.iter().map(|c| c.h * c.v).sum();
        if blocks > 10 {
            return Err(corrupt("more than ten blocks in a minimum coded unit"));
        }
    }
    Ok((progressive, height, comps))
}

/// A scan header against its frame and the tables defined so far.
fn check_scan(
    seg: &[u8],
    progressive: bool,
    frame: &[Comp],
    tables: &Tables,
    first: bool,
) -> Result<(), Error> {
    let truncated = || corrupt("a truncated scan header");
    let ns = *seg.first().ok_or_else(truncated)? as usize;
    if !(1..=4).contains(&ns) {
        return Err(corrupt("a scan with no components or more than four"));
    }
    let spec = seg.get(1..1 + 2 * ns).ok_or_else(truncated)?;
    let params = seg.get(1 + 2 * ns..4 + 2 * ns).ok_or_else(truncated)?;
    let (ss, se, ah, al) = (params[0], params[1], params[2] >> 4, params[2] & 15);
    if progressive {
        let dc = ss == 0;
        if (dc && se != 0) || (!dc && (se < ss || se > 63 || ns != 1)) || ah > 13 || al > 13 {
            return Err(corrupt("a progressive scan header out of range"));
        }
    } else if (ss, se, ah, al) != (0, 63, 0, 0) {
        return Err(corrupt(
            "a sequential scan header that is not the whole band",
        ));
    }
    let mut seen = [false; 4];
    for s in spec.chunks_exact(2) {
        let ci = frame
            .iter()
            .position(|c| c.id == s[0])
            .ok_or_else(|| corrupt("a scan of a component that is not in the frame"))?;
        if std::mem::replace(&mut seen[ci], true) {
            return Err(corrupt("a scan that names a component twice"));
        }
        if tables.quant[frame[ci].tq].is_none() {
            return Err(corrupt("a scan before its quantisation table"));
        }
        let (td, ta) = ((s[1] >> 4) as usize, (s[1] & 15) as usize);
        // The tables each kind of scan decodes with: DC first scans use the DC table, AC
        // scans the AC table, refinement scans of DC none.
        let needs_dc = ss == 0 && (!progressive || ah == 0);
        let needs_ac = se > 0;
        let dc_ok = !needs_dc || tables.dc.get(td).is_some_and(Option::is_some);
        let ac_ok = !needs_ac || tables.ac.get(ta).is_some_and(Option::is_some);
        if !dc_ok || !ac_ok {
            return Err(corrupt("a scan without its Huffman tables"));
        }
    }
    // The general decoder's assembly of non-interleaved sequential scans is the code that
    // panicked: a sequential multi-component frame must be coded in one interleaved scan.
    if !progressive && first && frame.len() > 1 && ns != frame.len() {
        return Err(unsupported(
            "a non-interleaved sequential RGB, CMYK or subsampled-luma frame",
        ));
    }
    if !progressive && !first {
        return Err(corrupt(
            "a second scan in a sequential frame already coded whole",
        ));
    }
    Ok(())
}

/// The frame size, whether the file reaches its end-of-image marker and the EXIF orientation:
/// a walk over the segments that skips the scans' data unread (the upload check of the Worker).
pub(super) fn probe(bytes: &[u8], limits: &Limits) -> Result<(u32, u32, bool, u8), Error> {
    if bytes.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return Err(corrupt("no start-of-image marker"));
    }
    let mut size = None;
    let mut whole = false;
    let mut orientation = None;
    for (marker, seg) in Markers::new(bytes, 2) {
        match (marker, seg) {
            (0xE1, Some(seg)) if orientation.is_none() && seg.starts_with(b"Exif\0\0") => {
                orientation = Some(super::super::exif_orientation(seg));
            }
            (0xD9, _) => {
                whole = true;
                break;
            }
            (0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF, Some(seg))
                if size.is_none() =>
            {
                let height = be16(seg, 1).ok_or_else(|| corrupt("a truncated frame header"))?;
                let width = be16(seg, 3).ok_or_else(|| corrupt("a truncated frame header"))?;
                limits.check_dimensions(width as u32, height.max(1) as u32)?;
                size = Some((width as u32, height as u32));
            }
            _ => {}
        }
    }
    match size {
        Some((w, h)) => Ok((w, h, whole, orientation.unwrap_or(1))),
        None if whole => Err(corrupt("no frame header before the end of the image")),
        None => Err(Error::TruncatedImage {
            format: "jpeg",
            rows_present: 0,
            height: 0,
        }),
    }
}
