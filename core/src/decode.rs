//! Decoding (to be written).
use crate::{Error, GrayImage};
/// Limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Bytes.
    pub max_input_bytes: u64,
    /// Pixels.
    pub max_pixels: u64,
    /// Side.
    pub max_side: u32,
}
/// Decoded.
#[derive(Debug)]
pub struct Decoded {
    /// Gray.
    pub image: GrayImage,
    /// Format.
    pub format: &'static str,
    /// Orientation.
    pub exif_orientation: u8,
}
/// Decode.
pub fn decode_image(_b: &[u8], _l: &Limits) -> Result<Decoded, Error> { Err(Error::UnsupportedFormat) }
/// RGBA to gray.
pub fn gray_from_rgba(_d: &[u8], _w: u32, _h: u32) -> Result<GrayImage, Error> { Err(Error::UnsupportedFormat) }
