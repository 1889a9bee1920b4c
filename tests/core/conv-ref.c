/* conv-ref.c: see conv-ref.h.  Obvious loops on purpose. */
#include "conv-ref.h"

#include <math.h>

/* Bounce off the edges until inside, like numpy.pad does for wide pads. */
static int
ref_index (FmBorder border, int i, int n)
{
  if (i >= 0 && i < n)
    return i;
  if (border == FM_BORDER_ZERO)
    return -1;
  if (border == FM_BORDER_CLAMP)
    return i < 0 ? 0 : n - 1;
  if (border == FM_BORDER_WRAP)
    {
      while (i < 0)
        i += n;
      return i % n;
    }
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    {
      if (i < 0)
        i = -i;
      if (i >= n)
        i = 2 * (n - 1) - i;
    }
  return i;
}

static gboolean
ref_axis (FmPadding padding, int n, int k, int s, int d, int *out, int *before)
{
  int dk = (k - 1) * d + 1;
  if (padding == FM_PADDING_VALID)
    {
      *before = 0;
      *out = n >= dk ? (n - dk) / s + 1 : 0;
      return n >= dk;
    }
  if (padding == FM_PADDING_SAME)
    {
      *out = (n + s - 1) / s;
      int total = (*out - 1) * s + dk - n;
      *before = total > 0 ? total / 2 : 0;
      return TRUE;
    }
  *before = dk - 1;
  *out = (n + 2 * (dk - 1) - dk) / s + 1;
  return TRUE;
}

/* Explicit pads: the window at output o starts at o·s − before. */
static gboolean
ref_axis_explicit (int n, int k, int s, int d, int before, int after, int *out)
{
  int dk = (k - 1) * d + 1, span = n + before + after - dk;
  *out = span >= 0 ? span / s + 1 : 0;
  return span >= 0;
}

gboolean
ref_geometry (const FmConvParams *p, int in_h, int in_w, RefGeometry *g)
{
  if (p->explicit_pads)
    {
      g->pad_top = p->pad_top;
      g->pad_left = p->pad_left;
      return ref_axis_explicit (in_h, p->kh, p->stride_y, p->dilation_y, p->pad_top,
                                p->pad_bottom, &g->out_h)
             && ref_axis_explicit (in_w, p->kw, p->stride_x, p->dilation_x, p->pad_left,
                                   p->pad_right, &g->out_w);
    }
  gboolean ok_y = ref_axis (p->padding, in_h, p->kh, p->stride_y, p->dilation_y, &g->out_h, &g->pad_top);
  gboolean ok_x = ref_axis (p->padding, in_w, p->kw, p->stride_x, p->dilation_x, &g->out_w, &g->pad_left);
  return ok_y && ok_x;
}

/* The activation, its leaky slope, then the clip (fm_conv_params_init's
 * defaults: 0.01, none). */
static double
activate (const FmConvParams *p, double v)
{
  switch (p->activation)
    {
    case FM_ACTIVATION_RELU: v = v > 0 ? v : 0; break;
    case FM_ACTIVATION_LEAKY_RELU: v = v >= 0 ? v : (double) p->leaky_alpha * v; break;
    case FM_ACTIVATION_ABS: v = fabs (v); break;
    case FM_ACTIVATION_SIGMOID: v = 1 / (1 + exp (-v)); break;
    case FM_ACTIVATION_TANH: v = tanh (v); break;
    default: break;
    }
  if (v < p->clip_min)
    v = p->clip_min;
  if (v > p->clip_max)
    v = p->clip_max;
  return v;
}

void
ref_conv (const FmConvParams *p, int in_h, int in_w, const float *in, float *out)
{
  RefGeometry g;
  g_assert_true (ref_geometry (p, in_h, in_w, &g));
  int C = p->channels, G = p->groups > 1 ? p->groups : 1;
  int cg = C / G, kg = p->n_filters / G;

  for (int k = 0; k < p->n_filters; k++)
    for (int oy = 0; oy < g.out_h; oy++)
      for (int ox = 0; ox < g.out_w; ox++)
        {
          double sum = p->bias ? p->bias[k] : 0;
          for (int a = 0; a < p->kh; a++)
            for (int b = 0; b < p->kw; b++)
              for (int c = 0; c < cg; c++)
                {
                  int y = ref_index (p->border, oy * p->stride_y - g.pad_top + a * p->dilation_y, in_h);
                  int x = ref_index (p->border, ox * p->stride_x - g.pad_left + b * p->dilation_x, in_w);
                  if (y < 0 || x < 0)
                    continue;
                  int wa = p->convolve ? p->kh - 1 - a : a;
                  int wb = p->convolve ? p->kw - 1 - b : b;
                  double w = p->weights[((k * p->kh + wa) * p->kw + wb) * cg + c];
                  sum += w * in[(y * in_w + x) * C + (k / kg) * cg + c];
                }
          out[(k * g.out_h + oy) * g.out_w + ox] = (float) activate (p, sum);
        }
}

gboolean
ref_close (const float *got, const float *ref, gsize n, double *worst)
{
  double max_ref = 0, max_diff = 0;
  for (gsize i = 0; i < n; i++)
    {
      max_ref = MAX (max_ref, fabs (ref[i]));
      double d = fabs ((double) got[i] - ref[i]);
      /* A NaN compares false: MAX alone would drop it. */
      max_diff = MAX (max_diff, isnan (d) ? INFINITY : d);
    }
  double limit = max_ref > 0 ? 1e-4 * max_ref : 1e-6;
  *worst = max_diff;
  return max_diff <= limit;
}
