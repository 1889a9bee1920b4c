#!/usr/bin/python3
"""Run the standard workloads (docs/workloads.md) and the network N1 through
`featuremaps bench --json` and, in the same run, through PyTorch
(channels-last and NCHW), OpenCV (filter2D, which switches to a DFT for
large kernels) and SciPy (FFT), then print our time, the best other tool's
and the speed-up against the project's speed targets (docs/benchmarks.md).

Every tool is timed the same way as `featuremaps bench`: a warm-up, then the
median of --runs runs, 2 threads, output memory reused between runs.  The
machine may be shared, so the measurements are interleaved: per workload,
--rounds rounds of (ours, then every other tool), each a median of --runs
runs; each tool's figure is the median over the rounds, so ours and theirs
are taken under the same load (every round is kept in --json).  glibc
is told to keep freed memory (MALLOC_MMAP_MAX_=0, a large
MALLOC_TRIM_THRESHOLD_) so that a library that allocates its output on every
call reuses warm pages, as ours does; the script re-executes itself with that
environment.  Needs Debian's python3-torch, python3-opencv, python3-scipy and
python3-numpy, which are installed for /usr/bin/python3.

Usage: tests/bench/compare.py [--featuremaps PATH] [--only W2,W5] [--runs N]
                              [--threads N] [--json FILE] [--peak GFLOPS]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

MALLOC_ENV = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


def reexec_with_malloc_env():
    if all(os.environ.get(k) == v for k, v in MALLOC_ENV.items()) \
            and sys.executable == "/usr/bin/python3":
        return
    env = dict(os.environ, **MALLOC_ENV)
    os.execve("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv, env)


reexec_with_malloc_env()

import numpy as np  # noqa: E402  (after the re-exec, on purpose)

# name, H, W, C, K, kh, kw, padding, groups, relu
WORKLOADS = [
    ("W1", 4096, 4096, 1, 1, 3, 3, "valid", 1, False),
    ("W2", 2048, 2048, 3, 32, 3, 3, "same", 1, True),
    ("W3", 2048, 2048, 3, 8, 7, 7, "same", 1, False),
    ("W4", 2048, 2048, 1, 1, 31, 31, "same", 1, False),
    ("W5", 512, 512, 64, 64, 3, 3, "same", 1, False),
    ("W6", 4096, 4096, 3, 4, 5, 5, "same", 1, False),
    ("W6d", 4096, 4096, 3, 3, 5, 5, "same", 3, False),
]

# The speed targets: (tool the target is measured against, its ms in docs/workloads.md,
# target speed-up).  W4 has two.
TARGETS = {
    "W1": [("opencv-filter2d", 9.2, 2.0)],
    "W2": [("torch-channels-last", 53.7, 1.0)],
    "W3": [("torch-channels-last", 88.7, 1.33)],
    "W4": [("scipy-fft", 43.1, 0.83), ("opencv-filter2d", 85.0, 1.6)],
    "W5": [("torch-channels-last", 87.1, 0.9)],
    "W6": [("torch-channels-last", 179.0, 2.5)],
    "W6d": [("opencv-filter2d", 46.2, 2.5)],
}


def median_time(fn, runs, warm=True):
    if warm:
        fn()  # warm-up: faults pages in, builds plans, spins up threads
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def same_pads(n, k):
    total = max(k - 1, 0)
    return total // 2, total - total // 2  # smaller half first, as TensorFlow


def torch_tools(wl, x_hwc, w_khwc, bias, threads, runs):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    name, H, W, C, K, kh, kw, padding, groups, relu = wl
    x = torch.from_numpy(np.ascontiguousarray(x_hwc.transpose(2, 0, 1)))[None]
    w = torch.from_numpy(np.ascontiguousarray(w_khwc.transpose(0, 3, 1, 2)))
    b = torch.from_numpy(bias)
    out = {}
    for layout in ("channels-last", "nchw"):
        fmt = torch.channels_last if layout == "channels-last" else torch.contiguous_format
        xl = x.contiguous(memory_format=fmt)
        wl_ = w.contiguous(memory_format=fmt)
        if padding == "same":
            top, bottom = same_pads(H, kh)
            left, right = same_pads(W, kw)
            if top == bottom and left == right:
                pad = (top, left)
                xin = xl
            else:  # asymmetric "same" (even kernels): not in these workloads
                xin = F.pad(xl, (left, right, top, bottom))
                pad = 0
        else:
            pad, xin = 0, xl

        def run():
            with torch.no_grad():
                y = F.conv2d(xin, wl_, b, padding=pad, groups=groups)
                if relu:
                    y = torch.relu_(y)
            return y
        out["torch-" + layout] = median_time(run, runs)
    return out


def opencv_tools(wl, x_hwc, w_khwc, bias, runs):
    import cv2
    cv2.setNumThreads(1)   # filter2D is single-threaded anyway
    name, H, W, C, K, kh, kw, padding, groups, relu = wl
    border = cv2.BORDER_CONSTANT
    anchor = (kw // 2 - (1 - kw % 2), kh // 2 - (1 - kh % 2))
    if groups == C and K == C and C in (1, 3, 4) and np.allclose(w_khwc, w_khwc[:1]):
        # One kernel on an interleaved image: filter2D does every channel.
        k2 = np.ascontiguousarray(w_khwc[0, :, :, 0])
        dst = np.empty_like(x_hwc)

        def run():
            cv2.filter2D(x_hwc, cv2.CV_32F, k2, dst=dst, anchor=anchor,
                         delta=0, borderType=border)
            if bias is not None:
                np.add(dst, bias[0], out=dst)
        return {"opencv-filter2d": median_time(run, runs)}
    if C * K > 128:
        return {}   # hundreds of single-channel calls: not a contender
    planes = [np.ascontiguousarray(x_hwc[:, :, c]) for c in range(C)]
    kernels = [[np.ascontiguousarray(w_khwc[k, :, :, c]) for c in range(C)] for k in range(K)]
    tmp = np.empty((H, W), np.float32)
    acc = np.empty((K, H, W), np.float32)

    def run():
        for k in range(K):
            cv2.filter2D(planes[0], cv2.CV_32F, kernels[k][0], dst=acc[k],
                         anchor=anchor, delta=float(bias[k]), borderType=border)
            for c in range(1, C):
                cv2.filter2D(planes[c], cv2.CV_32F, kernels[k][c], dst=tmp,
                             anchor=anchor, delta=0, borderType=border)
                acc[k] += tmp
            if relu:
                np.maximum(acc[k], 0, out=acc[k])
    return {"opencv-filter2d": median_time(run, runs)}


def scipy_fft_tool(wl, x_hwc, w_khwc, bias, threads, runs):
    """Correlation by FFT: the kernel's transform made once (like a plan),
    the input's transformed per run; channels summed in frequency space."""
    import scipy.fft as sfft
    name, H, W, C, K, kh, kw, padding, groups, relu = wl
    if groups != 1 or K * C > 8:
        return {}
    sh = (sfft.next_fast_len(H + kh - 1, True), sfft.next_fast_len(W + kw - 1, True))
    top, _ = same_pads(H, kh)
    left, _ = same_pads(W, kw)
    kf = [[sfft.rfft2(w_khwc[k, ::-1, ::-1, c], sh, workers=threads) for c in range(C)]
          for k in range(K)]
    planes = [np.ascontiguousarray(x_hwc[:, :, c]) for c in range(C)]
    oy, ox = kh - 1 - top, kw - 1 - left

    def run():
        xf = [sfft.rfft2(p, sh, workers=threads) for p in planes]
        for k in range(K):
            s = xf[0] * kf[k][0]
            for c in range(1, C):
                s += xf[c] * kf[k][c]
            y = sfft.irfft2(s, sh, workers=threads)[oy:oy + H, ox:ox + W]
            y += bias[k]
    return {"scipy-fft": median_time(run, runs)}


# ---- networks -------------------------------------------------------------
# N1: VGG-style conv3-64, conv3-64, max-pool 2, conv3-128,
# conv3-128, ReLU after each conv, same padding, 1024 × 1024 × 3 input, to the
# last layer.  Targets: ≥ 1.2× PyTorch (oneDNN, channels-last), ≥ 3× OpenCV
# dnn, and peak RSS at most half of PyTorch's (whole processes, each tool
# in a fresh child that builds the model, runs it twice and reports its
# VmHWM; ours is `featuremaps bench`'s VmHWM over the workload).
NETWORKS = [("N1", 1024, 1024, 3)]
NET_TARGETS = {"N1": [("torch-channels-last", 1.2), ("opencv-dnn", 3.0)]}

N1_CODE = """
import torch
def n1():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 64, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(64, 64, 3, padding=1), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(64, 128, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(128, 128, 3, padding=1), torch.nn.ReLU()).eval()
"""


def n1_model():
    scope = {}
    exec(N1_CODE, scope)
    return scope["n1"]()


def torch_net_tools(x_hwc, threads, runs):
    import torch
    torch.set_num_threads(threads)
    model = n1_model()
    x = torch.from_numpy(np.ascontiguousarray(x_hwc.transpose(2, 0, 1)))[None]
    out = {}
    for layout in ("channels-last", "nchw"):
        fmt = torch.channels_last if layout == "channels-last" else torch.contiguous_format
        m = model.to(memory_format=fmt)
        xl = x.contiguous(memory_format=fmt)

        def run():
            with torch.no_grad():
                return m(xl)
        out["torch-" + layout] = median_time(run, runs)
    return out


def opencv_net_tool(x_hwc, threads, runs, onnx_path):
    import cv2
    cv2.setNumThreads(threads)
    net = cv2.dnn.readNetFromONNX(onnx_path)
    blob = np.ascontiguousarray(x_hwc.transpose(2, 0, 1))[None]

    def run():
        net.setInput(blob)
        return net.forward()
    return {"opencv-dnn": median_time(run, runs)}


def export_n1(path):
    import torch
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(n1_model(), torch.zeros(1, 3, 64, 64), path, opset_version=11)


RSS_CHILD = """
import sys, numpy as np
tool, threads, H, W, onnx_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
x = np.random.default_rng(1).random((1, 3, H, W), dtype=np.float32)
if tool == "torch-channels-last":
""" + "\n".join("    " + l for l in N1_CODE.strip().splitlines()) + """
    torch.set_num_threads(threads)
    m = n1().to(memory_format=torch.channels_last)
    xt = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        for _ in range(2):
            y = m(xt)
else:
    import cv2
    cv2.setNumThreads(threads)
    net = cv2.dnn.readNetFromONNX(onnx_path)
    for _ in range(2):
        net.setInput(x)
        y = net.forward()
# VmHWM: this process image's own peak (ru_maxrss would also count the
# parent's pages this child was forked with, before its exec).
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]) / 1024.0)
"""


def child_rss_mb(tool, threads, H, W, onnx_path):
    # As a user runs it: glibc's own malloc settings, not the ones this
    # script keeps freed memory with.
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    p = subprocess.run(["/usr/bin/python3", "-c", RSS_CHILD, tool, str(threads), str(H), str(W),
                        onnx_path], capture_output=True, text=True, check=True, env=env)
    return float(p.stdout.strip().splitlines()[-1])


def run_networks(args, only, rng):
    results = []
    for name, H, W, C in NETWORKS:
        if only and name not in only:
            continue
        x = rng.random((H, W, C), dtype=np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            onnx_path = os.path.join(tmp, "n1.onnx")
            export_n1(onnx_path)
            rounds = []
            for _ in range(args.rounds):
                ours = run_ours(args, name)
                tools = {"ours": ours["workloads"][0]["median_s"]}
                tools.update(torch_net_tools(x, args.threads, args.runs))
                tools.update(opencv_net_tool(x, args.threads, args.runs, onnx_path))
                rounds.append({"ours": ours["workloads"][0], "tools_s": tools})
            rss = {"ours": statistics.median(r["ours"]["peak_rss_mb"] for r in rounds)}
            for tool in ("torch-channels-last", "opencv-dnn"):
                rss[tool] = child_rss_mb(tool, args.threads, H, W, onnx_path)
        med = {t: statistics.median(r["tools_s"][t] for r in rounds) for t in rounds[0]["tools_s"]}
        ours_s = med.pop("ours")
        results.append({"name": name, "ours_s": ours_s, "ours_path": rounds[0]["ours"]["path"],
                        "rounds": rounds, "tools_s": med, "peak_rss_mb": rss})
        print(f"{name}: ours {ours_s * 1e3:.1f} ms, "
              + ", ".join(f"{t} {s * 1e3:.1f} ms" for t, s in sorted(med.items(), key=lambda i: i[1]))
              + f"  (medians of {args.rounds} interleaved rounds); peak RSS MB: "
              + ", ".join(f"{t} {v:.0f}" for t, v in rss.items()), flush=True)
    return results


def print_networks(results):
    if not results:
        return
    print()
    print(f"{'network':8} {'ours ms':>8} {'tool':22} {'its ms':>8} {'speed-up':>8}   "
          f"targets")
    for r in results:
        checks = []
        for tool, target in NET_TARGETS[r["name"]]:
            if tool in r["tools_s"]:
                got = r["tools_s"][tool] / r["ours_s"]
                checks.append(f"{got:.2f}x vs {tool} (≥{target}: {'met' if got >= target else 'MISSED'})")
                print(f"{r['name']:8} {r['ours_s'] * 1e3:8.1f} {tool:22} "
                      f"{r['tools_s'][tool] * 1e3:8.1f} {got:7.2f}x")
        rss = r["peak_rss_mb"]
        if "torch-channels-last" in rss:
            ratio = rss["ours"] / rss["torch-channels-last"]
            checks.append(f"peak RSS {rss['ours']:.0f} MB = {ratio:.2f} of PyTorch's "
                          f"{rss['torch-channels-last']:.0f} MB (≤ 0.5: {'met' if ratio <= 0.5 else 'MISSED'})")
        print("         " + "; ".join(checks))


def run_ours(args, name):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    cmd = [args.featuremaps, "bench", "--json", path, "--threads", str(args.threads),
           "--runs", str(args.runs), "--peak", str(args.peak), "--only", name]
    # Our bench allocates its output once by design, so it does not need
    # glibc's help; without it, its per-workload peak RSS stays meaningful
    # (glibc would otherwise keep the previous workload's pages).
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    subprocess.run(cmd, check=True, env=env)
    with open(path) as f:
        data = json.load(f)
    os.unlink(path)
    return data


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--featuremaps", default=os.path.join(here, "..", "..", "build",
                                                          "core", "cli", "featuremaps"))
    ap.add_argument("--only", help="comma-separated workload names")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write every measurement here")
    ap.add_argument("--peak", type=float, default=235.0,
                    help="peak GFLOP/s passed to featuremaps bench (docs/workloads.md's figure)")
    args = ap.parse_args()

    only = set(args.only.split(",")) if args.only else None
    machine = None

    rng = np.random.default_rng(1)
    results = []
    for wl in WORKLOADS:
        name, H, W, C, K, kh, kw, padding, groups, relu = wl
        if only and name not in only:
            continue
        cg = C // groups
        x = rng.random((H, W, C), dtype=np.float32)
        if groups > 1:   # per-channel: one designer kernel on every channel
            w1 = rng.uniform(-0.2, 0.2, (1, kh, kw, cg)).astype(np.float32)
            w = np.repeat(w1, K, axis=0)
        else:
            w = rng.uniform(-0.2, 0.2, (K, kh, kw, cg)).astype(np.float32)
        bias = rng.uniform(-0.1, 0.1, K).astype(np.float32)
        rounds = []
        for _ in range(args.rounds):
            ours = run_ours(args, name)
            machine = ours.get("machine")
            tools = {"ours": ours["workloads"][0]["median_s"]}
            tools.update(torch_tools(wl, x, w, bias, args.threads, args.runs))
            tools.update(opencv_tools(wl, x, w, bias, args.runs))
            tools.update(scipy_fft_tool(wl, x, w, bias, args.threads, args.runs))
            rounds.append({"ours": ours["workloads"][0], "tools_s": tools})
        med = {t: statistics.median(r["tools_s"][t] for r in rounds) for t in rounds[0]["tools_s"]}
        ours_s = med.pop("ours")
        tools = med
        results.append({"name": name, "ours_s": ours_s, "ours_path": rounds[0]["ours"]["path"],
                        "rounds": rounds, "tools_s": tools})
        print(f"{name}: ours {ours_s * 1e3:.1f} ms, "
              + ", ".join(f"{t} {s * 1e3:.1f} ms" for t, s in sorted(tools.items(),
                                                                   key=lambda i: i[1]))
              + f"  (medians of {args.rounds} interleaved rounds)", flush=True)

    net_results = run_networks(args, only, rng)

    print()
    print(f"{'workload':8} {'ours ms':>8} {'path':14} {'best other tool':22} {'its ms':>8} "
          f"{'speed-up':>8}   targets")
    for r in results:
        tools = r["tools_s"]
        best = min(tools.items(), key=lambda i: i[1]) if tools else ("-", float("nan"))
        ours_ms = r["ours_s"] * 1e3 if r["ours_s"] else float("nan")
        checks = []
        for tool, _, target in TARGETS[r["name"]]:
            if tool in tools and r["ours_s"]:
                got = tools[tool] / r["ours_s"]
                checks.append(f"{got:.2f}x vs {tool} (≥{target}: {'met' if got >= target else 'MISSED'})")
            else:
                checks.append(f"{tool} not measured")
        print(f"{r['name']:8} {ours_ms:8.1f} {r['ours_path'] or '-':14} {best[0]:22} "
              f"{best[1] * 1e3:8.1f} {best[1] * 1e3 / ours_ms:7.2f}x   " + "; ".join(checks))
    print_networks(net_results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "results": results, "networks": net_results}, f,
                      indent=2)


if __name__ == "__main__":
    main()
