/* fm-values-store: two stores, because gimp_set_data is fast but lasts one
 * GIMP session, and a persistent global parasite survives restarts.  Both
 * hold the text form (fm_values_to_text), not the struct's bytes. */
#include "fm-values-store.h"

#include <libgimp/gimp.h>
#include <string.h>

#define PARASITE_NAME "featuremaps-last-values"

gboolean
fm_values_load (FmValues *values)
{
  /* The session store holds the text too: the struct layout of a plug-in
   * rebuilt during the session may differ from the one that stored it. */
  gint size = gimp_get_data_size (FM_PLUGIN_PROC);
  if (size > 0 && size < 1 << 20)
    {
      g_autofree char *text = g_malloc0 (size + 1);
      if (gimp_get_data (FM_PLUGIN_PROC, text) && fm_values_from_text (values, text, size))
        return TRUE;
    }

  GimpParasite *parasite = gimp_get_parasite (PARASITE_NAME);
  if (!parasite)
    return FALSE;
  gboolean ok = fm_values_from_text (values, gimp_parasite_data (parasite),
                                     gimp_parasite_data_size (parasite));
  gimp_parasite_free (parasite);
  return ok;
}

void
fm_values_save (const FmValues *values)
{
  g_autofree char *text = fm_values_to_text (values);
  gsize length = strlen (text);

  gimp_set_data (FM_PLUGIN_PROC, text, length);

  GimpParasite *parasite = gimp_parasite_new (PARASITE_NAME, GIMP_PARASITE_PERSISTENT,
                                              length, text);
  gimp_attach_parasite (parasite);
  gimp_parasite_free (parasite);
}
