#!/bin/sh
# Writes babl-fishes: babl's conversion cache exactly as GIMP 2.10 leaves it
# after converting one image (what every GIMP user has in
# ~/.cache/babl/babl-fishes).  Opens samples/lines.png in gimp-console and
# converts it to float linear and back to 16-bit gamma, in an empty
# XDG_CACHE_HOME, then keeps the file babl wrote at exit.
#
#   tests/data/babl-cache/make.sh          (rewrites tests/data/babl-cache/babl-fishes)
#
# babl ignores a cache written by another babl version (its first line names
# the version), so regenerate it when the system's babl changes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
root=$(mktemp -d "${TMPDIR:-/tmp}/fm-babl-cache.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/cache" "$root/data" "$root/config" "$root/tmp"
cd "$src"
GIMP2_DIRECTORY="$root/profile" XDG_CACHE_HOME="$root/cache" \
XDG_DATA_HOME="$root/data" XDG_CONFIG_HOME="$root/config" TMPDIR="$root/tmp" \
  timeout 300 gimp-console-2.10 -i -b '(let* ((img (car (file-png-load 1 "samples/lines.png" "x")))) (gimp-image-convert-precision img PRECISION-FLOAT-LINEAR) (gimp-image-convert-precision img PRECISION-U16-GAMMA) (gimp-quit 0))' \
  </dev/null >"$root/log" 2>&1 || { cat "$root/log"; exit 1; }
[ -s "$root/cache/babl/babl-fishes" ] || { echo "make.sh: GIMP wrote no babl cache"; cat "$root/log"; exit 1; }
cp "$root/cache/babl/babl-fishes" "$here/babl-fishes"
echo "make.sh: $(wc -c < "$here/babl-fishes") bytes in $here/babl-fishes"
