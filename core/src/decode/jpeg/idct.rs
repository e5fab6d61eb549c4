//! The inverse DCT of an 8×8 block to pixels: libjpeg's accurate integer method (`jidctint.c`,
//! "islow": Loeffler, Ligtenberg and Moschytz, 1989, in 13-bit fixed point), columns first,
//! then rows, with the same rounding as libjpeg, so that the pixels equal libjpeg-turbo's.
//!
//! Each pass runs on eight lanes at once (all columns, then all rows after a transpose), in
//! plain integer code that the compiler vectorises (SSE2 natively, simd128 in WebAssembly):
//! integer arithmetic gives the same bytes on every target. Wrapping arithmetic keeps absurd
//! coefficients from corrupt files harmless.

const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;

const FIX_0_298631336: i32 = 2446;
const FIX_0_390180644: i32 = 3196;
const FIX_0_541196100: i32 = 4433;
const FIX_0_765366865: i32 = 6270;
const FIX_0_899976223: i32 = 7373;
const FIX_1_175875602: i32 = 9633;
const FIX_1_501321110: i32 = 12299;
const FIX_1_847759065: i32 = 15137;
const FIX_1_961570560: i32 = 16069;
const FIX_2_053119869: i32 = 16819;
const FIX_2_562915447: i32 = 20995;
const FIX_3_072711026: i32 = 25172;

/// One 8-point inverse DCT, before descaling: `c[k]` is frequency `k`; returns the eight
/// outputs in order.
///
/// libjpeg's factorisation multiplies sums of inputs by its constants; here every product is
/// expanded into an input times a combined constant (`FIX_0_541196100 - FIX_1_847759065` and
/// so on), so that all products are of 16-bit values, which SSE2 and simd128 multiply eight at
/// a time (32-bit lane products have no SSE2 instruction). Integer arithmetic makes the two
/// forms give the same sums.
#[inline(always)]
fn idct8(c: [i32; 8]) -> [i32; 8] {
    // Even part: the rotator is sqrt(2)·c(-6).
    let tmp2 = c[2] * FIX_0_541196100 + c[6] * (FIX_0_541196100 - FIX_1_847759065);
    let tmp3 = c[2] * (FIX_0_541196100 + FIX_0_765366865) + c[6] * FIX_0_541196100;
    let tmp0 = (c[0] + c[4]) << CONST_BITS;
    let tmp1 = (c[0] - c[4]) << CONST_BITS;
    let (t10, t13) = (tmp0 + tmp3, tmp0 - tmp3);
    let (t11, t12) = (tmp1 + tmp2, tmp1 - tmp2);

    // Odd part (Loeffler's figure 8): inputs i0..i3 are frequencies 7, 5, 3 and 1. In libjpeg:
    // z5 = (i0 + i1 + i2 + i3) c1175, z3 = (i0 + i2)(-c1961) + z5, z4 = (i1 + i3)(-c0390) + z5,
    // z1 = (i0 + i3)(-c0899), z2 = (i1 + i2)(-c2562), o0 = i0 c0298 + z1 + z3,
    // o1 = i1 c2053 + z2 + z4, o2 = i2 c3072 + z2 + z3, o3 = i3 c1501 + z1 + z4.
    let (i0, i1, i2, i3) = (c[7], c[5], c[3], c[1]);
    let a = FIX_1_175875602 - FIX_1_961570560;
    let b = FIX_1_175875602 - FIX_0_390180644;
    let o0 = i0 * (FIX_0_298631336 - FIX_0_899976223 + a)
        + i1 * FIX_1_175875602
        + i2 * a
        + i3 * (FIX_1_175875602 - FIX_0_899976223);
    let o1 = i0 * FIX_1_175875602
        + i1 * (FIX_2_053119869 - FIX_2_562915447 + b)
        + i2 * (FIX_1_175875602 - FIX_2_562915447)
        + i3 * b;
    let o2 = i0 * a
        + i1 * (FIX_1_175875602 - FIX_2_562915447)
        + i2 * (FIX_3_072711026 - FIX_2_562915447 + a)
        + i3 * FIX_1_175875602;
    let o3 = i0 * (FIX_1_175875602 - FIX_0_899976223)
        + i1 * b
        + i2 * FIX_1_175875602
        + i3 * (FIX_1_501321110 - FIX_0_899976223 + b);

    [
        t10 + o3,
        t11 + o2,
        t12 + o1,
        t13 + o0,
        t13 - o0,
        t12 - o1,
        t11 - o2,
        t10 - o3,
    ]
}

/// Pixels of one block of dequantised coefficients in raster order (row `v`, column `u` at
/// `8 v + u`), written to `out` in raster order. The coefficients and the values between the
/// passes are 16-bit, as in libjpeg-turbo's SIMD code: valid data never needs more, and
/// 16-bit inputs keep every sum below 2^31.
pub(super) fn idct_block(coef: &[i16; 64], out: &mut [u8; 64]) {
    // Pass 1, columns: one lane per column u, inputs from rows 0 to 7. The result is stored
    // transposed (row u of `ws` holds column u), ready for pass 2's lanes.
    let n1 = CONST_BITS - PASS1_BITS;
    let mut ws = [[0i16; 8]; 8];
    // Four lanes at a time: fewer registers spilled than with eight.
    for half in 0..2 {
        for l in 0..4 {
            let u = 4 * half + l;
            let c = std::array::from_fn(|k| coef[8 * k + u] as i32);
            let o = idct8(c);
            for y in 0..8 {
                ws[u][y] = ((o[y] + (1 << (n1 - 1))) >> n1) as i16;
            }
        }
    }
    // Pass 2, rows: one lane per row y, inputs from columns 0 to 7. The final descale folds in
    // libjpeg's rounding and the +128 level shift.
    let n2 = CONST_BITS + PASS1_BITS + 3;
    for half in 0..2 {
        for l in 0..4 {
            let y = 4 * half + l;
            let c = std::array::from_fn(|u| ws[u][y] as i32);
            let o = idct8(c);
            for x in 0..8 {
                out[8 * y + x] = ((o[x] + (1 << (n2 - 1)) + (128 << n2)) >> n2).clamp(0, 255) as u8;
            }
        }
    }
}

/// The pixel value of a block whose only non-zero coefficient is the dequantised DC `dc`: what
/// [`idct_block`] gives for it, without the transform.
#[inline]
pub(super) fn dc_only(dc: i16) -> u8 {
    let ws = ((dc as i32) << PASS1_BITS) as i16 as i32;
    (((ws + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3)) + 128).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook inverse DCT in double precision, for reference.
    fn reference(coef: &[i16; 64]) -> [f64; 64] {
        let c = |k: usize| if k == 0 { (0.5f64).sqrt() } else { 1.0 };
        let mut out = [0.0; 64];
        for y in 0..8 {
            for x in 0..8 {
                let mut s = 0.0;
                for v in 0..8 {
                    for u in 0..8 {
                        s += c(u)
                            * c(v)
                            * coef[8 * v + u] as f64
                            * (((2 * x + 1) * u) as f64 * std::f64::consts::PI / 16.0).cos()
                            * (((2 * y + 1) * v) as f64 * std::f64::consts::PI / 16.0).cos();
                    }
                }
                out[8 * y + x] = s / 4.0 + 128.0;
            }
        }
        out
    }

    #[test]
    fn matches_the_textbook_transform_within_one_level() {
        let mut seed = 12345u64;
        for trial in 0..200 {
            let mut coef = [0i16; 64];
            // A few dozen random coefficients of plausible magnitude, larger at low frequency.
            for (i, c) in coef.iter_mut().enumerate() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let r = (seed >> 33) as i32;
                let span = 600 / (1 + i as i32 / 4);
                if trial % 3 == 0 || r % 3 == 0 {
                    *c = (r % (2 * span + 1) - span) as i16;
                }
            }
            let mut got = [0u8; 64];
            idct_block(&coef, &mut got);
            let want = reference(&coef);
            for i in 0..64 {
                let w = want[i].round().clamp(0.0, 255.0);
                assert!(
                    (got[i] as f64 - w).abs() <= 1.0,
                    "trial {trial} pixel {i}: {} against {w}",
                    got[i]
                );
            }
        }
    }

    #[test]
    fn a_dc_only_block_takes_the_shortcut_exactly() {
        for dc in (-1100..1100).step_by(7) {
            let mut coef = [0i16; 64];
            coef[0] = dc as i16;
            let mut got = [0u8; 64];
            idct_block(&coef, &mut got);
            assert!(got.iter().all(|&p| p == dc_only(dc as i16)), "dc {dc}");
        }
    }

    #[test]
    fn absurd_coefficients_do_not_panic() {
        let coef = [i16::MAX; 64];
        let mut out = [0u8; 64];
        idct_block(&coef, &mut out);
        let coef = [i16::MIN; 64];
        idct_block(&coef, &mut out);
        let _ = dc_only(i16::MIN);
    }
}
