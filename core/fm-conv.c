/* fm-conv.c: not written yet */
