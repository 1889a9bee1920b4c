#!/usr/bin/python3
"""Random PyTorch stacks with every operation featuremaps runs, written the
ways users write them, with PyTorch's own activation for every layer.

    import torchnets
    for stack in torchnets.coverage_stacks() + [torchnets.random_stack(s) for s in range(5)]:
        x = stack.sample_input()                  # H × W × C float32, 0..1 (np.save it
                                                  # for `featuremaps apply -i`)
        acts = stack.activations(x)               # {layer: H' × W' × K float32}
        for v in torchnets.ONNX_VARIANTS:         # opset × constant folding × BN
            where, onnx_path = stack.export_onnx(folder, **v)
            for row in stack.table(acts, where):  # name, op, activation, node, output
                ...                               # featuremaps apply -k ONNX#NODE (or #OUTPUT)
        stack_json = stack.write_stack(folder)    # NAME.safetensors + NAME.stack.json
                                                  # featuremaps apply -k STACK_JSON#NAME

A stack is an nn.Module whose steps are named submodules (conv1, bn2,
relu3 …), each fed by the step before it or by the earlier steps it names,
so that:
  - torch.onnx.export names their nodes "/conv1/Conv", "/relu3/Relu" …;
  - the stack description lists the same names, one layer per step;
  - a forward hook on each step gives the activation featuremaps must
    reproduce for `MODEL#LAYER`.

Operations (stack op → the PyTorch that makes it): conv (nn.Conv2d: groups
incl. depthwise, stride, dilation, non-square kernels and pads, no bias,
padding_mode reflect / replicate), batchnorm (nn.BatchNorm2d with random
running statistics), relu, leaky-relu (any alpha), sigmoid, tanh, clip
(nn.ReLU6, nn.Hardtanh), maxpool (padding, stride, dilation, ceil_mode),
identity (nn.Dropout, which export drops),
avgpool (padding, ceil_mode, count_include_pad), pad (nn.ReflectionPad2d,
nn.ReplicationPad2d, nn.ConstantPad2d, nn.ZeroPad2d and F.pad, asymmetric),
add (residual), concat (channels).

ONNX variants: opsets 11 and 13, do_constant_folding on and off, BatchNorm
folded by the exporter (training=EVAL, what export does by default: a BN
right after a conv disappears into the conv's weights) or kept as its own
node (training=PRESERVE with the model in eval mode).

Run as a program it builds the stacks, exports every variant, checks each
file with onnx.checker, compares OpenCV's dnn with PyTorch on every layer
OpenCV can read, and prints what OpenCV cannot read:

    /usr/bin/python3 tests/net/torchnets.py [--random N] [--keep DIR]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))

from fmtorch import capture, modules, safetensors, stack as stackfmt  # noqa: E402

ONNX_VARIANTS = [dict(opset=o, fold=f, bn=b)
                 for o in (11, 13) for f in (True, False) for b in ("fold", "keep")]
# Older opsets, where Clip's bounds and Pad's pads are attributes and no
# helper nodes compute them.  torch 1.13 refuses a dilated MaxPool below
# opset 10 (export_onnx raises ExportUnsupported), and below 10 writes
# ceil_mode as extra end padding.
LEGACY_VARIANTS = [dict(opset=o, fold=True, bn=b) for o in (7, 9, 10) for b in ("fold", "keep")]


class ExportUnsupported(Exception):
    """torch.onnx.export cannot write this stack at this opset."""


def variant_name(opset, fold, bn):
    return "op%d-%s-bn%s" % (opset, "fold" if fold else "nofold", bn)


class StackNet(nn.Module):
    """Named steps; each takes the previous step's output, or the outputs of
    the steps it names ("input" is the image)."""

    def __init__(self, steps):
        super().__init__()
        self.order = []
        self.inputs = {}
        for name, module, inputs in steps:
            self.add_module(name, module)
            self.order.append(name)
            self.inputs[name] = list(inputs) if inputs else None

    def forward(self, x):
        outs = {"input": x}
        y = x
        for name in self.order:
            srcs = self.inputs[name]
            args = [outs[s] for s in srcs] if srcs else [y]
            y = getattr(self, name)(*args)
            outs[name] = y
        return y


class Stack:
    """A built stack: the module, its stack layers, its input."""

    def __init__(self, name, steps, channels, size, input_decl=None, layouts=None,
                 strings=False, description=""):
        self.name = name
        self.net = StackNet(steps).eval()
        self.channels = channels
        self.size = size                      # (H, W) of sample_input
        self.input_decl = input_decl          # the stack's "input" block, or None
        self.layouts = layouts or {}          # conv name → "hwio" for Keras-order weights
        self.strings = strings                # write "same" / "valid" where they fit
        self.description = description
        self.layers = []                      # stack description layers
        self.kinds = OrderedDict()            # layer name → stack op
        for name, module, inputs in steps:
            for layer in stackfmt.layers_for(name, module, inputs,
                                             self.layouts.get(name, "oihw")):
                if strings and layer["op"] == "conv":
                    _prefer_strings(layer, module)
                self.layers.append(layer)
                self.kinds[layer["name"]] = layer["op"]
        self.steps = [s[0] for s in steps]    # names with a PyTorch module

    # -- input ------------------------------------------------------------
    def sample_input(self, seed=0, size=None):
        """A smooth random image with fine detail, H × W × C float32 in 0..1."""
        h, w = size or self.size
        rng = np.random.default_rng(seed)
        coarse = rng.uniform(0, 1, (h // 4 + 2, w // 4 + 2, self.channels))
        yy = np.linspace(0, coarse.shape[0] - 1.001, h)
        xx = np.linspace(0, coarse.shape[1] - 1.001, w)
        y0, x0 = yy.astype(int), xx.astype(int)
        fy, fx = (yy - y0)[:, None, None], (xx - x0)[None, :, None]
        c = coarse
        smooth = ((c[y0][:, x0] * (1 - fx) + c[y0][:, x0 + 1] * fx) * (1 - fy)
                  + (c[y0 + 1][:, x0] * (1 - fx) + c[y0 + 1][:, x0 + 1] * fx) * fy)
        img = 0.7 * smooth + 0.3 * rng.uniform(0, 1, (h, w, self.channels))
        return img.astype(np.float32)

    def preprocess(self, x_hwc):
        """What featuremaps does to an .npy input before the first layer:
        nothing, unless the stack declares range / mean / std / order."""
        x = np.asarray(x_hwc, np.float64)
        d = self.input_decl
        if not d:
            return x.astype(np.float32)
        if d.get("order", "rgb") == "bgr":
            x = x[..., ::-1]
        scale = 255.0 if d.get("range", "0..1") == "0..255" else 1.0
        mean = np.asarray(d.get("mean", 0.0), np.float64)
        std = np.asarray(d.get("std", 1.0), np.float64)
        return ((x * scale - mean) / std).astype(np.float32)

    # -- PyTorch ----------------------------------------------------------
    def activations(self, x_hwc):
        """{layer name: H' × W' × K float32} for every layer of the stack
        description, in order.  A conv with a padding_mode is two layers:
        its pad's output is the padded input (computed here with F.pad,
        exactly what the conv sees)."""
        x = capture.nchw(self.preprocess(x_hwc))
        acts, _ = capture.activations(self.net, self.steps, x)
        out = OrderedDict()
        for layer in self.layers:
            name = layer["name"]
            if name in acts:
                out[name] = acts[name]
            else:  # "<conv>_pad"
                conv = self.net.get_submodule(name[:-4])
                src = (layer.get("inputs") or [self._before(name)])[0]
                t = x if src == "input" else capture.nchw(acts[src])
                ph, pw = conv.padding
                mode = {"reflect": "reflect", "replicate": "replicate"}[conv.padding_mode]
                out[name] = capture.hwc(torch.nn.functional.pad(t, (pw, pw, ph, ph), mode=mode))
        return out

    def table(self, acts, where):
        """One row per layer, in order: {"name", "op", "activation" (H × W ×
        C float32), "node", "output"} — node and output None where the ONNX
        file has no tensor with the layer's values (a conv whose batch norm
        the exporter folded into it)."""
        rows = []
        for layer in self.layers:
            w = where.get(layer["name"]) if where else None
            rows.append({"name": layer["name"], "op": layer["op"],
                         "activation": acts[layer["name"]],
                         "node": w["node"] if w else None, "output": w["output"] if w else None})
        return rows

    def _before(self, name):
        i = [layer["name"] for layer in self.layers].index(name)
        return self.layers[i - 1]["name"] if i else "input"

    # -- files ------------------------------------------------------------
    def export_onnx(self, folder, opset=13, fold=True, bn="fold", stem=None):
        """Writes FOLDER/STEM.onnx (and STEM.json, the input block, when the
        stack declares one).  Returns ({layer: {"node", "output", "op"} or
        None}, path)."""
        stem = stem or "%s-%s" % (self.name, variant_name(opset, fold, bn))
        path = os.path.join(folder, stem + ".onnx")
        mode = torch.onnx.TrainingMode.EVAL if bn == "fold" else torch.onnx.TrainingMode.PRESERVE
        x = capture.nchw(self.sample_input(0))
        self.net.eval()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(self.net, x, path, opset_version=opset,
                                  do_constant_folding=fold, training=mode,
                                  input_names=["input"], output_names=["output"])
            except torch.onnx.errors.OnnxExporterError as e:
                raise ExportUnsupported(str(e).splitlines()[0].split(" Please feel free")[0]) from e
        if self.input_decl:
            stackfmt.write(os.path.join(folder, stem + ".json"),
                           stackfmt.sidecar(self.name, self.input_decl))
        import onnx
        model = onnx.load(path)
        return capture.onnx_layers(model.graph, list(self.kinds.items())), path

    def stack_description(self, weights):
        return stackfmt.describe(self.layers, self.name, self.description or
                                 "random test stack", weights, self.input_decl)

    def write_stack(self, folder, stem=None):
        """Writes FOLDER/STEM.safetensors and FOLDER/STEM.stack.json; returns
        the stack description's path."""
        stem = stem or self.name
        tensors = stackfmt.weight_tensors(self.net, self.layouts)
        safetensors.write(os.path.join(folder, stem + ".safetensors"), tensors,
                          metadata={"format": "pt"})
        path = os.path.join(folder, stem + ".stack.json")
        stackfmt.write(path, self.stack_description(stem + ".safetensors"))
        return path


def _prefer_strings(layer, module):
    """Write "valid" for no padding, and "same" where TensorFlow's rule gives
    the conv's own pads for every input size (stride 1, odd kernel)."""
    if layer["padding"] == 0:
        layer["padding"] = "valid"
        return
    if module.stride != (1, 1) or module.padding_mode != "zeros" or isinstance(layer["padding"], str):
        return
    same = all(k % 2 == 1 and p == d * (k - 1) // 2 for k, p, d in
               zip(module.kernel_size, module.padding, module.dilation))
    if same:
        layer["padding"] = "same"


# -- building stacks ----------------------------------------------------------

class Builder:
    """Appends named steps and tracks every step's output shape (by running
    the module on zeros: no shape arithmetic to get wrong)."""

    SHORT = {nn.Conv2d: "conv", nn.BatchNorm2d: "bn", nn.ReLU: "relu", nn.LeakyReLU: "leaky",
             nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU6: "relu6", nn.Hardtanh: "hardtanh",
             nn.MaxPool2d: "maxpool", nn.AvgPool2d: "avgpool", nn.ReflectionPad2d: "reflpad",
             nn.ReplicationPad2d: "edgepad", nn.ZeroPad2d: "zeropad", nn.ConstantPad2d: "constpad",
             modules.Pad: "pad", modules.Add: "add", modules.Concat: "cat",
             nn.Dropout: "dropout", nn.Identity: "identity"}

    def __init__(self, rng, channels, size):
        self.rng = rng
        self.steps = []
        self.shapes = {"input": (channels,) + tuple(size)}
        self.current = "input"

    def shape(self, name=None):
        return self.shapes[name or self.current]

    def add(self, module, inputs=None, init=True):
        srcs = inputs or [self.current]
        args = [torch.zeros((1,) + self.shapes[s]) for s in srcs]
        with torch.no_grad():
            out = module.eval()(*args)
        if min(out.shape[2:]) < 1:
            raise ValueError("empty output")
        if init:
            _randomise(module, self.rng)
        short = self.SHORT[type(module)]
        name = "%s%s%d" % (short, "_" if short[-1].isdigit() else "", len(self.steps) + 1)
        self.steps.append((name, module, list(inputs) if inputs else None))
        self.shapes[name] = tuple(out.shape[1:])
        self.current = name
        return name


def _randomise(module, rng):
    """Weights and statistics with some spread, so that folding, signs and
    every channel matter."""
    g = torch.Generator().manual_seed(int(rng.integers(1 << 31)))
    with torch.no_grad():
        if isinstance(module, nn.Conv2d):
            fan = module.weight[0].numel()
            module.weight.copy_(torch.randn(module.weight.shape, generator=g) / np.sqrt(fan))
            if module.bias is not None:
                module.bias.copy_(torch.randn(module.bias.shape, generator=g) * 0.2)
        elif isinstance(module, nn.BatchNorm2d):
            k = module.num_features
            module.weight.copy_(torch.rand(k, generator=g) * 1.5 + 0.25)
            module.bias.copy_(torch.randn(k, generator=g) * 0.3)
            module.running_mean.copy_(torch.randn(k, generator=g) * 0.5)
            module.running_var.copy_(torch.rand(k, generator=g) * 1.5 + 0.3)
            module.num_batches_tracked.fill_(int(rng.integers(1, 1000)))


def conv(b, out, k=3, stride=1, padding=None, dilation=1, groups=1, bias=True,
         padding_mode="zeros", inputs=None):
    c = b.shape(inputs[0] if inputs else None)[0]
    if padding is None:
        kk = (k, k) if isinstance(k, int) else k
        dd = (dilation, dilation) if isinstance(dilation, int) else dilation
        padding = tuple(d * (x - 1) // 2 for x, d in zip(kk, dd))
    return b.add(nn.Conv2d(c, out, k, stride=stride, padding=padding, dilation=dilation,
                           groups=groups, bias=bias, padding_mode=padding_mode), inputs)


def bn(b):
    return b.add(nn.BatchNorm2d(b.shape()[0]))


def act(b, kind, **kw):
    m = {"relu": lambda: nn.ReLU(), "leaky": lambda: nn.LeakyReLU(kw.get("alpha", 0.1)),
         "sigmoid": lambda: nn.Sigmoid(), "tanh": lambda: nn.Tanh(),
         "relu6": lambda: nn.ReLU6(),
         "hardtanh": lambda: nn.Hardtanh(kw.get("lo", -0.5), kw.get("hi", 0.75))}[kind]()
    return b.add(m)


def coverage_stacks():
    """A fixed set of stacks that together use every operation and every
    attribute value the engine supports (see the module docstring)."""
    out = []

    # 1: the common VGG-like pattern, BN after conv (folded by the exporter).
    b = Builder(np.random.default_rng(1), 3, (29, 31))
    conv(b, 8, 3)
    bn(b)
    act(b, "relu")
    b.add(nn.MaxPool2d(2, 2))
    conv(b, 12, 5, bias=False)
    bn(b)
    act(b, "leaky", alpha=0.2)
    b.add(nn.AvgPool2d(3, 1, padding=1, count_include_pad=False))
    b.add(nn.Dropout(0.3))                           # eval: passes through; export drops it
    conv(b, 6, 1)
    act(b, "sigmoid")
    out.append(Stack("plain", b.steps, 3, (29, 31), strings=True,
                     description="conv-BN-ReLU, max and average pooling, dropout, 1×1 conv, sigmoid"))

    # 2: grouped and depthwise convs, stride, dilation, clips, ceil_mode.
    b = Builder(np.random.default_rng(2), 4, (33, 30))
    conv(b, 8, 3, bias=False)
    conv(b, 16, 3, stride=2, groups=8)             # depthwise, multiplier 2
    bn(b)
    act(b, "relu6")
    conv(b, 12, 3, dilation=2, groups=4)          # grouped, dilated
    act(b, "hardtanh", lo=-0.4, hi=0.6)
    b.add(nn.MaxPool2d(3, 2, padding=1, ceil_mode=True))
    conv(b, 8, (3, 1), stride=(1, 2), padding=(1, 0))
    act(b, "tanh")
    b.add(nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=True))
    out.append(Stack("groups", b.steps, 4, (33, 30), layouts={"conv1": "hwio", "conv5": "hwio"},
                     description="depthwise and grouped convs, stride, dilation, ReLU6, Hardtanh, ceil_mode"))

    # 3: every pad: modules, F.pad asymmetric, and a conv's padding_mode.
    b = Builder(np.random.default_rng(3), 3, (24, 27))
    b.add(nn.ReflectionPad2d((2, 1, 1, 0)))
    conv(b, 6, 3, padding=0)
    b.add(nn.ReplicationPad2d(1))
    conv(b, 6, 3, padding=0, bias=False)
    b.add(nn.ConstantPad2d((0, 1, 2, 0), 0.25))
    conv(b, 8, (1, 5), padding=0)
    b.add(modules.Pad((0, 1, 1, 0)))                # F.pad: the "same" of an even kernel
    conv(b, 8, 2, padding=0)
    conv(b, 8, 3, padding=1, padding_mode="reflect")
    conv(b, 8, 3, padding=(2, 1), padding_mode="replicate", dilation=(2, 1))
    b.add(nn.ZeroPad2d((1, 0, 0, 1)))
    b.add(modules.Pad((1, 2, 0, 1), mode="reflect"))
    b.add(modules.Pad((2, 0, 1, 1), mode="edge"))
    b.add(nn.AvgPool2d(2, 2, ceil_mode=True))
    act(b, "relu")
    out.append(Stack("pads", b.steps, 3, (24, 27),
                     description="reflect, edge and constant pads, asymmetric F.pad, conv padding_mode"))

    # 4: residual and concat branches; BN that cannot be folded.
    b = Builder(np.random.default_rng(4), 3, (26, 26))
    stem = conv(b, 8, 3)
    bn(b)
    act(b, "relu")
    skip = b.current
    conv(b, 8, 3)
    bn(b)
    act(b, "relu")
    conv(b, 8, 3, bias=False)
    bn(b)
    b.add(modules.Add(), inputs=[skip, b.current])
    act(b, "relu")
    fork = b.current
    left = conv(b, 4, 1, inputs=[fork])
    right = conv(b, 6, 3, inputs=[fork])
    b.add(modules.Concat(), inputs=[left, right])
    bn(b)                                            # BN after a concat: stays a node
    b.add(modules.Concat(), inputs=[fork, b.current])   # dense: the fork again
    b.add(nn.MaxPool2d(3, 2, padding=1, dilation=2))
    conv(b, 5, 1)
    del stem
    out.append(Stack("branches", b.steps, 3, (26, 26), layouts={"conv12": "hwio"},
                     description="residual Add, Concat, BN after a concat, dilated max pooling"))

    # 5: declared input (per-channel mean/std), BN first, no conv bias.
    b = Builder(np.random.default_rng(5), 3, (21, 25))
    bn(b)                                            # BN on the input: stays a node
    conv(b, 6, 5, stride=2, bias=False)
    bn(b)
    act(b, "leaky", alpha=0.01)
    b.add(nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)))
    conv(b, 4, 3, stride=(2, 1), padding=(0, 1))
    out.append(Stack("declared", b.steps, 3, (21, 25),
                     input_decl=stackfmt.input_block(3, "0..1", [0.485, 0.456, 0.406],
                                                     [0.229, 0.224, 0.225]),
                     description="torchvision's ImageNet normalisation declared; BN on the input"))
    return out


def random_stack(seed, channels=None, blocks=None):
    """A random stack of 3–7 blocks (conv/BN/activation, pools, pads,
    residual and concat branches), sizes and attributes drawn from `seed`."""
    rng = np.random.default_rng(1000 + seed)
    channels = channels or int(rng.choice([1, 3, 4]))
    size = (int(rng.integers(18, 40)), int(rng.integers(18, 40)))
    b = Builder(rng, channels, size)
    n = blocks or int(rng.integers(3, 8))
    kinds = ["conv", "conv", "pool", "pad", "act", "residual", "concat"]
    done = 0
    attempts = 0
    while done < n and attempts < 200:
        attempts += 1
        kind = str(rng.choice(kinds))
        saved = (list(b.steps), dict(b.shapes), b.current)
        try:
            _random_block(b, rng, kind)
            done += 1
        except (ValueError, RuntimeError):
            b.steps, b.shapes, b.current = saved
    if not b.steps:
        raise RuntimeError("random stack %d: no block fitted" % seed)
    layouts = {name: "hwio" for name, m, _ in b.steps
               if isinstance(m, nn.Conv2d) and rng.random() < 0.3}
    decl = None
    if channels == 3 and rng.random() < 0.3:
        decl = stackfmt.input_block(3, "0..1", [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    return Stack("random%d" % seed, b.steps, channels, size, input_decl=decl,
                 layouts=layouts, strings=bool(rng.random() < 0.5),
                 description="random stack, seed %d" % seed)


def _random_block(b, rng, kind):
    c, h, w = b.shape()
    pick = lambda *xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    if kind == "conv":
        k = pick(1, 2, 3, 3, 5, (3, 1), (1, 3))
        kk = (k, k) if isinstance(k, int) else k
        stride = pick(1, 1, 2, (2, 1))
        dil = pick(1, 1, 2) if max(kk) > 1 else 1
        out = int(rng.integers(2, 13))
        groups = 1
        r = rng.random()
        if r < 0.2:
            groups, out = c, c * int(rng.integers(1, 3))          # depthwise
        elif r < 0.35:
            g = [g for g in (2, 3, 4) if c % g == 0]
            if g:
                groups = pick(*g)
                out = groups * int(rng.integers(1, 4))
        if rng.random() < 0.3 and max(kk) > 1:                    # F.pad, then conv
            b.add(modules.Pad(tuple(int(rng.integers(0, 3)) for _ in range(4)),
                              mode=pick("constant", "reflect", "edge"),
                              value=float(np.round(rng.normal(0, 0.5), 3))))
            conv(b, out, k, stride=stride, padding=0, dilation=dil, groups=groups,
                 bias=bool(rng.random() < 0.7))
        else:
            pm = pick("zeros", "zeros", "zeros", "reflect", "replicate")
            pad = tuple(int(rng.integers(0, d * (x - 1) // 2 + 2)) for x, d in
                        zip(kk, (dil, dil) if isinstance(dil, int) else dil))
            if pm != "zeros" and max(pad) == 0:
                pm = "zeros"
            conv(b, out, k, stride=stride, padding=pad, dilation=dil, groups=groups,
                 bias=bool(rng.random() < 0.7), padding_mode=pm)
        if rng.random() < 0.6:
            bn(b)
        if rng.random() < 0.8:
            _random_act(b, rng)
    elif kind == "pool":
        k = pick(2, 3, (2, 3))
        kk = (k, k) if isinstance(k, int) else k
        stride = pick(1, 2, k)
        pad = tuple(int(rng.integers(0, x // 2 + 1)) for x in kk)
        ceil = bool(rng.random() < 0.4)
        if rng.random() < 0.5:
            b.add(nn.MaxPool2d(k, stride, padding=pad, dilation=pick(1, 1, 2), ceil_mode=ceil))
        else:
            b.add(nn.AvgPool2d(k, stride, padding=pad, ceil_mode=ceil,
                               count_include_pad=bool(rng.random() < 0.5)))
    elif kind == "pad":
        p = tuple(int(rng.integers(0, 3)) for _ in range(4))
        m = pick("reflect", "edge", "constant", "zero", "fpad")
        lrtb = (p[1], p[3], p[0], p[2])
        if m == "reflect":
            b.add(nn.ReflectionPad2d(lrtb))
        elif m == "edge":
            b.add(nn.ReplicationPad2d(lrtb))
        elif m == "constant":
            b.add(nn.ConstantPad2d(lrtb, float(np.round(rng.normal(0, 0.5), 3))))
        elif m == "zero":
            b.add(nn.ZeroPad2d(lrtb))
        else:
            b.add(modules.Pad(p, mode=pick("constant", "reflect", "edge")))
    elif kind == "act":
        _random_act(b, rng)
    elif kind == "residual":
        skip = b.current
        k = pick(1, 3, 5)
        conv(b, c, k, groups=pick(1, c))
        if rng.random() < 0.5:
            bn(b)
        _random_act(b, rng)
        b.add(modules.Add(), inputs=[skip, b.current] if rng.random() < 0.5 else [b.current, skip])
    elif kind == "concat":
        fork = b.current
        a = conv(b, int(rng.integers(1, 6)), 1, inputs=[fork])
        if rng.random() < 0.5:
            _random_act(b, rng)
            a = b.current
        d = conv(b, int(rng.integers(1, 6)), 3, inputs=[fork])
        srcs = [a, d] + ([fork] if rng.random() < 0.4 else [])
        rng.shuffle(srcs)
        b.add(modules.Concat(), inputs=srcs)
    if min(b.shape()[1:]) < 3:
        raise ValueError("too small")


def _random_act(b, rng):
    kind = ["relu", "relu", "leaky", "sigmoid", "tanh", "relu6", "hardtanh"][int(rng.integers(7))]
    lo = float(np.round(rng.uniform(-1, 0), 3))
    act(b, kind, alpha=float(np.round(rng.uniform(0.01, 0.3), 3)), lo=lo,
        hi=float(np.round(rng.uniform(0.1, 1.5), 3)))


# -- second reference: OpenCV dnn ---------------------------------------------

def opencv_layers(onnx_path, x_nchw, where):
    """Runs the ONNX file in OpenCV's dnn and returns ({layer: H × W × C
    array} for the layers OpenCV computes, None) or ({}, why OpenCV cannot
    read the file).  OpenCV 4.6 names its layers "onnx_node!<node name>"
    (the graph's outputs by their tensor names)."""
    import cv2
    try:
        with _StderrCapture() as log:
            net = cv2.dnn.readNetFromONNX(onnx_path)
    except cv2.error as e:
        return {}, _cv_error(e, log.text)
    have = set(net.getLayerNames())
    asked = OrderedDict()
    for layer, w in where.items():
        if not w:
            continue
        for cand in ("onnx_node!" + w["node"], w["output"]):
            if cand in have:
                asked[layer] = cand
                break
    net.setInput(x_nchw.numpy())
    try:
        with _StderrCapture() as log:
            blobs = net.forward(list(asked.values()))
    except cv2.error as e:
        return {}, _cv_error(e, log.text)
    out = {}
    for (layer, _), blob in zip(asked.items(), blobs):
        if blob.ndim == 4:
            out[layer] = np.ascontiguousarray(blob[0].transpose(1, 2, 0))
    return out, None


class _StderrCapture:
    """OpenCV prints the node it failed on to the C stderr, not into the
    exception: keep that line."""

    def __enter__(self):
        self.file = tempfile.TemporaryFile()
        sys.stderr.flush()
        self.saved = os.dup(2)
        os.dup2(self.file.fileno(), 2)
        self.text = ""
        return self

    def __exit__(self, *exc):
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.file.seek(0)
        self.text = self.file.read().decode("utf-8", "replace")
        self.file.close()
        return False


def _cv_error(e, log):
    import re
    m = re.search(r"ERROR during processing node with .*?: \[(\w+)\]:\((.*?)\)", log)
    if m:
        return "%s node %s" % (m.group(1), m.group(2).replace("onnx_node!", ""))
    m = re.search(r"error: \(-?\d+:[^)]*\) (.*)", str(e))
    return (m.group(1) if m else str(e)).strip()


def max_rel_diff(got, want):
    """max |got − want| / max |want| (the tests' measure); inf on a shape
    mismatch."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        return float("inf")
    peak = np.max(np.abs(want)) if want.size else 0.0
    diff = np.max(np.abs(got - want)) if want.size else 0.0
    return diff / peak if peak > 0 else diff


# -- what torch 1.13 writes, checked ------------------------------------------------

ONNX_OP = {"conv": "Conv", "batchnorm": "BatchNormalization", "relu": "Relu",
           "leaky-relu": "LeakyRelu", "sigmoid": "Sigmoid", "tanh": "Tanh", "clip": "Clip",
           "maxpool": "MaxPool", "avgpool": "AveragePool", "pad": "Pad", "add": "Add",
           "concat": "Concat"}


def export_problems(st, where, bn):
    """What differs from the export behaviour the tests rely on: each layer
    is the node "/<layer>/<Op>" of its op; with bn="keep" every layer has a
    node; with bn="fold" only a conv directly followed by its batch norm
    loses its node, and that batch norm is computed by the conv's node."""
    problems = []
    names = [layer["name"] for layer in st.layers]
    for i, layer in enumerate(st.layers):
        name, kind, w = layer["name"], layer["op"], where.get(layer["name"])
        nxt = st.layers[i + 1] if i + 1 < len(names) else None
        folds = (bn == "fold" and kind == "conv" and nxt is not None
                 and nxt["op"] == "batchnorm" and not nxt.get("inputs")
                 and not any(name in (x.get("inputs") or []) for x in st.layers))
        if folds:
            if w is not None:
                problems.append("%s: expected folded into %s, found %s" % (name, nxt["name"], w["node"]))
            continue
        if kind == "identity":
            if w is not None:
                problems.append("%s: expected no node (export drops identities), found %s"
                                % (name, w["node"]))
            continue
        if w is None:
            problems.append("%s: no node" % name)
            continue
        want = ONNX_OP[kind]
        if kind == "batchnorm" and w["op"] == "Conv" and bn == "fold":
            continue
        if w["op"] != want:
            problems.append("%s: node %s is %s, expected %s" % (name, w["node"], w["op"], want))
        elif not name.endswith("_pad") and w["node"] != "/%s/%s" % (name, want):
            problems.append("%s: node named %s, expected /%s/%s" % (name, w["node"], name, want))
    return problems


def opencv_known(st, layer_name, opset):
    """True when OpenCV 4.6 is known to compute this layer otherwise than
    PyTorch: AveragePool with count_include_pad = 0 and pads (OpenCV counts
    the padding; torch below opset 10 also writes ceil_mode as such pads),
    and MaxPool with dilations (OpenCV ignores them)."""
    layer = next(x for x in st.layers if x["name"] == layer_name)
    pad = layer.get("padding", 0)
    padded = pad not in (0, [0, 0], [0, 0, 0, 0])
    if layer["op"] == "avgpool" and ((padded and not layer["count_include_pad"])
                                     or (opset < 10 and layer["ceil_mode"])):
        return True
    return layer["op"] == "maxpool" and layer.get("dilation", 1) not in (1, [1, 1])


# -- the report -----------------------------------------------------------------

def _describe_layer(st, name):
    layer = next(x for x in st.layers if x["name"] == name)
    keys = [k for k in ("kernel", "stride", "padding", "dilation", "ceil_mode",
                        "count_include_pad", "groups", "mode") if k in layer]
    return "%s (%s)" % (layer["op"], ", ".join("%s %s" % (k, json.dumps(layer[k])) for k in keys))


def main():
    ap = argparse.ArgumentParser(description="Build the test stacks, export every variant, "
                                 "check them with onnx.checker and OpenCV dnn.")
    ap.add_argument("--random", type=int, default=4, help="random stacks besides the coverage set")
    ap.add_argument("--keep", help="write the files to this folder (kept)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless every export behaves as the tests rely on and "
                    "OpenCV agrees with PyTorch wherever it is not known to differ")
    args = ap.parse_args()
    import onnx
    torch.set_num_threads(2)
    folder = args.keep or tempfile.mkdtemp(prefix="torchnets-")
    os.makedirs(folder, exist_ok=True)
    stacks = coverage_stacks() + [random_stack(s) for s in range(args.random)]
    failures = 0
    cv_unreadable = OrderedDict()   # op → {stack: node}
    cv_differs = OrderedDict()      # "op (attributes)" → {stack: layer}
    for st in stacks:
        x = st.sample_input(0)
        acts = st.activations(x)
        st.write_stack(folder)
        # The stack description's tensors must all be in the safetensors file,
        # as PyTorch holds them (conv weights of "hwio" layers transposed).
        tensors, _ = safetensors.read(os.path.join(folder, st.name + ".safetensors"))
        state = st.net.state_dict()
        for layer in st.layers:
            for key in ("weight", "bias", "mean", "var"):
                if key not in layer:
                    continue
                t = tensors.get(layer[key])
                want = state[layer[key]].numpy()
                if layer.get("layout") == "hwio" and key == "weight":
                    want = want.transpose(2, 3, 1, 0)
                if t is None or t.shape != want.shape or not np.array_equal(t, want):
                    print("FAIL %s: %s '%s' not written as PyTorch holds it" % (st.name, key, layer[key]))
                    failures += 1
        print("%-10s %2d layers, input %d × %d × %d%s" % (
            st.name, len(st.layers), st.size[0], st.size[1], st.channels,
            ", declared input" if st.input_decl else ""))
        for v in ONNX_VARIANTS + LEGACY_VARIANTS:
            try:
                where, path = st.export_onnx(folder, **v)
            except ExportUnsupported as e:
                print("  %-20s torch cannot export: %s" % (variant_name(**v), e))
                continue
            model = onnx.load(path)
            try:
                onnx.checker.check_model(model)
            except onnx.checker.ValidationError as e:
                print("FAIL %s %s: onnx.checker: %s" % (st.name, variant_name(**v), e))
                failures += 1
            for p in export_problems(st, where, v["bn"]):
                print("FAIL %s %s: %s" % (st.name, variant_name(**v), p))
                failures += 1
            missing = [n for n, w in where.items() if w is None]
            cv, err = opencv_layers(path, capture.nchw(st.preprocess(x)), where)
            if err:
                op, _, node = err.partition(" node ")
                cv_unreadable.setdefault(op, OrderedDict())[st.name] = node or err
                if args.check and not (op == "Clip" and v["opset"] >= 11):
                    print("FAIL %s %s: OpenCV cannot read it: %s" % (st.name, variant_name(**v), err))
                    failures += 1
                summary = "cannot read: " + err
            else:
                # Only a layer whose inputs OpenCV got right says something
                # about the layer itself.
                bad, first = [], None
                for name in where:
                    if name in cv and max_rel_diff(cv[name], acts[name]) > 1e-4:
                        bad.append(name)
                        if first is None:
                            first = name
                if first and args.check and not opencv_known(st, first, v["opset"]):
                    print("FAIL %s %s: OpenCV and PyTorch differ at %s (%.1e)" % (
                        st.name, variant_name(**v), first, max_rel_diff(cv[first], acts[first])))
                    failures += 1
                if first:
                    key = _describe_layer(st, first)
                    cv_differs.setdefault(key, OrderedDict())[st.name] = first
                worst = max([max_rel_diff(cv[n], acts[n]) for n in cv] or [0.0])
                summary = "%d/%d layers, max rel diff %.1e%s" % (
                    len(cv), len([w for w in where.values() if w]), worst,
                    (", first differing: " + first) if first else "")
            print("  %-20s %3d nodes; folded away: %-18s OpenCV %s" % (
                variant_name(**v), len(model.graph.node), ",".join(missing) or "-", summary))
    print("\nOpenCV %s cannot read:" % __import__("cv2").__version__)
    for op, where in cv_unreadable.items():
        print("  %s: %s" % (op, ", ".join("%s (%s)" % kv for kv in where.items())))
    print("OpenCV %s reads but computes differently from PyTorch (first layer that differs):"
          % __import__("cv2").__version__)
    for key, where in cv_differs.items():
        print("  %s: %s" % (key, ", ".join("%s/%s" % kv for kv in where.items())))
    if not args.keep:
        shutil.rmtree(folder)
    print("%d stacks, %d failures" % (len(stacks), failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
