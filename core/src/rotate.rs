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
        let sx0 = ((c * dx0 + s * dy + icx - 0.5) * ONE).round() as i64;
        let sy0 = ((-s * dx0 + c * dy + icy - 0.5) * ONE).round() as i64;
        // The run of output pixels whose four source neighbours all lie inside the page.
        let (ax, bx) = linear_range(sx0, dxs, 0, (wi - 1) << 32, ow);
        let (ay, by) = linear_range(sy0, dys, 0, (hi - 1) << 32, ow);
        let (xa, xb) = (ax.max(ay), bx.min(by).max(ax.max(ay)));
        let (head, rest) = row.split_at_mut(xa);
        let (body, tail) = rest.split_at_mut(xb - xa);
        for (x, p) in head
            .iter_mut()
            .enumerate()
            .chain(tail.iter_mut().enumerate().map(|(k, p)| (k + xb, p)))
        {
            *p = edge_sample(src, w, h, sx0 + x as i64 * dxs, sy0 + x as i64 * dys);
        }
        let (mut sx, mut sy) = (sx0 + xa as i64 * dxs, sy0 + xa as i64 * dys);
        let mut x = 0usize;
        let n = body.len();
        while x < n {
            // A segment: the longest run over which the source column advances by exactly one
            // per pixel and the source row stays the same, so both source rows are read
            // contiguously and the weights are arithmetic sequences (a loop LLVM vectorises).
            let (ix, iy) = ((sx >> 32) as usize, (sy >> 32) as usize);
            let (ex, ey) = (sx & 0xFFFF_FFFF, sy & 0xFFFF_FFFF);
            let step_x = dxs - (1i64 << 32);
            let lx = if step_x < 0 {
                ex / -step_x + 1
            } else if step_x == 0 {
                i64::MAX
            } else {
                1
            };
            let ly = match dys.cmp(&0) {
                std::cmp::Ordering::Less => ey / -dys + 1,
                std::cmp::Ordering::Greater => ((1i64 << 32) - ey + dys - 1) / dys,
                std::cmp::Ordering::Equal => i64::MAX,
            };
            let len = (lx.min(ly).max(1) as usize).min(n - x).min(w - 1 - ix);
            let top = &src[iy * w + ix..][..len + 1];
            let bottom = &src[(iy + 1) * w + ix..][..len + 1];
            let out = &mut body[x..x + len];
            // Weights in 24-bit fixed point (i32) and blends in u16, so that SSE2 and wasm
            // simd128 can run eight pixels at a time.
            let (ex24, sx24, ey24, sy24) = (
                (ex >> 8) as i32,
                (step_x >> 8) as i32,
                (ey >> 8) as i32,
                (dys >> 8) as i32,
            );
            for (j, (((o, &a), &b), (&cc, &d))) in out
                .iter_mut()
                .zip(&top[..len])
                .zip(&top[1..])
                .zip(bottom[..len].iter().zip(&bottom[1..]))
                .enumerate()
            {
                let fx = ((ex24 + j as i32 * sx24) >> 16) as u16 & 0xFF;
                let fy = ((ey24 + j as i32 * sy24) >> 16) as u16 & 0xFF;
                let t = (a as u16 * (256 - fx) + b as u16 * fx + 128) >> 8;
                let btm = (cc as u16 * (256 - fx) + d as u16 * fx + 128) >> 8;
                *o = ((t * (256 - fy) + btm * fy + 128) >> 8) as u8;
            }
            x += len;
            sx += len as i64 * dxs;
            sy += len as i64 * dys;
        }
    }
    out
}

/// The range `a..b` (within `0..n`) of `x` for which `lo <= v0 + x * dv < hi`.
fn linear_range(v0: i64, dv: i64, lo: i64, hi: i64, n: usize) -> (usize, usize) {
    let n = n as i64;
    let inside = |x: i64| {
        let v = v0 as i128 + x as i128 * dv as i128;
        v >= lo as i128 && v < hi as i128
    };
    if dv == 0 {
        return if inside(0) { (0, n as usize) } else { (0, 0) };
    }
    // Real-valued bounds, then exact integer correction at both ends.
    let (t_lo, t_hi) = ((lo - v0) as f64 / dv as f64, (hi - v0) as f64 / dv as f64);
    let (t0, t1) = if dv > 0 { (t_lo, t_hi) } else { (t_hi, t_lo) };
    let mut a = (t0.ceil() as i64).clamp(0, n);
    let mut b = (t1.ceil() as i64).clamp(0, n);
    while a > 0 && inside(a - 1) {
        a -= 1;
    }
    while a < b && !inside(a) {
        a += 1;
    }
    while b < n && inside(b) {
        b += 1;
    }
    while b > a && !inside(b - 1) {
        b -= 1;
    }
    (a as usize, b.max(a) as usize)
}

/// Bilinear sample at a 32.32 position where some neighbours may lie outside the page
/// (outside is white paper).
fn edge_sample(src: &[u8], w: usize, h: usize, sx: i64, sy: i64) -> u8 {
    let (ix, iy) = (sx >> 32, sy >> 32);
    if ix < -1 || iy < -1 || ix >= w as i64 || iy >= h as i64 {
        return 255;
    }
    let fx = ((sx >> 24) & 0xFF) as u32;
    let fy = ((sy >> 24) & 0xFF) as u32;
    let at = |x: i64, y: i64| -> u32 {
        if x >= 0 && y >= 0 && x < w as i64 && y < h as i64 {
            src[y as usize * w + x as usize] as u32
        } else {
            255
        }
    };
    let top = (at(ix, iy) * (256 - fx) + at(ix + 1, iy) * fx + 128) >> 8;
    let bottom = (at(ix, iy + 1) * (256 - fx) + at(ix + 1, iy + 1) * fx + 128) >> 8;
    ((top * (256 - fy) + bottom * fy + 128) >> 8) as u8
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
