/* fm-cli-gegl: start GEGL only when an image file is read or written. */
#include "fm-cli.h"

#include <gegl.h>

static gboolean started;

void
fm_cli_gegl_start (void)
{
  if (started)
    return;
  gegl_init (NULL, NULL);
  started = TRUE;
}

void
fm_cli_gegl_stop (void)
{
  if (!started)
    return;
  gegl_exit ();
  started = FALSE;
}
