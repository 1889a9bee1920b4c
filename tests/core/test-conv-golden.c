/* test-conv-golden: the tutorial's worked examples (tests/data/seed-cases.json,
 * computed with torch) through the library.  Kernels there are Keras HWIO
 * (kh × kw × C × K); the engine takes OHWI. */
#include "conv-ref.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Nested arrays, flattened in row-major order; checks the element count. */
static void
flatten (JsonNode *node, GArray *out)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        flatten (json_array_get_element (a, i), out);
      return;
    }
  float v = (float) json_node_get_double (node);
  g_array_append_val (out, v);
}

static float *
member_floats (JsonObject *o, const char *name, gsize expect)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (float));
  flatten (json_object_get_member (o, name), a);
  g_assert_cmpuint (a->len, ==, expect);
  return (float *) g_array_free (a, FALSE);
}

static int
shape (JsonObject *o, const char *name, int i)
{
  return (int) json_array_get_int_element (json_object_get_array_member (o, name), i);
}

static int
option (JsonObject *o, const char *name, FmOptionId id, const char *fallback)
{
  FmOptions opts;
  GError *error = NULL;
  fm_options_init (&opts);
  const char *text = json_object_has_member (o, name)
                     ? json_object_get_string_member (o, name) : fallback;
  g_assert_true (fm_options_set_string (&opts, id, text, &error));
  g_assert_no_error (error);
  return fm_options_get (&opts, id);
}

static void
check_case (JsonObject *c)
{
  const char *name = json_object_get_string_member (c, "name");
  int H = shape (c, "input_shape", 0), W = shape (c, "input_shape", 1);
  int C = shape (c, "input_shape", 2);
  int kh = shape (c, "kernel_shape_hwio", 0), kw = shape (c, "kernel_shape_hwio", 1);
  int K = shape (c, "kernel_shape_hwio", 3);
  g_assert_cmpint (shape (c, "kernel_shape_hwio", 2), ==, C);

  float *in = member_floats (c, "input", (gsize) H * W * C);
  float *hwio = member_floats (c, "kernel", (gsize) kh * kw * C * K);
  float *bias = member_floats (c, "bias", K);
  float *ohwi = g_new (float, (gsize) K * kh * kw * C);
  for (int k = 0; k < K; k++)
    for (int a = 0; a < kh; a++)
      for (int b = 0; b < kw; b++)
        for (int ch = 0; ch < C; ch++)
          ohwi[((k * kh + a) * kw + b) * C + ch] = hwio[((a * kw + b) * C + ch) * K + k];

  FmConvParams p;
  fm_conv_params_init (&p);
  p.kh = kh;
  p.kw = kw;
  p.channels = C;
  p.n_filters = K;
  p.weights = ohwi;
  p.bias = bias;
  p.stride_y = p.stride_x = (int) json_object_get_int_member_with_default (c, "stride", 1);
  p.dilation_y = p.dilation_x = (int) json_object_get_int_member_with_default (c, "dilation", 1);
  p.padding = option (c, "padding", FM_OPT_PADDING, "valid");
  p.border = option (c, "border", FM_OPT_BORDER, "zero");
  p.activation = option (c, "activation", FM_OPT_ACTIVATION, "none");
  p.convolve = g_strcmp0 (json_object_get_string_member_with_default (c, "mode", "correlate"),
                          "convolve") == 0;

  GError *error = NULL;
  FmConvPlan *plan = fm_conv_plan_new (&p, H, W, &error);
  g_assert_no_error (error);
  const FmConvGeometry *g = fm_conv_plan_geometry (plan);
  g_assert_cmpint (g->out_h, ==, shape (c, "expected_shape", 0));
  g_assert_cmpint (g->out_w, ==, shape (c, "expected_shape", 1));
  g_assert_cmpint (K, ==, shape (c, "expected_shape", 2));

  gsize n = (gsize) K * g->out_h * g->out_w;
  float *expected = member_floats (c, "expected", n);
  float *planes = g_new (float, n), *got = g_new (float, n);
  g_assert_true (fm_conv_plan_run_image (plan, in, planes, &error));
  g_assert_no_error (error);
  /* planes are K × out_h × out_w; the file is out_h × out_w × K */
  for (int k = 0; k < K; k++)
    for (gsize i = 0; i < (gsize) g->out_h * g->out_w; i++)
      got[i * K + k] = planes[k * (gsize) g->out_h * g->out_w + i];

  double worst;
  if (!ref_close (got, expected, n, &worst))
    g_error ("%s: max |engine − expected| = %g", name, worst);
  g_test_message ("%s: %d × %d × %d maps, max diff %g", name, g->out_h, g->out_w, K, worst);

  fm_conv_plan_free (plan);
  g_free (in);
  g_free (hwio);
  g_free (bias);
  g_free (ohwi);
  g_free (expected);
  g_free (planes);
  g_free (got);
}

static void
test_seed_cases (void)
{
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  json_parser_load_from_file (parser, FM_TEST_DATA_DIR "/seed-cases.json", &error);
  g_assert_no_error (error);
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                   "cases");
  g_assert_cmpuint (json_array_get_length (cases), >, 0);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    check_case (json_array_get_object_element (cases, i));
  g_object_unref (parser);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv/golden/seed-cases", test_seed_cases);
  return g_test_run ();
}
