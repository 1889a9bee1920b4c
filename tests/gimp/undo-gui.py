#!/usr/bin/python3
"""One Ctrl+Z removes everything plug-in-feature-maps added.

GIMP's PDB cannot undo (2.10 nor 3.0), so this runs the real GIMP GUI on a
private Xvfb display: Script-Fu opens an image in a display, runs the
plug-in with a multi-filter bank, prints the layer tree, then polls it; this
script presses Ctrl+Z in the image window with xdotool (XTEST), and the poll
must see the layer tree return to exactly what it was before the run, after
one undo.

  undo-gui.py [--gimp 3] PLUGIN SAMPLE_PNG
  (exit 77 when the GIMP, Xvfb or xdotool is missing)
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "smoke_gimp", os.path.join(HERE, "..", "dialog", "smoke-gimp.py"))
smoke = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smoke)

SCRIPT = r'''
(let* ((image (car (file-png-load RUN-NONINTERACTIVE "%(sample)s" "%(sample)s")))
       (source (car (gimp-image-get-active-drawable image)))
       (display (car (gimp-display-new image)))
       (tree (lambda () (vector->list (cadr (gimp-image-get-layers image)))))
       (before (tree))
       (result (plug-in-feature-maps RUN-NONINTERACTIVE image source
                                     "lines-4" 0 1 1 1 1 0 2 0))
       (after (tree))
       (n 0))
  (gimp-image-clean-all image)
  (gimp-message (string-append "FMUNDO READY " (number->string (length before)) " "
                               (number->string (length after)) " "
                               (number->string (caddr result))))
  ; Poll until the Ctrl+Z lands (each PDB call lets GIMP's main loop run).
  (while (and (< n 200000) (not (equal? (tree) before)))
    (set! n (+ n 1)))
  (gimp-message (string-append "FMUNDO AFTER "
                               (if (equal? (tree) before) "restored" "unchanged") " "
                               (number->string (length (tree))) " "
                               (if (= (car (gimp-item-is-valid source)) 1) "source-ok" "source-gone"))))
'''

# The same on GIMP 3's PDB (named arguments, arrays without counts).
SCRIPT_3 = r'''
(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE "%(sample)s")))
       (source (vector-ref (car (gimp-image-get-selected-drawables image)) 0))
       (display (car (gimp-display-new image)))
       (tree (lambda () (vector->list (car (gimp-image-get-layers image)))))
       (before (tree))
       (result (plug-in-feature-maps #:run-mode RUN-NONINTERACTIVE #:image image
                                     #:drawables (vector source) #:kernel "lines-4"
                                     #:padding "same" #:border "clamp" #:mapping "normalize"))
       (after (tree))
       (n 0))
  (gimp-image-clean-all image)
  (gimp-message (string-append "FMUNDO READY " (number->string (length before)) " "
                               (number->string (length after)) " "
                               (number->string (vector-length (caddr result)))))
  (while (and (< n 200000) (not (equal? (tree) before)))
    (set! n (+ n 1)))
  (gimp-message (string-append "FMUNDO AFTER "
                               (if (equal? (tree) before) "restored" "unchanged") " "
                               (number->string (length (tree))) " "
                               (if (car (gimp-item-id-is-valid source)) "source-ok" "source-gone"))))
'''


def main():
    argv = sys.argv[1:]
    gimp_version = "2"
    if argv[:1] == ["--gimp"] and len(argv) > 1:
        gimp_version, argv = argv[1], argv[2:]
    if len(argv) < 2 or gimp_version not in smoke.HOSTS:
        sys.exit(__doc__)
    host = smoke.HOSTS[gimp_version]
    plugin, sample = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    for tool in (host["gimp"], "Xvfb", "xdotool"):
        if not shutil.which(tool):
            print("skip: %s is missing" % tool)
            sys.exit(77)
    root = tempfile.mkdtemp(prefix="fm-undo-")
    env, gimprc = smoke.hermetic_root(root, plugin, host)
    display = ":%d" % (90 + os.getpid() % 100)
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env["DISPLAY"] = display
    time.sleep(1.0)
    cmd = ["timeout", "300", host["gimp"], "-d", "-f", "-s", "-c", "--stack-trace-mode=never",
           "-g", gimprc]
    if gimp_version == "3":
        cmd += ["--batch-interpreter=plug-in-script-fu-eval",
                "-b", SCRIPT_3 % {"sample": sample}, "-b", "(gimp-quit 1)"]
    else:
        cmd += ["-b", SCRIPT % {"sample": sample}, "-b", "(gimp-quit 1)"]
    gimp = subprocess.Popen(cmd,
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, cwd=root)
    log = []
    ready = threading.Event()

    def reader():
        for raw in gimp.stderr:
            line = raw.decode("utf-8", "replace")
            log.append(line)
            if "FMUNDO READY" in line:
                ready.set()
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    failures = []
    try:
        if not ready.wait(270):
            failures.append("the plug-in run never finished (no FMUNDO READY)")
        else:
            ready_line = [l for l in log if "FMUNDO READY" in l][0]
            before, after, maps = map(int, re.search(r"READY (\d+) (\d+) (\d+)", ready_line).groups())
            if after != before + 1 or maps != 4:
                failures.append("expected one new group of 4 maps, got %d → %d layers, %d maps"
                                % (before, after, maps))
            # The image window: the only toplevel whose title names the file
            # (GIMP 3 names an image Script-Fu loaded "[Untitled]-1.0 (…)":
            # the only title that starts with a bracket).
            xd = dict(env)
            title = os.path.basename(sample) if gimp_version == "2" else r"^\["
            for attempt in range(40):
                out = subprocess.run(["xdotool", "search", "--name", title],
                                     env=xd, capture_output=True, text=True).stdout.split()
                if out:
                    break
                time.sleep(0.5)
            if not out:
                ids = subprocess.run(["xdotool", "search", "--name", "."], env=xd,
                                     capture_output=True, text=True).stdout.split()
                names = [subprocess.run(["xdotool", "getwindowname", i], env=xd,
                                        capture_output=True, text=True).stdout.strip()
                         for i in ids]
                failures.append("no image window found (windows: %s)" % [n for n in names if n])
            else:
                subprocess.run(["xdotool", "windowfocus", "--sync", out[-1]], env=xd)
                subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+z"], env=xd)
        gimp.wait(200)
        t.join(5)
    finally:
        if gimp.poll() is None:
            gimp.kill()
        xvfb.kill()
    text = "".join(log)
    m = re.search(r"FMUNDO AFTER (\S+) (\d+) (\S+)", text)
    if not failures:
        if not m:
            failures.append("no FMUNDO AFTER line")
        elif m.group(1) != "restored" or m.group(3) != "source-ok":
            failures.append("after one Ctrl+Z: layers %s (%s layers), %s"
                            % (m.group(1), m.group(2), m.group(3)))
    if failures:
        sys.stderr.write(text[-4000:])
        for f in failures:
            print("FAIL", f)
        print("0 passed, 1 failed")
        sys.exit(1)
    shutil.rmtree(root, ignore_errors=True)
    print("PASS one Ctrl+Z removed the group and its 4 maps; the layer tree is as before")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
