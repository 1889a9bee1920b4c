/* fm-model-file: file access and element conversion shared by the model
 * readers (fm-model-file.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fm-model-file.h"
#include "fm-file.h"

int
fm_model_open (const char *path, struct stat *st, GError **error)
{
  GError *local = NULL;
  int fd = fm_file_open (path, "model file", st, &local);
  if (fd >= 0)
    return fd;
  g_set_error_literal (error, FM_NET_ERROR,
                       g_error_matches (local, FM_FILE_ERROR, FM_FILE_ERROR_NOT_FOUND)
                         ? FM_NET_ERROR_NOT_FOUND : FM_NET_ERROR_PARSE,
                       local->message);
  g_error_free (local);
  return -1;
}

gboolean
fm_model_read_file (const char *path, gsize max, guint8 **data, gsize *len,
                    GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  struct stat st;
  int fd = fm_model_open (path, &st, error);
  if (fd < 0)
    return FALSE;
  if ((guint64) st.st_size > max)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "%s: %" G_GUINT64_FORMAT " bytes, over the limit of %"
                   G_GSIZE_FORMAT " for a model file", display,
                   (guint64) st.st_size, max);
      close (fd);
      return FALSE;
    }
  gsize size = (gsize) st.st_size;
  guint8 *buf = g_try_malloc (size + 1);
  if (!buf)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "%s: cannot allocate %" G_GSIZE_FORMAT " bytes", display, size);
      close (fd);
      return FALSE;
    }
  g_autofree char *what = g_strdup (display);
  gboolean ok = fm_model_pread (fd, buf, size, 0, what, error);
  close (fd);
  if (!ok)
    {
      g_free (buf);
      return FALSE;
    }
  buf[size] = 0;
  *data = buf;
  *len = size;
  return TRUE;
}

gboolean
fm_model_pread (int fd, guint8 *buf, gsize len, guint64 offset,
                const char *what, GError **error)
{
  gsize done = 0;
  while (done < len)
    {
      gsize chunk = MIN (len - done, (gsize) 1 << 30);
      ssize_t got = pread (fd, buf + done, chunk, (off_t) (offset + done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "%s: %s", what,
                       got < 0 ? g_strerror (errno)
                               : "the file is shorter than when it was opened");
          return FALSE;
        }
      done += (gsize) got;
    }
  return TRUE;
}

static gboolean
is_separator (char c)
{
  /* a backslash too: models written on Windows use it, and "..\\x" must
   * not pass as one harmless name here and climb out elsewhere */
  return c == '/' || c == '\\';
}

int
fm_model_open_below (const char *dir, const char *relative, gsize *size,
                     GError **error)
{
  g_autofree char *label = fm_net_escape (relative);
  if (!*relative)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "the path is empty");
      return -1;
    }
  if (relative[0] == '/' || relative[0] == '\\' || g_path_is_absolute (relative)
      || (g_ascii_isalpha (relative[0]) && relative[1] == ':'))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "path '%s' is absolute; only paths below the model's folder "
                   "are read", label);
      return -1;
    }
  /* split into components; refuse ".." anywhere */
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *p = relative;
  while (*p)
    {
      const char *q = p;
      while (*q && !is_separator (*q))
        q++;
      if (q > p)
        {
          char *part = g_strndup (p, (gsize) (q - p));
          if (strcmp (part, "..") == 0)
            {
              g_free (part);
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                           "path '%s' climbs out of the model's folder with '..'",
                           label);
              return -1;
            }
          if (strcmp (part, ".") == 0)
            g_free (part);
          else
            g_ptr_array_add (parts, part);
        }
      p = *q ? q + 1 : q;
    }
  if (parts->len == 0)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "path '%s' names no file", label);
      return -1;
    }

  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    {
      g_autofree char *d = g_filename_display_name (dir);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                   "cannot open the model's folder %s: %s", d, g_strerror (errno));
      return -1;
    }
  for (guint k = 0; k < parts->len; k++)
    {
      const char *part = parts->pdata[k];
      gboolean last = k + 1 == parts->len;
      struct stat st;
      if (fstatat (dfd, part, &st, AT_SYMLINK_NOFOLLOW) != 0)
        {
          int e = errno;
          close (dfd);
          g_set_error (error, FM_NET_ERROR,
                       e == ENOENT ? FM_NET_ERROR_NOT_FOUND : FM_NET_ERROR_INVALID,
                       "path '%s': %s", label, g_strerror (e));
          return -1;
        }
      if (S_ISLNK (st.st_mode))
        {
          close (dfd);
          g_autofree char *plabel = fm_net_escape (part);
          if (last)
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                         "path '%s' is a symlink; only plain files below the "
                         "model's folder are read", label);
          else
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                         "path '%s' goes through the symlink '%s'; only plain "
                         "files below the model's folder are read", label, plabel);
          return -1;
        }
      /* O_NOFOLLOW: a symlink swapped in since the check fails to open;
       * O_NONBLOCK: a FIFO does not hang the open */
      int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW
                  | (last ? O_NONBLOCK : O_DIRECTORY);
      int fd = openat (dfd, part, flags);
      int e = errno;
      close (dfd);
      if (fd < 0)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "path '%s': %s", label,
                       e == ELOOP ? "a symlink" : g_strerror (e));
          return -1;
        }
      dfd = fd;
    }
  struct stat st;
  if (fstat (dfd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (dfd);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "path '%s' %s, not a regular file", label,
                   S_ISFIFO (st.st_mode) ? "is a FIFO (named pipe)"
                   : S_ISCHR (st.st_mode) ? "is a character device"
                   : S_ISBLK (st.st_mode) ? "is a block device"
                   : S_ISDIR (st.st_mode) ? "is a directory" : "is a socket or special file");
      return -1;
    }
  /* in the read log, so that no output of the run replaces it */
  g_autofree char *full = g_build_filename (dir, relative, NULL);
  fm_file_log_note (full, &st);
  *size = (gsize) st.st_size;
  return dfd;
}

gsize
fm_elem_size (FmElem elem)
{
  switch (elem)
    {
    case FM_ELEM_I8: case FM_ELEM_U8: case FM_ELEM_BOOL: return 1;
    case FM_ELEM_F16: case FM_ELEM_BF16: case FM_ELEM_I16: case FM_ELEM_U16: return 2;
    case FM_ELEM_F32: case FM_ELEM_I32: case FM_ELEM_U32: return 4;
    case FM_ELEM_F64: case FM_ELEM_I64: case FM_ELEM_U64: return 8;
    }
  return 0;
}

const char *
fm_elem_name (FmElem elem)
{
  static const char *const names[] = {
    "float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16",
    "uint16", "int32", "uint32", "int64", "uint64", "bool"
  };
  return (unsigned) elem < G_N_ELEMENTS (names) ? names[elem] : "?";
}

FmTensorType
fm_elem_tensor_type (FmElem elem)
{
  switch (elem)
    {
    case FM_ELEM_F32: case FM_ELEM_F64: case FM_ELEM_F16: case FM_ELEM_BF16:
      return FM_TENSOR_FLOAT;
    default:
      return FM_TENSOR_INT64;
    }
}

float
fm_half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 bits;
  if (exp == 0)
    {
      if (mant == 0)
        bits = sign;
      else
        {
          /* subnormal: normalise into float32's range */
          exp = 127 - 15 + 1;
          while (!(mant & 0x400))
            {
              mant <<= 1;
              exp--;
            }
          mant &= 0x3ff;
          bits = sign | (exp << 23) | (mant << 13);
        }
    }
  else if (exp == 31)
    bits = sign | 0x7f800000u | (mant << 13);
  else
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  float f;
  memcpy (&f, &bits, sizeof f);
  return f;
}

static guint64
load_le (const guint8 *p, gsize size)
{
  guint64 v = 0;
  for (gsize k = 0; k < size; k++)
    v |= (guint64) p[k] << (8 * k);
  return v;
}

gboolean
fm_elem_convert (FmElem elem, const guint8 *src, gsize n, FmTensor *t,
                 gsize first, GError **error)
{
  g_return_val_if_fail (first <= t->n && n <= t->n - first, FALSE);
  gsize size = fm_elem_size (elem);
  float *f = t->f ? t->f + first : NULL;
  gint64 *i = t->i ? t->i + first : NULL;
  g_return_val_if_fail (fm_elem_tensor_type (elem) == t->type, FALSE);
  for (gsize k = 0; k < n; k++, src += size)
    {
      guint64 v = load_le (src, size);
      switch (elem)
        {
        case FM_ELEM_F32:
          {
            guint32 b = (guint32) v;
            memcpy (&f[k], &b, 4);
          }
          break;
        case FM_ELEM_F64:
          {
            double d;
            memcpy (&d, &v, 8);
            f[k] = (float) d;
          }
          break;
        case FM_ELEM_F16: f[k] = fm_half_to_float ((guint16) v); break;
        case FM_ELEM_BF16:
          {
            guint32 b = (guint32) v << 16;
            memcpy (&f[k], &b, 4);
          }
          break;
        case FM_ELEM_I8: i[k] = (gint8) (guint8) v; break;
        case FM_ELEM_U8: i[k] = (guint8) v; break;
        case FM_ELEM_I16: i[k] = (gint16) (guint16) v; break;
        case FM_ELEM_U16: i[k] = (guint16) v; break;
        case FM_ELEM_I32: i[k] = (gint32) (guint32) v; break;
        case FM_ELEM_U32: i[k] = (guint32) v; break;
        case FM_ELEM_I64: i[k] = (gint64) v; break;
        case FM_ELEM_BOOL: i[k] = v != 0; break;
        case FM_ELEM_U64:
          if (v > G_MAXINT64)
            {
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                           "element %" G_GSIZE_FORMAT ": uint64 value %"
                           G_GUINT64_FORMAT " does not fit int64",
                           first + k, v);
              return FALSE;
            }
          i[k] = (gint64) v;
          break;
        }
    }
  return TRUE;
}

const FmJsonCtx *
fm_model_json_ctx (void)
{
  static FmJsonCtx cx;
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      cx.where = "";
      cx.domain = FM_NET_ERROR;
      cx.parse_code = FM_NET_ERROR_PARSE;
      cx.invalid_code = FM_NET_ERROR_INVALID;
      g_once_init_leave (&done, 1);
    }
  return &cx;
}

JsonNode *
fm_model_parse_json (const char *data, gsize len, const char *what, GError **error)
{
  g_autoptr (JsonParser) parser = fm_json_parse (fm_model_json_ctx (), data, len, what, error);
  if (!parser)
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (!root)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "empty JSON text");
      return NULL;
    }
  return json_node_ref (root);
}
