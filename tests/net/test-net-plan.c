/* test-net-plan: the network planner and banded runner against the naive
 * reference of net-ref.c — every op and attribute, random stacks with
 * branches, every band height, the ring sizes, the memory bound, names,
 * and the messages for what does not run. */
#include "net-ref.h"
#include "fm-net-plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n_tests, n_failed;

static void
ok (gboolean cond, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
ok (gboolean cond, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  n_tests++;
  if (!cond)
    n_failed++;
  printf ("%s %d - %s\n", cond ? "ok" : "not ok", n_tests, msg);
}

/* ---- running a plan into whole planes ---- */

typedef struct {
  const RefVal *in;
} Source;

static gboolean
source_rows (gpointer data, int y0, int n_rows, float *dst, GError **error)
{
  (void) error;
  const RefVal *x = ((Source *) data)->in;
  for (int r = 0; r < n_rows; r++)
    for (int xx = 0; xx < x->w; xx++)
      for (int c = 0; c < x->c; c++)
        *dst++ = x->v[((gsize) c * x->h + y0 + r) * x->w + xx];
  return TRUE;
}

typedef struct {
  int n;
  float **planes;        /* per output: c × h × w */
  const FmNetPlan *plan;
  int *next_row;
  gboolean order_ok;
  int stop_after;        /* calls before returning FALSE (0: never) */
  int calls;
} Sink;

static gboolean
sink_rows (gpointer data, int output, int y0, int n_rows, const float *maps, gsize plane_stride,
           GError **error)
{
  Sink *s = data;
  const FmNetLayerInfo *info = fm_net_plan_output (s->plan, output);
  if (y0 != s->next_row[output])
    s->order_ok = FALSE;
  s->next_row[output] = y0 + n_rows;
  for (int c = 0; c < info->channels; c++)
    for (int r = 0; r < n_rows; r++)
      memcpy (s->planes[output] + ((gsize) c * info->height + y0 + r) * info->width,
              maps + c * plane_stride + (gsize) r * info->width, info->width * sizeof (float));
  if (s->stop_after && ++s->calls >= s->stop_after)
    {
      g_set_error_literal (error, FM_NET_ERROR, FM_NET_ERROR_CANCELLED, "stop");
      return FALSE;
    }
  return TRUE;
}

/* Plans the named values, runs, compares each with its reference. */
static gboolean
check_run (RefNet *rn, RefVal *x, RefVal *const *want, int n, int band_rows, int threads,
           const char *what)
{
  const char **names = g_new (const char *, n);
  for (int i = 0; i < n; i++)
    names[i] = want[i]->node;
  FmNetPlanOptions opts = { .n_threads = threads, .band_rows = band_rows };
  GError *error = NULL;
  FmNetPlan *plan = fm_net_plan_new (rn->g, names, n, x->h, x->w, x->c, &opts, &error);
  g_free (names);
  if (!plan)
    {
      ok (FALSE, "%s: plan: %s", what, error->message);
      g_error_free (error);
      return FALSE;
    }
  int n_out = fm_net_plan_n_outputs (plan);
  Sink sink = { .n = n_out, .plan = plan, .order_ok = TRUE };
  sink.planes = g_new0 (float *, n_out);
  sink.next_row = g_new0 (int, n_out);
  gboolean shapes = n_out == n;
  for (int o = 0; o < n_out; o++)
    {
      const FmNetLayerInfo *info = fm_net_plan_output (plan, o);
      sink.planes[o] = g_new0 (float, (gsize) info->channels * info->height * info->width);
      shapes &= info->channels == want[o]->c && info->height == want[o]->h
                && info->width == want[o]->w;
    }
  Source src = { x };
  gboolean good = shapes;
  if (!shapes)
    {
      g_autofree char *d = fm_net_plan_describe (plan);
      ok (FALSE, "%s: output shapes differ from the reference\n%s", what, d);
    }
  else if (!fm_net_plan_run (plan, source_rows, &src, sink_rows, &sink, NULL, NULL, &error))
    {
      ok (FALSE, "%s: run: %s", what, error->message);
      g_error_free (error);
      good = FALSE;
    }
  else
    {
      for (int o = 0; o < n_out; o++)
        {
          double worst;
          const FmNetLayerInfo *info = fm_net_plan_output (plan, o);
          gboolean close = ref_close (sink.planes[o], want[o], 1e-4, &worst)
                           && sink.next_row[o] == info->height;
          if (!close)
            {
              g_autofree char *d = fm_net_plan_describe (plan);
              printf ("# %s: output %d (%s) off by %.3g of its peak\n%s", what, o,
                      want[o]->node, worst, d);
            }
          good &= close;
        }
      good &= sink.order_ok;
    }
  for (int o = 0; o < n_out; o++)
    g_free (sink.planes[o]);
  g_free (sink.planes);
  g_free (sink.next_row);
  fm_net_plan_free (plan);
  return good;
}

static RefWindow
win_pads (int t, int l, int b, int r)
{
  RefWindow w = { .pads = { t, l, b, r } };
  return w;
}

/* ---- fixed stacks: each op and attribute once ---- */

static void
test_ops (int opset)
{
  RefNet *rn = ref_net_new (opset, 1 + opset);
  RefVal *x = ref_input (rn, 3, 23, 19);
  RefWindow w1 = win_pads (1, 1, 1, 1);
  RefVal *c1 = ref_conv (rn, x, 8, 3, 3, 1, &w1, TRUE);
  RefVal *bn = ref_batchnorm (rn, c1);
  RefVal *r1 = ref_act (rn, bn, "Relu", 0, 0, 0);
  RefWindow wp = { .sy = 2, .sx = 2, .ceil_mode = opset >= 10 };
  RefVal *p1 = ref_pool (rn, r1, TRUE, 2, 2, &wp);
  RefWindow wd = { .pads = { 2, 0, 1, 2 }, .dy = 2, .dx = 1 };
  RefVal *dw = ref_conv (rn, p1, 8, 3, 3, 8, &wd, TRUE);            /* depthwise, dilated */
  RefVal *lr = ref_act (rn, dw, "LeakyRelu", 0.2f, 0, 0);
  RefWindow wa = { .pads = { 1, 1, 1, 1 }, .ceil_mode = opset >= 10, .sy = 2, .sx = 2 };
  RefVal *ap = ref_pool (rn, lr, FALSE, 3, 3, &wa);
  int pr[4] = { 2, 1, 1, 2 };
  RefVal *pad = ref_pad (rn, ap, "reflect", pr, 0);
  RefWindow w0 = { 0 };
  RefVal *c2 = ref_conv (rn, pad, 6, 3, 3, 2, &w0, FALSE);
  RefVal *clip = ref_act (rn, c2, "Clip", 0, 0, 6);
  RefVal *all[] = { x, c1, bn, r1, p1, dw, lr, ap, pad, c2, clip };
  int n_all = G_N_ELEMENTS (all);
  for (int i = 1; i < n_all; i++)
    ok (check_run (rn, x, &all[i], 1, 0, 0, "op alone"), "opset %d: %s alone", opset, all[i]->node);
  ok (check_run (rn, x, all, n_all, 0, 2, "all"), "opset %d: every layer at once", opset);
  for (int band = 1; band <= 7; band += 3)
    ok (check_run (rn, x, &clip, 1, band, 1, "bands"), "opset %d: last layer, bands of %d",
        opset, band);
  ref_net_free (rn);
}

static void
test_attributes (void)
{
  static const char *const autos[] = { "SAME_UPPER", "SAME_LOWER", "VALID" };
  for (int a = 0; a < 3; a++)
    for (int s = 1; s <= 3; s++)
      {
        RefNet *rn = ref_net_new (13, 100 + a * 10 + s);
        RefVal *x = ref_input (rn, 2, 17, 14);
        RefWindow w = { .auto_pad = autos[a], .sy = s, .sx = s == 3 ? 1 : s, .dy = 2 };
        RefVal *c = ref_conv (rn, x, 4, 4, 3, 1, &w, TRUE);
        RefWindow wm = { .auto_pad = autos[a], .sy = s, .sx = s, .dx = 2 };
        RefVal *m = ref_pool (rn, x, TRUE, 3, 2, &wm);
        RefWindow wv = { .auto_pad = autos[a], .sy = s, .sx = s, .count_include_pad = a == 0 };
        RefVal *v = ref_pool (rn, x, FALSE, 2, 3, &wv);
        RefVal *all[] = { c, m, v };
        ok (check_run (rn, x, all, 3, 0, 0, "auto_pad"), "auto_pad %s, stride %d: conv, max, average",
            autos[a], s);
        ref_net_free (rn);
      }

  /* ceil_mode × count_include_pad × pads on the average; dilated max. */
  for (int ceil_mode = 0; ceil_mode < 2; ceil_mode++)
    for (int inc = 0; inc < 2; inc++)
      for (int k = 2; k <= 3; k++)
        {
          RefNet *rn = ref_net_new (13, 200 + ceil_mode * 4 + inc * 2 + k);
          RefVal *x = ref_input (rn, 3, 15, 16);
          RefWindow w = { .pads = { 1, 0, 1, 1 }, .sy = 2, .sx = 3, .ceil_mode = ceil_mode,
                          .count_include_pad = inc };
          RefVal *v = ref_pool (rn, x, FALSE, k, k, &w);
          RefWindow wm = { .pads = { 1, 1, 0, 1 }, .sy = 2, .sx = 2, .dy = 2, .dx = 2,
                           .ceil_mode = ceil_mode };
          RefVal *m = ref_pool (rn, x, TRUE, k, k, &wm);
          RefVal *all[] = { v, m };
          ok (check_run (rn, x, all, 2, 3, 0, "pools"),
              "pools: ceil_mode %d, count_include_pad %d, %d × %d", ceil_mode, inc, k, k);
          ref_net_free (rn);
        }

  /* Pads: every mode, negative (a crop), as attribute (opset 2) and as input (11). */
  static const char *const modes[] = { "constant", "reflect", "edge" };
  for (int opset = 7; opset <= 13; opset += 6)
    for (int m = 0; m < 3; m++)
      {
        RefNet *rn = ref_net_new (opset, 300 + m + opset);
        RefVal *x = ref_input (rn, 3, 12, 13);
        int pads[4] = { 2, 3, 1, 0 }, crop[4] = { -1, 2, 1, -2 };
        RefVal *p = ref_pad (rn, x, modes[m], pads, m == 0 ? 0.75f : 0.0f);
        RefVal *q = ref_pad (rn, x, modes[m], crop, 0.0f);
        RefWindow w = win_pads (0, 1, 1, 0);
        RefVal *c = ref_conv (rn, p, 4, 3, 3, 1, &w, TRUE);       /* pad folds into the conv */
        RefVal *all[] = { p, q, c };
        ok (check_run (rn, x, all, 3, 0, 0, "pads"), "opset %d: pad %s (negative too)", opset,
            modes[m]);
        ok (check_run (rn, x, &c, 1, 2, 0, "pad folded"), "opset %d: pad %s then conv, folded",
            opset, modes[m]);
        ref_net_free (rn);
      }

  /* A conv with negative and asymmetric pads. */
  RefNet *rn = ref_net_new (13, 400);
  RefVal *x = ref_input (rn, 3, 14, 15);
  RefWindow w = win_pads (-1, 2, 1, -2);
  RefVal *c = ref_conv (rn, x, 5, 3, 2, 1, &w, TRUE);
  ok (check_run (rn, x, &c, 1, 0, 0, "negative pads"), "conv with negative and asymmetric pads");
  ref_net_free (rn);

  /* Activations, Clip as attributes (opset 7) and constant inputs (13),
   * each after a conv (fused) and after a pool (not a conv). */
  for (int opset = 7; opset <= 13; opset += 6)
    {
      static const char *const acts[] = { "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip" };
      for (gsize i = 0; i < G_N_ELEMENTS (acts); i++)
        {
          RefNet *rn2 = ref_net_new (opset, 500 + i);
          RefVal *x2 = ref_input (rn2, 3, 11, 9);
          RefWindow w1 = win_pads (1, 1, 1, 1);
          RefVal *c1 = ref_conv (rn2, x2, 16, 3, 3, 1, &w1, TRUE);
          RefVal *a1 = ref_act (rn2, c1, acts[i], 0.3f, -0.5f, 0.7f);
          RefWindow wp = { .sy = 1 };
          RefVal *p1 = ref_pool (rn2, a1, FALSE, 2, 2, &wp);
          RefVal *a2 = ref_act (rn2, p1, acts[i], 0.3f, -0.2f, 0.2f);
          RefVal *relu = ref_act (rn2, a2, "Relu", 0, 0, 0);
          ok (check_run (rn2, x2, &a1, 1, 0, 0, "act"), "opset %d: %s fused into a conv", opset,
              acts[i]);
          RefVal *both[] = { a2, relu };
          ok (check_run (rn2, x2, both, 2, 0, 0, "act"), "opset %d: %s after a pool, then relu",
              opset, acts[i]);
          ref_net_free (rn2);
        }
    }

  /* Affine constants in every direction, a residual sum, a product, a concatenation. */
  RefNet *rb = ref_net_new (13, 600);
  RefVal *xb = ref_input (rb, 4, 20, 17);
  RefWindow same = win_pads (1, 1, 1, 1);
  RefVal *a = ref_conv (rb, xb, 4, 3, 3, 1, &same, TRUE);
  RefVal *ar = ref_act (rb, a, "Relu", 0, 0, 0);
  RefVal *b = ref_conv (rb, ar, 4, 3, 3, 1, &same, TRUE);
  RefVal *sum = ref_add (rb, b, xb);
  RefVal *sr = ref_act (rb, sum, "Relu", 0, 0, 0);
  RefVal *k1 = ref_arith_const (rb, sr, "Mul");
  RefVal *k2 = ref_arith_const (rb, k1, "Sub");
  RefVal *k3 = ref_arith_const (rb, k2, "Div");
  RefVal *k4 = ref_arith_const (rb, k3, "Add");
  RefWindow wide = win_pads (2, 2, 2, 2);
  RefVal *e = ref_conv (rb, k4, 3, 5, 5, 1, &wide, TRUE);
  RefWindow none = { 0 };
  RefVal *f = ref_conv (rb, k4, 5, 1, 1, 1, &none, FALSE);
  RefVal *parts[] = { e, f, k4 };
  RefVal *cat = ref_concat (rb, parts, 3);
  RefVal *prod = ref_mul (rb, cat, cat);
  RefVal *id = ref_identity (rb, prod, "Dropout");
  RefVal *all[] = { sum, k4, cat, id };
  ok (check_run (rb, xb, all, 4, 0, 0, "branches"), "residual sum, constants, concat, product");
  ok (check_run (rb, xb, &id, 1, 3, 1, "branches"), "the same, last layer only, bands of 3");
  ref_net_free (rb);
}

/* ---- random stacks ---- */

static RefVal *
random_layer (RefNet *rn, GRand *r, RefVal *x, RefVal **skip)
{
  int kind = g_rand_int_range (r, 0, 10);
  RefWindow w = { 0 };
  if (x->h < 4 || x->w < 4)
    kind = 0;
  switch (kind)
    {
    case 0: case 1: case 2:
      {
        int k = g_rand_int_range (r, 1, 4) * 2 + 1;   /* 3, 5, 7 */
        if (g_rand_boolean (r))
          k = g_rand_int_range (r, 1, 4);
        int groups = 1, K = g_rand_int_range (r, 1, 20);
        if (g_rand_int_range (r, 0, 3) == 0)
          groups = x->c, K = x->c * g_rand_int_range (r, 1, 3);
        for (int i = 0; i < 4; i++)
          w.pads[i] = g_rand_int_range (r, 0, k);
        w.sy = g_rand_int_range (r, 1, 3);
        w.sx = g_rand_int_range (r, 1, 3);
        w.dy = g_rand_int_range (r, 1, 3);
        if (g_rand_int_range (r, 0, 4) == 0)
          w.auto_pad = g_rand_boolean (r) ? "SAME_UPPER" : "SAME_LOWER";
        int dk = (k - 1) * w.dy + 1;
        if (dk > x->h + w.pads[0] + w.pads[2] || k > x->w + w.pads[1] + w.pads[3])
          return x;
        return ref_conv (rn, x, K, k, k, groups, &w, g_rand_boolean (r));
      }
    case 3:
      {
        static const char *const acts[] = { "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip" };
        return ref_act (rn, x, acts[g_rand_int_range (r, 0, 5)], 0.1f, -0.3f, 0.8f);
      }
    case 4:
      return ref_batchnorm (rn, x);
    case 5:
      {
        int k = g_rand_int_range (r, 2, 4);
        w.sy = w.sx = g_rand_int_range (r, 1, 3);
        w.pads[0] = w.pads[1] = g_rand_int_range (r, 0, k / 2 + 1);
        w.pads[2] = w.pads[3] = g_rand_int_range (r, 0, k / 2 + 1);
        w.ceil_mode = g_rand_boolean (r);
        w.count_include_pad = g_rand_boolean (r);
        return ref_pool (rn, x, g_rand_boolean (r), k, k, &w);
      }
    case 6:
      {
        static const char *const modes[] = { "constant", "reflect", "edge" };
        int pads[4];
        for (int i = 0; i < 4; i++)
          pads[i] = g_rand_int_range (r, -1, 3);
        return ref_pad (rn, x, modes[g_rand_int_range (r, 0, 3)], pads, 0.0f);
      }
    case 7:
      if (*skip && (*skip)->h == x->h && (*skip)->w == x->w && (*skip)->c == x->c && *skip != x)
        return ref_add (rn, x, *skip);
      *skip = x;
      {
        RefWindow same = { .auto_pad = "SAME_UPPER" };
        return ref_conv (rn, x, x->c, 3, 3, 1, &same, TRUE);
      }
    case 8:
      {
        RefWindow same = { .auto_pad = "SAME_LOWER" };
        RefVal *b = ref_conv (rn, x, g_rand_int_range (r, 1, 6), 3, 3, 1, &same, TRUE);
        RefVal *parts[] = { x, b };
        return ref_concat (rn, parts, 2);
      }
    default:
      return ref_arith_const (rn, x, g_rand_boolean (r) ? "Mul" : "Add");
    }
}

static void
test_random (int n_cases)
{
  GRand *r = g_rand_new_with_seed (42);
  int passed = 0;
  for (int t = 0; t < n_cases; t++)
    {
      RefNet *rn = ref_net_new (g_rand_boolean (r) ? 11 : 13, 1000 + t);
      RefVal *x = ref_input (rn, g_rand_int_range (r, 1, 5), g_rand_int_range (r, 9, 40),
                             g_rand_int_range (r, 9, 40));
      RefVal *cur = x, *skip = NULL;
      int depth = g_rand_int_range (r, 2, 9);
      GPtrArray *layers = g_ptr_array_new ();
      for (int d = 0; d < depth; d++)
        {
          RefVal *next = random_layer (rn, r, cur, &skip);
          if (next != cur)
            g_ptr_array_add (layers, next);
          cur = next;
        }
      gboolean good = TRUE;
      if (layers->len)
        {
          int band = g_rand_int_range (r, 0, 6);
          g_autofree char *what = g_strdup_printf ("random stack %d", t);
          good = check_run (rn, x, &cur, 1, band, g_rand_int_range (r, 1, 3), what)
                 && check_run (rn, x, (RefVal **) layers->pdata, layers->len, band, 0, what);
        }
      passed += good;
      if (!good)
        ok (FALSE, "random stack %d (%u layers)", t, layers->len);
      g_ptr_array_unref (layers);
      ref_net_free (rn);
    }
  ok (passed == n_cases, "%d of %d random stacks match the reference, each layer and the last alone",
      passed, n_cases);
  g_rand_free (r);
}

/* ---- messages ---- */

static void
expect_error (RefNet *rn, const char *layer, int h, int w, int c, int code, const char *part)
{
  GError *error = NULL;
  const char *names[] = { layer };
  FmNetPlan *plan = fm_net_plan_new (rn->g, names, 1, h, w, c, NULL, &error);
  gboolean good = !plan && error && error->domain == FM_NET_ERROR && error->code == code
                  && strstr (error->message, part) && !strchr (error->message, '\n');
  ok (good, "'%s': %s", layer, error ? error->message : "no error");
  if (!good && error)
    printf ("#   wanted code %d and \"%s\"\n", code, part);
  fm_net_plan_free (plan);
  g_clear_error (&error);
}

static void
test_messages (void)
{
  RefNet *rn = ref_net_new (13, 700);
  RefVal *x = ref_input (rn, 3, 16, 16);
  RefWindow same = win_pads (1, 1, 1, 1);
  RefVal *c1 = ref_conv (rn, x, 4, 3, 3, 1, &same, TRUE);
  RefVal *up = ref_opaque (rn, c1, "Resize");
  RefVal *c2 = ref_conv (rn, up, 4, 3, 3, 1, &same, TRUE);
  RefVal *gap = ref_opaque (rn, c1, "GlobalAveragePool");
  RefVal *fc = ref_opaque (rn, gap, "Relu");
  expect_error (rn, c2->node, 16, 16, 3, FM_NET_ERROR_UNSUPPORTED,
                "layer 'conv3' needs node 'Resize2' (Resize), which featuremaps does not run");
  expect_error (rn, up->node, 16, 16, 3, FM_NET_ERROR_UNSUPPORTED,
                "layer 'Resize2' is node 'Resize2' (Resize), which featuremaps does not run");
  expect_error (rn, gap->node, 16, 16, 3, FM_NET_ERROR_UNSUPPORTED,
                "ends the spatial part of the network");
  expect_error (rn, fc->node, 16, 16, 3, FM_NET_ERROR_UNSUPPORTED,
                "layer 'Relu5' needs node 'GlobalAveragePool4' (GlobalAveragePool), which ends");
  expect_error (rn, "conv9", 16, 16, 3, FM_NET_ERROR_NOT_FOUND, "no layer 'conv9' in test.onnx (its layers: conv1");
  expect_error (rn, "conv1", 16, 16, 4, FM_NET_ERROR_INVALID, "has 3 channels; the image gives 4");
  expect_error (rn, "conv1", 1, 0, 3, FM_NET_ERROR_TOO_LARGE, "each side must be");
  expect_error (rn, "conv1.weight", 16, 16, 3, FM_NET_ERROR_NOT_FOUND, "no layer 'conv1.weight'");
  /* The layers before the end still run. */
  ok (check_run (rn, x, &c1, 1, 0, 0, "before"), "the layer before an unsupported node runs");

  /* Bad attributes name the node. */
  RefNet *rb = ref_net_new (13, 701);
  RefVal *xb = ref_input (rb, 3, 8, 8);
  RefWindow big = win_pads (0, 0, 0, 0);
  RefVal *cb = ref_conv (rb, xb, 2, 9, 9, 1, &big, TRUE);
  expect_error (rb, cb->node, 8, 8, 3, FM_NET_ERROR_UNSUPPORTED,
                "layer 'conv1' is node 'conv1' (Conv): the 9 × 9 window (dilated 9 × 9) does not fit the 8 × 8 input");
  FmNetNode *n = g_ptr_array_index (rb->g->nodes, 0);
  fm_net_node_add_attr (n, "group", FM_ATTR_INT)->i = 2;
  expect_error (rb, cb->node, 16, 16, 3, FM_NET_ERROR_UNSUPPORTED,
                "node 'conv1' (Conv): group 2 must divide the 3 input channels");
  ref_net_free (rb);
  ref_net_free (rn);
}

static void
add_named (RefNet *rn, const char *name, const char *op, const char *in, const char *out)
{
  FmNetNode *node = fm_net_node_new (name, op, 1, &in, 1, &out);
  fm_net_graph_add_node (rn->g, node);
}

static void
test_names (void)
{
  RefNet *rn = ref_net_new (13, 800);
  ref_input (rn, 3, 8, 8);
  /* PyTorch's scoped names (Relu after Relu keeps it simple). */
  add_named (rn, "/features/features.0/Relu", "Relu", "x", "/features/features.0/Relu_output_0");
  add_named (rn, "/features/features.1/Relu", "Relu", "/features/features.0/Relu_output_0", "t1");
  add_named (rn, "/layer1/layer1.0/relu/Relu", "Relu", "t1", "t2");
  add_named (rn, "/layer1/layer1.0/relu_1/Relu", "Relu", "t2", "t3");
  add_named (rn, "/layer1/layer1.1/relu/Relu", "Relu", "t3", "t4");
  static const struct { const char *name; int index; } cases[] = {
    { "/features/features.0/Relu", 0 },
    { "/features/features.0/Relu_output_0", 0 },
    { "t1", 1 },
    { "features.1", 1 },
    { "features/features.1", 1 },
    { "features.0/Relu", 0 },
    { "layer1.0", 3 },          /* a module: its last node */
    { "layer1.0/relu_1", 3 },
    { "layer1.1", 4 },
    { "2", 2 },                 /* info's index */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GError *error = NULL;
      int got = fm_net_resolve_layer (rn->g, cases[i].name, &error);
      ok (got == cases[i].index, "name '%s' → node %d (%s)", cases[i].name, got,
          error ? error->message : "");
      g_clear_error (&error);
    }
  GError *error = NULL;
  ok (fm_net_resolve_layer (rn->g, "Relu", &error) < 0 && error->code == FM_NET_ERROR_INVALID
      && strstr (error->message, "ambiguous"), "'Relu' is ambiguous: %s", error ? error->message : "");
  g_clear_error (&error);
  ok (fm_net_resolve_layer (rn->g, "layer1", &error) == 4, "'layer1' is a scope: its last node");
  g_clear_error (&error);
  ok (fm_net_resolve_layer (rn->g, "layer2", &error) < 0 && error->code == FM_NET_ERROR_NOT_FOUND
      && strstr (error->message, "/features/features.0/Relu"), "unknown: %s",
      error ? error->message : "");
  g_clear_error (&error);

  GPtrArray *list = fm_net_list_layers (rn->g, 0, &error);
  ok (list && list->len == 5, "info lists 5 layers");
  if (list)
    g_ptr_array_unref (list);
  ref_net_free (rn);
}

/* ---- memory: a deep stack on a tall image ---- */

static gsize
plan_memory (RefNet *rn, const char *layer, int h, int w, int c)
{
  const char *names[] = { layer };
  GError *error = NULL;
  FmNetPlan *plan = fm_net_plan_new (rn->g, names, 1, h, w, c, NULL, &error);
  if (!plan)
    {
      printf ("# %s\n", error->message);
      g_error_free (error);
      return 0;
    }
  gsize m = fm_net_plan_memory (plan);
  fm_net_plan_free (plan);
  return m;
}

static void
test_memory (void)
{
  RefNet *rn = ref_net_new (13, 900);
  RefVal *x = ref_input (rn, 3, 8, 8);
  RefVal *cur = x;
  RefWindow same = win_pads (1, 1, 1, 1);
  for (int i = 0; i < 12; i++)
    {
      cur = ref_conv (rn, cur, 32, 3, 3, 1, &same, TRUE);
      cur = ref_act (rn, cur, "Relu", 0, 0, 0);
    }
  gsize small = plan_memory (rn, cur->node, 512, 256, 3);
  gsize tall = plan_memory (rn, cur->node, 65536, 256, 3);
  double full = 12.0 * 65536 * 256 * 32 * 4;
  ok (small > 0 && small == tall, "the plan's memory does not grow with H (%.1f MB at 512 and "
      "65536 rows)", tall / 1048576.0);
  ok (tall < full / 200, "deep stack, 65536 × 256: %.1f MB against %.0f MB of full activations",
      tall / 1048576.0, full / 1048576.0);
  ref_net_free (rn);
}

static gboolean
cancel_half (gpointer data, double fraction)
{
  (void) data;
  return fraction < 0.5;
}

static void
test_cancel (void)
{
  RefNet *rn = ref_net_new (13, 950);
  RefVal *x = ref_input (rn, 3, 64, 20);
  RefWindow same = win_pads (1, 1, 1, 1);
  RefVal *c = ref_conv (rn, x, 4, 3, 3, 1, &same, TRUE);
  const char *names[] = { c->node };
  FmNetPlanOptions opts = { .band_rows = 4 };
  FmNetPlan *plan = fm_net_plan_new (rn->g, names, 1, 64, 20, 3, &opts, NULL);
  Source src = { x };
  Sink sink = { .n = 1, .plan = plan, .order_ok = TRUE };
  float *planes = g_new (float, 4 * 64 * 20);
  int next = 0;
  sink.planes = &planes;
  sink.next_row = &next;
  GError *error = NULL;
  gboolean ran = fm_net_plan_run (plan, source_rows, &src, sink_rows, &sink, cancel_half, NULL, &error);
  ok (!ran && g_error_matches (error, FM_NET_ERROR, FM_NET_ERROR_CANCELLED) && next < 64,
      "progress returning FALSE cancels (at row %d of 64)", next);
  g_clear_error (&error);
  /* The plan runs again after a cancel. */
  next = 0;
  ran = fm_net_plan_run (plan, source_rows, &src, sink_rows, &sink, NULL, NULL, &error);
  double worst;
  ok (ran && ref_close (planes, c, 1e-4, &worst), "and runs whole the next time");
  g_clear_error (&error);
  g_free (planes);
  fm_net_plan_free (plan);
  ref_net_free (rn);
}

int
main (int argc, char **argv)
{
  int n_random = argc > 1 ? atoi (argv[1]) : 150;
  test_ops (7);
  test_ops (11);
  test_ops (13);
  test_attributes ();
  test_random (n_random);
  test_messages ();
  test_names ();
  test_memory ();
  test_cancel ();
  printf ("1..%d\n", n_tests);
  return n_failed ? 1 : 0;
}
