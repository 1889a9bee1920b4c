/* fm-cpu: which vector instructions this CPU has, checked once.  A leaf:
 * the cost model (conv/fm-conv-select.c) and the kernels' possible() ask
 * here; nothing here knows about kernels. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a kernel needs from the CPU (conv/fm-conv-kernels.def names these). */
typedef enum {
  FM_CPU_NONE,     /* portable C */
  FM_CPU_AVX2,     /* AVX2 + FMA, 8-float vectors */
  FM_CPU_AVX512,   /* AVX-512F, 16-float vectors */
} FmCpuFeature;

/* FALSE on other machines and in builds without the x86 kernels. */
gboolean fm_cpu_has (FmCpuFeature feature);

/* The widest vector feature this CPU has (FM_CPU_NONE: plain C only). */
FmCpuFeature fm_cpu_widest (void);

/* Floats per vector of a feature: 16, 8, or 1 for plain C. */
int fm_cpu_vector_floats (FmCpuFeature feature);

/* "avx512", "avx2", "none". */
const char *fm_cpu_feature_name (FmCpuFeature feature);

G_END_DECLS
