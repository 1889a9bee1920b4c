/* fm-presets.c: not written yet */
