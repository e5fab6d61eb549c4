//! JBIG2 against Group 4 and 1-bit PNG, page by page: the A4 test pages (rendered, then run
//! through the default pipeline), the repository's fixture pages, and the DIBCO 2009–2013 pages
//! (their inputs binarized and cleaned as the pipeline does, and their ground-truth bitmaps). Each JBIG2
//! page is decoded back with hayro-jbig2 (and with Debian's `jbig2dec` when it is installed) and
//! must give the same bits.
//!
//! `cargo run --release -p scanprep-benches --bin jbig2_size [-- DIBCO_DIR [OUT_DIR]]`
//! (DIBCO_DIR defaults to `../shared/data/dibco-2009-2013`; OUT_DIR, when given, keeps the
//! `.jb2` files).

use std::path::{Path, PathBuf};

use scanprep::{
    binarize, clean, decode_image, encode_g4, encode_jbig2, encode_jbig2_embedded,
    encode_png_bilevel, normalize_background, process_gray, BinarizeParams, BitImage, CleanParams,
    GrayImage, Limits, Options, PngEffort,
};
use scanprep_fixtures::jbig2check::{
    have_jbig2dec, hayro_decode_embedded, hayro_decode_file, jbig2dec_decode,
};
use scanprep_fixtures::{a4_page, render_page, Font, PageSpec};

/// One page's sizes.
struct Row {
    set: &'static str,
    name: String,
    g4: usize,
    jbig2: usize,
    png: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dibco = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/dibco-2009-2013"));
    let keep = args.get(1).map(PathBuf::from);
    if let Some(k) = &keep {
        std::fs::create_dir_all(k).expect("output folder");
    }
    let jbig2dec = have_jbig2dec();
    let mut rows = Vec::new();

    // The A4 test pages at 300 dpi through the default pipeline (Group 4 output), as bits.
    let fonts = [Font::Serif, Font::Sans, Font::SansCondensed, Font::Mono];
    let mut a4 = Vec::new();
    for seed in 1..=4u64 {
        a4.push((format!("a4_page({seed})"), a4_page(seed).image));
    }
    for (i, font) in fonts.iter().enumerate() {
        let spec = PageSpec {
            font: *font,
            columns: 2,
            noise: 0.1,
            seed: 50 + i as u64,
            ..PageSpec::a4_300dpi()
        };
        a4.push((format!("two columns {font:?}"), render_page(&spec).image));
    }
    for (name, gray) in a4 {
        let bits = pipeline_bits(gray);
        rows.push(measure("a4", name, &bits, jbig2dec, keep.as_deref()));
    }
    // The fixture pages.
    for f in [
        "two-column.png",
        "page-skew-plus3.png",
        "scan-1bit.tiff",
        "page-skew-minus7.jpg",
    ] {
        let bytes = std::fs::read(root.join("fixtures").join(f)).expect("fixture");
        let gray = decode_image(&bytes, &Limits::default())
            .expect("decodes")
            .image;
        let bits = pipeline_bits(gray);
        rows.push(measure(
            "fixtures",
            f.into(),
            &bits,
            jbig2dec,
            keep.as_deref(),
        ));
    }
    // DIBCO: inputs binarized (background normalised, default method) and ground truths.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dibco)
        .map(|years| {
            years
                .flatten()
                .flat_map(|y| std::fs::read_dir(y.path()).into_iter().flatten().flatten())
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with("_in.png"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        eprintln!("no DIBCO pages under {} (skipped)", dibco.display());
    }
    for f in &files {
        let year = f
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = format!(
            "{year}/{}",
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .replace("_in.png", "")
        );
        let mut gray = load_gray(f);
        normalize_background(&mut gray);
        let (mut bits, _) = binarize(&gray, &BinarizeParams::default());
        clean(&mut bits, &pipeline_clean());
        rows.push(measure(
            "dibco binarized",
            name.clone(),
            &bits,
            jbig2dec,
            keep.as_deref(),
        ));
        let gt = PathBuf::from(f.to_string_lossy().replace("_in.png", "_gt.png"));
        if gt.exists() {
            let bits = BitImage::from_gray_threshold(&load_gray(&gt), 127);
            rows.push(measure(
                "dibco truth",
                name,
                &bits,
                jbig2dec,
                keep.as_deref(),
            ));
        }
    }

    println!("| set | page | Group 4 B | JBIG2 B | JBIG2/G4 | 1-bit PNG B | JBIG2/PNG |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {:.3} | {} | {:.3} |",
            r.set,
            r.name,
            r.g4,
            r.jbig2,
            r.jbig2 as f64 / r.g4 as f64,
            r.png,
            r.jbig2 as f64 / r.png as f64
        );
    }
    println!();
    println!("| set | pages | Group 4 B | JBIG2 B | JBIG2/G4 | worst page | 1-bit PNG B |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut worst_all = 0f64;
    for set in ["a4", "fixtures", "dibco binarized", "dibco truth"] {
        let rs: Vec<&Row> = rows.iter().filter(|r| r.set == set).collect();
        if rs.is_empty() {
            continue;
        }
        let g4: usize = rs.iter().map(|r| r.g4).sum();
        let jb: usize = rs.iter().map(|r| r.jbig2).sum();
        let png: usize = rs.iter().map(|r| r.png).sum();
        let worst = rs
            .iter()
            .map(|r| r.jbig2 as f64 / r.g4 as f64)
            .fold(0.0, f64::max);
        worst_all = worst_all.max(worst);
        println!(
            "| {set} | {} | {g4} | {jb} | {:.3} | {worst:.3} | {png} |",
            rs.len(),
            jb as f64 / g4 as f64
        );
    }
    println!();
    println!(
        "every page decoded to the same bits with hayro-jbig2{}; worst JBIG2/G4 {worst_all:.3}",
        if jbig2dec {
            " and jbig2dec"
        } else {
            " (jbig2dec not installed)"
        }
    );
}

/// Runs `gray` through the default pipeline (Group 4 TIFF out) and returns the page's bits.
fn pipeline_bits(gray: GrayImage) -> BitImage {
    let out = process_gray(gray, &Options::default(), None).expect("pipeline runs");
    let back = decode_image(&out.bytes, &Limits::default()).expect("our TIFF decodes");
    BitImage::from_gray_threshold(&back.image, 127)
}

/// The cleaning the default pipeline does.
fn pipeline_clean() -> CleanParams {
    CleanParams {
        despeckle: true,
        max_speckle_pixels: None,
        remove_borders: true,
    }
}

fn load_gray(path: &Path) -> GrayImage {
    let g = image::open(path).expect("image").to_luma8();
    GrayImage::from_raw(g.width(), g.height(), g.into_raw()).expect("sizes agree")
}

/// Encodes `bits` three ways, checks the JBIG2 round trip, and returns the sizes.
fn measure(
    set: &'static str,
    name: String,
    bits: &BitImage,
    jbig2dec: bool,
    keep: Option<&Path>,
) -> Row {
    let g4 = encode_g4(bits).len();
    let embedded = encode_jbig2_embedded(bits, None);
    let png = encode_png_bilevel(bits, None, PngEffort::Fast)
        .expect("encodes")
        .len();
    let file = encode_jbig2(bits, Some(300));
    let back = hayro_decode_file(&file).expect("hayro-jbig2 decodes the file");
    assert_eq!(&back, bits, "{set} {name}: hayro-jbig2 round trip");
    let back = hayro_decode_embedded(&embedded).expect("hayro-jbig2 decodes the stream");
    assert_eq!(&back, bits, "{set} {name}: embedded round trip");
    if jbig2dec {
        let dir = std::env::temp_dir().join(format!("scanprep_jbig2_{}", std::process::id()));
        let back = jbig2dec_decode(&file, &dir).expect("jbig2dec decodes");
        assert_eq!(&back, bits, "{set} {name}: jbig2dec round trip");
    }
    if let Some(k) = keep {
        let file_name = format!("{set}_{name}.jb2").replace([' ', '/', '(', ')'], "_");
        std::fs::write(k.join(file_name), &file).expect("write");
    }
    Row {
        set,
        name,
        g4,
        jbig2: embedded.len(),
        png,
    }
}
