/* test-conv-plan: plan checks (each bad argument gets its own message),
 * geometry and offsets, borders against numpy.pad, stopping from the
 * source or sink. */
#include "fm-conv.h"

#include <math.h>
#include <string.h>

static float ones[7 * 7 * 4 * 6];

static void
params_3x3 (FmConvParams *p)
{
  fm_conv_params_init (p);
  p->kh = p->kw = 3;
  p->channels = 1;
  p->n_filters = 1;
  p->weights = ones;
}

static void
expect_error (const FmConvParams *p, int in_h, int in_w, int code, const char *message)
{
  GError *error = NULL;
  FmConvPlan *plan = fm_conv_plan_new (p, in_h, in_w, &error);
  if (plan)
    g_error ("expected \"%s\", got a plan", message);
  g_assert_error (error, FM_CONV_ERROR, code);
  if (!strstr (error->message, message))
    g_error ("expected \"%s\" in \"%s\"", message, error->message);
  g_error_free (error);
}

typedef struct {
  const char *message;
  int code;
  int in_h, in_w;
  void (*change) (FmConvParams *p);
} BadCase;

#define SETTER(name, stmt) static void name (FmConvParams *p) { stmt; }
SETTER (stride_zero, p->stride_y = p->stride_x = 0)
SETTER (stride_y_zero, p->stride_y = 0)
SETTER (stride_x_huge, p->stride_x = 2000)
SETTER (dilation_neg, p->dilation_y = p->dilation_x = -1)
SETTER (kernel_h_zero, p->kh = 0)
SETTER (kernel_w_huge, p->kw = 5000)
SETTER (channels_zero, p->channels = 0)
SETTER (filters_huge, p->n_filters = 5000)
SETTER (groups_neg, p->groups = -2)
SETTER (groups_channels, { p->channels = 3; p->n_filters = 2; p->groups = 2; })
SETTER (groups_filters, { p->channels = 4; p->n_filters = 3; p->groups = 2; })
SETTER (no_weights, p->weights = NULL)
SETTER (padding_bad, p->padding = 7)
SETTER (border_bad, p->border = 9)
SETTER (activation_bad, p->activation = 6)
SETTER (threads_neg, p->n_threads = -1)
SETTER (big_kernel, { p->kh = p->kw = 9; p->weights = NULL; })
SETTER (dilated_kernel, { p->dilation_y = p->dilation_x = 3; })
SETTER (too_many_weights, { p->kh = p->kw = 1024; p->channels = 4096; p->n_filters = 64; })
SETTER (nothing, (void) p)

static void
test_errors (void)
{
  static const BadCase cases[] = {
    { "stride 0: must be ≥ 1", FM_CONV_ERROR_INVALID, 8, 8, stride_zero },
    { "vertical stride 0: must be ≥ 1", FM_CONV_ERROR_INVALID, 8, 8, stride_y_zero },
    { "horizontal stride 2000: must be ≤ 1024", FM_CONV_ERROR_TOO_LARGE, 8, 8, stride_x_huge },
    { "dilation -1: must be ≥ 1", FM_CONV_ERROR_INVALID, 8, 8, dilation_neg },
    { "kernel height 0: must be ≥ 1", FM_CONV_ERROR_INVALID, 8, 8, kernel_h_zero },
    { "kernel width 5000: must be ≤ 1024", FM_CONV_ERROR_TOO_LARGE, 8, 8, kernel_w_huge },
    { "channels 0: must be ≥ 1", FM_CONV_ERROR_INVALID, 8, 8, channels_zero },
    { "filters 5000: must be ≤ 4096", FM_CONV_ERROR_TOO_LARGE, 8, 8, filters_huge },
    { "groups -2: must be ≥ 0", FM_CONV_ERROR_INVALID, 8, 8, groups_neg },
    { "groups 2: must divide the 3 channels", FM_CONV_ERROR_INVALID, 8, 8, groups_channels },
    { "groups 2: must divide the 3 filters", FM_CONV_ERROR_INVALID, 8, 8, groups_filters },
    { "weights missing", FM_CONV_ERROR_INVALID, 8, 8, no_weights },
    { "padding 7: must be one of 0 valid, 1 same, 2 full", FM_CONV_ERROR_INVALID, 8, 8, padding_bad },
    { "border 9: must be one of 0 zero, 1 clamp, 2 reflect, 3 wrap", FM_CONV_ERROR_INVALID, 8, 8, border_bad },
    { "activation 6: must be one of 0 none", FM_CONV_ERROR_INVALID, 8, 8, activation_bad },
    { "threads -1: must be ≥ 0", FM_CONV_ERROR_INVALID, 8, 8, threads_neg },
    { "image height 0: must be ≥ 1", FM_CONV_ERROR_INVALID, 0, 8, nothing },
    { "image width 2000000: must be ≤ 1048576", FM_CONV_ERROR_TOO_LARGE, 8, 2000000, nothing },
    { "weights missing", FM_CONV_ERROR_INVALID, 5, 5, big_kernel },
    { "kernel 3 × 3 (dilated 7 × 7) is larger than the 5 × 6 image with valid padding",
      FM_CONV_ERROR_INVALID, 5, 6, dilated_kernel },
    { "weights 64 × 1024 × 1024 × 4096: more than the limit", FM_CONV_ERROR_TOO_LARGE, 8, 8,
      too_many_weights },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FmConvParams p;
      params_3x3 (&p);
      cases[i].change (&p);
      expect_error (&p, cases[i].in_h, cases[i].in_w, cases[i].code, cases[i].message);
    }
}

static void
test_kernel_larger_than_image (void)
{
  float w[81];
  for (int i = 0; i < 81; i++)
    w[i] = 1;
  FmConvParams p;
  params_3x3 (&p);
  p.kh = p.kw = 9;
  p.weights = w;
  expect_error (&p, 5, 5, FM_CONV_ERROR_INVALID,
                "kernel 9 × 9 (dilated 9 × 9) is larger than the 5 × 5 image with valid padding");
  p.padding = FM_PADDING_SAME;
  GError *error = NULL;
  FmConvPlan *plan = fm_conv_plan_new (&p, 5, 5, &error);
  g_assert_no_error (error);
  fm_conv_plan_free (plan);
}

static void
test_nonfinite_values (void)
{
  float w[2 * 3 * 3 * 2], bias[2] = { 0, 0 };
  for (int i = 0; i < 36; i++)
    w[i] = 1;
  FmConvParams p;
  params_3x3 (&p);
  p.channels = 2;
  p.n_filters = 2;
  p.weights = w;
  p.bias = bias;

  w[18 + (1 * 3 + 2) * 2 + 1] = NAN;   /* filter 1, row 1, column 2, channel 1 */
  expect_error (&p, 8, 8, FM_CONV_ERROR_INVALID,
                "filter 1: weight at row 1, column 2, channel 1 is NaN: weights must be finite");
  w[18 + (1 * 3 + 2) * 2 + 1] = 1;
  w[0] = -INFINITY;
  expect_error (&p, 8, 8, FM_CONV_ERROR_INVALID,
                "filter 0: weight at row 0, column 0, channel 0 is -Inf");
  w[0] = 1;
  bias[1] = INFINITY;
  expect_error (&p, 8, 8, FM_CONV_ERROR_INVALID, "filter 1: bias is +Inf: must be finite");
}

typedef struct {
  FmPadding padding;
  int n, k, s, d;
  int out, before, after, offset;
} AxisCase;

/* Worked by hand from docs/design.md's rules (TensorFlow's same padding). */
static void
test_geometry (void)
{
  static const AxisCase cases[] = {
    { FM_PADDING_VALID, 8, 3, 1, 1, 6, 0, 0, 1 },   /* the tutorial: 6 × 6 at 1,1 */
    { FM_PADDING_VALID, 8, 3, 2, 1, 3, 0, 0, 1 },
    { FM_PADDING_VALID, 8, 3, 1, 2, 4, 0, 0, 2 },
    { FM_PADDING_SAME, 8, 3, 1, 1, 8, 1, 1, 0 },
    { FM_PADDING_SAME, 8, 4, 1, 1, 8, 1, 2, 0 },    /* even: smaller half on top */
    { FM_PADDING_SAME, 7, 3, 2, 1, 4, 1, 1, 0 },
    { FM_PADDING_SAME, 8, 3, 2, 1, 4, 0, 1, 1 },    /* stride 2: total 1, all after */
    { FM_PADDING_SAME, 5, 1, 3, 1, 2, 0, 0, 0 },
    { FM_PADDING_SAME, 2, 9, 1, 1, 2, 4, 4, 0 },    /* pad wider than the image */
    { FM_PADDING_FULL, 8, 3, 1, 1, 10, 2, 2, -1 },
    { FM_PADDING_FULL, 8, 3, 1, 2, 12, 4, 4, -2 },
    { FM_PADDING_FULL, 1, 2, 1, 1, 2, 1, 1, -1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const AxisCase *c = &cases[i];
      FmConvParams p;
      params_3x3 (&p);
      p.padding = c->padding;
      p.kh = 1;            /* the vertical axis stays trivial */
      p.kw = c->k;
      p.stride_x = c->s;
      p.dilation_x = c->d;
      GError *error = NULL;
      FmConvPlan *plan = fm_conv_plan_new (&p, 1, c->n, &error);
      g_assert_no_error (error);
      const FmConvGeometry *g = fm_conv_plan_geometry (plan);
      g_assert_cmpint (g->out_w, ==, c->out);
      g_assert_cmpint (g->pad_left, ==, c->before);
      g_assert_cmpint (g->pad_right, ==, c->after);
      g_assert_cmpint (g->offset_x, ==, c->offset);
      g_assert_cmpint (g->out_h, ==, 1);
      g_assert_cmpint (g->offset_y, ==, 0);
      g_assert_cmpint (fm_conv_plan_n_filters (plan), ==, 1);
      g_assert_cmpint (fm_conv_plan_channels (plan), ==, 1);
      /* Which inner loop runs is the cost model's choice (test-paths). */
      g_assert_nonnull (fm_conv_plan_path (plan));
      fm_conv_plan_free (plan);
    }
}

/* Borders wider than the image: padded row of a 1 × n image read through
 * one-hot filters must equal numpy.pad(arange(n), 9, mode). */
static void
test_borders_match_numpy (void)
{
  static const struct {
    FmBorder border;
    int n;
    int expect[22];
  } cases[] = {
    /* numpy 1.24: np.pad(np.arange(n), 9, mode) */
    { FM_BORDER_REFLECT, 1, { 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0 } },
    { FM_BORDER_REFLECT, 2, { 1,0,1,0,1,0,1,0,1,0,1,0,1,0,1,0,1,0,1,0 } },
    { FM_BORDER_REFLECT, 3, { 1,0,1,2,1,0,1,2,1,0,1,2,1,0,1,2,1,0,1,2,1 } },
    { FM_BORDER_REFLECT, 4, { 3,2,1,0,1,2,3,2,1,0,1,2,3,2,1,0,1,2,3,2,1,0 } },
    { FM_BORDER_WRAP, 3, { 0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2 } },
    { FM_BORDER_WRAP, 4, { 3,0,1,2,3,0,1,2,3,0,1,2,3,0,1,2,3,0,1,2,3,0 } },
    { FM_BORDER_CLAMP, 3, { 0,0,0,0,0,0,0,0,0,0,1,2,2,2,2,2,2,2,2,2,2 } },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int n = cases[i].n, taps = n + 18;
      /* full padding with a 1 × 10 kernel pads 9 on each side; filter j is
       * one-hot at tap j, so map j at x = 0 reads padded column j and map 9
       * at x reads padded column x + 9. */
      float *w = g_new0 (float, 10 * 10), in[4] = { 0, 1, 2, 3 };
      for (int j = 0; j < 10; j++)
        w[j * 10 + j] = 1;
      FmConvParams p;
      fm_conv_params_init (&p);
      p.kh = 1;
      p.kw = 10;
      p.channels = 1;
      p.n_filters = 10;
      p.weights = w;
      p.padding = FM_PADDING_FULL;
      p.border = cases[i].border;
      GError *error = NULL;
      FmConvPlan *plan = fm_conv_plan_new (&p, 1, n, &error);
      g_assert_no_error (error);
      int out_w = fm_conv_plan_geometry (plan)->out_w;
      g_assert_cmpint (out_w, ==, n + 9);
      float *out = g_new (float, 10 * out_w);
      g_assert_true (fm_conv_plan_run_image (plan, in, out, &error));
      for (int col = 0; col < taps; col++)
        {
          float got = col < 10 ? out[col * out_w] : out[9 * out_w + col - 9];
          if (got != cases[i].expect[col])
            g_error ("border %d, n %d: padded column %d is %g, numpy says %d",
                     cases[i].border, n, col, got, cases[i].expect[col]);
        }
      g_free (out);
      g_free (w);
      fm_conv_plan_free (plan);
    }
}

static gboolean
source_ones (gpointer data, int y0, int n_rows, float *dst, GError **error)
{
  int *calls = data;
  (void) y0;
  if (++*calls == 3)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "disk on fire");
      return FALSE;
    }
  for (int i = 0; i < n_rows * 16; i++)
    dst[i] = 1;
  return TRUE;
}

static gboolean
sink_stop (gpointer data, int y0, int n_rows, const float *maps, gsize stride, GError **error)
{
  int *calls = data;
  (void) y0; (void) n_rows; (void) maps; (void) stride; (void) error;
  return ++*calls < 2;   /* stop after the second band, leaving error unset */
}

static void
test_stop (void)
{
  FmConvParams p;
  params_3x3 (&p);
  GError *error = NULL;
  FmConvPlan *plan = fm_conv_plan_new (&p, 16, 16, &error);
  g_assert_no_error (error);

  int source_calls = 0, sink_calls = -100;
  g_assert_false (fm_conv_plan_run (plan, source_ones, &source_calls, sink_stop, &sink_calls,
                                    1, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_IO);   /* the source's own error */
  g_clear_error (&error);

  source_calls = -100;
  sink_calls = 0;
  g_assert_false (fm_conv_plan_run (plan, source_ones, &source_calls, sink_stop, &sink_calls,
                                    2, &error));
  g_assert_error (error, FM_CONV_ERROR, FM_CONV_ERROR_CANCELLED);
  g_assert_cmpint (sink_calls, ==, 2);
  g_clear_error (&error);

  g_assert_false (fm_conv_plan_run (plan, source_ones, &source_calls, sink_stop, &sink_calls,
                                    -1, &error));
  g_assert_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "band rows -1: must be ≥ 0"));
  g_clear_error (&error);
  fm_conv_plan_free (plan);
}

/* Tests force an inner loop by name; a misspelt name must not silently
 * fall back to another path. */
static void
test_forced_path (void)
{
  FmConvParams p;
  params_3x3 (&p);
  g_setenv ("FEATUREMAPS_CONV_PATH", "no-such-loop", TRUE);
  expect_error (&p, 8, 8, FM_CONV_ERROR_INVALID,
                "FEATUREMAPS_CONV_PATH no-such-loop: must be one of ");
  g_setenv ("FEATUREMAPS_CONV_PATH", "direct-c", TRUE);
  GError *error = NULL;
  FmConvPlan *plan = fm_conv_plan_new (&p, 8, 8, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fm_conv_plan_path (plan), ==, "direct-c");
  fm_conv_plan_free (plan);
  g_unsetenv ("FEATUREMAPS_CONV_PATH");
}

int
main (int argc, char **argv)
{
  for (guint i = 0; i < G_N_ELEMENTS (ones); i++)
    ones[i] = 1;
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv/plan/errors", test_errors);
  g_test_add_func ("/conv/plan/kernel-larger-than-image", test_kernel_larger_than_image);
  g_test_add_func ("/conv/plan/nonfinite-values", test_nonfinite_values);
  g_test_add_func ("/conv/plan/geometry", test_geometry);
  g_test_add_func ("/conv/plan/borders-match-numpy", test_borders_match_numpy);
  g_test_add_func ("/conv/plan/stop", test_stop);
  g_test_add_func ("/conv/plan/forced-path", test_forced_path);
  return g_test_run ();
}
