/* fm-cpu.c: see fm-cpu.h.  __builtin_cpu_supports reads CPUID once
 * (GCC caches it), so asking per plan costs nothing. */
#include "fm-cpu.h"

gboolean
fm_cpu_has (FmCpuFeature feature)
{
  switch (feature)
    {
    case FM_CPU_NONE:
      return TRUE;
#ifdef FM_HAVE_X86_KERNELS
    case FM_CPU_AVX2:
      __builtin_cpu_init ();
      return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
    case FM_CPU_AVX512:
      __builtin_cpu_init ();
      return __builtin_cpu_supports ("avx512f") != 0;
#endif
    default:
      return FALSE;
    }
}

FmCpuFeature
fm_cpu_widest (void)
{
  if (fm_cpu_has (FM_CPU_AVX512))
    return FM_CPU_AVX512;
  if (fm_cpu_has (FM_CPU_AVX2))
    return FM_CPU_AVX2;
  return FM_CPU_NONE;
}

int
fm_cpu_vector_floats (FmCpuFeature feature)
{
  return feature == FM_CPU_AVX512 ? 16 : feature == FM_CPU_AVX2 ? 8 : 1;
}

const char *
fm_cpu_feature_name (FmCpuFeature feature)
{
  return feature == FM_CPU_AVX512 ? "avx512" : feature == FM_CPU_AVX2 ? "avx2" : "none";
}
