#!/usr/bin/python3
"""Draws the picture docs/learning.md and the README show: filters learned
from a photo by `featuremaps learn --patches`, and the maps they give on it.

  filter_sheet.py FEATUREMAPS PHOTO OUT.png [--method kmeans] [--filters 32]
                  [--size 8x8] [--maps 6]

Top: every filter, its weights stretched to 0..1 (grey 0.5 is zero), in the
bank's order (most picked / most variance first).  Bottom: the photo and
the first --maps maps, `featuremaps apply` with mapping abs-normalize.
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np
from PIL import Image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("featuremaps")
    ap.add_argument("photo")
    ap.add_argument("out")
    ap.add_argument("--method", default="kmeans")
    ap.add_argument("--filters", type=int, default=32)
    ap.add_argument("--size", default="8x8")
    ap.add_argument("--maps", type=int, default=6)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="fm-sheet-")
    try:
        bank = os.path.join(tmp, "bank.json")
        subprocess.run([a.featuremaps, "learn", "--patches", a.photo, "--filters", str(a.filters),
                        "--size", a.size, "--method", a.method, "--mode", "full", "--samples", "50000",
                        "--name", "Learned from the photo (%s)" % a.method, "-o", bank], check=True)
        doc = json.load(open(bank))
        filters = [np.asarray(f["weights"], np.float64) for f in doc["filters"]]

        # the filter grid: each filter kh × kw × 3, scaled up
        scale, pad = 10, 4
        kh, kw = filters[0].shape[:2]
        cols = 16
        rows = (len(filters) + cols - 1) // cols
        tile = (kw * scale + pad, kh * scale + pad)
        sheet_w = cols * tile[0] + pad
        grid = Image.new("RGB", (sheet_w, rows * tile[1] + pad), (255, 255, 255))
        for i, w in enumerate(filters):
            m = np.max(np.abs(w)) or 1.0
            img = np.clip(0.5 + 0.5 * w / m, 0, 1)
            im = Image.fromarray((img * 255).astype(np.uint8)).resize((kw * scale, kh * scale),
                                                                       Image.NEAREST)
            grid.paste(im, (pad + (i % cols) * tile[0], pad + (i // cols) * tile[1]))

        # the photo and a few maps
        maps = os.path.join(tmp, "maps")
        subprocess.run([a.featuremaps, "apply", "-k", bank, "-i", a.photo, "-o", maps,
                        "--mapping", "abs-normalize"], check=True)
        photo = Image.open(a.photo).convert("RGB")
        names = [f["name"] for f in doc["filters"][:a.maps]]
        shots = [photo]
        for n in names:
            # 16-bit grey PNGs: scaled here (PIL's own conversion would clip)
            v = np.asarray(Image.open(os.path.join(maps, n + ".png")), np.float64) / 65535.0
            shots.append(Image.fromarray((np.clip(v, 0, 1) * 255).astype(np.uint8)).convert("RGB"))
        thumb_w = (sheet_w - pad) // 4 - pad
        thumb_h = int(thumb_w * photo.height / photo.width)
        strip_rows = (len(shots) + 3) // 4
        strip = Image.new("RGB", (sheet_w, strip_rows * (thumb_h + pad) + pad), (255, 255, 255))
        for i, s in enumerate(shots):
            strip.paste(s.resize((thumb_w, thumb_h), Image.LANCZOS),
                        (pad + (i % 4) * (thumb_w + pad), pad + (i // 4) * (thumb_h + pad)))
        out = Image.new("RGB", (sheet_w, grid.height + strip.height), (255, 255, 255))
        out.paste(grid, (0, 0))
        out.paste(strip, (0, grid.height))
        out.save(a.out, optimize=True)
        print("wrote %s (%d filters, %d maps)" % (a.out, len(filters), len(shots) - 1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
