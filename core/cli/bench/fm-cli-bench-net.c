/* fm-cli-bench-net: the network workload of `featuremaps bench`.
 *
 * N1 is a VGG-style stack — conv3-64, conv3-64, max-pool 2, conv3-128,
 * conv3-128, ReLU after each conv, same padding — on a 1024 × 1024 × 3
 * input, to the last layer's output.  It is built as a graph in memory
 * (the same nodes torch.onnx.export writes for it), planned once, and
 * timed like the convolution workloads: fm_net_plan_run from an image in
 * memory into one output buffer (K planes) allocated once and touched by
 * the warm-up run.  GFLOP counts the four convolutions' multiply-adds
 * (2 · Hout · Wout · K · 3 · 3 · C each), whatever algorithm runs them.
 */
#include "fm-cli.h"
#include "fm-cli-bench.h"
#include "fm-net-plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *op;
  int k;                  /* conv: filters */
} Layer;

static const Layer n1[] = {
  { "Conv", 64 }, { "Relu", 0 }, { "Conv", 64 }, { "Relu", 0 }, { "MaxPool", 0 },
  { "Conv", 128 }, { "Relu", 0 }, { "Conv", 128 }, { "Relu", 0 },
};

static void
add_ints (FmNetNode *node, const char *name, gint64 a, gint64 b, int n)
{
  FmNetAttr *at = fm_net_node_add_attr (node, name, FM_ATTR_INTS);
  gint64 v[4] = { a, b, a, b };
  at->n = n;
  at->ints = g_memdup2 (v, n * sizeof (gint64));
}

/* The stack as an ONNX-semantics graph with He-scaled random weights. */
static FmNetGraph *
build_graph (int in_c, char **last, double *gflop, int h, int w)
{
  FmNetGraph *g = fm_net_graph_new ("N1", "bench");
  g->opset = 13;
  FmNetValueInfo *in = g_new0 (FmNetValueInfo, 1);
  in->name = g_strdup ("x");
  in->ndim = 4;
  in->dims[0] = 1;
  in->dims[1] = in_c;
  in->dims[2] = in->dims[3] = -1;
  g_ptr_array_add (g->inputs, in);

  g_autofree char *prev = g_strdup ("x");
  int c = in_c;
  *gflop = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (n1); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s%zu", n1[i].op, i);
      g_autofree char *out = g_strdup_printf ("t%zu", i);
      FmNetNode *node;
      if (!strcmp (n1[i].op, "Conv"))
        {
          g_autofree char *wn = g_strdup_printf ("w%zu", i), *bn = g_strdup_printf ("b%zu", i);
          gint64 wd[4] = { n1[i].k, c, 3, 3 }, bd[1] = { n1[i].k };
          FmTensor *wt = fm_tensor_new (wn, FM_TENSOR_FLOAT, 4, wd, NULL);
          FmTensor *bt = fm_tensor_new (bn, FM_TENSOR_FLOAT, 1, bd, NULL);
          float scale = sqrtf (6.0f / (9.0f * c));
          fm_bench_fill_random (wt->f, wt->n, 10 + i, -scale, scale);
          fm_bench_fill_random (bt->f, bt->n, 20 + i, -0.1f, 0.1f);
          fm_net_graph_add_initializer (g, wt, NULL);
          fm_net_graph_add_initializer (g, bt, NULL);
          const char *inputs[3] = { prev, wn, bn };
          node = fm_net_node_new (name, "Conv", 3, inputs, 1, (const char *const *) &out);
          add_ints (node, "kernel_shape", 3, 3, 2);
          add_ints (node, "pads", 1, 1, 4);
          *gflop += 2.0 * h * w * n1[i].k * 9.0 * c / 1e9;
          c = n1[i].k;
        }
      else
        {
          node = fm_net_node_new (name, n1[i].op, 1, (const char *const *) &prev, 1,
                                  (const char *const *) &out);
          if (!strcmp (n1[i].op, "MaxPool"))
            {
              add_ints (node, "kernel_shape", 2, 2, 2);
              add_ints (node, "strides", 2, 2, 2);
              h /= 2;
              w /= 2;
            }
        }
      fm_net_graph_add_node (g, node);
      g_free (prev);
      prev = g_strdup (out);
      if (i + 1 == G_N_ELEMENTS (n1))
        *last = g_strdup (name);
    }
  return g;
}

typedef struct {
  const float *in;
  gsize row_floats;
} Source;

static gboolean
source_rows (gpointer data, int y0, int n_rows, float *dst, GError **error)
{
  (void) error;
  const Source *s = data;
  memcpy (dst, s->in + (gsize) y0 * s->row_floats, n_rows * s->row_floats * sizeof (float));
  return TRUE;
}

typedef struct {
  float *out;
  int h, w, k;
} Sink;

/* The maps into one buffer of K planes, as the convolution workloads'. */
static gboolean
sink_rows (gpointer data, int output, int y0, int n_rows, const float *maps,
           gsize plane_stride, GError **error)
{
  (void) output;
  (void) error;
  Sink *s = data;
  for (int k = 0; k < s->k; k++)
    memcpy (s->out + ((gsize) k * s->h + y0) * s->w, maps + k * plane_stride,
            (gsize) n_rows * s->w * sizeof (float));
  return TRUE;
}

gboolean
fm_cli_bench_net (const Workload *wl, gboolean quick, int n_threads, int n_runs, double peak,
                  Result *r, GError **error)
{
  const int h = quick ? wl->qh : wl->h, w = quick ? wl->qw : wl->w;
  memset (r, 0, sizeof *r);
  r->wl = wl;
  r->h = h;
  r->w = w;
  r->max_diff = -1.0;
  fm_bench_reset_peak_rss ();

  g_autofree char *last = NULL;
  double gflop;
  g_autoptr (FmNetGraph) graph = build_graph (wl->c, &last, &gflop, h, w);
  gsize n_in = (gsize) h * w * wl->c;
  g_autofree float *in = g_try_new (float, n_in);
  g_autofree double *times = g_new (double, n_runs), *cpu = g_new (double, n_runs);
  if (!in)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "bench %s: no memory for the %d × %d × %d input", wl->name, h, w, wl->c);
      return FALSE;
    }
  fm_bench_fill_random (in, n_in, 1, 0.0f, 1.0f);

  FmNetPlanOptions opts = { .n_threads = n_threads };
  const char *layers[] = { last };
  g_autoptr (FmNetPlan) plan = fm_net_plan_new (graph, layers, 1, h, w, wl->c, &opts, error);
  if (!plan)
    return FALSE;
  const FmNetLayerInfo *info = fm_net_plan_output (plan, 0);
  Sink sink = { .h = info->height, .w = info->width, .k = info->channels };
  sink.out = g_try_new (float, (gsize) sink.k * sink.h * sink.w);
  if (!sink.out)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "bench %s: no memory for %d maps of %d × %d", wl->name, sink.k, sink.h, sink.w);
      return FALSE;
    }
  /* The inner loops of the convolutions, from the plan's description. */
  g_autofree char *desc = fm_net_plan_describe (plan);
  GString *paths = g_string_new (NULL);
  for (const char *at = desc; (at = strstr (at, ", border ")); at++)
    {
      const char *p = strchr (at + 9, ',');
      if (!p)
        break;
      p += 2;
      gsize n = strcspn (p, ";\n");
      const char *dash = memchr (p, '-', n);
      g_string_append_printf (paths, "%s%.*s", paths->len ? "+" : "",
                              (int) (dash ? dash - p : (long) n), p);
    }
  g_strlcpy (r->path, paths->str, sizeof r->path);
  g_string_free (paths, TRUE);

  Source src = { in, (gsize) w * wl->c };
  gboolean ok = fm_net_plan_run (plan, source_rows, &src, sink_rows, &sink, NULL, NULL, error);
  for (int i = 0; ok && i < n_runs; i++)
    {
      double t = fm_bench_now_s (), c = fm_bench_cpu_s ();
      ok = fm_net_plan_run (plan, source_rows, &src, sink_rows, &sink, NULL, NULL, error);
      times[i] = fm_bench_now_s () - t;
      cpu[i] = fm_bench_cpu_s () - c;
    }
  g_free (sink.out);
  if (!ok)
    return FALSE;
  qsort (times, n_runs, sizeof *times, fm_bench_compare_double);
  qsort (cpu, n_runs, sizeof *cpu, fm_bench_compare_double);
  r->cpu_median = cpu[n_runs / 2];
  r->median = n_runs % 2 ? times[n_runs / 2] : 0.5 * (times[n_runs / 2 - 1] + times[n_runs / 2]);
  r->min = times[0];
  r->max = times[n_runs - 1];
  r->gflop = gflop;
  r->gflops = gflop / r->median;
  r->pct_peak = peak > 0.0 ? 100.0 * r->gflops / peak : -1.0;
  r->rss_mb = fm_bench_peak_rss_mb ();
  return TRUE;
}
