/* fm-conv-avx2.c: the vector kernels with 8-float AVX2 + FMA vectors, for
 * x86-64 CPUs without AVX-512 (compiled with -mavx2 -mfma; chosen at run
 * time).  The loops are fm-conv-simd-body.h; with 16 vector registers the
 * register blocks are smaller than AVX-512's (e.g. 6 filters × 2 vectors). */
#include "fm-conv-simd.h"

#include <immintrin.h>
#include <string.h>

#define VL 8
#define VEC __m256
#define MASK __m256i
#define vload(p) _mm256_loadu_ps (p)
#define vloadm(m, p) _mm256_maskload_ps ((p), (m))
#define vstore(p, v) _mm256_storeu_ps ((p), (v))
#define vstorem(p, m, v) _mm256_maskstore_ps ((p), (m), (v))
#define vstream(p, v) _mm256_stream_ps ((p), (v))
#define vset1(x) _mm256_set1_ps (x)
#define vfma(a, b, c) _mm256_fmadd_ps ((a), (b), (c))
#define vmax(a, b) _mm256_max_ps ((a), (b))
#define vmin(a, b) _mm256_min_ps ((a), (b))
#define vmul(a, b) _mm256_mul_ps ((a), (b))
#define vadd(a, b) _mm256_add_ps ((a), (b))
#define vsub(a, b) _mm256_sub_ps ((a), (b))
#define vabs(a) _mm256_and_ps ((a), _mm256_castsi256_ps (_mm256_set1_epi32 (0x7fffffff)))
#define vfence() _mm_sfence ()
#define VIDX __m256i
#define vindex(stride) _mm256_mullo_epi32 (_mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32 (stride))
#define vgather(p, idx) _mm256_i32gather_ps ((p), (idx), 4)
#define FN(name) fm_avx2_##name

/* Lanes whose column x + lane lies in [0, n): all ones where true. */
static inline __m256i
vmask (int x, int n)
{
  __m256i col = _mm256_add_epi32 (_mm256_set1_epi32 (x),
                                  _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
  __m256i ge0 = _mm256_cmpgt_epi32 (col, _mm256_set1_epi32 (-1));
  __m256i ltn = _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n), col);
  return _mm256_and_si256 (ge0, ltn);
}

/* Accumulators NK × NX plus NX inputs and a weight within 16 registers. */
#define FILTERS_NX(nk) ((nk) >= 8 ? 1 : (nk) >= 4 ? 2 : (nk) >= 3 ? 3 : (nk) >= 2 ? 4 : 6)
#define FILTERS_NK_CASES                                                        \
  DISPATCH_FILTERS (1) DISPATCH_FILTERS (2) DISPATCH_FILTERS (3)                \
  DISPATCH_FILTERS (4) DISPATCH_FILTERS (6)
#define FILTERS_NK_MAX 6
#define ROWS_R 3
#define ROWS_NX 3

/* "channels": NF vectors of filters × NP pixels of accumulators. */
#define CHANNELS_NP4 2
#define CHANNELS_NP2 6
#define CHANNELS_NP1 12

#include "fm-conv-simd-body.h"

FM_SIMD_KERNEL (fm_conv_kernel_filters_avx2, filters, FM_SIMD_FILTERS, FILTERS_NK_MAX, 0, 1)
FM_SIMD_KERNEL (fm_conv_kernel_rows_avx2, rows, FM_SIMD_ROWS, 1, ROWS_NX, ROWS_R)
FM_SIMD_KERNEL (fm_conv_kernel_channels_avx2, channels, FM_SIMD_CHANNELS, 4, 0, 1)
FM_SIMD_KERNEL (fm_conv_kernel_winograd_avx2, winograd, FM_SIMD_WINOGRAD, 4, 0, 1)
