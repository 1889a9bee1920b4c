#!/bin/sh
# The GIMP 3 part of the test suite, where GIMP 3 is installed (a Debian 13
# host, or the root tests/gimp3/root.sh makes): build in build-gimp3/ and run
# the gimp3 suite (gimp-console cases, batches) and the dialog suite (GTK 3
# widget test, the dialog inside gimp-3.0 under Xvfb).
set -eu
cd "$(dirname "$0")/../.."
[ -f build-gimp3/build.ninja ] || meson setup build-gimp3 > build-gimp3.setup.log 2>&1 ||
  { tail -n 30 build-gimp3.setup.log >&2; exit 1; }
# Only what these suites run: the core's own tests ran in build/ already.
meson compile -C build-gimp3 plugin/gimp3/featuremaps core/cli/featuremaps \
  tests/dialog/test-dialog-gtk3
meson test -C build-gimp3 --no-rebuild --print-errorlogs --num-processes 2 \
  --suite gimp3 --suite dialog
