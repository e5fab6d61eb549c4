#!/usr/bin/env python3
"""Compare scanprep's Group 4 TIFF output with Pillow's (libtiff) for the same bitmaps.

Usage:
    python3 benches/peers/g4_size.py [--make-page] [--no-build] [page.png ...]

Runs the ignored Rust test `encode::tiff::tests::dump_tiffs_for_peer_comparison` (release mode)
with the given PNGs, which writes `<stem>.png` (the thresholded bitmap, 1-bit) and
`<stem>.ours.tif` into $SCANPREP_G4_OUT (default /tmp/scanprep_g4), together with two synthetic
text pages. Then, for every `<stem>.png` there, it saves the bitmap as Group 4 through Pillow
(libtiff), and prints both G4 strip sizes, whether the strips are byte-identical, and whether
both TIFFs decode (with Pillow) to the same pixels.

--make-page  first renders a real text page (A4, 300 dpi, DejaVu fonts) to <out>/rendered_a4.png.
--no-build   only compare what is already in the output directory.
"""
import io
import os
import subprocess
import sys
import textwrap

from PIL import Image, ImageDraw, ImageFont, TiffImagePlugin

OUT = os.environ.get("SCANPREP_G4_OUT", "/tmp/scanprep_g4")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_page(path):
    """Renders an A4 page of body text, a heading and a table-like block at 300 dpi."""
    img = Image.new("L", (2480, 3508), 255)
    d = ImageDraw.Draw(img)
    font_dir = "/usr/share/fonts/truetype/dejavu/"
    body = ImageFont.truetype(font_dir + "DejaVuSerif.ttf", 42)
    head = ImageFont.truetype(font_dir + "DejaVuSans-Bold.ttf", 80)
    mono = ImageFont.truetype(font_dir + "DejaVuSansMono.ttf", 38)
    d.text((200, 180), "Quarterly Report on Document Processing", font=head, fill=0)
    lorem = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
             "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
             "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "
             "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. ")
    y = 360
    for para in range(5):
        for line in textwrap.wrap(lorem * 2, 88):
            d.text((200, y), line, font=body, fill=0)
            y += 58
        y += 40
    d.rectangle((200, y, 2280, y + 4), fill=0)
    y += 30
    for r in range(12):
        d.text((220, y), f"{r:3d}  item-{r * 37 % 101:04d}   {r * 12.5:10.2f}   {'ok' if r % 3 else 'FAILED'}", font=mono, fill=0)
        y += 52
    img.point(lambda v: 0 if v < 128 else 255).convert("1", dither=Image.Dither.NONE).save(path)


def strip(tiff_bytes):
    """The concatenated strip bytes and the pixels of a TIFF."""
    im = Image.open(io.BytesIO(tiff_bytes))
    offs, counts = im.tag_v2[273], im.tag_v2[279]
    data = b"".join(tiff_bytes[o:o + c] for o, c in zip(offs, counts))
    return data, im.convert("1").tobytes()


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    os.makedirs(OUT, exist_ok=True)
    if "--make-page" in argv:
        page = os.path.join(OUT, "rendered_a4_src.png")
        make_page(page)
        args.append(page)
    if "--no-build" not in argv:
        env = dict(os.environ, SCANPREP_G4_IN=":".join(os.path.abspath(a) for a in args), SCANPREP_G4_OUT=OUT)
        subprocess.run(["cargo", "test", "--release", "-q", "-p", "scanprep", "--lib",
                        "encode::tiff::tests::dump_tiffs_for_peer_comparison", "--", "--ignored", "--nocapture"],
                       cwd=ROOT, env=env, check=True)
    print(f"{'bitmap':<24} {'size':>11} {'libtiff G4':>11} {'ours G4':>9} {'ratio':>7}  strips  pixels")
    for name in sorted(os.listdir(OUT)):
        if not name.endswith(".png"):
            continue
        stem = name[:-4]
        ours_path = os.path.join(OUT, stem + ".ours.tif")
        if not os.path.exists(ours_path):
            continue
        bitmap = Image.open(os.path.join(OUT, name)).convert("L").point(lambda v: 0 if v < 128 else 255)
        bitmap = bitmap.convert("1", dither=Image.Dither.NONE)
        buf = io.BytesIO()
        # One strip like ours (Pillow otherwise cuts ~64 KiB-raw strips, each restarting G4).
        TiffImagePlugin.STRIP_SIZE = max(65536, (bitmap.width + 7) // 8 * bitmap.height)
        # Photometric 0 (WhiteIsZero) like ours, so ink is G4 "black" (Pillow inverts the pixels
        # for the encoder); with Pillow's default BlackIsZero the colours swap and G4 gets ~5% larger.
        bitmap.save(buf, format="TIFF", compression="group4", dpi=(300, 300), tiffinfo={262: 0})
        ref_strip, ref_px = strip(buf.getvalue())
        ours_strip, ours_px = strip(open(ours_path, "rb").read())
        same = "same" if ref_strip == ours_strip else "differ"
        px = "equal" if ref_px == ours_px == bitmap.tobytes() else "DIFFER"
        size = f"{bitmap.width}x{bitmap.height}"
        print(f"{stem:<24} {size:>11} {len(ref_strip):>11} {len(ours_strip):>9} {len(ours_strip) / len(ref_strip):>7.4f}  {same:<6}  {px}")


if __name__ == "__main__":
    main(sys.argv[1:])
