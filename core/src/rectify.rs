//! Perspective rectification: the page's quadrilateral mapped onto an upright rectangle by a
//! homography, sampled bilinearly, one output row at a time straight from the source (no
//! copy of the photo beyond the output itself).
//!
//! The rectangle's aspect ratio is the page's own when it is given (`a4`, `letter`, `legal`,
//! `id-card`, or a ratio), else it is estimated from the quadrilateral with the camera model
//! of Zhang & He, "Whiteboard scanning and image enhancement" (2007): the focal length follows
//! from the two vanishing points, with the principal point at the image centre and square
//! pixels, and the ratio from the back-projected sides. Near a frontal view the focal length is
//! undetermined, and the mean lengths of opposite sides give the ratio instead.
//!
//! The output keeps the pixel density of the page's best-resolved side (a side nearer the camera
//! is not thinned, a farther one is not blindly enlarged beyond it), within the working-pixel
//! limit. Sampling maps every 16th output pixel exactly (IEEE-754 `f64`) and the pixels in
//! between by fixed-point steps, with integer bilinear weights, so every target writes the same
//! bytes.

use serde::{Deserialize, Serialize};

use crate::geometry::{dist, Homography, Point};
use crate::{Error, GrayImage};

/// A known page format, or a ratio: `"a4"` or `1.5` in JSON.
// Serde by hand: `#[serde(untagged)]` buffers the value and costs ~10 KB of `.wasm`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PageSize {
    /// A named format (or `auto`).
    Named(PaperSize),
    /// Height over width of the page as it reads (1.414 for A4 portrait; below 1 for landscape).
    Ratio(f64),
}

impl Default for PageSize {
    fn default() -> Self {
        PageSize::Named(PaperSize::Auto)
    }
}

impl Serialize for PageSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PageSize::Named(p) => p.serialize(s),
            PageSize::Ratio(r) => s.serialize_f64(*r),
        }
    }
}

impl<'de> Deserialize<'de> for PageSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = PageSize;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("auto, a4, letter, legal, id-card, receipt, or a height/width ratio")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PageSize, E> {
                PaperSize::deserialize(serde::de::value::StrDeserializer::<E>::new(v))
                    .map(PageSize::Named)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<PageSize, E> {
                Ok(PageSize::Ratio(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PageSize, E> {
                Ok(PageSize::Ratio(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PageSize, E> {
                Ok(PageSize::Ratio(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// Named page formats.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PaperSize {
    /// Estimate the aspect ratio from the photo.
    #[default]
    Auto,
    /// ISO A4, 210 × 297 mm.
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
    /// US Legal, 8.5 × 14 in.
    Legal,
    /// ID-1 card (ISO/IEC 7810), 85.60 × 53.98 mm.
    IdCard,
    /// A till receipt, 80 mm wide and as long as it is (ratio estimated).
    Receipt,
}

impl PageSize {
    /// Width and height in millimetres when known (a receipt's height is not).
    fn millimetres(self) -> Option<(f64, Option<f64>)> {
        match self {
            PageSize::Named(PaperSize::A4) => Some((210.0, Some(297.0))),
            PageSize::Named(PaperSize::Letter) => Some((215.9, Some(279.4))),
            PageSize::Named(PaperSize::Legal) => Some((215.9, Some(355.6))),
            PageSize::Named(PaperSize::IdCard) => Some((85.6, Some(53.98))),
            PageSize::Named(PaperSize::Receipt) => Some((80.0, None)),
            _ => None,
        }
    }

    /// Checks a ratio.
    pub(crate) fn validate(self) -> Result<(), Error> {
        match self {
            PageSize::Ratio(r) if !(r.is_finite() && (0.05..=20.0).contains(&r)) => {
                Err(Error::InvalidOption {
                    field: "page_size",
                    reason: "a ratio (height over width) between 0.05 and 20".into(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// The rectified page and how it was sized.
#[derive(Clone, Debug)]
pub struct Rectified {
    /// The upright page.
    pub image: GrayImage,
    /// Its height over its width.
    pub aspect: f64,
    /// Its resolution in dots per inch, when the page format is known.
    pub dpi: Option<f64>,
}

/// The outermost pixels of a rectified page mix the paper with what lies beyond its edge (the
/// desk, by a pixel or two of corner error and the bilinear footprint): left there, they come
/// out of binarization as a thin line framing the page. They are replaced with the paper just
/// inside: `k` = 2 px, or one per 1000 px of the longer side, on each side.
pub(crate) fn extend_paper_to_edges(img: &mut GrayImage) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let k = (w.max(h) / 1000).max(2);
    if w <= 2 * k + 1 || h <= 2 * k + 1 {
        return;
    }
    let data = img.data_mut();
    for row in data.chunks_exact_mut(w) {
        let (left, right) = (row[k], row[w - 1 - k]);
        row[..k].fill(left);
        row[w - k..].fill(right);
    }
    for y in 0..k {
        data.copy_within(k * w..(k + 1) * w, y * w);
        let (from, to) = ((h - 1 - k) * w, (h - 1 - y) * w);
        data.copy_within(from..from + w, to);
    }
}

/// Maps the quadrilateral `corners` of `img` (clockwise from the page's top-left as it should
/// appear in the output) onto an upright rectangle of at most `max_pixels` pixels (0: no limit).
pub fn rectify(
    img: &GrayImage,
    corners: &[Point; 4],
    size: PageSize,
    max_pixels: u64,
) -> Result<Rectified, Error> {
    let plan = Plan::new(img, corners, size, max_pixels)?;
    let image = warp(img, &plan.to_source, plan.width, plan.height)?;
    Ok(plan.rectified(image))
}

/// The middle of the rectified page: the window of at most `budget` pixels (the whole page
/// when it has no more), centred and of the page's proportions, at the density [`rectify`]
/// gives the whole page, with that whole page's width and height. A live preview judges the
/// capture on it: the text's height, sharpness and levels need the page's density, not all
/// of its area.
pub(crate) fn rectify_middle(
    img: &GrayImage,
    corners: &[Point; 4],
    size: PageSize,
    max_pixels: u64,
    budget: u64,
) -> Result<(Rectified, (u32, u32)), Error> {
    let plan = Plan::new(img, corners, size, max_pixels)?;
    let (w, h) = (plan.width, plan.height);
    let whole = w as u64 * h as u64;
    if whole <= budget {
        let image = warp(img, &plan.to_source, w, h)?;
        return Ok((plan.rectified(image), (w, h)));
    }
    let k = (budget as f64 / whole as f64).sqrt();
    let (ww, wh) = (
        ((w as f64 * k).round() as u32).max(1),
        ((h as f64 * k).round() as u32).max(1),
    );
    let (x0, y0) = (((w - ww) / 2) as f64, ((h - wh) / 2) as f64);
    // The page's map, starting at the window's top-left.
    let m = plan.to_source.m;
    let shifted = Homography {
        m: [
            m[0],
            m[1],
            m[0] * x0 + m[1] * y0 + m[2],
            m[3],
            m[4],
            m[3] * x0 + m[4] * y0 + m[5],
            m[6],
            m[7],
            m[6] * x0 + m[7] * y0 + m[8],
        ],
    };
    let image = warp(img, &shifted, ww, wh)?;
    Ok((plan.rectified(image), (w, h)))
}

/// How a page is rectified: its output size, the map from output to source, its aspect
/// ratio and resolution.
struct Plan {
    to_source: Homography,
    width: u32,
    height: u32,
    aspect: f64,
    dpi: Option<f64>,
}

impl Plan {
    fn new(
        img: &GrayImage,
        corners: &[Point; 4],
        size: PageSize,
        max_pixels: u64,
    ) -> Result<Plan, Error> {
        size.validate()?;
        if !crate::geometry::is_convex(corners) {
            return Err(Error::InvalidCorners {
                reason: "the four corners do not form a convex quadrilateral",
            });
        }
        let estimated = estimate_aspect(corners, img.width(), img.height());
        let mm = size.millimetres();
        let aspect = match (size, mm) {
            (PageSize::Ratio(r), _) => r,
            (_, Some((w, Some(h)))) => {
                // The format's ratio, in the orientation the photo shows.
                let r = h / w;
                if (r > 1.0) == (estimated > 1.0) {
                    r
                } else {
                    1.0 / r
                }
            }
            _ => estimated,
        };
        let (ow, oh) = output_size(corners, aspect, max_pixels)?;
        let rect = [
            [0.0, 0.0],
            [ow as f64, 0.0],
            [ow as f64, oh as f64],
            [0.0, oh as f64],
        ];
        let to_source = Homography::from_points(&rect, corners).ok_or(Error::InvalidCorners {
            reason: "no perspective maps the corners onto a rectangle",
        })?;
        // The physical width along the output's x axis, for the resolution.
        let dpi = mm.map(|(w, h)| {
            let across = match h {
                Some(h) if (h > w) != (aspect > 1.0) => h,
                _ => w,
            };
            (ow as f64 / (across / 25.4) * 10.0).round() / 10.0
        });
        Ok(Plan {
            to_source,
            width: ow,
            height: oh,
            aspect,
            dpi,
        })
    }

    fn rectified(&self, image: GrayImage) -> Rectified {
        Rectified {
            image,
            aspect: self.aspect,
            dpi: self.dpi,
        }
    }
}

/// Height over width of the rectangle seen as `q` (clockwise from top-left) in a `w`×`h` image.
pub(crate) fn estimate_aspect(q: &[Point; 4], w: u32, h: u32) -> f64 {
    let sides = side_lengths(q);
    let simple = (sides[1] + sides[3]) / (sides[0] + sides[2]).max(1e-9);
    let diagonal = ((w as f64).powi(2) + (h as f64).powi(2)).sqrt();
    match zhang_he(q, w as f64 / 2.0, h as f64 / 2.0, diagonal) {
        Some(r) if r.is_finite() && r > 0.0 && (r / simple - 1.0).abs() < 0.5 => r,
        _ => simple,
    }
}

/// Top, right, bottom, left side lengths.
fn side_lengths(q: &[Point; 4]) -> [f64; 4] {
    [
        dist(q[0], q[1]),
        dist(q[1], q[2]),
        dist(q[2], q[3]),
        dist(q[3], q[0]),
    ]
}

/// Zhang & He (2007), section 3: the aspect ratio (height over width) of the rectangle imaged
/// as `q`, for a camera with principal point `(u0, v0)` and square pixels; `None` when the
/// sides back-project to nothing.
fn zhang_he(q: &[Point; 4], u0: f64, v0: f64, diagonal: f64) -> Option<f64> {
    // The paper's m1..m4: top-left, top-right, bottom-left, bottom-right.
    let h = |p: Point| [p[0], p[1], 1.0];
    let (m1, m2, m3, m4) = (h(q[0]), h(q[1]), h(q[3]), h(q[2]));
    let cross = |a: [f64; 3], b: [f64; 3]| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let k2 = dot(cross(m1, m4), m3) / dot(cross(m2, m4), m3);
    let k3 = dot(cross(m1, m4), m2) / dot(cross(m3, m4), m2);
    let n2 = [k2 * m2[0] - m1[0], k2 * m2[1] - m1[1], k2 * m2[2] - m1[2]];
    let n3 = [k3 * m3[0] - m1[0], k3 * m3[1] - m1[1], k3 * m3[2] - m1[2]];
    let den = n2[2] * n3[2];
    // The focal length from the two vanishing points; when one is at infinity (a tilt about
    // one axis only) or the value is implausible, a phone's usual one: 0.6 of the image
    // diagonal (a 26 mm lens in 35 mm terms).
    let typical = 0.6 * diagonal;
    let f2 = -((n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + den * u0 * u0)
        + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + den * v0 * v0))
        / den;
    let f2 = if f2.is_finite() && f2 > (0.25 * diagonal).powi(2) && f2 < (3.0 * diagonal).powi(2) {
        f2
    } else {
        typical * typical
    };
    // nᵀ (A⁻ᵀ A⁻¹) n with A = [[f, 0, u0], [0, f, v0], [0, 0, 1]].
    let quad = |n: [f64; 3]| {
        let (x, y) = (n[0] - u0 * n[2], n[1] - v0 * n[2]);
        (x * x + y * y) / f2 + n[2] * n[2]
    };
    let (a, b) = (quad(n2), quad(n3));
    if !(a > 0.0 && b > 0.0) {
        return None;
    }
    // w/h = sqrt(a / b); height over width is its inverse.
    Some((b / a).sqrt())
}

/// The output size: the density of the best-resolved side in each direction, the larger of the
/// two, within `max_pixels`.
fn output_size(q: &[Point; 4], aspect: f64, max_pixels: u64) -> Result<(u32, u32), Error> {
    let s = side_lengths(q);
    let (across, down) = (s[0].max(s[2]), s[1].max(s[3]));
    let mut w = across.max(down / aspect);
    let mut h = w * aspect;
    if max_pixels > 0 && w * h > max_pixels as f64 {
        let k = (max_pixels as f64 / (w * h)).sqrt();
        w *= k;
        h *= k;
    }
    let (w, h) = (w.round(), h.round());
    if !(w >= 1.0 && h >= 1.0) || w > 30_000.0 || h > 30_000.0 {
        return Err(Error::InvalidCorners {
            reason: "the corners give a page of no usable size",
        });
    }
    Ok((w as u32, h as u32))
}

/// Output pixels per exactly mapped span: in between, source positions are interpolated
/// linearly (a homography is locally affine: the error over 16 px is far below 1/256 px for
/// any page a camera can see), so the inner loop is integer arithmetic only.
const SPAN: usize = 16;
/// Fractional bits of the source positions (i32: positions up to 2^19 px).
const FRAC: u32 = 12;

/// Samples `src` through `to_source` (output pixel centres to source positions) into an
/// `ow`×`oh` page, bilinearly; outside the source stays white.
fn warp(src: &GrayImage, to_source: &Homography, ow: u32, oh: u32) -> Result<GrayImage, Error> {
    let (sw, sh) = (src.width() as usize, src.height() as usize);
    let m = to_source.m;
    let data = src.data();
    let mut out = GrayImage::new(ow, oh, 255);
    if sw == 0 || sh == 0 {
        return Ok(out);
    }
    let one = (1i32 << FRAC) as f64;
    // Source positions in fixed point, pixel centres at integers.
    let fixed = |u: f64, v: f64| -> Option<(i32, i32)> {
        let z = m[6] * u + m[7] * v + m[8];
        let x = (m[0] * u + m[1] * v + m[2]) / z - 0.5;
        let y = (m[3] * u + m[4] * v + m[5]) / z - 0.5;
        // Far outside (or behind the camera): no sample; the bound keeps i32 maths exact.
        let lim = (2.0 * (sw.max(sh) as f64 + 16.0)).min(200_000.0);
        (z > 0.0 && x.abs() < lim && y.abs() < lim).then_some(((x * one) as i32, (y * one) as i32))
    };
    let (max_x, max_y) = (((sw - 1) as i32) << FRAC, ((sh - 1) as i32) << FRAC);
    let half = 1i32 << (FRAC - 1);
    for (oy, row) in out.rows_mut().enumerate() {
        let v = oy as f64 + 0.5;
        let mut u0 = 0usize;
        // Each exactly mapped point ends one span and starts the next.
        let mut start = fixed(0.5, v);
        while u0 < row.len() {
            let n = SPAN.min(row.len() - u0);
            let end = fixed((u0 + n) as f64 + 0.5, v);
            let (Some((x0, y0)), Some((x1, y1))) = (start, end) else {
                start = end;
                u0 += n;
                continue;
            };
            start = end;
            let (dx, dy) = if n == SPAN {
                (
                    (x1 - x0) >> SPAN.trailing_zeros(),
                    (y1 - y0) >> SPAN.trailing_zeros(),
                )
            } else {
                ((x1 - x0) / n as i32, (y1 - y0) / n as i32)
            };
            let last = (x0 + dx * (n as i32 - 1), y0 + dy * (n as i32 - 1));
            let inside = |x: i32, y: i32| x >= 0 && y >= 0 && x < max_x && y < max_y;
            let span = &mut row[u0..u0 + n];
            if inside(x0, y0) && inside(last.0, last.1) {
                // The fast path: every sample and its right and lower neighbours are inside.
                span_fast(data, sw, (x0, y0), (dx, dy), span);
            } else {
                for (k, px) in span.iter_mut().enumerate() {
                    let (x, y) = (x0 + dx * k as i32, y0 + dy * k as i32);
                    // Within half a pixel of the border: the border's value.
                    if x < -half || y < -half || x > max_x + half || y > max_y + half {
                        continue;
                    }
                    let (x, y) = (x.clamp(0, max_x), y.clamp(0, max_y));
                    *px = bilinear_edge(data, sw, sh, x, y);
                }
            }
            u0 += n;
        }
    }
    Ok(out)
}

/// Bilinear samples along one span: `out[k]` at fixed-point `(x0 + k·dx, y0 + k·dy)`, every
/// one with `0 ≤ x < (w − 1)` and `0 ≤ y < (h − 1)`. Two passes: a scalar gather of each
/// sample's two neighbour pairs (two 16-bit loads, one bounds check), then the weights and the
/// blend over the whole span, which the compiler runs on SIMD lanes (SSE2 natively, simd128 in
/// WebAssembly). The same integers as [`bilinear_edge`]: `a·(256 − fx) + b·fx` is exact in 16
/// bits (at most 255·256), the blend down in 32.
#[inline(always)]
fn span_fast(data: &[u8], w: usize, (x0, y0): (i32, i32), (dx, dy): (i32, i32), out: &mut [u8]) {
    let n = out.len().min(SPAN);
    // 1. Gather: the top pair (a, b) and the bottom pair (c, d) of each sample.
    let (mut ab, mut cd) = ([0u16; SPAN], [0u16; SPAN]);
    let (mut wx, mut wy) = ([0u8; SPAN], [0u8; SPAN]);
    let (mut x, mut y) = (x0 as u32, y0 as u32);
    for k in 0..n {
        let at = (y >> FRAC) as usize * w + (x >> FRAC) as usize;
        let s = &data[at..at + w + 2];
        ab[k] = u16::from_le_bytes([s[0], s[1]]);
        cd[k] = u16::from_le_bytes([s[w], s[w + 1]]);
        wx[k] = (x >> (FRAC - 8)) as u8;
        wy[k] = (y >> (FRAC - 8)) as u8;
        x = x.wrapping_add(dx as u32);
        y = y.wrapping_add(dy as u32);
    }
    // 2. Blend, lane by lane (lanes past `n` blend zeros and are not copied).
    let mut px = [0u8; SPAN];
    for k in 0..SPAN {
        let fx = wx[k] as u16;
        let fy = wy[k] as u32;
        let top = (ab[k] & 255) * (256 - fx) + (ab[k] >> 8) * fx;
        let bot = (cd[k] & 255) * (256 - fx) + (cd[k] >> 8) * fx;
        px[k] = ((top as u32 * (256 - fy) + bot as u32 * fy + 32768) >> 16) as u8;
    }
    out.copy_from_slice(&px[..out.len()]);
}

/// A bilinear sample anywhere in the image, the last row and column repeated.
fn bilinear_edge(data: &[u8], w: usize, h: usize, x: i32, y: i32) -> u8 {
    let (x, y) = (x as u32, y as u32);
    let (xi, yi) = ((x >> FRAC) as usize, (y >> FRAC) as usize);
    let fx = (x >> (FRAC - 8)) & 255;
    let fy = (y >> (FRAC - 8)) & 255;
    let (x1, y1) = ((xi + 1).min(w - 1), (yi + 1).min(h - 1));
    let (r0, r1) = (yi * w, y1 * w);
    let (a, b) = (data[r0 + xi] as u32, data[r0 + x1] as u32);
    let (c, d) = (data[r1 + xi] as u32, data[r1 + x1] as u32);
    let top = a * (256 - fx) + b * fx;
    let bot = c * (256 - fx) + d * fx;
    ((top * (256 - fy) + bot * fy + 32768) >> 16) as u8
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_edge_takes_the_paper_next_to_it() {
        // Paper 200 inside, a dark 1-px frame (the desk) around it.
        let (w, h) = (40u32, 30u32);
        let mut img = GrayImage::new(w, h, 200);
        for y in 0..h {
            for x in 0..w {
                if x == 0 || y == 0 || x == w - 1 || y == h - 1 {
                    img.data_mut()[(y * w + x) as usize] = 30;
                }
            }
        }
        img.data_mut()[(10 * w + 5) as usize] = 0; // ink inside stays
        extend_paper_to_edges(&mut img);
        assert!(img
            .data()
            .iter()
            .enumerate()
            .all(|(i, &v)| v == 200 || i == (10 * w + 5) as usize));
        // Too small to have an inside: left alone.
        let mut tiny = GrayImage::new(4, 4, 9);
        extend_paper_to_edges(&mut tiny);
        assert_eq!(tiny.data(), GrayImage::new(4, 4, 9).data());
    }

    use super::*;

    /// A checkerboard page of 8×11 squares seen through a known homography.
    fn photographed(page_w: f64, page_h: f64, q: [Point; 4], w: u32, h: u32) -> GrayImage {
        let rect = [[0.0, 0.0], [page_w, 0.0], [page_w, page_h], [0.0, page_h]];
        let to_page = Homography::from_points(&q, &rect).unwrap();
        let mut img = GrayImage::new(w, h, 60);
        for y in 0..h {
            for x in 0..w {
                let p = to_page.apply([x as f64 + 0.5, y as f64 + 0.5]).unwrap();
                if p[0] >= 0.0 && p[1] >= 0.0 && p[0] < page_w && p[1] < page_h {
                    let cell = (p[0] / page_w * 8.0) as u32 + (p[1] / page_h * 11.0) as u32;
                    img.data_mut()[(y * w + x) as usize] =
                        if cell.is_multiple_of(2) { 230 } else { 30 };
                }
            }
        }
        img
    }

    /// A page 1:1.4142 tilted away from the camera (the top side shorter): its corners and
    /// the 1280×1000 photo.
    fn keystoned() -> ([Point; 4], GrayImage) {
        let q = [
            [420.0, 150.0],
            [860.0, 160.0],
            [1010.0, 900.0],
            [260.0, 880.0],
        ];
        (q, photographed(1000.0, 1414.2, q, 1280, 1000))
    }

    #[test]
    fn a_keystoned_page_comes_out_rectangular_with_its_aspect() {
        let (q, img) = keystoned();
        let r = rectify(&img, &q, PageSize::Named(PaperSize::A4), 0).unwrap();
        assert!((r.aspect - std::f64::consts::SQRT_2).abs() < 1e-3);
        let (w, h) = (r.image.width(), r.image.height());
        // Every checker square's centre is the right colour.
        for j in 0..11 {
            for i in 0..8 {
                let x = ((i as f64 + 0.5) / 8.0 * w as f64) as u32;
                let y = ((j as f64 + 0.5) / 11.0 * h as f64) as u32;
                let want = if (i + j) % 2 == 0 { 230 } else { 30 };
                assert_eq!(r.image.get(x, y), want, "square {i},{j}");
            }
        }
        assert!(r.dpi.unwrap() > 50.0);
    }

    #[test]
    fn the_middle_is_the_whole_pages_middle() {
        let (q, img) = keystoned();
        let size = PageSize::Named(PaperSize::A4);
        let whole = rectify(&img, &q, size, 0).unwrap();
        let (w, h) = (whole.image.width(), whole.image.height());
        let (mid, full) = rectify_middle(&img, &q, size, 0, 60_000).unwrap();
        assert_eq!(full, (w, h));
        assert_eq!((mid.aspect, mid.dpi), (whole.aspect, whole.dpi));
        let (mw, mh) = (mid.image.width(), mid.image.height());
        assert!(mw as u64 * mh as u64 <= 60_500 && mw as u64 * mh as u64 >= 59_000);
        assert!(((mh as f64 / mw as f64) - h as f64 / w as f64).abs() < 0.01);
        // The same pixels as the whole page's at the window's place, to a level of rounding
        // (the exactly mapped points fall elsewhere).
        let (x0, y0) = ((w - mw) / 2, (h - mh) / 2);
        for y in 0..mh {
            for x in 0..mw {
                let (a, b) = (mid.image.get(x, y), whole.image.get(x0 + x, y0 + y));
                assert!(a.abs_diff(b) <= 1, "({x}, {y}): {a} against {b}");
            }
        }
        // A page within the budget is the whole page.
        let (all, _) = rectify_middle(&img, &q, size, 0, w as u64 * h as u64).unwrap();
        assert_eq!(all.image, whole.image);
    }

    #[test]
    fn the_estimated_aspect_of_a_known_view_is_close() {
        // Project a 1:1.5 rectangle with a pinhole camera (f = 1500, centre 960,540), tilted.
        let (f, u0, v0) = (1500.0, 960.0, 540.0);
        let (c, s) = (0.9f64.cos(), 0.9f64.sin()); // 51.6° about the x axis
        let proj = |x: f64, y: f64| {
            // Page in plane z' = 0 of a frame tilted about x, 2000 units away.
            let (px, py, pz) = (x, y * c, 2000.0 + y * s);
            [u0 + f * px / pz, v0 + f * py / pz]
        };
        let (hw, hh) = (200.0, 300.0);
        let q = [proj(-hw, -hh), proj(hw, -hh), proj(hw, hh), proj(-hw, hh)];
        // One vanishing point: the focal length is assumed (1322 px here, against 1500), which
        // at this steep 52° tilt costs 7%; the side ratio alone would be 37% off.
        let r = estimate_aspect(&q, 1920, 1080);
        assert!((r - 1.5).abs() < 0.12, "{r}");
        // Turned about the view axis too, off centre: both vanishing points, f is found.
        let (cr, sr) = (0.5f64.cos(), 0.5f64.sin());
        let proj2 = |x: f64, y: f64| {
            let (x, y) = (cr * x - sr * y + 60.0, sr * x + cr * y - 40.0);
            proj(x, y)
        };
        let q = [
            proj2(-hw, -hh),
            proj2(hw, -hh),
            proj2(hw, hh),
            proj2(-hw, hh),
        ];
        let r = estimate_aspect(&q, 1920, 1080);
        assert!((r - 1.5).abs() < 0.015, "{r}");
    }

    #[test]
    fn the_span_path_gives_the_border_paths_values() {
        // Noise, so every neighbour and weight matters; spans in every direction and length.
        let (w, h) = (97usize, 61usize);
        let mut state = 0x2545_f491u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let img = GrayImage::from_raw(
            w as u32,
            h as u32,
            (0..w * h).map(|_| next() as u8).collect(),
        )
        .unwrap();
        let (max_x, max_y) = (((w - 1) as i32) << FRAC, ((h - 1) as i32) << FRAC);
        for _ in 0..2000 {
            let n = 1 + next() as usize % SPAN;
            let (x0, y0) = (
                (next() % max_x as u32) as i32,
                (next() % max_y as u32) as i32,
            );
            let (x1, y1) = (
                (next() % max_x as u32) as i32,
                (next() % max_y as u32) as i32,
            );
            let (dx, dy) = ((x1 - x0) / n as i32, (y1 - y0) / n as i32);
            let mut out = vec![0u8; n];
            span_fast(img.data(), w, (x0, y0), (dx, dy), &mut out);
            for (k, &v) in out.iter().enumerate() {
                let (x, y) = (x0 + dx * k as i32, y0 + dy * k as i32);
                assert_eq!(
                    v,
                    bilinear_edge(img.data(), w, h, x, y),
                    "span {n}, sample {k}"
                );
            }
        }
    }

    #[test]
    fn bad_corners_are_typed_errors() {
        let img = GrayImage::new(100, 100, 200);
        let line = [[0.0, 0.0], [10.0, 10.0], [20.0, 20.0], [30.0, 30.0]];
        assert!(matches!(
            rectify(&img, &line, PageSize::default(), 0),
            Err(Error::InvalidCorners { .. })
        ));
        let crossing = [[0.0, 0.0], [50.0, 50.0], [50.0, 0.0], [0.0, 50.0]];
        assert!(rectify(&img, &crossing, PageSize::default(), 0).is_err());
        assert!(rectify(
            &img,
            &[[0.0, 0.0], [50.0, 0.0], [50.0, 50.0], [f64::NAN, 50.0]],
            PageSize::default(),
            0
        )
        .is_err());
        assert!(rectify(
            &img,
            &[[0.0, 0.0], [50.0, 0.0], [50.0, 50.0], [0.0, 50.0]],
            PageSize::Ratio(-1.0),
            0
        )
        .is_err());
        // Far outside the image: white, not a panic.
        let far = [
            [1e5, 1e5],
            [1e5 + 50.0, 1e5],
            [1e5 + 50.0, 1e5 + 50.0],
            [1e5, 1e5 + 50.0],
        ];
        let r = rectify(&img, &far, PageSize::default(), 0).unwrap();
        assert!(r.image.data().iter().all(|&p| p == 255));
    }
}
