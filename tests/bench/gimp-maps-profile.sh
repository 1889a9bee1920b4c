#!/bin/sh
# Where the time of many maps in GIMP goes (not part of the suite): the
# 32-filter bank tests/data/bank32.json on a 12-megapixel photo (4000 ×
# 3000, plasma; RGB 8-bit unless BASE/PRECISION say otherwise), destination
# layers, mapping normalize, in a hermetic gimp-console whose babl cache is
# the one GIMP leaves.  Three sources of figures, each optional:
#
#   phases    the plug-in's own clock (FEATUREMAPS_PROFILE=1, fm-profile.h):
#             per call, wall and CPU per phase (start-up, layers made,
#             maps computed and written, tiles flushed, layers inserted)
#             and the time in read / convert / pack / store, and VmHWM
#   call      the call as Script-Fu sees it, from the plug-in's start to
#             the PDB's return (stderr lines time-stamped as they arrive),
#             and the XCF save after it when SAVE=1
#   perf      PERF=1: `perf record -g` samples the plug-in process and GIMP
#             while the call runs (a wrapper starts both when GIMP execs the
#             plug-in); samples are split by process and code into plug-in
#             compute, conversion (babl), transfer (libgimp, the wire, both
#             sides), GEGL buffers, plug-in start-up and GIMP core
#             (tests/bench/profile-split.py)
#
#   tests/bench/gimp-maps-profile.sh BUILD/plugin/featuremaps [WIDTH HEIGHT]
#   ROUNDS=3 PERF=0 SAVE=1 tests/bench/gimp-maps-profile.sh BUILD/plugin/featuremaps
#   BASE=GRAY PRECISION=PRECISION-U16-GAMMA …
#   tests/gimp3/root.sh exec env GIMP=3 PERF=0 ROUNDS=2 \
#     sh tests/bench/gimp-maps-profile.sh build-gimp3/plugin/gimp3/featuremaps
#
# GIMP=3 runs gimp-console-3.0 (the photo is a gradient there: GIMP 3 has no
# plasma procedure; without /usr/bin/time the plug-in's own last profile
# line gives its CPU and peak).
# ROUNDS calls run one after the other in one GIMP session, each on a new
# image; the plug-in process's wall/CPU/peak RSS come from /usr/bin/time.
set -eu
plugin=$(readlink -f "${1:?usage: gimp-maps-profile.sh PLUGIN-BINARY [W H]}")
w=${2:-4000}
h=${3:-3000}
rounds=${ROUNDS:-1}
perf=${PERF:-1}
save=${SAVE:-0}
base=${BASE:-RGB}
precision=${PRECISION:-PRECISION-U8-GAMMA}
host=${GIMP:-2}
src=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d "${TMPDIR:-/tmp}/fm-maps-profile.XXXXXX")
[ -n "${KEEP:-}" ] && echo "gimp-maps-profile: keeping $root" || trap 'rm -rf "$root"' EXIT
[ "$perf" = 0 ] || command -v perf >/dev/null || { echo "perf (linux-perf) missing"; exit 77; }
case $base in RGB) layer_type=RGB-IMAGE ;; GRAY) layer_type=GRAY-IMAGE ;;
  *) echo "BASE: RGB or GRAY"; exit 2 ;; esac

mkdir -p "$root/sysplug" "$root/plugdir/featuremaps" "$root/sfpath" \
         "$root/cache/babl" "$root/data" "$root/config" "$root/tmp"
if [ "$host" = 3 ]; then
  gimp=gimp-console-3.0 profile_var=GIMP3_DIRECTORY
  gimp_args="--batch-interpreter=plug-in-script-fu-eval"
  ln -s /usr/lib/x86_64-linux-gnu/gimp/3.0/plug-ins/script-fu "$root/sysplug/script-fu"
  [ "$precision" = PRECISION-U8-GAMMA ] && precision=PRECISION-U8-NON-LINEAR
else
  gimp=gimp-console-2.10 profile_var=GIMP2_DIRECTORY gimp_args=
  for p in script-fu plasma; do ln -s "/usr/lib/gimp/2.0/plug-ins/$p" "$root/sysplug/$p"; done
  for f in script-fu.init script-fu-compat.init plug-in-compat.init; do
    ln -s "/usr/share/gimp/2.0/scripts/$f" "$root/sfpath/$f"
  done
fi
timer=
[ -x /usr/bin/time ] && timer="/usr/bin/time -a -o $root/times -f %e\\ %U\\ %S\\ %M\\ -run"
cp "$src/tests/data/babl-cache/babl-fishes" "$root/cache/babl/babl-fishes"
if [ "$perf" = 0 ]; then
  cat > "$root/plugdir/featuremaps/featuremaps" <<WRAP
#!/bin/sh
case " \$* " in *" -run "*) ;; *) exec "$plugin" "\$@" ;; esac
# GIMP's CPU time (user, system: clock ticks) while the plug-in lives.
g0=\$(cut -d' ' -f14,15 /proc/\$PPID/stat)
FEATUREMAPS_PROFILE=1 $timer "$plugin" "\$@"
status=\$?
echo "\$g0 \$(cut -d' ' -f14,15 /proc/\$PPID/stat)" >> "$root/gimpcpu"
exit \$status
WRAP
else
  cat > "$root/plugdir/featuremaps/featuremaps" <<WRAP
#!/bin/sh
# Only the call is profiled: the plug-in process, and GIMP (its parent)
# while the plug-in lives.
case " \$* " in *" -run "*) ;; *) exec "$plugin" "\$@" ;; esac
n=\$(wc -l < "$root/times")
perf record -q --call-graph dwarf,8192 -F ${FREQ:-199} -p \$PPID -o "$root/gimp\$n.data" >/dev/null 2>&1 &
rec=\$!
sleep 1
FEATUREMAPS_PROFILE=1 perf record -q --call-graph dwarf,8192 -F ${FREQ:-199} -o "$root/plugin\$n.data" -- \
  /usr/bin/time -a -o "$root/times" -f "%e %U %S %M \$4" "$plugin" "\$@"
status=\$?
kill -INT \$rec; wait \$rec
exit \$status
WRAP
fi
chmod +x "$root/plugdir/featuremaps/featuremaps"
ln -s "$src/presets" "$root/plugdir/featuremaps/presets"
printf '(plug-in-path "%s:%s")\n' "$root/sysplug" "$root/plugdir" > "$root/gimprc"
# GIMP 3's script-fu crashes without its whole scripts folder.
[ "$host" = 3 ] || printf '(script-fu-path "%s")\n' "$root/sfpath" >> "$root/gimprc"

if [ "$host" = 3 ]; then
  cat > "$root/job.scm" <<SCM
(define (one round)
  (let* ((img (car (gimp-image-new-with-precision $w $h $base $precision)))
         (layer (car (gimp-layer-new img "photo" $w $h $layer_type 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img layer 0 0)
    (gimp-drawable-edit-gradient-fill layer GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 $w $h)
    (gimp-message "FMPROFILE start")
    (let ((r (plug-in-feature-maps #:run-mode RUN-NONINTERACTIVE #:image img
                                   #:drawables (vector layer)
                                   #:kernel "$src/tests/data/bank32.json"
                                   #:input-mode "auto" #:padding "same" #:border "zero"
                                   #:stride 1 #:dilation 1 #:activation "none"
                                   #:mapping "normalize" #:destination "layers")))
      (gimp-message (string-append "FMPROFILE layers "
                                   (number->string (vector-length (caddr r))))))
    (gimp-image-delete img)))
(let loop ((i 0)) (if (< i $rounds) (begin (one i) (loop (+ i 1)))))
SCM
else
cat > "$root/job.scm" <<SCM
(define (one round)
  (let* ((img (car (gimp-image-new-with-precision $w $h $base $precision)))
         (layer (car (gimp-layer-new img $w $h $layer_type "photo" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img layer 0 0)
    (plug-in-plasma RUN-NONINTERACTIVE img layer 7 2.5)
    (gimp-message "FMPROFILE start")
    (let ((r (plug-in-feature-maps RUN-NONINTERACTIVE img layer "$src/tests/data/bank32.json"
                                   0 1 0 1 1 0 2 0)))
      (gimp-message (string-append "FMPROFILE layers " (number->string (list-ref r 2)))))
    (if (= $save 1)
        (let ((f (string-append "$root/tmp/maps" (number->string round) ".xcf")))
          (gimp-xcf-save 0 img layer f f)
          (gimp-message "FMPROFILE saved")))
    (gimp-image-delete img)))
(let loop ((i 0)) (if (< i $rounds) (begin (one i) (loop (+ i 1)))))
SCM
fi

export $profile_var="$root/profile" HOME="$root/home" XDG_CACHE_HOME="$root/cache" \
       XDG_DATA_HOME="$root/data" XDG_CONFIG_HOME="$root/config" TMPDIR="$root/tmp"
mkdir -p "$root/home"
# gimp-console with the batches given, then quitting (GIMP 3: --quit).
run_gimp () {
  t=$1; shift
  if [ "$host" = 3 ]; then
    timeout "$t" $gimp -i -d -f --stack-trace-mode=never -g "$root/gimprc" $gimp_args "$@" --quit
  else
    timeout "$t" $gimp -i -d -f --stack-trace-mode=never -g "$root/gimprc" "$@" -b '(gimp-quit 0)'
  fi
}
# A first start makes the profile (and is not measured).
run_gimp 600 </dev/null >/dev/null 2>&1 || true
cp "$src/tests/data/babl-cache/babl-fishes" "$root/cache/babl/babl-fishes"
: > "$root/times"
# Every line of GIMP's output, with the time it arrived.
run_gimp 3600 -b "(load \"$root/job.scm\")" </dev/null 2>&1 \
  | while IFS= read -r line; do echo "$(date +%s.%N) $line"; done >"$root/log" || true
[ "$(grep -c "FMPROFILE layers 32" "$root/log")" = "$rounds" ] \
  || { echo "gimp-maps-profile: the run failed:"; cat "$root/log"; exit 1; }

echo "gimp-maps-profile: $gimp, $w × $h $base $precision, 32 maps, $rounds round(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
touch "$root/gimpcpu"
/usr/bin/python3 - "$root/log" "$root/times" "$root/gimpcpu" "$(getconf CLK_TCK)" <<'PY'
import re, sys
log = [l.rstrip("\n").split(" ", 1) for l in open(sys.argv[1])]
times = [l.split() for l in open(sys.argv[2]) if l.split()[-1:] == ["-run"]]
tck = float(sys.argv[4])
gimp = [[int(v) for v in l.split()] for l in open(sys.argv[3]) if len(l.split()) == 4]
rounds, cur = [], None
for stamp, text in log:
    t = float(stamp)
    if "FMPROFILE start" in text:
        cur = {"start": t, "phases": []}
        rounds.append(cur)
    elif "FMPROFILE layers" in text:
        cur["call"] = t - cur["start"]
        cur["end"] = t
    elif "FMPROFILE saved" in text:
        cur["save"] = t - cur["end"]
    elif "featuremaps-profile" in text and cur is not None:
        cur["phases"].append(text[text.index("featuremaps-profile"):])
for i, r in enumerate(rounds):
    wall, user, sys_, kb = (times[i][:4] if i < len(times) else ("?",) * 4)
    print("round %d: call %.2f s%s; plug-in process %s s wall, %s s user, %s s sys, peak %.0f MiB"
          % (i + 1, r.get("call", float("nan")),
             ", save %.2f s" % r["save"] if "save" in r else "",
             wall, user, sys_, int(kb) / 1024 if kb != "?" else float("nan")))
    if i < len(gimp):
        u0, s0, u1, s1 = gimp[i]
        print("  GIMP while the plug-in ran: %.2f s user, %.2f s sys"
              % ((u1 - u0) / tck, (s1 - s0) / tck))
    for p in r["phases"]:
        print("  " + p)
PY

[ "$perf" = 0 ] && exit 0
# Each sample goes to the first frame, from the leaf up, that belongs to a
# known part (kernel frames are skipped: a page fault counts for whoever
# touched the page).
{ for f in "$root"/plugin*.data; do perf script -i "$f" -F pid,comm,ip,sym,dso 2>/dev/null; done
  for f in "$root"/gimp*.data; do perf script -i "$f" -F pid,comm,ip,sym,dso 2>/dev/null; done; } \
  | /usr/bin/python3 "$src/tests/bench/profile-split.py" "$root/times"
