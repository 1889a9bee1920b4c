/* fm-dialog-preview: the selected filter's map and a labelled contact sheet
 * of every map, computed by the same fm_job as the final render, on a small
 * rectangle of the image, in a worker thread after edits settle. */
#include "fm-dialog-private.h"

#include <math.h>
#include <string.h>
#include "fm-map.h"
#include "net/fm-dialog-net.h"

#define SHEET_COLUMNS 3

/* What one background computation owns: copies of everything it reads, so
 * the user may keep editing the model while it runs. */
typedef struct {
  FmDialogPreview *preview;
  gint generation;
  FmBank *bank;
  /* A network instead (net/fm-dialog-net.h): pixels then hold the
   * rectangle with the halo the stack needs around it, inner_* the
   * rectangle inside them whose maps are shown. */
  FmDialogNetRun *net;
  int inner_x, inner_y, inner_w, inner_h;
  FmOptions options;
  FmImageInfo info;
  float *pixels;
  /* The whole source (the preview's, not owned): the stretching mappings
   * then take each map's range from it, as the final render does, instead
   * of from the rectangle shown.  NULL when the crop is the whole image or
   * the image is too large to go through in a preview. */
  const float *whole;
  FmImageInfo whole_info;
  FmMapStats *stats;
  /* results */
  int n_maps, out_w, out_h, layer_channels;
  int whole_out_w;
  gboolean whole_range;   /* the maps were stretched with the whole range */
  float *maps;
  char **names;
  gint64 elapsed_us;
} Work;

static void
work_free (Work *w)
{
  g_free (w->stats);
  fm_bank_free (w->bank);
  fm_dialog_net_run_free (w->net);
  g_free (w->pixels);
  g_free (w->maps);
  g_strfreev (w->names);
  g_free (w);
}

static gboolean
work_source (gpointer data, int y0, int n_rows, float *pixels, GError **error)
{
  Work *w = data;
  gsize row = (gsize) w->info.width * w->info.channels;

  (void) error;
  memcpy (pixels, w->pixels + (gsize) y0 * row, (gsize) n_rows * row * sizeof (float));
  return TRUE;
}

static gboolean
work_sink (gpointer data, int layer, int y0, int n_rows, const float *pixels,
           GError **error)
{
  Work *w = data;
  gsize row = (gsize) w->out_w * w->layer_channels;
  gsize plane = row * w->out_h;

  (void) error;
  memcpy (w->maps + layer * plane + (gsize) y0 * row, pixels,
          (gsize) n_rows * row * sizeof (float));
  return TRUE;
}

static gboolean
whole_source (gpointer data, int y0, int n_rows, float *pixels, GError **error)
{
  Work *w = data;
  gsize row = (gsize) w->whole_info.width * w->whole_info.channels;

  (void) error;
  memcpy (pixels, w->whole + (gsize) y0 * row, (gsize) n_rows * row * sizeof (float));
  return TRUE;
}

/* Raw maps of the whole image pass through here once: only their range is
 * kept (per output layer, as fm-job keeps it). */
static gboolean
stats_sink (gpointer data, int layer, int y0, int n_rows, const float *pixels,
            GError **error)
{
  Work *w = data;

  (void) y0;
  (void) error;
  fm_map_stats_add (&w->stats[layer], pixels,
                    (gsize) n_rows * w->whole_out_w * w->layer_channels);
  return TRUE;
}

static FmJob *
work_job (Work *w, const FmOptions *options, const FmImageInfo *info, GError **error)
{
  return w->net ? fm_dialog_net_run_job (w->net, options, info, error)
                : fm_job_new (w->bank, options, info, error);
}

/* A network's maps of the region read: keep those of the rectangle. */
static void
crop_to_inner (Work *w, FmJob *job)
{
  int ox, oy, ow, oh, lc = w->layer_channels;
  fm_dialog_net_inner (fm_job_output (job, 0), w->out_w, w->out_h, w->inner_x,
                       w->inner_y, w->inner_w, w->inner_h, &ox, &oy, &ow, &oh);
  if (ow <= 0 || oh <= 0)
    return;
  float *maps = g_new (float, (gsize) w->n_maps * ow * oh * lc);
  for (int k = 0; k < w->n_maps; k++)
    for (int y = 0; y < oh; y++)
      memcpy (maps + (((gsize) k * oh + y) * ow) * lc,
              w->maps + (((gsize) k * w->out_h + oy + y) * w->out_w + ox) * lc,
              (gsize) ow * lc * sizeof (float));
  g_free (w->maps);
  w->maps = maps;
  w->out_w = ow;
  w->out_h = oh;
}

/* A newer request makes this one pointless: stop at the next band. */
static gboolean
work_progress (gpointer data, double fraction)
{
  Work *w = data;
  (void) fraction;
  return g_atomic_int_get (&w->preview->generation) == w->generation;
}

static void
work_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Work *w = data;
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  /* With the whole image at hand, the rectangle is computed raw and
   * stretched below with the whole image's range. */
  gboolean stretch = w->whole && fm_map_needs_stats (w->options.mapping);
  FmOptions options = w->options;
  if (stretch)
    options.mapping = FM_MAPPING_RAW;
  FmJob *job = work_job (w, &options, &w->info, &error);

  (void) source;
  (void) cancel;
  if (job)
    {
      const FmConvGeometry *g = fm_job_geometry (job);
      w->n_maps = fm_job_n_layers (job);
      w->out_w = g->out_w;
      w->out_h = g->out_h;
      w->layer_channels = fm_job_layer_channels (job);
      w->maps = g_new0 (float, (gsize) w->n_maps * w->out_w * w->out_h * w->layer_channels);
      w->names = g_new0 (char *, w->n_maps + 1);
      for (int k = 0; k < w->n_maps && (w->net || k < w->bank->n_filters); k++)
        w->names[k] = g_strdup (w->net ? fm_job_layer_name (job, k) : w->bank->filters[k].name);
      if (!fm_job_run (job, work_source, w, work_sink, w, work_progress, w, &error))
        g_clear_pointer (&w->maps, g_free);
      else if (w->net)
        crop_to_inner (w, job);
      fm_job_free (job);
    }
  if (w->maps && stretch)
    {
      FmJob *whole = work_job (w, &options, &w->whole_info, &error);
      gboolean ok = whole != NULL;
      if (ok)
        {
          w->whole_out_w = fm_job_geometry (whole)->out_w;
          w->stats = g_new (FmMapStats, w->n_maps);
          for (int k = 0; k < w->n_maps; k++)
            fm_map_stats_init (&w->stats[k]);
          ok = fm_job_run (whole, whole_source, w, stats_sink, w, work_progress, w, &error);
          fm_job_free (whole);
        }
      if (ok)
        {
          FmMapStats joint;
          gsize plane = (gsize) w->out_w * w->out_h * w->layer_channels;
          fm_map_stats_init (&joint);
          for (int k = 0; k < w->n_maps; k++)
            fm_map_stats_merge (&joint, &w->stats[k]);
          for (int k = 0; k < w->n_maps; k++)
            {
              FmMapTransform t;
              fm_map_transform_init (&t, w->options.mapping, &w->stats[k], &joint);
              fm_map_apply (&t, w->maps + k * plane, plane);
            }
          w->whole_range = TRUE;
        }
      else
        g_clear_pointer (&w->maps, g_free);
    }
  w->elapsed_us = g_get_monotonic_time () - t0;
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* ---- drawing ------------------------------------------------------------ */

/* Display only: the map as the layer would look (mapped values in 0..1;
 * raw values outside it clip, as they do on screen in GIMP). */
static guchar
to_byte (float v)
{
  if (!(v > 0))
    return 0;
  return v >= 1 ? 255 : (guchar) lrintf (v * 255.0f);
}

/* Map k resampled (nearest) into w × h bytes. */
static guchar *
map_bytes (FmDialogPreview *p, int k, int w, int h)
{
  int lc = p->layer_channels;
  guchar *buf = g_new (guchar, (gsize) w * h * lc);
  const float *plane = p->maps + (gsize) k * p->out_w * p->out_h * lc;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int sy = (int) ((gint64) y * p->out_h / h), sx = (int) ((gint64) x * p->out_w / w);
        for (int c = 0; c < lc; c++)
          buf[((gsize) y * w + x) * lc + c] = to_byte (plane[((gsize) sy * p->out_w + sx) * lc + c]);
      }
  return buf;
}

/* The main preview magnifies a small map by a whole factor (pixels stay
 * square and crisp); the contact sheet fits each map to its box. */
static int
zoom_of (FmDialogPreview *p)
{
  if (p->out_w <= 0 || p->out_h <= 0)
    return 1;
  return CLAMP (MIN (FM_PREVIEW_SIZE / p->out_w, FM_PREVIEW_SIZE / p->out_h), 1, 4);
}

static void
draw_map (GtkWidget *area, FmDialogPreview *p, int k, int box, gboolean fit)
{
  GimpPreviewArea *pa = GIMP_PREVIEW_AREA (area);
  int w = p->out_w, h = p->out_h;

  gimp_preview_area_fill (pa, 0, 0, box, box, 128, 128, 128);
  if (k < 0 || k >= p->n_maps || !p->maps)
    return;
  if (fit || w > box || h > box)
    {
      double s = MIN ((double) box / w, (double) box / h);
      w = MAX (1, (int) (w * s));
      h = MAX (1, (int) (h * s));
    }
  else
    {
      w *= zoom_of (p);
      h *= zoom_of (p);
    }
  g_autofree guchar *buf = map_bytes (p, k, w, h);
  gimp_preview_area_draw (pa, (box - w) / 2, (box - h) / 2, w, h,
                          p->layer_channels == 3 ? GIMP_RGB_IMAGE : GIMP_GRAY_IMAGE,
                          buf, w * p->layer_channels);
}

static gboolean sheet_clicked (GtkWidget *w, GdkEventButton *event, FmDialogPreview *p);

/* A GimpPreviewArea forgets its pixels when it is (re)allocated, and drawing
 * before the first allocation is lost: draw again after each. */
static void
sheet_allocated (GtkWidget *area, GtkAllocation *a, FmDialogPreview *p)
{
  (void) a;
  draw_map (area, p, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (area), "fm-map")),
            FM_SHEET_SIZE, TRUE);
}

static void
area_allocated (GtkWidget *area, GtkAllocation *a, FmDialogPreview *p)
{
  (void) a;
  draw_map (area, p, p->model->filter, FM_PREVIEW_SIZE, FALSE);
}

static void
ensure_sheet (FmDialogPreview *p, int n)
{
  if ((int) p->sheet_areas->len == n)
    return;
  if (p->sheet_table)
    gtk_widget_destroy (p->sheet_table);
  g_ptr_array_set_size (p->sheet_areas, 0);
  p->sheet_table = fm_grid_new (4, 4, TRUE);
  for (int k = 0; k < n; k++)
    {
      GtkWidget *vbox = fm_box_new (TRUE, 2);
      GtkWidget *area = gimp_preview_area_new ();
      GtkWidget *label = gtk_label_new (NULL);
      gtk_widget_set_size_request (area, FM_SHEET_SIZE, FM_SHEET_SIZE);
      gtk_widget_add_events (area, GDK_BUTTON_PRESS_MASK);
      g_object_set_data (G_OBJECT (area), "fm-map", GINT_TO_POINTER (k));
      g_object_set_data (G_OBJECT (area), "fm-label", label);
      g_signal_connect (area, "button-press-event", G_CALLBACK (sheet_clicked), p);
      g_signal_connect_after (area, "size-allocate", G_CALLBACK (sheet_allocated), p);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_size_request (label, FM_SHEET_SIZE, -1);
      gtk_box_pack_start (GTK_BOX (vbox), area, FALSE, FALSE, 0);
      gtk_box_pack_start (GTK_BOX (vbox), label, FALSE, FALSE, 0);
      fm_grid_attach (p->sheet_table, vbox, k % SHEET_COLUMNS, k / SHEET_COLUMNS, FALSE);
      g_ptr_array_add (p->sheet_areas, area);
    }
  gtk_container_add (GTK_CONTAINER (p->sheet_box), p->sheet_table);
  gtk_widget_show_all (p->sheet_table);
}

static void
render (FmDialogPreview *p)
{
  int k = p->model->filter;

  draw_map (p->area, p, k, FM_PREVIEW_SIZE, FALSE);
  ensure_sheet (p, p->n_maps);
  for (int i = 0; i < p->n_maps; i++)
    {
      GtkWidget *area = p->sheet_areas->pdata[i];
      GtkLabel *label = g_object_get_data (G_OBJECT (area), "fm-label");
      const char *name = p->names && p->names[i] ? p->names[i] : "";
      g_autofree char *markup = g_markup_printf_escaped (
        i == k ? "<small><b>%d · %s</b></small>" : "<small>%d · %s</small>",
        i + 1, name);
      draw_map (area, p, i, FM_SHEET_SIZE, TRUE);
      gtk_label_set_markup (label, markup);
      gtk_widget_set_tooltip_text (area, name);
    }
  const char *name = k < p->n_maps && p->names ? p->names[k] : NULL;
  g_autofree char *title = g_markup_printf_escaped (
    "<b>Map %d · %s</b>  <small>%d × %d at (%d, %d) — drag to move</small>",
    k + 1, name ? name : "", p->crop_w, p->crop_h, p->crop_x, p->crop_y);
  gtk_label_set_markup (GTK_LABEL (p->title), title);
}

static void
set_status (FmDialogPreview *p, const char *text)
{
  g_autofree char *markup = g_markup_printf_escaped ("<small>%s</small>", text);
  gtk_label_set_markup (GTK_LABEL (p->status), markup);
}

static void
work_done (GObject *source, GAsyncResult *result, gpointer data)
{
  FmDialogPreview *p = data;
  GTask *task = G_TASK (result);
  Work *w = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  (void) source;
  p->running--;
  gboolean ok = g_task_propagate_boolean (task, &error);
  if (w->generation != g_atomic_int_get (&p->generation))
    return; /* a newer request is on its way */
  if (!ok)
    {
      set_status (p, error->message);
      return;
    }

  g_free (p->maps);
  g_strfreev (p->names);
  p->maps = g_steal_pointer (&w->maps);
  p->names = g_steal_pointer (&w->names);
  p->n_maps = w->n_maps;
  p->out_w = w->out_w;
  p->out_h = w->out_h;
  p->layer_channels = w->layer_channels;
  p->last_ms = w->elapsed_us / 1000;
  render (p);
  /* Whether the stretch matches the result is said only where it matters. */
  const char *range = !fm_map_needs_stats (w->options.mapping) ? ""
    : w->whole_range ? " Stretched with the whole image's range, as the result."
    : w->info.width == p->source->width && w->info.height == p->source->height ? ""
    : " Stretched with this rectangle's range: the result uses the whole "
      "image's, so it may look different (the image is too large to preview whole).";
  g_autofree char *status = g_strdup_printf (
    "%d map%s of %d × %d, computed in %" G_GINT64_FORMAT " ms.%s", p->n_maps,
    p->n_maps == 1 ? "" : "s", p->out_w, p->out_h, p->last_ms, range);
  p->whole_range = w->whole_range;
  set_status (p, status);
  p->renders++;
  if (p->done)
    p->done (p, p->done_data);
}

/* ---- scheduling ---------------------------------------------------------- */

static void
clamp_crop (FmDialogPreview *p)
{
  FmDialogSource *s = p->source;

  p->crop_w = MIN (s->width, FM_PREVIEW_SIZE);
  p->crop_h = MIN (s->height, FM_PREVIEW_SIZE);
  p->crop_x = CLAMP (p->crop_x, 0, s->width - p->crop_w);
  p->crop_y = CLAMP (p->crop_y, 0, s->height - p->crop_h);
}

/* The whole image, read once (main thread), when a stretching mapping
 * needs its range and it is larger than the rectangle shown but small
 * enough (FM_PREVIEW_WHOLE_MAX pixels) to go through on each change. */
static gboolean
ensure_whole (FmDialogPreview *p, GError **error)
{
  FmDialogSource *s = p->source;
  gsize n = (gsize) s->width * s->height;

  if (!fm_map_needs_stats (p->model->options.mapping) ||
      (p->crop_w == s->width && p->crop_h == s->height) || n > FM_PREVIEW_WHOLE_MAX)
    return FALSE;
  if (!p->whole)
    {
      float *whole = g_new (float, n * s->channels);
      if (!s->read (s, 0, 0, s->width, s->height, whole, error))
        {
          g_free (whole);
          return FALSE;
        }
      p->whole = whole;
    }
  return TRUE;
}

static gboolean
start (gpointer data)
{
  FmDialogPreview *p = data;
  FmDialogModel *m = p->model;
  GError *error = NULL;

  p->debounce_id = 0;
  if (!fm_dialog_model_is_valid (m))
    {
      set_status (p, "Preview paused until the problem below is fixed.");
      return G_SOURCE_REMOVE;
    }

  /* The read happens here, in the main thread: GIMP's tile traffic is not
   * thread-safe, and a 240 × 240 rectangle reads in a moment. */
  clamp_crop (p);
  Work *w = g_new0 (Work, 1);
  w->preview = p;
  w->generation = g_atomic_int_get (&p->generation);
  w->bank = m->bank ? fm_bank_copy (m->bank) : NULL;
  w->options = m->options;
  /* A network reads its halo around the rectangle too, so that the maps
   * shown are those of the whole image, not of a cut-out. */
  int rx = p->crop_x, ry = p->crop_y, rw = p->crop_w, rh = p->crop_h;
  if (m->net && (w->net = fm_dialog_net_run_new (m->net, TRUE)))
    {
      fm_dialog_net_run_region (w->net, p->source->width, p->source->height, p->crop_x,
                                p->crop_y, p->crop_w, p->crop_h, &rx, &ry, &rw, &rh);
      w->inner_x = p->crop_x - rx;
      w->inner_y = p->crop_y - ry;
      w->inner_w = p->crop_w;
      w->inner_h = p->crop_h;
    }
  w->info.width = rw;
  w->info.height = rh;
  w->info.channels = p->source->channels;
  w->pixels = g_new (float, (gsize) rw * rh * p->source->channels);
  if (ensure_whole (p, &error))
    {
      w->whole = p->whole;
      w->whole_info = (FmImageInfo) { p->source->width, p->source->height, p->source->channels };
    }
  if (error ||
      !p->source->read (p->source, rx, ry, rw, rh, w->pixels, &error))
    {
      set_status (p, error->message);
      g_error_free (error);
      work_free (w);
      return G_SOURCE_REMOVE;
    }

  set_status (p, "Computing…");
  GTask *task = g_task_new (NULL, NULL, work_done, p);
  g_task_set_task_data (task, w, (GDestroyNotify) work_free);
  p->running++;
  g_task_run_in_thread (task, work_thread);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
fm_dialog_preview_schedule (FmDialogPreview *p, guint delay_ms)
{
  /* Every request makes running work stale at once; only the last request
   * of a burst of typing starts a computation. */
  g_atomic_int_inc (&p->generation);
  if (p->debounce_id)
    g_source_remove (p->debounce_id);
  p->debounce_id = g_timeout_add (delay_ms, start, p);
}

gboolean
fm_dialog_preview_busy (FmDialogPreview *p)
{
  return p->debounce_id != 0 || p->running > 0;
}

void
fm_dialog_preview_set_origin (FmDialogPreview *p, int x, int y)
{
  p->crop_x = x;
  p->crop_y = y;
  clamp_crop (p);
}

/* ---- events ------------------------------------------------------------- */

static gboolean
sheet_clicked (GtkWidget *w, GdkEventButton *event, FmDialogPreview *p)
{
  (void) event;
  fm_dialog_model_select (p->model, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (w), "fm-map")));
  return TRUE;
}

static gboolean
area_button (GtkWidget *w, GdkEventButton *event, FmDialogPreview *p)
{
  (void) w;
  p->dragging = event->type == GDK_BUTTON_PRESS && event->button == 1;
  p->drag_x = event->x;
  p->drag_y = event->y;
  p->drag_crop_x = p->crop_x;
  p->drag_crop_y = p->crop_y;
  return TRUE;
}

/* Dragging moves the rectangle like a hand tool: the image follows the
 * pointer. */
static gboolean
area_motion (GtkWidget *w, GdkEventMotion *event, FmDialogPreview *p)
{
  (void) w;
  if (!p->dragging)
    return FALSE;
  int zoom = zoom_of (p);
  fm_dialog_preview_set_origin (p, p->drag_crop_x - (int) (event->x - p->drag_x) / zoom,
                                p->drag_crop_y - (int) (event->y - p->drag_y) / zoom);
  fm_dialog_preview_schedule (p, 60);
  return TRUE;
}

static void
model_changed (FmDialogModel *model, guint changes, gpointer data)
{
  FmDialogPreview *p = data;

  (void) model;
  if (changes & FM_DIALOG_CHANGE_MAPS)
    fm_dialog_preview_schedule (p, FM_PREVIEW_DEBOUNCE_MS);
  else if ((changes & FM_DIALOG_CHANGE_STATUS) && fm_dialog_model_is_valid (model) &&
           !fm_dialog_preview_busy (p) && p->renders == 0)
    fm_dialog_preview_schedule (p, FM_PREVIEW_DEBOUNCE_MS);
  if (changes & (FM_DIALOG_CHANGE_SELECT | FM_DIALOG_CHANGE_NAMES))
    render (p);
}

FmDialogPreview *
fm_dialog_preview_new (FmDialogModel *model, FmDialogSource *source)
{
  FmDialogPreview *p = g_new0 (FmDialogPreview, 1);
  GtkWidget *vbox = fm_box_new (TRUE, 6);

  p->model = model;
  p->source = source;
  p->sheet_areas = g_ptr_array_new ();
  /* Start on the middle of the image, where the subject usually is. */
  fm_dialog_preview_set_origin (p, (source->width - FM_PREVIEW_SIZE) / 2,
                                (source->height - FM_PREVIEW_SIZE) / 2);

  p->title = gtk_label_new (NULL);
  fm_label_set_xalign (p->title, 0);
  gtk_label_set_ellipsize (GTK_LABEL (p->title), PANGO_ELLIPSIZE_END);
  /* Its width never follows the filter's name (the dialog would resize). */
  gtk_label_set_width_chars (GTK_LABEL (p->title), 30);
  gtk_label_set_max_width_chars (GTK_LABEL (p->title), 30);
  p->area = gimp_preview_area_new ();
  gtk_widget_set_size_request (p->area, FM_PREVIEW_SIZE, FM_PREVIEW_SIZE);
  gtk_widget_add_events (p->area, GDK_BUTTON_PRESS_MASK | GDK_BUTTON_RELEASE_MASK |
                                  GDK_BUTTON1_MOTION_MASK);
  gtk_widget_set_tooltip_text (p->area, "The selected filter's map on a rectangle "
                               "of the image, computed as the final render "
                               "computes it. Drag to look elsewhere.");
  g_signal_connect (p->area, "button-press-event", G_CALLBACK (area_button), p);
  g_signal_connect (p->area, "button-release-event", G_CALLBACK (area_button), p);
  g_signal_connect (p->area, "motion-notify-event", G_CALLBACK (area_motion), p);
  g_signal_connect_after (p->area, "size-allocate", G_CALLBACK (area_allocated), p);
  GtkWidget *align = fm_centre_new ();
  gtk_container_add (GTK_CONTAINER (align), p->area);
  p->status = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (p->status), TRUE);
  /* Three lines whatever it says, so the dialog keeps its size. */
  gtk_widget_set_size_request (p->status, SHEET_COLUMNS * (FM_SHEET_SIZE + 4), FM_PREVIEW_STATUS_HEIGHT);
  gtk_label_set_max_width_chars (GTK_LABEL (p->status), 40);
  fm_label_set_xalign (p->status, 0);

  gtk_box_pack_start (GTK_BOX (vbox), p->title, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), align, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), p->status, FALSE, FALSE, 0);

  GtkWidget *sheet_frame = gimp_frame_new ("All maps");
  GtkWidget *scrolled = gtk_scrolled_window_new (NULL, NULL);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (scrolled, SHEET_COLUMNS * (FM_SHEET_SIZE + 4) + 24,
                               2 * (FM_SHEET_SIZE + 24));
  p->sheet_box = fm_box_new (TRUE, 0);
  fm_scrolled_add (scrolled, p->sheet_box);
  gtk_container_add (GTK_CONTAINER (sheet_frame), scrolled);
  gtk_box_pack_start (GTK_BOX (vbox), sheet_frame, TRUE, TRUE, 0);

  p->widget = gimp_frame_new ("Preview");
  gtk_container_add (GTK_CONTAINER (p->widget), vbox);
  gtk_widget_show_all (p->widget);

  fm_dialog_model_add_listener (model, model_changed, p);
  fm_dialog_preview_schedule (p, 0);
  return p;
}

void
fm_dialog_preview_free (FmDialogPreview *p)
{
  if (!p)
    return;
  /* Workers hold a pointer to p: make them stop, then wait them out. */
  g_atomic_int_inc (&p->generation);
  if (p->debounce_id)
    g_source_remove (p->debounce_id);
  while (p->running > 0)
    g_main_context_iteration (NULL, TRUE);
  g_ptr_array_unref (p->sheet_areas);
  g_free (p->whole);
  g_free (p->maps);
  g_strfreev (p->names);
  g_free (p);
}
