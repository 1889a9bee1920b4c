"""Small random networks in PyTorch for the network tests (run with
/usr/bin/python3): every operation featuremaps runs, each with the
attributes PyTorch can give it, built with fixed seeds.

Each model is a torch.nn.Module whose layers are leaf modules, so a
forward hook sees every layer's activation, and whose module names are
the names `featuremaps` resolves in the exported ONNX ("f.3" for the node
"/f/f.3/Conv").  `layers(model)` lists them in order with what the test
needs to know about each.
"""
import io
import json
import struct

import numpy as np
import torch
import torch.nn as nn


class Add(nn.Module):
    """a + b as a module, so it has a name and a hook."""

    def forward(self, a, b):
        return a + b


class Cat(nn.Module):
    def forward(self, *xs):
        return torch.cat(xs, 1)


def _randomize_bn(model, gen):
    """Running statistics and affine parameters far from 0 / 1, so a BN
    that is skipped or applied twice shows."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5, generator=gen)
                m.running_var.uniform_(0.5, 2.0, generator=gen)
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.uniform_(-0.5, 0.5, generator=gen)


class Plain(nn.Module):
    """A chain: every padding mode, pool attribute and activation."""

    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),                     # 0
            nn.BatchNorm2d(8),                                 # 1
            nn.ReLU(),                                         # 2
            nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),  # 3
            nn.ZeroPad2d((0, 1, 2, 0)),                        # 4 asymmetric (F.pad)
            nn.Conv2d(8, 8, 3, groups=8, dilation=2),          # 5 depthwise, dilated
            nn.LeakyReLU(0.1),                                 # 6
            nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                         count_include_pad=False),             # 7
            nn.ReflectionPad2d((1, 2, 2, 1)),                  # 8
            nn.Conv2d(8, 12, (3, 5), stride=(2, 1), bias=False),  # 9
            nn.BatchNorm2d(12),                                # 10
            nn.ReLU6(),                                        # 11 Clip 0..6
            nn.ReplicationPad2d(1),                            # 12 edge
            nn.Conv2d(12, 16, 3, groups=4),                    # 13 grouped
            nn.Tanh(),                                         # 14
            nn.ConstantPad2d(1, 0.25),                         # 15 constant ≠ 0
            nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=True),  # 16
            nn.Conv2d(16, 10, 1),                              # 17
            nn.Sigmoid(),                                      # 18
            nn.MaxPool2d(2, stride=1, padding=1, dilation=2),  # 19 dilated max
            nn.Hardtanh(-0.5, 0.7),                            # 20 Clip
            nn.Dropout(0.3),                                   # 21 identity in eval
        )

    def forward(self, x):
        return self.f(x)


class Branches(nn.Module):
    """A residual block, a strided conv after an asymmetric F.pad (the
    TensorFlow 'same' rule), a concatenation of three branches,
    BatchNorm with no conv before it, x · sigmoid(x) (SiLU: Mul of two
    layers) and per-channel constants."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.stem_bn = nn.BatchNorm2d(16)
        self.stem_relu = nn.ReLU()
        self.c1 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu1 = nn.ReLU()
        self.c2 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.add = Add()
        self.relu2 = nn.ReLU()
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))
        self.down = nn.Conv2d(16, 24, 3, stride=2)
        self.a = nn.Conv2d(24, 8, 1)
        self.b = nn.Conv2d(24, 8, 3, padding=2, dilation=2)
        self.b_relu = nn.ReLU()
        self.cat = Cat()
        self.cat_bn = nn.BatchNorm2d(40)
        self.clip = nn.Hardtanh(-1.0, 2.0)
        self.pool = nn.MaxPool2d(2)
        self.pool_bn = nn.BatchNorm2d(40)
        self.silu = nn.SiLU()
        self.head = nn.Conv2d(40, 6, 3, padding=(1, 2))

    def forward(self, x):
        x = self.stem_relu(self.stem_bn(self.stem(x)))
        y = self.bn2(self.c2(self.relu1(self.bn1(self.c1(x)))))
        x = self.relu2(self.add(y, x))
        d = self.down(self.pad(x))
        cat = self.cat(self.a(d), self.b_relu(self.b(d)), d)
        z = self.pool_bn(self.pool(self.clip(self.cat_bn(cat))))
        return self.head(self.silu(z))


class Simple(nn.Module):
    """What OpenCV 4.6's dnn reads (no Clip with inputs, no Pad node)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.r1 = nn.ReLU()
        self.p1 = nn.MaxPool2d(2, ceil_mode=True)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.r2 = nn.ReLU()
        self.add = Add()
        self.c3 = nn.Conv2d(8, 12, 3, stride=2, padding=1, groups=4)
        self.r3 = nn.LeakyReLU(0.2)
        self.p2 = nn.AvgPool2d(3, stride=1, padding=1)
        self.c4 = nn.Conv2d(12, 4, 1)
        self.cat = Cat()
        self.c5 = nn.Conv2d(16, 5, 3)
        self.t5 = nn.Tanh()

    def forward(self, x):
        x = self.p1(self.r1(self.bn1(self.c1(x))))
        x = self.add(self.r2(self.c2(x)), x)
        x = self.p2(self.r3(self.c3(x)))
        x = self.cat(x, self.c4(x))
        return self.t5(self.c5(x))


MODELS = {"plain": Plain, "branches": Branches, "simple": Simple}


def build(name, seed):
    torch.manual_seed(seed)
    model = MODELS[name]()
    gen = torch.Generator().manual_seed(seed + 1)
    _randomize_bn(model, gen)
    return model.eval()


def leaf_layers(model):
    """(name, module) of every leaf module, in forward order."""
    order = []
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: order.append((n, m)))
             for n, m in model.named_modules() if len(list(m.children())) == 0]
    with torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    for h in hooks:
        h.remove()
    return order


def activations(model, x_nchw):
    """Every leaf module's output as H × W × C float32, by module name."""
    out = {}
    hooks = [m.register_forward_hook(
        lambda m, i, o, n=n: out.__setitem__(n, o[0].permute(1, 2, 0).numpy().copy()))
        for n, m in model.named_modules() if len(list(m.children())) == 0]
    with torch.no_grad():
        model(x_nchw)
    for h in hooks:
        h.remove()
    return out


def export_onnx(model, path, opset, constant_folding, keep_bn):
    """keep_bn: TrainingMode.PRESERVE on an eval model keeps every
    BatchNormalization node; EVAL lets the exporter fold the ones after
    a conv into it."""
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.zeros(1, 3, 32, 32), path, opset_version=opset,
                          do_constant_folding=constant_folding, training=mode,
                          input_names=["image"])


# ---- safetensors + stack description -------------------------------------

def write_safetensors(path, tensors):
    """The format by hand: 8-byte little-endian header length, a JSON
    header of name → dtype, shape, data_offsets, then the raw data."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        a = np.ascontiguousarray(array, dtype=np.float32)
        data = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def stack_description(model, weights_name):
    """The stack-description JSON and the tensors of a Sequential model
    (Plain), one entry per leaf module, named as the module."""
    layers, tensors = [], {}
    for name, m in leaf_layers(model):
        sd = {k: v.detach().numpy() for k, v in m.state_dict().items()}
        for k, v in sd.items():
            if k != "num_batches_tracked":
                tensors["%s.%s" % (name, k)] = v
        L = {"name": name}
        if isinstance(m, nn.Conv2d):
            pad = m.padding
            L.update(op="conv", weight=name + ".weight", stride=_pair(m.stride),
                     dilation=_pair(m.dilation), groups=m.groups,
                     padding=[pad[0], pad[1], pad[0], pad[1]])
            if m.bias is not None:
                L["bias"] = name + ".bias"
        elif isinstance(m, nn.BatchNorm2d):
            L.update(op="batchnorm", weight=name + ".weight", bias=name + ".bias",
                     mean=name + ".running_mean", var=name + ".running_var", eps=m.eps)
        elif isinstance(m, nn.ReLU6):
            L.update(op="clip", min=0, max=6)
        elif isinstance(m, nn.Hardtanh):
            L.update(op="clip", min=m.min_val, max=m.max_val)
        elif isinstance(m, nn.ReLU):
            L.update(op="relu")
        elif isinstance(m, nn.LeakyReLU):
            L.update(op="leaky-relu", alpha=m.negative_slope)
        elif isinstance(m, nn.Sigmoid):
            L.update(op="sigmoid")
        elif isinstance(m, nn.Tanh):
            L.update(op="tanh")
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            L.update(op="maxpool" if isinstance(m, nn.MaxPool2d) else "avgpool",
                     kernel=_pair(m.kernel_size), stride=_pair(m.stride),
                     padding=_pair(m.padding), ceil_mode=bool(m.ceil_mode))
            if isinstance(m, nn.MaxPool2d):
                L["dilation"] = _pair(m.dilation)
            else:
                L["count_include_pad"] = bool(m.count_include_pad)
        elif isinstance(m, (nn.ZeroPad2d, nn.ConstantPad2d, nn.ReflectionPad2d,
                            nn.ReplicationPad2d)):
            left, right, top, bottom = m.padding
            mode = ("reflect" if isinstance(m, nn.ReflectionPad2d) else
                    "edge" if isinstance(m, nn.ReplicationPad2d) else "constant")
            L.update(op="pad", pads=[top, left, bottom, right], mode=mode)
            if mode == "constant":
                L["value"] = float(getattr(m, "value", 0.0))
        elif isinstance(m, nn.Dropout):
            L.update(op="identity")
        else:
            raise ValueError("no stack layer for %s" % type(m).__name__)
        layers.append(L)
    desc = {"format": "featuremaps-stack", "version": 1, "name": "test stack",
            "weights": weights_name, "layers": layers}
    return desc, tensors
