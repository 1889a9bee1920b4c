#!/bin/sh
# N2 (docs/workloads.md, docs/benchmarks.md "Networks"): a 16 MP photo
# through the N1 stack (conv3-64, conv3-64, max-pool 2, conv3-128,
# conv3-128, ReLU after each; compare.py builds and exports it) to its
# SECOND layer (the second conv's ReLU, 64 channels at full resolution), in
# the plug-in inside gimp-console (2.10, or 3.0 with FM_N2_GIMP=3): the
# plug-in process's wall time and peak RSS (VmHWM, polled from /proc while it runs), against the 4 GiB one
# such layer takes as full float tensors.  Not part of the suite.
#
#   tests/bench/gimp-n2.sh BUILD/plugin/featuremaps [PICK [MAPPING [WIDTH HEIGHT]]]
#
# PICK: the channels made into GIMP layers (default 0-7: every one of the
# 64 is computed, 8 become 16 MP layers; "summary" makes the summary layer
# instead, two passes).  MAPPING: the procedure's mapping (default 1 clamp:
# the photo stays 8-bit).  The photo is samples/scene.png scaled to WIDTH ×
# HEIGHT (default 4608 × 3456) by GIMP (cubic).  FM_N1_ONNX: an N1 export
# to use (where torch is missing, e.g. in the GIMP 3 root of tests/gimp3).
set -eu
gimp=${FM_N2_GIMP:-2}
plugin=$(readlink -f "${1:?usage: gimp-n2.sh PLUGIN-BINARY [PICK [MAPPING [W H]]]}")
pick=${2:-0-7}
mapping=${3:-1}
width=${4:-4608}
height=${5:-3456}
src=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d "${TMPDIR:-/tmp}/fm-n2.XXXXXX")
trap 'rm -rf "$root"' EXIT

# The N1 stack, exported by torch.onnx.export as compare.py does (from a
# script file: importing compare.py re-executes the interpreter with its
# malloc settings and the same arguments).
if [ -n "${FM_N1_ONNX:-}" ]; then
  cp "$FM_N1_ONNX" "$root/n1.onnx"
else
  cat > "$root/export.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import compare
compare.export_n1(sys.argv[2])
PY
  /usr/bin/python3 "$root/export.py" "$src/tests/bench" "$root/n1.onnx"
fi
[ -f "$root/n1.onnx" ] || { echo "gimp-n2: exporting N1 failed"; exit 1; }
# Its second layer: the ReLU after the second conv (Sequential index 3).
layer=/3/Relu

# The hermetic GIMP of tests/gimp/harness.py.
mkdir -p "$root/sysplug" "$root/plugdir/featuremaps" "$root/sfpath" \
         "$root/cache" "$root/data" "$root/config" "$root/tmp" "$root/home"
ln -s "$plugin" "$root/plugdir/featuremaps/featuremaps"
kernel="$root/n1.onnx#$layer[$pick]"
if [ "$gimp" = 3 ]; then
  printf '(plug-in-path "%s:%s")\n' /usr/lib/x86_64-linux-gnu/gimp/3.0/plug-ins \
    "$root/plugdir" > "$root/gimprc"
  mappings="raw clamp normalize normalize-joint abs-normalize"
  mapping_name=$(echo $mappings | cut -d' ' -f$((mapping + 1)))
  cat > "$root/job.scm" <<SCM
(let* ((png "$src/samples/scene.png")
       (img (car (gimp-file-load RUN-NONINTERACTIVE png)))
       (layer (vector-ref (car (gimp-image-get-layers img)) 0)))
  (gimp-context-set-interpolation INTERPOLATION-CUBIC)
  (gimp-image-scale img $width $height)
  (gimp-message "FMN2 start")
  (let ((r (plug-in-feature-maps #:run-mode RUN-NONINTERACTIVE #:image img
                                 #:drawables (vector layer) #:kernel "$kernel"
                                 #:mapping "$mapping_name" #:destination "layers")))
    (gimp-message (string-append "FMN2 layers " (number->string (vector-length (caddr r))))))
  (gimp-image-delete img))
SCM
  export GIMP3_DIRECTORY="$root/profile"
  set -- gimp-console-3.0 -i -d -f --stack-trace-mode=never -g "$root/gimprc" \
    --batch-interpreter=plug-in-script-fu-eval -b "(load \"$root/job.scm\")" --quit
else
  for p in script-fu file-png; do ln -s "/usr/lib/gimp/2.0/plug-ins/$p" "$root/sysplug/$p"; done
  for f in script-fu.init script-fu-compat.init plug-in-compat.init; do
    ln -s "/usr/share/gimp/2.0/scripts/$f" "$root/sfpath/$f"
  done
  printf '(plug-in-path "%s:%s")\n(script-fu-path "%s")\n' \
    "$root/sysplug" "$root/plugdir" "$root/sfpath" > "$root/gimprc"
  cat > "$root/job.scm" <<SCM
(let* ((png "$src/samples/scene.png")
       (img (car (gimp-file-load RUN-NONINTERACTIVE png png)))
       (layer (vector-ref (cadr (gimp-image-get-layers img)) 0)))
  (gimp-context-set-interpolation INTERPOLATION-CUBIC)
  (gimp-image-scale img $width $height)
  (gimp-message "FMN2 start")
  (let ((r (plug-in-feature-maps RUN-NONINTERACTIVE img layer "$kernel"
                                 0 1 0 1 1 0 $mapping 0)))
    (gimp-message (string-append "FMN2 layers " (number->string (list-ref r 2)))))
  (gimp-image-delete img))
SCM
  export GIMP2_DIRECTORY="$root/profile"
  set -- gimp-console-2.10 -i -d -f --stack-trace-mode=never -g "$root/gimprc" \
    -b "(load \"$root/job.scm\")" -b '(gimp-quit 0)'
fi

export XDG_CACHE_HOME="$root/cache" XDG_DATA_HOME="$root/data" \
       XDG_CONFIG_HOME="$root/config" TMPDIR="$root/tmp" HOME="$root/home"
timeout 3600 "$@" </dev/null >"$root/log" 2>&1 &
gimp_pid=$!

# The plug-in is the child of gimp-console started from our plug-in folder;
# its wall time is from the first to the last poll that sees it (its
# start-up, reading the photo, the network, writing the layers).  VmHWM
# only grows, so the last reading is its peak.
peak=0; first=""; last=""
while kill -0 "$gimp_pid" 2>/dev/null; do
  # GIMP starts it by the path of the link in our plug-in folder, with
  # -run for a call (-query once at start-up, which is not the call).
  for pid in $(pgrep -f "^$root/plugdir/featuremaps/featuremaps .*-run" || true); do
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$hwm" ] || continue
    now=$(date +%s.%N)
    [ -n "$first" ] || first=$now
    last=$now
    [ "$hwm" -gt "$peak" ] && peak=$hwm
  done
  sleep 0.05
done
wait "$gimp_pid" || true

grep -q "FMN2 layers" "$root/log" || { echo "gimp-n2: the run failed:"; cat "$root/log"; exit 1; }
[ -n "$first" ] || { echo "gimp-n2: never saw the plug-in process"; exit 1; }
made=$(sed -n 's/.*FMN2 layers \([0-9]*\).*/\1/p' "$root/log" | head -n1)
awk -v kb="$peak" -v t0="$first" -v t1="$last" -v w="$width" -v h="$height" \
    -v pick="$pick" -v made="$made" -v gimp="$gimp" 'BEGIN {
  mib = kb / 1024; full = 64 * w * h * 4 / 1048576;
  printf "N2 (GIMP %s): %d × %d (%.1f MP) through N1 to its second layer (64 channels), " \
         "pick [%s], %s map layers made\n", gimp, w, h, w * h / 1e6, pick, made;
  printf "plug-in wall time: %.1f s\n", t1 - t0;
  printf "plug-in peak RSS (VmHWM): %.0f MiB; the layer as full float tensors: " \
         "%.0f MiB (%.1f%%)\n", mib, full, 100 * mib / full }'
