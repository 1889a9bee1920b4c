#!/usr/bin/python3
"""The README's command-line examples, run as written.

    test_readme.py FEATUREMAPS README.md

Every line of a ```sh block in the README's "The command line" section that
starts with `featuremaps apply`, `learn`, `info`, `rank` or `summary` and names no placeholder
(KERNEL, INPUT …) runs, the lines of one block in order in one fresh folder
holding the files the examples name (photo.jpg, photo.png, conv1.npy,
photos/, and the repository's models/ and samples/), with `featuremaps`
replaced by the built binary, and must succeed and write what it says.
"""
import os
import re
import shlex
import shutil
import sys

import numpy as np
from PIL import Image

import fmtest

PLACEHOLDER = re.compile(r"\b(KERNEL|INPUT|OUTPUT|OUTDIR|OPTION|MODEL|LAYER|BANK)\b")
RUN = ("featuremaps apply", "featuremaps learn", "featuremaps info", "featuremaps rank",
       "featuremaps summary")


def examples(readme):
    """The runnable lines, one list per ```sh block."""
    text = open(readme, encoding="utf-8").read()
    section = text.split("## The command line", 1)[1].split("\n## ", 1)[0]
    blocks = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        lines = [line for line in block.splitlines()
                 if line.startswith(RUN) and not PLACEHOLDER.search(line)]
        if lines:
            blocks.append(lines)
    return blocks


def check_apply(f, line, argv, work, err):
    o = argv[argv.index("-o") + 1]
    target = os.path.join(work, o)
    kernel = argv[argv.index("-k") + 1]
    if o.endswith(".npy"):
        f.check(os.path.isfile(target), "%s wrote %s" % (line, o))
    elif "#" in kernel and "-i" in argv and len(re.split(r",(?![^\[]*\])", kernel.split("#", 1)[1])) > 1:
        # A network's layers: a folder per layer, each with its maps (commas
        # inside a channel pick [0-3,7] stay with their layer).
        layers = [re.sub(r"\[.*\]$", "", l) for l in re.split(r",(?![^\[]*\])", kernel.split("#", 1)[1])]
        got = fmtest.listing(target) if os.path.isdir(target) else []
        f.check(sorted(got) == sorted(layers), "%s wrote one folder per layer: %s" % (line, got))
        for layer in got:
            maps = fmtest.listing(os.path.join(target, layer))
            f.check(maps and all(n.endswith((".png", ".tif")) for n in maps),
                    "%s wrote maps of %s: %s" % (line, layer, maps))
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

    src = os.path.dirname(os.path.abspath(readme))
    for folder in ("models", "samples"):
        shutil.copytree(os.path.join(src, folder), os.path.join(seed, folder))

    blocks = examples(readme)
    n_lines = sum(len(b) for b in blocks)
    f.check(n_lines >= 10, "the README has its examples (%d found)" % n_lines)
    for i, lines in enumerate(blocks):
        previous = None
        for j, line in enumerate(lines):
            # Each line in a fresh folder, but after `learn` the next line
            # uses what it wrote.
            work = os.path.join(root, "block%d-%d" % (i, j))
            shutil.copytree(previous if previous and lines[j - 1].startswith("featuremaps learn")
                            else seed, work)
            previous = work
            # As the shell reads it: '#' starts a comment only after a blank
            # (MODEL#LAYER is one word).
            argv = shlex.split(re.sub(r"(^|\s)#.*$", "", line))
            cwd = os.getcwd()
            os.chdir(work)
            try:
                status, out, err = fmtest.run(exe, *argv[1:])
            finally:
                os.chdir(cwd)
            f.check(status == 0, "%s → exit %d %s" % (line, status, err))
            if status != 0:
                continue
            if argv[1] == "apply":
                check_apply(f, line, argv, work, err)
            elif argv[1] == "learn":
                o = argv[argv.index("-o") + 1]
                f.check(os.path.isfile(os.path.join(work, o)), "%s wrote %s" % (line, o))
            elif "--sheet" in argv or argv[1] == "summary":
                o = argv[argv.index("--sheet" if "--sheet" in argv else "-o") + 1]
                f.check(Image.open(os.path.join(work, o)).mode == "RGB", "%s wrote %s" % (line, o))
            else:
                f.check(len(out.splitlines()) >= 3, "%s printed %d lines" % (line, len(out.splitlines())))
    f.finish()


if __name__ == "__main__":
    main()
