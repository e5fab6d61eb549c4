//! Huffman decoding of JPEG entropy-coded data (ITU-T T.81 Annex C and F.2.2).
//!
//! The bit reader works on the file's bytes in place. It refills 64 bits with one unaligned
//! load (the branch-free refill of Giesen's "Reading bits in far too many ways", variant 4)
//! whenever the eight bytes hold no 0xFF; otherwise it goes a byte at a time, dropping the
//! stuffed zero after 0xFF and reading zeros at a marker, as libjpeg does. Each table has a 2^10-entry lookup on the next ten bits that
//! gives, for short codes, the code length, the run and, when the extra bits fit too, the
//! coefficient's value, so that most coefficients cost one lookup (stb_image's `fast_ac` idea).
//! Longer codes use the canonical decoding of Annex F.2.2.3 (`maxcode`, `valptr`).

/// Bits looked up at once.
const FAST_BITS: u32 = 10;

/// Entry layout: code length (or code plus extra bits when complete) in bits 0-4.
const LEN_MASK: u32 = 31;
/// The entry holds the whole coefficient: length, run and value.
const COMPLETE: u32 = 1 << 5;
/// An AC end-of-block code.
const EOB: u32 = 1 << 14;
const RUN_SHIFT: u32 = 6;
const SIZE_SHIFT: u32 = 10;
const VALUE_SHIFT: u32 = 16;

/// The entropy-coded data is broken: a code that is not in its Huffman table, or a run of
/// zeros past the end of a block. Empty, so that the hot loop's results stay in registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadScan;

impl BadScan {
    /// The reason, for the error message.
    pub(super) fn why(self) -> &'static str {
        "corrupt entropy-coded data (a code not in its Huffman table or a run past a block)"
    }
}

use crate::encode::ZIGZAG;

/// Sign-extends the `size` extra bits `v` to a coefficient difference (Annex F, `EXTEND`).
#[inline(always)]
fn extend(v: i32, size: u32) -> i32 {
    if v < (1 << size) >> 1 {
        v - (1 << size) + 1
    } else {
        v
    }
}

/// One Huffman table, ready to decode.
pub(super) struct Table {
    fast: [u32; 1 << FAST_BITS],
    /// Largest code of each length 1..=16 (index = length), -1 when none; `maxcode[17]` stops
    /// the search.
    maxcode: [i32; 18],
    /// `values[code + valoffset[len]]` is the symbol of a code of length `len`.
    valoffset: [i32; 17],
    values: [u8; 256],
    /// A DC table: a symbol is a size; an AC table: a run (high nibble) and a size.
    dc: bool,
}

impl Table {
    /// Builds the table from a DHT segment's 16 code counts and its symbols; `None` when the
    /// counts describe more codes than the lengths allow, or a size beyond 8-bit JPEG's.
    #[inline(never)]
    pub(super) fn new(counts: &[u8; 16], symbols: &[u8], dc: bool) -> Option<Table> {
        let mut values = [0u8; 256];
        values.get_mut(..symbols.len())?.copy_from_slice(symbols);
        let mut maxcode = [-1i32; 18];
        maxcode[17] = i32::MAX;
        let mut valoffset = [0i32; 17];
        let mut fast = [0u32; 1 << FAST_BITS];
        let (mut code, mut k) = (0i32, 0usize);
        for len in 1..=16u32 {
            let n = counts[len as usize - 1] as usize;
            valoffset[len as usize] = k as i32 - code;
            for _ in 0..n {
                let sym = *symbols.get(k)? as u32;
                let (run, size) = if dc { (0, sym) } else { (sym >> 4, sym & 15) };
                if size > if dc { 11 } else { 10 } {
                    return None;
                }
                // No code may be all ones (T.81 C.2; libjpeg's "bad Huffman table").
                if code >= (1 << len) - 1 {
                    return None;
                }
                if len <= FAST_BITS {
                    let shift = FAST_BITS - len;
                    let base = (code as usize) << shift;
                    for (j, e) in fast[base..base + (1 << shift)].iter_mut().enumerate() {
                        let mut entry = len | run << RUN_SHIFT | size << SIZE_SHIFT;
                        if !dc && sym == 0 {
                            entry |= COMPLETE | EOB;
                        } else if size == 0 {
                            entry |= COMPLETE;
                        } else if len + size <= FAST_BITS {
                            let extra = (j as i32 >> (shift - size)) & ((1 << size) - 1);
                            let v = extend(extra, size);
                            entry = (len + size)
                                | COMPLETE
                                | run << RUN_SHIFT
                                | ((v as u32) << VALUE_SHIFT);
                        }
                        *e = entry;
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                maxcode[len as usize] = code - 1;
            }
            code <<= 1;
        }
        Some(Table {
            fast,
            maxcode,
            valoffset,
            values,
            dc,
        })
    }
}

/// True when one of the eight bytes of `w` is 0xFF.
#[inline(always)]
fn has_ff(w: u64) -> bool {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Bit 7 of a byte survives iff its low seven bits are all ones and so is bit 7.
    ((w & LOW7) + 0x0101_0101_0101_0101) & w & HIGH != 0
}

/// The refill a byte at a time, near 0xFF bytes and at the end of the data: takes and returns
/// the reader's position, buffer and count (a function of values, so that the reader's
/// fields stay in registers on the fast path).
#[inline(never)]
fn refill_bytes(
    data: &[u8],
    mut pos: usize,
    mut buf: u64,
    mut count: u32,
    mut fake: u32,
) -> (usize, u64, u32, u32) {
    while count <= 56 {
        let byte = match data.get(pos) {
            Some(0xFF) if data.get(pos + 1) == Some(&0x00) => {
                pos += 2;
                0xFF
            }
            Some(&b) if b != 0xFF => {
                pos += 1;
                b
            }
            // A marker or the end of the file: the scan's data ends here.
            _ => {
                fake += 8;
                0
            }
        };
        buf |= (byte as u64) << (56 - count);
        count += 8;
    }
    (pos, buf, count, fake)
}

/// Decodes a code longer than the lookup (or one the lookup does not know) from the
/// left-aligned bits `buf`: the canonical search of T.81 F.2.2.3. Returns the symbol and the
/// code's length.
#[cold]
fn slow_symbol(buf: u64, t: &Table) -> Result<(u32, u32), BadScan> {
    let mut len = FAST_BITS + 1;
    loop {
        let code = (buf >> (64 - len)) as i32;
        if code <= t.maxcode[len as usize] {
            let i = (code + t.valoffset[len as usize]) as usize;
            return Ok((*t.values.get(i).ok_or(BadScan)? as u32, len));
        }
        len += 1;
        if len > 16 {
            return Err(BadScan);
        }
    }
}

/// A coefficient whose lookup entry is not complete (a code longer than the lookup, or extra
/// bits that do not fit in it), from the left-aligned bits `buf`: returns the bits it takes
/// and what [`Bits::coefficient`] returns. Out of line: one in twenty coefficients.
#[cold]
#[inline(never)]
fn long_coefficient(buf: u64, e: u32, t: &Table) -> Result<(u32, Option<(u32, i32)>), BadScan> {
    let (len, run, size) = if e & LEN_MASK != 0 {
        (e & LEN_MASK, (e >> RUN_SHIFT) & 15, (e >> SIZE_SHIFT) & 15)
    } else {
        let (sym, len) = slow_symbol(buf, t)?;
        if t.dc {
            (len, 0, sym)
        } else if sym == 0 {
            return Ok((len, None));
        } else {
            (len, sym >> 4, sym & 15)
        }
    };
    if size == 0 {
        return Ok((len, Some((run, 0))));
    }
    let v = ((buf << len) >> (64 - size)) as i32;
    Ok((len + size, Some((run, extend(v, size)))))
}

/// Reads a scan's entropy-coded bits, most significant first, from the file's bytes; at a
/// marker or past the end it reads zeros, as libjpeg does with a truncated file. Every method
/// on the hot path is inlined and nothing takes its address, so that the compiler keeps the
/// buffer in registers.
#[derive(Clone, Copy)]
pub(super) struct Bits<'a> {
    data: &'a [u8],
    /// The next byte to load. Bits before `8 pos - count` are consumed; `pos` never passes the
    /// 0xFF of a marker.
    pos: usize,
    /// Unread bits, left-aligned. Bits below the `count` valid ones are either zero or the
    /// stream's next bits (the fast refill reads ahead), never anything else.
    buf: u64,
    count: u32,
    /// Zero bits put into the buffer for want of data (at a marker or the end of the file).
    /// They are the last `fake` of all bits loaded, so the data has been overrun, and the
    /// decoded blocks are made up, once `fake > count`.
    fake: u32,
}

impl<'a> Bits<'a> {
    #[inline(always)]
    pub(super) fn new(data: &'a [u8], pos: usize) -> Bits<'a> {
        Bits {
            data,
            pos,
            buf: 0,
            count: 0,
            fake: 0,
        }
    }

    /// Whether decoding has used bits beyond the scan's data: the file was cut short (or a
    /// marker came early).
    pub(super) fn overran(&self) -> bool {
        self.fake > self.count
    }

    /// The next byte to load (at most eight bytes past the last one consumed, never past a
    /// marker's 0xFF).
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// Moves past the next restart marker (RST0 to RST7) and starts afresh after it. Stops at
    /// any other marker, where the rest of the scan then reads as zeros.
    pub(super) fn restart(&mut self) {
        let mut pos = self.pos;
        while let Some(&b) = self.data.get(pos) {
            if b == 0xFF {
                match self.data.get(pos + 1) {
                    Some(0xD0..=0xD7) => {
                        pos += 2;
                        break;
                    }
                    Some(0x00 | 0xFF) => {}
                    _ => break,
                }
            }
            pos += 1;
        }
        *self = Bits::new(self.data, pos);
    }

    /// Tops the buffer up to at least 56 bits: enough for two codes with their extra bits
    /// (27 bits at most each). Cheap enough to run without testing whether it is needed, which
    /// saves a branch that no predictor gets right.
    #[inline(always)]
    fn refill(&mut self) {
        if let Some(s) = self.data.get(self.pos..self.pos + 8) {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            let word = u64::from_be_bytes(a);
            if !has_ff(word) {
                self.buf |= word >> self.count;
                self.pos += ((63 - self.count) >> 3) as usize;
                self.count |= 56;
                return;
            }
        }
        (self.pos, self.buf, self.count, self.fake) =
            refill_bytes(self.data, self.pos, self.buf, self.count, self.fake);
    }

    #[inline(always)]
    fn peek(&self, n: u32) -> u32 {
        (self.buf >> (64 - n)) as u32
    }

    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.count -= n;
    }

    /// Decodes one symbol and its extra bits, from at least 27 buffered bits: returns the run
    /// of zeros before it (0 for DC) and its value; `None` for an AC end of block.
    #[inline(always)]
    fn coefficient(&mut self, t: &Table) -> Result<Option<(u32, i32)>, BadScan> {
        let e = t.fast[self.peek(FAST_BITS) as usize];
        if e & COMPLETE != 0 {
            self.consume(e & LEN_MASK);
            if e & EOB != 0 {
                return Ok(None);
            }
            return Ok(Some(((e >> RUN_SHIFT) & 15, (e as i32) >> VALUE_SHIFT)));
        }
        let (n, coefficient) = long_coefficient(self.buf, e, t)?;
        self.consume(n);
        Ok(coefficient)
    }

    /// Decodes one block: the DC difference added to `pred`, then the AC coefficients,
    /// multiplied by `q` and stored in raster order; `q` is in zig-zag order, padded with zeros
    /// to 80 entries so that a corrupt run past the end needs no check inside the loop. Returns
    /// the zig-zag index of the last coefficient (0 when only DC).
    ///
    /// Not inlined, and working on a copy of the reader, so that the bit buffer, the tables
    /// and the block stay in registers through the loop.
    #[inline(never)]
    pub(super) fn block(
        &mut self,
        dc: &Table,
        ac: &Table,
        pred: &mut i32,
        q: &[i32; 80],
        out: &mut [i16; 64],
    ) -> Result<usize, BadScan> {
        let mut b = *self;
        b.refill();
        let diff = match b.coefficient(dc)? {
            Some((_, v)) => v,
            None => 0,
        };
        *pred = pred.wrapping_add(diff);
        out[0] = pred.wrapping_mul(q[0]) as i16;
        let mut k = 1usize;
        let mut last = 0;
        // Two coefficients per refill.
        'block: while k < 64 {
            b.refill();
            for _ in 0..2 {
                let Some((run, v)) = b.coefficient(ac)? else {
                    break 'block;
                };
                k += (run & 15) as usize;
                out[ZIGZAG_PADDED[k] as usize & 63] = v.wrapping_mul(q[k]) as i16;
                last = k;
                k += 1;
                if k >= 64 {
                    break 'block;
                }
            }
        }
        if k > 64 {
            return Err(BadScan);
        }
        *self = b;
        Ok(last)
    }

    /// Reads past one block of a component that is not kept (chroma, for luma output): the
    /// same decoding, with zero quantisers, into the caller's `scratch`, which keeps one copy
    /// of the loop in the .wasm.
    #[inline(always)]
    pub(super) fn skip_block(
        &mut self,
        dc: &Table,
        ac: &Table,
        scratch: &mut [i16; 64],
    ) -> Result<(), BadScan> {
        self.block(dc, ac, &mut 0, &[0; 80], scratch).map(|_| ())
    }
}

/// The zig-zag order (`ZIGZAG[k]` is the raster index of coefficient `k`), padded with 63 to
/// 80 entries: a run that overshoots lands on the last coefficient instead of out of bounds.
const ZIGZAG_PADDED: [u8; 80] = {
    let mut t = [63u8; 80];
    let mut k = 0;
    while k < 64 {
        t[k] = ZIGZAG[k];
        k += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `(code, len)` pairs most significant bit first, padded with ones as JPEG does.
    fn pack(codes: &[(u32, u32)]) -> Vec<u8> {
        let (mut acc, mut n, mut out) = (0u64, 0u32, Vec::new());
        for &(c, l) in codes {
            acc = acc << l | c as u64;
            n += l;
            while n >= 8 {
                out.push((acc >> (n - 8)) as u8);
                n -= 8;
            }
        }
        if n > 0 {
            out.push(((acc << (8 - n)) | ((1 << (8 - n)) - 1)) as u8);
        }
        out
    }

    #[test]
    fn long_and_short_codes_and_extra_bits_decode() {
        // Lengths 2, 3 and 12: symbol 0x00 (EOB), 0x03 (size 3) and 0x2a (run 2, size 10).
        let mut counts = [0u8; 16];
        counts[1] = 1;
        counts[2] = 1;
        counts[11] = 1;
        let ac = Table::new(&counts, &[0x00, 0x03, 0x2a], false).unwrap();
        // Codes: 00 (len 2), 010 (len 3), 011000000000 (len 12).
        let dc = Table::new(
            &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[2],
            true,
        )
        .unwrap();
        // DC: code 00 then 2 extra bits 01 → -2. AC: size 3 value 0b101 = 5; run 2 value
        // 0b0000000011 → -1020; EOB.
        let data = pack(&[
            (0, 2),
            (1, 2),
            (0b010, 3),
            (0b101, 3),
            (0b0110_0000_0000, 12),
            (3, 10),
            (0, 2),
        ]);
        let mut bits = Bits::new(&data, 0);
        let mut q = [0i32; 80];
        q[..64].fill(1);
        let mut out = [0i16; 64];
        let mut pred = 10;
        let last = bits.block(&dc, &ac, &mut pred, &q, &mut out).unwrap();
        // Zig-zag positions 1 and 4 are raster positions 1 and 9.
        assert_eq!((pred, out[0], out[1], out[9], last), (8, 8, 5, -1020, 4));
    }

    #[test]
    fn oversubscribed_tables_are_refused() {
        let mut counts = [0u8; 16];
        counts[0] = 3;
        assert!(Table::new(&counts, &[0, 1, 2], false).is_none());
    }

    #[test]
    fn reading_past_the_end_gives_zeros_not_a_panic() {
        let dc = Table::new(
            &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0],
            true,
        )
        .unwrap();
        let ac = Table::new(
            &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0],
            false,
        )
        .unwrap();
        let mut bits = Bits::new(&[0xFF, 0xD9], 0);
        for _ in 0..100 {
            bits.skip_block(&dc, &ac, &mut [0; 64]).unwrap();
        }
    }
}

#[cfg(test)]
mod reader_tests {
    use super::*;

    /// Reads `n` bytes back through `refill`, 8 bits at a time.
    fn read_bytes(data: &[u8], n: usize) -> Vec<u8> {
        let mut bits = Bits::new(data, 0);
        (0..n)
            .map(|_| {
                bits.refill();
                let b = bits.peek(8) as u8;
                bits.consume(8);
                b
            })
            .collect()
    }

    #[test]
    fn stuffed_zeros_are_dropped_and_markers_read_as_zeros() {
        let data = [
            1, 2, 0xFF, 0x00, 3, 4, 5, 6, 7, 8, 9, 0xFF, 0x00, 0xFF, 0x00, 10, 0xFF, 0xD9, 11,
        ];
        assert_eq!(
            read_bytes(&data, 16),
            [1, 2, 0xFF, 3, 4, 5, 6, 7, 8, 9, 0xFF, 0xFF, 10, 0, 0, 0]
        );
        assert!(has_ff(0x00FF_0000_0000_0000) && !has_ff(0x7F7F_FE01_8000_00FE));
    }

    #[test]
    fn restart_moves_past_the_next_rst_marker() {
        let data = [0xAB, 0xFF, 0x00, 0x12, 0xFF, 0xFF, 0xD3, 0x5A, 0xFF, 0xD9];
        let mut bits = Bits::new(&data, 0);
        bits.refill();
        bits.consume(4);
        bits.restart();
        bits.refill();
        assert_eq!(bits.peek(8), 0x5A);
        // At a marker that is not a restart, the reader stays and reads zeros.
        bits.consume(8);
        bits.restart();
        bits.refill();
        assert_eq!(bits.peek(16), 0);
    }
}
