/* fuzz-net: the model readers (ONNX, safetensors, stack descriptions) over
 * a corpus, plus cheap deterministic mutations (every truncation, byte
 * flips), checking that nothing crashes, leaks (under ASan), hangs or
 * returns a graph that breaks the graph form's rules.
 *
 * Built as an ordinary program it runs every reader on every file of the
 * folders it is given (tests/data/net/onnx, safetensors and stack, in the
 * normal suite).  Built with
 * -DFM_LIBFUZZER -DFM_FUZZ_READER=n it is one libFuzzer target:
 *   n = 1 ONNX, 2 safetensors, 3 stack description
 * (tests/net/meson.build builds fuzz-onnx, fuzz-safetensors and fuzz-stack
 * that way when the compiler is clang). */
#include <string.h>

#include "fm-net-load.h"
#include "../common/fm-fuzz-corpus.h"

static gsize n_runs, n_accepted;

/* A graph a reader returned must keep every rule of fm-net-graph.h. */
static void
check_graph (FmNetGraph *g, GError *error)
{
  if (!g)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == FM_NET_ERROR);
      g_assert_true (error->message && *error->message);
      if (strchr (error->message, '\n'))
        g_error ("a message of more than one line: %s", error->message);
      g_error_free (error);
      return;
    }
  g_assert_null (error);
  n_accepted++;
  g_assert_true (fm_net_graph_validate (g, NULL));
  for (guint k = 0; k < g->nodes->len; k++)
    {
      const FmNetNode *n = g->nodes->pdata[k];
      g_assert_true (n->name && *n->name && n->op && *n->op && n->domain);
      for (int a = 0; a < n->n_attrs; a++)
        {
          const FmNetAttr *at = &n->attrs[a];
          g_assert_true (at->name && *at->name);
          if (at->type == FM_ATTR_INTS)
            g_assert_true (at->n == 0 || at->ints);
          if (at->type == FM_ATTR_FLOATS)
            g_assert_true (at->n == 0 || at->floats);
          if (at->type == FM_ATTR_TENSOR)
            g_assert_nonnull (at->t);
        }
    }
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, g->initializers);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const FmTensor *t = value;
      g_assert_true (t->ndim >= 0 && t->ndim <= FM_TENSOR_MAX_DIMS);
      gsize n = 1;
      for (int d = 0; d < t->ndim; d++)
        {
          g_assert_true (t->dims[d] >= 0);
          n *= (gsize) t->dims[d];
        }
      g_assert_cmpuint (n, ==, t->n);
      g_assert_true ((t->type == FM_TENSOR_FLOAT) == (t->f != NULL));
      /* every value is readable (ASan checks the extent) */
      volatile double sum = 0;
      for (gsize e = 0; e < t->n; e++)
        sum += t->f ? t->f[e] : (double) t->i[e];
      (void) sum;
    }
  fm_net_graph_free (g);
}

/* The weights a fuzzed stack description may name. */
static FmNetGraph *
stack_weights (void)
{
  FmNetGraph *g = fm_net_graph_new ("weights.safetensors", "safetensors");
  static const struct { const char *name; int ndim; gint64 dims[4]; } ts[] = {
    { "w", 4, { 4, 3, 3, 3 } }, { "hw", 4, { 3, 3, 3, 4 } }, { "b", 1, { 4 } },
    { "mean", 1, { 4 } }, { "var", 1, { 4 } }, { "g", 1, { 4 } }, { "dw", 4, { 4, 1, 3, 3 } },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (ts); k++)
    {
      FmTensor *t = fm_tensor_new (ts[k].name, FM_TENSOR_FLOAT, ts[k].ndim, ts[k].dims, NULL);
      for (gsize e = 0; e < t->n; e++)
        t->f[e] = 0.25f * (float) (e % 7);
      fm_net_graph_add_initializer (g, t, NULL);
    }
  return g;
}

static void
fuzz_reader (int reader, const guint8 *data, gsize len)
{
  GError *error = NULL;
  FmNetGraph *g = NULL;
  n_runs++;
  switch (reader)
    {
    case 1:
      g = fm_net_load_onnx_data (data, len, "fuzz.onnx", NULL, &error);
      break;
    case 2:
      g = fm_net_load_safetensors_weights_data (data, len, "fuzz.safetensors", &error);
      break;
    case 3:
      g = fm_net_load_stack_data ((const char *) data, len, "fuzz.json", stack_weights (), &error);
      break;
    default:
      g_assert_not_reached ();
    }
  check_graph (g, error);
}

#ifdef FM_LIBFUZZER
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  fuzz_reader (FM_FUZZ_READER, data, size);
  return 0;
}
#else

static void
fuzz_all (const guint8 *data, gsize len)
{
  for (int reader = 1; reader <= 3; reader++)
    fuzz_reader (reader, data, len);
}

static void
fuzz_file (const char *path)
{
  gsize len;
  g_autofree guint8 *data = NULL;
  GError *error = NULL;
  if (!g_file_get_contents (path, (char **) &data, &len, &error))
    g_error ("%s", error->message);
  fuzz_all (data, len);

  /* the whole file through the front door too */
  FmNetGraph *g = fm_net_graph_load (path, &error);
  check_graph (g, error);
  error = NULL;

  /* evenly spaced truncations (every one of small files) */
  gsize step = MAX (1, len / 256);
  for (gsize cut = 0; cut < len; cut += step)
    fuzz_all (data, cut);

  /* byte mutations: 0x00, 0xff and a bit flip at spaced positions */
  g_autofree guint8 *copy = g_memdup2 (data, len);
  step = MAX (1, len / 128);
  static const guint8 values[] = { 0x00, 0xff };
  for (gsize pos = 0; pos < len; pos += step)
    {
      for (int v = 0; v < 3; v++)
        {
          copy[pos] = v < 2 ? values[v] : (guint8) (data[pos] ^ 0x10);
          fuzz_all (copy, len);
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
  g_print ("fuzz-net: %" G_GSIZE_FORMAT " files, %" G_GSIZE_FORMAT " inputs, %"
           G_GSIZE_FORMAT " accepted, no crash\n", n_files, n_runs, n_accepted);
  return n_files ? 0 : 1;
}
#endif
