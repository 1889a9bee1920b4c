#!/usr/bin/python3
"""`featuremaps info MODEL#LAYER --sheet OUT.png` against numpy drawing the
same sheet from the ONNX file's weights (read with the onnx package): RGB
tiles for the first layer (0.5 + w / 2m per channel), a filters × channels
grid on the diverging scale deeper (the scale's end points written out
here: ColorBrewer RdBu 33,102,172 · 247,247,247 · 178,24,43), black gaps,
16-pixel cells; every pixel compared.  Bad input: one line, exit 2.
Usage: test_sheet.py FEATUREMAPS."""
import math
import os
import sys
import tempfile

import numpy as np
from PIL import Image

from deeptest import MODEL, check, conv_weights, finish, run

EXE = sys.argv[1]
NEG, MID, POS = np.array([33, 102, 172.]), np.array([247, 247, 247.]), np.array([178, 24, 43.])


def diverging(t):
    t = np.clip(t, -1, 1)[..., None]
    end = np.where(t < 0, NEG, POS)
    return np.floor(MID + (end - MID) * np.abs(t) + 0.5)   # lround: halves away from 0


def expected(w, cell=16, gap=1):
    K, C, kh, kw = w.shape
    m = np.abs(w).reshape(K, -1).max(axis=1)
    m[m == 0] = 1
    if C == 3:
        cols = math.ceil(math.sqrt(K))
        rows = (K + cols - 1) // cols
    else:
        cols, rows = C, K
    H, W = rows * (kh * cell + gap) + gap, cols * (kw * cell + gap) + gap
    img = np.zeros((H, W, 3))
    for k in range(K):
        for c in range(1 if C == 3 else C):
            tr, tc = (k // cols, k % cols) if C == 3 else (k, c)
            y0, x0 = gap + tr * (kh * cell + gap), gap + tc * (kw * cell + gap)
            if C == 3:
                tile = np.clip(0.5 + w[k].transpose(1, 2, 0) / (2 * m[k]), 0, 1) * 255
                tile = np.floor(tile + 0.5)
            else:
                tile = diverging(w[k, c] / m[k])
            img[y0:y0 + kh * cell, x0:x0 + kw * cell] = np.repeat(np.repeat(tile, cell, 0), cell, 1)
    return img


with tempfile.TemporaryDirectory() as tmp:
    for layer, conv in (("conv1", "conv1"), ("relu2", "conv2"), ("relu3", "conv3")):
        out = os.path.join(tmp, layer + ".png")
        r = run(EXE, "info", MODEL + "#" + layer, "--sheet", out)
        check(r.returncode == 0 and len(r.stdout.strip().splitlines()) == 1,
              "%s: exit 0, one line (%s)" % (layer, (r.stderr or r.stdout).strip()))
        if r.returncode:
            continue
        got = np.array(Image.open(out)).astype(float)
        want = expected(conv_weights(conv))
        check(got.shape == want.shape, "%s: the sheet is %s, numpy's %s" % (layer, got.shape, want.shape))
        if got.shape == want.shape:
            diff = np.abs(got - want)
            check(diff.max() <= 1, "%s: every pixel within 1 level (largest %g, %d differ)"
                  % (layer, diff.max(), int((diff > 0).sum())))
        check(("RGB" in r.stdout) == (conv == "conv1"), "%s: the layout named" % layer)

    bad = {
        "no such layer": ["info", MODEL + "#conv9", "--sheet", os.path.join(tmp, "a.png")],
        "two layers": ["info", MODEL + "#conv1,conv2", "--sheet", os.path.join(tmp, "a.png")],
        "not a PNG": ["info", MODEL + "#conv1", "--sheet", os.path.join(tmp, "a.jpg")],
        "a folder": ["info", MODEL + "#conv1", "--sheet", tmp + "/"],
        "unwritable": ["info", MODEL + "#conv1", "--sheet", "/proc/nope/a.png"],
    }
    for what, args in bad.items():
        r = run(EXE, *args)
        check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and not r.stdout,
              "%s: exit 2, one line (%d, %s)" % (what, r.returncode, r.stderr.strip()))
    check(not [f for f in os.listdir(tmp) if f.startswith(".")], "no temporary left behind")
finish()
