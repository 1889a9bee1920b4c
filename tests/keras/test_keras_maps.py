"""Keras models through the command line, against PyTorch.

Models written as Keras writes them (kerasfiles: .keras by Keras 3 and
tf-keras 2.13, legacy .h5) go through `featuremaps apply -k MODEL#LAYER…`;
every layer's maps are compared with the same layer computed by PyTorch
with the same weights (conv2d with HWIO -> OIHW, TensorFlow's "same"
padding, batch_norm, pools that exclude the padding, …): within
1e-4 x max |map| for the first layer, 1e-3 x max |map| deeper in the stack.

Covered: Sequential and Functional (branches, Add, Concatenate, a nested
Sequential), same / valid padding with stride 2, dilation, groups,
BatchNormalization, DepthwiseConv2D, SeparableConv2D, ReLU variants,
pools, ZeroPadding2D, Rescaling(1/255) at the input (the model's declared
preprocessing: an 8-bit image needs no option), Normalization at the
input, and a layer featuremaps does not run (Dense), named in one line.

usage: test_keras_maps.py FEATUREMAPS"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kerasfiles as kf  # noqa: E402

failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL", what, flush=True)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def safe(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def compare(exe, path, input_path, x_ref, m, layers, first, folder):
    """Runs the listed layers in one call and compares each with PyTorch."""
    acts = kf.forward(m, x_ref)
    out = os.path.join(folder, "out-" + os.path.basename(path))
    if len(layers) == 1:
        out += ".npy"
    p = run([exe, "apply", "-k", "%s#%s" % (path, ",".join(layers)), "-i", input_path,
             "-o", out])
    label = os.path.basename(path)
    check(p.returncode == 0, "%s: featuremaps failed: %s" % (label, p.stderr.strip()))
    if p.returncode != 0:
        return
    for layer in layers:
        f = os.path.join(out, safe(layer) + ".npy") if len(layers) > 1 else out
        check(os.path.exists(f), "%s: no output for %s" % (label, layer))
        if not os.path.exists(f):
            continue
        got = np.load(f)
        want = acts[layer]
        check(got.shape == want.shape, "%s#%s: shape %s, PyTorch %s" % (label, layer, got.shape, want.shape))
        if got.shape != want.shape:
            continue
        scale = max(float(np.abs(want).max()), 1e-6)
        tol = (1e-4 if layer in first else 1e-3) * scale
        err = float(np.abs(got.astype(np.float64) - want).max())
        check(err <= tol, "%s#%s: max |difference| %.3g > %.3g" % (label, layer, err, tol))
        print("ok %s#%s %s err %.2g (tol %.2g)" % (label, layer, got.shape, err, tol), flush=True)


def spatial_layers(m, scope=""):
    out = []
    for l in m.layers:
        if l.model is not None:
            out += spatial_layers(l.model, scope + l.name + "/")
        elif l.fwd is not None:
            out.append(scope + l.name)
        else:
            break
    return out


def main():
    exe = sys.argv[1]
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as d:
        x = rng.random((23, 29, 3)).astype(np.float32)
        xin = os.path.join(d, "x.npy")
        np.save(xin, x)

        seq = kf.sequential("seq", (None, None, 3), [
            kf.conv2d("c1", 3, 8, 3, strides=2, padding="same", activation="relu"),
            kf.batchnorm("bn1", 8),
            kf.conv2d("c2", 8, 8, 3, strides=2, padding="valid"),
            kf.relu("r6", max_value=6.0),
            kf.maxpool("mp", 3, 1, "same"),
            kf.depthwise("dw", 8, 3, mult=2, padding="same", activation="relu"),
            kf.avgpool("ap", 2, 1, "same"),
            kf.zeropad("zp", ((1, 0), (2, 1))),
            kf.conv2d("c3", 16, 6, 3, dilation=2, groups=2, padding="same"),
            kf.leaky("lk", 0.2),
            kf.relu("r2", negative_slope=0.1, max_value=1.5),
            kf.flatten("fl"),
            kf.dense("fc", 6, 4),
        ])
        layers = spatial_layers(seq)
        for flavour, suffix in [("keras3", ".keras"), ("tf2.13", ".keras"), ("2.13.1", ".h5")]:
            path = os.path.join(d, "seq-%s%s" % (flavour, suffix))
            if suffix == ".keras":
                kf.save_keras(seq, path, flavour)
            else:
                kf.save_h5(seq, path, flavour)
            compare(exe, path, xin, x, seq, layers, {"c1"}, d)

        # past Flatten: the layer that ends the spatial part is named
        path = os.path.join(d, "seq-keras3.keras")
        p = run([exe, "apply", "-k", path + "#fc", "-i", xin, "-o", os.path.join(d, "fc.npy")])
        err = p.stderr.strip()
        check(p.returncode == 2 and "'fc'" in err and "'fl/" in err and "spatial" in err
              and err.count("\n") == 0,
              "seq#fc: Flatten is not named in one line: %r" % err)
        print("ok seq#fc refused:", err)
        # a layer featuremaps does not run: named with its Keras class
        dn = kf.sequential("dn", (None, None, 3), [
            kf.conv2d("c1", 3, 4, 3), kf.dense("fc", 4, 2), kf.conv2d("c2", 2, 2, 1)])
        path = os.path.join(d, "dn.keras")
        kf.save_keras(dn, path)
        p = run([exe, "apply", "-k", path + "#c2", "-i", xin, "-o", os.path.join(d, "c2.npy")])
        err = p.stderr.strip()
        check(p.returncode == 2 and "'fc' (Dense)" in err and err.count("\n") == 0,
              "dn#c2: the Dense layer is not named in one line: %r" % err)
        print("ok dn#c2 refused:", err)

        inner = kf.sequential("inner", (None, None, 12), [
            kf.conv2d("ic", 12, 6, 3, padding="same", activation="tanh"),
            kf.batchnorm("ibn", 6, center=False)])
        fun = kf.functional("fun", (None, None, 3), [
            kf.conv2d("a", 3, 6, 3, strides=2, padding="same", activation="relu", inputs=["input_layer"]),
            kf.conv2d("b", 3, 6, 1, strides=2, inputs=["input_layer"]),
            kf.add("sum", ["a", "b"]),
            kf.batchnorm("bn", 6, inputs=["sum"]),
            kf.concat("cat", ["bn", "a"]),
            kf.nested(inner, inputs=["cat"]),
            kf.depthwise("dw", 6, 3, strides=2, padding="same", inputs=["inner"]),
            kf.separable("sep", 6, 4, 3, padding="valid", activation="sigmoid", inputs=["dw"]),
        ])
        layers = spatial_layers(fun)
        for flavour in ("keras3", "tf2.13"):
            path = os.path.join(d, "fun-%s.keras" % flavour)
            kf.save_keras(fun, path, flavour)
            compare(exe, path, xin, x, fun, layers, {"a", "b"}, d)
        path = os.path.join(d, "fun.h5")
        kf.save_h5(fun, path, "3.3.3")
        compare(exe, path, xin, x, fun, layers, {"a", "b"}, d)

        # Rescaling(1/255) at the input: an 8-bit image needs no option;
        # the model sees the 0..255 values it was trained on
        img = (rng.random((20, 17, 3)) * 255).round().astype(np.uint8)
        png = os.path.join(d, "img.png")
        from PIL import Image
        Image.fromarray(img).save(png)
        pre = kf.sequential("pre", (None, None, 3), [
            kf.rescaling("rs", 1 / 255.0),
            kf.conv2d("c1", 3, 5, 3, padding="same", activation="relu"),
            kf.conv2d("c2", 5, 4, 3, strides=2, padding="same")])
        path = os.path.join(d, "pre.keras")
        kf.save_keras(pre, path)
        compare(exe, path, png, img.astype(np.float32), pre, ["c1", "c2"], {"c1"}, d)

        # Normalization adapted on 0..255 data, at the input
        norm = kf.sequential("norm", (None, None, 3), [
            kf.normalization("nm", [120.0, 115.0, 100.0], [3600.0, 3000.0, 2500.0]),
            kf.conv2d("c1", 3, 4, 3, padding="valid")])
        path = os.path.join(d, "norm.keras")
        kf.save_keras(norm, path)
        compare(exe, path, png, img.astype(np.float32), norm, ["c1"], {"c1"}, d)
    print("%d checks, %d failures" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
