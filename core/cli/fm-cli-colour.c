/* fm-cli-colour: an image file's colours to sRGB, as GEGL hands them out.
 *
 * GEGL's loaders tag the pixels with the file's colour space (an ICC
 * profile, or for a PNG a gAMA curve on its cHRM or sRGB primaries) and
 * babl converts them when they are read as sRGB "R'G'B' float"; here the
 * decoded floats go through the same babl conversion, float to float (a
 * path that never makes babl time its 8-bit lookup tables).  Files without
 * such a tag are sRGB and are left alone, without starting babl. */
#include "fm-cli.h"
#include "fm-cli-image.h"

#include <string.h>
#include <babl/babl.h>

void
fm_cli_colour_clear (FmCliColour *colour)
{
  g_clear_pointer (&colour->icc, g_free);
}

static const char *
float_format (int channels)
{
  static const char *const names[] = { "Y' float", "Y'A float", "R'G'B' float",
                                       "R'G'B'A float" };
  return channels >= 1 && channels <= 4 ? names[channels - 1] : NULL;
}

gboolean
fm_cli_colour_to_srgb (FmCliImage *image, const FmCliColour *colour,
                       const char *path, GError **error)
{
  (void) path;
  (void) error;
  const char *name = float_format (image->channels);
  if ((!colour->icc && !colour->gamma_space) || !name)
    return TRUE;

  fm_cli_babl_start ();
  const Babl *space = NULL;
  if (colour->icc)
    {
      const char *why = NULL;
      space = babl_space_from_icc ((const char *) colour->icc, (int) colour->icc_len,
                                   BABL_ICC_INTENT_RELATIVE_COLORIMETRIC, &why);
      /* GEGL warns and reads the pixels as sRGB: so do we (without the
       * warning: a profile babl cannot use does not make the pixels wrong). */
      if (why)
        space = NULL;
    }
  else
    {
      const Babl *trc = babl_trc_gamma (1.0 / colour->gamma);
      space = babl_space_from_chromaticities (NULL,
                                              colour->white[0], colour->white[1],
                                              colour->red[0], colour->red[1],
                                              colour->green[0], colour->green[1],
                                              colour->blue[0], colour->blue[1],
                                              trc, trc, trc,
                                              BABL_SPACE_FLAG_EQUALIZE);
    }
  if (!space || space == babl_space ("sRGB"))
    return TRUE;

  const Babl *from = babl_format_with_space (name, space);
  const Babl *to = babl_format (name);
  if (from == to)
    return TRUE;
  const Babl *fish = babl_fish (from, to);

  /* In blocks through a small buffer: babl does not promise in-place. */
  enum { BLOCK = 16384 };
  const gsize n_pixels = (gsize) image->width * image->height;
  const int c = image->channels;
  float *tmp = g_new (float, (gsize) BLOCK * c);
  for (gsize at = 0; at < n_pixels; at += BLOCK)
    {
      gsize n = MIN ((gsize) BLOCK, n_pixels - at);
      float *px = image->pixels + at * c;
      babl_process (fish, px, tmp, (long) n);
      memcpy (px, tmp, n * c * sizeof (float));
    }
  g_free (tmp);
  return TRUE;
}
