/* fm-cli-bench: `featuremaps bench` — the standard workloads of
 * docs/workloads.md timed through the public engine API.
 *
 * What is timed is what a user of the library waits for: fm_conv_plan_run_image
 * over the whole image, bias and activation included, into an output buffer
 * allocated once and touched by a warm-up run (so the first-touch page faults
 * of a fresh 512 MB buffer are not counted, as for the other tools we compare
 * with).  Plan creation (weight packing) is outside the timing. */
#include "fm-cli.h"
#include "fm-cli-bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <json-glib/json-glib.h>

static const Workload workloads[] = {
  { "W1", 4096, 4096, 1, 256, 256, 1, 3, 3, 1, FM_PADDING_VALID, FM_ACTIVATION_NONE,
    "3x3 line detector, 16 MP grey", FALSE },
  { "W2", 2048, 2048, 3, 128, 160, 32, 3, 3, 1, FM_PADDING_SAME, FM_ACTIVATION_RELU,
    "32 x 3x3x3 + bias + ReLU", FALSE },
  { "W3", 2048, 2048, 3, 128, 128, 8, 7, 7, 1, FM_PADDING_SAME, FM_ACTIVATION_NONE,
    "8 x 7x7x3", FALSE },
  { "W4", 2048, 2048, 1, 128, 128, 1, 31, 31, 1, FM_PADDING_SAME, FM_ACTIVATION_NONE,
    "31x31 non-separable", FALSE },
  { "W5", 512, 512, 64, 32, 48, 64, 3, 3, 1, FM_PADDING_SAME, FM_ACTIVATION_NONE,
    "64 -> 64, 3x3", FALSE },
  { "W6", 4096, 4096, 3, 256, 256, 4, 5, 5, 1, FM_PADDING_SAME, FM_ACTIVATION_NONE,
    "4 x 5x5x3 designer bank, 16 MP", FALSE },
  { "W6d", 4096, 4096, 3, 256, 256, 3, 5, 5, 3, FM_PADDING_SAME, FM_ACTIVATION_NONE,
    "5x5 per channel (groups 3), 16 MP", FALSE },
  /* A network (fm-cli-bench-net.c): k, kh, kw are its last layer's. */
  { "N1", 1024, 1024, 3, 128, 128, 128, 3, 3, 1, FM_PADDING_SAME, FM_ACTIVATION_RELU,
    "VGG-style conv3-64 x2, max-pool 2, conv3-128 x2, ReLU; last layer", TRUE },
};

double
fm_bench_now_s (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

double
fm_bench_cpu_s (void)
{
  struct timespec t;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int
fm_bench_compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Reproducible uniform floats in [lo, hi) without libc's global state. */
void
fm_bench_fill_random (float *v, gsize n, guint64 seed, float lo, float hi)
{
  guint64 s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (gsize i = 0; i < n; i++)
    {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      v[i] = lo + (hi - lo) * (float) ((s >> 40) * (1.0 / 16777216.0));
    }
}

/* Peak resident memory of this workload alone: clear_refs 5 resets VmHWM
 * (Linux ≥ 4.0); without it, ru_maxrss (the process's peak so far). */
void
fm_bench_reset_peak_rss (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");
  if (f)
    {
      fputs ("5", f);
      fclose (f);
    }
}

double
fm_bench_peak_rss_mb (void)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "VmHWM: %ld kB", &kb) == 1)
      break;
  if (f)
    fclose (f);
  if (kb < 0)
    {
      struct rusage ru;
      getrusage (RUSAGE_SELF, &ru);
      kb = ru.ru_maxrss;
    }
  return kb / 1024.0;
}

/* ---- the machine's peak, measured: independent FMA chains per thread ---- */

typedef float Fv16 __attribute__ ((vector_size (64)));
typedef float Fv8 __attribute__ ((vector_size (32)));

#define FMA_CHAINS(T)                                                          \
  T a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x,   \
    a9 = x, a10 = x, a11 = x;                                                  \
  for (long i = 0; i < n; i++)                                                 \
    {                                                                          \
      a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;      \
      a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;      \
      a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;  \
      __asm__ volatile ("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3),          \
                        "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8),      \
                        "+v"(a9), "+v"(a10), "+v"(a11));                       \
    }                                                                          \
  T s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;

__attribute__ ((target ("avx512f,fma"))) static float
fma_loop_512 (long n)
{
  Fv16 x = { 0 }, m, c;
  m = x + 0.999f;
  c = x + 1e-6f;
  FMA_CHAINS (Fv16)
  return s[0];
}

__attribute__ ((target ("avx2,fma"))) static float
fma_loop_256 (long n)
{
  Fv8 x = { 0 }, m, c;
  m = x + 0.999f;
  c = x + 1e-6f;
  FMA_CHAINS (Fv8)
  return s[0];
}

typedef struct {
  long n;
  int lanes;
  double seconds;
  float sink;
} Probe;

static gpointer
probe_thread (gpointer data)
{
  Probe *p = data;
  double t = fm_bench_now_s ();
  p->sink = p->lanes == 16 ? fma_loop_512 (p->n) : fma_loop_256 (p->n);
  p->seconds = fm_bench_now_s () - t;
  return NULL;
}

/* GFLOP/s of n_threads threads each running FMAs on the widest vectors the
 * CPU has: what "% of peak" divides by when --peak is not given. */
static double
measure_peak (int n_threads)
{
  __builtin_cpu_init ();
  int lanes = __builtin_cpu_supports ("avx512f") ? 16
              : __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma") ? 8 : 0;
  if (lanes == 0)
    return 0.0;
  double best = 0.0;
  for (int rep = 0; rep < 3; rep++)
    {
      Probe probes[64];
      GThread *threads[64];
      int n = MIN (n_threads, 64);
      for (int i = 0; i < n; i++)
        {
          probes[i] = (Probe) { .n = 2000000, .lanes = lanes };
          threads[i] = g_thread_new ("fm-peak", probe_thread, &probes[i]);
        }
      double total = 0.0;
      for (int i = 0; i < n; i++)
        {
          g_thread_join (threads[i]);
          total += probes[i].n * 12.0 * 2 * lanes / probes[i].seconds / 1e9;
        }
      best = MAX (best, total);
    }
  return best;
}

/* ---- the machine's memory bandwidth, measured: a large copy ---- */

typedef struct {
  const char *src;
  char *dst;
  gsize n;
  double seconds;
} CopyProbe;

static gpointer
copy_thread (gpointer data)
{
  CopyProbe *p = data;
  double t = fm_bench_now_s ();
  memcpy (p->dst, p->src, p->n);
  p->seconds = fm_bench_now_s () - t;
  return NULL;
}

/* GB/s of bytes read plus bytes written by n_threads threads copying
 * disjoint parts of a 128 MiB buffer (far larger than any cache; glibc's
 * memcpy streams its stores at this size, as the kernels do): the rate a
 * memory-bound workload cannot beat, since it reads its input and writes
 * its output at least once.  Best of five. */
static double
measure_copy_gbps (int n_threads)
{
  const gsize size = (gsize) 128 << 20;
  char *src = g_try_malloc (size), *dst = g_try_malloc (size);
  double best = 0.0;
  if (!src || !dst)
    goto out;
  memset (src, 1, size);
  memset (dst, 2, size);
  n_threads = CLAMP (n_threads, 1, 64);
  for (int rep = 0; rep < 5; rep++)
    {
      CopyProbe probes[64];
      GThread *threads[64];
      gsize part = size / n_threads / 64 * 64;
      double t = fm_bench_now_s ();
      for (int i = 0; i < n_threads; i++)
        {
          probes[i] = (CopyProbe) { src + i * part, dst + i * part, part, 0.0 };
          threads[i] = g_thread_new ("fm-copy", copy_thread, &probes[i]);
        }
      for (int i = 0; i < n_threads; i++)
        g_thread_join (threads[i]);
      double seconds = fm_bench_now_s () - t;
      best = MAX (best, 2.0 * part * n_threads / seconds / 1e9);
    }
out:
  g_free (src);
  g_free (dst);
  return best;
}

/* ---- one workload ---- */

static void
set_params (FmConvParams *p, const Workload *wl, const float *weights,
            const float *bias, int n_threads)
{
  fm_conv_params_init (p);
  p->kh = wl->kh;
  p->kw = wl->kw;
  p->channels = wl->c;
  p->n_filters = wl->k;
  p->groups = wl->groups;
  p->weights = weights;
  p->bias = bias;
  p->padding = wl->padding;
  p->border = FM_BORDER_ZERO;
  p->activation = wl->activation;
  p->n_threads = n_threads;
}

/* The same workload through the plain C path: the bench's --check. */
static double
check_against_direct (const FmConvParams *p, int h, int w, const float *in,
                      const float *out, gsize n_out, GError **error)
{
  g_autofree char *saved = g_strdup (g_getenv ("FEATUREMAPS_CONV_PATH"));
  g_setenv ("FEATUREMAPS_CONV_PATH", "direct-c", TRUE);
  FmConvPlan *plan = fm_conv_plan_new (p, h, w, error);
  if (saved)
    g_setenv ("FEATUREMAPS_CONV_PATH", saved, TRUE);
  else
    g_unsetenv ("FEATUREMAPS_CONV_PATH");
  if (!plan)
    return -1.0;
  float *ref = g_try_new (float, n_out);
  gboolean ok = ref && fm_conv_plan_run_image (plan, in, ref, error);
  fm_conv_plan_free (plan);
  double max_ref = 0.0, max_diff = 0.0;
  for (gsize i = 0; ok && i < n_out; i++)
    {
      max_ref = MAX (max_ref, fabs (ref[i]));
      double d = fabs ((double) ref[i] - out[i]);
      max_diff = isnan (d) || isnan (max_diff) ? NAN : MAX (max_diff, d);
    }
  g_free (ref);
  if (!ok)
    return -1.0;
  return max_ref > 0.0 ? max_diff / max_ref : max_diff;
}

static gboolean
run_workload (const Workload *wl, gboolean quick, int n_threads, int n_runs,
              gboolean check, double peak, double copy_gbps, Result *r,
              GError **error)
{
  const int h = quick ? wl->qh : wl->h, w = quick ? wl->qw : wl->w;
  const int cg = wl->c / wl->groups;
  gsize n_in = (gsize) h * w * wl->c, n_w = (gsize) wl->k * wl->kh * wl->kw * cg;
  gboolean ok = FALSE;

  if (wl->net)
    return fm_cli_bench_net (wl, quick, n_threads, n_runs, peak, r, error);
  memset (r, 0, sizeof *r);
  r->wl = wl;
  r->h = h;
  r->w = w;
  r->max_diff = -1.0;
  fm_bench_reset_peak_rss ();

  float *in = g_try_new (float, n_in);
  float *weights = g_new (float, n_w);
  float *bias = g_new (float, wl->k);
  float *out = NULL;
  double *times = g_new (double, n_runs), *cpu = g_new (double, n_runs);
  FmConvPlan *plan = NULL;
  if (!in)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "bench %s: no memory for the %d × %d × %d input", wl->name, h, w, wl->c);
      goto out;
    }
  fm_bench_fill_random (in, n_in, 1, 0.0f, 1.0f);
  float scale = 1.0f / sqrtf ((float) wl->kh * wl->kw * cg);
  fm_bench_fill_random (weights, n_w, 2, -scale, scale);
  fm_bench_fill_random (bias, wl->k, 3, -0.1f, 0.1f);

  FmConvParams p;
  set_params (&p, wl, weights, bias, n_threads);
  plan = fm_conv_plan_new (&p, h, w, error);
  if (!plan)
    goto out;
  const FmConvGeometry *geo = fm_conv_plan_geometry (plan);
  gsize n_out = (gsize) wl->k * geo->out_h * geo->out_w;
  out = g_try_new (float, n_out);
  if (!out)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "bench %s: no memory for %d maps of %d × %d", wl->name,
                   wl->k, geo->out_h, geo->out_w);
      goto out;
    }
  g_strlcpy (r->path, fm_conv_plan_path (plan), sizeof r->path);

  /* Warm-up: faults the output pages in, warms caches and the thread pool. */
  if (!fm_conv_plan_run_image (plan, in, out, error))
    goto out;
  for (int i = 0; i < n_runs; i++)
    {
      double t = fm_bench_now_s (), c = fm_bench_cpu_s ();
      if (!fm_conv_plan_run_image (plan, in, out, error))
        goto out;
      times[i] = fm_bench_now_s () - t;
      cpu[i] = fm_bench_cpu_s () - c;
    }
  qsort (times, n_runs, sizeof *times, fm_bench_compare_double);
  qsort (cpu, n_runs, sizeof *cpu, fm_bench_compare_double);
  r->cpu_median = cpu[n_runs / 2];
  r->median = n_runs % 2 ? times[n_runs / 2]
                         : 0.5 * (times[n_runs / 2 - 1] + times[n_runs / 2]);
  r->min = times[0];
  r->max = times[n_runs - 1];
  r->gflop = 2.0 * geo->out_h * geo->out_w * wl->k * wl->kh * wl->kw * cg / 1e9;
  r->gflops = r->gflop / r->median;
  r->pct_peak = peak > 0.0 ? 100.0 * r->gflops / peak : -1.0;
  r->bytes = 4.0 * ((double) n_in + (double) n_out);
  r->bound_s = copy_gbps > 0.0 ? r->bytes / (copy_gbps * 1e9) : -1.0;
  r->rss_mb = fm_bench_peak_rss_mb ();

  if (check)
    {
      r->max_diff = check_against_direct (&p, h, w, in, out, n_out, error);
      if (r->max_diff < 0.0)
        goto out;
    }
  ok = TRUE;

out:
  fm_conv_plan_free (plan);
  g_free (in);
  g_free (weights);
  g_free (bias);
  g_free (out);
  g_free (times);
  g_free (cpu);
  return ok;
}

/* ---- output ---- */

static char *
cpu_model (void)
{
  g_autofree char *text = NULL;
  if (g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    {
      char *at = strstr (text, "model name");
      char *colon = at ? strchr (at, ':') : NULL;
      if (colon)
        {
          char *end = strchr (colon, '\n');
          return g_strstrip (g_strndup (colon + 1, end ? (gsize) (end - colon - 1) : strlen (colon + 1)));
        }
    }
  return g_strdup ("unknown");
}

static gboolean
write_json (const char *file, const Result *res, int n, const FmBenchStartup *st,
            int n_st, int n_threads, int n_runs, gboolean quick, double peak,
            const char *peak_source, double copy_gbps, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *model = cpu_model ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "machine");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cpu");
  json_builder_add_string_value (b, model);
  json_builder_set_member_name (b, "cores");
  json_builder_add_int_value (b, g_get_num_processors ());
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, n_threads);
  json_builder_set_member_name (b, "peak_gflops");
  json_builder_add_double_value (b, peak);
  json_builder_set_member_name (b, "peak_source");
  json_builder_add_string_value (b, peak_source);
  json_builder_set_member_name (b, "copy_gbps");
  json_builder_add_double_value (b, copy_gbps);
  json_builder_set_member_name (b, "runs");
  json_builder_add_int_value (b, n_runs);
  json_builder_set_member_name (b, "quick");
  json_builder_add_boolean_value (b, quick);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "workloads");
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    {
      const Result *r = &res[i];
      json_builder_begin_object (b);
#define MEMBER(key, kind, value) \
  json_builder_set_member_name (b, key); json_builder_add_##kind##_value (b, value)
      MEMBER ("name", string, r->wl->name);
      MEMBER ("median_s", double, r->median);
      MEMBER ("min_s", double, r->min);
      MEMBER ("max_s", double, r->max);
      MEMBER ("cpu_s", double, r->cpu_median);
      MEMBER ("gflop", double, r->gflop);
      MEMBER ("gflops", double, r->gflops);
      MEMBER ("pct_peak", double, r->pct_peak);
      MEMBER ("bytes_moved", double, r->bytes);
      MEMBER ("dram_bound_s", double, r->bound_s);
      MEMBER ("of_dram_bound", double, r->bound_s > 0.0 ? r->bound_s / r->median : -1.0);
      MEMBER ("peak_rss_mb", double, r->rss_mb);
      MEMBER ("path", string, r->path);
      MEMBER ("height", int, r->h);
      MEMBER ("width", int, r->w);
      if (r->max_diff >= 0.0)
        {
          MEMBER ("max_rel_diff", double, r->max_diff);
        }
#undef MEMBER
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "startup");
  json_builder_begin_array (b);
  for (int i = 0; i < n_st; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "babl_cache");
      json_builder_add_string_value (b, st[i].cache);
      json_builder_set_member_name (b, "median_s");
      json_builder_add_double_value (b, st[i].median);
      json_builder_set_member_name (b, "min_s");
      json_builder_add_double_value (b, st[i].min);
      json_builder_set_member_name (b, "max_s");
      json_builder_add_double_value (b, st[i].max);
      json_builder_set_member_name (b, "cpu_s");
      json_builder_add_double_value (b, st[i].cpu);
      json_builder_set_member_name (b, "peak_rss_mb");
      json_builder_add_double_value (b, st[i].rss_mb);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  if (!json_generator_to_file (gen, file, error))
    {
      g_prefix_error (error, "bench --json %s: ", file);
      return FALSE;
    }
  return TRUE;
}

static void
print_result (const Result *r)
{
  char pct[16] = "   -";
  if (r->pct_peak >= 0.0)
    g_snprintf (pct, sizeof pct, "%4.0f%%", r->pct_peak);
  char bound[16] = "     -", of_bound[16] = "    -";
  if (r->bound_s > 0.0)
    {
      g_snprintf (bound, sizeof bound, "%6.2f", r->bound_s * 1e3);
      g_snprintf (of_bound, sizeof of_bound, "%4.0f%%", 100.0 * r->bound_s / r->median);
    }
  printf ("%-4s %10.2f %9.2f %9.2f %9.2f %8.1f %5s %9s %6s %8.0f  %-16s",
          r->wl->name, r->median * 1e3, r->min * 1e3, r->max * 1e3,
          r->cpu_median * 1e3, r->gflops, pct, bound, of_bound, r->rss_mb, r->path);
  if (r->max_diff >= 0.0)
    printf (" %.1e", r->max_diff);
  printf ("\n");
  fflush (stdout);
}

static gboolean
pick_workloads (const char *only, gboolean *chosen, gboolean *startup,
                GError **error)
{
  const int n = G_N_ELEMENTS (workloads);
  for (int i = 0; i < n; i++)
    chosen[i] = only == NULL;
  *startup = only == NULL;
  if (!only)
    return TRUE;
  g_auto (GStrv) names = g_strsplit (only, ",", -1);
  for (int j = 0; names[j]; j++)
    {
      char *name = g_strstrip (names[j]);
      if (!g_ascii_strcasecmp (name, "startup"))
        {
          *startup = TRUE;
          continue;
        }
      int i = 0;
      while (i < n && g_ascii_strcasecmp (workloads[i].name, name) != 0)
        i++;
      if (i == n)
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                       "bench --only %s: unknown workload '%s' (W1, W2, W3, W4, W5, "
                       "W6, W6d, N1, startup)", only, name);
          return FALSE;
        }
      chosen[i] = TRUE;
    }
  return TRUE;
}

/* One line per inner loop of the library's kernel list: name, what the CPU
 * needs, the plans it takes, and "available" / "not-on-this-cpu" /
 * "not-built".  Scripts read this rather than keeping lists of their own
 * (tests/cli/test_crosscheck.py). */
static gboolean
list_conv_paths (void)
{
  int n = 0;
  const FmConvPathInfo *paths = fm_conv_paths (&n);
  for (int i = 0; i < n; i++)
    printf ("%-16s %-7s %-9s %s\n", paths[i].name, paths[i].cpu, paths[i].takes,
            paths[i].available ? "available" : paths[i].built ? "not-on-this-cpu" : "not-built");
  return TRUE;
}

gboolean
fm_cli_bench (int argc, char **argv, GError **error)
{
  g_autofree char *only = NULL, *json = NULL, *babl_cache = NULL;
  int n_threads = 2, n_runs = 0;
  double peak = 0.0, copy_gbps = 0.0;
  gboolean quick = FALSE, check = FALSE, list_paths = FALSE;
  GOptionEntry entries[] = {
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Run only these workloads", "W2,W5" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &n_threads, "Worker threads (default 2)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &n_runs, "Timed runs after the warm-up (default 5; 3 with --quick)", "N" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json, "Also write the results as JSON", "FILE" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "Small sizes (for CI)", NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check, "Compare each result with the plain C path", NULL },
    { "peak", 0, 0, G_OPTION_ARG_DOUBLE, &peak, "The machine's peak GFLOP/s (default: measured)", "GFLOPS" },
    { "list-paths", 0, 0, G_OPTION_ARG_NONE, &list_paths,
      "List the inner loops (FEATUREMAPS_CONV_PATH values) and exit", NULL },
    { "copy-gbps", 0, 0, G_OPTION_ARG_DOUBLE, &copy_gbps,
      "The machine's DRAM copy bandwidth, read + written (default: measured)", "GB/s" },
    { "babl-cache", 0, 0, G_OPTION_ARG_FILENAME, &babl_cache,
      "The babl cache GIMP leaves, for the start-up line (default: your own, $XDG_CACHE_HOME/babl/babl-fishes)", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- time the standard workloads");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx,
    "W1–W6d of docs/workloads.md and the network N1 on random float32 data:\n"
    "median of the timed runs\n"
    "after a warm-up, GFLOP/s (2·Hout·Wout·K·kh·kw·C/groups), % of peak,\n"
    "the DRAM bound (input + output bytes ÷ the measured copy bandwidth) and\n"
    "the share of it reached (bound ÷ median: 100% is memory speed),\n"
    "peak resident memory and the inner loop the plan chose.  Then start-up:\n"
    "this program run as a child on a 256 × 256 PNG (apply -k sobel, .npy out),\n"
    "exec → exit, with no babl cache and with the one GIMP leaves.");
  if (!g_option_context_parse (ctx, &argc, &argv, error))
    {
      g_prefix_error (error, "bench: ");
      (*error)->domain = FM_CLI_ERROR;
      (*error)->code = FM_CLI_ERROR_USAGE;
      return FALSE;
    }
  if (argc > 1)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                   "bench: unexpected argument '%s'", argv[1]);
      return FALSE;
    }
  if (list_paths)
    return list_conv_paths ();
  if (n_runs == 0)
    n_runs = quick ? 3 : 5;
  if (n_threads < 1 || n_threads > 256 || n_runs < 1 || n_runs > 1000 || peak < 0.0)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                   "bench: --threads must be 1..256, --runs 1..1000 and --peak ≥ 0");
      return FALSE;
    }

  gboolean chosen[G_N_ELEMENTS (workloads)], startup;
  if (!pick_workloads (only, chosen, &startup, error))
    return FALSE;

  const char *peak_source = "given";
  if (peak == 0.0)
    {
      peak = measure_peak (MIN (n_threads, (int) g_get_num_processors ()));
      peak_source = "measured";
    }
  const char *copy_source = "given";
  gboolean any_workload = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (workloads); i++)
    any_workload |= chosen[i];
  if (copy_gbps == 0.0 && any_workload)
    {
      copy_gbps = measure_copy_gbps (MIN (n_threads, (int) g_get_num_processors ()));
      copy_source = "measured";
    }
  printf ("featuremaps bench: %d thread%s, median of %d runs after a warm-up%s; "
          "peak %.0f GFLOP/s (%s); DRAM copy %.1f GB/s read + written (%s)\n",
          n_threads, n_threads == 1 ? "" : "s", n_runs, quick ? ", quick sizes" : "",
          peak, peak_source, copy_gbps, copy_source);
  printf ("%-4s %10s %9s %9s %9s %8s %5s %9s %6s %8s  %-16s%s\n", "name", "median_ms",
          "min_ms", "max_ms", "cpu_ms", "GFLOP/s", "peak", "bound_ms", "bound", "rss_MB",
          "path", check ? " rel_diff" : "");

  Result res[G_N_ELEMENTS (workloads)];
  int n_res = 0;
  gboolean all_ok = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (workloads); i++)
    {
      if (!chosen[i])
        continue;
      Result *r = &res[n_res];
      if (!run_workload (&workloads[i], quick, n_threads, n_runs, check, peak,
                         copy_gbps, r, error))
        return FALSE;
      print_result (r);
      n_res++;
      if (!isfinite (r->median) || !isfinite (r->gflops) || r->median <= 0.0
          || (check && !(r->max_diff <= 1e-4)))
        all_ok = FALSE;
    }
  FmBenchStartup st[2];
  int n_st = 0;
  if (startup)
    {
      int runs = MAX (n_runs, 5);
      printf ("\nstart-up: featuremaps apply -k sobel on a 256 × 256 8-bit PNG, .npy out; "
              "a child process, exec → exit, median of %d\n", runs);
      printf ("%-10s %10s %9s %9s %9s %8s\n", "babl cache", "median_ms", "min_ms",
              "max_ms", "cpu_ms", "rss_MB");
      if (!fm_cli_bench_startup (babl_cache, runs, st, &n_st, error))
        return FALSE;
      for (int i = 0; i < n_st; i++)
        printf ("%-10s %10.1f %9.1f %9.1f %9.1f %8.1f%s%s\n",
                i == 0 ? "none" : "GIMP's", st[i].median * 1e3, st[i].min * 1e3,
                st[i].max * 1e3, st[i].cpu * 1e3, st[i].rss_mb,
                i == 0 ? "" : "  ", i == 0 ? "" : st[i].cache);
      if (n_st < 2)
        printf ("%-10s (no babl cache found; give --babl-cache FILE)\n", "GIMP's");
    }
  if (json && !write_json (json, res, n_res, st, n_st, n_threads, n_runs, quick,
                           peak, peak_source, copy_gbps, error))
    return FALSE;
  if (!all_ok)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "bench: a time was not finite or a result differed from the "
                   "plain C path by more than 1e-4 of its largest value");
      return FALSE;
    }
  return TRUE;
}
