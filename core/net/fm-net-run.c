/* fm-net-run.c: running the stages in bands.
 *
 * Each stage keeps a ring of its last `cap` output rows (HWC).  To deliver
 * the next band of an output, the scheduler asks its stage for `chunk`
 * more rows; a stage computes rows [a, b) once the stages it reads have
 * computed every row those need (the halo of its window), asking them
 * first when they have not.  One explicit stack instead of recursion, so
 * a deep network cannot overflow the thread's stack.
 *
 * How many rows a ring must hold depends on who reads it and how far
 * ahead the other readers have pulled it (a residual branch holds the
 * rows its sum will need while the convolutions beside it run ahead by
 * their halos).  The schedule is deterministic, so it is first run dry at
 * plan time, without arithmetic: each read records how far behind the
 * stage's last row it reaches, and the largest such reach, rounded up to
 * whole chunks, is the ring's size.  The real run follows the same steps
 * and checks every read against the ring anyway.
 *
 * Peak memory = Σ stages cap × w × c floats + every convolution's band
 * buffers (fm_conv_runner_bytes) + one band of each output as planes;
 * with H and depth fixed, it grows with the rows each ring needs (window
 * halos, branch lag, chunk rows) × width × channels, never with H.
 */
#include "fm-net-private.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* Floats of one chunk of a stage's rows the plan aims at (1 MB): large
 * enough that a band is worth both cores' start-up, small enough that
 * rings stay a few MB on 16 MP images. */
#define CHUNK_TARGET_FLOATS (256 * 1024)
#define CHUNK_MIN 4
#define CHUNK_MAX 256

void
fm_net_stage_free (FmNetStage *s)
{
  if (!s)
    return;
  if (s->runner)
    fm_conv_runner_free (s->runner);
  if (s->conv)
    fm_conv_plan_free (s->conv);
  fm_net_op_free (s->op);
  g_free (s->in);
  g_free (s->ring);
  g_free (s->cnt_x);
  g_free (s->cnt_y);
  g_free (s);
}

/* Rows of input i that output rows [a, b) read. */
void
fm_net_stage_need (const FmNetStage *s, int i, int a, int b, int *lo, int *hi)
{
  const FmNetOp *op = s->op;
  const FmNetStage *in = s->in[i];
  *lo = a;
  *hi = b;
  switch (op->kind)
    {
    case FM_NET_OP_CONV:
      fm_conv_plan_rows_needed (s->conv, a, b - a, lo, hi);
      if (*hi > *lo)
        {
          *lo += s->crop_t;
          *hi += s->crop_t;
        }
      return;
    case FM_NET_OP_POOL:
      {
        int dkh = (op->kh - 1) * op->dy + 1;
        *lo = MAX (a * op->sy - op->pt, 0);
        *hi = MIN ((b - 1) * op->sy - op->pt + dkh, in->h);
        break;
      }
    case FM_NET_OP_PAD:
      {
        int first = G_MAXINT, last = -1;
        /* The rows a band maps to: a run, plus reflected or repeated rows
         * near the ends.  Checking every row is cheap (bands are short). */
        for (int y = a; y < b; y++)
          {
            int iy = fm_conv_border_index (op->border, y - op->pt, in->h);
            if (iy >= 0)
              {
                first = MIN (first, iy);
                last = MAX (last, iy);
              }
          }
        *lo = first;
        *hi = last + 1;
        break;
      }
    default:
      return;
    }
  if (*hi <= *lo)
    *lo = *hi = 0;
}

/* ---- plan time ---- */

static int
choose_chunk (const FmNetPlan *plan, const FmNetStage *s)
{
  if (plan->band_rows > 0)
    return MIN (plan->band_rows, s->h);
  gsize rows = CHUNK_TARGET_FLOATS / MAX (s->row_floats, 1);
  rows = rows / 4 * 4;
  rows = CLAMP (rows, CHUNK_MIN, CHUNK_MAX);
  return (int) MIN (rows, (gsize) s->h);
}

/* Taps of an average pool's window per output position along one axis:
 * inside the image, or inside image and pads with count_include_pad. */
static int *
pool_counts (const FmNetOp *op, int out, int n, int k, int st, int d, int pb, int pe)
{
  int *cnt = g_new (int, out);
  int lo = op->count_include_pad ? -pb : 0, hi = op->count_include_pad ? n + pe : n;
  for (int x = 0; x < out; x++)
    {
      int c = 0;
      for (int t = 0; t < k; t++)
        {
          int p = x * st - pb + t * d;
          c += p >= lo && p < hi;
        }
      cnt[x] = c;
    }
  return cnt;
}

static gboolean
prepare_conv (FmNetPlan *plan, FmNetStage *s, GError **error)
{
  FmNetOp *op = s->op;
  const FmNetStage *in = s->in[0];
  FmConvParams p;
  fm_conv_params_init (&p);
  /* Negative pads crop the input: the engine sees the rows and columns
   * that remain (pointers into the ring, fm-net-run's conv step). */
  s->crop_t = MAX (-op->pt, 0);
  s->crop_l = MAX (-op->pl, 0);
  s->conv_in_h = in->h - s->crop_t - MAX (-op->pb, 0);
  s->conv_in_w = in->w - s->crop_l - MAX (-op->pr, 0);
  if (s->conv_in_h < 1 || s->conv_in_w < 1)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "a convolution's negative pads crop away its whole %d × %d input",
                   in->h, in->w);
      return FALSE;
    }
  const int cg = in->c / op->groups;
  p.kh = op->kh;
  p.kw = op->kw;
  p.channels = in->c;
  p.n_filters = op->c;
  p.groups = op->groups;
  p.stride_y = op->sy;
  p.stride_x = op->sx;
  p.dilation_y = op->dy;
  p.dilation_x = op->dx;
  p.explicit_pads = TRUE;
  p.pad_top = MAX (op->pt, 0);
  p.pad_left = MAX (op->pl, 0);
  p.pad_bottom = MAX (op->pb, 0);
  p.pad_right = MAX (op->pr, 0);
  p.border = op->border;
  p.activation = op->act.kind;
  p.leaky_alpha = op->act.alpha;
  p.clip_min = op->act.lo;
  p.clip_max = op->act.hi;
  p.n_threads = plan->n_threads;
  /* Its rows go interleaved into a ring, unless nothing but the output
   * reads it (then planes, straight to the output band). */
  p.prefer_interleaved = !s->ringless;

  /* ONNX weights are OIHW; the engine's are OHWI. */
  const gsize per = (gsize) op->kh * op->kw;
  float *ohwi = g_try_new (float, (gsize) op->c * per * cg);
  if (!ohwi)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "weights of %d × %d × %d × %d: out of memory", op->c, cg, op->kh, op->kw);
      return FALSE;
    }
  for (int k = 0; k < op->c; k++)
    for (int c = 0; c < cg; c++)
      for (gsize t = 0; t < per; t++)
        ohwi[((gsize) k * per + t) * cg + c] = op->weights[((gsize) k * cg + c) * per + t];
  p.weights = ohwi;
  p.bias = op->bias;
  GError *local = NULL;
  s->conv = fm_conv_plan_new (&p, s->conv_in_h, s->conv_in_w, &local);
  g_free (ohwi);
  /* The graph's tensors are not the plan's: forget them. */
  op->weights = op->bias = NULL;
  g_clear_pointer (&op->own_weights, g_free);
  g_clear_pointer (&op->own_bias, g_free);
  if (!s->conv)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  const FmConvGeometry *geo = fm_conv_plan_geometry (s->conv);
  if (geo->out_h != s->h || geo->out_w != s->w)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "a convolution's output is %d × %d where the graph's shapes say %d × %d",
                   geo->out_h, geo->out_w, s->h, s->w);
      return FALSE;
    }
  return TRUE;
}

/* The most input rows one step of a convolution reads: the size of the
 * row-pointer table the steps share. */
static int
conv_rows_read (const FmNetStage *s)
{
  const FmNetOp *op = s->op;
  return (s->chunk - 1) * op->sy + (op->kh - 1) * op->dy + 1;
}

typedef struct {
  FmNetPlan *plan;
  gboolean dry;
  FmRowSource source;
  gpointer source_data;
  FmNetSink sink;
  gpointer sink_data;
  FmNetProgress progress;
  gpointer progress_data;
  const float **rows;       /* row pointer table for convolutions */
  gboolean profile;         /* FEATUREMAPS_NET_PROFILE set: time per stage */
  gsize rows_len;
  GArray *stack;            /* (stage index, target row) pairs */
} Sched;

typedef struct { int stage, target; } Want;

static gboolean
internal_error (GError **error, const char *what)
{
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID, "internal error: %s", what);
  return FALSE;
}

static gboolean
deliver (Sched *sc, FmNetStage *s, int a, int n, GError **error)
{
  FmNetPlan *plan = sc->plan;
  const int o = s->output;
  float *band = plan->out_band[o];
  const gsize plane = (gsize) n * s->w;
  if (!s->ringless)
    {
      /* HWC rows of the ring → one plane per channel. */
      const int C = s->c;
      for (int r = 0; r < n; r++)
        {
          const float *src = s->ring + (gsize) ((a + r) % s->cap) * s->row_floats;
          for (int x = 0; x < s->w; x++, src += C)
            {
              float *dst = band + (gsize) r * s->w + x;
              for (int c = 0; c < C; c++)
                dst[(gsize) c * plane] = src[c];
            }
        }
    }
  if (!sc->sink (sc->sink_data, o, a, n, band, plane, error))
    {
      if (error && !*error)
        g_set_error_literal (error, FM_NET_ERROR, FM_NET_ERROR_CANCELLED, "stopped by the sink");
      return FALSE;
    }
  return TRUE;
}

static gboolean
compute (Sched *sc, FmNetStage *s, int a, int b, GError **error)
{
  const int n = b - a;

  /* Every input row the step reads must still be in its ring. */
  for (int i = 0; i < s->n_in; i++)
    {
      int lo, hi;
      fm_net_stage_need (s, i, a, b, &lo, &hi);
      FmNetStage *in = s->in[i];
      if (hi <= lo)
        continue;
      if (sc->dry)
        in->span = MAX (in->span, in->done - lo);
      else if (lo < in->done - in->cap || hi > in->done)
        return internal_error (error, "a ring is too small");
    }
  if (sc->dry)
    return TRUE;

  float *out = s->ringless ? sc->plan->out_band[s->output]
                           : s->ring + (gsize) (a % s->cap) * s->row_floats;
  switch (s->op->kind)
    {
    case FM_NET_OP_INPUT:
      if (!sc->source (sc->source_data, a, n, out, error))
        {
          if (error && !*error)
            g_set_error_literal (error, FM_NET_ERROR, FM_NET_ERROR_CANCELLED,
                                 "stopped by the row source");
          return FALSE;
        }
      return TRUE;
    case FM_NET_OP_CONV:
      {
        int lo, hi;
        fm_conv_plan_rows_needed (s->conv, a, n, &lo, &hi);
        const FmNetStage *in = s->in[0];
        for (int y = lo; y < hi; y++)
          sc->rows[y - lo] = in->ring + (gsize) ((y + s->crop_t) % in->cap) * in->row_floats
                             + (gsize) s->crop_l * in->c;
        GError *local = NULL;
        gboolean ok = s->ringless
          ? fm_conv_runner_rows (s->runner, sc->rows, lo, a, n, out, (gsize) n * s->w,
                                 FM_CONV_OUT_PLANES, &local)
          : fm_conv_runner_rows (s->runner, sc->rows, lo, a, n, out, s->row_floats,
                                 FM_CONV_OUT_INTERLEAVED, &local);
        if (!ok)
          {
            g_propagate_error (error, local);
            return FALSE;
          }
        return TRUE;
      }
    default:
      fm_net_rows_compute (s, a, b, out);
      return TRUE;
    }
}

static double
fraction (const FmNetPlan *plan)
{
  double f = 0;
  for (int o = 0; o < plan->n_outputs; o++)
    f += (double) plan->output_stage[o]->done / plan->output_stage[o]->h;
  return f / plan->n_outputs;
}

/* Process CPU time (every thread's), so a busy machine's waits do not
 * count. */
static gint64
cpu_usec (void)
{
  struct timespec t;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return (gint64) t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Makes stage `target_stage` compute at least up to row `target`. */
static gboolean
pull (Sched *sc, FmNetStage *top, int target, GError **error)
{
  FmNetPlan *plan = sc->plan;
  Want w = { top->index, target };
  g_array_set_size (sc->stack, 0);
  g_array_append_val (sc->stack, w);
  while (sc->stack->len)
    {
      Want cur = g_array_index (sc->stack, Want, sc->stack->len - 1);
      FmNetStage *s = g_ptr_array_index (plan->stages, cur.stage);
      if (s->done >= cur.target)
        {
          g_array_set_size (sc->stack, sc->stack->len - 1);
          continue;
        }
      const int a = s->done, b = MIN (a + s->chunk, s->h);
      gboolean waiting = FALSE;
      for (int i = 0; i < s->n_in && !waiting; i++)
        {
          int lo, hi;
          fm_net_stage_need (s, i, a, b, &lo, &hi);
          if (hi > s->in[i]->h)
            return internal_error (error, "a layer reads rows its input does not have");
          if (hi > s->in[i]->done)
            {
              Want more = { s->in[i]->index, hi };
              g_array_append_val (sc->stack, more);
              waiting = TRUE;
            }
        }
      if (waiting)
        continue;
      gint64 t0 = sc->profile ? cpu_usec () : 0;
      if (!compute (sc, s, a, b, error))
        return FALSE;
      if (sc->profile)
        s->usec += cpu_usec () - t0;
      s->done = b;
      if (s->output >= 0 && !sc->dry)
        {
          if (!deliver (sc, s, a, b - a, error))
            return FALSE;
          if (sc->progress && !sc->progress (sc->progress_data, fraction (plan)))
            {
              g_set_error_literal (error, FM_NET_ERROR, FM_NET_ERROR_CANCELLED, "cancelled");
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* The whole run (or its dry rehearsal): outputs advance a chunk at a
 * time, the one furthest behind (as a fraction of its height) first, so
 * outputs of different strides move down the image together. */
static gboolean
schedule (Sched *sc, GError **error)
{
  FmNetPlan *plan = sc->plan;
  for (guint i = 0; i < plan->stages->len; i++)
    ((FmNetStage *) g_ptr_array_index (plan->stages, i))->done = 0;
  sc->stack = g_array_new (FALSE, FALSE, sizeof (Want));
  gboolean ok = TRUE;
  for (;;)
    {
      int best = -1;
      double best_f = 2.0;
      for (int o = 0; o < plan->n_outputs; o++)
        {
          const FmNetStage *s = plan->output_stage[o];
          double f = (double) s->done / s->h;
          if (s->done < s->h && f < best_f)
            best = o, best_f = f;
        }
      if (best < 0)
        break;
      FmNetStage *s = plan->output_stage[best];
      if (!(ok = pull (sc, s, MIN (s->done + 1, s->h), error)))
        break;
    }
  g_array_free (sc->stack, TRUE);
  sc->stack = NULL;
  return ok;
}

gboolean
fm_net_stages_prepare (FmNetPlan *plan, GError **error)
{
  gsize memory = 0;
  int max_conv_rows = 0;

  for (guint i = 0; i < plan->stages->len; i++)
    {
      FmNetStage *s = g_ptr_array_index (plan->stages, i);
      const FmNetOp *op = s->op;
      if (!g_size_checked_mul (&s->row_floats, (gsize) s->w, (gsize) s->c)
          || s->row_floats > ((gsize) 1 << 31))
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                       "a layer of %d × %d × %d is too large", s->h, s->w, s->c);
          return FALSE;
        }
      s->chunk = choose_chunk (plan, s);
      s->ringless = s->output >= 0 && s->n_consumers == 0 && op->kind == FM_NET_OP_CONV;
      if (op->kind == FM_NET_OP_CONV && !prepare_conv (plan, s, error))
        return FALSE;
      if (op->kind == FM_NET_OP_POOL && !op->max_pool)
        {
          s->cnt_y = pool_counts (op, s->h, s->in[0]->h, op->kh, op->sy, op->dy, op->pt, op->pb);
          s->cnt_x = pool_counts (op, s->w, s->in[0]->w, op->kw, op->sx, op->dx, op->pl, op->pr);
        }
    }

  /* The rehearsal: how far behind each stage's last row its readers reach. */
  Sched dry = { .plan = plan, .dry = TRUE };
  if (!schedule (&dry, error))
    return FALSE;

  for (guint i = 0; i < plan->stages->len; i++)
    {
      FmNetStage *s = g_ptr_array_index (plan->stages, i);
      int rows = MAX (s->span, s->chunk);
      s->cap = (rows + s->chunk - 1) / s->chunk * s->chunk;
      s->cap = MIN (s->cap, (s->h + s->chunk - 1) / s->chunk * s->chunk);
      if (s->ringless)
        s->cap = 0;
      gsize bytes;
      if (!g_size_checked_mul (&bytes, (gsize) s->cap, s->row_floats)
          || !g_size_checked_mul (&bytes, bytes, sizeof (float)))
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                       "a ring of %d rows of %d × %d is too large", s->cap, s->w, s->c);
          return FALSE;
        }
      if (s->cap && !(s->ring = g_try_malloc (bytes)))
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                       "a ring of %d rows of %d × %d: out of memory (%.0f MB)",
                       s->cap, s->w, s->c, bytes / 1048576.0);
          return FALSE;
        }
      memory += bytes;
      if (s->op->kind == FM_NET_OP_CONV)
        {
          GError *local = NULL;
          s->runner = fm_conv_runner_new (s->conv, s->chunk, &local);
          if (!s->runner)
            {
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE, "%s", local->message);
              g_error_free (local);
              return FALSE;
            }
          memory += fm_conv_runner_bytes (s->runner);
          max_conv_rows = MAX (max_conv_rows, conv_rows_read (s));
        }
    }
  plan->out_band = g_new0 (float *, plan->n_outputs);
  for (int o = 0; o < plan->n_outputs; o++)
    {
      const FmNetStage *s = plan->output_stage[o];
      gsize floats = (gsize) s->chunk * s->row_floats;
      if (!(plan->out_band[o] = g_try_new (float, floats)))
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                       "an output band of %d rows of %d × %d: out of memory",
                       s->chunk, s->w, s->c);
          return FALSE;
        }
      memory += floats * sizeof (float);
    }
  plan->max_conv_rows = max_conv_rows;
  plan->memory = memory + (gsize) max_conv_rows * sizeof (float *);
  return TRUE;
}

gboolean
fm_net_plan_run (FmNetPlan *plan, FmRowSource source, gpointer source_data, FmNetSink sink,
                 gpointer sink_data, FmNetProgress progress, gpointer progress_data,
                 GError **error)
{
  g_return_val_if_fail (plan != NULL && source != NULL && sink != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  Sched sc = {
    .plan = plan,
    .source = source, .source_data = source_data,
    .sink = sink, .sink_data = sink_data,
    .progress = progress, .progress_data = progress_data,
    .rows = g_new (const float *, MAX (plan->max_conv_rows, 1)),
  };
  /* FEATUREMAPS_NET_PROFILE=1: the CPU time each stage spent computing
   * (its inputs' apart), on stderr, for tuning. */
  sc.profile = g_getenv ("FEATUREMAPS_NET_PROFILE") != NULL;
  for (guint i = 0; i < plan->stages->len; i++)
    ((FmNetStage *) g_ptr_array_index (plan->stages, i))->usec = 0;
  gboolean ok = schedule (&sc, error);
  g_free (sc.rows);
  if (ok && sc.profile)
    {
      g_autofree char *desc = fm_net_plan_describe (plan);
      g_auto (GStrv) lines = g_strsplit (desc, "\n", -1);
      for (guint i = 0; i < plan->stages->len && lines[i]; i++)
        {
          const FmNetStage *s = g_ptr_array_index (plan->stages, i);
          g_printerr ("%8.1f ms cpu  %s\n", s->usec / 1e3, lines[i]);
        }
    }
  return ok;
}
