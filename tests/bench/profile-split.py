#!/usr/bin/python3
"""Splits `perf script -F pid,comm,ip,sym,dso` samples (with call chains) of
a GIMP session into where a plug-in call's time goes: see
gimp-maps-profile.sh.  Reads the samples on stdin; the argument is the
plug-in wrapper's /usr/bin/time log (wall, user, sys, peak KB, mode)."""
import collections
import os
import re
import sys

PLUGIN_PARTS = [  # (part, test on one frame (sym, dso)); first match wins
    ("conversion (babl)", lambda s, d: "babl" in d or d.endswith(".so") and d.split("/")[-1] in BABL_EXT),
    ("transfer (wire, tiles)", lambda s, d: "libgimp" in d or s.startswith(("gp_", "gimp_wire", "_gimp_tile", "gimp_tile", "g_io_channel"))),
    ("compute (engine)", lambda s, d: s.startswith(("fm_conv", "fm_avx", "fm_simd", "fm_input", "fm_map", "fm_job", "fm_taps", "fm_winograd", "fm_fft"))),
    ("GEGL buffers", lambda s, d: "libgegl" in d),
    ("plug-in code", lambda s, d: s.startswith("fm_")),
]
GIMP_PARTS = [
    ("transfer (GIMP side)", lambda s, d: "libgimpbase" in d or s.startswith(("gp_", "gimp_wire", "gimp_plug_in_handle", "g_io_channel"))),
    ("GIMP core", lambda s, d: True),
]
BABL_EXT = set()
try:
    import os
    BABL_EXT = set(os.listdir("/usr/lib/x86_64-linux-gnu/babl-0.1"))
except OSError:
    pass


def samples(lines):
    head, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if head:
                yield head, frames
            head, frames = None, []
        elif not line.startswith((" ", "\t")):
            head, frames = line, []
        else:
            m = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
            if m:
                frames.append((m.group(1).split("+")[0], m.group(2)))
    if head:
        yield head, frames


def main():
    counts = collections.Counter()
    leafs = collections.Counter()
    proc_of = {}
    plugin_pids, per_pid = set(), collections.Counter()
    data = list(samples(sys.stdin))
    for head, frames in data:
        m = re.match(r"\s*(.*?)\s+(\d+)\s*$", head) or re.match(r"\s*(\S+)\s+(\d+)", head)
        if not m:
            continue
        comm, pid = m.group(1), m.group(2)
        if comm.startswith("featuremaps"):
            plugin_pids.add(pid)
        proc_of.setdefault(pid, comm)
    for head, frames in data:
        m = re.match(r"\s*(.*?)\s+(\d+)\s*$", head)
        if not m:
            continue
        comm, pid = m.group(1), m.group(2)
        if pid in plugin_pids:
            parts, proc = PLUGIN_PARTS, "plug-in"
        elif not comm.startswith(("perf", "time")):
            parts, proc = GIMP_PARTS, "GIMP"   # GIMP and its threads
        else:
            continue
        part = None
        for sym, dso in frames:
            if "kernel" in dso:
                continue
            for name, test in parts:
                if test(sym, dso):
                    part = name
                    break
            if part:
                break
        if not part and proc == "plug-in":
            leafs[next(((s, d) for s, d in frames if "kernel" not in d), ("?", "?"))] += 1
        counts[(proc, part or ("plug-in start-up and other" if proc == "plug-in" else "GIMP core"))] += 1
    total = sum(counts.values()) or 1
    print("%-8s %-28s %8s" % ("process", "part", "% of CPU"))
    for (proc, part), n in sorted(counts.items(), key=lambda kv: (kv[0][0] != "plug-in", -kv[1])):
        print("%-8s %-28s %7.1f%%" % (proc, part, 100.0 * n / total))
    plug = sum(n for (p, _), n in counts.items() if p == "plug-in")
    print("%-8s %-28s %7.1f%%" % ("plug-in", "all of it", 100.0 * plug / total))
    if os.environ.get("FM_PROFILE_DEBUG"):
        for (sym, dso), n in leafs.most_common(25):
            print("  unassigned %6d %s %s" % (n, sym, dso))
    if len(sys.argv) > 1:
        for line in open(sys.argv[1]):
            f = line.split()
            if f and f[-1] == "-run":
                print("plug-in process: %s s wall, %s s user, %s s sys, peak %.0f MiB"
                      % (f[0], f[1], f[2], int(f[3]) / 1024))


if __name__ == "__main__":
    main()
