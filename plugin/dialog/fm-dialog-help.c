/* fm-dialog-help: the dialog's Help button.  GIMP's own help system only
 * knows GIMP's manual (and says it is not installed when it is not), so the
 * button opens this plug-in's documentation instead: help/plugin.md beside
 * the binary (a per-user install copies it there), else the copy meson
 * installs under <datadir>/doc/featuremaps. */
#include "fm-dialog-private.h"

#include <gio/gio.h>
#include "fm-paths.h"

#ifndef FM_HELP_DIR
#define FM_HELP_DIR ""
#endif

static char *last_uri;

char *
fm_dialog_help_file (void)
{
  const char *beside = fm_paths_binary_dir ();
  g_autofree char *local = beside ? g_build_filename (beside, "help", "plugin.md", NULL) : NULL;
  g_autofree char *installed = g_build_filename (FM_HELP_DIR, "plugin.md", NULL);
  const char *env = g_getenv ("FEATUREMAPS_HELP_FILE");

  if (env && *env && g_file_test (env, G_FILE_TEST_IS_REGULAR))
    return g_strdup (env);
  if (local && g_file_test (local, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&local);
  if (*FM_HELP_DIR && g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);
  return NULL;
}

const char *
fm_dialog_help_last_uri (void)
{
  return last_uri;
}

static void
tell (GtkWidget *parent, const char *text)
{
  GtkWidget *msg = gtk_message_dialog_new (parent ? GTK_WINDOW (parent) : NULL, GTK_DIALOG_DESTROY_WITH_PARENT,
                                           GTK_MESSAGE_INFO, GTK_BUTTONS_CLOSE, "%s", text);
  g_signal_connect (msg, "response", G_CALLBACK (gtk_widget_destroy), NULL);
  gtk_widget_show (msg);
}

/* help_data is the dialog's window (GimpDialog passes itself). */
void
fm_dialog_help (const char *help_id, gpointer help_data)
{
  GtkWidget *window = GTK_IS_WIDGET (help_data) ? gtk_widget_get_toplevel (help_data) : NULL;
  g_autofree char *file = fm_dialog_help_file ();
  g_autoptr (GError) error = NULL;

  (void) help_id;
  g_clear_pointer (&last_uri, g_free);
  if (!file)
    {
      tell (window, "The Feature Maps documentation (plugin.md) is not installed. "
                       "It is docs/plugin.md in the featuremaps sources.");
      return;
    }
  last_uri = g_filename_to_uri (file, NULL, NULL);
  /* Tests check where Help leads without starting a viewer. */
  if (g_strcmp0 (g_getenv ("FEATUREMAPS_HELP_DRY_RUN"), "1") == 0)
    return;
  if (!g_app_info_launch_default_for_uri (last_uri, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf ("The Feature Maps documentation is %s "
                                               "(no program here opens it: %s).",
                                               file, error->message);
      tell (window, text);
    }
}
