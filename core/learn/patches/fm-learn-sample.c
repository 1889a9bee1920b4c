/* fm-learn-sample: patches drawn from images for the unsupervised methods.
 *
 * Sampling is reproducible: one Mersenne Twister (GLib's GRand) seeded with
 * --seed draws, for each patch, a uniform number that picks the image (in
 * proportion to its windows), then the window's row, column and (per-channel
 * mode) colour channel.  Every size and count is checked before anything is
 * allocated. */
#include "fm-learn-private.h"

#include <string.h>

#define DEFAULT_SAMPLES 10000
#define MAX_SAMPLES 1000000
/* floats the sampled patches may take (256 MB) */
#define MAX_PATCH_FLOATS ((gsize) 1 << 26)

void
fm_learn_patch_options_init (FmLearnPatchOptions *options)
{
  memset (options, 0, sizeof *options);
  options->method = FM_LEARN_METHOD_PCA;
  options->mode = FM_LEARN_MODE_AUTO;
  options->kh = options->kw = 7;
  options->n_filters = 8;
  options->seed = 1;
}

void
fm_learn_patches_free (FmLearnPatches *patches)
{
  if (!patches)
    return;
  g_free (patches->data);
  g_free (patches);
}

static gboolean
check_image (const FmLearnImage *img, int i, GError **error)
{
  g_autofree char *what = g_strdup_printf ("image %d", i + 1);
  double value;
  if (!fm_learn_check_pixels (img, what, error))
    return FALSE;
  if (fm_learn_image_is_flat (img, &value))
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_FLAT,
                   "image %d is flat (every pixel %g): there is no texture to learn "
                   "filters from", i + 1, value);
      return FALSE;
    }
  return TRUE;
}

FmLearnPatches *
fm_learn_sample_patches (const FmLearnImage *images, int n_images,
                         const FmLearnPatchOptions *opt, GError **error)
{
  g_return_val_if_fail (opt != NULL, NULL);
  if (n_images < 1 || !images)
    {
      g_set_error_literal (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                           "no image to learn from");
      return NULL;
    }
  if (opt->kh < 1 || opt->kw < 1 || opt->kh > FM_LEARN_MAX_SIDE || opt->kw > FM_LEARN_MAX_SIDE)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "patch size %d × %d: each side must be 1 to %d", opt->kh, opt->kw,
                   FM_LEARN_MAX_SIDE);
      return NULL;
    }
  if ((int) opt->method < 0 || opt->method >= FM_LEARN_N_METHODS)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "method %d: must be pca, kmeans or ica", opt->method);
      return NULL;
    }
  if ((int) opt->mode < 0 || opt->mode >= FM_LEARN_N_MODES)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "learning mode %d: must be auto, luminance, per-channel or full", opt->mode);
      return NULL;
    }
  const int n = opt->n_samples > 0 ? opt->n_samples : DEFAULT_SAMPLES;
  if (opt->n_samples < 0 || n > MAX_SAMPLES)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "%d patches: must be 1 to %d", opt->n_samples, MAX_SAMPLES);
      return NULL;
    }
  for (int i = 0; i < n_images; i++)
    {
      if (!check_image (&images[i], i, error))
        return NULL;
      if (opt->kh > images[i].height || opt->kw > images[i].width)
        {
          g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SIZE,
                       "a %d × %d patch is larger than image %d (%d × %d)", opt->kh,
                       opt->kw, i + 1, images[i].width, images[i].height);
          return NULL;
        }
    }

  /* The mode, from the first image; full needs every image to agree. */
  const int colour = fm_input_colour_channels (images[0].channels);
  FmLearnMode mode = opt->mode;
  if (mode == FM_LEARN_MODE_AUTO || (mode == FM_LEARN_MODE_FULL && colour == 1))
    mode = colour == 1 ? FM_LEARN_MODE_LUMINANCE : FM_LEARN_MODE_FULL;
  FmInputMode input = mode == FM_LEARN_MODE_LUMINANCE ? FM_INPUT_LUMINANCE
                    : mode == FM_LEARN_MODE_PER_CHANNEL ? FM_INPUT_PER_CHANNEL
                    : images[0].channels <= 4 ? FM_INPUT_RGB : FM_INPUT_AUTO;
  const int C = mode == FM_LEARN_MODE_FULL ? colour : 1;
  for (int i = 1; i < n_images && mode == FM_LEARN_MODE_FULL; i++)
    if (fm_input_colour_channels (images[i].channels) != colour
        || (images[i].channels > 4) != (images[0].channels > 4))
      {
        g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                     "image %d has %d colour channels but image 1 has %d: full filters "
                     "need the same channels everywhere (or use --mode luminance)",
                     i + 1, fm_input_colour_channels (images[i].channels), colour);
        return NULL;
      }

  const int dim = opt->kh * opt->kw * C;
  const int K = opt->n_filters;
  const char *mname = fm_learn_method_name (opt->method);
  int max_k = opt->method == FM_LEARN_METHOD_PCA ? dim
            : opt->method == FM_LEARN_METHOD_ICA ? dim - 1 : n;
  if (K < 1 || K > max_k)
    {
      if (K >= 1 && opt->method == FM_LEARN_METHOD_KMEANS)
        g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                     "%d filters from %d patches: k-means needs at least one patch "
                     "per filter (raise --samples)", K, n);
      else if (K >= 1)
        g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                     "%d filters is more than a %d × %d × %d patch allows: it has %d "
                     "dimensions, so %s learns at most %d filters%s", K, opt->kh, opt->kw,
                     C, dim, mname, max_k,
                     opt->method == FM_LEARN_METHOD_ICA ? " (contrast normalisation "
                     "removes one dimension)" : "");
      else
        g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                     "%d filters: must be at least 1", K);
      return NULL;
    }
  if ((gsize) n * dim > MAX_PATCH_FLOATS)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "%d patches of %d values is too much (at most %" G_GSIZE_FORMAT
                   " values): use fewer --samples or a smaller patch", n, dim,
                   MAX_PATCH_FLOATS);
      return NULL;
    }

  FmInput **in = g_new0 (FmInput *, n_images);
  double *cumulative = g_new (double, n_images);
  double total = 0;
  int nch_max = 1;
  FmLearnPatches *out = NULL;
  for (int i = 0; i < n_images; i++)
    {
      if (!(in[i] = fm_learn_input_new (input, C, images[i].channels, error)))
        goto done;
      const int S = mode == FM_LEARN_MODE_PER_CHANNEL ? fm_input_channels (in[i]) : 1;
      nch_max = MAX (nch_max, fm_input_channels (in[i]));
      total += (double) (images[i].height - opt->kh + 1) * (images[i].width - opt->kw + 1) * S;
      cumulative[i] = total;
    }

  out = g_new0 (FmLearnPatches, 1);
  out->n = n;
  out->dim = dim;
  out->kh = opt->kh;
  out->kw = opt->kw;
  out->channels = C;
  out->input = input;
  out->data = g_new (float, (gsize) n * dim);
  float *row = g_new (float, (gsize) opt->kw * nch_max);
  GRand *rand = g_rand_new_with_seed (opt->seed);
  for (int k = 0; k < n; k++)
    {
      const double u = g_rand_double (rand) * total;
      int i = 0;
      while (i < n_images - 1 && u >= cumulative[i])
        i++;
      const FmLearnImage *img = &images[i];
      const int nch = fm_input_channels (in[i]);
      const int y = g_rand_int_range (rand, 0, img->height - opt->kh + 1);
      const int x = g_rand_int_range (rand, 0, img->width - opt->kw + 1);
      const int s = mode == FM_LEARN_MODE_PER_CHANNEL ? g_rand_int_range (rand, 0, nch) : 0;
      float *dst = out->data + (gsize) k * dim;
      for (int r = 0; r < opt->kh; r++)
        {
          const float *src = img->pixels
                             + ((gsize) (y + r) * img->width + x) * img->channels;
          fm_input_convert (in[i], src, row, opt->kw);
          for (int j = 0; j < opt->kw; j++)
            for (int c = 0; c < C; c++)
              dst[(r * opt->kw + j) * C + c] = row[(gsize) j * nch + s + c];
        }
    }
  g_rand_free (rand);
  g_free (row);

done:
  for (int i = 0; i < n_images; i++)
    fm_input_free (in[i]);
  g_free (in);
  g_free (cumulative);
  return out;
}

