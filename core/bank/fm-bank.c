/* fm-bank.c: the bank object, its rules and packing for the engine.  The
 * readers that make banks are core/formats; this file calls none of them. */
#include "fm-bank-private.h"

#include <math.h>
#include <float.h>
#include <string.h>

G_DEFINE_QUARK (fm-bank-error-quark, fm_bank_error)

FmBank *
fm_bank_new (const char *name, int kh, int kw, int channels, int n_filters)
{
  g_return_val_if_fail (kh > 0 && kw > 0 && channels > 0 && n_filters >= 0, NULL);
  gsize per = (gsize) kh * kw * channels;
  FmBank *bank = g_new0 (FmBank, 1);
  bank->name = g_strdup (name ? name : "Bank");
  bank->description = g_strdup ("");
  bank->kind = g_strdup ("other");
  bank->kh = kh;
  bank->kw = kw;
  bank->channels = channels;
  bank->n_filters = n_filters;
  bank->filters = g_new0 (FmFilter, MAX (n_filters, 1));
  for (int k = 0; k < n_filters; k++)
    {
      bank->filters[k].name = g_strdup_printf ("filter %d", k + 1);
      bank->filters[k].weights = g_new0 (float, per);
      bank->filters[k].divisor = 1.0;
    }
  fm_bank_init_fields (bank);
  return bank;
}

void
fm_bank_init_fields (FmBank *bank)
{
  bank->input = FM_INPUT_AUTO;
  bank->range = 1.0;
  for (int id = 0; id < FM_N_OPTIONS; id++)
    bank->defaults[id] = -1;
}

void
fm_bank_input_decl (const FmBank *bank, FmInputDecl *decl)
{
  G_STATIC_ASSERT (G_N_ELEMENTS (bank->mean) == FM_INPUT_DECL_MAX_CHANNELS);
  G_STATIC_ASSERT (G_N_ELEMENTS (bank->std) == FM_INPUT_DECL_MAX_CHANNELS);
  fm_input_decl_init (decl);
  decl->linear = bank->linear;
  decl->bgr = bank->bgr;
  decl->range = bank->range;
  decl->n_mean = bank->n_mean;
  decl->n_std = bank->n_std;
  memcpy (decl->mean, bank->mean, sizeof decl->mean);
  memcpy (decl->std, bank->std, sizeof decl->std);
}

gboolean
fm_bank_apply_defaults (const FmBank *bank, FmOptions *opts, const gboolean *keep,
                        GError **error)
{
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (bank->defaults[id] >= 0 && !(keep && keep[id])
        && !fm_options_set (opts, id, bank->defaults[id], error))
      return FALSE;
  return TRUE;
}

FmBank *
fm_bank_copy (const FmBank *bank)
{
  g_return_val_if_fail (bank, NULL);
  gsize per = (gsize) bank->kh * bank->kw * bank->channels;
  FmBank *copy = g_new (FmBank, 1);
  *copy = *bank;
  copy->name = g_strdup (bank->name);
  copy->description = g_strdup (bank->description);
  copy->kind = g_strdup (bank->kind);
  copy->origin = g_strdup (bank->origin);
  copy->filters = g_new0 (FmFilter, MAX (bank->n_filters, 1));
  for (int k = 0; k < bank->n_filters; k++)
    {
      copy->filters[k] = bank->filters[k];
      copy->filters[k].name = g_strdup (bank->filters[k].name);
      copy->filters[k].weights = g_memdup2 (bank->filters[k].weights, per * sizeof (float));
    }
  return copy;
}

void
fm_bank_free (FmBank *bank)
{
  if (!bank)
    return;
  for (int k = 0; k < bank->n_filters; k++)
    {
      g_free (bank->filters[k].name);
      g_free (bank->filters[k].weights);
    }
  g_free (bank->filters);
  g_free (bank->name);
  g_free (bank->description);
  g_free (bank->kind);
  g_free (bank->origin);
  g_free (bank);
}

/* ---- helpers shared by the readers ------------------------------------ */

gboolean
fm_bank_check_shape (const char *where, gsize kh, gsize kw, gsize channels,
                     gsize n_filters, GError **error)
{
  if (!where)
    where = "";
  if (n_filters == 0)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID, "%sthe bank has no filters", where);
      return FALSE;
    }
  if (kh == 0 || kw == 0 || channels == 0)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                   "%sempty kernel (%" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ")",
                   where, kh, kw, channels);
      return FALSE;
    }
  if (kh > FM_BANK_MAX_KERNEL || kw > FM_BANK_MAX_KERNEL)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE,
                   "%skernel %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ": must be at most %d × %d",
                   where, kh, kw, FM_BANK_MAX_KERNEL, FM_BANK_MAX_KERNEL);
      return FALSE;
    }
  if (channels > FM_BANK_MAX_CHANNELS)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE,
                   "%s%" G_GSIZE_FORMAT " channels: must be at most %d", where, channels,
                   FM_BANK_MAX_CHANNELS);
      return FALSE;
    }
  if (n_filters > FM_BANK_MAX_FILTERS)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE,
                   "%s%" G_GSIZE_FORMAT " filters: must be at most %d", where, n_filters,
                   FM_BANK_MAX_FILTERS);
      return FALSE;
    }
  /* each factor is ≤ 4096 here, so the product fits in 64 bits */
  guint64 total = (guint64) kh * kw * channels * n_filters;
  if (total > FM_BANK_MAX_WEIGHTS)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE,
                   "%s%" G_GUINT64_FORMAT " weights in all: must be at most %" G_GSIZE_FORMAT,
                   where, total, FM_BANK_MAX_WEIGHTS);
      return FALSE;
    }
  return TRUE;
}

char *
fm_bank_filter_label (int index, const char *name)
{
  g_autofree char *generic = g_strdup_printf ("filter %d", index + 1);
  if (!name || !*name || strcmp (name, generic) == 0)
    return g_steal_pointer (&generic);
  return g_strdup_printf ("filter %d '%s'", index + 1, name);
}

/* ---- rules ------------------------------------------------------------ */

static gboolean
invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID, msg);
  g_free (msg);
  return FALSE;
}

static gboolean
bad_number (double v)
{
  return !isfinite (v) || fabs (v) > FLT_MAX;
}

static const char *
bad_word (double v)
{
  return isnan (v) ? "NaN" : "infinite or beyond the float range";
}

static gboolean
check_default (int value, FmOptionId id, GError **error)
{
  const FmOptionSpec *spec = fm_option_spec (id);
  if (value == -1)
    return TRUE;
  if (!spec->bank_default)
    return invalid (error, "defaults: %s: a bank cannot set a default for it", spec->name);
  if (value >= spec->min && value <= spec->max)
    return TRUE;
  g_autofree char *range = fm_option_describe_range (id);
  return invalid (error, "defaults: %s %d: must be one of %s", spec->name, value, range);
}

gboolean
fm_bank_validate (const FmBank *bank, GError **error)
{
  g_return_val_if_fail (bank, FALSE);
  if (!fm_bank_check_shape ("", bank->kh, bank->kw, bank->channels,
                            MAX (bank->n_filters, 0), error))
    return FALSE;
  if (!bank->filters)
    return invalid (error, "the bank has no filters");
  gsize per = (gsize) bank->kh * bank->kw * bank->channels;
  for (int k = 0; k < bank->n_filters; k++)
    {
      const FmFilter *f = &bank->filters[k];
      g_autofree char *label = fm_bank_filter_label (k, f->name);
      if (!f->weights)
        return invalid (error, "%s: no weights", label);
      for (gsize i = 0; i < per; i++)
        if (bad_number (f->weights[i]))
          {
            int c = (int) (i % bank->channels), x = (int) (i / bank->channels % bank->kw);
            int y = (int) (i / bank->channels / bank->kw);
            return invalid (error, "%s: weight [%d,%d,%d] is %s", label, y, x, c,
                            bad_word (f->weights[i]));
          }
      if (bad_number (f->bias))
        return invalid (error, "%s: bias is %s", label, bad_word (f->bias));
      if (bad_number (f->divisor))
        return invalid (error, "%s: divisor is %s", label, bad_word (f->divisor));
      if (f->divisor == 0.0)
        return invalid (error, "%s: divisor 0: must not be 0", label);
      if (bad_number (f->offset))
        return invalid (error, "%s: offset is %s", label, bad_word (f->offset));
    }

  static const int needs[] = { [FM_INPUT_LUMINANCE] = 1, [FM_INPUT_RGB] = 3,
                               [FM_INPUT_RGBA] = 4, [FM_INPUT_PER_CHANNEL] = 1 };
  if ((int) bank->input < FM_INPUT_AUTO || bank->input > FM_INPUT_PER_CHANNEL)
    return invalid (error, "input %d: must be one of 0 auto .. 4 per-channel", bank->input);
  if (bank->input != FM_INPUT_AUTO && bank->channels != needs[bank->input])
    return invalid (error, "input '%s' gives %d channel%s, but the filters have %d",
                    fm_option_value_name (FM_OPT_INPUT_MODE, bank->input),
                    needs[bank->input], needs[bank->input] == 1 ? "" : "s", bank->channels);
  if (bad_number (bank->range) || bank->range <= 0)
    return invalid (error, "range %g: must be a positive number (1 for 0..1, 255 for 0..255)", bank->range);
  int max_values = MIN (bank->channels, 4);
  if (bank->n_mean < 0 || (bank->n_mean > 1 && bank->n_mean != bank->channels) || bank->n_mean > 4)
    return invalid (error, "mean has %d values: give 1 or one per channel (%d)", bank->n_mean, max_values);
  if (bank->n_std < 0 || (bank->n_std > 1 && bank->n_std != bank->channels) || bank->n_std > 4)
    return invalid (error, "std has %d values: give 1 or one per channel (%d)", bank->n_std, max_values);
  for (int i = 0; i < bank->n_mean; i++)
    if (bad_number (bank->mean[i]))
      return invalid (error, "mean[%d] is %s", i, bad_word (bank->mean[i]));
  for (int i = 0; i < bank->n_std; i++)
    if (bad_number (bank->std[i]) || bank->std[i] == 0.0)
      return invalid (error, "std[%d] %g: must be a finite number other than 0", i, bank->std[i]);
  const struct { const char *name; int v; } steps[] = {
    { "stride", bank->stride_y }, { "stride", bank->stride_x },
    { "dilation", bank->dilation_y }, { "dilation", bank->dilation_x } };
  for (int i = 0; i < 4; i++)
    if (steps[i].v < 0 || steps[i].v > FM_CONV_MAX_STEP)
      return invalid (error, "%s %d: must be between 1 and %d", steps[i].name, steps[i].v, FM_CONV_MAX_STEP);
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (!check_default (bank->defaults[id], id, error))
      return FALSE;
  return TRUE;
}

void
fm_bank_pack (const FmBank *bank, float **weights, float **bias)
{
  gsize per = (gsize) bank->kh * bank->kw * bank->channels;
  float *w = g_new (float, per * MAX (bank->n_filters, 1));
  float *b = g_new (float, MAX (bank->n_filters, 1));
  for (int k = 0; k < bank->n_filters; k++)
    {
      const FmFilter *f = &bank->filters[k];
      /* divide in double: a divisor like 9 must give the same weights
       * whether the bank was built by hand or read back from JSON */
      for (gsize i = 0; i < per; i++)
        w[k * per + i] = (float) (f->weights[i] / f->divisor);
      b[k] = (float) ((double) f->bias + f->offset);
    }
  *weights = w;
  *bias = b;
}
