//! The one error type of the engine: each variant says what was wrong with the input or options.

use thiserror::Error;

/// Everything that can go wrong in `scanprep`. Bad input never panics; it yields one of these.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The input holds no bytes at all.
    #[error("the input is empty (0 bytes)")]
    EmptyInput,
    /// The encoded input is larger than `max_input_bytes`.
    #[error("the input is {bytes} bytes, more than the limit of {max_bytes} bytes")]
    InputTooLarge {
        /// Size of the input.
        bytes: u64,
        /// The configured limit.
        max_bytes: u64,
    },
    /// The image has more pixels than `max_pixels` (checked from the header, before decoding).
    #[error("the image is {width}x{height} pixels, more than the limit of {max_pixels} pixels")]
    ImageTooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The configured limit.
        max_pixels: u64,
    },
    /// One side of the image is longer than `max_side`.
    #[error("the image is {width}x{height} pixels; a side is longer than the limit of {max_side}")]
    SideTooLong {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The configured limit.
        max_side: u32,
    },
    /// The image has a zero width or height.
    #[error("the image has no pixels ({width}x{height})")]
    EmptyImage {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The bytes are not in any format this build can read.
    #[error("unsupported or unrecognised image format (JPEG, PNG, TIFF and WebP are supported)")]
    UnsupportedFormat,
    /// The file's format is known, but this build of the engine leaves its decoder out (the
    /// browser build of the npm package, whose host decodes images itself); the package then
    /// hands the file to its full build.
    #[error("this build of scanprep does not decode {format} files (it takes raw pixels)")]
    DecoderNotBuilt {
        /// The detected format, such as `"tiff"`.
        format: &'static str,
    },
    /// The file is in a known format but its data is corrupt, truncated or uses an unsupported feature.
    #[error("cannot decode the {format} image: {reason}")]
    Decode {
        /// The detected format, such as `"jpeg"`.
        format: &'static str,
        /// What the decoder reported.
        reason: String,
    },
    /// The file ends before the image does (an upload cut short): `rows_present` of its
    /// `height` stored rows could be decoded. `allow_truncated` accepts such a file.
    #[error("the {format} file is cut short: {rows_present} of its {height} rows are in it ({missing} missing); upload it again, or set allow_truncated", missing = height.saturating_sub(*rows_present))]
    TruncatedImage {
        /// The detected format.
        format: &'static str,
        /// Complete rows at the top of the stored image.
        rows_present: u32,
        /// The image's height as its header gives it (0 when the header itself is cut).
        height: u32,
    },
    /// The file is in a known format but uses a feature this build does not decode.
    #[error("the {format} file uses {feature}, which is not supported")]
    UnsupportedFeature {
        /// The detected format.
        format: &'static str,
        /// The feature, in words.
        feature: &'static str,
    },
    /// A raw pixel buffer does not match the dimensions given with it.
    #[error("the pixel buffer holds {actual} bytes but {width}x{height} with {channels} channel(s) needs {expected}")]
    BufferSizeMismatch {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Bytes per pixel.
        channels: u32,
        /// Bytes expected.
        expected: u64,
        /// Bytes given.
        actual: u64,
    },
    /// An option is out of range or inconsistent.
    #[error("invalid option `{field}`: {reason}")]
    InvalidOption {
        /// The option's name, as in `Options`, the CLI, the npm package and the Worker.
        field: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// The page corners given in `corners` cannot be a page.
    #[error("invalid page corners: {reason}")]
    InvalidCorners {
        /// Why not, in words.
        reason: &'static str,
    },
    /// The capture failed checks that `reject` turned into errors (the app asks for a
    /// retake): the reasons, and the whole verdict with its measures as in the report.
    #[error("the capture is not good enough: {}", reasons.join(", "))]
    PoorCapture {
        /// The rejected reasons found, such as `too_blurry` or `page_cut_off`.
        reasons: Vec<&'static str>,
        /// The verdict: every reason found and the measures behind them.
        quality: Box<crate::Quality>,
    },
    /// The output cannot meet a limit of the OCR service named by `ocr_profile` (a byte cap,
    /// a side or pixel limit) even after the fallbacks (a smaller format, a reduction).
    #[error(
        "the output does not fit {profile}: its {limit} is {value}, the service allows {allowed}"
    )]
    OcrLimitExceeded {
        /// The profile, such as `azure-read-free`.
        profile: &'static str,
        /// Which limit: `max_bytes`, `max_side`, `min_side` or `max_pixels`.
        limit: &'static str,
        /// The output's value.
        value: u64,
        /// The service's limit.
        allowed: u64,
    },
    /// A page's image cannot go into a PDF as it is (not one of the formats `process`
    /// writes, in colour, or cut short).
    #[error("page {page}'s image cannot go into the PDF: {reason}")]
    PdfPageImage {
        /// The page, counted from 1.
        page: usize,
        /// Why not, in words.
        reason: &'static str,
    },
    /// A document was finished with no page in it.
    #[error("a document needs at least one page")]
    NoPages,
    /// A document has more pages than `max_pages` allows.
    #[error("a document may have at most {max_pages} pages")]
    TooManyPages {
        /// The limit (`max_pages`).
        max_pages: u32,
    },
    /// The OCR words for the text layer cannot be read (hOCR, Tesseract TSV or the JSON
    /// form), or a box is not a box.
    #[error("cannot read the OCR words{}: {reason}", if *line > 0 { format!(" (line {line})") } else { String::new() })]
    InvalidOcrWords {
        /// The line of the words file where it went wrong; 0 when not from a file.
        line: usize,
        /// Why, in words.
        reason: &'static str,
    },
    /// The output could not be encoded.
    #[error("cannot encode the {format} output: {reason}")]
    Encode {
        /// The output format.
        format: &'static str,
        /// What the encoder reported.
        reason: String,
    },
}

impl Error {
    /// A short, stable, machine-readable code for this error (used by the CLI's JSON, the npm
    /// package's `Error.code` and the Worker's JSON errors).
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyInput => "empty_input",
            Error::InputTooLarge { .. } => "input_too_large",
            Error::ImageTooLarge { .. } => "image_too_large",
            Error::SideTooLong { .. } => "side_too_long",
            Error::EmptyImage { .. } => "empty_image",
            Error::UnsupportedFormat => "unsupported_format",
            Error::DecoderNotBuilt { .. } => "decoder_not_built",
            Error::Decode { .. } => "corrupt_image",
            Error::TruncatedImage { .. } => "truncated_image",
            Error::UnsupportedFeature { .. } => "unsupported_feature",
            Error::BufferSizeMismatch { .. } => "buffer_size_mismatch",
            Error::InvalidOption { .. } => "invalid_option",
            Error::Encode { .. } => "encode_failed",
            Error::PdfPageImage { .. } => "pdf_page_image",
            Error::NoPages => "no_pages",
            Error::TooManyPages { .. } => "too_many_pages",
            Error::InvalidOcrWords { .. } => "invalid_ocr_words",
            Error::InvalidCorners { .. } => "invalid_corners",
            Error::PoorCapture { .. } => "poor_capture",
            Error::OcrLimitExceeded { .. } => "ocr_limit_exceeded",
        }
    }

    /// True when the error is about a limit (the input is too big), as opposed to bad data.
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            Error::InputTooLarge { .. } | Error::ImageTooLarge { .. } | Error::SideTooLong { .. }
        )
    }
}
