/* fm-conv-direct.c: not written yet */
