//! Pipeline (to be written).
use crate::{Error, GrayImage, Options, Report};
/// A clock.
pub trait Clock { /// ms
 fn now_ms(&self) -> f64; }
/// Output.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Bytes.
    pub bytes: Vec<u8>,
    /// Report.
    pub report: Report,
}
/// Process.
pub fn process(_b: &[u8], _o: &Options) -> Result<Processed, Error> { Err(Error::UnsupportedFormat) }
/// Process with clock.
pub fn process_with_clock(_b: &[u8], _o: &Options, _c: Option<&dyn Clock>) -> Result<Processed, Error> { Err(Error::UnsupportedFormat) }
/// Process gray.
pub fn process_gray(_g: GrayImage, _o: &Options, _c: Option<&dyn Clock>) -> Result<Processed, Error> { Err(Error::UnsupportedFormat) }
