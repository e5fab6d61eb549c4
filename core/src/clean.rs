//! Cleaning (to be written).
use serde::{Deserialize, Serialize};
use crate::BitImage;
/// Parameters.
#[derive(Clone, Debug, Default)]
pub struct CleanParams {
    /// Remove specks.
    pub despeckle: bool,
    /// Largest speck.
    pub max_speckle_pixels: Option<u32>,
    /// Remove borders.
    pub remove_borders: bool,
}
/// Report.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct CleanReport {
    /// Specks removed.
    pub speckles_removed: u64,
    /// Border pixels removed.
    pub border_pixels_removed: u64,
}
/// Cleans in place.
pub fn clean(_img: &mut BitImage, _p: &CleanParams) -> CleanReport { CleanReport::default() }
