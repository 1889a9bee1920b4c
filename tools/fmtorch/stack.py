"""Stack descriptions (the JSON featuremaps reads beside safetensors / .npz
weights) written from PyTorch modules.

layers_for(name, module) gives the stack layers one nn.Module stands for;
describe() assembles the whole file; weight_tensors() gives the tensors to
store, with the conv weights of "hwio" layers transposed as Keras keeps
them.  Keys and values follow the stack format exactly: an unknown key is
an error for featuremaps, so nothing is written that the format does not
define.
"""
import json
from collections import OrderedDict

import torch.nn as nn

from . import modules

FORMAT = "featuremaps-stack"
VERSION = 1


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(int(x) for x in v)


def _int_or_pair(v):
    a, b = _pair(v)
    return a if a == b else [a, b]


def _padding(p):
    """nn padding (int, (ph, pw), 'same', 'valid') → the stack's padding."""
    if isinstance(p, str):
        return p
    ph, pw = _pair(p)
    return ph if ph == pw else [ph, pw, ph, pw]


def _tlbr_from_lrtb(p):
    """nn.*Pad2d's (left, right, top, bottom) → [top, left, bottom, right]."""
    left, right, top, bottom = (int(x) for x in p)
    return [top, left, bottom, right]


def layers_for(name, module, inputs=None, layout="oihw", prefix=None):
    """The stack layers for one module: `name` is the layer's name, `prefix`
    its state-dict prefix (default: the name).  Returns a list: a conv with a
    non-zero padding_mode is a pad layer ("<name>_pad") and the conv."""
    prefix = prefix or name
    L = OrderedDict(name=name)
    if isinstance(module, nn.Conv2d):
        out = []
        L["op"] = "conv"
        L["weight"] = prefix + ".weight"
        if module.bias is not None:
            L["bias"] = prefix + ".bias"
        if layout != "oihw":
            L["layout"] = layout
        L["stride"] = _int_or_pair(module.stride)
        L["dilation"] = _int_or_pair(module.dilation)
        padding = _padding(module.padding)
        if module.padding_mode != "zeros":
            if isinstance(padding, str):
                raise ValueError("%s: padding '%s' with padding_mode %s" % (name, padding, module.padding_mode))
            ph, pw = _pair(module.padding)
            mode = {"reflect": "reflect", "replicate": "edge"}.get(module.padding_mode)
            if mode is None:
                raise ValueError("%s: padding_mode %s has no stack pad mode" % (name, module.padding_mode))
            pad = OrderedDict(name=name + "_pad", op="pad", pads=[ph, pw, ph, pw], mode=mode)
            if inputs is not None:
                pad["inputs"] = list(inputs)
            out.append(pad)
            padding = 0
            inputs = None
        L["padding"] = padding
        L["groups"] = int(module.groups)
        if inputs is not None:
            L["inputs"] = list(inputs)
        return out + [L]
    if isinstance(module, nn.BatchNorm2d):
        if not module.affine or not module.track_running_stats:
            raise ValueError("%s: batch norm needs affine weights and running statistics" % name)
        L.update(op="batchnorm", weight=prefix + ".weight", bias=prefix + ".bias",
                 mean=prefix + ".running_mean", var=prefix + ".running_var",
                 eps=float(module.eps))
    elif isinstance(module, nn.ReLU):
        L["op"] = "relu"
    elif isinstance(module, nn.LeakyReLU):
        L.update(op="leaky-relu", alpha=float(module.negative_slope))
    elif isinstance(module, nn.Sigmoid):
        L["op"] = "sigmoid"
    elif isinstance(module, nn.Tanh):
        L["op"] = "tanh"
    elif isinstance(module, nn.Hardtanh):  # ReLU6 is a Hardtanh(0, 6)
        L.update(op="clip", min=float(module.min_val), max=float(module.max_val))
    elif isinstance(module, nn.MaxPool2d):
        L.update(op="maxpool", kernel=_int_or_pair(module.kernel_size),
                 stride=_int_or_pair(module.stride if module.stride is not None else module.kernel_size),
                 padding=_padding(module.padding), dilation=_int_or_pair(module.dilation),
                 ceil_mode=bool(module.ceil_mode))
    elif isinstance(module, nn.AvgPool2d):
        if module.divisor_override:
            raise ValueError("%s: divisor_override has no stack equivalent" % name)
        L.update(op="avgpool", kernel=_int_or_pair(module.kernel_size),
                 stride=_int_or_pair(module.stride if module.stride is not None else module.kernel_size),
                 padding=_padding(module.padding), ceil_mode=bool(module.ceil_mode),
                 count_include_pad=bool(module.count_include_pad))
    elif isinstance(module, nn.ReflectionPad2d):
        L.update(op="pad", pads=_tlbr_from_lrtb(module.padding), mode="reflect")
    elif isinstance(module, nn.ReplicationPad2d):
        L.update(op="pad", pads=_tlbr_from_lrtb(module.padding), mode="edge")
    elif isinstance(module, nn.ConstantPad2d):  # ZeroPad2d is one
        L.update(op="pad", pads=_tlbr_from_lrtb(module.padding), mode="constant",
                 value=float(module.value))
    elif isinstance(module, modules.Pad):
        L.update(op="pad", pads=list(module.pads), mode=module.mode)
        if module.mode == "constant":
            L["value"] = module.value
    elif isinstance(module, modules.Add):
        L["op"] = "add"
    elif isinstance(module, modules.Concat):
        L["op"] = "concat"
    elif isinstance(module, (nn.Identity, nn.Dropout)):
        L["op"] = "identity"
    else:
        raise ValueError("%s: %s has no stack layer" % (name, type(module).__name__))
    if inputs is not None:
        L["inputs"] = list(inputs)
    return [L]


def input_block(channels=3, range_="0..1", mean=None, std=None, order="rgb",
                light="perceptual"):
    b = OrderedDict(channels=channels, range=range_)
    if mean is not None:
        b["mean"] = list(mean) if isinstance(mean, (list, tuple)) else mean
    if std is not None:
        b["std"] = list(std) if isinstance(std, (list, tuple)) else std
    b["order"] = order
    b["light"] = light
    return b


def describe(layers, name, description="", weights=None, input=None):
    d = OrderedDict(format=FORMAT, version=VERSION, name=name)
    if description:
        d["description"] = description
    if weights is not None:
        d["weights"] = weights
    if input is not None:
        d["input"] = input
    if layers is not None:
        d["layers"] = list(layers)
    return d


def sidecar(name, input, description=""):
    """What sits beside an .onnx file: the input block only."""
    return describe(None, name, description, None, input)


def dumps(d):
    """JSON with one layer per line: easy to read and to diff."""
    parts = []
    for key, value in d.items():
        if key == "layers":
            rows = ",\n    ".join(json.dumps(layer, ensure_ascii=False) for layer in value)
            parts.append('  "layers": [\n    %s\n  ]' % rows)
        else:
            parts.append("  %s: %s" % (json.dumps(key), json.dumps(value, ensure_ascii=False)))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def write(path, d):
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps(d))


def weight_tensors(model, layouts=None, keep_buffers=True):
    """The model's state dict as numpy arrays, conv weights of the layers
    named in `layouts` with layout "hwio" transposed OIHW → HWIO.
    keep_buffers=False drops the int64 num_batches_tracked counters."""
    layouts = layouts or {}
    out = OrderedDict()
    for key, t in model.state_dict().items():
        if not keep_buffers and key.endswith("num_batches_tracked"):
            continue
        a = t.detach().cpu().numpy()
        prefix, _, leaf = key.rpartition(".")
        if leaf == "weight" and layouts.get(prefix) == "hwio" and a.ndim == 4:
            a = a.transpose(2, 3, 1, 0).copy()
        out[key] = a
    return out
