//! Sharpen stage: a page the capture verdict found blurred (its text edges wider than
//! [`SHARP_EDGE_PX`](crate::quality::SHARP_EDGE_PX)), or that denoising smoothed, gets an
//! unsharp mask before binarization, so that the threshold does not turn soft strokes into
//! bold, merged ones.
//!
//! Unsharp masking (the darkroom method; Gonzalez & Woods, "Digital Image Processing", §3.6):
//! `out = in + amount · (in − blurred)`, with the blur a Gaussian of σ ≈ 1.4 px (the binomial
//! kernel `[1 4 6 4 1]/16` twice). It steepens each edge about its middle, where the threshold
//! falls, and leaves flat paper and stroke interiors as they were. The amount is 1, and 4 on a
//! scan whose edges are wide for its text size too (the verdict's `too_blurry`), where
//! Tesseract makes a quarter to two fifths fewer errors on blurred pages (`ocr_degraded`);
//! photos keep 1, since their noise and JPEG ringing would rise with the edges.

use crate::GrayImage;

/// How much of the detail is added back (1: the edge's slope about doubled), on a page that
/// was smoothed or photographed.
const AMOUNT: i32 = 1;

/// The same on a scan whose text the blur smears (the capture verdict's `too_blurry`):
/// neither noise nor a camera's JPEG ringing is there to be raised with the edges.
const BLURRED_SCAN_AMOUNT: i32 = 4;

/// The page's restoration before binarization, after [`denoise`](crate::denoise) (which the
/// pipeline runs before background normalisation; `denoised`: whether it smoothed the page):
/// a page that was smoothed, or whose text edges the capture verdict measured wider than
/// [`SHARP_EDGE_PX`](crate::quality::SHARP_EDGE_PX) (`measures`), is sharpened, harder on a
/// scan whose edges are also wide for its text size (the verdict's `too_blurry`; a `photo`
/// keeps the light mask). Returns whether it sharpened the page.
pub fn restore(
    img: &mut GrayImage,
    measures: Option<&crate::QualityMeasures>,
    photo: bool,
    denoised: bool,
) -> bool {
    let edge = measures.and_then(|m| m.edge_width_px);
    let blurred = edge.is_some_and(|e| e > crate::quality::SHARP_EDGE_PX);
    let sharpened = denoised || blurred;
    if sharpened {
        let too_blurry = measures.is_some_and(crate::quality::too_blurry);
        if too_blurry && !denoised && !photo {
            sharpen::<BLURRED_SCAN_AMOUNT>(img);
        } else {
            sharpen::<AMOUNT>(img);
        }
    }
    sharpened
}

/// The unsharp mask of amount `A`, in place; one extra copy of the page while it works.
fn sharpen<const A: i32>(img: &mut GrayImage) {
    let mut soft = img.clone();
    crate::denoise::smooth_binomial(&mut soft);
    crate::denoise::smooth_binomial(&mut soft);
    for (o, &s) in img.data_mut().iter_mut().zip(soft.data()) {
        let v = *o as i32 + A * (*o as i32 - s as i32);
        *o = v.clamp(0, 255) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A soft vertical edge: paper 230 on the left, ink 40 on the right, an S-curve between
    /// (a blurred step).
    fn ramp() -> GrayImage {
        let (w, h) = (40u32, 8u32);
        let mut data = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                let t = ((x as f64 - 20.0) / 3.0).tanh();
                data.push((135.0 - 95.0 * t).round() as u8);
            }
        }
        GrayImage::from_raw(w, h, data).unwrap()
    }

    /// The capture verdict's measures of a page of 40 px text whose edges are `edge` px wide.
    fn soft(edge: f64) -> crate::QualityMeasures {
        crate::QualityMeasures {
            edge_width_px: Some(edge),
            text_height_px: Some(40.0),
            ..crate::QualityMeasures::default()
        }
    }

    #[test]
    fn a_blurred_edge_gets_steeper_and_a_sharp_page_is_left_alone() {
        let mut img = ramp();
        assert!(!restore(&mut img, Some(&soft(2.0)), false, false));
        assert!(!restore(&mut img, None, false, false));
        assert_eq!(img.data(), ramp().data());
        // A page the denoise stage smoothed is sharpened whatever its edges measured.
        assert!(restore(&mut ramp(), None, false, true));
        assert!(restore(&mut img, Some(&soft(4.0)), false, false));
        let (before, after) = (ramp(), img);
        let slope = |g: &GrayImage| g.data()[19] as i32 - g.data()[20] as i32;
        assert!(
            slope(&after) > slope(&before),
            "{} vs {}",
            slope(&after),
            slope(&before)
        );
        // Flat paper and ink far from the edge keep their levels.
        assert_eq!(after.data()[2], 230);
        assert_eq!(after.data()[38], 40);
    }

    #[test]
    fn a_scan_blurred_for_its_text_size_is_sharpened_harder_a_photo_is_not() {
        // The rise across the edge's middle 6 px.
        let slope = |g: &GrayImage| g.data()[17] as i32 - g.data()[23] as i32;
        let after = |m: crate::QualityMeasures, photo: bool| {
            let mut img = ramp();
            assert!(restore(&mut img, Some(&m), photo, false));
            slope(&img)
        };
        // 3 px edges on 40 px text: soft, not smeared; on 12 px text: too blurry.
        let light = after(soft(3.0), false);
        let hard = after(
            crate::QualityMeasures {
                text_height_px: Some(12.0),
                ..soft(3.0)
            },
            false,
        );
        let photo = after(
            crate::QualityMeasures {
                text_height_px: Some(12.0),
                ..soft(3.0)
            },
            true,
        );
        assert!(hard > light, "{hard} vs {light}");
        assert_eq!(photo, light);
    }
}
