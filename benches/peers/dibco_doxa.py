#!/usr/bin/env python3
"""Peer baseline for `scanprep eval`: runs the classical binarization methods of doxapy
(Doxa, https://github.com/brandonmpetty/Doxa) with their default parameters on a DIBCO folder
and prints a Markdown table of mean F-measure / PSNR / DRD per method.

The metrics are implemented here in numpy with exactly the definitions of `scanprep::eval`
(core/src/eval.rs), so the two tables are comparable:

* FM   = 100 * 2PR / (P + R) over ink pixels (ink = 0 in both the result and the ground truth);
* PSNR = 10 log10(1 / MSE), pixels in 0..1;
* DRD  = Lu, Wang & Kot 2004: sum over wrong pixels of the 5x5 reciprocal-distance-weighted
         count of ground-truth pixels differing from the wrong pixel's value, divided by NUBN,
         the number of non-uniform 8x8 blocks of the ground truth (partial blocks at the right and
         bottom edges are ignored, as in the DIBCO tool).

Usage: python3 benches/peers/dibco_doxa.py /work/shared/data/dibco-2009-2013 [--methods otsu,sauvola]
       [--per-image] [--check ID_in.png RESULT.png]   (prints our metric and doxa's for one result)
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image
import doxapy

METHODS = ["OTSU", "SAUVOLA", "WOLF", "NICK", "SU", "ISAUVOLA", "BATAINEH", "GATOS", "TRSINGH", "WAN", "BERNSEN", "NIBLACK"]
DEFAULT = ["OTSU", "SAUVOLA", "WOLF", "NICK", "SU", "ISAUVOLA"]


def drd_weights():
    w = np.zeros((5, 5))
    for i in range(5):
        for j in range(5):
            if i == 2 and j == 2:
                continue
            w[i, j] = 1.0 / np.hypot(i - 2, j - 2)
    return w / w.sum()


W = drd_weights()


def scores(result_ink, truth_ink):
    """Both boolean arrays, True = ink. Returns (fm, psnr, drd)."""
    if result_ink.shape != truth_ink.shape:
        raise ValueError("size mismatch")
    tp = np.count_nonzero(result_ink & truth_ink)
    fp = np.count_nonzero(result_ink & ~truth_ink)
    fn = np.count_nonzero(~result_ink & truth_ink)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    fm = 100.0 * 2 * p * r / (p + r) if p + r else 0.0
    if tp + fp + fn == 0:
        fm = 100.0
    n = result_ink.size
    mse = (fp + fn) / n
    psnr = float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)
    # DRD
    h, w = truth_ink.shape
    gt = truth_ink.astype(np.float64)
    pad = np.pad(gt, 2, mode="constant", constant_values=np.nan)
    wrong = np.argwhere(result_ink != truth_ink)
    total = 0.0
    if len(wrong):
        ys, xs = wrong[:, 0], wrong[:, 1]
        val = result_ink[ys, xs].astype(np.float64)
        for dy in range(5):
            for dx in range(5):
                g = pad[ys + dy, xs + dx]
                diff = np.abs(g - val)
                diff = np.where(np.isnan(diff), 0.0, diff)  # outside the image: no contribution
                total += W[dy, dx] * diff.sum()
    bh, bw = h // 8, w // 8
    blocks = truth_ink[: bh * 8, : bw * 8].reshape(bh, 8, bw, 8).sum(axis=(1, 3))
    nubn = np.count_nonzero((blocks != 0) & (blocks != 64))
    drd = total / max(nubn, 1)
    return fm, psnr, drd


def load_gray(path):
    return np.array(Image.open(path).convert("L"), dtype=np.uint8)


def pairs(root):
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith("_in.png"):
                gt = os.path.join(dirpath, f[: -len("_in.png")] + "_gt.png")
                if os.path.exists(gt):
                    out.append((os.path.relpath(os.path.join(dirpath, f[: -len("_in.png")]), root), os.path.join(dirpath, f), gt))
    return sorted(out)


def run_doxa(method, gray):
    out = np.empty(gray.shape, dtype=np.uint8)
    b = doxapy.Binarization(getattr(doxapy.Binarization.Algorithms, method))
    b.initialize(gray)
    b.to_binary(out, {})
    return out == 0  # doxa: 0 = black = ink


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--methods", default=",".join(DEFAULT))
    ap.add_argument("--per-image", action="store_true")
    ap.add_argument("--check", nargs=2, metavar=("IN", "RESULT"))
    args = ap.parse_args()

    if args.check:
        inp, res = args.check
        gt_path = inp.replace("_in.png", "_gt.png")
        truth = load_gray(gt_path) < 128
        result = load_gray(res) < 128
        fm, psnr, drd = scores(result, truth)
        print(f"ours (numpy): FM {fm:.4f} PSNR {psnr:.4f} DRD {drd:.4f}")
        perf = doxapy.calculate_performance(np.where(truth, 0, 255).astype(np.uint8), np.where(result, 0, 255).astype(np.uint8))
        print(f"doxapy.calculate_performance: {perf}")
        return

    methods = [m.strip().upper() for m in args.methods.split(",") if m.strip()]
    for m in methods:
        if m not in METHODS:
            sys.exit(f"unknown method {m}; known: {', '.join(METHODS)}")
    ps = pairs(args.dir)
    if not ps:
        sys.exit(f"no <id>_in.png/<id>_gt.png pairs under {args.dir}")
    gts = {}
    sums = {m: np.zeros(3) for m in methods}
    years = {}
    for ident, inp, gt in ps:
        gray = load_gray(inp)
        truth = load_gray(gt) < 128
        year = ident.split(os.sep)[0] if os.sep in ident else ""
        for m in methods:
            s = np.array(scores(run_doxa(m, gray), truth))
            sums[m] += s
            years.setdefault((m, year), []).append(s)
            if args.per_image:
                print(f"{ident:16} {m:9} FM {s[0]:6.2f} PSNR {s[1]:6.2f} DRD {s[2]:7.2f}", flush=True)
    n = len(ps)
    print(f"\n{n} images under {args.dir}\n")
    print("| method (doxapy defaults) | FM | PSNR | DRD |")
    print("|---|---:|---:|---:|")
    for m in methods:
        fm, psnr, drd = sums[m] / n
        print(f"| {m.lower()} | {fm:.2f} | {psnr:.2f} | {drd:.2f} |")
    ys = sorted({y for (_, y) in years})
    if len(ys) > 1:
        print("\nper year (FM / DRD):\n")
        print("| method | " + " | ".join(ys) + " |")
        print("|---|" + "---:|" * len(ys))
        for m in methods:
            cells = []
            for y in ys:
                a = np.mean(years[(m, y)], axis=0)
                cells.append(f"{a[0]:.1f} / {a[2]:.1f}")
            print(f"| {m.lower()} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
