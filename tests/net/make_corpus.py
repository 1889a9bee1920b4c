"""Writes the seed corpus of the model-reader fuzz targets into
tests/data/net/{onnx,safetensors,stack}: small files that reach every
message type, dtype and operator the readers know.  Run once with
/usr/bin/python3 when the readers learn something new; the files are
committed, and whatever libFuzzer finds is added beside them.

usage: make_corpus.py OUT-DIR"""
import json
import os
import struct
import sys
import warnings

import numpy as np
import onnx
from onnx import helper, TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_stack_read import write_safetensors  # noqa: E402


def onnx_seeds(out):
    import torch
    import torch.nn as nn
    torch.manual_seed(1)
    m = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU6(),
                      nn.MaxPool2d(2, ceil_mode=True), nn.Conv2d(4, 2, 3, groups=2, dilation=2),
                      nn.LeakyReLU(0.2), nn.ReflectionPad2d(1), nn.AvgPool2d(3, 1, 1, count_include_pad=False))
    m.eval()
    x = torch.randn(1, 3, 16, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, x, os.path.join(out, "torch-13.onnx"), opset_version=13)
        torch.onnx.export(m, x, os.path.join(out, "torch-11-preserve.onnx"), opset_version=11,
                          do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE,
                          dynamic_axes={"input.1": {2: "h", 3: "w"}})

    # every data type and encoding, Constant nodes, an If with a subgraph
    inits = [
        helper.make_tensor("f", TensorProto.FLOAT, [2, 2], [1.0, -2.0, 3.5, 0.0]),
        helper.make_tensor("r", TensorProto.FLOAT, [2], np.array([1, 2], "<f4").tobytes(), raw=True),
        helper.make_tensor("h", TensorProto.FLOAT16, [2], np.array([1, -2], "<f2").tobytes(), raw=True),
        helper.make_tensor("hi", TensorProto.FLOAT16, [1], [0x3c00]),
        helper.make_tensor("bf", TensorProto.BFLOAT16, [1], [0x3f80]),
        helper.make_tensor("d", TensorProto.DOUBLE, [2], [0.5, 1e-3]),
        helper.make_tensor("i64", TensorProto.INT64, [3], [1, -1, 1 << 40]),
        helper.make_tensor("i32", TensorProto.INT32, [2], [-3, 3]),
        helper.make_tensor("u8", TensorProto.UINT8, [2], bytes([1, 255]), raw=True),
        helper.make_tensor("b", TensorProto.BOOL, [2], [True, False]),
        helper.make_tensor("u64", TensorProto.UINT64, [1], [7]),
        helper.make_tensor("s", TensorProto.FLOAT, [], [2.0]),
    ]
    sub = helper.make_graph([helper.make_node("Identity", ["x"], ["t"])], "then", [],
                            [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
    nodes = [
        helper.make_node("Constant", [], ["c0"], value_float=0.0),
        helper.make_node("Constant", [], ["c1"], value_ints=[1, 2]),
        helper.make_node("Constant", [], ["c2"], value=helper.make_tensor("", TensorProto.FLOAT, [1], [6.0])),
        helper.make_node("Clip", ["x", "c0", "c2"], ["y"], name="clip"),
        helper.make_node("Conv", ["y", "f"], ["z"], kernel_shape=[1, 1], pads=[0, 0, 0, 0],
                         auto_pad="NOTSET", strides=[1, 1]),
        helper.make_node("If", ["b"], ["o"], then_branch=sub, else_branch=sub),
        helper.make_node("LeakyRelu", ["z"], ["l"], alpha=0.5),
    ]
    g = helper.make_graph(nodes, "seed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "h", 4])],
                          [helper.make_tensor_value_info("l", TensorProto.FLOAT, None)], initializer=inits)
    model = helper.make_model(g, producer_name="seed", opset_imports=[helper.make_opsetid("", 13)])
    with open(os.path.join(out, "dtypes.onnx"), "wb") as f:
        f.write(model.SerializeToString())

    # external data (refused without a folder: the fuzzer reads from memory)
    t = helper.make_tensor("e", TensorProto.FLOAT, [1], [0.0])
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "w.bin"), ("offset", "0"), ("length", "4")):
        e = t.external_data.add()
        e.key, e.value = k, v
    g2 = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "ext",
                           [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], initializer=[t])
    with open(os.path.join(out, "external.onnx"), "wb") as f:
        f.write(helper.make_model(g2, opset_imports=[helper.make_opsetid("", 11)]).SerializeToString())


def safetensors_seeds(out):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    write_safetensors(os.path.join(out, "f32.safetensors"),
                      {"w": w, "b": np.ones(2, np.float32), "n": np.array([5], np.int64)},
                      metadata={"format": "pt"})
    for dt in ("F16", "BF16", "F64"):
        write_safetensors(os.path.join(out, dt.lower() + ".safetensors"), {"w": w[:1, :1], "e": np.zeros((0, 2))}, dt)
    # every integer dtype by hand
    header, blob = {}, b""
    for dt, fmt, vals in (("I8", "<i1", [-1, 2]), ("U8", "<u1", [255, 0]), ("I16", "<i2", [-300, 3]),
                          ("U16", "<u2", [65535, 1]), ("I32", "<i4", [-5, 5]), ("U32", "<u4", [1 << 31, 2]),
                          ("U64", "<u8", [1 << 40, 1]), ("BOOL", "<u1", [1, 0])):
        raw = np.array(vals, fmt).tobytes()
        header[dt.lower()] = {"dtype": dt, "shape": [2], "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    h = json.dumps(header).encode()
    with open(os.path.join(out, "ints.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + blob)


STACKS = {
    "all-ops.json": {
        "format": "featuremaps-stack", "version": 1, "name": "all", "description": "every op",
        "input": {"channels": 3, "range": "0..255", "mean": [1, 2, 3], "std": 2, "order": "bgr",
                  "light": "linear"},
        "layers": [
            {"name": "c", "op": "conv", "weight": "w", "bias": "b", "stride": [1, 2], "dilation": 1,
             "padding": [1, 1, 1, 1], "groups": 1},
            {"op": "batchnorm", "weight": "g", "bias": "b", "mean": "mean", "var": "var", "eps": 1e-3},
            {"op": "relu"}, {"op": "leaky-relu", "alpha": 0.1}, {"op": "sigmoid"}, {"op": "tanh"},
            {"op": "clip", "min": 0, "max": 6},
            {"name": "p", "op": "maxpool", "kernel": 2, "stride": 2, "padding": 0, "dilation": 1,
             "ceil_mode": True},
            {"op": "avgpool", "kernel": [3, 3], "stride": 1, "padding": "same", "ceil_mode": False,
             "count_include_pad": True},
            {"op": "pad", "pads": [1, 0, -1, 2], "mode": "constant", "value": 0.5},
            {"name": "dw", "op": "conv", "weight": "dw", "groups": 4, "padding": "valid"},
            {"name": "sum", "op": "add", "inputs": ["dw", "dw"]},
            {"name": "cat", "op": "concat", "inputs": ["sum", "p"]},
            {"op": "identity"},
        ]},
    "hwio.json": {"layers": [{"op": "conv", "weight": "hw", "layout": "hwio", "padding": "same"},
                             {"op": "pad", "pads": 1, "mode": "reflect"},
                             {"op": "pad", "pads": 1, "mode": "edge"}]},
    "sidecar-input.json": {"name": "x", "input": {"channels": "any", "mean": 0.5, "std": 0.25}},
    "bank.json": {"filters": []},
}


def stack_seeds(out):
    for name, desc in STACKS.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(desc, f, indent=1)


def main():
    base = sys.argv[1]
    for sub, make in (("onnx", onnx_seeds), ("safetensors", safetensors_seeds), ("stack", stack_seeds)):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
        make(os.path.join(base, sub))


if __name__ == "__main__":
    main()
