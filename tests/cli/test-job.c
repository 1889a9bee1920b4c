/* fm-job through its C API: progress, cancel, two passes, per-channel
 * layers, layer names.  (The numbers themselves are checked against PyTorch
 * through the command line; this checks the pipeline's plumbing.) */
#include <math.h>
#include <string.h>
#include "featuremaps.h"
#include "fm-map.h"
#include "fm-input.h"

typedef struct {
  int calls;
  double last;
  double cancel_at;   /* > 1: never */
  gboolean monotonic;
} Progress;

static gboolean
progress (gpointer data, double fraction)
{
  Progress *p = data;
  if (fraction < p->last)
    p->monotonic = FALSE;
  p->last = fraction;
  p->calls++;
  return fraction < p->cancel_at;
}

typedef struct {
  int w, h, c;
  float *pixels;
} Image;

static gboolean
source (gpointer data, int y0, int n_rows, float *pixels, GError **error)
{
  (void) error;
  Image *img = data;
  gsize row = (gsize) img->w * img->c;
  memcpy (pixels, img->pixels + y0 * row, n_rows * row * sizeof (float));
  return TRUE;
}

typedef struct {
  int layers, lc, out_w;
  int rows_seen[8];
  float min, max;
} Sink;

static gboolean
sink (gpointer data, int layer, int y0, int n_rows, const float *px,
      GError **error)
{
  (void) error;
  (void) y0;
  Sink *s = data;
  g_assert_cmpint (layer, <, s->layers);
  s->rows_seen[layer] += n_rows;
  for (gsize i = 0; i < (gsize) n_rows * s->out_w * s->lc; i++)
    {
      s->min = MIN (s->min, px[i]);
      s->max = MAX (s->max, px[i]);
    }
  return TRUE;
}

static Image
make_image (int w, int h, int c)
{
  Image img = { w, h, c, g_new (float, (gsize) w * h * c) };
  for (int i = 0; i < w * h * c; i++)
    img.pixels[i] = (float) ((i * 7919) % 101) / 100.0f;
  return img;
}

static FmBank *
load (const char *spec)
{
  GError *error = NULL;
  FmBank *bank = fm_bank_load (spec, NULL, &error);
  g_assert_no_error (error);
  return bank;
}

static void
test_normalize_two_passes (void)
{
  FmBank *bank = load ("0,1,0; 0,1,0; 0,1,0 | 0,0,0; 1,1,1; 0,0,0");
  g_free (bank->name);
  bank->name = g_strdup ("Line detectors");
  g_free (bank->filters[0].name);
  bank->filters[0].name = g_strdup ("vertical");
  Image img = make_image (300, 200, 3);
  FmOptions opts;
  fm_options_init (&opts);
  opts.mapping = FM_MAPPING_NORMALIZE;
  FmImageInfo info = { img.w, img.h, img.c };
  GError *error = NULL;
  FmJob *job = fm_job_new (bank, &opts, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fm_job_input_mode (job), ==, FM_INPUT_LUMINANCE);
  g_assert_cmpint (fm_job_n_layers (job), ==, 2);
  g_assert_cmpint (fm_job_layer_channels (job), ==, 1);
  g_assert_cmpstr (fm_job_layer_name (job, 0), ==, "vertical · Line detectors");
  g_assert_cmpstr (fm_job_layer_name (job, 1), ==, "filter 2 · Line detectors");

  Progress p = { 0, 0.0, 2.0, TRUE };
  Sink s = { 2, 1, fm_job_geometry (job)->out_w, { 0 }, G_MAXFLOAT, -G_MAXFLOAT };
  g_assert_true (fm_job_run (job, source, &img, sink, &s, progress, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpint (s.rows_seen[0], ==, 200);   /* written once: pass 1 only gathers */
  g_assert_cmpint (s.rows_seen[1], ==, 200);
  g_assert_cmpfloat (s.min, ==, 0.0f);
  g_assert_cmpfloat (s.max, ==, 1.0f);
  g_assert_true (p.monotonic);
  g_assert_cmpfloat_with_epsilon (p.last, 1.0, 1e-9);

  /* Cancel in the first (statistics) pass: nothing written. */
  Progress c = { 0, 0.0, 0.2, TRUE };
  Sink s2 = { 2, 1, s.out_w, { 0 }, G_MAXFLOAT, -G_MAXFLOAT };
  g_assert_false (fm_job_run (job, source, &img, sink, &s2, progress, &c, &error));
  g_assert_error (error, FM_JOB_ERROR, FM_JOB_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (s2.rows_seen[0], ==, 0);

  fm_job_free (job);
  fm_bank_free (bank);
  g_free (img.pixels);
}

static void
test_per_channel (void)
{
  FmBank *bank = load ("1,2; 3,4 | 0,1; 0,0 | 1,0; 0,0");
  Image img = make_image (17, 9, 4);
  FmOptions opts;
  fm_options_init (&opts);
  opts.input_mode = FM_INPUT_PER_CHANNEL;
  opts.padding = FM_PADDING_VALID;
  FmImageInfo info = { img.w, img.h, img.c };
  GError *error = NULL;
  FmJob *job = fm_job_new (bank, &opts, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fm_job_n_layers (job), ==, 3);
  g_assert_cmpint (fm_job_layer_channels (job), ==, 3);   /* alpha dropped */
  const FmConvGeometry *g = fm_job_geometry (job);
  g_assert_cmpint (g->out_w, ==, 16);
  g_assert_cmpint (g->out_h, ==, 8);
  Sink s = { 3, 3, g->out_w, { 0 }, G_MAXFLOAT, -G_MAXFLOAT };
  g_assert_true (fm_job_run (job, source, &img, sink, &s, NULL, NULL, &error));
  g_assert_cmpint (s.rows_seen[2], ==, 8);
  fm_job_free (job);

  /* Cancel in a one-pass run. */
  opts.mapping = FM_MAPPING_CLAMP;
  job = fm_job_new (bank, &opts, &info, &error);
  Progress c = { 0, 0.0, 0.0, TRUE };
  g_assert_false (fm_job_run (job, source, &img, sink, &s, progress, &c, &error));
  g_assert_error (error, FM_JOB_ERROR, FM_JOB_ERROR_CANCELLED);
  g_clear_error (&error);
  fm_job_free (job);

  /* A 1-channel bank in rgb mode: the message names mode, bank and counts. */
  opts.input_mode = FM_INPUT_RGB;
  g_assert_null (fm_job_new (bank, &opts, &info, &error));
  g_assert_nonnull (strstr (error->message, "input mode rgb needs a 3-channel bank"));
  g_clear_error (&error);
  fm_bank_free (bank);
  g_free (img.pixels);
}

static void
test_raw_channels (void)
{
  FmBank *bank = fm_bank_new ("Five", 1, 1, 5, 1);
  for (int c = 0; c < 5; c++)
    bank->filters[0].weights[c] = (float) (c + 1);
  Image img = make_image (4, 3, 5);
  FmOptions opts;
  fm_options_init (&opts);
  FmImageInfo info = { img.w, img.h, img.c };
  GError *error = NULL;
  FmJob *job = fm_job_new (bank, &opts, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fm_job_input_mode (job), ==, FM_INPUT_AUTO);   /* raw channels */
  fm_job_free (job);
  info.channels = 3;
  g_assert_null (fm_job_new (bank, &opts, &info, &error));
  g_assert_nonnull (strstr (error->message, "has 5 channels but the image has 3"));
  g_clear_error (&error);
  fm_bank_free (bank);
  g_free (img.pixels);
}

/* The mappings' clip to 0..1 (vectorised): NaN lands on 0, infinities on
 * the ends, values inside pass unchanged; scale and shift are applied
 * before the clip.  Long enough for the vector loop and its tail. */
static void
test_map_clip (void)
{
  const float in[] = { NAN, INFINITY, -INFINITY, -0.5f, 0.0f, 0.25f, 1.0f, 1.5f,
                       0.75f, -2.0f, 0.5f };
  const float clamp[] = { 0, 1, 0, 0, 0, 0.25f, 1, 1, 0.75f, 0, 0.5f };
  const float affine[] = { 0, 1, 0, 0, 0.5f, 1, 1, 1, 1, 0, 1 };   /* 2v + 0.5 */
  const float absn[] = { 0, 1, 1, 0.25f, 0, 0.125f, 0.5f, 0.75f, 0.375f, 1, 0.25f }; /* |v|/2 */
  const struct { FmMapping m; float scale, shift; const float *want; } cases[] = {
    { FM_MAPPING_CLAMP, 1, 0, clamp },
    { FM_MAPPING_NORMALIZE, 2, 0.5f, affine },
    { FM_MAPPING_ABS_NORMALIZE, 0.5f, 0, absn },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (int rep = 1; rep <= 3; rep++)   /* 11, 22, 33 values */
      {
        const gsize n = G_N_ELEMENTS (in) * rep;
        float *v = g_new (float, n);
        for (gsize i = 0; i < n; i++)
          v[i] = in[i % G_N_ELEMENTS (in)];
        FmMapTransform t = { cases[c].m, cases[c].scale, cases[c].shift };
        fm_map_apply (&t, v, n);
        for (gsize i = 0; i < n; i++)
          g_assert_cmpfloat (v[i], ==, cases[c].want[i % G_N_ELEMENTS (in)]);
        g_free (v);
      }
}

/* fm-input from a declaration and channel counts alone (what a network's
 * first layer gives) prepares pixels exactly as from a bank that declares
 * the same; fm_input_decl_init is "nothing declared". */
static void
test_input_decl (void)
{
  FmInputDecl none;
  fm_input_decl_init (&none);
  g_assert_cmpfloat (none.range, ==, 1.0);
  g_assert_false (none.linear || none.bgr);
  g_assert_cmpint (none.n_mean, ==, 0);
  g_assert_cmpint (none.n_std, ==, 0);

  g_autoptr (FmBank) bank = fm_bank_new ("decl", 1, 1, 3, 1);
  bank->linear = TRUE;
  bank->bgr = TRUE;
  bank->range = 255;
  bank->n_mean = 3;
  bank->mean[0] = 123.7;
  bank->mean[1] = 116.3;
  bank->mean[2] = 103.5;
  bank->n_std = 1;
  bank->std[0] = 58.4;
  FmInputDecl decl;
  fm_bank_input_decl (bank, &decl);
  g_assert_true (decl.linear && decl.bgr);
  g_assert_cmpfloat (decl.range, ==, 255);
  g_assert_cmpfloat (decl.mean[2], ==, 103.5);
  g_assert_cmpint (decl.n_std, ==, 1);

  GError *error = NULL;
  FmInput *from_bank = fm_input_new (bank, FM_INPUT_AUTO, 4, &error);
  g_assert_no_error (error);
  FmInputTarget net = { .label = "net", .kind = "model", .channels = 3, .declared = FM_INPUT_AUTO, .decl = decl };
  FmInputTarget net_plain = net;
  net_plain.decl = none;
  FmInput *from_decl = fm_input_new_for (&net, FM_INPUT_AUTO, 4, &error);
  g_assert_no_error (error);
  FmInput *plain = fm_input_new_for (&net_plain, FM_INPUT_AUTO, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fm_input_mode (from_decl), ==, FM_INPUT_RGB);
  const float px[8] = { 0.1f, 0.5f, 0.9f, 1.0f, 0.0f, 0.25f, 1.0f, 0.5f };
  float a[6], b[6], c[6];
  fm_input_convert (from_bank, px, a, 2);
  fm_input_convert (from_decl, px, b, 2);
  fm_input_convert (plain, px, c, 2);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (a[i], ==, b[i]);
  /* nothing declared: the perceptual values as they are, alpha dropped */
  const float want[6] = { 0.1f, 0.5f, 0.9f, 0.0f, 0.25f, 1.0f };
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (c[i], ==, want[i]);
  /* BGR, linear, 0..255, mean/std: blue first, sRGB-decoded,
   * (v·255 − mean[c]) / std */
  const double blue = pow ((0.9 + 0.055) / 1.055, 2.4), red = pow ((0.1 + 0.055) / 1.055, 2.4);
  g_assert_cmpfloat (fabs (b[0] - (blue * 255 - 123.7) / 58.4), <, 1e-4);
  g_assert_cmpfloat (fabs (b[2] - (red * 255 - 103.5) / 58.4), <, 1e-4);

  /* the label names the weights in messages */
  FmInputTarget tiny = { .label = "tiny-net", .kind = "model", .channels = 2, .declared = FM_INPUT_AUTO, .decl = none };
  g_assert_null (fm_input_new_for (&tiny, FM_INPUT_AUTO, 3, &error));
  g_assert_nonnull (strstr (error->message, "'tiny-net' has 2 channels"));
  g_clear_error (&error);
  fm_input_free (from_bank);
  fm_input_free (from_decl);
  fm_input_free (plain);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/job/normalize-two-passes", test_normalize_two_passes);
  g_test_add_func ("/job/map-clip", test_map_clip);
  g_test_add_func ("/job/per-channel", test_per_channel);
  g_test_add_func ("/job/raw-channels", test_raw_channels);
  g_test_add_func ("/job/input-decl", test_input_decl);
  return g_test_run ();
}
