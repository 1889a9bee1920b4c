/* fm-learn-checks: what every learning entry point checks first, with
 * messages that name the image and the pixel, and the fm-input conversion
 * both fits share. */
#include "fm-learn-private.h"

#include <math.h>

gboolean
fm_learn_check_pixels (const FmLearnImage *img, const char *what, GError **error)
{
  if (!img || !img->pixels || img->width < 1 || img->height < 1
      || img->channels < 1 || img->channels > FM_LEARN_MAX_PLANES)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "%s: no image (or one with %d channels)", what, img ? img->channels : 0);
      return FALSE;
    }
  const gsize n = (gsize) img->width * img->height * img->channels;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (img->pixels[i]))
      {
        const gsize px = i / img->channels;
        g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_NOT_FINITE,
                     "%s: pixel (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") channel %d "
                     "is %s: every value must be a finite number", what,
                     px % img->width, px / img->width, (int) (i % img->channels),
                     isnan (img->pixels[i]) ? "NaN" : "infinite");
        return FALSE;
      }
  return TRUE;
}

gboolean
fm_learn_image_is_flat (const FmLearnImage *img, double *value)
{
  const int C = img->channels, colour = fm_input_colour_channels (C);
  const gsize n = (gsize) img->width * img->height;
  for (int c = 0; c < colour; c++)
    {
      const float v0 = img->pixels[c];
      for (gsize i = 1; i < n; i++)
        if (img->pixels[i * C + c] != v0)
          return FALSE;
    }
  *value = img->pixels[0];
  return TRUE;
}

FmInput *
fm_learn_input_new (FmInputMode mode, int bank_channels, int image_channels, GError **error)
{
  g_autoptr (FmBank) bank = fm_bank_new ("learn", 1, 1, bank_channels, 1);
  bank->input = mode;
  return fm_input_new (bank, mode, image_channels, error);
}

