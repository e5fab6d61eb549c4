//! Skew accuracy on generated pages with known angles.
//!
//! `cargo run --release -p scanprep-benches --bin skew_eval [N] [MAX_DEG]` renders N pages
//! (default 60) with angles spread over ±MAX_DEG (default 15): all nine DejaVu faces, sizes
//! from 8 to 14 pt at 150 dpi, one and two columns, noise, blur, shading and JPEG artefacts,
//! then prints the mean and maximum absolute error and the lowest confidence.

use scanprep_fixtures::{render_page, skew_test_page};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let max_deg: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(15.0);
    let (mut sum, mut worst, mut min_conf) = (0.0f64, 0.0f64, 1.0f64);
    let only: Option<u64> = std::env::var("ONLY").ok().and_then(|s| s.parse().ok());
    for i in (0..n).filter(|i| only.is_none_or(|o| o == *i)) {
        let s = skew_test_page(i, max_deg, 0x5eed);
        let page = render_page(&s);
        let e = scanprep::detect_skew(&page.image, 45.0);
        let err = (e.degrees - s.skew_degrees).abs();
        sum += err;
        worst = worst.max(err);
        min_conf = min_conf.min(e.confidence);
        if err > 0.1 || std::env::var_os("VERBOSE").is_some() {
            println!(
                "page {i:3}: true {:7.2}  found {:8.3}  err {err:.3}  conf {:.3}  {:?} {:.0}px cols {}",
                s.skew_degrees, e.degrees, e.confidence, s.font, s.text_px, s.columns
            );
        }
    }
    println!(
        "pages {n}, range ±{max_deg}°: mean abs error {:.4}°, max {:.3}°, min confidence {:.3}",
        sum / n as f64,
        worst,
        min_conf
    );
}
