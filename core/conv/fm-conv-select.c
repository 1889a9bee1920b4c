/* fm-conv-select.c: the kernel table (from fm-conv-kernels.def) and the
 * ranking.
 *
 * The kernels' cost() functions carry the rules measured on the standard
 * workloads (docs/benchmarks.md, docs/workloads.md); in short:
 *  - the widest vectors the CPU has (AVX-512, else AVX2 + FMA, else plain
 *    C): only that ISA's loops are candidates;
 *  - among them "winograd" for 3 × 3, stride 1 layers of 16 channels and
 *    filters or more (W5: 1.6 × faster than "channels"), "channels" for 16
 *    channels or more, "rows" for one or two filters per group on windows
 *    it instantiates (3, 5, 7) or tall ones, "filters" otherwise;
 *  - "fft" (with FFTW) for windows much larger than 31 × 31;
 *  - for designer banks, "separable" when every filter is rank 1 and two
 *    1-D passes do 3 × fewer multiply-adds, "sparse" when 60 % of the taps
 *    are zero (40 % against plain C). */
#include "fm-conv-select.h"

#include <math.h>
#include <string.h>

#define FM_CONV_KERNEL(id, name, cpu, takes, build) extern const FmConvKernel fm_conv_kernel_##id;
#include "fm-conv-kernels.def"
#undef FM_CONV_KERNEL

/* A kernel that this build does not compile is listed with no code. */
#define BUILT_ALWAYS(id) &fm_conv_kernel_##id
#ifdef FM_HAVE_FFTW
#define BUILT_FFTW(id) &fm_conv_kernel_##id
#else
#define BUILT_FFTW(id) NULL
#endif
#ifdef FM_HAVE_X86_KERNELS
#define BUILT_X86(id) &fm_conv_kernel_##id
#else
#define BUILT_X86(id) NULL
#endif

typedef struct {
  const char *name;
  FmCpuFeature cpu;
  const char *takes;
  const FmConvKernel *kernel;  /* NULL: not in this build */
} Entry;

static const Entry table[] = {
#define FM_CONV_KERNEL(id, name, cpu, takes, build) \
  { name, FM_CPU_##cpu, #takes, BUILT_##build (id) },
#include "fm-conv-kernels.def"
#undef FM_CONV_KERNEL
};

/* The reference loop: what a forced kernel that cannot take a plan falls
 * back to. */
static const Entry *
reference (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].kernel == &fm_conv_kernel_direct_c)
      return &table[i];
  g_assert_not_reached ();
}

static gboolean
runs_here (const Entry *e)
{
  return e->kernel && fm_cpu_has (e->cpu);
}

static gboolean
can_take (const Entry *e, const FmConvPlan *plan)
{
  return runs_here (e) && (!e->kernel->possible || e->kernel->possible (plan));
}

static const Entry *
best (const FmConvPlan *plan)
{
  const FmCpuFeature widest = fm_cpu_widest ();
  const int vector_floats = fm_cpu_vector_floats (widest);
  const Entry *chosen = NULL;
  double chosen_cost = INFINITY;
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const Entry *e = &table[i];
      if ((e->cpu != FM_CPU_NONE && e->cpu != widest) || !can_take (e, plan))
        continue;
      double cost = e->kernel->cost ? e->kernel->cost (plan, vector_floats) : INFINITY;
      if (!chosen || cost < chosen_cost)
        {
          chosen = e;
          chosen_cost = cost;
        }
    }
  /* direct-c takes every plan, so there is always one */
  return chosen ? chosen : reference ();
}

const char *
fm_conv_select_best (const FmConvPlan *plan)
{
  return best (plan)->name;
}

static char *forced_by_test;
static int streaming_by_test = -1;

void
fm_conv_select_force (const char *name)
{
  g_free (forced_by_test);
  forced_by_test = g_strdup (name);
}

void
fm_conv_select_set_streaming (gboolean on)
{
  streaming_by_test = on ? 1 : 0;
}

static gboolean
streaming (void)
{
  if (streaming_by_test >= 0)
    return streaming_by_test;
  const char *env = g_getenv ("FEATUREMAPS_STREAM_STORES");
  return env && strcmp (env, "1") == 0;
}

static const Entry *
find (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].kernel && strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

gboolean
fm_conv_select_choose (FmConvPlan *plan, GError **error)
{
  const char *env = g_getenv ("FEATUREMAPS_CONV_PATH");
  const char *forced = env && *env ? env : forced_by_test;
  const Entry *chosen;

  if (forced && *forced)
    {
      const Entry *e = find (forced);
      if (!e && forced == env)
        {
          GString *names = g_string_new (NULL);
          for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
            if (table[i].kernel)
              g_string_append_printf (names, "%s%s", names->len ? ", " : "", table[i].name);
          g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_INVALID,
                       "FEATUREMAPS_CONV_PATH %s: must be one of %s", env, names->str);
          g_string_free (names, TRUE);
          return FALSE;
        }
      chosen = e && can_take (e, plan) ? e : reference ();
    }
  else
    chosen = best (plan);

  plan->kernel = chosen->kernel;
  plan->kernel_name = chosen->name;
  plan->stream_stores = streaming ();
  return TRUE;
}

/* ---- the public list (fm-conv.h) ---------------------------------------- */

const FmConvPathInfo *
fm_conv_paths (int *n_paths)
{
  static FmConvPathInfo info[G_N_ELEMENTS (table)];
  static gsize ready = 0;
  if (g_once_init_enter (&ready))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
        {
          info[i].name = table[i].name;
          info[i].cpu = fm_cpu_feature_name (table[i].cpu);
          info[i].takes = table[i].takes;
          info[i].built = table[i].kernel != NULL;
          info[i].available = runs_here (&table[i]);
        }
      g_once_init_leave (&ready, 1);
    }
  if (n_paths)
    *n_paths = (int) G_N_ELEMENTS (table);
  return info;
}
