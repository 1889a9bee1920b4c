"""Broken Keras files, each refused with its own one-line message.

Every case starts from a good model written as Keras writes it
(kerasfiles) and breaks one thing: the zip, the JSON config, the HDF5
weights (types, links, filters, storage, shapes), the model graph.  Each
goes through dump-graph: exit status 2, one line on stderr that names the
file and contains the expected words, and no two cases share a message.
A few files that look unusual but are valid (big-endian, float16,
float64, bfloat16 weights, variable-length string attributes) must read
with the same weights.

usage: test_keras_errors.py DUMP-GRAPH"""
import copy
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kerasfiles as kf  # noqa: E402

failures = []
checks = 0
messages = {}


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL", what, flush=True)


def run(exe, path):
    return subprocess.run([exe, path], capture_output=True, text=True, timeout=120)


def loose(text):
    """dump-graph prints in the C locale: non-ASCII characters become '?'."""
    return "".join(c if ord(c) < 128 else "?" for c in text)


def expect_fail(exe, path, want):
    label = os.path.basename(path)
    p = run(exe, path)
    err = p.stderr.strip()
    check(p.returncode == 2, "%s: exit status %d (want 2): %s" % (label, p.returncode, err))
    check(loose(want) in loose(err), "%s: message %r lacks %r" % (label, err, want))
    check(err.count("\n") == 0 and label in err.split(":")[0],
          "%s: not one line naming the file: %r" % (label, err))
    other = messages.get(err)
    check(other is None, "%s: same message as %s: %r" % (label, other, err))
    messages[err] = label
    print("ok %-34s %s" % (label, err), flush=True)


def expect_read(exe, path):
    p = run(exe, path)
    check(p.returncode == 0, "%s: refused: %s" % (os.path.basename(path), p.stderr.strip()))
    return json.loads(p.stdout) if p.returncode == 0 else None


# --- the good model and ways to rebuild its files -----------------------------

def model():
    return kf.sequential("good", (8, 8, 3), [
        kf.conv2d("c1", 3, 4, 3, padding="same", activation="relu"),
        kf.batchnorm("bn", 4),
        kf.conv2d("c2", 4, 2, 3)])


def functional():
    return kf.functional("fgood", (8, 8, 3), [
        kf.conv2d("a", 3, 4, 3, padding="same", inputs=["input_layer"]),
        kf.conv2d("b", 3, 4, 1, inputs=["input_layer"]),
        kf.add("sum", ["a", "b"])])


def keras_parts(m):
    """(metadata, config, weights bytes) of the model's .keras file."""
    bio = io.BytesIO()
    kf.save_keras(m, bio)
    with zipfile.ZipFile(io.BytesIO(bio.getvalue())) as zf:
        return (zf.read("metadata.json"), json.loads(zf.read("config.json")),
                zf.read("model.weights.h5"))


def write_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            zf.writestr(name, data if isinstance(data, bytes) else data.encode())
    return path


def keras_file(folder, name, m=None, config=None, weights=None, edit_h5=None,
               edit_config=None, drop=(), meta=None):
    md, cfg, w = keras_parts(m or model())
    if config is not None:
        cfg = config
    if edit_config:
        cfg = copy.deepcopy(cfg)
        edit_config(cfg)
    if edit_h5:
        bio = io.BytesIO(w)
        with h5py.File(bio, "r+") as f:
            edit_h5(f)
        w = bio.getvalue()
    if weights is not None:
        w = weights
    members = [("metadata.json", meta if meta is not None else md),
               ("config.json", cfg if isinstance(cfg, (bytes, str)) else json.dumps(cfg)),
               ("model.weights.h5", w)]
    return write_zip(os.path.join(folder, name), [x for x in members if x[0] not in drop])


def h5_file(folder, name, m=None, edit=None):
    path = os.path.join(folder, name)
    kf.save_h5(m or model(), path)
    if edit:
        with h5py.File(path, "r+") as f:
            edit(f)
    return path


def first_layer(cfg):
    return cfg["config"]["layers"][1]   # [0] is the InputLayer


def replace(f, path, make):
    """Replaces dataset path with what make(group, name, old value) creates."""
    group, name = path.rsplit("/", 1)
    old = f[path][()]
    del f[path]
    make(f[group], name, old)


# --- cases --------------------------------------------------------------------------

def zip_cases(exe, d):
    good = keras_file(d, "good.keras")
    expect_read(exe, good)
    data = open(good, "rb").read()
    p = os.path.join(d, "garbage.keras")
    open(p, "wb").write(b"this is not a zip archive at all, not even a little")
    expect_fail(exe, p, "not a valid Keras .keras file (zip archive): no end-of-central-directory record")
    p = os.path.join(d, "truncated.keras")
    open(p, "wb").write(data[:len(data) // 2])
    expect_fail(exe, p, "truncated (no end-of-central-directory record)")
    # a flipped byte inside config.json: the CRC catches it
    bad = bytearray(data)
    at = data.index(b'"class_name"')
    bad[at + 2] ^= 0x20
    p = os.path.join(d, "crc.keras")
    open(p, "wb").write(bytes(bad))
    expect_fail(exe, p, "member 'config.json' fails its CRC check")
    expect_fail(exe, keras_file(d, "no-config.keras", drop=("config.json",)),
                "the archive has no config.json")
    expect_fail(exe, keras_file(d, "no-weights.keras", drop=("model.weights.h5",)),
                "the archive has no model.weights.h5")
    md, cfg, w = keras_parts(model())
    p = write_zip(os.path.join(d, "npz-weights.keras"),
                  [("metadata.json", md), ("config.json", json.dumps(cfg)),
                   ("model.weights.npz", b"PK\x05\x06" + b"\0" * 18)])
    expect_fail(exe, p, "saved as model.weights.npz")


def json_cases(exe, d):
    expect_fail(exe, keras_file(d, "not-json.keras", config='{"class_name": "Sequential",'),
                "config.json: not valid JSON")
    expect_fail(exe, keras_file(d, "deep.keras", config="[" * 600 + "]" * 600),
                "config.json: nested more than 512 levels deep")
    expect_fail(exe, keras_file(d, "list.keras", config="[1, 2]"),
                "config.json is not a JSON object")
    expect_fail(exe, keras_file(d, "bad-meta.keras", meta=b"\xff\xfe"),
                "metadata.json: not a JSON text (not UTF-8 text)")
    expect_fail(exe, keras_file(d, "subclassed.keras",
                                config={"class_name": "MyModel", "config": {"name": "m"}}),
                "a MyModel model: featuremaps reads Sequential and Functional")

    def no_config(c):
        del first_layer(c)["config"]
    expect_fail(exe, keras_file(d, "no-layer-config.keras", edit_config=no_config),
                "layer 2 (Conv2D) has no config (an object)")

    def no_class(c):
        del first_layer(c)["class_name"]
    expect_fail(exe, keras_file(d, "no-class.keras", edit_config=no_class),
                "layer 2 has no class_name (a string)")

    def no_filters(c):
        del first_layer(c)["config"]["filters"]
    expect_fail(exe, keras_file(d, "no-filters.keras", edit_config=no_filters),
                "layer 'c1' (Conv2D): 'filters' is missing")

    def strides_text(c):
        first_layer(c)["config"]["strides"] = "two"
    expect_fail(exe, keras_file(d, "strides-text.keras", edit_config=strides_text),
                "'strides' is a string, expected an integer")

    def strides_zero(c):
        first_layer(c)["config"]["strides"] = [0, 1]
    expect_fail(exe, keras_file(d, "strides-zero.keras", edit_config=strides_zero),
                "'strides' is 0, must be 1")

    def channels_first(c):
        first_layer(c)["config"]["data_format"] = "channels_first"
    expect_fail(exe, keras_file(d, "channels-first.keras", edit_config=channels_first),
                "data_format 'channels_first' is not supported")

    def causal(c):
        first_layer(c)["config"]["padding"] = "causal"
    expect_fail(exe, keras_file(d, "causal.keras", edit_config=causal),
                "padding 'causal' is not supported")

    def quantized(c):
        first_layer(c)["config"]["dtype"] = {
            "module": "keras", "class_name": "QuantizedDTypePolicy",
            "config": {"name": "int8_from_float32"}, "registered_name": None}
    expect_fail(exe, keras_file(d, "quantized.keras", edit_config=quantized),
                "its weights are quantized (dtype policy 'int8_from_float32')")

    def twin(c):
        c["config"]["layers"][3]["config"]["name"] = "c1"
    expect_fail(exe, keras_file(d, "twin-names.keras", edit_config=twin),
                "two layers are named 'c1'")

    relu = kf.sequential("r", (8, 8, 3), [kf.conv2d("c1", 3, 2, 3), kf.relu("r", max_value=-1.0)])
    expect_fail(exe, keras_file(d, "relu-negative.keras", m=relu),
                "max_value, negative_slope and threshold must be ≥ 0")

    def bn_axis(c):
        c["config"]["layers"][2]["config"]["axis"] = 1
    expect_fail(exe, keras_file(d, "bn-axis.keras", edit_config=bn_axis),
                "layer 'bn' (BatchNormalization): it normalises along an axis other than the channels")


def graph_cases(exe, d):
    good = keras_file(d, "fgood.keras", m=functional())
    expect_read(exe, good)

    def ghost(c):
        c["config"]["layers"][3]["inbound_nodes"][0]["args"][0][1]["config"]["keras_history"][0] = "ghost"
    expect_fail(exe, keras_file(d, "ghost.keras", m=functional(), edit_config=ghost),
                "it reads layer 'ghost', which is not in the model")

    def cycle(c):
        # a reads sum, sum reads a
        c["config"]["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "sum"
    expect_fail(exe, keras_file(d, "cycle.keras", m=functional(), edit_config=cycle),
                "its layers read each other in a cycle")

    def second_call(c):
        c["config"]["layers"][3]["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"][1] = 3
    expect_fail(exe, keras_file(d, "second-call.keras", m=functional(), edit_config=second_call),
                "it reads call 3 of layer 'a', which is never called that often")

    def no_output(c):
        c["config"]["output_layers"] = ["nowhere", 0, 0]
    expect_fail(exe, keras_file(d, "no-output.keras", m=functional(), edit_config=no_output),
                "its output 'nowhere' (call 0, output 0) is not made by any layer")

    def no_inbound(c):
        del c["config"]["layers"][2]["inbound_nodes"]
    expect_fail(exe, keras_file(d, "no-inbound.keras", m=functional(), edit_config=no_inbound),
                "layer 'b' (Conv2D): 'inbound_nodes' is missing")

    # models nested 17 deep
    m = kf.sequential("n0", (4, 4, 1), [kf.conv2d("c", 1, 1, 1)])
    for k in range(1, 18):
        m = kf.sequential("n%d" % k, (4, 4, 1), [kf.nested(m)])
    expect_fail(exe, keras_file(d, "nested-deep.keras", m=m), "models nested more than 16 deep")


def h5_weight_cases(exe, d):
    k = "layers/conv2d/vars/0"

    def drop_vars(f):
        del f["layers/conv2d/vars"]
    expect_fail(exe, keras_file(d, "no-vars.keras", edit_h5=drop_vars),
                "layer 'c1' (Conv2D): the weights file holds 0 variables for it, expected 2 (kernel, bias)")

    def hole(f):
        f.move("layers/conv2d/vars/1", "layers/conv2d/vars/5")
    expect_fail(exe, keras_file(d, "hole.keras", edit_h5=hole),
                "'layers/conv2d/vars/1' is not in the file")

    def wrong_shape(f):
        replace(f, k, lambda g, n, v: g.create_dataset(n, data=v[:, :, :, :3]))
    expect_fail(exe, keras_file(d, "wrong-shape.keras", edit_h5=wrong_shape),
                "the kernel in the weights file is 3 × 3 × 3 × 3, expected 3 × 3 × ? × 4")

    def ints(f):
        replace(f, k, lambda g, n, v: g.create_dataset(n, data=v.astype(np.int32)))
    expect_fail(exe, keras_file(d, "int-kernel.keras", edit_h5=ints),
                "the kernel in the weights file holds integers, not floating point values")

    def text(f):
        replace(f, k, lambda g, n, v: g.create_dataset(n, data=np.array([b"abc"])))
    expect_fail(exe, keras_file(d, "text-kernel.keras", edit_h5=text),
                "holds string values, not floating point")

    def opaque(f):
        replace(f, k, lambda g, n, v: g.create_dataset(n, data=np.zeros(v.shape, "V2")))
    expect_fail(exe, keras_file(d, "opaque-kernel.keras", edit_h5=opaque),
                "holds opaque values, not floating point")

    def soft(f):
        f["layers/conv2d/spare"] = f[k][()]
        del f[k]
        f[k] = h5py.SoftLink("/layers/conv2d/spare")
    expect_fail(exe, keras_file(d, "soft-link.keras", edit_h5=soft),
                "is reached through a soft link")

    def external(f):
        del f[k]
        f[k] = h5py.ExternalLink("/etc/passwd.h5", "/x")
    expect_fail(exe, keras_file(d, "external-link.keras", edit_h5=external),
                "is reached through a external link")

    def lzf(f):
        replace(f, k, lambda g, n, v: g.create_dataset(n, data=v, compression="lzf"))
    expect_fail(exe, keras_file(d, "lzf.keras", edit_h5=lzf), "is compressed with HDF5 filter 32000")

    def bomb(f):
        replace(f, k, lambda g, n, v: g.create_dataset(n, shape=(4096, 4096, 3, 4), dtype="f4",
                                                       chunks=(64, 64, 3, 4), fillvalue=1.0))
    expect_fail(exe, keras_file(d, "bomb.keras", edit_h5=bomb), "(a shape or decompression bomb)")

    def huge(f):
        replace(f, k, lambda g, n, v: g.create_dataset(n, shape=(1 << 15, 1 << 15, 4, 1),
                                                       dtype="f4", chunks=(64, 64, 4, 1)))
    expect_fail(exe, keras_file(d, "huge.keras", edit_h5=huge), "holds more than 268435456 values")

    def rank9(f):
        replace(f, k, lambda g, n, v: g.create_dataset(n, data=np.zeros((1,) * 9, "f4")))
    expect_fail(exe, keras_file(d, "rank9.keras", edit_h5=rank9),
                "has 9 dimensions; at most 8 are supported")

    def odd_float(f):
        t = h5py.h5t.IEEE_F32LE.copy()
        t.set_ebias(100)

        def make(g, n, v):
            space = h5py.h5s.create_simple(v.shape)
            h5py.h5d.create(g.id, n.encode(), t, space)
        replace(f, k, make)
    expect_fail(exe, keras_file(d, "odd-float.keras", edit_h5=odd_float),
                "holds 4-byte floats of a layout featuremaps does not read")

    def external_storage(f):
        path = os.path.join(d, "outside.bin")
        np.zeros(3 * 3 * 3 * 4, "f4").tofile(path)
        replace(f, k, lambda g, n, v: g.create_dataset(n, shape=v.shape, dtype="f4",
                                                       external=[(path, 0, h5py.h5f.UNLIMITED)]))
    expect_fail(exe, keras_file(d, "external-storage.keras", edit_h5=external_storage),
                "keeps its data in external files")

    def virtual(f):
        layout = h5py.VirtualLayout(shape=(3, 3, 3, 4), dtype="f4")
        f["layers/conv2d/source"] = np.zeros((3, 3, 3, 4), "f4")
        layout[:] = h5py.VirtualSource(f["layers/conv2d/source"])
        del f[k]
        f["layers/conv2d/vars"].create_virtual_dataset("0", layout)
    expect_fail(exe, keras_file(d, "virtual.keras", edit_h5=virtual), "is a virtual dataset")

    def other_name(f):
        f["layers/conv2d/vars"].attrs["name"] = "c2"
    expect_fail(exe, keras_file(d, "other-name.keras", edit_h5=other_name),
                "the weights at 'layers/conv2d' belong to layer 'c2'")

    _, _, w = keras_parts(model())
    expect_fail(exe, keras_file(d, "h5-truncated.keras", weights=w[:len(w) // 3]),
                "not a readable HDF5 file")
    expect_fail(exe, keras_file(d, "h5-text.keras", weights=b"just text, no HDF5 here"),
                "not an HDF5 file (no HDF5 signature)")


def valid_variants(exe, d):
    """Unusual but valid weights: same values as the plain file."""
    good = expect_read(exe, keras_file(d, "plain.keras"))
    k = "layers/conv2d/vars/0"
    variants = {
        "big-endian": lambda g, n, v: g.create_dataset(n, data=v.astype(">f4")),
        "float64": lambda g, n, v: g.create_dataset(n, data=v.astype("f8")),
        "gzip-shuffle": lambda g, n, v: g.create_dataset(n, data=v, compression="gzip",
                                                         shuffle=True, fletcher32=True),
    }
    for name, make in variants.items():
        g = expect_read(exe, keras_file(d, name + ".keras",
                                        edit_h5=lambda f, make=make: replace(f, k, make)))
        if g and good:
            check(g["initializers"]["c1/kernel"] == good["initializers"]["c1/kernel"],
                  "%s: the kernel differs from the float32 file's" % name)
    # float16 and bfloat16 hold fewer bits: compare with the rounded array
    m = model()
    kern = m.layers[0].weights[0]
    for name, make, rounded in [
        ("float16", lambda g, n, v: g.create_dataset(n, data=v.astype("f2")),
         kern.astype("f2").astype("f4")),
        ("bfloat16", lambda g, n, v: g.create_dataset(
            n, data=(v.view(np.uint32) >> 16).astype(np.uint16).view("V2")),
         ((kern.view(np.uint32) >> 16) << 16).astype(np.uint32).view("f4"))]:
        def edit(f, make=make):
            replace(f, k, make)
            if name == "bfloat16":
                f[k].attrs["dtype"] = "bfloat16"
        g = expect_read(exe, keras_file(d, name + ".keras", edit_h5=edit))
        want = hashlib.sha256(np.ascontiguousarray(rounded.transpose(3, 2, 0, 1), "<f4")
                              .tobytes()).hexdigest()
        check(g is not None and g["initializers"]["c1/kernel"]["sha256"] == want,
              "%s: the kernel is not the rounded file values" % name)


def legacy_cases(exe, d):
    expect_read(exe, h5_file(d, "good.h5"))

    def weights_only(f):
        del f.attrs["model_config"]
        for name in list(f["model_weights"]):
            f.copy(f["model_weights"][name], name)
        del f["model_weights"]
    expect_fail(exe, h5_file(d, "weights-only.h5", edit=weights_only),
                "no model_config attribute: a weights-only file (save_weights)")

    def no_weights(f):
        del f["model_weights"]
    expect_fail(exe, h5_file(d, "no-weights.h5", edit=no_weights),
                "no model_weights group (the model was saved without its weights)")

    def config_int(f):
        f.attrs["model_config"] = 7
    expect_fail(exe, h5_file(d, "config-int.h5", edit=config_int),
                "'/@model_config' is not a string attribute")

    def config_fixed(f):
        # h5py 3 stores Keras's bytes as a variable-length string; h5py 2
        # stored a fixed-length one
        f.attrs["model_config"] = np.bytes_(f.attrs["model_config"].encode())
    expect_read(exe, h5_file(d, "config-fixed.h5", edit=config_fixed))

    def names_fixed(f):
        # a short list is variable-length strings (h5py 3 on Keras's list
        # of bytes); the split chunks are fixed-length numpy arrays
        g = f["model_weights/c1"]
        g.attrs["weight_names"] = np.array([n.encode() for n in g.attrs["weight_names"]])
    expect_read(exe, h5_file(d, "names-fixed.h5", edit=names_fixed))

    def missing_dataset(f):
        del f["model_weights/c1/c1/bias:0"]
    expect_fail(exe, h5_file(d, "missing-dataset.h5", edit=missing_dataset),
                "'model_weights/c1/c1/bias:0' is not in the file")

    def empty_component(f):
        names = [n.encode() for n in f["model_weights/c1"].attrs["weight_names"]]
        names[0] = b"c1//kernel:0"
        f["model_weights/c1"].attrs["weight_names"] = names
    expect_fail(exe, h5_file(d, "empty-component.h5", edit=empty_component),
                "is not a valid path (an empty or '.' component)")

    def no_group(f):
        del f["model_weights/c2"]
    expect_fail(exe, h5_file(d, "no-group.h5", edit=no_group),
                "model_weights has no group 'c2' for its weights")

    def names_2d(f):
        f["model_weights/c1"].attrs["weight_names"] = np.array([[b"a", b"b"], [b"c", b"d"]])
    expect_fail(exe, h5_file(d, "names-2d.h5", edit=names_2d),
                "'model_weights/c1@weight_names' is not a list of strings")

    def one_weight(f):
        f["model_weights/c2"].attrs["weight_names"] = [b"c2/kernel:0"]
    expect_fail(exe, h5_file(d, "one-weight.h5", edit=one_weight),
                "layer 'c2' (Conv2D): the weights file holds 1 variables for it, expected 2")


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        zip_cases(exe, d)
        json_cases(exe, d)
        graph_cases(exe, d)
        h5_weight_cases(exe, d)
        valid_variants(exe, d)
        legacy_cases(exe, d)
    print("%d checks, %d failures, %d distinct messages" % (checks, len(failures), len(messages)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
