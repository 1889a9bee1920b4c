/* fm-learn-bands: runs a function over bands of rows on every core.
 *
 * Workers take the next band from one atomic counter, so a slow band never
 * leaves a core idle.  The calling thread is worker 0: it alone reports
 * progress, so a front end's progress callback (GIMP's) stays on its own
 * thread.  The first error wins; the others stop after their band. */
#include "fm-learn-private.h"

#include <pthread.h>

typedef struct {
  FmLearnBandFunc func;
  gpointer data;
  int n_bands;
  gint next, done, stop;
  pthread_mutex_t lock;  /* POSIX: ThreadSanitizer sees it, not a GMutex */
  GError *error;
} Run;

typedef struct {
  Run *run;
  int worker;
} Worker;

static void
fail (Run *run, GError *error)
{
  pthread_mutex_lock (&run->lock);
  if (!run->error)
    run->error = error;
  else
    g_error_free (error);
  pthread_mutex_unlock (&run->lock);
  g_atomic_int_set (&run->stop, 1);
}

/* One band; FALSE when there is none left (or the run stopped). */
static gboolean
step (Run *run, int worker)
{
  if (g_atomic_int_get (&run->stop))
    return FALSE;
  int band = g_atomic_int_add (&run->next, 1);
  if (band >= run->n_bands)
    return FALSE;
  GError *error = NULL;
  if (!run->func (run->data, worker, band, &error))
    {
      fail (run, error ? error : g_error_new_literal (FM_LEARN_ERROR, FM_LEARN_ERROR_SOLVE,
                                                      "a band failed"));
      return FALSE;
    }
  g_atomic_int_inc (&run->done);
  return TRUE;
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  while (step (w->run, w->worker))
    ;
  return NULL;
}

int
fm_learn_n_workers (int requested)
{
  int n = requested > 0 ? requested : (int) g_get_num_processors ();
  return CLAMP (n, 1, 64);
}

gboolean
fm_learn_run_bands (int n_bands, int n_workers, FmLearnBandFunc func,
                    gpointer data, FmLearnProgress progress,
                    gpointer progress_data, double p0, double p1,
                    GError **error)
{
  Run run = { .func = func, .data = data, .n_bands = n_bands };
  pthread_mutex_init (&run.lock, NULL);
  n_workers = CLAMP (n_workers, 1, MAX (n_bands, 1));

  GThread *threads[64];
  Worker workers[64];
  int n_threads = 0;
  for (int w = 1; w < n_workers; w++)
    {
      workers[w] = (Worker) { &run, w };
      GError *local = NULL;
      threads[n_threads] = g_thread_try_new ("fm-learn", worker_main, &workers[w], &local);
      if (!threads[n_threads])
        {
          g_clear_error (&local); /* fewer threads: the caller does the rest */
          break;
        }
      n_threads++;
    }

  while (step (&run, 0))
    if (progress)
      {
        double f = (double) g_atomic_int_get (&run.done) / MAX (n_bands, 1);
        if (!progress (progress_data, p0 + (p1 - p0) * f))
          fail (&run, g_error_new_literal (FM_LEARN_ERROR, FM_LEARN_ERROR_CANCELLED,
                                           "cancelled"));
      }

  for (int t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  pthread_mutex_destroy (&run.lock);

  if (run.error)
    {
      g_propagate_error (error, run.error);
      return FALSE;
    }
  if (progress && !progress (progress_data, p1))
    {
      g_set_error_literal (error, FM_LEARN_ERROR, FM_LEARN_ERROR_CANCELLED, "cancelled");
      return FALSE;
    }
  return TRUE;
}
