"""The Keras readers against the files' own contents.

Models built with kerasfiles (Keras's layouts, written with h5py) are saved
in every flavour featuremaps reads: .keras as Keras >= 3.3 writes it (vars
groups named), as Keras 3.0 wrote it, as tf-keras 2.13 wrote it (weights
under _layer_checkpoint_dependencies, weighted layers counted twice), and
legacy .h5 by tf-keras 2.13 and by Keras 3.  Each file goes through
dump-graph (the C reader).  Checked:
  - every flavour of a model gives the same graph (nodes, attributes,
    initializers bit for bit);
  - every weight equals the array the file was written from, converted as
    ONNX wants it (HWIO -> OIHW; depthwise (kh, kw, C, M) -> (C*M, 1, kh, kw)),
    compared by SHA-256 of the float32 values;
  - each Keras layer's output is a node named after the layer, with the op
    and attributes its Keras semantics need (same -> SAME_UPPER, average
    pools excluding the padding, ReLU variants, merges on the channel axis);
  - Rescaling / Normalization at the input become the input declaration;
  - a layer list too long for one HDF5 object header (weight_names0, 1 …).

usage: test_keras_read.py DUMP-GRAPH"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kerasfiles as kf  # noqa: E402

failures = []
checks = 0

FLAVOURS = [("keras3", ".keras"), ("keras3.0", ".keras"), ("tf2.13", ".keras"),
            ("2.13.1", ".h5"), ("3.3.3", ".h5")]


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL", what, flush=True)


def dump(exe, path):
    p = subprocess.run([exe, path], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout), None


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f4").tobytes()).hexdigest()


def save(m, folder, flavour, suffix):
    path = os.path.join(folder, "%s-%s%s" % (m.name, flavour, suffix))
    if suffix == ".keras":
        kf.save_keras(m, path, flavour)
    else:
        kf.save_h5(m, path, flavour)
    return path


def expected_weights(m, scope=""):
    """{initializer name: sha256} for the layers' converted weights."""
    out = {}
    for l in m.layers:
        name = scope + l.name
        if l.model is not None:
            out.update(expected_weights(l.model, name + "/"))
        elif l.cls == "Conv2D":
            out[name + "/kernel"] = sha(l.weights[0].transpose(3, 2, 0, 1))
            if len(l.weights) > 1:
                out[name + "/bias"] = sha(l.weights[1])
        elif l.cls == "DepthwiseConv2D":
            k = l.weights[0]
            out[name + "/kernel"] = sha(k.transpose(2, 3, 0, 1).reshape(
                k.shape[2] * k.shape[3], 1, k.shape[0], k.shape[1]))
            if len(l.weights) > 1:
                out[name + "/bias"] = sha(l.weights[1])
        elif l.cls == "SeparableConv2D":
            k, p, b = l.weights
            out[name + "/depthwise_kernel"] = sha(k.transpose(2, 3, 0, 1).reshape(
                k.shape[2] * k.shape[3], 1, k.shape[0], k.shape[1]))
            out[name + "/pointwise_kernel"] = sha(p.transpose(3, 2, 0, 1))
            out[name + "/bias"] = sha(b)
        elif l.cls == "BatchNormalization":
            w = list(l.weights)
            c = w[-1].shape[0]
            gamma = w.pop(0) if l.cfg["scale"] else np.ones(c, np.float32)
            beta = w.pop(0) if l.cfg["center"] else np.zeros(c, np.float32)
            out[name + "/gamma"] = sha(gamma)
            out[name + "/beta"] = sha(beta)
            out[name + "/moving_mean"] = sha(w[0])
            out[name + "/moving_variance"] = sha(w[1])
    return out


def node(graph, name):
    for n in graph["nodes"]:
        if n["name"] == name:
            return n
    return None


def attr(n, key):
    a = n["attrs"].get(key)
    return None if a is None else a["value"]


def check_layer_nodes(g, m, label, scope=""):
    """Each layer's output node: its op and the attributes its semantics need."""
    for l in m.layers:
        name = scope + l.name
        if l.model is not None:
            check_layer_nodes(g, l.model, label, name + "/")
            continue
        n = node(g, name)
        check(n is not None and n["outputs"] == [name],
              "%s: no node '%s' writing tensor '%s'" % (label, name, name))
        if n is None:
            continue
        act = l.cfg.get("activation")
        if l.cls in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
            conv = n if act in (None, "linear") else node(g, name + "/conv")
            check(conv is not None and conv["op"] == "Conv", "%s: %s: no Conv" % (label, name))
            if conv is None:
                continue
            spatial = node(g, name + "/depthwise") if l.cls == "SeparableConv2D" else conv
            check(attr(spatial, "auto_pad") == ("SAME_UPPER" if l.cfg["padding"] == "same" else "VALID"),
                  "%s: %s: auto_pad %s" % (label, name, attr(spatial, "auto_pad")))
            if l.cls == "SeparableConv2D":
                check(attr(conv, "kernel_shape") == [1, 1] and attr(spatial, "group") == l.weights[0].shape[2],
                      "%s: %s: depthwise then pointwise" % (label, name))
            if l.cls != "SeparableConv2D":
                check(attr(conv, "strides") == l.cfg["strides"], "%s: %s: strides" % (label, name))
                check(attr(conv, "dilations") == l.cfg["dilation_rate"],
                      "%s: %s: dilations" % (label, name))
                check(attr(conv, "kernel_shape") == l.cfg["kernel_size"],
                      "%s: %s: kernel_shape" % (label, name))
            if l.cls == "DepthwiseConv2D":
                check(attr(conv, "group") == l.weights[0].shape[2],
                      "%s: %s: group %s" % (label, name, attr(conv, "group")))
            elif l.cls == "Conv2D":
                check(attr(conv, "group") == l.cfg["groups"], "%s: %s: group" % (label, name))
            want_act = {None: "Conv", "linear": "Conv", "relu": "Relu", "sigmoid": "Sigmoid",
                        "tanh": "Tanh", "relu6": "Clip", "leaky_relu": "LeakyRelu"}[act]
            check(n["op"] == want_act, "%s: %s: op %s, want %s" % (label, name, n["op"], want_act))
        elif l.cls == "BatchNormalization":
            check(n["op"] == "BatchNormalization", "%s: %s: op %s" % (label, name, n["op"]))
            # dump-graph prints a float attribute as the hex of its bits
            got = np.array([int(attr(n, "epsilon"), 16)], np.uint32).view(np.float32)[0]
            check(got == np.float32(l.cfg["epsilon"]), "%s: %s: epsilon %r" % (label, name, got))
        elif l.cls in ("MaxPooling2D", "AveragePooling2D"):
            op = "MaxPool" if l.cls == "MaxPooling2D" else "AveragePool"
            check(n["op"] == op, "%s: %s: op %s" % (label, name, n["op"]))
            check(attr(n, "kernel_shape") == l.cfg["pool_size"], "%s: %s: pool" % (label, name))
            want_s = l.cfg["strides"] or l.cfg["pool_size"]
            check(attr(n, "strides") == want_s, "%s: %s: strides" % (label, name))
            if op == "AveragePool":
                check(attr(n, "count_include_pad") == 0, "%s: %s: count_include_pad" % (label, name))
        elif l.cls == "ReLU":
            mv, ns, th = l.cfg["max_value"], l.cfg["negative_slope"], l.cfg["threshold"]
            want = ("Relu" if mv is None and ns == 0 and th == 0 else
                    "LeakyRelu" if mv is None and th == 0 else
                    "Clip" if th == 0 else
                    "ThresholdedRelu" if ns == 0 and mv is None else "ReLU")
            check(n["op"] == want, "%s: %s: op %s, want %s" % (label, name, n["op"], want))
        elif l.cls in ("Add", "Concatenate"):
            want = "Add" if l.cls == "Add" else "Concat"
            check(n["op"] == want, "%s: %s: op %s" % (label, name, n["op"]))
            if want == "Concat":
                check(attr(n, "axis") == 1, "%s: %s: concat axis" % (label, name))
        elif l.cls in ("Rescaling", "Normalization"):
            check(n["op"] in ("Identity", "Mul", "Add"), "%s: %s: op %s" % (label, name, n["op"]))
        elif l.cls == "Dense":
            check(n["op"] == "Dense" and n["domain"] == "keras",
                  "%s: %s: an unlowered layer is %s/%s" % (label, name, n["domain"], n["op"]))


def comparable(g):
    """The graph without what differs by flavour."""
    g = dict(g)
    g.pop("format")
    g.pop("producer")
    return g


def run_model(exe, folder, m, decl=None, flavours=FLAVOURS):
    want = expected_weights(m)
    first = None
    for flavour, suffix in flavours:
        path = save(m, folder, flavour, suffix)
        label = os.path.basename(path)
        g, err = dump(exe, path)
        check(g is not None, "%s: refused: %s" % (label, err))
        if g is None:
            continue
        check(g["format"] == ("keras" if suffix == ".keras" else "h5"), "%s: format" % label)
        check(g["opset"] == 17, "%s: opset" % label)
        for name, digest in want.items():
            got = g["initializers"].get(name, {}).get("sha256")
            check(got == digest, "%s: initializer %s differs from the file's array" % (label, name))
        check_layer_nodes(g, m, label)
        if decl is not None:
            d = g["input_decl"]
            check(d is not None and d["range"] == decl["range"]
                  and np.allclose(d["mean"], decl["mean"], rtol=1e-9, atol=1e-12)
                  and np.allclose(d["std"], decl["std"], rtol=1e-9),
                  "%s: input declaration %s, want %s" % (label, d, decl))
        else:
            check(g["input_decl"] is None, "%s: an input declaration %s" % (label, g["input_decl"]))
        if first is None:
            first = comparable(g)
        else:
            check(comparable(g) == first, "%s: differs from the %s flavour's graph" % (label, FLAVOURS[0][0]))
    return first


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as folder:
        # Sequential: several layers of one class (weight paths conv2d,
        # conv2d_1 … and tf-keras 2.13's conv2d, conv2d_2 …), same / valid,
        # stride 2, dilation, groups, BatchNorm with and without scale/center.
        seq = kf.sequential("seq", (20, 20, 3), [
            kf.conv2d("c1", 3, 8, 3, strides=2, padding="same", activation="relu"),
            kf.batchnorm("bn1", 8),
            kf.conv2d("c2", 8, 8, 3, padding="valid", dilation=2, groups=2),
            kf.batchnorm("bn2", 8, center=False, eps=1e-5),
            kf.relu("r1", max_value=6.0),
            kf.conv2d("c3", 8, 4, (1, 3), strides=(1, 2), padding="same", use_bias=False,
                      activation="tanh"),
            kf.batchnorm("bn3", 4, scale=False),
            kf.leaky("lk", 0.1),
            kf.maxpool("mp", 3, 2, "same"),
            kf.avgpool("ap", 2, 1, "same"),
            kf.zeropad("zp", ((1, 2), (0, 3))),
            kf.depthwise("dw", 4, 3, mult=2, strides=2, padding="same", activation="relu6"),
            kf.relu("r2", negative_slope=0.2),
            kf.relu("r3", negative_slope=0.1, max_value=2.0),
            kf.relu("r4", threshold=0.5),
            kf.separable("sep", 8, 6, 3, padding="same", activation="sigmoid"),
            kf.activation("act", "relu"),
            kf.dropout("do"),
            kf.flatten("fl"),
            kf.dense("fc", 6, 10),
        ])
        g = run_model(exe, folder, seq)
        if g:
            r4 = node(g, "r4")
            check(r4 and r4["op"] == "ThresholdedRelu", "seq: r4 is ThresholdedRelu")
            fl = node(g, "fl")
            check(fl and fl["op"] == "Flatten" and node(g, "fl/to_channels_last")["op"] == "Transpose",
                  "seq: Flatten goes through a transpose to Keras's order")
            # the graph input: channels known from the InputLayer
            check(g["inputs"][0]["dims"] == [-1, 3, 20, 20], "seq: input dims %s" % g["inputs"][0]["dims"])

        # Rescaling(1/255) at the input: the declaration says 0..255
        pre = kf.sequential("pre", (8, 8, 3), [
            kf.rescaling("rs", 1 / 255.0), kf.conv2d("c1", 3, 2, 3)])
        run_model(exe, folder, pre, decl={"range": 255.0, "mean": [0.0], "std": [255.0]})

        # MobileNet's Rescaling(1/127.5, -1) then per-channel Normalization
        mean, var = [0.2, 0.3, 0.4], [0.04, 0.09, 0.25]
        pre2 = kf.sequential("pre2", (8, 8, 3), [
            kf.rescaling("rs", 1 / 127.5, -1.0), kf.normalization("nm", mean, var),
            kf.conv2d("c1", 3, 2, 3)])
        # a = (1/127.5) / sqrt(v); b = (-1 - m) / sqrt(v), with m and v as
        # the file stores them (float32)
        m32 = np.array(mean, np.float32).astype(float)
        sd = np.sqrt(np.array(var, np.float32).astype(float))
        a = (1 / 127.5) / sd
        b = (-1 - m32) / sd
        run_model(exe, folder, pre2, decl={"range": 255.0, "mean": list(-b / a), "std": list(1 / a)})

        # Normalization adapted on 0..255 data, given in the config
        pre3 = kf.sequential("pre3", (8, 8, 3), [
            kf.normalization("nm", [120.0, 110.0, 100.0], [3000.0, 2900.0, 2800.0], adapted=False),
            kf.conv2d("c1", 3, 2, 3)])
        run_model(exe, folder, pre3, decl={"range": 255.0, "mean": [120.0, 110.0, 100.0],
                                           "std": list(np.sqrt([3000.0, 2900.0, 2800.0]))})

        # Rescaling inside the network: Mul / Add nodes, no declaration
        mid = kf.sequential("mid", (8, 8, 3), [
            kf.conv2d("c1", 3, 2, 3), kf.rescaling("rs", [0.5, 2.0], 1.0), kf.conv2d("c2", 2, 2, 1)])
        g = run_model(exe, folder, mid)
        if g:
            check(node(g, "rs")["op"] == "Add" and node(g, "rs/mul")["op"] == "Mul",
                  "mid: a Rescaling inside the network becomes Mul then Add")
            check(g["initializers"]["rs/scale"]["dims"] == [2, 1, 1],
                  "mid: the per-channel scale broadcasts over N, C, H, W")

        # Functional: branches, Add, Concatenate, a shared conv, a nested
        # Sequential and a nested Functional
        inner_seq = kf.sequential("inner_seq", (10, 10, 8), [
            kf.conv2d("ic1", 8, 4, 3, padding="same"), kf.batchnorm("ibn", 4)])
        inner_fun = kf.functional("inner_fun", (10, 10, 4), [
            kf.conv2d("fa", 4, 4, 3, padding="same", inputs=["in2"]),
            kf.add("fsum", ["fa", "in2"])], input_name="in2")
        fun = kf.functional("fun", (10, 10, 3), [
            kf.conv2d("a", 3, 4, 3, padding="same", activation="relu", inputs=["input_layer"]),
            kf.conv2d("b", 3, 4, 1, inputs=["input_layer"]),
            kf.add("sum", ["a", "b"]),
            kf.batchnorm("bn", 4, inputs=["sum"]),
            kf.concat("cat", ["bn", "a"]),
            kf.nested(inner_seq, inputs=["cat"]),
            kf.nested(inner_fun, inputs=["inner_seq"]),
            kf.depthwise("dw", 4, 3, padding="same", inputs=["inner_fun"]),
        ])
        g = run_model(exe, folder, fun)
        if g:
            check(node(g, "inner_seq/ibn")["inputs"][0] == "inner_seq/ic1",
                  "fun: the nested Sequential's layers chain")
            check(node(g, "inner_fun/fa")["inputs"][0] == "inner_seq/ibn",
                  "fun: the nested Functional reads the Sequential's output")
            check(node(g, "dw")["inputs"][0] == "inner_fun/fsum",
                  "fun: a nested Functional's output (its node 1) is read")

        # legacy .h5 with a list of weight names over HDF5's object-header
        # limit: a nested model of 1100 tiny convolutions
        many = [kf.conv2d("conv_layer_number_%04d" % k, 1, 1, 1) for k in range(1100)]
        big = kf.functional("big", (4, 4, 1), [
            kf.nested(kf.sequential("deep", (4, 4, 1), many), inputs=["input_layer"])])
        path = save(big, folder, "2.13.1", ".h5")
        import h5py
        with h5py.File(path, "r") as f:
            attrs = list(f["model_weights/deep"].attrs)
        check("weight_names0" in attrs and "weight_names1" in attrs and "weight_names" not in attrs,
              "big.h5: the writer split weight_names (%s)" % attrs[:4])
        g, err = dump(exe, path)
        check(g is not None, "big.h5: refused: %s" % err)
        if g:
            want = expected_weights(big)
            check(all(g["initializers"].get(k, {}).get("sha256") == v for k, v in want.items()),
                  "big.h5: the weights behind weight_names0, 1 … are read")
    print("%d checks, %d failures" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
