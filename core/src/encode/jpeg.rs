//! Baseline JPEG writer for 8-bit gray (ITU-T T.81 / JFIF), through the `image` crate's
//! `JpegEncoder` (pure Rust, deterministic).

use crate::{Error, GrayImage};
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::{ExtendedColorType, ImageEncoder};

/// Encodes `img` as a one-component baseline JPEG at `quality` (clamped to 1..=100), with the
/// JFIF density set to `dpi` dots per inch when given and non-zero (clamped to 65535).
///
/// Errors: [`Error::EmptyImage`] for a 0-pixel side, [`Error::Encode`] when the encoder
/// refuses the image (JPEG sides are limited to 65535).
pub fn encode_jpeg_gray(img: &GrayImage, quality: u8, dpi: Option<u32>) -> Result<Vec<u8>, Error> {
    let (width, height) = (img.width(), img.height());
    if width == 0 || height == 0 {
        return Err(Error::EmptyImage { width, height });
    }
    if width > u16::MAX as u32 || height > u16::MAX as u32 {
        return Err(Error::Encode {
            format: "jpeg",
            reason: format!("{width}x{height} exceeds the JPEG limit of 65535 pixels per side"),
        });
    }
    let mut out = Vec::with_capacity(img.data().len() / 8 + 1024);
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    if let Some(d) = dpi.filter(|&d| d > 0) {
        enc.set_pixel_density(PixelDensity::dpi(d.min(u16::MAX as u32) as u16));
    }
    enc.write_image(img.data(), width, height, ExtendedColorType::L8)
        .map_err(|e| Error::Encode {
            format: "jpeg",
            reason: e.to_string(),
        })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_round_trips_approximately_with_density() {
        let (w, h) = (37u32, 21u32);
        let data: Vec<u8> = (0..w * h).map(|i| ((i % w) * 6) as u8).collect();
        let img = GrayImage::from_raw(w, h, data).unwrap();
        let jpg = encode_jpeg_gray(&img, 95, Some(300)).unwrap();
        assert_eq!(&jpg[..2], &[0xFF, 0xD8]);
        // JFIF APP0: units 1 (dpi), 300 x 300.
        let app0 = jpg
            .windows(5)
            .position(|w| w == b"JFIF\0")
            .expect("JFIF header");
        assert_eq!(&jpg[app0 + 7..app0 + 12], &[1, 0x01, 0x2C, 0x01, 0x2C]);
        let dec = image::load_from_memory_with_format(&jpg, image::ImageFormat::Jpeg).unwrap();
        assert_eq!(dec.color(), image::ColorType::L8);
        let back = dec.to_luma8();
        let max_err = back
            .as_raw()
            .iter()
            .zip(img.data())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(max_err <= 12, "max error {max_err}");
    }

    #[test]
    fn quality_is_clamped_and_sizes_checked() {
        let img = GrayImage::new(9, 9, 128);
        assert!(encode_jpeg_gray(&img, 0, None).is_ok());
        assert!(encode_jpeg_gray(&img, 255, Some(100_000)).is_ok());
        assert_eq!(
            encode_jpeg_gray(&GrayImage::new(0, 5, 0), 80, None),
            Err(Error::EmptyImage {
                width: 0,
                height: 5
            })
        );
        assert!(matches!(
            encode_jpeg_gray(&GrayImage::new(70_000, 1, 0), 80, None),
            Err(Error::Encode { format: "jpeg", .. })
        ));
    }
}
