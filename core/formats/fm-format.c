/* fm-format.c: the format registry (fm-formats.def) — lookups by suffix
 * and by first bytes, the lists and help texts the front ends show, and
 * the one parser of kernel arguments. */
#include "fm-formats-private.h"

#include <string.h>

static const FmFormat *const formats[] = {
#define FM_FORMAT(id) &fm_format_##id,
#include "fm-formats.def"
#undef FM_FORMAT
  NULL
};

const FmFormat *const *
fm_formats (void)
{
  return formats;
}

static gboolean
has_suffix (const char *path, const char *suffix)
{
  gsize n = strlen (path), e = strlen (suffix);
  return n > e && g_ascii_strcasecmp (path + n - e, suffix) == 0;
}

const FmFormat *
fm_format_for_path (const char *path)
{
  for (int i = 0; formats[i]; i++)
    for (int j = 0; formats[i]->suffixes && formats[i]->suffixes[j]; j++)
      if (has_suffix (path, formats[i]->suffixes[j]))
        return formats[i];
  return NULL;
}

const FmFormat *
fm_format_sniff (const guint8 *head, gsize n)
{
  const FmFormat *fallback = NULL;
  for (int i = 0; formats[i]; i++)
    {
      if (!formats[i]->sniff)
        fallback = fallback ? fallback : formats[i];
      else if (formats[i]->sniff (head, MIN (n, FM_FORMAT_SNIFF_BYTES)))
        return formats[i];
    }
  return fallback;
}

char *
fm_formats_suffixes (FmFormatKind kind, gboolean layout_only, const char *sep)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; formats[i]; i++)
    {
      const FmFormat *f = formats[i];
      if (f->kind != kind || (layout_only && !f->takes_layout)
          || (kind == FM_FORMAT_MODEL && !f->load_graph))
        continue;
      for (int j = 0; f->suffixes && f->suffixes[j]; j++)
        g_string_append_printf (s, "%s%s", s->len ? sep : "", f->suffixes[j]);
    }
  return g_string_free (s, FALSE);
}

char *
fm_formats_labels (void)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; formats[i]; i++)
    g_string_append_printf (s, "%s%s", i == 0 ? "" : formats[i + 1] ? ", " : " or ",
                            formats[i]->label);
  return g_string_free (s, FALSE);
}

/* The first suffix of the first format that takes a layout (".npy"). */
static const char *
layout_example (void)
{
  for (int i = 0; formats[i]; i++)
    if (formats[i]->takes_layout && formats[i]->suffixes && formats[i]->suffixes[0])
      return formats[i]->suffixes[0];
  return "";
}

/* ", a network (.onnx, …)" once model readers exist. */
static char *
models_clause (const char *before)
{
  g_autofree char *models = fm_formats_suffixes (FM_FORMAT_MODEL, FALSE, ", ");
  return *models ? g_strdup_printf ("%s%s", before, models) : g_strdup ("");
}

char *
fm_kernel_spec_help (void)
{
  g_autofree char *banks = fm_formats_suffixes (FM_FORMAT_BANK, FALSE, ", ");
  g_autofree char *models = models_clause ("; a network: ");
  /* How a network's layers and channels are named (fm-net-plan.h). */
  const char *layers = *models ? "; a network's layers as \"MODEL#LAYER,LAYER\", "
                                 "\"LAYER[0-7,12]\" for some of its channels" : "";
  return g_strdup_printf ("A preset name (\"sobel\"), a kernel file path (%s%s; \"file%s:oihw\" "
                          "forces PyTorch order, \":hwio\" Keras order%s), or an inline matrix "
                          "(\"0,1,0; 0,1,0; 0,1,0\": rows by ';', filters by '|')",
                          banks, models, layout_example (), layers);
}

char *
fm_kernel_spec_brief (void)
{
  g_autofree char *banks = fm_formats_suffixes (FM_FORMAT_BANK, FALSE, ", ");
  g_autofree char *models = models_clause (", network ");
  return g_strdup_printf ("Preset name, bank file (%s[:hwio|:oihw]%s) or inline matrix "
                          "\"0,1,0; 0,1,0; 0,1,0\"", banks, models);
}

/* ---- kernel arguments ----------------------------------------------------- */

gboolean
fm_kernel_spec_parse (const char *text, FmKernelSpec *spec, GError **error)
{
  memset (spec, 0, sizeof *spec);
  if (!text || !*text || strspn (text, " \t\r\n") == strlen (text))
    {
      g_autofree char *files = fm_formats_suffixes (FM_FORMAT_BANK, FALSE, "/");
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_NOT_FOUND,
                   "no kernel given: name a preset, a %s file or an inline matrix", files);
      return FALSE;
    }
  spec->path = g_strdup (text);
  if (has_suffix (spec->path, ":hwio") || has_suffix (spec->path, ":oihw"))
    {
      spec->layout = has_suffix (spec->path, ":hwio") ? FM_LAYOUT_HWIO : FM_LAYOUT_OIHW;
      spec->path[strlen (spec->path) - 5] = '\0';
    }
  /* "#NAME": a model's layers or an archive's layer — unless the whole
   * argument is a file whose name holds a '#' */
  char *hash = strrchr (spec->path, '#');
  if (hash && hash > spec->path && !g_file_test (spec->path, G_FILE_TEST_EXISTS))
    {
      if (!hash[1])
        {
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_PARSE,
                       "'%s': no layer name after '#'", text);
          fm_kernel_spec_clear (spec);
          return FALSE;
        }
      spec->member = g_strdup (hash + 1);
      *hash = '\0';
    }
  return TRUE;
}

void
fm_kernel_spec_clear (FmKernelSpec *spec)
{
  g_clear_pointer (&spec->path, g_free);
  g_clear_pointer (&spec->member, g_free);
}
