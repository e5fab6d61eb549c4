//! `leptonica-peer DIR RUNS`: times the `leptonica` crate's skew finder, Otsu and Sauvola
//! binarization and rotation on DIR/a4.png, and its skew finder on every page listed in
//! DIR/skew_pages.tsv (file, true angle); prints one JSON object on stdout.

use std::time::Instant;

use leptonica::color::threshold::{sauvola_threshold, threshold_otsu};
use leptonica::recog::skew::{find_skew, SkewDetectOptions};
use leptonica::transform::rotate_by_angle;

fn median_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let out = std::hint::black_box(f());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    times.sort_by(f64::total_cmp);
    (times[runs / 2], last.expect("at least one run"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(&args[1]);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    let page = leptonica::io::read_image(dir.join("a4.png")).expect("reads a4.png");
    // Leptonica's sweep covers ±7° by default; the test pages go to ±15°.
    let opts = SkewDetectOptions::default().with_sweep_range(15.0);
    // The crate's angle has scanprep's sign (positive = content rotated counter-clockwise on
    // screen), checked on the pages with known skew; it deskews by rotating by minus it.
    let (skew_ms, skew) = median_ms(runs, || find_skew(&page, &opts).expect("finds skew"));
    let angle = skew.angle as f64;
    let (rotate_ms, _) = median_ms(runs, || {
        rotate_by_angle(&page, -skew.angle).expect("rotates")
    });
    let (otsu_ms, _) = median_ms(runs, || threshold_otsu(&page).expect("otsu"));
    let (sauvola_ms, _) = median_ms(runs, || {
        sauvola_threshold(&page, 31, 0.2, 128.0).expect("sauvola")
    });
    let mut pages = Vec::new();
    let list = std::fs::read_to_string(dir.join("skew_pages.tsv")).expect("skew_pages.tsv");
    for line in list.lines() {
        let mut f = line.split('\t');
        let (Some(file), Some(_truth)) = (f.next(), f.next()) else {
            continue;
        };
        let pix = leptonica::io::read_image(dir.join(file)).expect("reads page");
        let (ms, r) = median_ms(runs, || find_skew(&pix, &opts));
        let found = match r {
            Ok(r) => format!("{}", r.angle as f64),
            Err(_) => "null".into(),
        };
        pages.push(format!(
            "{{\"file\":\"{file}\",\"found\":{found},\"ms\":{ms:.3}}}"
        ));
    }
    println!(
        "{{\"skew\":{{\"ms\":{skew_ms:.3},\"angle\":{angle}}},\"rotate\":{{\"ms\":{rotate_ms:.3}}},\
         \"otsu\":{{\"ms\":{otsu_ms:.3}}},\"sauvola\":{{\"ms\":{sauvola_ms:.3}}},\"pages\":[{}]}}",
        pages.join(",")
    );
}
