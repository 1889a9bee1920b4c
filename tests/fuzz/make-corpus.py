#!/usr/bin/python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/):
small files that reach each parser's corners, hostile ones first — the
classes docs/robustness.md lists.  What the fuzzers find is added beside
these by hand (named after what it found).  Run from anywhere:
    /usr/bin/python3 tests/fuzz/make-corpus.py
"""
import io
import os
import struct
import zipfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- JSON banks ------------------------------------------------------------
BANK = '{"name": "b", "filters": [{"name": "v", "weights": [[0,1,0],[0,1,0],[0,1,0]], "bias": 0.5}]}'
out("json", "bank.json", BANK)
out("json", "bank-3d.json", '{"filters": [{"weights": [[[1,2,3],[4,5,6]]]}], "input": "rgb", '
    '"defaults": {"padding": "same", "mapping": "normalize"}, "stride": [1, 2], "mean": [0.5, 0.5, 0.5]}')
out("json", "deep-quote.json", "['\"', " + "[" * 200 + "]" * 200 + "]")
out("json", "deep-comment.json", "/* [ */ " + "[" * 100 + "]" * 100)
out("json", "deep-line-comment.json", "// [\n" + "{\"a\":" * 50 + "1" + "}" * 50)
out("json", "deep-sq-key.json", "{'\"': " + "[" * 100 + "]" * 100 + "}")
out("json", "deep-33.json", "[" * 33 + "]" * 33)
out("json", "deep-32.json", "[" * 32 + "]" * 32)
out("json", "dup-key.json", '{"filters": [{"weights": [[1]], "weights": [[2]]}]}')
out("json", "dup-escaped-key.json", '{"name": "a", "n\\u0061me": "b", "filters": [{"weights": [[1]]}]}')
out("json", "surrogate-lone.json", '{"name": "\\ud800", "filters": [{"weights": [[1]]}]}')
out("json", "surrogate-low.json", '{"name": "\\udc00x", "filters": [{"weights": [[1]]}]}')
out("json", "surrogate-pair.json", '{"name": "\\ud83d\\ude00", "filters": [{"weights": [[1]]}]}')
out("json", "nul-escape.json", '{"name": "a\\u0000b", "filters": [{"weights": [[1]]}]}')
out("json", "control-escape.json", '{"name": "a\\u0001\\u001b[31m", "filters": [{"name": "\\u202e", "weights": [[1]]}]}')
out("json", "raw-control.json", '{"name": "a\x01b", "filters": [{"weights": [[1]]}]}')
out("json", "bom.json", "\ufeff" + BANK)
out("json", "trailing-comma.json", '{"filters": [{"weights": [[1],]}],}')
out("json", "numbers.json", '[0, -0, 1e999, -1e-999, 123456789012345678901234567890, 1.5E+3, 0.0000001]')
out("json", "bad-numbers.json", '[01, 0x1f, .5, 1., +1, -, 1e, NaN, Infinity]')
out("json", "hex-number.json", '{"filters": [{"weights": [[0x10]]}]}')
out("json", "literals.json", '[true, false, null, tru, nul]')
out("json", "empty.json", "")
out("json", "spaces.json", " \n\t\r ")
out("json", "scalar.json", "42")
out("json", "escapes.json", '{"name": "\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9", "filters": [{"weights": [[1]]}]}')
out("json", "bad-escape.json", '{"name": "\\q", "filters": [{"weights": [[1]]}]}')
out("json", "unclosed-string.json", '{"name": "abc')
out("json", "many-values.json", "[" + ",".join(["0"] * 5000) + "]")
out("json", "wide-object.json", "{" + ",".join('"k%d": %d' % (i, i) for i in range(500)) + "}")
out("json", "nan-weight.json", '{"filters": [{"weights": [[1e39]]}]}')
out("json", "not-utf8.json", b'{"name": "\xff\xfe", "filters": [{"weights": [[1]]}]}')

# ---- inline matrices -------------------------------------------------------
for i, text in enumerate([
        "0,1,0; 0,1,0; 0,1,0", "1 2 1", "1,2|3,4", "0,1,0; 0,1,0 | 0,0,0; 1,1,1",
        "1e999", "nan", "inf", "0x10", "1,,2", "|||", ";;;", "1;2,3", "1|2,3",
        "-0.5e-3, +1", "1" * 400, ",".join(["1"] * 2000), "1\n2\n3", "1,\x01,2",
        "\xe9", "1e38,-1e38", "3.4028236e38"]):
    out("inline", "case-%02d.txt" % i, text)

# ---- a layer's bracket: channel pick and summary word ------------------------
for i, text in enumerate([
        "conv2", "conv2[0-7,12]", "conv2[summary]", "conv2[summary,0-7]",
        "conv2[ 3 , summary ,5]", "conv2[summary,]", "conv2[summary,a]",
        "/features/features.3/Conv[summary]", "a[1][summary]", "x[7-3,summary]",
        "conv2[65536,summary]", "[summary]"]):
    out("pick", "case-%02d.txt" % i, text)


# ---- .npy ------------------------------------------------------------------
def npy_bytes(arr, **kw):
    b = io.BytesIO()
    np.save(b, arr, **kw)
    return b.getvalue()


def npy_header(descr, shape, fortran=False, version=1, data=b"", pad=True):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape)
    if pad:
        while (len(d) + 11) % 64:
            d += " "
    d += "\n"
    h = d.encode("latin-1")
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(h)) + h + data


rng = np.random.default_rng(7)
out("npy", "f4-3x3.npy", npy_bytes(rng.standard_normal((3, 3)).astype("<f4")))
out("npy", "f8-be.npy", npy_bytes(rng.standard_normal((2, 3, 1, 2)).astype(">f8")))
out("npy", "f2.npy", npy_bytes(rng.standard_normal((3, 3, 1, 1)).astype("<f2")))
out("npy", "u1-image.npy", npy_bytes(rng.integers(0, 255, (4, 5, 3)).astype("u1")))
out("npy", "i8.npy", npy_bytes(np.arange(6, dtype="<i8").reshape(2, 3)))
out("npy", "bool.npy", npy_bytes(np.array([[True, False]])))
out("npy", "fortran.npy", npy_bytes(np.asfortranarray(rng.standard_normal((3, 4, 2)).astype("<f4"))))
out("npy", "v2.npy", npy_header("<f4", "(2,)", version=2, data=b"\0" * 8))
out("npy", "v3.npy", npy_header("<f4", "(2,)", version=3, data=b"\0" * 8))
out("npy", "v9.npy", npy_header("<f4", "(2,)", version=9, data=b"\0" * 8))
out("npy", "scalar.npy", npy_bytes(np.float32(3)))
out("npy", "empty-shape.npy", npy_header("<f4", "(0, 3)"))
out("npy", "huge-claim.npy", npy_header("<f4", "(100000, 100000)", data=b"\0" * 16))
out("npy", "overflow.npy", npy_header("<f8", "(4294967296, 4294967296, 4294967296)"))
out("npy", "nine-dims.npy", npy_header("<f4", "(1,1,1,1,1,1,1,1,1)", data=b"\0" * 4))
out("npy", "object.npy", npy_header("|O", "(1,)", data=b"\0" * 8))
out("npy", "structured.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 60)
    + b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"[:60] + b"\0" * 4)
out("npy", "bad-descr.npy", npy_header("<c8", "(1,)", data=b"\0" * 8))
out("npy", "weird-key.npy", npy_header("<f4", "(1,)", data=b"\0" * 4).replace(b"'descr'", b"'d\xffscr'"))
out("npy", "long-header.npy", b"\x93NUMPY\x02\x00" + struct.pack("<I", 0x7fffffff) + b"{")
out("npy", "trailing.npy", npy_bytes(np.zeros(2, "<f4")) + b"xx")
out("npy", "truncated.npy", npy_bytes(np.zeros((8, 8), "<f4"))[:-5])
out("npy", "zero-bytes.npy", b"")
out("npy", "python2-long.npy", npy_header("<f4", "(2L, 1L)", data=b"\0" * 8))

# ---- .npz (zip) -----------------------------------------------------------


def npz_bytes(arrays, compressed=True):
    b = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(b, **arrays)
    return b.getvalue()


k = rng.standard_normal((3, 3, 1, 4)).astype("<f4")
out("npz", "keras.npz", npz_bytes({"kernel": k, "bias": np.zeros(4, "<f4")}))
out("npz", "torch-stored.npz", npz_bytes({"weight": k.transpose(3, 2, 0, 1).copy(),
                                         "bias": np.ones(4, "<f4")}, compressed=False))
out("npz", "u1-members.npz", npz_bytes({"kernel": np.ones((3, 3), "u1")}))
out("npz", "empty-archive.npz", b"PK\x05\x06" + b"\0" * 18)
out("npz", "zero-bytes.npz", b"")


def zip_local(name, data, method, crc=None, usize=None):
    comp = data if method == 0 else zlib.compress(data, 9)[2:-4]
    crc = zlib.crc32(data) if crc is None else crc
    usize = len(data) if usize is None else usize
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, method, 0, 0, crc, len(comp),
                        usize, len(name), 0) + name
    return local, comp, crc, len(comp), usize


def zip_central(name, method, crc, csize, usize, offset, flags=0):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, flags, method, 0, 0, crc,
                       csize, usize, len(name), 0, 0, 0, 0, 0, offset) + name


def zip_end(n, cd_size, cd_offset):
    return struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, cd_size, cd_offset, 0)


# one deflated member, many directory entries pointing at it: the bomb
member = npy_bytes(np.zeros((64, 64), "u1"))
local, comp, crc, csize, usize = zip_local(b"kernel.npy", member, 8)
body = local + comp
cd = b"".join(zip_central(b"k%03d.npy" % i, 8, crc, csize, usize, 0) for i in range(50))
out("npz", "overlap-bomb.npz", body + cd + zip_end(50, len(cd), len(body)))
cd = b"".join(zip_central(b"kernel.npy", 8, crc, csize, usize, 0) for i in range(3))
out("npz", "duplicate-entries.npz", body + cd + zip_end(3, len(cd), len(body)))
# a member that declares 1 GB (an honest deflate ratio would need 1 MB of data)
big = npy_header("<f4", "(16384, 16384)")
local, comp, crc, csize, usize = zip_local(b"kernel.npy", big, 8, usize=1 << 30)
body = local + comp
cd = zip_central(b"kernel.npy", 8, crc, csize, 1 << 30, 0)
out("npz", "declares-1gb.npz", body + cd + zip_end(1, len(cd), len(body)))
# encrypted flag, unknown method, zip64 markers, CRC mismatch
for tag, kw in [("encrypted", {"flags": 1}), ("method-12", {"method": 12}),
                ("zip64-size", {"usize": 0xffffffff}), ("bad-crc", {"crc": 1})]:
    data = npy_bytes(np.ones(3, "<f4"))
    local, comp, crc, csize, usize = zip_local(b"kernel.npy", data, 0)
    body = local + comp
    cd = zip_central(b"kernel.npy", kw.get("method", 0), kw.get("crc", crc), csize,
                     kw.get("usize", usize), 0, flags=kw.get("flags", 0))
    out("npz", tag + ".npz", body + cd + zip_end(1, len(cd), len(body)))
# a member name that is not UTF-8, one with control characters
for tag, nm in [("name-latin1", b"k\xe9rnel.npy"), ("name-control", b"ker\x1b[2Jnel.npy")]:
    data = npy_bytes(np.ones(3, "<f4"))
    local, comp, crc, csize, usize = zip_local(nm, data, 0)
    body = local + comp
    cd = zip_central(nm, 0, crc, csize, usize, 0)
    out("npz", tag + ".npz", body + cd + zip_end(1, len(cd), len(body)))
# many members (a long list in messages)
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    for i in range(300):
        z.writestr("layer%03d_gamma.npy" % i, npy_bytes(np.ones(1, "<f4")))
out("npz", "many-members.npz", b.getvalue())
# a PyTorch checkpoint's layout
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    z.writestr("archive/data/0", b"\0" * 16)
out("npz", "torch-save.npz", b.getvalue())
print("corpus written to", os.path.join(HERE, "corpus"))
