/* fm-gegl: gegl_init without babl's cache nor GEGL's modules, and float
 * reads that build no 8/16-bit babl path (see fm-gegl.h for why). */
#include "fm-gegl.h"

#include <string.h>

void
fm_gegl_init (void)
{
  static gboolean done;
  if (done)
    return;
  done = TRUE;

  /* Both are read once, by babl's first babl_init and by gegl_init. */
  gboolean no_cache = g_getenv ("BABL_INHIBIT_CACHE") == NULL;
  gboolean no_modules = g_getenv ("GEGL_PATH") == NULL;
  if (no_cache)
    g_setenv ("BABL_INHIBIT_CACHE", "1", TRUE);
  if (no_modules)
    g_setenv ("GEGL_PATH", "", TRUE);
  /* babl writes its cache when its last reference goes (babl_exit): this
   * one stays, so the user's file is never replaced by ours. */
  babl_init ();
  gegl_init (NULL, NULL);
  if (no_cache)
    g_unsetenv ("BABL_INHIBIT_CACHE");
  if (no_modules)
    g_unsetenv ("GEGL_PATH");
}

/* (float) ((double) v / max): babl's own integer → float (type-u8.c,
 * type-u16.c) to the last bit. */
static void
ints_to_floats (const void *src, gboolean wide, gsize n, float *dst)
{
  if (!wide)
    {
      static float table[256];
      if (table[255] == 0.0f)
        for (int i = 0; i < 256; i++)
          table[i] = (float) (i / 255.0);
      const guint8 *s = src;
      for (gsize i = 0; i < n; i++)
        dst[i] = table[s[i]];
      return;
    }
  const guint16 *s = src;
  for (gsize i = 0; i < n; i++)
    dst[i] = (float) (s[i] / 65535.0);
}

void
fm_gegl_get_float (GeglBuffer *buffer, const GeglRectangle *rect,
                          const Babl *dst_format, float *dst)
{
  const Babl *stored = gegl_buffer_get_format (buffer);
  const Babl *type = babl_format_get_type (stored, 0);
  int n_comp = babl_format_get_n_components (stored);
  gboolean u8 = type == babl_type ("u8"), u16 = type == babl_type ("u16");

  if ((!u8 && !u16) || babl_format_is_palette (stored)
      || n_comp != babl_format_get_n_components (dst_format))
    {
      gegl_buffer_get (buffer, rect, 1.0, dst_format, dst, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      return;
    }

  gsize n = (gsize) rect->width * rect->height * n_comp;
  void *raw = g_malloc (n * (u16 ? 2 : 1));
  gegl_buffer_get (buffer, rect, 1.0, stored, raw, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);

  /* The stored model and space with float samples. */
  g_autofree char *name = g_strconcat (babl_get_name (babl_format_get_model (stored)),
                                       " float", NULL);
  const Babl *floats = babl_format_with_space (name, stored);
  if (floats == dst_format)
    ints_to_floats (raw, u16, n, dst);
  else
    {
      float *tmp = g_malloc (n * sizeof (float));
      ints_to_floats (raw, u16, n, tmp);
      babl_process (babl_fish (floats, dst_format), tmp, dst,
                    (long) rect->width * rect->height);
      g_free (tmp);
    }
  g_free (raw);
}
