/* fm-conv-select.c: the cost model and the CPU checks behind the fast
 * kernels' supports().
 *
 * Rules, from measurements on the standard workloads (docs/benchmarks.md):
 *  - the widest vectors the CPU has (AVX-512, else AVX2 + FMA, else plain C);
 *  - "winograd" (F(2 × 2, 3 × 3) on the "channels" block) for 3 × 3,
 *    stride 1 layers of 16 channels and filters or more, both whole
 *    vectors (W5: 64 → 64, 1.6 × faster than "channels");
 *  - "channels" (vectorised over filters) for 16 channels or more and
 *    whole vectors of filters otherwise;
 *  - "rows" (R output rows × one filter, input vectors reused down the
 *    window) when each group has one or two filters and the window is tall
 *    enough to reuse: the shapes it instantiates (3×3, 5×5, 7×7) or kh ≥ 8;
 *    "filters" (several filters share each input vector) otherwise;
 *  - FFT (with FFTW) for windows much larger than 31 × 31, where the
 *    direct taps cost clearly more than the transforms
 *    (fm_conv_fft_pays in fm-conv-fft.c: on W4 the two measured even);
 *  - then, for designer banks, "separable" when every filter is rank 1 and
 *    the two 1-D passes do 3 × fewer multiply-adds (7 × 7 and up, or
 *    5 × 5 over 3 channels), "sparse" when 60 % of the taps are zero
 *    (fm-conv-separable.c, fm-conv-sparse.c: the vector kernels are at
 *    the memory's pace on 3 × 3 and 5 × 5 single-channel windows, so
 *    halving the arithmetic there gains nothing). */
#include "fm-conv-select.h"
#include "fm-conv-simd.h"

#include <string.h>

gboolean
fm_conv_cpu_has_avx512 (void)
{
#ifdef FM_HAVE_X86_KERNELS
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f") != 0;
#else
  return FALSE;
#endif
}

gboolean
fm_conv_cpu_has_avx2 (void)
{
#ifdef FM_HAVE_X86_KERNELS
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#else
  return FALSE;
#endif
}

static gboolean
rows_shape_pays (const FmConvPlan *plan)
{
  const FmConvParams *p = &plan->params;
  gboolean instantiated = p->kh == p->kw && (p->kh == 3 || p->kh == 5 || p->kh == 7);
  return fm_simd_rows_possible (plan) && plan->group_filters <= 2
         && (instantiated || p->kh >= 8);
}

/* Many channels and whole vectors of filters: vectorise over filters
 * (aligned weight loads, broadcast inputs) rather than over pixels. */
static gboolean
channels_shape_pays (const FmConvPlan *plan, int vl)
{
  return fm_simd_channels_possible (plan, vl) && plan->params.channels >= 16;
}

/* 3 × 3, stride 1, many channels and filters: F(2 × 2, 3 × 3) does 2.25 ×
 * fewer multiply-adds than "channels" and its transforms cost a few per
 * cent at 16 channels or more. */
static gboolean
winograd_pays (const FmConvPlan *plan, int vl)
{
  return fm_simd_winograd_possible (plan, vl) && plan->params.channels >= 16
         && plan->params.n_filters >= 16;
}

#ifndef FM_HAVE_FFTW
gboolean
fm_conv_fft_pays (const FmConvPlan *plan)
{
  (void) plan;
  return FALSE;
}
#endif

const char *
fm_conv_select_best (const FmConvPlan *plan)
{
  if (fm_conv_fft_pays (plan))
    return "fft";
  if (fm_conv_separable_pays (plan))
    return "separable";
  if (fm_conv_sparse_pays (plan))
    return "sparse";
  if (fm_conv_cpu_has_avx512 ())
    return winograd_pays (plan, 16) ? "winograd-avx512"
           : channels_shape_pays (plan, 16) ? "channels-avx512"
           : rows_shape_pays (plan) ? "rows-avx512" : "direct-avx512";
  if (fm_conv_cpu_has_avx2 ())
    return winograd_pays (plan, 8) ? "winograd-avx2"
           : channels_shape_pays (plan, 8) ? "channels-avx2"
           : rows_shape_pays (plan) ? "rows-avx2" : "direct-avx2";
  return "direct-c";
}

static char *forced_by_test;

void
fm_conv_select_force (const char *name)
{
  g_free (forced_by_test);
  forced_by_test = g_strdup (name);
}

gboolean
fm_conv_select_prefers (const FmConvPlan *plan, const char *name)
{
  const char *forced = g_getenv ("FEATUREMAPS_CONV_PATH");
  if (!forced || !*forced)
    forced = forced_by_test;
  if (forced && *forced)
    return strcmp (forced, name) == 0;
  return strcmp (fm_conv_select_best (plan), name) == 0;
}

static int streaming_by_test = -1;

void
fm_conv_select_set_streaming (gboolean on)
{
  streaming_by_test = on ? 1 : 0;
}

gboolean
fm_conv_select_streaming (void)
{
  if (streaming_by_test >= 0)
    return streaming_by_test;
  const char *env = g_getenv ("FEATUREMAPS_STREAM_STORES");
  return env && strcmp (env, "1") == 0;
}
