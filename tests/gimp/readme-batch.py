#!/usr/bin/python3
"""The README's GIMP batch command, run as written, on a folder with good,
corrupt, truncated and non-image files.

    readme-batch.py PLUGIN SRC

The ```sh block of README.md's "Script-Fu and batches" section that calls
gimp-console-2.10 runs under `sh` with the variables the README sets before
it (src, photos, maps) pointing into a scratch folder, in a hermetic GIMP:
GIMP2_DIRECTORY, XDG_* and TMPDIR per run, a gimprc in that profile whose
plug-in path holds Script-Fu, the PNG/JPEG/TIFF loaders and this plug-in.
Checks: one XCF per good file and nothing else, every bad file named with
its reason and skipped (the text file named .png never reaches GIMP's PNG
loader, which hangs on it), "[n/N] FILE" in sorted order, the summary, the
report files, and the block's exit status: 1 with skipped files, 0 without.
Exit 77 when gimp-console-2.10 is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

GIMP = "gimp-console-2.10"
SYS_PLUGINS = "/usr/lib/gimp/2.0/plug-ins"
SYS_SCRIPTS = "/usr/share/gimp/2.0/scripts"

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def readme_block(src):
    text = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    section = text.split("## Script-Fu and batches", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", section, re.S) if GIMP in b]
    return blocks[0] if len(blocks) == 1 else None


def hermetic(root, plugin, src):
    sysplug, plugdir, sfpath = (os.path.join(root, n) for n in ("sysplug", "plugdir/featuremaps", "sfpath"))
    for d in (sysplug, plugdir, sfpath):
        os.makedirs(d)
    for p in ("script-fu", "file-png", "file-jpeg", "file-tiff", "file-glob"):
        os.symlink(os.path.join(SYS_PLUGINS, p), os.path.join(sysplug, p))
    for f in ("script-fu.init", "script-fu-compat.init", "plug-in-compat.init"):
        os.symlink(os.path.join(SYS_SCRIPTS, f), os.path.join(sfpath, f))
    os.symlink(os.path.abspath(plugin), os.path.join(plugdir, "featuremaps"))
    os.symlink(os.path.join(src, "presets"), os.path.join(plugdir, "presets"))
    env = dict(os.environ)
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CONFIG_HOME", "config"), ("TMPDIR", "tmp")):
        os.makedirs(os.path.join(root, sub))
        env[var] = os.path.join(root, sub)
    env["GIMP2_DIRECTORY"] = os.path.join(root, "profile")
    env["FEATUREMAPS_PRESET_PATH"] = ""
    gimprc = '(plug-in-path "%s:%s")\n(script-fu-path "%s")\n' % (sysplug, os.path.dirname(plugdir), sfpath)
    with open(os.path.join(root, "gimprc"), "w") as f:
        f.write(gimprc)
    # GIMP makes the profile on its first run; then the plain command finds
    # the plug-in path in the profile's own gimprc.
    subprocess.run(["timeout", "300", GIMP, "-i", "-d", "-f", "--stack-trace-mode=never",
                    "-g", os.path.join(root, "gimprc"), "-b", "(gimp-quit 0)"],
                   env=env, stdin=subprocess.DEVNULL, capture_output=True)
    with open(os.path.join(env["GIMP2_DIRECTORY"], "gimprc"), "a") as f:
        f.write(gimprc)
    return env


def run_block(block, env, src, photos, maps):
    env = dict(env, src=src, photos=photos, maps=maps)
    p = subprocess.run(["timeout", "900", "sh", "-c", block], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def main():
    plugin, src = sys.argv[1], os.path.abspath(sys.argv[2])
    if shutil.which(GIMP) is None:
        print("SKIP: %s not installed" % GIMP)
        return 77
    block = readme_block(src)
    check(block is not None, "README.md has one gimp-console block under Script-Fu and batches")
    if block is None:
        return 1
    root = tempfile.mkdtemp(prefix="fm-readme-batch-")
    env = hermetic(root, plugin, src)

    photos = os.path.join(root, "my photos")
    os.makedirs(photos)
    rng = np.random.default_rng(4)
    img = lambda h, w: (rng.random((h, w, 3)) * 255).astype(np.uint8)
    Image.fromarray(img(24, 32)).save(os.path.join(photos, "beach.png"))
    Image.fromarray(img(20, 30)).save(os.path.join(photos, "city.jpg"), quality=90)
    Image.fromarray(img(16, 16)).save(os.path.join(photos, "forest.tif"))
    good = open(os.path.join(photos, "beach.png"), "rb").read()
    with open(os.path.join(photos, "cut.png"), "wb") as f:
        f.write(good[:len(good) // 2])
    jpg = open(os.path.join(photos, "city.jpg"), "rb").read()
    with open(os.path.join(photos, "cut.jpg"), "wb") as f:
        f.write(jpg[:len(jpg) * 2 // 3])
    with open(os.path.join(photos, "garbage.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + bytes(rng.integers(0, 256, 200).astype(np.uint8)))
    with open(os.path.join(photos, "hello.png"), "w") as f:
        f.write("hello")
    with open(os.path.join(photos, "notes.txt"), "w") as f:
        f.write("not an image\n")
    names = sorted(os.listdir(photos))
    written = ["beach", "city", "forest"]
    skipped = {"cut.jpg": "truncated", "cut.png": "truncated", "garbage.png": None,
               "hello.png": "not an image", "notes.txt": "not an image"}

    maps = os.path.join(root, "my maps")
    status, log = run_block(block, env, src, photos, maps)
    check(status == 1, "the block's last line: exit status 1 with skipped files (got %d)" % status)
    listing = sorted(os.listdir(maps)) if os.path.isdir(maps) else []
    check(listing == sorted([w + ".xcf" for w in written] + ["featuremaps-batch.txt", "featuremaps-skipped.txt"]),
          "one XCF per good file and the two reports: %s" % listing)
    for w in written:
        path = os.path.join(maps, w + ".xcf")
        head = open(path, "rb").read(9) if os.path.exists(path) else b""
        check(head == b"gimp xcf ", "%s.xcf is an XCF" % w)
    progress = re.findall(r"featuremaps: \[(\d+)/(\d+)\] (.+)", log)
    check([(int(a), int(b), os.path.basename(c.strip())) for a, b, c in progress]
          == [(i + 1, len(names), n) for i, n in enumerate(names)],
          "[n/N] FILE in sorted order: %s" % progress)
    for name, why in skipped.items():
        m = re.search(r"featuremaps: skipped .*/%s: (.+)" % re.escape(name), log)
        check(m is not None and (why is None or m.group(1).strip() == why),
              "%s skipped with its reason (%s)" % (name, m.group(1).strip() if m else "not named"))
    summary = re.findall(r"featuremaps: (\d+ written.*)", log)
    want = "3 written, 5 skipped: " + ", ".join(
        "%s (%s)" % (n, re.search(r"skipped .*/%s: (.+)" % re.escape(n), log).group(1).strip()
                     if re.search(r"skipped .*/%s: (.+)" % re.escape(n), log) else "?")
        for n in sorted(skipped))
    check(summary and summary[-1].strip() == want, "summary %r, expected %r" % (summary[-1:], want))
    report = open(os.path.join(maps, "featuremaps-batch.txt")).read().splitlines() \
        if os.path.exists(os.path.join(maps, "featuremaps-batch.txt")) else []
    check(len(report) == len(names) + 1 and report[-1] == want, "featuremaps-batch.txt: %s" % report)
    skip = open(os.path.join(maps, "featuremaps-skipped.txt")).read().splitlines() \
        if os.path.exists(os.path.join(maps, "featuremaps-skipped.txt")) else []
    check(sorted(os.path.basename(l.split("\t")[0]) for l in skip) == sorted(skipped),
          "featuremaps-skipped.txt names the skipped files: %s" % skip)
    check("batch command executed successfully" in log and "Plug-in crashed" not in log
          and "GIMP-Error" not in log, "the batch ran to its end, no crash, no GIMP error")
    check(sorted(os.listdir(photos)) == names, "the photos folder is unchanged")

    # Only good files: the same command ends with status 0.
    good_dir = os.path.join(root, "good")
    os.makedirs(good_dir)
    for n in ("beach.png", "city.jpg"):
        shutil.copy(os.path.join(photos, n), good_dir)
    maps2 = os.path.join(root, "maps2")
    status, log = run_block(block, env, src, good_dir, maps2)
    check(status == 0 and os.path.getsize(os.path.join(maps2, "featuremaps-skipped.txt")) == 0,
          "all good: exit status 0, an empty featuremaps-skipped.txt (got %d)" % status)
    check(re.search(r"featuremaps: 2 written\s*$", log, re.M) is not None, "all good: summary '2 written'")
    shutil.rmtree(root, ignore_errors=True) if not failures else print("kept", root)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
