/* test-onnx: the ONNX reader on files built byte by byte — a good model
 * and its broken variants, each refused with its own one-line message that
 * names the file, the element and the rule.  (Files PyTorch writes are
 * compared with the onnx package in test_onnx_read.py.) */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fm-net-load.h"
#include "net-test.h"
#include "pb-build.h"

/* The good graph: conv(x, w) → y, with room for one more node and one
 * more initializer (both consumed; NULL for none). */
static Pb *
graph_with (Pb *extra_node, Pb *extra_tensor)
{
  Pb *g = pb_new ();
  Pb *n = onnx_node ("conv", "Conv", "x", "y");
  pb_str (n, 1, "w");    /* a second input after the output: order kept per field */
  pb_msg (n, 5, onnx_attr_int ("group", 1));
  pb_msg (g, 1, n);
  if (extra_node)
    pb_msg (g, 1, extra_node);
  pb_str (g, 2, "test");
  gint64 wd[4] = { 1, 1, 1, 1 };
  float wv = 0.5f;
  pb_msg (g, 5, onnx_tensor ("w", 4, wd, &wv, 1));
  if (extra_tensor)
    pb_msg (g, 5, extra_tensor);
  gint64 xd[4] = { 1, 1, -1, -1 };
  pb_msg (g, 11, onnx_value_info ("x", 4, xd));
  pb_msg (g, 12, onnx_value_info ("y", 0, NULL));
  return g;
}

static Pb *
model_with (Pb *extra_node, Pb *extra_tensor)
{
  return onnx_model (graph_with (extra_node, extra_tensor), 13);
}

static FmNetGraph *
load (Pb *model, const char *base_dir, GError **error)
{
  FmNetGraph *g = fm_net_load_onnx_data (model->data, model->len, "bad.onnx",
                                         base_dir, error);
  g_byte_array_unref (model);
  return g;
}

/* Every message seen, to check that no two cases share one. */
static GHashTable *messages;

static void
expect_fail (Pb *model, const char *base_dir, int code, const char *want)
{
  GError *error = NULL;
  FmNetGraph *g = load (model, base_dir, &error);
  if (g)
    g_error ("accepted a model that should fail with '%s'", want);
  g_assert_true (error->domain == FM_NET_ERROR);
  assert_error_has (error, want);
  if (code >= 0 && error->code != code)
    g_error ("'%s': code %d, expected %d", error->message, error->code, code);
  g_assert_true (g_str_has_prefix (error->message, "bad.onnx: "));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_false (g_hash_table_contains (messages, error->message));
  g_hash_table_add (messages, g_strdup (error->message));
  g_error_free (error);
}

static void
test_good (void)
{
  GError *error = NULL;
  g_autoptr (FmNetGraph) g = load (model_with (NULL, NULL), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g->format, ==, "onnx");
  g_assert_cmpstr (g->producer, ==, "pb-build 1");
  g_assert_cmpint (g->opset, ==, 13);
  g_assert_cmpuint (g->nodes->len, ==, 1);
  const FmNetNode *n = g->nodes->pdata[0];
  g_assert_cmpstr (n->name, ==, "conv");
  g_assert_cmpint (n->n_inputs, ==, 2);
  g_assert_cmpstr (n->inputs[0], ==, "x");
  g_assert_cmpstr (n->inputs[1], ==, "w");
  g_assert_cmpint (fm_net_node_attr_int (n, "group", 0), ==, 1);
  const FmTensor *w = fm_net_graph_initializer (g, "w");
  g_assert_nonnull (w);
  g_assert_cmpint (w->ndim, ==, 4);
  g_assert_cmpfloat (w->f[0], ==, 0.5f);
  const FmNetValueInfo *x = g->inputs->pdata[0];
  g_assert_cmpint (x->ndim, ==, 4);
  g_assert_cmpint (x->dims[1], ==, 1);
  g_assert_cmpint (x->dims[2], ==, -1);
}

/* Unknown fields of every wire type, at every level, are skipped. */
static void
add_unknown (Pb *b)
{
  pb_uint (b, 900, 12345);
  pb_fixed32 (b, 901, 7);
  pb_key (b, 902, 1);
  pb_raw (b, "12345678", 8);
  pb_str (b, 903, "ignored");
  pb_key (b, 904, 3);              /* a group holding a field and a group */
  pb_uint (b, 1, 1);
  pb_key (b, 905, 3);
  pb_key (b, 905, 4);
  pb_key (b, 904, 4);
}

static void
test_unknown_fields (void)
{
  Pb *n = onnx_node ("relu", "Relu", "y", "z");
  add_unknown (n);
  Pb *a = onnx_attr_int ("extra", 3);
  add_unknown (a);
  pb_msg (n, 5, a);
  gint64 d[1] = { 2 };
  float v[2] = { 1, 2 };
  Pb *t = onnx_tensor ("t", 1, d, v, 2);
  add_unknown (t);
  Pb *g = graph_with (n, t);
  add_unknown (g);
  Pb *m = onnx_model (g, 13);
  add_unknown (m);
  GError *error = NULL;
  g_autoptr (FmNetGraph) graph = load (m, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (graph->nodes->len, ==, 2);
  g_assert_cmpint (fm_net_node_attr_int (graph->nodes->pdata[1], "extra", 0), ==, 3);
  g_assert_cmpfloat (fm_net_graph_initializer (graph, "t")->f[1], ==, 2.0f);
}

static Pb *
bytes_of (const char *data, gsize len)
{
  Pb *b = pb_new ();
  pb_raw (b, data, len);
  return b;
}

static void
test_wire (void)
{
  expect_fail (bytes_of ("\x08", 1), NULL, FM_NET_ERROR_PARSE,
               "truncated varint (value) at byte 1");
  expect_fail (bytes_of ("\x88", 1), NULL, FM_NET_ERROR_PARSE,
               "truncated varint (field key) at byte 0");
  expect_fail (bytes_of ("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11), NULL,
               FM_NET_ERROR_PARSE, "varint (value) longer than 64 bits at byte 1");
  expect_fail (bytes_of ("\x3a\xe8\x07\x0a", 4), NULL, FM_NET_ERROR_PARSE,
               "field 7: length 1000 runs past the end of its message (1 bytes left)");
  expect_fail (bytes_of ("\x0f\x00", 2), NULL, FM_NET_ERROR_PARSE,
               "invalid wire type 7 (field 1) at byte 0");
  expect_fail (bytes_of ("\x00\x00", 2), NULL, FM_NET_ERROR_PARSE,
               "invalid field number 0 at byte 0");
  expect_fail (bytes_of ("\x3c", 1), NULL, FM_NET_ERROR_PARSE,
               "group end (field 7) without a start");
  expect_fail (bytes_of ("\x1b\x08\x01", 3), NULL, FM_NET_ERROR_PARSE,
               "group (field 3) not closed");
  expect_fail (bytes_of ("\x1b\x24", 2), NULL, FM_NET_ERROR_PARSE,
               "group end (field 4) does not match its start (field 3)");
  {
    Pb *b = pb_new ();
    for (int k = 0; k < 65; k++)
      pb_key (b, 3, 3);
    expect_fail (b, NULL, FM_NET_ERROR_PARSE, "groups nested more than 64 deep");
  }
  /* a length running past its message, though not past the file */
  {
    Pb *n = onnx_node ("relu", "Relu", "y", "z");
    pb_key (n, 3, 2);
    pb_varint (n, 50);
    Pb *g = graph_with (n, NULL);
    pb_str (g, 900, "fifty bytes of padding after the node in the graph .....");
    expect_fail (onnx_model (g, 13), NULL, FM_NET_ERROR_PARSE,
                 "node 1 'relu': field 3: length 50 runs past the end of its message");
  }
  /* a known field with the wrong wire type */
  {
    Pb *g = pb_new ();
    pb_uint (g, 1, 5);
    expect_fail (onnx_model (g, 13), NULL, FM_NET_ERROR_PARSE,
                 "field 1 (node) has wire type varint, expected length-delimited");
  }
  expect_fail (bytes_of ("\x08\x07", 2), NULL, FM_NET_ERROR_PARSE,
               "no graph: not an ONNX model");
  expect_fail (onnx_model (graph_with (NULL, NULL), 0), NULL, FM_NET_ERROR_PARSE,
               "no opset_import for the default ONNX domain");
}

static Pb *
tensor_dims (const char *name, int ndim, const gint64 *dims)
{
  Pb *t = pb_new ();
  for (int d = 0; d < ndim; d++)
    pb_uint (t, 1, (guint64) dims[d]);
  pb_uint (t, 2, 1);
  pb_str (t, 8, name);
  pb_bytes (t, 9, "", 0);
  return t;
}

static void
test_tensors (void)
{
  gint64 overflow[3] = { (gint64) 1 << 32, (gint64) 1 << 32, 2 };
  expect_fail (model_with (NULL, tensor_dims ("big", 3, overflow)), NULL,
               FM_NET_ERROR_TOO_LARGE,
               "tensor 'big': dims 4294967296 × 4294967296 × 2: their product overflows 64 bits");
  gint64 one_limit[2] = { 1 << 15, (1 << 13) + 1 };
  expect_fail (model_with (NULL, tensor_dims ("wide", 2, one_limit)), NULL,
               FM_NET_ERROR_TOO_LARGE,
               "tensor 'wide': more than 268435456 elements (the limit for one tensor)");
  gint64 negative[2] = { 3, -2 };
  expect_fail (model_with (NULL, tensor_dims ("neg", 2, negative)), NULL,
               FM_NET_ERROR_INVALID, "tensor 'neg': dimension 1 is -2, negative");
  gint64 nine[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  expect_fail (model_with (NULL, tensor_dims ("nine", 9, nine)), NULL,
               FM_NET_ERROR_TOO_LARGE, "initializer 1: more than 8 dims");

  gint64 three[1] = { 3 };
  float v[3] = { 1, 2, 3 };
  {
    Pb *t = onnx_tensor ("short", 1, three, v, 2);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "tensor 'short': raw_data holds 8 bytes, but 3 float32 elements need 12");
  }
  {
    Pb *t = pb_new ();
    pb_uint (t, 1, 3);
    pb_uint (t, 2, 1);
    pb_str (t, 8, "few");
    pb_float (t, 4, 1.0f);
    pb_float (t, 4, 2.0f);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "tensor 'few': float_data holds 2 values, but the dims need 3");
  }
  {
    Pb *t = pb_new ();
    pb_uint (t, 1, 3);
    pb_uint (t, 2, 1);
    pb_str (t, 8, "nodata");
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "tensor 'nodata': no data: neither raw_data nor float_data for 3 elements");
  }
  {
    Pb *t = pb_new ();
    pb_uint (t, 1, 1);
    pb_uint (t, 2, 1);
    pb_str (t, 8, "mixed");
    pb_uint (t, 7, 5);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "tensor 'mixed': int64_data given for a float32 tensor");
  }
  {
    Pb *t = onnx_tensor ("both", 1, three, v, 3);
    pb_float (t, 4, 1.0f);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "tensor 'both': float_data given for a float32 tensor that has raw_data");
  }
  {
    Pb *t = pb_new ();
    pb_uint (t, 1, 1);
    pb_str (t, 8, "odd");
    pb_uint (t, 2, 1);
    pb_bytes (t, 4, "\0\0\0\0\0", 5);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "tensor 'odd': field 4: packed 32-bit values in 5 bytes, not a multiple of 4");
  }
  {
    Pb *t = pb_new ();
    pb_uint (t, 1, 1);
    pb_str (t, 8, "cut");
    pb_uint (t, 2, 7);
    pb_bytes (t, 7, "\x05\x85", 2);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "tensor 'cut': field 7: truncated varint at the end of a packed run");
  }
  {
    Pb *t = tensor_dims ("dtype", 0, NULL);
    pb_uint (t, 2, 99);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_UNSUPPORTED,
                 "tensor 'dtype': data_type 99 is not supported");
  }
  {
    Pb *t = pb_new ();
    pb_str (t, 8, "text");
    pb_uint (t, 2, 8);
    pb_str (t, 6, "hello");
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_UNSUPPORTED,
                 "tensor 'text': data_type string is not supported");
  }
  {
    Pb *t = pb_new ();
    pb_str (t, 8, "untyped");
    pb_bytes (t, 9, "\0\0\0\0", 4);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "tensor 'untyped': no data_type");
  }
  {
    Pb *t = pb_new ();
    pb_uint (t, 2, 13);
    pb_str (t, 8, "u64");
    pb_uint (t, 11, G_MAXUINT64);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_INVALID,
                 "tensor 'u64': element 0: value 18446744073709551615 does not fit int64");
  }
  {
    Pb *t = pb_new ();
    pb_uint (t, 2, 1);
    pb_bytes (t, 8, "a\0b", 3);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_PARSE,
                 "initializer 1: tensor name holds a NUL byte");
  }
  {
    Pb *t = tensor_dims ("seg", 0, NULL);
    pb_bytes (t, 3, "", 0);
    expect_fail (model_with (NULL, t), NULL, FM_NET_ERROR_UNSUPPORTED,
                 "segmented tensors are not supported");
  }
  {
    float one = 1;
    gint64 d1[1] = { 1 };
    expect_fail (model_with (NULL, onnx_tensor ("w", 1, d1, &one, 1)), NULL,
                 FM_NET_ERROR_INVALID, "tensor 'w' is given twice");
  }
}

static Pb *
nested_if (int depth)
{
  Pb *g = pb_new ();
  if (depth > 0)
    {
      Pb *n = onnx_node (NULL, "If", "c", "o");
      Pb *a = pb_new ();
      pb_str (a, 1, "then_branch");
      pb_uint (a, 20, 5);
      pb_msg (a, 6, nested_if (depth - 1));
      pb_msg (n, 5, a);
      pb_msg (g, 1, n);
    }
  return g;
}

static void
test_nesting (void)
{
  /* FM_NET_MAX_DEPTH levels of subgraphs are read (and not kept) */
  Pb *n = onnx_node ("if", "If", "y", "z");
  Pb *a = pb_new ();
  pb_str (a, 1, "then_branch");
  pb_uint (a, 20, 5);
  pb_msg (a, 6, nested_if (FM_NET_MAX_DEPTH - 1));
  pb_msg (n, 5, a);
  GError *error = NULL;
  g_autoptr (FmNetGraph) g = load (model_with (n, NULL), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fm_net_node_attr (g->nodes->pdata[1], "then_branch")->type, ==, FM_ATTR_OTHER);

  n = onnx_node ("deep", "If", "y", "z");
  a = pb_new ();
  pb_str (a, 1, "else_branch");
  pb_uint (a, 20, 5);
  pb_msg (a, 6, nested_if (FM_NET_MAX_DEPTH));
  pb_msg (n, 5, a);
  expect_fail (model_with (n, NULL), NULL, FM_NET_ERROR_TOO_LARGE,
               "bad.onnx: node 1 'deep': attribute 0 'else_branch': subgraphs nested more than 16 deep");
}

static void
test_nodes (void)
{
  {
    Pb *n = onnx_node ("twice", "Relu", "y", "z");
    pb_msg (n, 5, onnx_attr_int ("alpha", 1));
    pb_msg (n, 5, onnx_attr_int ("alpha", 2));
    expect_fail (model_with (n, NULL), NULL, FM_NET_ERROR_PARSE,
                 "node 1 'twice': attribute 1 'alpha': given twice");
  }
  {
    Pb *n = onnx_node ("untyped", "Relu", "y", "z");
    Pb *a = pb_new ();
    pb_str (a, 1, "empty");
    pb_msg (n, 5, a);
    expect_fail (model_with (n, NULL), NULL, FM_NET_ERROR_PARSE,
                 "node 1 'untyped': attribute 0 'empty': no type and no value");
  }
  {
    Pb *n = onnx_node ("kind", "Relu", "y", "z");
    Pb *a = pb_new ();
    pb_str (a, 1, "k");
    pb_uint (a, 20, 77);
    pb_msg (n, 5, a);
    expect_fail (model_with (n, NULL), NULL, FM_NET_ERROR_PARSE,
                 "attribute 0 'k': unknown attribute type 77");
  }
  {
    Pb *n = onnx_node ("noop", "", "y", "z");
    expect_fail (model_with (n, NULL), NULL, FM_NET_ERROR_PARSE,
                 "node 1 'noop': no op_type");
  }
  {
    Pb *n = onnx_node ("line\nbreak", "Relu", "nowhere", "z");
    expect_fail (model_with (n, NULL), NULL, FM_NET_ERROR_INVALID,
                 "bad.onnx: node 'line\\nbreak' reads tensor 'nowhere', which is neither");
  }
  {
    Pb *n = onnx_node ("again", "Relu", "y", "y");
    expect_fail (model_with (n, NULL), NULL, FM_NET_ERROR_INVALID,
                 "node 'again' writes tensor 'y', which node 'conv' already writes");
  }
  {
    Pb *n = pb_new ();
    pb_str (n, 4, "Relu");
    pb_str (n, 3, "long");
    GString *s = g_string_new (NULL);
    for (int k = 0; k < FM_NET_MAX_NAME + 1; k++)
      g_string_append_c (s, 'a');
    pb_str (n, 1, s->str);
    g_string_free (s, TRUE);
    expect_fail (model_with (n, NULL), NULL, FM_NET_ERROR_TOO_LARGE,
                 "input name of 4097 bytes, over the limit of 4096");
  }
}

/* --- external data ------------------------------------------------------- */

static Pb *
external_tensor (const char *name, gint64 n, const char *location,
                 const char *offset, const char *length)
{
  Pb *t = pb_new ();
  pb_uint (t, 1, (guint64) n);
  pb_uint (t, 2, 1);
  pb_str (t, 8, name);
  const char *keys[3] = { "location", "offset", "length" };
  const char *values[3] = { location, offset, length };
  for (int k = 0; k < 3; k++)
    if (values[k])
      {
        Pb *e = pb_new ();
        pb_str (e, 1, keys[k]);
        pb_str (e, 2, values[k]);
        pb_msg (t, 13, e);
      }
  pb_uint (t, 14, 1);
  return t;
}

static void
write_file (const char *dir, const char *name, const void *data, gsize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  g_assert_true (g_file_set_contents (path, data, (gssize) len, &error));
}

static void
test_external (void)
{
  GError *error = NULL;
  g_autofree char *root = g_dir_make_tmp ("fm-onnx-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_build_filename (root, "model", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  float v[4] = { 1.5f, -2, 3, 4 };
  write_file (dir, "w.bin", v, sizeof v);
  write_file (sub, "w.bin", v, sizeof v);
  write_file (root, "outside.bin", v, sizeof v);
  g_autofree char *link = g_build_filename (dir, "link.bin", NULL);
  g_autofree char *linkdir = g_build_filename (dir, "linkdir", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.bin", NULL);
  g_assert_cmpint (symlink ("w.bin", link), ==, 0);
  g_assert_cmpint (symlink ("sub", linkdir), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  /* good: all of a file, a range of it, in a subfolder */
  {
    g_autoptr (FmNetGraph) g = load (model_with (NULL, external_tensor ("e", 4, "w.bin", NULL, NULL)),
                                     dir, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (fm_net_graph_initializer (g, "e")->f[0], ==, 1.5f);
  }
  {
    g_autoptr (FmNetGraph) g = load (model_with (NULL, external_tensor ("e", 2, "./sub/w.bin", "8", "8")),
                                     dir, &error);
    g_assert_no_error (error);
    const FmTensor *t = fm_net_graph_initializer (g, "e");
    g_assert_cmpfloat (t->f[0], ==, 3.0f);
    g_assert_cmpfloat (t->f[1], ==, 4.0f);
  }

  expect_fail (model_with (NULL, external_tensor ("abs", 4, "/etc/passwd", NULL, NULL)), dir,
               FM_NET_ERROR_INVALID,
               "tensor 'abs': external data path '/etc/passwd' is absolute");
  expect_fail (model_with (NULL, external_tensor ("up", 4, "../outside.bin", NULL, NULL)), dir,
               FM_NET_ERROR_INVALID,
               "tensor 'up': external data path '../outside.bin' climbs out of the model's folder with '..'");
  expect_fail (model_with (NULL, external_tensor ("up2", 4, "sub/../../outside.bin", NULL, NULL)), dir,
               FM_NET_ERROR_INVALID, "tensor 'up2': external data path 'sub/../../outside.bin' climbs out");
  expect_fail (model_with (NULL, external_tensor ("link", 4, "link.bin", NULL, NULL)), dir,
               FM_NET_ERROR_INVALID, "tensor 'link': external data path 'link.bin' is a symlink");
  expect_fail (model_with (NULL, external_tensor ("linkdir", 4, "linkdir/w.bin", NULL, NULL)), dir,
               FM_NET_ERROR_INVALID,
               "tensor 'linkdir': external data path 'linkdir/w.bin' goes through the symlink 'linkdir'");
  expect_fail (model_with (NULL, external_tensor ("past", 4, "w.bin", "8", "16")), dir,
               FM_NET_ERROR_PARSE,
               "tensor 'past': external data 'w.bin': offset 8 + length 16 runs past the end of the file (16 bytes)");
  expect_fail (model_with (NULL, external_tensor ("far", 4, "w.bin", "99", NULL)), dir,
               FM_NET_ERROR_PARSE, "tensor 'far': external data 'w.bin': offset 99 + length 0");
  expect_fail (model_with (NULL, external_tensor ("size", 3, "w.bin", NULL, NULL)), dir,
               FM_NET_ERROR_INVALID,
               "tensor 'size': external data 'w.bin': 16 bytes, but 3 float32 elements need 12");
  expect_fail (model_with (NULL, external_tensor ("missing", 4, "nothere.bin", NULL, NULL)), dir,
               FM_NET_ERROR_NOT_FOUND, "tensor 'missing': external data path 'nothere.bin': No such file");
  expect_fail (model_with (NULL, external_tensor ("fifo", 4, "fifo.bin", NULL, NULL)), dir,
               FM_NET_ERROR_INVALID, "tensor 'fifo': external data path 'fifo.bin' is a FIFO (named pipe), not a regular file");
  expect_fail (model_with (NULL, external_tensor ("folder", 4, "sub", NULL, NULL)), dir,
               FM_NET_ERROR_INVALID, "tensor 'folder': external data path 'sub' is a directory, not a regular file");
  expect_fail (model_with (NULL, external_tensor ("nan", 4, "w.bin", "12x", NULL)), dir,
               FM_NET_ERROR_PARSE, "tensor 'nan': external data offset '12x' is not a number");
  expect_fail (model_with (NULL, external_tensor ("noloc", 4, NULL, "0", NULL)), dir,
               FM_NET_ERROR_PARSE, "tensor 'noloc': external data without a location");
  expect_fail (model_with (NULL, external_tensor ("mem", 4, "w.bin", NULL, NULL)), NULL,
               FM_NET_ERROR_INVALID,
               "tensor 'mem': external data needs the model's folder");

  /* through the file API: the folder is the model's own */
  {
    Pb *m = model_with (NULL, external_tensor ("e", 4, "w.bin", NULL, NULL));
    write_file (dir, "m.onnx", m->data, m->len);
    g_byte_array_unref (m);
    g_autofree char *path = g_build_filename (dir, "m.onnx", NULL);
    g_autoptr (FmNetGraph) g = fm_net_load_onnx_file (path, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (fm_net_graph_initializer (g, "e")->f[3], ==, 4.0f);
    g_autoptr (FmNetGraph) g2 = fm_net_graph_load (path, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (g2->origin, ==, path);
  }

  const char *names[] = { "w.bin", "link.bin", "linkdir", "fifo.bin", "m.onnx", "sub/w.bin", "sub" };
  for (gsize k = 0; k < G_N_ELEMENTS (names); k++)
    {
      g_autofree char *p = g_build_filename (dir, names[k], NULL);
      g_remove (p);
    }
  g_rmdir (dir);
  g_autofree char *outside = g_build_filename (root, "outside.bin", NULL);
  g_remove (outside);
  g_rmdir (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_test_add_func ("/net/onnx/good", test_good);
  g_test_add_func ("/net/onnx/unknown-fields", test_unknown_fields);
  g_test_add_func ("/net/onnx/wire", test_wire);
  g_test_add_func ("/net/onnx/tensors", test_tensors);
  g_test_add_func ("/net/onnx/nesting", test_nesting);
  g_test_add_func ("/net/onnx/nodes", test_nodes);
  g_test_add_func ("/net/onnx/external", test_external);
  int rc = g_test_run ();
  g_hash_table_unref (messages);
  return rc;
}
