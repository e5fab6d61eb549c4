//! The benchmarks of the instruction-count gate (`callgrind_gate`), shared by the driver and
//! by the program it runs under valgrind (`gate_target`).
//!
//! The driver generates every input natively once ([`prepare_inputs`]): the A4 page and the
//! 12 MP photo, and the output of each stage, which is the input of the next (decode → resize →
//! background → skew → rotate → binarize → clean → text size → Group 4, as the pipeline chains
//! them; denoise, which the pipeline runs before background, and sharpen take the flattened
//! page, clean or with sensor noise added: their cost does not depend on the paper's level). The
//! target then loads one input from disk, outside the measured code, and runs [`measured`],
//! the one function callgrind counts (`--toggle-collect`), so that neither fixture generation
//! nor file reading is counted.

use std::fs;
use std::io;
use std::path::Path;

use scanprep::{
    binarize, clean, decode_image, denoise, detect_orientation, detect_page, detect_skew,
    encode_g4_tiff, encode_jbig2, flatten_photo, measure_text, normalize_background, process,
    process_gray, rectify, reduce_to_working, resize_area, restore, rotate, BinarizeParams,
    BitImage, CleanParams, GrayImage, Limits, Options, PageSize, PaperSize, Point, QualityMeasures,
};

/// The function callgrind counts, as a `--toggle-collect` pattern.
pub const TOGGLE_PATTERN: &str = "*scanprep_benches::gate::measured*";

/// The stages, in pipeline order, then the whole pipelines.
const STAGES: [&str; 12] = [
    "decode",
    "resize",
    "background",
    "denoise",
    "sharpen",
    "skew",
    "rotate",
    "binarize",
    "clean",
    "text_size",
    "encode_g4",
    "encode_jbig2",
];

/// Every benchmark, as `page/operation`: each stage on the A4 page at 300 dpi (decoded from
/// PNG) and on the 12 MP photo (decoded from JPEG), the whole pipeline with default options
/// from the encoded bytes, and for the A4 page the speed-budget chain after decoding.
pub fn benchmarks() -> Vec<String> {
    let mut v = Vec::new();
    for page in ["a4", "photo12mp"] {
        for s in STAGES {
            v.push(format!("{page}/{s}"));
        }
        v.push(format!("{page}/pipeline"));
    }
    v.push("a4/budget_chain".to_string());
    // The denoise stage where it works: the A4 page with sensor noise and specks.
    v.push("a4/denoise_noisy".to_string());
    // The photo stages: page detection (12 MP, and a 1280×720 preview frame), rectification to
    // A4, and orientation (on the scan and on the rectified photo).
    for b in [
        "a4/page",
        "a4/orientation",
        "photo12mp/page",
        "photo12mp/page_720p",
        "photo12mp/live_720p",
        "photo12mp/rectify",
        "photo12mp/flatten_photo",
        "photo12mp/orientation",
    ] {
        v.push(b.to_string());
    }
    v
}

/// What a benchmark works on, loaded before the measured call.
pub enum Job {
    /// Encoded image bytes → `decode_image`.
    Decode(Vec<u8>),
    /// Full-size page → `reduce_to_working` (9 Mpx).
    Resize(GrayImage),
    /// Working page → `normalize_background`.
    Background(GrayImage),
    /// Rectified photo → `flatten_photo` (the paper divided out, ink under a highlight restored).
    FlattenPhoto(GrayImage),
    /// Flattened page → `denoise` (the noise estimate; a clean page is left as it is).
    Denoise(GrayImage),
    /// Flattened page → `restore` as for a blurred page (the noise estimate, then the unsharp
    /// mask every blurred page gets).
    Sharpen(GrayImage),
    /// Flattened page → `detect_skew` (±45°).
    Skew(GrayImage),
    /// Flattened page and its skew → `rotate`.
    Rotate(GrayImage, f64),
    /// Straightened page → `binarize` (default: auto).
    Binarize(GrayImage),
    /// Bilevel page → `clean` (defaults: despeckle, remove borders).
    Clean(BitImage),
    /// Cleaned bilevel page → `measure_text` (the x-height text sizing decides on).
    TextSize(BitImage),
    /// Cleaned bilevel page → `encode_g4_tiff`.
    EncodeG4(BitImage),
    /// Cleaned bilevel page → `encode_jbig2`.
    EncodeJbig2(BitImage),
    /// Encoded image bytes → `process` with default options.
    Pipeline(Vec<u8>),
    /// Decoded page → `process_gray` with the speed-budget options.
    BudgetChain(GrayImage),
    /// Decoded image → `detect_page`.
    Page(GrayImage),
    /// A 1280×720 preview frame → `detect_frame` as a live preview asks it (the page and the
    /// capture verdict; no orientation).
    Live(GrayImage),
    /// Decoded photo and its page's corners → `rectify` to A4 within 9 Mpx.
    Rectify(GrayImage, [Point; 4]),
    /// Working (or rectified) page → `detect_orientation`.
    Orientation(GrayImage),
}

/// What a measured call produced (dropped outside the measured function).
pub enum Out {
    /// A grayscale image.
    Gray(GrayImage),
    /// A bilevel image.
    Bits(BitImage),
    /// Encoded bytes.
    Bytes(Vec<u8>),
    /// A skew angle in degrees.
    Angle(f64),
    /// A page's corners.
    Corners(Option<[Point; 4]>),
    /// A page's corners and the capture verdict's reasons.
    Verdict(Option<[Point; 4]>, Vec<&'static str>),
    /// A quarter turn, or unknown.
    Turn(Option<u16>),
    /// A text height in pixels, or none.
    Height(Option<f64>),
}

impl Out {
    /// A short digest of the result, printed so that a run can be checked (and native and
    /// WebAssembly runs compared).
    pub fn digest(&self) -> String {
        match self {
            Out::Gray(g) => format!(
                "gray {}x{} fnv {:016x}",
                g.width(),
                g.height(),
                fnv(g.data())
            ),
            Out::Bits(b) => format!(
                "bits {}x{} fnv {:016x}",
                b.width(),
                b.height(),
                fnv(b.data())
            ),
            Out::Bytes(b) => format!("{} bytes fnv {:016x}", b.len(), fnv(b)),
            Out::Angle(a) => format!("{a:.4} degrees"),
            Out::Corners(c) => match c {
                Some(q) => format!(
                    "corners {}",
                    q.iter()
                        .map(|p| format!("{:.1},{:.1}", p[0], p[1]))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                None => "no page".into(),
            },
            Out::Verdict(c, reasons) => {
                format!("{} reasons {reasons:?}", Out::Corners(*c).digest())
            }
            Out::Turn(t) => format!("turn {t:?}"),
            Out::Height(h) => format!("x-height {h:?}"),
        }
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    scanprep_fixtures::fnv1a64(bytes)
}

fn clean_params() -> CleanParams {
    CleanParams {
        despeckle: true,
        max_speckle_pixels: None,
        remove_borders: true,
    }
}

/// The measured code: exactly one call into the engine. Never inlined, so that callgrind can
/// switch collection on at its entry and off at its exit.
#[inline(never)]
pub fn measured(job: Job) -> Out {
    match job {
        Job::Decode(bytes) => Out::Gray(
            decode_image(&bytes, &Limits::default())
                .expect("decodes")
                .image,
        ),
        Job::Resize(img) => Out::Gray(reduce_to_working(img, 9_000_000).0),
        Job::Background(mut img) => {
            normalize_background(&mut img);
            Out::Gray(img)
        }
        Job::FlattenPhoto(mut img) => {
            flatten_photo(&mut img);
            Out::Gray(img)
        }
        Job::Denoise(mut img) => {
            denoise(&mut img);
            Out::Gray(img)
        }
        Job::Sharpen(mut img) => {
            // A blurred scan: edges wide, and wide for the text.
            let soft = QualityMeasures {
                edge_width_px: Some(4.0),
                text_height_px: Some(12.0),
                ..QualityMeasures::default()
            };
            let denoised = denoise(&mut img);
            restore(&mut img, Some(&soft), false, denoised);
            Out::Gray(img)
        }
        Job::Skew(img) => Out::Angle(detect_skew(&img, 45.0).degrees),
        Job::Rotate(img, deg) => Out::Gray(rotate(&img, deg)),
        Job::Binarize(img) => Out::Bits(binarize(&img, &BinarizeParams::default()).0),
        Job::Clean(mut bits) => {
            clean(&mut bits, &clean_params());
            Out::Bits(bits)
        }
        Job::TextSize(bits) => Out::Height(measure_text(&bits).x_height_px),
        Job::EncodeG4(bits) => Out::Bytes(encode_g4_tiff(&bits, Some(300))),
        Job::EncodeJbig2(bits) => Out::Bytes(encode_jbig2(&bits, Some(300))),
        Job::Pipeline(bytes) => Out::Bytes(
            process(&bytes, &Options::default())
                .expect("pipeline runs")
                .bytes,
        ),
        Job::BudgetChain(img) => Out::Bytes(
            process_gray(img, &crate::budget_options(), None)
                .expect("pipeline runs")
                .bytes,
        ),
        Job::Page(img) => Out::Corners(detect_page(&img).corners),
        Job::Live(img) => {
            let live = scanprep::Options {
                detect_orientation: false,
                ..scanprep::Options::default()
            };
            let d = scanprep::detect_frame(img, None, &live).expect("detects");
            Out::Verdict(
                d.corners,
                d.quality.reasons.iter().map(|r| r.name()).collect(),
            )
        }
        Job::Rectify(img, q) => Out::Gray(
            rectify(&img, &q, PageSize::Named(PaperSize::A4), 9_000_000)
                .expect("rectifies")
                .image,
        ),
        Job::Orientation(img) => Out::Turn(detect_orientation(&img).degrees),
    }
}

// ---- inputs on disk -------------------------------------------------------------------------
// `<name>.gray` and `<name>.bits`: width and height (u32 little-endian), then the pixels
// (packed rows for bits); `<name>.bytes`: encoded image; `<name>.angle`: decimal degrees.

fn write_image(path: &Path, w: u32, h: u32, data: &[u8]) -> io::Result<()> {
    let mut v = Vec::with_capacity(8 + data.len());
    v.extend_from_slice(&w.to_le_bytes());
    v.extend_from_slice(&h.to_le_bytes());
    v.extend_from_slice(data);
    fs::write(path, v)
}

fn read_image(path: &Path) -> io::Result<(u32, u32, Vec<u8>)> {
    let v = fs::read(path)?;
    if v.len() < 8 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "short image file",
        ));
    }
    let w = u32::from_le_bytes(v[0..4].try_into().expect("4 bytes"));
    let h = u32::from_le_bytes(v[4..8].try_into().expect("4 bytes"));
    Ok((w, h, v[8..].to_vec()))
}

fn read_gray(dir: &Path, name: &str) -> io::Result<GrayImage> {
    let (w, h, d) = read_image(&dir.join(format!("{name}.gray")))?;
    GrayImage::from_raw(w, h, d).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn read_bits(dir: &Path, name: &str) -> io::Result<BitImage> {
    let (w, h, d) = read_image(&dir.join(format!("{name}.bits")))?;
    BitImage::from_packed(w, h, d).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn read_angle(dir: &Path, name: &str) -> io::Result<f64> {
    fs::read_to_string(dir.join(format!("{name}.angle")))?
        .trim()
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn read_corners(dir: &Path, name: &str) -> io::Result<[Point; 4]> {
    let text = fs::read_to_string(dir.join(format!("{name}.corners")))?;
    let v: Vec<f64> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    if v.len() != 8 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "eight numbers"));
    }
    Ok([[v[0], v[1]], [v[2], v[3]], [v[4], v[5]], [v[6], v[7]]])
}

/// Loads the input of benchmark `name` from `dir` (written by [`prepare_inputs`]).
pub fn load_job(dir: &Path, name: &str) -> io::Result<Job> {
    let (page, op) = name
        .split_once('/')
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "benchmark is page/op"))?;
    let f = |stage: &str| format!("{page}.{stage}");
    Ok(match op {
        "decode" => Job::Decode(fs::read(dir.join(format!("{page}.encoded.bytes")))?),
        "resize" => Job::Resize(read_gray(dir, &f("decoded"))?),
        "background" => Job::Background(read_gray(dir, &f("working"))?),
        "denoise" => Job::Denoise(read_gray(dir, &f("flat"))?),
        "denoise_noisy" => Job::Denoise(read_gray(dir, &f("noisy"))?),
        "sharpen" => Job::Sharpen(read_gray(dir, &f("flat"))?),
        "skew" => Job::Skew(read_gray(dir, &f("flat"))?),
        "rotate" => Job::Rotate(read_gray(dir, &f("flat"))?, read_angle(dir, &f("skew"))?),
        "binarize" => Job::Binarize(read_gray(dir, &f("straight"))?),
        "clean" => Job::Clean(read_bits(dir, &f("bits"))?),
        "text_size" => Job::TextSize(read_bits(dir, &f("clean"))?),
        "encode_g4" => Job::EncodeG4(read_bits(dir, &f("clean"))?),
        "encode_jbig2" => Job::EncodeJbig2(read_bits(dir, &f("clean"))?),
        "pipeline" => Job::Pipeline(fs::read(dir.join(format!("{page}.encoded.bytes")))?),
        "budget_chain" => Job::BudgetChain(read_gray(dir, &f("decoded"))?),
        "page" => Job::Page(read_gray(dir, &f("decoded"))?),
        "page_720p" => Job::Page(read_gray(dir, &f("frame720"))?),
        "live_720p" => Job::Live(read_gray(dir, &f("frame720"))?),
        "rectify" => Job::Rectify(
            read_gray(dir, &f("decoded"))?,
            read_corners(dir, &f("page"))?,
        ),
        "orientation" => Job::Orientation(read_gray(dir, &f("upright"))?),
        "flatten_photo" => Job::FlattenPhoto(read_gray(dir, &f("upright"))?),
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unknown benchmark {name}"),
            ))
        }
    })
}

/// Writes every benchmark input into `dir` (always anew: the inputs of the later stages are
/// the outputs of the current code's earlier stages).
pub fn prepare_inputs(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    // A4 page, as a scanner would deliver it: 8-bit grayscale PNG.
    let a4 = crate::a4_gray();
    let png = scanprep_fixtures::fixtures::png_gray(&a4);
    drop(a4);
    write_chain(dir, "a4", png)?;
    write_chain(dir, "photo12mp", crate::photo_jpeg())
}

/// `page` with sensor noise of σ ≈ 12 levels (a sum of four uniforms) and 0.3 % of its pixels
/// specks, from a fixed generator: what the denoise stage smooths.
fn with_sensor_noise(page: &GrayImage) -> GrayImage {
    let mut out = page.clone();
    let mut state = 0x5EED_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    for v in out.data_mut() {
        let r = next();
        if r % 1000 < 3 {
            *v = if r & 1 << 20 == 0 { 255 } else { 20 };
            continue;
        }
        // Four uniforms on 0–255 summed: σ = 255·√(4/12) ≈ 147; scaled by 12/147.
        let sum: i32 = (0..4).map(|_| (next() & 0xFF) as i32).sum::<i32>() - 510;
        *v = (*v as i32 + sum * 12 / 147).clamp(0, 255) as u8;
    }
    out
}

/// Runs the stages natively on `encoded` and writes each stage's input.
fn write_chain(dir: &Path, page: &str, encoded: Vec<u8>) -> io::Result<()> {
    let gray_out = |stage: &str, g: &GrayImage| {
        write_image(
            &dir.join(format!("{page}.{stage}.gray")),
            g.width(),
            g.height(),
            g.data(),
        )
    };
    let bits_out = |stage: &str, b: &BitImage| {
        write_image(
            &dir.join(format!("{page}.{stage}.bits")),
            b.width(),
            b.height(),
            b.data(),
        )
    };
    fs::write(dir.join(format!("{page}.encoded.bytes")), &encoded)?;
    let decoded = decode_image(&encoded, &Limits::default())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
        .image;
    gray_out("decoded", &decoded)?;
    // The photo stages' inputs: the page's corners, a preview frame, the upright page.
    let found = detect_page(&decoded).corners;
    if let Some(q) = found {
        let text: Vec<String> = q.iter().flatten().map(|v| format!("{v}")).collect();
        fs::write(dir.join(format!("{page}.page.corners")), text.join(" "))?;
        let upright = rectify(&decoded, &q, PageSize::Named(PaperSize::A4), 9_000_000)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
            .image;
        gray_out("upright", &upright)?;
    }
    gray_out("frame720", &resize_area(&decoded, 1280, 720))?;
    let (mut working, _) = reduce_to_working(decoded, 9_000_000);
    if found.is_none() {
        gray_out("upright", &working)?;
    }
    gray_out("working", &working)?;
    normalize_background(&mut working);
    gray_out("flat", &working)?;
    if page == "a4" {
        gray_out("noisy", &with_sensor_noise(&working))?;
    }
    let skew = detect_skew(&working, 45.0).degrees;
    fs::write(dir.join(format!("{page}.skew.angle")), format!("{skew}"))?;
    let straight = rotate(&working, skew);
    drop(working);
    gray_out("straight", &straight)?;
    let (mut bits, _) = binarize(&straight, &BinarizeParams::default());
    bits_out("bits", &bits)?;
    clean(&mut bits, &clean_params());
    bits_out("clean", &bits)?;
    Ok(())
}
