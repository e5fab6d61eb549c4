"""1-bit PNG sizes against oxipng, on a folder of scanprep's PNG pages.

Usage: python benches/peers/png_size.py DIR [LEVEL]
DIR holds NAME.fast.png and NAME.max.png pairs, scanprep's 1-bit PNG of one bitmap at
`png_effort` fast and max (`png_filter_choice_on_dibco` in core/src/encode/png.rs writes the
65 DIBCO 2009-2013 pages, binarized as the pipeline does, to /tmp/scanprep_dibco_png). Each
fast file is optimised by oxipng (pyoxipng, requirements.txt) at LEVEL (default 4, oxipng's
own default is 2); prints the per-page sizes and the totals, and how many pages oxipng made
smaller than scanprep's max effort.
"""
import os
import sys
import time

import oxipng


def main():
    d = sys.argv[1]
    level = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    names = sorted(f[: -len(".fast.png")] for f in os.listdir(d) if f.endswith(".fast.png"))
    if not names:
        sys.exit(f"no NAME.fast.png files in {d}")
    tot = {"fast": 0, "max": 0, "oxipng": 0}
    secs = 0.0
    oxi_wins = []
    for n in names:
        fast = open(os.path.join(d, n + ".fast.png"), "rb").read()
        mx = open(os.path.join(d, n + ".max.png"), "rb").read()
        t = time.perf_counter()
        oxi = oxipng.optimize_from_memory(fast, level=level)
        secs += time.perf_counter() - t
        tot["fast"] += len(fast)
        tot["max"] += len(mx)
        tot["oxipng"] += len(oxi)
        if len(oxi) < len(mx):
            oxi_wins.append((n, len(oxi), len(mx)))
        print(f"{n}: fast {len(fast):,}  max {len(mx):,}  oxipng -o{level} {len(oxi):,}")
    print(f"{len(names)} pages: scanprep fast {tot['fast']:,}, max {tot['max']:,}; "
          f"oxipng -o{level} (of the fast files) {tot['oxipng']:,} in {secs:.1f} s")
    print(f"pages where oxipng is smaller than scanprep max: {len(oxi_wins)}"
          + "".join(f"\n  {n}: {o:,} < {m:,}" for n, o, m in oxi_wins))


if __name__ == "__main__":
    main()
