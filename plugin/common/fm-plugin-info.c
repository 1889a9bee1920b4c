/* fm-plugin-info: registration text from the option table. */
#include "fm-plugin-info.h"

#include "fm-formats.h"

char *
fm_plugin_kernel_help (void)
{
  return fm_kernel_spec_help ();
}

char *
fm_plugin_option_description (FmOptionId id)
{
  const FmOptionSpec *s = fm_option_spec (id);
  g_autofree char *range = fm_option_describe_range (id);
  return g_strdup_printf ("%s { %s }", s->help, range);
}

char *
fm_plugin_blurb (void)
{
  return g_strdup ("Run a convolutional layer (a bank of filters) on the drawable: "
                   "each filter's feature map becomes a new layer");
}

char *
fm_plugin_help (void)
{
  GString *h = g_string_new (
    "Slides each filter of a bank (kh × kw × C weights plus a bias, as in a "
    "convolutional neural network layer; cross-correlation unless the bank "
    "says \"convolve\") over the drawable's selected area and writes one "
    "feature map per filter. Pixels enter as perceptual (sRGB-encoded) "
    "values in 0..1 unless the bank declares otherwise. Destination layers "
    "adds a layer group named after the bank above the source, one hidden "
    "layer \"<filter> · <bank>\" per filter in bank order, placed so that at "
    "stride 1 each map pixel lies over the pixel its window is centred on; "
    "destination new-image makes a new float-precision image of the "
    "source's size. Everything added is one undo step. Bad arguments return "
    "a calling error and add nothing.\n\n");
  g_autofree char *kernel_help = fm_plugin_kernel_help ();
  g_string_append_printf (h, "kernel: %s. Presets are looked up in the "
                          "featuremaps folder of the GIMP profile, then "
                          "FEATUREMAPS_PRESET_PATH, then the installed presets.\n",
                          kernel_help);
  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      const FmOptionSpec *s = fm_option_spec (i);
      g_autofree char *range = fm_option_describe_range (i);
      g_string_append_printf (h, "\n%s: %s Allowed: %s; default %d.",
                              s->name, s->help, range, s->def);
      for (int c = 0; s->choices && s->choice_help && s->choices[c]; c++)
        g_string_append_printf (h, "\n  %d %s: %s", c, s->choices[c], s->choice_help[c]);
    }
  g_string_append (h, "\n\nA raw mapping in an integer-precision image would "
                      "clip the maps: use destination new-image there.");
  return g_string_free (h, FALSE);
}
