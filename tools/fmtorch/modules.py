"""Graph glue as nn.Modules, so every step of a stack is a named submodule:
torch.onnx.export then names its nodes "/<name>/<Op>" and a forward hook
sees its output.  Each exports to the one ONNX operator the stack
description's op of the same name lowers to."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Add(nn.Module):
    """Residual sum of two or more tensors of one shape (ONNX Add)."""

    def forward(self, *xs):
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        return y


class Concat(nn.Module):
    """Concatenation along channels (ONNX Concat, axis 1)."""

    def forward(self, *xs):
        return torch.cat(xs, dim=1)


class Pad(nn.Module):
    """F.pad with explicit, possibly asymmetric, pads (ONNX Pad).

    pads: (top, left, bottom, right), the stack description's order; mode:
    "constant", "reflect" or "edge" (F.pad's "replicate")."""

    MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate"}

    def __init__(self, pads, mode="constant", value=0.0):
        super().__init__()
        self.pads = tuple(int(p) for p in pads)
        self.mode = mode
        self.value = float(value)

    def forward(self, x):
        top, left, bottom, right = self.pads
        if self.mode == "constant":
            return F.pad(x, (left, right, top, bottom), mode="constant", value=self.value)
        return F.pad(x, (left, right, top, bottom), mode=self.MODES[self.mode])

    def extra_repr(self):
        return "pads=%s, mode=%s, value=%g" % (self.pads, self.mode, self.value)
