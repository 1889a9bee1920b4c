"""Helpers shared by the command-line tests (run with /usr/bin/python3).

Every test program takes the featuremaps binary as its first argument (meson
passes it) and works in a fresh temporary folder.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


class Failures:
    """Collects failures so one run reports all of them."""

    def __init__(self, name):
        self.name = name
        self.count = 0
        self.failed = []

    def check(self, ok, what):
        self.count += 1
        if not ok:
            self.failed.append(what)
            print("FAIL", what, flush=True)
        return ok

    def finish(self):
        print("%s: %d checks, %d failed" % (self.name, self.count, len(self.failed)))
        sys.exit(1 if self.failed else 0)


def binary():
    if len(sys.argv) < 2:
        sys.exit("usage: %s FEATUREMAPS [ARGS…]" % sys.argv[0])
    return os.path.abspath(sys.argv[1])


def workdir(prefix):
    """A fresh folder, removed when the test ends."""
    import atexit
    import shutil
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def run(exe, *args, env=None):
    """Runs featuremaps; returns (exit status, stdout, stderr lines)."""
    e = dict(os.environ)
    # Presets come only from the source tree (never the user's folder).
    e.setdefault("XDG_DATA_HOME", tempfile.gettempdir() + "/fm-cli-test-nodata")
    if env:
        e.update(env)
    p = subprocess.run([exe] + [str(a) for a in args], capture_output=True,
                       text=True, env=e, timeout=120)
    return p.returncode, p.stdout, p.stderr.splitlines()


def save_npy(path, array):
    np.save(path, array)
    return path


def close_enough(got, want, rel=1e-4, zero_abs=1e-6):
    """docs/design.md's rule, per map (last axis of an H x W x K array):
    max|diff| <= rel * max|map|, and <= zero_abs for an all-zero map."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False, "shape %s, expected %s" % (got.shape, want.shape)
    maps_got = got.reshape(got.shape[0], got.shape[1], -1)
    maps_want = want.reshape(want.shape[0], want.shape[1], -1)
    for k in range(maps_want.shape[2]):
        w = maps_want[:, :, k]
        diff = np.max(np.abs(maps_got[:, :, k] - w)) if w.size else 0.0
        peak = np.max(np.abs(w)) if w.size else 0.0
        tol = rel * peak if peak > 0 else zero_abs
        if not diff <= tol:
            return False, "map %d: max|diff| %.3g > %.3g (max|map| %.3g)" % (k, diff, tol, peak)
    return True, ""


def listing(folder):
    return sorted(os.listdir(folder))


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)
    return path
