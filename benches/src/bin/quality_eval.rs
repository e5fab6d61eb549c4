//! The capture-quality verdict against known defects: pages rendered with a known blur,
//! exposure, ink contrast, text size and glare (each defect alone, at a level that plainly
//! harms OCR or plainly does not), and for each reason its precision and recall.
//!
//! `cargo run --release -p scanprep-benches --bin quality_eval -- FROM TO [--live]` (seeds);
//! `--live` judges each page as a live preview does (`detect_frame`: the text on the page's
//! middle, the glare on all of it).

use scanprep::{detect_frame, detect_gray, GrayImage, Options, QualityReason};
use scanprep_fixtures::{render_page, Font, PageSpec};

/// One case: the page spec, an exposure gain, glare on or off, and the reason that must fire
/// (or `None`: a page that must pass on that reason's count).
struct Case {
    spec: PageSpec,
    gain: f32,
    glare: bool,
    expect: Option<QualityReason>,
    /// The reason this case was built to probe (for negatives: the one that must not fire).
    probe: QualityReason,
}

fn cases(seed: u64) -> Vec<Case> {
    let fonts = [Font::Serif, Font::Sans, Font::SansCondensed, Font::Mono];
    let base = PageSpec {
        font: fonts[(seed % 4) as usize],
        columns: 1 + (seed % 2) as u8,
        noise: 0.2,
        seed,
        ..PageSpec::a4_150dpi()
    };
    let case = |spec: PageSpec, gain, glare, expect, probe| Case {
        spec,
        gain,
        glare,
        expect,
        probe,
    };
    use QualityReason as R;
    let mut cases = vec![
        // Blur: σ 2.5–3.5 px on 10 pt text at 150 dpi (x-height ~10 px) smears the glyphs; σ ≤ 0.8
        // does not.
        case(
            PageSpec {
                blur: 2.5 + (seed % 3) as f32 * 0.5,
                ..base.clone()
            },
            1.0,
            false,
            Some(R::TooBlurry),
            R::TooBlurry,
        ),
        case(
            PageSpec {
                blur: 0.4 + (seed % 3) as f32 * 0.2,
                ..base.clone()
            },
            1.0,
            false,
            None,
            R::TooBlurry,
        ),
        // Exposure: the paper at 20–30 % of its level (a dark room), against 60–100 %.
        case(
            base.clone(),
            0.2 + (seed % 3) as f32 * 0.05,
            false,
            Some(R::TooDark),
            R::TooDark,
        ),
        case(
            base.clone(),
            0.6 + (seed % 3) as f32 * 0.2,
            false,
            None,
            R::TooDark,
        ),
        // Contrast: ink 25–40 levels below the paper (faded), against 150 or more.
        case(
            PageSpec {
                ink: 240 - 25 - (seed % 4) as u8 * 5,
                ..base.clone()
            },
            1.0,
            false,
            Some(R::LowContrast),
            R::LowContrast,
        ),
        case(
            PageSpec {
                ink: 30 + (seed % 4) as u8 * 15,
                ..base.clone()
            },
            1.0,
            false,
            None,
            R::LowContrast,
        ),
        // Text size: 4–6 pt at 150 dpi (x-height 4–6 px), against 10–14 pt.
        case(
            PageSpec {
                text_px: 8.5 + (seed % 3) as f32 * 2.0,
                ..base.clone()
            },
            1.0,
            false,
            Some(R::TextTooSmall),
            R::TextTooSmall,
        ),
        case(
            PageSpec {
                text_px: 20.8 + (seed % 3) as f32 * 4.0,
                ..base.clone()
            },
            1.0,
            false,
            None,
            R::TextTooSmall,
        ),
        // Glare: a clipped highlight over text on grey paper, against the same page without.
        case(
            PageSpec {
                paper: 200,
                ..base.clone()
            },
            1.0,
            true,
            Some(R::Glare),
            R::Glare,
        ),
        case(
            PageSpec {
                paper: 200,
                ..base.clone()
            },
            1.0,
            false,
            None,
            R::Glare,
        ),
    ];
    // The blurred and the contrast cases again under sensor noise of σ 11–13 levels with
    // salt-and-pepper specks (a dim sensor): the noise must neither hide faint text nor pass
    // for contrast or for sharp edges. Faint ink 10 levels deeper there (35–50 below the
    // paper): at 25–40 hardly a glyph stands out of that noise.
    let noisy: Vec<Case> = cases
        .iter()
        .filter(|c| c.probe == R::LowContrast || c.expect == Some(R::TooBlurry))
        .map(|c| Case {
            spec: PageSpec {
                noise: 1.1 + (seed % 3) as f32 * 0.1,
                ink: if c.expect == Some(R::LowContrast) {
                    c.spec.ink - 10
                } else {
                    c.spec.ink
                },
                ..c.spec.clone()
            },
            gain: c.gain,
            glare: c.glare,
            expect: c.expect,
            probe: c.probe,
        })
        .collect();
    cases.extend(noisy);
    cases
}

fn render(c: &Case) -> GrayImage {
    let mut img = render_page(&c.spec).image;
    let (w, h) = (img.width() as f32, img.height() as f32);
    for (i, v) in img.data_mut().iter_mut().enumerate() {
        let mut x = *v as f32 * c.gain;
        if c.glare {
            let (px, py) = ((i as f32 % w) / w - 0.5, (i as f32 / w).floor() / h - 0.4);
            let d2 = (px * px + py * py) / (0.12 * 0.12);
            x += (300.0 - x) * (-d2).exp();
        }
        *v = x.round().clamp(0.0, 255.0) as u8;
    }
    img
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds = scanprep_benches::seed_range(&args, 10);
    let reasons = [
        QualityReason::TooBlurry,
        QualityReason::TooDark,
        QualityReason::LowContrast,
        QualityReason::TextTooSmall,
        QualityReason::Glare,
    ];
    // Per reason: true positives, false positives (fired on a case probing it that must pass),
    // false negatives.
    let mut tally = [[0u32; 3]; 5];
    let mut cases_per_reason = [0u64; 5];
    let live = args.iter().any(|a| a == "--live");
    for seed in seeds {
        for c in cases(seed) {
            let d = if live {
                detect_frame(render(&c), None, &Options::default())
            } else {
                detect_gray(render(&c), &Options::default())
            }
            .expect("a valid page");
            let fired = d.quality.reasons.contains(&c.probe);
            let k = reasons.iter().position(|r| *r == c.probe).unwrap_or(0);
            cases_per_reason[k] += 1;
            match (c.expect.is_some(), fired) {
                (true, true) => tally[k][0] += 1,
                (false, true) => tally[k][1] += 1,
                (true, false) => tally[k][2] += 1,
                (false, false) => {}
            }
            if c.expect.is_some() != fired || args.iter().any(|a| a == "--all") {
                println!(
                    "seed {seed} {:?}: expected {:?}, got {:?} {:?}",
                    c.probe, c.expect, d.quality.reasons, d.quality.measures
                );
            }
        }
    }
    println!("| reason | precision | recall | cases |");
    println!("|---|---:|---:|---:|");
    for ((r, [tp, fp, fneg]), cases) in reasons.iter().zip(tally).zip(cases_per_reason) {
        let p = tp as f64 / (tp + fp).max(1) as f64;
        let rc = tp as f64 / (tp + fneg).max(1) as f64;
        println!("| {} | {p:.3} | {rc:.3} | {cases} |", r.name());
    }
}
