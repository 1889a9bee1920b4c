/* fm-input: image pixels → the channels the bank's weights expect. */
#include "fm-input.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (fm-input-error-quark, fm_input_error)

/* Rec. 709 luma weights, applied to perceptual values as video does. */
#define LUMA_R 0.2126f
#define LUMA_G 0.7152f
#define LUMA_B 0.0722f

#define MAX_CHANNELS 4096

struct _FmInput {
  FmInputMode mode;       /* resolved; AUTO = raw channels */
  int image_channels;
  int colour;             /* colour channels of the image (alpha not counted) */
  gboolean has_alpha;
  int channels;           /* produced per pixel */
  gboolean linear, bgr;
  float *scale, *shift;   /* per produced channel: v · scale − shift */
};

int
fm_input_colour_channels (int image_channels)
{
  switch (image_channels)
    {
    case 2: return 1;
    case 4: return 3;
    default: return image_channels;
    }
}

const char *
fm_input_mode_name (FmInputMode mode)
{
  if (mode == FM_INPUT_AUTO)
    return "raw";
  return fm_option_value_name (FM_OPT_INPUT_MODE, mode);
}

static const char *
plural (int n)
{
  return n == 1 ? "" : "s";
}

/* Channels the bank must have for a mode; 0 = the image's own count. */
static int
bank_channels_for (FmInputMode mode, int image_channels)
{
  switch (mode)
    {
    case FM_INPUT_LUMINANCE: return 1;
    case FM_INPUT_RGB: return 3;
    case FM_INPUT_RGBA: return 4;
    case FM_INPUT_PER_CHANNEL: return 1;
    default: return image_channels;
    }
}

static gboolean
resolve (const FmInputTarget *t, FmInputMode requested, int image_channels,
         FmInputMode *mode, GError **error)
{
  int c = t->channels;
  const char *label = t->label && *t->label ? t->label : t->kind;

  if (requested == FM_INPUT_AUTO)
    requested = t->declared;
  if (requested == FM_INPUT_AUTO)
    {
      if (c == 1)
        requested = FM_INPUT_LUMINANCE;
      else if (c == 3 && image_channels <= 4)
        requested = FM_INPUT_RGB;
      else if (c == 4 && image_channels <= 4)
        requested = FM_INPUT_RGBA;
      else if (c != image_channels)
        {
          g_set_error (error, FM_INPUT_ERROR, FM_INPUT_ERROR_MISMATCH,
                       "input mode auto: '%s' has %d channel%s but the image "
                       "has %d (a %s needs 1, 3 or 4 channels, or the "
                       "image's own count)",
                       label, c, plural (c), image_channels, t->kind);
          return FALSE;
        }
    }

  int need = bank_channels_for (requested, image_channels);
  if (c != need)
    {
      g_set_error (error, FM_INPUT_ERROR, FM_INPUT_ERROR_MISMATCH,
                   "input mode %s needs a %d-channel %s; '%s' has %d channel%s",
                   fm_input_mode_name (requested), need, t->kind, label,
                   c, plural (c));
      return FALSE;
    }
  /* Colour modes need to know which channel is which. */
  if (requested != FM_INPUT_AUTO && requested != FM_INPUT_PER_CHANNEL
      && image_channels > 4)
    {
      g_set_error (error, FM_INPUT_ERROR, FM_INPUT_ERROR_MISMATCH,
                   "input mode %s needs a grey or colour image (1 to 4 "
                   "channels); the image has %d channels",
                   fm_input_mode_name (requested), image_channels);
      return FALSE;
    }
  *mode = requested;
  return TRUE;
}

FmInput *
fm_input_new_for (const FmInputTarget *target, FmInputMode mode, int image_channels,
                  GError **error)
{
  g_return_val_if_fail (target != NULL, NULL);
  const FmInputDecl *d = &target->decl;

  if (image_channels < 1 || image_channels > MAX_CHANNELS)
    {
      g_set_error (error, FM_INPUT_ERROR, FM_INPUT_ERROR_MISMATCH,
                   "image with %d channels: must have 1 to %d",
                   image_channels, MAX_CHANNELS);
      return NULL;
    }

  FmInputMode resolved;
  if (!resolve (target, mode, image_channels, &resolved, error))
    return NULL;

  FmInput *in = g_new0 (FmInput, 1);
  in->mode = resolved;
  in->image_channels = image_channels;
  in->colour = fm_input_colour_channels (image_channels);
  in->has_alpha = image_channels == 2 || image_channels == 4;
  in->channels = resolved == FM_INPUT_PER_CHANNEL ? in->colour : target->channels;

  gboolean colour_meaning = resolved != FM_INPUT_AUTO && image_channels <= 4;
  in->linear = d->linear && colour_meaning;
  in->bgr = d->bgr && colour_meaning
            && (resolved == FM_INPUT_RGB || resolved == FM_INPUT_RGBA);

  in->scale = g_new (float, in->channels);
  in->shift = g_new (float, in->channels);
  double range = d->range > 0 ? d->range : 1.0;
  for (int c = 0; c < in->channels; c++)
    {
      /* Per-channel runs a 1-channel bank: its channel 0 for every colour. */
      int bc = resolved == FM_INPUT_PER_CHANNEL ? 0 : c;
      double mean = d->n_mean == 0 ? 0.0 : d->mean[MIN (bc, d->n_mean - 1)];
      double std = d->n_std == 0 ? 1.0 : d->std[MIN (bc, d->n_std - 1)];
      in->scale[c] = (float) (range / std);
      in->shift[c] = (float) (mean / std);
    }
  return in;
}

void
fm_input_decl_init (FmInputDecl *decl)
{
  memset (decl, 0, sizeof *decl);
  decl->range = 1.0;
}

FmInput *
fm_input_new (const FmBank *bank, FmInputMode mode, int image_channels,
              GError **error)
{
  g_return_val_if_fail (bank != NULL, NULL);
  FmInputTarget t = {
    .label = bank->name && *bank->name ? bank->name : "the bank",
    .kind = "bank",
    .channels = bank->channels,
    .declared = bank->input,
  };
  fm_bank_input_decl (bank, &t.decl);
  return fm_input_new_for (&t, mode, image_channels, error);
}

void
fm_input_free (FmInput *input)
{
  if (!input)
    return;
  g_free (input->scale);
  g_free (input->shift);
  g_free (input);
}

FmInputMode
fm_input_mode (const FmInput *input)
{
  return input->mode;
}

int
fm_input_image_channels (const FmInput *input)
{
  return input->image_channels;
}

int
fm_input_channels (const FmInput *input)
{
  return input->channels;
}

/* sRGB transfer function, extended by symmetry to negative values (a .npy
 * may hold any float). */
static inline float
srgb_decode (float v)
{
  float a = fabsf (v);
  float l = a <= 0.04045f ? a / 12.92f : powf ((a + 0.055f) / 1.055f, 2.4f);
  return v < 0 ? -l : l;
}

/* One pixel's colour in R', G', B', A order (grey replicated), decoded to
 * linear light when the bank asks for it. */
static inline void
read_colour (const FmInput *in, const float *p, float rgba[4])
{
  if (in->colour == 1)
    rgba[0] = rgba[1] = rgba[2] = in->linear ? srgb_decode (p[0]) : p[0];
  else
    for (int i = 0; i < 3; i++)
      rgba[i] = in->linear ? srgb_decode (p[i]) : p[i];
  rgba[3] = in->has_alpha ? p[in->colour] : 1.0f;
}

void
fm_input_convert (const FmInput *in, const float *pixels, float *dst,
                  gsize n_pixels)
{
  const int n_in = in->image_channels, n_out = in->channels;

  for (gsize i = 0; i < n_pixels; i++)
    {
      const float *p = pixels + i * n_in;
      float *o = dst + i * n_out;
      float rgba[4];

      switch (in->mode)
        {
        case FM_INPUT_LUMINANCE:
          read_colour (in, p, rgba);
          o[0] = in->colour == 1 ? rgba[0]
                 : LUMA_R * rgba[0] + LUMA_G * rgba[1] + LUMA_B * rgba[2];
          break;
        case FM_INPUT_RGB:
        case FM_INPUT_RGBA:
          read_colour (in, p, rgba);
          if (in->bgr)
            {
              float r = rgba[0];
              rgba[0] = rgba[2];
              rgba[2] = r;
            }
          for (int c = 0; c < n_out; c++)
            o[c] = rgba[c];
          break;
        case FM_INPUT_PER_CHANNEL:
          for (int c = 0; c < n_out; c++)
            o[c] = in->linear ? srgb_decode (p[c]) : p[c];
          break;
        default: /* raw channels */
          for (int c = 0; c < n_out; c++)
            o[c] = p[c];
          break;
        }

      for (int c = 0; c < n_out; c++)
        o[c] = o[c] * in->scale[c] - in->shift[c];
    }
}
