#!/usr/bin/python3
"""Start-up with the babl cache GIMP leaves (tests/data/babl-cache).

    test_startup.py FEATUREMAPS BABL-FISHES SAMPLE.png

babl 0.1.98, on reading a cache like GIMP's, fills a 256 MiB lookup table
and two 47 MiB buffers to time them (docs/benchmarks.md, "Start-up").
- The fixture still does that: GEGL's own `gegl` tool, run with it, peaks
  above 250 MB (so the checks below are about a GIMP user's cache, not a
  clean machine's);
- featuremaps with the same cache, on the sample PNG, a 16-bit PNG with an
  ICC profile (babl converts it), a CMYK JPEG (babl too), a PPM (GEGL's
  loader) and to a folder of TIFF maps, peaks below 60 MB (100 MB when GEGL
  starts) and leaves the cache file as it was, byte for byte.
Peak RSS is the child's own (wait4).  Not run under AddressSanitizer (its
shadow memory is not the program's).
"""
import io
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

import fmtest
import imagefiles as imf


def peak_mb(argv, cache_home):
    env = dict(os.environ, XDG_CACHE_HOME=cache_home)
    env.setdefault("XDG_DATA_HOME", "/nonexistent-fm-test")
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024.0, err


def main():
    exe = fmtest.binary()
    fishes, sample = sys.argv[2], sys.argv[3]
    f = fmtest.Failures("startup")
    d = fmtest.workdir("fm-startup-")
    p = lambda *n: os.path.join(d, *n)
    cache = open(fishes, "rb").read()

    def gimp_cache(name):
        home = p(name)
        os.makedirs(os.path.join(home, "babl"))
        with open(os.path.join(home, "babl", "babl-fishes"), "wb") as fh:
            fh.write(cache)
        return home

    gegl = shutil.which("gegl")
    if f.check(gegl is not None, "GEGL's gegl tool is installed (Debian package gegl)"):
        st, mb, err = peak_mb([gegl, sample, "-o", p("gegl-out.png")], gimp_cache("c-gegl"))
        f.check(st == 0 and mb > 250, "the fixture reproduces GIMP's cache: gegl peaks at %.0f MB "
                "(expected > 250; exit %d %s)" % (mb, st, err[-200:]))

    rng = np.random.default_rng(2)
    rgb16 = rng.integers(0, 65536, (64, 64, 3))
    with open(p("icc16.png"), "wb") as fh:
        fh.write(imf.png_bytes(rgb16, 16, 2, chunks=[imf.iccp_chunk(imf.icc_wide_rgb())]))
    photo = (rng.random((64, 64, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(photo).convert("CMYK").save(buf, "JPEG")
    with open(p("cmyk.jpg"), "wb") as fh:
        fh.write(buf.getvalue())
    Image.fromarray(photo).save(p("photo.ppm"))

    runs = [
        ("the sample PNG → .npy", [sample, p("o1.npy")], [], 60),
        ("16-bit PNG with an ICC profile", [p("icc16.png"), p("o2.npy")], [], 60),
        ("CMYK JPEG", [p("cmyk.jpg"), p("o3.npy")], [], 60),
        ("the sample PNG → a folder of TIFF maps", [sample, p("o4")], ["--mapping", "raw"], 60),
        ("a PPM (GEGL's loader)", [p("photo.ppm"), p("o5.npy")], [], 100),
    ]
    for i, (what, (inp, out), extra, limit) in enumerate(runs):
        home = gimp_cache("c%d" % i)
        st, mb, err = peak_mb([exe, "apply", "-k", "sobel", "-i", inp, "-o", out] + extra, home)
        f.check(st == 0, "%s: exit %d %s" % (what, st, err))
        f.check(mb < limit, "%s with GIMP's babl cache: peak %.1f MB (limit %d)" % (what, mb, limit))
        left = sorted(os.listdir(os.path.join(home, "babl")))
        f.check(left == ["babl-fishes"] and open(os.path.join(home, "babl", "babl-fishes"), "rb").read() == cache,
                "%s: the babl cache is left as it was (%s)" % (what, left))
    f.finish()


if __name__ == "__main__":
    main()
