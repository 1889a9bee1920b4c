#!/bin/sh
# Start-up of the plug-in process, as a GIMP user pays it on every call:
# exec → exit of the featuremaps plug-in for small images (100 × 100 RGB,
# RGB with alpha, grey) and for a call it rejects (unknown kernel), with
# babl's cache as GIMP leaves it (tests/data/babl-cache/babl-fishes, copied
# into the hermetic GIMP's XDG_CACHE_HOME) and with no cache.  Not part of
# the suite: a benchmark that prints figures.
#
#   tests/bench/plugin-startup.sh BUILD/plugin/featuremaps
#
# The plug-in runs under /usr/bin/time through a two-line wrapper that GIMP
# starts in its place, so every figure is the plug-in process alone
# (elapsed seconds, peak RSS), from exec to exit.
set -eu
plugin=$(readlink -f "${1:?usage: plugin-startup.sh PLUGIN-BINARY}")
src=$(cd "$(dirname "$0")/../.." && pwd)
fishes="$src/tests/data/babl-cache/babl-fishes"
top=$(mktemp -d "${TMPDIR:-/tmp}/fm-plugin-startup.XXXXXX")
trap 'rm -rf "$top"' EXIT

run_case () {  # $1: label, $2: "gimp" or "empty"
  root="$top/$1"
  mkdir -p "$root/sysplug" "$root/plugdir/featuremaps" "$root/sfpath" \
           "$root/cache/babl" "$root/data" "$root/config" "$root/tmp"
  ln -s /usr/lib/gimp/2.0/plug-ins/script-fu "$root/sysplug/script-fu"
  for f in script-fu.init script-fu-compat.init plug-in-compat.init; do
    ln -s "/usr/share/gimp/2.0/scripts/$f" "$root/sfpath/$f"
  done
  [ "$2" = gimp ] && cp "$fishes" "$root/cache/babl/babl-fishes"
  cat > "$root/plugdir/featuremaps/featuremaps" <<WRAP
#!/bin/sh
exec /usr/bin/time -a -o "$root/times" -f "%e %U %S %M \$4" "$plugin" "\$@"
WRAP
  chmod +x "$root/plugdir/featuremaps/featuremaps"
  ln -s "$src/presets" "$root/plugdir/featuremaps/presets"
  printf '(plug-in-path "%s:%s")\n(script-fu-path "%s")\n' \
    "$root/sysplug" "$root/plugdir" "$root/sfpath" > "$root/gimprc"
  cat > "$root/job.scm" <<'SCM'
(define (call img layer kernel)
  (catch #f (plug-in-feature-maps RUN-NONINTERACTIVE img layer kernel 0 1 1 1 1 0 4 0)))
(define (one type base layer-type kernel)
  (let* ((img (car (gimp-image-new 100 100 base)))
         (layer (car (gimp-layer-new img 100 100 layer-type "src" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img layer 0 0)
    (gimp-drawable-fill layer FILL-WHITE)
    (gimp-message (string-append "FMSTART " type))
    (call img layer kernel)
    (gimp-image-delete img)))
(one "rgb" RGB RGB-IMAGE "sobel")
(one "rgba" RGB RGBA-IMAGE "sobel")
(one "grey" GRAY GRAY-IMAGE "sobel")
(one "rejected" RGB RGB-IMAGE "no-such-kernel")
(one "rgb-again" RGB RGB-IMAGE "sobel")
SCM
  GIMP2_DIRECTORY="$root/profile" XDG_CACHE_HOME="$root/cache" \
  XDG_DATA_HOME="$root/data" XDG_CONFIG_HOME="$root/config" TMPDIR="$root/tmp" \
  FEATUREMAPS_PRESET_PATH="" \
    timeout 600 gimp-console-2.10 -i -d -f --stack-trace-mode=never -g "$root/gimprc" \
      -b "(load \"$root/job.scm\")" -b '(gimp-quit 0)' </dev/null >"$root/log" 2>&1 || true
  # One line per -run of the plug-in, in call order (the -query at the
  # first start is not a call).
  grep -- ' -run$' "$root/times" > "$root/runs" || true
  n=$(wc -l < "$root/runs")
  [ "$n" = 5 ] || { echo "plugin-startup: expected 5 calls, saw $n"; cat "$root/log" "$root/times"; exit 1; }
  for what in rgb rgba grey rejected rgb-again; do
    read -r secs user sys kb mode
    printf '%-20s %-10s %6.2f s  %6.2f s  %6.0f MiB\n' "$1" "$what" "$secs" \
      "$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
  done < "$root/runs"
}

echo "plug-in process, exec → exit, 100 × 100 images:"
printf '%-20s %-10s %8s  %8s  %10s\n' "babl cache" call elapsed "CPU" "peak RSS"
run_case "GIMP's" gimp
run_case "none" empty
