"""Image files of every kind the command line reads, written here so the
tests need nothing but numpy, PIL and tifffile: PNG of every colour type and
depth (with a hand-made encoder for what PIL cannot write: 16-bit RGB,
Adam7 interlacing, gAMA/cHRM/iCCP chunks), JPEG, TIFF, and ICC profiles (a
matrix/TRC RGB profile with Adobe RGB's primaries and a grey one)."""
import io
import struct
import zlib

import numpy as np


# ---- ICC v2 profiles -------------------------------------------------------

def _s15(v):
    return struct.pack(">i", int(round(v * 65536)))


def _xyz(x, y, z):
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def _curv(gamma):
    return b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", int(round(gamma * 256))) + b"\0\0"


def _desc(text):
    t = text.encode() + b"\0"
    return (b"desc" + b"\0" * 4 + struct.pack(">I", len(t)) + t + b"\0" * 4 + b"\0" * 4
            + b"\0" * 2 + b"\0" + b"\0" * 67)


def _profile(space, tags):
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        while len(body) % 4:
            body += b"\0"
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I", size) + b"lcms" + bytes([2, 0x40, 0, 0]) + b"mntr" + space + b"XYZ "
    header += b"\0" * 12 + b"acsp" + b"APPL" + b"\0" * 4 + b"\0" * 4 + b"\0" * 4 + b"\0" * 8
    header += struct.pack(">I", 0) + _s15(0.9642)[0:4] + _s15(1.0) + _s15(0.8249) + b"lcms"
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data


def icc_wide_rgb():
    """Adobe RGB (1998) primaries (D50-adapted colorants), gamma 2.2."""
    return _profile(b"RGB ", [
        (b"desc", _desc("featuremaps test wide RGB")),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", _xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", _xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", _curv(2.2)), (b"gTRC", _curv(2.2)), (b"bTRC", _curv(2.2)),
    ])


def icc_linear_grey():
    return _profile(b"GRAY", [
        (b"desc", _desc("featuremaps test linear grey")),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"kTRC", _curv(1.0)),
    ])


# ---- PNG ---------------------------------------------------------------------

def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_bytes(pixels, depth, colour_type, interlace=False, chunks=(), palette=None, trns=None):
    """pixels: H x W x C integers (palette indices for colour type 3)."""
    a = np.asarray(pixels)
    if a.ndim == 2:
        a = a[:, :, None]
    h, w, c = a.shape

    def rows_of(sub):
        out = b""
        for row in sub:
            if depth == 16:
                raw = row.astype(">u2").tobytes()
            elif depth == 8:
                raw = row.astype(np.uint8).tobytes()
            else:
                bits = "".join(format(int(v), "0%db" % depth) for v in row.reshape(-1))
                bits += "0" * (-len(bits) % 8)
                raw = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
            out += b"\0" + raw
        return out

    if interlace:
        data = b""
        for x0, y0, dx, dy in ADAM7:
            sub = a[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                data += rows_of(sub)
    else:
        data = rows_of(a)
    out = b"\x89PNG\r\n\x1a\n"
    out += _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 1 if interlace else 0))
    for kind, body in chunks:
        out += _chunk(kind, body)
    if palette is not None:
        out += _chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        out += _chunk(b"tRNS", trns)
    out += _chunk(b"IDAT", zlib.compress(data, 6))
    out += _chunk(b"IEND", b"")
    return out


def gama_chunk(gamma):
    return (b"gAMA", struct.pack(">I", int(round(gamma * 100000))))


def iccp_chunk(profile):
    return (b"iCCP", b"test\0\0" + zlib.compress(profile))


# ---- JPEG and TIFF through PIL / tifffile ----------------------------------

def jpeg_bytes(pixels, **kw):
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8)).save(buf, "JPEG", **kw)
    return buf.getvalue()


def tiff_bytes(pixels, **kw):
    import tifffile
    buf = io.BytesIO()
    tifffile.imwrite(buf, pixels, **kw)
    return buf.getvalue()
