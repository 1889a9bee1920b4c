/* fm-input.c: not written yet */
