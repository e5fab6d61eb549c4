//! The options of the whole pipeline: one plain serde struct with defaults, validated once.
//!
//! The field names are the contract shared by the Rust API, the CLI flags (`--max-pixels`), the
//! npm package (camelCase: `maxPixels`) and the Worker's JSON (`max_pixels`).

use serde::{Deserialize, Serialize};

use crate::{Error, PageSize, Point, QualityReason};

/// Which binarization method to use.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Binarization {
    /// No binarization: the output stays 8-bit grayscale (`gray-png` or `jpeg`).
    None,
    /// One global threshold that best separates the histogram (Otsu 1979).
    Otsu,
    /// Local mean and deviation in a window (Sauvola & Pietikäinen 2000).
    Sauvola,
    /// Stroke-edge local threshold on the background-normalised page (after Lu, Su & Tan 2010).
    Edge,
    /// Picks a method per image from its histogram and contrast (the default).
    #[default]
    Auto,
}

impl Binarization {
    /// The name used in options, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Binarization::None => "none",
            Binarization::Otsu => "otsu",
            Binarization::Sauvola => "sauvola",
            Binarization::Edge => "edge",
            Binarization::Auto => "auto",
        }
    }
}

/// The encoded output.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Format {
    /// Bilevel TIFF compressed with CCITT Group 4 (the smallest for text).
    #[default]
    Tiff,
    /// Bilevel (1-bit) PNG.
    Png,
    /// 8-bit grayscale PNG (with binarization switched off).
    GrayPng,
    /// 8-bit grayscale JPEG (with binarization switched off).
    Jpeg,
    /// Bilevel, lossless JBIG2 (generic region, ITU-T T.88) as a stand-alone file: about a
    /// third smaller than Group 4 on text pages; read by PDF viewers, `jbig2dec` and few OCR
    /// services, so mostly for archives and PDF exports.
    Jbig2,
}

impl Format {
    /// The name used in options, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::Tiff => "tiff",
            Format::Png => "png",
            Format::GrayPng => "gray-png",
            Format::Jpeg => "jpeg",
            Format::Jbig2 => "jbig2",
        }
    }
    /// The media type of the encoded output.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Tiff => "image/tiff",
            Format::Png | Format::GrayPng => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Jbig2 => "image/x-jbig2",
        }
    }
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Tiff => "tiff",
            Format::Png | Format::GrayPng => "png",
            Format::Jpeg => "jpg",
            Format::Jbig2 => "jb2",
        }
    }
    /// True for the 1-bit formats, which need a binarization method.
    pub fn is_bilevel(self) -> bool {
        matches!(self, Format::Tiff | Format::Png | Format::Jbig2)
    }
}

/// How hard the 1-bit PNG encoder works for a smaller file (`format = png` only).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PngEffort {
    /// Near-optimal parsing with short match searches: ~40 ms for an A4 page at 300 dpi (the
    /// default, for the edge's CPU limits).
    #[default]
    Fast,
    /// Binary-tree match finding, four cost-model passes, blocks cut where the statistics
    /// change, and every filter strategy compressed whole (the smallest kept): 4-8% smaller
    /// than `fast`, and smaller than oxipng -o4, in ~3 s for an A4 page at 300 dpi natively.
    Max,
}

impl PngEffort {
    /// The name used in options, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            PngEffort::Fast => "fast",
            PngEffort::Max => "max",
        }
    }
}

/// The smallest `max_working_pixels` other than 0 (no reduction).
pub const MIN_WORKING_PIXELS: u64 = 10_000;

/// All the settings of [`process`](crate::process). `Options::default()` is what a user gets
/// with no flags: decode with safe limits, reduce oversized photos, flatten the background,
/// deskew, binarize with `auto`, clean, and encode a Group 4 TIFF.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Largest encoded input accepted, in bytes.
    pub max_input_bytes: u64,
    /// Largest image accepted, in pixels (width × height), checked from the header before decoding.
    pub max_pixels: u64,
    /// Longest side accepted, in pixels.
    pub max_side: u32,
    /// Accept a file cut short (an interrupted upload): its missing rows are white and the
    /// report warns. Off by default: such a file is a `truncated_image` error.
    pub allow_truncated: bool,
    /// Find the page in a photo and rectify its perspective (a scan, or a page that fills the
    /// frame, has no page to find and is left as it is).
    pub detect_page: bool,
    /// The page's four corners in input pixels (after EXIF orientation), clockwise from its
    /// top-left: skips detection (to correct a wrong one by hand).
    pub corners: Option<[Point; 4]>,
    /// The page's format, which fixes the rectified aspect ratio: `auto` estimates it from
    /// the photo; `a4`, `letter`, `legal`, `id-card`, `receipt`, or a height/width ratio.
    pub page_size: PageSize,
    /// Find the text's orientation and turn the page upright (0, 90, 180 or 270°).
    pub detect_orientation: bool,
    /// Capture-quality reasons that fail the call with `poor_capture` instead of only being
    /// reported (for instance `["too_blurry", "page_cut_off"]`).
    pub reject: Vec<QualityReason>,
    /// Images with more pixels than this are reduced (area-averaged) to this size before the
    /// other stages; 0 keeps the full resolution.
    pub max_working_pixels: u64,
    /// Flatten uneven illumination and shadows before thresholding.
    pub normalize_background: bool,
    /// Detect the skew angle and straighten the page.
    pub deskew: bool,
    /// The skew search range, ± this many degrees (at most 45).
    pub max_skew_degrees: f32,
    /// Angles smaller than this (in absolute value) are not corrected.
    pub min_skew_degrees: f32,
    /// Confidence (0 to 1) below which the page is not rotated.
    pub min_skew_confidence: f32,
    /// The binarization method.
    pub binarization: Binarization,
    /// Window side in pixels for the local methods; `None` derives it from the page.
    pub window: Option<u32>,
    /// The sensitivity `k` of Sauvola (default 0.2); `None` uses the method's default.
    pub k: Option<f32>,
    /// Remove small isolated specks of ink (noise), keeping dots, accents and punctuation.
    pub despeckle: bool,
    /// Largest speck removed, in pixels of area; `None` derives it from the page's stroke size.
    pub max_speckle_pixels: Option<u32>,
    /// Remove the black borders that scanners and dark backgrounds leave around the page.
    pub remove_borders: bool,
    /// The x-height, in pixels, that OCR should see (8 to 64; default 24). The text is
    /// measured on the binarized page: x-heights below 3/4 of this are binarized again from
    /// the gray page enlarged to it (within `max_working_pixels`), above twice this are
    /// reduced to 1.5 times it; ordinary 300 dpi text is left as it is. On a soft page (text
    /// edges wider than a sharp scan's: a photo, a blurred scan) the target grows with the
    /// edge width, up to 1.5 times. `None` turns text sizing off.
    pub target_x_height: Option<f32>,
    /// The OCR service the output goes to (`none`, `tesseract`, `textract`, `google-vision`,
    /// `azure-read`, `azure-read-free`): its formats, byte cap, pixel limits and smallest
    /// text are kept to, or the call fails with `ocr_limit_exceeded`.
    pub ocr_profile: crate::OcrProfile,
    /// The encoded output.
    pub format: Format,
    /// JPEG quality (1 to 100) for `format = jpeg`.
    pub jpeg_quality: u8,
    /// Time against size for `format = png`.
    pub png_effort: PngEffort,
    /// The input's resolution in dots per inch, when known; the output file records it,
    /// scaled by the working-resolution reduction.
    pub dpi: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_input_bytes: 100 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_side: 30_000,
            allow_truncated: false,
            detect_page: true,
            corners: None,
            page_size: PageSize::default(),
            detect_orientation: true,
            reject: Vec::new(),
            max_working_pixels: 9_000_000,
            normalize_background: true,
            deskew: true,
            max_skew_degrees: 45.0,
            min_skew_degrees: 0.05,
            min_skew_confidence: 0.3,
            binarization: Binarization::Auto,
            window: None,
            k: None,
            despeckle: true,
            max_speckle_pixels: None,
            remove_borders: true,
            target_x_height: Some(crate::DEFAULT_TARGET_X_HEIGHT),
            ocr_profile: crate::OcrProfile::None,
            format: Format::Tiff,
            jpeg_quality: 80,
            png_effort: PngEffort::Fast,
            dpi: None,
        }
    }
}

impl Options {
    /// Checks every field once, at the boundary. Stages may then rely on the ranges.
    pub fn validate(&self) -> Result<(), Error> {
        fn bad(field: &'static str, reason: impl Into<String>) -> Result<(), Error> {
            Err(Error::InvalidOption {
                field,
                reason: reason.into(),
            })
        }
        if self.max_input_bytes == 0 {
            return bad("max_input_bytes", "must be at least 1");
        }
        if self.max_pixels == 0 {
            return bad("max_pixels", "must be at least 1");
        }
        if self.max_side == 0 {
            return bad("max_side", "must be at least 1");
        }
        if let Some(c) = &self.corners {
            if c.iter().flatten().any(|v| !v.is_finite()) {
                return Err(Error::InvalidCorners {
                    reason: "a coordinate is not a finite number",
                });
            }
            if !crate::geometry::is_convex(c) {
                return Err(Error::InvalidCorners {
                    reason: "the four corners do not form a convex quadrilateral (collinear, crossing or repeated points)",
                });
            }
            if crate::geometry::signed_area2(c) < 0.0 {
                return Err(Error::InvalidCorners {
                    reason: "the corners go counter-clockwise; give them clockwise from the page's top-left",
                });
            }
        }
        self.page_size.validate()?;
        if self.max_working_pixels != 0 && self.max_working_pixels < MIN_WORKING_PIXELS {
            return bad(
                "max_working_pixels",
                "must be 0 (no reduction) or at least 10000",
            );
        }
        if !(self.max_skew_degrees.is_finite() && (0.5..=45.0).contains(&self.max_skew_degrees)) {
            return bad("max_skew_degrees", "must be between 0.5 and 45");
        }
        if !(self.min_skew_degrees.is_finite() && (0.0..=10.0).contains(&self.min_skew_degrees)) {
            return bad("min_skew_degrees", "must be between 0 and 10");
        }
        if !(self.min_skew_confidence.is_finite()
            && (0.0..=1.0).contains(&self.min_skew_confidence))
        {
            return bad("min_skew_confidence", "must be between 0 and 1");
        }
        if let Some(w) = self.window {
            if !(3..=1001).contains(&w) {
                return bad("window", format!("{w} is outside 3..=1001 pixels"));
            }
        }
        if let Some(k) = self.k {
            if !(k.is_finite() && (0.0..=1.0).contains(&k)) {
                return bad("k", "must be between 0 and 1");
            }
        }
        if let Some(s) = self.max_speckle_pixels {
            if s > 10_000 {
                return bad("max_speckle_pixels", format!("{s} is more than 10000"));
            }
        }
        if let Some(t) = self.target_x_height {
            if !(t.is_finite() && crate::TARGET_X_HEIGHT_RANGE.contains(&t)) {
                return bad(
                    "target_x_height",
                    format!("{t} is outside 8..=64 pixels (null turns text sizing off)"),
                );
            }
        }
        if !(1..=100).contains(&self.jpeg_quality) {
            return bad(
                "jpeg_quality",
                format!("{} is outside 1..=100", self.jpeg_quality),
            );
        }
        if let Some(d) = self.dpi {
            if !(1..=100_000).contains(&d) {
                return bad("dpi", format!("{d} is outside 1..=100000"));
            }
        }
        if self.format.is_bilevel() && self.binarization == Binarization::None {
            return bad(
                "format",
                format!(
                    "`{}` is a 1-bit format and needs binarization; use `gray-png` or `jpeg` with binarization `none`",
                    self.format.name()
                ),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_json() {
        let o = Options::default();
        o.validate().unwrap();
        let json = serde_json::to_string(&o).unwrap();
        let back: Options = serde_json::from_str(&json).unwrap();
        assert_eq!(o, back);
    }

    #[test]
    fn partial_json_uses_defaults_and_unknown_fields_are_refused() {
        let o: Options =
            serde_json::from_str(r#"{"binarization":"otsu","format":"gray-png"}"#).unwrap();
        assert_eq!(o.binarization, Binarization::Otsu);
        assert_eq!(o.format, Format::GrayPng);
        assert!(o.deskew);
        assert!(serde_json::from_str::<Options>(r#"{"deskw":false}"#).is_err());
    }

    #[test]
    fn bilevel_format_without_binarization_is_refused() {
        let o = Options {
            binarization: Binarization::None,
            ..Options::default()
        };
        assert_eq!(o.validate().unwrap_err().code(), "invalid_option");
        let o = Options {
            binarization: Binarization::None,
            format: Format::Jpeg,
            ..Options::default()
        };
        o.validate().unwrap();
    }

    #[test]
    fn out_of_range_values_name_the_field() {
        let o = Options {
            max_skew_degrees: 80.0,
            ..Options::default()
        };
        assert!(matches!(
            o.validate(),
            Err(Error::InvalidOption {
                field: "max_skew_degrees",
                ..
            })
        ));
        let o = Options {
            k: Some(f32::NAN),
            ..Options::default()
        };
        assert!(matches!(
            o.validate(),
            Err(Error::InvalidOption { field: "k", .. })
        ));
    }
}
