/* test-runner: runners (fm_conv_runner_*) against the naive reference,
 * every inner loop forced in turn: explicit and asymmetric pads, leaky
 * slopes and clips, planes and interleaved output, bands of every height
 * from rows scattered in memory (as a network layer's ring holds them),
 * and fm_conv_plan_rows_needed naming every row a band spans. */
#include "conv-ref.h"
#include "fm-conv-private.h"
#include "fm-conv-select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n_tests, n_failed;

static void
ok (gboolean cond, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
ok (gboolean cond, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  n_tests++;
  if (!cond)
    n_failed++;
  printf ("%s %d - %s\n", cond ? "ok" : "not ok", n_tests, msg);
}

static const char *const paths[] = {
  "direct-c", "direct-avx512", "channels-avx512", "rows-avx512", "winograd-avx512",
  "direct-avx2", "channels-avx2", "rows-avx2", "winograd-avx2", "fft", "separable", "sparse",
};

typedef struct {
  FmConvParams p;
  int in_h, in_w;
  float *in, *w, *b;
} Case;

static void
random_case (Case *c, GRand *r)
{
  FmConvParams *p = &c->p;
  fm_conv_params_init (p);
  static const int ks[] = { 1, 2, 3, 3, 3, 5 };
  p->kh = ks[g_rand_int_range (r, 0, G_N_ELEMENTS (ks))];
  p->kw = g_rand_boolean (r) ? p->kh : ks[g_rand_int_range (r, 0, G_N_ELEMENTS (ks))];
  static const int cs[] = { 1, 3, 4, 16, 32 };
  p->channels = cs[g_rand_int_range (r, 0, G_N_ELEMENTS (cs))];
  static const int fs[] = { 1, 2, 8, 16, 32 };
  p->n_filters = fs[g_rand_int_range (r, 0, G_N_ELEMENTS (fs))];
  if (g_rand_int_range (r, 0, 5) == 0 && p->channels == p->n_filters)
    p->groups = p->channels;
  p->stride_y = g_rand_int_range (r, 1, 3);
  p->stride_x = g_rand_int_range (r, 1, 3);
  if (g_rand_int_range (r, 0, 3) == 0)
    p->stride_y = p->stride_x = 1;
  p->dilation_y = g_rand_int_range (r, 1, 3);
  p->dilation_x = g_rand_int_range (r, 1, 3);
  if (g_rand_int_range (r, 0, 3) == 0)
    p->dilation_y = p->dilation_x = 1;
  p->explicit_pads = TRUE;
  p->pad_top = g_rand_int_range (r, 0, 4);
  p->pad_left = g_rand_int_range (r, 0, 4);
  p->pad_bottom = g_rand_int_range (r, 0, 4);
  p->pad_right = g_rand_int_range (r, 0, 4);
  p->border = g_rand_int_range (r, 0, 3);   /* zero, clamp, reflect */
  p->activation = g_rand_int_range (r, 0, 6);
  p->leaky_alpha = (float) g_rand_double_range (r, -0.5, 2.0);
  if (g_rand_boolean (r))
    p->clip_min = (float) g_rand_double_range (r, -2, 0);
  if (g_rand_boolean (r))
    p->clip_max = (float) g_rand_double_range (r, 0.1, 2);
  p->n_threads = g_rand_int_range (r, 1, 3);
  int dkh = (p->kh - 1) * p->dilation_y + 1, dkw = (p->kw - 1) * p->dilation_x + 1;
  c->in_h = MAX (dkh + g_rand_int_range (r, 0, 20), 2);
  c->in_w = MAX (dkw + g_rand_int_range (r, 0, 40), 2);
  int cg = p->channels / MAX (p->groups, 1);
  gsize nw = (gsize) p->n_filters * p->kh * p->kw * cg, ni = (gsize) c->in_h * c->in_w * p->channels;
  c->in = g_new (float, ni);
  c->w = g_new (float, nw);
  c->b = g_new (float, p->n_filters);
  for (gsize i = 0; i < ni; i++)
    c->in[i] = (float) g_rand_double_range (r, -1, 1);
  for (gsize i = 0; i < nw; i++)
    c->w[i] = (float) g_rand_double_range (r, -1, 1);
  for (int k = 0; k < p->n_filters; k++)
    c->b[k] = (float) g_rand_double_range (r, -0.5, 0.5);
  p->weights = c->w;
  p->bias = c->b;
}

static void
case_free (Case *c)
{
  g_free (c->in);
  g_free (c->w);
  g_free (c->b);
}

/* Runs the plan through a runner in bands of `band` rows, the input rows
 * copied into a scattered store (one allocation per row, with slack on
 * both sides) so only the row pointers say where they are.  Output in planes
 * or interleaved, back to planes for the comparison. */
static gboolean
run_banded (FmConvPlan *plan, const Case *c, int band, gboolean interleaved, float *planes,
            char **why)
{
  const FmConvGeometry *g = fm_conv_plan_geometry (plan);
  const int K = c->p.n_filters, C = c->p.channels, oh = g->out_h, ow = g->out_w;
  const gsize row = (gsize) c->in_w * C;
  float **store = g_new (float *, c->in_h);
  for (int y = 0; y < c->in_h; y++)
    {
      /* NaNs around each row: a runner reading past a row's ends puts
       * them into its results. */
      store[y] = g_new (float, row + 32) + 16;
      for (int i = 1; i <= 16; i++)
        store[y][-i] = store[y][row + i - 1] = NAN;
      memcpy (store[y], c->in + y * row, row * sizeof (float));
    }
  const float **table = g_new (const float *, c->in_h);
  GError *error = NULL;
  FmConvRunner *runner = fm_conv_runner_new (plan, band, &error);
  gboolean good = runner != NULL;
  float *out = g_new (float, (gsize) band * ow * K + 64);
  for (int y0 = 0; good && y0 < oh; y0 += band)
    {
      int n = MIN (band, oh - y0), lo, hi;
      fm_conv_plan_rows_needed (plan, y0, n, &lo, &hi);
      /* Only those rows are given; any other pointer is poison. */
      for (int y = 0; y < c->in_h; y++)
        table[y] = NULL;
      for (int y = lo; y < hi; y++)
        table[y - lo] = store[y];
      if (interleaved)
        good = fm_conv_runner_rows (runner, table, lo, y0, n, out, (gsize) ow * K,
                                    FM_CONV_OUT_INTERLEAVED, &error);
      else
        good = fm_conv_runner_rows (runner, table, lo, y0, n, out, (gsize) n * ow,
                                    FM_CONV_OUT_PLANES, &error);
      for (int k = 0; good && k < K; k++)
        for (int i = 0; i < n; i++)
          for (int x = 0; x < ow; x++)
            planes[((gsize) k * oh + y0 + i) * ow + x]
              = interleaved ? out[((gsize) i * ow + x) * K + k] : out[((gsize) k * n + i) * ow + x];
    }
  if (!good)
    *why = g_strdup (error ? error->message : "runner");
  g_clear_error (&error);
  fm_conv_runner_free (runner);
  g_free (out);
  for (int y = 0; y < c->in_h; y++)
    g_free (store[y] - 16);
  g_free (store);
  g_free (table);
  return good;
}

/* rows_needed against the reference's own arithmetic. */
static gboolean
check_rows_needed (const FmConvPlan *plan, const Case *c)
{
  const FmConvGeometry *g = fm_conv_plan_geometry (plan);
  RefGeometry rg;
  ref_geometry (&c->p, c->in_h, c->in_w, &rg);
  for (int y0 = 0; y0 < g->out_h; y0++)
    for (int n = 1; y0 + n <= g->out_h && n <= 5; n++)
      {
        int lo, hi, want_lo = G_MAXINT, want_hi = -1;
        fm_conv_plan_rows_needed (plan, y0, n, &lo, &hi);
        /* Every row the band spans (its padded rows from the first
         * window's top to the last one's bottom): the engine builds them
         * all. */
        const int dkh = (c->p.kh - 1) * c->p.dilation_y + 1;
        for (int t = 0; t < (n - 1) * c->p.stride_y + dkh; t++)
          {
            int y = fm_conv_border_index (c->p.border, y0 * c->p.stride_y - rg.pad_top + t,
                                          c->in_h);
            if (y >= 0)
              want_lo = MIN (want_lo, y), want_hi = MAX (want_hi, y + 1);
          }
        if (want_hi < 0)
          want_lo = want_hi = 0;
        if (lo != want_lo || hi != want_hi)
          return FALSE;
      }
  return TRUE;
}

int
main (int argc, char **argv)
{
  int n_cases = argc > 1 ? atoi (argv[1]) : 300;
  GRand *r = g_rand_new_with_seed (777);
  int runs = 0, failures = 0;
  for (int t = 0; t < n_cases; t++)
    {
      Case c;
      random_case (&c, r);
      RefGeometry rg;
      if (!ref_geometry (&c.p, c.in_h, c.in_w, &rg))
        {
          case_free (&c);
          continue;
        }
      gsize n_out = (gsize) c.p.n_filters * rg.out_h * rg.out_w;
      float *want = g_new (float, n_out), *got = g_new (float, n_out);
      ref_conv (&c.p, c.in_h, c.in_w, c.in, want);
      for (gsize pi = 0; pi < G_N_ELEMENTS (paths); pi++)
        {
          GError *error = NULL;
          fm_conv_select_force (paths[pi]);
          FmConvPlan *plan = fm_conv_plan_new (&c.p, c.in_h, c.in_w, &error);
          fm_conv_select_force (NULL);
          if (!plan)
            {
              ok (FALSE, "case %d %s: %s", t, paths[pi], error->message);
              g_error_free (error);
              failures++;
              continue;
            }
          /* A path that does not take the plan runs direct-c: tested once. */
          if (strcmp (fm_conv_plan_path (plan), paths[pi]) != 0 && pi != 0)
            {
              fm_conv_plan_free (plan);
              continue;
            }
          if (pi == 0 && !check_rows_needed (plan, &c))
            {
              ok (FALSE, "case %d: rows_needed differs from the reference's rows", t);
              failures++;
            }
          for (int layout = 0; layout < 2; layout++)
            {
              int band = g_rand_int_range (r, 1, 7);
              char *why = NULL;
              double worst = 0;
              gboolean good = run_banded (plan, &c, band, layout == 1, got, &why)
                              && ref_close (got, want, n_out, &worst);
              runs++;
              if (!good)
                {
                  failures++;
                  ok (FALSE, "case %d %s %s bands of %d: %dx%dx%d, %d filters %dx%d g%d s%d,%d "
                      "d%d,%d pads %d %d %d %d border %d act %d alpha %g clip %g..%g: %s %.3g",
                      t, paths[pi], layout ? "interleaved" : "planes", band, c.in_h, c.in_w,
                      c.p.channels, c.p.n_filters, c.p.kh, c.p.kw, c.p.groups, c.p.stride_y,
                      c.p.stride_x, c.p.dilation_y, c.p.dilation_x, c.p.pad_top, c.p.pad_left,
                      c.p.pad_bottom, c.p.pad_right, c.p.border, c.p.activation,
                      c.p.leaky_alpha, c.p.clip_min, c.p.clip_max, why ? why : "max diff",
                      worst);
                }
              g_free (why);
            }
          fm_conv_plan_free (plan);
        }
      g_free (want);
      g_free (got);
      case_free (&c);
    }
  ok (failures == 0 && runs > n_cases, "%d banded runs (paths × layouts) over %d random cases "
      "equal the reference", runs, n_cases);

  /* Explicit pads too small for the window: a clear error. */
  FmConvParams p;
  fm_conv_params_init (&p);
  float w[9] = { 0 };
  p.kh = p.kw = 3;
  p.channels = p.n_filters = 1;
  p.weights = w;
  p.explicit_pads = TRUE;
  p.pad_top = 1;
  GError *error = NULL;
  FmConvPlan *plan = fm_conv_plan_new (&p, 1, 5, &error);
  ok (!plan && error && strstr (error->message, "pads 1, 0, 0, 0"),
      "a window larger than the image with its pads: %s", error ? error->message : "");
  g_clear_error (&error);
  p.pad_top = -1;
  plan = fm_conv_plan_new (&p, 9, 9, &error);
  ok (!plan && error && strstr (error->message, "top pad -1"), "negative pads are refused: %s",
      error ? error->message : "");
  g_clear_error (&error);
  p.pad_top = 0;
  p.clip_min = NAN;
  plan = fm_conv_plan_new (&p, 9, 9, &error);
  ok (!plan && error && strstr (error->message, "clip"), "a NaN clip bound is refused: %s",
      error ? error->message : "");
  g_clear_error (&error);

  printf ("1..%d\n", n_tests);
  g_rand_free (r);
  return n_failed ? 1 : 0;
}
