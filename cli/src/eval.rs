//! `scanprep eval`: scores the library's binarization against ground truth on a folder of
//! DIBCO-style pairs (`<id>_in.png` and `<id>_gt.png`, ground truth 0 = ink), with the
//! F-measure, PSNR and DRD of [`scanprep::eval`]. `benches/peers/dibco_doxa.py` prints the same
//! scores for the doxa methods, for comparison.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rayon::prelude::*;
use scanprep::eval::{score, Scores};
use scanprep::{
    binarize, denoise, detect_gray, normalize_background, restore, Binarization, BinarizeParams,
    BitImage, GrayImage, Options,
};

/// Arguments of `scanprep eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// Folder searched recursively for `<id>_in.png` / `<id>_gt.png` pairs.
    pub dir: PathBuf,
    /// Binarization method: auto, otsu, sauvola or edge.
    #[arg(long, default_value = "auto")]
    pub method: String,
    /// Window side in pixels for the local methods (default: derived from the stroke width).
    #[arg(long)]
    pub window: Option<u32>,
    /// Sauvola's k (default 0.2).
    #[arg(long)]
    pub k: Option<f32>,
    /// Skip background normalisation (on by default, as in the pipeline).
    #[arg(long)]
    pub no_background: bool,
    /// Skip the pipeline's restoration before binarization (denoising a noisy page,
    /// sharpening one the capture verdict finds blurred), on by default as in the pipeline.
    #[arg(long)]
    pub no_restore: bool,
    /// Print JSON (one object per image and the means) instead of a table.
    #[arg(long)]
    pub json: bool,
}

struct Row {
    id: String,
    group: String,
    scores: Scores,
    method: Binarization,
}

/// Finds the pairs under `dir`, sorted by id.
fn pairs(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(stem) = name.strip_suffix("_in.png") {
                let gt = p.with_file_name(format!("{stem}_gt.png"));
                if gt.exists() {
                    let rel = p
                        .parent()
                        .and_then(|q| q.strip_prefix(dir).ok())
                        .unwrap_or(Path::new(""));
                    let id = rel.join(stem).to_string_lossy().replace('\\', "/");
                    out.push((id, p.clone(), gt));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn load_gray(path: &Path) -> anyhow::Result<GrayImage> {
    let img = image::open(path)
        .with_context(|| format!("cannot decode {}", path.display()))?
        .to_luma8();
    let (w, h) = img.dimensions();
    Ok(GrayImage::from_raw(w, h, img.into_raw())?)
}

fn eval_one(
    args: &EvalArgs,
    params: &BinarizeParams,
    id: &str,
    inp: &Path,
    gt: &Path,
) -> anyhow::Result<Row> {
    let mut gray = load_gray(inp)?;
    let truth = BitImage::from_gray_threshold(&load_gray(gt)?, 127);
    // The capture verdict's measures, taken before normalisation as the pipeline does.
    let measures = if args.no_restore {
        None
    } else {
        let o = Options {
            detect_page: false,
            detect_orientation: false,
            ..Options::default()
        };
        detect_gray(gray.clone(), &o)
            .with_context(|| id.to_string())?
            .quality
            .measures
            .into()
    };
    // Scans: the pipeline's path for a page not photographed (no page found, no glare).
    let denoised = !args.no_restore && denoise(&mut gray);
    if !args.no_background {
        normalize_background(&mut gray);
    }
    if !args.no_restore {
        restore(&mut gray, measures.as_ref(), false, denoised);
    }
    let params = BinarizeParams {
        denoised,
        ..params.clone()
    };
    let (bits, rep) = binarize(&gray, &params);
    let scores = score(&bits, &truth).with_context(|| id.to_string())?;
    let group = id.rsplit_once('/').map_or("", |(g, _)| g).to_string();
    Ok(Row {
        id: id.to_string(),
        group,
        scores,
        method: rep.method,
    })
}

fn mean(rows: &[&Row]) -> (f64, f64, f64) {
    let n = rows.len().max(1) as f64;
    let s = rows.iter().fold((0.0, 0.0, 0.0), |a, r| {
        (a.0 + r.scores.fm, a.1 + r.scores.psnr, a.2 + r.scores.drd)
    });
    (s.0 / n, s.1 / n, s.2 / n)
}

/// Runs the evaluation and prints one row per image, the per-folder means and the mean.
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let method: Binarization =
        serde_json::from_value(serde_json::Value::String(args.method.clone())).map_err(|_| {
            anyhow::anyhow!(
                "unknown method `{}` (auto, otsu, sauvola, edge)",
                args.method
            )
        })?;
    if method == Binarization::None {
        bail!("method `none` does not binarize");
    }
    let params = BinarizeParams {
        method,
        window: args.window,
        k: args.k,
        denoised: false,
    };
    let list = pairs(&args.dir)?;
    if list.is_empty() {
        bail!(
            "no <id>_in.png / <id>_gt.png pairs under {}",
            args.dir.display()
        );
    }
    let rows: Vec<Row> = list
        .par_iter()
        .map(|(id, inp, gt)| eval_one(args, &params, id, inp, gt))
        .collect::<anyhow::Result<_>>()?;
    let all: Vec<&Row> = rows.iter().collect();
    let mut groups: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        groups.entry(r.group.as_str()).or_default().push(r);
    }
    let (fm, psnr, drd) = mean(&all);
    if args.json {
        let images: Vec<_> = rows
            .iter()
            .map(|r| {
                serde_json::json!({"id": r.id, "method": r.method.name(), "fm": r.scores.fm,
                "psnr": r.scores.psnr, "drd": r.scores.drd})
            })
            .collect();
        let per_group: BTreeMap<_, _> = groups
            .iter()
            .map(|(g, rs)| {
                let (f, p, d) = mean(rs);
                (
                    g.to_string(),
                    serde_json::json!({"n": rs.len(), "fm": f, "psnr": p, "drd": d}),
                )
            })
            .collect();
        let out = serde_json::json!({"method": args.method, "background": !args.no_background,
            "restore": !args.no_restore, "n": rows.len(), "fm": fm, "psnr": psnr, "drd": drd, "groups": per_group, "images": images});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{:<20} {:>8} {:>8} {:>8}  method",
        "image", "FM", "PSNR", "DRD"
    );
    for r in &rows {
        println!(
            "{:<20} {:>8.2} {:>8.2} {:>8.2}  {}",
            r.id,
            r.scores.fm,
            r.scores.psnr,
            r.scores.drd,
            r.method.name()
        );
    }
    if groups.len() > 1 {
        println!();
        for (g, rs) in &groups {
            let (f, p, d) = mean(rs);
            println!(
                "{:<20} {:>8.2} {:>8.2} {:>8.2}  ({} images)",
                format!("mean {g}"),
                f,
                p,
                d,
                rs.len()
            );
        }
    }
    println!(
        "\n{:<20} {fm:>8.2} {psnr:>8.2} {drd:>8.2}  ({} images, method {}, background {}, restoration {})",
        "mean",
        rows.len(),
        args.method,
        if args.no_background { "off" } else { "on" },
        if args.no_restore { "off" } else { "on" }
    );
    Ok(())
}
