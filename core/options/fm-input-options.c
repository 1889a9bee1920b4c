/* fm-input-options: the one table of input-preparation options
 * (fm-options.h), and their parsing into an FmInputDecl. */
#include "fm-options.h"

#include <math.h>
#include <string.h>

static const FmInputOptionSpec specs[FM_N_INPUT_OPTIONS] = {
  [FM_INPUT_OPT_RANGE] = { "range", "0..1|0..255",
                           "The range the weights expect a pixel in before mean and std (overrides the declaration)." },
  [FM_INPUT_OPT_MEAN] = { "mean", "M|M,M,M",
                          "Subtracted from each channel, in range units: one value or one per channel (overrides the declaration)." },
  [FM_INPUT_OPT_STD] = { "std", "S|S,S,S",
                         "Each channel divided by it after the mean: one value or one per channel (overrides the declaration)." },
  [FM_INPUT_OPT_CHANNEL_ORDER] = { "channel-order", "rgb|bgr",
                                   "The order of the colour channels the weights expect (overrides the declaration)." },
};

const FmInputOptionSpec *
fm_input_option_spec (FmInputOptionId id)
{
  g_return_val_if_fail (id < FM_N_INPUT_OPTIONS, NULL);
  return &specs[id];
}

static gboolean
bad (GError **error, FmInputOptionId id, const char *text, const char *rule)
{
  g_set_error (error, FM_OPTIONS_ERROR, FM_OPTIONS_ERROR_INVALID, "%s '%s': %s",
               specs[id].name, text, rule);
  return FALSE;
}

/* One finite number, the whole text (no locale). */
static gboolean
number (const char *text, double *v)
{
  char *end = NULL;
  while (g_ascii_isspace (*text))
    text++;
  if (!*text)
    return FALSE;
  *v = g_ascii_strtod (text, &end);
  while (end && g_ascii_isspace (*end))
    end++;
  return end && !*end && isfinite (*v);
}

static gboolean
numbers (FmInputOptionId id, const char *text, double *v, int *n, gboolean positive,
         GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  int count = g_strv_length (parts);
  if (count < 1 || count > FM_INPUT_DECL_MAX_CHANNELS)
    return bad (error, id, text, "must be one number or one per channel (at most 4)");
  for (int i = 0; i < count; i++)
    {
      if (!number (parts[i], &v[i]))
        return bad (error, id, text, "must be numbers separated by commas");
      if (positive && !(v[i] > 0))
        return bad (error, id, text, "every value must be > 0");
    }
  *n = count;
  return TRUE;
}

gboolean
fm_input_option_apply (FmInputDecl *decl, FmInputOptionId id, const char *text,
                       GError **error)
{
  g_return_val_if_fail (decl != NULL && text != NULL, FALSE);
  switch (id)
    {
    case FM_INPUT_OPT_RANGE:
      {
        double v;
        if (!strcmp (text, "0..1"))
          v = 1.0;
        else if (!strcmp (text, "0..255"))
          v = 255.0;
        else if (!number (text, &v) || !(v > 0))
          return bad (error, id, text, "must be 0..1, 0..255 or the top of the range (> 0)");
        decl->range = v;
        return TRUE;
      }
    case FM_INPUT_OPT_MEAN:
      return numbers (id, text, decl->mean, &decl->n_mean, FALSE, error);
    case FM_INPUT_OPT_STD:
      return numbers (id, text, decl->std, &decl->n_std, TRUE, error);
    case FM_INPUT_OPT_CHANNEL_ORDER:
      if (g_ascii_strcasecmp (text, "rgb") && g_ascii_strcasecmp (text, "bgr"))
        return bad (error, id, text, "must be rgb or bgr");
      decl->bgr = !g_ascii_strcasecmp (text, "bgr");
      return TRUE;
    default:
      g_return_val_if_reached (FALSE);
    }
}
