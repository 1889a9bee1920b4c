/* fm-file: the one way the library and its front ends open a file to
 * read (a kernel, a bank, an image, a mask, a model, a sidecar, the
 * weights a stack description names).
 *
 * Files come from strangers, and a path can name things that are not
 * files: a FIFO blocks an open() and a read() for ever, /dev/zero never
 * ends, a directory or a socket cannot be read, a symlink loop or an
 * over-long name fails with an errno nobody recognises.  So every open
 *  - looks at the path first (stat) and refuses what is not a regular
 *    file without opening it (opening a device can have effects);
 *  - opens with O_NONBLOCK (a FIFO swapped in since the stat does not
 *    hang), checks the descriptor again with fstat, then clears the flag;
 *  - says what the path really is: "is a FIFO (named pipe)", "is a
 *    directory", "a symlink loop", "the name is too long".
 * Whole-file reads are capped by the bytes actually read (cap + 1 is the
 * most ever read), never by st_size alone: a file may grow, and /proc
 * files say 0.
 *
 * Every file opened here is also noted in the read log when one is
 * active (fm_file_log_begin): the command line compares its outputs with
 * every file a run read — image, kernel, mask, model, sidecar, weights —
 * by device and inode, so no input is ever overwritten, whatever name,
 * symlink or hard link leads to it.  A leaf: GLib only. */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <sys/stat.h>

G_BEGIN_DECLS

#define FM_FILE_ERROR (fm_file_error_quark ())
GQuark fm_file_error_quark (void);

typedef enum {
  FM_FILE_ERROR_TOO_LARGE,     /* more bytes than the caller accepts */
  FM_FILE_ERROR_NOT_FOUND,     /* no such file (or a folder on the way is missing) */
  FM_FILE_ERROR_NOT_REGULAR,   /* a directory, FIFO, device or socket */
  FM_FILE_ERROR_LOOP,          /* a symlink loop */
  FM_FILE_ERROR_NAME_TOO_LONG, /* a name longer than the system allows */
  FM_FILE_ERROR_ACCESS,        /* permission denied */
  FM_FILE_ERROR_IO,            /* the read itself failed */
  FM_FILE_ERROR_WRITE          /* creating or writing a file failed */
} FmFileError;

/* What a path names, following symlinks. */
typedef enum {
  FM_FILE_MISSING,
  FM_FILE_REGULAR,
  FM_FILE_DIRECTORY,
  FM_FILE_FIFO,
  FM_FILE_CHAR_DEVICE,
  FM_FILE_BLOCK_DEVICE,
  FM_FILE_SOCKET,
  FM_FILE_LOOP,            /* ELOOP */
  FM_FILE_NAME_TOO_LONG,   /* ENAMETOOLONG */
  FM_FILE_UNREACHABLE      /* another stat error (EACCES on a folder, ENOTDIR, …) */
} FmFileKind;

/* The kind, and when it is not MISSING/UNREACHABLE its stat in *st (may be
 * NULL).  *err_no (may be NULL) gets the errno of a failed stat. */
FmFileKind fm_file_kind (const char *path, struct stat *st, int *err_no);

/* TRUE when the path exists in any form (also a dangling loop or a
 * device): the kernel argument "is a file" and is not a preset name. */
gboolean fm_file_exists (const char *path);

/* The path for a message: display encoding, control characters and
 * invalid bytes escaped, the middle elided beyond 160 characters. */
char *fm_file_display (const char *path);

/* Opens a regular file for reading (the checks above; O_CLOEXEC).  what
 * names the file in messages ("kernel file", "image"): "<path>: is a FIFO
 * (named pipe), not a kernel file".  st (may be NULL) gets its fstat.
 * Returns the descriptor, or -1 with error. */
int fm_file_open (const char *path, const char *what, struct stat *st, GError **error);

/* The same as a stdio stream ("rb"); NULL with error. */
FILE *fm_file_fopen (const char *path, const char *what, GError **error);

/* The whole file in *data (NUL-terminated, g_free) and *length, refused
 * with FM_FILE_ERROR_TOO_LARGE ("<path>: more than N bytes is too large
 * for a <what>") when it holds more than max_size bytes. */
gboolean fm_file_read_capped (const char *path, gsize max_size, const char *what,
                              char **data, gsize *length, GError **error);

/* Up to n first bytes (a format's magic); *got says how many. */
gboolean fm_file_read_head (const char *path, const char *what, guint8 *head, gsize n,
                            gsize *got, GError **error);

/* Reads exactly len bytes at offset of fd (a short read is an error: the
 * file changed under us); what names the file in messages. */
gboolean fm_file_pread (int fd, void *buf, gsize len, guint64 offset, const char *what,
                        GError **error);

/* ---- writing --------------------------------------------------------------
 * A file written through a descriptor, every failure with its reason
 * ("No space left on device"), whatever the step (open, write, close).
 * The path is created or truncated; callers write to their own temporary
 * names and rename (nothing here makes the write atomic). */
typedef struct _FmFileWriter FmFileWriter;
FmFileWriter *fm_file_writer_new (const char *path, const char *what, GError **error);
gboolean fm_file_writer_write (FmFileWriter *w, const void *data, gsize len, GError **error);
/* Closes and frees (also after a failed write: error may then be NULL). */
gboolean fm_file_writer_close (FmFileWriter *w, GError **error);

/* ---- the read log ---------------------------------------------------------
 * Between begin and end, every file fm_file_open opens (in any thread) is
 * noted by device and inode with its path.  One log at a time (the
 * command line's run); the plug-in never starts one. */
void fm_file_log_begin (void);
void fm_file_log_end (void);

/* When path is (now) one of the logged inputs — the same device and inode,
 * through any name or link — the input's path as it was opened (g_free);
 * NULL otherwise, also when path does not exist. */
char *fm_file_log_find (const char *path);
/* The same for an already known device and inode. */
char *fm_file_log_find_id (dev_t dev, ino_t ino);
/* Notes a file opened another way (openat below a model's folder). */
void fm_file_log_note (const char *path, const struct stat *st);

G_END_DECLS
