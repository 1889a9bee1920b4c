/* fm-bank-json.c: not written yet */
