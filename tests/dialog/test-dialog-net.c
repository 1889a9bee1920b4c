/* test-dialog-net: the dialog's network panel driven as a user would, on the
 * shipped tiny CNN: load the model, read the layer list, pick layers and
 * channels, check the kernel string OK returns, the ranking against
 * PyTorch + numpy (net_reference.py), the preview's maps against PyTorch's
 * activations on the same rectangle of the whole image (so the halo is
 * checked), the maximum of map layers, the filters and the preprocessing
 * presets.  Part of test-dialog (fm_test_dialog_net_add). */
#include "fm-dialog-private.h"
#include "net/fm-dialog-net-view.h"
#include "fm-colour.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* Larger than the preview's 240 × 240, so the rectangle has image around
 * it and the halo matters. */
#define NW 400
#define NH 300

void fm_test_dialog_net_add (const char *tmp_root);

static const char *net_tmp;

static float *
net_pixels (void)
{
  float *px = g_new (float, NW * NH * 3);
  for (int y = 0; y < NH; y++)
    for (int x = 0; x < NW; x++)
      {
        float *p = px + ((gsize) y * NW + x) * 3;
        gboolean square = x > 150 && x < 230 && y > 100 && y < 170;
        p[0] = 0.5f + 0.5f * sinf (x / 5.0f) * cosf (y / 7.0f);
        p[1] = square ? 0.9f : (float) ((x + 2 * y) % 37) / 37.0f;
        p[2] = (float) y / NH;
      }
  return px;
}

static char *
model_path (void)
{
  return g_build_filename (FM_TEST_MODELS_DIR, "tiny-cnn", "tiny-cnn.onnx", NULL);
}

static void
net_wait (FmDialog *d)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((fm_dialog_preview_busy (d->preview) || fm_dialog_net_view_busy (d->net_view) ||
          gtk_events_pending ()) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (fm_dialog_preview_busy (d->preview));
  g_assert_false (fm_dialog_net_view_busy (d->net_view));
}

static FmDialog *
net_open (const char *kernel, const char *user)
{
  g_autofree float *px = net_pixels ();
  FmDialogSource *src = fm_dialog_source_new_memory (NW, NH, 3, px, TRUE);
  FmDialog *d = fm_dialog_new (src, kernel, NULL, user);
  gtk_widget_show (d->window);
  net_wait (d);
  return d;
}

static gboolean
net_ok (FmDialog *d)
{
  return gtk_widget_get_sensitive (
    gtk_dialog_get_widget_for_response (GTK_DIALOG (d->window), GTK_RESPONSE_OK));
}

static char *
committed (FmDialog *d)
{
  FmValues values;
  g_autoptr (GError) error = NULL;
  if (!fm_dialog_commit (d, &values, &error))
    return NULL;
  return g_strdup (values.kernel);
}

/* PyTorch's maps of a layer on the whole test image, and its ranking over
 * map rows y0..y1, columns x0..x1.  FALSE when PyTorch is not there. */
typedef struct {
  int k, h, w;
  float *maps;           /* k × h × w */
  int *order;            /* channels, highest mean first */
  double *mean, *max;    /* by channel */
  float *summary;        /* numpy's PCA picture of the rectangle, rows × cols × 3 */
} Reference;

static void
reference_clear (Reference *r)
{
  g_free (r->maps);
  g_free (r->order);
  g_free (r->mean);
  g_free (r->max);
  g_free (r->summary);
}

static gboolean
reference (const char *layer, const char *mean, const char *std, int k, int h, int w,
           int y0, int y1, int x0, int x1, Reference *r)
{
  g_autofree char *in = g_build_filename (net_tmp, "net-in.f32", NULL);
  g_autofree char *out = g_build_filename (net_tmp, "net-out.f32", NULL);
  g_autofree float *px = net_pixels ();
  g_assert_true (g_file_set_contents (in, (const char *) px, sizeof (float) * NW * NH * 3, NULL));
  g_autofree char *model = model_path ();
  char *argv[] = { "/usr/bin/python3", FM_TEST_NET_REFERENCE, model, (char *) layer, in,
                   g_strdup_printf ("%d", NH), g_strdup_printf ("%d", NW), (char *) mean,
                   (char *) std, out, g_strdup_printf ("%d", y0), g_strdup_printf ("%d", y1),
                   g_strdup_printf ("%d", x0), g_strdup_printf ("%d", x1), NULL };
  g_autofree char *text = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  gboolean ran = g_spawn_sync (NULL, argv, NULL, 0, NULL, NULL, &text, &err, &status, &error);
  for (int i = 5; i <= 6; i++)
    g_free (argv[i]);
  for (int i = 10; i <= 13; i++)
    g_free (argv[i]);
  if (!ran || (WIFEXITED (status) && WEXITSTATUS (status) == 77))
    {
      g_test_message ("no PyTorch reference here (%s): the comparisons are skipped",
                      error ? error->message : "net_reference.py exits 77");
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("net_reference.py failed: %s", err);

  *r = (Reference) { k, h, w, NULL, g_new (int, k), g_new (double, k), g_new (double, k), NULL };
  g_auto (GStrv) lines = g_strsplit (g_strstrip (text), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, (guint) k);
  for (int i = 0; i < k; i++)
    {
      int c;
      double m, x;
      g_assert_cmpint (sscanf (lines[i], "%d %lf %lf", &c, &m, &x), ==, 3);
      r->order[i] = c;
      r->mean[c] = m;
      r->max[c] = x;
    }
  gsize len = 0;
  g_assert_true (g_file_get_contents (out, (char **) &r->maps, &len, NULL));
  g_assert_cmpuint (len, ==, sizeof (float) * k * h * w);
  g_autofree char *summary = g_strconcat (out, ".summary", NULL);
  g_assert_true (g_file_get_contents (summary, (char **) &r->summary, &len, NULL));
  g_assert_cmpuint (len, ==, sizeof (float) * (y1 - y0) * (x1 - x0) * 3);
  return TRUE;
}

/* The preview's maps (raw mapping) against the reference's maps at
 * channels picked[0..n) (NULL: all), inside rows y0.., columns x0... */
static void
compare_preview (FmDialogPreview *p, const Reference *r, const int *picked, int n,
                 int y0, int x0)
{
  double worst = 0, scale = 0;
  g_assert_cmpint (p->layer_channels, ==, 1);
  for (int i = 0; i < n; i++)
    {
      int c = picked ? picked[i] : i;
      for (int y = 0; y < p->out_h; y++)
        for (int x = 0; x < p->out_w; x++)
          {
            double want = r->maps[((gsize) c * r->h + y0 + y) * r->w + x0 + x];
            double got = p->maps[((gsize) i * p->out_h + y) * p->out_w + x];
            worst = MAX (worst, fabs (got - want));
            scale = MAX (scale, fabs (want));
          }
    }
  g_test_message ("preview vs PyTorch: largest difference %.3g of max |map| %.3g", worst, scale);
  g_assert_cmpfloat (scale, >, 0);
  g_assert_cmpfloat (worst, <=, 1e-3 * scale);
}

/* What `featuremaps info` lists for the shipped model, known here from its
 * definition (models/tiny-cnn/net.py: conv 3→8 5 × 5, pool 2, conv 8→16,
 * pool 2, conv 16→32, then global pooling and a classifier) and from the
 * names torch.onnx.export gives its nodes. */
static const struct {
  const char *name, *op, *channels, *scale;
} tiny_layers[] = {
  { "/conv1/Conv", "Conv", "8", "1 × 1" },
  { "/relu1/Relu", "Relu", "8", "1 × 1" },
  { "/pool1/MaxPool", "MaxPool", "8", "2 × 2" },
  { "/conv2/Conv", "Conv", "16", "2 × 2" },
  { "/relu2/Relu", "Relu", "16", "2 × 2" },
  { "/pool2/MaxPool", "MaxPool", "16", "4 × 4" },
  { "/conv3/Conv", "Conv", "32", "4 × 4" },
  { "/relu3/Relu", "Relu", "32", "4 × 4" },
  { "/gap/GlobalAveragePool", "GlobalAveragePool", "–", "–" },
  { "/Flatten", "Flatten", "–", "–" },
  { "/fc/Gemm", "Gemm", "–", "–" },
};

/* relu2 on the preview's rectangle: the rectangle is 240 × 240 at
 * ((400 − 240) / 2, (300 − 240) / 2) = (80, 30); relu2's map pixel i is
 * centred on input 0.5 + 2i (conv1 same, pool 2, conv2 same), so the rows
 * inside are 15 … 134 and the columns 40 … 159. */
#define RELU2_Y0 15
#define RELU2_X0 40
#define RELU2_N 120

static void
test_net_layers_channels_rank (void)
{
  g_autofree char *user = g_build_filename (net_tmp, "net-user", NULL);
  g_autofree char *onnx = model_path ();
  FmDialog *d = net_open ("sobel", user);
  FmDialogNetView *v = d->net_view;

  /* Loading the model as "Load kernel file…" does */
  g_assert_false (gtk_widget_get_visible (v->widget));
  g_assert_true (fm_dialog_chooser_load_file (d->chooser, onnx, FM_LAYOUT_AUTO));
  net_wait (d);
  g_assert_nonnull (d->model->net);
  g_assert_true (gtk_widget_get_visible (v->widget));
  g_assert_false (gtk_widget_get_visible (d->editor->widget));
  /* Nothing picked yet: OK waits, the status says what to do */
  g_assert_false (net_ok (d));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (d->error_label)),
                            "pick one or more of its layers"));

  /* The layer list */
  GtkTreeModel *lm = GTK_TREE_MODEL (v->layer_store);
  g_assert_cmpint (gtk_tree_model_iter_n_children (lm, NULL), ==, G_N_ELEMENTS (tiny_layers));
  GtkTreeIter iter;
  gboolean more = gtk_tree_model_get_iter_first (lm, &iter);
  for (guint i = 0; i < G_N_ELEMENTS (tiny_layers); i++, more = gtk_tree_model_iter_next (lm, &iter))
    {
      g_assert_true (more);
      int index;
      g_autofree char *name = NULL, *op = NULL, *channels = NULL, *scale = NULL;
      gtk_tree_model_get (lm, &iter, FM_NET_LAYER_COL_INDEX, &index, FM_NET_LAYER_COL_NAME,
                          &name, FM_NET_LAYER_COL_OP, &op, FM_NET_LAYER_COL_CHANNELS, &channels,
                          FM_NET_LAYER_COL_SCALE, &scale, -1);
      g_assert_cmpint (index, ==, (int) i);
      g_assert_cmpstr (name, ==, tiny_layers[i].name);
      g_assert_cmpstr (op, ==, tiny_layers[i].op);
      g_assert_cmpstr (channels, ==, tiny_layers[i].channels);
      g_assert_cmpstr (scale, ==, tiny_layers[i].scale);
    }

  /* The kernel string under the list; the bank options that do not apply
   * to a network are insensitive */
  g_assert_false (gtk_widget_get_sensitive (d->options->controls[FM_OPT_PADDING]));
  g_assert_false (gtk_widget_get_sensitive (d->options->controls[FM_OPT_STRIDE]));
  g_assert_true (gtk_widget_get_sensitive (d->options->controls[FM_OPT_MAPPING]));

  /* Raw values, to compare with PyTorch's */
  fm_dialog_options_set (d->options, FM_OPT_MAPPING, FM_MAPPING_RAW);
  g_assert_cmpint (d->model->options.mapping, ==, FM_MAPPING_RAW);

  /* Pick relu2: the kernel string, OK, the preview shows its 16 maps */
  int relu2 = 4;
  fm_dialog_net_view_select_layers (v, &relu2, 1);
  net_wait (d);
  g_assert_true (net_ok (d));
  g_autofree char *want = g_strconcat (onnx, "#/relu2/Relu", NULL);
  g_autofree char *kernel = committed (d);
  g_assert_cmpstr (kernel, ==, want);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (v->spec_label)), ==,
                   "Kernel: tiny-cnn.onnx#/relu2/Relu");
  FmDialogPreview *p = d->preview;
  g_assert_cmpint (p->n_maps, ==, 16);
  g_assert_cmpint (p->out_w, ==, RELU2_N);
  g_assert_cmpint (p->out_h, ==, RELU2_N);
  g_assert_cmpint (p->crop_x, ==, 80);
  g_assert_cmpint (p->crop_y, ==, 30);

  /* The channel list: 16 rows, all checked, ranked */
  GtkTreeModel *cm = GTK_TREE_MODEL (v->channel_store);
  g_assert_cmpint (gtk_tree_model_iter_n_children (cm, NULL), ==, 16);
  g_assert_cmpint (v->ranks_done, >=, 1);
  g_assert_cmpint (v->rank_layer, ==, relu2);

  Reference r;
  gboolean have = reference ("/relu2/Relu", "0.5,0.5,0.5", "0.5,0.5,0.5", 16, NH / 2, NW / 2,
                             RELU2_Y0, RELU2_Y0 + RELU2_N, RELU2_X0, RELU2_X0 + RELU2_N, &r);
  if (have)
    {
      compare_preview (p, &r, NULL, 16, RELU2_Y0, RELU2_X0);
      /* The rows as the list shows them (sorted by mean, highest first) are
       * numpy's order; the numbers are numpy's. */
      int row = 0;
      for (gboolean m = gtk_tree_model_get_iter_first (cm, &iter); m;
           m = gtk_tree_model_iter_next (cm, &iter), row++)
        {
          int c, position;
          double mean, max;
          gboolean picked;
          gtk_tree_model_get (cm, &iter, FM_NET_CHANNEL_COL_CHANNEL, &c, FM_NET_CHANNEL_COL_RANK,
                              &position, FM_NET_CHANNEL_COL_MEAN, &mean, FM_NET_CHANNEL_COL_MAX,
                              &max, FM_NET_CHANNEL_COL_PICKED, &picked, -1);
          g_assert_true (picked);
          g_assert_cmpint (position, ==, row + 1);
          g_assert_cmpint (c, ==, r.order[row]);
          g_assert_cmpfloat (fabs (mean - r.mean[c]), <=, 1e-4 * MAX (1, fabs (r.mean[c])));
          g_assert_cmpfloat (fabs (max - r.max[c]), <=, 1e-4 * MAX (1, fabs (r.max[c])));
        }
      g_assert_cmpint (row, ==, 16);

      /* The summary picture: numpy's PCA of the same maps, each component
       * up to its sign (a flipped component shows as 1 − value). */
      g_assert_nonnull (v->summary);
      g_assert_cmpint (v->summary_w, ==, RELU2_N);
      g_assert_cmpint (v->summary_h, ==, RELU2_N);
      gsize n = (gsize) RELU2_N * RELU2_N;
      for (int c = 0; c < 3; c++)
        {
          double same = 0, flipped = 0;
          for (gsize i = 0; i < n; i++)
            {
              same = MAX (same, fabs (v->summary[i * 3 + c] - r.summary[i * 3 + c]));
              flipped = MAX (flipped, fabs (1 - v->summary[i * 3 + c] - r.summary[i * 3 + c]));
            }
          g_test_message ("summary component %d: largest difference %.3g (%.3g flipped)", c,
                          same, flipped);
          g_assert_cmpfloat (MIN (same, flipped), <=, 1e-3);
        }
      g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (v->summary_status)),
                                "principal components"));
    }

  /* Channels 0-3 and 8, by unchecking the others */
  for (int c = 4; c < 16; c++)
    if (c != 8)
      fm_dialog_net_view_toggle_channel (v, c);
  net_wait (d);
  g_free (want);
  g_free (kernel);
  want = g_strconcat (onnx, "#/relu2/Relu[0-3,8]", NULL);
  kernel = committed (d);
  g_assert_cmpstr (kernel, ==, want);
  g_assert_true (net_ok (d));
  g_assert_cmpint (p->n_maps, ==, 5);
  if (have)
    {
      const int picked[] = { 0, 1, 2, 3, 8 };
      compare_preview (p, &r, picked, 5, RELU2_Y0, RELU2_X0);
      reference_clear (&r);
    }
  /* The last checked channel cannot be unchecked: a layer needs one */
  for (int c = 0; c < 16; c++)
    fm_dialog_net_view_toggle_channel (v, c);   /* 0-3, 8 off; the others on */
  g_free (kernel);
  kernel = committed (d);
  g_test_message ("after toggling every channel: %s", kernel);
  g_assert_true (g_str_has_suffix (kernel, "#/relu2/Relu[4-7,9-15]"));
  fm_dialog_free (d);

  /* Reopened with that kernel (the procedure's last values): the layer and
   * its channels are picked again. */
  d = net_open (want, user);
  g_assert_nonnull (d->model->net);
  g_assert_true (net_ok (d));
  g_free (kernel);
  kernel = committed (d);
  g_assert_cmpstr (kernel, ==, want);
  GtkTreeSelection *sel = gtk_tree_view_get_selection (GTK_TREE_VIEW (d->net_view->layer_view));
  g_assert_cmpint (gtk_tree_selection_count_selected_rows (sel), ==, 1);
  int n_checked = 0;
  cm = GTK_TREE_MODEL (d->net_view->channel_store);
  for (gboolean m = gtk_tree_model_get_iter_first (cm, &iter); m; m = gtk_tree_model_iter_next (cm, &iter))
    {
      gboolean picked;
      gtk_tree_model_get (cm, &iter, FM_NET_CHANNEL_COL_PICKED, &picked, -1);
      n_checked += picked;
    }
  g_assert_cmpint (n_checked, ==, 5);
  fm_dialog_free (d);
}

static void
test_net_max_maps (void)
{
  g_autofree char *user = g_build_filename (net_tmp, "net-max", NULL);
  g_autofree char *onnx = model_path ();
  g_autofree char *spec = g_strconcat (onnx, "#/conv1/Conv", NULL);
  FmDialog *d = net_open (spec, user);

  g_assert_true (net_ok (d));
  /* conv1 (8) + conv3 (32) + relu3 (32) = 72 map layers: over the
   * procedure's 64, with its message */
  const int three[] = { 0, 6, 7 };
  fm_dialog_net_view_select_layers (d->net_view, three, 3);
  net_wait (d);
  g_assert_false (net_ok (d));
  const char *shown = gtk_label_get_text (GTK_LABEL (d->error_label));
  g_test_message ("72 maps: %s", shown);
  g_assert_nonnull (strstr (shown, "makes 72 map layers"));
  g_assert_nonnull (strstr (shown, "at most 64"));
  /* An unsupported layer cannot be picked */
  const int gap = 8;
  fm_dialog_net_view_select_layers (d->net_view, &gap, 1);
  g_assert_false (net_ok (d));
  g_assert_nonnull (fm_dialog_net_layer (d->model->net, 8)->unsupported);
  g_assert_cmpuint (d->model->net->picks->len, ==, 0);
  /* Two layers that fit */
  const int two[] = { 0, 6 };
  fm_dialog_net_view_select_layers (d->net_view, two, 2);
  net_wait (d);
  g_assert_true (net_ok (d));
  g_autofree char *kernel = committed (d);
  g_autofree char *want = g_strconcat (onnx, "#/conv1/Conv,/conv3/Conv", NULL);
  g_assert_cmpstr (kernel, ==, want);
  fm_dialog_free (d);
}

static void
test_net_filters (void)
{
  g_autofree char *user = g_build_filename (net_tmp, "net-filters", NULL);
  g_autofree char *onnx = model_path ();
  g_autofree char *spec = g_strconcat (onnx, "#/conv1/Conv", NULL);
  FmDialog *d = net_open (spec, user);
  FmDialogNetView *v = d->net_view;

  /* conv1: 8 RGB tiles of 5 × 5 */
  GdkPixbuf *pb = gtk_image_get_pixbuf (GTK_IMAGE (v->filters_image));
  g_assert_nonnull (pb);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (v->filters_status)), "8 filters of 5 × 5"));
  /* relu2: conv2's weights, 16 rows × 8 channels, on the core's diverging
   * scale: every pixel is black (gap) or on the scale between its ends. */
  const int relu2 = 4;
  fm_dialog_net_view_select_layers (v, &relu2, 1);
  net_wait (d);
  pb = gtk_image_get_pixbuf (GTK_IMAGE (v->filters_image));
  g_assert_nonnull (pb);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (v->filters_status)),
                            "16 filters (rows) × 8 channels of 3 × 3"));
  guint8 neg[3], pos[3];
  fm_colour_diverging_u8 (-1, neg);
  fm_colour_diverging_u8 (1, pos);
  const guchar *px = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb), seen_neg = 0, seen_pos = 0;
  for (int y = 0; y < gdk_pixbuf_get_height (pb); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (pb); x++)
      {
        const guchar *q = px + y * stride + x * 3;
        seen_neg += q[0] == neg[0] && q[1] == neg[1] && q[2] == neg[2];
        seen_pos += q[0] == pos[0] && q[1] == pos[1] && q[2] == pos[2];
      }
  /* each row's largest |weight| is one end or the other */
  g_assert_cmpint (seen_neg + seen_pos, >, 0);
  fm_dialog_free (d);
}

static void
test_net_preprocessing (void)
{
  g_autofree char *user = g_build_filename (net_tmp, "net-prep", NULL);
  g_autofree char *onnx = model_path ();
  g_autofree char *spec = g_strconcat (onnx, "#/relu2/Relu", NULL);
  FmOptions options;
  fm_options_init (&options);
  options.mapping = FM_MAPPING_RAW;
  g_autofree float *px0 = net_pixels ();
  FmDialog *d = fm_dialog_new (fm_dialog_source_new_memory (NW, NH, 3, px0, TRUE), spec,
                               &options, user);
  gtk_widget_show (d->window);
  net_wait (d);
  FmDialogNetView *v = d->net_view;

  /* The model's own declaration first (its sidecar: mean 0.5, std 0.5) */
  g_assert_cmpint (gtk_combo_box_get_active (GTK_COMBO_BOX (v->prep_combo)), ==, FM_NET_PREP_MODEL);
  /* ImageNet, chosen in the combo */
  gtk_combo_box_set_active (GTK_COMBO_BOX (v->prep_combo), FM_NET_PREP_IMAGENET);
  net_wait (d);
  g_assert_cmpint (d->model->net->prep, ==, FM_NET_PREP_IMAGENET);
  Reference r;
  if (reference ("/relu2/Relu", "0.485,0.456,0.406", "0.229,0.224,0.225", 16, NH / 2, NW / 2,
                 RELU2_Y0, RELU2_Y0 + RELU2_N, RELU2_X0, RELU2_X0 + RELU2_N, &r))
    {
      compare_preview (d->preview, &r, NULL, 16, RELU2_Y0, RELU2_X0);
      reference_clear (&r);
    }
  /* Remembered for the model, in the user's folder */
  g_autofree char *file = g_build_filename (user, FM_NET_PREP_FILE, NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  g_autofree char *key = g_canonicalize_filename (onnx, NULL);
  g_assert_nonnull (strstr (text, key));
  g_assert_nonnull (strstr (text, "\"imagenet\""));
  g_assert_cmpint (fm_net_prep_recall (user, onnx), ==, FM_NET_PREP_IMAGENET);
  fm_dialog_free (d);

  /* Opened again: the preset is back */
  d = net_open (spec, user);
  g_assert_cmpint (gtk_combo_box_get_active (GTK_COMBO_BOX (d->net_view->prep_combo)), ==,
                   FM_NET_PREP_IMAGENET);
  /* and "as the model declares" forgets it */
  gtk_combo_box_set_active (GTK_COMBO_BOX (d->net_view->prep_combo), FM_NET_PREP_MODEL);
  net_wait (d);
  g_assert_cmpint (fm_net_prep_recall (user, onnx), ==, FM_NET_PREP_MODEL);
  fm_dialog_free (d);

  /* A damaged settings file (nested past any JSON limit) is neither
   * crashed on nor overwritten: recalling gives the model's own, and
   * remembering is refused with a message naming the file. */
  GString *deep = g_string_new ("{\"a\": ");
  for (int i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  g_assert_true (g_file_set_contents (file, deep->str, (gssize) deep->len, NULL));
  g_assert_cmpint (fm_net_prep_recall (user, onnx), ==, FM_NET_PREP_MODEL);
  GError *e = NULL;
  g_assert_false (fm_net_prep_remember (user, onnx, FM_NET_PREP_CAFFE, &e));
  g_assert_nonnull (e);
  g_assert_nonnull (strstr (e->message, FM_NET_PREP_FILE));
  g_clear_error (&e);
  g_autofree char *after = NULL;
  gsize after_len = 0;
  g_assert_true (g_file_get_contents (file, &after, &after_len, NULL));
  g_assert_cmpuint (after_len, ==, deep->len);
  g_string_free (deep, TRUE);
}

/* safetensors with its stack description: the same network (batch norm as
 * its own layers), the same activations as the ONNX export's. */
static void
test_net_stack_description (void)
{
  g_autofree char *user = g_build_filename (net_tmp, "net-stack", NULL);
  g_autofree char *stack = g_build_filename (FM_TEST_MODELS_DIR, "tiny-cnn", "tiny-cnn.stack.json",
                                             NULL);
  FmOptions options;
  fm_options_init (&options);
  options.mapping = FM_MAPPING_RAW;
  g_autofree float *px = net_pixels ();
  FmDialog *d = fm_dialog_new (fm_dialog_source_new_memory (NW, NH, 3, px, TRUE), "sobel",
                               &options, user);
  gtk_widget_show (d->window);
  net_wait (d);
  g_assert_true (fm_dialog_chooser_load_file (d->chooser, stack, FM_LAYOUT_AUTO));
  net_wait (d);
  FmDialogNetView *v = d->net_view;
  /* docs/learned-model.md's stack: conv, bn, relu, pool twice, then conv, bn, relu */
  static const char *const names[] = { "conv1", "bn1", "relu1", "pool1", "conv2", "bn2",
                                       "relu2", "pool2", "conv3", "bn3", "relu3" };
  GtkTreeModel *lm = GTK_TREE_MODEL (v->layer_store);
  g_assert_cmpint (gtk_tree_model_iter_n_children (lm, NULL), ==, G_N_ELEMENTS (names));
  GtkTreeIter iter;
  gboolean more = gtk_tree_model_get_iter_first (lm, &iter);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++, more = gtk_tree_model_iter_next (lm, &iter))
    {
      g_autofree char *name = NULL;
      g_assert_true (more);
      gtk_tree_model_get (lm, &iter, FM_NET_LAYER_COL_NAME, &name, -1);
      g_assert_cmpstr (name, ==, names[i]);
    }
  const int relu2 = 6;
  fm_dialog_net_view_select_layers (v, &relu2, 1);
  net_wait (d);
  g_assert_true (net_ok (d));
  g_autofree char *kernel = committed (d);
  g_autofree char *want = g_strconcat (stack, "#relu2", NULL);
  g_assert_cmpstr (kernel, ==, want);
  Reference r;
  if (reference ("/relu2/Relu", "0.5,0.5,0.5", "0.5,0.5,0.5", 16, NH / 2, NW / 2,
                 RELU2_Y0, RELU2_Y0 + RELU2_N, RELU2_X0, RELU2_X0 + RELU2_N, &r))
    {
      compare_preview (d->preview, &r, NULL, 16, RELU2_Y0, RELU2_X0);
      reference_clear (&r);
    }
  fm_dialog_free (d);
}

void
fm_test_dialog_net_add (const char *tmp_root)
{
  net_tmp = tmp_root;
  g_test_add_func ("/dialog/net/layers-channels-rank", test_net_layers_channels_rank);
  g_test_add_func ("/dialog/net/max-maps", test_net_max_maps);
  g_test_add_func ("/dialog/net/filters", test_net_filters);
  g_test_add_func ("/dialog/net/preprocessing", test_net_preprocessing);
  g_test_add_func ("/dialog/net/stack-description", test_net_stack_description);
}
