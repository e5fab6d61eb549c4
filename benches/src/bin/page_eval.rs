//! Page detection against ground truth: the SmartDoc 2015 Challenge 1 metric (Jaccard index
//! in the page's own frame) on real frames listed in a SmartDoc-style CSV.
//!
//! `cargo run --release -p scanprep-benches --bin page_eval -- smartdoc ../shared/data/smartdoc-sample`
//!
//! `page_eval files F...` prints what is found in each file (scans should find no page).
//!
//! `page_eval synthetic FROM TO [video|photo] [--color] [--save DIR] [--corners]` renders
//! perspective photos (seeds FROM..TO, the background cycling with the seed) with exact corners
//! and scores them the same way, per background; `--color` renders them in colour and detects
//! from the colour JPEG's luma and chroma; `--save` writes the frames (PNG, or the JPEG);
//! `--corners` prints the corners found and the true ones.
//!
//! Real frames and files are decoded as `scanprep detect` decodes them, colour included.

use std::path::Path;
use std::time::Instant;

use scanprep::eval::smartdoc_jaccard;
use scanprep::{decode_image, detect_page, detect_page_color, Limits, Point};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("smartdoc") => smartdoc(Path::new(args.get(1).expect("a folder"))),
        Some("files") => files(&args[1..]),
        Some("synthetic") => synthetic(&args[1..]),
        _ => {
            eprintln!("usage: page_eval smartdoc DIR | files F...");
            std::process::exit(2);
        }
    }
}

fn smartdoc(dir: &Path) {
    let csv = std::fs::read_to_string(dir.join("ground_truth.csv")).expect("ground_truth.csv");
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).expect(name);
    let mut scores = Vec::new();
    for row in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = row.split(',').collect();
        let num = |name: &str| f[col(name)].parse::<f64>().expect(name);
        let pt = |c: &str| [num(&format!("{c}_x")), num(&format!("{c}_y"))];
        let truth: [Point; 4] = [pt("tl"), pt("tr"), pt("br"), pt("bl")];
        let file = format!(
            "{}_{}_{}",
            f[col("bg_name")],
            f[col("model_name")],
            Path::new(f[col("image_path")])
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
        );
        let bytes = std::fs::read(dir.join(&file)).expect("the frame");
        let decoded = decode_image(&bytes, &Limits::default()).expect("decodes");
        let t = Instant::now();
        let d = detect_page_color(&decoded.image, decoded.chroma.as_ref());
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let j = smartdoc_jaccard(
            d.corners.as_ref(),
            &truth,
            (num("model_width"), num("model_height")),
        );
        println!(
            "{file}\tjaccard {j:.4}\tconfidence {:.3}\t{ms:.1} ms\t{:?}\t{:?}",
            d.confidence, d.corners, d.reason
        );
        scores.push(j);
    }
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let min = scores.iter().cloned().fold(1.0, f64::min);
    println!(
        "frames {}\tmean jaccard {mean:.4}\tmin {min:.4}",
        scores.len()
    );
}

fn files(paths: &[String]) {
    let mut found = 0;
    for p in paths {
        let Ok(bytes) = std::fs::read(p) else {
            continue;
        };
        let Ok(d) = decode_image(&bytes, &Limits::default()) else {
            println!("{p}\tdoes not decode");
            continue;
        };
        let (w, h) = (d.image.width(), d.image.height());
        let r = detect_page_color(&d.image, d.chroma.as_ref());
        found += r.corners.is_some() as usize;
        println!(
            "{p}\t{w}x{h}\tconfidence {:.3}\t{:?}\t{:?}",
            r.confidence, r.corners, r.reason
        );
    }
    println!("files {}\tpages found {found}", paths.len());
}

fn synthetic(args: &[String]) {
    use scanprep_fixtures::{
        render_perspective, render_perspective_color, Background, Capture, PerspectiveSpec,
    };
    let color = args.iter().any(|a| a == "--color");
    let corners = args.iter().any(|a| a == "--corners");
    let seeds = scanprep_benches::seed_range(args, 50);
    let capture = scanprep_benches::capture_arg(args, Capture::Video1080p);
    let save = args
        .iter()
        .position(|a| a == "--save")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let mut per: Vec<(Background, Vec<f64>)> =
        Background::ALL.iter().map(|b| (*b, Vec::new())).collect();
    let mut ms_all = Vec::new();
    for seed in seeds {
        let spec = PerspectiveSpec::random(seed, capture);
        let name = spec.background.name();
        let (d, ms, truth) = if color {
            // The colour JPEG as a phone saves it, through the decoder (luma and chroma).
            let photo = render_perspective_color(&spec);
            if let Some(dir) = &save {
                let _ = std::fs::create_dir_all(dir);
                let _ = std::fs::write(dir.join(format!("{seed}-{name}.jpg")), &photo.jpeg);
            }
            let t = Instant::now();
            let decoded = decode_image(&photo.jpeg, &Limits::default()).expect("own JPEG");
            let t_page = Instant::now();
            let d = detect_page_color(&decoded.image, decoded.chroma.as_ref());
            let _ = t;
            (d, t_page.elapsed().as_secs_f64() * 1e3, photo.corners)
        } else {
            let photo = render_perspective(&spec);
            if let Some(dir) = &save {
                let _ = std::fs::create_dir_all(dir);
                let _ = std::fs::write(
                    dir.join(format!("{seed}-{name}.png")),
                    scanprep_fixtures::fixtures::png_gray(&photo.image),
                );
            }
            let t = Instant::now();
            let d = detect_page(&photo.image);
            (d, t.elapsed().as_secs_f64() * 1e3, photo.corners)
        };
        ms_all.push(ms);
        let (pw, ph) = (spec.page.width as f64, spec.page.height as f64);
        let j = smartdoc_jaccard(d.corners.as_ref(), &truth, (pw, ph));
        println!(
            "seed {seed}\t{}\tfinger {}\tglare {:.2}\tjaccard {j:.4}\tconfidence {:.3}\t{ms:.1} ms\t{:?}",
            spec.background.name(),
            spec.finger,
            spec.glare,
            d.confidence,
            d.reason
        );
        if corners {
            let round = |q: [Point; 4]| q.map(|p| [p[0].round(), p[1].round()]);
            println!(
                "  found {:?}\n  truth {:?}",
                d.corners.map(round),
                round(truth)
            );
        }
        if let Some(e) = per.iter_mut().find(|e| e.0 == spec.background) {
            e.1.push(j);
        }
    }
    let mut all = Vec::new();
    for (b, v) in &per {
        if v.is_empty() {
            continue;
        }
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let min = v.iter().cloned().fold(1.0, f64::min);
        println!(
            "{:<15} frames {:>3}  mean {mean:.4}  min {min:.4}",
            b.name(),
            v.len()
        );
        all.extend_from_slice(v);
    }
    let mean = all.iter().sum::<f64>() / all.len().max(1) as f64;
    let min = all.iter().cloned().fold(1.0, f64::min);
    let below = all.iter().filter(|&&j| j < 0.9).count();
    ms_all.sort_by(f64::total_cmp);
    println!(
        "all             frames {:>3}  mean {mean:.4}  min {min:.4}  below 0.90: {below}  median {:.1} ms",
        all.len(),
        ms_all.get(ms_all.len() / 2).copied().unwrap_or(0.0)
    );
}
