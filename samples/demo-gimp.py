#!/usr/bin/python3
"""The README's main job: run plug-in-feature-maps in gimp-console on a
sample image and write out/maps.xcf (the image with its maps) and
out/sheet.png (a contact sheet of all maps).

  samples/demo-gimp.py [--gimp 3] PLUGIN_BINARY [IMAGE] [KERNEL] [OUTDIR]

--gimp 3 runs gimp-console-3.0 with the GIMP 3 build of the plug-in and
samples/demo3.scm (GIMP 3's PDB); the default is GIMP 2.10 and demo.scm.

GIMP runs hermetically (its own profile, XDG folders and a minimal plug-in
path) in OUTDIR/gimp-root, exactly as the end-to-end tests run it.
"""
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "gimp"))
from harness import HOSTS, Worker  # noqa: E402


def main():
    argv = sys.argv[1:]
    gimp = "2"
    if argv[:1] == ["--gimp"] and len(argv) > 1:
        gimp, argv = argv[1], argv[2:]
    if not argv or gimp not in HOSTS:
        sys.exit(__doc__)
    plugin = argv[0]
    image = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(HERE, "lines.png"))
    kernel = argv[2] if len(argv) > 2 else "line-detectors"
    out = os.path.abspath(argv[3] if len(argv) > 3 else "out")
    os.makedirs(out, exist_ok=True)
    tests = os.path.join(HERE, "..", "tests", "gimp")
    args = types.SimpleNamespace(plugin=plugin, tests=tests,
                                 data=os.path.join(HERE, "..", "tests", "data"),
                                 src=os.path.join(HERE, ".."), timeout=300,
                                 gimp=gimp, host=HOSTS[gimp])
    worker = Worker(os.path.join(out, "gimp-root"), args)
    xcf, sheet = os.path.join(out, "maps.xcf"), os.path.join(out, "sheet.png")
    for f in (xcf, sheet):
        if os.path.exists(f):
            os.remove(f)
    batch = '(begin (load "%s") (featuremaps-demo "%s" "%s" "%s" "%s"))' % (
        os.path.join(HERE, "demo3.scm" if gimp == "3" else "demo.scm"), image, kernel, xcf, sheet)
    rc, log = worker.gimp([batch], 300)
    ok = rc == 0 and "batch command executed successfully" in log and os.path.exists(xcf) \
        and os.path.exists(sheet)
    if not ok:
        sys.stderr.write(log)
        sys.exit("demo: gimp-console did not produce %s and %s" % (xcf, sheet))
    print("demo: wrote %s and %s" % (xcf, sheet))


if __name__ == "__main__":
    main()
