"""Every layer's PyTorch activation, and the ONNX node each layer became.

activations() runs a model once with forward hooks on the named submodules
and returns their outputs as H × W × C float32 (the layout featuremaps
writes).  onnx_layers() reads an exported ONNX graph and finds, for each
layer name, the node that computes it: torch.onnx.export (1.13) names a
submodule's nodes "/<path>/<Op>" ("/conv1/Conv", "/block/conv/Conv",
repeated ops "_1", "_2" …) and their outputs "<node>_output_0", except the
graph's outputs, which take the names given to export.
"""
from collections import OrderedDict

import numpy as np
import torch

# ONNX ops a layer's scope may hold only to compute constants (the pads of a
# Pad, the bounds of a Clip); never the layer's own output.
HELPER_OPS = {"Constant", "ConstantOfShape", "Shape", "Gather", "Mul", "Sub",
              "Concat", "Reshape", "Slice", "Transpose", "Cast", "Unsqueeze",
              "Identity"}


def hwc(t):
    """1 × C × H × W tensor → H × W × C float32 array."""
    return np.ascontiguousarray(t.detach()[0].permute(1, 2, 0).cpu().numpy(), dtype=np.float32)


def nchw(x_hwc):
    """H × W × C (or H × W) array → 1 × C × H × W float32 tensor."""
    a = np.asarray(x_hwc, dtype=np.float32)
    if a.ndim == 2:
        a = a[..., None]
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]


def activations(model, names, x):
    """Outputs of model.<name> for each name (dotted paths allowed) on input
    x (1 × C × H × W), as H × W × C float32, in the order of `names`."""
    got = {}
    handles = []
    for name in names:
        module = model.get_submodule(name)

        def hook(_m, _inp, out, name=name):
            got[name] = hwc(out)
        handles.append(module.register_forward_hook(hook))
    try:
        model.eval()
        with torch.no_grad():
            final = model(x)
    finally:
        for h in handles:
            h.remove()
    missing = [n for n in names if n not in got]
    if missing:
        raise ValueError("layers never ran: %s" % ", ".join(missing))
    return OrderedDict((n, got[n]) for n in names), final


def scope_of(name):
    return "/" + name.replace(".", "/") + "/"


def onnx_layers(graph, layers):
    """graph: an onnx GraphProto; layers: [(name, kind)] in forward order,
    kind being the stack op ("conv", "batchnorm", …).  Returns
    {name: {"node": node name, "output": tensor name, "op": op_type}} for the
    layers the graph computes, and {name: None} for those it does not:
    a batch norm the exporter folded into the conv before it (then the conv's
    node computes the batch norm's output and the conv's own output exists
    nowhere), an identity or dropout it removed.  The scope of a layer
    holds every node under "/<name>/"; its output is its last node that is
    not a helper computing constants."""
    nodes = list(graph.node)
    found = OrderedDict()
    previous = None
    for name, kind in layers:
        scope = scope_of(name)
        mine = [n for n in nodes if n.name.startswith(scope)
                and n.name[len(scope):].find("/") < 0]
        main = [n for n in mine if n.op_type not in HELPER_OPS or
                (kind == "concat" and n.op_type == "Concat")]
        if not main and kind == "pad" and name.endswith("_pad"):
            # A conv's padding_mode: its Pad sits in the conv's own scope.
            conv = scope_of(name[:-4])
            main = [n for n in nodes if n.name.startswith(conv) and n.op_type == "Pad"]
        if main:
            n = main[-1]
            found[name] = {"node": n.name, "output": n.output[0], "op": n.op_type}
        elif kind == "batchnorm" and previous is not None and found.get(previous[0]) \
                and previous[1] == "conv" and found[previous[0]]["op"] == "Conv":
            # Folded: the conv's node now yields the batch norm's values.
            found[name] = found[previous[0]]
            found[previous[0]] = None
        else:
            found[name] = None
        previous = (name, kind)
    return found
