//! Background normalisation (to be written).
use crate::GrayImage;
/// Flattens uneven illumination in place.
pub fn normalize_background(_img: &mut GrayImage) {}
