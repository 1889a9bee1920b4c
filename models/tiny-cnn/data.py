"""Procedural training images for the tiny CNN: coloured strokes at four
orientations, alone or crossed into a grid, over soft backgrounds.

Every image is made from numbers drawn from one numpy Generator, so a seed
gives the same data set on every machine; nothing is downloaded.

The task (10 classes) asks for exactly what a first layer can learn and a
second layer can combine:
  - orientation: horizontal, 45° (rising to the right, "/"), vertical,
    135° ("\\"), or a grid (horizontal and vertical strokes crossing);
  - hue family of the strokes: warm (red, orange, yellow, magenta) or cool
    (green, cyan, blue).
Stroke lightness is drawn independently of the background's, and the
background has its own tint, gradient and grain, and noise covers all, so neither brightness nor
the average colour of the image gives the class away: the network has to
find oriented edges and compare colours across them.
"""
import numpy as np

SIZE = 32
ORIENTATIONS = ["horizontal", "45°", "vertical", "135°", "grid"]
HUES = ["warm", "cool"]
CLASSES = ["%s %s" % (h, o) for h in HUES for o in ORIENTATIONS]
ANGLES = {"horizontal": 0.0, "45°": 45.0, "vertical": 90.0, "135°": 135.0}


def class_index(hue, orientation):
    return HUES.index(hue) * len(ORIENTATIONS) + ORIENTATIONS.index(orientation)


def hsv_to_rgb(h, s, v):
    """h in degrees, s and v in 0..1; arrays broadcast."""
    h = np.mod(h, 360.0) / 60.0
    c = v * s
    x = c * (1 - np.abs(np.mod(h, 2) - 1))
    m = v - c
    i = np.floor(h).astype(int) % 6
    r = np.choose(i, [c, x, 0 * c, 0 * c, x, c])
    g = np.choose(i, [x, c, c, x, 0 * c, 0 * c])
    b = np.choose(i, [0 * c, 0 * c, x, c, c, x])
    return np.stack([r + m, g + m, b + m], axis=-1)


def stroke_hue(rng, family):
    if family == "warm":  # magenta through red and orange to yellow
        return rng.uniform(-40.0, 60.0)
    return rng.uniform(120.0, 250.0)  # green through cyan to blue


def background(rng, size):
    """A faintly tinted linear gradient with grain: low saturation, any
    lightness, so colour lives in the strokes."""
    y, x = np.mgrid[0:size, 0:size] / (size - 1.0)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * x + np.sin(angle) * y)
    ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-6)
    v0 = rng.uniform(0.15, 0.85)
    v = np.clip(v0 + rng.uniform(-0.25, 0.25) * (ramp - 0.5), 0, 1)
    rgb = hsv_to_rgb(rng.uniform(0, 360), rng.uniform(0.0, 0.25), v)
    rgb = rgb + rng.normal(0, rng.uniform(0.01, 0.04), rgb.shape)  # texture
    return rgb


def coverage(size, angle_deg, offset, width, half_length, centre):
    """Anti-aliased coverage (0..1) of a straight stroke: pixels within
    width/2 of the line through `centre + offset·normal`, clipped to a segment
    of half_length along the line with soft ends."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    t = np.deg2rad(angle_deg)
    # Direction along the stroke: angle measured anticlockwise from +x with
    # image y pointing down, so 45° rises to the right.
    dx, dy = np.cos(t), -np.sin(t)
    nx, ny = -dy, dx
    cx, cy = centre
    px, py = x - cx, y - cy
    across = px * nx + py * ny - offset
    along = px * dx + py * dy
    a = np.clip(width / 2.0 + 0.5 - np.abs(across), 0, 1)
    b = np.clip(half_length + 0.5 - np.abs(along), 0, 1)
    return a * b


def draw_strokes(rng, img, angle, family, count):
    size = img.shape[0]
    centre = (size / 2 + rng.uniform(-3, 3), size / 2 + rng.uniform(-3, 3))
    spacing = rng.uniform(5.0, 9.0)
    first = -spacing * (count - 1) / 2.0
    for i in range(count):
        a = angle + rng.uniform(-6.0, 6.0)
        cov = coverage(size, a, first + i * spacing + rng.uniform(-1, 1),
                       rng.uniform(1.0, 3.0), rng.uniform(0.3, 0.6) * size,
                       centre)
        colour = hsv_to_rgb(stroke_hue(rng, family), rng.uniform(0.55, 1.0),
                            rng.uniform(0.35, 1.0))
        img[:] = img * (1 - cov[..., None]) + colour * cov[..., None]


def make_image(rng, label, size=SIZE):
    family = HUES[label // len(ORIENTATIONS)]
    orientation = ORIENTATIONS[label % len(ORIENTATIONS)]
    img = background(rng, size)
    if orientation == "grid":
        draw_strokes(rng, img, 0.0, family, int(rng.integers(1, 4)))
        draw_strokes(rng, img, 90.0, family, int(rng.integers(1, 4)))
    else:
        draw_strokes(rng, img, ANGLES[orientation], family, int(rng.integers(1, 4)))
    # Sensor noise over everything: filters that are smooth along a stroke
    # average it away, so they are what training finds.
    img += rng.normal(0, rng.uniform(0.03, 0.15), img.shape)
    return np.clip(img, 0.0, 1.0)


def make_set(seed, per_class, size=SIZE):
    """(images N × size × size × 3 uint8, labels N int64), classes interleaved."""
    rng = np.random.default_rng(seed)
    n = per_class * len(CLASSES)
    images = np.empty((n, size, size, 3), np.uint8)
    labels = np.arange(n, dtype=np.int64) % len(CLASSES)
    for i in range(n):
        images[i] = np.round(make_image(rng, int(labels[i]), size) * 255.0)
    return images, labels
