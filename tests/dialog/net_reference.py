#!/usr/bin/python3
"""A network layer's activations for the dialog's network tests, computed
by PyTorch from the ONNX file's own nodes and weights (not by featuremaps):
the chain of Conv / Relu / MaxPool nodes from the input to the layer.

Usage: net_reference.py MODEL.onnx LAYER PIXELS.f32 H W MEAN STD OUT.f32 [Y0 Y1 X0 X1]
PIXELS: H × W × 3 float32 (perceptual 0..1, RGB), prepared as
(v - MEAN[c]) / STD[c] (comma-separated).  Prints one line per channel
(over map rows Y0..Y1 and columns X0..X1, end excluded, when given),
highest mean first (then max, then the lower channel): channel mean max;
writes the maps to OUT as K × H' × W' float32.  Exit 77 without PyTorch or
onnx (the GIMP 3 root has neither)."""
import sys

import numpy as np

try:
    import onnx
    import torch
    import torch.nn.functional as F
    from onnx import numpy_helper
except ImportError:
    sys.exit(77)

path, layer, pixels, H, W, mean, std, out = sys.argv[1:9]
H, W = int(H), int(W)
mean = np.array([float(v) for v in mean.split(",")]).reshape(3, 1, 1)
std = np.array([float(v) for v in std.split(",")]).reshape(3, 1, 1)

model = onnx.load(path)
init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
producer = {o: n for n in model.graph.node for o in n.output}
node = next(n for n in model.graph.node if n.name == layer)
chain = []
while node is not None:
    chain.append(node)
    node = producer.get(node.input[0])

img = np.fromfile(pixels, dtype=np.float32).reshape(H, W, 3).transpose(2, 0, 1)
x = torch.from_numpy(((img - mean) / std)[None].astype(np.float32))
with torch.no_grad():
    for n in reversed(chain):
        a = {t.name: onnx.helper.get_attribute_value(t) for t in n.attribute}
        pads = a.get("pads", [0, 0, 0, 0])
        if n.op_type == "Conv":
            w = torch.from_numpy(init[n.input[1]])
            b = torch.from_numpy(init[n.input[2]]) if len(n.input) > 2 and n.input[2] else None
            assert pads[0] == pads[2] and pads[1] == pads[3]
            x = F.conv2d(x, w, b, stride=tuple(a.get("strides", [1, 1])),
                         padding=(pads[0], pads[1]), dilation=tuple(a.get("dilations", [1, 1])),
                         groups=a.get("group", 1))
        elif n.op_type == "Relu":
            x = F.relu(x)
        elif n.op_type == "MaxPool":
            x = F.max_pool2d(x, tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])),
                             (pads[0], pads[1]))
        else:
            raise SystemExit("net_reference.py: no %s here" % n.op_type)

maps = x[0].numpy().astype(np.float64)
K = maps.shape[0]
if len(sys.argv) > 9:
    y0, y1, x0, x1 = (int(v) for v in sys.argv[9:13])
    roi = maps[:, y0:y1, x0:x1]
else:
    roi = maps
m, mx = roi.reshape(K, -1).mean(axis=1), roi.reshape(K, -1).max(axis=1)
# The summary of the ROI (docs/deep-layers.md): population covariance, the
# three eigenvectors of largest eigenvalue, each pixel's coordinates shown
# as 0.5 + c / (6 sqrt(lambda)) clipped to 0..1; written to OUT.summary as
# H_roi x W_roi x 3 float32 (signs are compared up to a flip).
X = roi.reshape(K, -1).T
C = np.cov(X, rowvar=False, bias=True)
lam, vec = np.linalg.eigh(C)
top = np.argsort(lam)[::-1][:3]
coords = (X - X.mean(axis=0)) @ vec[:, top]
rgb = np.clip(0.5 + coords / (6 * np.sqrt(lam[top])), 0, 1)
rgb.reshape(roi.shape[1], roi.shape[2], 3).astype(np.float32).tofile(out + ".summary")

for c in np.lexsort((np.arange(K), -mx, -m)):
    print("%d %.9g %.9g" % (c, m[c], mx[c]))
maps.astype(np.float32).tofile(out)
