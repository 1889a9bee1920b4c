#!/bin/sh
# Where the time of many maps in GIMP goes (not part of the suite): the
# 32-filter bank tests/data/bank32.json on a 12-megapixel RGB photo
# (4000 × 3000, plasma), destination layers, mapping normalize, in a
# hermetic gimp-console whose babl cache is the one GIMP leaves.  While the
# plug-in call runs, `perf record -g` samples the plug-in process and GIMP
# (a wrapper starts both when GIMP execs the plug-in); samples are split by
# process and code into
#   plug-in compute   the engine (libfeaturemaps: fm_*), its threads included
#   conversion        babl in the plug-in (float maps → the layer format)
#   transfer          tiles through the wire: libgimp/libgimpbase and the
#                     kernel's pipe work in the plug-in, the same in GIMP
#   plug-in other     start-up, GEGL buffers, the rest of the plug-in process
#   GIMP core         gimp-console-2.10 outside the wire (storing tiles, the
#                     layers, undo, projection)
# (tests/bench/profile-split.py), and the plug-in process's wall and CPU
# time (exec → exit) is read from a wrapper.
#
#   tests/bench/gimp-maps-profile.sh BUILD/plugin/featuremaps [WIDTH HEIGHT]
set -eu
plugin=$(readlink -f "${1:?usage: gimp-maps-profile.sh PLUGIN-BINARY [W H]}")
w=${2:-4000}
h=${3:-3000}
src=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d "${TMPDIR:-/tmp}/fm-maps-profile.XXXXXX")
[ -n "${KEEP:-}" ] && echo "gimp-maps-profile: keeping $root" || trap 'rm -rf "$root"' EXIT
command -v perf >/dev/null || { echo "perf (linux-perf) missing"; exit 77; }

mkdir -p "$root/sysplug" "$root/plugdir/featuremaps" "$root/sfpath" \
         "$root/cache/babl" "$root/data" "$root/config" "$root/tmp"
for p in script-fu plasma; do ln -s "/usr/lib/gimp/2.0/plug-ins/$p" "$root/sysplug/$p"; done
for f in script-fu.init script-fu-compat.init plug-in-compat.init; do
  ln -s "/usr/share/gimp/2.0/scripts/$f" "$root/sfpath/$f"
done
cp "$src/tests/data/babl-cache/babl-fishes" "$root/cache/babl/babl-fishes"
cat > "$root/plugdir/featuremaps/featuremaps" <<WRAP
#!/bin/sh
# Only the call is profiled: the plug-in process, and GIMP (its parent)
# while the plug-in lives.
case "\$4" in -run) ;; *) exec "$plugin" "\$@" ;; esac
perf record -q --call-graph dwarf,8192 -F ${FREQ:-199} -p \$PPID -o "$root/gimp.data" >/dev/null 2>&1 &
rec=\$!
sleep 1
perf record -q --call-graph dwarf,8192 -F ${FREQ:-199} -o "$root/plugin.data" -- \
  /usr/bin/time -a -o "$root/times" -f "%e %U %S %M \$4" "$plugin" "\$@"
status=\$?
kill -INT \$rec; wait \$rec
exit \$status
WRAP
chmod +x "$root/plugdir/featuremaps/featuremaps"
ln -s "$src/presets" "$root/plugdir/featuremaps/presets"
printf '(plug-in-path "%s:%s")\n(script-fu-path "%s")\n' \
  "$root/sysplug" "$root/plugdir" "$root/sfpath" > "$root/gimprc"

cat > "$root/job.scm" <<SCM
(let* ((img (car (gimp-image-new $w $h RGB)))
       (layer (car (gimp-layer-new img $w $h RGB-IMAGE "photo" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img layer 0 0)
  (plug-in-plasma RUN-NONINTERACTIVE img layer 7 2.5)
  (gimp-message "FMPROFILE start")
  (let ((r (plug-in-feature-maps RUN-NONINTERACTIVE img layer "$src/tests/data/bank32.json"
                                 0 1 0 1 1 0 2 0)))
    (gimp-message (string-append "FMPROFILE layers " (number->string (list-ref r 2)))))
  (gimp-image-delete img))
SCM

export GIMP2_DIRECTORY="$root/profile" XDG_CACHE_HOME="$root/cache" \
       XDG_DATA_HOME="$root/data" XDG_CONFIG_HOME="$root/config" TMPDIR="$root/tmp"
# A first start makes the profile (and is not measured).
timeout 600 gimp-console-2.10 -i -d -f --stack-trace-mode=never -g "$root/gimprc" \
  -b '(gimp-quit 0)' </dev/null >/dev/null 2>&1 || true
cp "$src/tests/data/babl-cache/babl-fishes" "$root/cache/babl/babl-fishes"
: > "$root/times"
timeout 3600 gimp-console-2.10 -i -d -f --stack-trace-mode=never -g "$root/gimprc" \
  -b "(load \"$root/job.scm\")" -b '(gimp-quit 0)' </dev/null >"$root/log" 2>&1 || true
grep -q "FMPROFILE layers 32" "$root/log" || { echo "gimp-maps-profile: the run failed:"; cat "$root/log"; exit 1; }

# Each sample goes to the first frame, from the leaf up, that belongs to a
# known part (kernel frames are skipped: a page fault counts for whoever
# touched the page).
{ perf script -i "$root/plugin.data" -F pid,comm,ip,sym,dso 2>/dev/null
  perf script -i "$root/gimp.data" -F pid,comm,ip,sym,dso 2>/dev/null; } \
  | /usr/bin/python3 "$src/tests/bench/profile-split.py" "$root/times"
