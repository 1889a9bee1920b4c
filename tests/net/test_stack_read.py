"""The safetensors and stack-description readers against an independent
lowering: PyTorch models' state dicts written as .safetensors (F32, and
F16 / BF16 / F64 copies) and as .npz, each with a stack description, in
PyTorch's OIHW layout and in Keras' HWIO; dump-graph's view (the C
readers) must equal the graph this script derives from the description by
the documented rules (docs/kernels.md), tensors bit-exact.

usage: test_stack_read.py DUMP-GRAPH"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_onnx_read import check, first_difference, dump, failures  # noqa: E402
import test_onnx_read  # noqa: E402

DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "BF16": None}


def bits(f):
    return "%08x" % struct.unpack("<I", struct.pack("<f", f))[0]


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """The format as its specification gives it: 8-byte header length, JSON
    header padded with spaces to 8 bytes, the data area in order."""
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        dt = "I64" if arr.dtype == np.int64 else dtype
        if dt == "BF16":
            raw = (np.asarray(arr, "<f4").view("<u4") >> 16).astype("<u2").tobytes()
        else:
            raw = np.asarray(arr, DTYPES[dt]).tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def as_read(arr, dtype):
    """What the reader must hold for arr stored as dtype: float32 or int64."""
    if arr.dtype == np.int64:
        return np.asarray(arr, "<i8")
    if dtype == "BF16":
        return ((np.asarray(arr, "<f4").view("<u4") >> 16) << 16).view("<f4")
    return np.asarray(np.asarray(arr, DTYPES[dtype]), "<f4")


def tview(arr):
    arr = np.array(arr, order="C")
    return {"type": "float32" if arr.dtype == np.float32 else "int64",
            "dims": list(arr.shape), "sha256": hashlib.sha256(arr.tobytes()).hexdigest()}


def pair(v, default):
    if v is None:
        return [default, default]
    return [v, v] if isinstance(v, int) else list(v)


def padding(layer):
    p = layer.get("padding", 0)
    if p == "same":
        return {"auto_pad": {"type": "string", "value": "SAME_UPPER"}}
    if p == "valid":
        return {"auto_pad": {"type": "string", "value": "VALID"}}
    if isinstance(p, int):
        p = [p, p, p, p]
    elif len(p) == 2:
        p = [p[0], p[1], p[0], p[1]]
    return {"pads": {"type": "ints", "value": list(p)}}


def ints(v):
    return {"type": "ints", "value": list(v)}


def lower(desc, tensors):
    """The description's graph by the rules of docs/kernels.md: nodes and
    the initializers (tensors, transposed where HWIO, plus constants)."""
    inits = dict(tensors)
    nodes, prev = [], "input"
    for index, layer in enumerate(desc["layers"], 1):
        op = layer["op"]
        name = layer.get("name", "%s%d" % (op, index))
        ins = layer.get("inputs", [prev])
        attrs = {}
        if op == "conv":
            w = layer["weight"]
            if layer.get("layout") == "hwio":
                inits[w] = np.ascontiguousarray(tensors[w].transpose(3, 2, 0, 1))
            k, _, kh, kw = inits[w].shape
            onnx_op, ins = "Conv", ins + [w] + ([layer["bias"]] if "bias" in layer else [])
            attrs = {"kernel_shape": ints([kh, kw]), "strides": ints(pair(layer.get("stride"), 1)),
                     "dilations": ints(pair(layer.get("dilation"), 1)),
                     "group": {"type": "int", "value": layer.get("groups", 1)}}
            attrs.update(padding(layer))
        elif op == "batchnorm":
            k = tensors[layer["mean"]].shape[0]
            scale, bias = layer.get("weight"), layer.get("bias")
            if scale is None:
                scale = name + ".scale"
                inits[scale] = np.ones(k, np.float32)
            if bias is None:
                bias = name + ".bias"
                inits[bias] = np.zeros(k, np.float32)
            onnx_op, ins = "BatchNormalization", ins + [scale, bias, layer["mean"], layer["var"]]
            attrs = {"epsilon": {"type": "float", "value": bits(layer.get("eps", 1e-5))}}
        elif op in ("relu", "sigmoid", "tanh", "identity"):
            onnx_op = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "identity": "Identity"}[op]
        elif op == "leaky-relu":
            onnx_op = "LeakyRelu"
            attrs = {"alpha": {"type": "float", "value": bits(layer.get("alpha", 0.01))}}
        elif op == "clip":
            onnx_op = "Clip"
            extra = []
            for key in ("min", "max"):
                if key in layer:
                    inits[name + "." + key] = np.array(layer[key], np.float32)
                    extra.append(name + "." + key)
                elif key == "min" and "max" in layer:
                    extra.append("")
            ins = ins + extra
        elif op in ("maxpool", "avgpool"):
            onnx_op = "MaxPool" if op == "maxpool" else "AveragePool"
            kernel = pair(layer["kernel"], 1)
            attrs = {"kernel_shape": ints(kernel),
                     "strides": ints(pair(layer.get("stride"), 1) if "stride" in layer else kernel),
                     "ceil_mode": {"type": "int", "value": int(layer.get("ceil_mode", False))}}
            attrs.update(padding(layer))
            if op == "maxpool":
                attrs["dilations"] = ints(pair(layer.get("dilation"), 1))
            else:
                attrs["count_include_pad"] = {"type": "int", "value": int(layer.get("count_include_pad", True))}
        elif op == "pad":
            onnx_op = "Pad"
            t, l, b, r = [layer["pads"]] * 4 if isinstance(layer["pads"], int) else layer["pads"]
            inits[name + ".pads"] = np.array([0, 0, t, l, 0, 0, b, r], np.int64)
            inits[name + ".value"] = np.array(layer.get("value", 0), np.float32)
            ins = ins + [name + ".pads", name + ".value"]
            attrs = {"mode": {"type": "string", "value": layer.get("mode", "constant")}}
        elif op in ("add", "concat"):
            onnx_op = "Add" if op == "add" else "Concat"
            if op == "concat":
                attrs = {"axis": {"type": "int", "value": 1}}
        else:
            raise ValueError(op)
        nodes.append({"name": name, "op": onnx_op, "domain": "", "inputs": ins,
                      "outputs": [name], "attrs": attrs})
        prev = name
    return nodes, inits, prev


def expected(desc, tensors, fmt):
    nodes, inits, last = lower(desc, tensors)
    inp = desc.get("input")
    decl = None
    channels = -1
    if inp is not None:
        channels = inp.get("channels", -1) if inp.get("channels") != "any" else -1

        def listed(v):
            return [] if v is None else [float(x) for x in (v if isinstance(v, list) else [v])]
        decl = {"linear": inp.get("light") == "linear", "bgr": inp.get("order") == "bgr",
                "range": 255.0 if inp.get("range") == "0..255" else 1.0,
                "mean": listed(inp.get("mean")), "std": listed(inp.get("std"))}
    return {"format": fmt, "producer": None, "opset": 17,
            "inputs": [{"name": "input", "dims": [1, channels, -1, -1]}],
            "outputs": [{"name": last, "dims": []}], "nodes": nodes,
            "initializers": {k: tview(v) for k, v in sorted(inits.items())},
            "input_decl": decl}


def models():
    _torch, ms = test_onnx_read.torch_models()
    seq = {
        "format": "featuremaps-stack", "version": 1, "name": "seq", "description": "test",
        "input": {"channels": 3, "range": "0..1", "mean": [0.485, 0.456, 0.406],
                  "std": [0.229, 0.224, 0.225], "order": "rgb", "light": "perceptual"},
        "layers": [
            {"name": "conv1", "op": "conv", "weight": "0.weight", "bias": "0.bias", "stride": 2, "padding": 2},
            {"name": "bn1", "op": "batchnorm", "weight": "1.weight", "bias": "1.bias",
             "mean": "1.running_mean", "var": "1.running_var", "eps": 1e-5},
            {"op": "relu"},
            {"name": "pool1", "op": "maxpool", "kernel": 2},
            {"name": "conv2", "op": "conv", "weight": "4.weight", "bias": "4.bias", "groups": 2},
            {"op": "clip", "min": 0, "max": 6},
        ]}
    block = {
        "input": {"channels": "any", "range": "0..255", "mean": 127.5, "std": 127.5,
                  "order": "bgr", "light": "linear"},
        "layers": [
            {"name": "stem", "op": "conv", "weight": "stem.0.weight", "bias": "stem.0.bias", "padding": [1, 1]},
            {"name": "stem_bn", "op": "batchnorm", "weight": "stem.1.weight", "bias": "stem.1.bias",
             "mean": "stem.1.running_mean", "var": "stem.1.running_var"},
            {"name": "stem_relu", "op": "relu"},
            {"name": "a_dw", "op": "conv", "weight": "a.0.weight", "padding": "same", "groups": 8},
            {"name": "a_bn", "op": "batchnorm", "mean": "a.1.running_mean", "var": "a.1.running_var", "eps": 0.001},
            {"name": "a_relu6", "op": "clip", "min": 0, "max": 6},
            {"name": "sum", "op": "add", "inputs": ["stem_relu", "a_relu6"]},
            {"name": "b_pad", "op": "pad", "pads": 1, "mode": "reflect"},
            {"name": "b_conv", "op": "conv", "weight": "b.1.weight", "bias": "b.1.bias", "padding": "valid"},
            {"name": "b_act", "op": "leaky-relu", "alpha": 0.1},
            {"name": "c_pad", "op": "pad", "pads": [0, 1, 1, 2], "mode": "edge", "inputs": ["sum"]},
            {"name": "c_crop", "op": "pad", "pads": [1, 0, 0, -1], "value": 0.5},
            {"name": "c_conv", "op": "conv", "weight": "c.2.weight", "bias": "c.2.bias",
             "stride": [1, 1], "dilation": 1, "padding": [0, 0, 0, 0]},
            {"name": "c_act", "op": "sigmoid"},
            {"name": "cat", "op": "concat", "inputs": ["b_act", "c_act"]},
            {"name": "pool", "op": "maxpool", "kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True,
             "dilation": [1, 1]},
            {"name": "avg", "op": "avgpool", "kernel": [3, 3], "stride": 1, "padding": 1,
             "count_include_pad": False},
            {"name": "tail", "op": "conv", "weight": "tail.0.weight", "bias": "tail.0.bias",
             "stride": 2, "dilation": 2, "padding": 2},
            {"op": "tanh"},
            {"name": "clip_lo", "op": "clip", "max": 0.5},
            {"op": "identity"},
        ]}
    out = []
    for name, desc in (("seq", seq), ("block", block)):
        sd = {k: v.detach().numpy().copy() for k, v in ms[name].state_dict().items()}
        # a_dw has no bias and a_bn is read without its affine tensors: drop
        # them from the file so the reader's ones and zeros are tested
        for k in ("a.1.weight", "a.1.bias"):
            sd.pop(k, None)
        out.append((name, desc, sd))
    return out


def run_case(exe, folder, label, desc, tensors, stored, fmt, dtype="F32"):
    os.makedirs(folder, exist_ok=True)
    if fmt == "npz":
        np.savez(os.path.join(folder, "model.npz"), **stored)
        weights = "model.npz"
    else:
        write_safetensors(os.path.join(folder, "model.safetensors"), stored, dtype,
                          metadata={"format": "pt"})
        weights = "model.safetensors"
    # the same description twice: named by path and found as a sidecar
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(desc, f)
    with open(os.path.join(folder, "stack.json"), "w") as f:
        json.dump(dict(desc, weights=weights), f)
    want = expected(desc, tensors, fmt)
    for entry in (weights, "stack.json", "model.json"):
        got, err = dump(exe, os.path.join(folder, entry))
        check(got is not None, "%s via %s: refused: %s" % (label, entry, err))
        if got is not None:
            diff = first_difference(got, want)
            check(diff is None, "%s via %s: differs at %s" % (label, entry, diff))


def main():
    exe = os.path.abspath(sys.argv[1])
    out = tempfile.mkdtemp(prefix="fm-stack-read-")
    for name, desc, sd in models():
        run_case(exe, os.path.join(out, name + "-f32"), name + " f32", desc, sd, sd, "safetensors")
        for dtype in ("F16", "BF16", "F64"):
            read = {k: as_read(v, dtype) for k, v in sd.items()}
            run_case(exe, os.path.join(out, name + "-" + dtype), "%s %s" % (name, dtype),
                     desc, read, sd, "safetensors", dtype)
        run_case(exe, os.path.join(out, name + "-npz"), name + " npz", desc,
                 {k: (v.astype(np.float32)) for k, v in sd.items()}, sd, "npz")
        # Keras layout: every conv weight stored HWIO and declared so
        hwio_desc = json.loads(json.dumps(desc))
        stored = dict(sd)
        for layer in hwio_desc["layers"]:
            if layer["op"] == "conv":
                layer["layout"] = "hwio"
                stored[layer["weight"]] = np.ascontiguousarray(sd[layer["weight"]].transpose(2, 3, 1, 0))
        run_case(exe, os.path.join(out, name + "-hwio"), name + " hwio", hwio_desc, stored, stored,
                 "safetensors")
        # and the transposition gives PyTorch's own OIHW bytes back
        got, _ = dump(exe, os.path.join(out, name + "-hwio", "model.safetensors"))
        if got:
            for layer in desc["layers"]:
                if layer["op"] == "conv":
                    w = layer["weight"]
                    check(got["initializers"][w] == tview(sd[w]),
                          "%s hwio: %s is not PyTorch's OIHW after the transposition" % (name, w))
    print("stack-read: %d checks, %d failed" % (test_onnx_read.checks, len(failures)))
    if not failures:
        shutil.rmtree(out)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
