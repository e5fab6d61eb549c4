"""oxipng's filtered rows of scanprep's 1-bit PNG pages, for comparing deflate encoders alone.

Usage: python benches/peers/oxipng_rows.py [SRC] [OUT]
For every NAME.fast.png in SRC (default /tmp/scanprep_dibco_png, written by
`png_filter_choice_on_dibco`), runs oxipng -o4 (pyoxipng, requirements.txt) and writes into OUT
(default /tmp/defl) NAME.oxi.bin, the filtered rows of oxipng's result (its IDAT inflated), and
a line `NAME ROW_BYTES IDAT_BYTES` of index.txt. The ignored Rust test
`deflate_vs_libdeflate_experiment` (core/src/encode/deflate.rs) compresses the same rows with
our deflate and counts the pages where oxipng's libdeflate level 12 stream is smaller.
"""
import os
import struct
import sys
import zlib

import oxipng


def chunks(png):
    """IHDR (width, bit depth) and the concatenated IDAT data of a PNG."""
    pos, idat, width, depth = 8, b"", 0, 1
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos:pos + 4])
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, depth = struct.unpack(">I", data[:4])[0], data[8]
        elif kind == b"IDAT":
            idat += data
    return width, depth, idat


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/tmp/scanprep_dibco_png"
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/defl"
    os.makedirs(out, exist_ok=True)
    lines = []
    for f in sorted(os.listdir(src)):
        if not f.endswith(".fast.png"):
            continue
        name = f[: -len(".fast.png")]
        best = oxipng.optimize_from_memory(open(os.path.join(src, f), "rb").read(), level=4)
        width, depth, idat = chunks(best)
        with open(os.path.join(out, name + ".oxi.bin"), "wb") as o:
            o.write(zlib.decompress(idat))
        lines.append(f"{name} {(width * depth + 7) // 8 + 1} {len(idat)}")
    with open(os.path.join(out, "index.txt"), "w") as o:
        o.write("\n".join(lines) + "\n")
    print(f"{len(lines)} pages written to {out}")


if __name__ == "__main__":
    main()
