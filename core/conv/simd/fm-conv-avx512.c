/* fm-conv-avx512.c: the vector kernels with 16-float AVX-512 vectors
 * (compiled with -mavx512f; chosen at run time only on CPUs that have it).
 * The loops are fm-conv-simd-body.h; this file maps its vector words onto
 * AVX-512 and picks the register blocking: 32 vector registers hold e.g.
 * 8 filters × 3 vectors of accumulators plus 3 input vectors and a weight. */
#include "fm-conv-simd.h"

#include <immintrin.h>
#include <string.h>

#define VL 16
#define VEC __m512
#define MASK __mmask16
#define vload(p) _mm512_loadu_ps (p)
#define vloadm(m, p) _mm512_maskz_loadu_ps ((m), (p))
#define vstore(p, v) _mm512_storeu_ps ((p), (v))
#define vstorem(p, m, v) _mm512_mask_storeu_ps ((p), (m), (v))
#define vstream(p, v) _mm512_stream_ps ((p), (v))
#define vset1(x) _mm512_set1_ps (x)
#define vfma(a, b, c) _mm512_fmadd_ps ((a), (b), (c))
#define vmax(a, b) _mm512_max_ps ((a), (b))
#define vmin(a, b) _mm512_min_ps ((a), (b))
#define vmul(a, b) _mm512_mul_ps ((a), (b))
#define vadd(a, b) _mm512_add_ps ((a), (b))
#define vsub(a, b) _mm512_sub_ps ((a), (b))
#define vabs(a) _mm512_abs_ps (a)
#define vfence() _mm_sfence ()
#define VIDX __m512i
#define vindex(stride) _mm512_mullo_epi32 (_mm512_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32 (stride))
#define vgather(p, idx) _mm512_i32gather_ps ((idx), (p), 4)
#define FN(name) fm_avx512_##name

static inline __mmask16
vmask (int x, int n)
{
  int lo = x < 0 ? -x : 0, hi = n - x;
  if (lo >= 16 || hi <= 0)
    return 0;
  hi = hi > 16 ? 16 : hi;
  return (__mmask16) (((1u << hi) - 1) & ~((1u << lo) - 1));
}

/* RGB rows into three planes, 16 pixels (48 floats in v0, v1, v2) per
 * step.  Channel c of pixel l is float 3l + c: lanes whose float lies below
 * 32 come from v0:v1 with one two-source permute, the rest from v2 with a
 * masked permute on top. */
static void
split3 (const float *src, float *dst, gsize plane, int n)
{
  __m512i lo[3], hi[3];
  __mmask16 from_v2[3];
  for (int c = 0; c < 3; c++)
    {
      int l_lo[16], l_hi[16];
      from_v2[c] = 0;
      for (int l = 0; l < 16; l++)
        {
          int f = 3 * l + c;
          l_lo[l] = f & 31;
          l_hi[l] = (f - 32) & 15;
          if (f >= 32)
            from_v2[c] |= (__mmask16) (1u << l);
        }
      lo[c] = _mm512_loadu_si512 (l_lo);
      hi[c] = _mm512_loadu_si512 (l_hi);
    }
  int x = 0;
  for (; x + 16 <= n; x += 16)
    {
      const float *s = src + 3 * (gsize) x;
      __m512 v0 = _mm512_loadu_ps (s), v1 = _mm512_loadu_ps (s + 16),
             v2 = _mm512_loadu_ps (s + 32);
      for (int c = 0; c < 3; c++)
        {
          __m512 t = _mm512_permutex2var_ps (v0, lo[c], v1);
          t = _mm512_mask_permutexvar_ps (t, from_v2[c], hi[c], v2);
          _mm512_storeu_ps (dst + c * plane + x, t);
        }
    }
  for (; x < n; x++)
    for (int c = 0; c < 3; c++)
      dst[c * plane + x] = src[3 * (gsize) x + c];
}
#define SPLIT3 split3

/* 16 × 16 floats: dst[j·dstride + i] = src[i·sstride + j]. */
static inline void
transpose16 (const float *src, gsize sstride, float *dst, gsize dstride)
{
  __m512 r[16], t[16];
  for (int i = 0; i < 16; i++)
    r[i] = _mm512_loadu_ps (src + i * sstride);
  for (int i = 0; i < 16; i += 2)
    {
      t[i] = _mm512_unpacklo_ps (r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps (r[i], r[i + 1]);
    }
  for (int i = 0; i < 16; i += 4)
    {
      __m512d a = _mm512_castps_pd (t[i]), b = _mm512_castps_pd (t[i + 2]);
      __m512d c = _mm512_castps_pd (t[i + 1]), d = _mm512_castps_pd (t[i + 3]);
      r[i] = _mm512_castpd_ps (_mm512_unpacklo_pd (a, b));
      r[i + 1] = _mm512_castpd_ps (_mm512_unpackhi_pd (a, b));
      r[i + 2] = _mm512_castpd_ps (_mm512_unpacklo_pd (c, d));
      r[i + 3] = _mm512_castpd_ps (_mm512_unpackhi_pd (c, d));
    }
  /* r[4q + m] holds, in 128-bit lane L, element m of rows 4q..4q+3 at
   * columns 4L + m: now gather the lanes. */
  for (int i = 0; i < 4; i++)
    {
      t[i] = _mm512_shuffle_f32x4 (r[i], r[i + 4], 0x88);
      t[i + 4] = _mm512_shuffle_f32x4 (r[i], r[i + 4], 0xdd);
      t[i + 8] = _mm512_shuffle_f32x4 (r[i + 8], r[i + 12], 0x88);
      t[i + 12] = _mm512_shuffle_f32x4 (r[i + 8], r[i + 12], 0xdd);
    }
  for (int i = 0; i < 8; i++)
    {
      r[i] = _mm512_shuffle_f32x4 (t[i], t[i + 8], 0x88);
      r[i + 8] = _mm512_shuffle_f32x4 (t[i], t[i + 8], 0xdd);
    }
  for (int i = 0; i < 16; i++)
    _mm512_storeu_ps (dst + i * dstride, r[i]);
}
#define TRANSPOSE16 transpose16

/* Accumulators: NK × NX ≤ 24 leaves room for NX inputs and a weight. */
#define FILTERS_NX(nk) ((nk) >= 12 ? 2 : (nk) >= 8 ? 3 : (nk) >= 6 ? 4 : (nk) >= 4 ? 6 : (nk) >= 3 ? 7 : 8)
#define FILTERS_NK_CASES                                                        \
  DISPATCH_FILTERS (1) DISPATCH_FILTERS (2) DISPATCH_FILTERS (3)                \
  DISPATCH_FILTERS (4) DISPATCH_FILTERS (6) DISPATCH_FILTERS (8)                \
  DISPATCH_FILTERS (12)
#define ROWS_R 4
#define ROWS_NX 4
#define FILTERS_NK_MAX 8

/* "channels": NF vectors of filters × NP pixels of accumulators. */
#define CHANNELS_NP4 6
#define CHANNELS_NP2 12
#define CHANNELS_NP1 12

#include "fm-conv-simd-body.h"

FM_SIMD_KERNEL (fm_conv_kernel_filters_avx512, filters, FM_SIMD_FILTERS, FILTERS_NK_MAX, 0, 1)
FM_SIMD_KERNEL (fm_conv_kernel_rows_avx512, rows, FM_SIMD_ROWS, 1, ROWS_NX, ROWS_R)
FM_SIMD_KERNEL (fm_conv_kernel_channels_avx512, channels, FM_SIMD_CHANNELS, 4, 0, 1)
FM_SIMD_KERNEL (fm_conv_kernel_winograd_avx512, winograd, FM_SIMD_WINOGRAD, 4, 0, 1)
