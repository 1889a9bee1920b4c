/* fm-summary-layer: a network layer's first three principal components as
 * one RGB layer in GIMP (fm-summary-layer.h).  The arithmetic is the
 * command line's (fm-pca.h); what is here is GIMP's side: the selection as
 * the mask, the layer placed like the maps, inserted first in its group. */
#include "fm-summary-layer.h"

#include <math.h>
#include <string.h>
#include "fm-deep-job.h"
#include "fm-net-plan.h"
#include "fm-pca.h"
#include "fm-plugin-errors.h"

void
fm_summaries_take (FmSummaries *s, char ***layers)
{
  memset (s, 0, sizeof *s);
  s->model_group = -1;
  const int n = g_strv_length (*layers);
  GPtrArray *names = g_ptr_array_new (), *kept = g_ptr_array_new ();
  GArray *asked = g_array_new (FALSE, FALSE, sizeof (int));
  for (int i = 0; i < n; i++)
    {
      char *rest = NULL;
      gboolean summary = FALSE, maps = TRUE;
      fm_net_layer_summary_parse ((*layers)[i], &rest, &summary, &maps);
      if (summary)
        {
          /* The name alone: the summary reads every channel. */
          char *name = NULL;
          g_autofree int *channels = NULL;
          int n_channels = 0;
          if (!fm_net_layer_pick_parse (rest, &name, &channels, &n_channels, NULL))
            name = g_strdup (rest);   /* the maps' job says what is wrong */
          g_ptr_array_add (names, name);
          g_array_append_val (asked, i);
        }
      if (maps)
        g_ptr_array_add (kept, rest);
      else
        g_free (rest);
    }
  s->n = names->len;
  s->n_asked = n;
  g_ptr_array_add (names, NULL);
  s->names = (char **) g_ptr_array_free (names, FALSE);
  s->asked = (int *) g_array_free (asked, FALSE);
  g_ptr_array_add (kept, NULL);
  g_strfreev (*layers);
  *layers = (char **) g_ptr_array_free (kept, FALSE);
  s->layers = g_new (FmItemId, MAX (s->n, 1));
  s->groups = g_new (FmItemId, MAX (s->n, 1));
  s->strides = g_new0 (int, MAX (s->n, 1));
  s->output = g_new (int, MAX (s->n, 1));
  s->layer_in = g_new0 (gboolean, MAX (s->n, 1));
  s->group_in = g_new0 (gboolean, MAX (s->n, 1));
  for (int i = 0; i < s->n; i++)
    s->layers[i] = s->groups[i] = s->output[i] = -1;
}

void
fm_summaries_match (FmSummaries *s, const FmJob *job)
{
  for (int i = 0; i < s->n; i++)
    {
      s->output[i] = -1;
      for (int o = 0; job && o < fm_job_n_outputs (job); o++)
        if (strcmp (fm_job_output (job, o)->name, s->names[i]) == 0)
          s->output[i] = o;
    }
}

gboolean
fm_summaries_only (const char *spec)
{
  g_autofree char *model = NULL;
  g_auto (GStrv) layers = NULL;
  if (!fm_net_spec_parse (spec, &model, &layers) || !layers[0])
    return FALSE;
  for (int i = 0; layers[i]; i++)
    {
      g_autofree char *rest = NULL;
      gboolean summary, maps;
      fm_net_layer_summary_parse (layers[i], &rest, &summary, &maps);
      if (maps)
        return FALSE;
    }
  return TRUE;
}

gboolean
fm_summaries_check (const FmSummaries *s, FmItemId image, FmDestination destination,
                    GError **error)
{
  if (s->n == 0)
    return TRUE;
  if (destination != FM_DESTINATION_LAYERS)
    g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                 "kernel: '%s[summary]': the summary layer goes over the photo, "
                 "destination 0 (layers); make it with another call", s->names[0]);
  else if (!fm_host_image_is_rgb (image))
    g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                 "kernel: '%s[summary]': the summary is an RGB layer and this image is "
                 "grey; convert it to RGB (Image ▸ Mode ▸ RGB) first", s->names[0]);
  else
    return TRUE;
  return FALSE;
}

typedef struct {
  FmDeepJob *deep;
  FmPca *pca;
  GeglBuffer *buffer;
  const Babl *format;
  int rep_x, rep_y;
  float *coords, *pixels;
  gsize coords_len, pixels_len;
} Summary;

static gboolean
covariance_band (gpointer data, int y0, int n_rows, const float *maps,
                 gsize plane_stride, int width, GError **error)
{
  (void) error;
  Summary *s = data;
  const float *mask = s->deep->mask ? s->deep->mask + (gsize) y0 * width : NULL;
  fm_pca_accumulate (s->pca, maps, plane_stride, width, n_rows, mask);
  return TRUE;
}

/* Projects a band and writes it at the photo's resolution, each map pixel
 * as its rep_x × rep_y block, opaque. */
static gboolean
project_band (gpointer data, int y0, int n_rows, const float *maps,
              gsize plane_stride, int width, GError **error)
{
  (void) error;
  Summary *s = data;
  const gsize n = (gsize) n_rows * width;
  if (n * 3 > s->coords_len)
    {
      g_free (s->coords);
      s->coords = g_new (float, n * 3);
      s->coords_len = n * 3;
    }
  const int rx = s->rep_x, ry = s->rep_y;
  const gsize row = (gsize) width * rx * 4;
  if (row * n_rows * ry > s->pixels_len)
    {
      g_free (s->pixels);
      s->pixels_len = row * n_rows * ry;
      s->pixels = g_new (float, s->pixels_len);
    }
  fm_pca_project (s->pca, maps, plane_stride, width, n_rows, s->coords);
  fm_pca_to_rgb (s->pca, s->coords, n, s->coords);
  for (int r = 0; r < n_rows; r++)
    {
      float *o = s->pixels + (gsize) r * ry * row;
      for (int x = 0; x < width; x++)
        {
          const float *c = s->coords + ((gsize) r * width + x) * 3;
          for (int i = 0; i < rx; i++, o += 4)
            {
              o[0] = c[0];
              o[1] = c[1];
              o[2] = c[2];
              o[3] = 1.0f;
            }
        }
      for (int i = 1; i < ry; i++)
        memcpy (s->pixels + ((gsize) r * ry + i) * row, s->pixels + (gsize) r * ry * row,
                row * sizeof (float));
    }
  gegl_buffer_set (s->buffer, GEGL_RECTANGLE (0, y0 * ry, width * rx, n_rows * ry), 0,
                   s->format, s->pixels, GEGL_AUTO_ROWSTRIDE);
  return TRUE;
}

static gboolean
make_one (FmSummaries *s, int i, FmItemId image, FmItemId drawable,
          const FmNetGraph *graph, FmInputMode input_mode, double from, double to,
          GError **error)
{
  const char *layers[] = { s->names[i], NULL };
  FmJobKernel kernel = { .graph = graph, .layers = layers, .n_layers = 1 };
  g_autofree char *message = g_strdup_printf ("Summary of %s", s->names[i]);
  fm_host_progress_init (message);
  FmDeepJob deep;
  Summary sum = { .deep = &deep };
  gboolean ok = fm_deep_job_open (&deep, image, drawable, &kernel, input_mode, error);
  GError *e = NULL;
  if (ok && !(sum.pca = fm_pca_new (deep.out->n_layers, &e)))
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING, "kernel: %s",
                   e->message);
      g_error_free (e);
      ok = FALSE;
    }
  const double mid = (from + to) / 2;
  if (ok)
    ok = fm_deep_job_run (&deep, covariance_band, &sum, from, mid, error);
  if (ok && !fm_pca_solve (sum.pca, &e))
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION, "summary of '%s': %s",
                   s->names[i], e->message);
      g_error_free (e);
      ok = FALSE;
    }
  if (ok)
    {
      /* Placed as the maps are over the photo (fm-layers-write.h). */
      const FmJobOutput *o = deep.out;
      sum.rep_x = MAX (o->stride_x, 1);
      sum.rep_y = MAX (o->stride_y, 1);
      s->strides[i] = MAX (o->stride_x, o->stride_y);
      int ox, oy;
      fm_host_drawable_offsets (drawable, &ox, &oy);
      g_autofree char *name = g_strdup_printf ("%s · summary (PC1–3)", o->name);
      s->layers[i] = fm_host_layer_new (image, name, o->out_w * sum.rep_x,
                                        o->out_h * sum.rep_y, TRUE, TRUE);
      if (s->layers[i] <= 0)
        {
          s->layers[i] = -1;
          g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
                       "could not create the summary layer: %s", fm_host_last_error ());
          ok = FALSE;
        }
      else
        {
          fm_host_layer_set_offsets (s->layers[i],
                                     ox + deep.src.x + (int) ceil (o->offset_x - sum.rep_x / 2.0),
                                     oy + deep.src.y + (int) ceil (o->offset_y - sum.rep_y / 2.0));
          /* Written in the layer's own model and TRC, so what is stored is
           * the display value computed. */
          const Babl *lf = fm_host_drawable_format (s->layers[i]);
          gboolean gamma = strchr (babl_get_name (babl_format_get_model (lf)), '\'') != NULL;
          sum.format = babl_format_with_space (gamma ? "R'G'B'A float" : "RGBA float", lf);
          sum.buffer = fm_host_drawable_buffer (s->layers[i]);
          ok = fm_deep_job_run (&deep, project_band, &sum, mid, to, error);
          g_clear_object (&sum.buffer);   /* flushes the tiles to GIMP */
        }
    }
  fm_pca_free (sum.pca);
  g_free (sum.coords);
  g_free (sum.pixels);
  fm_deep_job_clear (&deep);
  return ok;
}

gboolean
fm_summaries_make (FmSummaries *s, FmItemId image, FmItemId drawable,
                   const FmNetGraph *graph, FmInputMode input_mode, double from,
                   GError **error)
{
  for (int i = 0; i < s->n; i++)
    {
      const double step = (1.0 - from) / s->n;
      if (!make_one (s, i, image, drawable, graph, input_mode, from + i * step,
                     from + (i + 1) * step, error))
        return FALSE;
    }
  return TRUE;
}

/* The model's group goes right above the source, as fm-layers-write does. */
static void
placement (FmItemId image, FmItemId drawable, FmItemId *parent, int *position)
{
  FmItemId item = fm_host_layer_of (drawable);
  *parent = 0;
  *position = 0;
  if (item > 0 && fm_host_item_is_layer (item))
    {
      FmItemId p = fm_host_item_get_parent (item);
      *parent = p > 0 ? p : 0;
      *position = MAX (fm_host_image_item_position (image, item), 0);
    }
}

gboolean
fm_summaries_insert (FmSummaries *s, FmItemId image, FmItemId drawable,
                     const FmLayerTarget *maps, const char *model_name, GError **error)
{
  if (s->n == 0)
    return TRUE;
  FmItemId model = maps ? maps->group : -1;
  gboolean ok = TRUE;
  if (model <= 0)
    {
      FmItemId parent;
      int position;
      placement (image, drawable, &parent, &position);
      model = fm_host_group_new (image, model_name);
      s->model_group = model > 0 ? model : -1;
      ok = s->model_in = model > 0 && fm_host_image_insert_layer (image, model, parent,
                                                                   position);
    }
  for (int i = 0; ok && i < s->n; i++)
    {
      FmItemId into = maps && s->output[i] >= 0 && s->output[i] < maps->n_outputs
                      ? maps->groups[s->output[i]] : -1;
      if (into <= 0)
        {
          /* No map of this layer: a group of its own, in the order asked. */
          g_autofree char *name = s->strides[i] > 1
            ? g_strdup_printf ("%s (1/%d)", s->names[i], s->strides[i])
            : g_strdup (s->names[i]);
          into = fm_host_group_new (image, name);
          s->groups[i] = into > 0 ? into : -1;
          ok = s->group_in[i] = into > 0 && fm_host_image_insert_layer (image, into, model,
                                                                        s->asked[i]);
        }
      ok = ok && (s->layer_in[i] = fm_host_image_insert_layer (image, s->layers[i], into, 0));
    }
  if (!ok)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
                   "could not add the summary layer: %s", fm_host_last_error ());
      return FALSE;
    }
  s->inserted = TRUE;
  return TRUE;
}

gboolean
fm_summaries_run_alone (FmSummaries *s, FmItemId image, FmItemId drawable,
                        const FmNetGraph *graph, FmInputMode input_mode,
                        const char *model_name, FmItemId *group, GError **error)
{
  gboolean ok = fm_summaries_make (s, image, drawable, graph, input_mode, 0.0, error);
  if (ok)
    {
      fm_host_undo_group_start (image);
      ok = fm_summaries_insert (s, image, drawable, NULL, model_name, error);
      fm_host_undo_group_end (image);
      /* Inserting made the group the active layer; the source stays it. */
      if (ok && fm_host_item_is_layer (fm_host_layer_of (drawable)))
        fm_host_image_select_layer (image, fm_host_layer_of (drawable));
    }
  *group = ok ? s->model_group : -1;
  fm_host_progress_end ();
  fm_summaries_clear (s);
  return ok;
}

void
fm_summaries_clear (FmSummaries *s)
{
  if (!s->inserted && s->n > 0)
    {
      /* Removing a group takes what is inside with it. */
      if (s->model_in)
        fm_host_image_remove_layer (fm_host_item_get_image (s->model_group), s->model_group);
      else if (s->model_group > 0)
        fm_host_item_delete (s->model_group);
      for (int i = 0; i < s->n; i++)
        {
          gboolean gone = s->model_in || s->group_in[i];
          if (s->layers[i] > 0 && s->layer_in[i] && !gone)
            fm_host_image_remove_layer (fm_host_item_get_image (s->layers[i]), s->layers[i]);
          else if (s->layers[i] > 0 && !s->layer_in[i])
            fm_host_item_delete (s->layers[i]);
          if (s->groups[i] > 0 && s->group_in[i] && !s->model_in)
            fm_host_image_remove_layer (fm_host_item_get_image (s->groups[i]), s->groups[i]);
          else if (s->groups[i] > 0 && !s->group_in[i])
            fm_host_item_delete (s->groups[i]);
        }
    }
  g_strfreev (s->names);
  g_free (s->asked);
  g_free (s->layers);
  g_free (s->groups);
  g_free (s->strides);
  g_free (s->output);
  g_free (s->layer_in);
  g_free (s->group_in);
  memset (s, 0, sizeof *s);
}
