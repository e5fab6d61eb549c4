//! Peak heap of the pipeline, measured with a counting global allocator.
//!
//! `cargo run --release -p scanprep-benches --bin peak_heap` prints, for the A4 page (budget
//! chain and defaults, after decoding; defaults with the 1-bit PNG at either effort) and the
//! 12 MP photo (defaults, from JPEG bytes), the
//! peak number of bytes allocated during the call, in bytes per input pixel.

use scanprep_benches::heap::{peak_of, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    let page = scanprep_benches::a4_gray();
    let px = page.width() as f64 * page.height() as f64;
    let mut rows = Vec::new();
    let png = |png_effort| scanprep::Options {
        format: scanprep::Format::Png,
        png_effort,
        ..Default::default()
    };
    for (name, opts) in [
        ("a4_budget_chain", scanprep_benches::budget_options()),
        ("a4_defaults", scanprep::Options::default()),
        ("a4_defaults_png_fast", png(scanprep::PngEffort::Fast)),
        ("a4_defaults_png_max", png(scanprep::PngEffort::Max)),
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
