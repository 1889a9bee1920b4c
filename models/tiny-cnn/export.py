#!/usr/bin/python3
"""Writes everything featuremaps ships of the trained tiny CNN, from
tiny-cnn.safetensors (train.py's output):

    /usr/bin/python3 models/tiny-cnn/export.py

models/tiny-cnn/
  tiny-cnn.onnx        torch.onnx.export, opset 13, default settings (eval
                       mode: each BatchNorm folded into the conv before it),
                       height and width free
  tiny-cnn.json        the ONNX file's sidecar: its input block
  tiny-cnn.stack.json  the stack description of tiny-cnn.safetensors
presets/tiny-cnn-conv1.json
                       the first layer (conv1 with bn1 folded in) as a bank
tests/data/net/tiny-cnn/
  manifest.json        layers, their ONNX nodes, the reference files
  lines/*.npy, scene/*.npy
                       PyTorch's activations on samples/lines.png and
                       samples/scene.png, H × W × C float32 per layer

and prints OpenCV dnn's agreement with PyTorch on the ONNX file.
"""
import json
import os
import sys
import warnings

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import data  # noqa: E402
import net  # noqa: E402
from fmtorch import capture, safetensors, stack as stackfmt  # noqa: E402

NAME = "Tiny CNN"
DESCRIPTION = ("A small CNN trained by models/tiny-cnn/train.py to tell the orientation "
               "(horizontal, 45°, vertical, 135°, grid) and hue family (warm, cool) of "
               "strokes on 32 × 32 noisy backgrounds. Spatial layers conv1 … relu3; the "
               "head (global average pool, fc 32 → 10) is in the ONNX file only.")
INPUT = stackfmt.input_block(3, "0..1", net.MEAN, net.STD, "rgb", "perceptual")
REFERENCE_IMAGES = {"lines": "samples/lines.png", "scene": "samples/scene.png"}
# Layers whose references are kept for lines.png (256 × 256; every layer would
# be 11.8 MB): layer 1 after its ReLU (mostly zeros, so git packs it to 0.9 MB)
# and layer 2.  scene.png (96 × 96) keeps every layer.
LINES_LAYERS = ["relu1", "relu2"]
MODEL_DIR = os.path.join(ROOT, "models", "tiny-cnn")
REF_DIR = os.path.join(ROOT, "tests", "data", "net", "tiny-cnn")
PRESET = os.path.join(ROOT, "presets", "tiny-cnn-conv1.json")


def load_model(path=os.path.join(MODEL_DIR, "tiny-cnn.safetensors")):
    tensors, _ = safetensors.read(path)
    model = net.TinyCNN(len(data.CLASSES))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    return model.eval()


def folded_conv1(model):
    """conv1 with bn1 folded in: weights K × C × kh × kw and bias K, the
    exact arithmetic of the ONNX exporter (w · γ/√(σ² + ε), β − μ · γ/√(σ² + ε))."""
    bn = model.bn1
    scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
    w = model.conv1.weight.detach().double() * scale.view(-1, 1, 1, 1)
    b = bn.bias.detach().double() - bn.running_mean.double() * scale
    return w.float().numpy(), b.float().numpy()


# -- what the channels answer to ------------------------------------------------

TUNING_COLOURS = [("red", (0.9, 0.15, 0.1)), ("yellow", (0.9, 0.8, 0.1)),
                  ("green", (0.15, 0.75, 0.2)), ("blue", (0.15, 0.3, 0.9)),
                  ("white", (0.95, 0.95, 0.95)), ("black", (0.05, 0.05, 0.05))]
TUNING_ANGLES = list(range(0, 180, 15))


def stimulus(angle, colour, size=48):
    """Three parallel strokes 2 px wide, 7 px apart, through the centre of
    a mid-grey square, at `angle` (degrees anticlockwise from horizontal)."""
    img = np.full((size, size, 3), 0.5)
    for offset in (-7.0, 0.0, 7.0):
        cov = data.coverage(size, angle, offset, 2.0, size, (size / 2, size / 2))
        img = img * (1 - cov[..., None]) + np.asarray(colour) * cov[..., None]
    return img.astype(np.float32)


def tuning(model, layers=("relu1", "relu2")):
    """{layer: channels × colours × angles}: each channel's mean response
    over the central half of the stimulus, for every colour and angle."""
    out = {k: [] for k in layers}
    for _, colour in TUNING_COLOURS:
        rows = {k: [] for k in layers}
        for angle in TUNING_ANGLES:
            acts, _ = reference_activations(model, stimulus(angle, colour))
            for k in layers:
                a = acts[k]
                h, w = a.shape[:2]
                rows[k].append(a[h // 4:3 * h // 4, w // 4:3 * w // 4].mean(axis=(0, 1)))
        for k in layers:
            out[k].append(np.stack(rows[k], axis=1))
    return {k: np.stack(v, axis=1) for k, v in out.items()}


def preferred(t):
    """A channel's tuning (colours × angles) → (best colour, best angle,
    orientation selectivity 1 − min/max over angles in that colour, the
    colours reaching half the best)."""
    if t.max() <= 0:
        return None
    j, a = np.unravel_index(np.argmax(t), t.shape)
    curve = t[j]
    colours = [TUNING_COLOURS[k][0] for k in range(len(TUNING_COLOURS)) if t[k].max() >= 0.5 * t.max()]
    return TUNING_COLOURS[j][0], TUNING_ANGLES[a], float(1 - curve.min() / curve.max()), colours


def angle_word(a):
    return {0: "horizontal", 90: "vertical"}.get(a, "%d°" % a)


def channel_name(t):
    """What a channel answers to most, measured: "red strokes at 120°",
    or "blue strokes, any angle" when it barely cares about orientation."""
    p = preferred(t)
    if p is None:
        return "silent on strokes"
    colour, angle, sharp, _ = p
    if sharp < 0.5:
        return "%s strokes, any angle" % colour
    return "%s %s strokes" % (colour, angle_word(angle))


# -- files ----------------------------------------------------------------------

def write_onnx(model, path):
    x = torch.zeros(1, 3, data.SIZE, data.SIZE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, x, path, opset_version=13, input_names=["input"],
                          output_names=["logits"],
                          dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                        "logits": {0: "batch"}})
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


def stack_layers(model):
    layers = []
    for name, _ in net.SPATIAL:
        layers += stackfmt.layers_for(name, getattr(model, name))
    return layers


def write_preset(model, path, tune):
    w, b = folded_conv1(model)
    filters = []
    for k in range(w.shape[0]):
        hwc = w[k].transpose(1, 2, 0)          # rows × cols × channels (Keras order)
        filters.append({"name": "%d %s" % (k + 1, channel_name(tune["relu1"][k])),
                        "weights": _shortest(hwc),
                        "bias": _shortest(b[k])})
    bank = {
        "name": "Tiny CNN · conv1 (learned)",
        "description": ("The first layer of the shipped tiny CNN (models/tiny-cnn), its batch "
                        "norm folded in: 5 × 5 colour filters learned from coloured strokes, "
                        "named after the strokes they answer to most. Oriented edges and bars, "
                        "most comparing colours. With ReLU these are the network's layer-1 maps."),
        "kind": "learned",
        "input": "rgb",
        "range": INPUT["range"],
        "mean": INPUT["mean"],
        "std": INPUT["std"],
        "order": "rgb",
        "light": "perceptual",
        "defaults": {"padding": "same", "border": "zero", "activation": "relu",
                     "mapping": "normalize"},
        "filters": filters,
    }
    with open(path, "w", encoding="utf-8") as f:
        f.write(_bank_json(bank))
    return bank


def _shortest(a):
    """float32 values as the shortest decimals that read back as the same
    float32 (what fm_bank_save_json writes), nested as the array."""
    a = np.asarray(a, np.float32)
    if a.ndim == 0:
        return float(np.format_float_positional(a, unique=True, trim="-"))
    return [_shortest(x) for x in a]


def _bank_json(bank):
    """One filter row per line, so the file reads as kernels."""
    out = ["{"]
    keys = [k for k in bank if k != "filters"]
    for k in keys:
        out.append("  %s: %s," % (json.dumps(k), json.dumps(bank[k], ensure_ascii=False)))
    out.append('  "filters": [')
    for i, f in enumerate(bank["filters"]):
        rows = ",\n        ".join(json.dumps(r) for r in f["weights"])
        out.append('    {\n      "name": %s,\n      "bias": %s,\n      "weights": [\n        %s\n      ]\n    }%s'
                   % (json.dumps(f["name"], ensure_ascii=False), json.dumps(f["bias"]), rows,
                      "," if i + 1 < len(bank["filters"]) else ""))
    out.append("  ]\n}\n")
    return "\n".join(out)


def image_input(path):
    """A PNG as featuremaps reads an .npy made from it: H × W × 3 float32, 0..1."""
    return np.asarray(Image.open(path).convert("RGB"), np.float32) / np.float32(255.0)


def reference_activations(model, x_hwc):
    x = net.normalise(capture.nchw(x_hwc))
    acts, logits = capture.activations(model, [n for n, _ in net.SPATIAL], x)
    return acts, logits


def write_references(model, where):
    os.makedirs(REF_DIR, exist_ok=True)
    layers, convs = [], 0
    for name, kind in net.SPATIAL:
        convs += kind == "conv"
        layers.append({"name": name, "op": kind, "convs": convs, "onnx": where.get(name)})
    refs = {}
    for stem, rel in REFERENCE_IMAGES.items():
        x = image_input(os.path.join(ROOT, rel))
        acts, logits = reference_activations(model, x)
        keep = LINES_LAYERS if stem == "lines" else [n for n, _ in net.SPATIAL]
        folder = os.path.join(REF_DIR, stem)
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            if old.endswith(".npy") and old[:-4] not in keep:
                os.remove(os.path.join(folder, old))
        entry = {"image": rel, "shape": list(x.shape), "layers": {}}
        for name in keep:
            a = acts[name]
            np.save(os.path.join(folder, name + ".npy"), a)
            entry["layers"][name] = {"file": "%s/%s.npy" % (stem, name), "shape": list(a.shape),
                                     "max_abs": float(np.abs(a).max()),
                                     "nonzero": float(np.count_nonzero(a) / a.size)}
        p = torch.softmax(logits[0], 0)
        entry["class"] = data.CLASSES[int(p.argmax())]
        entry["probability"] = round(float(p.max()), 4)
        refs[stem] = entry
    manifest = {
        "comment": ("PyTorch's activations of the shipped tiny CNN, written by "
                    "models/tiny-cnn/export.py. Inputs: the PNG as H × W × 3 float32 in 0..1; "
                    "the model declares mean 0.5, std 0.5. 'onnx' is the node computing the "
                    "layer in models/tiny-cnn/tiny-cnn.onnx (null: the layer's values exist "
                    "there in no tensor; a BN's conv computes it). 'convs' counts the convs up "
                    "to the layer: 1 is layer 1 (tolerance 1e-4 × max|map|), more is a stack "
                    "(1e-3 × max|map|)."),
        "onnx": "models/tiny-cnn/tiny-cnn.onnx",
        "stack": "models/tiny-cnn/tiny-cnn.stack.json",
        "preset": "tiny-cnn-conv1",
        "preset_layer": "bn1",
        "layers": layers,
        "references": refs,
    }
    with open(os.path.join(REF_DIR, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return manifest


def opencv_check(onnx_path, model, where):
    """OpenCV dnn on the ONNX file against PyTorch, per layer and for the
    logits, on both reference images.  Returns lines of a report."""
    import cv2
    out = []
    for stem, rel in REFERENCE_IMAGES.items():
        x = image_input(os.path.join(ROOT, rel))
        acts, logits = reference_activations(model, x)
        cvnet = cv2.dnn.readNetFromONNX(onnx_path)
        names, layers = [], []
        for name, w in where.items():
            if w:
                names.append("onnx_node!" + w["node"])
                layers.append(name)
        cvnet.setInput(net.normalise(capture.nchw(x)).numpy())
        blobs = cvnet.forward(names + ["logits"])
        parts = []
        for name, blob in zip(layers, blobs):
            got = blob[0].transpose(1, 2, 0)
            want = acts[name]
            rel_diff = np.abs(got - want).max() / np.abs(want).max() if got.shape == want.shape else float("inf")
            parts.append("%s %.1e" % (name, rel_diff))
        lg = blobs[-1].reshape(-1)
        ref = logits[0].numpy()
        parts.append("logits %.1e" % (np.abs(lg - ref).max() / np.abs(ref).max()))
        out.append("OpenCV %s vs PyTorch on %s (max|diff| / max|map|): %s"
                   % (cv2.__version__, rel, ", ".join(parts)))
    return out


def main():
    torch.set_num_threads(2)
    model = load_model()
    onnx_path = os.path.join(MODEL_DIR, "tiny-cnn.onnx")
    m = write_onnx(model, onnx_path)
    where = capture.onnx_layers(m.graph, list(net.SPATIAL))
    stackfmt.write(os.path.join(MODEL_DIR, "tiny-cnn.json"),
                   stackfmt.sidecar(NAME, INPUT, "Preprocessing of tiny-cnn.onnx."))
    stackfmt.write(os.path.join(MODEL_DIR, "tiny-cnn.stack.json"),
                   stackfmt.describe(stack_layers(model), NAME, DESCRIPTION,
                                     "tiny-cnn.safetensors", INPUT))
    tune = tuning(model)
    bank = write_preset(model, PRESET, tune)
    manifest = write_references(model, where)

    print("ONNX nodes: %s" % ", ".join("%s → %s" % (k, v["node"] if v else "-")
                                       for k, v in where.items()))
    print("conv1 filters:")
    for f in bank["filters"]:
        print("  " + f["name"])
    for stem, e in manifest["references"].items():
        print("%s: classified '%s' (p %.2f)" % (e["image"], e["class"], e["probability"]))
    for line in opencv_check(onnx_path, model, where):
        print(line)
    sizes = {f: os.path.getsize(os.path.join(MODEL_DIR, f)) for f in sorted(os.listdir(MODEL_DIR))
             if not f.endswith(".py") and not f.startswith("__")}
    sizes["presets/tiny-cnn-conv1.json"] = os.path.getsize(PRESET)
    print("sizes: %s; total %d bytes" % (", ".join("%s %d" % kv for kv in sizes.items()),
                                         sum(sizes.values())))


if __name__ == "__main__":
    main()
