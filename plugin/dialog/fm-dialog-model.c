/* fm-dialog-model: the dialog's state, GTK-free so tests can check it. */
#include "fm-dialog-model.h"
#include "fm-net-plan.h"
#include "fm-formats.h"
#include "fm-bank-edit.h"
#include "net/fm-dialog-net.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct {
  FmDialogListener func;
  gpointer data;
} Listener;

/* ---- helpers ------------------------------------------------------------
 * Bank surgery (rotate, resize, add …) is the core's (fm-bank-edit.h); the
 * model only keeps its selection and tells the listeners. */

static void
set_string (char **field, const char *value)
{
  char *copy = g_strdup (value);
  g_free (*field);
  *field = copy;
}

static gsize
filter_size (const FmBank *bank)
{
  return (gsize) bank->kh * bank->kw * bank->channels;
}

static float *
weight_at (const FmBank *bank, int filter, int y, int x, int c)
{
  return bank->filters[filter].weights
         + ((gsize) y * bank->kw + x) * bank->channels + c;
}

/* ---- notification and validity ---------------------------------------- */

static char *
check (const FmDialogModel *model, const FmOptions *options)
{
  g_autoptr (GError) error = NULL;

  if (model->load_error)
    return g_strdup (model->load_error);
  if (model->entry_error)
    return g_strdup (model->entry_error);
  if (model->net)
    return fm_dialog_net_check (model->net, options, &model->image);
  if (!model->bank)
    return g_strdup ("No kernel bank is loaded: pick one in the list.");
  if (!fm_bank_validate (model->bank, &error) ||
      !fm_options_validate (options, &error))
    return g_strdup (error->message);
  if (options->mapping == FM_MAPPING_RAW && !model->float_image &&
      options->destination == FM_DESTINATION_LAYERS)
    return g_strdup ("Mapping raw needs a float-precision destination: "
                     "choose destination new-image or another mapping.");

  FmJob *job = fm_job_new (model->bank, options, &model->image, &error);
  if (!job)
    return g_strdup (error->message);
  fm_job_free (job);
  return NULL;
}

static void
notify (FmDialogModel *model, guint changes)
{
  char *error = check (model, &model->options);

  if (g_strcmp0 (error, model->error) != 0)
    changes |= FM_DIALOG_CHANGE_STATUS;
  g_free (model->error);
  model->error = error;

  for (guint i = 0; i < model->listeners->len; i++)
    {
      Listener *l = &g_array_index (model->listeners, Listener, i);
      l->func (model, changes, l->data);
    }
}

void
fm_dialog_model_changed (FmDialogModel *model, guint changes)
{
  notify (model, changes);
}

static void
set_note (FmDialogModel *model, char *note)
{
  g_free (model->note);
  model->note = note;
}

void
fm_dialog_model_set_note (FmDialogModel *model, const char *note)
{
  set_note (model, g_strdup (note));
  notify (model, FM_DIALOG_CHANGE_STATUS);
}

static void
edited (FmDialogModel *model, guint changes)
{
  model->edited = TRUE;
  set_note (model, NULL);
  notify (model, changes | FM_DIALOG_CHANGE_STATUS);
}

gboolean
fm_dialog_model_is_valid (const FmDialogModel *model)
{
  return model->error == NULL;
}

/* ---- life -------------------------------------------------------------- */

static void
keep_raw_possible (FmDialogModel *model)
{
  if (model->options.mapping == FM_MAPPING_RAW && !model->float_image &&
      model->options.destination == FM_DESTINATION_LAYERS)
    {
      model->options.mapping = FM_MAPPING_NORMALIZE;
      set_note (model, g_strdup ("Mapping set to normalize: raw values do not "
                                 "fit this integer-precision image (choose "
                                 "destination new-image to keep them)."));
    }
}

FmDialogModel *
fm_dialog_model_new (const char *user_dir, const FmImageInfo *image,
                     gboolean float_image, const FmOptions *options)
{
  FmDialogModel *model = g_new0 (FmDialogModel, 1);

  model->user_dir = g_strdup (user_dir);
  model->image = *image;
  model->float_image = float_image;
  if (options)
    model->options = *options;
  else
    fm_options_init (&model->options);
  model->listeners = g_array_new (FALSE, FALSE, sizeof (Listener));
  keep_raw_possible (model);
  model->error = check (model, &model->options);
  return model;
}

void
fm_dialog_model_free (FmDialogModel *model)
{
  if (!model)
    return;
  fm_bank_free (model->bank);
  fm_dialog_net_free (model->net);
  g_free (model->spec);
  g_free (model->user_dir);
  g_free (model->load_error);
  g_free (model->entry_error);
  g_free (model->error);
  g_free (model->note);
  g_array_free (model->listeners, TRUE);
  g_free (model);
}

void
fm_dialog_model_add_listener (FmDialogModel *model, FmDialogListener func,
                              gpointer data)
{
  Listener l = { func, data };
  g_array_append_val (model->listeners, l);
}

/* ---- loading ------------------------------------------------------------ */

static void
apply_defaults (FmDialogModel *model)
{
  fm_bank_apply_defaults (model->bank, &model->options, NULL, NULL);
}

gboolean
fm_dialog_model_load (FmDialogModel *model, const char *spec,
                      gboolean with_defaults, GError **error)
{
  GError *local = NULL;
  FmBank *bank = NULL;
  g_autofree char *net_model = NULL;
  g_auto (GStrv) net_layers = NULL;
  FmDialogNet *net = NULL;
  /* A network: its layers are listed and picked in the network view
   * (net/fm-dialog-net-view.c); there is no bank to edit. */
  if (fm_net_spec_parse (spec, &net_model, &net_layers))
    net = fm_dialog_net_load (net_model, net_layers, model->user_dir, &local);
  else
    bank = fm_bank_load (spec, model->user_dir, &local);

  /* The first load is part of opening: a note made then (raw mapping
   * replaced) must survive it. */
  if (model->bank)
    set_note (model, NULL);
  if (!bank && !net)
    {
      g_free (model->load_error);
      model->load_error = g_strdup (local->message);
      g_propagate_error (error, local);
      notify (model, FM_DIALOG_CHANGE_STATUS);
      return FALSE;
    }

  fm_bank_free (model->bank);
  model->bank = bank;
  fm_dialog_net_free (model->net);
  model->net = net;
  set_string (&model->spec, spec);
  model->edited = FALSE;
  model->filter = 0;
  model->channel = 0;
  g_clear_pointer (&model->load_error, g_free);
  g_clear_pointer (&model->entry_error, g_free);
  if (with_defaults && bank)
    apply_defaults (model);
  keep_raw_possible (model);
  notify (model, FM_DIALOG_CHANGE_BANK | FM_DIALOG_CHANGE_SHAPE |
                 FM_DIALOG_CHANGE_SELECT | FM_DIALOG_CHANGE_NAMES |
                 FM_DIALOG_CHANGE_OPTIONS | FM_DIALOG_CHANGE_STATUS |
                 FM_DIALOG_CHANGE_NET);
  return TRUE;
}

gboolean
fm_dialog_model_load_file (FmDialogModel *model, const char *path,
                           FmWeightsLayout layout, GError **error)
{
  const char *suffix = "";

  /* The layout only means something for learned weights; JSON says all. */
  const FmFormat *format = fm_format_for_path (path);
  if (format && format->takes_layout)
    suffix = layout == FM_LAYOUT_HWIO ? ":hwio"
             : layout == FM_LAYOUT_OIHW ? ":oihw" : "";
  g_autofree char *spec = g_strconcat (path, suffix, NULL);
  return fm_dialog_model_load (model, spec, TRUE, error);
}

/* ---- selection ---------------------------------------------------------- */

void
fm_dialog_model_select (FmDialogModel *model, int filter)
{
  /* A network's maps: the preview knows how many there are. */
  if (model->net && filter >= 0 && filter != model->filter)
    {
      model->filter = filter;
      notify (model, FM_DIALOG_CHANGE_SELECT);
      return;
    }
  if (!model->bank || filter < 0 || filter >= model->bank->n_filters ||
      filter == model->filter)
    return;
  model->filter = filter;
  notify (model, FM_DIALOG_CHANGE_SELECT);
}

void
fm_dialog_model_set_channel (FmDialogModel *model, int channel)
{
  if (!model->bank || channel < 0 || channel >= model->bank->channels ||
      channel == model->channel)
    return;
  model->channel = channel;
  notify (model, FM_DIALOG_CHANGE_SELECT);
}

const FmFilter *
fm_dialog_model_current (const FmDialogModel *model)
{
  return model->bank ? &model->bank->filters[model->filter] : NULL;
}

/* ---- edits -------------------------------------------------------------- */

float
fm_dialog_model_get_weight (const FmDialogModel *model, int filter, int y,
                            int x, int c)
{
  return *weight_at (model->bank, filter, y, x, c);
}

void
fm_dialog_model_set_weight (FmDialogModel *model, int filter, int y, int x,
                            int c, float value)
{
  *weight_at (model->bank, filter, y, x, c) = value;
  edited (model, FM_DIALOG_CHANGE_WEIGHTS);
}

void
fm_dialog_model_set_bias (FmDialogModel *model, int filter, float bias)
{
  model->bank->filters[filter].bias = bias;
  edited (model, FM_DIALOG_CHANGE_WEIGHTS);
}

void
fm_dialog_model_set_divisor (FmDialogModel *model, int filter, double divisor)
{
  model->bank->filters[filter].divisor = divisor;
  edited (model, FM_DIALOG_CHANGE_WEIGHTS);
}

/* GIMP's Convolution Matrix "normalise": divide by the sum, unless the sum
 * is zero (edge detectors), where dividing would be meaningless. */
void
fm_dialog_model_normalize (FmDialogModel *model, int filter)
{
  const FmFilter *f = &model->bank->filters[filter];
  double sum = 0;

  for (gsize i = 0; i < filter_size (model->bank); i++)
    sum += f->weights[i];
  fm_dialog_model_set_divisor (model, filter, fabs (sum) > 1e-12 ? sum : 1.0);
}

gboolean
fm_dialog_model_can_rotate (const FmDialogModel *model, char **reason)
{
  g_autoptr (GError) error = NULL;

  if (!model->bank)
    return FALSE;
  /* one filter turning alone: the editor's buttons act on the selected one */
  if (fm_bank_can_rotate (model->bank, 0, &error))
    return TRUE;
  if (reason)
    *reason = g_strdup (error->message);
  return FALSE;
}

gboolean
fm_dialog_model_rotate (FmDialogModel *model, int filter, gboolean clockwise)
{
  if (!fm_dialog_model_can_rotate (model, NULL))
    return FALSE;
  gboolean square = model->bank->kh == model->bank->kw;
  if (!fm_bank_rotate (model->bank, filter, clockwise, NULL))
    return FALSE;
  edited (model, FM_DIALOG_CHANGE_WEIGHTS | (square ? 0 : FM_DIALOG_CHANGE_SHAPE));
  return TRUE;
}

void
fm_dialog_model_flip (FmDialogModel *model, int filter, gboolean horizontal)
{
  fm_bank_flip (model->bank, filter, horizontal);
  edited (model, FM_DIALOG_CHANGE_WEIGHTS);
}

/* Resizing keeps the kernel's centre cell where it was, so growing then
 * shrinking back is the identity. */
void
fm_dialog_model_resize (FmDialogModel *model, int kh, int kw)
{
  const FmBank *b = model->bank;

  if (!b || (kh == b->kh && kw == b->kw) || !fm_bank_resize (model->bank, kh, kw, NULL))
    return;
  edited (model, FM_DIALOG_CHANGE_SHAPE | FM_DIALOG_CHANGE_WEIGHTS);
}

/* The bank gained a filter at `at` (or failed to: -1). */
static int
inserted (FmDialogModel *model, int at)
{
  if (at < 0)
    return -1;
  model->filter = at;
  edited (model, FM_DIALOG_CHANGE_SHAPE | FM_DIALOG_CHANGE_SELECT |
                 FM_DIALOG_CHANGE_NAMES);
  return at;
}

int
fm_dialog_model_add_filter (FmDialogModel *model)
{
  g_return_val_if_fail (model->bank, -1);
  /* A new filter starts as the identity: its map is the input, so the
   * preview shows something a designer can then change. */
  return inserted (model, fm_bank_add_filter (model->bank, model->bank->n_filters, NULL));
}

int
fm_dialog_model_duplicate_filter (FmDialogModel *model, int filter)
{
  g_return_val_if_fail (model->bank, -1);
  return inserted (model, fm_bank_duplicate_filter (model->bank, filter, NULL));
}

gboolean
fm_dialog_model_remove_filter (FmDialogModel *model, int filter)
{
  if (!model->bank || !fm_bank_remove_filter (model->bank, filter, NULL))
    return FALSE;
  model->filter = MIN (filter, model->bank->n_filters - 1);
  edited (model, FM_DIALOG_CHANGE_SHAPE | FM_DIALOG_CHANGE_SELECT |
                 FM_DIALOG_CHANGE_NAMES);
  return TRUE;
}

void
fm_dialog_model_rename_filter (FmDialogModel *model, int filter,
                               const char *name)
{
  if (g_strcmp0 (model->bank->filters[filter].name, name) == 0)
    return;
  fm_bank_rename_filter (model->bank, filter, name);
  edited (model, FM_DIALOG_CHANGE_NAMES);
}

void
fm_dialog_model_set_entry_error (FmDialogModel *model, const char *message)
{
  if (g_strcmp0 (model->entry_error, message) == 0)
    return;
  set_string (&model->entry_error, message);
  notify (model, FM_DIALOG_CHANGE_STATUS);
}

/* ---- options ------------------------------------------------------------ */

gboolean
fm_dialog_model_option_applies (const FmDialogModel *model, FmOptionId id,
                                char **reason)
{
  const FmBank *b = model->bank;

  /* A network's layers have their own (the procedure ignores these). */
  if (model->net && (id == FM_OPT_PADDING || id == FM_OPT_BORDER || id == FM_OPT_STRIDE ||
                     id == FM_OPT_DILATION || id == FM_OPT_ACTIVATION))
    {
      if (reason)
        *reason = g_strdup ("A network's layers have their own padding, stride, "
                            "dilation and activation.");
      return FALSE;
    }
  if (!b)
    return TRUE;
  if (id == FM_OPT_STRIDE && (b->stride_y || b->stride_x))
    {
      if (reason)
        *reason = g_strdup_printf ("The bank sets its own stride (%d × %d).",
                                   b->stride_y, b->stride_x);
      return FALSE;
    }
  if (id == FM_OPT_DILATION && (b->dilation_y || b->dilation_x))
    {
      if (reason)
        *reason = g_strdup_printf ("The bank sets its own dilation (%d × %d).",
                                   b->dilation_y, b->dilation_x);
      return FALSE;
    }
  return TRUE;
}

gboolean
fm_dialog_model_choice_allowed (const FmDialogModel *model, FmOptionId id,
                                int value, char **reason)
{
  if (id == FM_OPT_MAPPING && value == FM_MAPPING_RAW && !model->float_image &&
      model->options.destination == FM_DESTINATION_LAYERS)
    {
      if (reason)
        *reason = g_strdup ("raw: values outside 0..1 do not fit this "
                            "integer-precision image; choose destination "
                            "new-image to keep them.");
      return FALSE;
    }
  if (id == FM_OPT_DESTINATION || id == FM_OPT_MAPPING)
    return TRUE;

  /* Ask the core whether bank, image and this choice fit — but only refuse
   * a choice when the current options fit, or every choice would look
   * refused while the real problem is elsewhere. */
  g_autofree char *now = check (model, &model->options);
  if (now)
    return TRUE;
  FmOptions trial = model->options;
  if (!fm_options_set (&trial, id, value, NULL))
    return FALSE;
  char *why = check (model, &trial);
  if (!why)
    return TRUE;
  if (reason)
    {
      const char *name = fm_option_value_name (id, value);
      *reason = name ? g_strdup_printf ("%s: %s", name, why) : g_strdup (why);
    }
  g_free (why);
  return FALSE;
}

gboolean
fm_dialog_model_set_option (FmDialogModel *model, FmOptionId id, int value)
{
  if (fm_options_get (&model->options, id) == value)
    return TRUE;
  if (id == FM_OPT_MAPPING &&
      !fm_dialog_model_choice_allowed (model, id, value, NULL))
    return FALSE;
  if (!fm_options_set (&model->options, id, value, NULL))
    return FALSE;
  set_note (model, NULL);
  keep_raw_possible (model);
  notify (model, FM_DIALOG_CHANGE_OPTIONS | FM_DIALOG_CHANGE_STATUS);
  return TRUE;
}

/* ---- saving ------------------------------------------------------------- */

char *
fm_dialog_model_preset_stem (const char *name)
{
  GString *stem = g_string_new (NULL);

  for (const char *p = name; p && *p; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (stem, g_ascii_tolower (*p));
      else if (stem->len && stem->str[stem->len - 1] != '-')
        g_string_append_c (stem, '-');
    }
  while (stem->len && stem->str[stem->len - 1] == '-')
    g_string_truncate (stem, stem->len - 1);
  return g_string_free (stem, FALSE);
}

static gboolean
ensure_user_dir (const FmDialogModel *model, GError **error)
{
  if (g_mkdir_with_parents (model->user_dir, 0755) == 0)
    return TRUE;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
               "Cannot create the folder %s: %s", model->user_dir,
               g_strerror (errno));
  return FALSE;
}

char *
fm_dialog_model_save (FmDialogModel *model, const char *name, GError **error)
{
  g_autofree char *stem = fm_dialog_model_preset_stem (name);

  if (!model->bank || !*stem)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                   "A saved bank needs a name with letters or digits.");
      return NULL;
    }
  if (!fm_bank_validate (model->bank, error) || !ensure_user_dir (model, error))
    return NULL;

  g_autofree char *file = g_strconcat (stem, ".json", NULL);
  char *path = g_build_filename (model->user_dir, file, NULL);
  char *old_name = g_strdup (model->bank->name);
  set_string (&model->bank->name, name);
  if (!fm_bank_save_json (model->bank, path, error))
    {
      set_string (&model->bank->name, old_name);
      g_free (old_name);
      g_free (path);
      return NULL;
    }
  g_free (old_name);
  set_string (&model->spec, stem);
  model->edited = FALSE;
  set_note (model, g_strdup_printf ("Saved as preset '%s' (%s).", stem, path));
  notify (model, FM_DIALOG_CHANGE_NAMES | FM_DIALOG_CHANGE_PRESETS |
                 FM_DIALOG_CHANGE_STATUS);
  return path;
}

char *
fm_dialog_model_commit (FmDialogModel *model, gsize max_len, GError **error)
{
  if (model->error)
    {
      g_set_error_literal (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                           model->error);
      return NULL;
    }
  if (model->net)
    {
      char *spec = fm_dialog_net_spec (model->net);
      if (strlen (spec) < max_len)
        return spec;
      g_free (spec);
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                   "The kernel string is too long: pick fewer layers or channels.");
      return NULL;
    }
  if (!model->edited && model->spec && strlen (model->spec) < max_len)
    return g_strdup (model->spec);

  /* Weights are never remembered as settings: the edited bank goes to a
   * file in the profile and the kernel string names it. */
  if (!ensure_user_dir (model, error))
    return NULL;
  char *path = g_build_filename (model->user_dir, FM_DIALOG_LAST_EDIT, NULL);
  if (strlen (path) >= max_len || !fm_bank_save_json (model->bank, path, error))
    {
      if (error && !*error)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
                     "The path %s is too long to remember.", path);
      g_free (path);
      return NULL;
    }
  return path;
}
