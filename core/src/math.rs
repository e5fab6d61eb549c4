//! Deterministic trigonometry: the platform `sin`/`cos` may differ in the last bit between
//! targets (glibc natively, a Rust port on wasm32), which could change output bytes. These use
//! only IEEE-754 `+`, `*` and `/`, so every target computes the same values.

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
