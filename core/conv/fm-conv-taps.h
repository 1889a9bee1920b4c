/* fm-conv-taps.h: what the "separable" and "sparse" kernels share (not
 * installed) — rows split into planes and a weighted sum of shifted rows.
 *
 * Both kernels reduce a filter to a short list of taps, each "weight ×
 * a run of out_w consecutive inputs", so their inner loop is one thing:
 * dst[x] = init + Σ_j w[j] · src[j][x], unit stride over x, which GCC
 * vectorises on its own.  For every tap to be such a run whatever the
 * stride and the channel count, a padded row is first split into planes,
 * one per channel and per phase of the horizontal stride (padded column x
 * goes to phase x mod sx, at x / sx; the vector kernels split with these
 * too, fm-conv-simd.c): tap column
 * b·dx of output x then sits at phase (b·dx) mod sx, index x + (b·dx)/sx.
 * One channel at stride 1 needs no split: the band's row is its own plane.
 *
 * Written as portable C and compiled per ISA with target_clones on the
 * kernels' rows() (FM_TAPS_CLONES): the always_inline helpers below are
 * inlined into each clone, so they get its vector width and FMA.
 */
#pragma once

#include "fm-conv-private.h"

#include <string.h>

G_BEGIN_DECLS

#define FM_TAPS_INLINE static inline __attribute__ ((always_inline))

/* One clone for AVX-512 (512-bit vectors with generic tuning), one for
 * AVX2 + FMA, one plain.  ifunc dispatch needs GCC on an ELF target; not
 * under ThreadSanitizer, whose instrumented ifunc resolvers run before its
 * runtime is up and crash the program at load. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__) \
    && !defined(__SANITIZE_THREAD__)
#define FM_TAPS_CLONES __attribute__ ((target_clones ("avx512f", "arch=haswell", "default")))
#else
#define FM_TAPS_CLONES
#endif

#define FM_TAPS_ROUND_UP(n, m) (((n) + (m) - 1) / (m) * (m))

typedef struct {
  int pw;                /* floats per phase plane (a multiple of 16) */
  gsize plane_c;         /* sx · pw: the planes of one channel */
  gsize row_floats;      /* C · plane_c: one split row */
  gboolean in_place;     /* C = 1, sx = 1: a padded row is its own plane */
} FmTapsLayout;

static inline void
fm_taps_layout_init (const FmConvPlan *plan, FmTapsLayout *l)
{
  const int sx = plan->params.stride_x;
  l->pw = FM_TAPS_ROUND_UP ((plan->padded_w + sx - 1) / sx, 16);
  l->plane_c = (gsize) sx * l->pw;
  l->row_floats = (gsize) plan->params.channels * l->plane_c;
  l->in_place = plan->params.channels == 1 && sx == 1;
}

/* Where padded column `col` (relative to an output's first tap) of channel
 * c lies in a split row, for output column 0. */
static inline gsize
fm_taps_offset (const FmConvPlan *plan, const FmTapsLayout *l, int col, int c)
{
  const int sx = plan->params.stride_x;
  return (gsize) c * l->plane_c + (gsize) (col % sx) * l->pw + col / sx;
}

/* Padded columns x0 .. x0 + n − 1 into the planes at dst; src holds them
 * interleaved (column x0 + j, channel c at src[j·C + c]). */
FM_TAPS_INLINE void
fm_taps_split (const FmConvPlan *plan, const FmTapsLayout *l, const float *restrict src,
               int x0, int n, float *restrict dst)
{
  const int C = plan->params.channels, sx = plan->params.stride_x;

  if (sx == 1 && C == 1)
    {
      memcpy (dst + x0, src, (gsize) n * sizeof (float));
      return;
    }
  if (sx == 1 && C == 3)   /* RGB per channel, the common case: one pass */
    {
      float *restrict d0 = dst + x0, *restrict d1 = d0 + l->plane_c;
      float *restrict d2 = d1 + l->plane_c;
      for (int j = 0; j < n; j++)
        {
          d0[j] = src[3 * j];
          d1[j] = src[3 * j + 1];
          d2[j] = src[3 * j + 2];
        }
      return;
    }
  for (int c = 0; c < C; c++)
    for (int ph = 0; ph < sx; ph++)
      {
        const int first = x0 + ((ph - x0 % sx) + sx) % sx;   /* ≡ ph (mod sx) */
        float *restrict d = dst + c * l->plane_c + (gsize) ph * l->pw + first / sx;
        const float *s = src + (gsize) (first - x0) * C + c;
        const gsize step = (gsize) sx * C;
        for (int q = 0; first + q * sx < x0 + n; q++)
          d[q] = s[q * step];
      }
}

/* An image row (in_w × C interleaved) padded by the plan's column map as
 * it is split: the interior in one split (image column x is padded column
 * x + pad_left), the border columns one by one. */
FM_TAPS_INLINE void
fm_taps_split_image_row (const FmConvPlan *plan, const FmTapsLayout *l,
                         const float *restrict src, float *restrict dst)
{
  const int C = plan->params.channels, sx = plan->params.stride_x;
  const int pl = plan->geo.pad_left, in_w = plan->geo.in_w;

  fm_taps_split (plan, l, src, pl, in_w, dst);
  for (int x = 0; x < plan->padded_w; x++)
    {
      if (x == pl)
        x += in_w;
      if (x >= plan->padded_w)
        break;
      const int from = plan->col_map[x];
      float *d = dst + (gsize) (x % sx) * l->pw + x / sx;
      for (int c = 0; c < C; c++)
        d[c * l->plane_c] = from < 0 ? 0.0f : src[(gsize) from * C + c];
    }
}

/* Padded row t of the task's chunk in split form: the band's row split
 * into `slot`, or (no band) the input row padded and split.  In place when
 * the row already is its plane. */
FM_TAPS_INLINE const float *
fm_taps_get_row (const FmConvPlan *plan, const FmTapsLayout *l, const FmConvTask *task,
                 int t, float *restrict slot)
{
  const int in_w = plan->geo.in_w;

  if (!task->rows)
    {
      const float *src = task->band + (gsize) t * plan->band_stride;
      if (l->in_place)
        return src;
      fm_taps_split (plan, l, src, 0, plan->padded_w, slot);
      return slot;
    }
  const int r = task->row_map[t];
  if (r < 0)
    {
      memset (slot, 0, l->row_floats * sizeof (float));
      return slot;
    }
  const float *src = task->rows[r];
  if (l->in_place && plan->padded_w == in_w)
    return src;
  fm_taps_split_image_row (plan, l, src, slot);
  return slot;
}

/* One pass over dst with N ≤ 8 taps (N and first are constants after
 * inlining, so each instantiation is one plain vectorised loop).  Eight
 * taps per pass: nine loads and one store per vector of results, and the
 * pointers still fit the integer registers. */
FM_TAPS_INLINE void
fm_taps_pass (float *restrict d, int n, const int N, const int first, float init,
              const float *restrict s0, const float *restrict s1, const float *restrict s2,
              const float *restrict s3, const float *restrict s4, const float *restrict s5,
              const float *restrict s6, const float *restrict s7, const float *w)
{
  const float w0 = w[0], w1 = N > 1 ? w[1] : 0, w2 = N > 2 ? w[2] : 0, w3 = N > 3 ? w[3] : 0;
  const float w4 = N > 4 ? w[4] : 0, w5 = N > 5 ? w[5] : 0, w6 = N > 6 ? w[6] : 0;
  const float w7 = N > 7 ? w[7] : 0;
  for (int x = 0; x < n; x++)
    {
      float v = first ? init : d[x];
      v += w0 * s0[x];
      if (N > 1) v += w1 * s1[x];
      if (N > 2) v += w2 * s2[x];
      if (N > 3) v += w3 * s3[x];
      if (N > 4) v += w4 * s4[x];
      if (N > 5) v += w5 * s5[x];
      if (N > 6) v += w6 * s6[x];
      if (N > 7) v += w7 * s7[x];
      d[x] = v;
    }
}

/* dst[x] = init + Σ_j w[j] · src[j][x] for x < n, the taps added in order
 * (so a result never depends on how the rows were split into chunks). */
FM_TAPS_INLINE void
fm_taps_sum (float *restrict dst, int n, int n_taps, const float *const *src,
             const float *w, float init)
{
  if (n_taps == 0)
    {
      for (int x = 0; x < n; x++)
        dst[x] = init;
      return;
    }
  for (int j = 0; j < n_taps; j += 8)
    {
      const float *const *s = src + j;
      const int N = MIN (8, n_taps - j);
#define FM_TAPS_CASE(NN, F)                                                         \
      case NN * 2 + F:                                                              \
        fm_taps_pass (dst, n, NN, F, init, s[0], s[NN > 1 ? 1 : 0], s[NN > 2 ? 2 : 0], \
                      s[NN > 3 ? 3 : 0], s[NN > 4 ? 4 : 0], s[NN > 5 ? 5 : 0],      \
                      s[NN > 6 ? 6 : 0], s[NN > 7 ? 7 : 0], w + j);                 \
        break;
      switch (N * 2 + (j == 0))
        {
          FM_TAPS_CASE (1, 0) FM_TAPS_CASE (1, 1) FM_TAPS_CASE (2, 0) FM_TAPS_CASE (2, 1)
          FM_TAPS_CASE (3, 0) FM_TAPS_CASE (3, 1) FM_TAPS_CASE (4, 0) FM_TAPS_CASE (4, 1)
          FM_TAPS_CASE (5, 0) FM_TAPS_CASE (5, 1) FM_TAPS_CASE (6, 0) FM_TAPS_CASE (6, 1)
          FM_TAPS_CASE (7, 0) FM_TAPS_CASE (7, 1) FM_TAPS_CASE (8, 0) FM_TAPS_CASE (8, 1)
        default:
          break;
        }
#undef FM_TAPS_CASE
    }
}

/* Scratch: 64-byte aligned start (malloc gives 16). */
static inline char *
fm_taps_scratch_base (gpointer scratch)
{
  return (char *) (((guintptr) scratch + 63) & ~(guintptr) 63);
}

G_END_DECLS
