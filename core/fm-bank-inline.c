/* fm-bank-inline.c: not written yet */
