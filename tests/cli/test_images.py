#!/usr/bin/python3
"""Image files in and out of the command line, and its informational
commands.

    test_images.py FEATUREMAPS SAMPLE.png

- GEGL input keeps the image's channels (grey 1, grey+alpha 2, RGB 3,
  RGBA 4) and its precision (8-bit, 16-bit, float TIFF);
- folder output: 32-bit float TIFFs that hold the raw values exactly, or
  16-bit PNGs of the mapped values; files named after the filters;
- mappings, bank defaults and their precedence;
- --help, info, presets.
"""
import json
import os
import sys

import numpy as np
import tifffile
import torch
import torch.nn.functional as F
from PIL import Image

import fmtest

LUMA = np.array([0.2126, 0.7152, 0.0722])
IDENTITY = "0,0,0; 0,1,0; 0,0,0"


def conv_same(y, kernels):
    """Zero-padded 'same' correlation of a 2-D image with odd kernels."""
    w = torch.from_numpy(np.array(kernels, np.float64))[:, None]
    pad = w.shape[-1] // 2
    out = F.conv2d(torch.from_numpy(y)[None, None], w, padding=pad)
    return out[0].numpy().transpose(1, 2, 0)


def main():
    exe = fmtest.binary()
    sample = sys.argv[2]
    f = fmtest.Failures("images")
    d = fmtest.workdir("fm-images-")
    p = lambda name: os.path.join(d, name)

    def ok_run(*args):
        status, out, err = fmtest.run(exe, *args)
        f.check(status == 0 and not err, "%s → exit %d %s" % (" ".join(map(str, args)), status, err))
        return out

    def close(got, want, what, rel=1e-4):
        ok, why = fmtest.close_enough(got, want, rel)
        f.check(ok, "%s: %s" % (what, why))

    # --- the sample: RGB PNG, line detectors on its luminance --------------
    rgb = np.asarray(Image.open(sample).convert("RGB")).astype(np.float64) / 255.0
    y = rgb @ LUMA
    lines = [[[0, 1, 0], [0, 1, 0], [0, 1, 0]], [[0, 0, 0], [1, 1, 1], [0, 0, 0]]]
    want = conv_same(y, lines)
    ok_run("apply", "-k", "line-detectors", "-i", sample, "-o", p("lines.npy"))
    got = np.load(p("lines.npy"))
    f.check(got.dtype == np.float32, "lines.npy is float32")
    close(got, want, "line-detectors on the sample (raw .npy despite the bank's normalize default)")

    # Folder output takes the bank's default mapping (normalize → PNG).
    ok_run("apply", "-k", "line-detectors", "-i", sample, "-o", p("lines"))
    f.check(fmtest.listing(p("lines")) == ["horizontal.png", "vertical.png"],
            "folder holds one PNG per filter: %s" % fmtest.listing(p("lines")))
    for k, name in enumerate(["vertical", "horizontal"]):
        png = Image.open(p("lines/%s.png" % name))
        f.check(png.mode in ("I", "I;16", "I;16B"), "%s.png is 16-bit (%s)" % (name, png.mode))
        v = np.asarray(png).astype(np.float64) / 65535.0
        m = want[:, :, k]
        norm = (m - m.min()) / (m.max() - m.min())
        f.check(np.abs(v - norm).max() <= 1.0 / 65535 + 1e-5,
                "%s.png = normalized map (max diff %g)" % (name, np.abs(v - norm).max()))

    # Raw folder: 32-bit float TIFF, values outside 0..1 kept exactly.
    ok_run("apply", "-k", "sobel", "-i", sample, "-o", p("sobel.npy"))
    ok_run("apply", "-k", "sobel", "-i", sample, "-o", p("sobel"), "--mapping", "raw")
    raw = np.load(p("sobel.npy"))
    f.check(raw.min() < -1 and raw.max() > 1, "sobel maps leave 0..1")
    f.check(fmtest.listing(p("sobel")) == ["x.tif", "y.tif"], "sobel folder: %s" % fmtest.listing(p("sobel")))
    for k, name in enumerate(["x", "y"]):
        t = tifffile.imread(p("sobel/%s.tif" % name))
        f.check(t.dtype == np.float32 and t.shape == raw.shape[:2], "%s.tif float32 %s" % (name, t.shape))
        f.check(np.array_equal(t, raw[:, :, k]), "%s.tif holds the raw map exactly" % name)

    # Per-channel: the .npy is H x W x K x 3, the TIFFs are RGB float.
    ok_run("apply", "-k", "sobel", "-i", sample, "-o", p("pc.npy"), "--input-mode", "per-channel",
           "--border", "zero")
    ok_run("apply", "-k", "sobel", "-i", sample, "-o", p("pc"), "--input-mode", "per-channel",
           "--border", "zero", "--mapping", "raw")
    pc = np.load(p("pc.npy"))
    f.check(pc.shape == (256, 256, 2, 3), "per-channel .npy shape %s" % (pc.shape,))
    sob = [[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]]
    for c in range(3):
        close(pc[:, :, :, c], conv_same(rgb[:, :, c], sob), "per-channel channel %d" % c)
    t = tifffile.imread(p("pc/y.tif"))
    f.check(t.shape == (256, 256, 3) and np.array_equal(t, pc[:, :, 1, :]), "per-channel y.tif is RGB float")

    # --- the image's own channels and precision ---------------------------
    rng = np.random.default_rng(5)
    grey8 = rng.integers(0, 256, (12, 9)).astype(np.uint8)
    Image.fromarray(grey8, "L").save(p("grey.png"))
    ok_run("apply", "-k", IDENTITY, "-i", p("grey.png"), "-o", p("grey.npy"))
    close(np.load(p("grey.npy"))[:, :, 0], grey8 / 255.0, "grey 8-bit PNG read as Y' (identity)", 1e-6)
    ok_run("apply", "-k", IDENTITY, "-i", p("grey.png"), "-o", p("grey-pc.npy"), "--input-mode", "per-channel")
    f.check(np.load(p("grey-pc.npy")).shape == (12, 9, 1, 1), "grey stays one channel under per-channel")

    grey16 = rng.integers(0, 65536, (7, 10)).astype(np.uint16)
    Image.fromarray(grey16.astype(np.int32), "I").save(p("grey16.png"))
    ok_run("apply", "-k", IDENTITY, "-i", p("grey16.png"), "-o", p("grey16.npy"))
    close(np.load(p("grey16.npy"))[:, :, 0], grey16 / 65535.0, "16-bit grey PNG keeps its precision", 1e-6)

    rgba = rng.integers(0, 256, (8, 11, 4)).astype(np.uint8)
    Image.fromarray(rgba, "RGBA").save(p("rgba.png"))
    ok_run("apply", "-k", IDENTITY, "-i", p("rgba.png"), "-o", p("rgba-lum.npy"))
    close(np.load(p("rgba-lum.npy"))[:, :, 0], (rgba[:, :, :3] / 255.0) @ LUMA, "RGBA → luminance", 1e-5)
    ok_run("apply", "-k", IDENTITY, "-i", p("rgba.png"), "-o", p("rgba-pc.npy"), "--input-mode", "per-channel")
    got = np.load(p("rgba-pc.npy"))
    f.check(got.shape == (8, 11, 1, 3), "RGBA per-channel drops alpha: %s" % (got.shape,))
    close(got[:, :, 0, :], rgba[:, :, :3] / 255.0, "RGBA per-channel values", 1e-6)
    alpha_bank = {"name": "Alpha", "filters": [{"name": "a", "weights": np.eye(1, 4, 3).reshape(1, 1, 4).tolist()}]}
    fmtest.write_json(p("alpha.json"), alpha_bank)
    ok_run("apply", "-k", p("alpha.json"), "-i", p("rgba.png"), "-o", p("alpha.npy"))
    close(np.load(p("alpha.npy"))[:, :, 0], rgba[:, :, 3] / 255.0, "4-channel bank sees alpha (rgba)", 1e-6)
    Image.fromarray(rgba[:, :, :3], "RGB").save(p("rgb.png"))
    ok_run("apply", "-k", p("alpha.json"), "-i", p("rgb.png"), "-o", p("alpha1.npy"))
    close(np.load(p("alpha1.npy"))[:, :, 0], np.ones((8, 11)), "rgba on RGB: alpha reads 1", 1e-6)

    ftiff = np.array([[0.0, 0.25, 0.5], [1.0, 2.0, -0.5]], np.float32)
    tifffile.imwrite(p("float.tif"), ftiff)
    ok_run("apply", "-k", IDENTITY, "-i", p("float.tif"), "-o", p("float.npy"))
    close(np.load(p("float.npy"))[:, :, 0], ftiff, "float TIFF values arrive unchanged", 1e-6)

    Image.fromarray((rgb * 255).astype(np.uint8)).save(p("sample.jpg"), quality=95)
    ok_run("apply", "-k", "sobel", "-i", p("sample.jpg"), "-o", p("jpg.npy"))
    f.check(np.load(p("jpg.npy")).shape == (256, 256, 2), "JPEG input")

    # --- mappings (.npy with --mapping), from the raw maps ------------------
    maps = raw
    expect = {
        "clamp": np.clip(maps, 0, 1),
        "normalize": (maps - maps.min((0, 1))) / (maps.max((0, 1)) - maps.min((0, 1))),
        "normalize-joint": (maps - maps.min()) / (maps.max() - maps.min()),
        "abs-normalize": np.abs(maps) / np.abs(maps).max((0, 1)),
    }
    for mapping, want_m in expect.items():
        ok_run("apply", "-k", "sobel", "-i", sample, "-o", p("m.npy"), "--mapping", mapping)
        got = np.load(p("m.npy"))
        f.check(np.abs(got - want_m).max() <= 1e-5 and got.min() >= 0 and got.max() <= 1,
                "mapping %s (max diff %g)" % (mapping, np.abs(got - want_m).max()))
    flat = rng.random((6, 6)).astype(np.float32)
    np.save(p("flat.npy"), flat)
    ok_run("apply", "-k", "0,0,0; 0,0,0; 0,0,0", "-i", p("flat.npy"), "-o", p("c.npy"), "--mapping", "normalize")
    f.check(np.all(np.load(p("c.npy")) == 0), "a constant map normalizes to 0")

    # --- precedence: command line, then the bank's defaults, then the table -
    bank = {"name": "Defaults", "filters": [{"name": "box", "weights": [[1, 1, 1]] * 3}],
            "defaults": {"padding": "valid", "activation": "relu", "mapping": "clamp"}}
    fmtest.write_json(p("defaults.json"), bank)
    np.save(p("ramp.npy"), np.linspace(-1, 1, 80, dtype=np.float32).reshape(8, 10))
    ok_run("apply", "-k", p("defaults.json"), "-i", p("ramp.npy"), "-o", p("d1.npy"))
    d1 = np.load(p("d1.npy"))
    f.check(d1.shape == (6, 8, 1), "bank default padding valid: %s" % (d1.shape,))
    f.check(d1.min() >= 0 and d1.max() > 1, "bank default relu applies, mapping stays raw for .npy")
    ok_run("apply", "-k", p("defaults.json"), "-i", p("ramp.npy"), "-o", p("d2.npy"),
           "--padding", "same", "--activation", "none")
    d2 = np.load(p("d2.npy"))
    f.check(d2.shape == (8, 10, 1) and d2.min() < 0, "command line beats the bank's defaults")
    ok_run("apply", "-k", p("defaults.json"), "-i", p("ramp.npy"), "-o", p("d3"))
    f.check(fmtest.listing(p("d3")) == ["box.png"], "bank default mapping clamp → PNG folder")
    ok_run("apply", "-k", "0,1,0; 0,1,0; 0,1,0", "-i", p("ramp.npy"), "-o", p("d4.npy"))
    f.check(np.load(p("d4.npy")).shape == (8, 10, 1), "table default padding same")

    # --- folder details: names, duplicates, an existing folder -------------
    dup = {"name": "Dup", "filters": [{"name": "edge", "weights": [[1, -1]]},
                                     {"name": "edge", "weights": [[-1, 1]]},
                                     {"name": "a/b", "weights": [[1, 1]]}]}
    fmtest.write_json(p("dup.json"), dup)
    os.mkdir(p("existing"))
    with open(p("existing/keep.txt"), "w") as fh:
        fh.write("mine")
    ok_run("apply", "-k", p("dup.json"), "-i", p("ramp.npy"), "-o", p("existing"))
    f.check(fmtest.listing(p("existing")) == ["a-b.tif", "edge-2.tif", "edge.tif", "keep.txt"],
            "existing folder gets the maps beside its files: %s" % fmtest.listing(p("existing")))
    f.check(not [n for n in os.listdir(d) if n.startswith(".")], "no temporaries left: %s" % os.listdir(d))

    # --- help, info, presets ----------------------------------------------
    for args in (["--help"], ["apply", "--help"]):
        out = ok_run(*args)
        for opt in ("--kernel", "--input", "--output", "--input-mode", "--padding", "--border",
                    "--stride", "--dilation", "--activation", "--mapping"):
            f.check(opt in out, "%s lists %s" % (" ".join(args), opt))
        for value in ("auto", "luminance", "rgb", "rgba", "per-channel", "valid", "same", "full",
                      "zero", "clamp", "reflect", "wrap", "none", "relu", "leaky-relu", "abs",
                      "sigmoid", "tanh", "raw", "normalize", "normalize-joint", "abs-normalize"):
            f.check(value in out, "%s lists the value %s" % (" ".join(args), value))
        f.check("--destination" not in out, "--destination is GIMP-only")
    out = ok_run("info", "line-detectors")
    for text in ("Line detectors", "2 filters of 3 × 3 × 1", "vertical", "horizontal", "sum 3",
                 "luminance", "correlate", "padding same"):
        f.check(text in out, "info line-detectors mentions %r" % text)
    out = ok_run("info", "0,1; 2,3 | 1,1; 1,1")
    f.check("2 filters of 2 × 2 × 1" in out and "sum 6" in out and "sum 4" in out, "info on an inline matrix")
    out = ok_run("presets")
    for name in ("line-detectors", "sobel", "prewitt", "laplacian", "sharpen", "box-blur",
                 "gaussian-5", "emboss"):
        f.check(("\n" + name + " ") in out, "presets lists %s" % name)
    f.check("installed" in out, "presets says where")
    f.finish()


if __name__ == "__main__":
    main()
