//! What OCR reads from phone photos: Tesseract's character error rate (CER, edit distance over
//! the true text's length) on rendered perspective photos, for the raw photo, for scanprep's
//! output (page found, rectified, binarized), and for the same page scanned flat (rendered
//! without perspective, through the same pipeline).
//!
//! `cargo run --release -p scanprep-benches --bin ocr_eval -- FROM TO [video|photo] [--color]`
//! (needs `tesseract` with English data on the PATH). `--color`: the photo as a phone sends it,
//! a colour JPEG through `process` (page detection then sees the chroma too); otherwise the
//! gray frame through `process_gray`. `--page-size`: the page's true format (A4 or Letter) is
//! given, as a user who picks it in the app does, instead of estimated from the corners.
//! `SCANPREP_OCR_KEEP=1` keeps, per seed, the photo (`/tmp/ocr-photo-SEED.jpg` or
//! `/tmp/ocr-frame-SEED.png`), scanprep's page (`/tmp/ocr-ours-SEED.png`) and the true text
//! (`/tmp/ocr-truth-SEED.txt`). `SCANPREP_OPTIONS='{"target_x_height": 30}'`: other options
//! (the library's JSON names), for comparison; the output stays a 1-bit PNG.

use std::path::Path;

use scanprep::{process, process_gray, Format, GrayImage, Options, PageSize, PaperSize};
use scanprep_benches::ocr::{cer, normalise, read};
use scanprep_fixtures::fixtures::png_gray;
use scanprep_fixtures::{render_perspective, render_perspective_color, Capture, PerspectiveSpec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds = scanprep_benches::seed_range(&args, 10);
    let capture = scanprep_benches::capture_arg(&args, Capture::Photo12mp);
    let color = args.iter().any(|a| a == "--color");
    let given_size = args.iter().any(|a| a == "--page-size");
    let dir = std::env::temp_dir().join(format!("scanprep-ocr-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let mut png: Options = std::env::var("SCANPREP_OPTIONS")
        .ok()
        .map(|j| serde_json::from_str(&j).expect("SCANPREP_OPTIONS is options JSON"))
        .unwrap_or_default();
    png.format = Format::Png;
    let keep = std::env::var_os("SCANPREP_OCR_KEEP").is_some();
    let (mut sums, mut n) = ([0.0f64; 3], 0usize);
    for seed in seeds {
        let mut spec = PerspectiveSpec::random(seed, capture);
        // A page the user means to read: no finger or corner out of frame.
        spec.finger = false;
        let mut png = png.clone();
        if given_size {
            let ratio = spec.page.height as f64 / spec.page.width.max(1) as f64;
            png.page_size = PageSize::Named(if (ratio - 297.0 / 210.0).abs() < 0.03 {
                PaperSize::A4
            } else {
                PaperSize::Letter
            });
        }
        let (result, page, raw) = if color {
            let photo = render_perspective_color(&spec);
            if keep {
                let _ = std::fs::write(format!("/tmp/ocr-photo-{seed}.jpg"), &photo.jpeg);
            }
            let raw = read(&dir, "raw", &photo.jpeg);
            (process(&photo.jpeg, &png), photo.page, raw)
        } else {
            let photo = render_perspective(&spec);
            if keep {
                let _ =
                    std::fs::write(format!("/tmp/ocr-frame-{seed}.png"), png_gray(&photo.image));
            }
            let raw = ocr(&dir, "raw", &photo.image);
            (process_gray(photo.image, &png, None), photo.page, raw)
        };
        if keep {
            let _ = std::fs::write(format!("/tmp/ocr-truth-{seed}.txt"), &page.text);
        }
        let truth = normalise(&page.text);
        if truth.len() < 200 {
            continue;
        }
        let mut what = String::new();
        let ours = match result {
            Ok(p) => {
                let r = &p.report;
                let ts = r.text_size.clone().unwrap_or_default();
                what = format!(
                    "out {}x{} turn {:?} skew {:.2} x-height {:?} scale {}",
                    p.width,
                    p.height,
                    r.orientation_degrees,
                    r.skew_degrees,
                    ts.text_height_px,
                    ts.scale
                );
                if keep {
                    let _ = std::fs::write(format!("/tmp/ocr-ours-{seed}.png"), &p.bytes);
                }
                read(&dir, "ours", &p.bytes)
            }
            Err(e) => {
                println!("seed {seed}: pipeline error {e}");
                String::new()
            }
        };
        // The same page scanned flat: the rendered page (1.1 to 1.4 times the photo's pixel
        // density), through the same pipeline.
        let flat_page = page.image;
        let flat = match process_gray(flat_page, &png, None) {
            Ok(p) => read(&dir, "flat", &p.bytes),
            Err(_) => String::new(),
        };
        let cer = [&raw, &ours, &flat].map(|t| cer(&normalise(t), &truth));
        println!(
            "seed {seed}\t{}\tCER raw {:.3}\tscanprep {:.3}\tflat scan {:.3}\t{what}\t(blur {:.2} px, {:?}, {:.1} px text)",
            spec.background.name(),
            cer[0],
            cer[1],
            cer[2],
            spec.blur,
            spec.page.font,
            spec.page.text_px
        );
        for (s, c) in sums.iter_mut().zip(cer) {
            *s += c;
        }
        n += 1;
    }
    let m = sums.map(|s| s / n.max(1) as f64);
    println!(
        "pages {n}\tmean CER: raw photo {:.3}\tscanprep {:.3}\tflat scan {:.3}\tratio scanprep/flat {:.2}",
        m[0],
        m[1],
        m[2],
        m[1] / m[2].max(1e-9)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn ocr(dir: &Path, name: &str, img: &GrayImage) -> String {
    read(dir, name, &scanprep_fixtures::fixtures::png_gray(img))
}
