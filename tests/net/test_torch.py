#!/usr/bin/python3
"""Networks through the command line against PyTorch's own activations.

Usage: test_torch.py FEATUREMAPS

The random stacks of netmodels.py are exported with torch.onnx.export at
opsets 11 and 13, with and without constant folding, with BatchNorm kept
as its own node (TrainingMode.PRESERVE) and folded by the exporter
(EVAL); the Plain stack also as safetensors + a stack description.  For
every export, every layer's maps from `featuremaps apply` (all layers in
one run into a folder, and layers one at a time into .npy files) must
equal the forward hooks' activations within 1e-4 × max|map| for a first
layer and 1e-3 × max|map| deeper.  OpenCV's dnn is a second reference for
the models it reads.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import fmtest  # noqa: E402
import netmodels  # noqa: E402

EXE = fmtest.binary()
F = fmtest.Failures("net-torch")
WORK = fmtest.workdir("fm-net-torch-")
torch.set_num_threads(1)


def close(got, want, rel):
    """max|diff| ≤ rel · max|map| per map (last axis), with the map's
    scale floored at 1e-3 of the layer's so a map that ReLU nearly
    emptied is held to the layer's scale, not to its own few ulps."""
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    if got.shape != want.shape:
        return False, "shape %s, expected %s" % (got.shape, want.shape)
    layer_peak = np.max(np.abs(want)) if want.size else 0.0
    worst = 0.0
    for k in range(want.shape[2]):
        peak = max(np.max(np.abs(want[:, :, k])), 1e-3 * layer_peak)
        diff = np.max(np.abs(got[:, :, k] - want[:, :, k]))
        if peak == 0:
            if diff > 1e-6:
                return False, "map %d: |diff| %.3g on an all-zero map" % (k, diff)
            continue
        worst = max(worst, diff / peak)
        if not diff <= rel * peak:
            return False, "map %d: max|diff| %.3g > %.3g (max|map| %.3g)" % (
                k, diff, rel * peak, peak)
    return True, "worst %.2g" % worst


def file_name(layer):
    """OUT/<layer>.npy: the name as featuremaps writes it."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", layer).strip("_") + ".npy"


def expectations(model, acts, folded_bn):
    """(layer name to ask for, expected activation, tolerance) per layer.
    With the exporter's folding, a BatchNorm after a conv has no node: its
    conv's node computes the BatchNorm's output."""
    order = netmodels.leaf_layers(model)
    out = []
    for i, (name, m) in enumerate(order):
        if isinstance(m, nn.Dropout):
            continue
        if folded_bn and isinstance(m, nn.Conv2d) and i + 1 < len(order) \
                and isinstance(order[i + 1][1], nn.BatchNorm2d) and name != "head":
            nxt = order[i + 1][0]
            out.append((name, acts[nxt], 1e-3))
            continue
        if folded_bn and isinstance(m, nn.BatchNorm2d) and i > 0 \
                and isinstance(order[i - 1][1], nn.Conv2d):
            continue
        out.append((name, acts[name], 1e-4 if i == 0 else 1e-3))
    return out


def apply_all(model_path, x_path, layers, tag):
    """Every layer in one run, into a folder."""
    out = os.path.join(WORK, tag + "-all")
    spec = model_path + "#" + ",".join(layers)
    code, _, err = fmtest.run(EXE, "apply", "-k", spec, "-i", x_path, "-o", out)
    if not F.check(code == 0, "%s: all layers: exit %d %s" % (tag, code, err)):
        return {}
    return {name: np.load(os.path.join(out, file_name(name))) for name in layers
            if os.path.exists(os.path.join(out, file_name(name)))}


def apply_one(model_path, x_path, layer, tag, use_option=False):
    out = os.path.join(WORK, "%s-%s.npy" % (tag, file_name(layer)[:-4]))
    if use_option:
        args = ["-k", model_path, "--layer", layer]
    else:
        args = ["-k", model_path + "#" + layer]
    code, _, err = fmtest.run(EXE, "apply", *args, "-i", x_path, "-o", out)
    if not F.check(code == 0, "%s: layer %s: exit %d %s" % (tag, layer, code, err)):
        return None
    return np.load(out)


def check_export(model, x, x_path, model_path, tag, folded_bn, one_by_one):
    acts = netmodels.activations(model, torch.from_numpy(x.transpose(2, 0, 1)[None].copy()))
    exp = expectations(model, acts, folded_bn)
    got = apply_all(model_path, x_path, [e[0] for e in exp], tag)
    for name, want, rel in exp:
        if name not in got:
            F.check(False, "%s: %s missing from the folder" % (tag, name))
            continue
        good, why = close(got[name], want, rel)
        F.check(good, "%s: %s (all at once): %s" % (tag, name, why))
    todo = exp if one_by_one else exp[-1:]
    for i, (name, want, rel) in enumerate(todo):
        one = apply_one(model_path, x_path, name, tag, use_option=i % 2 == 1)
        if one is None:
            continue
        good, why = close(one, want, rel)
        F.check(good, "%s: %s (alone): %s" % (tag, name, why))
    return acts


def opencv_check(model, x, onnx_path, tag):
    """OpenCV dnn on the same file: each layer it names."""
    import cv2
    try:
        net = cv2.dnn.readNetFromONNX(onnx_path)
    except cv2.error:
        print("%s: OpenCV cannot read this model; skipped" % tag)
        return False
    net.setInput(x.transpose(2, 0, 1)[None].copy())
    final = net.forward().astype(np.float32)[0].transpose(1, 2, 0)
    acts = netmodels.activations(model, torch.from_numpy(x.transpose(2, 0, 1)[None].copy()))
    last = [n for n, m in netmodels.leaf_layers(model) if not isinstance(m, nn.Dropout)][-1]
    ours = apply_one(onnx_path, XPATH, last, tag + "-cv")
    good, why = close(final, acts[last], 1e-3)
    F.check(good, "%s: OpenCV itself against PyTorch: %s" % (tag, why))
    if ours is not None:
        good, why = close(ours, final, 1e-3)
        F.check(good, "%s: featuremaps against OpenCV dnn (%s): %s" % (tag, last, why))
    return True


rng = np.random.default_rng(7)
X = rng.uniform(-1, 1, (45, 38, 3)).astype(np.float32)
XPATH = fmtest.save_npy(os.path.join(WORK, "x.npy"), X)

for mi, name in enumerate(["plain", "branches", "simple"]):
    model = netmodels.build(name, 10 + mi)
    for opset in (11, 13):
        for cf in (False, True):
            for keep_bn in (False, True):
                tag = "%s-op%d-%s-%s" % (name, opset, "cf" if cf else "nocf",
                                         "bn" if keep_bn else "fold")
                path = os.path.join(WORK, tag + ".onnx")
                netmodels.export_onnx(model, path, opset, cf, keep_bn)
                # every layer alone once per model (the planner folds
                # differently when a layer is the last one)
                one_by_one = opset == 13 and cf and keep_bn
                check_export(model, X, XPATH, path, tag, not keep_bn, one_by_one)

# OpenCV dnn: the model it reads, exported as it reads it.
simple = netmodels.build("simple", 12)
cv_path = os.path.join(WORK, "simple-cv.onnx")
netmodels.export_onnx(simple, cv_path, 11, True, False)
F.check(opencv_check(simple, X, cv_path, "simple-cv"), "OpenCV reads the simple model")
for name in ("plain", "branches"):
    path = os.path.join(WORK, "%s-op11-cf-fold.onnx" % name)
    opencv_check(netmodels.build(name, 10 + ["plain", "branches"].index(name)), X, path,
                 name + "-cv")

# The Plain stack as safetensors + a stack description.
plain = netmodels.build("plain", 10)
desc, tensors = netmodels.stack_description(plain, "plain.safetensors")
netmodels.write_safetensors(os.path.join(WORK, "plain.safetensors"), tensors)
fmtest.write_json(os.path.join(WORK, "plain.stack.json"), desc)
check_export(plain, X, XPATH, os.path.join(WORK, "plain.stack.json"), "plain-stack",
             False, True)

F.finish()
