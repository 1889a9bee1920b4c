/* fm-cli-bench: the parts of `featuremaps bench` in their own files. */
#pragma once

#include <glib.h>

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

G_END_DECLS
