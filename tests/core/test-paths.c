/* test-paths: every inner loop (forced one at a time) against
 * the naive reference, on shapes chosen to reach the corners of the fast
 * kernels: rows wider than several vector blocks with a ragged right edge,
 * more filters than one register block and a remainder block, groups,
 * every instantiated kernel size (3×3, 5×5, 7×7) and generic ones, the
 * "rows" shape's leftover rows, strides and dilations (planes split by
 * phase), every padding, border and activation, and outputs large enough
 * to be written with streaming stores.  "separable" and "sparse" get the
 * same cases with their weights made rank 1 per filter, or half zero.
 *
 * A path that this CPU or build lacks is skipped; a path it has must run
 * a good share of the cases (so a kernel that silently stopped accepting
 * plans fails here rather than only getting slower). */
#include "conv-ref.h"
#include "fm-conv-select.h"

#include <string.h>

#define N_CASES 1500

typedef enum { ANY, ROWS, CHANNELS, WINOGRAD } Shape;

/* The weights a path is tested with: random, every filter rank 1 in its
 * spatial part (col ⊗ row per filter: what "separable" takes), or about
 * half of the weights zero (what "sparse" is for). */
typedef enum { DENSE, RANK1, HALF_ZERO, N_WEIGHTS } Weights;

typedef struct {
  const char *name;
  gboolean available;
  Shape shape;   /* ROWS: vertical stride and dilation 1, few filters per
                    group; CHANNELS: dense, filters a multiple of 16;
                    WINOGRAD: that, 3 × 3, stride and dilation 1, channels
                    a multiple of 16 */
  Weights weights;
} Path;

/* Every inner loop of the library's kernel list (fm_conv_paths), with
 * what it takes. */
static Path *paths;
static int n_paths;

static void
load_paths (void)
{
  const FmConvPathInfo *info = fm_conv_paths (&n_paths);
  paths = g_new0 (Path, n_paths);
  for (int k = 0; k < n_paths; k++)
    {
      const char *takes = info[k].takes;
      paths[k].name = info[k].name;
      paths[k].available = info[k].available;
      paths[k].shape = strcmp (takes, "ROWS") == 0 ? ROWS
                       : strcmp (takes, "CHANNELS") == 0 ? CHANNELS
                       : strcmp (takes, "WINOGRAD") == 0 ? WINOGRAD : ANY;
      paths[k].weights = strcmp (takes, "RANK1") == 0 ? RANK1
                         : strcmp (takes, "SPARSE") == 0 ? HALF_ZERO : DENSE;
    }
}

static const int kernel_set[][2] = {
  { 1, 1 }, { 3, 3 }, { 5, 5 }, { 7, 7 }, { 2, 2 }, { 4, 4 }, { 9, 9 }, { 11, 11 },
  { 1, 7 }, { 7, 1 }, { 2, 5 }, { 3, 8 }, { 13, 13 },
};
static const int channel_set[] = { 1, 1, 2, 3, 3, 4, 5, 8 };

typedef struct {
  FmConvParams p;
  int in_h, in_w;
  float *in, *weights, *bias;
} Case;

static char *
describe (const Case *c, const char *path)
{
  const FmConvParams *p = &c->p;
  return g_strdup_printf ("%s: image %d×%d×%d, %d filters %d×%d groups %d, stride %d,%d "
                          "dilation %d,%d, padding %d border %d activation %d %s threads %d",
                          path, c->in_h, c->in_w, p->channels, p->n_filters, p->kh, p->kw,
                          p->groups, p->stride_y, p->stride_x, p->dilation_y,
                          p->dilation_x, p->padding, p->border, p->activation,
                          p->convolve ? "convolve" : "correlate", p->n_threads);
}

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
    c->in[i] = (float) g_rand_double_range (r, -1, 1);
  for (gsize i = 0; i < n_w; i++)
    c->weights[i] = (float) g_rand_double_range (r, -1, 1);
  for (int k = 0; k < p->n_filters; k++)
    c->bias[k] = (float) g_rand_double_range (r, -0.5, 0.5);
  p->weights = c->weights;
  p->bias = g_rand_boolean (r) ? c->bias : NULL;
}

/* Rewrite the random weights as `kind`: per filter W[a][(b, c)] =
 * col[a] · row[(b, c)] from random factors, or each weight zeroed with
 * probability 1/2. */
static void
case_weights (Case *c, GRand *r, Weights kind)
{
  FmConvParams *p = &c->p;
  const int cols = p->kw * (p->channels / MAX (p->groups, 1));
  float *col = g_new (float, p->kh), *row = g_new (float, cols);
  for (int k = 0; k < p->n_filters; k++)
    {
      float *w = c->weights + (gsize) k * p->kh * cols;
      for (int a = 0; a < p->kh; a++)
        col[a] = (float) g_rand_double_range (r, -1, 1);
      for (int j = 0; j < cols; j++)
        row[j] = (float) g_rand_double_range (r, -1, 1);
      for (int a = 0; a < p->kh; a++)
        for (int j = 0; j < cols; j++)
          {
            gsize i = (gsize) a * cols + j;
            if (kind == RANK1)
              w[i] = col[a] * row[j];
            else if (kind == HALF_ZERO && g_rand_boolean (r))
              w[i] = 0.0f;
          }
    }
  g_free (col);
  g_free (row);
}

static void
case_clear (Case *c)
{
  g_free (c->in);
  g_free (c->weights);
  g_free (c->bias);
}

static void
case_random (Case *c, GRand *r, Shape shape)
{
  const gboolean rows_friendly = shape == ROWS;
  FmConvParams *p = &c->p;
  fm_conv_params_init (p);
  int ki = g_rand_int_range (r, 0, G_N_ELEMENTS (kernel_set));
  p->kh = kernel_set[ki][0];
  p->kw = kernel_set[ki][1];
  p->channels = channel_set[g_rand_int_range (r, 0, G_N_ELEMENTS (channel_set))];
  /* One or two filters per group is what the "rows" shape runs. */
  int per_group = rows_friendly ? g_rand_int_range (r, 1, 3) : g_rand_int_range (r, 1, 14);
  p->groups = 1;
  if (p->channels > 1 && g_rand_int_range (r, 0, 3) == 0)
    p->groups = p->channels;
  p->n_filters = per_group * p->groups;
  if (shape == CHANNELS)   /* whole vectors of filters, more channels */
    {
      p->groups = 1;
      p->channels = g_rand_int_range (r, 1, 19);
      p->n_filters = 16 * g_rand_int_range (r, 1, 5);
      ki = g_rand_int_range (r, 0, 6);   /* up to 4 × 4: keep the reference quick */
      p->kh = kernel_set[ki][0];
      p->kw = kernel_set[ki][1];
    }
  p->stride_y = rows_friendly ? 1 : g_rand_int_range (r, 1, 4);
  p->stride_x = g_rand_int_range (r, 1, 4);
  if (g_rand_boolean (r))
    p->stride_x = 1;
  p->dilation_y = rows_friendly ? 1 : g_rand_int_range (r, 1, 3);
  p->dilation_x = g_rand_int_range (r, 1, 3);
  p->padding = g_rand_int_range (r, 0, 3);
  p->border = g_rand_int_range (r, 0, 4);
  p->activation = g_rand_int_range (r, 0, 6);
  p->convolve = g_rand_boolean (r);
  p->n_threads = g_rand_int_range (r, 1, 3);
  c->in_h = g_rand_int_range (r, 1, shape == CHANNELS ? 10 : 24);
  c->in_w = g_rand_int_range (r, 1, 140);
  if (shape == WINOGRAD)
    {
      /* Odd and even heights and widths (a tile is 2 × 2), rows longer
       * than one block of 24 tiles, a pass of 1, 2 or 4 vectors of
       * filters. */
      p->groups = 1;
      p->channels = 16 * g_rand_int_range (r, 1, 3);
      p->n_filters = 16 * g_rand_int_range (r, 1, 5);
      p->kh = p->kw = 3;
      p->stride_y = p->stride_x = p->dilation_y = p->dilation_x = 1;
      c->in_h = g_rand_int_range (r, 1, 10);
      c->in_w = g_rand_int_range (r, 1, 110);
    }
}

static gboolean
image_rows (gpointer data, int y0, int n_rows, float *dst, GError **error)
{
  const Case *c = data;
  gsize row = (gsize) c->in_w * c->p.channels;
  (void) error;
  memcpy (dst, c->in + y0 * row, n_rows * row * sizeof (float));
  return TRUE;
}

typedef struct {
  float *out;
  int K, out_h, out_w;
} Sink;

static gboolean
band_sink (gpointer data, int y0, int n_rows, const float *maps, gsize plane_stride,
           GError **error)
{
  Sink *s = data;
  (void) error;
  for (int k = 0; k < s->K; k++)
    memcpy (s->out + ((gsize) k * s->out_h + y0) * s->out_w, maps + k * plane_stride,
            (gsize) n_rows * s->out_w * sizeof (float));
  return TRUE;
}

/* Runs c through `path`; FALSE when the path did not take the plan. */
static gboolean
check_path (const Case *c, const char *path, const float *want, gsize n_want)
{
  GError *error = NULL;
  fm_conv_select_force (path);
  FmConvPlan *plan = fm_conv_plan_new (&c->p, c->in_h, c->in_w, &error);
  fm_conv_select_force (NULL);
  g_autofree char *what = describe (c, path);
  if (!plan)
    g_error ("%s: %s", what, error->message);
  if (strcmp (fm_conv_plan_path (plan), path) != 0)
    {
      fm_conv_plan_free (plan);
      return FALSE;
    }
  const FmConvGeometry *g = fm_conv_plan_geometry (plan);
  gsize n_out = (gsize) c->p.n_filters * g->out_h * g->out_w;
  g_assert_cmpuint (n_out, ==, n_want);
  float *got = g_new (float, n_out);
  if (!fm_conv_plan_run_image (plan, c->in, got, &error))
    g_error ("%s: %s", what, error->message);
  double worst;
  if (!ref_close (got, want, n_out, &worst))
    g_error ("%s: max |engine − reference| = %g", what, worst);

  /* Through a row source and band sink too: the kernels that read the
   * image directly under run_image read the engine's padded band here.
   * Winograd pairs rows: bands of 3 start every other one on an odd row. */
  Sink sink = { g_new0 (float, n_out), c->p.n_filters, g->out_h, g->out_w };
  const int band_rows = g_str_has_prefix (path, "winograd") ? 3 : 0;
  if (!fm_conv_plan_run (plan, image_rows, (gpointer) c, band_sink, &sink, band_rows,
                         &error))
    g_error ("%s (streamed): %s", what, error->message);
  if (memcmp (sink.out, got, n_out * sizeof (float)) != 0)
    g_error ("%s: streamed through bands differs from run_image", what);
  g_free (sink.out);
  g_free (got);
  fm_conv_plan_free (plan);
  return TRUE;
}

static void
test_random (void)
{
  GRand *r = g_rand_new_with_seed (5005);
  int *ran = g_new0 (int, n_paths);

  for (int i = 0; i < N_CASES; i++)
    {
      Case c = { 0 };
      RefGeometry rg;
      static const Shape rotation[] = { ROWS, CHANNELS, ANY, WINOGRAD };
      case_random (&c, r, rotation[i % G_N_ELEMENTS (rotation)]);
      if (!ref_geometry (&c.p, c.in_h, c.in_w, &rg))
        continue;
      case_fill (&c, r);
      gsize n = (gsize) c.p.n_filters * rg.out_h * rg.out_w;
      float *want = g_new (float, n);
      /* The same case again with its weights rewritten: rank 1 or half
       * zero in turn (one of the two per case keeps the test quick). */
      for (Weights kind = DENSE; kind < N_WEIGHTS; kind++)
        {
          if (kind != DENSE && kind != (i % 2 ? HALF_ZERO : RANK1))
            continue;
          if (kind != DENSE)
            case_weights (&c, r, kind);
          ref_conv (&c.p, c.in_h, c.in_w, c.in, want);
          for (int k = 0; k < n_paths; k++)
            if (paths[k].weights == kind && paths[k].available
                && check_path (&c, paths[k].name, want, n))
              ran[k]++;
        }
      g_free (want);
      case_clear (&c);
    }
  for (int k = 0; k < n_paths; k++)
    {
      g_test_message ("%s: %d of %d cases", paths[k].name, ran[k], N_CASES);
      if (paths[k].available)
        g_assert_cmpint (ran[k], >=, N_CASES / (paths[k].shape == ANY ? 4 : 8));
    }
  g_free (ran);
  g_rand_free (r);
}

/* Outputs over 32 MB can go out through streaming stores and a staging row;
 * one "filters" and one "rows" shape, with ReLU applied on the way. */
static void
test_streaming (void)
{
  static const struct { int c, k, groups, h, w; } shapes[] = {
    { 1, 4, 1, 1500, 1500 },   /* filters: 36 MB of maps */
    { 3, 3, 3, 1800, 1800 },   /* rows, per channel: 39 MB */
  };
  GRand *r = g_rand_new_with_seed (64);
  fm_conv_select_set_streaming (TRUE);   /* off by default; keep it checked */
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      Case c = { 0 };
      fm_conv_params_init (&c.p);
      c.p.kh = c.p.kw = 3;
      c.p.channels = shapes[s].c;
      c.p.n_filters = shapes[s].k;
      c.p.groups = shapes[s].groups;
      c.p.padding = FM_PADDING_SAME;
      c.p.activation = FM_ACTIVATION_RELU;
      c.p.n_threads = 2;
      c.in_h = shapes[s].h;
      c.in_w = shapes[s].w;
      case_fill (&c, r);
      RefGeometry rg;
      g_assert_true (ref_geometry (&c.p, c.in_h, c.in_w, &rg));
      gsize n = (gsize) c.p.n_filters * rg.out_h * rg.out_w;
      float *want = g_new (float, n);
      ref_conv (&c.p, c.in_h, c.in_w, c.in, want);
      for (int k = 0; k < n_paths; k++)
        if (paths[k].available && strcmp (paths[k].name, "direct-c") != 0)
          check_path (&c, paths[k].name, want, n);
      g_free (want);
      case_clear (&c);
    }
  g_rand_free (r);
}

/* Designer banks, unforced: the cost model sends a 9 × 9 binomial blur to
 * "separable" and line detectors and a 7 × 7 cross to "sparse", leaves a
 * dense 8-neighbour Laplacian to the others; forcing "separable" on a bank
 * that is not rank 1 falls back.  Results checked as above. */
static void
test_designer (void)
{
  static const float binomial9[9] = { 1, 8, 28, 56, 70, 56, 28, 8, 1 };
  static const float lines[2][9] = { { 0, 1, 0, 0, 1, 0, 0, 1, 0 },
                                     { 0, 0, 0, 1, 1, 1, 0, 0, 0 } };
  static const float laplacian8[9] = { 1, 1, 1, 1, -8, 1, 1, 1, 1 };
  GRand *r = g_rand_new_with_seed (9);

  for (int bank = 0; bank < 4; bank++)
    {
      Case c = { 0 };
      fm_conv_params_init (&c.p);
      c.p.channels = 1;
      c.p.n_filters = bank == 1 ? 2 : 1;
      c.p.kh = c.p.kw = bank == 0 ? 9 : bank == 2 ? 7 : 3;
      c.p.padding = FM_PADDING_SAME;
      c.p.border = FM_BORDER_CLAMP;
      c.p.n_threads = 2;
      c.in_h = 61;
      c.in_w = 150;
      case_fill (&c, r);
      const int taps = c.p.kh * c.p.kw;
      for (int k = 0; k < c.p.n_filters; k++)
        for (int i = 0; i < taps; i++)
          c.weights[k * taps + i] = bank == 0 ? binomial9[i / 9] * binomial9[i % 9] / 65536.0f
                                    : bank == 1 ? lines[k][i]
                                    : bank == 2 ? (i / 7 == 3 || i % 7 == 3)
                                    : laplacian8[i];
      const char *want_path = bank == 0 ? "separable" : bank == 3 ? NULL : "sparse";

      GError *error = NULL;
      FmConvPlan *plan = fm_conv_plan_new (&c.p, c.in_h, c.in_w, &error);
      g_assert_no_error (error);
      const char *got = fm_conv_plan_path (plan);
      if (want_path)
        g_assert_cmpstr (got, ==, want_path);
      else
        g_assert_true (strcmp (got, "separable") != 0 && strcmp (got, "sparse") != 0);
      fm_conv_plan_free (plan);

      RefGeometry rg;
      g_assert_true (ref_geometry (&c.p, c.in_h, c.in_w, &rg));
      gsize n = (gsize) c.p.n_filters * rg.out_h * rg.out_w;
      float *want = g_new (float, n);
      ref_conv (&c.p, c.in_h, c.in_w, c.in, want);
      g_assert_true (check_path (&c, got, want, n));
      if (bank == 3)   /* not rank 1: forcing must not take it */
        g_assert_false (check_path (&c, "separable", want, n));
      g_free (want);
      case_clear (&c);
    }
  g_rand_free (r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("FEATUREMAPS_CONV_PATH");   /* it would override the forcing */
  load_paths ();
  g_test_add_func ("/conv/paths/random", test_random);
  g_test_add_func ("/conv/paths/streaming", test_streaming);
  g_test_add_func ("/conv/paths/designer", test_designer);
  return g_test_run ();
}
