//! What the pipeline did, as a serde struct: the CLI prints it as JSON, the npm package and the
//! Worker return it.

use serde::{Deserialize, Serialize};

use crate::{BinarizationReport, Truncation};

/// Something the caller should know about an output that was still produced.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// A stable code: `truncated_image` (the input was cut short and `allow_truncated` was set).
    pub code: String,
    /// The same in words.
    pub message: String,
    /// For `truncated_image`: the stored image's first missing row (its rows from there on
    /// are white) and how many rows are missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_missing_row: Option<u32>,
    /// For `truncated_image`: the number of missing rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_missing: Option<u32>,
}

impl From<Truncation> for Warning {
    fn from(t: Truncation) -> Warning {
        let missing = t.height - t.rows_present.min(t.height);
        Warning {
            code: "truncated_image".into(),
            message: format!(
                "the input is cut short: rows {} to {} of {} are missing and were left white",
                t.rows_present,
                t.height.saturating_sub(1),
                t.height
            ),
            first_missing_row: Some(t.rows_present),
            rows_missing: Some(missing),
        }
    }
}

/// Per-stage wall time in milliseconds, present only when a [`Clock`](crate::Clock) was given.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Timings {
    /// Decoding and conversion to grayscale.
    pub decode_ms: f64,
    /// Reduction to the working resolution.
    pub resize_ms: f64,
    /// Background normalisation.
    pub background_ms: f64,
    /// Skew detection.
    pub skew_ms: f64,
    /// Rotation.
    pub rotate_ms: f64,
    /// Binarization.
    pub binarize_ms: f64,
    /// Speckle and border removal.
    pub clean_ms: f64,
    /// Encoding.
    pub encode_ms: f64,
    /// The whole call.
    pub total_ms: f64,
}

/// What [`process`](crate::process) found and did.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Detected input format (`jpeg`, `png`, `tiff`, `webp`, or `raw` for pixels).
    pub input_format: String,
    /// Input size in bytes (encoded).
    pub input_bytes: u64,
    /// Input width in pixels, after EXIF orientation.
    pub input_width: u32,
    /// Input height in pixels, after EXIF orientation.
    pub input_height: u32,
    /// The EXIF orientation applied (1 = none).
    pub exif_orientation: u8,
    /// Scale from input to working resolution (1 = unchanged, 0.5 = halved).
    pub scale: f64,
    /// Detected skew in degrees; positive means the content was rotated counter-clockwise
    /// (text lines rising to the right). 0 when deskew is off.
    pub skew_degrees: f64,
    /// Confidence of the skew estimate, 0 to 1.
    pub skew_confidence: f64,
    /// Whether the page was rotated to correct the skew.
    pub rotated: bool,
    /// The binarization method used and its parameters (`None` when switched off).
    pub binarization: Option<BinarizationReport>,
    /// Ink specks removed by cleaning.
    pub speckles_removed: u64,
    /// Ink pixels removed as borders by cleaning.
    pub border_pixels_removed: u64,
    /// Output format name.
    pub output_format: String,
    /// Output media type.
    pub media_type: String,
    /// Output width in pixels.
    pub output_width: u32,
    /// Output height in pixels.
    pub output_height: u32,
    /// Output size in bytes.
    pub output_bytes: u64,
    /// Stage timings, when a clock was available.
    pub timings: Option<Timings>,
    /// What the caller should know about this output (empty for a clean run).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}
