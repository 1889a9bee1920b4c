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

typedef double v8d __attribute__ ((vector_size (64)));

/* Macros, not functions: a 64-byte vector never crosses a call (GCC warns
 * about that ABI), whatever each clone inlines. */
#define LOAD8(p) ({ v8d v_; memcpy (&v_, (p), sizeof v_); v_; })
#define HSUM(v) ((((v)[0] + (v)[4]) + ((v)[1] + (v)[5])) + (((v)[2] + (v)[6]) + ((v)[3] + (v)[7])))

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
          const v8d va = LOAD8 (a + i);
          s0 += va * LOAD8 (bb + i);
          s1 += va * LOAD8 (bb + i + 1);
          s2 += va * LOAD8 (bb + i + 2);
          s3 += va * LOAD8 (bb + i + 3);
        }
      double t[4] = { HSUM (s0), HSUM (s1), HSUM (s2), HSUM (s3) };
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
          a0 += wv * LOAD8 (s);
          a1 += wv * LOAD8 (s + 8);
          a2 += wv * LOAD8 (s + 16);
          a3 += wv * LOAD8 (s + 24);
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
