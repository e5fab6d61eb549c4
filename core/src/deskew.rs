//! Skew detection (to be written).
use crate::GrayImage;
/// Estimate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SkewEstimate {
    /// Degrees.
    pub degrees: f64,
    /// Confidence.
    pub confidence: f64,
}
/// Detects skew.
pub fn detect_skew(_img: &GrayImage, _max_degrees: f32) -> SkewEstimate { SkewEstimate::default() }
