//! Peak heap of the pipeline, measured with a counting global allocator.
//!
//! `cargo run --release -p scanprep-benches --bin peak_heap` prints, for the A4 page (budget
//! chain and defaults, after decoding) and the 12 MP photo (defaults, from JPEG bytes), the
//! peak number of bytes allocated during the call, in bytes per input pixel.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns the peak heap above what was allocated before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - base)
}

fn main() {
    let page = scanprep_benches::a4_gray();
    let px = page.width() as f64 * page.height() as f64;
    let mut rows = Vec::new();
    for (name, opts) in [
        ("a4_budget_chain", scanprep_benches::budget_options()),
        ("a4_defaults", scanprep::Options::default()),
    ] {
        let input = page.clone();
        // The page itself (1 byte/px) is counted: it is moved into the pipeline.
        let input_bytes = input.data().len();
        let (r, peak) = peak_of(move || scanprep::process_gray(input, &opts, None));
        let r = r.expect("pipeline runs");
        rows.push((name, peak + input_bytes, px, r.bytes.len()));
    }
    drop(page);
    let jpeg = scanprep_benches::photo_jpeg();
    let (r, peak) = peak_of(|| scanprep::process(&jpeg, &scanprep::Options::default()));
    let r = r.expect("pipeline runs");
    rows.push((
        "photo12mp_from_jpeg",
        peak,
        (r.report.input_width as f64) * (r.report.input_height as f64),
        r.bytes.len(),
    ));
    println!("| run | peak heap | bytes per input pixel | output bytes |");
    println!("|---|---:|---:|---:|");
    for (name, peak, px, out) in rows {
        println!(
            "| {name} | {:.1} MB | {:.2} | {out} |",
            peak as f64 / 1e6,
            peak as f64 / px
        );
    }
}
