/* test-stack: stack descriptions and the sidecar rule — good descriptions
 * lowered to the nodes docs/kernels.md promises, broken ones refused with
 * their own one-line message; weights paths confined to the description's
 * folder; PyTorch pickles refused with how to export instead. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "fm-net-load.h"
#include "net-test.h"

static FmTensor *
tensor (const char *name, int ndim, gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  gint64 dims[4] = { d0, d1, d2, d3 };
  FmTensor *t = fm_tensor_new (name, FM_TENSOR_FLOAT, ndim, dims, NULL);
  for (gsize k = 0; k < t->n; k++)
    t->f[k] = (float) k;
  return t;
}

/* w: OIHW 4 × 3 × 3 × 3; hw: the same filters as HWIO 3 × 3 × 3 × 4 */
static FmNetGraph *
weights (void)
{
  FmNetGraph *g = fm_net_graph_new ("weights.safetensors", "safetensors");
  FmTensor *w = tensor ("w", 4, 4, 3, 3, 3);
  FmTensor *hw = tensor ("hw", 4, 3, 3, 3, 4);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 3; x++)
      for (int c = 0; c < 3; c++)
        for (int k = 0; k < 4; k++)
          hw->f[((y * 3 + x) * 3 + c) * 4 + k] = w->f[((k * 3 + c) * 3 + y) * 3 + x];
  g_assert_true (fm_net_graph_add_initializer (g, w, NULL));
  g_assert_true (fm_net_graph_add_initializer (g, hw, NULL));
  g_assert_true (fm_net_graph_add_initializer (g, tensor ("b", 1, 4, 0, 0, 0), NULL));
  g_assert_true (fm_net_graph_add_initializer (g, tensor ("three", 1, 3, 0, 0, 0), NULL));
  g_assert_true (fm_net_graph_add_initializer (g, tensor ("mean", 1, 4, 0, 0, 0), NULL));
  g_assert_true (fm_net_graph_add_initializer (g, tensor ("var", 1, 4, 0, 0, 0), NULL));
  FmTensor *neg = tensor ("negvar", 1, 4, 0, 0, 0);
  neg->f[2] = -1;
  g_assert_true (fm_net_graph_add_initializer (g, neg, NULL));
  gint64 one = 1;
  g_assert_true (fm_net_graph_add_initializer (g, fm_tensor_new ("count", FM_TENSOR_INT64, 1, &one, NULL), NULL));
  return g;
}

static FmNetGraph *
load (const char *json, GError **error)
{
  return fm_net_load_stack_data (json, strlen (json), "s.json", weights (), error);
}

static GHashTable *messages;

static void
expect_fail (const char *json, int code, const char *want)
{
  GError *error = NULL;
  FmNetGraph *g = load (json, &error);
  if (g)
    g_error ("accepted '%s', which should fail with '%s'", json, want);
  assert_error_has (error, want);
  g_assert_true (error->domain == FM_NET_ERROR);
  if (code >= 0 && error->code != code)
    g_error ("'%s': code %d, expected %d", error->message, error->code, code);
  g_assert_true (g_str_has_prefix (error->message, "s.json: "));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_false (g_hash_table_contains (messages, error->message));
  g_hash_table_add (messages, g_strdup (error->message));
  g_error_free (error);
}

#define CONV "{\"name\":\"c\",\"op\":\"conv\",\"weight\":\"w\",\"bias\":\"b\""
#define ONE(layer) "{\"layers\":[" layer "]}"
#define AFTER_CONV(layer) "{\"layers\":[" CONV "}," layer "]}"

static void
test_good (void)
{
  GError *error = NULL;
  g_autoptr (FmNetGraph) g = load (
    "{\"format\":\"featuremaps-stack\",\"version\":1,\"name\":\"t\",\"description\":\"d\","
    "\"input\":{\"channels\":3,\"range\":\"0..255\",\"mean\":[1,2,3],\"std\":2,"
    "\"order\":\"bgr\",\"light\":\"linear\"},"
    "\"layers\":[" CONV ",\"stride\":[1,2],\"padding\":\"same\"},"
    "{\"op\":\"relu\"},"
    "{\"name\":\"k\",\"op\":\"conv\",\"weight\":\"hw\",\"layout\":\"hwio\",\"inputs\":[\"input\"],"
    "\"padding\":[1,2,3,4],\"dilation\":2},"
    "{\"op\":\"add\",\"inputs\":[\"relu2\",\"k\"]},"
    "{\"op\":\"batchnorm\",\"mean\":\"mean\",\"var\":\"var\"},"
    "{\"op\":\"avgpool\",\"kernel\":2},"
    "{\"op\":\"clip\",\"min\":-1}]}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g->opset, ==, 17);
  g_assert_cmpstr (g->origin, ==, "s.json");
  g_assert_true (g->has_decl);
  g_assert_cmpfloat (g->decl.range, ==, 255.0);
  g_assert_true (g->decl.bgr && g->decl.linear);
  g_assert_cmpint (g->decl.n_mean, ==, 3);
  g_assert_cmpfloat (g->decl.mean[2], ==, 3.0);
  g_assert_cmpint (g->decl.n_std, ==, 1);
  const FmNetValueInfo *in = g->inputs->pdata[0];
  g_assert_cmpstr (in->name, ==, "input");
  g_assert_cmpint (in->dims[1], ==, 3);
  g_assert_cmpuint (g->nodes->len, ==, 7);

  const FmNetNode *c = g->nodes->pdata[0];
  g_assert_cmpstr (c->op, ==, "Conv");
  g_assert_cmpint (c->n_inputs, ==, 3);
  g_assert_cmpstr (c->inputs[0], ==, "input");
  g_assert_cmpstr (fm_net_node_attr_string (c, "auto_pad", ""), ==, "SAME_UPPER");
  g_assert_cmpint (fm_net_node_attr (c, "strides")->ints[1], ==, 2);
  g_assert_cmpint (fm_net_node_attr (c, "kernel_shape")->ints[0], ==, 3);
  g_assert_cmpint (fm_net_node_attr_int (c, "group", 0), ==, 1);

  const FmNetNode *relu = g->nodes->pdata[1];
  g_assert_cmpstr (relu->name, ==, "relu2");
  g_assert_cmpstr (relu->inputs[0], ==, "c");

  /* HWIO transposed to the OIHW tensor "w" holds */
  const FmNetNode *k = g->nodes->pdata[2];
  g_assert_cmpstr (k->inputs[0], ==, "input");
  g_assert_cmpint (k->n_inputs, ==, 2);
  const FmTensor *hw = fm_net_graph_initializer (g, "hw");
  const FmTensor *w = fm_net_graph_initializer (g, "w");
  g_assert_cmpint (hw->dims[0], ==, 4);
  g_assert_cmpint (hw->dims[1], ==, 3);
  g_assert_cmpmem (hw->f, hw->n * sizeof (float), w->f, w->n * sizeof (float));
  const FmNetAttr *pads = fm_net_node_attr (k, "pads");
  g_assert_cmpint (pads->n, ==, 4);
  g_assert_cmpint (pads->ints[0], ==, 1);
  g_assert_cmpint (pads->ints[3], ==, 4);

  const FmNetNode *add = g->nodes->pdata[3];
  g_assert_cmpstr (add->op, ==, "Add");
  g_assert_cmpstr (add->inputs[1], ==, "k");

  /* batch norm without scale and bias: ones and zeros */
  const FmNetNode *bn = g->nodes->pdata[4];
  g_assert_cmpstr (bn->name, ==, "batchnorm5");
  g_assert_cmpstr (bn->inputs[1], ==, "batchnorm5.scale");
  g_assert_cmpfloat (fm_net_graph_initializer (g, "batchnorm5.scale")->f[3], ==, 1.0f);
  g_assert_cmpfloat (fm_net_graph_initializer (g, "batchnorm5.bias")->f[3], ==, 0.0f);
  g_assert_cmpfloat (fm_net_node_attr_float (bn, "epsilon", 0), ==, 1e-5f);

  /* a pool's stride defaults to its window */
  const FmNetNode *pool = g->nodes->pdata[5];
  g_assert_cmpint (fm_net_node_attr (pool, "strides")->ints[0], ==, 2);
  g_assert_cmpint (fm_net_node_attr_int (pool, "count_include_pad", 0), ==, 1);

  const FmNetNode *clip = g->nodes->pdata[6];
  g_assert_cmpint (clip->n_inputs, ==, 2);
  g_assert_cmpfloat (fm_net_graph_initializer (g, "clip7.min")->f[0], ==, -1.0f);
  g_assert_cmpstr (((FmNetValueInfo *) g->outputs->pdata[0])->name, ==, "clip7");
}

static void
test_bad (void)
{
  expect_fail ("{\"layer\":[]}", FM_NET_ERROR_PARSE,
               "s.json: unknown key 'layer' in the description: did you mean 'layers'?");
  expect_fail ("{\"format\":\"keras\",\"layers\":[]}", FM_NET_ERROR_INVALID,
               "format 'keras' is not \"featuremaps-stack\"");
  expect_fail ("{\"version\":2,\"layers\":[]}", FM_NET_ERROR_UNSUPPORTED,
               "version 2 is newer than this reader (1)");
  expect_fail ("{\"layers\":[]}", FM_NET_ERROR_INVALID, "layers must be a non-empty array");
  expect_fail ("[]", FM_NET_ERROR_INVALID, "the description is an array, expected an object");
  expect_fail ("{\"layers\":[{\"op\":\"relu\",\"op\":\"tanh\"}]}", FM_NET_ERROR_PARSE,
               "key 'op' is given twice in one object");
  expect_fail (ONE ("3"), FM_NET_ERROR_INVALID, "layer 1 is a number, expected an object");
  expect_fail (ONE ("{\"name\":\"x\"}"), FM_NET_ERROR_INVALID, "layer 1: no op");
  expect_fail (ONE ("{\"op\":\"conv2d\"}"), FM_NET_ERROR_UNSUPPORTED,
               "layer 1: unknown op 'conv2d' (did you mean 'conv'?)");
  expect_fail (ONE ("{\"op\":\"softmax\"}"), FM_NET_ERROR_UNSUPPORTED,
               "layer 1: unknown op 'softmax' (known: conv, batchnorm");
  expect_fail (ONE (CONV ",\"strides\":2}"), FM_NET_ERROR_PARSE,
               "unknown key 'strides' in layer 1 'c': did you mean 'stride'?");
  expect_fail (ONE ("{\"op\":\"conv\",\"weight\":\"wx\"}"), FM_NET_ERROR_NOT_FOUND,
               "layer 1 'conv1': weight: no tensor 'wx' in weights.safetensors (did you mean 'w'?)");
  expect_fail (ONE ("{\"op\":\"conv\",\"weight\":\"b\"}"), FM_NET_ERROR_INVALID,
               "weight 'b' has shape [4], expected 4 dimensions (oihw)");
  expect_fail (ONE ("{\"op\":\"conv\"}"), FM_NET_ERROR_INVALID, "layer 1 'conv1': no weight");
  expect_fail (ONE ("{\"op\":\"conv\",\"weight\":\"w\",\"bias\":\"three\"}"), FM_NET_ERROR_INVALID,
               "bias 'three' has shape [3], expected [4]");
  expect_fail (ONE ("{\"op\":\"conv\",\"weight\":\"w\",\"groups\":3}"), FM_NET_ERROR_INVALID,
               "groups 3 does not divide the 4 filters of weight 'w'");
  expect_fail (ONE ("{\"op\":\"conv\",\"weight\":\"count\"}"), FM_NET_ERROR_INVALID,
               "weight: tensor 'count' holds integers, expected floats");
  expect_fail (ONE ("{\"op\":\"conv\",\"weight\":\"w\",\"layout\":\"nhwc\"}"), FM_NET_ERROR_INVALID,
               "layout 'nhwc' is not one of oihw, hwio");
  expect_fail ("{\"layers\":[" CONV "},{\"name\":\"d\",\"op\":\"conv\",\"weight\":\"w\",\"layout\":\"hwio\"}]}",
               FM_NET_ERROR_INVALID, "weight 'w' is read as hwio here but as oihw by an earlier layer");
  expect_fail (ONE ("{\"op\":\"relu\",\"inputs\":[\"nope\"]}"), FM_NET_ERROR_NOT_FOUND,
               "layer 1 'relu1': inputs names 'nope', which is no earlier layer");
  expect_fail (ONE ("{\"op\":\"relu\",\"inputs\":\"input\"}"), FM_NET_ERROR_INVALID,
               "inputs is a string, expected an array of layer names");
  expect_fail (ONE ("{\"op\":\"add\"}"), FM_NET_ERROR_INVALID, "layer 1 'add1': add takes 2 inputs, inputs gives 1");
  expect_fail (ONE ("{\"op\":\"concat\",\"inputs\":[\"input\"]}"), FM_NET_ERROR_INVALID,
               "concat takes 2 to 1000 inputs, inputs gives 1");
  expect_fail (ONE ("{\"op\":\"relu\",\"name\":\"r\"},{\"op\":\"relu\",\"name\":\"r\"}"),
               FM_NET_ERROR_INVALID, "layer 2 'r': the name is taken (by an earlier layer)");
  expect_fail (ONE ("{\"op\":\"relu\",\"name\":\"input\"}"), FM_NET_ERROR_INVALID,
               "the name is taken (by an earlier layer or the image input)");
  expect_fail (ONE (CONV ",\"padding\":\"full\"}"), FM_NET_ERROR_INVALID,
               "padding 'full' is not \"same\", \"valid\" or a number");
  expect_fail (ONE (CONV ",\"padding\":[1,2,3]}"), FM_NET_ERROR_INVALID,
               "padding is an array, expected an integer, [y, x], [top, left, bottom, right]");
  expect_fail (ONE (CONV ",\"stride\":0}"), FM_NET_ERROR_PARSE, "layer 1 'c': stride is 0, must be 1");
  expect_fail (ONE (CONV ",\"dilation\":[1,\"2\"]}"), FM_NET_ERROR_PARSE,
               "dilation[1] is a string, expected an integer");
  expect_fail (AFTER_CONV ("{\"op\":\"clip\",\"min\":6,\"max\":0}"), FM_NET_ERROR_INVALID,
               "layer 2 'clip2': min 6 is above max 0");
  expect_fail (AFTER_CONV ("{\"op\":\"leaky-relu\",\"alpha\":\"x\"}"), FM_NET_ERROR_INVALID,
               "alpha is a string, expected a number");
  expect_fail (AFTER_CONV ("{\"op\":\"pad\",\"pads\":1,\"mode\":\"wrap\"}"), FM_NET_ERROR_INVALID,
               "mode 'wrap' is not one of constant, reflect, edge");
  expect_fail (AFTER_CONV ("{\"op\":\"pad\",\"pads\":1,\"mode\":\"reflect\",\"value\":1}"),
               FM_NET_ERROR_INVALID, "value applies to mode \"constant\" only");
  expect_fail (AFTER_CONV ("{\"op\":\"pad\"}"), FM_NET_ERROR_INVALID, "no pads ([top, left, bottom, right])");
  expect_fail (AFTER_CONV ("{\"op\":\"maxpool\",\"stride\":2}"), FM_NET_ERROR_INVALID,
               "no kernel (the pooling window)");
  expect_fail (AFTER_CONV ("{\"op\":\"maxpool\",\"kernel\":2,\"ceil_mode\":1}"), FM_NET_ERROR_INVALID,
               "ceil_mode is a number, expected true or false");
  expect_fail (AFTER_CONV ("{\"op\":\"avgpool\",\"kernel\":2,\"dilation\":2}"), FM_NET_ERROR_PARSE,
               "unknown key 'dilation' in layer 2 'avgpool2'");
  expect_fail (AFTER_CONV ("{\"op\":\"batchnorm\",\"mean\":\"mean\",\"var\":\"negvar\"}"),
               FM_NET_ERROR_INVALID, "var 'negvar' holds -1 at 2: variances are ≥ 0");
  expect_fail (AFTER_CONV ("{\"op\":\"batchnorm\",\"mean\":\"mean\",\"var\":\"three\"}"),
               FM_NET_ERROR_INVALID, "var 'three' has shape [3], expected [4]");
  expect_fail (AFTER_CONV ("{\"op\":\"batchnorm\",\"var\":\"var\"}"), FM_NET_ERROR_INVALID,
               "layer 2 'batchnorm2': no mean (a tensor name)");
  expect_fail ("{\"input\":{\"channels\":2},\"layers\":[{\"op\":\"relu\"}]}", FM_NET_ERROR_INVALID,
               "input: channels must be 1, 3, 4 or \"any\"");
  expect_fail ("{\"input\":{\"range\":\"0..2\"},\"layers\":[{\"op\":\"relu\"}]}", FM_NET_ERROR_INVALID,
               "input: range '0..2' is not \"0..1\" or \"0..255\"");
  expect_fail ("{\"input\":{\"std\":[1,0,1]},\"layers\":[{\"op\":\"relu\"}]}", FM_NET_ERROR_INVALID,
               "input: std value 0: must be a number > 0");
  expect_fail ("{\"input\":{\"channels\":3,\"mean\":[1,2]},\"layers\":[{\"op\":\"relu\"}]}",
               FM_NET_ERROR_INVALID, "input: mean has 2 values for 3 channels");
  expect_fail ("{\"input\":{\"order\":\"grb\"},\"layers\":[{\"op\":\"relu\"}]}", FM_NET_ERROR_INVALID,
               "input: order 'grb' is not \"rgb\" or \"bgr\"");
  expect_fail ("{\"input\":{\"mean\":[1,2,3,4,5]},\"layers\":[{\"op\":\"relu\"}]}", FM_NET_ERROR_INVALID,
               "input: mean has 5 values, expected 1 to 4");
  expect_fail ("{\"input\":{\"gamma\":2.2},\"layers\":[{\"op\":\"relu\"}]}", FM_NET_ERROR_PARSE,
               "unknown key 'gamma' in input");
  /* a layer's name may not collide with a weight it would overwrite */
  expect_fail (ONE ("{\"op\":\"relu\",\"name\":\"w\"}"), FM_NET_ERROR_INVALID,
               "node 'w' writes tensor 'w', which is a graph input or an initializer");
}

/* --- files: weights paths, sidecars, pickles ----------------------------- */

static void
write_file (const char *dir, const char *name, const void *data, gssize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, data, len < 0 ? (gssize) strlen (data) : len, NULL));
}

static GByteArray *
safetensors_one (void)
{
  const char *h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1],\"data_offsets\":[0,4]}}";
  GByteArray *b = g_byte_array_new ();
  guint64 n = strlen (h);
  guint8 le[8] = { (guint8) n };
  g_byte_array_append (b, le, 8);
  g_byte_array_append (b, (const guint8 *) h, (guint) n);
  float one = 1.0f;
  g_byte_array_append (b, (const guint8 *) &one, 4);
  return b;
}

static void
expect_file_fail (const char *path, const char *want)
{
  GError *error = NULL;
  FmNetGraph *g = fm_net_graph_load (path, &error);
  if (g)
    g_error ("accepted %s, which should fail with '%s'", path, want);
  assert_error_has (error, want);
  g_assert_null (strchr (error->message, '\n'));
  g_error_free (error);
}

static void
test_files (void)
{
  GError *error = NULL;
  g_autofree char *root = g_dir_make_tmp ("fm-stack-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_build_filename (root, "m", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  GByteArray *st = safetensors_one ();
  write_file (dir, "model.safetensors", st->data, st->len);
  write_file (root, "outside.safetensors", st->data, st->len);
  g_byte_array_unref (st);
  g_autofree char *link = g_build_filename (dir, "link.safetensors", NULL);
  g_assert_cmpint (symlink ("model.safetensors", link), ==, 0);
  const char *layers = "\"layers\":[{\"name\":\"c\",\"op\":\"conv\",\"weight\":\"w\"}]";

  /* sidecar found beside the weights, and the weights found beside it */
  g_autofree char *sidecar_text = g_strdup_printf ("{%s}", layers);
  write_file (dir, "model.json", sidecar_text, -1);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *sidecar = g_build_filename (dir, "model.json", NULL);
  {
    g_autoptr (FmNetGraph) g = fm_net_graph_load (weights, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (g->origin, ==, sidecar);
    g_assert_cmpuint (g->nodes->len, ==, 1);
    g_autoptr (FmNetGraph) g2 = fm_net_graph_load (sidecar, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g2->nodes->len, ==, 1);
    g_autofree char *path = fm_net_sidecar_path (weights);
    g_assert_cmpstr (path, ==, sidecar);
  }
  /* the user's own weights file may be a symlink; ones a description names may not */
  {
    g_autofree char *link_json = g_build_filename (dir, "link.json", NULL);
    write_file (dir, "link.json", sidecar_text, -1);
    g_autoptr (FmNetGraph) g = fm_net_graph_load (link, &error);
    g_assert_no_error (error);
    g_assert_nonnull (g);
    g_remove (link_json);
  }
  struct { const char *weights, *want; } cases[] = {
    { "/etc/passwd", "d.json: weights path '/etc/passwd' is absolute" },
    { "../outside.safetensors", "weights path '../outside.safetensors' climbs out of the model's folder" },
    { "link.safetensors", "weights path 'link.safetensors' is a symlink" },
    { "none.safetensors", "weights path 'none.safetensors': No such file" },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *text = g_strdup_printf ("{\"weights\":\"%s\",%s}", cases[k].weights, layers);
      write_file (dir, "d.json", text, -1);
      g_autofree char *path = g_build_filename (dir, "d.json", NULL);
      expect_file_fail (path, cases[k].want);
    }
  {
    g_autofree char *text = g_strdup_printf ("{\"weights\":\"other.safetensors\",%s}", layers);
    write_file (dir, "model.json", text, -1);
    expect_file_fail (weights, "model.json: the sidecar of model.safetensors names other weights, "
                      "'other.safetensors'");
    g_remove (sidecar);
    expect_file_fail (weights, "model.safetensors holds weights without layers: describe the "
                      "layers in");
  }
  /* a bank is not a model */
  write_file (dir, "bank.json", "{\"filters\":[]}", -1);
  g_autofree char *bank = g_build_filename (dir, "bank.json", NULL);
  expect_file_fail (bank, "bank.json: a kernel bank, not a model");

  /* PyTorch pickles: refused before anything is read, with how to export */
  /* a zip local header (30 bytes) whose first member is archive/data.pkl */
  guint8 torch_zip[30 + 16 + 4] = { 'P', 'K', 3, 4, 20 };
  torch_zip[26] = 16;
  memcpy (torch_zip + 30, "archive/data.pkl\x80\x02}.", 20);
  write_file (dir, "model.pth", torch_zip, sizeof torch_zip);
  g_autofree char *pth = g_build_filename (dir, "model.pth", NULL);
  expect_file_fail (pth, "model.pth: a PyTorch pickle (torch.save), which featuremaps does not "
                    "read because unpickling can run code; export the model with "
                    "torch.onnx.export, or save its state_dict as .safetensors with a stack "
                    "description");
  static const guint8 legacy[] = "\x80\x02\x8a\x0a" "l\xfc\x9c" "F\xf9 j\xa8P\x19.";
  write_file (dir, "old.pt", legacy, sizeof legacy);
  g_autofree char *pt = g_build_filename (dir, "old.pt", NULL);
  expect_file_fail (pt, "old.pt: a PyTorch pickle");

  const char *names[] = { "model.safetensors", "link.safetensors", "d.json", "bank.json",
                          "model.pth", "old.pt" };
  for (gsize k = 0; k < G_N_ELEMENTS (names); k++)
    {
      g_autofree char *p = g_build_filename (dir, names[k], NULL);
      g_remove (p);
    }
  g_rmdir (dir);
  g_autofree char *outside = g_build_filename (root, "outside.safetensors", NULL);
  g_remove (outside);
  g_rmdir (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_test_add_func ("/net/stack/good", test_good);
  g_test_add_func ("/net/stack/bad", test_bad);
  g_test_add_func ("/net/stack/files", test_files);
  int rc = g_test_run ();
  g_hash_table_unref (messages);
  return rc;
}
