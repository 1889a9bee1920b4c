/* fm-file-check: plug-in-feature-maps-check-file (see fm-file-check.h). */
#include "fm-file-check.h"

#include "fm-cli.h"
#include "fm-cli-image.h"

void
fm_file_check_query (void)
{
  static const GimpParamDef args[] = {
    { GIMP_PDB_INT32, "run-mode", "The run mode { RUN-NONINTERACTIVE (1) }" },
    { GIMP_PDB_STRING, "filename", "The file to check" },
  };
  static const GimpParamDef returns[] = {
    { GIMP_PDB_STRING, "reason", "Empty when the file is an image to open; else "
      "why not: truncated, damaged, not an image, no such file, too large, unreadable" },
    { GIMP_PDB_STRING, "message", "What is wrong, in full (empty when nothing is)" },
  };
  gimp_install_procedure (FM_FILE_CHECK_PROC,
                          "Whether a file is an image that decodes completely",
                          "For batches: PNG, JPEG and TIFF files are decoded in full "
                          "(libpng, libjpeg, libtiff); other image formats are "
                          "recognised by their first bytes.  Returns an empty reason "
                          "for a file to open, else a short reason (truncated, "
                          "damaged, not an image, no such file, too large, "
                          "unreadable) and a message.  Nothing is opened in GIMP.",
                          "featuremaps authors", "featuremaps authors", "2024",
                          NULL, NULL, GIMP_PLUGIN,
                          G_N_ELEMENTS (args), G_N_ELEMENTS (returns), args, returns);
}

void
fm_file_check_run (gint n_params, const GimpParam *params, gint *n_return,
                   GimpParam **return_vals)
{
  static GimpParam values[3];
  static char *reason, *message;
  g_clear_pointer (&reason, g_free);
  g_clear_pointer (&message, g_free);
  *return_vals = values;
  *n_return = 1;
  values[0].type = GIMP_PDB_STATUS;

  const char *path = n_params >= 2 ? params[1].data.d_string : NULL;
  if (!path || !*path)
    {
      values[0].data.d_status = GIMP_PDB_CALLING_ERROR;
      message = g_strdup ("filename: give the path of the file to check");
      *n_return = 2;
      values[1].type = GIMP_PDB_STRING;
      values[1].data.d_string = message;
      return;
    }

  GError *error = NULL;
  gboolean ok = fm_cli_image_check (path, &error);
  reason = g_strdup (ok ? "" : fm_cli_error_reason (error));
  message = g_strdup (ok ? "" : error->message);
  g_clear_error (&error);
  values[0].data.d_status = GIMP_PDB_SUCCESS;
  values[1].type = GIMP_PDB_STRING;
  values[1].data.d_string = reason;
  values[2].type = GIMP_PDB_STRING;
  values[2].data.d_string = message;
  *n_return = 3;
}
