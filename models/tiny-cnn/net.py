"""The tiny CNN: three conv → batch norm → ReLU stages and a linear head.

    input 3 × H × W, normalised (x − 0.5) / 0.5 outside the network
    conv1  3 → 8,  5 × 5, pad 2, no bias   bn1  relu1  pool1 (max 2 × 2)
    conv2  8 → 16, 3 × 3, pad 1, no bias   bn2  relu2  pool2 (max 2 × 2)
    conv3 16 → 32, 3 × 3, pad 1, no bias   bn3  relu3
    gap (global average)  fc 32 → 10

The layers are attributes with these names, so torch.onnx.export names the
nodes after them ("/conv1/Conv", "/relu2/Relu" …) and the state dict's
tensors are "conv1.weight", "bn1.running_mean" ….  The normalisation is not
a layer: it is the model's declared input (its stack description and the
ONNX sidecar say range 0..1, mean 0.5, std 0.5), as a torchvision
transforms.Normalize would be.
"""
import torch
import torch.nn as nn

MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]

# The spatial layers in order: (name, kind).  "kind" is the stack
# description's op.  The head (gap, fc) is not spatial.
SPATIAL = [
    ("conv1", "conv"), ("bn1", "batchnorm"), ("relu1", "relu"), ("pool1", "maxpool"),
    ("conv2", "conv"), ("bn2", "batchnorm"), ("relu2", "relu"), ("pool2", "maxpool"),
    ("conv3", "conv"), ("bn3", "batchnorm"), ("relu3", "relu"),
]


class TinyCNN(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 5, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2, 2)
        self.conv3 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(32)
        self.relu3 = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        for name, _ in SPATIAL:
            x = getattr(self, name)(x)
        return self.fc(torch.flatten(self.gap(x), 1))


def normalise(x):
    """x: N × 3 × H × W in 0..1 → the network's input."""
    mean = torch.tensor(MEAN, dtype=x.dtype).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean) / std
