/* fm-plugin3: plug-in-feature-maps on GIMP 3 — a GimpPlugIn with one
 * GimpImageProcedure.  Registration comes from the option table
 * (fm-procedure.c); the run picks the values for the run mode, hands them
 * to the same fm_apply as GIMP 2.10, and turns the outcome into return
 * values.  Last values live in GimpProcedureConfig: GIMP stores them after
 * an interactive run (per image, and globally) and hands them back for
 * RUN_INTERACTIVE and RUN_WITH_LAST_VALS. */
#include <libgimp/gimp.h>

#include "fm-profile.h"
#include "fm-apply.h"
#include "fm-dialog.h"
#include "fm-learn-proc3.h"
#include "fm-rank-proc3.h"
#include "fm-learn-patches-proc3.h"
#include "fm-paths.h"
#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"
#include "fm-procedure.h"

/* The map layers flush each row of tiles as it is written (fm-layers-write.c);
 * the cache still keeps the source's tiles between the engine's thin bands:
 * at 16 MiB the flushed map tiles pushed them out and every band fetched
 * them from GIMP again (twice the plug-in's CPU on 32 maps of 12 MP). */
#define FM_PLUGIN_TILE_CACHE (64u << 20)

typedef struct { GimpPlugIn parent_instance; } FmPlugIn;
typedef struct { GimpPlugInClass parent_class; } FmPlugInClass;

#define FM_TYPE_PLUG_IN (fm_plug_in_get_type ())
GType fm_plug_in_get_type (void);
G_DEFINE_TYPE (FmPlugIn, fm_plug_in, GIMP_TYPE_PLUG_IN)

static GList *
query_procedures (GimpPlugIn *plug_in)
{
  (void) plug_in;
  GList *names = g_list_append (NULL, g_strdup (FM_PLUGIN_PROC));
  names = g_list_append (names, g_strdup (FM_LEARN_PROC));
  names = g_list_append (names, g_strdup (FM_LEARN_PATCHES_PROC));
  return g_list_append (names, g_strdup (FM_RANK_PROC));
}

static GimpValueArray *
fail (GimpProcedure *procedure, GimpRunMode mode, GError *error)
{
  GimpPDBStatusType status = error->code == FM_PLUGIN_ERROR_CALLING ? GIMP_PDB_CALLING_ERROR
                                                                    : GIMP_PDB_EXECUTION_ERROR;
  if (mode == GIMP_RUN_INTERACTIVE)
    g_message ("%s", error->message);
  /* Takes the error: GIMP shows its message (Script-Fu: "... failed on
   * invalid input arguments: MESSAGE"). */
  return gimp_procedure_new_return_values (procedure, status, error);
}

static GimpValueArray *
run (GimpProcedure *procedure, GimpRunMode mode, GimpImage *image,
     GimpDrawable **drawables, GimpProcedureConfig *config, gpointer data)
{
  GError *error = NULL;
  FmValues values;
  g_autofree char *kernel = NULL;
  int n_drawables = 0;

  (void) data;
  fm_profile_mark ("run");
  gegl_init (NULL, NULL);
  /* GIMP hands plug-ins its own tile-cache size (often gigabytes): GEGL
   * would then keep every written map tile here until the end, K full maps
   * after all.  A small cache passes tiles on to GIMP as bands are
   * written. */
  g_object_set (gegl_config (), "tile-cache-size", (guint64) FM_PLUGIN_TILE_CACHE, NULL);
  fm_profile_mark ("gegl");

  while (drawables && drawables[n_drawables])
    n_drawables++;
  if (n_drawables != 1)
    {
      g_set_error (&error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "drawables: %s works on exactly one drawable, %d given",
                   FM_PLUGIN_PROC, n_drawables);
      return fail (procedure, mode, error);
    }

  fm_procedure_config_get (config, &values, &kernel);
  if (!fm_values_set_kernel (&values, kernel, &error))
    {
      /* The dialog starts from the default bank when none is remembered. */
      if (mode != GIMP_RUN_INTERACTIVE)
        return fail (procedure, mode, error);
      g_clear_error (&error);
    }

  FmItemId image_id = gimp_image_get_id (image);
  FmItemId drawable_id = gimp_item_get_id (GIMP_ITEM (drawables[0]));
  /* before the dialog: an image the maps cannot go into has nothing to choose */
  if (!fm_apply_check_image (image_id, &error))
    return fail (procedure, mode, error);
  if (mode == GIMP_RUN_INTERACTIVE)
    {
      if (!fm_dialog_run (image_id, drawable_id, &values))
        return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);
      /* What the dialog chose is what GIMP remembers. */
      fm_procedure_config_set (config, &values);
    }

  FmApplyResult result;
  if (!fm_apply (image_id, drawable_id, &values, mode != GIMP_RUN_NONINTERACTIVE,
                 &result, &error))
    return fail (procedure, mode, error);

  GimpValueArray *out = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GimpLayer **layers = g_new0 (GimpLayer *, result.n_layers + 1);
  for (int k = 0; k < result.n_layers; k++)
    layers[k] = GIMP_LAYER (gimp_item_get_by_id (result.layers[k]));
  GIMP_VALUES_SET_IMAGE (out, 1, gimp_image_get_by_id (result.image));
  GIMP_VALUES_SET_LAYER (out, 2, result.group > 0 ? GIMP_LAYER (gimp_item_get_by_id (result.group)) : NULL);
  GIMP_VALUES_SET_CORE_OBJECT_ARRAY (out, 3, (GObject **) layers);
  g_free (layers);
  g_free (result.layers);
  fm_profile_end ("done");
  return out;
}

static GimpProcedure *
create_procedure (GimpPlugIn *plug_in, const gchar *name)
{
  if (g_strcmp0 (name, FM_LEARN_PROC) == 0)
    return fm_learn_proc3_new (plug_in);
  if (g_strcmp0 (name, FM_RANK_PROC) == 0)
    return fm_rank_proc3_new (plug_in);
  if (g_strcmp0 (name, FM_LEARN_PATCHES_PROC) == 0)
    return fm_learn_patches_proc3_new (plug_in);
  if (g_strcmp0 (name, FM_PLUGIN_PROC) != 0)
    return NULL;

  GimpProcedure *procedure = gimp_image_procedure_new (plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN,
                                                       run, NULL, NULL);
  g_autofree char *blurb = fm_plugin_blurb ();
  g_autofree char *help = fm_plugin_help ();

  gimp_procedure_set_image_types (procedure, "RGB*, GRAY*");
  gimp_procedure_set_sensitivity_mask (procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, FM_PLUGIN_LABEL);
  gimp_procedure_add_menu_path (procedure, "<Image>/" FM_PLUGIN_MENU);
  gimp_procedure_set_documentation (procedure, blurb, help, name);
  gimp_procedure_set_attribution (procedure, FM_PLUGIN_AUTHORS, FM_PLUGIN_AUTHORS, FM_PLUGIN_DATE);
  fm_procedure_add_arguments (procedure);
  fm_procedure_add_return_values (procedure);
  return procedure;
}

/* No translations: GIMP asks every plug-in, and would print a note. */
static gboolean
set_i18n (GimpPlugIn *plug_in, const gchar *name, gchar **domain, gchar **catalog)
{
  (void) plug_in;
  (void) name;
  (void) domain;
  (void) catalog;
  return FALSE;
}

static void
fm_plug_in_class_init (FmPlugInClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);
  plug_in_class->query_procedures = query_procedures;
  plug_in_class->create_procedure = create_procedure;
  plug_in_class->set_i18n = set_i18n;
}

static void
fm_plug_in_init (FmPlugIn *plug_in)
{
  (void) plug_in;
}

int
main (int argc, char **argv)
{
  if (argc > 0)
    fm_paths_set_binary_dir (argv[0]);
  return gimp_main (FM_TYPE_PLUG_IN, argc, argv);
}
