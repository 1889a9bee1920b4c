/* fm-learn-names: the words every front end uses for learning — modes,
 * methods, kernel sizes — in one table each, with their one-line help. */
#include "fm-learn-private.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (fm-learn-error-quark, fm_learn_error)

static const struct {
  const char *name, *help;
} modes[FM_LEARN_N_MODES] = {
  [FM_LEARN_MODE_AUTO] = { "auto", "full for colour images, luminance for grey ones" },
  [FM_LEARN_MODE_LUMINANCE] = { "luminance", "one filter on the luminance (grey pairs, or the luminance of colour pairs)" },
  [FM_LEARN_MODE_PER_CHANNEL] = { "per-channel", "one kernel shared by R, G and B, as GIMP's Convolution Matrix applies it" },
  [FM_LEARN_MODE_FULL] = { "full", "each output channel from all input channels (K = C filters of kh × kw × C, a CNN layer)" },
};

static const struct {
  const char *name, *help;
} methods[FM_LEARN_N_METHODS] = {
  [FM_LEARN_METHOD_PCA] = { "pca", "the leading principal components of the patches" },
  [FM_LEARN_METHOD_KMEANS] = { "kmeans", "spherical k-means on contrast-normalised, ZCA-whitened patches (Coates and Ng)" },
  [FM_LEARN_METHOD_ICA] = { "ica", "FastICA (symmetric, log cosh) on contrast-normalised patches" },
};

const char *
fm_learn_mode_name (FmLearnMode mode)
{
  return (int) mode >= 0 && mode < FM_LEARN_N_MODES ? modes[mode].name : NULL;
}

const char *
fm_learn_mode_help (FmLearnMode mode)
{
  return (int) mode >= 0 && mode < FM_LEARN_N_MODES ? modes[mode].help : NULL;
}

int
fm_learn_mode_from_name (const char *name)
{
  for (int i = 0; name && i < FM_LEARN_N_MODES; i++)
    if (!g_ascii_strcasecmp (name, modes[i].name))
      return i;
  return -1;
}

const char *
fm_learn_method_name (FmLearnMethod method)
{
  return (int) method >= 0 && method < FM_LEARN_N_METHODS ? methods[method].name : NULL;
}

const char *
fm_learn_method_help (FmLearnMethod method)
{
  return (int) method >= 0 && method < FM_LEARN_N_METHODS ? methods[method].help : NULL;
}

int
fm_learn_method_from_name (const char *name)
{
  for (int i = 0; name && i < FM_LEARN_N_METHODS; i++)
    if (!g_ascii_strcasecmp (name, methods[i].name))
      return i;
  return -1;
}

static gboolean
parse_side (const char *s, const char **end, int *side)
{
  if (!g_ascii_isdigit (*s))
    return FALSE;
  gint64 v = 0;
  while (g_ascii_isdigit (*s) && v <= FM_LEARN_MAX_SIDE)
    v = v * 10 + (*s++ - '0');
  *end = s;
  *side = (int) MIN (v, (gint64) FM_LEARN_MAX_SIDE + 1);
  return TRUE;
}

gboolean
fm_learn_parse_size (const char *text, int *kh, int *kw, GError **error)
{
  const char *s = text ? text : "", *end;
  int h = 0, w = 0;
  gboolean ok = parse_side (s, &end, &h);
  if (ok && (*end == 'x' || *end == 'X'))
    ok = parse_side (end + 1, &end, &w);
  else
    w = h;
  if (!ok || *end != '\0')
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "kernel size '%s': must be KHxKW (e.g. 7x7 or 5x3) or one side (7)",
                   s);
      return FALSE;
    }
  if (h < 1 || w < 1 || h > FM_LEARN_MAX_SIDE || w > FM_LEARN_MAX_SIDE)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "kernel size '%s': each side must be 1 to %d", s, FM_LEARN_MAX_SIDE);
      return FALSE;
    }
  *kh = h;
  *kw = w;
  return TRUE;
}
