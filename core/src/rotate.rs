//! Rotation by an arbitrary angle with bilinear interpolation and a white fill.
//!
//! The canvas grows to hold the whole rotated page, so no content is cut at the corners.
//! Source coordinates advance incrementally along each output row in 32.32 fixed point
//! (drift below 1e-5 px across 30 000 px) and the four-tap blend uses 8-bit weights, so the
//! result is bit-identical on every target.

use crate::math::{sin_cos, to_radians};
use crate::GrayImage;

/// Rotates `img` clockwise by `degrees` (in [-90, 90]), which corrects a skew of `degrees` as
/// reported by [`detect_skew`](crate::detect_skew). Uncovered areas are white.
pub fn rotate(img: &GrayImage, degrees: f64) -> GrayImage {
    let deg = if degrees.is_finite() {
        degrees.clamp(-90.0, 90.0)
    } else {
        0.0
    };
    let (w, h) = (img.width() as usize, img.height() as usize);
    if deg == 0.0 || w == 0 || h == 0 {
        return img.clone();
    }
    let (s, c) = sin_cos(to_radians(deg));
    // Bounding box of the rotated page.
    let ow = ((w as f64 * c.abs() + h as f64 * s.abs()) - 1e-9)
        .ceil()
        .max(1.0) as usize;
    let oh = ((w as f64 * s.abs() + h as f64 * c.abs()) - 1e-9)
        .ceil()
        .max(1.0) as usize;
    let mut out = GrayImage::new(ow as u32, oh as u32, 255);
    const ONE: f64 = 4_294_967_296.0; // 2^32
                                      // Output pixel centre (x+0.5, y+0.5) relative to the output centre maps to the source by
                                      // the counter-clockwise rotation: sx = c*dx + s*dy, sy = -s*dx + c*dy (y pointing down).
    let dxs = (c * ONE).round() as i64;
    let dys = (-s * ONE).round() as i64;
    let (ocx, ocy) = (ow as f64 / 2.0, oh as f64 / 2.0);
    let (icx, icy) = (w as f64 / 2.0, h as f64 / 2.0);
    let src = img.data();
    let (wi, hi) = (w as i64, h as i64);
    for (y, row) in out.rows_mut().enumerate() {
        let dx0 = 0.5 - ocx;
        let dy = y as f64 + 0.5 - ocy;
        // Source position of the pixel centre, minus 0.5 to index pixel centres.
        let mut sx = ((c * dx0 + s * dy + icx - 0.5) * ONE).round() as i64;
        let mut sy = ((-s * dx0 + c * dy + icy - 0.5) * ONE).round() as i64;
        for p in row.iter_mut() {
            let ix = sx >> 32;
            let iy = sy >> 32;
            let fx = ((sx >> 24) & 0xFF) as u32;
            let fy = ((sy >> 24) & 0xFF) as u32;
            if ix >= 0 && iy >= 0 && ix + 1 < wi && iy + 1 < hi {
                let i = iy as usize * w + ix as usize;
                let (a, b) = (src[i] as u32, src[i + 1] as u32);
                let (cc, d) = (src[i + w] as u32, src[i + w + 1] as u32);
                let top = a * (256 - fx) + b * fx;
                let bottom = cc * (256 - fx) + d * fx;
                *p = ((top * (256 - fy) + bottom * fy + 32768) >> 16) as u8;
            } else if ix >= -1 && iy >= -1 && ix < wi && iy < hi {
                // Edge: neighbours outside the page are white paper.
                let at = |x: i64, y: i64| -> u32 {
                    if x >= 0 && y >= 0 && x < wi && y < hi {
                        src[y as usize * w + x as usize] as u32
                    } else {
                        255
                    }
                };
                let top = at(ix, iy) * (256 - fx) + at(ix + 1, iy) * fx;
                let bottom = at(ix, iy + 1) * (256 - fx) + at(ix + 1, iy + 1) * fx;
                *p = ((top * (256 - fy) + bottom * fy + 32768) >> 16) as u8;
            }
            sx += dxs;
            sy += dys;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_angle_is_identity_and_small_images_survive() {
        let img = GrayImage::from_raw(3, 2, vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(rotate(&img, 0.0), img);
        let one = GrayImage::new(1, 1, 0);
        let r = rotate(&one, 30.0);
        assert!(r.width() >= 1 && r.height() >= 1);
        assert_eq!(rotate(&img, f64::NAN), img);
    }

    #[test]
    fn ninety_degrees_clockwise_moves_the_top_left_corner_to_the_top_right() {
        let mut img = GrayImage::new(40, 20, 255);
        for y in 0..5 {
            img.row_mut(y)[..5].iter_mut().for_each(|p| *p = 0);
        }
        let r = rotate(&img, 90.0);
        assert_eq!((r.width(), r.height()), (20, 40));
        assert!(r.get(17, 2) < 50, "dark block should be at the top right");
        assert!(r.get(2, 2) > 200);
    }

    #[test]
    fn rotating_there_and_back_restores_the_interior() {
        let mut img = GrayImage::new(200, 150, 255);
        for (y, row) in img.rows_mut().enumerate() {
            for (x, p) in row.iter_mut().enumerate() {
                *p = (128.0 + 100.0 * ((x as f64) / 40.0).sin() * ((y as f64) / 50.0).cos()) as u8;
            }
        }
        let there = rotate(&img, 7.0);
        let back = rotate(&there, -7.0);
        // The twice-grown canvas is centred on the original.
        let (ox, oy) = ((back.width() - 200) / 2, (back.height() - 150) / 2);
        let mut err = 0u64;
        for y in 30..120 {
            for x in 30..170 {
                err += (back.get(x + ox, y + oy) as i64 - img.get(x, y) as i64).unsigned_abs();
            }
        }
        assert!(
            err as f64 / (90.0 * 140.0) < 3.0,
            "mean abs error {}",
            err as f64 / 12600.0
        );
    }
}
