#!/usr/bin/python3
"""Many images in one run: `featuremaps apply -k KERNEL -o OUTDIR INPUT…`.

    test_batch.py FEATUREMAPS

- a folder with good images (two sizes, PNG, JPEG, .npy), a corrupt PNG, a
  truncated PNG and JPEG, a text file, a hidden file and a sub-folder: the
  good ones are written (each equal to the one-input form's result), the
  bad ones named on their own line, the summary lists them in sorted order
  with their reason, exit status 1, nothing else appears;
- all good: exit 0 and "N written"; no progress when stderr is not a
  terminal, "[n/N] name" and a bar in sorted order when it is (a pty);
- -i repeated, --each images (OUTDIR/<stem>/<filter>.png), a trailing
  slash on -o for the one-input form, --version;
- --shard I/N: every N-th input of the sorted list, the shards disjoint and
  together everything;
- bad usage (exit 2, one line, nothing written): two inputs with one stem,
  an output that would replace an input, --shard 0/3 and 4/3, --each
  unknown, -o x.npy with several inputs, -i and inputs after the options.
"""
import os
import pty
import re
import subprocess

import numpy as np
from PIL import Image

import fmtest


def main():
    exe = fmtest.binary()
    f = fmtest.Failures("batch")
    d = fmtest.workdir("fm-batch-")
    p = lambda *names: os.path.join(d, *names)
    rng = np.random.default_rng(7)
    img = lambda h, w: (rng.random((h, w, 3)) * 255).astype(np.uint8)

    src = p("photos")
    os.makedirs(os.path.join(src, "sub"))
    Image.fromarray(img(30, 40)).save(os.path.join(src, "b-second.png"))
    Image.fromarray(img(30, 40)).save(os.path.join(src, "a-first.png"))
    Image.fromarray(img(21, 17)).save(os.path.join(src, "d-small.jpg"), quality=90)
    np.save(os.path.join(src, "e-array.npy"), rng.random((12, 14)).astype(np.float32))
    Image.fromarray(img(30, 40)).save(os.path.join(src, "sub", "z-inside.png"))
    Image.fromarray(img(30, 40)).save(os.path.join(src, ".hidden.png"))
    good = open(os.path.join(src, "a-first.png"), "rb").read()
    with open(os.path.join(src, "c-truncated.png"), "wb") as fh:
        fh.write(good[:len(good) // 2])
    with open(os.path.join(src, "f-corrupt.png"), "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + bytes(rng.integers(0, 256, 300).astype(np.uint8)))
    jpg = open(os.path.join(src, "d-small.jpg"), "rb").read()
    with open(os.path.join(src, "g-truncated.jpg"), "wb") as fh:
        fh.write(jpg[:len(jpg) * 2 // 3])
    with open(os.path.join(src, "h-notes.txt"), "w") as fh:
        fh.write("not an image\n")
    goods = ["a-first", "b-second", "d-small", "e-array"]
    bads = [("c-truncated.png", "truncated"), ("f-corrupt.png", None),
            ("g-truncated.jpg", "truncated"), ("h-notes.txt", "not an image")]

    # --- a folder with bad files ------------------------------------------
    out = p("out")
    st, stdout, err = fmtest.run(exe, "apply", "-k", "sobel", "-o", out + "/", src)
    f.check(st == 1, "folder with bad files: exit %d, expected 1" % st)
    f.check(fmtest.listing(out) == sorted(g + ".npy" for g in goods),
            "folder: one .npy per good input: %s" % fmtest.listing(out))
    f.check(stdout == "", "folder: nothing on stdout")
    f.check(not any("[" in line and "/" in line and "]" in line and "%" in line for line in err),
            "folder: no progress when stderr is not a terminal: %s" % err)
    for name, _ in bads:
        f.check(sum(line.startswith("featuremaps: %s: " % os.path.join(src, name)) for line in err) == 1,
                "folder: %s named on one line: %s" % (name, err))
    summary = err[-1] if err else ""
    m = re.match(r"featuremaps: 4 written, 4 failed: (.*)$", summary)
    f.check(m is not None, "folder: summary %r" % summary)
    if m:
        listed = re.findall(r"([^ ,]+) \(([^)]*)\)", m.group(1))
        f.check([n for n, _ in listed] == [n for n, _ in bads], "summary lists the failures in order: %s" % listed)
        for (name, why), (_, want) in zip(listed, bads):
            f.check(want is None or why == want, "summary: %s (%s), expected (%s)" % (name, why, want))
    f.check(len(err) == len(bads) + 1, "folder: one line per failure and the summary: %s" % err)
    for g in goods:
        single = p("single-%s.npy" % g)
        inp = [n for n in os.listdir(src) if n.startswith(g)][0]
        fmtest.run(exe, "apply", "-k", "sobel", "-i", os.path.join(src, inp), "-o", single)
        f.check(np.array_equal(np.load(os.path.join(out, g + ".npy")), np.load(single)),
                "%s: the same maps as the one-input form" % g)

    # --- all good: exit 0, the summary ------------------------------------
    okdir = p("ok")
    st, _, err = fmtest.run(exe, "apply", "-k", "sobel", "-o", okdir,
                            os.path.join(src, "b-second.png"), os.path.join(src, "a-first.png"))
    f.check(st == 0 and err == ["featuremaps: 2 written"], "all good: exit %d %s" % (st, err))

    # --- progress on a terminal --------------------------------------------
    master, slave = pty.openpty()
    proc = subprocess.Popen([exe, "apply", "-k", "sobel", "-o", p("tty"), os.path.join(src, "b-second.png"),
                             os.path.join(src, "a-first.png"), os.path.join(src, "d-small.jpg")],
                            stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    tty = b"".join(chunks).decode("utf-8", "replace")
    order = re.findall(r"\[(\d)/3\] (\S+)", tty)
    seen = []
    for n, name in order:
        if (n, name) not in seen:
            seen.append((n, name))
    f.check([s for s in seen] == [("1", os.path.join(src, "a-first.png")), ("2", os.path.join(src, "b-second.png")),
                                  ("3", os.path.join(src, "d-small.jpg"))],
            "terminal: [n/N] name in sorted order: %s" % seen)
    f.check("█" in tty and "100%" in tty, "terminal: a bar up to 100%%: %r" % tty[-200:])
    f.check(proc.returncode == 0 and tty.rstrip().endswith("featuremaps: 3 written"),
            "terminal: exit %d, ends with the summary: %r" % (proc.returncode, tty[-80:]))

    # --- -i repeated, --each images ----------------------------------------
    st, _, err = fmtest.run(exe, "apply", "-k", "sobel", "-o", p("rep"), "-i", os.path.join(src, "a-first.png"),
                            "-i", os.path.join(src, "d-small.jpg"))
    f.check(st == 0 and fmtest.listing(p("rep")) == ["a-first.npy", "d-small.npy"],
            "-i repeated: exit %d %s %s" % (st, err, fmtest.listing(p("rep")) if os.path.isdir(p("rep")) else ""))
    st, _, err = fmtest.run(exe, "apply", "-k", "sobel", "-o", p("imgs"), "--each", "images",
                            os.path.join(src, "a-first.png"), os.path.join(src, "d-small.jpg"))
    f.check(st == 0 and fmtest.listing(p("imgs")) == ["a-first", "d-small"]
            and fmtest.listing(p("imgs", "a-first")) == ["x.png", "y.png"],
            "--each images: OUTDIR/<stem>/<filter>.png: exit %d %s" % (st, err))
    fmtest.run(exe, "apply", "-k", "sobel", "-i", os.path.join(src, "a-first.png"), "-o", p("one-images/"))
    for name in ("x.png", "y.png"):
        a = np.asarray(Image.open(p("imgs", "a-first", name)))
        b = np.asarray(Image.open(p("one-images", name)))
        f.check(np.array_equal(a, b), "--each images %s equals the one-input form's" % name)

    # --- the one-input form: -o with a trailing slash, --version ----------
    st, _, err = fmtest.run(exe, "apply", "-k", "sobel", "-i", os.path.join(src, "a-first.png"),
                            "-o", p("new-folder") + "/")
    f.check(st == 0 and fmtest.listing(p("new-folder")) == ["x.png", "y.png"],
            "-o FOLDER/ (not there yet) is a folder of maps: exit %d %s" % (st, err))
    st, out_text, err = fmtest.run(exe, "--version")
    f.check(st == 0 and re.fullmatch(r"featuremaps \d+\.\d+\.\d+\n", out_text) is not None and not err,
            "--version: %r" % out_text)

    # --- shards --------------------------------------------------------------
    names = sorted(n for n in os.listdir(src) if not n.startswith(".") and os.path.isfile(os.path.join(src, n)))
    union = []
    for i in (1, 2, 3):
        sd = p("shard%d" % i)
        st, _, err = fmtest.run(exe, "apply", "-k", "sobel", "-o", sd, "--shard", "%d/3" % i, src)
        mine = names[i - 1::3]
        want = sorted(os.path.splitext(n)[0] + ".npy" for n in mine if os.path.splitext(n)[0] in goods)
        got = fmtest.listing(sd) if os.path.isdir(sd) else []
        f.check(got == want, "--shard %d/3 wrote %s, expected %s" % (i, got, want))
        f.check(st == (1 if any(n in dict(bads) for n in mine) else 0), "--shard %d/3: exit %d" % (i, st))
        union += got
    f.check(sorted(union) == sorted(g + ".npy" for g in goods), "the shards together: %s" % sorted(union))

    # --- bad usage: exit 2, one line, nothing written ----------------------
    os.makedirs(p("twins"))
    Image.fromarray(img(10, 10)).save(p("twins", "same.png"))
    Image.fromarray(img(10, 10)).save(p("twins", "same.jpg"))
    os.makedirs(p("arrays"))
    np.save(p("arrays", "in.npy"), np.ones((8, 8), np.float32))
    cases = [
        (["-o", p("u1"), p("twins")], "would both be written to"),
        (["-o", p("arrays"), p("arrays", "in.npy")], "would replace the input"),
        (["-o", p("u3"), "--shard", "0/3", src], "--shard 0/3"),
        (["-o", p("u4"), "--shard", "4/3", src], "--shard 4/3"),
        (["-o", p("u5"), "--shard", "x", src], "--shard x"),
        (["-o", p("u6"), "--each", "tiff", src], "--each tiff"),
        (["-o", p("u7.npy"), src], "OUTPUT is a folder"),
        (["-o", p("u8"), "-i", os.path.join(src, "a-first.png"), os.path.join(src, "b-second.png")],
         "unexpected argument"),
        (["-o", p("u9"), "-i", src], "is a folder, not an image"),
    ]
    before = fmtest.listing(d)
    for args, expect in cases:
        st, stdout, err = fmtest.run(exe, "apply", "-k", "sobel", *args)
        what = " ".join(args)
        f.check(st == 2 and len(err) == 1 and expect in err[0], "%s → exit %d %s (expected %r)" % (what, st, err, expect))
        f.check(fmtest.listing(d) == before, "%s: files appeared: %s" % (what, set(fmtest.listing(d)) ^ set(before)))
    f.check(fmtest.listing(p("arrays")) == ["in.npy"] and np.load(p("arrays", "in.npy")).sum() == 64,
            "the input .npy is untouched")
    f.finish()


if __name__ == "__main__":
    main()
