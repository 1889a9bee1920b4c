/* fm-net-spec.c: does a kernel text name a network (fm-net-plan.h)?
 * Decided from the file alone, before any reader runs, so a bank keeps
 * every meaning it had: "x.npz#conv2" is a bank unless a stack
 * description sits beside x.npz. */
#include "fm-net-plan.h"
#include "fm-net-load.h"
#include "fm-formats.h"
#include "fm-file.h"
#include "fm-json-strict.h"

#include <glib/gstdio.h>
#include <string.h>

/* Stack descriptions are small; a JSON larger than this is a bank. */
#define PEEK_MAX (16 << 20)

/* A JSON file whose top level has "layers": a stack description. */
static gboolean
is_stack_json (const char *path)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > PEEK_MAX)
    return FALSE;
  /* Parsed the strict way: a hostile file must not exhaust the stack
   * before the bank reader gets to refuse it. */
  g_autofree char *data = NULL;
  gsize length = 0;
  if (!fm_file_read_capped (path, PEEK_MAX, "stack description", &data, &length, NULL))
    return FALSE;
  const FmJsonCtx cx = { .where = "", .domain = FM_NET_ERROR };
  g_autoptr (JsonParser) parser = fm_json_parse (&cx, data, length, "stack description", NULL);
  if (!parser)
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root)
         && json_object_has_member (json_node_get_object (root), "layers");
}

gboolean
fm_net_is_model_file (const char *path)
{
  g_return_val_if_fail (path != NULL, FALSE);
  /* Model formats by suffix come from the format registry (ONNX,
   * safetensors, Keras …); a .json is a model only when it describes a stack. */
  const FmFormat *format = fm_format_for_path (path);
  if (format && format->kind == FM_FORMAT_MODEL)
    return TRUE;
  if (format && g_strcmp0 (format->name, "json") == 0)
    return is_stack_json (path);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  g_autofree char *sidecar = fm_net_sidecar_path (path);
  return strcmp (sidecar, path) != 0 && is_stack_json (sidecar);
}

/* Splits at commas outside brackets: "a[0,1],b" is "a[0,1]" and "b". */
static char **
split_layers (const char *text)
{
  GPtrArray *parts = g_ptr_array_new ();
  int depth = 0;
  const char *start = text;
  for (const char *p = text;; p++)
    {
      if (*p == '[')
        depth++;
      else if (*p == ']' && depth > 0)
        depth--;
      else if ((*p == ',' && depth == 0) || *p == '\0')
        {
          g_ptr_array_add (parts, g_strndup (start, p - start));
          if (!*p)
            break;
          start = p + 1;
        }
    }
  g_ptr_array_add (parts, NULL);
  return (char **) g_ptr_array_free (parts, FALSE);
}

static gboolean
pick_error (GError **error, const char *text, const char *why)
{
  /* The text is the user's bytes; the message is UTF-8. */
  g_autofree char *shown = g_utf8_make_valid (text, -1);
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
               "'%s': %s (pick channels as LAYER[0-7,12]: numbers from 0 and "
               "ranges, comma-separated)", shown, why);
  return FALSE;
}

static gboolean
read_number (const char **p, int *value)
{
  while (**p == ' ')
    (*p)++;
  if (!g_ascii_isdigit (**p))
    return FALSE;
  gint64 v = 0;
  while (g_ascii_isdigit (**p))
    {
      v = v * 10 + (**p - '0');
      if (v > FM_NET_MAX_CHANNEL + 1)
        v = FM_NET_MAX_CHANNEL + 1;   /* no overflow, still "too large" */
      (*p)++;
    }
  while (**p == ' ')
    (*p)++;
  *value = (int) v;
  return TRUE;
}

/* The bracket at the end of text, when there is one with a name before
 * it: *open at '[' (text ends in ']'). */
static gboolean
find_bracket (const char *text, const char **open)
{
  gsize len = strlen (text);
  *open = len > 0 && text[len - 1] == ']' ? strrchr (text, '[') : NULL;
  return *open != NULL && *open > text;
}

static gboolean
is_summary_word (const char *start, const char *end)
{
  while (start < end && *start == ' ')
    start++;
  while (end > start && end[-1] == ' ')
    end--;
  return end - start == 7 && strncmp (start, "summary", 7) == 0;
}

void
fm_net_layer_summary_parse (const char *text, char **rest, gboolean *summary,
                            gboolean *maps)
{
  g_return_if_fail (text && rest && summary && maps);
  *summary = FALSE;
  *maps = TRUE;
  const char *open;
  if (!find_bracket (text, &open))
    {
      *rest = g_strdup (text);
      return;
    }
  /* The entries between the brackets: the word, or pick characters. */
  const char *end = text + strlen (text) - 1;
  GString *kept = g_string_new (NULL);
  gboolean word = FALSE, other = FALSE;
  int n_kept = 0;
  for (const char *start = open + 1;;)
    {
      const char *comma = memchr (start, ',', end - start);
      const char *stop = comma ? comma : end;
      if (is_summary_word (start, stop))
        word = TRUE;
      else
        {
          for (const char *p = start; p < stop; p++)
            if (!g_ascii_isdigit (*p) && *p != '-' && *p != ' ')
              other = TRUE;
          if (n_kept++)
            g_string_append_c (kept, ',');
          g_string_append_len (kept, start, stop - start);
        }
      if (!comma)
        break;
      start = comma + 1;
    }
  if (!word || other)
    {
      *rest = g_strdup (text);
      g_string_free (kept, TRUE);
      return;
    }
  *summary = TRUE;
  g_autofree char *name = g_strndup (text, open - text);
  g_strstrip (name);
  /* An empty entry stays, for the pick's own message ("conv2[]"). */
  *maps = n_kept > 0;
  *rest = *maps ? g_strdup_printf ("%s[%s]", name, kept->str) : g_steal_pointer (&name);
  g_string_free (kept, TRUE);
}

gboolean
fm_net_layer_pick_parse (const char *text, char **name, int **channels,
                         int *n_channels, GError **error)
{
  g_return_val_if_fail (text && name && channels && n_channels, FALSE);
  *name = NULL;
  *channels = NULL;
  *n_channels = 0;
  gsize len = strlen (text);
  const char *open;
  gboolean is_pick = find_bracket (text, &open);
  g_autofree char *without = NULL;
  gboolean summary = FALSE, maps = TRUE;
  fm_net_layer_summary_parse (text, &without, &summary, &maps);
  if (summary)
    {
      g_autofree char *name = NULL;
      g_autofree int *ignored = NULL;
      int n_ignored = 0;
      /* The layer's name alone, for the advice. */
      if (!fm_net_layer_pick_parse (without, &name, &ignored, &n_ignored, NULL))
        name = g_strdup (without);
      g_autofree char *shown = g_utf8_make_valid (text, -1);
      g_autofree char *shown_name = g_utf8_make_valid (name, -1);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "'%s': the summary layer is made by the GIMP plug-in "
                   "(plug-in-feature-maps); on the command line run featuremaps "
                   "summary MODEL#%s -i IMAGE -o OUT.png", shown, shown_name);
      return FALSE;
    }
  for (const char *p = open ? open + 1 : NULL; is_pick && p < text + len - 1; p++)
    if (!g_ascii_isdigit (*p) && *p != '-' && *p != ',' && *p != ' ')
      is_pick = FALSE;
  if (!is_pick)
    {
      *name = g_strdup (text);
      return TRUE;
    }

  /* A bitmap of the channels seen keeps each once and bounds the work:
   * at most FM_NET_MAX_CHANNEL + 1 entries, whatever the ranges say. */
  g_autofree guint8 *seen = g_new0 (guint8, (FM_NET_MAX_CHANNEL + 1) / 8 + 1);
  GArray *picked = g_array_new (FALSE, FALSE, sizeof (int));
  const char *p = open + 1, *end = text + len - 1;
  const char *why = NULL;
  g_autofree char *why_owned = NULL;
  while (!why)
    {
      int a, b;
      if (!read_number (&p, &a))
        {
          why = p == end && picked->len == 0 ? "no channels between the brackets"
                : "a channel list is numbers and ranges A-B, separated by commas";
          break;
        }
      b = a;
      if (*p == '-')
        {
          p++;
          if (!read_number (&p, &b))
            {
              why = "a range needs a number on each side of '-'";
              break;
            }
        }
      if (a > FM_NET_MAX_CHANNEL || b > FM_NET_MAX_CHANNEL)
        why = why_owned = g_strdup_printf ("channel numbers go up to %d", FM_NET_MAX_CHANNEL);
      else if (b < a)
        why = why_owned = g_strdup_printf ("range %d-%d goes backwards", a, b);
      else
        for (int c = a; c <= b; c++)
          if (!(seen[c / 8] & (1u << (c % 8))))
            {
              seen[c / 8] |= 1u << (c % 8);
              g_array_append_val (picked, c);
            }
      if (why || p == end)
        break;
      if (*p != ',')
        why = "a channel list is numbers and ranges A-B, separated by commas";
      p++;
    }
  if (why)
    {
      g_array_free (picked, TRUE);
      return pick_error (error, text, why);
    }
  *name = g_strndup (text, open - text);
  g_strstrip (*name);
  *n_channels = picked->len;
  *channels = (int *) g_array_free (picked, FALSE);
  return TRUE;
}

gboolean
fm_net_spec_parse (const char *spec, char **model, char ***layers)
{
  g_return_val_if_fail (spec != NULL && model != NULL && layers != NULL, FALSE);
  *model = NULL;
  *layers = NULL;
  const char *hash = strrchr (spec, '#');
  g_autofree char *path = hash ? g_strndup (spec, hash - spec) : g_strdup (spec);
  if (!*path || !fm_net_is_model_file (path))
    return FALSE;
  GPtrArray *names = g_ptr_array_new ();
  if (hash)
    {
      g_auto (GStrv) parts = split_layers (hash + 1);
      for (int i = 0; parts[i]; i++)
        {
          g_strstrip (parts[i]);
          if (*parts[i])
            g_ptr_array_add (names, g_strdup (parts[i]));
        }
    }
  g_ptr_array_add (names, NULL);
  *layers = (char **) g_ptr_array_free (names, FALSE);
  *model = g_steal_pointer (&path);
  return TRUE;
}
