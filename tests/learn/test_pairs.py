#!/usr/bin/python3
"""featuremaps learn --before/--after: hidden kernels of every mode are
recovered.

For each case a random kernel with a bias (odd, even and rectangular sizes)
makes an after image from a textured before image (numpy, test side).  The
learned bank, run by `featuremaps apply --padding same --mapping raw` on a
DIFFERENT image, must reproduce numpy's result of the hidden kernel on that
image inside the valid windows at >= 60 dB PSNR; with Gaussian noise of
standard deviation 1e-3 added to the training after image, at >= 40 dB.
Also: --mask, --robust, --ridge, the bank's declarations, and that the
reported PSNR is what apply reproduces.

usage: test_pairs.py FEATUREMAPS
"""
import json
import os
import re

import numpy as np

import learntest as lt

CASES = [
    # mode, kh, kw, colour before
    ("luminance", 3, 3, False),
    ("luminance", 4, 4, True),
    ("luminance", 3, 7, True),
    ("per-channel", 5, 5, True),
    ("per-channel", 2, 6, True),
    ("per-channel", 6, 3, False),
    ("full", 3, 3, True),
    ("full", 4, 4, True),
    ("full", 5, 3, True),
    ("full", 7, 7, True),
]


def hidden(rng, mode, kh, kw, C):
    if mode == "full":
        return rng.normal(size=(kh, kw, C, C)) * (2.0 / (kh * kw * C)), rng.normal(size=C) * 0.2
    return rng.normal(size=(kh, kw)) * (2.0 / (kh * kw)), float(rng.normal() * 0.2)


def learn(exe, tmp, before, after, kh, kw, mode, *extra, tag="bank"):
    bank = os.path.join(tmp, tag + ".json")
    rc, out, err = lt.run(exe, "learn", "--before", before, "--after", after,
                          "--size", "%dx%d" % (kh, kw), "--mode", mode, "-o", bank, *extra)
    return rc, out, err, bank


def reported_psnr(out):
    m = re.search(r"PSNR ([0-9.]+|inf) dB", out)
    return float(m.group(1)) if m else None


def main():
    exe = lt.binary()
    f = lt.Failures("learn-pairs")
    tmp = lt.workdir("fm-learn-pairs-")
    rng = np.random.default_rng(20261129)

    for mode, kh, kw, colour in CASES:
        C = 3 if colour else 1
        label = "%s %dx%d %s" % (mode, kh, kw, "rgb" if colour else "grey")
        b1 = lt.texture(rng, 90, 120, C)
        b2 = lt.texture(rng, 70, 64, C)
        k, bias = hidden(rng, mode, kh, kw, C)
        # the after image: colour pairs stay colour (luminance mode then
        # learns the luminance of both); a per-channel-made colour after for
        # luminance keeps luma(after) a convolution of luma(before)
        if mode == "luminance" and colour:
            v1 = lt.effect(b1, "per-channel", k, bias)
        else:
            v1 = lt.effect(b1, mode, k, bias)
        H, W = b1.shape[:2]
        a1 = lt.embed(v1, H, W, kh, kw, rng.random((H, W, v1.shape[2])))
        want2 = lt.effect(b2, mode, k, bias)

        p_b1, p_a1, p_b2 = (os.path.join(tmp, n + ".npy") for n in ("b1", "a1", "b2"))
        np.save(p_b1, b1 if colour else b1[:, :, 0])
        np.save(p_a1, a1 if colour else a1[:, :, 0])
        np.save(p_b2, b2 if colour else b2[:, :, 0])

        rc, out, err, bank = learn(exe, tmp, p_b1, p_a1, kh, kw, mode)
        if not f.check(rc == 0, "%s: learn exit %d %s" % (label, rc, err)):
            continue
        got2 = lt.apply_valid(exe, bank, p_b2, *b2.shape[:2], kh, kw, tmp)
        p = lt.psnr(got2, want2)
        f.check(got2.shape == want2.shape and p >= 60,
                "%s: noise-free, other image: %.1f dB (shape %s vs %s), want >= 60"
                % (label, p, got2.shape, want2.shape))
        print("%-26s noise-free  %6.1f dB on another image" % (label, p))

        # what the bank declares reproduces the effect without any option
        doc = json.load(open(bank))
        want_input = {"luminance": "luminance", "per-channel": "per-channel",
                      "full": "rgb"}[mode]
        f.check(doc.get("input") == want_input, "%s: bank input %r, want %r"
                % (label, doc.get("input"), want_input))
        d = doc.get("defaults", {})
        f.check(d.get("padding") == "same" and d.get("mapping") == "raw",
                "%s: bank defaults %r, want padding same, mapping raw" % (label, d))
        f.check(len(doc["filters"]) == (C if mode == "full" else 1),
                "%s: %d filters" % (label, len(doc["filters"])))
        x_def = os.path.join(tmp, "xdef.npy")
        rc, _, err = lt.run(exe, "apply", "-k", bank, "-i", p_b2, "-o", x_def)
        xd = np.load(x_def).reshape(*b2.shape[:2], -1) if rc == 0 else None
        pt, pl = (kh - 1) // 2, (kw - 1) // 2
        f.check(rc == 0 and lt.psnr(xd[pt:pt + want2.shape[0], pl:pl + want2.shape[1]], want2) >= 60,
                "%s: apply with the bank's own defaults does not reproduce (%s)" % (label, err))

        # 1e-3 Gaussian noise on the training after image
        a1n = a1 + rng.normal(scale=1e-3, size=a1.shape).astype(np.float32)
        p_a1n = os.path.join(tmp, "a1n.npy")
        np.save(p_a1n, a1n if colour else a1n[:, :, 0])
        rc, out, err, bank = learn(exe, tmp, p_b1, p_a1n, kh, kw, mode, tag="noisy")
        if not f.check(rc == 0, "%s noisy: learn exit %d %s" % (label, rc, err)):
            continue
        got2 = lt.apply_valid(exe, bank, p_b2, *b2.shape[:2], kh, kw, tmp)
        p = lt.psnr(got2, want2)
        f.check(p >= 40, "%s: 1e-3 noise, other image: %.1f dB, want >= 40" % (label, p))
        print("%-26s 1e-3 noise  %6.1f dB on another image" % (label, p))
        # the report's PSNR is the reproduction of the (noisy) training pair
        got1 = lt.apply_valid(exe, bank, p_b1, H, W, kh, kw, tmp)
        t1 = a1n if colour else a1n[:, :, :1]
        if mode == "luminance" and colour:
            t1 = (a1n.astype(np.float64) @ lt.LUMA)[:, :, None]
        own = lt.psnr(got1, t1[pt:pt + H - kh + 1, pl:pl + W - kw + 1])
        rep = reported_psnr(out)
        f.check(rep is not None and abs(rep - own) < 0.05,
                "%s: reported PSNR %s, numpy measures %.3f" % (label, rep, own))

    check_small_images(exe, tmp, rng, f)
    check_mask(exe, tmp, rng, f)
    check_robust(exe, tmp, rng, f)
    check_ridge_and_warnings(exe, tmp, rng, f)
    f.finish()


def check_small_images(exe, tmp, rng, f):
    """Kernels more than half the image's size, where the window regions of
    different taps share no core rows or columns: the learned kernel equals
    numpy's least-squares solution (np.linalg.lstsq on the explicit windows)."""
    for (H, W), (kh, kw) in (((9, 11), (7, 5)), ((12, 8), (3, 7)), ((8, 8), (5, 5))):
        b = lt.texture(rng, H, W, 3)
        a = rng.random((H, W, 3)).astype(np.float32)      # any after image
        p_b, p_a = os.path.join(tmp, "tb.npy"), os.path.join(tmp, "ta.npy")
        np.save(p_b, b), np.save(p_a, a)
        rc, out, err, bank = learn(exe, tmp, p_b, p_a, kh, kw, "per-channel", tag="tiny")
        if not f.check(rc == 0, "small %dx%d image, %dx%d kernel: %s" % (H, W, kh, kw, err)):
            continue
        pt, pl = (kh - 1) // 2, (kw - 1) // 2
        Hv, Wv = H - kh + 1, W - kw + 1
        X = np.concatenate([np.stack([b[i:i + Hv, j:j + Wv, c].astype(np.float64).ravel()
                                      for i in range(kh) for j in range(kw)] + [np.ones(Hv * Wv)], axis=1)
                            for c in range(3)])
        y = np.concatenate([a[pt:pt + Hv, pl:pl + Wv, c].astype(np.float64).ravel() for c in range(3)])
        sol, *_ = np.linalg.lstsq(X, y, rcond=None)
        W_, b_, _ = lt.bank_filters(bank)
        got = np.concatenate([W_[0], b_])
        err_w = np.max(np.abs(got - sol)) / np.max(np.abs(sol))
        f.check(err_w < 1e-4, "small %dx%d image, %dx%d kernel: differs from numpy lstsq by %.2g"
                % (H, W, kh, kw, err_w))


def check_mask(exe, tmp, rng, f):
    """Left part: the hidden kernel; right part: another effect.  With a mask
    over the left part the kernel comes back; without, it does not.  A wide
    mask (correction of the full sums) and a narrow one (direct sums)."""
    kh = kw = 5
    b1 = lt.texture(rng, 100, 140, 3)
    b2 = lt.texture(rng, 60, 70, 3)
    k, bias = hidden(rng, "full", kh, kw, 3)
    H, W = b1.shape[:2]
    a1 = lt.embed(lt.effect(b1, "full", k, bias), H, W, kh, kw, b1)
    other = lt.embed(lt.effect(b1, "full", -k[::-1, ::-1], -bias), H, W, kh, kw, b1)
    want2 = lt.effect(b2, "full", k, bias)
    for split, what in ((100, "wide"), (30, "narrow")):
        a = a1.copy()
        a[:, split:] = other[:, split:]
        mask = np.zeros((H, W), np.float32)
        mask[:, :split] = 1.0
        p_b1, p_a, p_m, p_b2 = (os.path.join(tmp, n) for n in ("mb1.npy", "ma.npy", "mm.npy", "mb2.npy"))
        np.save(p_b1, b1), np.save(p_a, a), np.save(p_m, mask), np.save(p_b2, b2)
        rc, out, err, bank = learn(exe, tmp, p_b1, p_a, kh, kw, "full", "--mask", p_m, tag="masked")
        if f.check(rc == 0, "mask %s: exit %d %s" % (what, rc, err)):
            p = lt.psnr(lt.apply_valid(exe, bank, p_b2, 60, 70, kh, kw, tmp), want2)
            f.check(p >= 60, "mask %s: %.1f dB on another image, want >= 60" % (what, p))
            print("%-26s mask        %6.1f dB on another image" % ("full 5x5 " + what, p))
            m = re.search(r"from (\d+) windows", out)
            # windows whose result lands inside the mask (column < split)
            n_in = (H - kh + 1) * (split - (kw - 1) // 2)
            f.check(m and int(m.group(1)) == n_in,
                    "mask %s: %s windows fitted, want %d" % (what, m and m.group(1), n_in))
        rc, out, err, bank = learn(exe, tmp, p_b1, p_a, kh, kw, "full", tag="unmasked")
        p = lt.psnr(lt.apply_valid(exe, bank, p_b2, 60, 70, kh, kw, tmp), want2)
        f.check(rc == 0 and p < 40, "mask %s: without the mask %.1f dB (should fail)" % (what, p))


def check_robust(exe, tmp, rng, f):
    """Clipped highlights: 3 % of the after image's pixels set to 1 (all
    channels).  Least squares is pulled away; --robust recovers the kernel."""
    kh = kw = 5
    b1 = lt.texture(rng, 110, 130, 3)
    b2 = lt.texture(rng, 60, 70, 3)
    k, bias = hidden(rng, "per-channel", kh, kw, 3)
    H, W = b1.shape[:2]
    a = lt.embed(lt.effect(b1, "per-channel", k, bias), H, W, kh, kw, b1)
    a += rng.normal(scale=1e-3, size=a.shape).astype(np.float32)
    hit = rng.random((H, W)) < 0.03
    a[hit] = 1.0
    want2 = lt.effect(b2, "per-channel", k, bias)
    p_b1, p_a, p_b2 = (os.path.join(tmp, n) for n in ("rb1.npy", "ra.npy", "rb2.npy"))
    np.save(p_b1, b1), np.save(p_a, a), np.save(p_b2, b2)
    rc, out, err, bank = learn(exe, tmp, p_b1, p_a, kh, kw, "per-channel", tag="plain")
    plain = lt.psnr(lt.apply_valid(exe, bank, p_b2, 60, 70, kh, kw, tmp), want2) if rc == 0 else 0
    f.check(rc == 0 and any("clipped" in e for e in err),
            "robust: the plain fit should warn about clipped pixels: %s" % err)
    rc, out, err, bank = learn(exe, tmp, p_b1, p_a, kh, kw, "per-channel", "--robust", tag="robust")
    if f.check(rc == 0, "robust: exit %d %s" % (rc, err)):
        robust = lt.psnr(lt.apply_valid(exe, bank, p_b2, 60, 70, kh, kw, tmp), want2)
        print("%-26s outliers    %6.1f dB plain, %6.1f dB --robust" % ("per-channel 5x5", plain, robust))
        f.check(robust >= 40 and robust > plain + 10,
                "robust: %.1f dB robust vs %.1f plain (want >= 40 and 10 dB better)" % (robust, plain))
        m = re.search(r"([0-9.]+) % of the windows down-weighted", out)
        f.check(m and 2.0 <= float(m.group(1)) <= 40.0,
                "robust: down-weighted share %s (3 %% of pixels are outliers)" % (m and m.group(1)))


def check_ridge_and_warnings(exe, tmp, rng, f):
    """A smooth before image and a large kernel: the condition warning names
    its remedies; --ridge shrinks the weights (checked against numpy's ridge
    solution of the same normal equations); a non-linear effect is called
    one."""
    from scipy.ndimage import gaussian_filter
    kh = kw = 9
    b = gaussian_filter(rng.random((80, 90)), 4.0)
    b = ((b - b.min()) / (b.max() - b.min())).astype(np.float32)
    k, bias = hidden(rng, "luminance", kh, kw, 1)
    a = lt.embed(lt.effect(b, "luminance", k, bias), 80, 90, kh, kw, b[:, :, None])[:, :, 0]
    p_b, p_a = os.path.join(tmp, "sb.npy"), os.path.join(tmp, "sa.npy")
    np.save(p_b, b), np.save(p_a, a)
    rc, out, err, bank = learn(exe, tmp, p_b, p_a, kh, kw, "luminance", tag="smooth")
    warn = " ".join(err)
    f.check(rc == 0 and "condition number" in warn and "--ridge" in warn
            and "larger image" in warn and "smaller kernel" in warn and "texture" in warn,
            "smooth image: condition warning with advice expected: %s" % err)

    # ridge: numpy builds the centred normal equations of the same windows
    lam = 1e-3
    rc, out, err, bank = learn(exe, tmp, p_b, p_a, kh, kw, "luminance", "--ridge", str(lam), tag="ridge")
    if f.check(rc == 0, "ridge: exit %d %s" % (rc, err)):
        X = np.stack([b[i:i + 80 - kh + 1, j:j + 90 - kw + 1].astype(np.float64).ravel()
                      for i in range(kh) for j in range(kw)], axis=1)
        pt, pl = (kh - 1) // 2, (kw - 1) // 2
        y = a[pt:pt + 80 - kh + 1, pl:pl + 90 - kw + 1].astype(np.float64).ravel()
        mu, ybar = X.mean(0), y.mean()
        Xc = X - mu
        w = np.linalg.solve(Xc.T @ Xc / len(y) + lam * np.eye(kh * kw), Xc.T @ (y - ybar) / len(y))
        got = np.array(json.load(open(bank))["filters"][0]["weights"], np.float64).ravel()
        err_w = np.max(np.abs(got - w)) / np.max(np.abs(w))
        f.check(err_w < 1e-4, "ridge: weights differ from numpy's ridge solution by %.2g" % err_w)

    # a non-linear effect: a threshold of a blur
    bb = lt.texture(rng, 80, 90, 1)[:, :, 0]
    g = gaussian_filter(bb, 1.0)
    nl = (g > np.median(g)).astype(np.float64)
    p_b, p_a = os.path.join(tmp, "nb.npy"), os.path.join(tmp, "na.npy")
    np.save(p_b, bb), np.save(p_a, nl.astype(np.float32))
    rc, out, err, bank = learn(exe, tmp, p_b, p_a, 3, 3, "luminance", tag="nonlinear")
    f.check(rc == 0 and any("does not look like a convolution" in e for e in err),
            "non-linear effect: expected the 'not a convolution' warning: %s %s" % (out, err))


if __name__ == "__main__":
    main()
