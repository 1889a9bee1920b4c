/* fm-map.c: not written yet */
