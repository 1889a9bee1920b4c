"""The ONNX reader against the onnx package, on files torch.onnx.export
writes (opsets 11 and 13, with and without constant folding, BatchNorm kept
or folded by the exporter) and on files built with onnx.helper for the
encodings PyTorch does not use (float_data packed and unpacked, every data
type, external data).  Each file goes through dump-graph (the C reader) and
onnx_view (the onnx package); the two JSON views must be equal: same nodes,
attributes bit for bit, initializer values bit-exact (SHA-256).

usage: test_onnx_read.py DUMP-GRAPH"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_view  # noqa: E402

failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL", what, flush=True)


def dump(exe, path):
    p = subprocess.run([exe, path], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout), None


def first_difference(a, b, where=""):
    if type(a) != type(b):
        return "%s: %r vs %r" % (where, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (where, k, "C" if k in a else "onnx")
            d = first_difference(a[k], b[k], where + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (where, a, b)


def compare(exe, path, label):
    got, err = dump(exe, path)
    check(got is not None, "%s: the reader refused it: %s" % (label, err))
    if got is None:
        return None
    want = onnx_view.view(path)
    diff = first_difference(got, want)
    check(diff is None, "%s: differs from the onnx package at %s" % (label, diff))
    return got


# --- models PyTorch writes ----------------------------------------------------

def torch_models():
    import torch
    import torch.nn as nn

    class Block(nn.Module):
        """Residual add, channel concat, pads of each mode, pools with every
        attribute PyTorch exports."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
            self.a = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False),
                                   nn.BatchNorm2d(8), nn.ReLU6())
            self.b = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(8, 4, 3, dilation=1),
                                   nn.LeakyReLU(0.1))
            self.c = nn.Sequential(nn.ReplicationPad2d((1, 2, 0, 1)), nn.ZeroPad2d((0, -1, 1, 0)),
                                   nn.Conv2d(8, 4, (3, 3), stride=(1, 1)), nn.Sigmoid())
            self.pool = nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True)
            self.avg = nn.AvgPool2d(3, stride=1, padding=1, ceil_mode=False, count_include_pad=False)
            self.tail = nn.Sequential(nn.Conv2d(8, 6, 3, stride=2, dilation=2, padding=2), nn.Tanh(),
                                      nn.Dropout(0.3), nn.Identity())

        def forward(self, x):
            x = self.stem(x)
            x = x + self.a(x)
            x = torch.cat([self.b(x), self.c(x)], dim=1)
            x = self.avg(self.pool(x))
            return self.tail(x)

    torch.manual_seed(13)
    seq = nn.Sequential(nn.Conv2d(3, 8, 5, padding=2, stride=2), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Conv2d(8, 4, 3, groups=2), nn.Hardtanh(0.0, 6.0))
    models = {"block": Block(), "seq": seq}
    for m in models.values():
        # running statistics away from 0 / 1 so folding shows
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-1, 1)
                mod.running_var.uniform_(0.5, 2)
        m.eval()
    return torch, models


def export_torch(exe, out):
    torch, models = torch_models()
    x = torch.randn(1, 3, 24, 24)
    for name, m in models.items():
        for opset in (11, 13):
            for fold in (True, False):
                for mode in ("eval", "preserve"):
                    path = os.path.join(out, "%s-%d-%s-%s.onnx" % (name, opset, "fold" if fold else "nofold", mode))
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        torch.onnx.export(m, x, path, opset_version=opset, do_constant_folding=fold,
                                          training=torch.onnx.TrainingMode.EVAL if mode == "eval"
                                          else torch.onnx.TrainingMode.PRESERVE,
                                          input_names=["image"], output_names=["out"],
                                          dynamic_axes={"image": {2: "h", 3: "w"}} if fold else None)
                    got = compare(exe, path, os.path.basename(path))
                    if got is None:
                        continue
                    ops = [n["op"] for n in got["nodes"]]
                    check(got["opset"] == opset, "%s: opset %s" % (path, got["opset"]))
                    check(got["producer"].startswith("pytorch "), "%s: producer %s" % (path, got["producer"]))
                    # 1.13 folds BatchNorm into the conv in EVAL mode; PRESERVE keeps it
                    check(("BatchNormalization" in ops) == (mode == "preserve"),
                          "%s: BatchNormalization present %s" % (path, "BatchNormalization" in ops))
                    check(got["inputs"][0]["dims"] == ([1, 3, -1, -1] if fold else [1, 3, 24, 24]),
                          "%s: input dims %s" % (path, got["inputs"][0]["dims"]))
                    if name == "block":
                        for op in ("Conv", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "Pad",
                                   "Add", "Concat", "MaxPool", "AveragePool"):
                            check(op in ops, "%s: no %s node" % (path, op))


# --- encodings PyTorch does not write -----------------------------------------

def encode_varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, wire, payload):
    key = encode_varint(number << 3 | wire)
    if wire == 2:
        return key + encode_varint(len(payload)) + payload
    return key + payload


def unpacked_tensor(name, dims, values):
    """TensorProto with float_data written unpacked (one key per value), as
    a proto2 writer without [packed=true] would."""
    import struct
    msg = b"".join(field(1, 0, encode_varint(d)) for d in dims)
    msg += field(2, 0, encode_varint(TensorProto.FLOAT))
    msg += b"".join(field(4, 5, struct.pack("<f", v)) for v in values)
    msg += field(8, 2, name.encode())
    return msg


def crafted(exe, out):
    rng = np.random.default_rng(5)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    inits = [
        helper.make_tensor("w_packed", TensorProto.FLOAT, w.shape, w.flatten().tolist()),
        helper.make_tensor("b_raw", TensorProto.FLOAT, [4], rng.standard_normal(4).astype(np.float32).tobytes(), raw=True),
    ]
    h = rng.standard_normal(6).astype(np.float16)
    inits.append(helper.make_tensor("f16_raw", TensorProto.FLOAT16, [2, 3], h.tobytes(), raw=True))
    inits.append(helper.make_tensor("f16_int32", TensorProto.FLOAT16, [6],
                                    h.view(np.uint16).astype(np.int32).tolist()))
    # subnormal, infinity, NaN and signed zero halves
    special = np.array([1e-7, -6e-5, np.inf, -np.inf, -0.0, 65504], dtype=np.float16)
    inits.append(helper.make_tensor("f16_special", TensorProto.FLOAT16, [6], special.tobytes(), raw=True))
    bf = (rng.standard_normal(5).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    inits.append(helper.make_tensor("bf16_raw", TensorProto.BFLOAT16, [5], bf.tobytes(), raw=True))
    inits.append(helper.make_tensor("bf16_int32", TensorProto.BFLOAT16, [5], bf.astype(np.int32).tolist()))
    d = rng.standard_normal(7)
    inits.append(helper.make_tensor("f64_raw", TensorProto.DOUBLE, [7], d.tobytes(), raw=True))
    inits.append(helper.make_tensor("f64_data", TensorProto.DOUBLE, [7], d.tolist()))
    inits.append(helper.make_tensor("i64_data", TensorProto.INT64, [3], [-(1 << 62), 0, 7]))
    inits.append(helper.make_tensor("i64_raw", TensorProto.INT64, [2], np.array([5, -9], "<i8").tobytes(), raw=True))
    inits.append(helper.make_tensor("i32_data", TensorProto.INT32, [3], [-5, 1 << 30, 2]))
    inits.append(helper.make_tensor("i8_data", TensorProto.INT8, [3], [-128, 127, 0]))
    inits.append(helper.make_tensor("u8_raw", TensorProto.UINT8, [3], bytes([0, 200, 255]), raw=True))
    inits.append(helper.make_tensor("u16_data", TensorProto.UINT16, [2], [65535, 1]))
    inits.append(helper.make_tensor("bool_data", TensorProto.BOOL, [3], [True, False, True]))
    inits.append(helper.make_tensor("u64_data", TensorProto.UINT64, [2], [1 << 62, 3]))
    inits.append(helper.make_tensor("u32_raw", TensorProto.UINT32, [2], np.array([1 << 31, 4], "<u4").tobytes(), raw=True))
    inits.append(helper.make_tensor("scalar", TensorProto.FLOAT, [], [2.5]))
    inits.append(helper.make_tensor("empty", TensorProto.FLOAT, [0, 3], []))

    nodes = [
        helper.make_node("Conv", ["x", "w_packed", "b_raw"], ["c"], pads=[1, 1, 1, 1],
                         strides=[1, 1], auto_pad="NOTSET"),
        # unnamed nodes get "<op>_<index>"
        helper.make_node("Constant", [], ["cmin"], value_float=0.0),
        helper.make_node("Constant", [], ["cmax"], value=helper.make_tensor("", TensorProto.FLOAT, [], [6.0])),
        helper.make_node("Constant", [], ["cints"], value_ints=[1, 2, 3]),
        helper.make_node("Constant", [], ["cfloats"], value_floats=[0.5, -1.5]),
        helper.make_node("Clip", ["c", "cmin", "cmax"], ["r"], name=""),
        helper.make_node("LeakyRelu", ["r"], ["l"], alpha=0.125),
        helper.make_node("Pad", ["l"], ["p"], name="pad", mode="reflect", pads=[0, 0, 1, 1, 0, 0, 1, 1]),
        helper.make_node("AveragePool", ["p"], ["y"], name="pool", kernel_shape=[3, 3],
                         count_include_pad=1, ceil_mode=1, dilations=[1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["y"], ["Relu_9"], name="Relu_9"),   # a name the renaming must avoid
        helper.make_node("Relu", ["Relu_9"], ["z"]),
    ]
    graph = helper.make_graph(nodes, "crafted",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", None]),
                               helper.make_tensor_value_info("w_packed", TensorProto.FLOAT, [4, 3, 3, 3])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
                              initializer=inits)
    model = helper.make_model(graph, producer_name="crafted", opset_imports=[helper.make_opsetid("", 11)])
    path = os.path.join(out, "crafted.onnx")
    onnx.save(model, path)
    got = compare(exe, path, "crafted.onnx")
    if got:
        names = [n["name"] for n in got["nodes"]]
        check(names == ["Conv_0", "Clip_5", "LeakyRelu_6", "pad", "pool", "Relu_9", "Relu_10"],
              "crafted: node names %s" % names)
        check({"cmin", "cmax", "cints", "cfloats"} <= set(got["initializers"]),
              "crafted: Constant nodes did not become initializers")
        check([i["name"] for i in got["inputs"]] == ["x"], "crafted: inputs %s" % got["inputs"])
        check(got["inputs"][0]["dims"] == [1, 3, -1, -1], "crafted: input dims %s" % got["inputs"][0]["dims"])

    # float_data unpacked: spliced into the graph's bytes by hand, because
    # the protobuf library always writes it packed
    vals = rng.standard_normal(6).astype(np.float32)
    graph_bytes = graph.SerializeToString() + field(5, 2, unpacked_tensor("unpacked", [2, 3], vals.tolist()))
    model2 = helper.make_model(helper.make_graph([], "empty", [], []), producer_name="crafted",
                               opset_imports=[helper.make_opsetid("", 13)])
    model2.ClearField("graph")
    data = model2.SerializeToString() + field(7, 2, graph_bytes)
    path2 = os.path.join(out, "unpacked.onnx")
    with open(path2, "wb") as f:
        f.write(data)
    check(not onnx.load(path2).graph.initializer[-1].raw_data, "unpacked: the onnx package sees raw_data")
    got = compare(exe, path2, "unpacked.onnx")
    if got:
        check(got["initializers"]["unpacked"]["dims"] == [2, 3], "unpacked: dims")

    # external data, beside the model and in a subfolder
    for location in ("weights.bin", os.path.join("sub", "weights.bin")):
        sub = os.path.join(out, "ext-" + location.replace(os.sep, "-"))
        os.makedirs(os.path.dirname(os.path.join(sub, location)), exist_ok=True)
        m = onnx.load(path)
        onnx.save_model(m, os.path.join(sub, "model.onnx"), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=location, size_threshold=0)
        m3 = onnx.load(os.path.join(sub, "model.onnx"), load_external_data=False)
        n_ext = sum(1 for t in m3.graph.initializer if t.data_location == TensorProto.EXTERNAL)
        check(n_ext > 5, "external: only %d tensors stored outside" % n_ext)
        compare(exe, os.path.join(sub, "model.onnx"), "external " + location)


def torch_save_refused(exe, out):
    """torch.save files, zip and legacy, state dict and whole module: one
    line that says how to export instead, exit status 2, nothing unpickled."""
    import torch
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3))
    files = {"state.pth": (m.state_dict(), True), "module.pt": (m, True),
             "legacy.pt": (m.state_dict(), False)}
    for name, (obj, zipped) in files.items():
        path = os.path.join(out, name)
        torch.save(obj, path, _use_new_zipfile_serialization=zipped)
        p = subprocess.run([exe, path], capture_output=True, text=True, timeout=60)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 2 and len(lines) == 1, "%s: status %d, %d lines" % (name, p.returncode, len(lines)))
        check(bool(lines) and "a PyTorch pickle" in lines[0] and "torch.onnx.export" in lines[0]
              and "safetensors" in lines[0], "%s: message %s" % (name, lines))


def main():
    exe = os.path.abspath(sys.argv[1])
    out = tempfile.mkdtemp(prefix="fm-onnx-read-")
    crafted(exe, out)
    torch_save_refused(exe, out)
    export_torch(exe, out)
    print("onnx-read: %d checks, %d failed" % (checks, len(failures)))
    if not failures:
        subprocess.run(["rm", "-rf", out])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
