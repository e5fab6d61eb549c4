//! What text sizing does for OCR: Tesseract's character error rate (CER) on rendered pages of
//! small and ordinary text (6 to 12 pt at 100 to 300 dpi, the nine DejaVu faces, one or two
//! columns, light noise, blur and JPEG), for the raw page, for scanprep with text sizing off
//! (`target_x_height: None`) and for scanprep's default (x-height brought to 24 px), by the
//! x-height the page was measured at.
//!
//! `cargo run --release -p scanprep-benches --bin text_size_eval -- FROM TO`
//! (needs `tesseract` with English data on the PATH). Seeds 0–19 were used for tuning;
//! report others.

use scanprep::{process_gray, Format, Options};
use scanprep_benches::ocr::{cer, normalise, read};
use scanprep_fixtures::rng::SplitMix64;
use scanprep_fixtures::{render_page, Font, PageSpec};

/// x-height classes of the summary, in pixels (upper bounds).
const CLASSES: [(f64, &str); 4] = [
    (10.0, "x-height < 10 px"),
    (14.0, "10-14 px"),
    (18.0, "14-18 px"),
    (f64::INFINITY, ">= 18 px"),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds = scanprep_benches::seed_range(&args, 10);
    let dir = std::env::temp_dir().join(format!("scanprep-text-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let sized = Options {
        format: Format::Png,
        ..Options::default()
    };
    let unsized_ = Options {
        target_x_height: None,
        ..sized.clone()
    };
    // Per class: sums of the three CERs, bytes of the two outputs, pages.
    let mut sums = [([0.0f64; 3], [0u64; 2], 0usize); CLASSES.len()];
    for seed in seeds {
        let spec = page_spec(seed);
        let dpi = (spec.width as f64 / 8.27).round();
        let pt = spec.text_px as f64 * 72.0 / dpi;
        let page = render_page(&spec);
        let truth = normalise(&page.text);
        if truth.len() < 200 {
            continue;
        }
        let raw = read(
            &dir,
            "raw",
            &scanprep_fixtures::fixtures::png_gray(&page.image),
        );
        let (Ok(off), Ok(on)) = (
            process_gray(page.image.clone(), &unsized_, None),
            process_gray(page.image, &sized, None),
        ) else {
            println!("seed {seed}: pipeline error");
            continue;
        };
        let ts = on.report.text_size.clone().unwrap_or_default();
        let texts = [
            raw,
            read(&dir, "off", &off.bytes),
            read(&dir, "on", &on.bytes),
        ];
        let c = texts.map(|t| cer(&normalise(&t), &truth));
        let xh = ts.text_height_px.unwrap_or(0.0);
        println!(
            "seed {seed}\t{:?} {dpi} dpi {pt:.1} pt\tx-height {xh:.1} px\tscale {:.2} ({})\tCER raw {:.3}\toff {:.3}\tsized {:.3}\tbytes {} -> {}",
            spec.font, ts.scale, ts.decision, c[0], c[1], c[2], off.bytes.len(), on.bytes.len()
        );
        let k = CLASSES.iter().position(|(hi, _)| xh < *hi).unwrap_or(0);
        let s = &mut sums[k];
        for (a, v) in s.0.iter_mut().zip(c) {
            *a += v;
        }
        s.1[0] += off.bytes.len() as u64;
        s.1[1] += on.bytes.len() as u64;
        s.2 += 1;
    }
    println!("| x-height (measured) | pages | CER raw | CER scanprep, sizing off | CER scanprep, default | bytes off → default |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut all = ([0.0f64; 3], [0u64; 2], 0usize);
    for ((_, name), (c, b, n)) in CLASSES.iter().zip(sums) {
        if n == 0 {
            continue;
        }
        let m = c.map(|v| v / n as f64);
        println!(
            "| {name} | {n} | {:.3} | {:.3} | {:.3} | {} → {} |",
            m[0],
            m[1],
            m[2],
            b[0] / n as u64,
            b[1] / n as u64
        );
        for (a, v) in all.0.iter_mut().zip(c) {
            *a += v;
        }
        all.1[0] += b[0];
        all.1[1] += b[1];
        all.2 += n;
    }
    let n = all.2.max(1) as f64;
    println!(
        "| all | {} | {:.3} | {:.3} | {:.3} | {} → {} |",
        all.2,
        all.0[0] / n,
        all.0[1] / n,
        all.0[2] / n,
        all.1[0] / n as u64,
        all.1[1] / n as u64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A page of seed `seed`: A4 at 100–300 dpi, 6–12 pt, mildly degraded.
fn page_spec(seed: u64) -> PageSpec {
    let mut r = SplitMix64::stream(seed, 0x7e47);
    let dpi = *r.pick(&[100.0, 150.0, 200.0, 300.0]);
    let pt = r.range_f64(6.0, 12.0);
    let font = *r.pick(&Font::ALL);
    let columns = if r.chance(0.3) { 2 } else { 1 };
    let noise = r.range_f64(0.0, 0.3) as f32;
    let blur = (r.range_f64(0.0, 0.7) * dpi / 300.0) as f32;
    let jpeg_quality = r.chance(0.4).then(|| 60 + r.below(31) as u8);
    let skew_degrees = r.range_f64(-3.0, 3.0);
    PageSpec {
        width: (8.27 * dpi).round() as u32,
        height: (11.69 * dpi).round() as u32,
        font,
        text_px: (pt * dpi / 72.0) as f32,
        columns,
        noise,
        blur,
        jpeg_quality,
        skew_degrees,
        seed,
        ..PageSpec::a4_300dpi()
    }
}
