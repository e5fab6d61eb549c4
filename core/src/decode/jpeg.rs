//! JPEG, decoded straight to luma with `zune-jpeg`: the Y channel only, with no colour
//! conversion or chroma upsampling. RGB, CMYK and YCCK data, whose luma needs every channel,
//! go through RGB.

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::{decode_error, exif_orientation, luma, Limits};
use crate::{Error, GrayImage};

/// Decodes a JPEG to gray; also returns its EXIF orientation.
pub(super) fn decode_jpeg<T: AsRef<[u8]>>(
    bytes: T,
    limits: &Limits,
) -> Result<(GrayImage, u8), Error> {
    let side = limits.max_side.min(u16::MAX as u32) as usize;
    let options = DecoderOptions::default()
        .set_max_width(side)
        .set_max_height(side)
        .jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut dec = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    dec.decode_headers()
        .map_err(|e| map_jpeg_error(e, limits))?;
    let info = dec
        .info()
        .ok_or_else(|| decode_error("jpeg", "no frame header"))?;
    let (w, h) = (info.width as u32, info.height as u32);
    limits.check_dimensions(w, h)?;
    let orientation = dec.exif().map(|e| exif_orientation(e)).unwrap_or(1);
    let input = dec.input_colorspace().unwrap_or(ColorSpace::YCbCr);
    let data = if !matches!(input, ColorSpace::YCbCr | ColorSpace::Luma) {
        // Luma of RGB, CMYK or YCCK data needs the full conversion: decode to RGB and reduce.
        dec.set_options(options.jpeg_set_out_colorspace(ColorSpace::RGB));
        let mut rgb = dec.decode().map_err(|e| map_jpeg_error(e, limits))?;
        let n = w as usize * h as usize;
        if rgb.len() < n * 3 {
            return Err(decode_error("jpeg", "decoder returned a short buffer"));
        }
        for i in 0..n {
            rgb[i] = luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
        }
        rgb.truncate(n);
        rgb.shrink_to_fit();
        rgb
    } else {
        let mut out = vec![0u8; w as usize * h as usize];
        dec.decode_into(&mut out)
            .map_err(|e| map_jpeg_error(e, limits))?;
        out
    };
    Ok((GrayImage::from_raw(w, h, data)?, orientation))
}

pub(super) fn map_jpeg_error(e: zune_jpeg::errors::DecodeErrors, limits: &Limits) -> Error {
    use zune_jpeg::errors::DecodeErrors;
    match e {
        DecodeErrors::LargeDimensions(_) => Error::SideTooLong {
            width: 0,
            height: 0,
            max_side: limits.max_side,
        },
        other => decode_error("jpeg", other),
    }
}
