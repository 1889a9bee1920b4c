#!/usr/bin/python3
"""gimp-console end-to-end harness for plug-in-feature-maps.

Runs each Script-Fu case file (tests/gimp/cases-*.scm) in one gimp-console
batch, in a hermetic GIMP (docs/gimp-notes.md "A hermetic headless run"): a fresh
profile per worker, a gimprc whose plug-in path holds only script-fu,
file-tiff, file-png and our plug-in, its own XDG folders and TMPDIR, and
`timeout`.  gimp-console always exits 0, so results come from stderr: the
cases print "FMTEST BEGIN/PASS/FAIL/END" lines with gimp-message, plus
requests for checks done here in numpy:

  DATA label w h ox oy bpp precision n_components : bytes...   a layer's stored pixels
  CLI label w h nc seed precision sx sy sw sh o1..o8 kernel   compare layers label#k
                                                             with the command line
  EXPECT label h w v...      channel 0 of DATA label equals these exactly
  TIFF path h w v...         channel 0 of the TIFF's first page equals these exactly
  SAME label1 label2         two DATA records hold the same pixels
  NETCLI label w h nc seed precision sx sy ox oy kernel
                             a network layer over the photo: layers label#k are
                             the command line's raw maps of the same pattern,
                             each map pixel an sx × sy block, at ox, oy
  REF label file channel tol channel 0 of DATA label equals channel `channel` of
                             the .npy `file` (below --src) within tol × its max |v|
  BANK path kh kw tol w... bias
                             the saved bank file holds one filter whose
                             kh x kw weights (row by row) and bias are these
                             within tol
  PATCHES path image K kh kw method seed
                             the bank plug-in-feature-maps-learn-patches saved
                             at path holds the filters and biases `featuremaps
                             learn --patches image` gives with the same options
                             (within 1e-5); for pca also numpy's leading
                             eigenvectors of the same patches' covariance, up to
                             sign (within 1e-4), biases -w·mean
  CLOSE label1 label2 margin tol
                             the colour channels of two DATA records agree
                             within tol, margin pixels in from every edge
  PSNR label1 label2 margin db tol
                             the same region's PSNR, 10 log10 (1 / mean
                             squared difference), is db within tol dB
  PCA …, RANKED …             a summary layer and a ranking against numpy
                             (deepcheck.py)
  TIFFDATA label w h ox oy precision n_components path
                             GIMP 3: a layer's stored pixels, exported as a TIFF
                             (its gimp-drawable-get-pixel returns 8-bit colours)

--gimp 3 runs the same case files in gimp-console-3.0: lib3.scm maps what
GIMP 3's PDB renamed or reshaped back onto the names the cases use.

Needs /usr/bin/python3 (numpy and tifffile live there).  Exit 77 when the
GIMP (gimp-console-2.10, or -3.0 with --gimp 3) or the plug-in is missing.
"""
import argparse
import json
import concurrent.futures as futures
import os
import re
import shutil
import subprocess
import sys
import time

# Per host: the console binary, its own plug-ins and scripts, the profile
# variable, and the case files it does not run (cases-batch.scm loads the
# 2.10 batch example; GIMP 3's batches have their own test, tests/gimp3).
HOSTS = {
    "2": dict(gimp="gimp-console-2.10", plugins="/usr/lib/gimp/2.0/plug-ins",
              scripts="/usr/share/gimp/2.0/scripts", profile_var="GIMP2_DIRECTORY",
              script_files=("script-fu.init", "script-fu-compat.init", "plug-in-compat.init"),
              skip=()),
    "3": dict(gimp="gimp-console-3.0", plugins="/usr/lib/x86_64-linux-gnu/gimp/3.0/plug-ins",
              scripts="/usr/share/gimp/3.0/scripts", profile_var="GIMP3_DIRECTORY",
              script_files=(), skip=("cases-batch.scm",)),
}
OPTION_NAMES = ["input-mode", "padding", "border", "stride", "dilation",
                "activation", "mapping"]
OPTION_VALUES = {
    "input-mode": ["auto", "luminance", "rgb", "rgba", "per-channel"],
    "padding": ["valid", "same", "full"],
    "border": ["zero", "clamp", "reflect", "wrap"],
    "activation": ["none", "relu", "leaky-relu", "abs", "sigmoid", "tanh"],
    "mapping": ["raw", "clamp", "normalize", "normalize-joint", "abs-normalize"],
}

import deepcheck  # noqa: E402  (beside this file: the deep-layer checks)

try:
    import numpy as np
except ImportError:  # reported per check, so a missing numpy is visible
    np = None


# ---- the hermetic GIMP ----------------------------------------------------

class Worker:
    def __init__(self, root, args):
        self.root = root
        self.args = args
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        sysplug = os.path.join(root, "sysplug")
        plugdir = os.path.join(root, "plugdir", "featuremaps")
        sfpath = os.path.join(root, "sfpath")
        for d in (sysplug, plugdir, sfpath):
            os.makedirs(d)
        host = args.host
        for p in ("script-fu", "file-tiff", "file-png", "file-glob"):
            os.symlink(os.path.join(host["plugins"], p), os.path.join(sysplug, p))
        for f in host["script_files"]:
            os.symlink(os.path.join(host["scripts"], f), os.path.join(sfpath, f))
        # GIMP loads DIR/NAME/NAME: the folder must be named like the binary.
        os.symlink(os.path.abspath(args.plugin), os.path.join(plugdir, "featuremaps"))
        self.env = dict(os.environ)
        for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data"),
                         ("XDG_CONFIG_HOME", "config"), ("TMPDIR", "tmp")):
            path = os.path.join(root, sub)
            os.makedirs(path)
            self.env[var] = path
        # Created by GIMP itself on the first run (first-run set-up).
        self.profile = os.path.join(root, "profile")
        self.env[host["profile_var"]] = self.profile
        self.env["HOME"] = os.path.join(root, "home")   # GIMP 3 looks there too
        os.makedirs(self.env["HOME"])
        self.shared = os.path.join(root, "shared-presets")
        os.makedirs(self.shared)
        self.env["FEATUREMAPS_PRESET_PATH"] = self.shared
        self.gimprc = os.path.join(root, "gimprc")
        with open(self.gimprc, "w") as f:
            f.write('(plug-in-path "%s:%s")\n' % (sysplug, os.path.dirname(plugdir)))
            # GIMP 3's script-fu crashes without its whole scripts folder.
            if host["script_files"]:
                f.write('(script-fu-path "%s")\n' % sfpath)
        self.libs = [os.path.join(args.tests, "lib.scm")]
        if args.gimp == "3":
            self.libs.append(os.path.join(args.tests, "lib3.scm"))

    def gimp(self, batches, timeout):
        cmd = ["timeout", str(timeout), self.args.host["gimp"], "-i", "-d", "-f",
               "--stack-trace-mode=never", "-g", self.gimprc]
        if self.args.gimp == "3":
            cmd.append("--batch-interpreter=plug-in-script-fu-eval")
        for b in batches:
            cmd += ["-b", b]
        # GIMP 3 quits by itself after the batches (--quit, also after an
        # error, with exit status 70); 2.10 needs its own (gimp-quit 0).
        cmd += ["--quit"] if self.args.gimp == "3" else ["-b", "(gimp-quit 0)"]
        p = subprocess.run(cmd, env=self.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd=self.root)
        return p.returncode, p.stdout.decode("utf-8", "replace") + \
            p.stderr.decode("utf-8", "replace")

    def warm_up(self):
        """First run: GIMP makes the profile and the babl cache; then the
        user's own bank folder (gimp_directory()/featuremaps) gets a bank."""
        self.gimp([], 300)
        user = os.path.join(self.profile, "featuremaps")
        os.makedirs(user, exist_ok=True)
        data = self.args.data
        shutil.copy(os.path.join(data, "user-bank.json"), os.path.join(user, "user-bank.json"))
        shutil.copy(os.path.join(data, "shared-bank.json"), os.path.join(self.shared, "shared-bank.json"))
        # The preprocessing the dialog remembers per model (user/
        # net-preprocessing.json): a copy of the tiny CNN remembered as
        # "imagenet" (beside its own sidecar, which that overrides), and a
        # reference copy whose sidecar declares ImageNet's mean / std for the
        # command line (cases-network.scm, "remembered preprocessing").
        tiny = os.path.join(self.args.src, "models", "tiny-cnn")
        for sub in ("prep", "prep-ref"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
            shutil.copy(os.path.join(tiny, "tiny-cnn.onnx"), os.path.join(self.root, sub))
        shutil.copy(os.path.join(tiny, "tiny-cnn.json"), os.path.join(self.root, "prep"))
        with open(os.path.join(self.root, "prep-ref", "tiny-cnn.json"), "w") as f:
            json.dump({"format": "featuremaps-stack", "version": 1,
                       "input": {"channels": 3, "range": "0..1", "order": "rgb",
                                 "light": "perceptual", "mean": [0.485, 0.456, 0.406],
                                 "std": [0.229, 0.224, 0.225]}}, f)
        with open(os.path.join(user, "net-preprocessing.json"), "w") as f:
            json.dump({os.path.abspath(os.path.join(self.root, "prep", "tiny-cnn.onnx")):
                       "imagenet"}, f)

    def run_file(self, case_file):
        name = os.path.splitext(os.path.basename(case_file))[0]
        out = os.path.join(self.root, "out", name)
        for sub in ("photos", "maps"):   # Script-Fu cannot make folders
            os.makedirs(os.path.join(out, sub), exist_ok=True)
        env_scm = os.path.join(out, "env.scm")
        with open(env_scm, "w") as f:
            for var, val in (("fm-out", out), ("fm-data", self.args.data),
                             ("fm-tests", self.args.tests), ("fm-src", self.args.src)):
                f.write('(define %s "%s")\n' % (var, val))
        loads = self.libs + [env_scm, os.path.abspath(case_file)]
        batch = "(begin %s)" % " ".join('(load "%s")' % f for f in loads)
        t0 = time.time()
        rc, log = self.gimp([batch], self.args.timeout)
        with open(os.path.join(out, "gimp.log"), "w") as f:
            f.write(log)
        return name, out, rc, log, time.time() - t0


# ---- reading the log ------------------------------------------------------

def messages(log):
    """The FMTEST lines, in order (a message may span lines: up to the
    blank line gimp-console prints after each)."""
    found = []
    for m in re.finditer(r"FMTEST (.*?)(?:\n\n|\Z)", log, re.S):
        found.append(m.group(1).rstrip("\n"))
    return found


class Case:
    def __init__(self, name):
        self.name = name
        self.ended = False
        self.failures = []
        self.scheme_pass = False
        self.records = []


def parse(log):
    cases, current = [], None
    for msg in messages(log):
        kind, _, rest = msg.partition(" ")
        if kind == "BEGIN":
            current = Case(rest)
            cases.append(current)
        elif current is None:
            continue
        elif kind == "PASS":
            current.scheme_pass = True
        elif kind == "FAIL":
            current.failures.append(rest.partition(" :: ")[2] or rest)
        elif kind == "END":
            current.ended = True
            current = None
        else:
            current.records.append((kind, rest))
    return cases


# ---- numpy side -------------------------------------------------------------

def pattern(w, h, nc, seed):
    y, x, c = np.meshgrid(np.arange(h), np.arange(w), np.arange(nc), indexing="ij")
    return ((x * 37 + y * 91 + c * 53 + seed * 17) % 256).astype(np.uint8)


def srgb_to_linear(v):
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v):
    v = np.maximum(v, 0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def storage(precision):
    """(numpy dtype, linear?) of a GimpPrecision value."""
    kind = {1: np.uint8, 2: np.uint16, 3: np.uint32, 5: np.float16,
            6: np.float32, 7: np.float64}[precision // 100]
    return kind, precision % 100 == 0


def through_storage(values, precision, has_alpha):
    """What the plug-in reads (perceptual float) from an 8-bit gamma pattern
    converted to precision: the value passes through the stored type and TRC."""
    dtype, linear = storage(precision)
    v = values.astype(np.float64)
    colour = v[..., :-1] if has_alpha else v
    if linear:
        colour = srgb_to_linear(colour)
    if np.issubdtype(dtype, np.integer):
        top = np.iinfo(dtype).max
        colour = np.round(colour * top) / top
        if has_alpha:
            v[..., -1] = np.round(v[..., -1] * top) / top
    else:
        colour = colour.astype(dtype).astype(np.float64)
        if has_alpha:
            v[..., -1] = v[..., -1].astype(dtype).astype(np.float64)
    if linear:
        colour = linear_to_srgb(colour)
    if has_alpha:
        v[..., :-1] = colour
    else:
        v = colour
    return v


def decode(rest):
    head, _, data = rest.partition(" : ")
    label, w, h, ox, oy, bpp, prec, nc = head.split()
    w, h, ox, oy, bpp, prec, nc = map(int, (w, h, ox, oy, bpp, prec, nc))
    dtype, _ = storage(prec)
    raw = np.array([int(b) for b in data.split()], dtype=np.uint8)
    vals = raw.view(dtype).reshape(h, w, nc).astype(np.float64)
    if np.issubdtype(dtype, np.integer):
        vals /= np.iinfo(dtype).max
    return label, dict(w=w, h=h, ox=ox, oy=oy, prec=prec, nc=nc, values=vals, dtype=dtype)


def tolerance(dtype, scale):
    """Float32 rounding (docs/design.md: 1e-4 × max |map|) plus the storage's
    step: the input's own rounding (emulated in through_storage with the
    textbook sRGB curve, not babl's) can move a value across one step."""
    if dtype == np.uint8:
        return 1.0 / 255 + 1e-4 * scale + 1e-6
    if dtype == np.uint16:
        return 1.0 / 65535 + 1e-4 * scale + 1e-6
    if dtype == np.float16:
        return 1e-3 * max(scale, 1.0)
    return 1e-4 * scale + 1e-6


def check_cli(rest, data, args, out):
    f = rest.split()
    label = f[0]
    w, h, nc, seed, prec, sx, sy, sw, sh = map(int, f[1:10])
    opts = list(map(int, f[10:18]))
    kernel = " ".join(f[18:])
    has_alpha = nc in (2, 4)
    if label + "-src" in data:
        # The source as GIMP stored it: perceptual values, as the plug-in
        # reads them (linear precisions are sRGB-encoded here).
        src = data[label + "-src"]["values"][sy:sy + sh, sx:sx + sw].copy()
        if storage(prec)[1]:
            colours = src.shape[2] - (1 if has_alpha else 0)
            src[..., :colours] = linear_to_srgb(src[..., :colours])
        img = src.astype(np.float32)
    else:
        img = pattern(w, h, nc, seed)[sy:sy + sh, sx:sx + sw] / 255.0
        img = through_storage(img, prec, has_alpha).astype(np.float32)
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
    src = os.path.join(out, tag + "-in.npy")
    dst = os.path.join(out, tag + "-maps.npy")
    np.save(src, img)
    cmd = [args.cli, "apply", "-k", kernel, "-i", src, "-o", dst]
    for name, v in zip(OPTION_NAMES, opts):
        cmd += ["--" + name, OPTION_VALUES[name][v] if name in OPTION_VALUES else str(v)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return ["CLI %s failed: %s" % (" ".join(cmd), p.stderr.decode().strip())]
    maps = np.load(dst).astype(np.float64)
    if maps.ndim == 3:
        maps = maps[..., None]
    errors = []
    K = maps.shape[2]
    layers = [l for l in data if l.startswith(label + "#")]
    if len(layers) != K:
        return ["%s: %d layers dumped, the CLI made %d maps" % (label, len(layers), K)]
    scale = float(np.max(np.abs(maps))) if maps.size else 0.0
    for k in range(K):
        d = data["%s#%d" % (label, k)]
        lc = maps.shape[3]
        got = d["values"][..., :lc]
        want = maps[:, :, k, :]
        if got.shape != want.shape:
            errors.append("%s#%d: layer %s, CLI map %s" % (label, k, got.shape, want.shape))
            continue
        if d["nc"] == 3 and lc == 1:
            got = d["values"][..., :3]
            want = np.repeat(want, 3, axis=2)
        diff = float(np.max(np.abs(got - want))) if got.size else 0.0
        tol = tolerance(d["dtype"], scale)
        if not diff <= tol:
            errors.append("%s#%d: max |plug-in - CLI| = %g > %g" % (label, k, diff, tol))
        if d["nc"] in (2, 4) and not np.all(d["values"][..., -1] == 1.0):
            errors.append("%s#%d: alpha not opaque" % (label, k))
    return errors


def check_netcli(rest, data, args, out):
    """A network layer written over the photo, against the command line's
    raw .npy of the same pixels (the network's own options: none given)."""
    f = rest.split()
    label = f[0]
    w, h, nc, seed, prec, sx, sy, ox, oy = map(int, f[1:10])
    kernel = " ".join(f[10:])
    if label + "-src" in data:
        # GIMP 3: the source as stored (see check_cli).
        img = data[label + "-src"]["values"][..., :nc].copy()
        if storage(prec)[1]:
            colours = nc - (1 if nc in (2, 4) else 0)
            img[..., :colours] = linear_to_srgb(img[..., :colours])
        img = img.astype(np.float32)
    else:
        img = pattern(w, h, nc, seed) / 255.0
        img = through_storage(img, prec, nc in (2, 4)).astype(np.float32)
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
    src = os.path.join(out, tag + "-in.npy")
    dst = os.path.join(out, tag + "-maps.npy")
    np.save(src, img)
    cmd = [args.cli, "apply", "-k", kernel, "-i", src, "-o", dst]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return ["CLI %s failed: %s" % (" ".join(cmd), p.stderr.decode().strip())]
    maps = np.load(dst).astype(np.float64)
    if maps.ndim == 2:
        maps = maps[..., None]
    K = maps.shape[2]
    layers = [l for l in data if l.startswith(label + "#")]
    if len(layers) != K:
        return ["%s: %d layers dumped, the CLI made %d maps" % (label, len(layers), K)]
    scale = float(np.max(np.abs(maps))) if maps.size else 0.0
    errors = []
    for k in range(K):
        d = data["%s#%d" % (label, k)]
        want = np.repeat(np.repeat(maps[:, :, k], sy, axis=0), sx, axis=1)
        got = d["values"][..., 0]
        if (d["ox"], d["oy"]) != (ox, oy):
            errors.append("%s#%d: offsets %d,%d, expected %d,%d" % (label, k, d["ox"], d["oy"], ox, oy))
        if got.shape != want.shape:
            errors.append("%s#%d: layer %s, expected %s (map %s × %d×%d)"
                          % (label, k, got.shape, want.shape, maps.shape[:2], sy, sx))
            continue
        for c in range(1, d["nc"] - (1 if d["nc"] in (2, 4) else 0)):
            if not np.array_equal(d["values"][..., c], got):
                errors.append("%s#%d: colour channels differ" % (label, k))
        diff = float(np.max(np.abs(got - want))) if got.size else 0.0
        tol = tolerance(d["dtype"], scale)
        if not diff <= tol:
            errors.append("%s#%d: max |plug-in - CLI| = %g > %g" % (label, k, diff, tol))
        if d["nc"] in (2, 4) and not np.all(d["values"][..., -1] == 1.0):
            errors.append("%s#%d: alpha not opaque" % (label, k))
    return errors


def check_ref(rest, data, args):
    """A map in a new float image against a shipped reference activation."""
    label, path, channel, tol = rest.split()
    if label not in data:
        return ["REF %s: no DATA" % label]
    ref = np.load(os.path.join(args.src, path)).astype(np.float64)
    want = ref[..., int(channel)]
    got = data[label]["values"][..., 0]
    if got.shape != want.shape:
        return ["%s: shape %s, reference %s" % (label, got.shape, want.shape)]
    diff = float(np.max(np.abs(got - want)))
    bound = float(tol) * float(np.max(np.abs(ref)))
    if not diff <= bound:
        return ["%s: max |plug-in - PyTorch| = %g > %g" % (label, diff, bound)]
    return []


def check_expect(rest, data):
    f = rest.split()
    label, h, w = f[0], int(f[1]), int(f[2])
    want = np.array([float(v) for v in f[3:]]).reshape(h, w)
    if label not in data:
        return ["EXPECT %s: no DATA" % label]
    got = data[label]["values"][..., 0]
    if got.shape != want.shape or not np.array_equal(got, want):
        return ["%s: expected\n%s\ngot\n%s" % (label, want, got)]
    return []


def decode_tiff(rest):
    """TIFFDATA: the layer's stored values from GIMP 3's TIFF export."""
    import tifffile
    f = rest.split()
    label, path = f[0], f[7]
    w, h, ox, oy, prec, nc = map(int, f[1:7])
    dtype, _ = storage(prec)
    vals = tifffile.imread(path)
    if vals.ndim == 2:
        vals = vals[..., None]
    if vals.shape != (h, w, nc):
        raise ValueError("%s: TIFF holds %s, layer is %dx%dx%d" % (label, vals.shape, h, w, nc))
    if vals.dtype != dtype:
        raise ValueError("%s: TIFF samples are %s, the image stores %s" % (label, vals.dtype, np.dtype(dtype)))
    vals = vals.astype(np.float64)
    if np.issubdtype(dtype, np.integer):
        vals /= np.iinfo(dtype).max
    return label, dict(w=w, h=h, ox=ox, oy=oy, prec=prec, nc=nc, values=vals, dtype=dtype)


def check_tiff(rest):
    import tifffile
    f = rest.split()
    path, h, w = f[0], int(f[1]), int(f[2])
    want = np.array([float(v) for v in f[3:]]).reshape(h, w)
    with tifffile.TiffFile(path) as t:
        page = t.pages[0].asarray()
    if page.dtype != np.float32:
        return ["%s: sample type %s, expected float32" % (path, page.dtype)]
    got = page[..., 0] if page.ndim == 3 else page
    if got.shape != want.shape or not np.array_equal(got, want):
        return ["%s: expected\n%s\ngot\n%s" % (path, want, got)]
    return []


def check_bank(rest):
    """A bank plug-in-feature-maps-learn saved: its one filter's weights."""
    import json
    f = rest.split()
    path, kh, kw, tol = f[0], int(f[1]), int(f[2]), float(f[3])
    want = np.array([float(v) for v in f[4:4 + kh * kw]])
    bias = float(f[4 + kh * kw])
    if not os.path.isfile(path):
        return ["BANK %s: no such file" % path]
    doc = json.load(open(path))
    filters = doc.get("filters", [])
    if len(filters) != 1:
        return ["%s: %d filters, expected 1" % (path, len(filters))]
    got = np.asarray(filters[0]["weights"], np.float64).ravel()
    errors = []
    if got.shape != want.shape or np.max(np.abs(got - want)) > tol:
        errors.append("%s: weights\n%s\nexpected\n%s" % (path, got, want))
    if abs(filters[0].get("bias", 0.0) - bias) > tol:
        errors.append("%s: bias %g, expected %g" % (path, filters[0].get("bias", 0.0), bias))
    return errors


def check_patches(rest, args, out):
    """A bank learned from a layer's patches, against the command line's
    bank from the layer's exported pixels, and for pca against numpy."""
    import json
    f = rest.split()
    path, image, K, kh, kw, method, seed = f[0], f[1], int(f[2]), int(f[3]), int(f[4]), \
        f[5], int(f[6])
    if not os.path.isfile(path):
        return ["PATCHES %s: no such file" % path]
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(path))
    cli_bank = os.path.join(out, "cli-" + tag)
    dump = os.path.join(out, "cli-" + tag + "-patches.npy")
    cmd = [args.cli, "learn", "--patches", image, "--filters", str(K), "--size",
           "%dx%d" % (kh, kw), "--method", method, "--seed", str(seed),
           "--dump-patches", dump, "-o", cli_bank]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return ["CLI %s failed: %s" % (" ".join(cmd), p.stderr.decode().strip())]

    def filters(bank):
        doc = json.load(open(bank))
        W = np.array([np.asarray(fl["weights"], np.float64).ravel() for fl in doc["filters"]])
        b = np.array([fl.get("bias", 0.0) for fl in doc["filters"]], np.float64)
        return W, b

    W, b = filters(path)
    Wc, bc = filters(cli_bank)
    errors = []
    if W.shape != Wc.shape:
        return ["%s: filters %s, the command line's %s" % (path, W.shape, Wc.shape)]
    if W.shape[0] != K:
        errors.append("%s: %d filters, asked for %d" % (path, W.shape[0], K))
    dw, db = float(np.max(np.abs(W - Wc))), float(np.max(np.abs(b - bc)))
    if dw > 1e-5 or db > 1e-5:
        errors.append("%s: max |weight - CLI| %.3g, |bias - CLI| %.3g (want <= 1e-5)"
                      % (path, dw, db))
    if method == "pca":
        X = np.load(dump).astype(np.float64)
        X = X.reshape(len(X), -1)
        mean = X.mean(axis=0)
        lam, V = np.linalg.eigh(np.cov(X, rowvar=False, bias=True))
        V = V[:, ::-1]
        worst = max(min(np.max(np.abs(W[k] - V[:, k])), np.max(np.abs(W[k] + V[:, k])))
                    for k in range(K))
        if worst > 1e-4:
            errors.append("%s: components differ from numpy's by %.3g (want <= 1e-4)"
                          % (path, worst))
        if np.max(np.abs(b + W @ mean)) > 1e-4:
            errors.append("%s: biases are not -w·mean of the patches" % path)
    return errors


def check_close(rest, data):
    a, b, margin, tol = rest.split()
    m, tol = int(margin), float(tol)
    va, vb = data[a]["values"], data[b]["values"]
    ca = 3 if data[a]["nc"] >= 3 else 1
    cb = 3 if data[b]["nc"] >= 3 else 1
    if ca != cb or va.shape[:2] != vb.shape[:2]:
        return ["%s %s and %s %s do not match" % (a, va.shape, b, vb.shape)]
    h, w = va.shape[:2]
    diff = np.max(np.abs(va[m:h - m, m:w - m, :ca] - vb[m:h - m, m:w - m, :cb]))
    return [] if diff <= tol else ["max |%s - %s| = %g > %g" % (a, b, diff, tol)]


def check_psnr(rest, data):
    a, b, margin, want, tol = rest.split()
    m, want, tol = int(margin), float(want), float(tol)
    va, vb = data[a]["values"], data[b]["values"]
    c = 3 if min(data[a]["nc"], data[b]["nc"]) >= 3 else 1
    h, w = va.shape[:2]
    mse = np.mean((va[m:h - m, m:w - m, :c] - vb[m:h - m, m:w - m, :c]) ** 2)
    got = 10 * np.log10(1 / mse) if mse > 0 else float("inf")
    return [] if abs(got - want) <= tol else \
        ["PSNR of %s against %s: %.3f dB, expected %.3f dB" % (a, b, got, want)]


def python_checks(case, args, out):
    if np is None:
        return ["numpy missing: run the harness with /usr/bin/python3"]
    errors, data = [], {}
    for kind, rest in case.records:
        try:
            if kind == "DATA":
                label, d = decode(rest)
                data[label] = d
            elif kind == "TIFFDATA":
                label, d = decode_tiff(rest)
                data[label] = d
            elif kind == "CLI":
                errors += check_cli(rest, data, args, out)
            elif kind == "NETCLI":
                errors += check_netcli(rest, data, args, out)
            elif kind == "REF":
                errors += check_ref(rest, data, args)
            elif kind == "EXPECT":
                errors += check_expect(rest, data)
            elif kind == "TIFF":
                errors += check_tiff(rest)
            elif kind == "SAME":
                a, b = rest.split()
                if not np.array_equal(data[a]["values"], data[b]["values"]):
                    errors.append("%s and %s differ" % (a, b))
            elif kind == "BANK":
                errors += check_bank(rest)
            elif kind == "PATCHES":
                errors += check_patches(rest, args, out)
            elif kind == "CLOSE":
                errors += check_close(rest, data)
            elif kind == "PSNR":
                errors += check_psnr(rest, data)
            elif kind == "PCA":
                errors += deepcheck.check_pca(rest, data, args)
            elif kind == "RANKED":
                errors += deepcheck.check_ranked(rest, args)
            elif kind == "NOTE":
                pass
            else:
                errors.append("unknown record %s" % kind)
        except Exception as e:  # a broken record is a failed case, not a crash
            errors.append("%s record: %s: %s" % (kind, type(e).__name__, e))
    return errors


# ---- main -------------------------------------------------------------------

def run_worker(index, files, args):
    worker = Worker(os.path.join(args.work, "worker-%d" % index), args)
    worker.warm_up()
    results = []
    for f in files:
        results.append(worker.run_file(f))
    return results


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", required=True, help="the built plug-in binary")
    ap.add_argument("--cli", required=True, help="the featuremaps command line")
    ap.add_argument("--src", default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument("--work", required=True, help="scratch folder (emptied)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=180)
    ap.add_argument("--gimp", choices=sorted(HOSTS), default="2",
                    help="which GIMP: 2 (gimp-console-2.10) or 3 (gimp-console-3.0)")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    args.tests = here
    args.data = os.path.join(args.src, "tests", "data")
    args.work = os.path.abspath(args.work)
    args.host = HOSTS[args.gimp]

    if shutil.which(args.host["gimp"]) is None:
        print("SKIP: %s not installed" % args.host["gimp"])
        return 77
    if not os.access(args.plugin, os.X_OK):
        print("SKIP: plug-in %s not built" % args.plugin)
        return 77

    files = args.cases or sorted(
        os.path.join(here, f) for f in os.listdir(here)
        if f.startswith("cases-") and f.endswith(".scm") and f not in args.host["skip"])
    t0 = time.time()
    jobs = max(1, min(args.jobs, len(files)))
    shares = [files[i::jobs] for i in range(jobs)]
    with futures.ThreadPoolExecutor(jobs) as pool:
        runs = [r for rs in pool.map(lambda i: run_worker(i, shares[i], args), range(jobs))
                for r in rs]

    n_pass = n_fail = 0
    for name, out, rc, log, seconds in sorted(runs):
        cases = parse(log)
        problems = []
        if rc == 124:
            problems.append("gimp-console timed out after %d s" % args.timeout)
        elif rc != 0:
            problems.append("gimp-console exited with status %d" % rc)
        if "batch command executed successfully" not in log:
            problems.append("the batch did not finish successfully")
        if "Plug-in crashed" in log:
            problems.append("a plug-in crashed")
        if not cases:
            problems.append("no case ran")
        print("== %s: %d cases, %.1f s" % (name, len(cases), seconds))
        for c in cases:
            errors = list(c.failures)
            if not c.ended:
                errors.append("no END marker")
            elif not c.scheme_pass and not c.failures:
                errors.append("no PASS marker")
            errors += python_checks(c, args, out)
            if errors:
                n_fail += 1
                print("FAIL %s" % c.name)
                for e in errors:
                    print("     " + e.replace("\n", "\n     "))
            else:
                n_pass += 1
                print("ok   %s" % c.name)
        if problems:
            n_fail += 1
            print("FAIL %s (batch): %s -- log: %s" % (name, "; ".join(problems),
                                                    os.path.join(out, "gimp.log")))
    print("%d passed, %d failed, %.1f s" % (n_pass, n_fail, time.time() - t0))
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
