#!/usr/bin/python3
"""Full-GIMP smoke test of the Feature Maps dialog, in GIMP 2.10 or 3.0.

Starts the GIMP GUI (gimp-2.10, or gimp-3.0 with --gimp 3) under xvfb-run
with a fresh hermetic profile, opens the sample image, and calls
plug-in-feature-maps with RUN-INTERACTIVE.  The dialog's test hook
(FEATUREMAPS_DIALOG_SNAPSHOT / _AUTO_OK) waits for the first preview, saves
PNGs of the window and presses OK; the test then checks that the maps
arrived as hidden layers in a group, that the source is still the active
layer, that the PNGs exist, and that Re-Run (RUN-WITH-LAST-VALS) repeats
what the dialog chose.

On 2.10 the dialog must open on the kernel the call names (lines-4, where
the last values would say line-detectors).  GIMP 3 replaces an interactive
call's arguments by the last values before the plug-in runs, so there the
hook FEATUREMAPS_DIALOG_KERNEL picks the bank.  With --screenshots DIR the
PNGs are copied there (docs/screenshots for the README and docs/plugin.md;
GIMP 3's are named featuremaps-gimp3-*.png).  With --network MODEL the
dialog opens on MODEL#/relu2/Relu[0-3,8] (the shipped tiny CNN): its network
panel replaces the editor, and OK makes those five maps in a group per
layer (PNGs featuremaps[-gimp3]-network-*.png).

Exit 77 when the GIMP, xvfb-run or the plug-in is missing.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

PARTS = ("dialog", "chooser", "editor", "preview")
HOSTS = {
    "2": dict(gimp="gimp-2.10", plugins="/usr/lib/gimp/2.0/plug-ins",
              scripts="/usr/share/gimp/2.0/scripts", profile_var="GIMP2_DIRECTORY",
              script_files=("script-fu.init", "script-fu-compat.init", "plug-in-compat.init"),
              prefix="featuremaps"),
    "3": dict(gimp="gimp-3.0", plugins="/usr/lib/x86_64-linux-gnu/gimp/3.0/plug-ins",
              scripts=None, profile_var="GIMP3_DIRECTORY", script_files=(),
              prefix="featuremaps-gimp3"),
}

# 2.10: the kernel argument names the bank the dialog opens on.
SCRIPT_2 = """
(let* ((img (car (file-png-load RUN-NONINTERACTIVE "%(s)s" "%(s)s")))
       (drw (car (gimp-image-get-active-drawable img)))
       (r (plug-in-feature-maps RUN-INTERACTIVE img drw "%(k)s" 0 1 0 1 1 0 2 0))
       (ids (vector->list (cadddr r))))
  (gimp-message (string-append "FMSMOKE NUM-LAYERS " (number->string (caddr r))))
  (gimp-message (string-append "FMSMOKE GROUP-CHILDREN "
                               (number->string (car (gimp-item-get-children (cadr r))))))
  (gimp-message (string-append "FMSMOKE FIRST " (car (gimp-item-get-name (car ids)))))
  (gimp-message (string-append "FMSMOKE VISIBLE " (number->string
                 (apply + (map (lambda (id) (car (gimp-item-get-visible id))) ids)))))
  (gimp-message (string-append "FMSMOKE ACTIVE-IS-SOURCE "
                               (if (= drw (car (gimp-image-get-active-layer img))) "yes" "no")))
  ; Re-Run: the values the dialog chose, without the dialog.
  (let ((again (plug-in-feature-maps RUN-WITH-LAST-VALS img drw "" 0 0 0 1 1 0 0 0)))
    (gimp-message (string-append "FMSMOKE RERUN-LAYERS " (number->string (caddr again))))
    (gimp-message (string-append "FMSMOKE RERUN-FIRST "
                                 (car (gimp-item-get-name (aref (cadddr again) 0))))))
  (gimp-image-delete img))
"""

# 3.0: named arguments; the dialog opens on the last values, the hook picks
# the bank.
SCRIPT_3 = """
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "%(s)s")))
       (drw (vector-ref (car (gimp-image-get-selected-drawables img)) 0))
       (r (plug-in-feature-maps #:run-mode RUN-INTERACTIVE #:image img
                                #:drawables (vector drw)))
       (ids (vector->list (caddr r))))
  (gimp-message (string-append "FMSMOKE NUM-LAYERS " (number->string (length ids))))
  (gimp-message (string-append "FMSMOKE GROUP-CHILDREN "
                               (number->string (vector-length (car (gimp-item-get-children (cadr r)))))))
  (gimp-message (string-append "FMSMOKE FIRST " (car (gimp-item-get-name (car ids)))))
  (gimp-message (string-append "FMSMOKE VISIBLE " (number->string
                 (apply + (map (lambda (id) (car (gimp-item-get-visible id))) ids)))))
  (gimp-message (string-append "FMSMOKE ACTIVE-IS-SOURCE "
                               (if (= drw (vector-ref (car (gimp-image-get-selected-layers img)) 0))
                                   "yes" "no")))
  (let ((again (plug-in-feature-maps #:run-mode RUN-WITH-LAST-VALS #:image img
                                     #:drawables (vector drw))))
    (gimp-message (string-append "FMSMOKE RERUN-LAYERS " (number->string (vector-length (caddr again)))))
    (gimp-message (string-append "FMSMOKE RERUN-FIRST "
                                 (car (gimp-item-get-name (vector-ref (caddr again) 0))))))
  (gimp-image-delete img))
"""


def hermetic_root(root, plugin, host):
    """Profile, plug-in path and XDG folders of one GIMP run, all in root."""
    sysplug = os.path.join(root, "sysplug")
    plugdir = os.path.join(root, "plugdir", "featuremaps")
    sfpath = os.path.join(root, "sfpath")
    for d in (sysplug, plugdir, sfpath):
        os.makedirs(d)
    for p in ("script-fu", "file-png"):
        os.symlink(os.path.join(host["plugins"], p), os.path.join(sysplug, p))
    for f in host["script_files"]:
        os.symlink(os.path.join(host["scripts"], f), os.path.join(sfpath, f))
    # GIMP loads DIR/NAME/NAME only when the folder is named like the binary.
    os.symlink(os.path.abspath(plugin), os.path.join(plugdir, "featuremaps"))
    env = dict(os.environ)
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CONFIG_HOME", "config"), ("TMPDIR", "tmp"), ("HOME", "home")):
        os.makedirs(os.path.join(root, sub))
        env[var] = os.path.join(root, sub)
    # Left for GIMP to create: an existing folder skips its first-run set-up.
    env[host["profile_var"]] = os.path.join(root, "profile")
    env.pop("FEATUREMAPS_PRESET_PATH", None)
    gimprc = os.path.join(root, "gimprc")
    with open(gimprc, "w") as f:
        f.write('(plug-in-path "%s:%s")\n' % (sysplug, os.path.dirname(plugdir)))
        # GIMP 3's script-fu needs its whole scripts folder.
        if host["script_files"]:
            f.write('(script-fu-path "%s")\n' % sfpath)
    return env, gimprc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plugin", required=True, help="the built plug-in binary")
    ap.add_argument("--sample", required=True, help="a PNG to open")
    ap.add_argument("--gimp", choices=sorted(HOSTS), default="2")
    ap.add_argument("--out", default=None, help="folder for the PNGs (default: a temporary one)")
    ap.add_argument("--screenshots", default=None, help="also copy the PNGs here")
    ap.add_argument("--keep", action="store_true", help="keep the GIMP root")
    ap.add_argument("--network", default=None,
                    help="a model: open the dialog on MODEL#/relu2/Relu[0-3,8] instead")
    args = ap.parse_args()
    # What the dialog opens on and what OK must then make: lines-4's four
    # filters in one group named after the bank, or relu2's five picked
    # channels in the model's group (one group per layer inside).
    if args.network:
        kernel = os.path.abspath(args.network) + "#/relu2/Relu[0-3,8]"
        expect = dict(layers="5", children="1", first="/relu2/Relu · 0")
        parts = ("dialog", "chooser", "network", "preview")
    else:
        kernel = "lines-4"
        expect = dict(layers="4", children="4",
                      first="horizontal · Line detectors (4 orientations)")
        parts = PARTS

    host = HOSTS[args.gimp]
    for prog in (host["gimp"], "xvfb-run"):
        if not shutil.which(prog):
            print("smoke-gimp: %s not found: skipped" % prog)
            return 77
    if not os.access(args.plugin, os.X_OK):
        print("smoke-gimp: plug-in %s not built: skipped" % args.plugin)
        return 77

    root = tempfile.mkdtemp(prefix="fm-smoke-")
    out = os.path.abspath(args.out or os.path.join(root, "out"))
    os.makedirs(out, exist_ok=True)
    prefix = os.path.join(out, host["prefix"] + ("-network" if args.network else ""))
    for part in parts:
        if os.path.exists("%s-%s.png" % (prefix, part)):
            os.remove("%s-%s.png" % (prefix, part))

    env, gimprc = hermetic_root(root, args.plugin, host)
    env["FEATUREMAPS_DIALOG_SNAPSHOT"] = prefix
    env["FEATUREMAPS_DIALOG_AUTO_OK"] = "1"
    if args.gimp == "3":
        env["FEATUREMAPS_DIALOG_KERNEL"] = kernel
    sample = os.path.abspath(args.sample)
    script = (SCRIPT_3 if args.gimp == "3" else SCRIPT_2) % {"s": sample, "k": kernel}
    cmd = ["timeout", "400", "xvfb-run", "-a", "-s", "-screen 0 1280x1024x24",
           host["gimp"], "-d", "-f", "-s", "-c", "--stack-trace-mode=never", "-g", gimprc]
    if args.gimp == "3":
        cmd += ["--batch-interpreter=plug-in-script-fu-eval", "-b", script, "--quit"]
    else:
        cmd += ["-b", script, "-b", "(gimp-quit 1)"]
    p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace")
    log = p.stdout
    failures = []
    for bad in ("Plug-in crashed", "execution error", "GIMP-Error"):
        if bad in log:
            failures.append("GIMP said: " + bad)
    if p.returncode not in (0, 124):
        failures.append("%s exited with status %d" % (host["gimp"], p.returncode))
    if p.returncode == 124:
        failures.append("timed out (the dialog never pressed OK?)")
    facts = {}
    for line in log.splitlines():
        i = line.find("FMSMOKE ")
        if i >= 0:
            key, _, value = line[i + 8:].partition(" ")
            facts[key] = value.strip()
    # lines-4 has four filters: four layers in one group, named
    # "<filter> · <bank>", hidden, the source still active.  relu2's picks:
    # five maps in one layer group inside the model's.
    if facts.get("NUM-LAYERS") != expect["layers"]:
        failures.append("expected %s layers (%s), got %r" % (expect["layers"], kernel,
                                                             facts.get("NUM-LAYERS")))
    if facts.get("GROUP-CHILDREN") != expect["children"]:
        failures.append("expected a group of %s, got %r" % (expect["children"],
                                                            facts.get("GROUP-CHILDREN")))
    if facts.get("FIRST") != expect["first"]:
        failures.append("first layer %r is not %r" % (facts.get("FIRST"), expect["first"]))
    if facts.get("VISIBLE") != "0":
        failures.append("%r map layers visible, expected none" % facts.get("VISIBLE"))
    if facts.get("ACTIVE-IS-SOURCE") != "yes":
        failures.append("the source is not the active layer after OK")
    # GIMP makes the second run's layer names unique with " #1".
    rerun_first = re.sub(r" #\d+$", "", facts.get("RERUN-FIRST", ""))
    if (facts.get("RERUN-LAYERS"), rerun_first) != (facts.get("NUM-LAYERS"), facts.get("FIRST")):
        failures.append("Re-Run made %r layers, first %r: not what the dialog chose"
                        % (facts.get("RERUN-LAYERS"), facts.get("RERUN-FIRST")))
    for part in parts:
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
        for part in parts:
            shutil.copy("%s-%s.png" % (prefix, part), args.screenshots)
        print("smoke-gimp: screenshots copied to", args.screenshots)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
