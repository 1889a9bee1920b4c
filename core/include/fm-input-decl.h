/* fm-input-decl: what a bank or a network declares about its input — how
 * an image's pixels must be prepared before the first layer sees them.
 * Banks ("light", "order", "range", "mean", "std" in their JSON), network
 * stack descriptions, sidecar MODEL.json files and Keras Rescaling /
 * Normalization layers all produce one; fm-input applies it.
 *
 * A channel value v (perceptual 0..1 unless linear) becomes
 *   (v · range − mean[c]) / std[c]
 * after the sRGB decode (linear) and the R/B swap (bgr).  With n_mean == 1
 * (n_std == 1) one value serves every channel; 0 means none (mean 0, std 1).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FM_INPUT_DECL_MAX_CHANNELS 4

typedef struct {
  gboolean linear;      /* "light": "linear" (default: perceptual / sRGB-encoded) */
  gboolean bgr;         /* "order": "bgr" */
  double range;         /* 1.0 ("0..1", default) or 255.0 ("0..255"); ≤ 0 reads as 1 */
  int n_mean, n_std;    /* 0, 1 (all channels) or one per channel */
  double mean[FM_INPUT_DECL_MAX_CHANNELS];
  double std[FM_INPUT_DECL_MAX_CHANNELS];
} FmInputDecl;

/* range 1, no mean/std, perceptual, RGB order. */
void fm_input_decl_init (FmInputDecl *decl);

G_END_DECLS
