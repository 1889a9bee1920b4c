#!/usr/bin/python3
"""The dialog's learning windows inside the real GIMP 2.10 or 3.0.

Starts the GIMP GUI under xvfb-run in a hermetic profile (smoke-gimp.py's),
makes a 32 × 24 noise layer "before" and above it "after", its copy
inverted by GIMP (perceptual: after = 1 − before, exactly, in 8 bits), and
calls plug-in-feature-maps with RUN-INTERACTIVE.  The dialog's test hook
FEATUREMAPS_DIALOG_LEARN=pair opens "Learn from two layers…" with its
defaults (before: the dialog's layer, after: the one above it; 3 × 3,
per-channel), presses Learn and then OK.  The test checks what a user
would see: the learned bank saved in the profile's featuremaps folder with
the inversion's kernel (centre −1, the rest 0, bias 1, within 1e-3), the
quality line with its PSNR, and OK running that bank (one map layer named
after it).  FEATUREMAPS_DIALOG_LEARN=patches then does the same with "Learn
filters from this layer…" (8 pca filters of 7 × 7: eight map layers).
With --screenshots DIR the hook also saves the learning window and the
dialog as PNGs there (docs/screenshots).

Exit 77 when the GIMP, xvfb-run or the plug-in is missing.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("smoke_gimp", os.path.join(here, "smoke-gimp.py"))
smoke = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smoke)

# The noise and the pair, then the dialog; the number of maps OK made and
# the first one's name.  %(set)s sets one pixel, %(copy)s copies a layer,
# %(select)s makes a layer the active one, %(run)s opens the dialog.
SCRIPT = """
(let* ((img (car (gimp-image-new 32 24 RGB)))
       (before (car (gimp-layer-new %(new_args)s)))
       (seed 777))
  (gimp-image-insert-layer img before 0 0)
  (let yl ((y 0))
    (if (< y 24)
        (begin
          (let xl ((x 0))
            (if (< x 32)
                (let ((px (map (lambda (c)
                                 (set! seed (modulo (+ (* seed 1103515245) 12345) 2147483648))
                                 (modulo (quotient seed 65536) 256))
                               '(0 1 2))))
                  %(set)s
                  (xl (+ x 1)))))
          (yl (+ y 1)))))
  (let ((after (car %(copy)s)))
    (gimp-image-insert-layer img after 0 0)
    (gimp-item-set-name after "after")
    (gimp-drawable-invert after FALSE)
    %(select)s
    (let* ((r %(run)s)
           (n %(count)s))
      (gimp-message (string-append "FMLEARN MAPS " (number->string n)))
      (if (> n 0)
          (gimp-message (string-append "FMLEARN FIRST " (car (gimp-item-get-name %(first)s))))))))
"""
HOST_SCRIPT = {
    "2": dict(new_args='img 32 24 RGB-IMAGE "before" 100 LAYER-MODE-NORMAL',
              set="(gimp-drawable-set-pixel before x y 3 (list->vector px))",
              copy="(gimp-layer-copy before FALSE)",
              select="(gimp-image-set-active-layer img before)",
              run='(plug-in-feature-maps RUN-INTERACTIVE img before "sobel" 0 1 0 1 1 0 2 0)',
              count="(caddr r)", first="(aref (cadddr r) 0)"),
    "3": dict(new_args='img "before" 32 24 RGB-IMAGE 100 LAYER-MODE-NORMAL',
              set="(gimp-drawable-set-pixel before x y px)",
              copy="(gimp-layer-copy before)",
              select="(gimp-image-set-selected-layers img (vector before))",
              run="(plug-in-feature-maps #:run-mode RUN-INTERACTIVE #:image img "
                  "#:drawables (vector before))",
              count="(vector-length (caddr r))", first="(vector-ref (caddr r) 0)"),
}


def run_gimp(args, host, which):
    root = tempfile.mkdtemp(prefix="fm-learn-gimp-")
    env, gimprc = smoke.hermetic_root(root, args.plugin, host)
    env["FEATUREMAPS_DIALOG_LEARN"] = which
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
        env["FEATUREMAPS_DIALOG_LEARN_SNAPSHOT"] = os.path.join(
            os.path.abspath(args.screenshots), "%s-learn-%s" % (host["prefix"], which))
    script = SCRIPT % HOST_SCRIPT[args.gimp]
    cmd = ["timeout", "400", "xvfb-run", "-a", "-s", "-screen 0 1280x1024x24",
           host["gimp"], "-d", "-f", "-s", "-c", "--stack-trace-mode=never", "-g", gimprc]
    if args.gimp == "3":
        cmd += ["--batch-interpreter=plug-in-script-fu-eval", "-b", script, "--quit"]
    else:
        cmd += ["-b", script, "-b", "(gimp-quit 1)"]
    p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace")
    return root, p.returncode, p.stdout


def check(args, host, which):
    root, rc, log = run_gimp(args, host, which)
    failures = []
    for bad in ("Plug-in crashed", "execution error", "GIMP-Error"):
        if bad in log:
            failures.append("GIMP said: " + bad)
    if rc == 124:
        failures.append("timed out")
    elif rc != 0:
        failures.append("%s exited with status %d" % (host["gimp"], rc))
    facts = {}
    for line in log.splitlines():
        i = line.find("FMLEARN ")
        if i >= 0:
            key, _, value = line[i + 8:].partition(" ")
            facts[key] = value.strip()
    m = re.search(r"featuremaps: dialog learned (\S+) \((\S+)\): (.*)", log)
    if not m:
        failures.append("the dialog did not say it learned a bank")
        return failures, root, log
    preset, path, quality = m.groups()
    profile = os.path.realpath(env_profile(root, host))
    if not os.path.realpath(path).startswith(os.path.join(profile, "featuremaps") + os.sep):
        failures.append("bank %s is not in the profile's featuremaps folder %s" % (path, profile))
    if not os.path.isfile(path):
        failures.append("no bank at " + path)
        return failures, root, log
    doc = json.load(open(path))
    filters = doc["filters"]
    if which == "pair":
        want = [0, 0, 0, 0, -1, 0, 0, 0, 0]
        got = [float(v) for v in _flat(filters[0]["weights"])] if len(filters) == 1 else []
        if len(got) != 9 or max(abs(a - b) for a, b in zip(got, want)) > 1e-3 \
                or abs(filters[0].get("bias", 0) - 1) > 1e-3:
            failures.append("learned %s, bias %s: not the inversion's kernel"
                            % (got, filters[0].get("bias") if filters else None))
        psnr = re.search(r"PSNR ([0-9.]+) dB", quality)
        if not psnr or float(psnr.group(1)) < 60:
            failures.append("quality %r: expected a PSNR above 60 dB" % quality)
        n_maps = "1"
    else:
        if len(filters) != 8:
            failures.append("%d filters learned, expected 8" % len(filters))
        if "of the patch variance explained" not in quality:
            failures.append("quality %r does not say the variance explained" % quality)
        n_maps = "8"
    if facts.get("MAPS") != n_maps:
        failures.append("OK made %r map layers, expected %s (the learned bank)"
                        % (facts.get("MAPS"), n_maps))
    if doc.get("name", "") not in facts.get("FIRST", ""):
        failures.append("first map %r is not named after the bank %r"
                        % (facts.get("FIRST"), doc.get("name")))
    print("learn-gimp: %s: %s -> %s; %s maps, first %r"
          % (which, preset, quality, facts.get("MAPS"), facts.get("FIRST")))
    return failures, root, log


def _flat(v):
    if isinstance(v, list):
        for x in v:
            yield from _flat(x)
    else:
        yield v


def env_profile(root, host):
    return os.path.join(root, "profile")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plugin", required=True, help="the built plug-in binary")
    ap.add_argument("--gimp", choices=sorted(smoke.HOSTS), default="2")
    ap.add_argument("--screenshots", default=None,
                    help="save PNGs of the learning window and the dialog here")
    args = ap.parse_args()
    host = smoke.HOSTS[args.gimp]
    for prog in (host["gimp"], "xvfb-run"):
        if not shutil.which(prog):
            print("learn-gimp: %s not found: skipped" % prog)
            return 77
    if not os.access(args.plugin, os.X_OK):
        print("learn-gimp: plug-in %s not built: skipped" % args.plugin)
        return 77
    status = 0
    for which in ("pair", "patches"):
        failures, root, log = check(args, host, which)
        if failures:
            print(log)
            for f in failures:
                print("learn-gimp: FAIL (%s): %s" % (which, f))
            print("learn-gimp: root kept in", root)
            status = 1
        else:
            shutil.rmtree(root, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
