#!/usr/bin/python3
"""The GIMP 3 batch examples and the per-user install, run as docs/plugin.md
writes them.

The two batch commands (Script-Fu and Python) are read from the fenced
blocks of docs/plugin.md's "Batches on GIMP 3" and run unchanged with
/bin/sh in a folder laid out like the source tree (tests/ linked, photos/
with two PNGs and two files GIMP cannot load), in a throwaway GIMP 3 profile
where the plug-in was installed with the doc's per-user install lines (the
profile made by GIMP itself first, as the doc says).  Checked: a non-zero
exit status with failures (70 Script-Fu, 64 Python) and 0 without, "n/N file" progress in sorted order, the
bad files reported and skipped, the summary, and XCFs holding the maps.

  tests/gimp3/test-batch.py --plugin build/plugin/gimp3/featuremaps --src .

Exit 77 when gimp-console-3.0 is missing.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

GIMP = "gimp-console-3.0"


def png(path, w, h, seed):
    """A small 8-bit RGB PNG (written here: no image library needed)."""
    rows = b"".join(b"\0" + bytes(((x * 37 + y * 91 + c * 53 + seed) % 256)
                                  for x in range(w) for c in range(3))
                    for y in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def doc_blocks(doc, heading):
    """The ```sh blocks of one ### section of the doc, in order."""
    text = open(doc, encoding="utf-8").read()
    start = text.index("### " + heading)
    end = text.find("\n### ", start + 1)
    section = text[start:end if end > 0 else len(text)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def run(cmd, cwd, env, timeout=600):
    p = subprocess.run(["timeout", str(timeout), "/bin/sh", "-c", cmd], cwd=cwd, env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace")
    return p.returncode, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if shutil.which(GIMP) is None:
        print("SKIP: %s not installed" % GIMP)
        return 77
    src = os.path.abspath(args.src)
    doc = os.path.join(src, "docs", "plugin.md")

    root = tempfile.mkdtemp(prefix="fm-batch3-")
    env = dict(os.environ)
    for var, sub in (("HOME", "home"), ("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CONFIG_HOME", "config"), ("TMPDIR", "tmp")):
        os.makedirs(os.path.join(root, sub))
        env[var] = os.path.join(root, sub)
    env["GIMP3_DIRECTORY"] = os.path.join(root, "profile")
    env.pop("FEATUREMAPS_PRESET_PATH", None)
    failures = []
    passed = 0

    # Start GIMP once (it makes the profile), then the doc's per-user install.
    rc, log = run("%s -i --quit" % GIMP, root, env)
    if not os.path.isdir(env["GIMP3_DIRECTORY"]):
        failures.append("GIMP 3 made no profile: " + log[-2000:])
    install = doc_blocks(doc, "Install for GIMP 3")[0]
    lines = [l for l in install.splitlines() if not l.startswith("meson ")]
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(args.plugin))))
    script = "\n".join(lines).replace("build/", build + "/")
    rc, log = run("set -e\n" + script, src, env)
    installed = os.path.join(env["GIMP3_DIRECTORY"], "plug-ins", "featuremaps", "featuremaps")
    if rc != 0 or not os.access(installed, os.X_OK):
        failures.append("per-user install failed (%d): %s" % (rc, log))
    else:
        passed += 1
        print("ok   per-user install into a profile GIMP made")

    # The README's shorter per-user install, as written, into a fresh profile.
    readme_install = [b for b in re.findall(r"```sh\n(.*?)```",
                                            open(os.path.join(src, "README.md"), encoding="utf-8").read(), re.S)
                      if "GIMP3_DIRECTORY" in b]
    if len(readme_install) != 1:
        failures.append("README.md has %d GIMP 3 install blocks, expected 1" % len(readme_install))
    else:
        env2 = dict(env)
        env2["GIMP3_DIRECTORY"] = os.path.join(root, "profile-readme")
        rc, log = run("set -e\n" + readme_install[0].replace("build/", build + "/"), src, env2)
        got = os.path.join(env2["GIMP3_DIRECTORY"], "plug-ins", "featuremaps")
        if rc != 0 or not os.access(os.path.join(got, "featuremaps"), os.X_OK) \
                or not os.path.isfile(os.path.join(got, "presets", "sobel.json")):
            failures.append("README.md's GIMP 3 install failed (%d): %s" % (rc, log))
        else:
            passed += 1
            print("ok   README.md's GIMP 3 install, as written")

    # A folder laid out like the source tree, as the doc's commands expect.
    work = os.path.join(root, "work")
    os.makedirs(os.path.join(work, "photos"))
    os.symlink(os.path.join(src, "tests"), os.path.join(work, "tests"))
    png(os.path.join(work, "photos", "cat.png"), 20, 16, 3)
    png(os.path.join(work, "photos", "dog.2.png"), 12, 10, 5)
    with open(os.path.join(work, "photos", "a-noise.png"), "wb") as f:
        f.write(b"not a PNG at all\n" * 10)
    png(os.path.join(work, "photos", "truncated.png"), 30, 30, 7)
    with open(os.path.join(work, "photos", "truncated.png"), "r+b") as f:
        f.truncate(60)
    files = sorted(os.path.join("photos", f) for f in os.listdir(os.path.join(work, "photos")))
    good = {"photos/cat.png": "cat.xcf", "photos/dog.2.png": "dog.2.xcf"}

    blocks = doc_blocks(doc, "Batches on GIMP 3")
    if len(blocks) != 2:
        failures.append("expected 2 batch commands in docs/plugin.md, found %d" % len(blocks))
    # The README shows the same two commands: what runs here is its text too.
    readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    readme_blocks = [b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if GIMP in b]
    if readme_blocks != blocks:
        failures.append("README.md's GIMP 3 batch commands differ from docs/plugin.md's: %r" % readme_blocks)
    else:
        passed += 1
        print("ok   README.md's GIMP 3 batch commands are the ones run here")
    for name, block in zip(("script-fu", "python"), blocks):
        maps = os.path.join(work, "maps")
        shutil.rmtree(maps, ignore_errors=True)
        os.makedirs(maps)   # the Script-Fu command makes it itself too
        rc, log = run(block, work, env)
        with open(os.path.join(root, name + ".log"), "w") as f:
            f.write(log)
        problems = []
        # GIMP 3.0.4: 70 after an execution error (Script-Fu's (error …)),
        # 64 after a calling error (how it reports a Python exception).
        want_rc = 70 if name == "script-fu" else 64
        if rc != want_rc:
            problems.append("exit status %d, expected %d (two files failed)" % (rc, want_rc))
        progress = re.findall(r"featuremaps: (\d+)/(\d+) (\S+) (->|skipped)", log)
        if [(int(n), int(t), f) for n, t, f, _ in progress] != \
                [(i + 1, len(files), f) for i, f in enumerate(files)]:
            problems.append("progress %s, expected %s in sorted order" % (progress, files))
        for n, t, f, what in progress:
            if (what == "->") != (f in good):
                problems.append("%s: %s" % (f, "done" if what == "->" else "skipped"))
        if "featuremaps: 2 of 4 files done, 2 failed" not in log:
            problems.append("no summary line")
        for f, xcf in good.items():
            path = os.path.join(maps, xcf)
            data = open(path, "rb").read() if os.path.exists(path) else b""
            for layer in ("Sobel", "x · Sobel", "y · Sobel"):
                if layer.encode() not in data:
                    problems.append("%s lacks the layer %r" % (xcf, layer))
        if sorted(os.listdir(maps)) != sorted(good.values()):
            problems.append("maps/ holds %s" % sorted(os.listdir(maps)))
        if problems:
            failures += ["%s batch: %s" % (name, p) for p in problems]
            print(log)
        else:
            passed += 1
            print("ok   %s batch: %d files, 2 skipped, exit status %d" % (name, len(files), rc))

    # Without bad files the same command succeeds (exit status 0).
    for f in ("a-noise.png", "truncated.png"):
        os.remove(os.path.join(work, "photos", f))
    shutil.rmtree(os.path.join(work, "maps"), ignore_errors=True)
    os.makedirs(os.path.join(work, "maps"))
    if blocks:
        rc, log = run(blocks[-1], work, env)
        if rc != 0 or "featuremaps: 2 of 2 files done, 0 failed" not in log:
            failures.append("python batch on good files: exit status %d\n%s" % (rc, log))
        else:
            passed += 1
            print("ok   python batch on good files: exit status 0")

    for f in failures:
        print("FAIL", f)
    print("%d passed, %d failed" % (passed, len(failures)))
    if not failures and not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print("test-batch: root kept in", root)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
