/* conv-ref: the naive reference convolution the engine is checked against.
 * Deliberately independent of core/conv/: its own geometry, its own
 * border arithmetic, double accumulation, obvious loops. */
#pragma once

#include "fm-conv.h"

typedef struct {
  int out_h, out_w, pad_top, pad_left;
} RefGeometry;

/* FALSE when valid padding leaves no room for the window. */
gboolean ref_geometry (const FmConvParams *p, int in_h, int in_w, RefGeometry *g);

/* out: K planes of out_h × out_w. */
void ref_conv (const FmConvParams *p, int in_h, int in_w, const float *in, float *out);

/* max |a − b| ≤ 1e−4 · max |ref| (1e−6 absolute for an all-zero ref), as
 * docs/design.md's golden rule; on failure *worst says by how much. */
gboolean ref_close (const float *got, const float *ref, gsize n, double *worst);
