#!/usr/bin/python3
"""Full-GIMP smoke test of the Feature Maps dialog.

Starts gimp-2.10 (the GUI, under xvfb-run) with a fresh hermetic profile
(docs/gimp-notes.md "Dialogs"), opens the sample image, and calls
plug-in-feature-maps with RUN-INTERACTIVE.  The dialog's test hook
(FEATUREMAPS_DIALOG_SNAPSHOT / _AUTO_OK / _KERNEL) picks a multi-filter
bank, waits for the first preview, saves PNGs of the window and presses OK;
the test then checks that the maps arrived as layers, that the PNGs exist,
and that Re-Run (RUN-WITH-LAST-VALS) repeats what the dialog chose.  With --screenshots DIR the PNGs are copied there (docs/screenshots
for the README).

Exit 77 when gimp-2.10, xvfb-run or the plug-in is missing.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SYS_PLUGINS = "/usr/lib/gimp/2.0/plug-ins"
SYS_SCRIPTS = "/usr/share/gimp/2.0/scripts"
PARTS = ("dialog", "chooser", "editor", "preview")


def hermetic_root(root, plugin):
    """Profile, plug-in path and XDG folders of one GIMP run, all in root."""
    sysplug = os.path.join(root, "sysplug")
    plugdir = os.path.join(root, "plugdir", "featuremaps")
    sfpath = os.path.join(root, "sfpath")
    for d in (sysplug, plugdir, sfpath):
        os.makedirs(d)
    for p in ("script-fu", "file-png"):
        os.symlink(os.path.join(SYS_PLUGINS, p), os.path.join(sysplug, p))
    for f in ("script-fu.init", "script-fu-compat.init", "plug-in-compat.init"):
        os.symlink(os.path.join(SYS_SCRIPTS, f), os.path.join(sfpath, f))
    # GIMP loads DIR/NAME/NAME only when the folder is named like the binary.
    os.symlink(os.path.abspath(plugin), os.path.join(plugdir, "featuremaps"))
    env = dict(os.environ)
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CONFIG_HOME", "config"), ("TMPDIR", "tmp")):
        os.makedirs(os.path.join(root, sub))
        env[var] = os.path.join(root, sub)
    # Left for GIMP to create: an existing folder skips its first-run set-up.
    env["GIMP2_DIRECTORY"] = os.path.join(root, "profile")
    env.pop("FEATUREMAPS_PRESET_PATH", None)
    gimprc = os.path.join(root, "gimprc")
    with open(gimprc, "w") as f:
        f.write('(plug-in-path "%s:%s")\n' % (sysplug, os.path.dirname(plugdir)))
        f.write('(script-fu-path "%s")\n' % sfpath)
    return env, gimprc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plugin", required=True, help="the built plug-in binary")
    ap.add_argument("--sample", required=True, help="a PNG to open")
    ap.add_argument("--kernel", default="lines-4", help="bank the dialog starts on")
    ap.add_argument("--out", default=None, help="folder for the PNGs (default: a temporary one)")
    ap.add_argument("--screenshots", default=None, help="also copy the PNGs here")
    ap.add_argument("--keep", action="store_true", help="keep the GIMP root")
    args = ap.parse_args()

    for prog in ("gimp-2.10", "xvfb-run"):
        if not shutil.which(prog):
            print("smoke-gimp: %s not found: skipped" % prog)
            return 77
    if not os.access(args.plugin, os.X_OK):
        print("smoke-gimp: plug-in %s not built: skipped" % args.plugin)
        return 77

    root = tempfile.mkdtemp(prefix="fm-smoke-")
    out = os.path.abspath(args.out or os.path.join(root, "out"))
    os.makedirs(out, exist_ok=True)
    prefix = os.path.join(out, "featuremaps")
    for part in PARTS:
        if os.path.exists("%s-%s.png" % (prefix, part)):
            os.remove("%s-%s.png" % (prefix, part))

    env, gimprc = hermetic_root(root, args.plugin)
    env["FEATUREMAPS_DIALOG_SNAPSHOT"] = prefix
    env["FEATUREMAPS_DIALOG_AUTO_OK"] = "1"
    env["FEATUREMAPS_DIALOG_KERNEL"] = args.kernel
    sample = os.path.abspath(args.sample)
    script = """
(let* ((img (car (file-png-load RUN-NONINTERACTIVE "%(s)s" "%(s)s")))
       (drw (car (gimp-image-get-active-drawable img)))
       (r (plug-in-feature-maps RUN-INTERACTIVE img drw "line-detectors" 0 1 0 1 1 0 2 0)))
  (gimp-message (string-append "FMSMOKE NUM-LAYERS " (number->string (caddr r))))
  (gimp-message (string-append "FMSMOKE GROUP " (number->string (cadr r))))
  (gimp-message (string-append "FMSMOKE GROUP-CHILDREN "
                               (number->string (car (gimp-item-get-children (cadr r))))))
  (gimp-message (string-append "FMSMOKE FIRST "
                               (car (gimp-item-get-name (aref (cadddr r) 0)))))
  ; Re-Run: the values the dialog chose, without the dialog.
  (let ((again (plug-in-feature-maps RUN-WITH-LAST-VALS img drw "" 0 0 0 1 1 0 0 0)))
    (gimp-message (string-append "FMSMOKE RERUN-LAYERS " (number->string (caddr again))))
    (gimp-message (string-append "FMSMOKE RERUN-FIRST "
                                 (car (gimp-item-get-name (aref (cadddr again) 0))))))
  (gimp-image-delete img))
""" % {"s": sample}
    cmd = ["timeout", "150", "xvfb-run", "-a", "-s", "-screen 0 1280x1024x24",
           "gimp-2.10", "-d", "-f", "-s", "-c", "--stack-trace-mode=never",
           "-g", gimprc, "-b", script, "-b", "(gimp-quit 1)"]
    p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace")
    log = p.stdout
    failures = []
    for bad in ("Plug-in crashed", "execution error", "GIMP-Error"):
        if bad in log:
            failures.append("GIMP said: " + bad)
    if p.returncode == 124:
        failures.append("timed out (the dialog never pressed OK?)")
    facts = {}
    for line in log.splitlines():
        i = line.find("FMSMOKE ")
        if i >= 0:
            key, _, value = line[i + 8:].partition(" ")
            facts[key] = value.strip()
    # lines-4 has four filters: four layers in one group, named "<bank> · <filter>".
    if facts.get("NUM-LAYERS") != "4":
        failures.append("expected 4 layers, got %r" % facts.get("NUM-LAYERS"))
    if facts.get("GROUP-CHILDREN") != "4":
        failures.append("expected a group of 4, got %r" % facts.get("GROUP-CHILDREN"))
    if " · " not in facts.get("FIRST", ""):
        failures.append("layer name %r is not '<bank> · <filter>'" % facts.get("FIRST"))
    # GIMP makes the second run's layer names unique with " #1".
    rerun_first = re.sub(r" #\d+$", "", facts.get("RERUN-FIRST", ""))
    if (facts.get("RERUN-LAYERS"), rerun_first) != (facts.get("NUM-LAYERS"), facts.get("FIRST")):
        failures.append("Re-Run made %r layers, first %r: not what the dialog chose"
                        % (facts.get("RERUN-LAYERS"), facts.get("RERUN-FIRST")))
    for part in PARTS:
        png = "%s-%s.png" % (prefix, part)
        if not os.path.exists(png) or os.path.getsize(png) < 1000:
            failures.append("no snapshot " + png)

    if failures:
        print(log)
        for f in failures:
            print("smoke-gimp: FAIL:", f)
        print("smoke-gimp: root kept in", root)
        return 1
    print("smoke-gimp: dialog opened, snapshot taken, OK pressed, %s layers (%s)"
          % (facts["NUM-LAYERS"], facts["FIRST"]))
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
        for part in PARTS:
            shutil.copy("%s-%s.png" % (prefix, part), args.screenshots)
        print("smoke-gimp: screenshots copied to", args.screenshots)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
