//! Baseline JPEG (ITU-T T.81: sequential DCT, Huffman coding, 8-bit samples) decoded straight
//! to luma: the markers are read here, the first component's blocks are decoded and transformed
//! into the output rows, and the chroma blocks are only read past, never dequantised or
//! transformed. The pixels equal libjpeg-turbo's grayscale output (its `islow` IDCT).
//!
//! Anything else (progressive, lossless, arithmetic coding, 12-bit, CMYK or RGB data, luma
//! stored below full resolution) returns `None`, and the caller hands the file to the general
//! decoder. A baseline file that is corrupt (bad
//! tables, headers or codes) is a typed error here: it is not passed on to a decoder that
//! might trap on it. A truncated scan reads as zeros, as in libjpeg.

use super::super::Stored;
use super::super::{decode_error, exif_orientation, Limits};
use super::huffman::{BadScan, Bits, Table};
use super::idct::{dc_only, idct_block};
use super::structure::Markers;
use crate::{Chroma, Error, GrayImage};

/// The file is not a valid baseline JPEG; says what is wrong.
#[derive(Debug, Clone, Copy)]
struct Corrupt(&'static str);

impl From<BadScan> for Corrupt {
    fn from(b: BadScan) -> Corrupt {
        Corrupt(b.why())
    }
}

/// A frame component: its identifier, sampling factors and quantisation table.
struct Component {
    id: u8,
    h: usize,
    v: usize,
    tq: usize,
}

/// The frame header (SOF0 or SOF1).
struct Frame {
    width: usize,
    height: usize,
    comps: Vec<Component>,
    /// The largest sampling factors: an interleaved MCU's size in luma blocks.
    hmax: usize,
    vmax: usize,
}

/// What the marker reader learnt before the scan that holds the luma.
#[derive(Default)]
pub(super) struct Tables {
    pub(super) quant: [Option<[i32; 64]>; 4],
    pub(super) dc: [Option<Table>; 4],
    pub(super) ac: [Option<Table>; 4],
}

pub(super) fn be16(b: &[u8], i: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]) as usize)
}

/// Decodes the luma of a baseline JPEG with its EXIF orientation; `Ok(None)` when the file is
/// not one this decoder takes (see the module comment). A file cut short gives the rows it
/// holds, the rest white, and says how many rows are whole.
pub(super) fn decode(bytes: &[u8], limits: &Limits) -> Result<Option<Stored>, Error> {
    if bytes.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return Ok(None);
    }
    let corrupt = |why: &'static str| Err(decode_error("jpeg", why));
    let mut pos = 2;
    let mut tables = Tables::default();
    let mut frame: Option<Frame> = None;
    let mut restart_interval = 0;
    let mut orientation = None;
    let mut adobe_rgb = false;
    let cut_short = |frame: &Option<Frame>| {
        Err(Error::TruncatedImage {
            format: "jpeg",
            rows_present: 0,
            height: frame.as_ref().map_or(0, |f| f.height as u32),
        })
    };
    loop {
        // A marker: 0xFF, any fill bytes 0xFF, then its code. Stray bytes before it are
        // skipped, as libjpeg does ("extraneous bytes before marker").
        match bytes
            .get(pos..)
            .and_then(|t| t.iter().position(|&b| b == 0xFF))
        {
            Some(skip) => pos += skip,
            None => return cut_short(&frame),
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else {
            return cut_short(&frame);
        };
        pos += 1;
        // Markers without a segment, and a stuffed zero out of place.
        if matches!(marker, 0x00 | 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if matches!(marker, 0xD8 | 0xD9) {
            return corrupt("no image data before the end of the image");
        }
        let Some(len) = be16(bytes, pos).filter(|&n| n >= 2) else {
            if bytes.len() < pos + 2 {
                return cut_short(&frame);
            }
            return corrupt("a marker segment with an impossible length");
        };
        let Some(seg) = bytes.get(pos + 2..pos + len) else {
            return cut_short(&frame);
        };
        pos += 2 + seg.len();
        match marker {
            0xDB | 0xC4 => {
                let (read, what) = if marker == 0xDB {
                    (
                        read_dqt(seg, &mut tables.quant),
                        "a corrupt quantisation table",
                    )
                } else {
                    (read_dht(seg, &mut tables), "a corrupt Huffman table")
                };
                if read.is_none() {
                    return corrupt(what);
                }
            }
            // A second frame header (libjpeg's JERR_SOF_DUPLICATE) would change the size
            // that the limits were checked against.
            0xC0 | 0xC1 if frame.is_some() => return corrupt("a second frame header"),
            0xC0 | 0xC1 => match read_sof(seg) {
                Err(Corrupt(why)) => return corrupt(why),
                Ok(None) => return Ok(None),
                Ok(Some(f)) => {
                    limits.check_dimensions(f.width as u32, f.height as u32)?;
                    frame = Some(f);
                }
            },
            // Progressive, lossless, hierarchical or arithmetic-coded frames.
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return Ok(None),
            0xDD => restart_interval = be16(seg, 0).unwrap_or(0),
            0xE1 if orientation.is_none() && seg.starts_with(b"Exif\0\0") => {
                orientation = Some(exif_orientation(seg));
            }
            0xEE if seg.starts_with(b"Adobe") => adobe_rgb = seg.get(11) == Some(&0),
            0xDA => {
                let Some(frame) = &frame else {
                    return corrupt("a scan before the frame header");
                };
                let rgb = frame.comps.len() == 3
                    && (adobe_rgb || frame.comps.iter().map(|c| c.id).eq(*b"RGB"));
                if rgb {
                    return Ok(None);
                }
                let keep = limits.keep_chroma;
                match scan(bytes, &mut pos, seg, frame, &tables, restart_interval, keep) {
                    Err(Corrupt(why)) => return corrupt(why),
                    Ok(Some((image, rows, chroma))) => {
                        // A whole luma plane in a file that stops before its end marker (the
                        // chroma scans or the marker itself cut off) is cut short too.
                        let whole = rows == frame.height && reaches_end(bytes, pos);
                        return Ok(Some(Stored {
                            image,
                            orientation: orientation.unwrap_or(1),
                            rows_present: (!whole).then_some(rows as u32),
                            chroma: chroma.and_then(|c| c.finish(frame)),
                        }));
                    }
                    // A scan without the luma: read on.
                    Ok(None) => {}
                }
            }
            _ => {}
        }
    }
}

/// Whether the markers from `pos` on reach the end-of-image marker before the file ends
/// (scans after the luma's are skipped unread).
fn reaches_end(bytes: &[u8], pos: usize) -> bool {
    Markers::new(bytes, pos).any(|(marker, _)| marker == 0xD9)
}

/// DQT: up to four tables of 8- or 16-bit values, in zig-zag order.
#[inline(never)]
pub(super) fn read_dqt(mut seg: &[u8], quant: &mut [Option<[i32; 64]>; 4]) -> Option<()> {
    while let Some((&pq_tq, rest)) = seg.split_first() {
        let (wide, id) = (pq_tq >> 4, (pq_tq & 15) as usize);
        let n = if wide == 0 { 64 } else { 128 };
        let vals = rest.get(..n)?;
        let mut q = [0i32; 64];
        for (k, v) in q.iter_mut().enumerate() {
            *v = if wide == 0 {
                vals[k] as i32
            } else {
                be16(vals, 2 * k)? as i32
            };
        }
        *quant.get_mut(id)? = Some(q);
        seg = &rest[n..];
    }
    Some(())
}

/// DHT: any number of DC and AC tables.
#[inline(never)]
pub(super) fn read_dht(mut seg: &[u8], tables: &mut Tables) -> Option<()> {
    while let Some((&tc_th, rest)) = seg.split_first() {
        let (class, id) = (tc_th >> 4, (tc_th & 15) as usize);
        let mut counts = [0u8; 16];
        counts.copy_from_slice(rest.get(..16)?);
        let n: usize = counts.iter().map(|&c| c as usize).sum();
        let symbols = rest.get(16..16 + n)?;
        let table = Table::new(&counts, symbols, class == 0)?;
        match class {
            0 => *tables.dc.get_mut(id)? = Some(table),
            1 => *tables.ac.get_mut(id)? = Some(table),
            _ => return None,
        }
        seg = &rest[16 + n..];
    }
    Some(())
}

/// SOF0/SOF1: 8-bit samples, one (gray) or three (YCbCr) components, the luma at full
/// resolution; `None` for a valid frame that is not one of those.
fn read_sof(seg: &[u8]) -> Result<Option<Frame>, Corrupt> {
    const TRUNCATED: Corrupt = Corrupt("a truncated frame header");
    let (&precision, _) = seg.split_first().ok_or(TRUNCATED)?;
    let height = be16(seg, 1).ok_or(TRUNCATED)?;
    let width = be16(seg, 3).ok_or(TRUNCATED)?;
    let n = *seg.get(5).ok_or(TRUNCATED)? as usize;
    // Height 0 (defined later by a DNL marker), 12-bit data, CMYK: the general decoder.
    if precision != 8 || height == 0 || !(n == 1 || n == 3) {
        return Ok(None);
    }
    let mut comps = Vec::with_capacity(n);
    for c in seg.get(6..6 + 3 * n).ok_or(TRUNCATED)?.chunks_exact(3) {
        let (h, v, tq) = ((c[1] >> 4) as usize, (c[1] & 15) as usize, c[2] as usize);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || tq > 3 {
            return Err(Corrupt("a frame component with invalid sampling or table"));
        }
        comps.push(Component { id: c[0], h, v, tq });
    }
    let hmax = comps.iter().map(|c| c.h).max().unwrap_or(1);
    let vmax = comps.iter().map(|c| c.v).max().unwrap_or(1);
    // With one component the sampling factors mean nothing; otherwise the luma must be the
    // full-resolution plane.
    if n > 1 && (comps[0].h != hmax || comps[0].v != vmax) {
        return Ok(None);
    }
    Ok(Some(Frame {
        width,
        height,
        comps,
        hmax,
        vmax,
    }))
}

/// The position of the marker that ends the entropy-coded data starting at `pos` (restart
/// markers and stuffed zeros are part of the data), or the end of the file.
#[inline(never)]
pub(super) fn end_of_scan(bytes: &[u8], pos: usize) -> usize {
    let mut i = pos;
    while let Some(off) = bytes
        .get(i..)
        .and_then(|t| t.iter().position(|&b| b == 0xFF))
    {
        let at = i + off;
        match bytes.get(at + 1) {
            Some(0x00 | 0xD0..=0xD7 | 0xFF) => i = at + 1,
            Some(_) => return at,
            None => break,
        }
    }
    bytes.len()
}

/// One scan (SOS header `seg`, data from `pos`, left at the scan's end): the luma image, its
/// whole rows and, for a scan of all three components, the chroma block means, when the scan
/// holds the first component; `None` when it does not (its data is skipped). Where the data
/// ends before the last block, the rows from the first cut block row on are white.
#[allow(clippy::type_complexity)]
fn scan(
    bytes: &[u8],
    pos: &mut usize,
    seg: &[u8],
    frame: &Frame,
    tables: &Tables,
    restart_interval: usize,
    keep_chroma: bool,
) -> Result<Option<(GrayImage, usize, Option<ChromaDc>)>, Corrupt> {
    const TRUNCATED: Corrupt = Corrupt("a truncated scan header");
    let ns = *seg.first().ok_or(TRUNCATED)? as usize;
    let spec = seg.get(1..1 + 2 * ns).ok_or(TRUNCATED)?;
    // Sequential baseline: the whole band (Ss = 0, Se = 63) with no successive approximation.
    if !(1..=4).contains(&ns) || seg.get(1 + 2 * ns..4 + 2 * ns) != Some(&[0, 63, 0][..]) {
        return Err(Corrupt("a scan header that is not a baseline one"));
    }
    // Per scan component: frame index, DC table, AC table.
    let mut comps = Vec::with_capacity(ns);
    for s in spec.chunks_exact(2) {
        let ci = frame
            .comps
            .iter()
            .position(|c| c.id == s[0])
            .ok_or(Corrupt("a scan of a component that is not in the frame"))?;
        let dc = tables.dc.get((s[1] >> 4) as usize).and_then(Option::as_ref);
        let ac = tables.ac.get((s[1] & 15) as usize).and_then(Option::as_ref);
        let missing = Corrupt("a scan without its Huffman tables");
        comps.push((ci, dc.ok_or(missing)?, ac.ok_or(missing)?));
    }
    if !comps.iter().any(|c| c.0 == 0) {
        *pos = end_of_scan(bytes, *pos);
        return Ok(None);
    }
    let luma = &frame.comps[0];
    let mut q = [0i32; 80];
    let luma_q = tables.quant[luma.tq].as_ref();
    q[..64].copy_from_slice(luma_q.ok_or(Corrupt("no quantisation table for the luma"))?);
    let (w, h) = (frame.width, frame.height);
    let mut out = Plane {
        px: vec![0u8; w * h],
        w,
        h,
        coef: [0; 64],
        block: [0; 64],
    };
    let start = *pos;
    let mut bits = Bits::new(bytes, start);
    let mut preds = [0i32; 4];
    // Where the blocks that are read past land (never read back).
    let mut skipped = [0i16; 64];
    // The blocks of one MCU, in the order they are coded: a non-interleaved scan codes one
    // luma block per MCU; an interleaved one codes each component's h × v blocks in turn.
    let (mcu_w, mcu_h) = if ns == 1 {
        (1, 1)
    } else {
        (frame.hmax, frame.vmax)
    };
    // The chroma's DC coefficients, when both chroma planes are in this scan, alike sampled.
    let (mw, mh) = (w.div_ceil(8 * mcu_w), h.div_ceil(8 * mcu_h));
    let mut chroma = if keep_chroma {
        ChromaDc::new(frame, &comps, tables, mw, mh)
    } else {
        None
    };
    let mut plan = Vec::new();
    for (si, &(ci, dc, ac)) in comps.iter().enumerate() {
        let (ch, cv) = if ns == 1 {
            (1, 1)
        } else {
            (frame.comps[ci].h, frame.comps[ci].v)
        };
        for v in 0..cv {
            for u in 0..ch {
                let luma = (ci == 0).then_some((u, v));
                let colour = (ci > 0 && chroma.is_some()).then(|| (ci - 1, u, v));
                plan.push(Job {
                    dc,
                    ac,
                    pred: si,
                    luma,
                    colour,
                });
            }
        }
    }
    // The first MCU row that the data does not reach.
    let mut cut = None;
    'rows: for my in 0..mh {
        for mx in 0..mw {
            let m = my * mw + mx;
            if restart_interval > 0 && m > 0 && m.is_multiple_of(restart_interval) {
                if bits.overran() {
                    cut = Some(my);
                    break 'rows;
                }
                bits.restart();
                preds = [0; 4];
            }
            for job in &plan {
                match job.luma {
                    Some((u, v)) => {
                        let (bx, by) = (mx * mcu_w + u, my * mcu_h + v);
                        let pred = &mut preds[job.pred & 3];
                        out.block(&mut bits, job.dc, job.ac, pred, &q, bx, by)?;
                    }
                    None => match (job.colour, chroma.as_mut()) {
                        (Some((plane, u, v)), Some(c)) => {
                            let pred = &mut preds[job.pred & 3];
                            let at = (my * c.v + v) * c.across + mx * c.h + u;
                            c.block(&mut bits, job.dc, job.ac, pred, plane, at)?;
                        }
                        _ => bits.skip_block(job.dc, job.ac, &mut skipped)?,
                    },
                }
            }
        }
        if bits.overran() {
            cut = Some(my);
            break;
        }
    }
    let rows = match cut {
        Some(my) => {
            let rows = (my * 8 * mcu_h).min(h);
            out.px[rows * w..].fill(255);
            rows
        }
        None => h,
    };
    *pos = end_of_scan(bytes, bits.position().saturating_sub(8).max(start));
    // Chroma of a cut scan is not worth keeping.
    let chroma = chroma.filter(|_| cut.is_none());
    GrayImage::from_raw(w as u32, h as u32, out.px)
        .map(|img| Some((img, rows, chroma)))
        .map_err(|_| Corrupt("an image of the wrong size"))
}

/// The mean of each chroma block (its DC coefficient), gathered while the luma is decoded:
/// the colour that page detection looks at, for the price of a multiplication per block.
struct ChromaDc {
    /// Blocks per MCU of each chroma component, across and down.
    h: usize,
    v: usize,
    /// Blocks across and down each plane (whole MCUs).
    across: usize,
    down: usize,
    /// Dequantisers of the DC coefficient of Cb and Cr, padded as `Bits::block` reads them.
    q: [[i32; 80]; 2],
    planes: [Vec<u8>; 2],
    scratch: [i16; 64],
}

impl ChromaDc {
    /// For an interleaved scan of Y, Cb and Cr (in that frame order), with both chroma
    /// components sampled alike and their quantisation tables present; `None` otherwise.
    fn new(
        frame: &Frame,
        comps: &[(usize, &Table, &Table)],
        tables: &Tables,
        mw: usize,
        mh: usize,
    ) -> Option<ChromaDc> {
        if comps.len() != 3 || frame.comps.len() != 3 || !comps.iter().map(|c| c.0).eq(0..3) {
            return None;
        }
        let (cb, cr) = (&frame.comps[1], &frame.comps[2]);
        if (cb.h, cb.v) != (cr.h, cr.v) {
            return None;
        }
        let dc_of = |c: &Component| -> Option<[i32; 80]> {
            let mut q = [0; 80];
            q[0] = tables.quant.get(c.tq)?.as_ref()?[0];
            Some(q)
        };
        let (across, down) = (mw * cb.h, mh * cb.v);
        Some(ChromaDc {
            h: cb.h,
            v: cb.v,
            across,
            down,
            q: [dc_of(cb)?, dc_of(cr)?],
            planes: [vec![128; across * down], vec![128; across * down]],
            scratch: [0; 64],
        })
    }

    /// Reads one block of chroma `plane` (0: Cb, 1: Cr) and keeps its mean at `at`.
    #[inline(always)]
    fn block(
        &mut self,
        bits: &mut Bits,
        dc: &Table,
        ac: &Table,
        pred: &mut i32,
        plane: usize,
        at: usize,
    ) -> Result<(), Corrupt> {
        let q = &self.q[plane & 1];
        bits.block(dc, ac, pred, q, &mut self.scratch)?;
        if let Some(p) = self.planes[plane & 1].get_mut(at) {
            *p = dc_only(self.scratch[0]);
        }
        Ok(())
    }

    /// The planes cropped to the image, as a [`Chroma`] of blocks of luma pixels.
    fn finish(self, frame: &Frame) -> Option<Chroma> {
        let (sx, sy) = (
            8 * frame.hmax / self.h.max(1),
            8 * frame.vmax / self.v.max(1),
        );
        let (n, m) = (frame.width.div_ceil(sx), frame.height.div_ceil(sy));
        if n > self.across || m > self.down {
            return None;
        }
        // In place: row r's first n samples move to r × n.
        let across = self.across;
        let crop = |mut p: Vec<u8>| -> Option<GrayImage> {
            for r in 0..m {
                p.copy_within(r * across..r * across + n, r * n);
            }
            p.truncate(n * m);
            GrayImage::from_raw(n as u32, m as u32, p).ok()
        };
        let [cb, cr] = self.planes;
        Chroma::new(crop(cb)?, crop(cr)?, sx as u32, sy as u32)
    }
}

/// One block of an MCU: its tables, its DC prediction slot, and for a luma block its
/// position in the MCU (in blocks).
struct Job<'t> {
    dc: &'t Table,
    ac: &'t Table,
    pred: usize,
    luma: Option<(usize, usize)>,
    /// For a chroma block whose mean is kept: its plane and position in the MCU.
    colour: Option<(usize, usize, usize)>,
}

/// The luma plane being decoded, with the scratch blocks.
struct Plane {
    px: Vec<u8>,
    w: usize,
    h: usize,
    /// Dequantised coefficients of the current block; all zero between blocks.
    coef: [i16; 64],
    block: [u8; 64],
}

impl Plane {
    /// Decodes the block at block column `bx`, row `by` and writes its visible pixels.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn block(
        &mut self,
        bits: &mut Bits,
        dc: &Table,
        ac: &Table,
        pred: &mut i32,
        q: &[i32; 80],
        bx: usize,
        by: usize,
    ) -> Result<(), Corrupt> {
        let last = bits.block(dc, ac, pred, q, &mut self.coef)?;
        let (x0, y0) = (8 * bx, 8 * by);
        if x0 < self.w && y0 < self.h {
            let (cols, rows) = ((self.w - x0).min(8), (self.h - y0).min(8));
            if last == 0 {
                self.block = [dc_only(self.coef[0]); 64];
            } else {
                idct_block(&self.coef, &mut self.block);
            }
            for r in 0..rows {
                let at = (y0 + r) * self.w + x0;
                let src = &self.block[8 * r..8 * r + 8];
                // Whole rows as one 8-byte move; the right edge's part rows as a slice.
                if cols == 8 {
                    if let Some(dst) = self.px.get_mut(at..at + 8) {
                        dst.copy_from_slice(src);
                    }
                } else {
                    self.px[at..at + cols].copy_from_slice(&src[..cols]);
                }
            }
        }
        if last > 0 {
            self.coef = [0; 64];
        }
        Ok(())
    }
}
