/* fm-npy.c: not written yet */
