/* fm-bank-load.c: fm_bank_load, the one entry point every front end
 * calls: a kernel argument (fm_kernel_spec_parse) becomes a bank — a file
 * through its format's loader (by suffix, else by its first bytes), an
 * inline matrix, or a preset name. */
#include "fm-formats-private.h"

#include <stdio.h>
#include <glib/gstdio.h>
#include <string.h>

/* Inline when it holds matrix punctuation or is nothing but numbers. */
static gboolean
looks_inline (const char *spec)
{
  if (strpbrk (spec, ",;|\n"))
    return TRUE;
  const char *p = spec;
  gboolean any = FALSE;
  for (;;)
    {
      while (g_ascii_isspace (*p))
        p++;
      if (!*p)
        return any;
      char *end = NULL;
      g_ascii_strtod (p, &end);
      if (end == p)
        return FALSE;
      any = TRUE;
      p = end;
    }
}

/* A file error (fm-file.h) as a bank error: the message is the file's. */
void
fm_formats_file_error (GError **error, GError *local)
{
  int code = FM_BANK_ERROR_PARSE;
  if (g_error_matches (local, FM_FILE_ERROR, FM_FILE_ERROR_TOO_LARGE))
    code = FM_BANK_ERROR_TOO_LARGE;
  else if (g_error_matches (local, FM_FILE_ERROR, FM_FILE_ERROR_NOT_FOUND)
           || g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    code = FM_BANK_ERROR_NOT_FOUND;
  g_set_error_literal (error, FM_BANK_ERROR, code, local->message);
  g_error_free (local);
}

gboolean
fm_formats_read_text (const char *path, const char *what, char **data, gsize *length,
                      GError **error)
{
  GError *local = NULL;
  if (fm_file_read_capped (path, FM_BANK_MAX_FILE_SIZE, what, data, length, &local))
    return TRUE;
  fm_formats_file_error (error, local);
  return FALSE;
}

/* fmt NULL: an existing file whose suffix is no format's; its first bytes
 * decide. */
static FmBank *
load_file (const FmKernelSpec *spec, const FmFormat *fmt, GError **error)
{
  const char *path = spec->path;
  if (!fm_file_exists (path))
    {
      g_autofree char *display = fm_file_display (path);
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_NOT_FOUND,
                   "kernel file '%s' does not exist", display);
      return NULL;
    }
  /* The first bytes, also when the suffix names the format: a FIFO, a
   * device or a loop is refused here, by the one open every reader uses,
   * with what it really is. */
  guint8 head[FM_FORMAT_SNIFF_BYTES] = { 0 };
  gsize n = 0;
  GError *local = NULL;
  if (!fm_file_read_head (path, "kernel file", head, sizeof head, &n, &local))
    {
      fm_formats_file_error (error, local);
      return NULL;
    }
  if (!fmt)
    fmt = fm_format_sniff (head, n);
  if (spec->layout != FM_LAYOUT_AUTO && !fmt->takes_layout)
    {
      g_autofree char *weights = fm_formats_suffixes (FM_FORMAT_BANK, TRUE, " and ");
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_PARSE,
                   "the :hwio / :oihw suffix applies to %s weights, not to %s", weights,
                   fmt->plural);
      return NULL;
    }
  if (spec->member && fmt->load_bank && !fmt->takes_member)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_PARSE,
                   "%s#%s: '#' picks a layer of an archive or a network, not of %s",
                   display, spec->member, fmt->plural);
      return NULL;
    }
  if (!fmt->load_bank)
    {
      g_autofree char *display = fm_file_display (path);
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                   "%s: %s hold networks, not one bank of filters", display, fmt->plural);
      return NULL;
    }
  return fmt->load_bank (path, spec, error);
}

static gboolean
is_preset (const char *name, const char *user_dir)
{
  g_autofree char *path = fm_presets_find (name, user_dir, NULL);
  return path != NULL;
}

FmBank *
fm_bank_load (const char *text, const char *user_dir, GError **error)
{
  FmKernelSpec spec;
  if (!fm_kernel_spec_parse (text, &spec, error))
    return NULL;

  FmBank *bank = NULL;
  const FmFormat *fmt = fm_format_for_path (spec.path);
  if (fmt)
    bank = load_file (&spec, fmt, error);
  else if (spec.layout != FM_LAYOUT_AUTO)
    {
      g_autofree char *weights = fm_formats_suffixes (FM_FORMAT_BANK, TRUE, " or ");
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_PARSE,
                   "'%s': the :hwio / :oihw suffix needs a %s path", text, weights);
    }
  else if (fm_file_kind (spec.path, NULL, NULL) == FM_FILE_REGULAR)
    bank = load_file (&spec, NULL, error);
  else if (looks_inline (spec.path))
    bank = fm_bank_from_inline (spec.path, error);
  else if (fm_file_exists (spec.path) && (strchr (spec.path, '/') || !is_preset (spec.path, user_dir)))
    /* there but not a file (a directory, FIFO, device, symlink loop): say
     * so rather than "no such preset"; a folder that happens to share a
     * preset's name does not hide the preset */
    bank = load_file (&spec, NULL, error);
  else
    {
      g_autofree char *preset = fm_presets_find (spec.path, user_dir, error);
      if (preset)
        bank = fm_bank_from_json_file (preset, error);
    }
  fm_kernel_spec_clear (&spec);
  return bank;
}
