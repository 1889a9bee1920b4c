"""Helpers shared by the learning tests (run with /usr/bin/python3).

Every expected value is computed here, in numpy, from the hidden kernel:
never by featuremaps.  The alignment is the documented one: after(y, x) is
the result of the window of before whose top-left is
(y - (kh-1)//2, x - (kw-1)//2); only windows wholly inside are compared.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

LUMA = np.array([0.2126, 0.7152, 0.0722])


# The checks, the binary argument and the temporary folders are the command
# line tests' own (tests/cli/fmtest.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from fmtest import Failures, binary, workdir  # noqa: E402,F401


def run(exe, *args, timeout=300):
    """Runs featuremaps; returns (exit status, stdout, stderr lines)."""
    env = dict(os.environ)
    env.setdefault("XDG_DATA_HOME", tempfile.gettempdir() + "/fm-learn-test-nodata")
    p = subprocess.run([exe] + [str(a) for a in args], capture_output=True, text=True,
                       env=env, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.splitlines()


def texture(rng, h, w, c):
    """Textured image in 0..1: white noise plus smoothed noise at two scales,
    so every lag carries information (and it looks like a rough surface)."""
    from scipy.ndimage import gaussian_filter
    x = rng.random((h, w, c))
    y = 0.45 * x + 0.35 * gaussian_filter(x, (1.0, 1.0, 0)) * 1.6 \
        + 0.2 * gaussian_filter(x, (3.0, 2.0, 0)) * 3.0
    y = (y - y.min()) / (y.max() - y.min())
    return y.astype(np.float32)


def correlate_valid(plane, k):
    """Cross-correlation of a 2-D plane with kernel k over the windows
    wholly inside: out[py, px] = sum k[i, j] plane[py + i, px + j]."""
    kh, kw = k.shape
    H, W = plane.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(kh):
        for j in range(kw):
            out += k[i, j] * plane[i:i + H - kh + 1, j:j + W - kw + 1]
    return out


def effect(before, mode, kernel, bias):
    """The hidden effect on the valid windows (float64).

    mode full:        kernel kh x kw x C x O, bias O  -> (Hv, Wv, O)
    mode per-channel: kernel kh x kw, bias scalar      -> (Hv, Wv, C)
    mode luminance:   kernel kh x kw, bias scalar      -> (Hv, Wv, 1), of the luma
    """
    b = before.astype(np.float64)
    if b.ndim == 2:
        b = b[:, :, None]
    if mode == "full":
        kh, kw, C, O = kernel.shape
        outs = []
        for o in range(O):
            acc = sum(correlate_valid(b[:, :, c], kernel[:, :, c, o]) for c in range(C))
            outs.append(acc + bias[o])
        return np.stack(outs, axis=2)
    if mode == "per-channel":
        return np.stack([correlate_valid(b[:, :, c], kernel) + bias
                         for c in range(b.shape[2])], axis=2)
    luma = b[:, :, 0] if b.shape[2] == 1 else b[:, :, :3] @ LUMA
    return (correlate_valid(luma, kernel) + bias)[:, :, None]


def embed(valid, H, W, kh, kw, fill):
    """A full-size after image: the valid windows' results where the
    alignment rule puts them, `fill` (the unknown effect's border) around."""
    pt, pl = (kh - 1) // 2, (kw - 1) // 2
    out = np.array(fill, dtype=np.float64, copy=True)
    out[pt:pt + valid.shape[0], pl:pl + valid.shape[1], :valid.shape[2]] = valid
    return out.astype(np.float32)


def apply_valid(exe, bank, before_path, H, W, kh, kw, tmp, tag="x"):
    """Runs `featuremaps apply -k BANK -i B -o X --padding same --mapping raw`
    and returns its maps over the valid windows, as (Hv, Wv, channels)."""
    out = os.path.join(tmp, tag + ".npy")
    rc, _, err = run(exe, "apply", "-k", bank, "-i", before_path, "-o", out,
                     "--padding", "same", "--mapping", "raw")
    if rc != 0:
        raise RuntimeError("apply failed: %s" % err)
    x = np.load(out).astype(np.float64)
    x = x.reshape(x.shape[0], x.shape[1], -1)
    pt, pl = (kh - 1) // 2, (kw - 1) // 2
    return x[pt:pt + H - kh + 1, pl:pl + W - kw + 1]


def psnr(got, want):
    mse = float(np.mean((np.asarray(got, np.float64) - np.asarray(want, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def cartoon(rng, h, w, c, shapes=60):
    """Piecewise-flat image: random rectangles and discs of random colours,
    lightly blurred — edges and corners, the non-Gaussian structure k-means
    and ICA find filters for."""
    from scipy.ndimage import gaussian_filter
    img = np.zeros((h, w, c)) + rng.random(c)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(shapes):
        colour = rng.random(c)
        if rng.random() < 0.5:
            y0, x0 = rng.integers(0, h), rng.integers(0, w)
            y1, x1 = y0 + rng.integers(4, h // 2), x0 + rng.integers(4, w // 2)
            img[y0:y1, x0:x1] = colour
        else:
            cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(3, min(h, w) // 4)
            img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = colour
    img = gaussian_filter(img, (0.7, 0.7, 0)) + rng.normal(scale=0.01, size=img.shape)
    return np.clip(img, 0, 1).astype(np.float32)


def contrast_normalise(X, eps=10.0 / 255 ** 2):
    """docs/learning.md: each patch minus its mean, over sqrt(variance + eps)."""
    X = X - X.mean(axis=1, keepdims=True)
    return X / np.sqrt(X.var(axis=1, keepdims=True) + eps)


def zca(X, eps=0.1):
    """ZCA of contrast-normalised patches: returns (whitened, matrix, mean)."""
    mu = X.mean(axis=0)
    Xc = X - mu
    C = Xc.T @ Xc / len(X)
    lam, V = np.linalg.eigh(C)
    Z = (V / np.sqrt(np.maximum(lam, 0) + eps)) @ V.T
    return Xc @ Z, Z, mu


def spherical_kmeans(Xw, K, seed, iterations=300):
    """Coates and Ng's gain-shape k-means, written independently: unit
    centroids, each patch coded by its best |projection|, centroids
    d += sum s x then normalised.  Returns the centroids (K x D)."""
    r = np.random.default_rng(seed)
    D = Xw[r.choice(len(Xw), K, replace=False)].copy()
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    prev = np.inf
    for _ in range(iterations):
        P = Xw @ D.T
        j = np.argmax(np.abs(P), axis=1)
        s = P[np.arange(len(Xw)), j]
        obj = np.mean(np.sum(Xw * Xw, axis=1) - s * s)
        if abs(prev - obj) <= 1e-6 * obj:
            break
        prev = obj
        for k in range(K):
            D[k] += s[j == k] @ Xw[j == k]
        n = np.linalg.norm(D, axis=1, keepdims=True)
        D = np.where(n > 0, D / np.where(n > 0, n, 1), D)
    return D


LOGCOSH_GAUSS = 0.374567207491438  # E log cosh(nu), nu ~ N(0, 1)


def negentropy(S):
    """Sum over the columns of (E log cosh s - E log cosh nu)^2, each column
    standardised."""
    S = (S - S.mean(axis=0)) / S.std(axis=0)
    return float(np.sum((np.mean(np.log(np.cosh(S)), axis=0) - LOGCOSH_GAUSS) ** 2))


def bank_filters(path):
    """The bank's filters as rows (K x D, weights in kh, kw, C order) and biases."""
    import json
    doc = json.load(open(path))
    W = np.array([np.asarray(f["weights"], np.float64).ravel() for f in doc["filters"]])
    b = np.array([f.get("bias", 0.0) for f in doc["filters"]], np.float64)
    return W, b, doc
