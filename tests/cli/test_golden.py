#!/usr/bin/python3
"""The tutorial's worked examples (tests/data/seed-cases.json) through the
command line: input and kernel as .npy/.npz, maps back as .npy.

    test_golden.py FEATUREMAPS SEED-CASES.json
"""
import json
import os
import sys

import numpy as np

import fmtest


def main():
    exe = fmtest.binary()
    cases = json.load(open(sys.argv[2]))["cases"]
    f = fmtest.Failures("golden")
    tmp = fmtest.workdir("fm-golden-")
    for case in cases:
        name = case["name"]
        x = np.array(case["input"], dtype=np.float32).reshape(case["input_shape"])
        w = np.array(case["kernel"], dtype=np.float32).reshape(case["kernel_shape_hwio"])
        b = np.array(case["bias"], dtype=np.float32)
        inp = fmtest.save_npy(os.path.join(tmp, name + "-in.npy"), x)
        bank = os.path.join(tmp, name + ".npz")
        np.savez(bank, kernel=w, bias=b)
        out = os.path.join(tmp, name + "-out.npy")
        args = ["apply", "-k", bank + ":hwio", "-i", inp, "-o", out,
                "--padding", case.get("padding", "valid"),
                "--border", case.get("border", "zero"),
                "--stride", case.get("stride", 1),
                "--dilation", case.get("dilation", 1),
                "--activation", case.get("activation", "none")]
        status, _, err = fmtest.run(exe, *args)
        if not f.check(status == 0 and not err, "%s: exit %d, stderr %s" % (name, status, err)):
            continue
        got = np.load(out)
        want = np.array(case["expected"], dtype=np.float64).reshape(case["expected_shape"])
        ok, why = fmtest.close_enough(got, want)
        f.check(ok, "%s: %s" % (name, why))
    f.finish()


if __name__ == "__main__":
    main()
