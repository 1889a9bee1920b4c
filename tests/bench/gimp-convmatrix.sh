#!/bin/sh
# End to end in GIMP (not part of the suite): W6's designer bank — 5 × 5
# Sobel x, Sobel y, Laplacian and emboss — on a 16-megapixel RGB image
# (4096 × 4096, plasma), once through plug-in-feature-maps (per-channel, so
# colour is kept as GIMP's filter keeps it: 4 RGB layers, clamp border,
# clamp mapping) and once through GIMP's own Convolution Matrix
# (plug-in-convmatrix, extend border) run four times, once per kernel, each
# on a copy of the layer.  Both in the same gimp-console session, timed from
# the arrival of gimp-message markers on stderr (unbuffered).
#
#   tests/bench/gimp-convmatrix.sh BUILD/plugin/featuremaps [SIDE]
set -eu
plugin=$(readlink -f "${1:?usage: gimp-convmatrix.sh PLUGIN-BINARY [SIDE]}")
side=${2:-4096}
root=$(mktemp -d "${TMPDIR:-/tmp}/fm-convmatrix.XXXXXX")
trap 'rm -rf "$root"' EXIT
command -v gimp-console-2.10 >/dev/null || { echo "gimp-console-2.10 missing"; exit 77; }

# A hermetic GIMP (as tests/gimp/harness.py): only script-fu and our plug-in.
mkdir -p "$root/sysplug" "$root/plugdir/featuremaps" "$root/sfpath" \
         "$root/cache" "$root/data" "$root/config" "$root/tmp"
ln -s /usr/lib/gimp/2.0/plug-ins/script-fu "$root/sysplug/script-fu"
for f in script-fu.init script-fu-compat.init plug-in-compat.init; do
  ln -s "/usr/share/gimp/2.0/scripts/$f" "$root/sfpath/$f"
done
ln -s "$plugin" "$root/plugdir/featuremaps/featuremaps"
printf '(plug-in-path "%s:%s")\n(script-fu-path "%s")\n' \
  "$root/sysplug" "$root/plugdir" "$root/sfpath" > "$root/gimprc"

sobel_x="-1,-2,0,2,1; -4,-8,0,8,4; -6,-12,0,12,6; -4,-8,0,8,4; -1,-2,0,2,1"
sobel_y="-1,-4,-6,-4,-1; -2,-8,-12,-8,-2; 0,0,0,0,0; 2,8,12,8,2; 1,4,6,4,1"
laplace="0,0,-1,0,0; 0,-1,-2,-1,0; -1,-2,16,-2,-1; 0,-1,-2,-1,0; 0,0,-1,0,0"
emboss="-1,-1,-1,-1,0; -1,-1,-1,0,1; -1,-1,0,1,1; -1,0,1,1,1; 0,1,1,1,1"
vec () { echo "(vector $(echo "$1" | tr ',;' '  '))"; }

cat > "$root/job.scm" <<SCM
(define (convmatrix img layer kernel)
  (let ((copy (car (gimp-layer-copy layer FALSE))))
    (gimp-image-insert-layer img copy 0 -1)
    ; 25 weights, no alpha weighting, divisor 1, offset 0, R G B (not
    ; grey, not alpha), border mode 0 = extend
    (plug-in-convmatrix RUN-NONINTERACTIVE img copy 25 kernel 0 1 0 5
                        (vector 1 1 1 0 0) 0)))
(let* ((img (car (gimp-image-new $side $side RGB)))
       (layer (car (gimp-layer-new img $side $side RGB-IMAGE "photo" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img layer 0 0)
  (plug-in-plasma RUN-NONINTERACTIVE img layer 7 2.5)
  (gimp-message "FMBENCH featuremaps-start")
  ; kernel, input-mode 4 per-channel, padding 1 same, border 1 clamp,
  ; stride 1, dilation 1, activation 0, mapping 1 clamp, destination 0 layers
  (let ((r (plug-in-feature-maps RUN-NONINTERACTIVE img layer
             "$sobel_x | $sobel_y | $laplace | $emboss" 4 1 1 1 1 0 1 0)))
    (gimp-message (string-append "FMBENCH featuremaps-end "
                                 (number->string (list-ref r 2)))))
  (gimp-message "FMBENCH convmatrix-start")
  (convmatrix img layer $(vec "$sobel_x"))
  (convmatrix img layer $(vec "$sobel_y"))
  (convmatrix img layer $(vec "$laplace"))
  (convmatrix img layer $(vec "$emboss"))
  (gimp-message "FMBENCH convmatrix-end")
  (gimp-image-delete img))
SCM

export GIMP2_DIRECTORY="$root/profile" XDG_CACHE_HOME="$root/cache" \
       XDG_DATA_HOME="$root/data" XDG_CONFIG_HOME="$root/config" TMPDIR="$root/tmp"
# Timestamp every stderr line as it arrives.
timeout 1800 gimp-console-2.10 -i -d -f --stack-trace-mode=never -g "$root/gimprc" \
  -b "(load \"$root/job.scm\")" -b '(gimp-quit 0)' </dev/null 2>&1 >/dev/null \
  | while IFS= read -r line; do echo "$(date +%s.%N) $line"; done > "$root/log"

grep -q "FMBENCH convmatrix-end" "$root/log" || { echo "gimp-convmatrix: the run failed:"; cat "$root/log"; exit 1; }
awk -v side="$side" '
  /FMBENCH featuremaps-start/ { a = $1 }
  /FMBENCH featuremaps-end/   { b = $1; n = $NF }
  /FMBENCH convmatrix-start/  { c = $1 }
  /FMBENCH convmatrix-end/    { d = $1 }
  END {
    printf "%d x %d RGB, W6 bank (4 kernels 5x5):\n", side, side
    printf "  plug-in-feature-maps (per-channel, %s layers): %.2f s\n", n, b - a
    printf "  plug-in-convmatrix x 4:                       %.2f s\n", d - c
    printf "  speed-up: %.2fx\n", (d - c) / (b - a)
  }' "$root/log"
