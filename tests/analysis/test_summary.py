#!/usr/bin/python3
"""The summary layer against numpy's PCA (np.linalg.eigh of np.cov) of the
same activations — the maps `featuremaps apply` writes:
  - fm-pca through pca-dump, the maps handed over in bands of several
    heights: mean, the three components (up to sign, and then the sign rule:
    the largest |loading| positive), variances, shares, every pixel's
    projection; with and without a mask;
  - `featuremaps summary`: the PNG is numpy's projection scaled by
    0.5 + c / (6σ), clipped, in 8 bits (±1 level); its lines; bad input.
Usage: test_summary.py FEATUREMAPS PCA_DUMP."""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

from deeptest import IMAGE, MODEL, apply_maps, check, finish, run

EXE, DUMP = sys.argv[1], sys.argv[2]


def numpy_pca(maps, inside):
    X = maps[inside]                                   # pixels × K
    cov = np.cov(X, rowvar=False, bias=True)           # population covariance
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1][:3]
    return X.mean(axis=0), vals[order], vecs[:, order].T, np.trace(cov)


def dump(maps_npy, band, mask_npy=None):
    args = [DUMP, maps_npy, str(band)] + ([mask_npy] if mask_npy else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout.splitlines()
    mean = np.array(out[1].split()[1:], float)
    comps = [np.array(line.split()[1:], float) for line in out[2:5]]
    var = np.array([c[0] for c in comps])
    share = np.array([c[1] for c in comps])
    vecs = np.array([c[2:] for c in comps])
    proj = np.array([line.split() for line in out[6:]], float)
    return mean, var, share, vecs, proj


def compare(name, maps, maps_npy, inside, mask_npy, band):
    mean, var, share, vecs, proj = dump(maps_npy, band, mask_npy)
    emean, evar, evecs, trace = numpy_pca(maps, inside)
    what = "%s band %d%s" % (name, band, " masked" if mask_npy else "")
    check(np.allclose(mean, emean, rtol=1e-9, atol=1e-9), what + ": mean")
    check(np.allclose(var, evar, rtol=1e-7), what + ": variances %s vs numpy %s" % (var, evar))
    check(np.allclose(share, evar / trace, rtol=1e-7), what + ": shares of the variance")
    for c in range(3):
        dot = abs(float(np.dot(vecs[c], evecs[c])))
        check(dot > 1 - 1e-9, what + ": component %d is numpy's up to sign (|cos| = %.12f)" % (c, dot))
        big = np.argmax(np.abs(vecs[c]))
        check(vecs[c][big] > 0, what + ": component %d's largest loading is positive" % c)
    # The projection of every pixel (inside the mask or not), float32 work.
    signs = np.sign(np.sum(vecs * evecs, axis=1))
    eproj = (maps.reshape(-1, maps.shape[2]) - emean) @ (evecs.T * signs)
    scale = np.sqrt(evar)
    err = np.abs(proj - eproj).max(axis=0) / scale
    check(np.all(err < 1e-4), what + ": projection (largest error %s σ)" % err)
    return emean, evar, evecs * signs[:, None]


with tempfile.TemporaryDirectory() as tmp:
    for layer in ("relu3", "relu2"):
        maps = apply_maps(EXE, layer, tmp)
        maps_npy = os.path.join(tmp, layer + ".npy")
        everywhere = np.ones(maps.shape[:2], bool)
        for band in (1, 5, maps.shape[0]):
            compare(layer, maps, maps_npy, everywhere, None, band)
        rng = np.random.default_rng(3)
        inside = rng.random(maps.shape[:2]) < 0.4
        mask_npy = os.path.join(tmp, layer + "-mask.npy")
        np.save(mask_npy, inside.astype(np.float32))
        compare(layer, maps, maps_npy, inside, mask_npy, 4)

        # The command line: the PNG is the projection on numpy's components.
        for masked in (False, True):
            out = os.path.join(tmp, "%s-summary.png" % layer)
            args = ["--mask", mask_npy] if masked else []
            r = run(EXE, "summary", MODEL + "#" + layer, "-i", IMAGE, "-o", out, *args)
            what = "summary %s%s" % (layer, " masked" if masked else "")
            check(r.returncode == 0, what + ": exit 0 (%s)" % r.stderr.strip())
            if r.returncode:
                continue
            check(len(r.stdout.strip().splitlines()) == 3 and "component 1 (red)" in r.stdout,
                  what + ": three lines, one per component")
            png = np.array(Image.open(out))
            check(png.shape == maps.shape[:2] + (3,) and png.dtype == np.uint8,
                  what + ": an 8-bit RGB PNG on the layer's grid %s" % (png.shape,))
            emean, evar, evecs = numpy_pca(maps, inside if masked else np.ones(maps.shape[:2], bool))[:3]
            dump_vecs = dump(maps_npy, 7, mask_npy if masked else None)[3]
            evecs = evecs * np.sign(np.sum(evecs * dump_vecs, axis=1))[:, None]
            coords = (maps.reshape(-1, maps.shape[2]) - emean) @ evecs.T
            expect = np.clip(0.5 + coords / (6 * np.sqrt(evar)), 0, 1) * 255
            diff = np.abs(png.reshape(-1, 3).astype(float) - expect)
            check(diff.max() <= 0.5 + 1e-3 or (np.sum(diff > 0.5 + 1e-3) < 3 and diff.max() < 1.01),
                  what + ": pixels are numpy's scaled projection (largest difference %.3f)" % diff.max())

    # Bad input: one line, exit 2, and no output file left behind.
    out = os.path.join(tmp, "bad.png")
    np.save(os.path.join(tmp, "empty.npy"), np.zeros((96, 96), np.float32))
    bad = {
        "empty mask": ["summary", MODEL + "#relu3", "-i", IMAGE, "-o", out, "--mask",
                       os.path.join(tmp, "empty.npy")],
        "not a PNG name": ["summary", MODEL + "#relu3", "-i", IMAGE, "-o", os.path.join(tmp, "bad.tif")],
        "no -o": ["summary", MODEL + "#relu3", "-i", IMAGE],
        "the input as output": ["summary", MODEL + "#relu3", "-i", IMAGE, "-o", IMAGE],
        "unwritable folder": ["summary", MODEL + "#relu3", "-i", IMAGE, "-o", "/proc/nope/x.png"],
    }
    before = open(IMAGE, "rb").read()
    for what, args in bad.items():
        r = run(EXE, *args)
        check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1,
              "%s: exit 2, one line (%d, %s)" % (what, r.returncode, r.stderr.strip()))
    check(not os.path.exists(out) and not [f for f in os.listdir(tmp) if f.startswith(".bad")],
          "nothing left behind by the failed runs")
    check(open(IMAGE, "rb").read() == before, "the input is untouched")

    # The plug-in's summary word: `apply` names the command that makes one.
    r = run(EXE, "apply", "-k", MODEL + "#relu3[summary,0-3]", "-i", IMAGE, "-o",
            os.path.join(tmp, "maps.npy"))
    check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
          and "featuremaps summary MODEL#relu3" in r.stderr
          and not os.path.exists(os.path.join(tmp, "maps.npy")),
          "apply -k LAYER[summary]: exit 2, one line naming featuremaps summary (%d, %s)"
          % (r.returncode, r.stderr.strip()))
finish()
