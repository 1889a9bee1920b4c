#!/usr/bin/python3
"""Makes the sample images the README and ./run demo use.

    /usr/bin/python3 samples/make-samples.py     (numpy + PIL; deterministic)

lines.png  256 x 256 RGB: vertical and horizontal lines of several widths and
           colours over a soft gradient with a fine noise texture, a diagonal
           and a ring, so the line detectors, edge and blur banks all have
           something to find.
"""
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def lines(size=256):
    rng = np.random.default_rng(20240501)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) / (size - 1)
    img = np.empty((size, size, 3))
    img[..., 0] = 0.25 + 0.2 * x
    img[..., 1] = 0.25 + 0.2 * y
    img[..., 2] = 0.35 - 0.1 * x
    img += rng.normal(0.0, 0.03, img.shape)  # texture

    # Vertical lines (left half), widths 1..4, white and coloured.
    for i, (col, w) in enumerate([(20, 1), (40, 2), (64, 3), (96, 4), (120, 1)]):
        img[16:240, col:col + w] = [1.0, 1.0, 1.0] if i % 2 == 0 else [0.9, 0.2, 0.1]
    # Horizontal lines (right half).
    for i, (row, w) in enumerate([(24, 1), (56, 2), (90, 3), (130, 4), (170, 1), (210, 2)]):
        img[row:row + w, 140:244] = [1.0, 1.0, 1.0] if i % 2 == 0 else [0.1, 0.3, 0.95]
    # A dark grid patch: both directions at once.
    for k in range(8):
        img[150 + 10 * k, 16:120] = 0.05
        img[150:240, 16 + 13 * k] = 0.05
    # A diagonal and a ring: responses that are neither vertical nor horizontal.
    t = np.arange(100)
    img[140 + t, 145 + t] = 0.95
    r = np.hypot(y - 0.82, x - 0.78) * (size - 1)
    img[(r > 18) & (r < 21)] = [0.95, 0.85, 0.1]

    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def main():
    Image.fromarray(lines(), "RGB").save(os.path.join(HERE, "lines.png"), optimize=True)


if __name__ == "__main__":
    main()
