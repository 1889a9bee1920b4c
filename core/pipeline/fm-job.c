/* fm-job: bank + options + image → a conv plan, run with input conversion
 * on the way in and mapping on the way out.
 *
 * Decisions (the plug-in and the command line share them):
 *   - Stride and dilation: an option value other than 1 applies to both
 *     axes; at 1 (the default) a step the bank declares per axis is used, so
 *     a learned layer saved with stride 2 keeps it unless the user asks for
 *     another step.
 *   - Per-channel: the image's colour channels Cc are the engine's input,
 *     run as Cc groups of the same K filters (K' = Cc·K maps).  Map c·K + k
 *     is channel c of layer k.
 *   - Mapping statistics are gathered per layer (for per-channel, over the
 *     layer's colour channels together, so its colours keep their balance).
 */
#include "fm-job.h"
#include "fm-input.h"
#include "fm-map.h"

#include <string.h>

G_DEFINE_QUARK (fm-job-error-quark, fm_job_error)

struct _FmJob {
  FmOptions options;
  FmImageInfo image;
  FmInput *input;
  FmConvPlan *plan;
  int n_layers;         /* K */
  int layer_channels;   /* 1, or Cc for per-channel */
  char **names;         /* n_layers, NULL-terminated */
};

static int
step (int option, int declared)
{
  if (option != 1)
    return option;
  return declared > 0 ? declared : 1;
}

static char *
layer_name (const FmBank *bank, int k)
{
  const char *filter = bank->filters[k].name;
  g_autofree char *fallback = NULL;
  if (!filter || !*filter)
    filter = fallback = g_strdup_printf ("filter %d", k + 1);
  if (!bank->name || !*bank->name)
    return g_strdup (filter);
  /* What differs leads: the Layers dock cuts long names at the end, and
   * every map of a bank would read "conv1 · f…". */
  return g_strdup_printf ("%s · %s", filter, bank->name);
}

FmJob *
fm_job_new (const FmBank *bank, const FmOptions *options,
            const FmImageInfo *image, GError **error)
{
  g_return_val_if_fail (bank && options && image, NULL);

  if (!fm_options_validate (options, error))
    return NULL;
  if (bank->n_filters < 1 || !bank->filters)
    {
      g_set_error (error, FM_JOB_ERROR, FM_JOB_ERROR_INVALID,
                   "'%s' has no filters", bank->name ? bank->name : "bank");
      return NULL;
    }

  FmJob *job = g_new0 (FmJob, 1);
  job->options = *options;
  job->image = *image;
  job->input = fm_input_new (bank, options->input_mode, image->channels, error);
  if (!job->input)
    {
      fm_job_free (job);
      return NULL;
    }

  const int K = bank->n_filters;
  const gboolean per_channel = fm_input_mode (job->input) == FM_INPUT_PER_CHANNEL;
  const int C = fm_input_channels (job->input);
  const int groups = per_channel ? C : 1;
  job->n_layers = K;
  job->layer_channels = per_channel ? C : 1;

  g_autofree float *weights = NULL, *bias = NULL;
  fm_bank_pack (bank, &weights, &bias);
  if (groups > 1)
    {
      /* Every group runs the same K filters on its own channel. */
      gsize per_group = (gsize) K * bank->kh * bank->kw * bank->channels;
      float *w = g_new (float, per_group * groups);
      float *b = g_new (float, (gsize) K * groups);
      for (int g = 0; g < groups; g++)
        {
          memcpy (w + g * per_group, weights, per_group * sizeof (float));
          memcpy (b + (gsize) g * K, bias, K * sizeof (float));
        }
      g_free (weights);
      g_free (bias);
      weights = w;
      bias = b;
    }

  FmConvParams params;
  fm_conv_params_init (&params);
  params.kh = bank->kh;
  params.kw = bank->kw;
  params.channels = C;
  params.n_filters = K * groups;
  params.groups = groups;
  params.weights = weights;
  params.bias = bias;
  params.convolve = bank->convolve;
  params.stride_y = step (options->stride, bank->stride_y);
  params.stride_x = step (options->stride, bank->stride_x);
  params.dilation_y = step (options->dilation, bank->dilation_y);
  params.dilation_x = step (options->dilation, bank->dilation_x);
  params.padding = options->padding;
  params.border = options->border;
  params.activation = options->activation;

  job->plan = fm_conv_plan_new (&params, image->height, image->width, error);
  if (!job->plan)
    {
      fm_job_free (job);
      return NULL;
    }

  job->names = g_new0 (char *, K + 1);
  for (int k = 0; k < K; k++)
    job->names[k] = layer_name (bank, k);

  return job;
}

void
fm_job_free (FmJob *job)
{
  if (!job)
    return;
  fm_input_free (job->input);
  if (job->plan)
    fm_conv_plan_free (job->plan);
  g_strfreev (job->names);
  g_free (job);
}

FmInputMode
fm_job_input_mode (const FmJob *job)
{
  return fm_input_mode (job->input);
}

int
fm_job_n_layers (const FmJob *job)
{
  return job->n_layers;
}

int
fm_job_layer_channels (const FmJob *job)
{
  return job->layer_channels;
}

const char *
fm_job_layer_name (const FmJob *job, int layer)
{
  g_return_val_if_fail (layer >= 0 && layer < job->n_layers, NULL);
  return job->names[layer];
}

const FmConvGeometry *
fm_job_geometry (const FmJob *job)
{
  return fm_conv_plan_geometry (job->plan);
}

const FmConvPlan *
fm_job_plan (const FmJob *job)
{
  return job->plan;
}

/* ---- running ---- */

typedef struct {
  FmJob *job;
  FmPixelSource source;
  gpointer source_data;
  FmLayerSink sink;
  gpointer sink_data;
  FmProgress progress;
  gpointer progress_data;

  gboolean stats_pass;
  double progress_base, progress_span;
  gboolean cancelled;

  float *pixels;          /* one band of source pixels */
  gsize pixels_len;
  float *layer;           /* one band of one layer */
  gsize layer_len;
  FmMapStats *stats;      /* per layer */
  FmMapTransform *transforms;
} Run;

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

static gboolean
read_rows (gpointer data, int y0, int n_rows, float *dst, GError **error)
{
  Run *run = data;
  gsize n_pixels = (gsize) n_rows * run->job->image.width;
  float *pixels = grow (&run->pixels, &run->pixels_len,
                        n_pixels * run->job->image.channels);
  if (!run->source (run->source_data, y0, n_rows, pixels, error))
    return FALSE;
  fm_input_convert (run->job->input, pixels, dst, n_pixels);
  return TRUE;
}

/* Layer k's rows of this band, channels interleaved, into run->layer. */
static float *
gather_layer (Run *run, int k, const float *maps, gsize plane_stride,
              gsize n)
{
  const int K = run->job->n_layers, lc = run->job->layer_channels;
  float *out = grow (&run->layer, &run->layer_len, n * lc);
  if (lc == 1)
    {
      memcpy (out, maps + k * plane_stride, n * sizeof (float));
      return out;
    }
  for (int c = 0; c < lc; c++)
    {
      const float *src = maps + (gsize) (c * K + k) * plane_stride;
      for (gsize i = 0; i < n; i++)
        out[i * lc + c] = src[i];
    }
  return out;
}

static gboolean
write_band (gpointer data, int y0, int n_rows, const float *maps,
            gsize plane_stride, GError **error)
{
  Run *run = data;
  FmJob *job = run->job;
  const FmConvGeometry *geom = fm_conv_plan_geometry (job->plan);
  /* Rows of one plane are consecutive, so a band of a map is contiguous. */
  gsize n = (gsize) n_rows * geom->out_w;

  for (int k = 0; k < job->n_layers; k++)
    {
      if (run->stats_pass && job->layer_channels == 1)
        {
          fm_map_stats_add (&run->stats[k], maps + k * plane_stride, n);
          continue;
        }
      float *layer = gather_layer (run, k, maps, plane_stride, n);
      gsize n_values = n * job->layer_channels;
      if (run->stats_pass)
        {
          fm_map_stats_add (&run->stats[k], layer, n_values);
          continue;
        }
      fm_map_apply (&run->transforms[k], layer, n_values);
      if (!run->sink (run->sink_data, k, y0, n_rows, layer, error))
        return FALSE;
    }

  if (run->progress)
    {
      double done = (double) (y0 + n_rows) / geom->out_h;
      if (!run->progress (run->progress_data,
                          run->progress_base + run->progress_span * done))
        {
          run->cancelled = TRUE;
          g_set_error_literal (error, FM_JOB_ERROR, FM_JOB_ERROR_CANCELLED,
                               "cancelled");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
run_pass (Run *run, gboolean stats_pass, double base, double span,
          GError **error)
{
  run->stats_pass = stats_pass;
  run->progress_base = base;
  run->progress_span = span;

  GError *local = NULL;
  if (fm_conv_plan_run (run->job->plan, read_rows, run, write_band, run, 0,
                        &local))
    return TRUE;
  /* Whatever the engine wrapped it in, a user's cancel reads as ours. */
  if (run->cancelled && !g_error_matches (local, FM_JOB_ERROR,
                                          FM_JOB_ERROR_CANCELLED))
    {
      g_clear_error (&local);
      g_set_error_literal (&local, FM_JOB_ERROR, FM_JOB_ERROR_CANCELLED,
                           "cancelled");
    }
  g_propagate_error (error, local);
  return FALSE;
}

gboolean
fm_job_run (FmJob *job, FmPixelSource source, gpointer source_data,
            FmLayerSink sink, gpointer sink_data, FmProgress progress,
            gpointer progress_data, GError **error)
{
  g_return_val_if_fail (job && source && sink, FALSE);

  const int K = job->n_layers;
  const FmMapping mapping = job->options.mapping;
  Run run = {
    .job = job,
    .source = source, .source_data = source_data,
    .sink = sink, .sink_data = sink_data,
    .progress = progress, .progress_data = progress_data,
  };
  run.stats = g_new (FmMapStats, K);
  run.transforms = g_new (FmMapTransform, K);
  for (int k = 0; k < K; k++)
    fm_map_stats_init (&run.stats[k]);

  gboolean ok = TRUE;
  gboolean two_pass = fm_map_needs_stats (mapping);
  if (two_pass)
    ok = run_pass (&run, TRUE, 0.0, 0.5, error);

  if (ok)
    {
      FmMapStats joint;
      fm_map_stats_init (&joint);
      for (int k = 0; k < K; k++)
        fm_map_stats_merge (&joint, &run.stats[k]);
      for (int k = 0; k < K; k++)
        fm_map_transform_init (&run.transforms[k], mapping, &run.stats[k],
                               &joint);
      ok = run_pass (&run, FALSE, two_pass ? 0.5 : 0.0, two_pass ? 0.5 : 1.0,
                     error);
    }

  g_free (run.pixels);
  g_free (run.layer);
  g_free (run.stats);
  g_free (run.transforms);
  return ok;
}
