# featuremaps batch for GIMP 3 (Python): apply a filter bank to every image
# matching a pattern and save each result (the image plus a layer group of
# feature maps) as an XCF in out_dir (created if missing).
#
#   gimp-console-3.0 -i --batch-interpreter=python-fu-eval \
#     -b 'exec(open("tests/gimp3/batch-example.py").read()); featuremaps_batch("photos/*.png", "sobel", "maps")' --quit
#
# Each file is tried on its own, in sorted order, with "n/N file" progress:
# a file GIMP cannot load, or that fails to load or to filter, is reported
# and skipped, and the rest go on.  A summary closes the run; if any file
# failed, the batch ends with an exception, so gimp-console-3.0 exits with
# a non-zero status (64: GIMP 3.0.4 reports it as a calling error).
import glob
import os
import sys

import gi
gi.require_version("Gimp", "3.0")
from gi.repository import Gimp, Gio  # noqa: E402


def featuremaps_one(path, kernel, out_dir):
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(path))
    if image is None:
        raise RuntimeError(Gimp.get_pdb().get_last_error())
    try:
        proc = Gimp.get_pdb().lookup_procedure("plug-in-feature-maps")
        config = proc.create_config()
        config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
        config.set_property("image", image)
        config.set_core_object_array("drawables", image.get_selected_drawables()[:1])
        config.set_property("kernel", kernel)
        config.set_property("padding", "same")
        config.set_property("mapping", "normalize")
        result = proc.run(config)
        if result.index(0) != Gimp.PDBStatusType.SUCCESS:
            raise RuntimeError(result.index(1) if result.length() > 1 else result.index(0))
        stem = os.path.splitext(os.path.basename(path))[0]
        out = os.path.join(out_dir, stem + ".xcf")
        if not Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path(out), None):
            raise RuntimeError(Gimp.get_pdb().get_last_error())
        return out
    finally:
        image.delete()


def featuremaps_batch(pattern, kernel, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    files = sorted(glob.glob(pattern))
    failed = 0
    for n, path in enumerate(files, 1):
        where = "%d/%d %s" % (n, len(files), path)
        try:
            out = featuremaps_one(path, kernel, out_dir)
            print("featuremaps: %s -> %s" % (where, out), file=sys.stderr)
        except Exception as e:  # one bad file must not stop the others
            failed += 1
            print("featuremaps: %s skipped: %s" % (where, e), file=sys.stderr)
    print("featuremaps: %d of %d files done, %d failed"
          % (len(files) - failed, len(files), failed), file=sys.stderr)
    if failed:
        raise RuntimeError("featuremaps: %d of %d files failed" % (failed, len(files)))
