"""What the analysis tests share: the shipped model and image, running the
command line, and a layer's grid computed from the ONNX file itself (not
from featuremaps): each Conv / MaxPool on the chain from the input to the
layer moves the centre of map pixel 0 and multiplies the step."""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODEL = os.path.join(ROOT, "models", "tiny-cnn", "tiny-cnn.onnx")
IMAGE = os.path.join(ROOT, "samples", "scene.png")
FAILS = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def finish():
    print("%d failed" % len(FAILS))
    sys.exit(1 if FAILS else 0)


def run(exe, *args):
    return subprocess.run([exe] + list(args), capture_output=True, text=True)


def apply_maps(exe, layer, tmp):
    """The layer's raw maps, H × W × K, as `featuremaps apply` writes them."""
    out = os.path.join(tmp, layer + ".npy")
    r = run(exe, "apply", "-k", MODEL + "#" + layer, "-i", IMAGE, "-o", out)
    if r.returncode != 0:
        raise SystemExit("apply failed: " + r.stderr)
    return np.load(out).astype(np.float64)


def node_of(model, short):
    for n in model.graph.node:
        if n.name == "/%s/%s" % (short, n.op_type) or n.name == short:
            return n
    raise KeyError(short)


def grid(layer):
    """(offset, stride) of the layer's map pixels in input pixels, per axis
    (the model is square in everything)."""
    model = onnx.load(MODEL)
    producer = {o: n for n in model.graph.node for o in n.output}
    chain = []
    n = node_of(model, layer)
    while n is not None:
        chain.append(n)
        n = producer.get(n.input[0])
    offset, step = 0.0, 1
    for n in reversed(chain):
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type in ("Conv", "MaxPool", "AveragePool"):
            if n.op_type == "Conv":
                init = {t.name: t for t in model.graph.initializer}
                k = init[n.input[1]].dims[2]
            else:
                k = attrs["kernel_shape"][0]
            s = attrs.get("strides", [1, 1])[0]
            d = attrs.get("dilations", [1, 1])[0]
            p = attrs.get("pads", [0, 0, 0, 0])[0]
            offset += step * (-p + (k - 1) * d / 2.0)
            step *= s
    return offset, step


def conv_weights(layer):
    model = onnx.load(MODEL)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    return init[node_of(model, layer).input[1]].astype(np.float64)
