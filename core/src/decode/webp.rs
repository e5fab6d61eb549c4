//! WebP (lossy VP8 and lossless VP8L, the first frame of an animation) with `image-webp`,
//! reduced to luma in the decoder's own buffer.

use std::io::Cursor;

use image_webp::{DecodingError, WebPDecoder};

use super::{decode_error, exif_orientation, to_luma_in_place, Limits, Native, Stored};
use crate::{Chroma, ChromaBuilder, Error, GrayImage};

/// Decodes a WebP to gray; also returns its EXIF orientation. A file shorter than its RIFF
/// header says is cut short; the decoder cannot read such a file in part, so it is a
/// `TruncatedImage` error even with `allow_truncated`, unless what is there decodes whole.
pub(super) fn decode_webp(bytes: &[u8], limits: &Limits) -> Result<Stored, Error> {
    let riff_len = bytes
        .get(4..8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, |b: [u8; 4]| u32::from_le_bytes(b) as u64);
    let cut = (bytes.len() as u64) < riff_len.saturating_add(8);
    if !cut {
        return decode_whole(bytes, limits).map(|(g, o, chroma)| Stored {
            chroma,
            ..Stored::whole(g, o)
        });
    }
    let cut_short = |height| Error::TruncatedImage {
        format: "webp",
        rows_present: 0,
        height,
    };
    let height = WebPDecoder::new(Cursor::new(bytes)).map_or(0, |d| d.dimensions().1);
    if !limits.allow_truncated {
        return Err(cut_short(height));
    }
    match decode_whole(bytes, limits) {
        // Everything the pixels need was there (only trailing metadata is missing).
        Ok((g, o, chroma)) => Ok(Stored {
            rows_present: Some(g.height()),
            image: g,
            orientation: o,
            chroma,
        }),
        Err(e) if e.is_limit() => Err(e),
        Err(_) => Err(cut_short(height)),
    }
}

/// The dimensions (checked against the limits), whether the file is as long as its RIFF
/// header says, and the EXIF orientation.
pub(super) fn probe_webp(bytes: &[u8], limits: &Limits) -> Result<(u32, u32, bool, u8), Error> {
    let riff_len = bytes
        .get(4..8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, |b: [u8; 4]| u32::from_le_bytes(b) as u64);
    let complete = (bytes.len() as u64) >= riff_len.saturating_add(8);
    let mut dec = WebPDecoder::new(Cursor::new(bytes)).map_err(|e| {
        if complete {
            decode_error("webp", e)
        } else {
            Error::TruncatedImage {
                format: "webp",
                rows_present: 0,
                height: 0,
            }
        }
    })?;
    let (w, h) = dec.dimensions();
    limits.check_dimensions(w, h)?;
    let orientation = match dec.exif_metadata() {
        Ok(Some(exif)) => exif_orientation(&exif),
        _ => 1,
    };
    Ok((w, h, complete, orientation))
}

/// The luma, its EXIF orientation and its chroma block means.
fn decode_whole(bytes: &[u8], limits: &Limits) -> Result<(GrayImage, u8, Option<Chroma>), Error> {
    let err = |e: DecodingError| match e {
        DecodingError::ImageTooLarge | DecodingError::MemoryLimitExceeded => Error::ImageTooLarge {
            width: 0,
            height: 0,
            max_pixels: limits.max_pixels,
        },
        other => decode_error("webp", other),
    };
    let mut dec = WebPDecoder::new(Cursor::new(bytes)).map_err(err)?;
    let (w, h) = dec.dimensions();
    limits.check_dimensions(w, h)?;
    // The RGBA frame itself plus the decoder's work space.
    let most = limits.max_pixels.saturating_mul(4).saturating_add(64 << 20);
    dec.set_memory_limit(usize::try_from(most).unwrap_or(usize::MAX));
    let orientation = match dec.exif_metadata() {
        Ok(Some(exif)) => exif_orientation(&exif),
        _ => 1,
    };
    let layout = if dec.has_alpha() {
        Native::Rgba8
    } else {
        Native::Rgb8
    };
    let n = w as usize * h as usize;
    let size = dec
        .output_buffer_size()
        .filter(|&s| s == n * layout.bytes_per_pixel())
        .ok_or_else(|| decode_error("webp", "inconsistent buffer size"))?;
    let mut buf = vec![0u8; size];
    dec.read_image(&mut buf).map_err(err)?;
    let chroma = limits.keep_chroma.then(|| {
        let mut c = ChromaBuilder::new(w, h);
        c.push_rows(&buf, layout.bytes_per_pixel());
        c
    });
    to_luma_in_place(&mut buf, layout, n);
    GrayImage::from_raw(w, h, buf).map(|g| (g, orientation, chroma.and_then(|c| c.finish())))
}
