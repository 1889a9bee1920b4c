/* fm-bank.c: not written yet */
