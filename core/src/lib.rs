//! # scanprep
//!
//! Edge-side OCR preprocessing: decode a scan or a phone photo of a document, straighten it,
//! turn it into clean black text on white and compress it, before it travels to an OCR service.
//!
//! The pipeline, one module per stage, in order:
//! [`decode`](decode_image) → [`page`](detect_page) → [`rectify`] (a photographed page) or
//! [`resize`](reduce_to_working) → quality ([`Quality`]) → [`denoise`] →
//! [`background`](normalize_background) → sharpen ([`restore`]) →
//! [`orientation`](detect_orientation) / [`turn`] → [`deskew`](detect_skew) / [`rotate`] →
//! [`binarize`] → [`clean`] → text size ([`measure_text`]; small text binarized again at a
//! higher resolution) → [`encode`](encode_g4_tiff), within the limits of the OCR service
//! ([`OcrProfile`]).
//! [`process`] runs the whole chain; every stage is usable on its own.
//!
//! The crate is pure Rust with no I/O, threads or clocks, so it builds for
//! `wasm32-unknown-unknown` and gives the same bytes there as natively. No input panics: bad
//! input yields a typed [`Error`].
#![warn(missing_docs)]
#![forbid(unsafe_code)]
// A panic in WebAssembly traps and can poison a Worker: outside tests, no unwrap, expect or
// panic!, so that every failure is a typed error. Clippy (-D warnings in CI) enforces it.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod background;
mod binarize;
mod chroma;
mod clean;
mod decode;
mod deglare;
mod denoise;
mod deskew;
mod encode;
mod error;
pub mod eval;
mod geometry;
mod image;
mod math;
mod ocr_profile;
mod options;
mod orientation;
mod page;
mod pdf;
mod pipeline;
mod quality;
mod rectify;
mod report;
mod resize;
mod rotate;
mod sharpen;
mod sort;
mod text_size;

pub use background::normalize_background;
pub use binarize::{binarize, BinarizationReport, BinarizeParams};
pub use chroma::{Chroma, ChromaBuilder};
pub use clean::{clean, CleanParams, CleanReport};
pub use decode::{
    decode_image, decode_image_owned, gray_from_rgba, gray_from_rgba_pixels, probe_image, Decoded,
    ImageInfo, Limits, Truncation,
};
pub use deglare::flatten_photo;
pub use denoise::{denoise, noise_sigma};
pub use deskew::{detect_skew, SkewEstimate};
pub use encode::{
    encode_g4, encode_g4_tiff, encode_jbig2, encode_jbig2_embedded, encode_jbig2_with,
    encode_jpeg_gray, encode_png_bilevel, encode_png_gray, Jbig2Params,
};
pub use error::Error;
pub use geometry::{polygon_jaccard, Homography, Point};
pub use image::{BitImage, GrayImage};
pub use ocr_profile::{OcrLimits, OcrProfile};
pub use options::{Binarization, Format, Options, PngEffort, MIN_WORKING_PIXELS};
pub use orientation::{detect_orientation, OrientationEstimate};
pub use page::{detect_page, detect_page_color, PageDetection};
pub use pdf::{
    create_pdf, jbig2_from_group4_tiff, PageWords, PdfOptions, PdfPage, PdfSummary, PdfWriter, Word,
};
pub use pipeline::{
    detect, detect_color, detect_frame, detect_frame_rgba, detect_gray, detect_owned, process,
    process_color, process_gray, process_owned, process_rgba, process_with_clock, Clock, Processed,
};
pub use quality::{Quality, QualityMeasures, QualityReason};
pub use rectify::{rectify, PageSize, PaperSize, Rectified};
pub use report::{Detection, PageReport, PageSource, Report, Timings, Warning};
pub use resize::{reduce_to_working, resize_area};
pub use rotate::{rotate, turn};
pub use sharpen::restore;
pub use text_size::{
    measure_text, TextMeasure, TextSizeReport, DEFAULT_TARGET_X_HEIGHT, TARGET_X_HEIGHT_RANGE,
};
