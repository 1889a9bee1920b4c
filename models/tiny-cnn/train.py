#!/usr/bin/python3
"""Trains the tiny CNN on procedural strokes (data.py) and saves its weights.

    /usr/bin/python3 models/tiny-cnn/train.py [--epochs N] [--per-class N]

Debian's python3-torch, 2 threads, a fixed seed and deterministic kernels:
the same machine gives the same weights bit for bit (another CPU may take
other vector paths in PyTorch and end a few ulps apart).  Writes, beside
this file:
  tiny-cnn.safetensors   the trained state dict (as safetensors.torch would)
  training.json          seed, data sizes, time, accuracy per epoch and class
Then run export.py to make the ONNX file, the stack description, the preset
bank and the reference activations from those weights.
"""
import argparse
import json
import os
import platform
import sys
import time

# On a machine whose cores are busy, OpenMP threads that spin while they
# wait for each other make a training step up to 10 times slower; sleeping
# waits cost nothing when the cores are free.  Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))

import data  # noqa: E402
import net  # noqa: E402
from fmtorch import safetensors  # noqa: E402

SEED = 20241129
TRAIN_SEED, TEST_SEED = 1, 2
# A flip mirrors a stroke's orientation: 45° and 135° swap, the rest stay.
FLIP = [data.class_index(h, {"45°": "135°", "135°": "45°"}.get(o, o))
        for h in data.HUES for o in data.ORIENTATIONS]


def to_tensor(images):
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(255.0)


def evaluate(model, x, y, batch=500):
    model.eval()
    pred = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            pred.append(model(net.normalise(x[i:i + batch])).argmax(1))
    pred = torch.cat(pred)
    return pred, float((pred == y).float().mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--per-class", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--decay1", type=float, default=6e-3, help="conv1's weight decay")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(SEED)

    t0 = time.time()
    train_x, train_y = data.make_set(TRAIN_SEED, args.per_class)
    test_x, test_y = data.make_set(TEST_SEED, max(args.per_class // 5, 20))
    train_x, test_x = to_tensor(train_x), to_tensor(test_x)
    train_y, test_y = torch.from_numpy(train_y), torch.from_numpy(test_y)
    t_data = time.time() - t0
    print("data: %d training, %d test images of %d × %d in %.1f s"
          % (len(train_x), len(test_x), data.SIZE, data.SIZE, t_data), flush=True)

    model = net.TinyCNN(len(data.CLASSES))
    # conv1 decays harder: weights the data does not keep asking for fade,
    # so its filters end smooth and readable rather than speckled.
    first = list(model.conv1.parameters())
    rest = [p for p in model.parameters() if all(p is not q for q in first)]
    opt = torch.optim.Adam([{"params": first, "weight_decay": args.decay1},
                            {"params": rest, "weight_decay": 1e-4}], lr=args.lr)
    steps = args.epochs * ((len(train_x) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    flip = torch.tensor(FLIP)
    history = []
    t1 = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=gen)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            x, y = train_x[idx], train_y[idx]
            # Mirror half the batch left-right (orientation labels follow).
            m = torch.rand(len(idx), generator=gen) < 0.5
            x = torch.where(m.view(-1, 1, 1, 1), x.flip(3), x)
            y = torch.where(m, flip[y], y)
            logits = model(net.normalise(x))
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            total += len(idx)
        _, acc = evaluate(model, test_x, test_y)
        history.append({"epoch": epoch + 1, "loss": round(loss_sum / total, 4),
                        "train_accuracy": round(correct / total, 4),
                        "test_accuracy": round(acc, 4),
                        "seconds": round(time.time() - t1, 1)})
        print("epoch %2d  loss %.4f  train %.4f  test %.4f  %.0f s"
              % (epoch + 1, loss_sum / total, correct / total, acc, time.time() - t1), flush=True)

    pred, acc = evaluate(model, test_x, test_y)
    confusion = np.zeros((len(data.CLASSES),) * 2, np.int64)
    for t, p in zip(test_y.tolist(), pred.tolist()):
        confusion[t, p] += 1
    per_class = {c: round(float(confusion[i, i] / confusion[i].sum()), 4)
                 for i, c in enumerate(data.CLASSES)}
    model.eval()
    path = os.path.join(args.out, "tiny-cnn.safetensors")
    safetensors.write(path, model.state_dict(),
                      metadata={"format": "pt", "classes": json.dumps(data.CLASSES)})
    record = {
        "seed": SEED, "train_seed": TRAIN_SEED, "test_seed": TEST_SEED,
        "train_images": len(train_x), "test_images": len(test_x),
        "image_size": data.SIZE, "classes": data.CLASSES,
        "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
        "optimizer": "Adam (weight decay %g on conv1, 1e-4 elsewhere), one-cycle schedule" % args.decay1,
        "augmentation": "left-right mirror with 45°/135° labels swapped",
        "test_accuracy": round(acc, 4), "per_class_accuracy": per_class,
        "confusion": confusion.tolist(), "history": history,
        "seconds_data": round(t_data, 1), "seconds_training": round(time.time() - t1, 1),
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "numpy": np.__version__, "python": platform.python_version(),
        "machine": platform.machine(),
    }
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(record, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("test accuracy %.4f; wrote %s" % (acc, path))


if __name__ == "__main__":
    main()
