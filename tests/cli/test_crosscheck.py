#!/usr/bin/python3
"""Random cases through the command line's .npy path, checked against
torch.nn.functional.conv2d on numpy-padded input (docs/design.md's golden rule).

    test_crosscheck.py FEATUREMAPS [N_CASES] [SEED]

Covers every bank format (JSON 2-D and 3-D weights, inline matrix, .npy HWIO
and OIHW with and without the layout suffix, .npz kernel/weight + bias, 1-D),
every padding x border x activation, stride, dilation, convolve mode, the
input modes (luminance of colour, rgb, rgba, raw channels, per-channel) and
uint8/float64 inputs.
"""
import itertools
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

import fmtest

PADDINGS = ["valid", "same", "full"]
BORDERS = {"zero": "constant", "clamp": "edge", "reflect": "reflect", "wrap": "wrap"}
ACTIVATIONS = ["none", "relu", "leaky-relu", "abs", "sigmoid", "tanh"]
FORMATS = ["json-2d", "json-3d", "inline", "npy-hwio", "npy-hwio-auto", "npy-oihw",
           "npy-oihw-auto", "npz-kernel", "npz-weight", "npy-1d", "json-1d"]
LUMA = np.array([0.2126, 0.7152, 0.0722])


def pads(n, dk, s, padding):
    if padding == "valid":
        return 0, 0
    if padding == "full":
        return dk - 1, dk - 1
    out = -(-n // s)
    total = max((out - 1) * s + dk - n, 0)
    return total // 2, total - total // 2


def activate(y, act):
    if act == "relu":
        return np.maximum(y, 0)
    if act == "leaky-relu":
        return np.where(y >= 0, y, 0.01 * y)
    if act == "abs":
        return np.abs(y)
    if act == "sigmoid":
        return 1 / (1 + np.exp(-y))
    if act == "tanh":
        return np.tanh(y)
    return y


def reference(x, w, b, c):
    """x: H x W x C float64, w: K x kh x kw x C/groups (OHWI), b: K."""
    K, kh, kw, _ = w.shape
    s, d = c["stride"], c["dilation"]
    top, bottom = pads(x.shape[0], (kh - 1) * d + 1, s, c["padding"])
    left, right = pads(x.shape[1], (kw - 1) * d + 1, s, c["padding"])
    xp = np.pad(x, ((top, bottom), (left, right), (0, 0)), BORDERS[c["border"]])
    groups = c["groups"]
    wt = np.tile(w, (groups, 1, 1, 1))
    bt = np.tile(b, groups)
    wt = torch.from_numpy(wt.transpose(0, 3, 1, 2).copy())
    if c["convolve"]:
        wt = torch.flip(wt, [2, 3])
    xt = torch.from_numpy(xp.transpose(2, 0, 1)[None].copy())
    y = F.conv2d(xt, wt, torch.from_numpy(bt), stride=s, dilation=d, groups=groups)
    y = y[0].numpy().transpose(1, 2, 0)
    if c["mode"] == "per-channel":   # map c·K + k → layer k, channel c
        y = y.reshape(y.shape[0], y.shape[1], groups, K).transpose(0, 1, 3, 2)
    return activate(y, c["activation"])


def fmt_num(v):
    return repr(float(v))


def write_bank(tmp, i, fmt, w, b, convolve):
    """Writes w (K x kh x kw x C, OHWI) and b in the case's format; returns
    the -k argument."""
    K = w.shape[0]
    base = os.path.join(tmp, "bank%03d" % i)
    hwio = w.transpose(1, 2, 3, 0)
    oihw = w.transpose(0, 3, 1, 2)
    if fmt in ("json-2d", "json-1d", "json-3d"):
        filters = []
        for k in range(K):
            weights = w[k, :, :, 0] if fmt != "json-3d" else w[k]
            filters.append({"name": "f%d" % k, "weights": weights.astype(np.float64).tolist(),
                            "bias": float(b[k])})
        bank = {"name": "Case %d" % i, "filters": filters}
        if convolve:
            bank["mode"] = "convolve"
        return fmtest.write_json(base + ".json", bank)
    if fmt == "inline":
        return " | ".join("; ".join(",".join(fmt_num(v) for v in row) for row in w[k, :, :, 0])
                          for k in range(K))
    if fmt == "npy-hwio":
        return fmtest.save_npy(base + ".npy", hwio) + ":hwio"
    if fmt == "npy-hwio-auto":
        return fmtest.save_npy(base + ".npy", hwio)
    if fmt == "npy-oihw":
        return fmtest.save_npy(base + ".npy", oihw) + ":oihw"
    if fmt == "npy-oihw-auto":
        return fmtest.save_npy(base + ".npy", oihw)
    # .npz: the layout comes from the shape (docs/kernels.md), whatever the
    # member is called; shapes the rule cannot tell apart get the suffix.
    suffix = "" if auto_clear(w.shape) else None
    if fmt == "npz-kernel":
        np.savez(base + ".npz", kernel=hwio, bias=b)
        return base + ".npz" + (":hwio" if suffix is None else suffix)
    if fmt == "npz-weight":
        np.savez_compressed(base + ".npz", weight=oihw, bias=b)
        return base + ".npz" + (":oihw" if suffix is None else suffix)
    if fmt == "npy-1d":   # Keras Conv1D: k x C x K
        return fmtest.save_npy(base + ".npy", hwio[0]) + ":hwio"
    raise ValueError(fmt)


def auto_clear(shape):
    """The auto layout rule's first clause: a square kernel where the other
    reading's pair (C, K) is not square."""
    K, kh, kw, C = shape
    return kh == kw and C != K


def unambiguous_auto(fmt, shape):
    return auto_clear(shape) if fmt.endswith("-auto") else True


def make_case(i, fmt, padding, border, activation, rng):
    c = {"padding": padding, "border": border, "activation": activation,
         "stride": 1, "dilation": 1, "convolve": False, "groups": 1,
         "mode": None, "format": fmt}
    one_d = fmt in ("npy-1d", "json-1d")
    bias_ok = fmt.startswith("json") or fmt.startswith("npz")
    c["convolve"] = fmt.startswith("json") and rng.random() < 0.3

    # Bank channels and how the image feeds them.
    if fmt in ("json-2d", "json-1d", "inline"):
        C = 1
    elif fmt == "json-3d":
        C = int(rng.choice([2, 3, 4, 5]))
    else:
        C = int(rng.choice([1, 1, 2, 3, 4, 5]))
    img_c = C
    lum = False
    if C == 1:
        r = rng.random()
        if r < 0.2:
            img_c, c["mode"] = int(rng.choice([1, 3, 4])), "per-channel"
        elif r < 0.35:
            img_c, lum = int(rng.choice([3, 4])), True
            c["mode"] = rng.choice([None, "luminance"])
        else:
            c["mode"] = rng.choice([None, "luminance"])
    elif C == 3:
        c["mode"] = rng.choice([None, "rgb"])
    elif C == 4:
        c["mode"] = rng.choice([None, "rgba"])

    K = int(rng.integers(1, 5))
    while True:
        kh = 1 if one_d else int(rng.integers(1, 6))
        kw = int(rng.integers(2 if fmt == "inline" else 1, 6))
        if fmt.endswith("-auto"):
            kw = kh = max(kh, 2)
        if unambiguous_auto(fmt, (K, kh, kw, C)):
            break
        K += 1
    c["stride"] = int(rng.choice([1, 1, 2, 3]))
    c["dilation"] = int(rng.choice([1, 1, 2, 3]))
    dkh, dkw = (kh - 1) * c["dilation"] + 1, (kw - 1) * c["dilation"] + 1

    def side(dk):
        lo = dk if padding == "valid" else 1
        n = int(rng.integers(lo, dk + 12))
        if border == "reflect":   # mirror needs pads smaller than the image
            while max(pads(n, dk, c["stride"], padding)) > n - 1:
                n += 1
        return n

    H = 1 if one_d and rng.random() < 0.7 else side(dkh)
    W = side(dkw)
    if one_d and H == 1 and padding == "valid" and dkh > 1:
        H = dkh

    w = rng.normal(0, 1, (K, kh, kw, C)).astype(np.float32)
    b = (rng.normal(0, 0.5, K) if bias_ok else np.zeros(K)).astype(np.float32)

    dtype = rng.choice(["f4", "f4", "f4", "f8", "u1"])
    if dtype == "u1":
        x = rng.integers(0, 256, (H, W, img_c)).astype(np.uint8)
        xin = x.astype(np.float64) / 255.0
    else:
        x = rng.random((H, W, img_c)).astype(np.float32 if dtype == "f4" else np.float64)
        xin = x.astype(np.float64)
    if rng.random() < 0.2 and img_c == 1:
        x = x[:, :, 0]                     # H x W
    if c["mode"] == "per-channel":
        cc = 3 if img_c == 4 else img_c
        xin = xin[:, :, :cc]
        c["groups"] = cc
    elif lum:
        xin = (xin[:, :, :3] @ LUMA)[:, :, None]
    c.update(x=x, xin=xin, w=w, b=b)
    return c


def deep_paths(exe):
    """Paths for deep layers (maps of maps: many channels, whole vectors of
    filters): the cost model's choice (None), every kernel of the library's
    list that takes such layers (`featuremaps bench --list-paths`), and the
    plain C reference.  A path this CPU lacks falls back to plain C, which
    is checked the same way."""
    status, out, err = fmtest.run(exe, "bench", "--list-paths")
    if status != 0:
        raise SystemExit("bench --list-paths failed: %s" % " ".join(err))
    rows = [line.split() for line in out.splitlines() if line.strip()]
    deep = [r[0] for r in rows if r[2] in ("WINOGRAD", "CHANNELS")]
    if not deep:
        raise SystemExit("bench --list-paths lists no CHANNELS/WINOGRAD kernel")
    return [None] + deep + ["direct-c"]


def deep_layers(exe, tmp, rng, f):
    """3 x 3 layers over 16-64 channels (W5's shape), each path forced in
    turn, against PyTorch: Winograd's transforms must stay within the
    tolerance of conv2d for every padding and border."""
    paths = deep_paths(exe)
    for i, (padding, border) in enumerate(itertools.product(PADDINGS, BORDERS)):
        C = int(rng.choice([16, 32, 48, 64]))
        K = int(rng.choice([16, 32, 48, 64]))
        H, W = (int(v) for v in rng.integers(5, 40, 2))
        activation = ACTIVATIONS[i % len(ACTIVATIONS)]
        c = {"padding": padding, "border": border, "activation": activation, "stride": 1,
             "dilation": 1, "convolve": False, "groups": 1, "mode": None}
        w = rng.normal(0, 0.2, (K, 3, 3, C)).astype(np.float32)
        b = rng.normal(0, 0.5, K).astype(np.float32)
        x = rng.normal(0, 1, (H, W, C)).astype(np.float32)
        bank = os.path.join(tmp, "deep%02d.npz" % i)
        np.savez(bank, weight=w.transpose(0, 3, 1, 2), bias=b)
        inp = fmtest.save_npy(os.path.join(tmp, "deep-in%02d.npy" % i), x)
        want = reference(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), c)
        for path in paths:
            out = os.path.join(tmp, "deep-out%02d.npy" % i)
            desc = "deep case %d [C=%d K=%d img %dx%d %s %s %s, path %s]" % (
                i, C, K, H, W, padding, border, activation, path or "chosen")
            status, _, err = fmtest.run(exe, "apply", "-k", bank + ":oihw", "-i", inp, "-o", out,
                                        "--padding", padding, "--border", border,
                                        "--activation", activation,
                                        env={"FEATUREMAPS_CONV_PATH": path or ""})
            if not f.check(status == 0, "%s: exit %d: %s" % (desc, status, " ".join(err))):
                continue
            ok, why = fmtest.close_enough(np.load(out), want)
            f.check(ok, "%s: %s" % (desc, why))
            os.unlink(out)


def main():
    exe = fmtest.binary()
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 360
    rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 1234)
    combos = list(itertools.product(PADDINGS, BORDERS, ACTIVATIONS))
    plan = []
    while len(plan) < n:
        batch = combos[:]
        rng.shuffle(batch)
        plan.extend(batch)
    plan = plan[:n]

    f = fmtest.Failures("crosscheck")
    tmp = fmtest.workdir("fm-cross-")
    seen = set()
    for i, (padding, border, activation) in enumerate(plan):
        fmt = FORMATS[i % len(FORMATS)]
        c = make_case(i, fmt, padding, border, activation, rng)
        kernel = write_bank(tmp, i, fmt, c["w"], c["b"], c["convolve"])
        inp = fmtest.save_npy(os.path.join(tmp, "in%03d.npy" % i), c["x"])
        out = os.path.join(tmp, "out%03d.npy" % i)
        args = ["apply", "-k", kernel, "-i", inp, "-o", out, "--padding", padding,
                "--border", border, "--activation", activation]
        if c["stride"] != 1 or rng.random() < 0.3:
            args += ["--stride", c["stride"]]
        if c["dilation"] != 1 or rng.random() < 0.3:
            args += ["--dilation", c["dilation"]]
        if c["mode"]:
            args += ["--input-mode", c["mode"]]
        if rng.random() < 0.2:
            args += ["--mapping", "raw"]
        desc = "case %d [%s %s C=%d K=%d %dx%d img %s s%d d%d %s %s %s%s%s]" % (
            i, fmt, c["mode"] or "auto", c["w"].shape[3], c["w"].shape[0], c["w"].shape[1],
            c["w"].shape[2], "x".join(map(str, c["x"].shape)), c["stride"], c["dilation"],
            padding, border, activation, " convolve" if c["convolve"] else "",
            " " + str(c["x"].dtype))
        seen.add((fmt, padding, border, activation, c["mode"] or "auto"))
        status, _, err = fmtest.run(exe, *args)
        if not f.check(status == 0, "%s: exit %d: %s" % (desc, status, " ".join(err))):
            continue
        want = reference(c["xin"], c["w"].astype(np.float64), c["b"].astype(np.float64), c)
        got = np.load(out)
        ok, why = fmtest.close_enough(got, want)
        f.check(ok, "%s: %s" % (desc, why))
        os.unlink(out)
    deep_layers(exe, tmp, rng, f)
    formats = {s[0] for s in seen}
    f.check(formats == set(FORMATS), "formats covered: %s" % sorted(formats))
    f.check(len({s[1:4] for s in seen}) == len(combos), "padding x border x activation covered")
    f.finish()


if __name__ == "__main__":
    main()
