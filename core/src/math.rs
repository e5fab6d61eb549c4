//! Deterministic arithmetic. Trigonometry: the platform `sin`/`cos` may differ in the last bit
//! between targets (glibc natively, a Rust port on wasm32), which could change output bytes.
//! These use only IEEE-754 `+`, `*` and `/`, so every target computes the same values; the
//! binary logarithm of the encoders' cost models is in integers.

/// Degrees to radians.
pub(crate) fn to_radians(deg: f64) -> f64 {
    deg * (std::f64::consts::PI / 180.0)
}

/// `(sin x, cos x)` for |x| ≤ π/2 by Taylor series (error below 1e-15 there).
pub(crate) fn sin_cos(x: f64) -> (f64, f64) {
    let x2 = x * x;
    let (mut s, mut c) = (0.0f64, 0.0f64);
    let (mut ts, mut tc) = (x, 1.0f64);
    let mut k = 1.0f64;
    for _ in 0..12 {
        s += ts;
        c += tc;
        ts = -ts * x2 / ((k + 1.0) * (k + 2.0));
        tc = -tc * x2 / (k * (k + 1.0));
        k += 2.0;
    }
    (s, c)
}

/// `tan x` for |x| < π/2.
pub(crate) fn tan(x: f64) -> f64 {
    let (s, c) = sin_cos(x);
    s / c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_libm_closely() {
        for i in -90..=90 {
            let x = to_radians(i as f64 * 0.5);
            let (s, c) = sin_cos(x);
            assert!(
                (s - x.sin()).abs() < 1e-14 && (c - x.cos()).abs() < 1e-14,
                "{i}"
            );
        }
        assert!((tan(to_radians(30.0)) - (1.0f64 / 3.0).sqrt()).abs() < 1e-14);
    }
}

/// `v` with `decimals` digits after the point, as `format!("{v:.decimals$}")` gives it for the
/// magnitudes in reports, without linking the standard library's float formatting (about
/// 10 KB of WebAssembly).
pub(crate) fn fmt_fixed(v: f64, decimals: u32) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let scale = 10u64.pow(decimals.min(9));
    let n = (v.abs() * scale as f64).round_ties_even() as u64;
    let sign = if v < 0.0 && n != 0 { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{n}")
    } else {
        let (int, frac) = (n / scale, n % scale);
        format!(
            "{sign}{int}.{frac:0width$}",
            width = decimals.min(9) as usize
        )
    }
}

#[cfg(test)]
mod fmt_tests {
    use super::fmt_fixed;

    #[test]
    fn fixed_point_matches_the_standard_formatting() {
        for &v in &[
            0.0, 0.92, 0.9999, 0.12345, 40.0, 127.6, -3.25, 1e-7, 0.5004, 255.0,
        ] {
            for d in 0..4u32 {
                assert_eq!(fmt_fixed(v, d), format!("{v:.*}", d as usize), "{v} {d}");
            }
        }
        assert_eq!(fmt_fixed(f64::NAN, 2), "NaN");
    }
}

/// log2(x) for x ≥ 1 in 16.16 fixed point, by repeated squaring (exact to the last bit).
#[inline(never)]
pub(crate) fn log2_q16(x: u64) -> u64 {
    let x = x.max(1);
    let ip = 63 - x.leading_zeros() as u64;
    // Mantissa in [1, 2) as Q31.
    let mut y = if ip >= 31 {
        x >> (ip - 31)
    } else {
        x << (31 - ip)
    };
    let mut frac = 0u64;
    for _ in 0..16 {
        y = (y * y) >> 31;
        frac <<= 1;
        if y >= 1 << 32 {
            y >>= 1;
            frac |= 1;
        }
    }
    (ip << 16) | frac
}

#[cfg(test)]
mod log2_tests {
    use super::log2_q16;

    #[test]
    fn binary_logarithm_within_a_step_of_the_float_one() {
        assert_eq!(log2_q16(0), 0);
        assert_eq!(log2_q16(1), 0);
        assert_eq!(log2_q16(2), 1 << 16);
        assert_eq!(log2_q16(1 << 40), 40 << 16);
        for x in (1..200_000u64).chain([u32::MAX as u64, u64::MAX]) {
            let want = ((x as f64).log2() * 65536.0).floor() as u64;
            assert!(log2_q16(x).abs_diff(want) <= 1, "{x}");
        }
    }
}

/// `v` rounded to three decimals, as reports give angles, confidences and measures (stable
/// JSON across targets, no noise digits).
pub(crate) fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
