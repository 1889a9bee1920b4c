/* fm-dialog-net-run: what the dialog runs of a network, from its worker
 * threads — a snapshot of the layers with the region (halo, alignment) the
 * preview's rectangle needs, and the ranking and summary on it. */
#include "fm-dialog-net.h"
#include "fm-pca.h"

#include <math.h>
#include <string.h>

/* ---- running ------------------------------------------------------------ */

static int
gcd (int a, int b)
{
  while (b)
    {
      int t = a % b;
      a = b;
      b = t;
    }
  return a;
}

static int
lcm (int a, int b)
{
  a = MAX (a, 1);
  b = MAX (b, 1);
  /* strides are small; a huge product falls back to reading from 0 */
  gint64 l = (gint64) a / gcd (a, b) * b;
  return l > (1 << 20) ? (1 << 20) : (int) l;
}

static void
run_add_layer (FmDialogNetRun *run, const FmNetLayerInfo *info)
{
  run->halo = MAX (run->halo, MAX (info->field_h, info->field_w) / 2 +
                              MAX (info->stride_y, info->stride_x));
  run->align_y = lcm (run->align_y, info->stride_y);
  run->align_x = lcm (run->align_x, info->stride_x);
}

static FmDialogNetRun *
run_new (const FmDialogNet *net, char **layers, int first, int n)
{
  FmDialogNetRun *run = g_new0 (FmDialogNetRun, 1);
  run->graph = fm_dialog_net_graph_ref (net->graph);
  run->layers = layers;
  run->n_layers = g_strv_length (layers);
  run->align_y = run->align_x = 1;
  for (int i = first; i < first + n; i++)
    run_add_layer (run, fm_dialog_net_layer (net, g_array_index (net->picks,
                                                                 FmDialogNetPick, i).layer));
  return run;
}

/* One axis: start at a multiple of align at or before pos − halo. */
static void
region_1d (int size, int pos, int len, int halo, int align, int *r0, int *rn)
{
  int start = MAX (0, pos - halo);
  start -= start % MAX (align, 1);
  *r0 = start;
  *rn = MIN (size, pos + len + halo) - start;
}

void
fm_dialog_net_run_region (const FmDialogNetRun *run, int width, int height, int x, int y,
                          int w, int h, int *rx, int *ry, int *rw, int *rh)
{
  region_1d (width, x, w, run->halo, run->align_x, rx, rw);
  region_1d (height, y, h, run->halo, run->align_y, ry, rh);
}

FmDialogNetRun *
fm_dialog_net_run_new (const FmDialogNet *net, gboolean first_only)
{
  if (!net->picks->len)
    return NULL;
  return run_new (net, fm_dialog_net_layer_texts (net, first_only ? 1 : 0), 0,
                  first_only ? 1 : (int) net->picks->len);
}

FmDialogNetRun *
fm_dialog_net_run_new_layer (const FmDialogNet *net, int layer)
{
  const FmNetLayerInfo *info = fm_dialog_net_layer (net, layer);
  if (!info || info->unsupported)
    return NULL;
  FmDialogNetPick pick = { layer, 0, NULL };
  char **layers = g_new0 (char *, 2);
  layers[0] = fm_dialog_net_layer_text (net, &pick);
  FmDialogNetRun *run = run_new (net, layers, 0, 0);
  run_add_layer (run, info);
  return run;
}

void
fm_dialog_net_run_free (FmDialogNetRun *run)
{
  if (!run)
    return;
  fm_dialog_net_graph_unref (run->graph);
  g_strfreev (run->layers);
  g_free (run);
}

FmJob *
fm_dialog_net_run_job (const FmDialogNetRun *run, const FmOptions *options,
                       const FmImageInfo *image, GError **error)
{
  FmJobKernel kernel = { NULL, run->graph->graph, (const char *const *) run->layers,
                         run->n_layers };
  return fm_job_new_for (&kernel, options, image, error);
}

/* Map row i's window is centred on input row offset + i · stride: keep the
 * rows whose centre falls inside [y0, y0 + h). */
static void
inner_1d (double offset, int stride, int n, int start, int len, int *o0, int *on)
{
  int first = (int) ceil ((start - offset) / MAX (stride, 1));
  int last = (int) ceil ((start + len - offset) / MAX (stride, 1)) - 1;
  first = CLAMP (first, 0, n);
  last = CLAMP (last, first - 1, n - 1);
  *o0 = first;
  *on = last - first + 1;
}

void
fm_dialog_net_inner (const FmJobOutput *out, int out_w, int out_h, int x0, int y0,
                     int w, int h, int *ox0, int *oy0, int *ow, int *oh)
{
  inner_1d (out->offset_x, out->stride_x, out_w, x0, w, ox0, ow);
  inner_1d (out->offset_y, out->stride_y, out_h, y0, h, oy0, oh);
}

/* ---- ranking ---------------------------------------------------------------- */

typedef struct {
  const float *pixels;
  gsize row;
  FmChannelStats *stats;
  float *mask;          /* out grid: 1 inside the rectangle, 0 in the halo */
} RankRun;

static gboolean
rank_source (gpointer data, int y0, int n_rows, float *pixels, GError **error)
{
  RankRun *r = data;
  (void) error;
  memcpy (pixels, r->pixels + (gsize) y0 * r->row, (gsize) n_rows * r->row * sizeof (float));
  return TRUE;
}

static gboolean
rank_band (gpointer data, int y0, int n_rows, const float *maps, gsize plane_stride,
           int width, GError **error)
{
  RankRun *r = data;
  (void) error;
  fm_channel_stats_accumulate (r->stats, maps, plane_stride, width, n_rows,
                               r->mask + (gsize) y0 * width);
  return TRUE;
}

FmChannelRank *
fm_dialog_net_rank (const FmDialogNetRun *run, const float *pixels,
                    const FmImageInfo *in, int x0, int y0, int w, int h,
                    FmRankBy by, int *n, FmProgress progress,
                    gpointer progress_data, GError **error)
{
  FmOptions options;
  fm_options_init (&options);
  options.mapping = FM_MAPPING_RAW;   /* the activations themselves */
  FmJob *job = fm_dialog_net_run_job (run, &options, in, error);
  if (!job)
    return NULL;
  const FmJobOutput *out = fm_job_output (job, 0);
  FmChannelRank *rank = NULL;
  RankRun r = { pixels, (gsize) in->width * in->channels, NULL, NULL };
  if ((r.stats = fm_channel_stats_new (out->n_layers, error)))
    {
      int ox0, oy0, ow, oh;
      fm_dialog_net_inner (out, out->out_w, out->out_h, x0, y0, w, h, &ox0, &oy0, &ow, &oh);
      r.mask = g_new0 (float, (gsize) out->out_w * out->out_h);
      for (int y = oy0; y < oy0 + oh; y++)
        for (int x = ox0; x < ox0 + ow; x++)
          r.mask[(gsize) y * out->out_w + x] = 1;
      if (fm_maps_run (job, 0, rank_source, &r, rank_band, &r, progress, progress_data,
                       error))
        rank = fm_channel_stats_rank (r.stats, by, error);
      if (rank)
        *n = out->n_layers;
    }
  g_free (r.mask);
  fm_channel_stats_free (r.stats);
  fm_job_free (job);
  return rank;
}

/* ---- the summary ---------------------------------------------------------- */

typedef struct {
  const float *pixels;
  gsize row;
  FmPca *pca;
  const float *mask;    /* out grid */
  int ox, oy, ow, oh;   /* the rectangle's map pixels */
  float *coords;        /* ow × oh × 3 */
  float *band;          /* one band's projection */
  gsize band_size;
} SummaryRun;

static gboolean
summary_source (gpointer data, int y0, int n_rows, float *pixels, GError **error)
{
  SummaryRun *r = data;
  (void) error;
  memcpy (pixels, r->pixels + (gsize) y0 * r->row, (gsize) n_rows * r->row * sizeof (float));
  return TRUE;
}

static gboolean
summary_pass1 (gpointer data, int y0, int n_rows, const float *maps, gsize plane_stride,
               int width, GError **error)
{
  SummaryRun *r = data;
  (void) error;
  fm_pca_accumulate (r->pca, maps, plane_stride, width, n_rows, r->mask + (gsize) y0 * width);
  return TRUE;
}

static gboolean
summary_pass2 (gpointer data, int y0, int n_rows, const float *maps, gsize plane_stride,
               int width, GError **error)
{
  SummaryRun *r = data;
  (void) error;
  gsize need = (gsize) n_rows * width * 3;
  if (need > r->band_size)
    {
      r->band = g_renew (float, r->band, need);
      r->band_size = need;
    }
  fm_pca_project (r->pca, maps, plane_stride, width, n_rows, r->band);
  for (int i = 0; i < n_rows; i++)
    {
      int y = y0 + i - r->oy;
      if (y < 0 || y >= r->oh)
        continue;
      memcpy (r->coords + (gsize) y * r->ow * 3, r->band + ((gsize) i * width + r->ox) * 3,
              (gsize) r->ow * 3 * sizeof (float));
    }
  return TRUE;
}

float *
fm_dialog_net_summary (const FmDialogNetRun *run, const float *pixels, const FmImageInfo *in,
                       int x0, int y0, int w, int h, int *ow, int *oh, double explained[3],
                       FmProgress progress, gpointer progress_data, GError **error)
{
  FmOptions options;
  fm_options_init (&options);
  options.mapping = FM_MAPPING_RAW;
  FmJob *job = fm_dialog_net_run_job (run, &options, in, error);
  if (!job)
    return NULL;
  const FmJobOutput *out = fm_job_output (job, 0);
  SummaryRun r = { pixels, (gsize) in->width * in->channels, NULL, NULL, 0, 0, 0, 0,
                   NULL, NULL, 0 };
  float *rgb = NULL;
  float *mask = NULL;
  fm_dialog_net_inner (out, out->out_w, out->out_h, x0, y0, w, h, &r.ox, &r.oy, &r.ow, &r.oh);
  if (r.ow <= 0 || r.oh <= 0)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_EMPTY,
                   "The preview's rectangle holds no pixel of this layer's map.");
      fm_job_free (job);
      return NULL;
    }
  if ((r.pca = fm_pca_new (out->n_layers, error)))
    {
      mask = g_new0 (float, (gsize) out->out_w * out->out_h);
      for (int y = r.oy; y < r.oy + r.oh; y++)
        for (int x = r.ox; x < r.ox + r.ow; x++)
          mask[(gsize) y * out->out_w + x] = 1;
      r.mask = mask;
      r.coords = g_new0 (float, (gsize) r.ow * r.oh * 3);
      /* Two passes through the network: no K-channel tensor is kept. */
      if (fm_maps_run (job, 0, summary_source, &r, summary_pass1, &r, progress,
                       progress_data, error) &&
          fm_pca_solve (r.pca, error) &&
          fm_maps_run (job, 0, summary_source, &r, summary_pass2, &r, progress,
                       progress_data, error))
        {
          fm_pca_to_rgb (r.pca, r.coords, (gsize) r.ow * r.oh, r.coords);
          rgb = g_steal_pointer (&r.coords);
          *ow = r.ow;
          *oh = r.oh;
          for (int i = 0; i < 3; i++)
            explained[i] = i < fm_pca_n_components (r.pca) ? fm_pca_explained (r.pca, i) : 0;
        }
    }
  g_free (mask);
  g_free (r.coords);
  g_free (r.band);
  fm_pca_free (r.pca);
  fm_job_free (job);
  return rgb;
}
