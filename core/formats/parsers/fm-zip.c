/* fm-zip.c: see fm-zip.h.  Written by hand rather than with libzip or
 * minizip (docs/architecture.md, "Hand-written parts"): the archive is
 * already in memory, only stored and deflated members are needed, and
 * every declared size must be checked before anything is allocated. */
#include "fm-zip.h"
#include "fm-text.h"

#include <gio/gio.h>
#include <string.h>

G_DEFINE_QUARK (fm-zip-error-quark, fm_zip_error)

#define ZIP_EOCD_SIG    0x06054b50u
#define ZIP_CENTRAL_SIG 0x02014b50u
#define ZIP_LOCAL_SIG   0x04034b50u
/* Deflate cannot expand data more than about 1032:1; a member that claims
 * more is a lie or a bomb, caught before the allocation. */
#define DEFLATE_MAX_RATIO 1032

typedef struct {
  char *name;
  guint16 flags, method;
  guint32 crc, csize, usize, local;
} Member;

struct _FmZip {
  const guint8 *data;
  gsize length;
  char *name, *what;
  gsize cd_offset;      /* members' data lies below the central directory */
  Member *members;
  guint n_members;
};

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static guint16
le16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static guint32
crc32_of (const guint8 *data, gsize len)
{
  static guint32 table[256];
  static gsize table_ready = 0;
  if (g_once_init_enter (&table_ready))
    {
      for (guint32 i = 0; i < 256; i++)
        {
          guint32 c = i;
          for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
          table[i] = c;
        }
      g_once_init_leave (&table_ready, 1);
    }
  guint32 crc = 0xffffffffu;
  for (gsize i = 0; i < len; i++)
    crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

static gboolean
zip_error (GError **error, const char *name, const char *what, const char *problem)
{
  g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_PARSE, "%s: not a valid %s: %s", name, what,
               problem);
  return FALSE;
}

gboolean
fm_zip_sniff (const guint8 *head, gsize n)
{
  return n >= 4 && head[0] == 'P' && head[1] == 'K'
         && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
}

void
fm_zip_free (FmZip *zip)
{
  if (!zip)
    return;
  for (guint i = 0; i < zip->n_members; i++)
    g_free (zip->members[i].name);
  g_free (zip->members);
  g_free (zip->name);
  g_free (zip->what);
  g_free (zip);
}

/* Where member m's data starts, from its local header; FALSE when the
 * header is not where the directory says (the member fails when read). */
static gboolean
data_start (const FmZip *zip, const Member *m, gsize *start)
{
  if ((gsize) m->local + 30 > zip->cd_offset || le32 (zip->data + m->local) != ZIP_LOCAL_SIG)
    return FALSE;
  *start = (gsize) m->local + 30 + le16 (zip->data + m->local + 26)
           + le16 (zip->data + m->local + 28);
  return *start <= zip->cd_offset;
}

typedef struct {
  gsize from, to;
  guint index;
} Extent;

static int
compare_extent (gconstpointer a, gconstpointer b)
{
  const Extent *x = a, *y = b;
  return x->from < y->from ? -1 : x->from > y->from;
}

static char *
member_label (const Member *m)
{
  return fm_text_escape (m->name, -1, 60);
}

/* The bytes of every member are its own: two directory entries for one
 * name, or two members whose headers and data share bytes, are how zip
 * bombs multiply one deflate stream (1000 entries pointing at the same
 * 2 MB member inflate to 2 GB).  Refused here, so a member's declared size
 * — at most DEFLATE_MAX_RATIO times its own compressed bytes — bounds
 * what the whole archive can inflate to by 1032 times the file. */
static gboolean
check_layout (const FmZip *zip, GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) extents = g_array_sized_new (FALSE, FALSE, sizeof (Extent), zip->n_members);
  for (guint i = 0; i < zip->n_members; i++)
    {
      const Member *m = &zip->members[i];
      if (!g_hash_table_add (names, m->name))
        {
          g_autofree char *label = member_label (m);
          g_autofree char *msg = g_strdup_printf ("member '%s' is listed twice in the directory", label);
          return zip_error (error, zip->name, zip->what, msg);
        }
      gsize start;
      if (!data_start (zip, m, &start))
        continue;
      Extent e = { m->local, MAX (start + MIN ((gsize) m->csize, zip->cd_offset - start), start), i };
      g_array_append_val (extents, e);
    }
  g_array_sort (extents, compare_extent);
  for (guint k = 1; k < extents->len; k++)
    {
      const Extent *a = &g_array_index (extents, Extent, k - 1), *b = &g_array_index (extents, Extent, k);
      if (b->from < a->to)
        {
          g_autofree char *la = member_label (&zip->members[a->index]);
          g_autofree char *lb = member_label (&zip->members[b->index]);
          g_autofree char *msg = g_strdup_printf ("members '%s' and '%s' share bytes (overlapping "
                                                  "members: a zip bomb?)", la, lb);
          return zip_error (error, zip->name, zip->what, msg);
        }
    }
  return TRUE;
}

FmZip *
fm_zip_open_data (const guint8 *data, gsize length, const char *name, const char *what,
                  GError **error)
{
  if (!name)
    name = "archive";
  if (!what)
    what = "zip archive";
  if (length < 22)
    {
      zip_error (error, name, what, length >= 4 && le32 (data) == ZIP_LOCAL_SIG
                 ? "truncated (no end-of-central-directory record)" : "too short to be a zip archive");
      return NULL;
    }
  /* The end record sits in the last 22 + 65535 (comment) bytes. */
  gssize eocd = -1;
  gsize lowest = length - 22 > 65535 ? length - 22 - 65535 : 0;
  for (gsize pos = length - 22 + 1; pos-- > lowest;)
    if (le32 (data + pos) == ZIP_EOCD_SIG)
      {
        eocd = (gssize) pos;
        break;
      }
  if (eocd < 0)
    {
      zip_error (error, name, what, le32 (data) == ZIP_LOCAL_SIG
                 ? "truncated (no end-of-central-directory record)" : "no end-of-central-directory record");
      return NULL;
    }
  const guint8 *e = data + eocd;
  guint32 n_entries = le16 (e + 10), cd_size = le32 (e + 12), cd_offset = le32 (e + 16);
  /* A zip64 end record (torch.save writes one even for small archives)
   * only matters when the classic record's fields are saturated. */
  if (n_entries == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu)
    {
      g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_UNSUPPORTED,
                   "%s: zip64 archives are not supported (save fewer or smaller arrays)", name);
      return NULL;
    }
  if (le16 (e + 4) != 0 || le16 (e + 6) != 0 || le16 (e + 8) != n_entries)
    {
      zip_error (error, name, what, "multi-disk archives are not supported");
      return NULL;
    }
  if ((gsize) cd_offset + cd_size > (gsize) eocd)
    {
      zip_error (error, name, what, "the central directory lies outside the file (truncated?)");
      return NULL;
    }

  FmZip *zip = g_new0 (FmZip, 1);
  zip->data = data;
  zip->length = length;
  zip->name = g_strdup (name);
  zip->what = g_strdup (what);
  zip->cd_offset = cd_offset;
  /* each entry takes at least 46 bytes of the directory, so n_entries is
   * bounded by the file before this allocation */
  if ((gsize) n_entries * 46 > cd_size)
    {
      zip_error (error, name, what, "corrupt central directory entry");
      fm_zip_free (zip);
      return NULL;
    }
  zip->members = g_new0 (Member, MAX (n_entries, 1));
  const guint8 *p = data + cd_offset, *cd_end = data + cd_offset + cd_size;
  for (guint32 i = 0; i < n_entries; i++)
    {
      if (cd_end - p < 46 || le32 (p) != ZIP_CENTRAL_SIG)
        {
          zip_error (error, name, what, "corrupt central directory entry");
          fm_zip_free (zip);
          return NULL;
        }
      guint16 name_len = le16 (p + 28), extra_len = le16 (p + 30), comment_len = le16 (p + 32);
      if ((gsize) (cd_end - p) < 46u + name_len + extra_len + comment_len)
        {
          zip_error (error, name, what, "corrupt central directory entry");
          fm_zip_free (zip);
          return NULL;
        }
      Member *m = &zip->members[zip->n_members++];
      m->flags = le16 (p + 8);
      m->method = le16 (p + 10);
      m->crc = le32 (p + 16);
      m->csize = le32 (p + 20);
      m->usize = le32 (p + 24);
      m->local = le32 (p + 42);
      m->name = g_strndup ((const char *) p + 46, name_len);
      p += 46 + name_len + extra_len + comment_len;
    }
  if (!check_layout (zip, error))
    {
      fm_zip_free (zip);
      return NULL;
    }
  return zip;
}

guint
fm_zip_n_members (const FmZip *zip)
{
  return zip->n_members;
}

const char *
fm_zip_member_name (const FmZip *zip, guint i)
{
  g_return_val_if_fail (i < zip->n_members, NULL);
  return zip->members[i].name;
}

gsize
fm_zip_member_size (const FmZip *zip, guint i)
{
  g_return_val_if_fail (i < zip->n_members, 0);
  return zip->members[i].usize;
}

int
fm_zip_find (const FmZip *zip, const char *name)
{
  for (guint i = 0; i < zip->n_members; i++)
    if (strcmp (zip->members[i].name, name) == 0)
      return (int) i;
  return -1;
}

int
fm_zip_find_suffix (const FmZip *zip, const char *suffix)
{
  for (guint i = 0; i < zip->n_members; i++)
    if (g_str_has_suffix (zip->members[i].name, suffix))
      return (int) i;
  return -1;
}

/* Inflates in[0 .. in_len) into out[0 .. out_len).  whole: the stream must
 * end exactly at out_len (a longer or shorter one is an error); else only
 * the first out_len bytes are wanted and *done says how many came. */
static gboolean
inflate_into (const guint8 *in, gsize in_len, guint8 *out, gsize out_len, gboolean whole,
              gsize *done, const char *name, const char *member, GError **error)
{
  g_autoptr (GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  guint8 spare[1];
  gsize done_in = 0, done_out = 0;
  for (;;)
    {
      gsize r = 0, w = 0;
      GError *local = NULL;
      /* when the output is full, one spare byte shows a stream longer than declared */
      gboolean full = done_out == out_len;
      if (full && !whole)
        break;
      GConverterResult res = g_converter_convert (G_CONVERTER (z), in + done_in, in_len - done_in,
                                                  full ? spare : out + done_out,
                                                  full ? 1 : out_len - done_out,
                                                  G_CONVERTER_INPUT_AT_END, &r, &w, &local);
      if (res == G_CONVERTER_ERROR)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NO_SPACE) && !whole)
            {
              g_error_free (local);
              break;
            }
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
            g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_PARSE,
                         "%s: member '%s' inflates to more than its declared %" G_GSIZE_FORMAT " bytes",
                         name, member, out_len);
          else
            g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_PARSE,
                         "%s: member '%s' has corrupt deflate data (%s)", name, member, local->message);
          g_error_free (local);
          return FALSE;
        }
      done_in += r;
      if (full && w > 0)
        {
          g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_PARSE,
                       "%s: member '%s' inflates to more than its declared %" G_GSIZE_FORMAT " bytes",
                       name, member, out_len);
          return FALSE;
        }
      done_out += w;
      if (res == G_CONVERTER_FINISHED)
        break;
      if (r == 0 && w == 0)
        {
          g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_PARSE,
                       "%s: member '%s' has a truncated deflate stream", name, member);
          return FALSE;
        }
    }
  if (whole && done_out != out_len)
    {
      g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_PARSE,
                   "%s: member '%s' inflates to %" G_GSIZE_FORMAT " bytes, its header says %" G_GSIZE_FORMAT,
                   name, member, done_out, out_len);
      return FALSE;
    }
  *done = done_out;
  return TRUE;
}

/* Everything about member i that can be checked without reading it;
 * *start: where its data begins. */
static gboolean
check_member (const FmZip *zip, guint i, gsize *start, GError **error)
{
  const Member *m = &zip->members[i];
  const char *name = zip->name, *what = zip->what;
  g_autofree char *member = member_label (m);

  if (!g_utf8_validate (m->name, -1, NULL))
    {
      g_autofree char *msg = g_strdup_printf ("a member name is not UTF-8 ('%s')", member);
      return zip_error (error, name, what, msg);
    }
  if (m->csize == 0xffffffffu || m->usize == 0xffffffffu || m->local == 0xffffffffu)
    {
      g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_UNSUPPORTED,
                   "%s: member '%s' uses zip64 sizes, which are not supported", name, member);
      return FALSE;
    }
  if (m->flags & 1)
    {
      g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_UNSUPPORTED,
                   "%s: member '%s' is encrypted", name, member);
      return FALSE;
    }
  if (m->method != 0 && m->method != 8)
    {
      g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_UNSUPPORTED,
                   "%s: member '%s' uses compression method %u (only stored and deflated are supported)",
                   name, member, m->method);
      return FALSE;
    }
  if ((gsize) m->local + 30 > zip->cd_offset || le32 (zip->data + m->local) != ZIP_LOCAL_SIG)
    {
      g_autofree char *msg = g_strdup_printf ("member '%s': bad local header", member);
      return zip_error (error, name, what, msg);
    }
  if (!data_start (zip, m, start) || m->csize > zip->cd_offset - *start)
    {
      g_autofree char *msg = g_strdup_printf ("member '%s' runs past the end of its data (truncated?)", member);
      return zip_error (error, name, what, msg);
    }
  if ((m->method == 0 && m->csize != m->usize)
      || (m->method == 8 && (guint64) m->usize > (guint64) m->csize * DEFLATE_MAX_RATIO + 1024))
    {
      g_autofree char *msg = g_strdup_printf ("member '%s' declares %u bytes from %u: impossible",
                                              member, m->usize, m->csize);
      return zip_error (error, name, what, msg);
    }
  return TRUE;
}

guint8 *
fm_zip_read_member (const FmZip *zip, guint i, gsize max_size, gsize *length, GError **error)
{
  g_return_val_if_fail (i < zip->n_members, NULL);
  const Member *m = &zip->members[i];
  gsize start;
  if (!check_member (zip, i, &start, error))
    return NULL;
  g_autofree char *member = member_label (m);
  if (m->usize > max_size)
    {
      g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_TOO_LARGE,
                   "%s: member '%s' is %u bytes, more than the %" G_GSIZE_FORMAT " allowed",
                   zip->name, member, m->usize, max_size);
      return NULL;
    }
  guint8 *bytes = g_try_malloc ((gsize) m->usize + 1);
  if (!bytes)
    {
      g_set_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_TOO_LARGE,
                   "%s: member '%s': not enough memory for %u bytes", zip->name, member, m->usize);
      return NULL;
    }
  gsize done = 0;
  if (m->method == 8)
    {
      if (!inflate_into (zip->data + start, m->csize, bytes, m->usize, TRUE, &done, zip->name,
                         member, error))
        {
          g_free (bytes);
          return NULL;
        }
    }
  else
    memcpy (bytes, zip->data + start, m->usize);
  bytes[m->usize] = 0;
  if (crc32_of (bytes, m->usize) != m->crc)
    {
      g_autofree char *msg = g_strdup_printf ("member '%s' fails its CRC check (corrupt)", member);
      zip_error (error, zip->name, zip->what, msg);
      g_free (bytes);
      return NULL;
    }
  *length = m->usize;
  return bytes;
}

guint8 *
fm_zip_read_member_head (const FmZip *zip, guint i, gsize n, gsize *length, GError **error)
{
  g_return_val_if_fail (i < zip->n_members, NULL);
  const Member *m = &zip->members[i];
  gsize start;
  if (!check_member (zip, i, &start, error))
    return NULL;
  g_autofree char *member = member_label (m);
  gsize want = MIN (n, (gsize) m->usize), done = 0;
  guint8 *bytes = g_malloc (want + 1);
  if (m->method == 8)
    {
      if (!inflate_into (zip->data + start, m->csize, bytes, want, want == m->usize, &done,
                         zip->name, member, error))
        {
          g_free (bytes);
          return NULL;
        }
    }
  else
    memcpy (bytes, zip->data + start, done = want);
  bytes[done] = 0;
  *length = done;
  return bytes;
}
