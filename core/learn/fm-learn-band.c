/* fm-learn-band: a band of rows as the fit reads them — every plane apart,
 * in doubles, minus its centring shift, each row followed by zero padding
 * (FM_LEARN_ROW_PAD) so the kernels may read past its end.
 *
 * The pixels go through the same fm-input conversion `featuremaps apply`
 * will use with the learned bank, so the fit sees the values the bank will. */
#include "fm-learn-private.h"

#include <string.h>

void
fm_learn_band_init (FmLearnBand *band, const FmLearnProblem *pb)
{
  memset (band, 0, sizeof *band);
  band->bstride = (gsize) pb->W + FM_LEARN_ROW_PAD;
  band->tstride = (gsize) pb->Wv + FM_LEARN_ROW_PAD;
  band->cap_b = MIN (pb->band_rows + pb->kh - 1, pb->H);
  band->cap_w = MIN (pb->band_rows, pb->Hv);
  band->b = g_new0 (double, (gsize) pb->nch * band->cap_b * band->bstride);
  band->t = g_new0 (double, (gsize) pb->nch * band->cap_w * band->tstride);
  if (pb->mask)
    band->m = g_new0 (guint8, (gsize) band->cap_w * pb->Wv);
  int img_c = MAX (pb->before->channels, pb->after->channels);
  if (pb->mask)
    img_c = MAX (img_c, pb->mask->channels);
  band->tmp = g_new (float, (gsize) pb->W * MAX (pb->nch, img_c));
}

void
fm_learn_band_clear (FmLearnBand *band)
{
  g_free (band->b);
  g_free (band->t);
  g_free (band->m);
  g_free (band->tmp);
  memset (band, 0, sizeof *band);
}

/* Before rows [r0, r1) and windows [w0, w1) (targets and mask). */
void
fm_learn_band_load (FmLearnBand *band, const FmLearnProblem *pb, int r0, int r1,
                    int w0, int w1)
{
  g_assert (r1 - r0 <= band->cap_b && w1 - w0 <= band->cap_w);
  const int W = pb->W, nch = pb->nch;
  band->r0 = r0;
  band->r1 = r1;
  band->w0 = w0;
  band->w1 = MAX (w0, w1);

  for (int y = r0; y < r1; y++)
    {
      const float *src = pb->before->pixels + (gsize) y * W * pb->before->channels;
      fm_input_convert (pb->in_before, src, band->tmp, W);
      for (int c = 0; c < nch; c++)
        {
          double *dst = (double *) fm_learn_band_brow (band, c, y);
          const double shift = pb->shift_b[c];
          for (int x = 0; x < W; x++)
            dst[x] = band->tmp[(gsize) x * nch + c] - shift;
          memset (dst + W, 0, FM_LEARN_ROW_PAD * sizeof (double));
        }
    }

  for (int py = w0; py < w1; py++)
    {
      const int y = py + pb->pt;
      const float *src = pb->after->pixels + (gsize) y * W * pb->after->channels;
      fm_input_convert (pb->in_after, src, band->tmp, W);
      for (int c = 0; c < nch; c++)
        {
          double *dst = (double *) fm_learn_band_trow (band, c, py);
          const double shift = pb->shift_a[c];
          const float *t = band->tmp + (gsize) pb->pl * nch + c;
          for (int x = 0; x < pb->Wv; x++)
            dst[x] = t[(gsize) x * nch] - shift;
          memset (dst + pb->Wv, 0, FM_LEARN_ROW_PAD * sizeof (double));
        }
      if (pb->mask)
        {
          const float *msrc = pb->mask->pixels + (gsize) y * W * pb->mask->channels;
          fm_input_convert (pb->in_mask, msrc, band->tmp, W);
          guint8 *m = band->m + (gsize) (py - w0) * pb->Wv;
          for (int x = 0; x < pb->Wv; x++)
            m[x] = band->tmp[x + pb->pl] >= 0.5f;
        }
    }
}
