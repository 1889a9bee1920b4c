#!/usr/bin/python3
"""The shipped tiny CNN through the command line, against PyTorch's own
activations (tests/data/net/tiny-cnn, written by models/tiny-cnn/export.py).

    test_shipped_model.py FEATUREMAPS bank    its first layer as the preset bank
    test_shipped_model.py FEATUREMAPS model   every reference layer through the
                                              stack description and the ONNX file

Inputs are samples/lines.png and samples/scene.png as H × W × 3 float32 .npy
(0..1); the model declares mean 0.5 / std 0.5 (stack description, ONNX
sidecar, bank), so featuremaps must normalise them.  Tolerance: 1e-4 × max
|map| per map for a layer reached through one conv, 1e-3 × max |map| after a
stack (the manifest's "convs").
"""
import json
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))

import fmtest  # noqa: E402

REF = os.path.join(ROOT, "tests", "data", "net", "tiny-cnn")


def tolerance(layer):
    return 1e-4 if layer["convs"] <= 1 else 1e-3


def load_references(t):
    """The manifest and every reference array, checked so that a missing,
    truncated, empty or constant reference fails here, not silently later."""
    with open(os.path.join(REF, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    for key in ("onnx", "stack"):
        t.check(os.path.isfile(os.path.join(ROOT, manifest[key])), "model file %s exists" % manifest[key])
    t.check(os.path.isfile(os.path.join(ROOT, "models", "tiny-cnn", "tiny-cnn.safetensors")),
            "tiny-cnn.safetensors exists")
    t.check(os.path.isfile(os.path.join(ROOT, "models", "tiny-cnn", "tiny-cnn.json")),
            "the ONNX sidecar tiny-cnn.json exists")
    layers = {layer["name"]: layer for layer in manifest["layers"]}
    arrays = {}
    for stem, entry in manifest["references"].items():
        img = os.path.join(ROOT, entry["image"])
        t.check(os.path.isfile(img), "%s exists" % entry["image"])
        t.check(any(layers.get(n, {}).get("convs") == 1 for n in entry["layers"])
                and "relu2" in entry["layers"],
                "%s: references for a layer-1 layer and for relu2" % stem)
        for name, ref in entry["layers"].items():
            path = os.path.join(REF, ref["file"])
            if not t.check(os.path.isfile(path), "%s exists" % ref["file"]):
                continue
            a = np.load(path)
            ok = (a.dtype == np.float32 and list(a.shape) == ref["shape"] and a.ndim == 3
                  and np.all(np.isfinite(a)))
            t.check(ok, "%s: float32 %s, finite (got %s %s)" % (ref["file"], ref["shape"], a.dtype, a.shape))
            peak = float(np.abs(a).max()) if a.size else 0.0
            t.check(peak > 0 and abs(peak - ref["max_abs"]) <= 1e-6 * peak,
                    "%s: max |map| %g as the manifest says (%g)" % (ref["file"], peak, ref["max_abs"]))
            t.check(float(a.max()) > float(a.min()), "%s is not constant" % ref["file"])
            t.check(name in layers, "%s is a layer of the manifest" % name)
            arrays[(stem, name)] = a
        # Geometry: stride 1 at layer 1, ÷2 per pool.
        h, w = entry["shape"][:2]
        for name in ("conv1", "bn1", "relu1"):
            if name in entry["layers"]:
                t.check(entry["layers"][name]["shape"] == [h, w, 8], "%s: %s is %d × %d × 8" % (stem, name, h, w))
        if "relu2" in entry["layers"]:
            t.check(entry["layers"]["relu2"]["shape"][:2] == [h // 2, w // 2],
                    "%s: relu2 is %d × %d" % (stem, h // 2, w // 2))
    return manifest, layers, arrays


def input_npy(folder, entry, stem):
    x = np.asarray(Image.open(os.path.join(ROOT, entry["image"])).convert("RGB"),
                   np.float32) / np.float32(255.0)
    return fmtest.save_npy(os.path.join(folder, stem + ".npy"), x)


def compare(t, exe, args, out, want, rel, what):
    code, _, err = fmtest.run(exe, *args)
    if not t.check(code == 0, "%s: exit %d: %s" % (what, code, " | ".join(err))):
        return
    if not t.check(os.path.isfile(out), "%s: wrote %s" % (what, out)):
        return
    ok, why = fmtest.close_enough(np.load(out), want, rel=rel)
    t.check(ok, "%s: %s" % (what, why))


def test_bank(t, exe, manifest, arrays, folder):
    """The preset is conv1 with bn1 folded in: its raw maps are bn1, with
    ReLU relu1.  Through an .npy and through the PNG itself."""
    preset = manifest["preset"]
    for stem, entry in manifest["references"].items():
        npy = input_npy(folder, entry, stem)
        for name, act in (("bn1", "none"), ("relu1", "relu")):
            if (stem, name) not in arrays:
                continue
            for src, label in ((npy, "npy"), (os.path.join(ROOT, entry["image"]), "png")):
                out = os.path.join(folder, "bank-%s-%s-%s.npy" % (stem, name, label))
                compare(t, exe, ["apply", "-k", preset, "-i", src, "-o", out,
                                 "--activation", act, "--mapping", "raw"],
                        out, arrays[(stem, name)], 1e-4,
                        "preset %s on %s (%s) vs %s" % (preset, entry["image"], label, name))


def test_model(t, exe, manifest, layers, arrays, folder):
    onnx = os.path.join(ROOT, manifest["onnx"])
    stack = os.path.join(ROOT, manifest["stack"])
    for stem, entry in manifest["references"].items():
        npy = input_npy(folder, entry, stem)
        for name in entry["layers"]:
            if (stem, name) not in arrays:
                continue
            layer, want = layers[name], arrays[(stem, name)]
            rel = tolerance(layer)
            asks = [("%s#%s" % (stack, name), "stack layer %s" % name)]
            if layer["onnx"]:
                asks.append(("%s#%s" % (onnx, layer["onnx"]["node"]),
                             "ONNX node %s" % layer["onnx"]["node"]))
                asks.append(("%s#%s" % (onnx, layer["onnx"]["output"]),
                             "ONNX tensor %s" % layer["onnx"]["output"]))
            for i, (kernel, what) in enumerate(asks):
                out = os.path.join(folder, "model-%s-%s-%d.npy" % (stem, name, i))
                compare(t, exe, ["apply", "-k", kernel, "-i", npy, "-o", out], out, want, rel,
                        "%s on %s (%s)" % (what, entry["image"], name))
        # --layer means the same as MODEL#LAYER.
        if ("scene", "relu2") in arrays and stem == "scene":
            out = os.path.join(folder, "layer-option.npy")
            compare(t, exe, ["apply", "-k", stack, "--layer", "relu2", "-i", npy, "-o", out],
                    out, arrays[("scene", "relu2")], 1e-3, "--layer relu2 on the stack")
        # Several layers at once go to a folder, one LAYER.npy each.
        if stem == "scene":
            outdir = os.path.join(folder, "several")
            code, _, err = fmtest.run(exe, "apply", "-k", "%s#bn1,relu2" % stack, "-i", npy,
                                      "-o", outdir)
            if t.check(code == 0, "two layers to a folder: exit %d: %s" % (code, " | ".join(err))):
                for name in ("bn1", "relu2"):
                    path = os.path.join(outdir, name + ".npy")
                    if t.check(os.path.isfile(path), "two layers: %s written" % path):
                        ok, why = fmtest.close_enough(np.load(path), arrays[("scene", name)],
                                                      rel=tolerance(layers[name]))
                        t.check(ok, "two layers: %s: %s" % (name, why))


def main():
    exe = fmtest.binary()
    what = sys.argv[2] if len(sys.argv) > 2 else "all"
    if what not in ("bank", "model", "all"):
        sys.exit("usage: %s FEATUREMAPS [bank|model|all]" % sys.argv[0])
    t = fmtest.Failures("shipped-model-" + what)
    manifest, layers, arrays = load_references(t)
    folder = fmtest.workdir("fm-shipped-")
    if what in ("bank", "all"):
        test_bank(t, exe, manifest, arrays, folder)
    if what in ("model", "all"):
        test_model(t, exe, manifest, layers, arrays, folder)
    t.finish()


if __name__ == "__main__":
    main()
