/* fm-h5: HDF5 file images read narrowly and defensively (fm-h5.h). */
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "fm-h5.h"
#include "fm-model-file.h"
#include <pthread.h>

struct _FmH5 {
  hid_t file;
  char *label;
};

/* POSIX, not GMutex: ThreadSanitizer sees it (docs/robustness.md) */
static pthread_mutex_t h5_lock = PTHREAD_MUTEX_INITIALIZER;

/* Every public entry point runs inside lock()/unlock(): the library's
 * automatic error printing is per thread, so it is turned off here each
 * time; filter plug-ins are disabled once for the process. */
static void
lock (void)
{
  static gsize once = 0;
  pthread_mutex_lock (&h5_lock);
  if (g_once_init_enter (&once))
    {
      /* a file can name any filter id; never let it pull a shared object
       * from HDF5_PLUGIN_PATH */
      H5PLset_loading_state (0);
      g_once_init_leave (&once, 1);
    }
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

static void
unlock (void)
{
  H5Eclear2 (H5E_DEFAULT);
  pthread_mutex_unlock (&h5_lock);
}

/* --- messages -------------------------------------------------------------- */

typedef struct {
  char *desc;
} ErrWalk;

static herr_t
take_innermost (unsigned n, const H5E_error2_t *err, void *data)
{
  ErrWalk *w = data;
  (void) n;
  /* walking upward: the first record is the innermost, most specific one */
  if (!w->desc && err->desc && *err->desc)
    w->desc = g_strdup (err->desc);
  return 0;
}

/* The library's own reason, from its error stack (or NULL). */
static char *
h5_reason (void)
{
  ErrWalk w = { NULL };
  H5Ewalk2 (H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &w);
  H5Eclear2 (H5E_DEFAULT);
  if (w.desc)
    {
      char *escaped = fm_net_escape (w.desc);
      g_free (w.desc);
      return escaped;
    }
  return NULL;
}

static void
fail_h5 (FmH5 *h5, GError **error, const char *path, const char *what)
{
  g_autofree char *reason = h5_reason ();
  g_autofree char *p = fm_net_escape (path);
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
               "%s: cannot %s '%s': the HDF5 data is corrupt%s%s%s", h5->label,
               what, p, reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
}

static void
fail (FmH5 *h5, GError **error, int code, const char *path, const char *format, ...)
  G_GNUC_PRINTF (5, 6);

static void
fail (FmH5 *h5, GError **error, int code, const char *path, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  H5Eclear2 (H5E_DEFAULT);
  g_autofree char *p = fm_net_escape (path);
  g_set_error (error, FM_NET_ERROR, code, "%s: '%s' %s", h5->label, p, msg);
}

/* --- opening ---------------------------------------------------------------- */

FmH5 *
fm_h5_open (const guint8 *data, gsize len, const char *label, GError **error)
{
  g_return_val_if_fail (data || len == 0, NULL);
  const char *name = label ? label : "HDF5 file";
  /* the signature, at offset 0 as h5py writes it; HDF5 would also look at
   * 512, 1024 … (a user block), which Keras never writes */
  static const guint8 sig[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
  if (len < 8 || memcmp (data, sig, 8) != 0)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "%s: not an HDF5 file (no HDF5 signature)", name);
      return NULL;
    }
  lock ();
  /* DONT_COPY | DONT_RELEASE, read-only: the library reads our buffer in
   * place and never writes nor frees it */
  hid_t file = H5LTopen_file_image ((void *) data, len,
                                    H5LT_FILE_IMAGE_DONT_COPY
                                    | H5LT_FILE_IMAGE_DONT_RELEASE);
  if (file < 0)
    {
      g_autofree char *reason = h5_reason ();
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "%s: not a readable HDF5 file%s%s%s", name,
                   reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
      unlock ();
      return NULL;
    }
  unlock ();
  FmH5 *h5 = g_new0 (FmH5, 1);
  h5->file = file;
  h5->label = g_strdup (name);
  return h5;
}

void
fm_h5_close (FmH5 *h5)
{
  if (!h5)
    return;
  lock ();
  H5Fclose (h5->file);
  unlock ();
  g_free (h5->label);
  g_free (h5);
}

const char *
fm_h5_label (const FmH5 *h5)
{
  return h5->label;
}

/* --- paths ------------------------------------------------------------------ */

typedef enum { OPEN_FOUND, OPEN_MISSING, OPEN_ERROR } OpenResult;

/* Opens the object at path through hard links only.  *obj is the object
 * (H5Oclose it) when OPEN_FOUND; OPEN_MISSING leaves error unset. */
static OpenResult
open_path (FmH5 *h5, const char *path, hid_t *obj, GError **error)
{
  if (strlen (path) > FM_NET_MAX_NAME)
    {
      fail (h5, error, FM_NET_ERROR_TOO_LARGE, path, "is longer than %d bytes",
            FM_NET_MAX_NAME);
      return OPEN_ERROR;
    }
  hid_t cur = H5Gopen2 (h5->file, "/", H5P_DEFAULT);
  if (cur < 0)
    {
      fail_h5 (h5, error, "/", "open the root group");
      return OPEN_ERROR;
    }
  if (!*path)
    {
      *obj = cur;
      return OPEN_FOUND;
    }
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  for (int k = 0; parts[k]; k++)
    {
      const char *part = parts[k];
      gboolean last = parts[k + 1] == NULL;
      if (!*part || strcmp (part, ".") == 0)
        {
          H5Oclose (cur);
          fail (h5, error, FM_NET_ERROR_INVALID, path,
                "is not a valid path (an empty or '.' component)");
          return OPEN_ERROR;
        }
      if (H5Iget_type (cur) != H5I_GROUP)
        {
          H5Oclose (cur);
          fail (h5, error, FM_NET_ERROR_INVALID, path,
                "goes through something that is not a group");
          return OPEN_ERROR;
        }
      htri_t exists = H5Lexists (cur, part, H5P_DEFAULT);
      if (exists < 0)
        {
          H5Oclose (cur);
          fail_h5 (h5, error, path, "look up");
          return OPEN_ERROR;
        }
      if (exists == 0)
        {
          H5Oclose (cur);
          return OPEN_MISSING;
        }
      H5L_info_t info;
      if (H5Lget_info (cur, part, &info, H5P_DEFAULT) < 0)
        {
          H5Oclose (cur);
          fail_h5 (h5, error, path, "look up");
          return OPEN_ERROR;
        }
      if (info.type != H5L_TYPE_HARD)
        {
          H5Oclose (cur);
          fail (h5, error, FM_NET_ERROR_INVALID, path,
                "is reached through a %s link, which featuremaps does not follow",
                info.type == H5L_TYPE_SOFT ? "soft"
                : info.type == H5L_TYPE_EXTERNAL ? "external" : "user-defined");
          return OPEN_ERROR;
        }
      hid_t next = H5Oopen (cur, part, H5P_DEFAULT);
      H5Oclose (cur);
      if (next < 0)
        {
          fail_h5 (h5, error, path, "open");
          return OPEN_ERROR;
        }
      H5I_type_t t = H5Iget_type (next);
      if (t != H5I_GROUP && t != H5I_DATASET)
        {
          H5Oclose (next);
          fail (h5, error, FM_NET_ERROR_INVALID, path,
                "is neither a group nor a dataset");
          return OPEN_ERROR;
        }
      if (!last && t != H5I_GROUP)
        {
          H5Oclose (next);
          fail (h5, error, FM_NET_ERROR_INVALID, path,
                "goes through a dataset as if it were a group");
          return OPEN_ERROR;
        }
      cur = next;
    }
  *obj = cur;
  return OPEN_FOUND;
}

gboolean
fm_h5_exists (FmH5 *h5, const char *path, GError **error)
{
  lock ();
  hid_t obj;
  OpenResult r = open_path (h5, path, &obj, error);
  if (r == OPEN_FOUND)
    H5Oclose (obj);
  unlock ();
  return r == OPEN_FOUND;
}

gboolean
fm_h5_group_exists (FmH5 *h5, const char *path, GError **error)
{
  lock ();
  hid_t obj;
  OpenResult r = open_path (h5, path, &obj, error);
  gboolean ok = FALSE;
  if (r == OPEN_FOUND)
    {
      if (H5Iget_type (obj) == H5I_GROUP)
        ok = TRUE;
      else
        fail (h5, error, FM_NET_ERROR_INVALID, path, "is a dataset, not a group");
      H5Oclose (obj);
    }
  unlock ();
  return ok;
}

int
fm_h5_group_size (FmH5 *h5, const char *path, GError **error)
{
  lock ();
  hid_t obj;
  int n = -1;
  OpenResult r = open_path (h5, path, &obj, error);
  if (r == OPEN_MISSING)
    fail (h5, error, FM_NET_ERROR_NOT_FOUND, path, "is not in the file");
  else if (r == OPEN_FOUND)
    {
      H5G_info_t info;
      if (H5Iget_type (obj) != H5I_GROUP)
        fail (h5, error, FM_NET_ERROR_INVALID, path, "is a dataset, not a group");
      else if (H5Gget_info (obj, &info) < 0)
        fail_h5 (h5, error, path, "list");
      else if (info.nlinks > G_MAXINT)
        fail (h5, error, FM_NET_ERROR_TOO_LARGE, path, "has too many members");
      else
        n = (int) info.nlinks;
      H5Oclose (obj);
    }
  unlock ();
  return n;
}

/* --- attributes ------------------------------------------------------------- */

/* Copies one fixed-length string element: up to its first NUL, with the
 * padding spaces of a space-padded type removed. */
static char *
fixed_string (const char *p, gsize size, gboolean space_padded)
{
  gsize n = strnlen (p, size);
  if (space_padded)
    while (n > 0 && p[n - 1] == ' ')
      n--;
  return g_strndup (p, n);
}

static gboolean
check_text (FmH5 *h5, const char *where, const char *s, GError **error)
{
  if (!g_utf8_validate (s, -1, NULL))
    {
      fail (h5, error, FM_NET_ERROR_PARSE, where, "holds text that is not UTF-8");
      return FALSE;
    }
  return TRUE;
}

/* Reads every element of the open attribute as strings into out.  where
 * names it in messages. */
static gboolean
read_string_attr (FmH5 *h5, hid_t attr, const char *where, gboolean want_scalar,
                  GPtrArray *out, gsize *budget, GError **error)
{
  gboolean ok = FALSE;
  hid_t type = H5Aget_type (attr);
  hid_t space = H5Aget_space (attr);
  hid_t mem = -1;
  void *buf = NULL;
  hssize_t n = -1;
  if (type < 0 || space < 0)
    {
      fail_h5 (h5, error, where, "read the attribute");
      goto done;
    }
  if (H5Tget_class (type) != H5T_STRING)
    {
      fail (h5, error, FM_NET_ERROR_PARSE, where, "is not a string attribute");
      goto done;
    }
  H5S_class_t sc = H5Sget_simple_extent_type (space);
  int rank = sc == H5S_SIMPLE ? H5Sget_simple_extent_ndims (space) : 0;
  if (sc == H5S_NULL || sc < 0 || rank < 0 || rank > 1 || (want_scalar && rank != 0))
    {
      fail (h5, error, FM_NET_ERROR_PARSE, where,
            want_scalar ? "is not a single string" : "is not a list of strings");
      goto done;
    }
  n = H5Sget_simple_extent_npoints (space);
  if (n < 0 || n > FM_H5_MAX_ATTR_STRINGS)
    {
      fail (h5, error, FM_NET_ERROR_TOO_LARGE, where,
            "holds more than %d strings", FM_H5_MAX_ATTR_STRINGS);
      goto done;
    }
  htri_t variable = H5Tis_variable_str (type);
  if (variable < 0)
    {
      fail_h5 (h5, error, where, "read the attribute");
      goto done;
    }
  if (variable)
    {
      mem = H5Tcopy (H5T_C_S1);
      if (mem < 0 || H5Tset_size (mem, H5T_VARIABLE) < 0
          || H5Tset_cset (mem, H5Tget_cset (type)) < 0)
        {
          fail_h5 (h5, error, where, "read the attribute");
          goto done;
        }
      char **ptrs = g_new0 (char *, MAX (n, 1));
      buf = ptrs;
      if (H5Aread (attr, mem, ptrs) < 0)
        {
          fail_h5 (h5, error, where, "read the attribute");
          goto done;
        }
      ok = TRUE;
      for (hssize_t k = 0; k < n; k++)
        {
          gsize len = ptrs[k] ? strnlen (ptrs[k], *budget + 1) : 0;
          if (len > *budget)
            {
              fail (h5, error, FM_NET_ERROR_TOO_LARGE, where,
                    "holds more than %" G_GSIZE_FORMAT " bytes of text",
                    FM_H5_MAX_ATTR_BYTES);
              ok = FALSE;
              break;
            }
          *budget -= len;
          g_ptr_array_add (out, g_strndup (ptrs[k] ? ptrs[k] : "", len));
        }
      H5Dvlen_reclaim (mem, space, H5P_DEFAULT, ptrs);
    }
  else
    {
      size_t size = H5Tget_size (type);
      if (size == 0 || (guint64) size * (guint64) n > *budget)
        {
          fail (h5, error, size == 0 ? FM_NET_ERROR_PARSE : FM_NET_ERROR_TOO_LARGE,
                where, size == 0 ? "has strings of size 0"
                : "holds more text than featuremaps reads in one attribute");
          goto done;
        }
      *budget -= size * (gsize) n;
      buf = g_try_malloc0 (size * (gsize) MAX (n, 1) + 1);
      if (!buf)
        {
          fail (h5, error, FM_NET_ERROR_TOO_LARGE, where, "cannot be allocated");
          goto done;
        }
      /* the attribute's own type as the memory type: no conversion */
      if (H5Aread (attr, type, buf) < 0)
        {
          fail_h5 (h5, error, where, "read the attribute");
          goto done;
        }
      gboolean spaces = H5Tget_strpad (type) == H5T_STR_SPACEPAD;
      for (hssize_t k = 0; k < n; k++)
        g_ptr_array_add (out, fixed_string ((const char *) buf + size * (gsize) k,
                                            size, spaces));
      ok = TRUE;
    }
  for (guint k = 0; ok && k < out->len; k++)
    ok = check_text (h5, where, out->pdata[k], error);

done:
  g_free (buf);
  if (mem >= 0)
    H5Tclose (mem);
  if (type >= 0)
    H5Tclose (type);
  if (space >= 0)
    H5Sclose (space);
  return ok;
}

/* 1 when obj has the attribute, 0 when not, −1 on error. */
static int
has_attr (FmH5 *h5, hid_t obj, const char *where, const char *name, GError **error)
{
  htri_t e = H5Aexists (obj, name);
  if (e < 0)
    {
      fail_h5 (h5, error, where, "look up an attribute of");
      return -1;
    }
  return e > 0;
}

gboolean
fm_h5_attr_string (FmH5 *h5, const char *path, const char *attr, char **value,
                   GError **error)
{
  *value = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *where = g_strdup_printf ("%s@%s", *path ? path : "/", attr);
  gsize budget = FM_H5_MAX_ATTR_BYTES;
  gboolean ok = FALSE;
  hid_t obj;
  lock ();
  OpenResult r = open_path (h5, path, &obj, error);
  if (r == OPEN_MISSING)
    fail (h5, error, FM_NET_ERROR_NOT_FOUND, path, "is not in the file");
  if (r != OPEN_FOUND)
    {
      unlock ();
      return FALSE;
    }
  int e = has_attr (h5, obj, where, attr, error);
  if (e == 0)
    ok = TRUE;
  else if (e > 0)
    {
      hid_t a = H5Aopen (obj, attr, H5P_DEFAULT);
      if (a < 0)
        fail_h5 (h5, error, where, "open");
      else
        {
          if (read_string_attr (h5, a, where, TRUE, list, &budget, error))
            {
              *value = g_strdup (list->pdata[0]);
              ok = TRUE;
            }
          H5Aclose (a);
        }
    }
  H5Oclose (obj);
  unlock ();
  return ok;
}

gboolean
fm_h5_attr_strings (FmH5 *h5, const char *path, const char *attr,
                    GPtrArray **values, GError **error)
{
  *values = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *where = g_strdup_printf ("%s@%s", path, attr);
  gsize budget = FM_H5_MAX_ATTR_BYTES;
  gboolean ok = FALSE, any = FALSE;
  hid_t obj;
  lock ();
  OpenResult r = open_path (h5, path, &obj, error);
  if (r == OPEN_MISSING)
    fail (h5, error, FM_NET_ERROR_NOT_FOUND, path, "is not in the file");
  if (r != OPEN_FOUND)
    {
      unlock ();
      return FALSE;
    }
  int e = has_attr (h5, obj, where, attr, error);
  if (e > 0)
    {
      any = TRUE;
      hid_t a = H5Aopen (obj, attr, H5P_DEFAULT);
      if (a < 0)
        fail_h5 (h5, error, where, "open");
      else
        {
          ok = read_string_attr (h5, a, where, FALSE, list, &budget, error);
          H5Aclose (a);
        }
    }
  else if (e == 0)
    {
      /* Keras splits a list too large for one object header into
       * attr0, attr1, … */
      ok = TRUE;
      for (int chunk = 0; ok; chunk++)
        {
          g_autofree char *name = g_strdup_printf ("%s%d", attr, chunk);
          g_free (where);
          where = g_strdup_printf ("%s@%s", path, name);
          int c = has_attr (h5, obj, where, name, error);
          if (c < 0)
            ok = FALSE;
          if (c <= 0)
            break;
          any = TRUE;
          hid_t a = H5Aopen (obj, name, H5P_DEFAULT);
          if (a < 0)
            {
              fail_h5 (h5, error, where, "open");
              ok = FALSE;
              break;
            }
          ok = read_string_attr (h5, a, where, FALSE, list, &budget, error);
          H5Aclose (a);
          if (ok && list->len > FM_H5_MAX_ATTR_STRINGS)
            {
              fail (h5, error, FM_NET_ERROR_TOO_LARGE, where,
                    "brings the list over %d strings", FM_H5_MAX_ATTR_STRINGS);
              ok = FALSE;
            }
        }
    }
  H5Oclose (obj);
  unlock ();
  if (ok && any)
    *values = g_steal_pointer (&list);
  return ok;
}

/* --- datasets --------------------------------------------------------------- */

/* IEEE binary16/32/64 as HDF5 describes them: anything else (a custom
 * float layout) is refused rather than handed to the library's
 * converters. */
static gboolean
ieee_float (hid_t type, size_t size)
{
  size_t spos, epos, esize, mpos, msize;
  if (H5Tget_fields (type, &spos, &epos, &esize, &mpos, &msize) < 0)
    return FALSE;
  if (H5Tget_offset (type) != 0 || H5Tget_precision (type) != size * 8
      || H5Tget_norm (type) != H5T_NORM_IMPLIED)
    return FALSE;
  switch (size)
    {
    case 2: return spos == 15 && epos == 10 && esize == 5 && mpos == 0 && msize == 10
                   && H5Tget_ebias (type) == 15;
    case 4: return spos == 31 && epos == 23 && esize == 8 && mpos == 0 && msize == 23
                   && H5Tget_ebias (type) == 127;
    case 8: return spos == 63 && epos == 52 && esize == 11 && mpos == 0 && msize == 52
                   && H5Tget_ebias (type) == 1023;
    default: return FALSE;
    }
}

/* Keras 3 stores bfloat16 variables as 2-byte opaque (or uint16) data
 * with a "dtype" attribute saying so. */
static int
is_bfloat16 (FmH5 *h5, hid_t dset, const char *path, GError **error)
{
  int e = has_attr (h5, dset, path, "dtype", error);
  if (e <= 0)
    return e;
  hid_t a = H5Aopen (dset, "dtype", H5P_DEFAULT);
  if (a < 0)
    {
      fail_h5 (h5, error, path, "open the dtype attribute of");
      return -1;
    }
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  gsize budget = 4096;
  g_autofree char *where = g_strdup_printf ("%s@dtype", path);
  gboolean ok = read_string_attr (h5, a, where, TRUE, list, &budget, error);
  H5Aclose (a);
  if (!ok)
    return -1;
  return strcmp (list->pdata[0], "bfloat16") == 0;
}

static gboolean
check_layout (FmH5 *h5, hid_t dset, const char *path, GError **error)
{
  hid_t dcpl = H5Dget_create_plist (dset);
  if (dcpl < 0)
    {
      fail_h5 (h5, error, path, "read the storage of");
      return FALSE;
    }
  gboolean ok = FALSE;
  H5D_layout_t layout = H5Pget_layout (dcpl);
  int n_ext = H5Pget_external_count (dcpl);
  int n_filters = H5Pget_nfilters (dcpl);
  if (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED)
    fail (h5, error, FM_NET_ERROR_UNSUPPORTED, path,
          "is a %s dataset, which featuremaps does not read",
          layout == H5D_VIRTUAL ? "virtual" : "strangely stored");
  else if (n_ext != 0)
    fail (h5, error, FM_NET_ERROR_UNSUPPORTED, path,
          "keeps its data in external files, which featuremaps does not read");
  else if (n_filters < 0)
    fail_h5 (h5, error, path, "read the filters of");
  else
    {
      ok = TRUE;
      for (int k = 0; ok && k < n_filters; k++)
        {
          unsigned flags = 0, cd[16];
          size_t n_cd = G_N_ELEMENTS (cd);
          unsigned config = 0;
          char fname[64];
          H5Z_filter_t id = H5Pget_filter2 (dcpl, (unsigned) k, &flags, &n_cd, cd,
                                            sizeof fname, fname, &config);
          if (id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_SHUFFLE
              && id != H5Z_FILTER_FLETCHER32)
            {
              fail (h5, error, FM_NET_ERROR_UNSUPPORTED, path,
                    "is compressed with HDF5 filter %d; featuremaps reads only "
                    "gzip (deflate), shuffle and Fletcher-32", (int) id);
              ok = FALSE;
            }
        }
    }
  H5Pclose (dcpl);
  return ok;
}

FmTensor *
fm_h5_read_tensor (FmH5 *h5, const char *path, const char *tensor_name,
                   gsize max_elems, GError **error)
{
  lock ();
  FmTensor *t = NULL;
  hid_t obj = -1, type = -1, space = -1;
  guint8 *raw = NULL;
  OpenResult r = open_path (h5, path, &obj, error);
  if (r == OPEN_MISSING)
    fail (h5, error, FM_NET_ERROR_NOT_FOUND, path, "is not in the file");
  if (r != OPEN_FOUND)
    goto done;
  if (H5Iget_type (obj) != H5I_DATASET)
    {
      fail (h5, error, FM_NET_ERROR_INVALID, path, "is a group, not a dataset");
      goto done;
    }
  space = H5Dget_space (obj);
  type = H5Dget_type (obj);
  if (space < 0 || type < 0)
    {
      fail_h5 (h5, error, path, "read");
      goto done;
    }

  /* shape */
  H5S_class_t sc = H5Sget_simple_extent_type (space);
  if (sc != H5S_SCALAR && sc != H5S_SIMPLE)
    {
      fail (h5, error, FM_NET_ERROR_PARSE, path, "has no data (a null dataspace)");
      goto done;
    }
  int rank = sc == H5S_SCALAR ? 0 : H5Sget_simple_extent_ndims (space);
  if (rank < 0 || rank > FM_TENSOR_MAX_DIMS)
    {
      fail (h5, error, FM_NET_ERROR_TOO_LARGE, path,
            "has %d dimensions; at most %d are supported", rank, FM_TENSOR_MAX_DIMS);
      goto done;
    }
  hsize_t hdims[FM_TENSOR_MAX_DIMS];
  gint64 dims[FM_TENSOR_MAX_DIMS];
  if (rank > 0 && H5Sget_simple_extent_dims (space, hdims, NULL) != rank)
    {
      fail_h5 (h5, error, path, "read the shape of");
      goto done;
    }
  gsize n = 1;
  for (int d = 0; d < rank; d++)
    {
      if (hdims[d] > (hsize_t) FM_NET_MAX_TENSOR_ELEMS
          || (hdims[d] > 0 && n > max_elems / (gsize) hdims[d]))
        {
          fail (h5, error, FM_NET_ERROR_TOO_LARGE, path,
                "holds more than %" G_GSIZE_FORMAT " values", max_elems);
          goto done;
        }
      n *= (gsize) hdims[d];
      dims[d] = (gint64) hdims[d];
    }
  if (n > max_elems)
    {
      fail (h5, error, FM_NET_ERROR_TOO_LARGE, path,
            "holds more than %" G_GSIZE_FORMAT " values", max_elems);
      goto done;
    }

  /* element type */
  H5T_class_t tc = H5Tget_class (type);
  size_t size = H5Tget_size (type);
  FmElem elem;
  gboolean big = FALSE;
  int bf = 0;
  if (tc == H5T_FLOAT)
    {
      H5T_order_t order = H5Tget_order (type);
      big = order == H5T_ORDER_BE;
      if ((order != H5T_ORDER_LE && order != H5T_ORDER_BE) || !ieee_float (type, size))
        {
          fail (h5, error, FM_NET_ERROR_UNSUPPORTED, path,
                "holds %u-byte floats of a layout featuremaps does not read "
                "(IEEE float16, float32 and float64 are read)", (unsigned) size);
          goto done;
        }
      elem = size == 2 ? FM_ELEM_F16 : size == 4 ? FM_ELEM_F32 : FM_ELEM_F64;
    }
  else if ((tc == H5T_OPAQUE || tc == H5T_INTEGER) && size == 2
           && (bf = is_bfloat16 (h5, obj, path, error)) != 0)
    {
      if (bf < 0)
        goto done;
      big = tc == H5T_INTEGER && H5Tget_order (type) == H5T_ORDER_BE;
      elem = FM_ELEM_BF16;
    }
  else if (tc == H5T_INTEGER && (size == 1 || size == 2 || size == 4 || size == 8))
    {
      /* counts and steps Keras keeps beside the weights */
      H5T_order_t order = H5Tget_order (type);
      H5T_sign_t sign = H5Tget_sign (type);
      if ((order != H5T_ORDER_LE && order != H5T_ORDER_BE) || sign < 0
          || H5Tget_offset (type) != 0 || H5Tget_precision (type) != size * 8)
        {
          fail (h5, error, FM_NET_ERROR_UNSUPPORTED, path,
                "holds integers of a layout featuremaps does not read");
          goto done;
        }
      big = order == H5T_ORDER_BE;
      gboolean s = sign == H5T_SGN_2;
      elem = size == 1 ? (s ? FM_ELEM_I8 : FM_ELEM_U8)
             : size == 2 ? (s ? FM_ELEM_I16 : FM_ELEM_U16)
             : size == 4 ? (s ? FM_ELEM_I32 : FM_ELEM_U32)
             : (s ? FM_ELEM_I64 : FM_ELEM_U64);
    }
  else
    {
      static const char *const names[] = {
        [H5T_INTEGER] = "integer", [H5T_TIME] = "time", [H5T_STRING] = "string",
        [H5T_BITFIELD] = "bitfield", [H5T_OPAQUE] = "opaque", [H5T_COMPOUND] = "compound",
        [H5T_REFERENCE] = "reference", [H5T_ENUM] = "enum", [H5T_VLEN] = "variable-length",
        [H5T_ARRAY] = "array",
      };
      const char *what = tc >= 0 && (size_t) tc < G_N_ELEMENTS (names) && names[tc]
                         ? names[tc] : "unknown";
      fail (h5, error, FM_NET_ERROR_UNSUPPORTED, path,
            "holds %s values, not floating point", what);
      goto done;
    }

  /* storage: where the data lives, and whether it can be what it claims */
  if (!check_layout (h5, obj, path, error))
    goto done;
  guint64 declared = (guint64) n * size;
  guint64 stored = H5Dget_storage_size (obj);
  if (declared > ((guint64) 1 << 20) && declared / FM_H5_MAX_EXPANSION > stored)
    {
      fail (h5, error, FM_NET_ERROR_INVALID, path,
            "declares %" G_GUINT64_FORMAT " bytes but stores %" G_GUINT64_FORMAT
            " (a shape or decompression bomb)", declared, stored);
      goto done;
    }

  raw = g_try_malloc (MAX ((gsize) declared, 1));
  if (!raw)
    {
      fail (h5, error, FM_NET_ERROR_TOO_LARGE, path,
            "cannot be allocated (%" G_GUINT64_FORMAT " bytes)", declared);
      goto done;
    }
  /* the file's own type as the memory type: the library copies bytes and
   * converts nothing */
  if (n > 0 && H5Dread (obj, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0)
    {
      fail_h5 (h5, error, path, "read");
      goto done;
    }
  if (big)
    for (gsize k = 0; k < n; k++)
      {
        guint8 *e = raw + k * size;
        for (size_t a = 0, b = size - 1; a < b; a++, b--)
          {
            guint8 tmp = e[a];
            e[a] = e[b];
            e[b] = tmp;
          }
      }
  t = fm_tensor_new (tensor_name, fm_elem_tensor_type (elem), rank, dims, error);
  if (t && !fm_elem_convert (elem, raw, n, t, 0, error))
    g_clear_pointer (&t, fm_tensor_free);

done:
  g_free (raw);
  if (type >= 0)
    H5Tclose (type);
  if (space >= 0)
    H5Sclose (space);
  if (obj >= 0)
    H5Oclose (obj);
  unlock ();
  return t;
}
