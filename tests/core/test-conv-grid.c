/* test-conv-grid: the engine against the naive reference over the grid of
 * channels × filters × kernel shapes × stride × dilation × padding × border ×
 * activation × correlate/convolve × groups, plus images smaller than the
 * kernel, 1-row images and 1 × k kernels.  The full product is ~10⁶ cases,
 * so a fixed-seed random sample is run, and the small axes are also walked
 * exhaustively with the others drawn at random. */
#include "conv-ref.h"

#include <string.h>

#define N_RANDOM_CASES 10000

static const int channel_set[] = { 1, 3, 4 };
static const int filter_set[] = { 1, 2, 5, 3, 4, 6 };   /* 3, 4, 6 allow groups > 1 */
static const int kernel_set[][2] = {
  { 1, 1 }, { 2, 2 }, { 3, 3 }, { 4, 4 }, { 5, 5 }, { 6, 6 }, { 7, 7 },
  { 2, 5 }, { 5, 2 }, { 1, 7 }, { 7, 1 }, { 1, 3 }, { 3, 1 }, { 2, 3 }, { 4, 6 },
};

typedef struct {
  FmConvParams p;
  int in_h, in_w;
  float *in, *weights, *bias;
} Case;

static void
case_clear (Case *c)
{
  g_free (c->in);
  g_free (c->weights);
  g_free (c->bias);
}

static char *
case_describe (const Case *c)
{
  const FmConvParams *p = &c->p;
  return g_strdup_printf ("image %d×%d×%d, %d filters %d×%d groups %d, stride %d,%d "
                          "dilation %d,%d, padding %d border %d activation %d %s threads %d",
                          c->in_h, c->in_w, p->channels, p->n_filters, p->kh, p->kw,
                          p->groups, p->stride_y, p->stride_x, p->dilation_y, p->dilation_x,
                          p->padding, p->border, p->activation,
                          p->convolve ? "convolve" : "correlate", p->n_threads);
}

#define PICK(rand, array) (array[g_rand_int_range (rand, 0, G_N_ELEMENTS (array))])

/* Fill the random parts; the caller may then override any field. */
static void
case_random (Case *c, GRand *r)
{
  FmConvParams *p = &c->p;
  fm_conv_params_init (p);
  p->channels = PICK (r, channel_set);
  p->n_filters = PICK (r, filter_set);
  int ki = g_rand_int_range (r, 0, G_N_ELEMENTS (kernel_set));
  p->kh = kernel_set[ki][0];
  p->kw = kernel_set[ki][1];
  p->stride_y = g_rand_int_range (r, 1, 4);
  p->stride_x = g_rand_boolean (r) ? p->stride_y : g_rand_int_range (r, 1, 4);
  p->dilation_y = g_rand_int_range (r, 1, 3);
  p->dilation_x = g_rand_boolean (r) ? p->dilation_y : g_rand_int_range (r, 1, 3);
  p->padding = g_rand_int_range (r, 0, 3);
  p->border = g_rand_int_range (r, 0, 4);
  p->activation = g_rand_int_range (r, 0, 6);
  p->convolve = g_rand_boolean (r);
  p->n_threads = g_rand_int_range (r, 1, 3);
  p->groups = 1;
  for (int g = 2; g <= 4; g++)
    if (p->channels % g == 0 && p->n_filters % g == 0 && g_rand_boolean (r))
      p->groups = g;
  c->in_h = g_rand_int_range (r, 1, 13);
  c->in_w = g_rand_int_range (r, 1, 13);
}

/* Allocate and fill input, weights and bias for the shape chosen. */
static void
case_fill (Case *c, GRand *r)
{
  FmConvParams *p = &c->p;
  int cg = p->channels / MAX (p->groups, 1);
  gsize n_in = (gsize) c->in_h * c->in_w * p->channels;
  gsize n_w = (gsize) p->n_filters * p->kh * p->kw * cg;

  c->in = g_new (float, n_in);
  c->weights = g_new (float, n_w);
  c->bias = g_new (float, p->n_filters);
  for (gsize i = 0; i < n_in; i++)
    c->in[i] = (float) g_rand_double_range (r, 0, 1);
  for (gsize i = 0; i < n_w; i++)
    c->weights[i] = (float) g_rand_double_range (r, -1, 1);
  for (int k = 0; k < p->n_filters; k++)
    c->bias[k] = (float) g_rand_double_range (r, -0.5, 0.5);
  p->weights = c->weights;
  p->bias = g_rand_boolean (r) ? c->bias : NULL;
}

typedef struct {
  const Case *c;
  int max_rows;   /* most input rows a band may fetch */
  int fetched;
} Source;

static gboolean
checked_source (gpointer data, int y0, int n_rows, float *dst, GError **error)
{
  Source *s = data;
  const Case *c = s->c;
  gsize row = (gsize) c->in_w * c->p.channels;
  (void) error;
  /* Only rows inside the image, never more than one band's worth. */
  g_assert_cmpint (y0, >=, 0);
  g_assert_cmpint (n_rows, >=, 1);
  g_assert_cmpint (y0 + n_rows, <=, c->in_h);
  g_assert_cmpint (n_rows, <=, s->max_rows);
  s->fetched += n_rows;
  memcpy (dst, c->in + y0 * row, n_rows * row * sizeof (float));
  return TRUE;
}

typedef struct {
  float *out;
  int K, out_h, out_w, next_row;
  GThread *caller;
} Maps;

static gboolean
maps_sink (gpointer data, int y0, int n_rows, const float *maps, gsize plane_stride,
           GError **error)
{
  Maps *m = data;
  (void) error;
  /* In order, contiguous, from the thread that called run. */
  g_assert_cmpint (y0, ==, m->next_row);
  g_assert_true (g_thread_self () == m->caller);
  for (int k = 0; k < m->K; k++)
    memcpy (m->out + ((gsize) k * m->out_h + y0) * m->out_w,
            maps + k * plane_stride, (gsize) n_rows * m->out_w * sizeof (float));
  m->next_row += n_rows;
  return TRUE;
}

/* Streams through FmRowSource / FmBandSink with band_rows rows per band. */
static float *
run_streamed (FmConvPlan *plan, const Case *c, int band_rows)
{
  const FmConvGeometry *g = fm_conv_plan_geometry (plan);
  int K = fm_conv_plan_n_filters (plan);
  int dkh = (c->p.kh - 1) * c->p.dilation_y + 1;
  int rows = band_rows ? band_rows : g->out_h;
  Source src = { c, (rows - 1) * c->p.stride_y + dkh, 0 };
  Maps m = { g_new0 (float, (gsize) K * g->out_h * g->out_w), K, g->out_h, g->out_w, 0,
             g_thread_self () };
  GError *error = NULL;

  g_assert_true (fm_conv_plan_run (plan, checked_source, &src, maps_sink, &m,
                                   band_rows, &error));
  g_assert_no_error (error);
  g_assert_cmpint (m.next_row, ==, g->out_h);
  return m.out;
}

/* One case: geometry, run_image against the reference, and (when asked)
 * streaming and thread count giving bit-identical maps. */
static void
check_case (Case *c, GRand *r, gboolean cross_paths)
{
  RefGeometry rg;
  GError *error = NULL;
  gboolean fits = ref_geometry (&c->p, c->in_h, c->in_w, &rg);
  FmConvPlan *plan = fm_conv_plan_new (&c->p, c->in_h, c->in_w, &error);
  g_autofree char *what = case_describe (c);

  if (!fits)
    {
      if (plan || !g_error_matches (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID)
          || !strstr (error->message, "with valid padding"))
        g_error ("%s: expected the kernel-larger-than-image error, got %s", what,
                 error ? error->message : "a plan");
      g_clear_error (&error);
      return;
    }
  if (!plan)
    g_error ("%s: %s", what, error->message);

  const FmConvGeometry *g = fm_conv_plan_geometry (plan);
  if (g->out_h != rg.out_h || g->out_w != rg.out_w || g->pad_top != rg.pad_top
      || g->pad_left != rg.pad_left)
    g_error ("%s: geometry %d×%d pad %d,%d, reference %d×%d pad %d,%d", what,
             g->out_h, g->out_w, g->pad_top, g->pad_left,
             rg.out_h, rg.out_w, rg.pad_top, rg.pad_left);

  gsize n_out = (gsize) c->p.n_filters * g->out_h * g->out_w;
  float *got = g_new (float, n_out), *want = g_new (float, n_out);
  ref_conv (&c->p, c->in_h, c->in_w, c->in, want);
  g_assert_true (fm_conv_plan_run_image (plan, c->in, got, &error));
  g_assert_no_error (error);

  double worst;
  if (!ref_close (got, want, n_out, &worst))
    g_error ("%s: max |engine − reference| = %g", what, worst);

  if (cross_paths)
    {
      int band = g_rand_int_range (r, 0, 4);
      float *streamed = run_streamed (plan, c, band);
      if (memcmp (streamed, got, n_out * sizeof (float)) != 0)
        g_error ("%s: streamed with %d-row bands differs from run_image", what, band);
      g_free (streamed);
    }
  g_free (got);
  g_free (want);
  fm_conv_plan_free (plan);
}

static void
test_random_grid (void)
{
  GRand *r = g_rand_new_with_seed (20240501);
  for (int i = 0; i < N_RANDOM_CASES; i++)
    {
      Case c = { 0 };
      case_random (&c, r);
      case_fill (&c, r);
      check_case (&c, r, i % 4 == 0);
      case_clear (&c);
    }
  g_rand_free (r);
}

/* Every kernel shape × padding × border × activation × correlate/convolve,
 * the rest random: the axes most likely to hide an off-by-one. */
static void
test_exhaustive_small_axes (void)
{
  GRand *r = g_rand_new_with_seed (7);
  for (guint ki = 0; ki < G_N_ELEMENTS (kernel_set); ki++)
    for (int pad = 0; pad < 3; pad++)
      for (int border = 0; border < 4; border++)
        for (int act = 0; act < 6; act++)
          for (int conv = 0; conv < 2; conv++)
            {
              Case c = { 0 };
              case_random (&c, r);
              c.p.kh = kernel_set[ki][0];
              c.p.kw = kernel_set[ki][1];
              c.p.padding = pad;
              c.p.border = border;
              c.p.activation = act;
              c.p.convolve = conv;
              case_fill (&c, r);
              check_case (&c, r, FALSE);
              case_clear (&c);
            }
  g_rand_free (r);
}

/* Images smaller than the (dilated) kernel: an error with valid padding,
 * correct maps with same and full, for every border (reflect and wrap then
 * pad by more than the image). */
static void
test_image_smaller_than_kernel (void)
{
  GRand *r = g_rand_new_with_seed (11);
  for (int pad = 0; pad < 3; pad++)
    for (int border = 0; border < 4; border++)
      for (int size = 1; size <= 4; size++)
        for (int stride = 1; stride <= 3; stride++)
          {
            Case c = { 0 };
            case_random (&c, r);
            c.p.kh = 7;
            c.p.kw = 5;
            c.p.dilation_y = c.p.dilation_x = 2;
            c.p.stride_y = c.p.stride_x = stride;
            c.p.padding = pad;
            c.p.border = border;
            c.in_h = size;
            c.in_w = g_rand_int_range (r, 1, 5);
            case_fill (&c, r);
            check_case (&c, r, TRUE);
            case_clear (&c);
          }
  g_rand_free (r);
}

/* Conv1D: 1-row images and 1 × k kernels, as the tutorial's first example. */
static void
test_one_dimensional (void)
{
  GRand *r = g_rand_new_with_seed (13);
  for (int k = 1; k <= 7; k++)
    for (int pad = 0; pad < 3; pad++)
      for (int border = 0; border < 4; border++)
        for (int tall = 0; tall < 2; tall++)
          {
            Case c = { 0 };
            case_random (&c, r);
            c.p.kh = 1;
            c.p.kw = k;
            c.p.padding = pad;
            c.p.border = border;
            c.in_h = tall ? g_rand_int_range (r, 2, 6) : 1;
            c.in_w = g_rand_int_range (r, 1, 20);
            case_fill (&c, r);
            check_case (&c, r, TRUE);
            case_clear (&c);
          }
  g_rand_free (r);
}

/* Tiny bands (1, 2, 3 rows) through source and sink, and 1 vs 2 threads,
 * must give exactly run_image's maps: banding and splitting change where
 * rows are computed, never how. */
static void
test_bands_and_threads_identical (void)
{
  GRand *r = g_rand_new_with_seed (17);
  for (int i = 0; i < 60; i++)
    {
      Case c = { 0 };
      case_random (&c, r);
      c.in_h = g_rand_int_range (r, 14, 30);
      c.in_w = g_rand_int_range (r, 14, 30);
      c.p.n_threads = 1;
      case_fill (&c, r);

      GError *error = NULL;
      FmConvPlan *one = fm_conv_plan_new (&c.p, c.in_h, c.in_w, &error);
      g_assert_no_error (error);
      c.p.n_threads = 2;
      FmConvPlan *two = fm_conv_plan_new (&c.p, c.in_h, c.in_w, &error);
      g_assert_no_error (error);

      const FmConvGeometry *g = fm_conv_plan_geometry (one);
      gsize n_out = (gsize) c.p.n_filters * g->out_h * g->out_w;
      float *a = g_new (float, n_out), *b = g_new (float, n_out);
      g_assert_true (fm_conv_plan_run_image (one, c.in, a, &error));
      g_assert_true (fm_conv_plan_run_image (two, c.in, b, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (a, n_out * sizeof (float), b, n_out * sizeof (float));

      for (int band = 1; band <= 3; band++)
        for (int t = 0; t < 2; t++)
          {
            float *s = run_streamed (t ? two : one, &c, band);
            g_assert_cmpmem (a, n_out * sizeof (float), s, n_out * sizeof (float));
            g_free (s);
          }
      g_free (a);
      g_free (b);
      fm_conv_plan_free (one);
      fm_conv_plan_free (two);
      case_clear (&c);
    }
  g_rand_free (r);
}

static gboolean
bounded_sink (gpointer data, int y0, int n_rows, const float *maps, gsize plane_stride,
              GError **error)
{
  int *bands = data;
  (void) y0; (void) maps; (void) error;
  /* 64 maps: an output band may hold a few MiB, never the whole image. */
  g_assert_cmpuint (64 * plane_stride, <=, 2u << 20);
  g_assert_cmpint (n_rows, <, 2000);
  ++*bands;
  return TRUE;
}

/* With band_rows 0 the plan picks bands whose memory does not grow with the
 * image: a 2000-row image with 64 filters arrives in many bands. */
static void
test_default_band_is_bounded (void)
{
  GRand *r = g_rand_new_with_seed (19);
  Case c = { 0 };
  case_random (&c, r);
  c.p.channels = 1;
  c.p.n_filters = 64;
  c.p.groups = 1;
  c.p.kh = c.p.kw = 1;
  c.p.stride_y = c.p.stride_x = 1;
  c.p.padding = FM_PADDING_SAME;
  c.in_h = 2000;
  c.in_w = 100;
  case_fill (&c, r);

  GError *error = NULL;
  FmConvPlan *plan = fm_conv_plan_new (&c.p, c.in_h, c.in_w, &error);
  g_assert_no_error (error);
  Source src = { &c, 2000, 0 };
  int bands = 0;
  g_assert_true (fm_conv_plan_run (plan, checked_source, &src, bounded_sink, &bands, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (bands, >, 4);
  g_assert_cmpint (src.fetched, ==, c.in_h);
  fm_conv_plan_free (plan);
  case_clear (&c);
  g_rand_free (r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv/grid/random", test_random_grid);
  g_test_add_func ("/conv/grid/exhaustive-small-axes", test_exhaustive_small_axes);
  g_test_add_func ("/conv/grid/image-smaller-than-kernel", test_image_smaller_than_kernel);
  g_test_add_func ("/conv/grid/one-dimensional", test_one_dimensional);
  g_test_add_func ("/conv/grid/bands-and-threads-identical", test_bands_and_threads_identical);
  g_test_add_func ("/conv/grid/default-band-is-bounded", test_default_band_is_bounded);
  return g_test_run ();
}
