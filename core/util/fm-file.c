/* fm-file.c: see fm-file.h. */
#include "fm-file.h"
#include "fm-text.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <pthread.h>

G_DEFINE_QUARK (fm-file-error-quark, fm_file_error)

/* Paths in messages are cut in the middle beyond this many characters. */
#define DISPLAY_MAX_CHARS 160

char *
fm_file_display (const char *path)
{
  return fm_text_escape (path, -1, DISPLAY_MAX_CHARS);
}

FmFileKind
fm_file_kind (const char *path, struct stat *st, int *err_no)
{
  struct stat buf;
  if (!st)
    st = &buf;
  if (err_no)
    *err_no = 0;
  if (stat (path, st) != 0)
    {
      int e = errno;
      if (err_no)
        *err_no = e;
      switch (e)
        {
        case ENOENT: return FM_FILE_MISSING;
        case ELOOP: return FM_FILE_LOOP;
        case ENAMETOOLONG: return FM_FILE_NAME_TOO_LONG;
        default: return FM_FILE_UNREACHABLE;
        }
    }
  if (S_ISREG (st->st_mode))
    return FM_FILE_REGULAR;
  if (S_ISDIR (st->st_mode))
    return FM_FILE_DIRECTORY;
  if (S_ISFIFO (st->st_mode))
    return FM_FILE_FIFO;
  if (S_ISCHR (st->st_mode))
    return FM_FILE_CHAR_DEVICE;
  if (S_ISBLK (st->st_mode))
    return FM_FILE_BLOCK_DEVICE;
  return FM_FILE_SOCKET;
}

gboolean
fm_file_exists (const char *path)
{
  struct stat st;
  /* a dangling symlink is a name the user gave as a file, too */
  return fm_file_kind (path, NULL, NULL) != FM_FILE_MISSING || lstat (path, &st) == 0;
}

static const char *
kind_text (FmFileKind kind)
{
  switch (kind)
    {
    case FM_FILE_DIRECTORY: return "is a directory";
    case FM_FILE_FIFO: return "is a FIFO (named pipe)";
    case FM_FILE_CHAR_DEVICE: return "is a character device";
    case FM_FILE_BLOCK_DEVICE: return "is a block device";
    case FM_FILE_SOCKET: return "is a socket";
    default: return "is not a regular file";
    }
}

/* The error for a failed stat or open. */
static void
set_errno_error (GError **error, const char *path, const char *what, int e)
{
  g_autofree char *display = fm_file_display (path);
  switch (e)
    {
    case ENOENT:
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_NOT_FOUND, "%s: no such %s", display, what);
      break;
    case ENOTDIR:
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_NOT_FOUND,
                   "%s: no such %s (a part of the path is not a directory)", display, what);
      break;
    case ELOOP:
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_LOOP,
                   "%s: too many levels of symbolic links (a symlink loop?)", display);
      break;
    case ENAMETOOLONG:
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_NAME_TOO_LONG,
                   "%s: the file name is too long (%" G_GSIZE_FORMAT " bytes; at most %d a name, "
                   "%d in all)", display, strlen (path), NAME_MAX, PATH_MAX - 1);
      break;
    case EACCES:
    case EPERM:
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_ACCESS, "%s: cannot read the %s: %s",
                   display, what, g_strerror (e));
      break;
    case ENXIO: /* opening a socket */
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_NOT_REGULAR,
                   "%s: is a socket or a device without a reader, not a %s", display, what);
      break;
    default:
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_IO, "%s: cannot read the %s: %s",
                   display, what, g_strerror (e));
    }
}

static void
set_kind_error (GError **error, const char *path, const char *what, FmFileKind kind)
{
  g_autofree char *display = fm_file_display (path);
  g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_NOT_REGULAR, "%s: %s, not a %s", display,
               kind_text (kind), what);
}

/* ---- the read log ---------------------------------------------------------
 * A process-wide record, because the files a run reads are opened deep
 * inside the readers (a stack description's weights, a model's sidecar)
 * and the command line must know them all; a mutex since readers may run
 * in threads. */

typedef struct {
  dev_t dev;
  ino_t ino;
  char *path;
} LogEntry;

/* POSIX, not GMutex: ThreadSanitizer sees it (docs/robustness.md) */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static GArray *read_log;  /* of LogEntry; NULL: no log */

static void
log_entry_clear (gpointer p)
{
  g_free (((LogEntry *) p)->path);
}

void
fm_file_log_begin (void)
{
  pthread_mutex_lock (&log_lock);
  if (!read_log)
    {
      read_log = g_array_new (FALSE, FALSE, sizeof (LogEntry));
      g_array_set_clear_func (read_log, log_entry_clear);
    }
  pthread_mutex_unlock (&log_lock);
}

void
fm_file_log_end (void)
{
  pthread_mutex_lock (&log_lock);
  g_clear_pointer (&read_log, g_array_unref);
  pthread_mutex_unlock (&log_lock);
}

static void
log_note (const char *path, const struct stat *st)
{
  pthread_mutex_lock (&log_lock);
  if (read_log)
    {
      gboolean known = FALSE;
      for (guint i = 0; i < read_log->len && !known; i++)
        {
          const LogEntry *e = &g_array_index (read_log, LogEntry, i);
          known = e->dev == st->st_dev && e->ino == st->st_ino;
        }
      if (!known)
        {
          LogEntry e = { st->st_dev, st->st_ino, g_strdup (path) };
          g_array_append_val (read_log, e);
        }
    }
  pthread_mutex_unlock (&log_lock);
}

char *
fm_file_log_find_id (dev_t dev, ino_t ino)
{
  char *found = NULL;
  pthread_mutex_lock (&log_lock);
  for (guint i = 0; read_log && i < read_log->len && !found; i++)
    {
      const LogEntry *e = &g_array_index (read_log, LogEntry, i);
      if (e->dev == dev && e->ino == ino)
        found = g_strdup (e->path);
    }
  pthread_mutex_unlock (&log_lock);
  return found;
}

void
fm_file_log_note (const char *path, const struct stat *st)
{
  log_note (path, st);
}

char *
fm_file_log_find (const char *path)
{
  struct stat st;
  if (stat (path, &st) != 0)
    return NULL;
  return fm_file_log_find_id (st.st_dev, st.st_ino);
}

/* ---- opening and reading ------------------------------------------------ */

int
fm_file_open (const char *path, const char *what, struct stat *st, GError **error)
{
  struct stat buf;
  if (!st)
    st = &buf;
  int e = 0;
  FmFileKind kind = fm_file_kind (path, st, &e);
  if (kind != FM_FILE_REGULAR)
    {
      if (e)
        set_errno_error (error, path, what, e);
      else
        set_kind_error (error, path, what, kind);
      return -1;
    }
  /* The stat said "regular"; the descriptor is what counts.  O_NONBLOCK
   * keeps a FIFO swapped in since from blocking this open, O_NOCTTY a
   * terminal from becoming ours. */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    {
      set_errno_error (error, path, what, errno);
      return -1;
    }
  if (fstat (fd, st) != 0)
    {
      set_errno_error (error, path, what, errno);
      close (fd);
      return -1;
    }
  if (!S_ISREG (st->st_mode))
    {
      set_kind_error (error, path, what,
                      S_ISDIR (st->st_mode) ? FM_FILE_DIRECTORY
                      : S_ISFIFO (st->st_mode) ? FM_FILE_FIFO
                      : S_ISCHR (st->st_mode) ? FM_FILE_CHAR_DEVICE
                      : S_ISBLK (st->st_mode) ? FM_FILE_BLOCK_DEVICE : FM_FILE_SOCKET);
      close (fd);
      return -1;
    }
  /* regular files never block; the flag goes so reads behave as usual */
  int flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  log_note (path, st);
  return fd;
}

FILE *
fm_file_fopen (const char *path, const char *what, GError **error)
{
  int fd = fm_file_open (path, what, NULL, error);
  if (fd < 0)
    return NULL;
  FILE *fp = fdopen (fd, "rb");
  if (!fp)
    {
      set_errno_error (error, path, what, errno);
      close (fd);
    }
  return fp;
}

static gboolean
read_error (GError **error, const char *path, const char *what, int e)
{
  g_autofree char *display = fm_file_display (path);
  g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_IO, "%s: reading the %s failed: %s", display,
               what, g_strerror (e));
  return FALSE;
}

static gboolean
too_large (GError **error, const char *path, const char *what, guint64 size, gsize max_size)
{
  g_autofree char *display = fm_file_display (path);
  g_autofree char *human = g_format_size (max_size);
  if (size)
    g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_TOO_LARGE,
                 "%s: %" G_GUINT64_FORMAT " bytes is too large for a %s (at most %s)", display,
                 size, what, human);
  else
    g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_TOO_LARGE,
                 "%s: more than %" G_GSIZE_FORMAT " bytes is too large for a %s (at most %s)",
                 display, max_size, what, human);
  return FALSE;
}

gboolean
fm_file_read_capped (const char *path, gsize max_size, const char *what, char **data,
                     gsize *length, GError **error)
{
  struct stat st;
  int fd = fm_file_open (path, what, &st, error);
  if (fd < 0)
    return FALSE;
  if ((guint64) st.st_size > max_size)
    {
      close (fd);
      return too_large (error, path, what, (guint64) st.st_size, max_size);
    }
  /* st_size is a hint for the first allocation, not a limit: the file
   * may grow while we read, and some files report 0 */
  gsize cap = MAX ((gsize) st.st_size, 4096) + 1, done = 0;
  char *buf = g_try_malloc (cap + 1);
  if (!buf)
    {
      close (fd);
      g_autofree char *display = fm_file_display (path);
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_TOO_LARGE,
                   "%s: not enough memory for %" G_GUINT64_FORMAT " bytes", display,
                   (guint64) st.st_size);
      return FALSE;
    }
  for (;;)
    {
      if (done == cap)
        {
          if (done > max_size)
            break;
          gsize grow = MIN (cap * 2, max_size + 1);
          char *bigger = g_try_realloc (buf, grow + 1);
          if (!bigger)
            {
              g_free (buf);
              close (fd);
              return too_large (error, path, what, 0, done);
            }
          buf = bigger;
          cap = grow;
        }
      ssize_t got = read (fd, buf + done, cap - done);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int e = errno;
          g_free (buf);
          close (fd);
          return read_error (error, path, what, e);
        }
      if (got == 0)
        break;
      done += (gsize) got;
    }
  close (fd);
  if (done > max_size)
    {
      g_free (buf);
      return too_large (error, path, what, 0, max_size);
    }
  buf[done] = '\0';
  *data = buf;
  *length = done;
  return TRUE;
}

gboolean
fm_file_read_head (const char *path, const char *what, guint8 *head, gsize n, gsize *got,
                   GError **error)
{
  int fd = fm_file_open (path, what, NULL, error);
  if (fd < 0)
    return FALSE;
  gsize done = 0;
  while (done < n)
    {
      ssize_t r = read (fd, head + done, n - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          close (fd);
          return read_error (error, path, what, e);
        }
      if (r == 0)
        break;
      done += (gsize) r;
    }
  close (fd);
  *got = done;
  return TRUE;
}

gboolean
fm_file_pread (int fd, void *buf, gsize len, guint64 offset, const char *what, GError **error)
{
  gsize done = 0;
  while (done < len)
    {
      gsize chunk = MIN (len - done, (gsize) 1 << 30);
      ssize_t got = pread (fd, (guint8 *) buf + done, chunk, (off_t) (offset + done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        {
          g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_IO, "%s: %s", what,
                       got < 0 ? g_strerror (errno) : "the file is shorter than when it was opened");
          return FALSE;
        }
      done += (gsize) got;
    }
  return TRUE;
}

/* ---- writing ------------------------------------------------------------ */

struct _FmFileWriter {
  int fd;
  char *path, *what;
};

static gboolean
write_error (GError **error, const char *path, const char *what, const char *step, int e)
{
  g_autofree char *display = fm_file_display (path);
  g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_WRITE, "%s: %s the %s failed: %s", display, step,
               what, g_strerror (e));
  return FALSE;
}

FmFileWriter *
fm_file_writer_new (const char *path, const char *what, GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
  if (fd < 0)
    {
      write_error (error, path, what, "creating", errno);
      return NULL;
    }
  FmFileWriter *w = g_new0 (FmFileWriter, 1);
  w->fd = fd;
  w->path = g_strdup (path);
  w->what = g_strdup (what);
  return w;
}

gboolean
fm_file_writer_write (FmFileWriter *w, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;
  while (len > 0)
    {
      ssize_t n = write (w->fd, p, MIN (len, (gsize) 1 << 30));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return write_error (error, w->path, w->what, "writing", n < 0 ? errno : ENOSPC);
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gboolean
fm_file_writer_close (FmFileWriter *w, GError **error)
{
  /* a full disk or a quota may only show at close (NFS, delayed allocation) */
  gboolean ok = close (w->fd) == 0 || write_error (error, w->path, w->what, "closing", errno);
  g_free (w->path);
  g_free (w->what);
  g_free (w);
  return ok;
}
