#!/usr/bin/python3
"""Pictures of the shipped tiny CNN for docs/learned-model.md:

    /usr/bin/python3 models/tiny-cnn/figures.py

docs/screenshots/tiny-cnn-data.png
    training pictures: a row per class, made by data.py as training makes them.
docs/screenshots/tiny-cnn-filters.png
    conv1's 8 filters (bn1 folded in, as the preset bank holds them): each
    in its own colours, then channel by channel and summed over channels on
    the diverging scale of the dialog's kernel thumbnails (blue negative,
    near-white 0, red positive; per filter, ±max |weight|).
docs/screenshots/tiny-cnn-layer1.png, tiny-cnn-layer2.png
    the maps of relu1 (8) and relu2 (16) on samples/lines.png, computed by
    PyTorch, each stretched from its own minimum to maximum (featuremaps'
    `normalize` mapping).
docs/screenshots/tiny-cnn-tuning.png
    what each relu1 and relu2 channel answers to: its mean response to
    three parallel strokes at 12 angles in 6 colours on grey, per channel
    from 0 (white) to its own maximum (dark red); printed as a table too.
"""
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import export  # noqa: E402

ROOT = export.ROOT
SHOTS = os.path.join(ROOT, "docs", "screenshots")
# The dialog's scale (plugin/fm-dialog-thumb.c): ColorBrewer RdBu end points
# around a light neutral centre.
NEG = np.array([33, 102, 172], np.float64)
MID = np.array([247, 247, 247], np.float64)
POS = np.array([178, 24, 43], np.float64)
GRID = 160
BG = (255, 255, 255)
INK = (40, 40, 40)


def font(size):
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",):
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def diverging(t):
    """t in −1..1 (clamped) → RGB uint8, as fm_dialog_diverging does."""
    t = np.nan_to_num(np.asarray(t, np.float64), nan=1.0)
    a = np.clip(np.abs(t), 0, 1)[..., None]
    end = np.where((t < 0)[..., None], NEG, POS)
    return np.round(MID + (end - MID) * a).astype(np.uint8)


def cells(rgb, cell):
    """kh × kw × 3 → an image of cell × cell blocks with grey lines between."""
    kh, kw = rgb.shape[:2]
    img = np.repeat(np.repeat(rgb, cell, 0), cell, 1)
    img[::cell, :] = GRID
    img[:, ::cell] = GRID
    img = np.pad(img, ((0, 1), (0, 1), (0, 0)), constant_values=GRID)
    return Image.fromarray(img.astype(np.uint8))


def filters_figure(w, names, path, cell=11):
    K, C, kh, kw = w.shape
    size = kh * cell + 1
    cols = ["colour", "red", "green", "blue", "sum"]
    gap, left, top, text_w = 10, 10, 26, 250
    width = left + len(cols) * (size + gap) + text_w
    height = top + K * (size + gap) + 4
    fig = Image.new("RGB", (width, height), BG)
    d = ImageDraw.Draw(fig)
    f = font(12)
    for j, c in enumerate(cols):
        d.text((left + j * (size + gap) + size // 2, 8), c, fill=INK, font=f, anchor="mt")
    for k in range(K):
        fk = w[k]
        m = float(np.abs(fk).max()) or 1.0
        y = top + k * (size + gap)
        natural = np.clip(0.5 + fk.transpose(1, 2, 0) / (2 * m), 0, 1)
        tiles = [(natural * 255).round().astype(np.uint8)]
        tiles += [diverging(fk[c] / m) for c in range(C)]
        tiles.append(diverging(fk.sum(0) / (m * C)))
        for j, t in enumerate(tiles):
            fig.paste(cells(t, cell), (left + j * (size + gap), y))
        d.text((left + len(cols) * (size + gap) + 4, y + size // 2), names[k], fill=INK,
               font=f, anchor="lm")
    fig.save(path, optimize=True)


def normalise(a):
    lo, hi = float(a.min()), float(a.max())
    return np.zeros_like(a) if hi <= lo else (a - lo) / (hi - lo)


def maps_figure(maps, labels, path, columns, scale=1, source=None, title=""):
    h, w = maps[0].shape
    h, w = h * scale, w * scale
    gap, label_h, top = 8, 16, 24 if title else 4
    tiles = ([source] if source is not None else []) + list(maps)
    names = (["input"] if source is not None else []) + list(labels)
    rows = (len(tiles) + columns - 1) // columns
    fig = Image.new("RGB", (gap + columns * (w + gap), top + rows * (h + label_h + gap)), BG)
    d = ImageDraw.Draw(fig)
    f = font(12)
    if title:
        d.text((gap, 6), title, fill=INK, font=font(13))
    for i, (t, name) in enumerate(zip(tiles, names)):
        r, c = divmod(i, columns)
        x, y = gap + c * (w + gap), top + r * (h + label_h + gap)
        if t.ndim == 2:
            im = Image.fromarray((normalise(t) * 255).round().astype(np.uint8), "L").convert("RGB")
        else:
            im = Image.fromarray(t)
        if scale != 1:
            im = im.resize((w, h), Image.NEAREST)
        fig.paste(im, (x, y))
        d.text((x + w // 2, y + h + 2), name, fill=INK, font=f, anchor="mt")
    fig.save(path, optimize=True)


def tuning_figure(tune, path, cell=9):
    layers = [("relu1", tune["relu1"]), ("relu2", tune["relu2"])]
    n_col, n_ang = len(export.TUNING_COLOURS), len(export.TUNING_ANGLES)
    left, top, gap = 70, 40, 6
    block = n_ang * cell
    rows = sum(t.shape[0] for _, t in layers) + len(layers) - 1
    fig = Image.new("RGB", (left + n_col * (block + gap) + 10, top + rows * cell + 30), BG)
    d = ImageDraw.Draw(fig)
    f = font(11)
    for j, (name, _) in enumerate(export.TUNING_COLOURS):
        x0 = left + j * (block + gap)
        d.text((x0 + block // 2, 6), name, fill=INK, font=f, anchor="mt")
        d.text((x0, 22), "0°", fill=INK, font=font(9))
        d.text((x0 + block, 22), "165°", fill=INK, font=font(9), anchor="ra")
    y = top
    for name, t in layers:
        for c in range(t.shape[0]):
            m = t[c].max()
            v = t[c] / m if m > 0 else t[c] * 0
            d.text((left - 6, y + cell // 2), "%s·%d" % (name, c + 1), fill=INK, font=font(9),
                   anchor="rm")
            for j in range(n_col):
                rgb = np.round(MID + (POS - MID) * np.clip(v[j], 0, 1)[:, None]).astype(np.uint8)
                strip = np.repeat(np.repeat(rgb[None], cell - 1, 0), cell, 1)
                fig.paste(Image.fromarray(strip), (left + j * (block + gap), y))
            y += cell
        y += cell
    fig.save(path, optimize=True)


def describe_tuning(tune):
    lines = []
    for name in ("relu1", "relu2"):
        for c, t in enumerate(tune[name]):
            p = export.preferred(t)
            if p is None:
                lines.append("| %s · %d | silent on strokes | | |" % (name, c + 1))
                continue
            colour, angle, sharp, colours = p
            lines.append("| %s · %d | %s %s | %.2f | %s |" % (
                name, c + 1, colour, export.angle_word(angle), sharp, ", ".join(colours)))
    return lines


def data_figure(path, per_class=4, scale=2):
    rng = np.random.default_rng(7)
    size = export.data.SIZE * scale
    gap, left = 6, 110
    classes = export.data.CLASSES
    fig = Image.new("RGB", (left + per_class * (size + gap), gap + len(classes) * (size + gap)), BG)
    d = ImageDraw.Draw(fig)
    for c, name in enumerate(classes):
        y = gap + c * (size + gap)
        d.text((left - 8, y + size // 2), name, fill=INK, font=font(12), anchor="rm")
        for i in range(per_class):
            img = (export.data.make_image(rng, c) * 255).round().astype(np.uint8)
            fig.paste(Image.fromarray(img).resize((size, size), Image.NEAREST),
                      (left + i * (size + gap), y))
    fig.save(path, optimize=True)


def main():
    torch.set_num_threads(2)
    model = export.load_model()
    w, _ = export.folded_conv1(model)
    tune = export.tuning(model)
    names = ["%d %s" % (k + 1, export.channel_name(tune["relu1"][k])) for k in range(w.shape[0])]
    os.makedirs(SHOTS, exist_ok=True)
    filters_figure(w, names, os.path.join(SHOTS, "tiny-cnn-filters.png"))
    data_figure(os.path.join(SHOTS, "tiny-cnn-data.png"))

    src = os.path.join(ROOT, "samples", "lines.png")
    x = export.image_input(src)
    acts, _ = export.reference_activations(model, x)
    image = np.asarray(Image.open(src).convert("RGB"))
    half = np.asarray(Image.fromarray(image).resize((128, 128), Image.BILINEAR))
    l1 = [np.asarray(Image.fromarray(normalise(acts["relu1"][..., k]).astype(np.float32))
                     .resize((128, 128), Image.BILINEAR)) for k in range(acts["relu1"].shape[2])]
    maps_figure(l1, ["relu1 · %d" % (k + 1) for k in range(len(l1))],
                os.path.join(SHOTS, "tiny-cnn-layer1.png"), columns=3,
                source=half, title="relu1 on samples/lines.png (256 × 256, shown at half size)")
    l2 = [acts["relu2"][..., k] for k in range(acts["relu2"].shape[2])]
    maps_figure(l2, ["relu2 · %d" % (k + 1) for k in range(len(l2))],
                os.path.join(SHOTS, "tiny-cnn-layer2.png"), columns=6, source=half,
                title="relu2 on samples/lines.png (128 × 128 after pool1)")
    tuning_figure(tune, os.path.join(SHOTS, "tiny-cnn-tuning.png"))
    for line in describe_tuning(tune):
        print(line)
    for f in ("tiny-cnn-data.png", "tiny-cnn-filters.png", "tiny-cnn-layer1.png", "tiny-cnn-layer2.png",
              "tiny-cnn-tuning.png"):
        print("%s %d bytes" % (os.path.join("docs", "screenshots", f),
                               os.path.getsize(os.path.join(SHOTS, f))))


if __name__ == "__main__":
    main()
