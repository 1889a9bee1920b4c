/* fm-plugin: query declares plug-in-feature-maps, run picks the values for
 * the run mode and hands them to fm_apply, then turns the outcome into PDB
 * return values (status + message on failure). */
#include <libgimp/gimp.h>
#include <string.h>
#include "fm-profile.h"
#include "fm-apply.h"
#include "fm-file-check.h"
#include "fm-learn-proc.h"
#include "fm-rank-proc.h"
#include "fm-learn-patches-proc.h"
#include "fm-gegl.h"
#include "fm-bank.h"
#include "fm-dialog.h"
#include "fm-paths.h"
#include "fm-pdb-params.h"
#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"
#include "fm-values-store.h"

/* The map layers flush each row of tiles as it is written (fm-layers-write.c);
 * the cache still keeps the source's tiles between the engine's thin bands:
 * at 16 MiB the flushed map tiles pushed them out and every band fetched
 * them from GIMP again (twice the plug-in's CPU on 32 maps of 12 MP). */
#define FM_PLUGIN_TILE_CACHE (64u << 20)

static void query (void);
static void run (const gchar *name, gint n_params, const GimpParam *params,
                 gint *n_return, GimpParam **return_vals);

const GimpPlugInInfo PLUG_IN_INFO = { NULL, NULL, query, run };

static void
query (void)
{
  GimpParamDef *args = fm_pdb_params_new ();
  int n_returns;
  const GimpParamDef *returns = fm_pdb_return_values (&n_returns);
  g_autofree char *blurb = fm_plugin_blurb ();
  g_autofree char *help = fm_plugin_help ();

  gimp_install_procedure (FM_PLUGIN_PROC, blurb, help,
                          FM_PLUGIN_AUTHORS, FM_PLUGIN_AUTHORS, FM_PLUGIN_DATE,
                          FM_PLUGIN_LABEL, "RGB*, GRAY*", GIMP_PLUGIN,
                          FM_PDB_N_PARAMS, n_returns, args, returns);
  gimp_plugin_menu_register (FM_PLUGIN_PROC, "<Image>/" FM_PLUGIN_MENU);
  fm_pdb_params_free (args);
  fm_file_check_query ();
  fm_learn_proc_query ();
  fm_rank_proc_query ();
  fm_learn_patches_proc_query ();
}

/* Values for this run: FALSE with status set when there is nothing to run. */
static gboolean
pick_values (GimpRunMode mode, gint32 image, gint32 drawable, gint n_params,
             const GimpParam *params, FmValues *values, GimpPDBStatusType *status,
             GError **error)
{
  fm_values_init (values);
  switch (mode)
    {
    case GIMP_RUN_NONINTERACTIVE:
      if (!fm_pdb_params_parse (params, n_params, values, error))
        {
          *status = GIMP_PDB_CALLING_ERROR;
          return FALSE;
        }
      return TRUE;

    case GIMP_RUN_INTERACTIVE:
      fm_values_load (values);
      /* A script that names a kernel wants the dialog to open on it; the
       * menu passes none, so the last values decide. */
      if (n_params > 3 && params[3].data.d_string && *params[3].data.d_string)
        fm_values_set_kernel (values, params[3].data.d_string, NULL);
      if (!fm_dialog_run (image, drawable, values))
        {
          *status = GIMP_PDB_CANCEL;
          return FALSE;
        }
      return TRUE;

    case GIMP_RUN_WITH_LAST_VALS:
    default:
      fm_values_load (values);
      return TRUE;
    }
}

static void
run (const gchar *name, gint n_params, const GimpParam *params,
     gint *n_return, GimpParam **return_vals)
{
  static GimpParam values_out[5];
  static gint32 *layer_ids;
  GimpPDBStatusType status = GIMP_PDB_SUCCESS;
  GError *error = NULL;
  FmValues values;

  if (!strcmp (name, FM_FILE_CHECK_PROC))
    {
      fm_file_check_run (n_params, params, n_return, return_vals);
      return;
    }
  if (!strcmp (name, FM_LEARN_PROC))
    {
      fm_learn_proc_run (n_params, params, n_return, return_vals);
      return;
    }
  if (!strcmp (name, FM_RANK_PROC))
    {
      fm_rank_proc_run (n_params, params, n_return, return_vals);
      return;
    }
  if (!strcmp (name, FM_LEARN_PATCHES_PROC))
    {
      fm_learn_patches_proc_run (n_params, params, n_return, return_vals);
      return;
    }
  g_clear_pointer (&layer_ids, g_free);
  *return_vals = values_out;
  *n_return = 1;
  values_out[0].type = GIMP_PDB_STATUS;

  fm_profile_mark ("run");
  fm_gegl_init ();
  /* GIMP hands plug-ins its own tile-cache size (often gigabytes): GEGL
   * would then keep every written map tile in this process until the end,
   * K full maps after all.  A small cache makes it pass tiles on to GIMP's
   * tile store as bands are written; the engine's bands are its only
   * other big allocation. */
  g_object_set (gegl_config (), "tile-cache-size", (guint64) FM_PLUGIN_TILE_CACHE, NULL);
  fm_profile_mark ("gegl");

  GimpRunMode mode = n_params > 0 ? params[0].data.d_int32 : GIMP_RUN_NONINTERACTIVE;
  gint32 image = n_params > 1 ? params[1].data.d_image : -1;
  gint32 drawable = n_params > 2 ? params[2].data.d_drawable : -1;

  if (n_params < 3)
    {
      g_set_error (&error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "%s takes %d arguments, got %d", FM_PLUGIN_PROC,
                   FM_PDB_N_PARAMS, n_params);
      status = GIMP_PDB_CALLING_ERROR;
    }
  else if (!fm_apply_check_image (image, &error))
    status = GIMP_PDB_CALLING_ERROR;   /* before the dialog: nothing to choose */
  else if (pick_values (mode, image, drawable, n_params, params, &values, &status, &error))
    {
      FmApplyResult result;
      gboolean shown = mode != GIMP_RUN_NONINTERACTIVE;
      if (fm_apply (image, drawable, &values, shown, &result, &error))
        {
          fm_values_save (&values);
          if (shown)
            gimp_displays_flush ();
          layer_ids = result.layers;
          *n_return = 5;
          values_out[1].type = GIMP_PDB_IMAGE;
          values_out[1].data.d_image = result.image;
          values_out[2].type = GIMP_PDB_LAYER;
          values_out[2].data.d_layer = result.group;
          values_out[3].type = GIMP_PDB_INT32;
          values_out[3].data.d_int32 = result.n_layers;
          values_out[4].type = GIMP_PDB_INT32ARRAY;
          values_out[4].data.d_int32array = layer_ids;
        }
      else
        status = error->code == FM_PLUGIN_ERROR_CALLING ? GIMP_PDB_CALLING_ERROR
                                                        : GIMP_PDB_EXECUTION_ERROR;
    }

  values_out[0].data.d_status = status;
  if (error)
    {
      /* The message must outlive run(): libgimp sends it after we return. */
      static char *message;
      g_free (message);
      message = g_strdup (error->message);
      *n_return = 2;
      values_out[1].type = GIMP_PDB_STRING;
      values_out[1].data.d_string = message;
      if (mode != GIMP_RUN_NONINTERACTIVE)
        g_message ("%s", message);
      g_error_free (error);
    }
  fm_profile_end ("done");
}

int
main (int argc, char **argv)
{
  if (argc > 0)
    fm_paths_set_binary_dir (argv[0]);
  return gimp_main (&PLUG_IN_INFO, argc, argv);
}
