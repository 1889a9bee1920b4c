/* test-graph: the graph form's own rules (fm-net-graph.c): tensor limits,
 * attributes and their getters, initializer bookkeeping, validation
 * messages, lookups and the escaping every message uses. */
#include <string.h>

#include "fm-net-graph.h"
#include "net-test.h"

static void
test_tensor_limits (void)
{
  GError *error = NULL;
  gint64 dims[10] = { 2, 3, 4, 5 };

  g_autoptr (FmTensor) t = fm_tensor_new ("w", FM_TENSOR_FLOAT, 4, dims, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->n, ==, 120);
  g_assert_nonnull (t->f);
  g_assert_null (t->i);
  for (gsize k = 0; k < t->n; k++)
    g_assert_cmpfloat (t->f[k], ==, 0.0f);

  g_autoptr (FmTensor) s = fm_tensor_new ("s", FM_TENSOR_INT64, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->n, ==, 1);
  g_assert_nonnull (s->i);

  /* an empty tensor still has storage of its type */
  gint64 zero[2] = { 0, 7 };
  g_autoptr (FmTensor) e = fm_tensor_new ("e", FM_TENSOR_FLOAT, 2, zero, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (e->n, ==, 0);
  g_assert_nonnull (e->f);

  g_assert_null (fm_tensor_new ("many", FM_TENSOR_FLOAT, 9, dims, &error));
  g_assert_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE);
  assert_error_has (error, "9 dimensions, at most 8");
  g_clear_error (&error);

  gint64 neg[2] = { 3, -1 };
  g_assert_null (fm_tensor_new ("neg", FM_TENSOR_FLOAT, 2, neg, &error));
  g_assert_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID);
  assert_error_has (error, "'neg': dimension 1 is -1");
  g_clear_error (&error);

  /* a product that wraps around 2^64 must not pass as small */
  gint64 wrap[3] = { (gint64) 1 << 32, (gint64) 1 << 32, 2 };
  g_assert_null (fm_tensor_new ("wrap", FM_TENSOR_FLOAT, 3, wrap, &error));
  g_assert_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE);
  assert_error_has (error, "'wrap': more than");
  g_clear_error (&error);

  gint64 big[2] = { 1 << 15, (1 << 13) + 1 };
  g_assert_null (fm_tensor_new ("big", FM_TENSOR_FLOAT, 2, big, &error));
  g_assert_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* a zero dimension beside a huge one is an empty tensor, not an overflow */
  gint64 zbig[3] = { G_MAXINT64, 0, G_MAXINT64 };
  g_autoptr (FmTensor) z = fm_tensor_new ("z", FM_TENSOR_FLOAT, 3, zbig, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (z->n, ==, 0);
}

static void
test_node_attrs (void)
{
  const char *ins[] = { "x", NULL, "b" };
  const char *outs[] = { "y" };
  g_autoptr (FmNetNode) node = NULL;
  node = fm_net_node_new ("conv1", "Conv", 3, ins, 1, outs);
  g_assert_cmpstr (node->inputs[1], ==, "");   /* omitted optional input */
  g_assert_cmpstr (node->inputs[2], ==, "b");
  g_assert_cmpstr (node->domain, ==, "");

  /* many attributes: the array grows and earlier ones keep their values */
  for (int k = 0; k < 40; k++)
    {
      g_autofree char *name = g_strdup_printf ("a%d", k);
      FmNetAttr *a = fm_net_node_add_attr (node, name, FM_ATTR_INT);
      a->i = k * 10;
    }
  FmNetAttr *a = fm_net_node_add_attr (node, "alpha", FM_ATTR_FLOAT);
  a->f = 0.25f;
  a = fm_net_node_add_attr (node, "mode", FM_ATTR_STRING);
  a->s = g_strdup ("reflect");
  a = fm_net_node_add_attr (node, "pads", FM_ATTR_INTS);
  a->n = 4;
  a->ints = g_new0 (gint64, 4);
  a->ints[2] = 7;
  GError *error = NULL;
  gint64 d1[1] = { 2 };
  a = fm_net_node_add_attr (node, "value", FM_ATTR_TENSOR);
  a->t = fm_tensor_new ("", FM_TENSOR_FLOAT, 1, d1, &error);
  g_assert_no_error (error);

  g_assert_cmpint (node->n_attrs, ==, 44);
  for (int k = 0; k < 40; k++)
    {
      g_autofree char *name = g_strdup_printf ("a%d", k);
      g_assert_cmpint (fm_net_node_attr_int (node, name, -1), ==, k * 10);
    }
  g_assert_cmpfloat (fm_net_node_attr_float (node, "alpha", 1.0f), ==, 0.25f);
  g_assert_cmpstr (fm_net_node_attr_string (node, "mode", "constant"), ==, "reflect");
  g_assert_cmpint (fm_net_node_attr (node, "pads")->ints[2], ==, 7);
  g_assert_cmpuint (fm_net_node_attr (node, "value")->t->n, ==, 2);
  /* absent → the default; present with the wrong type → the default too */
  g_assert_cmpint (fm_net_node_attr_int (node, "group", 1), ==, 1);
  g_assert_cmpint (fm_net_node_attr_int (node, "alpha", 5), ==, 5);
  g_assert_cmpfloat (fm_net_node_attr_float (node, "a3", 2.5f), ==, 2.5f);
  g_assert_cmpstr (fm_net_node_attr_string (node, "a3", "d"), ==, "d");
  g_assert_null (fm_net_node_attr (node, "nothing"));
}

static FmNetNode *
node1 (const char *name, const char *op, const char *in, const char *out)
{
  const char *ins[] = { in };
  const char *outs[] = { out };
  return fm_net_node_new (name, op, 1, ins, 1, outs);
}

static FmNetGraph *
small_graph (void)
{
  FmNetGraph *g = fm_net_graph_new ("m.onnx", "onnx");
  gint64 dims[4] = { 1, 3, -1, -1 };
  g_ptr_array_add (g->inputs, fm_net_value_info_new ("image", 4, dims));
  GError *error = NULL;
  gint64 wd[4] = { 8, 3, 3, 3 };
  g_assert_true (fm_net_graph_add_initializer (g, fm_tensor_new ("w", FM_TENSOR_FLOAT, 4, wd, NULL), &error));
  g_assert_no_error (error);
  const char *ins[] = { "image", "w", "" };
  const char *outs[] = { "c1" };
  fm_net_graph_add_node (g, fm_net_node_new ("conv1", "Conv", 3, ins, 1, outs));
  fm_net_graph_add_node (g, node1 ("relu1", "Relu", "c1", "r1"));
  g_ptr_array_add (g->outputs, fm_net_value_info_new ("r1", 0, NULL));
  return g;
}

static void
test_graph_basics (void)
{
  g_autoptr (FmNetGraph) g = small_graph ();
  GError *error = NULL;
  g_assert_cmpstr (g->origin, ==, "m.onnx");
  g_assert_cmpstr (g->format, ==, "onnx");
  g_assert_false (g->has_decl);
  g_assert_cmpfloat (g->decl.range, ==, 1.0);
  g_assert_cmpint (g->decl.n_mean, ==, 0);
  g_assert_true (fm_net_graph_validate (g, &error));
  g_assert_no_error (error);

  g_assert_nonnull (fm_net_graph_initializer (g, "w"));
  g_assert_null (fm_net_graph_initializer (g, "x"));
  /* by output tensor, by node name, output first */
  g_assert_cmpstr (fm_net_graph_find_node (g, "c1")->name, ==, "conv1");
  g_assert_cmpstr (fm_net_graph_find_node (g, "relu1")->name, ==, "relu1");
  g_assert_null (fm_net_graph_find_node (g, "image"));
  fm_net_graph_add_node (g, node1 ("r1x", "Identity", "r1", "conv1"));
  g_assert_cmpstr (fm_net_graph_find_node (g, "conv1")->name, ==, "r1x");

  gint64 d[1] = { 4 };
  g_assert_false (fm_net_graph_add_initializer (g, fm_tensor_new ("w", FM_TENSOR_FLOAT, 1, d, NULL), &error));
  g_assert_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID);
  assert_error_has (error, "tensor 'w' is given twice");
  g_clear_error (&error);
  g_assert_false (fm_net_graph_add_initializer (g, fm_tensor_new ("", FM_TENSOR_FLOAT, 1, d, NULL), &error));
  assert_error_has (error, "an initializer has no name");
  g_clear_error (&error);
}

static void
test_total_limit (void)
{
  /* the running total is what the graph counts: tensors claiming 2^28
   * elements each (n set by hand so the test allocates nothing big) */
  g_autoptr (FmNetGraph) g = fm_net_graph_new ("big.onnx", "onnx");
  GError *error = NULL;
  gint64 d[1] = { 1 };
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *name = g_strdup_printf ("t%d", k);
      FmTensor *t = fm_tensor_new (name, FM_TENSOR_FLOAT, 1, d, NULL);
      t->n = FM_NET_MAX_TENSOR_ELEMS;
      gboolean ok = fm_net_graph_add_initializer (g, t, &error);
      if (k < 2)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE);
          assert_error_has (error, "tensor 't2': the model's tensors hold more than");
          g_clear_error (&error);
        }
    }
  g_assert_cmpuint (g_hash_table_size (g->initializers), ==, 2);
}

static void
expect_invalid (FmNetGraph *g, const char *want)
{
  GError *error = NULL;
  g_assert_false (fm_net_graph_validate (g, &error));
  g_assert_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID);
  assert_error_has (error, want);
  g_error_free (error);
}

static void
test_validate (void)
{
  {
    g_autoptr (FmNetGraph) g = small_graph ();
    fm_net_graph_add_node (g, node1 ("bad", "Relu", "nowhere", "z"));
    expect_invalid (g, "m.onnx: node 'bad' reads tensor 'nowhere', which is neither");
  }
  {
    g_autoptr (FmNetGraph) g = small_graph ();
    /* relu1 reads c1; put a node that reads r2 before the one writing it */
    fm_net_graph_add_node (g, node1 ("early", "Relu", "r2", "r3"));
    fm_net_graph_add_node (g, node1 ("late", "Relu", "r1", "r2"));
    expect_invalid (g, "node 'early' reads tensor 'r2' before node 'late' writes it");
  }
  {
    g_autoptr (FmNetGraph) g = small_graph ();
    fm_net_graph_add_node (g, node1 ("twice", "Relu", "r1", "c1"));
    expect_invalid (g, "node 'twice' writes tensor 'c1', which node 'conv1' already writes");
  }
  {
    g_autoptr (FmNetGraph) g = small_graph ();
    fm_net_graph_add_node (g, node1 ("over", "Relu", "r1", "w"));
    expect_invalid (g, "node 'over' writes tensor 'w', which is a graph input or an initializer");
  }
  {
    g_autoptr (FmNetGraph) g = small_graph ();
    fm_net_graph_add_node (g, node1 ("self", "Relu", "loop", "loop"));
    expect_invalid (g, "node 'self' reads tensor 'loop', its own output (a cycle)");
  }
  {
    g_autoptr (FmNetGraph) g = small_graph ();
    g_ptr_array_add (g->outputs, fm_net_value_info_new ("ghost", 0, NULL));
    expect_invalid (g, "graph output 'ghost' is not written by any node");
  }
  {
    g_autoptr (FmNetGraph) g = small_graph ();
    fm_net_graph_add_node (g, node1 ("", "Relu", "r1", "q"));
    expect_invalid (g, "node 3 has no name");
  }
  {
    /* names from files are escaped: one line whatever they hold */
    g_autoptr (FmNetGraph) g = small_graph ();
    fm_net_graph_add_node (g, node1 ("a\nb", "Relu", "x\"y", "q"));
    expect_invalid (g, "node 'a\\nb' reads tensor 'x\\\"y'");
  }
}

static void
test_escape (void)
{
  struct { const char *in, *out; } cases[] = {
    { "conv1", "conv1" },
    { "a\nb\tc", "a\\nb\\tc" },
    { "q'\"\\", "q\\'\\\"\\\\" },
    { "\x01\x7f", "\\x01\\x7f" },
    { "caf\xc3\xa9", "caf\xc3\xa9" },          /* valid UTF-8 stays */
    { "bad\xc3(", "bad\\xc3(" },               /* invalid UTF-8 escaped */
    { "\xff\xfe", "\\xff\\xfe" },
    { "", "" },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *got = fm_net_escape (cases[k].in);
      g_assert_cmpstr (got, ==, cases[k].out);
    }
  g_autofree char *null = fm_net_escape (NULL);
  g_assert_cmpstr (null, ==, "(null)");
  g_autofree char *long_in = g_strnfill (1000, 'x');
  g_autofree char *long_out = fm_net_escape (long_in);
  g_assert_true (g_str_has_suffix (long_out, "…"));
  g_assert_cmpuint (strlen (long_out), ==, 200 + strlen ("…"));
  g_assert_true (g_utf8_validate (long_out, -1, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net/graph/tensor-limits", test_tensor_limits);
  g_test_add_func ("/net/graph/node-attrs", test_node_attrs);
  g_test_add_func ("/net/graph/basics", test_graph_basics);
  g_test_add_func ("/net/graph/total-limit", test_total_limit);
  g_test_add_func ("/net/graph/validate", test_validate);
  g_test_add_func ("/net/graph/escape", test_escape);
  return g_test_run ();
}
