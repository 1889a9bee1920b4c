/* fm-learn-patches: patches drawn from images, the preprocessing the methods
 * share (contrast normalisation, centring, covariance, eigen-decomposition),
 * and the bank the learned filters become.
 *
 * Sampling is reproducible: one Mersenne Twister (GLib's GRand) seeded with
 * --seed draws, for each patch, a uniform number that picks the image (in
 * proportion to its windows), then the window's row, column and (per-channel
 * mode) colour channel. */
#include "fm-learn-private.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
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

static FmInput *
make_input (FmInputMode mode, int bank_channels, int image_channels, GError **error)
{
  g_autoptr (FmBank) bank = fm_bank_new ("learn", 1, 1, bank_channels, 1);
  bank->input = mode;
  return fm_input_new (bank, mode, image_channels, error);
}

static gboolean
check_image (const FmLearnImage *img, int i, GError **error)
{
  if (!img->pixels || img->width < 1 || img->height < 1 || img->channels < 1
      || img->channels > FM_LEARN_MAX_PLANES)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "image %d: empty, or with %d channels", i + 1, img->channels);
      return FALSE;
    }
  const gsize n = (gsize) img->width * img->height * img->channels;
  for (gsize k = 0; k < n; k++)
    if (!isfinite (img->pixels[k]))
      {
        const gsize px = k / img->channels;
        g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_NOT_FINITE,
                     "image %d: pixel (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                     ") channel %d is %s: every value must be a finite number", i + 1,
                     px % img->width, px / img->width, (int) (k % img->channels),
                     isnan (img->pixels[k]) ? "NaN" : "infinite");
        return FALSE;
      }
  const int C = img->channels, colour = fm_input_colour_channels (C);
  gboolean flat = TRUE;
  for (int c = 0; c < colour && flat; c++)
    for (gsize p = 1; p < (gsize) img->width * img->height; p++)
      if (img->pixels[p * C + c] != img->pixels[c])
        {
          flat = FALSE;
          break;
        }
  if (flat)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_FLAT,
                   "image %d is flat (every pixel %g): there is no texture to learn "
                   "filters from", i + 1, img->pixels[0]);
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
      if (!(in[i] = make_input (input, C, images[i].channels, error)))
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

double *
fm_learn_patches_to_double (const FmLearnPatches *p)
{
  const gsize n = (gsize) p->n * p->dim;
  double *X = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    X[i] = p->data[i];
  return X;
}

void
fm_learn_contrast_normalise (double *X, int n, int dim, double eps)
{
  for (int i = 0; i < n; i++)
    {
      double *x = X + (gsize) i * dim, mean = 0, var = 0;
      for (int d = 0; d < dim; d++)
        mean += x[d];
      mean /= dim;
      for (int d = 0; d < dim; d++)
        var += (x[d] - mean) * (x[d] - mean);
      var /= dim;
      const double inv = 1.0 / sqrt (var + eps);
      for (int d = 0; d < dim; d++)
        x[d] = (x[d] - mean) * inv;
    }
}

void
fm_learn_centre (double *X, int n, int dim, double *mean)
{
  memset (mean, 0, dim * sizeof (double));
  for (int i = 0; i < n; i++)
    for (int d = 0; d < dim; d++)
      mean[d] += X[(gsize) i * dim + d];
  for (int d = 0; d < dim; d++)
    mean[d] /= n;
  for (int i = 0; i < n; i++)
    for (int d = 0; d < dim; d++)
      X[(gsize) i * dim + d] -= mean[d];
}

void
fm_learn_covariance (const double *X, int n, int dim, double *C)
{
  memset (C, 0, (gsize) dim * dim * sizeof (double));
  cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, dim, n, 1.0 / n, X, dim, 0.0, C, dim);
  for (int u = 0; u < dim; u++)
    for (int v = 0; v < u; v++)
      C[(gsize) u * dim + v] = C[(gsize) v * dim + u];
}

gboolean
fm_learn_eigen (double *A, int dim, double *values, GError **error)
{
  lapack_int info = LAPACKE_dsyevd (LAPACK_ROW_MAJOR, 'V', 'U', dim, A, dim, values);
  if (info != 0)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SOLVE,
                   "the eigen-decomposition of the patches' covariance failed "
                   "(LAPACK dsyevd info %d)", (int) info);
      return FALSE;
    }
  return TRUE;
}

/* ---- the bank ------------------------------------------------------------------ */

typedef struct {
  int k;
  double score;
} Rank;

static int
by_score (const void *a, const void *b)
{
  const Rank *x = a, *y = b;
  if (x->score != y->score)
    return x->score < y->score ? 1 : -1;
  return x->k - y->k; /* stable: equal scores keep their order */
}

FmBank *
fm_learn_patches (const FmLearnPatches *patches, const FmLearnPatchOptions *opt,
                  FmLearnPatchReport *report, GError **error)
{
  g_return_val_if_fail (patches && opt, NULL);
  const int K = opt->n_filters, dim = patches->dim;
  FmLearnPatchReport rep = { 0 };
  FmLearnFilters f = { 0 };
  gboolean ok;
  switch (opt->method)
    {
    case FM_LEARN_METHOD_PCA:
      ok = fm_learn_pca (patches, K, &f, &rep, error);
      break;
    case FM_LEARN_METHOD_KMEANS:
      ok = fm_learn_kmeans (patches, K, opt->seed, &f, &rep, error);
      break;
    case FM_LEARN_METHOD_ICA:
      ok = fm_learn_ica (patches, K, opt->seed, &f, &rep, error);
      break;
    default:
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "method %d: must be pca, kmeans or ica", opt->method);
      return NULL;
    }
  if (!ok)
    return NULL;

  Rank *rank = g_new (Rank, K);
  for (int k = 0; k < K; k++)
    rank[k] = (Rank) { k, f.score[k] };
  qsort (rank, K, sizeof *rank, by_score);

  const char *method = fm_learn_method_name (opt->method);
  g_autofree char *fallback = g_strdup_printf ("Learned (%s)", method);
  FmBank *bank = fm_bank_new (opt->name && *opt->name ? opt->name : fallback,
                              patches->kh, patches->kw, patches->channels, K);
  g_free (bank->kind);
  bank->kind = g_strdup ("learned");
  g_free (bank->description);
  bank->description = g_strdup_printf (
    "Learned from %d patches of %d × %d × %d by %s (seed %u): %s.", patches->n,
    patches->kh, patches->kw, patches->channels, method, opt->seed,
    fm_learn_method_help (opt->method));
  bank->input = patches->input;
  bank->def_padding = FM_PADDING_SAME;
  bank->def_border = FM_BORDER_CLAMP;
  bank->def_mapping = FM_MAPPING_NORMALIZE;
  static const char *const stem[] = { "pc", "k-means", "ic" };
  for (int r = 0; r < K; r++)
    {
      const int k = rank[r].k;
      FmFilter *flt = &bank->filters[r];
      g_free (flt->name);
      if (opt->method == FM_LEARN_METHOD_ICA)
        flt->name = g_strdup_printf ("%s %d (negentropy %.3g)", stem[opt->method], r + 1,
                                     f.score[k]);
      else
        flt->name = g_strdup_printf ("%s %d (%.1f %%%s)", stem[opt->method], r + 1,
                                     100 * f.score[k],
                                     opt->method == FM_LEARN_METHOD_PCA ? " of the variance"
                                                                        : " of the patches");
      for (int d = 0; d < dim; d++)
        flt->weights[d] = (float) f.filters[(gsize) k * dim + d];
      flt->bias = (float) f.bias[k];
    }
  g_free (rank);
  g_free (f.filters);
  g_free (f.bias);
  g_free (f.score);
  if (!fm_bank_validate (bank, error))
    {
      fm_bank_free (bank);
      return NULL;
    }
  if (report)
    *report = rep;
  return bank;
}
