//! scanprep's side of the peer comparison (`benches/peers/run.sh`):
//! `peer_scanprep DIR RUNS` writes the shared inputs into DIR (the A4 page as 8-bit PNG, the
//! 12 MP photo as JPEG, pages with known skew and `skew_pages.tsv`, and scanprep's cleaned
//! bitmap of the A4 page as a 1-bit PNG so that peers encode the same bitmap, and scanprep's
//! Group 4 TIFF of it), then times each
//! operation in-process (median of RUNS) and prints one JSON object on stdout.

use std::path::Path;
use std::time::Instant;

use scanprep::{
    binarize, clean, decode_image, detect_skew, encode_g4_tiff, encode_png_bilevel, process,
    process_gray, rotate, Binarization, BinarizeParams, CleanParams, Limits, Options, PngEffort,
};
use scanprep_fixtures::fixtures::{png_bilevel, png_gray};
use scanprep_fixtures::{render_page, skew_test_page};
use serde_json::{json, Value};

fn median_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(runs);
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

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("writing {name}: {e}"));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1).map(Path::new) else {
        eprintln!("usage: peer_scanprep DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    std::fs::create_dir_all(dir).expect("creates DIR");

    // Inputs.
    let a4 = scanprep_fixtures::a4_page(1);
    let page = a4.image;
    write(dir, "a4.png", &png_gray(&page));
    let jpeg = scanprep_benches::photo_jpeg();
    write(dir, "photo12mp.jpg", &jpeg);
    let mut tsv = format!("a4.png\t{}\n", a4.skew_degrees);
    let mut skew_pages = vec![("a4.png".to_string(), a4.skew_degrees, page.clone())];
    for i in 0..8 {
        let spec = skew_test_page(i, 15.0, 0x9ee5);
        let p = render_page(&spec);
        let name = format!("skew_{i}.png");
        write(dir, &name, &png_gray(&p.image));
        tsv += &format!("{name}\t{}\n", spec.skew_degrees);
        skew_pages.push((name, spec.skew_degrees, p.image));
    }
    write(dir, "skew_pages.tsv", tsv.as_bytes());

    // Stages on the A4 page after decoding (the budget chain: no background normalisation).
    let (skew_ms, est) = median_ms(runs, || detect_skew(&page, 45.0));
    let (rotate_ms, straight) = median_ms(runs, || rotate(&page, est.degrees));
    let bin = |m: Binarization| BinarizeParams {
        method: m,
        ..BinarizeParams::default()
    };
    let mut binarize_ms = serde_json::Map::new();
    for (name, m) in [
        ("auto", Binarization::Auto),
        ("otsu", Binarization::Otsu),
        ("sauvola", Binarization::Sauvola),
        ("edge", Binarization::Edge),
    ] {
        let p = bin(m);
        let (ms, _) = median_ms(runs, || binarize(&straight, &p));
        binarize_ms.insert(name.into(), json!(round3(ms)));
    }
    let (bits, _) = binarize(&straight, &BinarizeParams::default());
    let cp = CleanParams {
        despeckle: true,
        max_speckle_pixels: None,
        remove_borders: true,
    };
    let (clean_ms, cleaned) = median_ms(runs, || {
        let mut b = bits.clone();
        clean(&mut b, &cp);
        b
    });
    let (clone_ms, _) = median_ms(runs, || bits.clone());
    write(dir, "a4_clean_1bit.png", &png_bilevel(&cleaned));
    let (g4_ms, g4) = median_ms(runs, || encode_g4_tiff(&cleaned, Some(300)));
    write(dir, "a4_clean_scanprep.tiff", &g4);
    // The 1-bit PNG at both efforts (max takes ~0.8 s: at most 3 runs).
    let png = |effort| {
        median_ms(runs.min(3), || {
            encode_png_bilevel(&cleaned, Some(300), effort).expect("encodes")
        })
    };
    let (png_ms, png_fast) = png(PngEffort::Fast);
    let (png_max_ms, png_max) = png(PngEffort::Max);
    write(dir, "a4_clean_scanprep.png", &png_fast);
    let budget = scanprep_benches::budget_options();
    let (chain_ms, chain) = median_ms(runs, || {
        process_gray(page.clone(), &budget, None).expect("pipeline runs")
    });
    let (page_clone_ms, _) = median_ms(runs, || page.clone());
    let defaults = Options::default();
    let (a4_defaults_ms, _) = median_ms(runs, || {
        process_gray(page.clone(), &defaults, None).expect("pipeline runs")
    });

    // The photo, from its JPEG bytes.
    let (decode_ms, _) = median_ms(runs, || decode_image(&jpeg, &Limits::default()));
    let (photo_ms, photo) = median_ms(runs, || process(&jpeg, &defaults).expect("runs"));

    // Skew on the pages with known angles.
    let pages: Vec<Value> = skew_pages
        .iter()
        .map(|(name, truth, img)| {
            let (ms, e) = median_ms(runs, || detect_skew(img, 45.0));
            json!({"file": name, "truth": truth, "found": round3(e.degrees), "ms": round3(ms)})
        })
        .collect();

    let out = json!({
        "runs": runs,
        "a4": {
            "width": page.width(), "height": page.height(), "truth": a4.skew_degrees,
            "skew": {"ms": round3(skew_ms), "angle": est.degrees},
            "rotate": {"ms": round3(rotate_ms)},
            "binarize": binarize_ms,
            "clean": {"ms": round3((clean_ms - clone_ms).max(0.0))},
            "encode_g4": {"ms": round3(g4_ms), "bytes": g4.len()},
            "encode_png": {"ms": round3(png_ms), "bytes": png_fast.len()},
            "encode_png_max": {"ms": round3(png_max_ms), "bytes": png_max.len()},
            "chain": {"ms": round3((chain_ms - page_clone_ms).max(0.0)), "bytes": chain.bytes.len()},
            "defaults_after_decoding": {"ms": round3((a4_defaults_ms - page_clone_ms).max(0.0))},
        },
        "photo": {
            "decode": {"ms": round3(decode_ms)},
            "pipeline": {"ms": round3(photo_ms), "bytes": photo.bytes.len(),
                         "skew": photo.report.skew_degrees},
        },
        "pages": pages,
    });
    println!("{out}");
}
