#!/usr/bin/python3
"""The command line's own PNG, JPEG and TIFF decoders against GEGL's loaders
on the same files (FEATUREMAPS_IMAGE_READER=gegl makes the command line
read with GEGL only), and every damaged or cut copy of them refused.

    test_decoders.py FEATUREMAPS

For each file: the channels each reader found (per-channel maps: 1 for grey,
3 for colour) and every channel's values (a 4-filter one-hot bank in rgba
mode) must agree: exactly for 8/16-bit and float samples, within 2e-5 where
an ICC profile or a gAMA curve is converted to sRGB.  The expected values of
plain files are also computed here from the samples written (v / 255,
v / 65535).  Every file cut short (10 %, 50 %, 90 %, and for PNG before its
IEND) and every PNG with a flipped byte in its pixel data must fail with
exit status 2 and one line, never give an image.
"""
import os
import sys

import numpy as np

import fmtest
import imagefiles as imf

ONE_HOT = {"name": "channels", "filters": [
    {"name": "c%d" % c, "weights": np.eye(1, 4, c).reshape(1, 1, 4).tolist()} for c in range(4)]}


def main():
    exe = fmtest.binary()
    f = fmtest.Failures("decoders")
    d = fmtest.workdir("fm-decoders-")
    p = lambda name: os.path.join(d, name)
    bank = fmtest.write_json(p("onehot.json"), ONE_HOT)
    rng = np.random.default_rng(11)
    os.mkdir(p("good"))
    os.mkdir(p("bad"))

    def read_all(reader):
        """Every good file through one reader, in one many-inputs run each
        way: {name: (rgba values, colour channels)}."""
        env = {"FEATUREMAPS_IMAGE_READER": reader}
        out = {}
        for mode, kernel in (("rgba", bank), ("per-channel", "0,0,0; 0,1,0; 0,0,0")):
            dest = p("%s-%s" % (reader, mode))
            st, _, err = fmtest.run(exe, "apply", "-k", kernel, "-o", dest, "--input-mode", mode,
                                    p("good"), env=env)
            f.check(st == 0, "%s reader, %s: exit %d %s" % (reader, mode, st, err[-3:]))
            for name in files:
                npy = os.path.join(dest, os.path.splitext(name)[0] + ".npy")
                if os.path.exists(npy):
                    out.setdefault(name, {})[mode] = np.load(npy)
        return {n: (v["rgba"], v["per-channel"].shape[3]) for n, v in out.items() if len(v) == 2}

    files = {}

    def add(name, data, expect=None, tol=1.2e-7):
        name = name.split(".")[-1] + "-" + name      # one stem per file
        with open(os.path.join(d, "good", name), "wb") as fh:
            fh.write(data)
        files[name] = (expect, tol)

    # --- PNG: every colour type and depth, interlaced, palettes, chunks ---
    g8 = rng.integers(0, 256, (9, 13))
    g16 = rng.integers(0, 65536, (9, 13))
    rgb8 = rng.integers(0, 256, (9, 13, 3))
    rgb16 = rng.integers(0, 65536, (9, 13, 3))
    rgba16 = rng.integers(0, 65536, (9, 13, 4))
    ga8 = rng.integers(0, 256, (9, 13, 2))
    g4 = rng.integers(0, 16, (9, 13))
    g1 = rng.integers(0, 2, (9, 13))
    add("g8.png", imf.png_bytes(g8, 8, 0), (g8 / 255.0, 1))
    add("g16.png", imf.png_bytes(g16, 16, 0), (g16 / 65535.0, 1))
    add("g4.png", imf.png_bytes(g4, 4, 0), (g4 * 17 / 255.0, 1))
    add("g1.png", imf.png_bytes(g1, 1, 0), (g1 * 1.0, 1))
    add("ga8.png", imf.png_bytes(ga8, 8, 4), (ga8 / 255.0, 1))
    add("rgb8.png", imf.png_bytes(rgb8, 8, 2), (rgb8 / 255.0, 3))
    add("rgb16.png", imf.png_bytes(rgb16, 16, 2), (rgb16 / 65535.0, 3))
    add("rgba16.png", imf.png_bytes(rgba16, 16, 6), (rgba16 / 65535.0, 3))
    add("rgb16-adam7.png", imf.png_bytes(rgb16, 16, 2, interlace=True), (rgb16 / 65535.0, 3))
    add("g8-adam7.png", imf.png_bytes(g8, 8, 0, interlace=True), (g8 / 255.0, 1))
    pal = rng.integers(0, 256, (16, 3))
    idx = rng.integers(0, 16, (9, 13))
    add("palette.png", imf.png_bytes(idx, 8, 3, palette=pal), (pal[idx] / 255.0, 3))
    alpha = bytes(rng.integers(0, 256, 16).astype(np.uint8))
    add("palette-trns.png", imf.png_bytes(idx, 4, 3, palette=pal, trns=alpha),
        (np.concatenate([pal[idx], np.frombuffer(alpha, np.uint8)[idx][:, :, None]], 2) / 255.0, 3))
    add("g8-trns.png", imf.png_bytes(g8, 8, 0, trns=bytes([0, int(g8[0, 0])])),
        (np.stack([g8, np.where(g8 == g8[0, 0], 0, 255)], 2) / 255.0, 1))
    add("rgb8-srgb.png", imf.png_bytes(rgb8, 8, 2, chunks=[(b"sRGB", b"\0"), imf.gama_chunk(0.45455)]),
        (rgb8 / 255.0, 3))
    add("rgb8-gama18.png", imf.png_bytes(rgb8, 8, 2, chunks=[imf.gama_chunk(1 / 1.8)]), None, 2e-5)
    add("rgb16-icc.png", imf.png_bytes(rgb16, 16, 2, chunks=[imf.iccp_chunk(imf.icc_wide_rgb())]), None, 2e-5)
    add("g16-icc.png", imf.png_bytes(g16, 16, 0, chunks=[imf.iccp_chunk(imf.icc_linear_grey())]), None, 2e-5)

    # --- JPEG --------------------------------------------------------------
    photo = (np.clip(np.add.outer(np.arange(40), np.arange(56))[:, :, None] * [2, 3, 1]
                     + rng.integers(0, 40, (40, 56, 3)), 0, 255)).astype(np.uint8)
    add("rgb.jpg", imf.jpeg_bytes(photo, quality=90))
    add("grey.jpg", imf.jpeg_bytes(photo[:, :, 1]))
    add("progressive.jpg", imf.jpeg_bytes(photo, progressive=True))
    add("icc.jpg", imf.jpeg_bytes(photo, icc_profile=imf.icc_wide_rgb()), None, 2e-5)
    from PIL import Image
    import io
    buf = io.BytesIO()
    Image.fromarray(photo).convert("CMYK").save(buf, "JPEG")
    add("cmyk.jpg", buf.getvalue())

    # --- TIFF --------------------------------------------------------------
    f32 = (rng.random((9, 13, 3)) * 4 - 1).astype(np.float32)
    add("g8.tif", imf.tiff_bytes(g8.astype(np.uint8)), (g8 / 255.0, 1))
    add("rgb16.tif", imf.tiff_bytes(rgb16.astype(np.uint16), photometric="rgb"), (rgb16 / 65535.0, 3))
    add("rgbf.tif", imf.tiff_bytes(f32, photometric="rgb"), (f32, 3))
    add("gaf.tif", imf.tiff_bytes(f32[:, :, :2], photometric="minisblack", planarconfig="contig",
                                  extrasamples=["unassalpha"]), (f32[:, :, :2], 1))
    add("rgba16-planar.tif", imf.tiff_bytes(np.moveaxis(rgba16.astype(np.uint16), 2, 0), photometric="rgb",
                                            planarconfig="separate", extrasamples=["unassalpha"]),
        (rgba16 / 65535.0, 3))
    big = rng.integers(0, 65536, (40, 56, 3)).astype(np.uint16)
    add("tiled.tif", imf.tiff_bytes(big, photometric="rgb", tile=(16, 16)), (big / 65535.0, 3))
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "TIFF", compression="tiff_lzw")
    add("lzw.tif", buf.getvalue(), (photo / 255.0, 3))
    add("deflate-float.tif", imf.tiff_bytes(f32, photometric="rgb", compression="zlib"), (f32, 3))
    add("deflate-pred16.tif", imf.tiff_bytes(big, photometric="rgb", compression="zlib", predictor=True),
        (big / 65535.0, 3))
    add("icc.tif", imf.tiff_bytes(photo, photometric="rgb", extratags=[(34675, "B", len(imf.icc_wide_rgb()),
                                                                          imf.icc_wide_rgb(), True)]), None, 2e-5)
    # GEGL both ways; babl picks its premultiplied path by timing: 1e-3.
    add("assoc.tif", imf.tiff_bytes(rgba16.astype(np.uint16), photometric="rgb", extrasamples=["assocalpha"]),
        None, 1e-3)
    add("int16.tif", imf.tiff_bytes(g16.astype(np.int16)))

    mine_all, gegl_all = read_all("native"), read_all("gegl")
    for name, (expect, tol) in sorted(files.items()):
        if not f.check(name in mine_all and name in gegl_all, "%s: both readers read it" % name):
            continue
        (mine, mc), (gegl, gc) = mine_all[name], gegl_all[name]
        f.check(mc == gc, "%s: channels %s, GEGL %s" % (name, mc, gc))
        diff = np.abs(mine.astype(np.float64) - gegl).max()
        f.check(diff <= tol * max(1.0, np.abs(gegl).max()),
                "%s: max |native − GEGL| %.3g > %.3g" % (name, diff, tol))
        if expect is not None:
            values, colour = expect
            v = np.asarray(values, np.float64)
            if v.ndim == 2:
                v = v[:, :, None]
            # rgba mode: grey is replicated to R, G, B; alpha 1 when absent.
            if v.shape[2] in (1, 2):
                v = np.concatenate([v[:, :, :1]] * 3 + ([v[:, :, 1:2]] if v.shape[2] == 2 else []), 2)
            if v.shape[2] == 3:
                v = np.concatenate([v, np.ones(v.shape[:2] + (1,))], 2)
            err = np.abs(mine - v).max()
            f.check(err <= 1e-7 * max(1.0, np.abs(v).max()), "%s: values off by %.3g" % (name, err))
            f.check(mc == colour, "%s: %s colour channels, expected %d" % (name, mc, colour))

    # --- cut and damaged copies: an error, never an image ------------------
    bad = []
    for name in sorted(files):
        data = open(os.path.join(d, "good", name), "rb").read()
        cuts = [len(data) * k // 10 for k in (1, 5, 9)]
        if name.endswith(".png"):
            cuts.append(len(data) - 12)          # everything but IEND
        for cut in cuts:
            bad.append(("cut%d-%s" % (cut, name), data[:cut]))
        if name.endswith(".png"):
            idat = data.find(b"IDAT")
            for at in (idat + 8, idat + 20):
                bad.append(("flip%d-%s" % (at, name), data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1:]))
    for name, data in bad:
        with open(os.path.join(d, "bad", name), "wb") as fh:
            fh.write(data)
    st, _, err = fmtest.run(exe, "apply", "-k", "sobel", "-o", p("bad-out"), p("bad"))
    f.check(st == 1, "damaged files: exit %d, expected 1" % st)
    f.check(not os.path.exists(p("bad-out")) or fmtest.listing(p("bad-out")) == [],
            "damaged files: nothing written: %s" % (fmtest.listing(p("bad-out"))
                                                    if os.path.exists(p("bad-out")) else ""))
    summary = err[-1] if err else ""
    f.check(summary.startswith("featuremaps: 0 written, %d failed: " % len(bad)),
            "damaged files: summary %r" % summary)
    for name, _ in bad:
        f.check(any(line.startswith("featuremaps: %s: " % os.path.join(d, "bad", name)) for line in err),
                "damaged files: %s named on its own line" % name)
    # The one-input form: status 2, one line, nothing written.
    for name, _ in bad[::9]:
        st, _, err = fmtest.run(exe, "apply", "-k", "sobel", "-i", os.path.join(d, "bad", name),
                                "-o", p("cut.npy"))
        f.check(st == 2 and len(err) == 1 and not os.path.exists(p("cut.npy")),
                "%s → exit %d %s" % (name, st, err))
    f.finish()


if __name__ == "__main__":
    main()
