#!/usr/bin/python3
"""An interrupted run leaves nothing behind: SIGINT, SIGTERM, SIGHUP and
SIGQUIT during `featuremaps apply`, once the temporary output exists,
must end the process by that signal (the shell's 128 + N), remove the
temporary (.NAME.XXXXXX file or folder), create no output, and leave an
output folder that already existed as it was.  A signal the caller
ignores (nohup) stays ignored: the run completes.

    test_signals.py FEATUREMAPS
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

import hostile

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def start(exe, d, output, ignore=()):
    def child():
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        for s in SIGNALS:
            signal.signal(s, signal.SIG_IGN if s in ignore else signal.SIG_DFL)
    return subprocess.Popen([exe, "apply", "-k", os.path.join(d, "bank.json"), "-i",
                             os.path.join(d, "in.npy"), "-o", output],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=child)


def wait_for_temp(d, prefix, p, seconds=30):
    """The temporary (a name starting with .PREFIX.) exists, or the run ended."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds and p.poll() is None:
        if any(n.startswith("." + prefix + ".") for n in os.listdir(d)):
            return True
        time.sleep(0.002)
    return False


def main():
    exe = os.path.abspath(sys.argv[1])
    report = hostile.Report("signals")
    d = tempfile.mkdtemp(prefix="fm-signals-")
    np.save(os.path.join(d, "in.npy"), np.random.default_rng(2).random((2500, 2500)).astype(np.float32))
    with open(os.path.join(d, "bank.json"), "w") as f:
        f.write('{"filters": [%s]}' % ",".join(
            '{"name": "f%d", "weights": [%s]}' % (i, ",".join(["[" + ",".join(["1"] * 9) + "]"] * 9))
            for i in range(8)))
    os.mkdir(os.path.join(d, "kept"))
    with open(os.path.join(d, "kept", "f0.png"), "wb") as f:
        f.write(b"an older map")

    for sig in SIGNALS:
        for output in ("maps.npy", "maps", "kept"):
            label = "%s during -o %s" % (sig.name, output)
            before = hostile.snapshot(d)
            p = start(exe, d, os.path.join(d, output))
            if not report.check(wait_for_temp(d, output, p), "%s: no temporary seen before the end "
                                "(status %s): the run was too short to interrupt" % (label, p.poll())):
                p.wait()
                continue
            time.sleep(0.05)
            p.send_signal(sig)
            try:
                _, err = p.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                report.check(False, "%s: still running 30 s after the signal" % label)
                continue
            after = hostile.snapshot(d)
            report.check(p.returncode == -sig, "%s: status %s, expected death by the signal (%d); "
                         "stderr %r" % (label, p.returncode, -sig, err[:200]))
            report.check(before == after, "%s: the folder changed: %s" % (label, hostile.diff(before, after)))
            print("done", label, flush=True)

    # ignored stays ignored: the run completes and its output is there
    p = start(exe, d, os.path.join(d, "nohup.npy"), ignore=(signal.SIGHUP,))
    if wait_for_temp(d, "nohup.npy", p):
        p.send_signal(signal.SIGHUP)
    _, err = p.communicate(timeout=120)
    report.check(p.returncode == 0, "ignored SIGHUP: status %s (%r)" % (p.returncode, err[:200]))
    report.check(os.path.exists(os.path.join(d, "nohup.npy")), "ignored SIGHUP: no output")
    report.check(not any(n.startswith(".nohup") for n in os.listdir(d)), "ignored SIGHUP: temporary left")

    for root, dirs, files in os.walk(d, topdown=False):
        for n in files:
            os.unlink(os.path.join(root, n))
        for n in dirs:
            os.rmdir(os.path.join(root, n))
    os.rmdir(d)
    report.finish()


if __name__ == "__main__":
    main()
