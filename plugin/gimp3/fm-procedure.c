/* fm-procedure: the GIMP 3 signature from the option table, so a name,
 * range or help line exists in exactly one place (core's fm-options.c). */
#include "fm-procedure.h"

#include "fm-plugin-info.h"

/* "_Input mode" → "Input mode": GIMP 3 shows argument nicks as labels in
 * its own dialogs and the Procedure Browser. */
static char *
nick_of (const FmOptionSpec *s)
{
  GString *n = g_string_new (NULL);
  for (const char *p = s->label; *p; p++)
    if (*p != '_')
      g_string_append_c (n, *p);
  return g_string_free (n, FALSE);
}

/* The help line with the allowed values as GIMP 3 callers write them:
 * choice names ("valid, same, full"), not 2.10's numbers. */
static char *
blurb_of (FmOptionId id)
{
  const FmOptionSpec *s = fm_option_spec (id);
  if (!s->choices)
    return fm_plugin_option_description (id);
  g_autofree char *names = g_strjoinv (", ", (char **) s->choices);
  return g_strdup_printf ("%s { %s }", s->help, names);
}

void
fm_procedure_add_arguments (GimpProcedure *procedure)
{
  g_autofree char *kernel_help = fm_plugin_kernel_help ();
  gimp_procedure_add_string_argument (procedure, "kernel", "Kernel", kernel_help,
                                      "line-detectors", G_PARAM_READWRITE);
  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      const FmOptionSpec *s = fm_option_spec (i);
      g_autofree char *nick = nick_of (s);
      g_autofree char *blurb = blurb_of (i);

      if (s->choices)
        {
          GimpChoice *choice = gimp_choice_new ();
          for (int c = 0; s->choices[c]; c++)
            gimp_choice_add (choice, s->choices[c], c, s->choices[c],
                             s->choice_help ? s->choice_help[c] : NULL);
          gimp_procedure_add_choice_argument (procedure, s->name, nick, blurb, choice,
                                              s->choices[s->def], G_PARAM_READWRITE);
        }
      else
        gimp_procedure_add_int_argument (procedure, s->name, nick, blurb,
                                         s->min, s->max, s->def, G_PARAM_READWRITE);
    }
}

void
fm_procedure_add_return_values (GimpProcedure *procedure)
{
  gimp_procedure_add_image_return_value (procedure, "new-image", "New image",
                                         "The image that received the maps (the source "
                                         "image for destination layers)",
                                         FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_layer_return_value (procedure, "group", "Group",
                                         "The layer group holding the maps, or none "
                                         "(destination new-image)",
                                         TRUE, G_PARAM_READWRITE);
  gimp_procedure_add_core_object_array_return_value (procedure, "layers", "Layers",
                                                     "The map layers, in bank order",
                                                     GIMP_TYPE_LAYER, G_PARAM_READWRITE);
}

void
fm_procedure_config_get (GimpProcedureConfig *config, FmValues *values, char **kernel)
{
  fm_values_init (values);
  g_object_get (config, "kernel", kernel, NULL);
  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      const FmOptionSpec *s = fm_option_spec (i);
      int v;
      if (s->choices)
        v = gimp_procedure_config_get_choice_id (config, s->name);
      else
        g_object_get (config, s->name, &v, NULL);
      /* The config's own checks (GimpChoice, the int range) ran before the
       * plug-in did; fm_options_validate still has the last word. */
      fm_options_set (&values->options, i, v, NULL);
    }
}

void
fm_procedure_config_set (GimpProcedureConfig *config, const FmValues *values)
{
  g_object_set (config, "kernel", values->kernel, NULL);
  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      const FmOptionSpec *s = fm_option_spec (i);
      int v = fm_options_get (&values->options, i);
      if (s->choices)
        g_object_set (config, s->name, fm_option_value_name (i, v), NULL);
      else
        g_object_set (config, s->name, v, NULL);
    }
}
