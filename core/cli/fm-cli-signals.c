/* fm-cli-signals.c: see fm-cli-signals.h. */
#include "fm-cli-signals.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <pthread.h>

/* A run has one output in progress at a time (and a multi-image run commits
 * each before the next): a few slots are plenty. */
#define N_SLOTS 8

typedef struct {
  volatile sig_atomic_t used;
  volatile sig_atomic_t is_dir;
  char path[PATH_MAX];
} Slot;

static Slot slots[N_SLOTS];
/* POSIX, not GMutex: ThreadSanitizer sees it (docs/robustness.md) */
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t committing;
static volatile sig_atomic_t pending;   /* a signal held during a commit */

static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* Everything inside a temporary folder we made: files, and the
 * sub-folders a multi-layer output puts there (depth bounded: we never
 * nest deeper than one), with raw getdents64 — opendir allocates. */
static void
empty_folder_at (int fd, int depth)
{
  char buf[4096] __attribute__ ((aligned (8)));
  for (;;)
    {
      long n = syscall (SYS_getdents64, fd, buf, sizeof buf);
      if (n <= 0)
        break;
      for (long off = 0; off < n;)
        {
          /* struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name */
          unsigned short reclen;
          memcpy (&reclen, buf + off + 16, sizeof reclen);
          unsigned char type = (unsigned char) buf[off + 18];
          const char *name = buf + off + 19;
          if (!(name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))))
            {
              if (type == DT_DIR && depth < 3)
                {
                  int sub = openat (fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                  if (sub >= 0)
                    {
                      empty_folder_at (sub, depth + 1);
                      close (sub);
                    }
                  unlinkat (fd, name, AT_REMOVEDIR);
                }
              else
                unlinkat (fd, name, 0);
            }
          off += reclen;
        }
    }
}

static void
empty_folder (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  empty_folder_at (fd, 0);
  close (fd);
}

static void
remove_temporaries (void)
{
  for (int i = N_SLOTS - 1; i >= 0; i--)
    {
      if (!slots[i].used)
        continue;
      if (slots[i].is_dir)
        {
          empty_folder (slots[i].path);
          rmdir (slots[i].path);
        }
      else
        unlink (slots[i].path);
      slots[i].used = 0;
    }
}

static void
die_by (int signo)
{
  /* the default action, so the status says which signal ended us */
  struct sigaction dfl;
  memset (&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset (&dfl.sa_mask);
  sigaction (signo, &dfl, NULL);
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, signo);
  pthread_sigmask (SIG_UNBLOCK, &set, NULL);
  raise (signo);
  _exit (128 + signo); /* not reached */
}

static void
on_signal (int signo)
{
  if (committing)
    {
      pending = signo;
      return;
    }
  remove_temporaries ();
  die_by (signo);
}

void
fm_cli_signals_install (void)
{
  static gsize done = 0;
  if (!g_once_init_enter (&done))
    return;
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  /* one handler at a time: the others wait until it ends the process */
  for (gsize i = 0; i < G_N_ELEMENTS (handled); i++)
    sigaddset (&sa.sa_mask, handled[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (handled); i++)
    {
      struct sigaction old;
      /* a signal the caller ignores (nohup, a background job's SIGINT)
       * stays ignored */
      if (sigaction (handled[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
        continue;
      sigaction (handled[i], &sa, NULL);
    }
  g_once_init_leave (&done, 1);
}

int
fm_cli_temp_add (const char *path, gboolean is_dir)
{
  if (strlen (path) >= PATH_MAX)
    return -1;
  int slot = -1;
  pthread_mutex_lock (&slots_lock);
  for (int i = 0; i < N_SLOTS && slot < 0; i++)
    if (!slots[i].used)
      slot = i;
  if (slot >= 0)
    {
      strcpy (slots[slot].path, path);
      slots[slot].is_dir = is_dir;
      /* the path is complete before the handler may look at it */
      __atomic_store_n (&slots[slot].used, 1, __ATOMIC_SEQ_CST);
    }
  pthread_mutex_unlock (&slots_lock);
  return slot;
}

void
fm_cli_temp_forget (int slot)
{
  if (slot < 0 || slot >= N_SLOTS)
    return;
  __atomic_store_n (&slots[slot].used, 0, __ATOMIC_SEQ_CST);
}

void
fm_cli_commit_begin (void)
{
  __atomic_store_n (&committing, 1, __ATOMIC_SEQ_CST);
}

void
fm_cli_commit_end (void)
{
  __atomic_store_n (&committing, 0, __ATOMIC_SEQ_CST);
  int signo = pending;
  if (signo)
    {
      remove_temporaries ();
      die_by (signo);
    }
}
