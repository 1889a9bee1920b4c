/* fm-net-prep: preprocessing presets for networks, remembered per model. */
#include "fm-net-prep.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "fm-file.h"
#include "fm-json-strict.h"
#include <string.h>

typedef struct {
  const char *key, *label;
  double range;
  gboolean bgr;
  double mean[3], std[3];
} Preset;

/* The means and deviations as the libraries that trained the models use
 * them: torchvision's transforms.Normalize for ImageNet (on 0..1 RGB), and
 * Caffe's VGG / ResNet means (on 0..255, channels in BGR order). */
static const Preset presets[FM_NET_PREP_N] = {
  [FM_NET_PREP_MODEL] = { "model", "As the model declares", 0, FALSE, { 0 }, { 0 } },
  [FM_NET_PREP_UNIT] = { "0..1", "0..1", 1, FALSE, { 0, 0, 0 }, { 1, 1, 1 } },
  [FM_NET_PREP_IMAGENET] = { "imagenet", "ImageNet mean/std (torchvision)", 1, FALSE,
                             { 0.485, 0.456, 0.406 }, { 0.229, 0.224, 0.225 } },
  [FM_NET_PREP_CAFFE] = { "caffe", "0..255 BGR, Caffe means", 255, TRUE,
                          { 103.939, 116.779, 123.68 }, { 1, 1, 1 } },
  [FM_NET_PREP_SIGNED] = { "-1..1", "−1..1", 1, FALSE, { 0.5, 0.5, 0.5 }, { 0.5, 0.5, 0.5 } },
};

const char *
fm_net_prep_key (FmNetPrep prep)
{
  return prep < FM_NET_PREP_N ? presets[prep].key : NULL;
}

const char *
fm_net_prep_label (FmNetPrep prep)
{
  return prep < FM_NET_PREP_N ? presets[prep].label : NULL;
}

gboolean
fm_net_prep_from_key (const char *key, FmNetPrep *prep)
{
  for (int p = 0; p < FM_NET_PREP_N; p++)
    if (g_strcmp0 (key, presets[p].key) == 0)
      {
        *prep = p;
        return TRUE;
      }
  return FALSE;
}

gboolean
fm_net_prep_decl (FmNetPrep prep, FmInputDecl *decl)
{
  if (prep == FM_NET_PREP_MODEL || prep >= FM_NET_PREP_N)
    return FALSE;
  const Preset *p = &presets[prep];
  fm_input_decl_init (decl);
  decl->range = p->range;
  decl->bgr = p->bgr;
  decl->n_mean = decl->n_std = 3;
  for (int c = 0; c < 3; c++)
    {
      decl->mean[c] = p->mean[c];
      decl->std[c] = p->std[c];
    }
  return TRUE;
}

void
fm_net_prep_apply (FmNetPrep prep, FmNetGraph *graph)
{
  FmInputDecl decl;
  if (!fm_net_prep_decl (prep, &decl))
    return;
  graph->decl = decl;
  graph->has_decl = TRUE;
}

/* The key: the model's absolute path, so one model reached through two
 * relative paths is one entry. */
static char *
model_key (const char *model_path)
{
  return g_canonicalize_filename (model_path, NULL);
}

/* The choices, as the user's file holds them.  The file is read like any
 * file from outside (fm_file_read_capped: no FIFO, no device, a size cap)
 * and parsed the strict way (fm_json_parse: nesting and value count
 * bounded), since a hand-edited or damaged settings file must not hang or
 * crash GIMP.  A missing file is no choice; *damaged says the file exists
 * but is not a JSON object, so it is never overwritten by a save. */
#define FM_NET_PREP_MAX_BYTES (1u << 20)
static JsonObject *
read_choices (const char *user_dir, GError **damaged)
{
  g_autofree char *path = g_build_filename (user_dir, FM_NET_PREP_FILE, NULL);
  if (!fm_file_exists (path))
    return json_object_new ();
  g_autofree char *data = NULL;
  gsize len = 0;
  const FmJsonCtx cx = { .where = "", .domain = G_FILE_ERROR,
                         .parse_code = G_FILE_ERROR_INVAL,
                         .invalid_code = G_FILE_ERROR_INVAL };
  g_autoptr (JsonParser) parser = NULL;
  GError *e = NULL;
  if (fm_file_read_capped (path, FM_NET_PREP_MAX_BYTES, "settings file", &data, &len, &e))
    parser = fm_json_parse (&cx, data, len, "settings file", &e);
  JsonNode *root = parser ? json_parser_get_root (parser) : NULL;
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree char *display = fm_file_display (path);
      g_set_error (damaged, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s is not a featuremaps settings file (%s): the preset is not "
                   "remembered, and the file is left as it is",
                   display, e ? e->message : "not a JSON object");
      g_clear_error (&e);
      return json_object_new ();
    }
  return json_object_ref (json_node_get_object (root));
}

FmNetPrep
fm_net_prep_recall (const char *user_dir, const char *model_path)
{
  FmNetPrep prep = FM_NET_PREP_MODEL;
  if (!user_dir || !model_path)
    return prep;
  g_autofree char *key = model_key (model_path);
  JsonObject *choices = read_choices (user_dir, NULL);
  JsonNode *node = json_object_get_member (choices, key);
  if (node && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING &&
      !fm_net_prep_from_key (json_node_get_string (node), &prep))
    prep = FM_NET_PREP_MODEL;
  json_object_unref (choices);
  return prep;
}

gboolean
fm_net_prep_remember (const char *user_dir, const char *model_path,
                      FmNetPrep prep, GError **error)
{
  g_autofree char *key = model_key (model_path);
  if (g_mkdir_with_parents (user_dir, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   "Cannot create the folder %s: %s", user_dir, g_strerror (e));
      return FALSE;
    }
  GError *damaged = NULL;
  JsonObject *choices = read_choices (user_dir, &damaged);
  if (damaged)
    {
      json_object_unref (choices);
      g_propagate_error (error, damaged);
      return FALSE;
    }
  if (prep == FM_NET_PREP_MODEL)
    json_object_remove_member (choices, key);
  else
    json_object_set_string_member (choices, key, fm_net_prep_key (prep));

  JsonNode *root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, choices);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  gsize len = 0;
  g_autofree char *text = json_generator_to_data (gen, &len);
  json_node_unref (root);
  g_autofree char *path = g_build_filename (user_dir, FM_NET_PREP_FILE, NULL);
  /* g_file_set_contents writes a temporary file and renames it: a crash
   * never leaves half a file. */
  return g_file_set_contents (path, text, (gssize) len, error);
}
