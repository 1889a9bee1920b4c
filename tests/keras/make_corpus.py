#!/usr/bin/python3
"""Writes the seed corpus of the Keras fuzz target (tests/data/keras):
small models as .keras (Keras 3, tf-keras 2.13), legacy .h5, and bundles
(a .keras's parts without the zip, fuzz-keras.c's third way in).

    /usr/bin/python3 tests/keras/make_corpus.py tests/data/keras"""
import io
import os
import struct
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kerasfiles as kf  # noqa: E402


def models():
    seq = kf.sequential("seq", (8, 8, 3), [
        kf.rescaling("rs", 1 / 255.0),
        kf.conv2d("c1", 3, 2, 3, strides=2, padding="same", activation="relu"),
        kf.batchnorm("bn", 2),
        kf.depthwise("dw", 2, 3, padding="same"),
        kf.relu("r", max_value=6.0),
        kf.maxpool("mp", 2),
        kf.zeropad("zp", 1),
        kf.avgpool("ap", 2, 1, "same")])
    inner = kf.sequential("inner", (8, 8, 4), [kf.conv2d("ic", 4, 2, 1)])
    fun = kf.functional("fun", (8, 8, 3), [
        kf.normalization("nm", [0.5, 0.4, 0.3], [0.1, 0.2, 0.3], inputs=["input_layer"]),
        kf.conv2d("a", 3, 2, 3, padding="same", inputs=["nm"]),
        kf.conv2d("b", 3, 2, 1, inputs=["nm"]),
        kf.add("sum", ["a", "b"]),
        kf.concat("cat", ["sum", "a"]),
        kf.nested(inner, inputs=["cat"]),
        kf.leaky("lk", 0.1, inputs=["inner"])])
    return seq, fun


def bundle(keras_path, out):
    with zipfile.ZipFile(keras_path) as zf:
        config = zf.read("config.json")
        meta = zf.read("metadata.json")
        h5 = zf.read("model.weights.h5")
    with open(out, "wb") as f:
        f.write(b"FMKB" + struct.pack("<I", len(config)) + config
                + struct.pack("<I", len(meta)) + meta + h5)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for m in models():
        k3 = os.path.join(out, m.name + ".keras")
        kf.save_keras(m, k3, "keras3")
        kf.save_keras(m, os.path.join(out, m.name + "-tf213.keras"), "tf2.13")
        kf.save_h5(m, os.path.join(out, m.name + ".h5"), "2.13.1")
        bundle(k3, os.path.join(out, m.name + ".bundle"))


if __name__ == "__main__":
    main()
