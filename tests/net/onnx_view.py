"""An ONNX file as the onnx Python package reads it, in dump-graph's JSON
form: what featuremaps' reader must produce from the same file.

The reader's documented transformations are applied here too, from the
onnx package's own parse: Constant nodes with a tensor, float(s) or int(s)
value become initializers named after their output; unnamed nodes are named
"<op>_<index>"; graph inputs that are initializers are dropped."""
import hashlib
import struct

import numpy as np
import onnx
from onnx import numpy_helper

FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE,
               onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16}


def float_bits(value):
    return "%08x" % struct.unpack("<I", struct.pack("<f", value))[0]


def tensor_array(t):
    """The tensor's values as the graph holds them: float32 or int64."""
    if t.data_type == onnx.TensorProto.BFLOAT16:
        # bfloat16 is the top half of a float32, whatever numpy offers
        if t.raw_data:
            bits = np.frombuffer(t.raw_data, dtype="<u2").astype(np.uint32)
        else:
            bits = np.asarray(t.int32_data, dtype=np.uint32) & 0xffff
        arr = (bits << 16).view(np.float32).reshape(tuple(t.dims))
    else:
        arr = numpy_helper.to_array(t)
    if t.data_type in FLOAT_TYPES:
        return np.array(arr, dtype="<f4", order="C")
    return np.array(arr, dtype="<i8", order="C")


def tensor_view(arr):
    return {
        "type": "float32" if arr.dtype == np.float32 else "int64",
        "dims": list(arr.shape),
        "sha256": hashlib.sha256(arr.tobytes()).hexdigest(),
    }


def attr_view(a):
    A = onnx.AttributeProto
    if a.type == A.FLOAT:
        return {"type": "float", "value": float_bits(a.f)}
    if a.type == A.INT:
        return {"type": "int", "value": a.i}
    if a.type == A.STRING:
        return {"type": "string", "value": a.s.decode("utf-8")}
    if a.type == A.INTS:
        return {"type": "ints", "value": list(a.ints)}
    if a.type == A.FLOATS:
        return {"type": "floats", "value": [float_bits(f) for f in a.floats]}
    if a.type == A.TENSOR:
        return {"type": "tensor", "value": tensor_view(tensor_array(a.t))}
    return {"type": "other", "value": None}


def constant_array(node):
    if node.op_type != "Constant" or node.domain not in ("", "ai.onnx") \
            or len(node.output) != 1 or len(node.attribute) != 1 or not node.output[0]:
        return None
    a = node.attribute[0]
    if a.name == "value" and a.type == onnx.AttributeProto.TENSOR:
        return tensor_array(a.t)
    if a.name == "value_float":
        return np.array(a.f, dtype="<f4")
    if a.name == "value_int":
        return np.array(a.i, dtype="<i8")
    if a.name == "value_floats":
        return np.array(list(a.floats), dtype="<f4")
    if a.name == "value_ints":
        return np.array(list(a.ints), dtype="<i8")
    return None


def value_info_view(v):
    dims = []
    if v.type.HasField("tensor_type") and v.type.tensor_type.HasField("shape"):
        for d in v.type.tensor_type.shape.dim:
            dims.append(d.dim_value if d.HasField("dim_value") else -1)
    return {"name": v.name, "dims": dims}


def view(path):
    model = onnx.load(path)   # loads external data too
    g = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
    producer = model.producer_name
    if model.producer_version:
        producer += " " + model.producer_version
    inits = {t.name: tensor_view(tensor_array(t)) for t in g.initializer}

    explicit = {n.name for n in g.node if n.name}
    nodes = []
    for index, n in enumerate(g.node):
        name = n.name
        if not name:
            name = "%s_%d" % (n.op_type, index)
            extra = 1
            while name in explicit:
                name = "%s_%d_%d" % (n.op_type, index, extra)
                extra += 1
            explicit.add(name)
        const = constant_array(n)
        if const is not None:
            inits[n.output[0]] = tensor_view(const)
            continue
        nodes.append({
            "name": name,
            "op": n.op_type,
            "domain": "" if n.domain == "ai.onnx" else n.domain,
            "inputs": list(n.input),
            "outputs": list(n.output),
            "attrs": {a.name: attr_view(a) for a in n.attribute},
        })
    return {
        "format": "onnx",
        "producer": producer or None,
        "opset": opset,
        "inputs": [value_info_view(v) for v in g.input if v.name not in inits],
        "outputs": [value_info_view(v) for v in g.output],
        "nodes": nodes,
        "initializers": dict(sorted(inits.items())),
        "input_decl": None,
    }
