/* fuzz-plan: the network planner and runner on whatever graphs the model
 * readers accept — the readers' corpus, every truncation and spaced byte
 * mutations of it — so a hostile model that parses cannot crash, hang or
 * exhaust memory further on.  For each graph: `info`'s listing, then every
 * layer that runs (at most 8) planned for a small image and, when the plan
 * is small, run; errors must be FM_NET_ERROR with one line.
 *
 * Built as an ordinary program it runs over the folders it is given (the
 * readers' corpus, in the normal suite); with -DFM_LIBFUZZER it is a
 * libFuzzer target on ONNX bytes (tests/net/meson.build builds fuzz-plan
 * that way with clang). */
#include <string.h>

#include "fm-net-load.h"
#include "fm-net-plan.h"
#include "../common/fm-fuzz-corpus.h"

static gsize n_graphs, n_plans, n_runs;

static void
check_error (GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == FM_NET_ERROR);
  g_assert_true (error->message && *error->message);
  if (strchr (error->message, '\n'))
    g_error ("a message of more than one line: %s", error->message);
  g_error_free (error);
}

static int src_w, src_c;

static gboolean
source (gpointer data, int y0, int n, float *dst, GError **error)
{
  (void) data;
  (void) error;
  for (gsize i = 0; i < (gsize) n * src_w * src_c; i++)
    dst[i] = (float) ((y0 * 7 + i) % 13) / 13.0f - 0.4f;
  return TRUE;
}

static gboolean
sink (gpointer data, int o, int y0, int n, const float *maps, gsize stride, GError **error)
{
  (void) data;
  (void) o;
  (void) y0;
  (void) error;
  volatile float sum = 0;
  sum += maps[0] + maps[stride ? (gsize) n - 1 : 0];
  (void) sum;
  return TRUE;
}

static void
plan_graph (FmNetGraph *g)
{
  if (!g)
    return;
  n_graphs++;
  int c = fm_net_graph_in_channels (g);
  if (c <= 0 || c > 64)
    c = 3;
  GError *error = NULL;
  GPtrArray *list = fm_net_list_layers (g, c, &error);
  if (!list)
    {
      check_error (error);
      fm_net_graph_free (g);
      return;
    }
  int tried = 0;
  for (guint i = 0; i < list->len && tried < 8; i++)
    {
      const FmNetLayerInfo *info = g_ptr_array_index (list, i);
      if (info->unsupported)
        continue;
      tried++;
      const char *layers[] = { info->name };
      FmNetPlanOptions opts = { .n_threads = 1 };
      FmNetPlan *plan = fm_net_plan_new (g, layers, 1, 19, 23, c, &opts, &error);
      n_plans++;
      if (!plan)
        {
          check_error (error);
          error = NULL;
          continue;
        }
      if (fm_net_plan_memory (plan) < ((gsize) 64 << 20))
        {
          src_w = 23;
          src_c = c;
          n_runs++;
          if (!fm_net_plan_run (plan, source, NULL, sink, NULL, NULL, NULL, &error))
            {
              check_error (error);
              error = NULL;
            }
        }
      fm_net_plan_free (plan);
    }
  g_ptr_array_unref (list);
  fm_net_graph_free (g);
}

static void
fuzz_onnx (const guint8 *data, gsize len)
{
  GError *error = NULL;
  FmNetGraph *g = fm_net_load_onnx_data (data, len, "fuzz.onnx", NULL, &error);
  if (!g)
    {
      check_error (error);
      return;
    }
  plan_graph (g);
}

#ifdef FM_LIBFUZZER
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  fuzz_onnx (data, size);
  return 0;
}
#else

static void
fuzz_file (const char *path)
{
  gsize len;
  g_autofree guint8 *data = NULL;
  GError *error = NULL;
  if (!g_file_get_contents (path, (char **) &data, &len, &error))
    g_error ("%s", error->message);

  /* Any model the front door reads (ONNX, stack descriptions with their
   * weights), then the ONNX bytes cut and mutated. */
  FmNetGraph *g = fm_net_graph_load (path, &error);
  if (g)
    plan_graph (g);
  else
    check_error (error);
  error = NULL;
  gsize step = MAX (1, len / 64);
  for (gsize cut = 0; cut < len; cut += step)
    fuzz_onnx (data, cut);
  g_autofree guint8 *copy = g_memdup2 (data, len);
  step = MAX (1, len / 64);
  for (gsize pos = 0; pos < len; pos += step)
    {
      for (int v = 0; v < 3; v++)
        {
          copy[pos] = v == 0 ? 0x00 : v == 1 ? 0xff : (guint8) (data[pos] ^ 0x04);
          fuzz_onnx (copy, len);
        }
      copy[pos] = data[pos];
    }
}

int
main (int argc, char **argv)
{
  gsize n_files = fm_fuzz_corpus_walk (argc, argv, fuzz_file);
  if (argc < 2)
    return 2;
  g_print ("fuzz-plan: %" G_GSIZE_FORMAT " files, %" G_GSIZE_FORMAT " graphs, %" G_GSIZE_FORMAT
           " plans, %" G_GSIZE_FORMAT " runs\n", n_files, n_graphs, n_plans, n_runs);
  return n_files > 0 && n_graphs > 0 ? 0 : 1;
}
#endif
