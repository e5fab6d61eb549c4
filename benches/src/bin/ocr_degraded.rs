//! What OCR reads from degraded pages, per kind of damage: Tesseract's character and word error
//! rates (CER, WER) on pages with known text (`scanprep_fixtures::degraded_page`: clean,
//! faded, blurred, noisy, shaded, JPEG, faded+blur+noise, skewed 15–45°, tinted paper on a
//! lighter fill, small text, dust specks), for the raw page, for a classical peer (PyPI
//! `deskew` + OpenCV rotation + Otsu, `benches/peers/ocr_peer.py`) and for scanprep's default
//! output (1-bit PNG).
//!
//! `cargo run --release -p scanprep-benches --bin ocr_degraded -- FROM TO [CLASS…]`
//! Seeds FROM..TO of every class (or of the classes named, e.g. `faded+blur+noise`). Needs
//! `tesseract` (Debian `tesseract-ocr`, English). The peer runs when its Python is there:
//! `SCANPREP_PEER_PYTHON`, else `target/peers-venv/bin/python` (made by
//! `benches/peers/run.sh`, or `python3 -m venv target/peers-venv && target/peers-venv/bin/pip
//! install -r benches/peers/requirements.txt`); without it that column is left out.
//! `SCANPREP_OCR_KEEP=1` keeps the pages (raw, peer, ours) and their text in the temporary
//! folder it prints.
//! `SCANPREP_BINARIZATION=otsu|sauvola|edge` runs scanprep with that method instead of `auto`.
//! Tuning seeds are 0–99; the figures reported are those of seeds 1000 and up (held out).

use std::path::{Path, PathBuf};
use std::process::Command;

use scanprep::{process_gray, Format, Options};
use scanprep_benches::ocr::{cer, normalise, on_two_threads, read_path, wer};
use scanprep_fixtures::fixtures::png_gray;
use scanprep_fixtures::{degraded_page, Degradation};

/// One page's files and known text.
struct Job {
    class: Degradation,
    seed: u64,
    truth: String,
    raw: PathBuf,
    ours: Option<PathBuf>,
    peer: PathBuf,
    note: String,
}

/// CER and WER of one reading.
#[derive(Clone, Copy, Default)]
struct Score {
    cer: f64,
    wer: f64,
}

fn score(path: &Path, truth: &str) -> Score {
    let got = read_path(path);
    Score {
        cer: cer(&normalise(&got), &normalise(truth)),
        wer: wer(&got, truth),
    }
}

fn peer_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCANPREP_PEER_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/peers-venv/bin/python");
    venv.exists().then_some(venv)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds = scanprep_benches::seed_range(&args, 4);
    let named: Vec<&str> = args.iter().skip(2).map(String::as_str).collect();
    let classes: Vec<Degradation> = Degradation::ALL
        .into_iter()
        .filter(|c| named.is_empty() || named.contains(&c.name()))
        .collect();
    let dir = std::env::temp_dir().join(format!("scanprep-ocr-degraded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    // `SCANPREP_BINARIZATION=sauvola` (or otsu, edge): another method, for comparison.
    let binarization = std::env::var("SCANPREP_BINARIZATION")
        .ok()
        .map(|m| {
            serde_json::from_value(serde_json::Value::String(m)).expect("a binarization method")
        })
        .unwrap_or_default();
    let mut png = Options {
        format: Format::Png,
        binarization,
        ..Options::default()
    };
    // `SCANPREP_TARGET_X_HEIGHT=40`: another text-size target, for comparison.
    if let Some(t) = std::env::var("SCANPREP_TARGET_X_HEIGHT")
        .ok()
        .and_then(|t| t.parse().ok())
    {
        png.target_x_height = Some(t);
    }

    // 1. Pages, raw and through scanprep.
    let mut jobs = Vec::new();
    for &class in &classes {
        for seed in seeds.clone() {
            let page = degraded_page(class, seed);
            let stem = format!("{}-{seed}", class.name().replace(['+', ' '], "_"));
            let raw = dir.join(format!("{stem}-raw.png"));
            std::fs::write(&raw, png_gray(&page.image)).expect("write the raw page");
            if std::env::var_os("SCANPREP_OCR_KEEP").is_some() {
                let truth = dir.join(format!("{stem}-truth.txt"));
                std::fs::write(truth, &page.text).expect("write the page's text");
            }
            let (ours, note) = match process_gray(page.image.clone(), &png, None) {
                Ok(p) => {
                    let path = dir.join(format!("{stem}-ours.png"));
                    std::fs::write(&path, &p.bytes).expect("write scanprep's page");
                    let r = &p.report;
                    let note = format!(
                        "skew {:.2} (conf {:.2}) {} x-height {:?} scale {:?}",
                        r.skew_degrees,
                        r.skew_confidence,
                        r.binarization.as_ref().map_or("-", |b| b.method.name()),
                        r.text_size.as_ref().and_then(|t| t.text_height_px),
                        r.text_size.as_ref().map(|t| t.scale),
                    );
                    (Some(path), note)
                }
                Err(e) => (None, format!("pipeline error: {e}")),
            };
            jobs.push(Job {
                class,
                seed,
                truth: page.text.clone(),
                peer: dir.join(format!("{stem}-peer.png")),
                raw,
                ours,
                note,
            });
        }
    }

    // 2. The peer, in one Python process.
    let peer = peer_python().and_then(|python| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/ocr_peer.py");
        let mut cmd = Command::new(python);
        cmd.arg(script);
        for j in &jobs {
            cmd.arg(&j.raw).arg(&j.peer);
        }
        match cmd.output() {
            Ok(o) if o.status.success() => Some(()),
            Ok(o) => {
                eprintln!("the peer failed: {}", String::from_utf8_lossy(&o.stderr));
                None
            }
            Err(e) => {
                eprintln!("the peer did not start: {e}");
                None
            }
        }
    });

    // 3. Tesseract on every image, two at a time (two cores).
    let scores: Vec<[Option<Score>; 3]> = on_two_threads(&jobs, |j| {
        [
            Some(score(&j.raw, &j.truth)),
            peer.map(|_| score(&j.peer, &j.truth)),
            Some(
                j.ours
                    .as_deref()
                    .map_or(Score { cer: 1.0, wer: 1.0 }, |p| score(p, &j.truth)),
            ),
        ]
    });

    for (j, s) in jobs.iter().zip(&scores) {
        let pct = |x: Option<Score>| x.map_or("-".into(), |x| format!("{:.1}", 100.0 * x.cer));
        println!(
            "{:<18} seed {:>5}: CER raw {:>5} peer {:>5} ours {:>5}  ({})",
            j.class.name(),
            j.seed,
            pct(s[0]),
            pct(s[1]),
            pct(s[2]),
            j.note
        );
    }
    println!();
    println!("| class | pages | raw CER | peer CER | scanprep CER | scanprep median | scanprep worst | raw WER | peer WER | scanprep WER |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut all: Vec<&[Option<Score>; 3]> = Vec::new();
    for &class in &classes {
        let rows: Vec<&[Option<Score>; 3]> = jobs
            .iter()
            .zip(&scores)
            .filter(|(j, _)| j.class == class)
            .map(|(_, s)| s)
            .collect();
        print_row(class.name(), &rows);
        all.extend(rows);
    }
    print_row("**all**", &all);
    let over = all
        .iter()
        .filter(|s| s[2].is_some_and(|x| x.cer > 0.10))
        .count();
    println!("\nscanprep pages above 10 % CER: {over} of {}", all.len());
    // `SCANPREP_OCR_KEEP=1`: the pages stay, to be looked at.
    if std::env::var_os("SCANPREP_OCR_KEEP").is_some() {
        println!("pages kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn print_row(name: &str, rows: &[&[Option<Score>; 3]]) {
    let mean = |k: usize, f: fn(Score) -> f64| -> String {
        let v: Vec<f64> = rows.iter().filter_map(|s| s[k].map(f)).collect();
        if v.is_empty() {
            "-".into()
        } else {
            format!("{:.2} %", 100.0 * v.iter().sum::<f64>() / v.len() as f64)
        }
    };
    let mut ours: Vec<f64> = rows.iter().filter_map(|s| s[2].map(|x| x.cer)).collect();
    ours.sort_by(f64::total_cmp);
    let median = ours.get(ours.len() / 2).copied().unwrap_or(0.0);
    let worst = ours.last().copied().unwrap_or(0.0);
    println!(
        "| {name} | {} | {} | {} | {} | {:.2} % | {:.2} % | {} | {} | {} |",
        rows.len(),
        mean(0, |s| s.cer),
        mean(1, |s| s.cer),
        mean(2, |s| s.cer),
        100.0 * median,
        100.0 * worst,
        mean(0, |s| s.wer),
        mean(1, |s| s.wer),
        mean(2, |s| s.wer),
    );
}
