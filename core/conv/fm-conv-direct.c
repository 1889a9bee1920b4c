/* fm-conv-direct.c: the plain inner loop, in portable C.
 *
 * It is the reference path that every faster kernel is compared with, so it
 * stays obvious: no intrinsics, no reordering tricks beyond keeping the
 * channel loop innermost (contiguous in both the band and the OHWI weights).
 */
#include "fm-conv-private.h"

static void
direct_rows (const FmConvPlan *plan, const FmConvTask *task)
{
  const FmConvParams *p = &plan->params;
  const int C = p->channels, cg = plan->group_channels;
  const int kh = p->kh, kw = p->kw, out_w = plan->geo.out_w;
  const int sy = p->stride_y, sx = p->stride_x;
  const int dy = p->dilation_y, dx = p->dilation_x;
  const gsize tap_step = (gsize) dx * C, px_step = (gsize) sx * C;

  for (int k = 0; k < p->n_filters; k++)
    {
      const int g = k / plan->group_filters;
      const float *wk = plan->weights + (gsize) k * kh * kw * cg;

      for (int i = 0; i < task->n_rows; i++)
        {
          float *o = task->out + k * task->plane_stride + (gsize) i * out_w;
          for (int x = 0; x < out_w; x++)
            o[x] = plan->bias[k];

          for (int a = 0; a < kh; a++)
            {
              const float *row = task->band
                                 + (gsize) (i * sy + a * dy) * plan->band_stride
                                 + (gsize) g * cg;
              for (int b = 0; b < kw; b++)
                {
                  const float *w = wk + ((gsize) a * kw + b) * cg;
                  const float *src = row + b * tap_step;
                  for (int x = 0; x < out_w; x++, src += px_step)
                    {
                      float s = 0.0f;
                      for (int c = 0; c < cg; c++)
                        s += src[c] * w[c];
                      o[x] += s;
                    }
                }
            }
        }
    }
}

/* Scalar: vector_floats times the vector loops' time (the same when the
 * CPU has no vectors, where this is the loop that runs). */
static double
direct_cost (const FmConvPlan *plan, int vector_floats)
{
  return fm_conv_dense_taps (plan) * vector_floats;
}

const FmConvKernel fm_conv_kernel_direct_c = {
  .possible = NULL,
  .cost = direct_cost,
  .prepare = NULL,
  .scratch_size = NULL,
  .rows = direct_rows,
};
