#!/usr/bin/python3
"""Writes the small .npy/.npz fixtures of tests/bank with numpy's own writers,
so the C reader is tested against what Keras and PyTorch users really save
(including numpy's force_zip64 local headers).  Run with the python3 that has
numpy (/usr/bin/python3) from this folder; the outputs are committed."""
import numpy as np

# The tutorial's two line detectors, vertical then horizontal.
v = np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]], np.float32)
h = np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]], np.float32)
hwio = np.stack([v, h], axis=-1)[:, :, None, :]     # (3, 3, 1, 2)
oihw = np.stack([v, h])[:, None, :, :]               # (2, 1, 3, 3)
np.save('lines-hwio.npy', hwio)
np.save('lines-oihw.npy', oihw)
np.save('lines-hwio-f8be.npy', hwio.astype('>f8'))
np.save('lines-hwio-f2.npy', hwio.astype(np.float16))
np.save('lines-hwio-i2be.npy', hwio.astype('>i2'))
np.save('lines-hwio-u1.npy', hwio.astype(np.uint8))
np.save('lines-hwio-fortran.npy', np.asfortranarray(hwio))
# 2-D: one single-channel filter; values 1..6 so positions are checkable
np.save('ramp-2x3.npy', np.arange(1, 7, dtype=np.float32).reshape(2, 3))
# Keras Conv1D kernel (k, C, K): the tutorial's [0, 1, 0] bump detector
np.save('conv1d-keras.npy', np.array([0, 1, 0], np.float64).reshape(3, 1, 1))
# a distinct value everywhere: w[kh][kw][c][k] = 1000k + 100c + 10y + x
r = np.zeros((2, 3, 3, 4), np.float32)
for y in range(2):
    for x in range(3):
        for c in range(3):
            for k in range(4):
                r[y, x, c, k] = 1000 * k + 100 * c + 10 * y + x
np.save('coded-hwio.npy', r)
np.save('coded-oihw.npy', np.ascontiguousarray(r.transpose(3, 2, 0, 1)))
np.savez_compressed('lines-keras.npz', kernel=hwio, bias=np.array([0.5, -1], np.float32))
np.savez('lines-torch.npz', weight=oihw, bias=np.array([0.5, -1], np.float64))
np.savez('lines-statedict.npz', **{'conv1.weight': oihw, 'conv1.bias': np.array([2, 3], np.float32)})
np.savez('no-kernel.npz', bias=np.array([1], np.float32), other=np.zeros(3))
np.savez('two-kernels.npz', **{'a.weight': oihw, 'b.weight': oihw})
# Shapes the shape rule alone reads as HWIO, though PyTorch saved them: a
# (3, 1, 5, 1) OIHW kernel (three 5 × 1 filters).  The member name says
# OIHW in the first, the bias length (3 filters) in the second.
tall = np.arange(15, dtype=np.float32).reshape(3, 1, 5, 1)
np.savez('tall-torch.npz', **{'conv.weight': tall, 'conv.bias': np.array([1, 2, 3], np.float32)})
np.savez('tall-weights-bias.npz', weights=tall, bias=np.array([1, 2, 3], np.float32))
np.savez('bias-mismatch.npz', kernel=hwio, bias=np.zeros(3, np.float32))
np.save('nan-weight.npy', np.array([[0, 1], [np.nan, 0]], np.float32).reshape(2, 2))
np.save('object.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
np.save('complex.npy', np.zeros(3, np.complex64))
np.save('scalar.npy', np.float32(3.5))

# A PyTorch checkpoint (torch.save writes a zip: <name>/data.pkl, storages):
# not an .npz, and the reader must say what it is.  Needs torch.
try:
    import torch
    torch.save({'conv1.weight': torch.from_numpy(oihw)}, 'torch-save.pth')
except ImportError:
    pass
# State dicts read a layer at a time (FILE.npz#LAYER) and their refusals.
rng = np.random.default_rng(11)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# PyTorch: conv, batch norm, conv, linear; plus the input's mean and std
np.savez('state-dict.npz', **{
    'conv1.weight': f32(4, 3, 3, 3), 'conv1.bias': f32(4),
    'bn1.weight': f32(4), 'bn1.bias': f32(4), 'bn1.running_mean': f32(4),
    'bn1.running_var': np.abs(f32(4)), 'bn1.num_batches_tracked': np.array(3, np.int64),
    'conv2.weight': f32(2, 4, 1, 1), 'conv2.bias': f32(2),
    'fc.weight': f32(5, 8), 'fc.bias': f32(5),
    'mean': np.array([0.485, 0.456, 0.406], np.float32),
    'std': np.array([0.229, 0.224, 0.225], np.float32)})
# one layer, a typo in its bias
np.savez('state-typo.npz', weight=f32(2, 3, 3, 3), bais=f32(2))
# a conv and its batch norm: not one layer
np.savez('state-conv-bn.npz', **{
    'conv.weight': f32(2, 1, 3, 3), 'bn.weight': f32(2), 'bn.bias': f32(2),
    'bn.running_mean': f32(2), 'bn.running_var': np.abs(f32(2))})
# Keras-ish names, the input declaration as one value each
np.savez('state-keras.npz', **{
    'conv2d/kernel:0': f32(3, 3, 1, 2), 'conv2d/bias:0': f32(2),
    'mean': np.float32(0.5), 'std': np.float32(0.25)})
# a member of the picked layer nobody knows
np.savez('state-layer-typo.npz', **{
    'a.weight': f32(2, 1, 3, 3), 'a.bais': f32(2), 'b.weight': f32(2, 2, 1, 1)})
np.savez('state-std0.npz', kernel=f32(3, 3, 1, 1), std=np.float32(0))
