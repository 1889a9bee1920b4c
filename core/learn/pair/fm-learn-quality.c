/* fm-learn-quality: how well the learned bank reproduces the after image,
 * measured by running it through the engine exactly as `featuremaps apply
 * -k BANK --padding same --mapping raw` will (fm_job: float32 weights, the
 * bank's input conversion, bands on every core), and comparing inside the
 * fitted region — the windows wholly inside the image, and the mask. */
#include "fm-learn-private.h"

#include "fm-job.h"

#include <string.h>

typedef struct {
  const FmLearnProblem *pb;
  int lc;                       /* channels per layer: nch for per-channel, else 1 */
  int band_y0, band_rows;       /* the after rows converted in arows */
  float *arows, *mrows;
  gsize arows_len, mrows_len;
  FmLearnQualityStats *st;
} Sink;

static gboolean
read_before (gpointer data, int y0, int n_rows, float *pixels, GError **error)
{
  (void) error;
  const FmLearnImage *img = data;
  const gsize row = (gsize) img->width * img->channels;
  memcpy (pixels, img->pixels + (gsize) y0 * row, n_rows * row * sizeof (float));
  return TRUE;
}

static float *
grow (float **buf, gsize *len, gsize need)
{
  if (need > *len)
    {
      g_free (*buf);
      *buf = g_new (float, need);
      *len = need;
    }
  return *buf;
}

/* Converts the after rows (and mask rows) of a band once, for all layers. */
static void
load_band (Sink *s, int y0, int n_rows)
{
  const FmLearnProblem *pb = s->pb;
  if (s->band_y0 == y0 && s->band_rows == n_rows)
    return;
  const int W = pb->W;
  float *a = grow (&s->arows, &s->arows_len, (gsize) n_rows * W * pb->nch);
  float *m = pb->mask ? grow (&s->mrows, &s->mrows_len, (gsize) n_rows * W) : NULL;
  for (int r = 0; r < n_rows; r++)
    {
      const int y = y0 + r;
      fm_input_convert (pb->in_after, pb->after->pixels + (gsize) y * W * pb->after->channels,
                        a + (gsize) r * W * pb->nch, W);
      if (m)
        fm_input_convert (pb->in_mask, pb->mask->pixels + (gsize) y * W * pb->mask->channels,
                          m + (gsize) r * W, W);
    }
  s->band_y0 = y0;
  s->band_rows = n_rows;
}

static gboolean
compare (gpointer data, int layer, int y0, int n_rows, const float *pixels, GError **error)
{
  (void) error;
  Sink *s = data;
  const FmLearnProblem *pb = s->pb;
  FmLearnQualityStats *st = s->st;
  const int W = pb->W, nch = pb->nch, lc = s->lc;
  load_band (s, y0, n_rows);
  for (int r = 0; r < n_rows; r++)
    {
      const int y = y0 + r;
      if (y < pb->pt || y >= pb->pt + pb->Hv)
        continue;
      const float *a = s->arows + (gsize) r * W * nch;
      const float *m = s->mrows ? s->mrows + (gsize) r * W : NULL;
      const float *v = pixels + (gsize) r * W * lc;
      for (int x = pb->pl; x < pb->pl + pb->Wv; x++)
        {
          if (m && !(m[x] >= 0.5f))
            continue;
          for (int c = 0; c < lc; c++)
            {
              const int plane = lc > 1 ? c : layer;
              const double t = a[(gsize) x * nch + plane];
              const double d = t - v[(gsize) x * lc + c];
              st->sum_r2 += d * d;
              st->sum_y[plane] += t;
              st->sum_y2[plane] += t * t;
              st->n_clipped += t == 0.0 || t == 1.0;
            }
          if (layer == 0)
            st->n_fit += lc;
        }
    }
  return TRUE;
}

gboolean
fm_learn_quality_measure (const FmLearnProblem *pb, const FmBank *bank,
                          FmLearnQualityStats *st, GError **error)
{
  memset (st, 0, sizeof *st);
  FmOptions opts;
  fm_options_init (&opts);
  opts.padding = FM_PADDING_SAME;
  opts.border = FM_BORDER_CLAMP;
  opts.mapping = FM_MAPPING_RAW;
  opts.input_mode = bank->input;
  FmImageInfo info = { pb->W, pb->H, pb->before->channels };
  FmJob *job = fm_job_new (bank, &opts, &info, error);
  if (!job)
    return FALSE;
  Sink s = { .pb = pb, .lc = fm_job_layer_channels (job), .band_y0 = -1, .st = st };
  gboolean ok = fm_job_run (job, read_before, (gpointer) pb->before, compare, &s, NULL,
                            NULL, error);
  fm_job_free (job);
  g_free (s.arows);
  g_free (s.mrows);
  return ok;
}
