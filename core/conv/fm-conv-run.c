/* fm-conv-run.c: running a plan over bands of output rows.
 *
 * For each band: fetch only the image rows the band needs (one call per
 * contiguous run, so a wrap border at the top fetches a few bottom rows, not
 * the whole image), build the padded band once with the border rule applied,
 * split its output rows between the workers, apply the activation, hand the
 * band to the sink.  The workers build the padded rows too, each a share,
 * and meet at a barrier before computing: on a 16 MP image that copy is a
 * memory-bound pass as long as the arithmetic of a small filter, so one
 * thread doing it alone would leave the other core idle half the time.
 * fm_conv_plan_run_image builds rows straight from the caller's image,
 * without the staging copy a row source needs, and a runner
 * (fm_conv_runner_*) from the caller's row pointers, band by band as the
 * caller asks, into planes or interleaved rows.  Every buffer is allocated
 * once per run and sized by the band, never by the image.
 *
 * The workers meet through POSIX mutexes and conditions, not GMutex/GCond:
 * GLib's are futexes on Linux, which ThreadSanitizer cannot see, so a TSan
 * build reported every band's hand-over as a race (and could not have
 * found a real one).  GThreadPool hands a chunk over through the same
 * futexes, so the caller passes handover_lock after it has written the
 * run and its chunks and before it pushes them, and a worker passes it
 * before it reads them: the order GLib's queue gives, in a form TSan sees
 * (one uncontended lock per worker and band).
 */
#include "fm-conv-private.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Default band: about this many floats of input band + output band. */
#define BAND_TARGET_FLOATS (1 << 20)

typedef struct _Run Run;

typedef struct {
  Run *run;
  FmConvTask task;
  int build_lo, build_hi;  /* padded rows of the band this worker builds */
  float *planes;           /* interleaved output from a planes-only kernel */
} Chunk;

struct _Run {
  FmConvPlan *plan;
  int band_rows;       /* output rows per band (the last may be shorter) */
  int max_in_rows;     /* padded rows one band needs */
  float *band;         /* max_in_rows × band_stride; NULL when kernels read rows in place */
  float *stage;        /* fetched image rows, max_in_rows × in_w × C at most */
  int *row_map;        /* padded row of the band → image row (source runs) or
                          index into rows (rows in memory); −1: zero */
  int *fetched;        /* sorted distinct image rows in stage */
  float *out;          /* K × band_rows × out_w; NULL when writing in place */
  gsize out_plane;
  /* Input rows in memory (run_image, runners): image row y is
   * rows[y − rows_first]; NULL for a row source. */
  const float *const *rows;
  int rows_first;
  const float **image_rows;  /* run_image's table over the caller's image */
  int n_fetched;       /* distinct image rows in stage for this band */
  gsize bytes;         /* what init allocated, for runners' accounting */

  int n_workers;
  gpointer *scratch;   /* one per worker */
  Chunk *chunks;       /* one per worker */
  GThreadPool *pool;   /* n_workers − 1 threads; the caller is worker 0 */
  pthread_mutex_t lock;  /* pending and building, once the workers run */
  pthread_cond_t done;
  int pending;
  pthread_cond_t built;  /* the barrier between building and computing */
  int building;        /* workers still building this band's rows */

  /* Whole-image runs of kernels that read the image (no band to build):
   * the workers take chunks of chunk_rows output rows from next_chunk
   * until none are left, so a worker slowed by other load on the machine
   * leaves more of the image to the other, with no barrier per band. */
  gboolean dynamic;
  int chunk_rows;
  volatile gint next_chunk;
  const int *image_row_map;  /* padded row → image row, the whole image */
  float *direct_out;
};

/* Static, so that its own initialisation needs no ordering. */
static pthread_mutex_t handover_lock = PTHREAD_MUTEX_INITIALIZER;

static void
pass_handover (void)
{
  pthread_mutex_lock (&handover_lock);
  pthread_mutex_unlock (&handover_lock);
}

static int
default_band_rows (const FmConvPlan *plan)
{
  const FmConvParams *p = &plan->params;
  double per_row = (double) p->n_filters * plan->geo.out_w
                   + (double) p->stride_y * plan->band_stride;
  double halo = (double) (plan->dkh - p->stride_y) * plan->band_stride;
  double rows = (BAND_TARGET_FLOATS - MAX (halo, 0.0)) / per_row;
  /* Enough rows that every worker gets some, when memory allows. */
  rows = MAX (rows, MIN ((double) plan->n_threads * 4, BAND_TARGET_FLOATS / per_row));
  return (int) CLAMP (rows, 1.0, (double) plan->geo.out_h);
}

/* The scalar activation every path ends with (vector paths for their
 * edges); the one place the functions are written. */
void
fm_conv_activate (const FmConvAct *act, float *v, int n)
{
  const float alpha = act->alpha;
  switch (act->kind)
    {
    case FM_ACTIVATION_RELU:
      for (int i = 0; i < n; i++)
        v[i] = v[i] > 0.0f ? v[i] : 0.0f;
      break;
    case FM_ACTIVATION_LEAKY_RELU:
      for (int i = 0; i < n; i++)
        v[i] = v[i] >= 0.0f ? v[i] : alpha * v[i];
      break;
    case FM_ACTIVATION_ABS:
      for (int i = 0; i < n; i++)
        v[i] = fabsf (v[i]);
      break;
    case FM_ACTIVATION_SIGMOID:
      for (int i = 0; i < n; i++)
        v[i] = 1.0f / (1.0f + expf (-v[i]));
      break;
    case FM_ACTIVATION_TANH:
      for (int i = 0; i < n; i++)
        v[i] = tanhf (v[i]);
      break;
    case FM_ACTIVATION_NONE:
    default:
      break;
    }
  if (act->clip)
    {
      const float lo = act->lo, hi = act->hi;
      for (int i = 0; i < n; i++)
        {
          float x = v[i] < lo ? lo : v[i];
          v[i] = x > hi ? hi : x;
        }
    }
}

static gboolean
act_is_none (const FmConvAct *act)
{
  return act->kind == FM_ACTIVATION_NONE && !act->clip;
}

static void build_rows (Run *run, int t0, int t1);

/* Every worker builds its share of the padded rows, then waits for the
 * others: its chunk reads rows that neighbours built. */
static void
build_share (Chunk *chunk)
{
  Run *run = chunk->run;

  build_rows (run, chunk->build_lo, chunk->build_hi);
  pthread_mutex_lock (&run->lock);
  if (--run->building == 0)
    pthread_cond_broadcast (&run->built);
  while (run->building > 0)
    pthread_cond_wait (&run->built, &run->lock);
  pthread_mutex_unlock (&run->lock);
}

/* Planes of n_rows rows (plane_stride apart) → interleaved rows, in
 * blocks of 16 pixels × 16 maps so both sides stay in L1 (a map-by-map
 * pass writes one float per cache line of a row K · 4 bytes wide). */
#define INTERLEAVE_BLOCK 16

static void
interleave (const FmConvPlan *plan, const float *planes, gsize plane_stride, int n_rows,
            float *out, gsize row_stride)
{
  const int K = plan->params.n_filters, out_w = plan->geo.out_w;
  for (int i = 0; i < n_rows; i++)
    for (int x0 = 0; x0 < out_w; x0 += INTERLEAVE_BLOCK)
      {
        const int x1 = MIN (x0 + INTERLEAVE_BLOCK, out_w);
        for (int k0 = 0; k0 < K; k0 += INTERLEAVE_BLOCK)
          {
            const int k1 = MIN (k0 + INTERLEAVE_BLOCK, K);
            for (int x = x0; x < x1; x++)
              {
                const float *src = planes + (gsize) i * out_w + x;
                float *dst = out + (gsize) i * row_stride + (gsize) x * K;
                for (int k = k0; k < k1; k++)
                  dst[k] = src[k * plane_stride];
              }
          }
      }
}

/* The kernel's rows, then the activation unless the kernel applied it as it
 * stored (the vector paths do).  Interleaved output from a kernel that
 * only writes planes goes through the planes scratch: `planes` (K × the
 * chunk's rows × out_w floats, this worker's). */
static void
compute_rows (const FmConvPlan *plan, const FmConvTask *t, float *planes)
{
  const int out_w = plan->geo.out_w;
  FmConvTask staged;
  const FmConvTask *task = t;
  if (t->interleaved && !plan->kernel->writes_interleaved)
    {
      staged = *t;
      staged.interleaved = FALSE;
      staged.out = planes;
      staged.plane_stride = (gsize) t->n_rows * out_w;
      task = &staged;
    }
  plan->kernel->rows (plan, task);
  if (!act_is_none (&plan->act) && !plan->kernel->applies_activation)
    {
      if (task->interleaved)
        for (int i = 0; i < task->n_rows; i++)
          fm_conv_activate (&plan->act, task->out + (gsize) i * task->row_stride,
                            out_w * plan->params.n_filters);
      else
        for (int k = 0; k < plan->params.n_filters; k++)
          for (int i = 0; i < task->n_rows; i++)
            fm_conv_activate (&plan->act, task->out + k * task->plane_stride + (gsize) i * out_w,
                              out_w);
    }
  if (task != t)
    interleave (plan, planes, staged.plane_stride, t->n_rows, t->out, t->row_stride);
}

static void
run_chunk (Chunk *chunk)
{
  build_share (chunk);
  compute_rows (chunk->run->plan, &chunk->task, chunk->planes);
}

static void
dynamic_worker (Chunk *chunk)
{
  Run *run = chunk->run;
  const FmConvPlan *plan = run->plan;
  const int out_h = plan->geo.out_h, out_w = plan->geo.out_w;

  for (;;)
    {
      const int r0 = g_atomic_int_add (&run->next_chunk, 1) * run->chunk_rows;
      if (r0 >= out_h)
        break;
      chunk->task = (FmConvTask) {
        .band = NULL,
        .n_rows = MIN (run->chunk_rows, out_h - r0),
        .row0 = r0,
        .out = run->direct_out + (gsize) r0 * out_w,
        .plane_stride = (gsize) out_h * out_w,
        .scratch = run->scratch[chunk - run->chunks],
        .rows = run->rows,
        .row_map = run->image_row_map + (gsize) r0 * plan->params.stride_y,
      };
      chunk->build_lo = chunk->build_hi = 0;
      compute_rows (plan, &chunk->task, NULL);
    }
}

static void
pool_func (gpointer data, gpointer user_data)
{
  Chunk *chunk = data;
  Run *run = user_data;

  pass_handover ();   /* after the caller's: the run and chunk are written */
  if (run->dynamic)
    dynamic_worker (chunk);
  else
    run_chunk (chunk);
  pthread_mutex_lock (&run->lock);
  if (--run->pending == 0)
    pthread_cond_signal (&run->done);
  pthread_mutex_unlock (&run->lock);
}

static gsize
checked_floats (gsize a, gsize b, gsize c, gboolean *ok)
{
  gsize n;
  if (!g_size_checked_mul (&n, a, b) || !g_size_checked_mul (&n, n, c)
      || !g_size_checked_mul (&n, n, sizeof (float)))
    *ok = FALSE;
  return *ok ? n : 0;
}

/* in_place: outputs go straight to the caller's memory (no output band);
 * in_memory: the input rows are in memory (no staging; no padded band
 * either when the kernel reads rows in place). */
static gboolean
run_init (Run *run, FmConvPlan *plan, int band_rows, gboolean in_place, gboolean in_memory,
          GError **error)
{
  const FmConvParams *p = &plan->params;
  const FmConvGeometry *geo = &plan->geo;

  memset (run, 0, sizeof *run);
  run->plan = plan;
  run->band_rows = band_rows > 0 ? MIN (band_rows, geo->out_h) : default_band_rows (plan);
  run->max_in_rows = (run->band_rows - 1) * p->stride_y + plan->dkh;
  run->n_workers = MIN (plan->n_threads, run->band_rows);
  pthread_mutex_init (&run->lock, NULL);
  pthread_cond_init (&run->done, NULL);
  pthread_cond_init (&run->built, NULL);

  gboolean ok = TRUE;
  gboolean need_band = !in_memory || !plan->kernel->reads_image;
  int stage_rows = MIN (run->max_in_rows, geo->in_h);
  gsize band_bytes = need_band ? checked_floats (run->max_in_rows, plan->band_stride, 1, &ok) : 0;
  gsize stage_bytes = in_memory ? 0 : checked_floats (stage_rows, geo->in_w, p->channels, &ok);
  gsize out_bytes = in_place ? 0 : checked_floats (p->n_filters, run->band_rows, geo->out_w, &ok);
  gsize scratch_bytes = plan->kernel->scratch_size
                        ? plan->kernel->scratch_size (plan, run->band_rows) : 0;
  if (ok)
    {
      run->band = band_bytes ? g_try_malloc (band_bytes) : NULL;
      run->stage = stage_bytes ? g_try_malloc (stage_bytes) : NULL;
      run->out = out_bytes ? g_try_malloc (out_bytes) : NULL;
      ok = (run->band || !band_bytes) && (run->stage || !stage_bytes) && (run->out || !out_bytes);
    }
  if (!ok)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "band of %d output rows (%d input rows of %d × %d with padding): "
                   "out of memory", run->band_rows, run->max_in_rows,
                   plan->padded_w, p->channels);
      return FALSE;
    }
  run->bytes = band_bytes + stage_bytes + out_bytes + scratch_bytes * run->n_workers;
  run->out_plane = (gsize) run->band_rows * geo->out_w;
  run->row_map = g_new (int, run->max_in_rows);
  run->fetched = g_new (int, run->max_in_rows);
  run->chunks = g_new0 (Chunk, run->n_workers);
  run->scratch = g_new0 (gpointer, run->n_workers);
  for (int w = 0; w < run->n_workers; w++)
    {
      run->chunks[w].run = run;
      if (scratch_bytes && !(run->scratch[w] = g_try_malloc (scratch_bytes)))
        {
          g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                       "scratch of %" G_GSIZE_FORMAT " bytes for %s: out of memory",
                       scratch_bytes, plan->kernel_name);
          return FALSE;
        }
    }
  if (run->n_workers > 1)
    {
      run->pool = g_thread_pool_new (pool_func, run, run->n_workers - 1, FALSE, error);
      if (!run->pool)
        return FALSE;
    }
  return TRUE;
}

static void
run_clear (Run *run)
{
  if (run->pool)
    g_thread_pool_free (run->pool, FALSE, TRUE);
  for (int w = 0; run->scratch && w < run->n_workers; w++)
    g_free (run->scratch[w]);
  for (int w = 0; run->chunks && w < run->n_workers; w++)
    g_free (run->chunks[w].planes);
  g_free (run->scratch);
  g_free (run->chunks);
  g_free (run->band);
  g_free (run->stage);
  g_free (run->out);
  g_free (run->row_map);
  g_free (run->fetched);
  g_free (run->image_rows);
  pthread_mutex_destroy (&run->lock);
  pthread_cond_destroy (&run->done);
  pthread_cond_destroy (&run->built);
}

static int
compare_int (const void *a, const void *b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

static gboolean
stopped (gboolean ok, GError **error, const char *who)
{
  if (!ok && error && !*error)
    g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_CANCELLED, "stopped by the %s", who);
  return !ok;
}

/* Fetch the distinct image rows the band needs, each contiguous run in one
 * call, into stage; returns how many, or −1 when the source stopped. */
static int
fetch_rows (Run *run, int n_in, FmRowSource source, gpointer source_data, GError **error)
{
  const FmConvPlan *plan = run->plan;
  const gsize row_floats = (gsize) plan->geo.in_w * plan->params.channels;
  int n = 0;

  for (int t = 0; t < n_in; t++)
    if (run->row_map[t] >= 0)
      run->fetched[n++] = run->row_map[t];
  qsort (run->fetched, n, sizeof (int), compare_int);
  int n_unique = 0;
  for (int i = 0; i < n; i++)
    if (n_unique == 0 || run->fetched[n_unique - 1] != run->fetched[i])
      run->fetched[n_unique++] = run->fetched[i];

  for (int i = 0; i < n_unique;)
    {
      int j = i + 1;
      while (j < n_unique && run->fetched[j] == run->fetched[j - 1] + 1)
        j++;
      if (stopped (source (source_data, run->fetched[i], j - i,
                           run->stage + i * row_floats, error),
                   error, "row source"))
        return -1;
      i = j;
    }
  return n_unique;
}

/* Padded row from one image row: the image in the middle, the border
 * columns from the plan's column map. */
static void
build_row (const FmConvPlan *plan, float *dst, const float *src)
{
  const int C = plan->params.channels, pl = plan->geo.pad_left, in_w = plan->geo.in_w;

  memcpy (dst + (gsize) pl * C, src, (gsize) in_w * C * sizeof (float));
  for (int x = 0; x < plan->padded_w; x++)
    {
      if (x == pl)
        x += in_w;
      if (x >= plan->padded_w)
        break;
      int from = plan->col_map[x];
      if (from < 0)
        memset (dst + (gsize) x * C, 0, C * sizeof (float));
      else
        memcpy (dst + (gsize) x * C, src + (gsize) from * C, C * sizeof (float));
    }
}

static gboolean
fill_band (Run *run, int r0, int n_rows, FmRowSource source, gpointer source_data,
           GError **error)
{
  const FmConvPlan *plan = run->plan;
  const int sy = plan->params.stride_y;
  const int n_in = (n_rows - 1) * sy + plan->dkh;

  for (int t = 0; t < n_in; t++)
    {
      int y = fm_conv_border_index (plan->params.border, r0 * sy + t - plan->geo.pad_top,
                                    plan->geo.in_h);
      run->row_map[t] = y >= 0 && run->rows ? y - run->rows_first : y;
    }
  if (run->rows)
    return TRUE;
  run->n_fetched = fetch_rows (run, n_in, source, source_data, error);
  return run->n_fetched >= 0;
}

/* Padded rows [t0, t1) of the band, from the rows in memory or the staged
 * rows. */
static void
build_rows (Run *run, int t0, int t1)
{
  const FmConvPlan *plan = run->plan;
  const gsize row_floats = (gsize) plan->geo.in_w * plan->params.channels;

  for (int t = t0; t < t1; t++)
    {
      float *dst = run->band + t * plan->band_stride;
      if (run->row_map[t] < 0)
        {
          memset (dst, 0, plan->band_stride * sizeof (float));
          continue;
        }
      if (run->rows)
        {
          build_row (plan, dst, run->rows[run->row_map[t]]);
          continue;
        }
      const int *at = bsearch (&run->row_map[t], run->fetched, run->n_fetched,
                               sizeof (int), compare_int);
      build_row (plan, dst, run->stage + (at - run->fetched) * row_floats);
    }
}

/* Split the band's rows between the workers; the caller does chunk 0.
 * Planes (stride = plane stride) or interleaved rows (stride = row
 * stride). */
static void
compute_band (Run *run, int row0, int n_rows, float *out, gsize stride, gboolean interleaved)
{
  const FmConvPlan *plan = run->plan;
  const int n_chunks = MIN (run->n_workers, n_rows);
  const gboolean from_memory = run->rows && plan->kernel->reads_image;
  const int n_in = from_memory ? 0 : (n_rows - 1) * plan->params.stride_y + plan->dkh;

  for (int w = 0; w < n_chunks; w++)
    {
      int a = (int) ((gint64) n_rows * w / n_chunks);
      int b = (int) ((gint64) n_rows * (w + 1) / n_chunks);
      run->chunks[w].build_lo = (int) ((gint64) n_in * w / n_chunks);
      run->chunks[w].build_hi = (int) ((gint64) n_in * (w + 1) / n_chunks);
      run->chunks[w].task = (FmConvTask) {
        .band = from_memory ? NULL
                : run->band + (gsize) a * plan->params.stride_y * plan->band_stride,
        .n_rows = b - a,
        .row0 = row0 + a,
        .out = out + (gsize) a * (interleaved ? stride : (gsize) plan->geo.out_w),
        .plane_stride = interleaved ? 0 : stride,
        .interleaved = interleaved,
        .row_stride = interleaved ? stride : 0,
        .scratch = run->scratch[w],
        .rows = from_memory ? run->rows : NULL,
        .row_map = from_memory ? run->row_map + a * plan->params.stride_y : NULL,
      };
    }
  run->pending = n_chunks - 1;
  run->building = n_chunks;
  pass_handover ();
  for (int w = 1; w < n_chunks; w++)
    g_thread_pool_push (run->pool, &run->chunks[w], NULL);
  run_chunk (&run->chunks[0]);

  pthread_mutex_lock (&run->lock);
  while (run->pending > 0)
    pthread_cond_wait (&run->done, &run->lock);
  pthread_mutex_unlock (&run->lock);
}

typedef struct {
  const float *in;
  gsize row_floats;
} ImageSource;

/* The whole image at once, for kernels that read it (nothing to build):
 * chunks of rows handed out to whichever worker is free.  Chunks are
 * large enough that the kh − stride_y rows each re-reads at its top stay
 * a few per cent, and small enough for ~8 per worker. */
static void
run_dynamic (Run *run, float *direct_out)
{
  const FmConvPlan *plan = run->plan;
  const FmConvGeometry *geo = &plan->geo;
  const int n_in = (geo->out_h - 1) * plan->params.stride_y + plan->dkh;
  int *row_map = g_new (int, n_in);
  for (int t = 0; t < n_in; t++)
    row_map[t] = fm_conv_border_index (plan->params.border, t - geo->pad_top, geo->in_h);

  int rows = geo->out_h / (run->n_workers * 8);
  rows = CLAMP (rows, 16, 128);
  rows = (rows + 3) / 4 * 4;
  if (plan->kernel->scratch_size
      && plan->kernel->scratch_size (plan, rows) > plan->kernel->scratch_size (plan, run->band_rows))
    rows = run->band_rows;   /* scratch was sized for band_rows */
  run->chunk_rows = MAX (rows, 1);
  run->image_row_map = row_map;
  run->direct_out = direct_out;
  g_atomic_int_set (&run->next_chunk, 0);
  run->dynamic = TRUE;
  run->pending = run->n_workers - 1;
  pass_handover ();
  for (int w = 1; w < run->n_workers; w++)
    g_thread_pool_push (run->pool, &run->chunks[w], NULL);
  dynamic_worker (&run->chunks[0]);
  pthread_mutex_lock (&run->lock);
  while (run->pending > 0)
    pthread_cond_wait (&run->done, &run->lock);
  pthread_mutex_unlock (&run->lock);
  run->dynamic = FALSE;
  g_free (row_map);
}

static gboolean image_source (gpointer user_data, int y0, int n_rows, float *dst,
                              GError **error);

gboolean
fm_conv_run_internal (FmConvPlan *plan, FmRowSource source, gpointer source_data,
                      FmBandSink sink, gpointer sink_data, int band_rows,
                      float *direct_out, GError **error)
{
  const FmConvGeometry *geo = &plan->geo;
  const gboolean whole_image = source == image_source;
  Run run;
  gboolean ok = run_init (&run, plan, band_rows, direct_out != NULL, whole_image, error);
  if (ok && whole_image)
    {
      /* Rows in place: a table over the caller's image. */
      const ImageSource *src = source_data;
      run.image_rows = g_new (const float *, geo->in_h);
      for (int y = 0; y < geo->in_h; y++)
        run.image_rows[y] = src->in + (gsize) y * src->row_floats;
      run.rows = run.image_rows;
      run.rows_first = 0;
    }
  if (ok && direct_out && run.rows && plan->kernel->reads_image
      && g_getenv ("FEATUREMAPS_NO_DYNAMIC") == NULL)
    {
      run_dynamic (&run, direct_out);
      run_clear (&run);
      return TRUE;
    }

  for (int r0 = 0; ok && r0 < geo->out_h; r0 += run.band_rows)
    {
      int n_rows = MIN (run.band_rows, geo->out_h - r0);
      ok = fill_band (&run, r0, n_rows, source, source_data, error);
      if (!ok)
        break;
      if (direct_out)
        {
          compute_band (&run, r0, n_rows, direct_out + (gsize) r0 * geo->out_w,
                        (gsize) geo->out_h * geo->out_w, FALSE);
          continue;
        }
      compute_band (&run, r0, n_rows, run.out, run.out_plane, FALSE);
      ok = !stopped (sink (sink_data, r0, n_rows, run.out, run.out_plane, error),
                     error, "band sink");
    }
  run_clear (&run);
  return ok;
}

gboolean
fm_conv_plan_run (FmConvPlan *plan, FmRowSource source, gpointer source_data,
                  FmBandSink sink, gpointer sink_data, int band_rows, GError **error)
{
  g_return_val_if_fail (plan != NULL && source != NULL && sink != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (band_rows < 0)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "band rows %d: must be ≥ 0 (0: the plan picks)", band_rows);
      return FALSE;
    }
  return fm_conv_run_internal (plan, source, source_data, sink, sink_data,
                               band_rows, NULL, error);
}

static gboolean
image_source (gpointer user_data, int y0, int n_rows, float *dst, GError **error)
{
  const ImageSource *s = user_data;
  (void) error;
  memcpy (dst, s->in + (gsize) y0 * s->row_floats, n_rows * s->row_floats * sizeof (float));
  return TRUE;
}

gboolean
fm_conv_plan_run_image (FmConvPlan *plan, const float *in, float *out, GError **error)
{
  g_return_val_if_fail (plan != NULL && in != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ImageSource src = { in, (gsize) plan->geo.in_w * plan->params.channels };
  return fm_conv_run_internal (plan, image_source, &src, NULL, NULL, 0, out, error);
}

/* ---- runners ---- */

struct _FmConvRunner {
  Run run;
  int max_rows;
};

void
fm_conv_plan_rows_needed (const FmConvPlan *plan, int y0, int n_rows, int *lo, int *hi)
{
  g_return_if_fail (plan != NULL && lo != NULL && hi != NULL);
  const int sy = plan->params.stride_y, n_in = (n_rows - 1) * sy + plan->dkh;
  int first = G_MAXINT, last = -1;
  if (plan->params.border == FM_BORDER_ZERO)
    {
      /* A run of padded rows: the image rows inside it. */
      first = MAX (y0 * sy - plan->geo.pad_top, 0);
      last = MIN (y0 * sy - plan->geo.pad_top + n_in, plan->geo.in_h) - 1;
    }
  else
    for (int t = 0; t < n_in; t++)
      {
        int y = fm_conv_border_index (plan->params.border, y0 * sy + t - plan->geo.pad_top,
                                      plan->geo.in_h);
        first = MIN (first, y);
        last = MAX (last, y);
      }
  if (n_rows < 1 || last < first)
    first = last = 0, last = -1;
  *lo = first;
  *hi = last + 1;
}

FmConvRunner *
fm_conv_runner_new (FmConvPlan *plan, int max_rows, GError **error)
{
  g_return_val_if_fail (plan != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (max_rows < 1)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "band rows %d: must be ≥ 1", max_rows);
      return NULL;
    }
  FmConvRunner *runner = g_new0 (FmConvRunner, 1);
  runner->max_rows = MIN (max_rows, plan->geo.out_h);
  if (!run_init (&runner->run, plan, runner->max_rows, TRUE, TRUE, error))
    {
      fm_conv_runner_free (runner);
      return NULL;
    }
  return runner;
}

void
fm_conv_runner_free (FmConvRunner *runner)
{
  if (!runner)
    return;
  if (runner->run.plan)
    run_clear (&runner->run);
  g_free (runner);
}

gsize
fm_conv_runner_bytes (const FmConvRunner *runner)
{
  g_return_val_if_fail (runner != NULL, 0);
  return runner->run.bytes;
}

gboolean
fm_conv_runner_rows (FmConvRunner *runner, const float *const *rows, int first_row, int y0,
                     int n_rows, float *out, gsize stride, FmConvOutLayout layout,
                     GError **error)
{
  g_return_val_if_fail (runner != NULL && rows != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  Run *run = &runner->run;
  const FmConvPlan *plan = run->plan;
  const int K = plan->params.n_filters, out_w = plan->geo.out_w;

  if (n_rows < 1 || n_rows > runner->max_rows || y0 < 0 || y0 > plan->geo.out_h - n_rows)
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "rows %d .. %d: must lie in 0 .. %d, at most %d at once", y0,
                   y0 + n_rows - 1, plan->geo.out_h - 1, runner->max_rows);
      return FALSE;
    }
  const gboolean interleaved = layout == FM_CONV_OUT_INTERLEAVED;
  if (stride < (interleaved ? (gsize) out_w * K : (gsize) n_rows * out_w))
    {
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                   "output stride %" G_GSIZE_FORMAT ": too small for %d rows of %d × %d",
                   stride, n_rows, out_w, K);
      return FALSE;
    }
  if (interleaved && !plan->kernel->writes_interleaved)
    for (int w = 0; w < run->n_workers; w++)
      if (!run->chunks[w].planes)
        {
          gboolean ok = TRUE;
          gsize bytes = checked_floats (K, runner->max_rows, out_w, &ok);
          if (!ok || !(run->chunks[w].planes = g_try_malloc (bytes)))
            {
              g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                           "%d rows of %d maps of %d: out of memory", runner->max_rows, K, out_w);
              return FALSE;
            }
          run->bytes += bytes;
        }
  run->rows = rows;
  run->rows_first = first_row;
  fill_band (run, y0, n_rows, NULL, NULL, NULL);
  compute_band (run, y0, n_rows, out, stride, interleaved);
  run->rows = NULL;
  return TRUE;
}
