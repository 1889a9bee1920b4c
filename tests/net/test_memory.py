#!/usr/bin/python3
"""Peak memory of a deep network on a tall image, through the command line.

Usage: test_memory.py FEATUREMAPS

A stack of 16 same-padded 3 × 3 convolutions of 24 channels (+ ReLU),
then one to a single map, runs on a 12000 × 160 image.  Its activations
held whole would take 16 × 12000 × 160 × 24 × 4 bytes = 2.9 GB; streamed in
bands, the process (input and output arrays included, 7.7 MB each) must
stay under BOUND_MB of peak resident memory, measured by the kernel
(wait4's ru_maxrss of the child, forked from a small launcher).  Rows from the middle of the image are
checked against PyTorch run on a crop with enough halo, so the bound is
not met by computing something else.
"""
import os
import subprocess
import sys
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import fmtest  # noqa: E402

EXE = fmtest.binary()
F = fmtest.Failures("net-memory")
WORK = fmtest.workdir("fm-net-memory-")
H, W, DEPTH, CH = 12000, 160, 16, 24
BOUND_MB = 160

torch.manual_seed(3)
layers = []
c = 1
for i in range(DEPTH):
    layers += [torch.nn.Conv2d(c, CH, 3, padding=1), torch.nn.ReLU()]
    c = CH
layers.append(torch.nn.Conv2d(CH, 1, 3, padding=1))
model = torch.nn.Sequential(*layers).eval()
path = os.path.join(WORK, "deep.onnx")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.onnx.export(model, torch.zeros(1, 1, 32, 32), path, opset_version=13)

x = np.random.default_rng(5).uniform(0, 1, (H, W)).astype(np.float32)
xpath = fmtest.save_npy(os.path.join(WORK, "tall.npy"), x)
out = os.path.join(WORK, "out.npy")
last = str(len(layers) - 1)                      # the last node, by index

# A child forked from this process would count this process's pages (torch
# is loaded) in its ru_maxrss: a small launcher without torch forks it.
LAUNCH = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""
proc = subprocess.run(["/usr/bin/python3", "-S", "-c", LAUNCH, EXE, "apply", "-k",
                       path + "#" + last, "-i", xpath, "-o", out],
                      capture_output=True, text=True)
err = proc.stderr
status = proc.returncode
peak_mb = int(proc.stdout.split()[-1]) / 1024.0 if proc.stdout.split() else float("inf")
full_mb = DEPTH * H * W * CH * 4 / 2 ** 20
F.check(status == 0, "exit status 0 (%s)" % err.strip())
# Under AddressSanitizer every allocation carries red zones and freed memory
# waits in quarantine: the bound is for the plain build, doubled there (the
# whole activations would still be 18 × over it).
try:
    _ldd = __import__("subprocess").run(["ldd", EXE], capture_output=True, text=True).stdout
except OSError:
    _ldd = ""
if "libasan" in _ldd:
    BOUND_MB *= 2
print("peak RSS %.1f MB for a stack whose activations take %.0f MB whole (bound %d MB)"
      % (peak_mb, full_mb, BOUND_MB))
F.check(peak_mb < BOUND_MB, "peak RSS %.1f MB < %d MB" % (peak_mb, BOUND_MB))

if os.path.exists(out):
    got = np.load(out)
    F.check(got.shape == (H, W, 1), "output shape %s" % (got.shape,))
    # Rows 6000..6099 from a crop with 40 rows of halo on each side: the
    # receptive field reaches 17 rows, so the crop's edges do not matter.
    a, b, halo = 6000, 6100, 40
    with torch.no_grad():
        crop = torch.from_numpy(x[a - halo:b + halo][None, None].copy())
        want = model(crop)[0, 0, halo:halo + (b - a)].numpy()
    good, why = fmtest.close_enough(got[a:b], want[:, :, None], rel=1e-3)
    F.check(good, "rows %d..%d equal PyTorch's on a crop: %s" % (a, b - 1, why))

F.finish()
