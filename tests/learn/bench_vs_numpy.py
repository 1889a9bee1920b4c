#!/usr/bin/python3
"""`featuremaps learn` side by side with what a user writes in Python today:
the least-squares kernel by numpy's normal equations, accumulated from
chunks of windows (sliding_window_view, then Xᵀ X through numpy's BLAS).

  bench_vs_numpy.py FEATUREMAPS [--width 4000 --height 3000] [--size 7x7]
                    [--mode full|per-channel|luminance] [--skip-numpy]

The pair: a textured random RGB image and its after image made by a hidden
kernel (through `featuremaps apply`; making it is not timed).  Printed: wall
and CPU seconds and peak memory of `featuremaps learn` on .npy files
(loading included) and of numpy on the arrays in memory.
Not a test: figures for docs/learning.md.
"""
import argparse
import json
import os
import atexit
import resource
import shutil
import subprocess
import tempfile
import time

import numpy as np


def texture(rng, h, w):
    x = rng.random((h, w, 3), dtype=np.float32)
    return ((x + np.roll(x, 1, 0) + np.roll(x, 1, 1)) / 3).astype(np.float32)


def numpy_fit(B, A, kh, kw, mode):
    """The normal equations over chunks of windows, solved by numpy."""
    from numpy.lib.stride_tricks import sliding_window_view
    H, W, C = B.shape
    Hv, Wv = H - kh + 1, W - kw + 1
    pt, pl = (kh - 1) // 2, (kw - 1) // 2
    if mode == "luminance":
        luma = np.array([0.2126, 0.7152, 0.0722], np.float32)
        B, A, C = (B @ luma)[:, :, None], (A @ luma)[:, :, None], 1
    view = sliding_window_view(B, (kh, kw), axis=(0, 1))      # Hv, Wv, C, kh, kw
    target = A[pt:pt + Hv, pl:pl + Wv]
    stacks = C if mode == "per-channel" else 1
    P = kh * kw * (1 if mode == "per-channel" else C)
    O = 1 if mode == "per-channel" else C
    XtX = np.zeros((P + 1, P + 1))
    Xty = np.zeros((P + 1, O))
    rows = max(1, 2_000_000 // (Wv * P))                      # ~16 MB of windows a chunk
    for y0 in range(0, Hv, rows):
        v = view[y0:y0 + rows]
        t = target[y0:y0 + rows]
        for s in range(stacks):
            if mode == "per-channel":
                X = v[:, :, s].reshape(-1, kh * kw).astype(np.float64)
                y = t[:, :, s].reshape(-1, 1).astype(np.float64)
            else:
                X = v.transpose(0, 1, 3, 4, 2).reshape(-1, P).astype(np.float64)
                y = t.reshape(-1, O).astype(np.float64)
            X = np.hstack([X, np.ones((len(X), 1))])
            XtX += X.T @ X
            Xty += X.T @ y
    return np.linalg.solve(XtX, Xty)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("featuremaps")
    ap.add_argument("--width", type=int, default=4000)
    ap.add_argument("--height", type=int, default=3000)
    ap.add_argument("--size", default="7x7")
    ap.add_argument("--mode", default="full")
    ap.add_argument("--skip-numpy", action="store_true")
    a = ap.parse_args()
    kh, kw = (int(v) for v in a.size.split("x"))
    tmp = tempfile.mkdtemp(prefix="fm-learn-bench-")
    atexit.register(shutil.rmtree, tmp, True)
    rng = np.random.default_rng(3)
    B = texture(rng, a.height, a.width)
    pb, pa = os.path.join(tmp, "b.npy"), os.path.join(tmp, "a.npy")
    np.save(pb, B)
    if a.mode == "full":
        k = rng.normal(size=(kh, kw, 3, 3)) / (kh * kw * 3)
        bank = {"name": "hidden", "input": "rgb", "filters": [
            {"name": "c%d" % o, "weights": k[:, :, :, o].tolist(), "bias": 0.05 * o} for o in range(3)]}
    else:
        k = rng.normal(size=(kh, kw)) / (kh * kw)
        bank = {"name": "hidden", "input": "per-channel", "filters": [
            {"name": "k", "weights": k.tolist(), "bias": 0.05}]}
    hidden = os.path.join(tmp, "hidden.json")
    json.dump(bank, open(hidden, "w"))
    subprocess.run([a.featuremaps, "apply", "-k", hidden, "-i", pb, "-o", pa, "--padding", "same",
                    "--mapping", "raw"], check=True)
    A = np.load(pa).reshape(a.height, a.width, 3)
    np.save(pa, A)

    print("%d × %d RGB pair, %s %s kernel" % (a.width, a.height, a.size, a.mode))
    out = os.path.join(tmp, "learned.json")
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", a.featuremaps, "learn", "--before", pb,
                        "--after", pa, "--size", a.size, "--mode", a.mode, "-o", out],
                       capture_output=True, text=True)
    wall, user, sys_, rss = p.stderr.strip().splitlines()[-1].split()
    print(p.stdout.strip())
    print("featuremaps learn: %.2f s wall, %.2f s CPU, peak %d MB (both .npy loads included)"
          % (float(wall), float(user) + float(sys_), int(rss) // 1024))
    if a.skip_numpy:
        return
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.time()
    w = numpy_fit(B, A, kh, kw, a.mode)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    print("numpy normal equations: %.2f s wall, %.2f s CPU, peak %d MB (arrays in memory)"
          % (time.time() - t0, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime,
             r1.ru_maxrss // 1024))


if __name__ == "__main__":
    main()
