/* fm-conv.c: making a convolution plan — every check, the output geometry,
 * the packed weights and the choice of inner loop.  Running it is
 * fm-conv-run.c; the arithmetic is behind FmConvKernel (fm-conv-private.h).
 */
#include "fm-conv-private.h"
#include "fm-conv-select.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (fm-conv-error-quark, fm_conv_error)

void
fm_conv_params_init (FmConvParams *params)
{
  g_return_if_fail (params != NULL);
  memset (params, 0, sizeof *params);
  params->groups = 1;
  params->convolve = FALSE;
  params->stride_y = params->stride_x = 1;
  params->dilation_y = params->dilation_x = 1;
  params->padding = FM_PADDING_VALID;
  params->border = FM_BORDER_ZERO;
  params->activation = FM_ACTIVATION_NONE;
  params->leaky_alpha = 0.01f;
  params->clip_min = -INFINITY;
  params->clip_max = INFINITY;
  params->n_threads = 0;
}

const FmConvAct fm_conv_act_none = { FM_ACTIVATION_NONE, 0.01f, -INFINITY, INFINITY, FALSE };

int
fm_conv_border_index (FmBorder border, int i, int n)
{
  if (i >= 0 && i < n)
    return i;
  switch (border)
    {
    case FM_BORDER_CLAMP:
      return i < 0 ? 0 : n - 1;
    case FM_BORDER_WRAP:
      return (int) (((gint64) i % n + n) % n);
    case FM_BORDER_REFLECT:
      {
        /* numpy 'reflect' keeps mirroring for pads wider than the image:
         * the extension is periodic with period 2(n − 1). */
        if (n == 1)
          return 0;
        gint64 period = 2 * (gint64) (n - 1);
        gint64 m = ((gint64) i % period + period) % period;
        return (int) (m < n ? m : period - m);
      }
    case FM_BORDER_ZERO:
    default:
      return -1;
    }
}

/* "stride 0: must be ≥ 1"; values above the limit are TOO_LARGE. */
static gboolean
check_range (const char *what, int value, int min, int max, GError **error)
{
  if (value < min)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "%s %d: must be ≥ %d", what, value, min);
      return FALSE;
    }
  if (value > max)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "%s %d: must be ≤ %d", what, value, max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_choice (FmOptionId id, int value, GError **error)
{
  const FmOptionSpec *spec = fm_option_spec (id);
  if (value >= spec->min && value <= spec->max)
    return TRUE;
  g_autofree char *range = fm_option_describe_range (id);
  g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
               "%s %d: must be one of %s", spec->name, value, range);
  return FALSE;
}

/* A pair of per-axis values is named once when equal ("stride 0"), by axis
 * otherwise ("horizontal stride 0"), so the message matches what the user
 * typed. */
static gboolean
check_pair (const char *what, int y, int x, int min, int max, GError **error)
{
  if (y == x)
    return check_range (what, y, min, max, error);
  g_autofree char *vy = g_strdup_printf ("vertical %s", what);
  g_autofree char *vx = g_strdup_printf ("horizontal %s", what);
  return check_range (vy, y, min, max, error) && check_range (vx, x, min, max, error);
}

static gboolean
check_shape (const FmConvParams *p, int in_h, int in_w, GError **error)
{
  if (!check_range ("image height", in_h, 1, FM_CONV_MAX_SIDE, error)
      || !check_range ("image width", in_w, 1, FM_CONV_MAX_SIDE, error)
      || !check_range ("kernel height", p->kh, 1, FM_CONV_MAX_KERNEL, error)
      || !check_range ("kernel width", p->kw, 1, FM_CONV_MAX_KERNEL, error)
      || !check_range ("channels", p->channels, 1, FM_CONV_MAX_CHANNELS, error)
      || !check_range ("filters", p->n_filters, 1, FM_CONV_MAX_FILTERS, error)
      || !check_range ("groups", p->groups, 0, FM_CONV_MAX_CHANNELS, error))
    return FALSE;

  int groups = MAX (p->groups, 1);
  if (p->channels % groups != 0)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "groups %d: must divide the %d channels", groups, p->channels);
      return FALSE;
    }
  if (p->n_filters % groups != 0)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "groups %d: must divide the %d filters", groups, p->n_filters);
      return FALSE;
    }
  return TRUE;
}

/* Explicit pads and the activation's parameters. */
static gboolean
check_extras (const FmConvParams *p, GError **error)
{
  if (p->explicit_pads
      && (!check_range ("top pad", p->pad_top, 0, FM_CONV_MAX_SIDE, error)
          || !check_range ("left pad", p->pad_left, 0, FM_CONV_MAX_SIDE, error)
          || !check_range ("bottom pad", p->pad_bottom, 0, FM_CONV_MAX_SIDE, error)
          || !check_range ("right pad", p->pad_right, 0, FM_CONV_MAX_SIDE, error)))
    return FALSE;
  if (!isfinite (p->leaky_alpha))
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "leaky-relu slope %g: must be finite", p->leaky_alpha);
      return FALSE;
    }
  if (isnan (p->clip_min) || isnan (p->clip_max) || p->clip_min == INFINITY
      || p->clip_max == -INFINITY)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "clip %g .. %g: bounds must be numbers (−∞ and ∞ for none)",
                   p->clip_min, p->clip_max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_options (const FmConvParams *p, GError **error)
{
  return check_pair ("stride", p->stride_y, p->stride_x, 1, FM_CONV_MAX_STEP, error)
         && check_pair ("dilation", p->dilation_y, p->dilation_x, 1, FM_CONV_MAX_STEP, error)
         && check_choice (FM_OPT_PADDING, p->padding, error)
         && check_choice (FM_OPT_BORDER, p->border, error)
         && check_choice (FM_OPT_ACTIVATION, p->activation, error)
         && check_range ("threads", p->n_threads, 0, FM_CONV_MAX_THREADS, error)
         && check_extras (p, error);
}

static const char *
nonfinite_name (float v)
{
  return isnan (v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

/* Names the filter and the tap, so a bad value in a 32-filter bank can be
 * found in the file. */
static gboolean
check_values (const FmConvParams *p, int cg, gsize n_weights, GError **error)
{
  if (p->weights == NULL)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "weights missing: need %d × %d × %d × %d values",
                   p->n_filters, p->kh, p->kw, cg);
      return FALSE;
    }
  for (gsize i = 0; i < n_weights; i++)
    if (!isfinite (p->weights[i]))
      {
        gsize tap = i / cg, per_filter = (gsize) p->kh * p->kw;
        g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                     "filter %d: weight at row %d, column %d, channel %d is %s: "
                     "weights must be finite",
                     (int) (tap / per_filter), (int) (tap % per_filter / p->kw),
                     (int) (tap % p->kw), (int) (i % cg), nonfinite_name (p->weights[i]));
        return FALSE;
      }
  if (p->bias)
    for (int k = 0; k < p->n_filters; k++)
      if (!isfinite (p->bias[k]))
        {
          g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                       "filter %d: bias is %s: must be finite", k,
                       nonfinite_name (p->bias[k]));
          return FALSE;
        }
  return TRUE;
}

/* One axis of the geometry.  FALSE only when the window is larger than
 * the image with its padding (valid padding, or explicit pads too small).
 * explicit: pads before / after given in *before / *after. */
static gboolean
axis_geometry (FmPadding padding, gboolean explicit, int n, int k, int s, int d,
               int *dk, int *out, int *before, int *after)
{
  *dk = (k - 1) * d + 1;
  if (explicit)
    {
      gint64 span = (gint64) n + *before + *after - *dk;
      if (span < 0 || span / s + 1 > FM_CONV_MAX_SIDE)
        return FALSE;
      *out = (int) (span / s + 1);
      return TRUE;
    }
  switch (padding)
    {
    case FM_PADDING_SAME:
      {
        *out = (n + s - 1) / s;
        gint64 total = MAX ((gint64) (*out - 1) * s + *dk - n, 0);
        *before = (int) (total / 2);
        *after = (int) (total - *before);
        return TRUE;
      }
    case FM_PADDING_FULL:
      *before = *after = *dk - 1;
      *out = (n + *before + *after - *dk) / s + 1;
      return TRUE;
    case FM_PADDING_VALID:
    default:
      *before = *after = 0;
      if (*dk > n)
        return FALSE;
      *out = (n - *dk) / s + 1;
      return TRUE;
    }
}

static gboolean
compute_geometry (FmConvPlan *plan, int in_h, int in_w, GError **error)
{
  const FmConvParams *p = &plan->params;
  FmConvGeometry *geo = &plan->geo;

  geo->in_h = in_h;
  geo->in_w = in_w;
  if (p->explicit_pads)
    {
      geo->pad_top = p->pad_top;
      geo->pad_bottom = p->pad_bottom;
      geo->pad_left = p->pad_left;
      geo->pad_right = p->pad_right;
    }
  gboolean fits_y = axis_geometry (p->padding, p->explicit_pads, in_h, p->kh, p->stride_y,
                                   p->dilation_y, &plan->dkh, &geo->out_h, &geo->pad_top,
                                   &geo->pad_bottom);
  gboolean fits_x = axis_geometry (p->padding, p->explicit_pads, in_w, p->kw, p->stride_x,
                                   p->dilation_x, &plan->dkw, &geo->out_w, &geo->pad_left,
                                   &geo->pad_right);
  if (!fits_y || !fits_x)
    {
      if (p->explicit_pads)
        g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                     "kernel %d × %d (dilated %d × %d) is larger than the %d × %d "
                     "image with pads %d, %d, %d, %d (top, left, bottom, right)",
                     p->kh, p->kw, plan->dkh, plan->dkw, in_h, in_w,
                     p->pad_top, p->pad_left, p->pad_bottom, p->pad_right);
      else
        g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                     "kernel %d × %d (dilated %d × %d) is larger than the %d × %d "
                     "image with valid padding; use same or full padding",
                     p->kh, p->kw, plan->dkh, plan->dkw, in_h, in_w);
      return FALSE;
    }
  geo->offset_y = (plan->dkh - 1) / 2 - geo->pad_top;
  geo->offset_x = (plan->dkw - 1) / 2 - geo->pad_left;
  plan->padded_w = geo->pad_left + in_w + geo->pad_right;

  /* The smallest run holds one output row's window and one output row of
   * every map; refuse sizes whose byte counts do not even fit a gsize. */
  gsize band_floats, out_floats, bytes;
  if (!g_size_checked_mul (&plan->band_stride, (gsize) plan->padded_w, (gsize) p->channels)
      || !g_size_checked_mul (&band_floats, plan->band_stride, (gsize) plan->dkh)
      || !g_size_checked_mul (&out_floats, (gsize) p->n_filters, (gsize) geo->out_w)
      || !g_size_checked_add (&bytes, band_floats, out_floats)
      || !g_size_checked_mul (&bytes, bytes, sizeof (float))
      || !g_size_checked_mul (&out_floats, out_floats, (gsize) geo->out_h)
      || !g_size_checked_mul (&bytes, out_floats, sizeof (float)))
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "image %d × %d × %d with %d filters of %d × %d (dilated %d × %d): "
                   "sizes overflow", in_h, in_w, p->channels, p->n_filters,
                   p->kh, p->kw, plan->dkh, plan->dkw);
      return FALSE;
    }
  return TRUE;
}

/* Copy to OHWI, flipped in both spatial axes for "convolve" so that every
 * inner loop only ever correlates. */
static void
pack_weights (FmConvPlan *plan, const FmConvParams *p)
{
  const int kh = p->kh, kw = p->kw, cg = plan->group_channels;
  for (int k = 0; k < p->n_filters; k++)
    for (int a = 0; a < kh; a++)
      for (int b = 0; b < kw; b++)
        {
          int sa = p->convolve ? kh - 1 - a : a;
          int sb = p->convolve ? kw - 1 - b : b;
          memcpy (plan->weights + (((gsize) k * kh + a) * kw + b) * cg,
                  p->weights + (((gsize) k * kh + sa) * kw + sb) * cg,
                  cg * sizeof (float));
        }
  for (int k = 0; k < p->n_filters; k++)
    plan->bias[k] = p->bias ? p->bias[k] : 0.0f;
}

static gboolean
choose_kernel (FmConvPlan *plan, GError **error)
{
  if (!fm_conv_select_choose (plan, error))
    return FALSE;
  return !plan->kernel->prepare || plan->kernel->prepare (plan, error);
}

double
fm_conv_dense_taps (const FmConvPlan *plan)
{
  const FmConvParams *p = &plan->params;
  return (double) p->kh * p->kw * plan->group_channels * p->n_filters;
}

FmConvPlan *
fm_conv_plan_new (const FmConvParams *params, int in_h, int in_w, GError **error)
{
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_shape (params, in_h, in_w, error) || !check_options (params, error))
    return NULL;

  const int groups = MAX (params->groups, 1);
  const int cg = params->channels / groups;
  gsize n_weights;
  if (!g_size_checked_mul (&n_weights, (gsize) params->n_filters, (gsize) params->kh)
      || !g_size_checked_mul (&n_weights, n_weights, (gsize) params->kw)
      || !g_size_checked_mul (&n_weights, n_weights, (gsize) cg)
      || n_weights > FM_CONV_MAX_WEIGHTS)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "weights %d × %d × %d × %d: more than the limit of %d values",
                   params->n_filters, params->kh, params->kw, cg, FM_CONV_MAX_WEIGHTS);
      return NULL;
    }
  if (!check_values (params, cg, n_weights, error))
    return NULL;

  FmConvPlan *plan = g_new0 (FmConvPlan, 1);
  plan->params = *params;
  plan->act = (FmConvAct) {
    .kind = params->activation,
    .alpha = params->leaky_alpha,
    .lo = params->clip_min,
    .hi = params->clip_max,
    .clip = params->clip_min != -INFINITY || params->clip_max != INFINITY,
  };
  plan->groups = groups;
  plan->group_channels = cg;
  plan->group_filters = params->n_filters / groups;
  plan->n_threads = params->n_threads > 0 ? params->n_threads
                                          : (int) MIN (g_get_num_processors (), FM_CONV_MAX_THREADS);
  if (!compute_geometry (plan, in_h, in_w, error))
    {
      fm_conv_plan_free (plan);
      return NULL;
    }

  plan->weights = g_try_new (float, n_weights);
  plan->bias = g_new (float, params->n_filters);
  plan->col_map = g_try_new (int, plan->padded_w);
  if (!plan->weights || !plan->col_map)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "weights %d × %d × %d × %d: out of memory",
                   params->n_filters, params->kh, params->kw, cg);
      fm_conv_plan_free (plan);
      return NULL;
    }
  pack_weights (plan, params);
  plan->params.weights = plan->weights;
  plan->params.bias = plan->bias;
  for (int x = 0; x < plan->padded_w; x++)
    plan->col_map[x] = fm_conv_border_index (params->border, x - plan->geo.pad_left, in_w);

  if (!choose_kernel (plan, error))
    {
      fm_conv_plan_free (plan);
      return NULL;
    }
  return plan;
}

void
fm_conv_plan_free (FmConvPlan *plan)
{
  if (!plan)
    return;
  if (plan->kernel_data_free && plan->kernel_data)
    plan->kernel_data_free (plan->kernel_data);
  g_free (plan->weights);
  g_free (plan->bias);
  g_free (plan->col_map);
  g_free (plan);
}

const FmConvGeometry *
fm_conv_plan_geometry (const FmConvPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return &plan->geo;
}

int
fm_conv_plan_n_filters (const FmConvPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->params.n_filters;
}

int
fm_conv_plan_channels (const FmConvPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->params.channels;
}

const char *
fm_conv_plan_path (const FmConvPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->kernel_name;
}
