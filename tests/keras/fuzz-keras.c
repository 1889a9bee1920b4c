/* fuzz-keras: the Keras readers over a corpus, plus cheap deterministic
 * mutations (spaced truncations, byte flips), checking that nothing
 * crashes, leaks (under ASan), hangs or returns a graph that breaks the
 * graph form's rules.
 *
 * Three ways in:
 *   1  a .keras archive (zip → config.json, metadata.json, model.weights.h5)
 *   2  a legacy .h5 model
 *   3  a bundle: the parts of a .keras without the zip, so mutations reach
 *      the JSON, the model walk and the HDF5 weights past the zip's CRCs:
 *        "FMKB" le32 n_config, config, le32 n_meta, meta, the HDF5 image
 * Built as an ordinary program it runs all three on every file of the
 * folders it is given (tests/data/keras in the normal suite).  Built with
 * -DFM_LIBFUZZER -DFM_FUZZ_READER=n it is one libFuzzer target (meson
 * builds fuzz-keras-zip, fuzz-keras-h5 and fuzz-keras-parts that way when
 * the compiler is clang).  tests/keras/make_corpus.py writes the seeds. */
#include <string.h>

#include "fm-net-load.h"
#include "fm-keras-private.h"
#include "../common/fm-fuzz-corpus.h"

static gsize n_runs, n_accepted;

/* A graph a reader returned keeps every rule of fm-net-graph.h. */
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
    }
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, g->initializers);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      const FmTensor *t = value;
      g_assert_true (t->ndim >= 0 && t->ndim <= FM_TENSOR_MAX_DIMS);
      gsize n = 1;
      for (int d = 0; d < t->ndim; d++)
        {
          g_assert_true (t->dims[d] >= 0);
          n *= (gsize) t->dims[d];
        }
      g_assert_true (n == t->n);
      g_assert_true ((t->type == FM_TENSOR_FLOAT) == (t->f != NULL));
    }
  for (guint k = 0; k < g->inputs->len; k++)
    {
      const FmNetValueInfo *in = g->inputs->pdata[k];
      g_assert_true (in->ndim >= 0 && in->ndim <= FM_TENSOR_MAX_DIMS);
    }
  if (g->has_decl)
    {
      g_assert_true (g->decl.n_mean >= 0 && g->decl.n_mean <= FM_INPUT_DECL_MAX_CHANNELS);
      g_assert_true (g->decl.n_std >= 0 && g->decl.n_std <= FM_INPUT_DECL_MAX_CHANNELS);
      for (int c = 0; c < g->decl.n_std; c++)
        g_assert_true (g->decl.std[c] > 0);
    }
  fm_net_graph_free (g);
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static void
run_parts (const guint8 *data, gsize len)
{
  if (len < 12 || memcmp (data, "FMKB", 4) != 0)
    return;
  gsize pos = 4;
  gsize nc = le32 (data + pos);
  pos += 4;
  if (nc > len - pos)
    return;
  const char *config = (const char *) data + pos;
  pos += nc;
  if (len - pos < 4)
    return;
  gsize nm = le32 (data + pos);
  pos += 4;
  if (nm > len - pos)
    return;
  const char *meta = (const char *) data + pos;
  pos += nm;
  GError *error = NULL;
  FmNetGraph *g = fm_keras_load_parts (config, nc, nm ? meta : NULL, nm, data + pos,
                                       len - pos, "fuzz.keras", "fuzz.keras", &error);
  check_graph (g, error);
}

static void
fuzz_one (const guint8 *data, gsize len, int which)
{
  GError *error = NULL;
  n_runs++;
  if (which == 0 || which == 1)
    {
      FmNetGraph *g = fm_net_load_keras_data (data, len, "fuzz.keras", &error);
      check_graph (g, error);
      error = NULL;
    }
  if (which == 0 || which == 2)
    {
      FmNetGraph *g = fm_net_load_keras_h5_data (data, len, "fuzz.h5", &error);
      check_graph (g, error);
      error = NULL;
    }
  if (which == 0 || which == 3)
    run_parts (data, len);
}

#ifdef FM_LIBFUZZER
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  fuzz_one (data, size, FM_FUZZ_READER);
  return 0;
}
#else

static void
fuzz_file (const char *path)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  GError *error = NULL;
  if (!g_file_get_contents (path, (char **) &data, &len, &error))
    g_error ("%s", error->message);
  fuzz_one (data, len, 0);

  /* the whole file through the front door too */
  FmNetGraph *g = fm_net_graph_load (path, &error);
  if (g)
    fm_net_graph_free (g);
  else
    g_clear_error (&error);

  /* spaced truncations */
  gsize step = MAX (1, len / 128);
  for (gsize cut = 0; cut < len; cut += step)
    fuzz_one (data, cut, 0);

  /* byte mutations: 0x00, 0xff and a bit flip at spaced positions (a
   * fixed stride, odd so it does not walk in step with HDF5's alignment) */
  g_autofree guint8 *copy = g_memdup2 (data, len);
  step = MAX (1, len / 160) | 1;
  static const guint8 values[] = { 0x00, 0xff };
  for (gsize pos = 0; pos < len; pos += step)
    {
      for (int v = 0; v < 3; v++)
        {
          copy[pos] = v < 2 ? values[v] : (guint8) (data[pos] ^ 0x10);
          fuzz_one (copy, len, 0);
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
  g_print ("fuzz-keras: %" G_GSIZE_FORMAT " files, %" G_GSIZE_FORMAT " inputs, %"
           G_GSIZE_FORMAT " accepted, no crash\n", n_files, n_runs, n_accepted);
  return n_files ? 0 : 1;
}
#endif
