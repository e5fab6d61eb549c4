//! Resize (to be written).
use crate::GrayImage;
/// Area resize.
pub fn resize_area(img: &GrayImage, _w: u32, _h: u32) -> GrayImage { img.clone() }
/// Working resolution.
pub fn reduce_to_working(img: GrayImage, _max_pixels: u64) -> (GrayImage, f64) { (img, 1.0) }
