/* fm-net-rows.c: the rows of the network's own layers — pooling, pad,
 * per-channel scale / shift, sums and products, concatenation and lone
 * activations — from the rows of the layers below, held in their rings
 * (HWC: a row is w × c floats, channels innermost).
 *
 * Every inner loop runs over consecutive floats of a row (a whole row at
 * stride 1, one pixel's channels otherwise), so GCC vectorises it; the
 * entry point is cloned per ISA (AVX-512, AVX2 + FMA, plain) like the
 * engine's portable kernels, and the helpers inline into each clone.
 * Each output row is finished (activation included) while it is in cache.
 */
#include "fm-net-private.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__) \
    && !defined(__SANITIZE_THREAD__)
#define FM_NET_CLONES __attribute__ ((target_clones ("avx512f", "arch=haswell", "default")))
#else
#define FM_NET_CLONES
#endif
#define INLINE static inline __attribute__ ((always_inline))

INLINE const float *
row_of (const FmNetStage *s, int y)
{
  return s->ring + (gsize) (y % s->cap) * s->row_floats;
}

/* Output columns [*lo, *hi) whose tap at offset `off` (= b·dx − pl) lands
 * inside 0 .. n − 1: x·sx + off ∈ [0, n). */
INLINE void
tap_columns (int off, int sx, int n, int out_w, int *lo, int *hi)
{
  /* x ≥ ceil(−off / sx), x ≤ floor((n − 1 − off) / sx) */
  int a = -off <= 0 ? 0 : (-off + sx - 1) / sx;
  int b = n - 1 - off < 0 ? 0 : (n - 1 - off) / sx + 1;
  *lo = MIN (a, out_w);
  *hi = CLAMP (b, *lo, out_w);
}

INLINE void
pool_row (const FmNetStage *s, int y, float *restrict out)
{
  const FmNetOp *op = s->op;
  const FmNetStage *in = s->in[0];
  const int C = s->c, out_w = s->w, sx = op->sx;
  const gsize n = (gsize) out_w * C;
  const gboolean is_max = op->max_pool;

  for (gsize i = 0; i < n; i++)
    out[i] = is_max ? -INFINITY : 0.0f;
  for (int t = 0; t < op->kh; t++)
    {
      int iy = y * op->sy - op->pt + t * op->dy;
      if (iy < 0 || iy >= in->h)
        continue;
      const float *src_row = row_of (in, iy);
      for (int b = 0; b < op->kw; b++)
        {
          int off = b * op->dx - op->pl, lo, hi;
          tap_columns (off, sx, in->w, out_w, &lo, &hi);
          if (lo >= hi)
            continue;
          float *restrict o = out + (gsize) lo * C;
          const float *restrict src = src_row + ((gsize) lo * sx + off) * C;
          if (sx == 1)
            {
              const gsize m = (gsize) (hi - lo) * C;
              if (is_max)
                for (gsize i = 0; i < m; i++)
                  o[i] = src[i] > o[i] ? src[i] : o[i];
              else
                for (gsize i = 0; i < m; i++)
                  o[i] += src[i];
            }
          else
            for (int x = lo; x < hi; x++, o += C, src += (gsize) sx * C)
              {
                if (is_max)
                  for (int c = 0; c < C; c++)
                    o[c] = src[c] > o[c] ? src[c] : o[c];
                else
                  for (int c = 0; c < C; c++)
                    o[c] += src[c];
              }
        }
    }
  if (!is_max)
    {
      const float cy = (float) s->cnt_y[y];
      for (int x = 0; x < out_w; x++)
        {
          const float d = cy * (float) s->cnt_x[x];
          float *restrict o = out + (gsize) x * C;
          if (d > 0)
            for (int c = 0; c < C; c++)
              o[c] /= d;
          else
            for (int c = 0; c < C; c++)
              o[c] = 0.0f;
        }
    }
}

INLINE void
pad_row (const FmNetStage *s, int y, float *restrict out)
{
  const FmNetOp *op = s->op;
  const FmNetStage *in = s->in[0];
  const int C = s->c, out_w = s->w;
  const int iy = fm_conv_border_index (op->border, y - op->pt, in->h);

  if (iy < 0)
    {
      for (gsize i = 0; i < (gsize) out_w * C; i++)
        out[i] = op->pad_value;
      return;
    }
  const float *src = row_of (in, iy);
  /* The image's own columns in one copy, the border pixel by pixel. */
  int x0 = MAX (op->pl, 0), x1 = MIN (out_w, op->pl + in->w);
  if (x1 > x0)
    memcpy (out + (gsize) x0 * C, src + (gsize) (x0 - op->pl) * C,
            (gsize) (x1 - x0) * C * sizeof (float));
  for (int x = 0; x < out_w; x++)
    {
      if (x == x0 && x1 > x0)
        x = x1;
      if (x >= out_w)
        break;
      int ix = fm_conv_border_index (op->border, x - op->pl, in->w);
      float *o = out + (gsize) x * C;
      if (ix < 0)
        for (int c = 0; c < C; c++)
          o[c] = op->pad_value;
      else
        memcpy (o, src + (gsize) ix * C, C * sizeof (float));
    }
}

INLINE void
affine_row (const FmNetStage *s, int y, float *restrict out)
{
  const int C = s->c, w = s->w;
  const float *restrict src = row_of (s->in[0], y);
  const float *restrict scale = s->op->scale, *restrict shift = s->op->shift;
  for (int x = 0; x < w; x++, src += C, out += C)
    for (int c = 0; c < C; c++)
      out[c] = src[c] * scale[c] + shift[c];
}

INLINE void
binary_row (const FmNetStage *s, int y, float *restrict out)
{
  const gsize n = s->row_floats;
  const float *restrict a = row_of (s->in[0], y), *restrict b = row_of (s->in[1], y);
  switch (s->op->binop)
    {
    case FM_NET_BIN_ADD:
      for (gsize i = 0; i < n; i++)
        out[i] = a[i] + b[i];
      break;
    case FM_NET_BIN_SUB:
      for (gsize i = 0; i < n; i++)
        out[i] = a[i] - b[i];
      break;
    default:
      for (gsize i = 0; i < n; i++)
        out[i] = a[i] * b[i];
      break;
    }
}

INLINE void
concat_row (const FmNetStage *s, int y, float *restrict out)
{
  const int C = s->c, w = s->w;
  int c0 = 0;
  for (int j = 0; j < s->n_in; j++)
    {
      const FmNetStage *in = s->in[j];
      const int cj = in->c;
      const float *restrict src = row_of (in, y);
      float *restrict o = out + c0;
      for (int x = 0; x < w; x++, src += cj, o += C)
        memcpy (o, src, cj * sizeof (float));
      c0 += cj;
    }
}

/* The activation on a finished row: relu, leaky and clip inline (they
 * vectorise), the transcendental ones through the plain form. */
INLINE void
act_row (const FmNetAct *act, float *restrict v, gsize n)
{
  const float lo = act->lo, hi = act->hi, alpha = act->alpha;
  switch (act->kind)
    {
    case FM_ACTIVATION_NONE:
      break;
    case FM_ACTIVATION_RELU:
      for (gsize i = 0; i < n; i++)
        v[i] = v[i] > 0.0f ? v[i] : 0.0f;
      break;
    case FM_ACTIVATION_LEAKY_RELU:
      for (gsize i = 0; i < n; i++)
        v[i] = v[i] >= 0.0f ? v[i] : alpha * v[i];
      break;
    default:
      {
        FmNetAct kind_only = *act;
        kind_only.lo = -INFINITY;
        kind_only.hi = INFINITY;
        fm_net_act_apply (&kind_only, v, n);
      }
      break;
    }
  if (lo != -INFINITY || hi != INFINITY)
    for (gsize i = 0; i < n; i++)
      {
        float x = v[i] < lo ? lo : v[i];
        v[i] = x > hi ? hi : x;
      }
}

FM_NET_CLONES void
fm_net_rows_compute (const FmNetStage *s, int a, int b, float *out)
{
  for (int y = a; y < b; y++, out += s->row_floats)
    {
      switch (s->op->kind)
        {
        case FM_NET_OP_POOL:
          pool_row (s, y, out);
          break;
        case FM_NET_OP_PAD:
          pad_row (s, y, out);
          break;
        case FM_NET_OP_AFFINE:
          affine_row (s, y, out);
          break;
        case FM_NET_OP_BINARY:
          binary_row (s, y, out);
          break;
        case FM_NET_OP_CONCAT:
          concat_row (s, y, out);
          break;
        case FM_NET_OP_ACT:
          memcpy (out, row_of (s->in[0], y), s->row_floats * sizeof (float));
          break;
        default:
          g_return_if_reached ();
        }
      act_row (&s->op->act, out, s->row_floats);
    }
}
