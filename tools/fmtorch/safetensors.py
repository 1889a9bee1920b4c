"""The safetensors format, written and read by hand.

A file is: 8 bytes (little-endian u64) N, then N bytes of UTF-8 JSON, then
the tensors' bytes.  The JSON maps each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} with offsets relative to
the first byte after the header; an optional "__metadata__" holds strings.
Data is little-endian, C order.  We write what the `safetensors` package
writes (so the files look like the ones users have): tensors ordered as
its Dtype enum sorts them (64-bit types first) then by name, contiguous from offset 0, and the
header padded with spaces to a multiple of 8 bytes so the data is aligned.
"""
import json
import struct

import numpy as np

DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
    "BOOL": "?",
}
# Header size the official reader refuses above (100 MB); we refuse it too.
MAX_HEADER = 100_000_000


# The order the safetensors package lays tensors out in: its Dtype enum,
# largest first, then by name.
WRITE_ORDER = ["U64", "I64", "F64", "F32", "U32", "I32", "F16", "U16", "I16",
               "I8", "U8", "BOOL"]


def dtype_name(array):
    """The safetensors name of a little-endian (or byte-sized) array's dtype."""
    for name, code in DTYPES.items():
        if np.dtype(code) == array.dtype:
            return name
    raise ValueError("dtype %s has no safetensors name" % array.dtype)


def encode(tensors, metadata=None):
    """tensors: {name: numpy array or torch tensor}; returns the file's bytes."""
    arrays = {}
    for name, value in tensors.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        a = np.asarray(value)
        arrays[name] = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<")))
    order = sorted(arrays, key=lambda n: (WRITE_ORDER.index(dtype_name(arrays[n])), n))
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name in order:
        a = arrays[name]
        header[name] = {"dtype": dtype_name(a), "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(arrays[n].tobytes() for n in order)


def write(path, tensors, metadata=None):
    data = encode(tensors, metadata)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def decode(data):
    """bytes → ({name: numpy array}, metadata).  Strict: the checks a reader
    of untrusted files needs (lengths inside the file, offsets contiguous
    from 0 and covering the data exactly, shapes matching byte counts)."""
    if len(data) < 8:
        raise ValueError("safetensors: %d bytes, shorter than the 8-byte header length" % len(data))
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER or 8 + n > len(data):
        raise ValueError("safetensors: header length %d past the end (file %d bytes)" % (n, len(data)))
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    body = memoryview(data)[8 + n:]
    spans = sorted((info["data_offsets"][0], info["data_offsets"][1], name)
                   for name, info in header.items())
    at = 0
    for begin, end, name in spans:
        if begin != at or end < begin:
            raise ValueError("safetensors: '%s' starts at %d, expected %d" % (name, begin, at))
        at = end
    if at != len(body):
        raise ValueError("safetensors: data ends at %d, file holds %d bytes of data" % (at, len(body)))
    tensors = {}
    for name, info in header.items():
        dt = np.dtype(DTYPES[info["dtype"]])
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if count * dt.itemsize != end - begin:
            raise ValueError("safetensors: '%s' shape %s needs %d bytes, has %d"
                             % (name, info["shape"], count * dt.itemsize, end - begin))
        tensors[name] = np.frombuffer(body[begin:end], dtype=dt).reshape(info["shape"]).copy()
    return tensors, metadata


def read(path):
    with open(path, "rb") as f:
        return decode(f.read())
