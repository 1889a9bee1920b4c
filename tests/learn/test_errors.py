#!/usr/bin/python3
"""featuremaps learn: every bad input gets its own one-line message, exit
status 2, and no file: no bank, no dumped patches, no input overwritten.

usage: test_errors.py FEATUREMAPS
"""
import hashlib
import os

import numpy as np

import learntest as lt


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    exe = lt.binary()
    f = lt.Failures("learn-errors")
    tmp = lt.workdir("fm-learn-errors-")
    rng = np.random.default_rng(7)

    def save(name, array):
        path = os.path.join(tmp, name)
        np.save(path, np.asarray(array, np.float32))
        return path

    b = save("b.npy", lt.texture(rng, 40, 50, 3))
    a = save("a.npy", lt.texture(rng, 40, 50, 3))
    a_wide = save("a_wide.npy", lt.texture(rng, 40, 51, 3))
    grey = save("grey.npy", lt.texture(rng, 40, 50, 1)[:, :, 0])
    flat = save("flat.npy", np.full((40, 50, 3), 0.5))
    small = save("small.npy", lt.texture(rng, 8, 10, 3))
    tiny = save("tiny.npy", lt.texture(rng, 5, 5, 3))
    nan = lt.texture(rng, 40, 50, 3)
    nan[7, 11, 1] = np.nan
    nan_npy = save("nan.npy", nan)
    mask_wrong = save("mask_wrong.npy", np.ones((39, 50)))
    mask_empty = save("mask_empty.npy", np.zeros((40, 50)))
    nan_tif = os.path.join(tmp, "nan.tif")
    import tifffile
    tifffile.imwrite(nan_tif, nan)

    bank = os.path.join(tmp, "bank.json")
    dump = os.path.join(tmp, "patches.npy")
    pair = ["learn", "--before", b, "--after", a, "-o", bank]
    patches = ["learn", "--patches", b, "-o", bank]

    cases = [
        # (what, arguments, a phrase the one line must hold)
        ("different sizes", ["learn", "--before", b, "--after", a_wide, "--size", "3x3", "-o", bank],
         "must be the same size"),
        ("different channels", ["learn", "--before", b, "--after", grey, "--size", "3x3", "-o", bank],
         "colour channels"),
        ("constant before", ["learn", "--before", flat, "--after", a, "--size", "3x3", "-o", bank],
         "flat"),
        ("NaN in a .npy", ["learn", "--before", nan_npy, "--after", a, "--size", "3x3", "-o", bank],
         "finite"),
        ("NaN in a float TIFF", ["learn", "--before", b, "--after", nan_tif, "--size", "3x3", "-o", bank],
         "must be finite"),
        ("kernel larger than the image", ["learn", "--before", small, "--after", small, "--size", "9x9", "-o", bank],
         "larger than the"),
        ("too few windows", ["learn", "--before", tiny, "--after", tiny, "--size", "5x5", "--mode", "full", "-o", bank],
         "windows for"),
        ("mask of the wrong size", pair + ["--size", "3x3", "--mask", mask_wrong],
         "the mask is 50 × 39"),
        ("mask leaving no window", pair + ["--size", "3x3", "--mask", mask_empty],
         "no window to fit"),
        ("K larger than the patch dimension (pca)",
         patches + ["--size", "5x5", "--mode", "luminance", "--filters", "26", "--method", "pca"],
         "25 dimensions"),
        ("K larger than the patch dimension (ica)",
         patches + ["--size", "3x3", "--mode", "luminance", "--filters", "9", "--method", "ica"],
         "at most 8 filters"),
        ("K = 0", patches + ["--size", "3x3", "--filters", "0", "--method", "kmeans"],
         "at least 1"),
        ("flat patches image", ["learn", "--patches", flat, "-o", bank, "--size", "3x3",
                                "--filters", "2", "--method", "pca"], "is flat"),
        ("patch larger than an image", ["learn", "--patches", b, small, "-o", bank, "--size", "9x9",
                                        "--filters", "2", "--method", "pca"], "larger than image 2"),
        ("missing image", ["learn", "--before", os.path.join(tmp, "nope.png"), "--after", a,
                           "--size", "3x3", "-o", bank], "nope.png"),
        ("output is the before image", ["learn", "--before", b, "--after", a, "--size", "3x3", "-o", b],
         "name it NAME.json"),
        ("unknown mode", pair + ["--size", "3x3", "--mode", "diagonal"], "--mode diagonal"),
        ("bad size", pair + ["--size", "7y7"], "KHxKW"),
        ("size 0", pair + ["--size", "0x3"], "1 to 63"),
        ("negative ridge", pair + ["--size", "3x3", "--ridge", "-1"], "--ridge"),
        ("missing size", pair, "missing --size"),
        ("missing output", ["learn", "--before", b, "--after", a, "--size", "3"], "missing -o"),
        ("pair and patches", pair + ["--size", "3", "--patches", b], "either --before"),
        ("only before", ["learn", "--before", b, "--size", "3", "-o", bank], "missing --after"),
        ("patches without method", patches + ["--size", "3", "--filters", "2"], "missing --method"),
        ("unknown method", patches + ["--size", "3", "--filters", "2", "--method", "svm"], "--method svm"),
        ("patches without filters", patches + ["--size", "3", "--method", "pca"], "missing --filters"),
        ("robust with patches", patches + ["--size", "3", "--filters", "2", "--method", "pca", "--robust"],
         "--robust belongs to a --before/--after pair"),
        ("threads with patches", patches + ["--size", "3", "--filters", "2", "--method", "pca",
                                            "--threads", "1"], "--threads belongs"),
        ("method with a pair", pair + ["--size", "3", "--method", "pca"], "--method belongs to --patches"),
        ("dump not a .npy", patches + ["--size", "3", "--filters", "2", "--method", "pca",
                                       "--dump-patches", os.path.join(tmp, "p.txt")], ".npy"),
        ("samples too many", patches + ["--size", "3", "--filters", "2", "--method", "pca",
                                        "--samples", "2000000"], "1 to 1000000"),
        ("kmeans K above the samples", patches + ["--size", "3", "--filters", "50", "--method", "kmeans",
                                                  "--samples", "20"], "one patch per filter"),
    ]
    messages = {}
    for what, args, phrase in cases:
        for p in (bank, dump):
            if os.path.exists(p):
                os.unlink(p)
        rc, out, err = lt.run(exe, *args)
        line = err[0] if err else ""
        ok = (rc == 2 and len(err) == 1 and line.startswith("featuremaps: ") and phrase in line
              and not os.path.exists(bank) and not os.path.exists(dump))
        f.check(ok, "%s: exit %d, stderr %r (want exit 2, one line with %r, no file)"
                % (what, rc, err, phrase))
        messages.setdefault(line, []).append(what)
    for line, whats in messages.items():
        f.check(len(whats) == 1, "one message for several problems: %s -> %r" % (whats, line))

    # -o naming an input (another spelling, a hard link): refused, input intact
    before_digest = digest(b)
    link = os.path.join(tmp, "link.json")
    b_json = os.path.join(tmp, "b.json")
    open(b_json, "w").write('{"not": "a bank"}')
    os.link(b_json, link)
    for out in (b_json, link, os.path.join(tmp, ".", "b.json")):
        rc, _, err = lt.run(exe, "learn", "--before", b, "--after", a,
                            "--mask", b_json, "--size", "3x3", "-o", out)
        f.check(rc == 2 and len(err) == 1 and "is an input" in err[0],
                "-o %s names the mask: %d %r" % (out, rc, err))
    f.check(open(b_json).read() == '{"not": "a bank"}', "the input named by -o was changed")
    f.check(digest(b) == before_digest, "the before image was changed")

    # the dumped patches of a failing run are removed too: K = 26 > 25 fails
    # only after sampling when the dimension check passes — here sampling
    # itself refuses, so nothing is written (checked above); a good run keeps it
    rc, _, err = lt.run(exe, *(patches + ["--size", "3", "--filters", "2", "--method", "pca",
                                          "--dump-patches", dump]))
    f.check(rc == 0 and os.path.exists(dump), "a good run keeps --dump-patches: %r" % err)
    f.finish()


if __name__ == "__main__":
    main()
