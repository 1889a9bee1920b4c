#!/usr/bin/python3
"""Makes the sample images the README and ./run demo use.

    /usr/bin/python3 samples/make-samples.py     (numpy + PIL; deterministic)

lines.png  256 x 256 RGB: vertical and horizontal lines of several widths and
           colours over a soft gradient with a fine noise texture, a diagonal
           and a ring, so the line detectors, edge and blur banks all have
           something to find.
scene.png  96 x 96 RGB: a small landscape made of shapes (sky, sun, hills,
           a house with a tiled roof and windows, a fence, a path) with soft
           shading and grain, the kind of picture a network meets outside
           its training set; the shipped tiny CNN's reference maps use it.
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


def scene(size=96):
    rng = np.random.default_rng(20241129)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) / (size - 1)
    img = np.empty((size, size, 3))
    # Sky: deep blue at the top to pale near the horizon.
    sky = np.clip(y / 0.55, 0, 1)[..., None]
    img[:] = (1 - sky) * np.array([0.18, 0.38, 0.78]) + sky * np.array([0.78, 0.86, 0.95])
    # Sun with a soft edge.
    r = np.hypot(x - 0.78, y - 0.2)
    img += np.clip((0.09 - r) / 0.015, 0, 1)[..., None] * (np.array([1.0, 0.86, 0.3]) - img)
    # Two hills, the far one bluish, the near one green with grass texture.
    far = y > 0.5 + 0.08 * np.sin(x * 5.0 + 1.0)
    img[far] = np.array([0.35, 0.5, 0.45])
    near = y > 0.62 + 0.06 * np.cos(x * 3.5)
    grass = np.array([0.25, 0.55, 0.2]) * (0.85 + 0.3 * rng.random((size, size, 1)))
    img[near] = grass[near]
    # A path: a diagonal band of sand.
    path = near & (np.abs((x - 0.15) - (1.0 - y) * 0.9) < 0.05 + 0.1 * (y - 0.62))
    img[path] = np.array([0.8, 0.7, 0.5])
    # A house: wall, a roof of tile rows, two windows with crossbars.
    wall = (x > 0.5) & (x < 0.8) & (y > 0.52) & (y < 0.78)
    img[wall] = np.array([0.92, 0.88, 0.78])
    roof = (y > 0.36) & (y <= 0.52) & (np.abs(x - 0.65) < (y - 0.36) * 1.2)
    tiles = (np.floor(y * size / 3) % 2 == 0)
    img[roof] = np.where(tiles[roof][:, None], [0.7, 0.2, 0.12], [0.55, 0.12, 0.08])
    for x0 in (0.55, 0.69):
        win = (x > x0) & (x < x0 + 0.07) & (y > 0.58) & (y < 0.67)
        img[win] = np.array([0.25, 0.35, 0.55])
        bar = win & ((np.abs(x - (x0 + 0.035)) < 0.006) | (np.abs(y - 0.625) < 0.006))
        img[bar] = np.array([0.95, 0.95, 0.95])
    # A fence of white posts on the left, a rail across them.
    posts = (x < 0.42) & (y > 0.68) & (y < 0.84) & (np.mod(x * size, 6) < 2)
    rail = (x < 0.42) & (np.abs(y - 0.73) < 0.012)
    img[posts | rail] = np.array([0.96, 0.96, 0.93])
    # Soft light from the left, then grain.
    img *= (1.05 - 0.15 * x)[..., None]
    img += rng.normal(0.0, 0.015, img.shape)
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def main():
    Image.fromarray(lines(), "RGB").save(os.path.join(HERE, "lines.png"), optimize=True)
    Image.fromarray(scene(), "RGB").save(os.path.join(HERE, "scene.png"), optimize=True)


if __name__ == "__main__":
    main()
