"""Crafted hostile files: each function writes one into a folder and returns
its name.  Byte-level builders (zip, PNG, TIFF, .npy) so that the files can
lie in ways numpy, zipfile or PIL would never write."""
import os
import struct
import zlib

import numpy as np


def write(d, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    return name


# ---- .npy ------------------------------------------------------------------
def npy_header(descr, shape, version=1):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    h += " " * ((64 - (len(h) + 11) % 64) % 64) + "\n"
    h = h.encode("latin-1")
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(h)) + h


def npy_bytes(arr):
    import io
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


# ---- zip ---------------------------------------------------------------------
def zip_local(name, comp, method, crc, csize, usize):
    return struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, method, 0, 0, crc, csize, usize,
                       len(name), 0) + name + comp


def zip_central(name, method, crc, csize, usize, offset):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, method, 0, 0, crc, csize,
                       usize, len(name), 0, 0, 0, 0, 0, offset) + name


def zip_end(n, cd_size, cd_offset):
    return struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, cd_size, cd_offset, 0)


def deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def npz_overlap_bomb(d, name, entries=1000, member_mb=2):
    """One deflated member of member_mb MB, and `entries` directory entries
    that all point at it under different names."""
    data = npy_header("<f4", "(%d,)" % (member_mb * 262144)) + b"\0" * (member_mb << 20)
    comp = deflate(data)
    crc = zlib.crc32(data)
    body = zip_local(b"kernel.npy", comp, 8, crc, len(comp), len(data))
    cd = b"".join(zip_central(b"k%04d.npy" % i if i else b"kernel.npy", 8, crc, len(comp),
                              len(data), 0) for i in range(entries))
    return write(d, name, body + cd + zip_end(entries, len(cd), len(body)))


def npz_streamed(d, name, header, nbytes, fill=b"\0"):
    """One deflated member: a .npy header and nbytes of data, compressed a
    block at a time (the archive is small, the member honestly huge)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(header)
    parts = [c.compress(header)]
    block = fill * (1 << 20)
    left = nbytes
    while left > 0:
        b = block[:min(left, len(block))]
        crc = zlib.crc32(b, crc)
        parts.append(c.compress(b))
        left -= len(b)
    parts.append(c.flush())
    comp = b"".join(parts)
    usize = len(header) + nbytes
    body = zip_local(b"kernel.npy", comp, 8, crc, len(comp), usize)
    cd = zip_central(b"kernel.npy", 8, crc, len(comp), usize, 0)
    return write(d, name, body + cd + zip_end(1, len(cd), len(body)))


def npz_members(d, name, names, arr):
    """A stored archive of the same array under many (raw byte) names."""
    data = npy_bytes(arr)
    crc = zlib.crc32(data)
    body, cd = b"", b""
    for nm in names:
        cd += zip_central(nm, 0, crc, len(data), len(data), len(body))
        body += zip_local(nm, data, 0, crc, len(data), len(data))
    return write(d, name, body + cd + zip_end(len(names), len(cd), len(body)))


def npz_bad_crc(d, name):
    data = npy_bytes(np.ones((3, 3), "<f4"))
    crc = zlib.crc32(data) ^ 1
    body = zip_local(b"kernel.npy", data, 0, crc, len(data), len(data))
    cd = zip_central(b"kernel.npy", 0, crc, len(data), len(data), 0)
    return write(d, name, body + cd + zip_end(1, len(cd), len(body)))


# ---- images ------------------------------------------------------------------
def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(d, name, w, h, rows=1):
    """An RGB PNG whose header says w × h, with `rows` rows of data."""
    raw = (b"\0" + b"\x80" * (3 * w)) * rows
    return write(d, name, b"\x89PNG\r\n\x1a\n"
                 + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                 + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def png_honest(d, name, w, h):
    """A gray PNG of w × h that is really all there: zeros compress well."""
    c = zlib.compressobj(9)
    row = b"\0" * (w + 1)
    idat = b"".join(c.compress(row) for _ in range(h)) + c.flush()
    return write(d, name, b"\x89PNG\r\n\x1a\n"
                 + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                 + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def tiff_claiming(d, name, w, h):
    """A little-endian 8-bit gray TIFF whose tags say w × h, one row of data."""
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, w * h & 0xffffffff)]
    ifd_at = 8
    data_at = ifd_at + 2 + 12 * len(entries) + 4
    entries[5] = (273, 4, 1, data_at)
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        if typ == 3:
            ifd += struct.pack("<HHIHH", tag, typ, count, value, 0)
        else:
            ifd += struct.pack("<HHII", tag, typ, count, value)
    ifd += struct.pack("<I", 0)
    return write(d, name, b"II*\0" + struct.pack("<I", ifd_at) + ifd + b"\x80" * min(w, 4096))


def png_truncated(d, name, w=256, h=256, keep=0.6):
    from PIL import Image
    import io
    rng = np.random.default_rng(3)
    buf = io.BytesIO()
    Image.fromarray((rng.random((h, w, 3)) * 255).astype(np.uint8)).save(buf, "PNG")
    data = buf.getvalue()
    return write(d, name, data[:int(len(data) * keep)])


def png_good(path, w=32, h=32):
    from PIL import Image
    rng = np.random.default_rng(5)
    Image.fromarray((rng.random((h, w, 3)) * 255).astype(np.uint8)).save(path, "PNG")
