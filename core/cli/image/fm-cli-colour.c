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

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* babl 0.1.98 trusts an ICC profile's counts: a curve that claims 2^31
 * entries makes it allocate and loop that much (gigabytes and minutes for
 * a few damaged bytes), a tag table that claims 2^32 tags loops as long.
 * So every count babl reads is checked against the profile's own length
 * first: the tag table fits, every tag lies inside the profile, a curve
 * tag (rTRC, gTRC, bTRC, kTRC) is a 'curv' holding the entries it claims
 * or a 'para' with the parameters of its type. */
static gboolean
icc_plausible (const guint8 *icc, gsize len)
{
  if (len < 132 || len > (64u << 20) || be32 (icc) > len)
    return FALSE;
  guint32 n_tags = be32 (icc + 128);
  if (n_tags > 1024 || 132 + (gsize) n_tags * 12 > len)
    return FALSE;
  for (guint32 t = 0; t < n_tags; t++)
    {
      const guint8 *e = icc + 132 + (gsize) t * 12;
      guint64 off = be32 (e + 4), size = be32 (e + 8);
      if (size < 8 || off + size > len)
        return FALSE;
      const guint8 *tag = icc + off;
      /* babl reads every ?TRC tag as a curve, whatever its type says. */
      if (!memcmp (e + 1, "TRC", 3) && memcmp (tag, "curv", 4) && memcmp (tag, "para", 4))
        return FALSE;
      if (!memcmp (tag, "curv", 4))
        {
          if (size < 12 || be32 (tag + 8) > 65536 || 12 + 2 * (guint64) be32 (tag + 8) > size)
            return FALSE;
        }
      else if (!memcmp (tag, "para", 4))
        {
          static const int n_params[] = { 1, 3, 4, 5, 7 };
          guint16 type = (guint16) (tag[8] << 8 | tag[9]);
          if (size < 12 || type > 4 || 12 + 4 * (guint64) n_params[type] > size)
            return FALSE;
        }
    }
  return TRUE;
}

const Babl *
fm_cli_colour_space_from_icc (const guint8 *icc, gsize len)
{
  if (!icc || !icc_plausible (icc, len))
    return NULL;
  fm_cli_babl_start ();
  const char *why = NULL;
  const Babl *space = babl_space_from_icc ((const char *) icc, (int) len,
                                           BABL_ICC_INTENT_RELATIVE_COLORIMETRIC, &why);
  return why ? NULL : space;
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
    /* A profile babl cannot use (or that fails the checks above): GEGL
     * warns and reads the pixels as sRGB, so do we, without the warning:
     * a broken profile does not make the pixels wrong. */
    space = fm_cli_colour_space_from_icc (colour->icc, colour->icc_len);
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
