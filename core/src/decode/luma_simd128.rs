//! RGBA to luma on WebAssembly's 128-bit SIMD: the same integers as the scalar
//! [`luma`](super::luma), four pixels per `i32x4` lane group, sixteen per call. A camera
//! frame is converted every preview frame, where the scalar loop took a tenth of the time.

use core::arch::wasm32::*;

/// The BT.601 luma of 16 RGBA pixels into `out`, when all 16 are opaque (compositing over
/// white is then the identity); `false`, with `out` untouched, when one is not (or when
/// `px` holds fewer than 64 bytes or `out` fewer than 16).
#[inline(always)]
pub(super) fn luma16_opaque(px: &[u8], out: &mut [u8]) -> bool {
    let (Some(px), Some(out)) = (px.get(..64), out.get_mut(..16)) else {
        return false;
    };
    // Safe lane construction from little-endian words (the compiler makes them plain loads).
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&px[8 * i..8 * i + 8]);
        u64::from_le_bytes(b)
    };
    let (a, b, c, d) = (
        u64x2(word(0), word(1)),
        u64x2(word(2), word(3)),
        u64x2(word(4), word(5)),
        u64x2(word(6), word(7)),
    );
    let all = v128_and(v128_and(a, b), v128_and(c, d));
    if !u32x4_all_true(u32x4_ge(all, u32x4_splat(0xff00_0000))) {
        return false;
    }
    let byte = u32x4_splat(0xff);
    let luma = |v: v128| {
        let r = v128_and(v, byte);
        let g = v128_and(u32x4_shr(v, 8), byte);
        let b = v128_and(u32x4_shr(v, 16), byte);
        let s = i32x4_add(
            i32x4_add(
                i32x4_mul(r, i32x4_splat(77)),
                i32x4_mul(g, i32x4_splat(150)),
            ),
            i32x4_add(i32x4_mul(b, i32x4_splat(29)), i32x4_splat(128)),
        );
        u32x4_shr(s, 8)
    };
    let lo = i16x8_narrow_i32x4(luma(a), luma(b));
    let hi = i16x8_narrow_i32x4(luma(c), luma(d));
    let y = u8x16_narrow_i16x8(lo, hi);
    out[..8].copy_from_slice(&u64x2_extract_lane::<0>(y).to_le_bytes());
    out[8..].copy_from_slice(&u64x2_extract_lane::<1>(y).to_le_bytes());
    true
}
