#!/usr/bin/python3
"""GIMP's own filters, learned from pairs GIMP made.

A Script-Fu batch, written here at test time, runs in a hermetic
gimp-console 2.10: it renders a textured 8-bit RGB image (plasma plus RGB
noise, levels to 0.2 .. 0.8 as a photo's range), saves it, then saves a copy after each effect — the Convolution
Matrix (plug-in-convmatrix) with a random 5 × 5 kernel, Gaussian blur,
Sharpen, Emboss and an edge filter.  `featuremaps learn` then fits each pair.

Asserted:
  convmatrix  the learned per-channel kernel is the typed matrix, transposed
              (GIMP applies matrix[x][y] to the pixel at column x, row y),
              divided by the divisor, with the offset as its bias, within
              5 standard deviations of what 8-bit rounding of the after image
              allows (numpy computes them from the before image's windows);
              its PSNR is the 8-bit rounding floor, 10 log10(12 · 255²) =
              58.9 dB, within 1 dB; the reproduction stays within 0.6/255;
  the others  a larger kernel never fits worse (0.1 dB), and the linear
              ones (blur, sharpen) reach 40 dB at 9 × 9.
Printed: the PSNR table docs/learning.md quotes.

usage: test_gimp_pairs.py FEATUREMAPS WORKDIR
Exit 77 (skipped) without gimp-console-2.10.
"""
import os
import re
import shutil
import subprocess
import sys

import numpy as np

import learntest as lt

GIMP = "gimp-console-2.10"
SYS_PLUGINS = "/usr/lib/gimp/2.0/plug-ins"
SYS_SCRIPTS = "/usr/share/gimp/2.0/scripts"
SIZE = 256
# (effect, mode) rows of the table: GIMP applies the first three to R, G and
# B alike; emboss and edge mix the channels, so `full` is tried too
ROWS = [("convmatrix", "per-channel"), ("gaussian-blur", "per-channel"),
        ("sharpen", "per-channel"), ("emboss", "per-channel"), ("emboss", "full"),
        ("edge-sobel", "per-channel"), ("edge-sobel", "full")]


def hermetic_gimp(root):
    """A throwaway GIMP: script-fu, file-png and the two effects that are
    plug-ins (sharpen, emboss; the others are GIMP core procedures), its own
    profile and XDG folders."""
    shutil.rmtree(root, ignore_errors=True)
    sysplug, sfpath = os.path.join(root, "sysplug"), os.path.join(root, "sfpath")
    os.makedirs(sysplug)
    os.makedirs(sfpath)
    for p in ("script-fu", "file-png", "sharpen", "emboss"):
        os.symlink(os.path.join(SYS_PLUGINS, p), os.path.join(sysplug, p))
    for s in ("script-fu.init", "script-fu-compat.init", "plug-in-compat.init"):
        os.symlink(os.path.join(SYS_SCRIPTS, s), os.path.join(sfpath, s))
    env = dict(os.environ)
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CONFIG_HOME", "config"), ("TMPDIR", "tmp")):
        os.makedirs(os.path.join(root, sub))
        env[var] = os.path.join(root, sub)
    env["GIMP2_DIRECTORY"] = os.path.join(root, "profile")
    with open(os.path.join(root, "gimprc"), "w") as f:
        f.write('(plug-in-path "%s")\n(script-fu-path "%s")\n' % (sysplug, sfpath))
    return env


def script(out, matrix, divisor, offset):
    """The batch: B, then one after image per effect, each from a fresh copy."""
    vec = " ".join("%.10g" % v for v in matrix.ravel())
    effects = {
        "convmatrix": "(plug-in-convmatrix RUN-NONINTERACTIVE img l 25 (vector %s) 0 %.10g %.10g 5 "
                      "(vector 1 1 1 1 0) 0)" % (vec, divisor, offset),
        "gaussian-blur": "(plug-in-gauss RUN-NONINTERACTIVE img l 4.0 4.0 0)",
        "sharpen": "(plug-in-sharpen RUN-NONINTERACTIVE img l 40)",
        "emboss": "(plug-in-emboss RUN-NONINTERACTIVE img l 30.0 45.0 3 1)",
        "edge-sobel": "(plug-in-edge RUN-NONINTERACTIVE img l 2.0 2 0)",
    }
    lines = ['(define (save img l name)',
             '  (file-png-save2 RUN-NONINTERACTIVE img l name name 0 9 0 0 0 0 0 0 0))',
             '(let* ((img (car (gimp-image-new %d %d RGB)))' % (SIZE, SIZE),
             '       (base (car (gimp-layer-new img %d %d RGB-IMAGE "b" 100 LAYER-MODE-NORMAL))))' % (SIZE, SIZE),
             '  (gimp-image-insert-layer img base 0 0)',
             '  (plug-in-plasma RUN-NONINTERACTIVE img base 7 3.0)',
             '  (plug-in-rgb-noise RUN-NONINTERACTIVE img base TRUE FALSE 0.08 0.08 0.08 0)',
             # a photo's range, not plasma's full 0..255: room for sharpening
             '  (gimp-drawable-levels base HISTOGRAM-VALUE 0.0 1.0 TRUE 1.0 0.2 0.8 TRUE)',
             '  (save img base "%s")' % os.path.join(out, "before.png")]
    for name, call in effects.items():
        lines += ['  (let ((l (car (gimp-layer-copy base FALSE))))',
                  '    (gimp-image-insert-layer img l 0 -1)',
                  '    %s' % call,
                  '    (save img l "%s")' % os.path.join(out, name + ".png"),
                  '    (gimp-message "FMTEST made %s"))' % name]
    lines += ['  (gimp-image-delete img))']
    return "\n".join(lines) + "\n", list(effects)


def load_png(path):
    from PIL import Image
    return np.asarray(Image.open(path).convert("RGB"), np.float64) / 255.0


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: test_gimp_pairs.py FEATUREMAPS WORKDIR")
    exe = lt.binary()
    work = os.path.abspath(sys.argv[2])
    if not shutil.which(GIMP):
        print("%s not installed: skipped" % GIMP)
        sys.exit(77)
    f = lt.Failures("learn-gimp-pairs")
    root = os.path.join(work, "gimp")
    env = hermetic_gimp(root)
    out = os.path.join(work, "pairs")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)

    rng = np.random.default_rng(515)
    matrix = np.round(rng.uniform(-1, 1, size=(5, 5)), 3)
    matrix[2, 2] += 2.0                      # keep some of the image
    divisor = float(2 * np.abs(matrix).sum())  # |sum / divisor| <= 0.5: no clipping
    offset = 0.5 - matrix.sum() / divisor * 0.5
    text, effects = script(out, matrix, divisor, offset)
    job = os.path.join(root, "job.scm")
    open(job, "w").write(text)
    p = subprocess.run(["timeout", "300", GIMP, "-i", "-d", "-f", "--stack-trace-mode=never",
                        "-g", os.path.join(root, "gimprc"), "-b", '(load "%s")' % job,
                        "-b", "(gimp-quit 0)"], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, env=env)
    made = re.findall(r"FMTEST made (\S+)", p.stderr)
    if not f.check(made == effects and "execution error" not in p.stderr,
                   "gimp-console made %s of %s: %s" % (made, effects, p.stderr[-2000:])):
        f.finish()

    # the table's fits read the pairs as uint8 .npy (the same values as the
    # PNGs, without starting GEGL for each); the Convolution Matrix's as PNG
    from PIL import Image
    before = os.path.join(out, "before.png")
    for name in ["before"] + effects:
        np.save(os.path.join(out, name + ".npy"),
                np.asarray(Image.open(os.path.join(out, name + ".png")).convert("RGB")))
    table = {}
    for name, mode in ROWS:
        for k in (3, 5, 9):
            png = name == "convmatrix" and k == 5
            ext = ".png" if png else ".npy"
            bank = os.path.join(out, "%s-%s-%d.json" % (name, mode, k))
            rc, stdout, err = lt.run(exe, "learn", "--before", os.path.join(out, "before" + ext),
                                     "--after", os.path.join(out, name + ext),
                                     "--size", "%dx%d" % (k, k), "--mode", mode, "-o", bank)
            m = re.search(r"PSNR ([0-9.]+|inf) dB", stdout)
            if not f.check(rc == 0 and m, "%s %s %dx%d: exit %d %s" % (name, mode, k, k, rc, err)):
                continue
            table[name, mode, k] = float(m.group(1))

    # the Convolution Matrix: the typed kernel, transposed, comes back
    check_convmatrix(exe, f, out, before, matrix, divisor, offset, table)

    for name, mode in ROWS:
        row = [table.get((name, mode, k)) for k in (3, 5, 9)]
        if None in row:
            continue
        f.check(row[1] >= row[0] - 0.1 and row[2] >= row[1] - 0.1,
                "%s %s: PSNR falls with a larger kernel: %s" % (name, mode, row))
    for name in ("gaussian-blur", "sharpen"):
        p9 = table.get((name, "per-channel", 9), 0)
        f.check(p9 >= 40, "%s 9x9: %.1f dB, want >= 40" % (name, p9))

    print("\n| GIMP filter (8-bit RGB, %d × %d) | mode | 3 × 3 | 5 × 5 | 9 × 9 |" % (SIZE, SIZE))
    print("|---|---|---|---|---|")
    for name, mode in ROWS:
        print("| %s | %s | %s |" % (name, mode, " | ".join(
            "%.1f dB" % table[name, mode, k] if (name, mode, k) in table else "–" for k in (3, 5, 9))))
    f.finish()


def check_convmatrix(exe, f, out, before, matrix, divisor, offset, table):
    after = os.path.join(out, "convmatrix.png")
    bank = os.path.join(out, "convmatrix-per-channel-5.json")
    W, b, _ = lt.bank_filters(bank)
    got = W[0].reshape(5, 5)
    want = matrix.T / divisor
    # what 8-bit rounding of the after image allows: the weights' standard
    # deviations from the windows' covariance (per-channel: R, G, B stacked)
    B = load_png(before)
    X = np.concatenate([np.stack([B[i:i + SIZE - 4, j:j + SIZE - 4, c].ravel()
                                  for i in range(5) for j in range(5)], axis=1) for c in range(3)])
    Xc = X - X.mean(axis=0)
    sigma_q = 1 / (255 * np.sqrt(12))
    sd = sigma_q * np.sqrt(np.diag(np.linalg.inv(Xc.T @ Xc))).reshape(5, 5)
    z = np.max(np.abs(got - want) / sd)
    f.check(z <= 5, "convmatrix: weights off by %.1f standard deviations of 8-bit rounding "
            "(max |diff| %.2g, sd %.2g)" % (z, np.max(np.abs(got - want)), sd.max()))
    other = np.max(np.abs(got - matrix / divisor))
    f.check(other > 20 * np.max(np.abs(got - want)),
            "convmatrix: the kernel is not the transposed matrix (untransposed off by %.2g)" % other)
    f.check(abs(b[0] - offset) <= 5 * sigma_q, "convmatrix: bias %.5f, offset %.5f" % (b[0], offset))
    floor = 10 * np.log10(12 * 255.0 ** 2)
    p = table.get(("convmatrix", "per-channel", 5), 0)
    f.check(abs(p - floor) <= 1.0, "convmatrix 5x5: %.2f dB, the 8-bit floor is %.2f dB" % (p, floor))
    A = load_png(after)
    x_path = os.path.join(out, "convmatrix-x.npy")
    rc, _, err = lt.run(exe, "apply", "-k", bank, "-i", before, "-o", x_path,
                        "--padding", "same", "--mapping", "raw")
    if f.check(rc == 0, "apply: %s" % err):
        x = np.load(x_path).reshape(SIZE, SIZE, 3)[2:-2, 2:-2]
        worst = np.max(np.abs(x - A[2:-2, 2:-2])) * 255
        f.check(worst <= 0.6, "convmatrix: reproduction off by %.2f/255 (rounding allows 0.5)" % worst)
        print("convmatrix 5x5: weights within %.1f sd of 8-bit rounding, reproduction within "
              "%.3f/255, %.2f dB (floor %.2f dB)" % (z, worst, p, floor))


if __name__ == "__main__":
    main()
