/* fm-learn-kernels: the two inner loops of learning, written once in
 * portable C with GCC vector types and cloned per ISA (FM_LEARN_CLONES).
 *
 * fm_learn_lagdot is where a pair fit spends its time: the correlation of
 * two image rows at a handful of consecutive lags.  Four lags share each
 * load of a, so a vector of a is loaded once for four fused multiply-adds;
 * the b loads are unaligned, one per lag (eight doubles a vector, so the
 * AVX-512 clone does one load and one FMA a lag, AVX2 two of each).
 *
 * fm_learn_dot_rows is the prediction of a row of windows (robust passes):
 * 32 outputs kept in registers across all taps, so each tap costs loads and
 * fused multiply-adds but no store. */
#include "fm-learn-private.h"

#include <string.h>

/* The helpers below take and return 64-byte vectors; they are always inlined
 * into each clone, so no call ever passes one across an ABI boundary. */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef double v8d __attribute__ ((vector_size (64)));

static inline __attribute__ ((always_inline)) v8d
load8 (const double *p)
{
  v8d v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline __attribute__ ((always_inline)) double
hsum (v8d v)
{
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

FM_LEARN_CLONES void
fm_learn_lagdot (const double *restrict a, const double *restrict b, int n,
                 int nk, double *restrict out)
{
  for (int k0 = 0; k0 < nk; k0 += 4)
    {
      const double *bb = b + k0;
      v8d s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
      int i = 0;
      for (; i + 8 <= n; i += 8)
        {
          const v8d va = load8 (a + i);
          s0 += va * load8 (bb + i);
          s1 += va * load8 (bb + i + 1);
          s2 += va * load8 (bb + i + 2);
          s3 += va * load8 (bb + i + 3);
        }
      double t[4] = { hsum (s0), hsum (s1), hsum (s2), hsum (s3) };
      for (; i < n; i++)
        for (int j = 0; j < 4; j++)
          t[j] += a[i] * bb[i + j];
      const int kb = nk - k0 < 4 ? nk - k0 : 4;
      for (int j = 0; j < kb; j++)
        out[k0 + j] += t[j];
    }
}

FM_LEARN_CLONES void
fm_learn_dot_rows (double *restrict dst, double init, const double *restrict w,
                   const double *const *restrict src, int n_taps, int n)
{
  int x = 0;
  for (; x + 32 <= n; x += 32)
    {
      v8d a0 = (v8d) { 0 } + init, a1 = a0, a2 = a0, a3 = a0;
      for (int t = 0; t < n_taps; t++)
        {
          const v8d wv = (v8d) { 0 } + w[t];
          const double *s = src[t] + x;
          a0 += wv * load8 (s);
          a1 += wv * load8 (s + 8);
          a2 += wv * load8 (s + 16);
          a3 += wv * load8 (s + 24);
        }
      memcpy (dst + x, &a0, sizeof a0);
      memcpy (dst + x + 8, &a1, sizeof a1);
      memcpy (dst + x + 16, &a2, sizeof a2);
      memcpy (dst + x + 24, &a3, sizeof a3);
    }
  for (; x < n; x++)
    {
      double v = init;
      for (int t = 0; t < n_taps; t++)
        v += w[t] * src[t][x];
      dst[x] = v;
    }
}
