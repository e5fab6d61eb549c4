//! `scanprep`: batch OCR preprocessing from the command line.
//!
//! Exit codes: 0 when every input succeeded, 1 when any input failed (the others are still
//! written), 2 for usage errors.

mod eval;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use rayon::prelude::*;
use scanprep::{Binarization, Clock, Format, Options, PageSize, PngEffort, QualityReason};

#[derive(Parser)]
#[command(
    name = "scanprep",
    version,
    about = "Deskew, binarize, clean and compress document scans for OCR"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline on one or more images.
    Process(ProcessArgs),
    /// Binarization only (with background normalisation): same size out as in.
    Binarize(BinarizeArgs),
    /// Print the detected skew angle as JSON.
    Skew(SkewArgs),
    /// Find the page in a photo, its orientation and the capture verdict; print them as JSON.
    Detect(DetectArgs),
    /// Preprocess every input and gather the pages into one PDF/A document, with an invisible
    /// text layer from OCR words when given.
    Pdf(PdfArgs),
    /// Score binarization against ground truth (FM, PSNR, DRD) on a folder of `*_in`/`*_gt` pairs.
    Eval(eval::EvalArgs),
}

/// Every pipeline option, with the same names as `scanprep::Options`.
#[derive(Args, Debug, Clone, Default)]
struct OptionFlags {
    /// Read options from a JSON file (same field names as the library); flags override it.
    #[arg(long, value_name = "FILE")]
    options: Option<PathBuf>,
    /// Largest encoded input accepted, in bytes.
    #[arg(long)]
    max_input_bytes: Option<u64>,
    /// Largest image accepted, in pixels.
    #[arg(long)]
    max_pixels: Option<u64>,
    /// Longest side accepted, in pixels.
    #[arg(long)]
    max_side: Option<u32>,
    /// Accept a file cut short (missing rows white, a warning in the report) instead of a
    /// truncated_image error.
    #[arg(long)]
    allow_truncated: bool,
    /// Do not look for a page in a photo (nor rectify its perspective).
    #[arg(long)]
    no_detect_page: bool,
    /// The page's corners in input pixels, clockwise from its top-left: x,y,x,y,x,y,x,y
    /// (skips detection).
    #[arg(long, value_parser = parse_corners, allow_hyphen_values = true)]
    corners: Option<[scanprep::Point; 4]>,
    /// The page's format: auto, a4, letter, legal, id-card, receipt, or a height/width ratio.
    #[arg(long, value_parser = parse_page_size)]
    page_size: Option<PageSize>,
    /// Do not find the text's orientation (nor turn the page upright).
    #[arg(long)]
    no_detect_orientation: bool,
    /// Capture-quality reasons that fail the input (comma-separated: no_page_found,
    /// page_cut_off, too_blurry, too_dark, glare, low_contrast, text_too_small).
    #[arg(long, value_parser = parse_reason, value_delimiter = ',')]
    reject: Vec<QualityReason>,
    /// Reduce larger images to this many pixels before processing (0: keep full size).
    #[arg(long)]
    max_working_pixels: Option<u64>,
    /// Do not flatten uneven illumination.
    #[arg(long)]
    no_normalize_background: bool,
    /// Do not detect and correct skew.
    #[arg(long)]
    no_deskew: bool,
    /// Skew search range in degrees (0.5 to 45).
    #[arg(long)]
    max_skew_degrees: Option<f32>,
    /// Smaller angles are not corrected.
    #[arg(long)]
    min_skew_degrees: Option<f32>,
    /// Below this confidence (0 to 1) the page is not rotated.
    #[arg(long)]
    min_skew_confidence: Option<f32>,
    /// Binarization method.
    #[arg(long, value_parser = parse_binarization)]
    binarization: Option<Binarization>,
    /// Window side in pixels for the local methods.
    #[arg(long)]
    window: Option<u32>,
    /// Sauvola's k.
    #[arg(long)]
    k: Option<f32>,
    /// Keep small specks of ink.
    #[arg(long)]
    no_despeckle: bool,
    /// Largest speck removed, in pixels of area.
    #[arg(long)]
    max_speckle_pixels: Option<u32>,
    /// Keep black borders.
    #[arg(long)]
    no_remove_borders: bool,
    /// The x-height in pixels OCR should see (8 to 64, default 24): smaller text is binarized
    /// again at a higher resolution, much larger text reduced; `off` keeps the resolution.
    #[arg(long, value_parser = parse_target_x_height)]
    target_x_height: Option<TargetXHeight>,
    /// The OCR service the output goes to: none, tesseract, textract, google-vision,
    /// azure-read, azure-read-free (its formats, byte cap and pixel limits are kept to).
    #[arg(long, value_parser = parse_ocr_profile)]
    ocr_profile: Option<scanprep::OcrProfile>,
    /// Output format (default: from the output file's extension, else tiff).
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// JPEG quality (1 to 100).
    #[arg(long)]
    jpeg_quality: Option<u8>,
    /// 1-bit PNG effort: fast (default) or max (4-8% smaller, ~3 s for an A4 page).
    #[arg(long, value_parser = parse_png_effort)]
    png_effort: Option<PngEffort>,
    /// Input resolution in dots per inch, recorded in the output.
    #[arg(long)]
    dpi: Option<u32>,
}

fn parse_binarization(s: &str) -> Result<Binarization, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| format!("unknown method `{s}` (none, otsu, sauvola, edge, auto)"))
}

fn parse_corners(s: &str) -> Result<[scanprep::Point; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|t| t.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("`{s}` is not eight numbers x,y,x,y,x,y,x,y"))?;
    if v.len() != 8 {
        return Err(format!(
            "`{s}` has {} numbers, not eight (x,y four times)",
            v.len()
        ));
    }
    Ok([[v[0], v[1]], [v[2], v[3]], [v[4], v[5]], [v[6], v[7]]])
}

fn parse_page_size(s: &str) -> Result<PageSize, String> {
    let value = match s.parse::<f64>() {
        Ok(r) => serde_json::json!(r),
        Err(_) => serde_json::Value::String(s.to_string()),
    };
    serde_json::from_value(value).map_err(|_| {
        format!("unknown page size `{s}` (auto, a4, letter, legal, id-card, receipt, or a ratio)")
    })
}

fn parse_reason(s: &str) -> Result<QualityReason, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!("unknown reason `{s}` (no_page_found, page_cut_off, too_blurry, too_dark, glare, low_contrast, text_too_small)")
    })
}

fn parse_ocr_profile(s: &str) -> Result<scanprep::OcrProfile, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!("unknown OCR profile `{s}` (none, tesseract, textract, google-vision, azure-read, azure-read-free)")
    })
}

/// `--target-x-height`: a number of pixels, or `off`.
#[derive(Clone, Copy, Debug)]
struct TargetXHeight(Option<f32>);

fn parse_target_x_height(s: &str) -> Result<TargetXHeight, String> {
    if s == "off" {
        return Ok(TargetXHeight(None));
    }
    s.parse::<f32>()
        .map(|v| TargetXHeight(Some(v)))
        .map_err(|_| format!("`{s}` is not a number of pixels (8 to 64) or `off`"))
}

fn parse_png_effort(s: &str) -> Result<PngEffort, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| format!("unknown PNG effort `{s}` (fast, max)"))
}

fn parse_format(s: &str) -> Result<Format, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| format!("unknown format `{s}` (tiff, png, gray-png, jpeg, jbig2)"))
}

impl OptionFlags {
    /// Builds validated options; the output path's extension picks the format when no flag does.
    fn to_options(&self, output: Option<&Path>) -> anyhow::Result<Options> {
        let mut o: Options = match &self.options {
            Some(p) => serde_json::from_slice(
                &std::fs::read(p).with_context(|| format!("{}", p.display()))?,
            )
            .with_context(|| format!("{}: invalid options", p.display()))?,
            None => Options::default(),
        };
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { o.$f = v; } )* };
        }
        set!(
            max_input_bytes,
            max_pixels,
            max_side,
            max_working_pixels,
            max_skew_degrees,
            min_skew_degrees
        );
        set!(
            min_skew_confidence,
            binarization,
            jpeg_quality,
            png_effort,
            ocr_profile
        );
        if self.window.is_some() {
            o.window = self.window;
        }
        if self.k.is_some() {
            o.k = self.k;
        }
        if self.max_speckle_pixels.is_some() {
            o.max_speckle_pixels = self.max_speckle_pixels;
        }
        if self.dpi.is_some() {
            o.dpi = self.dpi;
        }
        if self.corners.is_some() {
            o.corners = self.corners;
        }
        if let Some(TargetXHeight(t)) = self.target_x_height {
            o.target_x_height = t;
        }
        if let Some(p) = self.page_size {
            o.page_size = p;
        }
        if !self.reject.is_empty() {
            o.reject = self.reject.clone();
        }
        o.detect_page &= !self.no_detect_page;
        o.detect_orientation &= !self.no_detect_orientation;
        o.allow_truncated |= self.allow_truncated;
        o.normalize_background &= !self.no_normalize_background;
        o.deskew &= !self.no_deskew;
        o.despeckle &= !self.no_despeckle;
        o.remove_borders &= !self.no_remove_borders;
        if let Some(f) = self.format {
            o.format = f;
        } else if let Some(f) = output.and_then(format_from_extension) {
            o.format = f;
        }
        if o.binarization == Binarization::None && o.format.is_bilevel() && self.format.is_none() {
            o.format = Format::GrayPng;
        }
        o.validate()?;
        Ok(o)
    }
}

fn format_from_extension(p: &Path) -> Option<Format> {
    match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "tif" | "tiff" => Some(Format::Tiff),
        "png" => Some(Format::Png),
        "jpg" | "jpeg" => Some(Format::Jpeg),
        "jb2" | "jbig2" => Some(Format::Jbig2),
        _ => None,
    }
}

#[derive(Args)]
struct ProcessArgs {
    /// Input images (JPEG, PNG, TIFF, WebP).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file, or folder for several inputs (created if missing).
    #[arg(short, long)]
    output: PathBuf,
    /// Print one JSON report per input on stdout (JSON Lines).
    #[arg(long)]
    json: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    #[command(flatten)]
    flags: OptionFlags,
}

#[derive(Args)]
struct PdfArgs {
    /// Input images, one page each, in document order.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The PDF to write.
    #[arg(short, long)]
    output: PathBuf,
    /// OCR words for the text layer, one file per input in the same order: hOCR, Tesseract
    /// TSV, or JSON `{"width", "height", "words": [{"text", "bbox": [l, t, r, b]}]}`, boxes in
    /// the processed page's pixels (or in those of the image size the file gives).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    ocr_words: Vec<PathBuf>,
    /// The document's title.
    #[arg(long)]
    title: Option<String>,
    /// The document's author.
    #[arg(long)]
    author: Option<String>,
    /// Leave the creation date out (identical bytes for identical pages).
    #[arg(long)]
    no_date: bool,
    /// Print one JSON report per page and one for the document on stdout (JSON Lines).
    #[arg(long)]
    json: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    #[command(flatten)]
    flags: OptionFlags,
}

#[derive(Args)]
struct BinarizeArgs {
    /// Input image.
    input: PathBuf,
    /// Output image (.png: 1-bit PNG, .tif/.tiff: Group 4 TIFF).
    #[arg(short, long)]
    output: PathBuf,
    /// Binarization method.
    #[arg(long, value_parser = parse_binarization, default_value = "auto")]
    method: Binarization,
    /// Window side in pixels for the local methods.
    #[arg(long)]
    window: Option<u32>,
    /// Sauvola's k.
    #[arg(long)]
    k: Option<f32>,
    /// Do not flatten uneven illumination first.
    #[arg(long)]
    no_normalize_background: bool,
}

#[derive(Args)]
struct SkewArgs {
    /// Input image.
    input: PathBuf,
    /// Skew search range in degrees.
    #[arg(long, default_value_t = 45.0)]
    max_skew_degrees: f32,
}

#[derive(Args)]
struct DetectArgs {
    /// Input image.
    input: PathBuf,
    #[command(flatten)]
    flags: OptionFlags,
}

struct WallClock(Instant);

impl Clock for WallClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Process(a) => run_process(a),
        Command::Binarize(a) => run_binarize(a).map(|_| true),
        Command::Skew(a) => run_skew(a).map(|_| true),
        Command::Detect(a) => run_detect(a),
        Command::Pdf(a) => run_pdf(a),
        Command::Eval(a) => eval::run(&a).map(|_| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("scanprep: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Where the output for `input` goes.
fn output_path(input: &Path, output: &Path, to_dir: bool, format: Format) -> PathBuf {
    if !to_dir {
        return output.to_path_buf();
    }
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    output.join(format!("{stem}.{}", format.extension()))
}

/// A progress bar on a terminal for `n` inputs, none otherwise.
fn progress_bar(n: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || n < 2 {
        return None;
    }
    let pb = indicatif::ProgressBar::new(n as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} {elapsed_precise} {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
}

/// One JSON line for an input that failed.
fn error_json(input: &Path, e: &FileError) -> serde_json::Value {
    let mut error = serde_json::json!({"code": e.code, "message": e.message});
    if let (Some(d), Some(map)) = (&e.details, error.as_object_mut()) {
        if let Some(extra) = d.as_object() {
            map.extend(extra.clone());
        }
    }
    serde_json::json!({"input": input, "ok": false, "error": error})
}

/// Reads one words file: JSON by its `.json` extension or its first `{`, else hOCR or TSV.
fn read_words(path: &Path) -> anyhow::Result<scanprep::PageWords> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    if json {
        serde_json::from_str(&text)
            .with_context(|| format!("{}: invalid words JSON", path.display()))
    } else {
        scanprep::PageWords::parse(&text).with_context(|| path.display().to_string())
    }
}

fn run_pdf(a: PdfArgs) -> anyhow::Result<bool> {
    if !a.ocr_words.is_empty() && a.ocr_words.len() != a.inputs.len() {
        // A usage error (exit 2), found before any page is processed.
        eprintln!(
            "scanprep: --ocr-words names {} files for {} inputs: give one per input, in the same order",
            a.ocr_words.len(),
            a.inputs.len()
        );
        std::process::exit(2);
    }
    let mut options = match a.flags.to_options(None) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("scanprep: {e:#}");
            std::process::exit(2);
        }
    };
    // Bilevel pages go in as JBIG2 unless a format was asked for.
    let format_given = a.flags.format.is_some() || a.flags.options.is_some();
    if !format_given && options.format.is_bilevel() {
        options.format = Format::Jbig2;
    }
    let words: Vec<scanprep::PageWords> = a
        .ocr_words
        .iter()
        .map(|p| read_words(p))
        .collect::<anyhow::Result<_>>()?;
    let created = (!a.no_date)
        .then(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
        })
        .flatten()
        .map(|d| d.as_secs() as i64);
    let pdf_options = scanprep::PdfOptions {
        title: a.title.clone(),
        author: a.author.clone(),
        created_unix_seconds: created,
        ..Default::default()
    };
    pdf_options.validate()?;
    let progress = progress_bar(a.inputs.len());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.unwrap_or(0))
        .build()?;
    let work = |input: &PathBuf| {
        let r = process_bytes(input, &options);
        if let Some(pb) = &progress {
            pb.inc(1);
        }
        r
    };
    let pages: Vec<Result<scanprep::Processed, FileError>> =
        pool.install(|| a.inputs.par_iter().map(work).collect());
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let mut failed = false;
    let mut writer = scanprep::PdfWriter::new(&pdf_options)?;
    let mut out = Vec::new();
    for (i, (input, page)) in a.inputs.iter().zip(&pages).enumerate() {
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                failed = true;
                eprintln!("{}: {}", input.display(), e.message);
                if a.json {
                    println!("{}", error_json(input, e));
                }
                continue;
            }
        };
        let w = words.get(i);
        out.extend_from_slice(
            &writer
                .add_page(&page.bytes, w)
                .with_context(|| input.display().to_string())?,
        );
        if a.json {
            let line = serde_json::json!({"input": input, "ok": true, "page": writer.page_count(),
                "image_bytes": page.bytes.len(), "media_type": page.media_type,
                "words": w.map_or(0, |w| w.words.len()), "report": page.report});
            println!("{line}");
        }
    }
    if failed {
        eprintln!(
            "scanprep: {} not written: a page failed",
            a.output.display()
        );
        return Ok(false);
    }
    let (tail, summary) = writer.finish_with_summary()?;
    out.extend_from_slice(&tail);
    std::fs::write(&a.output, &out)
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({"output": a.output, "ok": true, "document": summary})
        );
    }
    Ok(true)
}

fn run_process(a: ProcessArgs) -> anyhow::Result<bool> {
    let to_dir =
        a.inputs.len() > 1 || a.output.is_dir() || a.output.to_string_lossy().ends_with('/');
    let options = match a
        .flags
        .to_options(if to_dir { None } else { Some(&a.output) })
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("scanprep: {e:#}");
            std::process::exit(2);
        }
    };
    if to_dir {
        std::fs::create_dir_all(&a.output)
            .with_context(|| format!("cannot create {}", a.output.display()))?;
    }
    let progress = progress_bar(a.inputs.len());
    let stdout = Mutex::new(std::io::stdout());
    let work = |input: &PathBuf| -> bool {
        let out = output_path(input, &a.output, to_dir, options.format);
        let result = process_one(input, &out, &options);
        let ok = result.is_ok();
        if a.json {
            let line = match &result {
                Ok(report) => {
                    serde_json::json!({"input": input, "output": out, "ok": true, "report": report})
                }
                Err(e) => error_json(input, e),
            };
            if let Ok(mut s) = stdout.lock() {
                let _ = writeln!(s, "{line}");
            }
        }
        if let Err(e) = &result {
            let msg = format!("{}: {}", input.display(), e.message);
            match &progress {
                Some(pb) => pb.println(msg),
                None => eprintln!("{msg}"),
            }
        }
        if let Some(pb) = &progress {
            pb.inc(1);
        }
        ok
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.unwrap_or(0))
        .build()?;
    let results: Vec<bool> = pool.install(|| a.inputs.par_iter().map(work).collect());
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    Ok(results.iter().all(|&ok| ok))
}

struct FileError {
    code: &'static str,
    message: String,
    /// For `poor_capture`: the rejected reasons and the whole verdict.
    details: Option<serde_json::Value>,
}

fn process_one(input: &Path, out: &Path, options: &Options) -> Result<scanprep::Report, FileError> {
    let done = process_bytes(input, options)?;
    std::fs::write(out, &done.bytes).map_err(|e| FileError {
        code: "io",
        message: format!("cannot write {}: {e}", out.display()),
        details: None,
    })?;
    Ok(done.report)
}

/// Reads and processes one input, isolated from panics.
fn process_bytes(input: &Path, options: &Options) -> Result<scanprep::Processed, FileError> {
    let bytes = std::fs::read(input).map_err(|e| FileError {
        code: "io",
        message: format!("cannot read: {e}"),
        details: None,
    })?;
    let clock = WallClock(Instant::now());
    // Each input is isolated: should the engine or a dependency ever panic on some file, that
    // file gets an `internal` error and the rest of the batch goes on.
    let run = || {
        if std::env::var_os(SELF_TEST_PANIC).is_some_and(|v| input.as_os_str() == v) {
            panic!("{SELF_TEST_PANIC} names this input");
        }
        scanprep::process_with_clock(&bytes, options, Some(&clock))
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .map_err(|payload| FileError {
            code: "internal",
            message: format!(
                "internal error (a panic: {}); please report this file",
                panic_text(payload.as_ref())
            ),
            details: None,
        })?
        .map_err(|e| FileError {
            code: e.code(),
            message: e.to_string(),
            details: match &e {
                scanprep::Error::PoorCapture { reasons, quality } => {
                    Some(serde_json::json!({"reasons": reasons, "quality": quality}))
                }
                _ => None,
            },
        })
}

/// The environment variable that makes the CLI panic while processing the one input it names:
/// the test of the per-input isolation.
const SELF_TEST_PANIC: &str = "SCANPREP_SELF_TEST_PANIC";

/// The message of a panic's payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

fn read_gray(path: &Path) -> anyhow::Result<scanprep::GrayImage> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let d = scanprep::decode_image(&bytes, &scanprep::Limits::default())
        .with_context(|| path.display().to_string())?;
    Ok(d.image)
}

fn run_binarize(a: BinarizeArgs) -> anyhow::Result<()> {
    if a.method == Binarization::None {
        bail!("binarize needs a method other than `none`");
    }
    let mut img = read_gray(&a.input)?;
    if !a.no_normalize_background {
        scanprep::normalize_background(&mut img);
    }
    let params = scanprep::BinarizeParams {
        method: a.method,
        window: a.window,
        k: a.k,
        denoised: false,
    };
    let (bits, report) = scanprep::binarize(&img, &params);
    let bytes = match format_from_extension(&a.output) {
        Some(Format::Tiff) => scanprep::encode_g4_tiff(&bits, None),
        Some(Format::Jbig2) => scanprep::encode_jbig2(&bits, None),
        _ => scanprep::encode_png_bilevel(&bits, None, PngEffort::Fast)?,
    };
    std::fs::write(&a.output, bytes)
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn run_skew(a: SkewArgs) -> anyhow::Result<()> {
    let img = read_gray(&a.input)?;
    let o = Options::default();
    let (mut img, _) = scanprep::reduce_to_working(img, o.max_working_pixels);
    scanprep::normalize_background(&mut img);
    let e = scanprep::detect_skew(&img, a.max_skew_degrees);
    println!(
        "{}",
        serde_json::json!({"skew_degrees": e.degrees, "confidence": e.confidence})
    );
    Ok(())
}

/// Prints the detection as JSON; a `poor_capture` rejection prints its verdict and fails.
fn run_detect(a: DetectArgs) -> anyhow::Result<bool> {
    let options = a.flags.to_options(None)?;
    let bytes =
        std::fs::read(&a.input).with_context(|| format!("cannot read {}", a.input.display()))?;
    match scanprep::detect(&bytes, &options) {
        Ok(d) => {
            println!("{}", serde_json::to_string(&d)?);
            Ok(true)
        }
        Err(scanprep::Error::PoorCapture { reasons, quality }) => {
            println!(
                "{}",
                serde_json::json!({"error": {"code": "poor_capture", "reasons": reasons, "quality": quality}})
            );
            Ok(false)
        }
        Err(e) => Err(e).with_context(|| a.input.display().to_string()),
    }
}
