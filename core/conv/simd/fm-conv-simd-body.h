/* fm-conv-simd-body.h: the vector inner loops, written once and compiled
 * per ISA (fm-conv-avx512.c, fm-conv-avx2.c): one file per loop shape,
 * included here, then the kernels' rows() entry and FM_SIMD_KERNEL.  A new
 * shape: its file, an #include and a case in run_rows here, its packing in
 * fm-conv-simd.c, one FM_SIMD_KERNEL line per ISA file and its lines in
 * fm-conv-kernels.def.  The including file defines, before including:
 *
 *   VL                 floats per vector
 *   VEC, MASK          vector and lane-mask types
 *   vload(p), vloadm(m, p), vstore(p, v), vstorem(p, m, v), vstream(p, v)
 *   vset1(x), vfma(a, b, c) = a·b + c, vmax(a, b), vmul(a, b), vabs(a)
 *   vmask(x, n)        lanes whose column x + lane lies in [0, n)
 *   vfence()           orders streaming stores before the sink reads them
 *   FN(name)           the ISA-suffixed name
 *
 * Masked loads matter: a vector at the image's right edge may reach past
 * the end of the band, and a masked-off lane never faults.  Interior blocks
 * use plain loads (the EDGE instantiations are the only masked ones).
 *
 * Register blocks are compile-time constants (NK, NX, R, KH, KW) passed to
 * always_inline functions, so the accumulators live in registers and the
 * loops over them unroll; each shape's dispatcher (<shape>_rows) picks the
 * instantiation from the plan.
 */

#include "fm-conv-simd-common.h"
#include "fm-conv-simd-filters.h"
#include "fm-conv-simd-rows.h"
#include "fm-conv-simd-channels.h"
#include "fm-conv-simd-winograd.h"

/* ------------------------------------------------------------------------
 * The kernel's rows() entry: set up the context and scratch, and hand the
 * chunk to its shape's dispatcher, which walks the output rows, fetches
 * (splits) the padded rows each needs and runs every block over them. */

static void
FN (run_rows) (const FmConvPlan *plan, const FmConvTask *task)
{
  const FmSimdPlan *sp = plan->kernel_data;
  FmSimdScratch layout;
  fm_simd_scratch_layout (plan, task->n_rows, &layout);
  /* Split rows and staging rows start on a cache line. */
  guint8 *scratch = (guint8 *) (((guintptr) task->scratch + 63) & ~(guintptr) 63);
  FN (Ctx) cx = {
    .plan = plan,
    .sp = sp,
    .task = task,
    .slots = (float *) (scratch + layout.slots),
    .slot_row = (int *) (scratch + layout.slot_row),
    .stage = (float *) (scratch + layout.stage),
    .stage_stride = fm_simd_stage_stride (plan),
    .act = &plan->act,
  };
  for (int s = 0; s < sp->n_slots; s++)
    cx.slot_row[s] = -1;

  /* Stream only what goes straight to a map far larger than the caches,
   * and only when nothing reads it back right away (activation fused). */
  gboolean stream = sp->stream
                    && (double) task->plane_stride * plan->params.n_filters * sizeof (float)
                       >= FM_SIMD_STREAM_BYTES
                    && FN (vector_activation) (&plan->act);
  if (sp->shape == FM_SIMD_CHANNELS)
    FN (channels_rows) (&cx);
  else if (sp->shape == FM_SIMD_WINOGRAD)
    FN (winograd_rows) (&cx, (float *) (scratch + layout.wino_v),
                        (float *) (scratch + layout.wino_m));
  else if (sp->shape == FM_SIMD_FILTERS)
    FN (filters_rows) (&cx, stream);
  else
    FN (rows_rows) (&cx, stream);
  if (stream)
    vfence ();
}

/* One FmConvKernel per shape; fm-conv-kernels.def lists it as
 * "<shape>-<ISA>" (the registry checks the CPU).  NK, NX, R:
 * fm_simd_plan_prepare's register blocking. */
#define FM_SIMD_KERNEL(var, shape, SHAPE, NK, NX, R)                            \
  static gboolean FN (shape##_possible) (const FmConvPlan *plan)                \
  {                                                                             \
    return fm_simd_shape_possible (plan, SHAPE, VL);                            \
  }                                                                             \
  static double FN (shape##_cost) (const FmConvPlan *plan, int vector_floats)   \
  {                                                                             \
    (void) vector_floats;                                                       \
    return fm_simd_cost (plan, SHAPE, VL);                                      \
  }                                                                             \
  static gboolean FN (shape##_prepare) (FmConvPlan *plan, GError **error)       \
  {                                                                             \
    return fm_simd_plan_prepare (plan, SHAPE, VL, NK, NX, R, error);            \
  }                                                                             \
  const FmConvKernel var = {                                                    \
    .possible = FN (shape##_possible),                                          \
    .cost = FN (shape##_cost),                                                  \
    .prepare = FN (shape##_prepare),                                            \
    .scratch_size = fm_simd_scratch_size,                                       \
    .rows = FN (run_rows),                                                      \
    .applies_activation = TRUE,                                                 \
    .reads_image = TRUE,                                                        \
    .writes_interleaved = SHAPE == FM_SIMD_CHANNELS || SHAPE == FM_SIMD_WINOGRAD, \
  };
