/* fm-bank-json-write.c: a bank as a JSON bank file (docs/kernels.md), the
 * shortest text that reads back as the same bank: every float printed to
 * round-trip (fm_text_append_float), defaults and declarations only when
 * they differ from what an absent key means. */
#include "fm-formats-private.h"
#include "fm-json-strict.h"

#include <string.h>

static void
append_key (GString *out, const char *indent, const char *key)
{
  g_string_append_printf (out, ",\n%s", indent);
  fm_json_append_string (out, key);
  g_string_append (out, ": ");
}

static void
append_step (GString *out, const char *key, int y, int x)
{
  if (y == 0 && x == 0)
    return;
  append_key (out, "  ", key);
  if (y == x)
    g_string_append_printf (out, "%d", y);
  else
    g_string_append_printf (out, "[%d, %d]", y, x);
}

static void
append_values (GString *out, const char *key, const double *v, int n)
{
  if (n == 0)
    return;
  append_key (out, "  ", key);
  if (n == 1)
    {
      fm_text_append_double (out, v[0]);
      return;
    }
  g_string_append_c (out, '[');
  for (int i = 0; i < n; i++)
    {
      if (i)
        g_string_append (out, ", ");
      fm_text_append_double (out, v[i]);
    }
  g_string_append_c (out, ']');
}

char *
fm_bank_to_json (const FmBank *bank)
{
  g_return_val_if_fail (bank, NULL);
  GString *out = g_string_new ("{\n  \"name\": ");
  fm_json_append_string (out, bank->name);
  if (bank->description && *bank->description)
    {
      append_key (out, "  ", "description");
      fm_json_append_string (out, bank->description);
    }
  if (bank->kind && *bank->kind)
    {
      append_key (out, "  ", "kind");
      fm_json_append_string (out, bank->kind);
    }
  if (bank->input != FM_INPUT_AUTO)
    {
      append_key (out, "  ", "input");
      fm_json_append_string (out, fm_option_value_name (FM_OPT_INPUT_MODE, bank->input));
    }
  if (bank->linear)
    g_string_append (out, ",\n  \"light\": \"linear\"");
  if (bank->range != 1.0)
    {
      append_key (out, "  ", "range");
      fm_text_append_double (out, bank->range);
    }
  append_values (out, "mean", bank->mean, bank->n_mean);
  append_values (out, "std", bank->std, bank->n_std);
  if (bank->bgr)
    g_string_append (out, ",\n  \"order\": \"bgr\"");
  if (bank->convolve)
    g_string_append (out, ",\n  \"mode\": \"convolve\"");
  append_step (out, "stride", bank->stride_y, bank->stride_x);
  append_step (out, "dilation", bank->dilation_y, bank->dilation_x);

  gboolean any = FALSE;
  for (int id = 0; id < FM_N_OPTIONS; id++)
    {
      int v = bank->defaults[id];
      const char *value = v >= 0 ? fm_option_value_name (id, v) : NULL;
      if (!value)
        continue;
      g_string_append (out, any ? ", " : ",\n  \"defaults\": { ");
      g_string_append_printf (out, "\"%s\": ", fm_option_spec (id)->name);
      fm_json_append_string (out, value);
      any = TRUE;
    }
  if (any)
    g_string_append (out, " }");

  g_string_append (out, ",\n  \"filters\": [");
  for (int k = 0; k < bank->n_filters; k++)
    {
      const FmFilter *f = &bank->filters[k];
      g_string_append (out, k ? ",\n    {\n      \"name\": " : "\n    {\n      \"name\": ");
      fm_json_append_string (out, f->name);
      g_string_append (out, ",\n      \"weights\": [");
      for (int r = 0; r < bank->kh; r++)
        {
          g_string_append (out, r ? ",\n        [" : "\n        [");
          for (int c = 0; c < bank->kw; c++)
            {
              if (c)
                g_string_append (out, ", ");
              const float *cell = &f->weights[((gsize) r * bank->kw + c) * bank->channels];
              if (bank->channels > 1)
                g_string_append_c (out, '[');
              for (int ch = 0; ch < bank->channels; ch++)
                {
                  if (ch)
                    g_string_append (out, ", ");
                  fm_text_append_float (out, cell[ch]);
                }
              if (bank->channels > 1)
                g_string_append_c (out, ']');
            }
          g_string_append_c (out, ']');
        }
      g_string_append (out, "\n      ]");
      if (f->bias != 0)
        {
          append_key (out, "      ", "bias");
          fm_text_append_float (out, f->bias);
        }
      if (f->divisor != 1.0)
        {
          append_key (out, "      ", "divisor");
          fm_text_append_double (out, f->divisor);
        }
      if (f->offset != 0)
        {
          append_key (out, "      ", "offset");
          fm_text_append_double (out, f->offset);
        }
      g_string_append (out, "\n    }");
    }
  g_string_append (out, "\n  ]\n}\n");
  return g_string_free (out, FALSE);
}

gboolean
fm_bank_save_json (const FmBank *bank, const char *path, GError **error)
{
  g_autofree char *text = fm_bank_to_json (bank);
  /* g_file_set_contents writes a temporary file and renames it: an
   * interrupted save never leaves a half-written bank */
  return g_file_set_contents (path, text, -1, error);
}
