/* fm-cli-bench: the parts of `featuremaps bench` in their own files. */
#pragma once

#include <glib.h>
#include "featuremaps.h"

G_BEGIN_DECLS

/* One line of the start-up benchmark (fm-cli-bench-startup.c). */
typedef struct {
  char cache[512];              /* "none" or the babl cache file copied in */
  double median, min, max;      /* seconds, exec → exit */
  double cpu;                   /* CPU seconds (median) */
  double rss_mb;                /* peak RSS (largest) */
} FmBenchStartup;

/* Up to two lines: no cache, and babl_cache (NULL: the user's own, when
 * there is one), each the median of n_runs after one warm-up run. */
gboolean fm_cli_bench_startup (const char *babl_cache, int n_runs,
                               FmBenchStartup *res, int *n_res, GError **error);

/* A standard workload: a convolution (W1–W6d), or a network (N1, whose
 * k, kh, kw are its last layer's). */
typedef struct {
  const char *name;
  int h, w, c;            /* full size */
  int qh, qw;             /* --quick size */
  int k, kh, kw;
  int groups;
  FmPadding padding;
  FmActivation activation;
  const char *what;
  gboolean net;
} Workload;

typedef struct {
  const Workload *wl;
  int h, w;
  double median, min, max;
  double cpu_median;      /* process CPU seconds per run (all threads) */
  double gflop, gflops, pct_peak;
  double bytes;           /* input + output, read and written once */
  double bound_s;         /* bytes / the machine's copy bandwidth */
  double rss_mb;
  double max_diff;        /* vs direct-c with --check, else −1 */
  char path[32];
} Result;

/* The timing helpers (fm-cli-bench.c). */
double fm_bench_now_s (void);
double fm_bench_cpu_s (void);
int fm_bench_compare_double (const void *a, const void *b);
void fm_bench_fill_random (float *v, gsize n, guint64 seed, float lo, float hi);
void fm_bench_reset_peak_rss (void);
double fm_bench_peak_rss_mb (void);

/* A network workload (fm-cli-bench-net.c), timed as the others. */
gboolean fm_cli_bench_net (const Workload *wl, gboolean quick, int n_threads, int n_runs,
                           double peak, Result *r, GError **error);

G_END_DECLS
