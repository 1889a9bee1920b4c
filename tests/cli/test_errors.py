#!/usr/bin/python3
"""Bad usage and bad input through the command line: each case must exit
with status 2, print exactly one stderr line "featuremaps: …" containing the
expected text, print nothing on stdout, and leave no output behind (nor any
temporary file or folder).

    test_errors.py FEATUREMAPS
"""
import os
import zipfile

import numpy as np

import fmtest


def npy_header(descr, shape, fortran=False):
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    h = h.encode() + b" " * (118 - len(h)) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h


def make_files(d):
    """Input and kernel files, good and bad, in folder d."""
    def text(name, data):
        with open(os.path.join(d, name), "w") as f:
            f.write(data)

    def raw(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    rng = np.random.default_rng(7)
    np.save(os.path.join(d, "in.npy"), rng.random((16, 16)).astype(np.float32))
    np.save(os.path.join(d, "rgb.npy"), rng.random((16, 16, 3)).astype(np.float32))
    np.save(os.path.join(d, "tiny.npy"), rng.random((2, 2)).astype(np.float32))
    np.save(os.path.join(d, "in4d.npy"), np.ones((2, 2, 2, 2), np.float32))
    np.save(os.path.join(d, "int32.npy"), np.ones((4, 4), np.int32))
    np.save(os.path.join(d, "empty.npy"), np.ones((0, 4), np.float32))
    nan = rng.random((4, 4)).astype(np.float32)
    nan[2, 3] = np.nan
    np.save(os.path.join(d, "nan.npy"), nan)
    raw("bad.png", b"\x89PNG\r\n\x1a\nthis is not a png at all")
    raw("notjpeg.jpg", b"hello, not a jpeg")
    raw("png-as.jpg", open(os.path.join(d, "bad.png"), "rb").read())
    text("text.xyz", "not an image")
    from PIL import Image
    import io
    for fmt, name in (("PNG", "ok.png"), ("JPEG", "ok.jpg"), ("TIFF", "ok.tif")):
        buf = io.BytesIO()
        Image.fromarray((rng.random((64, 64, 3)) * 255).astype(np.uint8)).save(buf, fmt)
        data = buf.getvalue()
        raw("trunc-" + name, data[:len(data) // 2])
        raw("head-" + name, data[:40])

    # JSON banks
    text("trunc.json", '{"name": "x", "filters": [{"weights": [[1,2]')
    text("empty.json", '{"name": "x", "filters": []}')
    text("ragged.json", '{"name": "x", "filters": [{"weights": [[1,2],[3]]}]}')
    text("wrongtype.json", '{"name": "x", "filters": [{"weights": [[1,"a"],[3,4]]}]}')
    text("inf.json", '{"name": "x", "filters": [{"weights": [[1e400,1],[3,4]]}]}')
    text("notobject.json", '[1, 2, 3]')
    text("twoshapes.json", '{"name": "x", "filters": [{"weights": [[1,2],[3,4]]}, '
                           '{"weights": [[1,2,3],[4,5,6],[7,8,9]]}]}')
    text("big.json", '{"name": "x", "filters": [{"weights": [[1,2],[3,4]]}]}')
    # .npy banks
    np.save(os.path.join(d, "k.npy"), np.ones((3, 3, 1, 2), np.float32))
    np.save(os.path.join(d, "k3.npy"), np.ones((3, 3, 3, 2), np.float32))
    good = open(os.path.join(d, "k.npy"), "rb").read()
    raw("trunc.npy", good[:100])
    raw("magic.npy", b"NOTNUMPY" + good[8:])
    raw("huge.npy", npy_header("<f4", (100000, 100000, 100, 2)) + b"\0" * 64)
    kn = np.ones((3, 3, 1, 1), np.float32)
    kn[1, 1, 0, 0] = np.inf
    np.save(os.path.join(d, "infk.npy"), kn)
    np.save(os.path.join(d, "k5d.npy"), np.ones((1, 3, 3, 1, 1), np.float32))
    # .npz banks
    np.savez(os.path.join(d, "nokernel.npz"), foo=np.ones((3, 3, 1, 1)))
    np.savez(os.path.join(d, "badbias.npz"), kernel=np.ones((3, 3, 1, 2)), bias=np.ones(5))
    raw("corrupt.npz", b"PK\x03\x04garbage")
    with zipfile.ZipFile(os.path.join(d, "truncmember.npz"), "w") as z:
        z.writestr("kernel.npy", good[:90])


# (arguments, expected text in the stderr line).  "OUT" is replaced by the
# output path of the case; "D/" by the case folder.
CASES = [
    # usage
    ([], "missing command"),
    (["bogus"], "unknown command 'bogus'"),
    (["apply"], "missing -k KERNEL"),
    (["apply", "-k", "sobel"], "missing -i INPUT"),
    (["apply", "-k", "sobel", "-i", "D/in.npy"], "missing -o OUTPUT"),
    (["apply", "--foo", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT"], "Unknown option --foo"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "extra"], "unexpected argument 'extra'"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--padding"], "Missing argument for --padding"),
    (["info"], "missing KERNEL"),
    (["info", "sobel", "extra"], "exactly one KERNEL"),
    (["presets", "extra"], "takes no arguments"),
    # option values
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--padding", "bogus"],
     "padding 'bogus': must be one of 0 valid, 1 same, 2 full"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--border", "mirror"], "border 'mirror'"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--activation", "swish"], "activation 'swish'"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--mapping", "log"], "mapping 'log'"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--input-mode", "hsv"], "input-mode 'hsv'"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--stride", "0"], "stride 0: must be ≥ 1"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--dilation", "x"], "dilation 'x'"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--stride", "5000"], "stride 5000"),
    # kernels: JSON
    (["apply", "-k", "D/trunc.json", "-i", "D/in.npy", "-o", "OUT"], "trunc.json: not valid JSON"),
    (["apply", "-k", "D/empty.json", "-i", "D/in.npy", "-o", "OUT"], "empty.json: the bank has no filters"),
    (["apply", "-k", "D/ragged.json", "-i", "D/in.npy", "-o", "OUT"], "ragged.json: filter 1: row 2 has 1 values"),
    (["apply", "-k", "D/wrongtype.json", "-i", "D/in.npy", "-o", "OUT"], "wrongtype.json: filter 1: row 1, value 2 is a string"),
    (["apply", "-k", "D/inf.json", "-i", "D/in.npy", "-o", "OUT"], "inf.json: filter 1: row 1, value 1 is too large"),
    (["apply", "-k", "D/notobject.json", "-i", "D/in.npy", "-o", "OUT"], "notobject.json"),
    (["apply", "-k", "D/twoshapes.json", "-i", "D/in.npy", "-o", "OUT"], "twoshapes.json"),
    (["apply", "-k", "D/missing.json", "-i", "D/in.npy", "-o", "OUT"], "missing.json"),
    # kernels: inline
    (["apply", "-k", "1,2; 3", "-i", "D/in.npy", "-o", "OUT"], "inline kernel, filter 1 row 2 has 1 values"),
    (["apply", "-k", "1,x; 3,4", "-i", "D/in.npy", "-o", "OUT"], "'x' is not a number"),
    # kernels: .npy / .npz
    (["apply", "-k", "D/trunc.npy", "-i", "D/in.npy", "-o", "OUT"], "trunc.npy: truncated"),
    (["apply", "-k", "D/magic.npy", "-i", "D/in.npy", "-o", "OUT"], "magic.npy: not a valid .npy file"),
    (["apply", "-k", "D/huge.npy", "-i", "D/in.npy", "-o", "OUT"], "huge.npy: shape (100000, 100000, 100, 2)"),
    (["apply", "-k", "D/infk.npy", "-i", "D/in.npy", "-o", "OUT"], "infk.npy"),
    (["apply", "-k", "D/k5d.npy", "-i", "D/in.npy", "-o", "OUT"], "k5d.npy"),
    (["apply", "-k", "D/k.npy:xyz", "-i", "D/in.npy", "-o", "OUT"], "k.npy:xyz"),
    (["apply", "-k", "D/nokernel.npz", "-i", "D/in.npy", "-o", "OUT"], "nokernel.npz: no 'kernel' or 'weight' array"),
    (["apply", "-k", "D/badbias.npz", "-i", "D/in.npy", "-o", "OUT"], "badbias.npz: bias has 5 values"),
    (["apply", "-k", "D/corrupt.npz", "-i", "D/in.npy", "-o", "OUT"], "corrupt.npz: not a valid .npz"),
    (["apply", "-k", "D/truncmember.npz", "-i", "D/in.npy", "-o", "OUT"], "truncmember.npz"),
    (["apply", "-k", "no-such-preset", "-i", "D/in.npy", "-o", "OUT"], "no preset, kernel file or inline matrix 'no-such-preset'"),
    (["info", "no-such-preset"], "no preset, kernel file or inline matrix 'no-such-preset'"),
    (["info", "D/ragged.json"], "ragged.json: filter 1: row 2"),
    # inputs
    (["apply", "-k", "sobel", "-i", "D/missing.npy", "-o", "OUT"], "missing.npy: no such file"),
    (["apply", "-k", "sobel", "-i", "D/missing.png", "-o", "OUT"], "missing.png: no such file"),
    (["apply", "-k", "sobel", "-i", "D/", "-o", "OUT"], "is a folder, not an image"),
    (["apply", "-k", "sobel", "-i", "D/bad.png", "-o", "OUT"], "bad.png: not an image GEGL can read"),
    (["apply", "-k", "sobel", "-i", "D/notjpeg.jpg", "-o", "OUT"], "notjpeg.jpg: not an image GEGL can read"),
    (["apply", "-k", "sobel", "-i", "D/png-as.jpg", "-o", "OUT"], "png-as.jpg: not an image GEGL can read"),
    (["apply", "-k", "sobel", "-i", "D/text.xyz", "-o", "OUT"], "text.xyz: not an image GEGL can read"),
    (["apply", "-k", "sobel", "-i", "D/trunc-ok.png", "-o", "OUT"], "trunc-ok.png: damaged or truncated image"),
    (["apply", "-k", "sobel", "-i", "D/trunc-ok.jpg", "-o", "OUT"], "trunc-ok.jpg: damaged or truncated image"),
    (["apply", "-k", "sobel", "-i", "D/trunc-ok.tif", "-o", "OUT"], "trunc-ok.tif: "),
    (["apply", "-k", "sobel", "-i", "D/head-ok.png", "-o", "OUT"], "head-ok.png: "),
    (["apply", "-k", "sobel", "-i", "D/head-ok.jpg", "-o", "OUT"], "head-ok.jpg: damaged or truncated JPEG"),
    (["apply", "-k", "sobel", "-i", "D/head-ok.tif", "-o", "OUT"], "head-ok.tif: "),
    (["apply", "-k", "sobel", "-i", "D/k.npy", "-o", "OUT"], "k.npy: 4 dimensions"),
    (["apply", "-k", "sobel", "-i", "D/in4d.npy", "-o", "OUT"], "in4d.npy: 4 dimensions"),
    (["apply", "-k", "sobel", "-i", "D/int32.npy", "-o", "OUT"], "int32.npy: dtype"),
    (["apply", "-k", "sobel", "-i", "D/empty.npy", "-o", "OUT"], "empty.npy: the image is empty"),
    (["apply", "-k", "sobel", "-i", "D/nan.npy", "-o", "OUT"], "nan.npy: value nan at (row 2, column 3, channel 0)"),
    (["apply", "-k", "sobel", "-i", "D/trunc.npy", "-o", "OUT"], "trunc.npy: truncated"),
    # the bank does not fit the image or the options
    (["apply", "-k", "gaussian-5", "-i", "D/tiny.npy", "-o", "OUT", "--padding", "valid"],
     "kernel 5 × 5 (dilated 5 × 5) is larger than the 2 × 2 image with valid padding"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--padding", "valid", "--dilation", "9"],
     "larger than the 16 × 16 image"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "OUT", "--input-mode", "rgb"],
     "input mode rgb needs a 3-channel bank; 'Sobel' has 1 channel"),
    (["apply", "-k", "sobel", "-i", "D/rgb.npy", "-o", "OUT", "--input-mode", "rgba"],
     "input mode rgba needs a 4-channel bank; 'Sobel' has 1 channel"),
    (["apply", "-k", "D/k3.npy", "-i", "D/in.npy", "-o", "OUT", "--input-mode", "per-channel"],
     "input mode per-channel needs a 1-channel bank; 'k3' has 3 channels"),
    (["apply", "-k", "D/k3.npy", "-i", "D/in.npy", "-o", "OUT", "--input-mode", "luminance"],
     "input mode luminance needs a 1-channel bank"),
    (["apply", "-k", "D/k3.npy", "-i", "D/in4d.npy", "-o", "OUT"], "in4d.npy: 4 dimensions"),
    # outputs
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "D/maps.png"], "maps.png: OUTPUT must be a .npy file or a folder"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "D/nodir/maps.npy"], "the folder D/nodir does not exist"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "D/in.npy/x"], "the folder D/in.npy is not a folder"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "D/in.npy/x/y.npy"], "a part of its path is a file"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "D/afolder.npy"], "afolder.npy: is a folder"),
    (["apply", "-k", "sobel", "-i", "D/in.npy", "-o", "D/k.npz"], "k.npz: OUTPUT must be a .npy file or a folder"),
]


def main():
    exe = fmtest.binary()
    f = fmtest.Failures("errors")
    d = fmtest.workdir("fm-errors-")
    make_files(d)
    os.mkdir(os.path.join(d, "afolder.npy"))
    outdir = os.path.join(d, "out")
    os.mkdir(outdir)
    # An existing output folder must stay as it was after a failure.
    existing = os.path.join(d, "existing")
    os.mkdir(existing)
    with open(os.path.join(existing, "x.tif"), "w") as fh:
        fh.write("old")

    outputs = [os.path.join(outdir, "maps.npy"), os.path.join(outdir, "maps"), existing]
    before = fmtest.listing(d)
    for i, (args, expect) in enumerate(CASES):
        out = outputs[i % len(outputs)]
        argv = [a.replace("OUT", out).replace("D/", d + "/") for a in args]
        expect = expect.replace("D/", d + "/")
        status, stdout, err = fmtest.run(exe, *argv)
        what = "%s → exit %d, stderr %r" % (" ".join(args), status, err)
        f.check(status == 2, what + ": exit status must be 2")
        f.check(len(err) == 1, what + ": exactly one stderr line")
        f.check(len(err) >= 1 and err[0].startswith("featuremaps: "), what + ": 'featuremaps: ' prefix")
        f.check(any(expect in line for line in err), what + ": expected %r" % expect)
        f.check(stdout == "", what + ": nothing on stdout")
        f.check(fmtest.listing(outdir) == [], what + ": output left behind: %s" % fmtest.listing(outdir))
        f.check(fmtest.listing(d) == before, what + ": files appeared: %s" % (set(fmtest.listing(d)) ^ set(before)))
        f.check(fmtest.listing(existing) == ["x.tif"] and open(os.path.join(existing, "x.tif")).read() == "old",
                what + ": existing output folder changed")
    f.finish()


if __name__ == "__main__":
    main()
