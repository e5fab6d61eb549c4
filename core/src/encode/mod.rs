//! Encoders (to be written).
use crate::{BitImage, Error, GrayImage};
/// Raw CCITT T.6 data.
pub fn encode_g4(_img: &BitImage) -> Vec<u8> { Vec::new() }
/// G4 TIFF.
pub fn encode_g4_tiff(_img: &BitImage, _dpi: Option<u32>) -> Vec<u8> { Vec::new() }
/// 1-bit PNG.
pub fn encode_png_bilevel(_img: &BitImage, _dpi: Option<u32>) -> Result<Vec<u8>, Error> { Ok(Vec::new()) }
/// Gray PNG.
pub fn encode_png_gray(_img: &GrayImage, _dpi: Option<u32>) -> Result<Vec<u8>, Error> { Ok(Vec::new()) }
/// Gray JPEG.
pub fn encode_jpeg_gray(_img: &GrayImage, _quality: u8, _dpi: Option<u32>) -> Result<Vec<u8>, Error> { Ok(Vec::new()) }
