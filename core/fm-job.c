/* fm-job.c: not written yet */
