//! A near-optimal deflate encoder (RFC 1951) in a zlib wrapper (RFC 1950), for PNG image data.
//!
//! miniz_oxide parses greedily/lazily with one hash chain and fixed-size blocks; on 1-bit
//! text pages that leaves 10-15% on the table next to libdeflate's near-optimal parser or
//! zopfli. This encoder does what libdeflate's levels 10-12 do, in a small form:
//!
//! 1. Hash-chain match finding collects, for every position of a block, the matches of
//!    strictly increasing length found within `depth` chain steps (the shortest distance for
//!    each length), after first trying the distances 1, one row and two rows. After a match
//!    of `nice` bytes or more, the positions it covers are only inserted, not searched (long
//!    blank runs cost nothing). The chains carry over from block to block, so only one
//!    block's matches are held at a time.
//! 2. Per block of `block` input bytes, a backward shortest-path pass picks literals and
//!    match lengths that minimise the bits under a cost model (Huffman code lengths plus
//!    extra bits, in 1/16 bit); the model comes from the previous parse (first a greedy one)
//!    and the parse is redone up to `passes` times with the refined model, until a pass
//!    gains nothing. The parse with the fewest bits (header included) is kept.
//!    Optionally ([`Effort::tree`]) binary trees replace the hash chains (libdeflate's
//!    bt_matchfinder, LZMA's bt4): every position is inserted into a tree sorted by the bytes
//!    that follow, and a walk down it meets the longest matches in far fewer steps.
//! 3. Optionally ([`Effort::split`]), the parsed block is cut where its statistics change
//!    (recursive bisection on the exact bit cost of each part, header included, as zopfli's
//!    block splitter) and each part is parsed again, from [`Effort::starts`] models: its own
//!    statistics, libdeflate's statistics-free model, zopfli's entropy model and zopfli's
//!    randomly perturbed statistics. Iterated parsing ends in a local minimum that depends
//!    on where it starts; the cheapest of several is kept.
//! 4. Each block gets its own length-limited Huffman codes (dynamic block, BTYPE 2).
//!
//! Integer arithmetic throughout, so output bytes are the same on every target.

/// Tuning of [`zlib_compress`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Effort {
    /// Hash-chain steps per position.
    pub depth: u32,
    /// A match this long ends the search and skips the positions it covers.
    pub nice: usize,
    /// Most shortest-path passes per block and start model (the first uses a cost model from
    /// a greedy parse); the passes stop early when one gains nothing.
    pub passes: u32,
    /// Input bytes per parse (and per deflate block unless split).
    pub block: usize,
    /// Find matches with binary trees (libdeflate's bt_matchfinder) instead of hash chains.
    pub tree: bool,
    /// Cut each parsed block where its statistics change and parse the parts again: 0.5-1%
    /// smaller at the slow settings, about 60% more time (nothing gained at the fast ones).
    pub split: bool,
    /// With `split`: how many models each part's parse starts from ([`start_models`]), the
    /// cheapest parse kept; 1 is the part's own statistics only.
    pub starts: u32,
}

const WINDOW: usize = 32768;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
const HASH_BITS: u32 = 15;
const NIL: u32 = u32::MAX;
/// Bits charged for a symbol the previous parse did not use.
const UNUSED_COST: u32 = 14;

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// Order in which the code-length code lengths are sent.
const CL_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Length slot (litlen symbol - 257) of each match length 3..=258.
const LEN_SLOT: [u8; 259] = len_slots();

const fn len_slots() -> [u8; 259] {
    let mut t = [0u8; 259];
    let mut s = 0;
    let mut l = 3;
    while l <= MAX_MATCH {
        while s + 1 < 29 && LEN_BASE[s + 1] as usize <= l {
            s += 1;
        }
        t[l] = s as u8;
        l += 1;
    }
    t
}

/// Distance slot of a distance 1..=32768.
#[inline]
fn dist_slot(d: usize) -> usize {
    if d <= 4 {
        d.saturating_sub(1)
    } else {
        let m = d - 1;
        let b = (usize::BITS - 1 - m.leading_zeros()) as usize;
        2 * b + ((m >> (b - 1)) & 1)
    }
}

/// Compresses `data` into a zlib stream (CMF/FLG for 32 KiB window, maximum compression).
/// `row` is the length of a filtered PNG row (filter byte included), 0 if none.
pub(crate) fn zlib_compress(data: &[u8], row: usize, effort: &Effort) -> Vec<u8> {
    let mut w = BitWriter {
        out: Vec::with_capacity(data.len() / 8 + 64),
        acc: 0,
        n: 0,
    };
    w.out.extend_from_slice(&[0x78, 0xDA]);
    deflate(data, row, effort, &mut w);
    w.align();
    let mut out = w.out;
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// One symbol of a parse: `(0, byte)` for a literal, `(length, distance)` for a match.
type Sym = (u16, u16);

fn deflate(data: &[u8], row: usize, e: &Effort, w: &mut BitWriter) {
    let mut finder = MatchFinder::new(row, e);
    let mut m = Matches {
        base: 0,
        start: Vec::new(),
        list: Vec::new(),
    };
    let block = e.block.max(1024);
    let mut scratch = (Vec::new(), Vec::new(), Vec::new());
    let (mut seq, mut sub) = (Vec::new(), Vec::new());
    let mut model: Option<Costs> = None;
    let mut from = 0;
    loop {
        let to = data.len().min(from + block);
        // Matches one block at a time, so their memory is bounded by the block, not the image.
        finder.find(data, from, to, &mut m);
        let first = match model.take() {
            Some(c) => c,
            None => {
                greedy(data, from, to, &m, &mut seq);
                Costs::of(&seq)
            }
        };
        let mut costs = passes(data, from, to, &m, &[first], e, &mut scratch, &mut seq);
        if e.split {
            let (mut a, mut ia) = (from, 0);
            for (b, ib) in split(&seq, from).into_iter().chain(Some((to, seq.len()))) {
                // Each block parsed again, from a model of its own statistics and others.
                let own = seq.get(ia..ib).unwrap_or(&[]);
                let starts = start_models(data.get(a..b).unwrap_or(&[]), own, e.starts);
                costs = passes(data, a, b, &m, &starts, e, &mut scratch, &mut sub);
                write_block(w, &sub, b == data.len());
                (a, ia) = (b, ib);
            }
        } else {
            write_block(w, &seq, to == data.len());
        }
        model = Some(costs);
        if to == data.len() {
            break;
        }
        from = to;
    }
}

/// Minimum-cost parses of `data[from..to]`: a chain of up to `e.passes` from each model of
/// `starts`, each parse under the model of the one before, a chain ending when a parse
/// gains nothing. The cheapest parse (exact bits) lands in `seq`; returns its model.
#[allow(clippy::too_many_arguments)]
fn passes(
    data: &[u8],
    from: usize,
    to: usize,
    m: &Matches,
    starts: &[Costs],
    e: &Effort,
    scratch: &mut (Vec<u32>, Vec<Sym>, Vec<Sym>),
    seq: &mut Vec<Sym>,
) -> Costs {
    let mut best = u64::MAX;
    // One parse needs no judging (the fast efforts).
    let judge = e.passes > 1 || starts.len() > 1;
    for start in starts {
        let mut costs = start.clone();
        let mut last = u64::MAX;
        for _ in 0..e.passes.max(1) {
            parse(
                data,
                from,
                to,
                m,
                &costs,
                &mut scratch.0,
                &mut scratch.1,
                &mut scratch.2,
            );
            costs = Costs::of(&scratch.2);
            let bits = if judge { seq_bits(&scratch.2) } else { 0 };
            if bits < best || best == u64::MAX {
                best = bits;
                std::mem::swap(seq, &mut scratch.2);
            }
            if bits >= last {
                break;
            }
            last = bits;
        }
    }
    Costs::of(seq)
}

/// The first `n` models a block part's parse chains start from, in this order: the Huffman
/// codes of its own statistics (`seq`, its symbols in the parse before splitting),
/// libdeflate's statistics-free model of its bytes (`data`), zopfli's entropy model of its
/// statistics, then its statistics perturbed as zopfli does (each count, with chance 1/3,
/// replaced by another symbol's), each with its own seed. The parses from the others end in
/// other local minima; on small pages the best of them is often a few bytes smaller.
#[inline(never)]
fn start_models(data: &[u8], seq: &[Sym], n: u32) -> Vec<Costs> {
    let (lit, dist) = frequencies(seq);
    let mut out = Vec::new();
    for k in 0..n {
        out.push(match k {
            0 => Costs::huffman(&lit, &dist),
            1 => Costs::default_for(data),
            2 => Costs::from_bits(&entropy(&lit), &entropy(&dist)),
            _ => {
                let mut rng =
                    XorShift(0x2545_F491_4F6C_DD1D ^ (k as u64).wrapping_mul(0x9E37_79B9));
                let (mut lit, mut dist) = (lit, dist);
                rng.perturb(&mut lit);
                rng.perturb(&mut dist);
                Costs::huffman(&lit, &dist)
            }
        });
    }
    out
}

/// Marsaglia's xorshift64: a fixed sequence, so the output is the same on every run and target.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// zopfli's RandomizeFreqs: each count, with chance 1/3, becomes a random symbol's.
    #[inline(never)]
    fn perturb(&mut self, freq: &mut [u32]) {
        let n = freq.len() as u64;
        for i in 0..freq.len() {
            if self.next().is_multiple_of(3) {
                let j = (self.next() % n.max(1)) as usize;
                freq[i] = freq.get(j).copied().unwrap_or(0);
            }
        }
    }
}

/// Exact bits of `seq` as one dynamic block: header, codes, extra bits, end of block.
#[inline(never)]
fn seq_bits(seq: &[Sym]) -> u64 {
    let (lit, dist) = frequencies(seq);
    let extra: u64 = seq
        .iter()
        .filter(|s| s.0 != 0)
        .map(|&(l, d)| {
            (LEN_EXTRA[LEN_SLOT[l as usize] as usize] + DIST_EXTRA[dist_slot(d as usize)]) as u64
        })
        .sum();
    Header::new(&lit, &dist).block_bits(&lit, &dist) + extra
}

/// Matches of every position `i` of one block from `base`: `list[start[i - base]..start[i -
/// base + 1]]`, lengths strictly increasing.
struct Matches {
    base: usize,
    start: Vec<u32>,
    list: Vec<Sym>,
}

impl Matches {
    #[inline]
    fn at(&self, i: usize) -> &[Sym] {
        let k = i.wrapping_sub(self.base);
        let a = self.start.get(k).copied().unwrap_or(0) as usize;
        let b = self.start.get(k + 1).copied().unwrap_or(0) as usize;
        self.list.get(a..b).unwrap_or(&[])
    }
}

#[inline]
fn hash3(d: &[u8], i: usize) -> usize {
    let v = (d[i] as u32) | (d[i + 1] as u32) << 8 | (d[i + 2] as u32) << 16;
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

#[inline]
fn load8(d: &[u8], i: usize) -> u64 {
    match d.get(i..i + 8) {
        Some(s) => {
            let mut b = [0u8; 8];
            b.copy_from_slice(s);
            u64::from_le_bytes(b)
        }
        None => 0,
    }
}

/// Length of the common prefix of `d[a..]` and `d[b..]`, at most `max` (a < b, b + max ≤ len).
#[inline]
fn match_len(d: &[u8], a: usize, b: usize, max: usize) -> usize {
    let mut l = 0;
    while l + 8 <= max {
        let x = load8(d, a + l) ^ load8(d, b + l);
        if x != 0 {
            return l + (x.trailing_zeros() / 8) as usize;
        }
        l += 8;
    }
    while l < max && d[a + l] == d[b + l] {
        l += 1;
    }
    l
}

/// The hash chains and the state of the fixed-distance probes, carried from block to block.
struct MatchFinder {
    head: Vec<u32>,
    prev: Vec<u32>,
    /// Distances tried before the hash chain: the previous byte (runs) and the same column of
    /// the previous rows, which a chain through long runs of equal bytes reaches too late.
    extra: Vec<usize>,
    ext_len: Vec<usize>,
    ext_pos: usize,
    cands: Vec<(usize, usize)>,
    skip: usize,
    depth: u32,
    nice: usize,
    /// With [`Effort::tree`]: the two children of each window position (else empty).
    child: Vec<u32>,
}

impl MatchFinder {
    fn new(row: usize, e: &Effort) -> MatchFinder {
        let mut extra = vec![1usize];
        if row > 1 {
            extra.extend([row, 2 * row].iter().filter(|&&d| d <= WINDOW));
        }
        MatchFinder {
            head: vec![NIL; 1 << HASH_BITS],
            prev: if e.tree {
                Vec::new()
            } else {
                vec![NIL; WINDOW]
            },
            ext_len: vec![0usize; extra.len()],
            extra,
            ext_pos: usize::MAX - 1,
            cands: Vec::new(),
            skip: 0,
            depth: e.depth,
            nice: e.nice.clamp(MIN_MATCH, MAX_MATCH),
            child: if e.tree {
                vec![NIL; 2 * WINDOW]
            } else {
                Vec::new()
            },
        }
    }

    /// The matches of positions `from..to` of `data` (they may reach past `to`) into `m`.
    fn find(&mut self, data: &[u8], from: usize, to: usize, m: &mut Matches) {
        let n = data.len();
        let MatchFinder {
            head,
            prev,
            extra,
            ext_len,
            ext_pos,
            cands,
            skip,
            depth,
            nice,
            child,
        } = self;
        let tree = !child.is_empty();
        let (depth, nice) = (*depth, *nice);
        m.base = from;
        m.start.clear();
        m.list.clear();
        let list = &mut m.list;
        for i in from..to.min(n) {
            m.start.push(list.len() as u32);
            if i + MIN_MATCH > n {
                continue;
            }
            let h = hash3(data, i);
            let first = head[h];
            if *skip > 0 {
                *skip -= 1;
                if tree {
                    let max = (n - i).min(MAX_MATCH);
                    bt_walk(data, i, first, child, depth, nice, max, None);
                }
            } else {
                let max = (n - i).min(MAX_MATCH);
                let mut best = MIN_MATCH - 1;
                cands.clear();
                // A match at distance d that ended on a mismatch at i - 1 is one byte shorter here.
                let prev_max = (n - i + 1).min(MAX_MATCH);
                for (&d, last) in extra.iter().zip(ext_len.iter_mut()) {
                    if d <= i {
                        let len = if *ext_pos + 1 == i && *last > 1 && *last < prev_max {
                            *last - 1
                        } else {
                            match_len(data, i - d, i, max)
                        };
                        *last = len;
                        if len > best {
                            best = len;
                            cands.push((d, len));
                        }
                    }
                }
                *ext_pos = i;
                if tree {
                    best = best.max(bt_walk(
                        data,
                        i,
                        first,
                        child,
                        depth,
                        nice,
                        max,
                        Some(cands),
                    ));
                }
                let mut j = if tree { NIL } else { first };
                let mut steps = depth;
                while j != NIL && steps > 0 && best < max && best < nice {
                    let jj = j as usize;
                    if jj >= i || i - jj > WINDOW {
                        break;
                    }
                    steps -= 1;
                    if data[jj + best] == data[i + best] {
                        let len = match_len(data, jj, i, max);
                        if len > best {
                            best = len;
                            cands.push((i - jj, len));
                        }
                    }
                    let next = prev[jj & (WINDOW - 1)];
                    if next != NIL && next as usize >= jj {
                        break;
                    }
                    j = next;
                }
                // Keep, nearest first, only matches longer than every nearer one.
                sort_small(cands);
                let mut longest = MIN_MATCH - 1;
                for &(d, len) in cands.iter() {
                    if len > longest {
                        longest = len;
                        list.push((len as u16, d as u16));
                    }
                }
                if best >= nice || best == max {
                    *skip = best - 1;
                }
            }
            if !tree {
                prev[i & (WINDOW - 1)] = first;
            }
            head[h] = i as u32;
        }
        m.start.push(list.len() as u32);
    }
}

/// Inserts position `i` into the binary tree of its hash bucket (`node`: the bucket's last
/// position), which keeps the window's positions sorted by the bytes that follow them, as
/// libdeflate's bt_matchfinder and LZMA's bt4 do: a walk of `depth` steps down from the root
/// meets the longest matches, each longer one pushed to `cands` (when given) as (distance,
/// length). Returns the longest length met.
#[allow(clippy::too_many_arguments)]
fn bt_walk(
    data: &[u8],
    i: usize,
    mut node: u32,
    child: &mut [u32],
    depth: u32,
    nice: usize,
    max: usize,
    mut cands: Option<&mut Vec<(usize, usize)>>,
) -> usize {
    let slot = |p: usize| (p & (WINDOW - 1)) * 2;
    // Where the next node smaller (lt) or larger (gt) than position i is to be linked.
    let (mut lt, mut gt) = (slot(i), slot(i) + 1);
    let (mut lt_len, mut gt_len) = (0usize, 0usize);
    let mut best = MIN_MATCH - 1;
    let mut steps = depth;
    loop {
        let p = node as usize;
        if node == NIL || p >= i || i - p >= WINDOW || steps == 0 {
            child[lt] = NIL;
            child[gt] = NIL;
            return best;
        }
        steps -= 1;
        // Both bounds of the walk share this many bytes with position i already.
        let mut len = lt_len.min(gt_len);
        len += match_len(data, p + len, i + len, max - len);
        if len > best {
            best = len;
            if let Some(c) = cands.as_mut() {
                c.push((i - p, len));
            }
        }
        if len >= max || len >= nice {
            // Position i takes the node's place; the node drops out of the tree.
            child[lt] = child[slot(p)];
            child[gt] = child[slot(p) + 1];
            return best;
        }
        if data[p + len] < data[i + len] {
            child[lt] = node;
            lt = slot(p) + 1;
            lt_len = len;
            node = child[lt];
        } else {
            child[gt] = node;
            gt = slot(p);
            gt_len = len;
            node = child[gt];
        }
    }
}

/// Bit costs of literals, match lengths (3..=258) and distance slots, extra bits included.
#[derive(Clone)]
struct Costs {
    lit: [u32; 256],
    len: [u32; 259],
    dist: [u32; 30],
}

impl Costs {
    /// The model of a parse: the Huffman code lengths its symbol counts give.
    fn of(seq: &[Sym]) -> Costs {
        let (lit, dist) = frequencies(seq);
        Costs::huffman(&lit, &dist)
    }

    /// The model of symbol counts: the Huffman code lengths they give.
    fn huffman(lit: &[u32], dist: &[u32]) -> Costs {
        Costs::from_bits(&huffman_bits(lit), &huffman_bits(dist))
    }

    /// A model without statistics (libdeflate's first model): every byte that occurs costs
    /// the same, as does every length slot and every distance slot, a match as likely as a
    /// literal.
    fn default_for(data: &[u8]) -> Costs {
        let mut seen = [false; 256];
        for &b in data {
            seen[b as usize] = true;
        }
        let used = seen.iter().filter(|&&s| s).count().max(1) as u64;
        // -log2(1/2 / used) and -log2(1/2 / 29).
        let lit: Vec<u32> = (0..286)
            .map(|s| match s {
                0..=255 if seen[s] => BIT + log2_16(used),
                0..=255 => BIT * UNUSED_COST,
                _ => BIT + log2_16(29),
            })
            .collect();
        Costs::from_bits(&lit, &[log2_16(30); 30])
    }

    /// The model of per-symbol costs (in 1/[`BIT`] bits): literal/length symbols, distance
    /// slots.
    fn from_bits(lit_sym: &[u32], dist_sym: &[u32]) -> Costs {
        let c = |v: Option<&u32>| v.copied().unwrap_or(BIT * UNUSED_COST);
        let mut lit = [0u32; 256];
        for (s, v) in lit.iter_mut().enumerate() {
            *v = c(lit_sym.get(s));
        }
        let mut len = [0u32; 259];
        for (l, v) in len.iter_mut().enumerate().skip(MIN_MATCH) {
            let s = LEN_SLOT[l] as usize;
            *v = c(lit_sym.get(257 + s)) + BIT * LEN_EXTRA[s] as u32;
        }
        let mut dist = [0u32; 30];
        for (s, v) in dist.iter_mut().enumerate() {
            *v = c(dist_sym.get(s)) + BIT * DIST_EXTRA[s] as u32;
        }
        Costs { lit, len, dist }
    }
}

/// Per-symbol costs in 1/[`BIT`] bits: the lengths of the Huffman code of `freq`, an unused
/// symbol [`UNUSED_COST`] bits.
#[inline(never)]
fn huffman_bits(freq: &[u32]) -> Vec<u32> {
    code_lengths(freq, 15)
        .iter()
        .map(|&l| BIT * if l == 0 { UNUSED_COST } else { l as u32 })
        .collect()
}

/// Cost resolution of a model: 1/16 bit.
const BIT: u32 = 16;

/// Per-symbol costs -log2(f / total) in 1/[`BIT`] bits (zopfli's entropy model); an unused
/// symbol costs as if it occurred once.
#[inline(never)]
fn entropy(freq: &[u32]) -> Vec<u32> {
    let total: u64 = freq.iter().map(|&f| f as u64).sum();
    let t = log2_16(total.max(1));
    freq.iter()
        .map(|&f| t.saturating_sub(log2_16(f.max(1) as u64)))
        .collect()
}

/// 16·log2(x) rounded down, for x ≥ 1: model costs in 1/[`BIT`] bits.
fn log2_16(x: u64) -> u32 {
    (crate::math::log2_q16(x) >> 12) as u32
}

/// Longest match at each position, else a literal (the first cost model's parse).
fn greedy(data: &[u8], from: usize, to: usize, m: &Matches, seq: &mut Vec<Sym>) {
    seq.clear();
    let mut i = from;
    while i < to {
        match m.at(i).last() {
            Some(&(len, dist)) if (len as usize).min(to - i) >= MIN_MATCH => {
                let len = (len as usize).min(to - i);
                seq.push((len as u16, dist));
                i += len;
            }
            _ => {
                seq.push((0, data[i] as u16));
                i += 1;
            }
        }
    }
}

/// Minimum-cost parse of `data[from..to]` under `c` (backward shortest path).
#[allow(clippy::too_many_arguments)]
fn parse(
    data: &[u8],
    from: usize,
    to: usize,
    m: &Matches,
    c: &Costs,
    cost: &mut Vec<u32>,
    choice: &mut Vec<Sym>,
    seq: &mut Vec<Sym>,
) {
    let n = to - from;
    cost.clear();
    cost.resize(n + 1, 0);
    choice.clear();
    choice.resize(n + 1, (0, 0));
    for k in (0..n).rev() {
        let i = from + k;
        let mut best = c.lit[data[i] as usize] + cost[k + 1];
        let mut pick = (0u16, 0u16);
        let avail = n - k;
        let mut lo = MIN_MATCH;
        for &(len, dist) in m.at(i) {
            let hi = (len as usize).min(avail);
            if hi < lo {
                continue;
            }
            let dc = c.dist[dist_slot(dist as usize)];
            for (off, (&lc, &rest)) in c.len[lo..=hi]
                .iter()
                .zip(&cost[k + lo..=k + hi])
                .enumerate()
            {
                let t = lc + dc + rest;
                if t < best {
                    best = t;
                    pick = ((lo + off) as u16, dist);
                }
            }
            lo = hi + 1;
        }
        cost[k] = best;
        choice[k] = pick;
    }
    seq.clear();
    let mut k = 0;
    while k < n {
        let (l, d) = choice[k];
        if l == 0 {
            seq.push((0, data[from + k] as u16));
            k += 1;
        } else {
            seq.push((l, d));
            k += l as usize;
        }
    }
}

/// Input bytes per segment of [`split`]: the finest block boundary it considers. 512 rather
/// than 4096 puts the cuts of small pages nearer where their statistics change (0.02% smaller
/// on the DIBCO pages, a few bytes on each small one).
const SEGMENT: usize = 512;
/// Symbols of a histogram: 286 literal/length codes, then 30 distance codes.
const NSYM: usize = 286 + 30;

/// Where to end blocks inside a parsed chunk that starts at input position `from`: (input
/// position, index in `seq` of the first symbol after the cut), ascending. Recursive bisection on a grid of [`SEGMENT`] input bytes, as zopfli's
/// block splitter: a range is cut where its two halves, each with its own Huffman codes and
/// header, take the fewest bits, if that is fewer than the range as one block.
fn split(seq: &[Sym], from: usize) -> Vec<(usize, usize)> {
    // Segment boundaries (input positions) and the histograms of the symbols before them.
    let mut pos = vec![(from, 0)];
    let mut prefix: Vec<u32> = vec![0; NSYM];
    let mut h = [0u32; NSYM];
    let mut p = from;
    for (k, &sym) in seq.iter().enumerate() {
        let (lit, dist) = h.split_at_mut(286);
        count(lit, dist, sym);
        p += covers(sym);
        if p - pos[pos.len() - 1].0 >= SEGMENT || k + 1 == seq.len() {
            pos.push((p, k + 1));
            prefix.extend_from_slice(&h);
        }
    }
    let g = pos.len() - 1;
    let bits = |a: usize, b: usize| -> u64 {
        let mut f = [0u32; NSYM];
        for (s, v) in f.iter_mut().enumerate() {
            *v = prefix[b * NSYM + s] - prefix[a * NSYM + s];
        }
        f[256] += 1;
        let (lit, dist) = f.split_at(286);
        Header::new(lit, dist).block_bits(lit, dist)
    };
    let mut cut = vec![false; g];
    let mut todo = vec![(0usize, g, bits(0, g))];
    while let Some((a, b, whole)) = todo.pop() {
        if b - a < 2 {
            continue;
        }
        let mut best = (u64::MAX, 0, 0, 0);
        for s in a + 1..b {
            let (l, r) = (bits(a, s), bits(s, b));
            if l + r < best.0 {
                best = (l + r, s, l, r);
            }
        }
        if best.0 < whole {
            let (_, s, l, r) = best;
            cut[s] = true;
            todo.push((a, s, l));
            todo.push((s, b, r));
        }
    }
    pos.iter()
        .zip(&cut)
        .filter(|(_, &c)| c)
        .map(|(&p, _)| p)
        .collect()
}

/// Input bytes a symbol covers.
#[inline]
fn covers((l, _): Sym) -> usize {
    (l as usize).max(1)
}

/// Counts one symbol into literal/length and distance histograms.
#[inline]
fn count(lit: &mut [u32], dist: &mut [u32], (l, v): Sym) {
    if l == 0 {
        if let Some(c) = lit.get_mut(v as usize & 0xFF) {
            *c += 1;
        }
    } else {
        if let Some(c) = lit.get_mut(257 + LEN_SLOT[l as usize] as usize) {
            *c += 1;
        }
        if let Some(c) = dist.get_mut(dist_slot(v as usize)) {
            *c += 1;
        }
    }
}

/// Literal/length (286, end-of-block counted once) and distance (30) symbol counts.
fn frequencies(seq: &[Sym]) -> ([u32; 286], [u32; 30]) {
    let mut lit = [0u32; 286];
    let mut dist = [0u32; 30];
    lit[256] = 1;
    for &sym in seq {
        count(&mut lit, &mut dist, sym);
    }
    (lit, dist)
}

/// Sorts a short slice (insertion sort). The slices here hold a few hundred items at most,
/// and each std sort of another element type adds kilobytes of code to the WebAssembly.
fn sort_small<T: PartialOrd + Copy>(v: &mut [T]) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > x {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// Huffman code lengths of at most `limit` bits for `freq`. Always at least two codes (a
/// complete code every inflater accepts), adding unused symbols when fewer are used.
fn code_lengths(freq: &[u32], limit: u32) -> Vec<u8> {
    let mut lens = vec![0u8; freq.len()];
    // (weight, symbol), lightest first; ties by symbol for determinism.
    let mut leaves: Vec<(u64, usize)> = freq
        .iter()
        .enumerate()
        .filter(|&(_, &f)| f > 0)
        .map(|(s, &f)| (f as u64, s))
        .collect();
    let mut s = 0;
    while leaves.len() < 2 && s < freq.len() {
        if freq[s] == 0 {
            leaves.push((1, s));
        }
        s += 1;
    }
    if leaves.len() < 2 {
        return lens;
    }
    sort_small(&mut leaves);
    let m = leaves.len();
    // Two-queue Huffman: leaves in order, internal nodes created in non-decreasing weight.
    let mut weight: Vec<u64> = leaves.iter().map(|&(w, _)| w).collect();
    let mut parent = vec![0usize; 2 * m - 1];
    let (mut li, mut ni) = (0usize, m);
    for new in m..2 * m - 1 {
        let mut pick = || {
            if li < m && (ni >= new || weight[li] <= weight[ni]) {
                li += 1;
                li - 1
            } else {
                ni += 1;
                ni - 1
            }
        };
        let a = pick();
        let b = pick();
        weight.push(weight[a] + weight[b]);
        parent[a] = new;
        parent[b] = new;
    }
    let mut depth = vec![0u32; 2 * m - 1];
    for node in (0..2 * m - 2).rev() {
        depth[node] = depth[parent[node]] + 1;
    }
    // Clamp to `limit`, then restore Kraft's equality (as zlib and miniz do).
    let limit = limit as usize;
    let mut count = vec![0u32; limit + 1];
    for &d in &depth[..m] {
        count[(d as usize).min(limit)] += 1;
    }
    let mut total: u64 = (1..=limit).map(|l| (count[l] as u64) << (limit - l)).sum();
    while total > 1u64 << limit {
        count[limit] = count[limit].saturating_sub(1);
        for l in (1..limit).rev() {
            if count[l] > 0 {
                count[l] -= 1;
                count[l + 1] += 2;
                break;
            }
        }
        total -= 1;
    }
    // Longest codes to the lightest leaves.
    let mut it = leaves.iter();
    for l in (1..=limit).rev() {
        for _ in 0..count[l] {
            if let Some(&(_, s)) = it.next() {
                lens[s] = l as u8;
            }
        }
    }
    lens
}

/// Canonical codes (bit-reversed, for LSB-first output) of code lengths `lens`.
fn canonical(lens: &[u8]) -> Vec<u16> {
    let mut count = [0u16; 16];
    for &l in lens {
        count[l as usize & 15] += 1;
    }
    count[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for l in 1..16 {
        code = (code + count[l - 1]) << 1;
        next[l] = code;
    }
    lens.iter()
        .map(|&l| {
            let l = l as usize & 15;
            if l == 0 {
                return 0;
            }
            let c = next[l];
            next[l] += 1;
            c.reverse_bits() >> (16 - l)
        })
        .collect()
}

/// Run-length codes (symbol, extra value) of a code-length sequence.
fn rle_lengths(lens: &[u8]) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lens.len() {
        let v = lens[i];
        let mut run = lens[i..].iter().take_while(|&&x| x == v).count();
        i += run;
        if v == 0 {
            while run >= 11 {
                let r = run.min(138);
                out.push((18, (r - 11) as u8));
                run -= r;
            }
            if run >= 3 {
                out.push((17, (run - 3) as u8));
                run = 0;
            }
        } else {
            out.push((v, 0));
            run -= 1;
            while run >= 3 {
                let r = run.min(6);
                out.push((16, (r - 3) as u8));
                run -= r;
            }
        }
        for _ in 0..run {
            out.push((v, 0));
        }
    }
    out
}

/// The code lengths of a dynamic block and their run-length coded form (RFC 1951, 3.2.7).
struct Header {
    lit_lens: Vec<u8>,
    dist_lens: Vec<u8>,
    hlit: usize,
    hdist: usize,
    rle: Vec<(u8, u8)>,
    cl_lens: Vec<u8>,
    hclen: usize,
}

impl Header {
    fn new(lit_f: &[u32], dist_f: &[u32]) -> Header {
        let lit_lens = code_lengths(lit_f, 15);
        let dist_lens = code_lengths(dist_f, 15);
        let hlit = 257.max(lit_lens.iter().rposition(|&l| l > 0).map_or(0, |p| p + 1));
        let hdist = 1.max(dist_lens.iter().rposition(|&l| l > 0).map_or(0, |p| p + 1));
        let mut all = lit_lens[..hlit].to_vec();
        all.extend_from_slice(&dist_lens[..hdist]);
        let rle = rle_lengths(&all);
        let mut cl_f = [0u32; 19];
        for &(s, _) in &rle {
            cl_f[s as usize] += 1;
        }
        let cl_lens = code_lengths(&cl_f, 7);
        let hclen = 4.max(
            CL_ORDER
                .iter()
                .rposition(|&s| cl_lens[s] > 0)
                .map_or(0, |p| p + 1),
        );
        Header {
            lit_lens,
            dist_lens,
            hlit,
            hdist,
            rle,
            cl_lens,
            hclen,
        }
    }

    /// Bits of the block: header, symbol codes and the end-of-block code; the extra bits of
    /// lengths and distances are left out (they do not depend on how a parse is split).
    fn block_bits(&self, lit_f: &[u32], dist_f: &[u32]) -> u64 {
        let rle: u64 = self
            .rle
            .iter()
            .map(|&(s, _)| (self.cl_lens[s as usize] as u32 + rle_extra_bits(s)) as u64)
            .sum();
        let sym = |f: &[u32], l: &[u8]| -> u64 {
            f.iter().zip(l).map(|(&f, &l)| f as u64 * l as u64).sum()
        };
        3 + 14
            + 3 * self.hclen as u64
            + rle
            + sym(lit_f, &self.lit_lens)
            + sym(dist_f, &self.dist_lens)
    }
}

/// Extra bits after a code-length symbol: the repeat counts of 16, 17 and 18.
fn rle_extra_bits(s: u8) -> u32 {
    match s {
        16 => 2,
        17 => 3,
        18 => 7,
        _ => 0,
    }
}

fn write_block(w: &mut BitWriter, seq: &[Sym], last: bool) {
    let (lit_f, dist_f) = frequencies(seq);
    let h = Header::new(&lit_f, &dist_f);
    let (lit_lens, dist_lens, cl_lens) = (&h.lit_lens, &h.dist_lens, &h.cl_lens);
    let cl_codes = canonical(cl_lens);

    w.put(last as u32, 1);
    w.put(2, 2);
    w.put((h.hlit - 257) as u32, 5);
    w.put((h.hdist - 1) as u32, 5);
    w.put((h.hclen - 4) as u32, 4);
    for &s in &CL_ORDER[..h.hclen] {
        w.put(cl_lens[s] as u32, 3);
    }
    for &(s, x) in &h.rle {
        let s = s as usize;
        w.put(cl_codes[s] as u32, cl_lens[s] as u32);
        w.put(x as u32, rle_extra_bits(s as u8));
    }
    let lit_codes = canonical(lit_lens);
    let dist_codes = canonical(dist_lens);
    for &(l, v) in seq {
        if l == 0 {
            let s = v as usize & 0xFF;
            w.put(lit_codes[s] as u32, lit_lens[s] as u32);
        } else {
            let ls = LEN_SLOT[l as usize] as usize;
            w.put(lit_codes[257 + ls] as u32, lit_lens[257 + ls] as u32);
            w.put((l - LEN_BASE[ls]) as u32, LEN_EXTRA[ls] as u32);
            let ds = dist_slot(v as usize);
            w.put(dist_codes[ds] as u32, dist_lens[ds] as u32);
            w.put((v - DIST_BASE[ds]) as u32, DIST_EXTRA[ds] as u32);
        }
    }
    w.put(lit_codes[256] as u32, lit_lens[256] as u32);
}

struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// Appends the low `bits` bits of `v` (≤ 16 bits), least significant first.
    #[inline]
    fn put(&mut self, v: u32, bits: u32) {
        self.acc |= ((v as u64) & ((1u64 << bits) - 1)) << self.n;
        self.n += bits;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    /// Flushes the partial byte (zero padded).
    fn align(&mut self) {
        while self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n = self.n.saturating_sub(8);
        }
    }
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::testutil::Rng;

    const DEFAULT: Effort = Effort {
        depth: 16,
        nice: 128,
        passes: 2,
        block: 1 << 17,
        split: false,
        tree: false,
        starts: 1,
    };

    /// The least work: one chain step, one pass, the shortest blocks.
    const SMALLEST: Effort = Effort {
        depth: 1,
        nice: 3,
        passes: 1,
        block: 1,
        split: false,
        tree: false,
        starts: 1,
    };

    fn inflate(z: &[u8]) -> Vec<u8> {
        miniz_oxide::inflate::decompress_to_vec_zlib(z).expect("valid zlib stream")
    }

    #[test]
    fn round_trips() {
        let mut rng = Rng::new(7);
        let mut cases: Vec<Vec<u8>> = vec![vec![], vec![0], vec![5; 1], vec![9; 100_000]];
        for n in [1usize, 2, 3, 4, 10, 300, 5000, 70_000, 200_000] {
            for alphabet in [1u32, 2, 4, 256] {
                cases.push((0..n).map(|_| rng.below(alphabet) as u8).collect());
            }
            // Repetitive with noise.
            cases.push(
                (0..n)
                    .map(|i| ((i % 37) as u8) ^ (rng.below(50) == 0) as u8)
                    .collect(),
            );
        }
        for c in &cases {
            for e in [
                DEFAULT,
                SMALLEST,
                Effort {
                    tree: true,
                    starts: 1,
                    ..SMALLEST
                },
                Effort {
                    depth: 16,
                    nice: 258,
                    passes: 2,
                    block: 4096,
                    split: true,
                    tree: true,
                    starts: 1,
                },
                // Every start model, on blocks small enough to carry models across.
                Effort {
                    depth: 16,
                    nice: 258,
                    passes: 3,
                    block: 4096,
                    split: true,
                    tree: true,
                    starts: 6,
                },
            ] {
                let z = zlib_compress(c, 37, &e);
                assert_eq!(inflate(&z), *c, "{} bytes", c.len());
                assert_eq!(&z[z.len() - 4..], &adler32(c).to_be_bytes());
            }
        }
    }

    /// The parse from each further start model is kept only when it is cheaper, so on an
    /// input of one block more models never make the stream longer, and on these pages of
    /// text they make it shorter.
    #[test]
    fn more_start_models_are_never_larger() {
        let e = Effort {
            depth: 32,
            nice: 258,
            passes: 4,
            block: 1 << 19,
            split: true,
            tree: true,
            starts: 1,
        };
        let mut gained = 0;
        for seed in 1..=3 {
            let page = crate::encode::testutil::text_page(400, 300, seed);
            let row = page.stride();
            let data = page.data();
            let one = zlib_compress(data, row, &e).len();
            let six = zlib_compress(data, row, &Effort { starts: 6, ..e });
            assert_eq!(inflate(&six), data);
            assert!(six.len() <= one, "seed {seed}: {} > {one}", six.len());
            gained += one - six.len();
        }
        assert!(gained > 0);
    }

    #[test]
    fn model_costs() {
        // 1/16 bit: log2(2) = 16, log2(3) = 25.36 -> 25.
        assert_eq!(
            (log2_16(1), log2_16(2), log2_16(3), log2_16(1 << 20)),
            (0, 16, 25, 320)
        );
        // Counts 2, 1, 1 of 4: 1 bit, then 2 bits each; unused as if seen once.
        assert_eq!(entropy(&[2, 1, 1, 0]), vec![16, 32, 32, 32]);
    }

    #[test]
    fn dist_slots() {
        for d in 1..=32768usize {
            let s = dist_slot(d);
            assert!(DIST_BASE[s] as usize <= d);
            assert!(d < DIST_BASE[s] as usize + (1 << DIST_EXTRA[s]));
        }
        for (l, &s) in LEN_SLOT.iter().enumerate().skip(3) {
            let s = s as usize;
            assert!(LEN_BASE[s] as usize <= l);
            assert!(l < LEN_BASE[s] as usize + (1 << LEN_EXTRA[s]) || l == 258);
        }
    }

    #[test]
    fn adler_matches_reference() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let big = vec![0xFFu8; 1 << 20];
        let z = miniz_oxide::deflate::compress_to_vec_zlib(&big, 1);
        assert_eq!(&z[z.len() - 4..], &adler32(&big).to_be_bytes());
    }

    /// Our deflate against libdeflate level 12 (as oxipng -o4 runs it) on the same filtered
    /// rows (`--ignored`, release mode): `$SP_DIR/index.txt` (default /tmp/defl) lists
    /// `NAME ROW OXIPNG_IDAT` per line, `$SP_DIR/NAME.oxi.bin` holds oxipng's filtered rows
    /// (both written by `benches/peers/oxipng_rows.py`).
    /// `SP_EFFORT=depth,nice,passes,block,split,tree,starts` replaces [`MAX_EFFORT`].
    ///
    /// [`MAX_EFFORT`]: crate::encode::png::MAX_EFFORT
    #[test]
    #[ignore]
    fn deflate_vs_libdeflate_experiment() {
        let dir = std::env::var("SP_DIR").unwrap_or("/tmp/defl".into());
        let Ok(index) = std::fs::read_to_string(format!("{dir}/index.txt")) else {
            return;
        };
        let mut e = crate::encode::png::MAX_EFFORT;
        if let Ok(v) = std::env::var("SP_EFFORT") {
            let v: Vec<usize> = v.split(',').map(|x| x.parse().unwrap()).collect();
            e = Effort {
                depth: v[0] as u32,
                nice: v[1],
                passes: v[2] as u32,
                block: v[3],
                split: v[4] == 1,
                tree: v[5] == 1,
                starts: v[6] as u32,
            };
        }
        let (mut ours, mut theirs, mut worse) = (0usize, 0usize, vec![]);
        let t = std::time::Instant::now();
        for line in index.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let row: usize = f[1].parse().unwrap();
            let oxi: usize = f[2].parse().unwrap();
            let raw = std::fs::read(format!("{dir}/{}.oxi.bin", f[0])).unwrap();
            let z = zlib_compress(&raw, row, &e);
            assert_eq!(inflate(&z), raw);
            // oxipng's IDAT is its zlib stream.
            ours += z.len();
            theirs += oxi;
            if z.len() > oxi {
                worse.push((f[0].to_string(), z.len() - oxi));
            }
        }
        println!(
            "{e:?}: ours {ours}, libdeflate {theirs}, {:.1} s; worse on {}: {worse:?}",
            t.elapsed().as_secs_f64(),
            worse.len()
        );
    }

    /// Size and time on the raw (filtered) rows of an A4 page dumped to /tmp/pngx (`--ignored`):
    /// `raw_*` with paper as 1 bits (gray PNG), `inv_*` as 0 bits (the palette PNG we write).
    #[test]
    #[ignore]
    fn deflate_size_experiment() {
        for f in [
            "raw_none.bin",
            "raw_ent02.bin",
            "inv_none.bin",
            "inv_ent02.bin",
        ] {
            let Ok(raw) = std::fs::read(format!("/tmp/pngx/{f}")) else {
                continue;
            };
            let mut runs = vec![];
            for &(depth, nice, passes, block, split, tree) in &[
                (2, 32, 1, 1 << 18, false, false),
                (4, 64, 2, 1 << 18, false, false),
                (64, 258, 4, 1 << 19, true, false),
                (128, 258, 4, 1 << 19, true, false),
                (16, 258, 4, 1 << 19, true, true),
                (32, 258, 4, 1 << 19, true, true),
                (64, 258, 4, 1 << 19, true, true),
            ] {
                runs.push(Effort {
                    depth,
                    nice,
                    passes,
                    block,
                    split,
                    tree,
                    starts: 1,
                });
            }
            for e in runs {
                let mut best = f64::MAX;
                let mut z = vec![];
                for _ in 0..3 {
                    let t = std::time::Instant::now();
                    z = zlib_compress(&raw, 311, &e);
                    best = best.min(t.elapsed().as_secs_f64() * 1e3);
                }
                assert_eq!(inflate(&z), raw);
                println!("{f} {e:?}: {} bytes, {best:.1} ms", z.len());
            }
            for level in [6u8, 9, 10] {
                let t = std::time::Instant::now();
                let z = miniz_oxide::deflate::compress_to_vec_zlib(&raw, level);
                println!(
                    "{f} miniz {level}: {} bytes, {:.1} ms",
                    z.len(),
                    t.elapsed().as_secs_f64() * 1e3
                );
            }
        }
    }
}
