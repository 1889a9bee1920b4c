/* fm-job: bank (or network layers) + options + image → a conv plan (or a
 * network plan), run with input conversion on the way in and mapping on
 * the way out.
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
 *     layer's colour channels together, so its colours keep their balance);
 *     normalize-joint joins the maps of one output (a bank, or one network
 *     layer), so a network layer's maps stay comparable among themselves.
 *   - A network runs as the model says: the bank-shaping options (padding,
 *     border, stride, dilation, activation) are not read; its input is the
 *     model's channels under the input mode and the model's declaration.
 */
#include "fm-job.h"
#include "fm-input.h"
#include "fm-map.h"
#include "fm-net-plan.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (fm-job-error-quark, fm_job_error)

struct _FmJob {
  FmOptions options;
  FmImageInfo image;
  FmInput *input;
  FmConvPlan *plan;     /* a bank's */
  FmNetPlan *net;       /* a network's */
  int n_layers;         /* K: every output's maps */
  int layer_channels;   /* 1, or Cc for per-channel */
  char **names;         /* n_layers, NULL-terminated */
  int n_outputs;
  FmJobOutput *outputs;
  char **output_names;
  int *layer_output;    /* per layer: its output */
  int *layer_plane;     /* per layer: its channel in its output's planes */
  FmConvGeometry net_geo;
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

/* One output for a bank: all its maps. */
static void
bank_outputs (FmJob *job, const FmBank *bank, int stride_y, int stride_x)
{
  const FmConvGeometry *g = fm_conv_plan_geometry (job->plan);
  job->n_outputs = 1;
  job->outputs = g_new0 (FmJobOutput, 1);
  job->output_names = g_new0 (char *, 2);
  job->output_names[0] = g_strdup (bank->name && *bank->name ? bank->name : "bank");
  job->outputs[0] = (FmJobOutput) {
    .name = job->output_names[0], .first_layer = 0, .n_layers = job->n_layers,
    .out_h = g->out_h, .out_w = g->out_w,
    .stride_y = stride_y, .stride_x = stride_x,
    .offset_y = g->offset_y, .offset_x = g->offset_x,
  };
  job->layer_output = g_new0 (int, job->n_layers);
}

static FmJob *job_new_bank (const FmBank *bank, const FmOptions *options,
                            const FmImageInfo *image, GError **error);
static FmJob *job_new_net (const FmJobKernel *kernel, const FmOptions *options,
                           const FmImageInfo *image, GError **error);

FmJob *
fm_job_new_for (const FmJobKernel *kernel, const FmOptions *options,
                const FmImageInfo *image, GError **error)
{
  g_return_val_if_fail (kernel && options && image, NULL);
  g_return_val_if_fail ((kernel->bank != NULL) != (kernel->graph != NULL), NULL);

  if (!fm_options_validate (options, error))
    return NULL;
  return kernel->bank ? job_new_bank (kernel->bank, options, image, error)
                      : job_new_net (kernel, options, image, error);
}

FmJob *
fm_job_new (const FmBank *bank, const FmOptions *options,
            const FmImageInfo *image, GError **error)
{
  g_return_val_if_fail (bank && options && image, NULL);
  FmJobKernel kernel = { .bank = bank };
  return fm_job_new_for (&kernel, options, image, error);
}

static FmJob *
job_new_net (const FmJobKernel *kernel, const FmOptions *options, const FmImageInfo *image,
             GError **error)
{
  const FmNetGraph *graph = kernel->graph;
  g_autofree char *label = g_path_get_basename (graph->origin && *graph->origin
                                                ? graph->origin : "model");
  if (options->input_mode == FM_INPUT_PER_CHANNEL)
    {
      g_set_error (error, FM_JOB_ERROR, FM_JOB_ERROR_INVALID,
                   "input mode per-channel runs a bank on each colour; '%s' is a network "
                   "(use auto, luminance, rgb or rgba)", label);
      return NULL;
    }
  FmInputTarget target = {
    .label = label,
    .kind = "model",
    .channels = fm_net_graph_in_channels (graph),
    .declared = FM_INPUT_AUTO,
  };
  if (graph->has_decl)
    target.decl = graph->decl;
  else
    fm_input_decl_init (&target.decl);
  if (target.channels <= 0)
    {
      /* The model does not say: what the input mode gives. */
      static const int by_mode[] = { 0, 1, 3, 4, 0 };
      target.channels = by_mode[options->input_mode]
                        ? by_mode[options->input_mode]
                        : fm_input_colour_channels (image->channels);
    }

  FmJob *job = g_new0 (FmJob, 1);
  job->options = *options;
  job->image = *image;
  job->layer_channels = 1;
  job->input = fm_input_new_for (&target, options->input_mode, image->channels, error);
  if (!job->input)
    {
      fm_job_free (job);
      return NULL;
    }
  /* Channel picks ("conv2[0-7,12]", fm_net_layer_pick_parse) come off the
   * names before the plan resolves them. */
  const int n_asked = kernel->n_layers;
  g_auto (GStrv) names = g_new0 (char *, n_asked + 1);
  int **picks = g_new0 (int *, n_asked);
  int *n_picks = g_new0 (int, n_asked);
  gboolean any_pick = FALSE, ok = TRUE;
  for (int i = 0; ok && i < n_asked; i++)
    {
      ok = fm_net_layer_pick_parse (kernel->layers[i], &names[i], &picks[i], &n_picks[i],
                                    error);
      any_pick |= ok && n_picks[i] > 0;
      for (int j = 0; ok && any_pick && j < i; j++)
        if (strcmp (names[i], names[j]) == 0)
          {
            g_set_error (error, FM_JOB_ERROR, FM_JOB_ERROR_INVALID,
                         "layer '%s' is asked for twice; name it once with all the "
                         "channels wanted (%s[0-3,8])", names[i], names[i]);
            ok = FALSE;
          }
    }
  if (ok)
    job->net = fm_net_plan_new (graph, (const char *const *) names, n_asked, image->height,
                                image->width, fm_input_channels (job->input), NULL, error);
  if (job->net && any_pick && fm_net_plan_n_outputs (job->net) != n_asked)
    {
      g_set_error (error, FM_JOB_ERROR, FM_JOB_ERROR_INVALID,
                   "two of the layers asked for are the same layer of '%s'; name it "
                   "once with all the channels wanted", label);
      ok = FALSE;
    }
  /* Outputs come in the order asked, duplicates removed; without picks
   * every channel of each. */
  for (int o = 0; ok && job->net && o < fm_net_plan_n_outputs (job->net); o++)
    {
      const FmNetLayerInfo *info = fm_net_plan_output (job->net, o);
      for (int i = 0; any_pick && i < n_picks[o]; i++)
        if (picks[o][i] >= info->channels)
          {
            g_set_error (error, FM_JOB_ERROR, FM_JOB_ERROR_INVALID,
                         "'%s' has %d channels (0-%d); channel %d is not one of them",
                         info->asked, info->channels, info->channels - 1, picks[o][i]);
            ok = FALSE;
            break;
          }
    }
  if (!ok || !job->net)
    {
      for (int i = 0; i < n_asked; i++)
        g_free (picks[i]);
      g_free (picks);
      g_free (n_picks);
      fm_job_free (job);
      return NULL;
    }

  job->n_outputs = fm_net_plan_n_outputs (job->net);
  job->outputs = g_new0 (FmJobOutput, job->n_outputs);
  for (int o = 0; o < job->n_outputs; o++)
    job->n_layers += any_pick && n_picks[o] ? n_picks[o]
                                            : fm_net_plan_output (job->net, o)->channels;
  job->names = g_new0 (char *, job->n_layers + 1);
  job->layer_output = g_new0 (int, job->n_layers);
  job->layer_plane = g_new0 (int, job->n_layers);
  for (int o = 0, layer = 0; o < job->n_outputs; o++)
    {
      const FmNetLayerInfo *info = fm_net_plan_output (job->net, o);
      const int n = any_pick && n_picks[o] ? n_picks[o] : info->channels;
      job->outputs[o] = (FmJobOutput) {
        .name = info->asked, .first_layer = layer, .n_layers = n,
        .out_h = info->height, .out_w = info->width,
        .stride_y = info->stride_y, .stride_x = info->stride_x,
        .offset_y = info->offset_y, .offset_x = info->offset_x,
      };
      for (int j = 0; j < n; j++, layer++)
        {
          const int k = any_pick && n_picks[o] ? picks[o][j] : j;
          job->names[layer] = g_strdup_printf ("%s · %d", info->asked, k);
          job->layer_output[layer] = o;
          job->layer_plane[layer] = k;
        }
    }
  for (int i = 0; i < n_asked; i++)
    g_free (picks[i]);
  g_free (picks);
  g_free (n_picks);
  const FmJobOutput *first = &job->outputs[0];
  job->net_geo = (FmConvGeometry) {
    .in_h = image->height, .in_w = image->width,
    .out_h = first->out_h, .out_w = first->out_w,
    .offset_y = (int) floor (first->offset_y), .offset_x = (int) floor (first->offset_x),
  };
  return job;
}

static FmJob *
job_new_bank (const FmBank *bank, const FmOptions *options, const FmImageInfo *image,
              GError **error)
{
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
  bank_outputs (job, bank, params.stride_y, params.stride_x);
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
  fm_net_plan_free (job->net);
  g_strfreev (job->names);
  g_strfreev (job->output_names);
  g_free (job->outputs);
  g_free (job->layer_output);
  g_free (job->layer_plane);
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
  return job->plan ? fm_conv_plan_geometry (job->plan) : &job->net_geo;
}

int
fm_job_n_outputs (const FmJob *job)
{
  return job->n_outputs;
}

const FmJobOutput *
fm_job_output (const FmJob *job, int output)
{
  g_return_val_if_fail (output >= 0 && output < job->n_outputs, NULL);
  return &job->outputs[output];
}

int
fm_job_layer_output (const FmJob *job, int layer)
{
  g_return_val_if_fail (layer >= 0 && layer < job->n_layers, 0);
  return job->layer_output[layer];
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

/* One band of one output: every map of it gathered, then its statistics
 * (first pass) or mapped and handed to the sink. */
static gboolean
output_band (Run *run, int output, int y0, int n_rows, const float *maps,
             gsize plane_stride, GError **error)
{
  FmJob *job = run->job;
  const FmJobOutput *out = &job->outputs[output];
  /* Rows of one plane are consecutive, so a band of a map is contiguous. */
  gsize n = (gsize) n_rows * out->out_w;

  for (int j = 0; j < out->n_layers; j++)
    {
      const int k = out->first_layer + j;
      /* A network's picked channels are some of its output's planes. */
      const int plane = job->layer_plane ? job->layer_plane[k] : j;
      if (run->stats_pass && job->layer_channels == 1)
        {
          fm_map_stats_add (&run->stats[k], maps + plane * plane_stride, n);
          continue;
        }
      float *layer = gather_layer (run, plane, maps, plane_stride, n);
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
  return TRUE;
}

static gboolean
report (Run *run, double done, GError **error)
{
  if (run->progress
      && !run->progress (run->progress_data, run->progress_base + run->progress_span * done))
    {
      run->cancelled = TRUE;
      g_set_error_literal (error, FM_JOB_ERROR, FM_JOB_ERROR_CANCELLED, "cancelled");
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_band (gpointer data, int y0, int n_rows, const float *maps,
            gsize plane_stride, GError **error)
{
  Run *run = data;
  return output_band (run, 0, y0, n_rows, maps, plane_stride, error)
         && report (run, (double) (y0 + n_rows) / run->job->outputs[0].out_h, error);
}

static gboolean
net_band (gpointer data, int output, int y0, int n_rows, const float *maps,
          gsize plane_stride, GError **error)
{
  return output_band (data, output, y0, n_rows, maps, plane_stride, error);
}

static gboolean
net_progress (gpointer data, double fraction)
{
  Run *run = data;
  return report (run, fraction, NULL);
}

static gboolean
run_pass (Run *run, gboolean stats_pass, double base, double span,
          GError **error)
{
  run->stats_pass = stats_pass;
  run->progress_base = base;
  run->progress_span = span;

  GError *local = NULL;
  gboolean ok = run->job->net
    ? fm_net_plan_run (run->job->net, read_rows, run, net_band, run, net_progress, run, &local)
    : fm_conv_plan_run (run->job->plan, read_rows, run, write_band, run, 0, &local);
  if (ok)
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
    for (int o = 0; o < job->n_outputs; o++)
      {
        const FmJobOutput *out = &job->outputs[o];
        FmMapStats joint;
        fm_map_stats_init (&joint);
        for (int k = out->first_layer; k < out->first_layer + out->n_layers; k++)
          fm_map_stats_merge (&joint, &run.stats[k]);
        for (int k = out->first_layer; k < out->first_layer + out->n_layers; k++)
          fm_map_transform_init (&run.transforms[k], mapping, &run.stats[k], &joint);
      }
  if (ok)
    {
      ok = run_pass (&run, FALSE, two_pass ? 0.5 : 0.0, two_pass ? 0.5 : 1.0,
                     error);
    }

  g_free (run.pixels);
  g_free (run.layer);
  g_free (run.stats);
  g_free (run.transforms);
  return ok;
}
