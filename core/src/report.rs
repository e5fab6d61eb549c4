//! What the pipeline did, as a serde struct: the CLI prints it as JSON, the npm package and the
//! Worker return it.

use serde::{Deserialize, Serialize};

use crate::{BinarizationReport, Point, Quality, TextSizeReport, Truncation};

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
    /// Page detection.
    #[serde(default)]
    pub page_ms: f64,
    /// Perspective rectification.
    #[serde(default)]
    pub rectify_ms: f64,
    /// Glyph sampling, capture quality and orientation.
    #[serde(default)]
    pub orientation_ms: f64,
    /// Binarization.
    pub binarize_ms: f64,
    /// Speckle and border removal.
    pub clean_ms: f64,
    /// Text measurement and, when the text was rescaled, binarizing and cleaning again.
    #[serde(default)]
    pub text_size_ms: f64,
    /// Encoding.
    pub encode_ms: f64,
    /// The whole call.
    pub total_ms: f64,
}

/// Where the page's corners came from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PageSource {
    /// Found by [`detect_page`](crate::detect_page).
    Detected,
    /// Given in [`Options::corners`](crate::Options::corners).
    Manual,
}

/// The page in the input: found (or given) and rectified, or why not.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct PageReport {
    /// Whether a page was found or given, and rectified.
    pub found: bool,
    /// Where the corners came from; `None` when no page was found.
    pub source: Option<PageSource>,
    /// The page's corners in input pixels (after EXIF orientation), clockwise from the
    /// top-left of the page as it reads (after the orientation turn).
    pub corners: Option<[Point; 4]>,
    /// How much to trust detected corners, 0 to 1 (1 for manual ones).
    pub confidence: f64,
    /// Why no page was found (`no_quadrilateral`, `image_too_small`).
    pub reason: Option<String>,
    /// A corner lies outside the frame.
    pub cut_off: bool,
    /// The rectified page's height over its width, as it came out of the photo.
    pub aspect: Option<f64>,
    /// The rectified page's resolution, when its paper size is known.
    pub dpi: Option<f64>,
}

/// What [`detect`](crate::detect) found: the same fields as the report of
/// [`process`](crate::process), without producing an output (`scanprep detect` prints it).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Detection {
    /// The page's corners in input pixels (after EXIF orientation), clockwise from its
    /// top-left as it reads; `None` when no page was found.
    pub corners: Option<[Point; 4]>,
    /// How much to trust them, 0 to 1.
    pub confidence: f64,
    /// The clockwise turn that makes the page upright; `None` when unknown.
    pub orientation_degrees: Option<u16>,
    /// Confidence of the orientation, 0 to 1.
    pub orientation_confidence: f64,
    /// Whether the capture is good enough for OCR, and why not.
    pub quality: Quality,
    /// The whole page object, as in the report of `process`.
    pub page: PageReport,
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
    /// The page found in a photo (or given as corners) and rectified; `None` when page
    /// detection was off and no corners were given.
    #[serde(default)]
    pub page: Option<PageReport>,
    /// The clockwise quarter turn (0, 90, 180 or 270) applied to make the page upright;
    /// `None` when the orientation is unknown (no text) or its detection was off, and then no
    /// turn was applied.
    #[serde(default)]
    pub orientation_degrees: Option<u16>,
    /// Confidence of the orientation, 0 (unknown) to 1.
    #[serde(default)]
    pub orientation_confidence: f64,
    /// Whether the capture is good enough for OCR, and why not.
    #[serde(default)]
    pub quality: Option<Quality>,
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
    /// The text's measured x-height and the scale chosen for OCR (`None` when text sizing is
    /// off).
    #[serde(default)]
    pub text_size: Option<TextSizeReport>,
    /// Output format name.
    pub output_format: String,
    /// Output media type.
    pub media_type: String,
    /// Output width in pixels.
    pub output_width: u32,
    /// Output height in pixels.
    pub output_height: u32,
    /// The resolution written into the output (dots per inch), when known: the input's
    /// scaled to the output, or the rectified page's. A PDF page's size comes from it.
    #[serde(default)]
    pub output_dpi: Option<u32>,
    /// Output size in bytes.
    pub output_bytes: u64,
    /// Stage timings, when a clock was available.
    pub timings: Option<Timings>,
    /// What the caller should know about this output (empty for a clean run).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}
