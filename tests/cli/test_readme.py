#!/usr/bin/python3
"""The README's command-line examples, run as written.

    test_readme.py FEATUREMAPS README.md

Every line of a ```sh block in the README's "The command line" section that
starts with `featuremaps apply` and names no placeholder (KERNEL, INPUT …)
runs in a fresh folder holding the files the examples name (photo.jpg,
photo.png, conv1.npy, photos/), with `featuremaps` replaced by the built
binary, and must succeed and write what it says.
"""
import os
import re
import shlex
import shutil
import sys

import numpy as np
from PIL import Image

import fmtest

PLACEHOLDER = re.compile(r"\b(KERNEL|INPUT|OUTPUT|OUTDIR|OPTION)\b")


def examples(readme):
    text = open(readme, encoding="utf-8").read()
    section = text.split("## The command line", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("featuremaps apply") and not PLACEHOLDER.search(line):
                lines.append(line)
    return lines


def main():
    exe = fmtest.binary()
    readme = sys.argv[2]
    f = fmtest.Failures("readme")
    root = fmtest.workdir("fm-readme-")
    seed = os.path.join(root, "seed")
    os.makedirs(os.path.join(seed, "photos"))
    rng = np.random.default_rng(3)
    img = lambda h, w: (rng.random((h, w, 3)) * 255).astype(np.uint8)
    Image.fromarray(img(48, 64)).save(os.path.join(seed, "photo.jpg"), quality=92)
    Image.fromarray(img(40, 56)).save(os.path.join(seed, "photo.png"))
    for name in ("beach.jpg", "city.png", "forest.png"):
        Image.fromarray(img(32, 40)).save(os.path.join(seed, "photos", name))
    np.save(os.path.join(seed, "conv1.npy"), rng.standard_normal((8, 3, 3, 3)).astype(np.float32))

    lines = examples(readme)
    f.check(len(lines) >= 4, "the README has its examples (%d found)" % len(lines))
    for i, line in enumerate(lines):
        work = os.path.join(root, "run%d" % i)
        shutil.copytree(seed, work)
        argv = shlex.split(line, comments=True)
        cwd = os.getcwd()
        os.chdir(work)
        try:
            status, out, err = fmtest.run(exe, *argv[1:])
        finally:
            os.chdir(cwd)
        f.check(status == 0, "%s → exit %d %s" % (line, status, err))
        o = argv[argv.index("-o") + 1]
        target = os.path.join(work, o)
        if o.endswith(".npy"):
            f.check(os.path.isfile(target), "%s wrote %s" % (line, o))
        elif "-i" in argv:
            # One input, a folder of maps: one image per filter.
            names = fmtest.listing(target) if os.path.isdir(target) else []
            f.check(len(names) >= 1 and all(n.endswith((".png", ".tif")) for n in names),
                    "%s wrote maps into %s: %s" % (line, o, names))
        else:
            # Every option of these examples takes a value; the rest are inputs.
            inputs, rest = [], argv[2:]
            while rest:
                if rest[0].startswith("-"):
                    rest = rest[2:]
                else:
                    inputs.append(rest.pop(0))
            stems = set()
            for a in inputs:
                p = os.path.join(work, a)
                names = os.listdir(p) if os.path.isdir(p) else [os.path.basename(p)]
                stems |= {os.path.splitext(n)[0] for n in names}
            got = set(os.path.splitext(n)[0] for n in fmtest.listing(target)) if os.path.isdir(target) else set()
            f.check(stems and got == stems, "%s wrote one result per input: %s, expected %s" % (line, sorted(got), sorted(stems)))
            f.check(err and err[-1] == "featuremaps: %d written" % len(stems), "%s: summary %s" % (line, err[-1:]))
    f.finish()


if __name__ == "__main__":
    main()
