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
#include "fm-text.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <stdint.h>
#include <errno.h>
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
          g_autofree char *shown = fm_text_escape (key, -1, 40);
          g_autofree char *msg = g_strdup_printf ("unknown header key '%s'", shown);
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
parse_dtype (const char *raw, Dtype *dt, const char *name, GError **error)
{
  g_autofree char *descr = fm_text_escape (raw, -1, 24);
  gsize n = strlen (raw);
  if (n < 2 || n > 4)
    goto unsupported;
  char order = raw[0];
  if (order == '<' || order == '|')
    dt->big = FALSE;
  else if (order == '>')
    dt->big = TRUE;
  else if (order == '=')
    dt->big = G_BYTE_ORDER == G_BIG_ENDIAN;
  else
    goto unsupported;
  char type = raw[1];
  if (type == 'O')
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_UNSUPPORTED,
                   "%s: object arrays are not supported (dtype '%s'): save a numeric array", name, descr);
      return FALSE;
    }
  char *end = NULL;
  guint64 size = g_ascii_strtoull (raw + 2, &end, 10);
  if (end == raw + 2 || *end)
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

/* What a header says: the array (data NULL), where the data starts and
 * how many bytes it takes. */
typedef struct {
  FmArray *array;
  char descr[16];   /* as the header gives it: "<f4" */
  Dtype dt;
  gboolean fortran;
  gsize offset, bytes;
} Head;

/* Parses and checks the header at the start of data (length: what is
 * there, perhaps only the first bytes of a longer file). */
static gboolean
read_head (const guint8 *data, gsize length, const char *name, Head *head, GError **error)
{
  static const guint8 magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };
  head->array = NULL;
  if (length == 0)
    return parse_error (error, name, "the file is empty (0 bytes)");
  if (length < 10 || memcmp (data, magic, 6) != 0)
    return parse_error (error, name, length < 10 && length >= 6 && memcmp (data, magic, 6) == 0
                        ? "truncated header" : "missing the \\x93NUMPY magic");
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
        return parse_error (error, name, "truncated header");
      header_len = load_uint (data + 8, 4, FALSE);
      header_start = 12;
    }
  else
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_UNSUPPORTED,
                   "%s: .npy format version %d.%d is not supported (1, 2 and 3 are)",
                   name, major, data[7]);
      return FALSE;
    }
  if (header_len > FM_NPY_MAX_HEADER)
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE,
                   "%s: header of %" G_GSIZE_FORMAT " bytes is absurdly long", name, header_len);
      return FALSE;
    }
  if (header_len > length - header_start)
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_PARSE,
                   "%s: truncated: the header needs %" G_GSIZE_FORMAT " bytes, the file has %" G_GSIZE_FORMAT,
                   name, header_start + header_len, length);
      return FALSE;
    }

  Header h;
  if (!parse_header ((const char *) data + header_start, header_len, &h, name, error))
    {
      g_free (h.descr);
      return FALSE;
    }
  g_autofree char *descr = h.descr;
  if (!parse_dtype (h.descr, &head->dt, name, error))
    return FALSE;

  gsize count = 1, bytes;
  gboolean overflow = FALSE;
  for (int i = 0; i < h.ndim; i++)
    if (!g_size_checked_mul (&count, count, h.shape[i]))
      overflow = TRUE;
  if (overflow || !g_size_checked_mul (&bytes, count, (gsize) head->dt.size)
      || !g_size_checked_mul (&bytes, count, MAX ((gsize) head->dt.size, sizeof (float))))
    {
      g_autofree char *shape_text = describe_shape (h.shape, h.ndim);
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE,
                   "%s: shape %s overflows: the header claims more data than any file can hold",
                   name, shape_text);
      return FALSE;
    }
  FmArray *a = g_new0 (FmArray, 1);
  g_autofree char *shown = fm_text_escape (descr, -1, 12);
  g_strlcpy (head->descr, shown, sizeof head->descr);
  a->name = g_strdup (name);
  a->ndim = h.ndim;
  memcpy (a->shape, h.shape, sizeof h.shape);
  a->size = count;
  g_strlcpy (a->dtype, descr + 1, sizeof a->dtype);
  head->array = a;
  head->fortran = h.fortran;
  head->offset = header_start + header_len;
  head->bytes = count * (gsize) head->dt.size;
  return TRUE;
}

/* head's data from src (head->bytes of them) into head->array->data. */
static gboolean
convert_data (Head *head, const guint8 *src, const char *name, GError **error)
{
  FmArray *a = head->array;
  const Dtype *dt = &head->dt;
  gsize count = a->size;
  a->data = g_try_new (float, MAX (count, 1));
  if (!a->data)
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE,
                   "%s: not enough memory for %" G_GSIZE_FORMAT " values", name, count);
      return FALSE;
    }
  if (!head->fortran || a->ndim < 2)
    {
      for (gsize i = 0; i < count; i++)
        a->data[i] = convert_one (src + i * dt->size, dt);
      return TRUE;
    }

  /* Fortran order: walk the destination in C order and keep the matching
   * Fortran offset, so any number of dimensions costs one pass. */
  gsize fstride[FM_NPY_MAX_DIMS], idx[FM_NPY_MAX_DIMS] = { 0 };
  fstride[0] = 1;
  for (int d = 1; d < a->ndim; d++)
    fstride[d] = fstride[d - 1] * a->shape[d - 1];
  gsize off = 0;
  for (gsize i = 0; i < count; i++)
    {
      a->data[i] = convert_one (src + off * dt->size, dt);
      for (int d = a->ndim - 1; d >= 0; d--)
        {
          idx[d]++;
          off += fstride[d];
          if (idx[d] < a->shape[d])
            break;
          off -= fstride[d] * idx[d];
          idx[d] = 0;
        }
    }
  return TRUE;
}

/* The data size the header implies must be what the file holds. */
static gboolean
check_length (const Head *head, gsize length, const char *name, GError **error)
{
  gsize have = length - head->offset, bytes = head->bytes;
  if (bytes == have)
    return TRUE;
  const FmArray *a = head->array;
  g_autofree char *shape_text = describe_shape (a->shape, a->ndim);
  g_autofree char *human = g_format_size (bytes);
  g_set_error (error, FM_NPY_ERROR, bytes > have ? FM_NPY_ERROR_TOO_LARGE : FM_NPY_ERROR_PARSE,
               "%s: shape %s of '%s' needs %" G_GSIZE_FORMAT " bytes of data (%s), the file holds %" G_GSIZE_FORMAT
               " (%s)", name, shape_text, head->descr, bytes, human, have,
               bytes > have ? "truncated, or a corrupt header" : "trailing bytes");
  return FALSE;
}

FmArray *
fm_npy_read_data (const guint8 *data, gsize length, const char *name,
                  GError **error)
{
  if (!name)
    name = "array";
  Head head;
  if (!read_head (data, length, name, &head, error))
    return NULL;
  if (!check_length (&head, length, name, error)
      || !convert_data (&head, data + head.offset, name, error))
    {
      fm_array_free (head.array);
      return NULL;
    }
  return head.array;
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

static char *
display_base (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  return fm_file_display (base);
}

FmArray *
fm_npy_read_file (const char *path, GError **error)
{
  g_autofree guint8 *contents = NULL;
  gsize length = 0;
  if (!fm_npy_load_contents (path, FM_NPY_MAX_FILE_SIZE, &contents, &length, error))
    return NULL;
  g_autofree char *display = display_base (path);
  return fm_npy_read_data (contents, length, display, error);
}

FmArray *
fm_npy_read_file_header (const char *path, GError **error)
{
  struct stat st;
  int fd = fm_file_open (path, "NumPy file", &st, error);
  if (fd < 0)
    return NULL;
  g_autofree char *display = display_base (path);
  /* the longest header there can be: magic, version, length, text */
  gsize n = MIN (12 + FM_NPY_MAX_HEADER, (gsize) st.st_size);
  g_autofree guint8 *buf = g_malloc (MAX (n, 1));
  gboolean ok = fm_file_pread (fd, buf, n, 0, display, error);
  close (fd);
  Head head;
  if (!ok || !read_head (buf, n, display, &head, error))
    return NULL;
  /* the data the header implies must be what the file holds */
  if (!check_length (&head, (gsize) st.st_size, display, error))
    {
      fm_array_free (head.array);
      return NULL;
    }
  return head.array;
}

/* ---- .npz: a zip archive of .npy members (fm-zip.h) -------------------- */

struct _FmNpz {
  guint8 *owned;          /* the file's bytes, when opened from a file */
  FmZip *zip;
  char *name;
  GPtrArray *arrays;      /* FmArray, data NULL until loaded */
  GArray *members;        /* guint: the zip member of each array */
  GArray *heads;          /* Head (array pointers borrowed from arrays) */
};

void
fm_npz_free (FmNpz *npz)
{
  if (!npz)
    return;
  g_clear_pointer (&npz->arrays, g_ptr_array_unref);
  g_clear_pointer (&npz->members, g_array_unref);
  g_clear_pointer (&npz->heads, g_array_unref);
  fm_zip_free (npz->zip);
  g_free (npz->name);
  g_free (npz->owned);
  g_free (npz);
}

static void
zip_to_npy_error (GError **error, GError *local)
{
  /* FmZipError numbers its codes as FmNpyError does */
  g_set_error_literal (error, FM_NPY_ERROR, local->code, local->message);
  g_error_free (local);
}

FmNpz *
fm_npz_open_data (const guint8 *data, gsize length, const char *name, GError **error)
{
  if (!name)
    name = "archive";
  if (length == 0)
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_PARSE,
                   "%s: the file is empty (0 bytes), not an .npz archive", name);
      return NULL;
    }
  GError *local = NULL;
  FmZip *zip = fm_zip_open_data (data, length, name, ".npz (zip) file", &local);
  if (!zip)
    {
      zip_to_npy_error (error, local);
      return NULL;
    }
  FmNpz *npz = g_new0 (FmNpz, 1);
  npz->zip = zip;
  npz->name = g_strdup (name);
  npz->arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_array_free);
  npz->members = g_array_new (FALSE, FALSE, sizeof (guint));
  npz->heads = g_array_new (FALSE, FALSE, sizeof (Head));

  /* Every header first, inflating no more than a header can take: shapes
   * and sizes are known, and checked against the member's declared size,
   * before any array's data is inflated. */
  for (guint i = 0; i < fm_zip_n_members (zip); i++)
    {
      const char *member_name = fm_zip_member_name (zip, i);
      if (!g_str_has_suffix (member_name, ".npy"))
        continue; /* np.load ignores other members too */
      gsize got = 0;
      g_autofree guint8 *bytes = fm_zip_read_member_head (zip, i, 12 + FM_NPY_MAX_HEADER, &got, &local);
      if (!bytes)
        {
          zip_to_npy_error (error, local);
          fm_npz_free (npz);
          return NULL;
        }
      g_autofree char *member = g_strndup (member_name, strlen (member_name) - 4);
      g_autofree char *shown = fm_text_escape (member, -1, 60);
      g_autofree char *label = g_strdup_printf ("%s[%s]", name, shown);
      Head head;
      if (!read_head (bytes, got, label, &head, error))
        {
          fm_npz_free (npz);
          return NULL;
        }
      gsize usize = fm_zip_member_size (zip, i);
      if (usize < head.offset || !check_length (&head, usize, label, error))
        {
          if (usize < head.offset)
            g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_PARSE,
                         "%s: the member is shorter than its own header", label);
          fm_array_free (head.array);
          fm_npz_free (npz);
          return NULL;
        }
      g_free (head.array->name);
      head.array->name = g_strdup (member);
      g_ptr_array_add (npz->arrays, head.array);
      g_array_append_val (npz->members, i);
      g_array_append_val (npz->heads, head);
    }
  return npz;
}

FmNpz *
fm_npz_open_file (const char *path, GError **error)
{
  guint8 *contents = NULL;
  gsize length = 0;
  if (!fm_npy_load_contents (path, FM_NPY_MAX_FILE_SIZE, &contents, &length, error))
    return NULL;
  g_autofree char *display = display_base (path);
  FmNpz *npz = fm_npz_open_data (contents, length, display, error);
  if (!npz)
    {
      g_free (contents);
      return NULL;
    }
  npz->owned = contents;
  return npz;
}

GPtrArray *
fm_npz_arrays (FmNpz *npz)
{
  return npz->arrays;
}

gboolean
fm_npz_load (FmNpz *npz, FmArray *array, GError **error)
{
  if (array->data)
    return TRUE;
  guint k;
  for (k = 0; k < npz->arrays->len; k++)
    if (npz->arrays->pdata[k] == array)
      break;
  g_return_val_if_fail (k < npz->arrays->len, FALSE);
  guint member = g_array_index (npz->members, guint, k);
  Head *head = &g_array_index (npz->heads, Head, k);
  g_autofree char *shown = fm_text_escape (array->name, -1, 60);
  g_autofree char *label = g_strdup_printf ("%s[%s]", npz->name, shown);
  GError *local = NULL;
  gsize usize = 0;
  g_autofree guint8 *bytes = fm_zip_read_member (npz->zip, member, G_MAXSIZE, &usize, &local);
  if (!bytes)
    {
      zip_to_npy_error (error, local);
      return FALSE;
    }
  /* the header read at open time is the one the data follows */
  return convert_data (head, bytes + head->offset, label, error);
}

gsize
fm_npz_total_values (FmNpz *npz)
{
  gsize total = 0;
  for (guint k = 0; k < npz->arrays->len; k++)
    total += ((FmArray *) npz->arrays->pdata[k])->size;
  return total;
}

gboolean
fm_npz_check_not_empty (FmNpz *npz, GError **error)
{
  if (npz->arrays->len == 0)
    {
      /* torch.save writes a zip too: <name>/data.pkl and raw storages */
      gboolean torch = fm_zip_find_suffix (npz->zip, "/data.pkl") >= 0;
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_PARSE,
                   "%s: the archive holds no .npy arrays%s", npz->name,
                   torch ? " (it is a PyTorch checkpoint from torch.save: save the weights with "
                           "numpy.savez, or export the model with torch.onnx.export)" : "");
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
npz_read_all (FmNpz *npz, GError **error)
{
  GPtrArray *arrays = npz->arrays;
  if (!fm_npz_check_not_empty (npz, error))
    return NULL;
  /* the floats of all arrays, known from the headers before inflating */
  gsize total = fm_npz_total_values (npz);
  if (total > FM_NPY_MAX_FILE_SIZE / sizeof (float))
    {
      g_set_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE,
                   "%s: the arrays hold %" G_GSIZE_FORMAT " values in all, more than the %"
                   G_GSIZE_FORMAT " allowed", npz->name, total, FM_NPY_MAX_FILE_SIZE / sizeof (float));
      return NULL;
    }
  for (guint k = 0; k < arrays->len; k++)
    if (!fm_npz_load (npz, arrays->pdata[k], error))
      return NULL;
  return g_ptr_array_ref (arrays);
}

GPtrArray *
fm_npz_read_data (const guint8 *data, gsize length, const char *name,
                  GError **error)
{
  g_autoptr (FmNpz) npz = fm_npz_open_data (data, length, name, error);
  return npz ? npz_read_all (npz, error) : NULL;
}

GPtrArray *
fm_npz_read_file (const char *path, GError **error)
{
  g_autoptr (FmNpz) npz = fm_npz_open_file (path, error);
  return npz ? npz_read_all (npz, error) : NULL;
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
  GString *head = g_string_new (NULL);
  g_string_append_len (head, "\x93NUMPY\x01\x00\x00\x00", 10);
  g_string_append_printf (head, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
                          shape_text);
  /* numpy pads so the data starts on a 64-byte boundary, newline last */
  while ((head->len + 1) % 64)
    g_string_append_c (head, ' ');
  g_string_append_c (head, '\n');
  gsize header_len = head->len - 10;
  head->str[8] = (char) (header_len & 0xff);
  head->str[9] = (char) (header_len >> 8);

  /* written in place, a block at a time: the caller writes to its own
   * temporary name, and the maps are not copied whole once more */
  FmFileWriter *w = fm_file_writer_new (path, "NumPy file", error);
  gboolean ok = w && fm_file_writer_write (w, head->str, head->len, error);
  g_string_free (head, TRUE);
  guint32 block[4096];
  for (gsize i = 0; ok && i < count; i += G_N_ELEMENTS (block))
    {
      gsize n = MIN (count - i, G_N_ELEMENTS (block));
      memcpy (block, data + i, n * 4);
      if (G_BYTE_ORDER == G_BIG_ENDIAN)
        for (gsize j = 0; j < n; j++)
          block[j] = GUINT32_SWAP_LE_BE (block[j]);
      ok = fm_file_writer_write (w, block, n * 4, error);
    }
  if (w)
    ok = fm_file_writer_close (w, ok ? error : NULL) && ok;
  return ok;
}
