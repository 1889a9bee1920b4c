/* net-ref: graphs built in C for the planner's tests, each node computed
 * at the same time by a naive reference written from the ONNX operator
 * specification (NCHW, double sums, obvious loops; nothing shared with
 * core/net or core/conv).
 *
 * Every builder adds the node (and its initializers) to the graph and
 * returns the reference value of its output; the tests then run a plan
 * for any of those tensors and compare. */
#pragma once

#include <glib.h>
#include "fm-net-graph.h"

typedef struct {
  char *name;          /* the tensor's name in the graph */
  char *node;          /* the node that computes it */
  int c, h, w;
  float *v;            /* c × h × w */
} RefVal;

typedef struct {
  FmNetGraph *g;
  GRand *rng;
  int opset;
  int n;               /* nodes so far, for names */
  GPtrArray *vals;     /* RefVal*, owned */
} RefNet;

RefNet *ref_net_new (int opset, guint32 seed);
void ref_net_free (RefNet *rn);

/* The graph's input "x": 1 × c × (−1) × (−1), random values in −1..1. */
RefVal *ref_input (RefNet *rn, int c, int h, int w);

typedef struct {
  int pads[4];               /* top, left, bottom, right (ONNX order is
                                top, left, bottom, right for 2-D too) */
  const char *auto_pad;      /* NULL: no attribute */
  int sy, sx, dy, dx;        /* 0 → attribute absent (1) */
  gboolean ceil_mode, count_include_pad;
} RefWindow;

RefVal *ref_conv (RefNet *rn, RefVal *x, int k, int kh, int kw, int group,
                  const RefWindow *win, gboolean bias);
RefVal *ref_pool (RefNet *rn, RefVal *x, gboolean is_max, int kh, int kw,
                  const RefWindow *win);
/* mode "constant" / "reflect" / "edge"; pads top, left, bottom, right
 * (negative crops); as_input: opset ≥ 11 form (pads as a constant input
 * computed through Constant + Cast nodes, like torch writes). */
RefVal *ref_pad (RefNet *rn, RefVal *x, const char *mode, const int *pads, float value);
RefVal *ref_batchnorm (RefNet *rn, RefVal *x);
/* op: "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip" (lo, hi; Constant
 * inputs from opset 11, attributes before) */
RefVal *ref_act (RefNet *rn, RefVal *x, const char *op, float alpha, float lo, float hi);
RefVal *ref_add (RefNet *rn, RefVal *a, RefVal *b);
RefVal *ref_mul (RefNet *rn, RefVal *a, RefVal *b);
/* op "Add", "Sub", "Mul", "Div" with a per-channel constant 1 × C × 1 × 1 */
RefVal *ref_arith_const (RefNet *rn, RefVal *x, const char *op);
RefVal *ref_concat (RefNet *rn, RefVal *const *xs, int n);
RefVal *ref_identity (RefNet *rn, RefVal *x, const char *op);
/* A node featuremaps does not run, or one that ends the spatial part. */
RefVal *ref_opaque (RefNet *rn, RefVal *x, const char *op);

/* max |got − want| ≤ rel · max |want| (1e-6 absolute for all zeros). */
gboolean ref_close (const float *got, const RefVal *want, double rel, double *worst);
