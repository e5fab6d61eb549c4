//! JPEG, decoded straight to luma: the Y channel only, with no colour conversion or chroma
//! upsampling.
//!
//! Baseline files, nearly every camera's and scanner's, go through our own decoder
//! (`baseline.rs`: markers and scan, `huffman.rs`: entropy decoding, `idct.rs`: the inverse
//! DCT), which reads past the chroma without transforming it and gives libjpeg-turbo's pixels.
//! Everything else (progressive files; RGB, CMYK and YCCK data, whose luma needs every
//! channel and goes through RGB; anything our decoder refuses) is decoded by `zune-jpeg`.

mod baseline;
mod huffman;
mod idct;
mod structure;

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::{decode_error, exif_orientation, luma, Limits, Stored};
use crate::{Error, GrayImage};

/// Decodes a JPEG to gray, with its EXIF orientation and, when the file is cut short, the
/// whole rows it holds.
pub(super) fn decode_jpeg<T: AsRef<[u8]>>(bytes: T, limits: &Limits) -> Result<Stored, Error> {
    if let Some(done) = baseline::decode(bytes.as_ref(), limits)? {
        return Ok(done);
    }
    // Only a file whose whole structure is sound, and of a kind it decodes well, reaches the
    // general decoder (see `structure.rs`).
    let checked = structure::check(bytes.as_ref(), limits)?;
    let cut_short = Error::TruncatedImage {
        format: "jpeg",
        rows_present: 0,
        height: checked.height,
    };
    if !checked.whole && !limits.allow_truncated {
        return Err(cut_short);
    }
    match decode_with_zune(bytes, limits) {
        // What the general decoder cannot make of a file cut short is still its truncation.
        Err(_) if !checked.whole => Err(cut_short),
        Err(e) => Err(e),
        Ok((image, orientation)) => Ok(Stored {
            image,
            orientation,
            // The general decoder does not say which rows it reached: none is vouched for.
            rows_present: (!checked.whole).then_some(0),
            chroma: None,
        }),
    }
}

/// The frame's dimensions (checked against the limits) and whether the markers reach the
/// end-of-image marker, by a walk over the segments that skips the entropy-coded data
/// unread.
pub(super) fn probe_jpeg(bytes: &[u8], limits: &Limits) -> Result<(u32, u32, bool, u8), Error> {
    structure::probe(bytes, limits)
}

/// The general path: `zune-jpeg`, asked for luma.
fn decode_with_zune<T: AsRef<[u8]>>(bytes: T, limits: &Limits) -> Result<(GrayImage, u8), Error> {
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

/// JPEGs written by libjpeg-turbo (through OpenCV 5) in the modes that cameras, phones and
/// scanners use, each with the gray that libjpeg-turbo decodes from it
/// (`fixtures/jpeg-interop/make.py`).
#[cfg(test)]
mod interop {
    use super::*;

    /// As `decode_image` decodes by default: a file cut short is an error.
    fn decode_jpeg(bytes: &[u8], limits: &Limits) -> Result<(GrayImage, u8), Error> {
        super::decode_jpeg(bytes, limits)?.strict("jpeg")
    }

    mod baseline {
        use super::*;

        /// The baseline decoder as `decode_image` takes it by default.
        pub(super) fn decode(
            bytes: &[u8],
            limits: &Limits,
        ) -> Result<Option<(GrayImage, u8)>, Error> {
            super::super::baseline::decode(bytes, limits)?
                .map(|s| s.strict("jpeg"))
                .transpose()
        }
    }

    const W: usize = 101;
    const H: usize = 67;

    macro_rules! case {
        ($name:literal) => {
            (
                $name,
                include_bytes!(concat!("../../../../fixtures/jpeg-interop/", $name, ".jpg"))
                    as &[u8],
                include_bytes!(concat!("../../../../fixtures/jpeg-interop/", $name, ".pgm"))
                    as &[u8],
            )
        };
    }

    /// Every baseline mode: gray, chroma subsampling 4:2:0, 4:4:4, 4:2:2, 4:4:0 and 4:1:1,
    /// restart intervals, optimised Huffman tables, qualities 5 to 100.
    const BASELINE: [(&str, &[u8], &[u8]); 12] = [
        case!("gray"),
        case!("gray-restart"),
        case!("420"),
        case!("444"),
        case!("422"),
        case!("440"),
        case!("411"),
        case!("420-restart"),
        case!("420-optimized"),
        case!("420-q100"),
        case!("420-q100-optimized"),
        case!("420-q5"),
    ];

    fn worst(a: &[u8], b: &[u8]) -> u8 {
        a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap()
    }

    #[test]
    fn baseline_files_decode_to_exactly_libjpeg_turbos_gray() {
        for (name, jpg, pgm) in BASELINE {
            let want = &pgm[pgm.len() - W * H..];
            let (img, orientation) = baseline::decode(jpg, &Limits::default())
                .unwrap()
                .unwrap_or_else(|| panic!("{name}: not taken by the baseline decoder"));
            assert_eq!(
                (img.width(), img.height(), orientation),
                (W as u32, H as u32, 1)
            );
            assert_eq!(worst(img.data(), want), 0, "{name}");
        }
    }

    #[test]
    fn zune_jpeg_agrees_within_its_idct_rounding() {
        for (name, jpg, _) in BASELINE {
            let (ours, _) = decode_jpeg(jpg, &Limits::default()).unwrap();
            let (zune, _) = decode_with_zune(jpg, &Limits::default()).unwrap();
            assert!(worst(ours.data(), zune.data()) <= 3, "{name}");
        }
    }

    #[test]
    fn progressive_files_go_to_zune_jpeg() {
        let (name, jpg, pgm) = case!("progressive");
        assert!(baseline::decode(jpg, &Limits::default()).unwrap().is_none());
        let (img, _) = decode_jpeg(jpg, &Limits::default()).unwrap();
        assert!(worst(img.data(), &pgm[pgm.len() - W * H..]) <= 3, "{name}");
    }

    #[test]
    fn a_frame_beyond_the_limits_is_refused_before_decoding() {
        let (_, jpg, _) = case!("420");
        let mut big = jpg.to_vec();
        // SOF0: FF C0, length, precision, then height and width.
        let sof = big.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        big[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        let err = decode_jpeg(&big, &Limits::default()).unwrap_err();
        assert!(err.is_limit(), "{err:?}");
    }

    /// The segments of a JPEG up to its first scan: (marker, whole segment bytes).
    fn segments(jpg: &[u8]) -> Vec<(u8, std::ops::Range<usize>)> {
        let (mut out, mut pos) = (Vec::new(), 2);
        while jpg[pos + 1] != 0xDA {
            let len = u16::from_be_bytes([jpg[pos + 2], jpg[pos + 3]]) as usize;
            out.push((jpg[pos + 1], pos..pos + 2 + len));
            pos += 2 + len;
        }
        out
    }

    #[test]
    fn a_corrupt_baseline_file_is_an_error_here_not_passed_on() {
        let (_, jpg, _) = case!("420");
        // A DHT segment whose code counts add up to more symbols than it holds.
        let (_, dht) = segments(jpg).into_iter().find(|s| s.0 == 0xC4).unwrap();
        let mut bad = jpg.to_vec();
        bad[dht.start + 5..dht.start + 21].fill(0x40);
        let err = baseline::decode(&bad, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, Error::Decode { format: "jpeg", .. }),
            "{err:?}"
        );
        // A scan header asking for a table that was never defined, and a frame without any
        // (Motion-JPEG's habit, which zune-jpeg does not decode either).
        let sos = jpg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let mut bad = jpg.to_vec();
        bad[sos + 6] = 0x33;
        let mut mjpeg = jpg[..2].to_vec();
        for (marker, range) in segments(jpg) {
            if marker != 0xC4 {
                mjpeg.extend_from_slice(&jpg[range]);
            }
        }
        mjpeg.extend_from_slice(&jpg[sos..]);
        for bad in [bad, mjpeg] {
            let err = decode_jpeg(&bad, &Limits::default()).unwrap_err();
            assert!(err.to_string().contains("Huffman tables"), "{err}");
        }
    }

    #[test]
    fn stray_bytes_between_segments_are_skipped_as_libjpeg_does() {
        let (name, jpg, pgm) = case!("gray");
        let (_, dqt) = segments(jpg).into_iter().find(|s| s.0 == 0xDB).unwrap();
        let mut odd = jpg[..dqt.end].to_vec();
        odd.extend_from_slice(&[0x00, 0x12, 0x34]);
        odd.extend_from_slice(&jpg[dqt.end..]);
        let (img, _) = baseline::decode(&odd, &Limits::default()).unwrap().unwrap();
        assert_eq!(worst(img.data(), &pgm[pgm.len() - W * H..]), 0, "{name}");
    }

    #[test]
    fn truncated_and_corrupted_files_never_panic() {
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for (name, jpg, _) in BASELINE {
            for cut in (0..jpg.len()).step_by(37) {
                let _ = decode_jpeg(&jpg[..cut], &Limits::default());
            }
            for _ in 0..200 {
                let mut bad = jpg.to_vec();
                for _ in 0..1 + next() % 4 {
                    let i = (next() % bad.len() as u64) as usize;
                    bad[i] = next() as u8;
                }
                if let Ok((img, _)) = decode_jpeg(&bad, &Limits::default()) {
                    assert!(img.width() > 0, "{name}");
                }
            }
        }
    }
}
