/* fm-conv-fft.c: correlation through the frequency domain (FFTW, single
 * precision), for large windows where the direct taps cost more than the
 * transforms (W4: 31 × 31).
 *
 * Overlap-save over tiles of the engine's padded band: a tile of T output
 * rows reads T + dkh − 1 padded rows, zero-filled to Ny × Nx (Nx ≥ the
 * padded width), so the circular correlation of the tile with the kernel is
 * exact for every output the tile keeps.  The kernel's spectra (one per
 * filter and channel of its group, placed at (−a·dy, −b·dx) mod N so the
 * circular convolution is the correlation) are made once at plan time; each
 * tile costs one forward transform per channel and one inverse per filter,
 * the channels summed in frequency space.
 *
 * FFTW's planner is not thread-safe, its execute with new arrays is: plans
 * are made in prepare(), the workers call fftwf_execute_dft_* on their own
 * scratch, aligned like the arrays the plans were made with. */
#include "fm-conv-private.h"

#include <fftw3.h>
#include <math.h>
#include <string.h>
#include <pthread.h>

#define ALIGN 64
#define ROUND_UP(n, m) (((n) + (m) - 1) / (m) * (m))

/* FFTW's planner (and plan destruction) must not run in two threads. */
/* POSIX, not GMutex: ThreadSanitizer sees it (docs/robustness.md) */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

/* Tiles come in a few heights, so a worker's chunk of rows (whatever the
 * band and thread count make it) is covered by one or two transforms that
 * are not mostly padding.  Each height has its own plans and spectra. */
#define N_SIZES 5

typedef struct {
  int ny, nx, nxc;        /* transform size; nxc = nx / 2 + 1 complex columns */
  int tile_rows;          /* T: output rows per tile */
  fftwf_plan fwd, inv;
  fftwf_complex *spectra; /* K × group_channels × ny × nxc */
} FftSize;

typedef struct {
  FftSize sizes[N_SIZES]; /* ascending tile_rows */
  int n_sizes;
} FftPlan;

/* FFTW is fastest on products of 2, 3 and 5 (7 measured slower here). */
static int
good_size (int n)
{
  for (int m = n;; m++)
    {
      int r = m;
      for (int p = 2; p <= 5; p++)
        while (r % p == 0)
          r /= p;
      if (r == 1)
        return m;
    }
}

static void
fft_plan_free (gpointer data)
{
  FftPlan *plans = data;
  pthread_mutex_lock (&planner_lock);
  for (int i = 0; i < N_SIZES; i++)
    {
      FftSize *fp = &plans->sizes[i];
      if (fp->fwd)
        fftwf_destroy_plan (fp->fwd);
      if (fp->inv)
        fftwf_destroy_plan (fp->inv);
      fftwf_free (fp->spectra);
    }
  pthread_mutex_unlock (&planner_lock);
  g_free (plans);
}

static gsize
tile_floats (const FftSize *fp)
{
  return ROUND_UP ((gsize) fp->ny * fp->nx, ALIGN / sizeof (float));
}

static gsize
spectrum_floats (const FftSize *fp)
{
  return ROUND_UP ((gsize) fp->ny * fp->nxc * 2, ALIGN / sizeof (float));
}

/* Tile heights: i = 0 .. N_SIZES − 1 give 16 · 2^i output rows (or the
 * halo's size, whichever is more) rounded up to a fast transform. */
static void
choose_size (const FmConvPlan *plan, int i, int *ny, int *nx, int *rows)
{
  int halo = plan->dkh - 1;
  *ny = good_size (MAX (16 << i, halo / 2) + halo);
  *rows = *ny - halo;
  *nx = good_size (plan->padded_w);
}

/* The transforms against the direct taps, counting both in flops, the
 * transforms' at 1/20 of the vector kernels' rate: on W4 (31 × 31 on
 * 2048², about 130 FFT flops per output against 1922 direct) the two
 * measured about even, FFTW_ESTIMATE plans of 2048-wide real transforms
 * running near 7 GFLOP/s per core against ~100 for the "rows" kernel.  So
 * windows much larger than 31 × 31 go to the FFT; below 8 × 8 it is never
 * considered.  (FFTW_MEASURE plans are faster but take seconds to make:
 * too slow for the dialog's preview, which makes a plan per change.)  In
 * cost units (a dense multiply-add, 2 flops, at the vector rate) an FFT
 * flop costs 20 / 2 = 10. */
static double
fft_cost (const FmConvPlan *plan, int vector_floats)
{
  const FmConvParams *p = &plan->params;
  (void) vector_floats;
  if (p->kh * p->kw < 64)
    return INFINITY;
  int ny, nx, rows;
  choose_size (plan, 3, &ny, &nx, &rows);   /* a typical chunk */
  double n = (double) ny * nx, outputs = (double) rows * plan->geo.out_w;
  double transforms = (p->channels + p->n_filters) * 2.5 * n * log2 (n);
  double products = 8.0 * p->n_filters * plan->group_channels * n / 2;
  return 10.0 * (transforms + products) / outputs;
}

static gboolean
fft_possible (const FmConvPlan *plan)
{
  const FmConvParams *p = &plan->params;
  if (p->stride_x != 1 || p->stride_y != 1)
    return FALSE;
  /* The spectra: K · C/G of them, each ny × nx; refuse absurd banks. */
  return (double) p->n_filters * plan->group_channels * plan->padded_w * 512 <= 2e8;
}

static gboolean
prepare_size (FmConvPlan *plan, FftSize *fp, int i, GError **error)
{
  const FmConvParams *p = &plan->params;
  const int K = p->n_filters, cg = plan->group_channels;

  choose_size (plan, i, &fp->ny, &fp->nx, &fp->tile_rows);
  fp->nxc = fp->nx / 2 + 1;
  const gsize n_spec = (gsize) fp->ny * fp->nxc;
  float *tile = fftwf_malloc (tile_floats (fp) * sizeof (float));
  fftwf_complex *spec = fftwf_malloc (spectrum_floats (fp) * sizeof (float));
  fp->spectra = fftwf_malloc ((gsize) K * cg * n_spec * sizeof (fftwf_complex));
  if (!tile || !spec || !fp->spectra)
    {
      fftwf_free (tile);
      fftwf_free (spec);
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "FFT of %d × %d for %d filters × %d channels: out of memory",
                   fp->ny, fp->nx, K, cg);
      return FALSE;
    }
  pthread_mutex_lock (&planner_lock);
  fp->fwd = fftwf_plan_dft_r2c_2d (fp->ny, fp->nx, tile, spec, FFTW_ESTIMATE);
  fp->inv = fftwf_plan_dft_c2r_2d (fp->ny, fp->nx, spec, tile, FFTW_ESTIMATE);
  pthread_mutex_unlock (&planner_lock);

  /* Each filter's channel c at (−a·dy, −b·dx) mod N, scaled by 1/N so the
   * inverse transform needs no extra pass. */
  const float scale = 1.0f / ((float) fp->ny * fp->nx);
  for (int k = 0; k < K; k++)
    for (int c = 0; c < cg; c++)
      {
        memset (tile, 0, (gsize) fp->ny * fp->nx * sizeof (float));
        for (int a = 0; a < p->kh; a++)
          for (int b = 0; b < p->kw; b++)
            {
              int y = (fp->ny - a * p->dilation_y % fp->ny) % fp->ny;
              int x = (fp->nx - b * p->dilation_x % fp->nx) % fp->nx;
              tile[(gsize) y * fp->nx + x] =
                scale * plan->weights[(((gsize) k * p->kh + a) * p->kw + b) * cg + c];
            }
        fftwf_execute_dft_r2c (fp->fwd, tile, spec);
        memcpy (fp->spectra + ((gsize) k * cg + c) * n_spec, spec,
                n_spec * sizeof (fftwf_complex));
      }
  fftwf_free (tile);
  fftwf_free (spec);
  return TRUE;
}

static gboolean
fft_prepare (FmConvPlan *plan, GError **error)
{
  FftPlan *plans = g_new0 (FftPlan, 1);
  plan->kernel_data = plans;
  plan->kernel_data_free = fft_plan_free;
  for (int i = 0; i < N_SIZES; i++)
    {
      if (!prepare_size (plan, &plans->sizes[i], i, error))
        return FALSE;
      plans->n_sizes++;
      /* Taller tiles than the image are never used. */
      if (plans->sizes[i].tile_rows >= plan->geo.out_h)
        break;
    }
  return TRUE;
}

/* Per worker: a real tile, one spectrum per channel, one accumulator. */
static gsize
fft_scratch_size (const FmConvPlan *plan, int max_rows)
{
  const FftPlan *plans = plan->kernel_data;
  const FftSize *fp = &plans->sizes[plans->n_sizes - 1];   /* the largest */
  (void) max_rows;
  return ALIGN + (tile_floats (fp) + (plan->params.channels + 1) * spectrum_floats (fp))
                 * sizeof (float);
}

/* The smallest tile that takes all `left` rows, else the largest. */
static const FftSize *
pick_size (const FftPlan *plans, int left)
{
  for (int i = 0; i < plans->n_sizes; i++)
    if (plans->sizes[i].tile_rows >= left)
      return &plans->sizes[i];
  return &plans->sizes[plans->n_sizes - 1];
}

static void
fft_rows (const FmConvPlan *plan, const FmConvTask *task)
{
  const FmConvParams *p = &plan->params;
  const int C = p->channels, cg = plan->group_channels, K = p->n_filters;
  const int out_w = plan->geo.out_w;
  float *base = (float *) (((guintptr) task->scratch + ALIGN - 1) & ~(guintptr) (ALIGN - 1));
  float *tile = base;

  for (int r0 = 0; r0 < task->n_rows;)
    {
      const FftSize *fp = pick_size (plan->kernel_data, task->n_rows - r0);
      const int nx = fp->nx, ny = fp->ny;
      const gsize n_spec = (gsize) ny * fp->nxc;
      fftwf_complex *in_spec = (fftwf_complex *) (base + tile_floats (fp));
      fftwf_complex *acc = (fftwf_complex *) (base + tile_floats (fp) + C * spectrum_floats (fp));
      const int rows = MIN (fp->tile_rows, task->n_rows - r0);
      const int in_rows = rows + plan->dkh - 1;

      /* One forward transform per channel of the band's rows. */
      for (int c = 0; c < C; c++)
        {
          for (int y = 0; y < ny; y++)
            {
              float *t = tile + (gsize) y * nx;
              if (y >= in_rows)
                {
                  memset (t, 0, nx * sizeof (float));
                  continue;
                }
              const float *src = task->band + (gsize) (r0 + y) * plan->band_stride + c;
              for (int x = 0; x < plan->padded_w; x++)
                t[x] = src[(gsize) x * C];
              memset (t + plan->padded_w, 0, (nx - plan->padded_w) * sizeof (float));
            }
          fftwf_execute_dft_r2c (fp->fwd, tile, in_spec + c * (spectrum_floats (fp) / 2));
        }

      /* Per filter: the channels of its group summed in frequency space. */
      for (int k = 0; k < K; k++)
        {
          const int g = k / plan->group_filters;
          for (int c = 0; c < cg; c++)
            {
              const float *w = (const float *) (fp->spectra + ((gsize) k * cg + c) * n_spec);
              const float *x = (const float *) (in_spec + (g * cg + c) * (spectrum_floats (fp) / 2));
              float *s = (float *) acc;
              if (c == 0)
                for (gsize i = 0; i < n_spec; i++)
                  {
                    s[2 * i] = x[2 * i] * w[2 * i] - x[2 * i + 1] * w[2 * i + 1];
                    s[2 * i + 1] = x[2 * i] * w[2 * i + 1] + x[2 * i + 1] * w[2 * i];
                  }
              else
                for (gsize i = 0; i < n_spec; i++)
                  {
                    s[2 * i] += x[2 * i] * w[2 * i] - x[2 * i + 1] * w[2 * i + 1];
                    s[2 * i + 1] += x[2 * i] * w[2 * i + 1] + x[2 * i + 1] * w[2 * i];
                  }
            }
          fftwf_execute_dft_c2r (fp->inv, acc, tile);
          for (int y = 0; y < rows; y++)
            {
              float *o = task->out + k * task->plane_stride + (gsize) (r0 + y) * out_w;
              const float *t = tile + (gsize) y * nx;
              const float bias = plan->bias[k];
              for (int x = 0; x < out_w; x++)
                o[x] = t[x] + bias;
            }
        }
      r0 += rows;
    }
}

const FmConvKernel fm_conv_kernel_fft = {
  .possible = fft_possible,
  .cost = fft_cost,
  .prepare = fft_prepare,
  .scratch_size = fft_scratch_size,
  .rows = fft_rows,
};
