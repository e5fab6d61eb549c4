//! Rotation (to be written).
use crate::GrayImage;
/// Rotates.
pub fn rotate(img: &GrayImage, _degrees: f64) -> GrayImage { img.clone() }
