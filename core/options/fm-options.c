/* fm-options: the single declaration of every run option. */
#include "fm-options.h"

#include <string.h>

G_DEFINE_QUARK (fm-options-error-quark, fm_options_error)

static const char *const input_modes[] = { "auto", "luminance", "rgb", "rgba", "per-channel", NULL };
static const char *const input_help[] = {
  "what the bank declares (a 1-channel bank on a colour image sees its luminance)",
  "one channel: the image's luminance",
  "three channels: red, green, blue",
  "four channels: red, green, blue, alpha",
  "each filter applied to R, G and B separately; every map is an RGB layer",
};
static const char *const paddings[] = { "valid", "same", "full", NULL };
static const char *const padding_help[] = {
  "no padding: the map shrinks by the kernel size minus one",
  "pad so the map has the image's size (ceil(H/stride)); TensorFlow/Keras rule",
  "pad by the kernel size minus one on every side: the map grows",
};
static const char *const borders[] = { "zero", "clamp", "reflect", "wrap", NULL };
static const char *const border_help[] = {
  "padded pixels are 0 (Keras, PyTorch)",
  "the edge pixel repeated (GIMP's \"extend\")",
  "mirrored without repeating the edge pixel",
  "periodic: the opposite edge continues",
};
static const char *const activations[] = { "none", "relu", "leaky-relu", "abs", "sigmoid", "tanh", NULL };
static const char *const activation_help[] = {
  "the map as computed (weights · pixels + bias)",
  "max(v, 0)",
  "v for v ≥ 0, 0.01·v below",
  "|v|",
  "1 / (1 + e^−v)",
  "tanh(v)",
};
static const char *const mappings[] = { "raw", "clamp", "normalize", "normalize-joint", "abs-normalize", NULL };
static const char *const mapping_help[] = {
  "values kept exactly (needs a float-precision destination)",
  "clipped to 0..1",
  "each map stretched from its own min..max to 0..1",
  "one min..max over all maps, so maps stay comparable",
  "|v|, then each map divided by its maximum",
};
static const char *const destinations[] = { "layers", "new-image", NULL };
static const char *const destination_help[] = {
  "new layers in this image, inside one layer group",
  "a new float-precision image of the source's size",
};

static const FmOptionSpec specs[FM_N_OPTIONS] = {
  [FM_OPT_INPUT_MODE] = { "input-mode", "_Input", "Which image channels the filters see.",
                          input_modes, input_help, 0, 4, FM_INPUT_AUTO, TRUE },
  [FM_OPT_PADDING] = { "padding", "_Padding", "How far the filter may slide past the image's edges.",
                       paddings, padding_help, 0, 2, FM_PADDING_SAME, TRUE, TRUE },
  [FM_OPT_BORDER] = { "border", "_Border", "What the padded pixels beyond the edge are.",
                      borders, border_help, 0, 3, FM_BORDER_ZERO, TRUE, TRUE },
  [FM_OPT_STRIDE] = { "stride", "_Stride", "Step between filter positions, in pixels (a stride of 2 halves each side).",
                      NULL, NULL, 1, 1024, 1, TRUE },
  [FM_OPT_DILATION] = { "dilation", "_Dilation", "Spacing between filter taps, in pixels (1: adjacent).",
                        NULL, NULL, 1, 1024, 1, TRUE },
  [FM_OPT_ACTIVATION] = { "activation", "_Activation", "Function applied to each map value after the bias.",
                          activations, activation_help, 0, 5, FM_ACTIVATION_NONE, TRUE, TRUE },
  [FM_OPT_MAPPING] = { "mapping", "_Mapping", "How map values become pixel values.",
                       mappings, mapping_help, 0, 4, FM_MAPPING_RAW, TRUE, TRUE },
  [FM_OPT_DESTINATION] = { "destination", "D_estination", "Where the maps go.",
                           destinations, destination_help, 0, 1, FM_DESTINATION_LAYERS, FALSE },
};

const FmOptionSpec *
fm_option_spec (FmOptionId id)
{
  g_return_val_if_fail (id < FM_N_OPTIONS, NULL);
  return &specs[id];
}

int
fm_option_find (const char *name)
{
  for (int i = 0; i < FM_N_OPTIONS; i++)
    if (g_ascii_strcasecmp (specs[i].name, name) == 0)
      return i;
  return -1;
}

void
fm_options_init (FmOptions *opts)
{
  for (int i = 0; i < FM_N_OPTIONS; i++)
    fm_options_set (opts, i, specs[i].def, NULL);
}

/* The struct has named fields for readable call sites; these two functions
 * are the only place that maps ids to fields. */
static int *
field (FmOptions *opts, FmOptionId id)
{
  switch (id)
    {
    case FM_OPT_INPUT_MODE: return (int *) &opts->input_mode;
    case FM_OPT_PADDING: return (int *) &opts->padding;
    case FM_OPT_BORDER: return (int *) &opts->border;
    case FM_OPT_STRIDE: return &opts->stride;
    case FM_OPT_DILATION: return &opts->dilation;
    case FM_OPT_ACTIVATION: return (int *) &opts->activation;
    case FM_OPT_MAPPING: return (int *) &opts->mapping;
    case FM_OPT_DESTINATION: return (int *) &opts->destination;
    default: g_return_val_if_reached (NULL);
    }
}

int
fm_options_get (const FmOptions *opts, FmOptionId id)
{
  return *field ((FmOptions *) opts, id);
}

char *
fm_option_describe_range (FmOptionId id)
{
  const FmOptionSpec *s = fm_option_spec (id);
  if (!s->choices)
    return s->max > s->min ? g_strdup_printf ("%d to %d", s->min, s->max)
                           : g_strdup_printf ("%d", s->min);
  GString *str = g_string_new (NULL);
  for (int i = 0; s->choices[i]; i++)
    g_string_append_printf (str, "%s%d %s", i ? ", " : "", i, s->choices[i]);
  return g_string_free (str, FALSE);
}

static gboolean
check (FmOptionId id, int value, GError **error)
{
  const FmOptionSpec *s = fm_option_spec (id);
  if (value >= s->min && value <= s->max)
    return TRUE;
  if (!s->choices)
    {
      g_set_error (error, FM_OPTIONS_ERROR, FM_OPTIONS_ERROR_INVALID,
                   value < s->min ? "%s %d: must be ≥ %d" : "%s %d: must be ≤ %d",
                   s->name, value, value < s->min ? s->min : s->max);
      return FALSE;
    }
  g_autofree char *range = fm_option_describe_range (id);
  g_set_error (error, FM_OPTIONS_ERROR, FM_OPTIONS_ERROR_INVALID,
               "%s %d: must be one of %s", s->name, value, range);
  return FALSE;
}

gboolean
fm_options_set (FmOptions *opts, FmOptionId id, int value, GError **error)
{
  if (!check (id, value, error))
    return FALSE;
  *field (opts, id) = value;
  return TRUE;
}

gboolean
fm_options_set_string (FmOptions *opts, FmOptionId id, const char *text, GError **error)
{
  const FmOptionSpec *s = fm_option_spec (id);
  if (s->choices)
    for (int i = 0; s->choices[i]; i++)
      if (g_ascii_strcasecmp (s->choices[i], text) == 0)
        return fm_options_set (opts, id, i, error);

  gint64 number;
  if (text && *text && g_ascii_string_to_signed (text, 10, G_MININT, G_MAXINT, &number, NULL))
    return fm_options_set (opts, id, (int) number, error);

  g_autofree char *range = fm_option_describe_range (id);
  g_set_error (error, FM_OPTIONS_ERROR, FM_OPTIONS_ERROR_INVALID,
               "%s '%s': must be %s%s", s->name, text ? text : "",
               s->choices ? "one of " : "", range);
  return FALSE;
}

gboolean
fm_options_validate (const FmOptions *opts, GError **error)
{
  for (int i = 0; i < FM_N_OPTIONS; i++)
    if (!check (i, fm_options_get (opts, i), error))
      return FALSE;
  return TRUE;
}

const char *
fm_option_value_name (FmOptionId id, int value)
{
  const FmOptionSpec *s = fm_option_spec (id);
  if (!s->choices || value < s->min || value > s->max)
    return NULL;
  return s->choices[value];
}
