/* fm-sheet: one picture of a layer's filters, as a float RGB image.
 *
 * Weights are OIHW (K filters × C channels × kh × kw), as the graph form
 * holds them.  Two layouts:
 *   RGB    (a first layer on colour images, C = 3): one tile per filter,
 *          its three channels as red, green, blue: 0.5 + w / (2m), m the
 *          filter's largest |weight| (0.5 grey is 0), tiles in a grid of
 *          ⌈√K⌉ columns, filter k at row k / columns, column k % columns;
 *   grid   (deeper layers, or any C): K rows × C columns of kh × kw tiles,
 *          each weight on the diverging scale (fm-colour.h) of w / m with
 *          m the filter's (row's) largest |weight|.
 * A filter of all zeros takes m = 1.  Each weight is a square of `cell`
 * pixels; tiles are `gap` pixels apart and the gaps (and the border
 * around, also `gap` wide) are black. */
#pragma once

#include <glib.h>
#include "fm-maps.h"
#include "fm-net-graph.h"

G_BEGIN_DECLS

typedef enum { FM_SHEET_AUTO, FM_SHEET_RGB, FM_SHEET_GRID } FmSheetLayout;

typedef struct {
  FmSheetLayout layout;   /* AUTO: RGB when C = 3, else grid */
  int cell;               /* pixels per weight; 0: the largest of 1 … 16 that
                             keeps the sheet within max_side */
  int gap;                /* pixels between tiles (0: none); < 0: 1 */
  int max_side;           /* 0: 4096 */
} FmSheetOptions;

/* The sheet (g_free), height rows × width × 3 floats in 0..1, rows top
 * first.  Refused (FM_MAPS_ERROR_TOO_LARGE) when even one pixel per weight
 * exceeds max_side.  options NULL: AUTO, cell 0, gap 1, max_side 4096; FM_MAPS_ERROR_INVALID for RGB with C ≠ 3 or a size
 * < 1. */
float *fm_sheet_render (const float *oihw, int K, int C, int kh, int kw,
                        const FmSheetOptions *options, int *width, int *height,
                        FmSheetLayout *layout_used, GError **error);

/* The filters behind a network layer (a name as fm_net_resolve_layer reads
 * it): the layer's node when it is a Conv, else the Conv its first inputs
 * lead back to (through activations, pooling, BatchNormalization — whose
 * folding is not applied: the sheet shows the weights the file holds).
 * The weight tensor must be a 4-D float initializer (OIHW).  *conv: the
 * Conv node's name (owned by the graph).  FM_MAPS_ERROR_INVALID naming
 * the layer when there is no such Conv or its weights are computed. */
const FmTensor *fm_sheet_layer_weights (const FmNetGraph *graph, const char *layer,
                                        const char **conv, GError **error);

G_END_DECLS
