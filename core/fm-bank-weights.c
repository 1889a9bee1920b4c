/* fm-bank-weights.c: not written yet */
