//! Binarization (to be written).
use serde::{Deserialize, Serialize};
use crate::{BitImage, GrayImage, Binarization};
/// Parameters.
#[derive(Clone, Debug, Default)]
pub struct BinarizeParams {
    /// Method.
    pub method: Binarization,
    /// Window.
    pub window: Option<u32>,
    /// k.
    pub k: Option<f32>,
}
/// Report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BinarizationReport {
    /// Method actually used.
    pub method: Binarization,
    /// Global threshold, for global methods.
    pub threshold: Option<u8>,
    /// Window.
    pub window: Option<u32>,
    /// k.
    pub k: Option<f32>,
}
/// Binarizes.
pub fn binarize(img: &GrayImage, p: &BinarizeParams) -> (BitImage, BinarizationReport) {
    (BitImage::from_gray_threshold(img, 127), BinarizationReport { method: p.method, threshold: Some(127), window: None, k: None })
}
