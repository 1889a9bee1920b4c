/* fm-pca: the first three principal components of a layer's channel
 * vectors, from streamed bands (fm-pca.h).
 *
 * Pass 1 gathers up to CHUNK pixels at a time as rows √w · (x − shift) of a
 * double matrix and folds them into the K × K sum of outer products with
 * BLAS dsyrk; the shift is the first band's mean, so sums of squares of
 * activations far from 0 do not cancel when the mean is taken out.  The
 * eigenvectors come from LAPACK dsyevr (only the three largest).  Pass 2
 * projects a band with one sgemm. */
#include "fm-pca.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Pixels folded per dsyrk call: enough for BLAS to run at speed, few
 * enough that the scratch stays small at K = FM_MAPS_MAX_CHANNELS. */
#define CHUNK_VALUES ((gsize) 1 << 20)

struct _FmPca {
  int K;
  gboolean shifted;
  double *shift;        /* K: subtracted before accumulating */
  double *sum;          /* K: Σ w (x − shift) */
  double *outer;        /* K × K, upper triangle: Σ w (x − shift)(x − shift)ᵀ */
  double weight;        /* Σ w */
  double *rows;         /* scratch: chunk × K */
  gsize chunk;

  gboolean solved;
  int n_comp;
  double *mean;                              /* K */
  double *comp;                              /* n_comp × K */
  double var[FM_PCA_COMPONENTS], explained[FM_PCA_COMPONENTS];
  float *comp_f;                             /* K × 3, for sgemm */
  double offset[FM_PCA_COMPONENTS];          /* mean · component */
};

FmPca *
fm_pca_new (int channels, GError **error)
{
  if (channels < 1 || channels > FM_MAPS_MAX_CHANNELS)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                   "%d channels (1 … %d are summarised)", channels, FM_MAPS_MAX_CHANNELS);
      return NULL;
    }
  FmPca *pca = g_new0 (FmPca, 1);
  pca->K = channels;
  pca->shift = g_new0 (double, channels);
  pca->sum = g_new0 (double, channels);
  pca->outer = g_try_new0 (double, (gsize) channels * channels);
  pca->chunk = MAX (64, CHUNK_VALUES / channels);
  pca->rows = g_try_new (double, pca->chunk * channels);
  pca->mean = g_new0 (double, channels);
  pca->comp = g_new0 (double, (gsize) FM_PCA_COMPONENTS * channels);
  pca->comp_f = g_new0 (float, (gsize) FM_PCA_COMPONENTS * channels);
  if (!pca->outer || !pca->rows)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_TOO_LARGE,
                   "out of memory for a %d × %d covariance", channels, channels);
      fm_pca_free (pca);
      return NULL;
    }
  return pca;
}

void
fm_pca_free (FmPca *pca)
{
  if (!pca)
    return;
  g_free (pca->shift);
  g_free (pca->sum);
  g_free (pca->outer);
  g_free (pca->rows);
  g_free (pca->mean);
  g_free (pca->comp);
  g_free (pca->comp_f);
  g_free (pca);
}

int
fm_pca_channels (const FmPca *pca)
{
  return pca->K;
}

static inline double
weight_of (const float *mask, gsize i)
{
  if (!mask)
    return 1.0;
  float w = mask[i];
  return w > 0 ? w : 0.0;
}

static gboolean
pixel_usable (const float *maps, gsize plane_stride, int K, gsize i)
{
  for (int k = 0; k < K; k++)
    if (!isfinite (maps[k * plane_stride + i]))
      return FALSE;
  return TRUE;
}

/* The first band with a usable pixel sets the shift: its weighted mean. */
static void
set_shift (FmPca *pca, const float *maps, gsize plane_stride, gsize n,
           const float *mask)
{
  double w_sum = 0;
  for (gsize i = 0; i < n; i++)
    {
      double w = weight_of (mask, i);
      if (w <= 0 || !pixel_usable (maps, plane_stride, pca->K, i))
        continue;
      w_sum += w;
      for (int k = 0; k < pca->K; k++)
        pca->shift[k] += w * maps[k * plane_stride + i];
    }
  if (w_sum <= 0)
    return;
  for (int k = 0; k < pca->K; k++)
    pca->shift[k] /= w_sum;
  pca->shifted = TRUE;
}

void
fm_pca_accumulate (FmPca *pca, const float *maps, gsize plane_stride,
                   int width, int n_rows, const float *mask)
{
  g_return_if_fail (pca && maps && !pca->solved);
  const int K = pca->K;
  const gsize n = (gsize) width * n_rows;
  if (!pca->shifted)
    set_shift (pca, maps, plane_stride, n, mask);
  if (!pca->shifted)
    return;   /* nothing usable yet */

  gsize filled = 0;
  for (gsize i = 0; i <= n; i++)
    {
      if (i < n)
        {
          double w = weight_of (mask, i);
          if (w <= 0 || !pixel_usable (maps, plane_stride, K, i))
            continue;
          double sw = sqrt (w);
          double *row = pca->rows + filled * K;
          for (int k = 0; k < K; k++)
            {
              double d = maps[k * plane_stride + i] - pca->shift[k];
              row[k] = sw * d;
              pca->sum[k] += w * d;
            }
          pca->weight += w;
          filled++;
        }
      if (filled && (filled == pca->chunk || i == n))
        {
          /* outer += rowsᵀ · rows (upper triangle) */
          cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, K, (int) filled, 1.0,
                       pca->rows, K, 1.0, pca->outer, K);
          filled = 0;
        }
    }
}

double
fm_pca_weight (const FmPca *pca)
{
  return pca->weight;
}

gboolean
fm_pca_solve (FmPca *pca, GError **error)
{
  g_return_val_if_fail (pca && !pca->solved, FALSE);
  const int K = pca->K;
  if (!(pca->weight > 0))
    {
      g_set_error_literal (error, FM_MAPS_ERROR, FM_MAPS_ERROR_EMPTY,
                           "no pixel to summarise (the mask is empty on the layer's grid)");
      return FALSE;
    }
  const double W = pca->weight;
  double *mean_d = g_new (double, K);
  for (int k = 0; k < K; k++)
    {
      mean_d[k] = pca->sum[k] / W;
      pca->mean[k] = pca->shift[k] + mean_d[k];
    }
  /* The covariance, in place of the sums (upper triangle). */
  double *cov = pca->outer, trace = 0;
  for (int i = 0; i < K; i++)
    for (int j = i; j < K; j++)
      {
        cov[(gsize) i * K + j] = cov[(gsize) i * K + j] / W - mean_d[i] * mean_d[j];
        if (i == j)
          trace += MAX (cov[(gsize) i * K + i], 0.0);
      }
  g_free (mean_d);

  const int m_want = MIN (FM_PCA_COMPONENTS, K);
  double ev[FM_PCA_COMPONENTS];
  double *z = g_new (double, (gsize) K * m_want);
  lapack_int *isuppz = g_new (lapack_int, 2 * (gsize) K);
  lapack_int m = 0;
  lapack_int info = LAPACKE_dsyevr (LAPACK_ROW_MAJOR, 'V', 'I', 'U', K, cov, K, 0, 0,
                                    K - m_want + 1, K, 0.0, &m, ev, z, m_want, isuppz);
  g_free (isuppz);
  if (info != 0 || m != m_want)
    {
      g_free (z);
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_NUMERIC,
                   "the eigenvectors of the %d × %d covariance did not converge "
                   "(LAPACK dsyevr: %d)", K, K, (int) info);
      return FALSE;
    }
  /* dsyevr gives them ascending: component 0 is the last column. */
  pca->n_comp = m_want;
  for (int c = 0; c < m_want; c++)
    {
      const int col = m_want - 1 - c;
      double *v = pca->comp + (gsize) c * K;
      int big = 0;
      for (int k = 0; k < K; k++)
        {
          v[k] = z[(gsize) k * m_want + col];
          if (fabs (v[k]) > fabs (v[big]))
            big = k;
        }
      if (v[big] < 0)
        for (int k = 0; k < K; k++)
          v[k] = -v[k];
      pca->var[c] = MAX (ev[col], 0.0);
      pca->explained[c] = trace > 0 ? pca->var[c] / trace : 0.0;
      double off = 0;
      for (int k = 0; k < K; k++)
        {
          off += pca->mean[k] * v[k];
          pca->comp_f[(gsize) k * FM_PCA_COMPONENTS + c] = (float) v[k];
        }
      pca->offset[c] = off;
    }
  g_free (z);
  pca->solved = TRUE;
  return TRUE;
}

int
fm_pca_n_components (const FmPca *pca)
{
  return pca->solved ? pca->n_comp : 0;
}

const double *
fm_pca_component (const FmPca *pca, int i)
{
  g_return_val_if_fail (pca->solved && i >= 0 && i < pca->n_comp, NULL);
  return pca->comp + (gsize) i * pca->K;
}

double
fm_pca_variance (const FmPca *pca, int i)
{
  g_return_val_if_fail (pca->solved && i >= 0 && i < pca->n_comp, 0);
  return pca->var[i];
}

double
fm_pca_explained (const FmPca *pca, int i)
{
  g_return_val_if_fail (pca->solved && i >= 0 && i < pca->n_comp, 0);
  return pca->explained[i];
}

const double *
fm_pca_mean (const FmPca *pca)
{
  g_return_val_if_fail (pca->solved, NULL);
  return pca->mean;
}

void
fm_pca_project (const FmPca *pca, const float *maps, gsize plane_stride,
                int width, int n_rows, float *out)
{
  g_return_if_fail (pca && pca->solved && maps && out);
  const int n = width * n_rows;
  if (n == 0)
    return;
  /* out (n × 3) = mapsᵀ (n × K, planes of plane_stride) · comp_f (K × 3);
   * components past K stay 0. */
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, n, FM_PCA_COMPONENTS, pca->K,
               1.0f, maps, (int) plane_stride, pca->comp_f, FM_PCA_COMPONENTS, 0.0f,
               out, FM_PCA_COMPONENTS);
  for (int i = 0; i < n; i++)
    for (int c = 0; c < pca->n_comp; c++)
      out[(gsize) i * FM_PCA_COMPONENTS + c] -= (float) pca->offset[c];
}

void
fm_pca_to_rgb (const FmPca *pca, const float *coords, gsize n_pixels, float *rgb)
{
  g_return_if_fail (pca && pca->solved);
  double scale[FM_PCA_COMPONENTS] = { 0 };
  for (int c = 0; c < pca->n_comp; c++)
    scale[c] = pca->var[c] > 0 ? 1.0 / (6.0 * sqrt (pca->var[c])) : 0.0;
  for (gsize i = 0; i < n_pixels * FM_PCA_COMPONENTS; i++)
    {
      const int c = i % FM_PCA_COMPONENTS;
      double v = 0.5 + coords[i] * scale[c];
      rgb[i] = isfinite (v) ? (float) CLAMP (v, 0.0, 1.0) : 0.5f;
    }
}
