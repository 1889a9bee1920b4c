#!/usr/bin/python3
"""Hostile input through the command line, one class at a time
(docs/robustness.md lists the classes and what each must do).  Every case
is refused by the rules in hostile.py: exit status 2, one escaped line that
names the real cause, nothing written, inputs unchanged, no hang, peak
memory bounded.  Kernel cases run both as `apply -k` and as `info`.

    test_hostile.py FEATUREMAPS [CLASS…]
"""
import os
import shutil
import sys
import tempfile

import numpy as np

import crafted
import hostile

HERE = os.path.dirname(os.path.abspath(__file__))
NEST = 100000


def deep(prefix, opener="[", closer="]", n=NEST, suffix=""):
    return prefix + opener * n + closer * n + suffix


# ---- the classes: name → (setup(D), [(label, argv, expect, rss_mb)]) --------
# In argv, "K:" marks a kernel case (run as apply -k and as info), "M:" a
# model (apply -k MODEL#conv1, and info); "D/" is the case folder.

def json_depth(d):
    w = crafted.write
    w(d, "sq-string.json", deep("['\"', ", suffix="]"))
    w(d, "sq-key.json", deep("{'\"': ", suffix="}"))
    w(d, "comment.json", deep("/* [ */ "))
    w(d, "line-comment.json", deep("// [\n"))
    w(d, "plain.json", deep(""))
    w(d, "objects.json", '{"a":' * NEST + "1" + "}" * NEST)
    w(d, "in-weights.json", '{"filters": [{"weights": ' + deep("") + "}]}")
    w(d, "unclosed.json", "[" * (4 * NEST))
    return [
        ("single-quoted string", "K:D/sq-string.json", ["sq-string.json", "not valid JSON"]),
        ("single-quoted key", "K:D/sq-key.json", ["sq-key.json", "not valid JSON"]),
        ("block comment", "K:D/comment.json", ["comment.json", "not valid JSON"]),
        ("line comment", "K:D/line-comment.json", ["line-comment.json", "not valid JSON"]),
        ("plain arrays", "K:D/plain.json", ["plain.json", ("nest", "deep")]),
        ("objects", "K:D/objects.json", ["objects.json", ("nest", "deep")]),
        ("inside weights", "K:D/in-weights.json", ["in-weights.json", ("nest", "deep")]),
        ("unclosed", "K:D/unclosed.json", ["unclosed.json", ("nest", "deep", "end")]),
    ]


def not_regular(d):
    for name in ("fifo.json", "fifo.npy", "fifo.npz", "fifo.txt", "fifo", "fifo-in.npy",
                 "fifo-in.png", "fifo-in"):
        os.mkfifo(os.path.join(d, name))
    for name in ("zero.json", "zero.npy", "zero.npz", "zero.txt", "zero-in.npy", "zero-in.png"):
        os.symlink("/dev/zero", os.path.join(d, name))
    os.symlink("/dev/urandom", os.path.join(d, "random.json"))
    os.mkdir(os.path.join(d, "folder.json"))
    os.mkdir(os.path.join(d, "folder.png"))
    os.symlink("loop-b", os.path.join(d, "loop-a.json"))
    os.symlink("loop-a.json", os.path.join(d, "loop-b"))
    np.save(os.path.join(d, "in.npy"), np.ones((8, 8), np.float32))
    fifo = ("FIFO", "named pipe")
    return [
        ("FIFO .json kernel", "K:D/fifo.json", ["fifo.json", fifo]),
        ("FIFO .npy kernel", "K:D/fifo.npy", ["fifo.npy", fifo]),
        ("FIFO .npz kernel", "K:D/fifo.npz", ["fifo.npz", fifo]),
        ("FIFO .txt kernel", "K:D/fifo.txt", ["fifo.txt", fifo]),
        ("FIFO kernel without extension", "K:D/fifo", ["fifo", fifo]),
        ("FIFO .npy input", "apply -k sobel -i D/fifo-in.npy -o D/out.npy", ["fifo-in.npy", fifo]),
        ("FIFO .png input", "apply -k sobel -i D/fifo-in.png -o D/out.npy", ["fifo-in.png", fifo]),
        ("FIFO input without extension", "apply -k sobel -i D/fifo-in -o D/out.npy", ["fifo-in", fifo]),
        ("/dev/zero as .json", "K:D/zero.json", ["zero.json", "character device"]),
        ("/dev/zero as .npy", "K:D/zero.npy", ["zero.npy", "character device"]),
        ("/dev/zero as .npz", "K:D/zero.npz", ["zero.npz", "character device"]),
        ("/dev/zero as .txt", "K:D/zero.txt", ["zero.txt", "character device"]),
        ("/dev/zero itself", "K:/dev/zero", ["/dev/zero", "character device"]),
        ("/dev/urandom as .json", "K:D/random.json", ["random.json", "character device"]),
        ("/dev/zero as .npy input", "apply -k sobel -i D/zero-in.npy -o D/out.npy",
         ["zero-in.npy", "character device"]),
        ("/dev/zero as .png input", "apply -k sobel -i D/zero-in.png -o D/out.npy",
         ["zero-in.png", "character device"]),
        ("folder as kernel", "K:D/folder.json", ["folder.json", ("directory", "folder")]),
        ("folder as input", "apply -k sobel -i D/folder.png -o D/out.npy",
         ["folder.png", ("directory", "folder")]),
        ("symlink loop kernel", "K:D/loop-a.json", ["loop-a.json", "symbolic links"]),
        ("symlink loop input", "apply -k sobel -i D/loop-b -o D/out.npy", ["loop-b", "symbolic links"]),
    ]


def npz_amplification(d):
    crafted.npz_overlap_bomb(d, "overlap.npz", entries=1000, member_mb=2)
    # 1 GB of f4 in a shape a bank may have (1024 × 1024 kernels, 16 × 16
    # channels and filters): about 1 MB deflated
    crafted.npz_streamed(d, "declares-1gb.npz", crafted.npy_header("<f4", "(1024, 1024, 16, 16)"), 1 << 30)
    # 256 MB of u1 that would be 1 GB as floats
    crafted.npz_streamed(d, "u1-256mb.npz", crafted.npy_header("|u1", "(1024, 1024, 16, 16)"), 1 << 28)
    # a kernel larger than any bank allows, whatever its bytes
    crafted.npz_streamed(d, "kernel-16k.npz", crafted.npy_header("<f4", "(16384, 16384)"), 1 << 30)
    # header says little, data is big: the header is what is checked first
    crafted.npz_streamed(d, "lying-header.npz", crafted.npy_header("<f4", "(3, 3)"), 1 << 28)
    crafted.npz_members(d, "many-members.npz", [b"layer%04d_gamma.npy" % i for i in range(1000)],
                        np.ones(2, "<f4"))
    crafted.npz_members(d, "control-names.npz", [b"ker\x1b[2Jnel\x07.npy", b"\xff\xfe.npy"],
                        np.ones(2, "<f4"))
    crafted.npz_bad_crc(d, "bad-crc.npz")
    crafted.write(d, "empty.npz", b"")
    crafted.write(d, "eocd-only.npz", crafted.zip_end(65535, 0, 0))
    return [
        ("1000 entries on one member", "K:D/overlap.npz", ["overlap.npz", ("share bytes", "twice")], 256),
        ("declares 1 GB", "K:D/declares-1gb.npz", ["declares-1gb.npz", ("too large", "larger", "more than", "at most")], 256),
        ("256 MB of u1", "K:D/u1-256mb.npz", ["u1-256mb.npz", ("too large", "larger", "more than", "at most")], 256),
        ("16384 × 16384 kernel", "K:D/kernel-16k.npz", ["kernel-16k.npz", "at most 1024 × 1024"], 256),
        ("data beyond the header", "K:D/lying-header.npz", ["lying-header.npz"], 256),
        ("1000 members", "K:D/many-members.npz", ["many-members.npz", "more"]),
        ("control characters in names", "K:D/control-names.npz", ["control-names.npz"]),
        ("bad CRC", "K:D/bad-crc.npz", ["bad-crc.npz", "CRC"]),
        ("0 bytes", "K:D/empty.npz", ["empty.npz", "empty"]),
        ("directory that is not there", "K:D/eocd-only.npz", ["eocd-only.npz"]),
    ]


def json_size(d):
    crafted.write(d, "30m-numbers.json", '{"filters": [{"weights": [' + ",".join(["1"] * 30000000) + "]}]}")
    crafted.write(d, "3m-rows.json", '{"filters": [{"weights": [' + ",".join(["[1,2,3]"] * 3000000) + "]}]}")
    crafted.write(d, "long-string.json", '{"name": "' + "a" * 60000000 + '", "filters": []}')
    crafted.write(d, "80mb.json", '{"filters": [{"weights": [' + ",".join(["1.5"] * 20000000) + "]}]}")
    crafted.write(d, "1m-filters.json", '{"filters": [' + ",".join(['{"weights": [[1]]}'] * 1000000) + "]}")
    big = ("too large", "more than", "at most")
    return [
        ("30 M numbers", "K:D/30m-numbers.json", ["30m-numbers.json", big], 256),
        ("3 M rows", "K:D/3m-rows.json", ["3m-rows.json", big], 256),
        ("60 MB string", "K:D/long-string.json", ["long-string.json"], 256),
        ("80 MB file", "K:D/80mb.json", ["80mb.json", big], 256),
        ("1 M filters", "K:D/1m-filters.json", ["1m-filters.json", big], 256),
    ]


def same_file(d):
    np.save(os.path.join(d, "x.npy"), np.random.default_rng(1).random((16, 16)).astype(np.float32))
    np.save(os.path.join(d, "k.npy"), np.ones((3, 3), np.float32))
    os.link(os.path.join(d, "x.npy"), os.path.join(d, "hard.npy"))
    os.symlink("x.npy", os.path.join(d, "soft.npy"))
    os.mkdir(os.path.join(d, "sub"))
    os.symlink("..", os.path.join(d, "sub", "up"))
    os.mkdir(os.path.join(d, "maps"))
    crafted.png_good(os.path.join(d, "maps", "x.png"))
    same = "is the input"
    return [
        ("output is the input", "apply -k sobel -i D/x.npy -o D/x.npy", ["x.npy", same]),
        ("output is a hard link to the input", "apply -k sobel -i D/x.npy -o D/hard.npy", ["hard.npy", same]),
        ("output is a symlink to the input", "apply -k sobel -i D/x.npy -o D/soft.npy", ["soft.npy", same]),
        ("output reaches the input through ..", "apply -k sobel -i D/x.npy -o D/sub/up/x.npy", ["x.npy", same]),
        ("output is the kernel", "apply -k D/k.npy -i D/x.npy -o D/k.npy", ["k.npy", same]),
        ("a map file is the input", "apply -k sobel -i D/maps/x.png -o D/maps", ["x.png", same]),
    ]


def batch_same_file(d):
    """Folder mode (apply -o OUTDIR IN…): an output that is any input of the
    batch (a later one, one of another shard) or the kernel, and two inputs
    that would write one output, are refused before anything is written."""
    os.mkdir(os.path.join(d, "in"))
    for name in ("a.png", "b.png", "c.png", "kz.png"):
        crafted.png_good(os.path.join(d, "in", name))
    np.save(os.path.join(d, "z.npy"), np.ones((8, 8), np.float32))
    # a later input (z.npy, sorted after a.png) under the name a.png's output takes
    os.link(os.path.join(d, "z.npy"), os.path.join(d, "a.npy"))
    np.save(os.path.join(d, "kz.npy"), np.ones((3, 3), np.float32))
    # --each images: a later input inside the first input's output folder
    os.makedirs(os.path.join(d, "out", "b"))
    os.link(os.path.join(d, "in", "c.png"), os.path.join(d, "out", "b", "sobel-x.png"))
    same = "is the input"
    return [
        ("output is a later input", "apply -k sobel -o D/. D/in/a.png D/z.npy", ["a.npy", same]),
        ("output is an input of another shard",
         "apply -k sobel --shard 1/2 -o D/. D/in/a.png D/z.npy", ["a.npy", same]),
        ("output is the kernel, after other inputs",
         "apply -k D/kz.npy -o D/. D/in/b.png D/in/kz.png",
         ["kz.npy", same]),
        ("output folder holds a later input", "apply -k sobel --each images -o D/out D/in/b.png D/in/c.png",
         ["c.png", same]),
        ("two inputs, one stem, in two shards",
         "apply -k sobel --shard 2/2 -o D/o D/in/a.png D/in/b.png D/in/c.png D/z.npy D/a.npy",
         ["would both be written"]),
    ]


def outputs_of_reads(d):
    """summary -o, info --sheet and learn -o: no output may be any file the
    run reads, the model's weights beside its description included."""
    model = os.path.join(os.path.dirname(os.path.dirname(HERE)), "models", "tiny-cnn")
    for name in ("tiny-cnn.stack.json", "tiny-cnn.safetensors"):
        shutil.copy(os.path.join(model, name), os.path.join(d, name))
    os.symlink("tiny-cnn.safetensors", os.path.join(d, "weights.png"))
    os.link(os.path.join(d, "tiny-cnn.safetensors"), os.path.join(d, "hard.png"))
    crafted.png_good(os.path.join(d, "a.png"))
    crafted.png_good(os.path.join(d, "b.png"))
    os.symlink("b.png", os.path.join(d, "bank.json"))
    same = "is the input"
    return [
        ("summary -o is the weights (symlink)",
         "summary D/tiny-cnn.stack.json#relu1 -i D/a.png -o D/weights.png", ["weights.png", same]),
        ("summary -o is the weights (hard link)",
         "summary D/tiny-cnn.stack.json#relu1 -i D/a.png -o D/hard.png", ["hard.png", same]),
        ("info --sheet is the weights",
         "info D/tiny-cnn.stack.json#conv1 --sheet D/weights.png", ["weights.png", same]),
        ("learn -o is an input", "learn --size 3x3 --method pca --filters 2 --patches D/a.png D/b.png -o D/bank.json",
         ["bank.json", "is an input"]),
    ]


def model_readers(d):
    """The classes above on the network readers (ONNX, safetensors, stack
    descriptions and the weights they name, .npz state dicts, Keras .keras
    and .h5): FIFOs, devices, loops, lying lengths, zip bombs, nesting."""
    import json
    import struct
    model = os.path.join(os.path.dirname(os.path.dirname(HERE)), "models", "tiny-cnn")
    with open(os.path.join(model, "tiny-cnn.stack.json")) as f:
        stack = json.load(f)
    exts = ("onnx", "safetensors", "keras", "h5")
    for e in exts:
        os.mkfifo(os.path.join(d, "fifo." + e))
        os.symlink("/dev/zero", os.path.join(d, "zero." + e))
    os.symlink("loop-b.onnx", os.path.join(d, "loop-a.onnx"))
    os.symlink("loop-a.onnx", os.path.join(d, "loop-b.onnx"))
    for name, weights in (("w-fifo", "fifo.safetensors"), ("w-zero", "zero.safetensors"),
                          ("w-bomb", "bomb.npz"), ("w-huge", "huge-header.safetensors"),
                          ("w-self", "w-self.stack.json")):
        crafted.write(d, name + ".stack.json", json.dumps(dict(stack, weights=weights)))
    crafted.npz_overlap_bomb(d, "bomb.npz", entries=1000, member_mb=2)
    crafted.npz_overlap_bomb(d, "bomb.keras", entries=1000, member_mb=2)
    # safetensors: a header length of 2^62, and a tensor far past the end
    crafted.write(d, "huge-header.safetensors", struct.pack("<Q", 1 << 62) + b"{}")
    head = json.dumps({"conv1.weight": {"dtype": "F32", "shape": [1 << 20, 1 << 20],
                                        "data_offsets": [0, 1 << 42]}}).encode()
    crafted.write(d, "huge-tensor.safetensors", struct.pack("<Q", len(head)) + head)
    # ONNX: ModelProto.graph (field 7) claiming 2^40 bytes
    def varint(n):
        out = b""
        while True:
            out += bytes([(n & 0x7f) | (0x80 if n > 0x7f else 0)])
            n >>= 7
            if not n:
                return out
    crafted.write(d, "huge-graph.onnx", b"\x08\x07" + b"\x3a" + varint(1 << 40) + b"\x0a\x01")
    crafted.write(d, "deep.stack.json", '{"format": "featuremaps-stack", "version": 1, "layers": '
                  + deep("") + "}")
    crafted.write(d, "sq.stack.json", deep("['\"', ", suffix="]"))
    fifo = ("FIFO", "named pipe")
    big = ("too large", "more than", "at most", "larger", "past", "beyond", "end", "limit")
    cases = []
    for e in exts:
        cases += [("FIFO ." + e, "M:D/fifo." + e, ["fifo." + e, fifo]),
                  ("/dev/zero as ." + e, "M:D/zero." + e, ["zero." + e, "character device"])]
    cases += [
        ("symlink loop .onnx", "M:D/loop-a.onnx", ["loop-a.onnx", "symbolic links"]),
        ("stack naming a FIFO", "M:D/w-fifo.stack.json", ["fifo.safetensors", fifo]),
        ("stack naming /dev/zero", "M:D/w-zero.stack.json", ["zero.safetensors", ("character device", "symlink")]),
        ("stack naming a zip bomb", "M:D/w-bomb.stack.json", ["bomb.npz", ("share bytes", "twice")], 256),
        ("stack naming a 2^62 header", "M:D/w-huge.stack.json", ["huge-header.safetensors", big], 256),
        ("stack naming itself", "M:D/w-self.stack.json", ["w-self.stack.json"]),
        ("safetensors header of 2^62", "M:D/huge-header.safetensors", ["huge-header.safetensors", big + ("without layers",)], 256),
        ("safetensors tensor of 2^40 floats", "M:D/huge-tensor.safetensors", ["huge-tensor.safetensors"], 256),
        ("ONNX graph of 2^40 bytes", "M:D/huge-graph.onnx", ["huge-graph.onnx"], 256),
        (".keras zip bomb", "M:D/bomb.keras", ["bomb.keras", ("share bytes", "twice")], 256),
        ("stack nesting", "M:D/deep.stack.json", ["deep.stack.json", ("nest", "deep")]),
        ("stack behind a single quote", "M:D/sq.stack.json", ["sq.stack.json", ("not valid JSON", "picks a layer")]),
    ]
    return cases


def duplicate_keys(d):
    w = crafted.write
    w(d, "dup-weights.json", '{"filters": [{"weights": [[1]], "weights": [[2]]}]}')
    w(d, "dup-filters.json", '{"filters": [{"weights": [[1]]}], "filters": [{"weights": [[2]]}]}')
    w(d, "dup-escaped.json", '{"filters": [{"weights": [[1]], "weight\\u0073": [[2]]}]}')
    w(d, "dup-defaults.json", '{"defaults": {"padding": "same", "padding": "valid"}, '
                              '"filters": [{"weights": [[1]]}]}')
    return [
        ("two weights", "K:D/dup-weights.json", ["dup-weights.json", "twice"]),
        ("two filters", "K:D/dup-filters.json", ["dup-filters.json", "twice"]),
        ("escaped duplicate", "K:D/dup-escaped.json", ["dup-escaped.json", "twice"]),
        ("duplicate in defaults", "K:D/dup-defaults.json", ["dup-defaults.json", "twice"]),
    ]


def messages(d):
    w = crafted.write
    np.save(os.path.join(d, "x.npy"), np.ones((8, 8), np.float32))
    w(d, "lone-surrogate.json", '{"name": "\\ud800", "filters": [{"weights": [[1]]}]}')
    w(d, "raw-control.json", '{"name": "a\x01\x1b[31m", "filters": [{"weights": [[1]]}]}')
    w(d, "bad-utf8.json", b'{"name": "\xff\xfe", "filters": [{"weights": [[1]]}]}')
    w(d, "ctl\x1b[31mname.json", "{")
    w(d, b"latin\xe9.json".decode("utf-8", "surrogateescape"), "{")
    long_dir = "D/" + "/".join(["d" * 200] * 30)
    return [
        ("lone surrogate in a name", "K:D/lone-surrogate.json", ["lone-surrogate.json", "surrogate"]),
        ("raw control character", "K:D/raw-control.json", ["raw-control.json", "control"]),
        ("invalid UTF-8", "K:D/bad-utf8.json", ["bad-utf8.json", "UTF-8"]),
        ("control characters in a file name", "K:D/ctl\x1b[31mname.json", ["\\x1b", "not valid JSON"]),
        ("invalid UTF-8 in a file name", ["info", b"D/latin\xe9.json"], ["latin", "not valid JSON"]),
        ("inline matrix with \\x01", ["apply", "-k", "1,2;3,\x01", "-i", "D/x.npy", "-o", "D/o.npy"], "\\x01"),
        ("5000-character output name", "apply -k sobel -i D/x.npy -o D/" + "a" * 5000 + ".npy", "too long"),
        ("6000-character output path", "apply -k sobel -i D/x.npy -o " + long_dir + "/o.npy",
         ("too long", "does not exist")),
        ("5000-character kernel name", "K:D/" + "k" * 5000 + ".json", "too long"),
        ("output folder is a file", "apply -k sobel -i D/x.npy -o D/x.npy/o.npy", "not a folder"),
    ]


def images(d):
    np.save(os.path.join(d, "x.npy"), np.ones((8, 8), np.float32))
    crafted.png_claiming(d, "claims-100k.png", 100000, 100000)
    crafted.png_claiming(d, "claims-2g-wide.png", 2147483647, 1)
    crafted.tiff_claiming(d, "claims-100k.tif", 100000, 100000)
    crafted.write(d, "claims-100k.ppm", b"P6\n100000 100000\n255\n" + b"\x80" * 300)
    crafted.write(d, "claims-100k.pgm", b"P5 100000 100000 65535\n" + b"\x80" * 300)
    crafted.write(d, "garbage.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00" + b"garbage!" * 4 + b"\x3b")
    crafted.png_honest(d, "honest-2mp.png", 2048, 1024)
    crafted.png_truncated(d, "truncated.png")
    crafted.write(d, "header-only.png", b"\x89PNG\r\n\x1a\n")
    bad = ("damaged", "truncated", "corrupt", "not an image", "cannot read", "could not read", "failed")
    large = ("pixels", "too large", "larger than", "limit")
    return [
        ("PNG claims 100000 × 100000", "apply -k sobel -i D/claims-100k.png -o D/o.npy",
         ["claims-100k.png", large + bad], 1024),
        ("PNG claims 2^31 × 1", "apply -k sobel -i D/claims-2g-wide.png -o D/o.npy",
         ["claims-2g-wide.png", large + bad], 1024),
        ("TIFF claims 100000 × 100000", "apply -k sobel -i D/claims-100k.tif -o D/o.npy",
         ["claims-100k.tif", large + bad], 1024),
        ("PPM claims 100000 × 100000", "apply -k sobel -i D/claims-100k.ppm -o D/o.npy",
         ["claims-100k.ppm", large + bad], 1024),
        ("PGM claims 100000 × 100000", "apply -k sobel -i D/claims-100k.pgm -o D/o.npy",
         ["claims-100k.pgm", large + bad], 1024),
        # the budget, lowered to 1 Mpixel so that the test stays small
        ("PNG honestly over the pixel budget", "apply -k sobel -i D/honest-2mp.png -o D/o.npy",
         ["honest-2mp.png", "FEATUREMAPS_MAX_MPIXELS"], 1024, {"FEATUREMAPS_MAX_MPIXELS": "1"}),
        ("garbage with a GIF header", "apply -k sobel -i D/garbage.gif -o D/o.npy",
         ["garbage.gif", bad], 1024),
        ("truncated PNG", "apply -k sobel -i D/truncated.png -o D/maps", ["truncated.png", bad], 1024),
        ("PNG signature only", "apply -k sobel -i D/header-only.png -o D/o.npy",
         ["header-only.png", bad], 1024),
    ]


CLASSES = {
    "json-depth": json_depth,
    "not-regular": not_regular,
    "npz-amplification": npz_amplification,
    "json-size": json_size,
    "same-file": same_file,
    "batch-same-file": batch_same_file,
    "outputs-of-reads": outputs_of_reads,
    "model-readers": model_readers,
    "duplicate-keys": duplicate_keys,
    "messages": messages,
    "images": images,
}


def expand(argv, d):
    """The argument vectors of one case (two for a kernel case)."""
    if isinstance(argv, list):
        vectors = [argv]
    elif argv.startswith("M:"):
        m = argv[2:]
        vectors = [["apply", "-k", m + "#conv1", "-i", "D/x.npy", "-o", "D/maps.npy"], ["info", m]]
    elif argv.startswith("K:"):
        k = argv[2:]
        vectors = [["apply", "-k", k, "-i", "D/x.npy", "-o", "D/maps.npy"], ["info", k]]
    else:
        vectors = [argv.split(" ")]
    out = []
    for v in vectors:
        out.append([a.replace(b"D/", d.encode() + b"/") if isinstance(a, bytes)
                    else a.replace("D/", d + "/") for a in v])
    return out


def main():
    exe = os.path.abspath(sys.argv[1])
    only = sys.argv[2:]
    report = hostile.Report("hostile")
    cap_as = not hostile.sanitized(exe)
    scale = hostile.rss_scale(exe)
    for name, setup in CLASSES.items():
        if only and name not in only:
            continue
        d = tempfile.mkdtemp(prefix="fm-hostile-%s-" % name)
        try:
            cases = setup(d)
            if not os.path.exists(os.path.join(d, "x.npy")):
                np.save(os.path.join(d, "x.npy"), np.ones((8, 8), np.float32))
            for case in cases:
                label, argv, expect = case[:3]
                rss_mb = (case[3] if len(case) > 3 else hostile.DEFAULT_RSS_MB) * scale
                env = case[4] if len(case) > 4 else None
                failed = len(report.failed)
                for v in expand(argv, d):
                    what = "%s / %s (%s)" % (name, label, v[0])
                    before = hostile.snapshot(d)
                    status, out, err, rss, secs = hostile.run(exe, v, d, rss_mb, cap_as, env)
                    after = hostile.snapshot(d)
                    hostile.check_refusal(report, what, status, out, err, rss, rss_mb, expect,
                                          before, after)
                    if before != after:  # the next case starts from the same folder
                        shutil.rmtree(d)
                        os.mkdir(d)
                        setup(d)
                        if not os.path.exists(os.path.join(d, "x.npy")):
                            np.save(os.path.join(d, "x.npy"), np.ones((8, 8), np.float32))
                print("ok" if len(report.failed) == failed else "--", what, "%.1f s" % secs,
                      "%.0f MB" % rss, flush=True)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    report.finish()


if __name__ == "__main__":
    main()
