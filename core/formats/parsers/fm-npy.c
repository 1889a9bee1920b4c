/* fm-npy.c: NumPy .npy reader and writer, and .npz archives of them
 * (their zip container is fm-zip.c).
 *
 * The format (numpy/lib/format.py): magic "\x93NUMPY", major, minor, header
 * length (2 bytes in version 1, 4 in versions 2 and 3), then a Python dict
 * literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), } padded
 * with spaces to a 16- or 64-byte boundary, then the raw data.  Every field
 * is checked, and the data size implied by the header is compared with what
 * the file holds before anything is allocated: a header may claim anything.
 */
#include "fm-npy.h"
#include "fm-file.h"
#include "fm-zip.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

G_DEFINE_QUARK (fm-npy-error-quark, fm_npy_error)

/* Bigger than any image or weights file this tool has reason to read; it
 * keeps g_file_get_contents from swallowing a multi-gigabyte file. */
#define FM_NPY_MAX_FILE_SIZE ((gsize) 2 << 30)
#define FM_NPY_MAX_HEADER 65536

void
fm_array_free (FmArray *array)
{
  if (!array)
    return;
  g_free (array->name);
  g_free (array->data);
  g_free (array);
}

/* ---- the header dict: a tiny tokenizer for the Python literal ---------- */

typedef struct {
  const char *p, *end;
} Cursor;

static void
skip_space (Cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
eat (Cursor *c, char ch)
{
  skip_space (c);
  if (c->p < c->end && *c->p == ch)
    {
      c->p++;
      return TRUE;
    }
  return FALSE;
}

/* A quoted Python string without escapes (numpy never writes any). */
static char *
read_string (Cursor *c)
{
  skip_space (c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return NULL;
  char quote = *c->p++;
  const char *start = c->p;
  while (c->p < c->end && *c->p != quote && *c->p != '\\')
    c->p++;
  if (c->p >= c->end || *c->p != quote)
    return NULL;
  char *s = g_strndup (start, c->p - start);
  c->p++;
  return s;
}

static gboolean
read_word (Cursor *c, const char *word)
{
  skip_space (c);
  gsize n = strlen (word);
  if ((gsize) (c->end - c->p) >= n && strncmp (c->p, word, n) == 0)
    {
      c->p += n;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_error (GError **error, const char *name, const char *what)
{
  g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_PARSE,
               "%s: not a valid .npy file: %s", name, what);
  return FALSE;
}

typedef struct {
  char *descr;
  int fortran;          /* -1 missing */
  int ndim;             /* -1 missing */
  gsize shape[FM_NPY_MAX_DIMS];
} Header;

static gboolean
parse_shape (Cursor *c, Header *h, const char *name, GError **error)
{
  if (!eat (c, '('))
    return parse_error (error, name, "'shape' is not a tuple");
  h->ndim = 0;
  while (!eat (c, ')'))
    {
      skip_space (c);
      if (c->p >= c->end || !g_ascii_isdigit (*c->p))
        return parse_error (error, name, "'shape' holds something other than non-negative integers");
      guint64 v = 0;
      while (c->p < c->end && g_ascii_isdigit (*c->p))
        {
          if (v > (G_MAXUINT64 - 9) / 10)
            return parse_error (error, name, "a 'shape' dimension does not fit in 64 bits");
          v = v * 10 + (guint64) (*c->p++ - '0');
        }
      if (c->p < c->end && (*c->p == 'L' || *c->p == 'l')) /* Python 2 longs */
        c->p++;
      if (h->ndim == FM_NPY_MAX_DIMS)
        {
          g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_UNSUPPORTED,
                       "%s: more than %d dimensions", name, FM_NPY_MAX_DIMS);
          return FALSE;
        }
      if (v > G_MAXSIZE)
        return parse_error (error, name, "a 'shape' dimension is too large");
      h->shape[h->ndim++] = (gsize) v;
      if (!eat (c, ','))
        {
          if (!eat (c, ')'))
            return parse_error (error, name, "'shape' tuple is not closed");
          break;
        }
    }
  return TRUE;
}

static gboolean
parse_header (const char *text, gsize len, Header *h, const char *name,
              GError **error)
{
  Cursor c = { text, text + len };
  h->descr = NULL;
  h->fortran = -1;
  h->ndim = -1;
  if (!eat (&c, '{'))
    return parse_error (error, name, "the header is not a dict");
  while (!eat (&c, '}'))
    {
      g_autofree char *key = read_string (&c);
      if (!key)
        return parse_error (error, name, "a header key is not a quoted string");
      if (!eat (&c, ':'))
        return parse_error (error, name, "':' missing after a header key");
      if (strcmp (key, "descr") == 0)
        {
          skip_space (&c);
          if (c.p < c.end && *c.p == '[')
            {
              g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_UNSUPPORTED,
                           "%s: structured (record) dtypes are not supported: save a plain numeric array", name);
              return FALSE;
            }
          g_free (h->descr);
          h->descr = read_string (&c);
          if (!h->descr)
            return parse_error (error, name, "'descr' is not a string");
        }
      else if (strcmp (key, "fortran_order") == 0)
        {
          if (read_word (&c, "True"))
            h->fortran = 1;
          else if (read_word (&c, "False"))
            h->fortran = 0;
          else
            return parse_error (error, name, "'fortran_order' is neither True nor False");
        }
      else if (strcmp (key, "shape") == 0)
        {
          if (!parse_shape (&c, h, name, error))
            return FALSE;
        }
      else
        {
          g_autofree char *msg = g_strdup_printf ("unknown header key '%s'", key);
          return parse_error (error, name, msg);
        }
      if (!eat (&c, ','))
        {
          if (!eat (&c, '}'))
            return parse_error (error, name, "the header dict is not closed");
          break;
        }
    }
  if (!h->descr || h->fortran < 0 || h->ndim < 0)
    return parse_error (error, name, "the header lacks 'descr', 'fortran_order' or 'shape'");
  return TRUE;
}

/* ---- dtypes ------------------------------------------------------------ */

typedef enum { KIND_FLOAT, KIND_INT, KIND_UINT } Kind;

typedef struct {
  Kind kind;
  int size;
  gboolean big;
} Dtype;

static gboolean
parse_dtype (const char *descr, Dtype *dt, const char *name, GError **error)
{
  gsize n = strlen (descr);
  if (n < 2 || n > 4)
    goto unsupported;
  char order = descr[0];
  if (order == '<' || order == '|')
    dt->big = FALSE;
  else if (order == '>')
    dt->big = TRUE;
  else if (order == '=')
    dt->big = G_BYTE_ORDER == G_BIG_ENDIAN;
  else
    goto unsupported;
  char type = descr[1];
  if (type == 'O')
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_UNSUPPORTED,
                   "%s: object arrays are not supported (dtype '%s'): save a numeric array", name, descr);
      return FALSE;
    }
  char *end = NULL;
  guint64 size = g_ascii_strtoull (descr + 2, &end, 10);
  if (end == descr + 2 || *end)
    goto unsupported;
  if (type == 'f' && (size == 2 || size == 4 || size == 8))
    dt->kind = KIND_FLOAT;
  else if (type == 'i' && (size == 1 || size == 2 || size == 4 || size == 8))
    dt->kind = KIND_INT;
  else if ((type == 'u' || type == 'b') && (size == 1 || size == 2 || size == 4 || size == 8))
    dt->kind = KIND_UINT; /* 'b1' is numpy's bool: one byte, 0 or 1 */
  else
    goto unsupported;
  dt->size = (int) size;
  return TRUE;

unsupported:
  g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_UNSUPPORTED,
               "%s: dtype '%s' is not supported (use float16/32/64 or a signed/unsigned integer type)",
               name, descr);
  return FALSE;
}

static float
half_to_float (guint16 h)
{
  int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = ldexpf ((float) mant, -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = ldexpf ((float) (mant | 0x400), exp - 25);
  return sign ? -v : v;
}

static guint64
load_uint (const guint8 *p, int size, gboolean big)
{
  guint64 v = 0;
  for (int i = 0; i < size; i++)
    v |= (guint64) p[big ? size - 1 - i : i] << (8 * i);
  return v;
}

static float
convert_one (const guint8 *p, const Dtype *dt)
{
  guint64 bits = load_uint (p, dt->size, dt->big);
  switch (dt->kind)
    {
    case KIND_FLOAT:
      if (dt->size == 2)
        return half_to_float ((guint16) bits);
      if (dt->size == 4)
        {
          guint32 b32 = (guint32) bits;
          float f;
          memcpy (&f, &b32, 4);
          return f;
        }
      else
        {
          double d;
          memcpy (&d, &bits, 8);
          return (float) d;
        }
    case KIND_INT:
      {
        /* sign-extend from size bytes */
        int shift = 64 - 8 * dt->size;
        gint64 s = (gint64) (bits << shift) >> shift;
        return (float) s;
      }
    case KIND_UINT:
    default:
      return (float) bits;
    }
}

/* ---- reading ----------------------------------------------------------- */

static char *
describe_shape (const gsize *shape, int ndim)
{
  GString *s = g_string_new ("(");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GSIZE_FORMAT, i ? ", " : "", shape[i]);
  g_string_append (s, ndim == 1 ? ",)" : ")");
  return g_string_free (s, FALSE);
}

FmArray *
fm_npy_read_data (const guint8 *data, gsize length, const char *name,
                  GError **error)
{
  if (!name)
    name = "array";
  static const guint8 magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };
  if (length < 10 || memcmp (data, magic, 6) != 0)
    {
      parse_error (error, name, length < 10 && length >= 6 && memcmp (data, magic, 6) == 0
                   ? "truncated header" : "missing the \\x93NUMPY magic");
      return NULL;
    }
  int major = data[6];
  gsize header_len, header_start;
  if (major == 1)
    {
      header_len = data[8] | (gsize) data[9] << 8;
      header_start = 10;
    }
  else if (major == 2 || major == 3)
    {
      if (length < 12)
        {
          parse_error (error, name, "truncated header");
          return NULL;
        }
      header_len = load_uint (data + 8, 4, FALSE);
      header_start = 12;
    }
  else
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_UNSUPPORTED,
                   "%s: .npy format version %d.%d is not supported (1, 2 and 3 are)",
                   name, major, data[7]);
      return NULL;
    }
  if (header_len > FM_NPY_MAX_HEADER)
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE,
                   "%s: header of %" G_GSIZE_FORMAT " bytes is absurdly long", name, header_len);
      return NULL;
    }
  if (header_len > length - header_start)
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_PARSE,
                   "%s: truncated: the header needs %" G_GSIZE_FORMAT " bytes, the file has %" G_GSIZE_FORMAT,
                   name, header_start + header_len, length);
      return NULL;
    }

  Header h;
  if (!parse_header ((const char *) data + header_start, header_len, &h, name, error))
    {
      g_free (h.descr);
      return NULL;
    }
  Dtype dt;
  gboolean ok = parse_dtype (h.descr, &dt, name, error);
  g_autofree char *descr = h.descr;
  if (!ok)
    return NULL;

  g_autofree char *shape_text = describe_shape (h.shape, h.ndim);
  gsize count = 1, bytes;
  gboolean overflow = FALSE;
  for (int i = 0; i < h.ndim; i++)
    if (!g_size_checked_mul (&count, count, h.shape[i]))
      overflow = TRUE;
  if (overflow || !g_size_checked_mul (&bytes, count, (gsize) dt.size))
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE,
                   "%s: shape %s overflows: the header claims more data than any file can hold",
                   name, shape_text);
      return NULL;
    }
  gsize have = length - header_start - header_len;
  if (bytes != have)
    {
      g_autofree char *human = g_format_size (bytes);
      g_set_error (error, FM_NPY_ERROR, bytes > have ? FM_NPY_ERROR_TOO_LARGE : FM_NPY_ERROR_PARSE,
                   "%s: shape %s of '%s' needs %" G_GSIZE_FORMAT " bytes of data (%s), the file holds %" G_GSIZE_FORMAT
                   " (%s)", name, shape_text, descr, bytes, human, have,
                   bytes > have ? "truncated, or a corrupt header" : "trailing bytes");
      return NULL;
    }

  FmArray *a = g_new0 (FmArray, 1);
  a->name = g_strdup (name);
  a->ndim = h.ndim;
  memcpy (a->shape, h.shape, sizeof h.shape);
  a->size = count;
  g_strlcpy (a->dtype, descr + 1, sizeof a->dtype);
  a->data = g_new (float, MAX (count, 1));

  const guint8 *src = data + header_start + header_len;
  if (!h.fortran || h.ndim < 2)
    {
      for (gsize i = 0; i < count; i++)
        a->data[i] = convert_one (src + i * dt.size, &dt);
      return a;
    }

  /* Fortran order: walk the destination in C order and keep the matching
   * Fortran offset, so any number of dimensions costs one pass. */
  gsize fstride[FM_NPY_MAX_DIMS], idx[FM_NPY_MAX_DIMS] = { 0 };
  fstride[0] = 1;
  for (int d = 1; d < h.ndim; d++)
    fstride[d] = fstride[d - 1] * h.shape[d - 1];
  gsize off = 0;
  for (gsize i = 0; i < count; i++)
    {
      a->data[i] = convert_one (src + off * dt.size, &dt);
      for (int d = h.ndim - 1; d >= 0; d--)
        {
          idx[d]++;
          off += fstride[d];
          if (idx[d] < h.shape[d])
            break;
          off -= fstride[d] * idx[d];
          idx[d] = 0;
        }
    }
  return a;
}

/* Shared with the .npz reader: refuse huge files before reading them. */
static gboolean
fm_npy_load_contents (const char *path, gsize max_size, guint8 **contents,
                      gsize *length, GError **error)
{
  GError *local = NULL;
  if (fm_file_read_capped (path, max_size, "NumPy file", (char **) contents, length, &local))
    return TRUE;
  if (g_error_matches (local, FM_FILE_ERROR, FM_FILE_ERROR_TOO_LARGE))
    {
      g_set_error_literal (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE, local->message);
      g_error_free (local);
      return FALSE;
    }
  g_propagate_error (error, local);
  return FALSE;
}

FmArray *
fm_npy_read_file (const char *path, GError **error)
{
  g_autofree guint8 *contents = NULL;
  gsize length = 0;
  if (!fm_npy_load_contents (path, FM_NPY_MAX_FILE_SIZE, &contents, &length, error))
    return NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *display = g_filename_display_name (base);
  return fm_npy_read_data (contents, length, display, error);
}

/* ---- .npz: a zip archive of .npy members (fm-zip.h) -------------------- */

static GPtrArray *
npz_read_data (const guint8 *data, gsize length, const char *name, GError **error)
{
  GError *local = NULL;
  g_autoptr (GPtrArray) arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_array_free);
  g_autoptr (FmZip) zip = fm_zip_open_data (data, length, name, ".npz (zip) file", &local);
  if (!zip)
    goto zip_failed;

  gsize total = 0;
  for (guint i = 0; i < fm_zip_n_members (zip); i++)
    {
      const char *member_name = fm_zip_member_name (zip, i);
      if (!g_str_has_suffix (member_name, ".npy"))
        continue; /* np.load ignores other members too */
      gsize usize = 0;
      g_autofree guint8 *bytes = fm_zip_read_member (zip, i, FM_NPY_MAX_FILE_SIZE - total,
                                                     &usize, &local);
      if (!bytes)
        {
          if (g_error_matches (local, FM_ZIP_ERROR, FM_ZIP_ERROR_TOO_LARGE))
            {
              g_clear_error (&local);
              g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE,
                           "%s: the arrays inflate to more than %" G_GSIZE_FORMAT " MB", name,
                           FM_NPY_MAX_FILE_SIZE >> 20);
              return NULL;
            }
          goto zip_failed;
        }
      total += usize;
      g_autofree char *member = g_strndup (member_name, strlen (member_name) - 4);
      g_autofree char *label = g_strdup_printf ("%s[%s]", name, member);
      FmArray *a = fm_npy_read_data (bytes, usize, label, error);
      if (!a)
        return NULL;
      g_free (a->name);
      a->name = g_strdup (member);
      g_ptr_array_add (arrays, a);
    }
  if (arrays->len == 0)
    {
      /* torch.save writes a zip too: <name>/data.pkl and raw storages */
      gboolean torch = fm_zip_find_suffix (zip, "/data.pkl") >= 0;
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_PARSE,
                   "%s: the archive holds no .npy arrays%s", name,
                   torch ? " (it is a PyTorch checkpoint from torch.save: save the weights with "
                           "numpy.savez, or export the model with torch.onnx.export)" : "");
      return NULL;
    }
  return g_steal_pointer (&arrays);

zip_failed:
  /* FmZipError numbers its codes as FmNpyError does */
  g_set_error_literal (error, FM_NPY_ERROR, local->code, local->message);
  g_error_free (local);
  return NULL;
}

GPtrArray *
fm_npz_read_data (const guint8 *data, gsize length, const char *name,
                  GError **error)
{
  return npz_read_data (data, length, name ? name : "archive", error);
}

GPtrArray *
fm_npz_read_file (const char *path, GError **error)
{
  g_autofree guint8 *contents = NULL;
  gsize length = 0;
  if (!fm_npy_load_contents (path, FM_NPY_MAX_FILE_SIZE, &contents, &length, error))
    return NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *display = g_filename_display_name (base);
  return npz_read_data (contents, length, display, error);
}

/* ---- writing ----------------------------------------------------------- */

gboolean
fm_npy_write_file (const char *path, const float *data, int ndim,
                   const gsize *shape, GError **error)
{
  g_return_val_if_fail (ndim >= 0 && ndim <= FM_NPY_MAX_DIMS, FALSE);
  gsize count = 1;
  for (int i = 0; i < ndim; i++)
    if (!g_size_checked_mul (&count, count, shape[i]) || count > G_MAXSIZE / 8)
      {
        g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE,
                     "array too large to write");
        return FALSE;
      }
  g_autofree char *shape_text = describe_shape (shape, ndim);
  GString *out = g_string_new (NULL);
  g_string_append_len (out, "\x93NUMPY\x01\x00\x00\x00", 10);
  g_string_append_printf (out, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
                          shape_text);
  /* numpy pads so the data starts on a 64-byte boundary, newline last */
  while ((out->len + 1) % 64)
    g_string_append_c (out, ' ');
  g_string_append_c (out, '\n');
  gsize header_len = out->len - 10;
  out->str[8] = (char) (header_len & 0xff);
  out->str[9] = (char) (header_len >> 8);
  for (gsize i = 0; i < count; i++)
    {
      guint32 bits;
      memcpy (&bits, &data[i], 4);
      bits = GUINT32_TO_LE (bits);
      g_string_append_len (out, (const char *) &bits, 4);
    }
  gboolean ok = g_file_set_contents (path, out->str, out->len, error);
  g_string_free (out, TRUE);
  return ok;
}
