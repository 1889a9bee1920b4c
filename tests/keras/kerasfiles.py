#!/usr/bin/python3
"""Keras model files written the way Keras writes them, without Keras.

Keras is not packaged in Debian 12, so the tests build .keras and .h5 files
with h5py, following the layouts of Keras's own saving code:

  .keras (Keras 3, and tf-keras >= 2.15)   keras/src/saving/saving_lib.py
      zip: metadata.json, config.json (serialize_keras_object of the model),
      model.weights.h5 with each layer's variables at
      layers/<snake_case(class)>[_k]/vars/<i> (the k-th layer of that class
      in model.layers; nested models below theirs), the vars group naming
      the layer in its "name" attribute (Keras >= 3.3; older ones do not).
  .keras (tf-keras 2.13 / 2.14)            keras/saving/saving_lib.py at v2.13.1
      the same, but the layers reached through the model's
      _layer_checkpoint_dependencies, which lists every layer that has
      weights twice ("layer_with_weights-k", then "layer-i"): the class
      counter advances twice and the first name is where its weights are;
      every layer visited gets a (possibly empty) vars group.
  legacy .h5                               keras/src/legacy/saving/legacy_h5_format.py
      /@model_config (JSON bytes), /@keras_version, /@backend,
      /model_weights/@layer_names, /model_weights/<layer>/@weight_names
      (split into weight_names0, 1 ... over 64512 bytes, as
      save_attributes_to_hdf5_group does), one dataset per weight name.

Each layer also knows its Keras semantics as PyTorch code (forward), so
the tests compare featuremaps' maps with PyTorch's conv2d etc. on the same
weights (HWIO -> OIHW).

    import kerasfiles as kf
    m = kf.sequential("seq", (32, 32, 3), [kf.conv2d("c1", 3, 8, 3, activation="relu"), ...])
    kf.save_keras(m, "m.keras")                 # flavour="keras3" | "keras3.0" | "tf2.13"
    kf.save_h5(m, "m.h5")                       # keras_version="2.13.1" | "3.3.3"
    acts = kf.forward(m, x)                     # {scoped layer name: H' x W' x K}
"""
import io
import json
import math
import re
import zipfile
import zlib

import h5py
import numpy as np
import torch
import torch.nn.functional as F

HDF5_OBJECT_HEADER_LIMIT = 64512   # Keras's split point for list attributes


def snake(name):
    """keras naming.to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def policy():
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": {"name": "float32"}, "registered_name": None}


def initializer(cls):
    return {"module": "keras.initializers", "class_name": cls, "config": {"seed": None},
            "registered_name": None}


# --- layers -------------------------------------------------------------------

class Layer:
    """One Keras layer: its class, config (Keras 3 keys), variables in
    Keras's order, and the names of the layers it reads (Functional)."""

    def __init__(self, cls, name, cfg, weights=(), inputs=None, forward=None,
                 tf_cfg=None, trainable_count=None):
        self.cls = cls
        self.name = name
        self.cfg = dict(cfg)
        self.weights = [np.asarray(w, dtype=np.float32) if not isinstance(w, np.ndarray) else w
                        for w in weights]
        self.inputs = inputs
        self.fwd = forward
        self.tf_cfg = tf_cfg       # tf-keras spelling of keys that differ
        self.model = None          # a nested Model
        # legacy .h5 order: trainable weights first (all of them here
        # except BatchNormalization's moving statistics)
        self.trainable_count = len(self.weights) if trainable_count is None else trainable_count

    def has_weights(self):
        if self.model is not None:
            return any(l.has_weights() for l in self.model.layers)
        return len(self.weights) > 0


def _pair(v):
    return [v, v] if isinstance(v, int) else list(v)


def _same_pads(size, k, s, d):
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def _pad_same(x, k, s, d, value=0.0):
    top, bottom = _same_pads(x.shape[2], k[0], s[0], d[0])
    left, right = _same_pads(x.shape[3], k[1], s[1], d[1])
    return F.pad(x, (left, right, top, bottom), value=value)


ACTIVATIONS = {
    None: lambda x: x,
    "linear": lambda x: x,
    "relu": torch.relu,
    "relu6": lambda x: torch.clamp(x, 0, 6),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
}


def conv2d(name, cin, filters, k, strides=1, padding="valid", dilation=1, groups=1,
           activation=None, use_bias=True, rng=None, inputs=None):
    rng = rng or np.random.default_rng(zlib.crc32(name.encode()))
    k, s, d = _pair(k), _pair(strides), _pair(dilation)
    kernel = rng.standard_normal((k[0], k[1], cin // groups, filters)).astype(np.float32) * 0.3
    bias = rng.standard_normal(filters).astype(np.float32) * 0.1
    cfg = {"name": name, "trainable": True, "dtype": policy(), "filters": filters,
           "kernel_size": k, "strides": s, "padding": padding, "data_format": "channels_last",
           "dilation_rate": d, "groups": groups, "activation": activation or "linear",
           "use_bias": use_bias, "kernel_initializer": initializer("GlorotUniform"),
           "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                                "config": {}, "registered_name": None},
           "kernel_regularizer": None, "bias_regularizer": None,
           "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}

    def fwd(xs):
        x = xs[0]
        w = torch.from_numpy(kernel).permute(3, 2, 0, 1).contiguous()   # HWIO -> OIHW
        if padding == "same":
            x = _pad_same(x, k, s, d)
        y = F.conv2d(x, w, torch.from_numpy(bias) if use_bias else None, stride=s,
                     dilation=d, groups=groups)
        return ACTIVATIONS[activation](y)
    return Layer("Conv2D", name, cfg, [kernel, bias] if use_bias else [kernel], inputs, fwd)


def depthwise(name, cin, k, mult=1, strides=1, padding="valid", dilation=1,
              activation=None, use_bias=True, rng=None, inputs=None):
    rng = rng or np.random.default_rng(zlib.crc32(name.encode()))
    k, s, d = _pair(k), _pair(strides), _pair(dilation)
    kernel = rng.standard_normal((k[0], k[1], cin, mult)).astype(np.float32) * 0.3
    bias = rng.standard_normal(cin * mult).astype(np.float32) * 0.1
    cfg = {"name": name, "trainable": True, "dtype": policy(), "kernel_size": k,
           "strides": s, "padding": padding, "data_format": "channels_last",
           "dilation_rate": d, "groups": 1, "activation": activation or "linear",
           "use_bias": use_bias, "depth_multiplier": mult,
           "depthwise_initializer": initializer("GlorotUniform"),
           "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                                "config": {}, "registered_name": None},
           "depthwise_regularizer": None, "bias_regularizer": None,
           "activity_regularizer": None, "depthwise_constraint": None,
           "bias_constraint": None}

    def fwd(xs):
        x = xs[0]
        # (kh, kw, C, M) -> (C*M, 1, kh, kw): output channel c*M + m
        w = torch.from_numpy(kernel).permute(2, 3, 0, 1).reshape(cin * mult, 1, k[0], k[1])
        if padding == "same":
            x = _pad_same(x, k, s, d)
        y = F.conv2d(x, w, torch.from_numpy(bias) if use_bias else None, stride=s,
                     dilation=d, groups=cin)
        return ACTIVATIONS[activation](y)
    return Layer("DepthwiseConv2D", name, cfg, [kernel, bias] if use_bias else [kernel],
                 inputs, fwd)


def separable(name, cin, filters, k, mult=1, strides=1, padding="valid", activation=None,
              rng=None, inputs=None):
    rng = rng or np.random.default_rng(zlib.crc32(name.encode()))
    k, s = _pair(k), _pair(strides)
    dk = rng.standard_normal((k[0], k[1], cin, mult)).astype(np.float32) * 0.3
    pk = rng.standard_normal((1, 1, cin * mult, filters)).astype(np.float32) * 0.3
    bias = rng.standard_normal(filters).astype(np.float32) * 0.1
    cfg = {"name": name, "trainable": True, "dtype": policy(), "filters": filters,
           "kernel_size": k, "strides": s, "padding": padding,
           "data_format": "channels_last", "dilation_rate": [1, 1],
           "depth_multiplier": mult, "activation": activation or "linear", "use_bias": True}

    def fwd(xs):
        x = xs[0]
        dw = torch.from_numpy(dk).permute(2, 3, 0, 1).reshape(cin * mult, 1, k[0], k[1])
        if padding == "same":
            x = _pad_same(x, k, s, [1, 1])
        y = F.conv2d(x, dw, None, stride=s, groups=cin)
        y = F.conv2d(y, torch.from_numpy(pk).permute(3, 2, 0, 1).contiguous(),
                     torch.from_numpy(bias))
        return ACTIVATIONS[activation](y)
    return Layer("SeparableConv2D", name, cfg, [dk, pk, bias], inputs, fwd)


def batchnorm(name, c, eps=1e-3, center=True, scale=True, rng=None, inputs=None):
    rng = rng or np.random.default_rng(zlib.crc32(name.encode()))
    gamma = (1 + 0.3 * rng.standard_normal(c)).astype(np.float32)
    beta = (0.2 * rng.standard_normal(c)).astype(np.float32)
    mean = (0.3 * rng.standard_normal(c)).astype(np.float32)
    var = (0.5 + rng.random(c)).astype(np.float32)
    cfg = {"name": name, "trainable": True, "dtype": policy(), "axis": -1,
           "momentum": 0.99, "epsilon": eps, "center": center, "scale": scale,
           "beta_initializer": initializer("Zeros"), "gamma_initializer": initializer("Ones"),
           "moving_mean_initializer": initializer("Zeros"),
           "moving_variance_initializer": initializer("Ones"),
           "beta_regularizer": None, "gamma_regularizer": None,
           "beta_constraint": None, "gamma_constraint": None, "synchronized": False}
    weights = ([gamma] if scale else []) + ([beta] if center else []) + [mean, var]

    def fwd(xs):
        g = torch.from_numpy(gamma) if scale else None
        b = torch.from_numpy(beta) if center else None
        return F.batch_norm(xs[0], torch.from_numpy(mean), torch.from_numpy(var), g, b,
                            False, 0.0, eps)
    return Layer("BatchNormalization", name, cfg, weights, inputs, fwd,
                 tf_cfg={"axis": [3]}, trainable_count=int(scale) + int(center))


def activation(name, act, inputs=None):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "activation": act}
    return Layer("Activation", name, cfg, [], inputs, lambda xs: ACTIVATIONS[act](xs[0]))


def relu(name, max_value=None, negative_slope=0.0, threshold=0.0, inputs=None):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "max_value": max_value,
           "negative_slope": negative_slope, "threshold": threshold}

    def fwd(xs):
        x = xs[0]
        y = torch.where(x >= threshold, x, negative_slope * (x - threshold))
        if max_value is not None:
            y = torch.where(x >= max_value, torch.full_like(x, max_value), y)
        return y
    return Layer("ReLU", name, cfg, [], inputs, fwd)


def leaky(name, alpha=0.3, inputs=None):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "negative_slope": alpha}
    return Layer("LeakyReLU", name, cfg, [], inputs, lambda xs: F.leaky_relu(xs[0], alpha),
                 tf_cfg={"alpha": alpha, "negative_slope": None})


def _pool(cls, name, pool, strides, padding, inputs):
    pool = _pair(pool)
    s = _pair(strides) if strides is not None else pool
    cfg = {"name": name, "trainable": True, "dtype": policy(), "pool_size": pool,
           "padding": padding, "strides": s if strides is not None else None,
           "data_format": "channels_last"}

    def fwd(xs):
        x = xs[0]
        if cls == "MaxPooling2D":
            if padding == "same":
                x = _pad_same(x, pool, s, [1, 1], value=-math.inf)
            return F.max_pool2d(x, pool, s)
        # Keras averages the real pixels only
        ones = torch.ones_like(x[:, :1])
        if padding == "same":
            x = _pad_same(x, pool, s, [1, 1])
            ones = _pad_same(ones, pool, s, [1, 1])
        total = F.avg_pool2d(x, pool, s) * (pool[0] * pool[1])
        count = F.avg_pool2d(ones, pool, s) * (pool[0] * pool[1])
        return total / count
    return Layer(cls, name, cfg, [], inputs, fwd)


def maxpool(name, pool=2, strides=None, padding="valid", inputs=None):
    return _pool("MaxPooling2D", name, pool, strides, padding, inputs)


def avgpool(name, pool=2, strides=None, padding="valid", inputs=None):
    return _pool("AveragePooling2D", name, pool, strides, padding, inputs)


def zeropad(name, padding, inputs=None):
    if isinstance(padding, int):
        t = b = l = r = padding
        cfg_pad = [[padding, padding], [padding, padding]]
    else:
        (t, b), (l, r) = padding
        cfg_pad = [[t, b], [l, r]]
    cfg = {"name": name, "trainable": True, "dtype": policy(), "padding": cfg_pad,
           "data_format": "channels_last"}
    return Layer("ZeroPadding2D", name, cfg, [], inputs,
                 lambda xs: F.pad(xs[0], (l, r, t, b)))


def rescaling(name, scale, offset=0.0, inputs=None):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "scale": scale, "offset": offset}

    def fwd(xs):
        s = torch.tensor(scale, dtype=torch.float32).reshape(-1, 1, 1)
        o = torch.tensor(offset, dtype=torch.float32).reshape(-1, 1, 1)
        return xs[0] * s + o
    return Layer("Rescaling", name, cfg, [], inputs, fwd)


def normalization(name, mean, variance, adapted=True, inputs=None):
    mean = np.asarray(mean, np.float32)
    variance = np.asarray(variance, np.float32)
    cfg = {"name": name, "trainable": True, "dtype": policy(), "axis": [-1],
           "invert": False, "mean": None if adapted else mean.tolist(),
           "variance": None if adapted else variance.tolist()}
    weights = [mean, variance, np.asarray(1000, np.int64)] if adapted else []

    def fwd(xs):
        m = torch.from_numpy(mean).reshape(-1, 1, 1)
        d = torch.clamp(torch.sqrt(torch.from_numpy(variance)), min=1e-7).reshape(-1, 1, 1)
        return (xs[0] - m) / d
    return Layer("Normalization", name, cfg, weights, inputs, fwd,
                 tf_cfg={"axis": [-1]}, trainable_count=0)


def add(name, inputs):
    cfg = {"name": name, "trainable": True, "dtype": policy()}
    return Layer("Add", name, cfg, [], inputs, lambda xs: sum(xs[1:], xs[0]))


def concat(name, inputs, axis=-1):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "axis": axis}
    return Layer("Concatenate", name, cfg, [], inputs, lambda xs: torch.cat(xs, 1))


def dropout(name, rate=0.5, inputs=None):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "rate": rate,
           "seed": None, "noise_shape": None}
    return Layer("Dropout", name, cfg, [], inputs, lambda xs: xs[0])


def flatten(name, inputs=None):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "data_format": "channels_last"}
    return Layer("Flatten", name, cfg, [], inputs, None)


def dense(name, fin, units, rng=None, inputs=None):
    rng = rng or np.random.default_rng(zlib.crc32(name.encode()))
    cfg = {"name": name, "trainable": True, "dtype": policy(), "units": units,
           "activation": "linear", "use_bias": True}
    return Layer("Dense", name, cfg,
                 [rng.standard_normal((fin, units)).astype(np.float32),
                  np.zeros(units, np.float32)], inputs, None)


# --- models -------------------------------------------------------------------

class Model:
    def __init__(self, kind, name, input_shape, layers, input_name="input_layer",
                 outputs=None, explicit_input=True):
        self.kind = kind                  # "Sequential" | "Functional"
        self.name = name
        self.input_shape = tuple(input_shape)   # H, W, C (None for unknown)
        self.layers = list(layers)
        self.input_name = input_name
        self.outputs = outputs or [self.layers[-1].name]
        self.explicit_input = explicit_input   # Sequential: an InputLayer first

    def has_weights(self):
        return any(l.has_weights() for l in self.layers)


def sequential(name, input_shape, layers, **kw):
    return Model("Sequential", name, input_shape, layers, **kw)


def functional(name, input_shape, layers, input_name="input_layer", outputs=None):
    return Model("Functional", name, input_shape, layers, input_name, outputs)


def nested(model, inputs=None):
    """A model used as a layer of another."""
    l = Layer(model.kind, model.name, {}, [], inputs, None)
    l.model = model
    return l


# --- configs --------------------------------------------------------------------

def _batch_shape(m):
    return [None] + [v for v in m.input_shape]


def _keras3_tensor(layer, node=0):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": [None, None, None, None], "dtype": "float32",
                       "keras_history": [layer, node, 0]}}


def _node_index(model, name, keras3):
    """The node index a reference to layer `name` uses: a nested model's
    first call is its node 1 (Functional always; Sequential under tf-keras)."""
    for l in model.layers:
        if l.name == name and l.model is not None:
            return 1 if (l.model.kind == "Functional" or not keras3) else 0
    return 0


def _layer_cfg(l, style):
    cfg = dict(l.cfg)
    if not style.startswith("keras3") and l.tf_cfg:
        for k, v in l.tf_cfg.items():
            if v is None:
                cfg.pop(k, None)
            else:
                cfg[k] = v
    if not style.startswith("keras3"):
        cfg["dtype"] = "float32"
    return cfg


def model_config(m, style="keras3"):
    """The serialized model: style "keras3" (Keras 3), "keras3-legacy"
    (Keras 3's legacy .h5: the same without module keys), "tf-new"
    (tf-keras 2.13 .keras: module keys, list inbound nodes) or "tf-legacy"
    (tf-keras legacy .h5: no module keys)."""
    keras3 = style in ("keras3", "keras3-legacy")
    mod = style not in ("tf-legacy", "keras3-legacy")

    def entry(cls, cfg, module="keras.layers"):
        e = {"class_name": cls, "config": cfg}
        if mod:
            e = {"module": module, "class_name": cls, "config": cfg, "registered_name": None}
        return e

    def input_entry():
        cfg = {"batch_shape" if keras3 else "batch_input_shape": _batch_shape(m),
               "dtype": "float32", "sparse": False, "name": m.input_name}
        if not keras3:
            cfg["ragged"] = False
        return entry("InputLayer", cfg)

    layers = []
    if m.kind == "Sequential":
        if m.explicit_input:
            layers.append(input_entry())
        for l in m.layers:
            if l.model is not None:
                layers.append(model_config(l.model, style))
            else:
                e = entry(l.cls, _layer_cfg(l, style))
                if not m.explicit_input and l is m.layers[0]:
                    e["config"]["batch_input_shape"] = _batch_shape(m)
                layers.append(e)
        cfg = {"name": m.name, "trainable": True, "layers": layers}
        if keras3:
            cfg["dtype"] = policy()
            cfg["build_input_shape"] = _batch_shape(m)
        return entry("Sequential", cfg, "keras")

    ie = input_entry()
    ie["name"] = m.input_name
    ie["inbound_nodes"] = []
    layers.append(ie)
    for l in m.layers:
        if l.model is not None:
            e = model_config(l.model, style)
        else:
            e = entry(l.cls, _layer_cfg(l, style))
        e["name"] = l.name
        srcs = l.inputs
        if keras3:
            ts = [_keras3_tensor(s, _node_index(m, s, True)) for s in srcs]
            arg = ts if len(ts) > 1 else ts[0]
            e["inbound_nodes"] = [{"args": [arg], "kwargs": {}}]
        else:
            e["inbound_nodes"] = [[[s, _node_index(m, s, False), 0, {}] for s in srcs]]
        layers.append(e)
    outs = [[o, _node_index(m, o, keras3), 0] for o in m.outputs]
    cfg = {"name": m.name, "trainable": True, "layers": layers,
           "input_layers": [m.input_name, 0, 0] if keras3 else [[m.input_name, 0, 0]],
           "output_layers": outs[0] if keras3 and len(outs) == 1 else outs}
    return entry("Functional", cfg, "keras")


# --- weights ----------------------------------------------------------------------

def _write_vars(group, l, names):
    vg = group.create_group("vars")
    if names:
        vg.attrs["name"] = l.name
    for i, w in enumerate(l.weights):
        vg[str(i)] = w


def _save_keras3(m, h5, prefix, names):
    """Keras 3's _save_state: the model's layers, each at
    layers/<snake>[_k] (the counter per class, in model.layers order)."""
    counts = {}
    seq_input = m.kind == "Sequential"   # Sequential.layers omits its InputLayer
    classes = [] if seq_input else [("InputLayer", None)]
    classes += [(l.cls if l.model is None else l.model.kind, l) for l in m.layers]
    for cls, l in classes:
        s = snake(cls)
        counts[s] = counts.get(s, -1) + 1
        leaf = s if counts[s] == 0 else "%s_%d" % (s, counts[s])
        path = prefix + "layers/" + leaf
        if l is None:
            if names:
                h5.require_group(path).create_group("vars").attrs["name"] = m.input_name
            continue
        if l.model is not None:
            g = h5.require_group(path)
            if names:
                g.create_group("vars").attrs["name"] = l.model.name
            _save_keras3(l.model, h5, path + "/", names)
            continue
        if l.weights or names:
            _write_vars(h5.require_group(path), l, names)


def _save_tf213(m, h5, prefix):
    """tf-keras 2.13: through _layer_checkpoint_dependencies, weighted layers
    listed twice."""
    counts = {}
    dep = prefix + "_layer_checkpoint_dependencies/"
    entries = [] if m.kind == "Sequential" else [("InputLayer", None)]
    entries += [(l.cls if l.model is None else l.model.kind, l) for l in m.layers]
    for cls, l in entries:
        s = snake(cls)
        weighted = l is not None and l.has_weights()
        times = 2 if weighted else 1
        first = None
        for _ in range(times):
            counts[s] = counts.get(s, -1) + 1
            leaf = s if counts[s] == 0 else "%s_%d" % (s, counts[s])
            if first is None:
                first = leaf
        path = dep + first
        g = h5.require_group(path)
        vg = g.create_group("vars")
        if l is None:
            continue
        if l.model is not None:
            _save_tf213(l.model, h5, path + "/")
            continue
        for i, w in enumerate(l.weights):
            vg[str(i)] = w


def save_keras(m, path, flavour="keras3"):
    """flavour: "keras3" (Keras >= 3.3, vars groups named), "keras3.0" (no
    names, groups only for layers with variables), "tf2.13"."""
    bio = io.BytesIO()
    with h5py.File(bio, "w") as h5:
        if flavour == "tf2.13":
            h5.create_group("vars")
            _save_tf213(m, h5, "")
        else:
            names = flavour == "keras3"
            if names:
                h5.create_group("vars").attrs["name"] = m.name
            _save_keras3(m, h5, "", names)
    style = "tf-new" if flavour == "tf2.13" else "keras3"
    version = "2.13.1" if flavour == "tf2.13" else ("3.0.5" if flavour == "keras3.0" else "3.3.3")
    cfg = model_config(m, style)
    cfg["build_config"] = {"input_shape": _batch_shape(m)}
    cfg["compile_config"] = None
    meta = {"keras_version": version, "date_saved": "2024-05-01@12:00:00"}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps(meta))
        zf.writestr("config.json", json.dumps(cfg))
        zf.writestr("model.weights.h5", bio.getvalue())


def save_attributes(group, name, data):
    """legacy_h5_format.save_attributes_to_hdf5_group."""
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunked):
        num_chunks += 1
        chunked = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunked):
            group.attrs["%s%d" % (name, i)] = chunk
    else:
        group.attrs[name] = data


def _legacy_weights(l, scope=""):
    """(name, value) in the legacy order: trainable first, then the others."""
    if l.model is not None:
        subs = [_legacy_weights(s, scope) for s in l.model.layers]
        trainable = [w for s in subs for w in s[0]]
        other = [w for s in subs for w in s[1]]
        return trainable, other
    roles = {"Conv2D": ["kernel", "bias"], "DepthwiseConv2D": ["depthwise_kernel", "bias"],
             "SeparableConv2D": ["depthwise_kernel", "pointwise_kernel", "bias"],
             "Dense": ["kernel", "bias"], "Normalization": ["mean", "variance", "count"]}
    if l.cls == "BatchNormalization":
        names = (["gamma"] if l.cfg["scale"] else []) + (["beta"] if l.cfg["center"] else []) \
                + ["moving_mean", "moving_variance"]
    else:
        names = roles.get(l.cls, [])
    named = [("%s%s/%s:0" % (scope, l.name, n), w) for n, w in zip(names, l.weights)]
    return named[:l.trainable_count], named[l.trainable_count:]


def save_h5(m, path, keras_version="2.13.1"):
    # Keras 3 writes its own config in legacy_serialization's spelling
    style = "keras3-legacy" if keras_version.startswith("3") else "tf-legacy"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(model_config(m, style)).encode("utf8")
        f.attrs["keras_version"] = keras_version.encode("utf8")
        f.attrs["backend"] = b"tensorflow"
        mw = f.create_group("model_weights")
        save_attributes(mw, "layer_names", [l.name.encode("utf8") for l in m.layers])
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = keras_version.encode("utf8")
        for l in sorted(m.layers, key=lambda x: x.name):
            g = mw.create_group(l.name)
            trainable, other = _legacy_weights(l)
            weights = trainable + other
            save_attributes(g, "weight_names", [n.encode("utf8") for n, _ in weights])
            for n, v in weights:
                d = g.create_dataset(n, v.shape, dtype=v.dtype)
                if not v.shape:
                    d[()] = v
                else:
                    d[:] = v


# --- the reference: Keras semantics in PyTorch ----------------------------------

def forward(m, x, scope=""):
    """x: H x W x C (numpy, what the model's input layer receives).
    Returns {scoped layer name: H' x W' x K numpy} for every layer."""
    acts = {}
    t = torch.from_numpy(np.ascontiguousarray(np.asarray(x, np.float32).transpose(2, 0, 1)))[None]
    _run(m, [t], scope, acts)
    return {k: v[0].permute(1, 2, 0).numpy() for k, v in acts.items() if v.dim() == 4}


def _run(m, inputs, scope, acts):
    tensors = {m.input_name: inputs[0]}
    prev = inputs[0]
    for l in m.layers:
        srcs = [prev] if m.kind == "Sequential" else [tensors[s] for s in l.inputs]
        with torch.no_grad():
            if l.model is not None:
                y = _run(l.model, srcs, scope + l.name + "/", acts)
            elif l.fwd is None:
                break   # Flatten, Dense …: past the spatial part
            else:
                y = l.fwd(srcs)
        acts[scope + l.name] = y
        tensors[l.name] = y
        prev = y
    return tensors[m.outputs[0]] if m.outputs[0] in tensors else prev
