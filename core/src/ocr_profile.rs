//! OCR API profiles: what each OCR service accepts (formats, bytes, pixels, text size), so
//! that the output is one the service takes.
//!
//! The figures are the services' published limits for synchronous calls: Amazon Textract
//! (`DetectDocumentText`: PNG, JPEG, TIFF; 10 MB; at most 10,000 px a side), Google Cloud
//! Vision (`images:annotate`: JPEG, PNG and others, not TIFF; 20 MB; 75 Mpx), Azure AI Vision
//! Read (JPEG, PNG, BMP, TIFF, PDF; 4 MB on the free tier, 500 MB otherwise; 50 to 10,000 px a
//! side; text at least 12 px high) and Tesseract (any of our formats; x-height about 20 px).
//! The pipeline picks an accepted format when the one asked for is not (and says so in the
//! report's warnings), reduces a page beyond the pixel limits, falls back to a smaller
//! accepted encoding beyond the byte cap, and otherwise fails with
//! [`Error::OcrLimitExceeded`](crate::Error::OcrLimitExceeded), which names the limit.

use serde::{Deserialize, Serialize};

use crate::{Error, Format};

/// The OCR service the output goes to.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OcrProfile {
    /// No service's limits (the default).
    #[default]
    None,
    /// Tesseract 4/5.
    Tesseract,
    /// Amazon Textract, synchronous.
    Textract,
    /// Google Cloud Vision, `images:annotate`.
    GoogleVision,
    /// Azure AI Vision Read (standard tier).
    AzureRead,
    /// Azure AI Vision Read on the free tier (4 MB).
    AzureReadFree,
}

/// What an OCR service accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OcrLimits {
    /// Output formats it reads, best first.
    pub formats: &'static [Format],
    /// Largest file, in bytes.
    pub max_bytes: Option<u64>,
    /// Most pixels.
    pub max_pixels: Option<u64>,
    /// Longest side, in pixels.
    pub max_side: Option<u32>,
    /// Shortest side, in pixels.
    pub min_side: Option<u32>,
    /// The smallest x-height, in pixels, it reads well: text sizing enlarges smaller text to
    /// at least this, whatever `target_x_height` says.
    pub min_x_height_px: Option<f32>,
}

const ALL: &[Format] = &[
    Format::Tiff,
    Format::Png,
    Format::GrayPng,
    Format::Jpeg,
    Format::Jbig2,
];
const MB: u64 = 1024 * 1024;

impl OcrProfile {
    /// The name used in options, flags and JSON.
    pub fn name(self) -> &'static str {
        match self {
            OcrProfile::None => "none",
            OcrProfile::Tesseract => "tesseract",
            OcrProfile::Textract => "textract",
            OcrProfile::GoogleVision => "google-vision",
            OcrProfile::AzureRead => "azure-read",
            OcrProfile::AzureReadFree => "azure-read-free",
        }
    }

    /// The service's limits.
    pub fn limits(self) -> OcrLimits {
        let none = OcrLimits {
            formats: ALL,
            max_bytes: None,
            max_pixels: None,
            max_side: None,
            min_side: None,
            min_x_height_px: None,
        };
        // Azure reads text from 12 px high (capitals): an x-height of about 9 px.
        let azure = OcrLimits {
            formats: &[Format::Tiff, Format::Png, Format::GrayPng, Format::Jpeg],
            max_bytes: Some(500 * MB),
            max_side: Some(10_000),
            min_side: Some(50),
            min_x_height_px: Some(9.0),
            ..none
        };
        match self {
            OcrProfile::None => none,
            OcrProfile::Tesseract => OcrLimits {
                min_x_height_px: Some(20.0),
                ..none
            },
            OcrProfile::Textract => OcrLimits {
                formats: &[Format::Tiff, Format::Png, Format::GrayPng, Format::Jpeg],
                max_bytes: Some(10 * MB),
                max_side: Some(10_000),
                // Textract reads text from 15 px high: an x-height of about 11 px.
                min_x_height_px: Some(11.0),
                ..none
            },
            OcrProfile::GoogleVision => OcrLimits {
                formats: &[Format::Png, Format::GrayPng, Format::Jpeg],
                max_bytes: Some(20 * MB),
                max_pixels: Some(75_000_000),
                ..none
            },
            OcrProfile::AzureRead => azure,
            OcrProfile::AzureReadFree => OcrLimits {
                max_bytes: Some(4 * MB),
                ..azure
            },
        }
    }

    /// The format to write: `asked` when the service reads it, else the first accepted one of
    /// the same kind (bilevel or gray).
    pub fn format_for(self, asked: Format) -> Format {
        let l = self.limits();
        if l.formats.contains(&asked) {
            return asked;
        }
        l.formats
            .iter()
            .copied()
            .find(|f| f.is_bilevel() == asked.is_bilevel())
            .unwrap_or(l.formats[0])
    }

    /// The largest scale (at most 1) that brings a `w`×`h` page within the pixel limits.
    pub(crate) fn fit_scale(self, w: u32, h: u32) -> f64 {
        let l = self.limits();
        let mut s: f64 = 1.0;
        if let Some(m) = l.max_side {
            s = s.min(m as f64 / w.max(h).max(1) as f64);
        }
        if let Some(m) = l.max_pixels {
            s = s.min((m as f64 / (w as f64 * h as f64).max(1.0)).sqrt());
        }
        s
    }

    /// Checks a `w`×`h` output of `bytes` bytes against the limits.
    pub(crate) fn check(self, w: u32, h: u32, bytes: usize) -> Result<(), Error> {
        let l = self.limits();
        let over = |limit: &'static str, value: u64, allowed: u64| Error::OcrLimitExceeded {
            profile: self.name(),
            limit,
            value,
            allowed,
        };
        if let Some(m) = l.max_side {
            if w.max(h) > m {
                return Err(over("max_side", w.max(h) as u64, m as u64));
            }
        }
        if let Some(m) = l.min_side {
            if w.min(h) < m {
                return Err(over("min_side", w.min(h) as u64, m as u64));
            }
        }
        if let Some(m) = l.max_pixels {
            let p = w as u64 * h as u64;
            if p > m {
                return Err(over("max_pixels", p, m));
            }
        }
        if let Some(m) = l.max_bytes {
            if bytes as u64 > m {
                return Err(over("max_bytes", bytes as u64, m));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_json() {
        for p in [
            OcrProfile::None,
            OcrProfile::Tesseract,
            OcrProfile::Textract,
            OcrProfile::GoogleVision,
            OcrProfile::AzureRead,
            OcrProfile::AzureReadFree,
        ] {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
            assert_eq!(serde_json::from_str::<OcrProfile>(&json).unwrap(), p);
        }
    }

    #[test]
    fn a_format_the_service_does_not_read_is_replaced_by_one_of_its_kind() {
        assert_eq!(
            OcrProfile::GoogleVision.format_for(Format::Tiff),
            Format::Png
        );
        assert_eq!(
            OcrProfile::GoogleVision.format_for(Format::Jpeg),
            Format::Jpeg
        );
        assert_eq!(OcrProfile::Textract.format_for(Format::Tiff), Format::Tiff);
    }

    #[test]
    fn limits_name_what_is_exceeded() {
        let e = OcrProfile::AzureReadFree
            .check(2000, 3000, 5 * 1024 * 1024)
            .unwrap_err();
        assert!(matches!(
            e,
            Error::OcrLimitExceeded {
                limit: "max_bytes",
                ..
            }
        ));
        let e = OcrProfile::AzureRead.check(40, 3000, 10).unwrap_err();
        assert!(matches!(
            e,
            Error::OcrLimitExceeded {
                limit: "min_side",
                value: 40,
                allowed: 50,
                ..
            }
        ));
        OcrProfile::None.check(1, 100_000, usize::MAX).unwrap();
        assert_eq!(OcrProfile::Textract.fit_scale(20_000, 1000), 0.5);
        assert!((OcrProfile::GoogleVision.fit_scale(15_000, 10_000) - 0.5f64.sqrt()).abs() < 1e-9);
    }
}
