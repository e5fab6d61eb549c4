//! Plane geometry for page detection and rectification: lines fitted to edge points, convex
//! quadrilaterals, polygon overlap (the SmartDoc Jaccard index) and the homography between a
//! quadrilateral and a rectangle (the direct linear transform on four correspondences, solved
//! by Gaussian elimination with partial pivoting). IEEE-754 `+ - * / sqrt` only, so every
//! target computes the same values.

// `!(x > t)` is deliberate: it is also true for NaN, which must be rejected the same way.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

/// A point `[x, y]` in pixels, y down; pixel `(i, j)` covers `[i, i+1) × [j, j+1)`.
pub type Point = [f64; 2];

/// A line `n · p = c` with a unit normal `n`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Line {
    pub(crate) n: [f64; 2],
    pub(crate) c: f64,
}

impl Line {
    /// The line through `p` along direction `d` (any length but zero).
    pub(crate) fn through(p: Point, d: [f64; 2]) -> Option<Line> {
        let len = (d[0] * d[0] + d[1] * d[1]).sqrt();
        if !(len > 1e-12) {
            return None;
        }
        let n = [-d[1] / len, d[0] / len];
        Some(Line {
            n,
            c: n[0] * p[0] + n[1] * p[1],
        })
    }

    /// Signed distance of `p` from the line (positive on the side the normal points to).
    #[inline]
    pub(crate) fn distance(&self, p: Point) -> f64 {
        self.n[0] * p[0] + self.n[1] * p[1] - self.c
    }

    /// The direction along the line (the normal turned by 90°).
    #[inline]
    pub(crate) fn direction(&self) -> [f64; 2] {
        [self.n[1], -self.n[0]]
    }

    /// Where two lines cross; `None` when they are (nearly) parallel.
    pub(crate) fn meet(&self, o: &Line) -> Option<Point> {
        let det = self.n[0] * o.n[1] - self.n[1] * o.n[0];
        if det.abs() < 1e-9 {
            return None;
        }
        Some([
            (self.c * o.n[1] - self.n[1] * o.c) / det,
            (self.n[0] * o.c - self.c * o.n[0]) / det,
        ])
    }

    /// The total-least-squares line through weighted points (the principal axis of their
    /// scatter, in closed form for a 2×2 symmetric matrix).
    pub(crate) fn fit(points: &[(Point, f64)]) -> Option<Line> {
        let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for &(p, w) in points {
            sw += w;
            sx += w * p[0];
            sy += w * p[1];
        }
        if points.len() < 2 || !(sw > 0.0) {
            return None;
        }
        let (mx, my) = (sx / sw, sy / sw);
        let (mut xx, mut xy, mut yy) = (0.0, 0.0, 0.0);
        for &(p, w) in points {
            let (dx, dy) = (p[0] - mx, p[1] - my);
            xx += w * dx * dx;
            xy += w * dx * dy;
            yy += w * dy * dy;
        }
        // The larger eigenvalue's eigenvector is the line's direction.
        let half = (xx - yy) / 2.0;
        let lambda = (xx + yy) / 2.0 + (half * half + xy * xy).sqrt();
        let (a, b) = ([xy, lambda - xx], [lambda - yy, xy]);
        let d = if a[0] * a[0] + a[1] * a[1] >= b[0] * b[0] + b[1] * b[1] {
            a
        } else {
            b
        };
        if d[0] == 0.0 && d[1] == 0.0 {
            // All points on one axis-parallel line (or all equal).
            return Line::through([mx, my], if xx >= yy { [1.0, 0.0] } else { [0.0, 1.0] });
        }
        Line::through([mx, my], d)
    }
}

/// Twice the signed area of a polygon (positive when clockwise on screen, y down).
pub(crate) fn signed_area2(poly: &[Point]) -> f64 {
    let mut s = 0.0;
    for i in 0..poly.len() {
        let (p, q) = (poly[i], poly[(i + 1) % poly.len()]);
        s += p[0] * q[1] - q[0] * p[1];
    }
    s
}

/// Whether a corner of `q` lies outside a `width`×`height` frame by more than half a pixel
/// (a page cut off by the frame).
pub(crate) fn outside_frame(q: &[Point; 4], width: u32, height: u32) -> bool {
    let (w, h) = (width as f64, height as f64);
    q.iter()
        .any(|p| p[0] < -0.5 || p[1] < -0.5 || p[0] > w + 0.5 || p[1] > h + 0.5)
}

/// The area of a simple polygon.
pub(crate) fn area(poly: &[Point]) -> f64 {
    signed_area2(poly).abs() / 2.0
}

/// Whether `q` is a strictly convex quadrilateral (every corner turns the same way, no three
/// corners collinear) with finite coordinates.
pub(crate) fn is_convex(q: &[Point; 4]) -> bool {
    if q.iter().any(|p| !p[0].is_finite() || !p[1].is_finite()) {
        return false;
    }
    let mut sign = 0.0f64;
    let scale = q
        .iter()
        .flat_map(|p| p.iter())
        .fold(1.0f64, |m, v| m.max(v.abs()));
    for i in 0..4 {
        let (a, b, c) = (q[i], q[(i + 1) % 4], q[(i + 2) % 4]);
        let cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if cross.abs() <= 1e-9 * scale * scale {
            return false;
        }
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return false;
        }
    }
    true
}

/// The corners of a convex quadrilateral in clockwise order on screen, starting from the one
/// nearest the top-left of the image (smallest `x + y`).
pub(crate) fn order_clockwise(mut q: [Point; 4]) -> [Point; 4] {
    if signed_area2(&q) < 0.0 {
        q.swap(1, 3);
    }
    let mut first = 0;
    for i in 1..4 {
        if q[i][0] + q[i][1] < q[first][0] + q[first][1] {
            first = i;
        }
    }
    [
        q[first],
        q[(first + 1) % 4],
        q[(first + 2) % 4],
        q[(first + 3) % 4],
    ]
}

/// The part of polygon `subject` inside the convex polygon `clip` (Sutherland & Hodgman,
/// "Reentrant polygon clipping", 1974). Both clockwise or both counter-clockwise.
fn clip_polygon(subject: &[Point], clip: &[Point]) -> Vec<Point> {
    let orient = signed_area2(clip).signum();
    let mut out = subject.to_vec();
    for i in 0..clip.len() {
        if out.is_empty() {
            break;
        }
        let (a, b) = (clip[i], clip[(i + 1) % clip.len()]);
        let inside = |p: Point| {
            orient * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])) >= 0.0
        };
        let input = std::mem::take(&mut out);
        for j in 0..input.len() {
            let (p, q) = (input[j], input[(j + 1) % input.len()]);
            let (pin, qin) = (inside(p), inside(q));
            if pin {
                out.push(p);
            }
            if pin != qin {
                // The crossing of segment p→q with the clip edge's line.
                let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
                let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
                let den = dx * ey - dy * ex;
                if den != 0.0 {
                    let t = ((a[0] - p[0]) * ey - (a[1] - p[1]) * ex) / den;
                    out.push([p[0] + t * dx, p[1] + t * dy]);
                }
            }
        }
    }
    out
}

/// The Jaccard index (intersection over union) of two convex polygons, 0 to 1.
pub fn polygon_jaccard(a: &[Point], b: &[Point]) -> f64 {
    let (aa, ab) = (area(a), area(b));
    if !(aa > 0.0) || !(ab > 0.0) {
        return 0.0;
    }
    // Clip with the same orientation as the subject.
    let mut bb = b.to_vec();
    if signed_area2(a).signum() != signed_area2(b).signum() {
        bb.reverse();
    }
    let inter = area(&clip_polygon(a, &bb));
    let union = aa + ab - inter;
    if union > 0.0 {
        (inter / union).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A projective map of the plane, `p ↦ (M·[x, y, 1])` dehomogenised: between a photo and the
/// page it shows (to map points from one to the other, or to render test photos).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Homography {
    pub(crate) m: [f64; 9],
}

impl Homography {
    /// The map sending each `from[i]` to `to[i]`; `None` when three points of either set are
    /// collinear (no such map).
    pub fn from_points(from: &[Point; 4], to: &[Point; 4]) -> Option<Homography> {
        // Normalise both sets (centroid to the origin, mean distance √2, after Hartley, "In
        // defense of the eight-point algorithm", 1997) so that the system is well conditioned.
        let (tf, nf) = normalise(from)?;
        let (tt, nt) = normalise(to)?;
        let mut a = [[0f64; 9]; 8];
        for i in 0..4 {
            let ([x, y], [u, v]) = (nf[i], nt[i]);
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let h = solve8(&mut a)?;
        let hn = Homography {
            m: [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0],
        };
        // Undo the normalisations: H = Tt⁻¹ · Hn · Tf.
        let out = tt.inverse()?.then(&hn.then(&tf));
        out.m.iter().all(|v| v.is_finite()).then_some(out)
    }

    /// `self` after `first`: the map `p ↦ self(first(p))`.
    fn then(&self, first: &Homography) -> Homography {
        let (a, b) = (&self.m, &first.m);
        let mut m = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                m[3 * r + c] = a[3 * r] * b[c] + a[3 * r + 1] * b[3 + c] + a[3 * r + 2] * b[6 + c];
            }
        }
        Homography { m }
    }

    /// The inverse map (the adjugate, scaled so that the last entry is 1 when it can be).
    pub fn inverse(&self) -> Option<Homography> {
        let m = &self.m;
        let adj = [
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ];
        let det = m[0] * adj[0] + m[1] * adj[3] + m[2] * adj[6];
        let scale = if adj[8].abs() > 1e-12 { adj[8] } else { det };
        if !(det.abs() > 1e-300) || !scale.is_finite() || scale == 0.0 {
            return None;
        }
        let mut out = [0.0; 9];
        for (o, a) in out.iter_mut().zip(adj) {
            *o = a / scale;
        }
        Some(Homography { m: out })
    }

    /// Maps a point; `None` at the line sent to infinity.
    #[inline]
    pub fn apply(&self, p: Point) -> Option<Point> {
        let m = &self.m;
        let w = m[6] * p[0] + m[7] * p[1] + m[8];
        if !(w.abs() > 1e-12) {
            return None;
        }
        Some([
            (m[0] * p[0] + m[1] * p[1] + m[2]) / w,
            (m[3] * p[0] + m[4] * p[1] + m[5]) / w,
        ])
    }
}

/// The similarity that takes `pts` to centroid 0 and mean distance √2, and the moved points.
fn normalise(pts: &[Point; 4]) -> Option<(Homography, [Point; 4])> {
    let (mx, my) = (
        pts.iter().map(|p| p[0]).sum::<f64>() / 4.0,
        pts.iter().map(|p| p[1]).sum::<f64>() / 4.0,
    );
    let d = pts
        .iter()
        .map(|p| ((p[0] - mx) * (p[0] - mx) + (p[1] - my) * (p[1] - my)).sqrt())
        .sum::<f64>()
        / 4.0;
    if !(d > 1e-9) || !d.is_finite() {
        return None;
    }
    let s = std::f64::consts::SQRT_2 / d;
    let t = Homography {
        m: [s, 0.0, -s * mx, 0.0, s, -s * my, 0.0, 0.0, 1.0],
    };
    let moved = pts.map(|p| [s * (p[0] - mx), s * (p[1] - my)]);
    Some((t, moved))
}

/// Solves the 8×8 system in the augmented matrix `a` (last column the right-hand side).
fn solve8(a: &mut [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let mut piv = col;
        for r in col + 1..8 {
            if a[r][col].abs() > a[piv][col].abs() {
                piv = r;
            }
        }
        if !(a[piv][col].abs() > 1e-12) {
            return None;
        }
        a.swap(col, piv);
        for r in 0..8 {
            if r != col {
                let f = a[r][col] / a[col][col];
                if f != 0.0 {
                    let pivot_row = a[col];
                    for (x, p) in a[r][col..].iter_mut().zip(&pivot_row[col..]) {
                        *x -= f * p;
                    }
                }
            }
        }
    }
    let mut x = [0.0; 8];
    for (i, xi) in x.iter_mut().enumerate() {
        *xi = a[i][8] / a[i][i];
    }
    Some(x)
}

/// Distance between two points.
#[inline]
pub(crate) fn dist(a: Point, b: Point) -> f64 {
    ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1])).sqrt()
}

/// The angle of `(x, y)` in degrees, in `(-180, 180]`, to within 0.3° (octant reduction and a
/// rational approximation of `atan`, so that every target computes the same value).
pub(crate) fn atan2_deg(y: f64, x: f64) -> f64 {
    let (ax, ay) = (x.abs(), y.abs());
    if ax == 0.0 && ay == 0.0 {
        return 0.0;
    }
    let (t, swap) = if ay > ax {
        (ax / ay, true)
    } else {
        (ay / ax, false)
    };
    // atan t for t in [0, 1], in degrees (error < 0.3°).
    let mut a = 45.0 * t + 15.64 * t * (1.0 - t);
    if swap {
        a = 90.0 - a;
    }
    if x < 0.0 {
        a = 180.0 - a;
    }
    if y < 0.0 {
        -a
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_homography_maps_the_four_corners_exactly() {
        let from = [[10.0, 20.0], [400.0, 35.0], [380.0, 610.0], [5.0, 590.0]];
        let to = [[0.0, 0.0], [2100.0, 0.0], [2100.0, 2970.0], [0.0, 2970.0]];
        let h = Homography::from_points(&from, &to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            let p = h.apply(*f).unwrap();
            assert!(
                (p[0] - t[0]).abs() < 1e-6 && (p[1] - t[1]).abs() < 1e-6,
                "{p:?} {t:?}"
            );
        }
        let inv = h.inverse().unwrap();
        let back = inv.apply([1050.0, 1485.0]).unwrap();
        let again = h.apply(back).unwrap();
        assert!((again[0] - 1050.0).abs() < 1e-6 && (again[1] - 1485.0).abs() < 1e-6);
    }

    #[test]
    fn degenerate_corners_have_no_homography() {
        let line = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
        let sq = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        assert!(Homography::from_points(&line, &sq).is_none());
        let nan = [[f64::NAN, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        assert!(Homography::from_points(&nan, &sq).is_none());
        assert!(!is_convex(&line));
        assert!(!is_convex(&[
            [0.0, 0.0],
            [1.0, 1.0],
            [1.0, 0.0],
            [0.0, 1.0]
        ]));
    }

    #[test]
    fn jaccard_of_overlapping_squares() {
        let a = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]];
        let b = [[1.0, 0.0], [3.0, 0.0], [3.0, 2.0], [1.0, 2.0]];
        assert!((polygon_jaccard(&a, &b) - 2.0 / 6.0).abs() < 1e-12);
        assert!((polygon_jaccard(&a, &a) - 1.0).abs() < 1e-12);
        let mut r = b;
        r.reverse();
        assert!((polygon_jaccard(&a, &r) - 2.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn fitted_lines_and_crossings() {
        let pts: Vec<(Point, f64)> = (0..20)
            .map(|i| ([i as f64, 2.0 * i as f64 + 1.0], 1.0))
            .collect();
        let l = Line::fit(&pts).unwrap();
        assert!(l.distance([5.0, 11.0]).abs() < 1e-9);
        let v = Line::through([3.0, 0.0], [0.0, 1.0]).unwrap();
        let p = l.meet(&v).unwrap();
        assert!((p[0] - 3.0).abs() < 1e-9 && (p[1] - 7.0).abs() < 1e-9);
        for i in -180..=180 {
            let t = i as f64 * std::f64::consts::PI / 180.0;
            let a = atan2_deg(t.sin(), t.cos());
            let d = (a - i as f64 + 540.0).rem_euclid(360.0) - 180.0;
            assert!(d.abs() < 0.3, "{i}: {a}");
        }
    }
}
