#!/usr/bin/python3
"""`featuremaps rank` against numpy: each channel's mean and max inside a
mask, computed by numpy from the maps `featuremaps apply` writes, the mask
brought to the layer's grid by numpy from the ONNX file's geometry; the
order by mean and by max; bad input gets one line and exit status 2.
Usage: test_rank.py FEATUREMAPS."""
import os
import sys
import tempfile

import numpy as np
from PIL import Image

from deeptest import IMAGE, MODEL, apply_maps, check, finish, grid, run

EXE = sys.argv[1]


def parse(text):
    rows = [line.split() for line in text.strip().splitlines()]
    return (np.array([int(r[0]) for r in rows]), np.array([int(r[1]) for r in rows]),
            np.array([float(r[2]) for r in rows]), np.array([float(r[3]) for r in rows]))


def expected(maps, inside, by):
    K = maps.shape[2]
    sel = maps[inside]                         # pixels × K
    mean, mx = sel.mean(axis=0), sel.max(axis=0)
    key, other = (mean, mx) if by == "mean" else (mx, mean)
    order = np.lexsort((np.arange(K), -other, -key))
    return order, mean, mx


def compare(name, args, maps, inside, by):
    r = run(EXE, "rank", MODEL + "#" + name, "-i", IMAGE, *args)
    check(r.returncode == 0, "%s %s: exit 0 (%s)" % (name, " ".join(args), r.stderr.strip()))
    if r.returncode:
        return
    rank, chans, mean, mx = parse(r.stdout)
    order, emean, emax = expected(maps, inside, by)
    check(list(rank) == list(range(1, maps.shape[2] + 1)), "%s: ranks 1 … K" % name)
    check(list(chans) == list(order), "%s %s: the channels in numpy's order" % (name, " ".join(args)))
    check(np.allclose(mean, emean[chans], rtol=1e-6, atol=1e-7),
          "%s %s: means (largest difference %.3g)" % (name, " ".join(args),
                                                      np.abs(mean - emean[chans]).max()))
    check(np.allclose(mx, emax[chans], rtol=1e-6, atol=1e-7), "%s %s: maxima" % (name, " ".join(args)))


def sample(mask, layer, shape):
    """The image-sized mask at each map pixel's centre (nearest pixel)."""
    offset, step = grid(layer)
    ys = np.clip(np.floor(offset + step * np.arange(shape[0]) + 0.5), 0, mask.shape[0] - 1).astype(int)
    xs = np.clip(np.floor(offset + step * np.arange(shape[1]) + 0.5), 0, mask.shape[1] - 1).astype(int)
    return mask[np.ix_(ys, xs)] != 0


with tempfile.TemporaryDirectory() as tmp:
    H, W = np.array(Image.open(IMAGE)).shape[:2]
    yy, xx = np.mgrid[0:H, 0:W]
    disc = ((yy - 41) ** 2 + (xx - 57) ** 2 < 23 ** 2)
    mask_png = os.path.join(tmp, "disc.png")
    Image.fromarray((disc * 255).astype(np.uint8)).save(mask_png)
    mask_npy = os.path.join(tmp, "disc.npy")
    np.save(mask_npy, disc.astype(np.float32) * 0.25)   # nonzero is inside

    for layer in ("relu3", "conv1", "pool2"):
        maps = apply_maps(EXE, layer, tmp)
        everywhere = np.ones(maps.shape[:2], bool)
        compare(layer, [], maps, everywhere, "mean")
        compare(layer, ["--by", "max"], maps, everywhere, "max")
        inside = sample(disc, layer, maps.shape)
        check(0 < inside.sum() < inside.size, "%s: the disc covers some of the grid" % layer)
        compare(layer, ["--mask", mask_png], maps, inside, "mean")
        compare(layer, ["--mask", mask_npy, "--by", "max"], maps, inside, "max")
        # A mask the size of the layer's grid is taken as it is.
        rng = np.random.default_rng(7)
        cells = rng.random(maps.shape[:2]) < 0.3
        grid_npy = os.path.join(tmp, "grid-%s.npy" % layer)
        np.save(grid_npy, cells.astype(np.float32))
        compare(layer, ["--mask", grid_npy], maps, cells, "mean")

    # Bad input: one line on stderr, exit status 2, nothing on stdout.
    np.save(os.path.join(tmp, "empty.npy"), np.zeros((H, W), np.float32))
    np.save(os.path.join(tmp, "odd.npy"), np.ones((H - 3, W), np.float32))
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(os.path.join(tmp, "rgb.png"))
    bad = {
        "empty mask": ["#relu3", "--mask", os.path.join(tmp, "empty.npy")],
        "mask of another size": ["#relu3", "--mask", os.path.join(tmp, "odd.npy")],
        "colour mask": ["#relu3", "--mask", os.path.join(tmp, "rgb.png")],
        "missing mask": ["#relu3", "--mask", os.path.join(tmp, "nothing.png")],
        "--by median": ["#relu3", "--by", "median"],
        "no such layer": ["#conv9"],
        "two layers": ["#relu2,relu3"],
        "no layer": [""],
        "missing image": ["#relu3", "-i", os.path.join(tmp, "nothing.png")],
    }
    for what, extra in bad.items():
        args = ["rank", MODEL + extra[0]] + extra[1:]
        if "-i" not in args:
            args += ["-i", IMAGE]
        r = run(EXE, *args)
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 2 and len(lines) == 1 and not r.stdout,
              "%s: exit 2, one line (%d, %s)" % (what, r.returncode, r.stderr.strip()))
    r = run(EXE, "rank", "-i", IMAGE)
    check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, "no MODEL#LAYER: exit 2")
finish()
