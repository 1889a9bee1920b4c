"""The harness's checks for reading a deep layer in GIMP (cases-deep.scm):
the summary layer against numpy's PCA of PyTorch's own activations, and
plug-in-feature-maps-rank against numpy's ranking, both inside a selection.

The activations are the shipped PyTorch ones (tests/data/net/tiny-cnn/…,
written by torch for the sample image; numpy is all the GIMP 3 root has).
The selection is a union of rectangles in image pixels; a map pixel is
inside when the input pixel nearest its window's centre is: row
floor(offset + i·stride + ½) (the rule docs/deep-layers.md gives).

  PCA label ref.npy stride offset x y w h [x y w h …]
      the RGB summary layer `label` (TIFFDATA/DATA) over the photo at 0,0,
      each map pixel a stride × stride block, is 0.5 + c/(6σ) clipped,
      for c numpy's projection on the top three eigenvectors of the
      population covariance of the pixels inside, up to each sign
  RANKED by ref.npy stride offset x y w h [x y w h …] : channels : means : maxes
      the procedure's ranking equals numpy's (positions may swap only
      between channels whose statistic agrees within the tolerance)
"""
import os

import numpy as np

TOL_VALUE = 2e-3    # × max |activation|: the network against PyTorch
TOL_DISPLAY = 0.01  # summary display values (0..1)


def _grid_mask(ref, stride, offset, rects):
    h, w = ref.shape[:2]
    rows = np.clip(np.floor(offset + np.arange(h) * stride + 0.5).astype(int), 0, None)
    cols = np.clip(np.floor(offset + np.arange(w) * stride + 0.5).astype(int), 0, None)
    inside = np.zeros((h, w), bool)
    for x, y, rw, rh in rects:
        inside |= ((rows[:, None] >= y) & (rows[:, None] < y + rh)
                   & (cols[None, :] >= x) & (cols[None, :] < x + rw))
    return inside


def _parse(fields):
    ref, stride, offset = fields[0], int(fields[1]), float(fields[2])
    nums = [int(v) for v in fields[3:]]
    rects = [tuple(nums[i:i + 4]) for i in range(0, len(nums), 4)]
    return ref, stride, offset, rects


def check_pca(rest, data, args):
    f = rest.split()
    label = f[0]
    ref_path, stride, offset, rects = _parse(f[1:])
    if label not in data:
        return ["PCA %s: no DATA" % label]
    maps = np.load(os.path.join(args.src, ref_path)).astype(np.float64)
    inside = _grid_mask(maps, stride, offset, rects)
    X = maps[inside]
    cov = np.cov(X, rowvar=False, bias=True)
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1][:3]
    vals, vecs = vals[order], vecs[:, order]
    coords = (maps.reshape(-1, maps.shape[2]) - X.mean(axis=0)) @ vecs
    want = np.clip(0.5 + coords / (6 * np.sqrt(vals)), 0, 1).reshape(maps.shape[0], maps.shape[1], 3)
    want = np.repeat(np.repeat(want, stride, axis=0), stride, axis=1)
    d = data[label]
    got = d["values"][..., :3]
    errors = []
    if got.shape != want.shape:
        return ["%s: summary layer %s, expected %s" % (label, got.shape, want.shape)]
    if (d["ox"], d["oy"]) != (0, 0):
        errors.append("%s: offsets %d,%d" % (label, d["ox"], d["oy"]))
    for c in range(3):
        same = np.abs(got[..., c] - want[..., c]).max()
        flipped = np.abs(got[..., c] - (1 - want[..., c])).max()
        err = min(same, flipped)
        if not err <= TOL_DISPLAY:
            errors.append("%s: component %d differs from numpy's PCA by %g (either sign)"
                          % (label, c + 1, err))
    if d["nc"] == 4 and not np.all(d["values"][..., 3] == 1.0):
        errors.append("%s: alpha not opaque" % label)
    return errors


def check_ranked(rest, args):
    head, channels, means, maxes = rest.split(":")
    f = head.split()
    by = f[0]
    ref_path, stride, offset, rects = _parse(f[1:])
    maps = np.load(os.path.join(args.src, ref_path)).astype(np.float64)
    inside = _grid_mask(maps, stride, offset, rects)
    X = maps[inside]
    mean, mx = X.mean(axis=0), X.max(axis=0)
    K = maps.shape[2]
    key, other = (mean, mx) if by == "mean" else (mx, mean)
    want = sorted(range(K), key=lambda k: (-key[k], -other[k], k))
    got = [int(v) for v in channels.split()]
    got_mean = [float(v) for v in means.split()]
    got_max = [float(v) for v in maxes.split()]
    tol = TOL_VALUE * float(np.max(np.abs(maps)))
    errors = []
    if sorted(got) != list(range(K)) or len(got_mean) != K or len(got_max) != K:
        return ["ranking by %s: %d channels, %d means, %d maxes; expected each of 0..%d once"
                % (by, len(got), len(got_mean), len(got_max), K - 1)]
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w and abs(key[g] - key[w]) > tol:
            errors.append("ranking by %s, place %d: channel %d (%s %g), numpy has %d (%g)"
                          % (by, i + 1, g, by, key[g], w, key[w]))
        if abs(got_mean[i] - mean[g]) > tol or abs(got_max[i] - mx[g]) > tol:
            errors.append("channel %d: mean %g max %g, numpy %g %g"
                          % (g, got_mean[i], got_max[i], mean[g], mx[g]))
    return errors
