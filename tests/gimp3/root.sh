#!/bin/sh
# A Debian 13 ("trixie") root with GIMP 3.0 for hosts whose own Debian has only
# GIMP 2.10.  Built once with debootstrap in a fixed place outside the
# repository and reused by later runs; a stamp holding the package list's hash
# makes a changed list install what is new.
#
#   tests/gimp3/root.sh ensure          build or update the root, then return
#   tests/gimp3/root.sh exec CMD ARG…   run CMD inside the root, in /src, with
#                                       the source tree bind-mounted at /src
#   tests/gimp3/root.sh path            print where the root lives
#
# Mounts (proc, sys, dev, the source tree) are made inside a private mount
# namespace (unshare), so they vanish with the command even when it is killed;
# a trap unmounts them on the way out as well.  The root is only ever deleted
# when nothing is mounted below it, and with --one-file-system.
set -eu

# debootstrap, mount namespaces and chroot need root, as ./run deps does.
if [ "$(id -u)" -ne 0 ]; then
  exec sudo FM_GIMP3_ROOT="${FM_GIMP3_ROOT:-}" CI="${CI:-}" "$0" "$@"
fi

ROOT="${FM_GIMP3_ROOT:-}"
ROOT="${ROOT:-/var/cache/featuremaps/gimp3-root}"
SUITE=trixie
# What the build, the plug-in's tests and the core (LAPACK, BLAS, HDF5, the
# command line's image libraries) need in there.
PACKAGES="gimp libgimp-3.0-dev meson ninja-build gcc libc6-dev pkg-config
 libglib2.0-dev libjson-glib-dev libfftw3-dev libgegl-dev libbabl-dev
 liblapacke-dev libopenblas-dev libhdf5-dev libpng-dev libjpeg-dev libtiff-dev
 xvfb xauth xdotool python3 python3-numpy python3-tifffile python3-gi gir1.2-gimp-3.0"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"

die () { echo "gimp3-root: $*" >&2; exit 1; }

stamp_of () {
  printf '%s\n' $PACKAGES | sort | sha256sum | cut -d' ' -f1
}

# The Debian mirror this machine's own apt sources name (debootstrap's default
# otherwise).
mirror () {
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
      grep -Eo 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ')
  echo "${m:-http://deb.debian.org/debian}"
}

mounted_below () {
  findmnt -rn -o TARGET | grep -q "^$1\(/\|\$\)"
}

# Run "$@" with ROOT's pseudo file systems (and, if FM_BIND is set, the source
# tree at /src) mounted, in a private mount namespace.
in_root () {
  unshare --mount --propagation private /bin/sh -eu -c '
    R=$1; shift
    cleanup () { umount -R "$R/src" 2>/dev/null || true; umount -R "$R/dev" 2>/dev/null || true
                 umount "$R/sys" 2>/dev/null || true; umount "$R/proc" 2>/dev/null || true; }
    trap cleanup EXIT INT TERM
    mount -t proc proc "$R/proc"
    mount -t sysfs -o ro sysfs "$R/sys"
    mount --rbind /dev "$R/dev"
    if [ -n "${FM_BIND:-}" ]; then mkdir -p "$R/src"; mount --bind "$FM_BIND" "$R/src"; fi
    cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" DEBIAN_FRONTEND=noninteractive \
      FM_IN_GIMP3_ROOT=1 ${FM_ENV:-} chroot "$R" "$@"
  ' in-root "$ROOT" "$@"
}

ensure () {
  mkdir -p "$(dirname "$ROOT")"
  # One builder at a time; others wait for it.
  exec 9>"$ROOT.lock"
  flock 9
  want=$(stamp_of)
  if [ -f "$ROOT/.featuremaps-stamp" ] && [ "$(cat "$ROOT/.featuremaps-stamp")" = "$want" ]; then
    return 0
  fi
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
  command -v unshare >/dev/null || die "unshare is missing (util-linux)"
  if [ ! -f "$ROOT/.featuremaps-debootstrap" ]; then
    if [ -e "$ROOT" ]; then
      mounted_below "$ROOT" && die "something is mounted below $ROOT; not removing it"
      rm -rf --one-file-system "$ROOT"
    fi
    echo "gimp3-root: debootstrap $SUITE into $ROOT from $(mirror) (once; a few minutes)"
    t0=$(date +%s)
    debootstrap --variant=minbase "$SUITE" "$ROOT" "$(mirror)" > "$ROOT.debootstrap.log" 2>&1 ||
      { tail -n 20 "$ROOT.debootstrap.log" >&2; die "debootstrap failed (log: $ROOT.debootstrap.log)"; }
    touch "$ROOT/.featuremaps-debootstrap"
    echo "gimp3-root: debootstrap took $(( $(date +%s) - t0 )) s"
  fi
  echo "gimp3-root: installing GIMP 3 and the build dependencies inside"
  t0=$(date +%s)
  in_root /bin/sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $(echo $PACKAGES) && apt-get clean" \
    > "$ROOT.apt.log" 2>&1 || { tail -n 30 "$ROOT.apt.log" >&2; die "apt-get inside the root failed (log: $ROOT.apt.log)"; }
  echo "$want" > "$ROOT/.featuremaps-stamp"
  echo "gimp3-root: packages took $(( $(date +%s) - t0 )) s"
}

case "${1:-}" in
  ensure) ensure ;;
  path) echo "$ROOT" ;;
  exec)
    shift
    [ $# -gt 0 ] || die "exec needs a command"
    ( ensure )
    FM_BIND="$SRC" in_root /bin/sh -c 'cd /src && exec "$@"' sh "$@"
    ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
