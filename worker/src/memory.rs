//! Admission by memory: an isolate has 128 MB, shared by the requests it serves at once. The
//! engine runs synchronously, so at most one pipeline runs in an isolate at a time, but every
//! request in flight holds its body in the WebAssembly memory, which grows and never shrinks.
//! Each request reserves its body; before the pipeline runs, the bodies held plus the
//! pipeline's peak for this image must fit `MEMORY_BUDGET_BYTES`, or the answer is `503` with
//! `Retry-After` instead of an out-of-memory isolate.
//!
//! The pipeline's peak, measured natively with a counting allocator (`peak_heap`, the same code
//! as in WebAssembly): 2.14 bytes per pixel for an A4 page at 300 dpi (18.6 MB for 8.7 Mpx,
//! the decoded page included) and 21.2 MB for a 12 MP photo from JPEG (its gray plane, 1 byte
//! per pixel, plus the work at the 9 Mpx working resolution). The estimate below is above both.

use std::cell::Cell;

use crate::http::ApiError;

thread_local! {
    /// Bytes reserved by the requests in flight in this isolate.
    static HELD: Cell<u64> = const { Cell::new(0) };
}

/// A reservation, released when dropped (the request is answered or fails).
pub struct Reservation(u64);

impl Drop for Reservation {
    fn drop(&mut self) {
        HELD.with(|h| h.set(h.get().saturating_sub(self.0)));
    }
}

/// Bytes held by every request in flight.
pub fn held() -> u64 {
    HELD.with(Cell::get)
}

/// Reserves `bytes` (a request body) when they fit `budget` beside what is held.
pub fn reserve(bytes: u64, budget: u64) -> Result<Reservation, ApiError> {
    let now = held();
    if now.saturating_add(bytes) > budget {
        return Err(busy(now, bytes, budget));
    }
    HELD.with(|h| h.set(now + bytes));
    Ok(Reservation(bytes))
}

/// The pipeline's peak heap for an image of `pixels` reduced to at most `working` pixels:
/// the decoded gray plane, 1.15 bytes per working pixel and 1 MB of tables and rows. With
/// text sizing on (`text_sizing`), small text may be binarized again on a copy enlarged up to
/// 16 times the page (4 times a side) within `working` pixels, beside the page it came from.
pub fn pipeline_peak(pixels: u64, working: u64, text_sizing: bool) -> u64 {
    let page = if working == 0 {
        pixels
    } else {
        pixels.min(working)
    };
    let binarized = match (text_sizing, working) {
        (false, _) => 0,
        (true, 0) => 16 * page,
        (true, w) => (16 * page).min(w.max(page)),
    };
    pixels + page + page * 3 / 20 + binarized * 23 / 20 + (1 << 20)
}

/// Checks that the pipeline's peak fits beside the bodies held (the pipeline itself is not
/// reserved: it runs to the end before another request's code can run).
pub fn admit_pipeline(peak: u64, budget: u64) -> Result<(), ApiError> {
    let now = held();
    if now.saturating_add(peak) > budget {
        return Err(busy(now, peak, budget));
    }
    Ok(())
}

fn busy(held: u64, want: u64, budget: u64) -> ApiError {
    let mut e = ApiError::new(
        503,
        "busy",
        format!(
            "this server is busy: {} MB are held by requests in flight and this one needs {} MB \
             more, over the budget of {} MB; try again shortly",
            held >> 20,
            want.div_ceil(1 << 20),
            budget >> 20
        ),
    );
    e.retry_after = Some(2);
    e
}
