#!/bin/sh
# Peak memory of the plug-in process on a big job (not part of the suite):
# a 4096 × 4096 RGB photo-like image (plasma), the 32-filter bank
# tests/data/bank32.json, destination 0 (layers), mapping normalize (the
# two-pass case).  Polls VmHWM of the featuremaps plug-in process while it
# runs and compares it with 32 full-size float maps (32 × 16 Mi × 4 B = 2 GiB).
#
#   tests/gimp/measure-memory.sh BUILD/plugin/featuremaps [MAPPING]
set -eu
plugin=$(readlink -f "${1:?usage: measure-memory.sh PLUGIN-BINARY [MAPPING]}")
mapping=${2:-2}
src=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d "${TMPDIR:-/tmp}/fm-memory.XXXXXX")
trap 'rm -rf "$root"' EXIT

# The hermetic GIMP of harness.py, with plasma for the photo-like image.
mkdir -p "$root/sysplug" "$root/plugdir/featuremaps" "$root/sfpath" \
         "$root/cache" "$root/data" "$root/config" "$root/tmp"
for p in script-fu plasma; do ln -s "/usr/lib/gimp/2.0/plug-ins/$p" "$root/sysplug/$p"; done
for f in script-fu.init script-fu-compat.init plug-in-compat.init; do
  ln -s "/usr/share/gimp/2.0/scripts/$f" "$root/sfpath/$f"
done
ln -s "$plugin" "$root/plugdir/featuremaps/featuremaps"
printf '(plug-in-path "%s:%s")\n(script-fu-path "%s")\n' \
  "$root/sysplug" "$root/plugdir" "$root/sfpath" > "$root/gimprc"

cat > "$root/job.scm" <<SCM
(let* ((img (car (gimp-image-new 4096 4096 RGB)))
       (layer (car (gimp-layer-new img 4096 4096 RGB-IMAGE "photo" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img layer 0 0)
  (plug-in-plasma RUN-NONINTERACTIVE img layer 7 2.5)
  (gimp-message "FMMEM start")
  (let ((r (plug-in-feature-maps RUN-NONINTERACTIVE img layer "$src/tests/data/bank32.json"
                                 0 1 0 1 1 0 $mapping 0)))
    (gimp-message (string-append "FMMEM layers " (number->string (list-ref r 2)))))
  (gimp-image-delete img))
SCM

export GIMP2_DIRECTORY="$root/profile" XDG_CACHE_HOME="$root/cache" \
       XDG_DATA_HOME="$root/data" XDG_CONFIG_HOME="$root/config" TMPDIR="$root/tmp"
start=$(date +%s.%N)
timeout 900 gimp-console-2.10 -i -d -f --stack-trace-mode=never -g "$root/gimprc" \
  -b "(load \"$root/job.scm\")" -b '(gimp-quit 0)' </dev/null >"$root/log" 2>&1 &
gimp_pid=$!

# The plug-in is the child of gimp-console whose executable is $plugin;
# VmHWM only grows, so the last reading before it exits is its peak.
peak=0; seen=0
while kill -0 "$gimp_pid" 2>/dev/null; do
  for status in /proc/[0-9]*/status; do
    dir=${status%/status}
    [ "$(readlink "$dir/exe" 2>/dev/null)" = "$plugin" ] || continue
    hwm=$(awk '/^VmHWM:/ {print $2}' "$status" 2>/dev/null || true)
    [ -n "$hwm" ] || continue
    seen=1
    [ "$hwm" -gt "$peak" ] && peak=$hwm
  done
  sleep 0.05
done
wait "$gimp_pid" || true
end=$(date +%s.%N)

grep -q "FMMEM layers 32" "$root/log" || { echo "measure-memory: the run failed:"; cat "$root/log"; exit 1; }
[ "$seen" = 1 ] || { echo "measure-memory: never saw the plug-in process"; exit 1; }
awk -v kb="$peak" -v t0="$start" -v t1="$end" 'BEGIN {
  mib = kb / 1024; full = 32 * 4096 * 4096 * 4 / 1048576;
  printf "plug-in peak RSS (VmHWM): %.0f MiB for 32 maps of 4096 × 4096 " \
         "(32 full float maps: %.0f MiB; %.1f%%); whole batch %.0f s\n",
         mib, full, 100 * mib / full, t1 - t0 }'
