/* fm-cli-bench-startup: the start-up line of `featuremaps bench` — what a
 * user waits for before any convolution: this binary run as a child
 * process, `apply -k sobel -i IMAGE.png -o OUT.npy` on a 256 × 256 8-bit
 * RGB PNG, from exec to exit (wall time, CPU time and peak RSS from
 * wait4), with an empty babl cache and with the cache GIMP leaves
 * ($XDG_CACHE_HOME/babl/babl-fishes: --babl-cache FILE, else the user's
 * own).  Each run gets a fresh copy of the cache, as a new process of a
 * GIMP user would find it. */
#include "fm-cli.h"
#include "fm-cli-bench.h"
#include "fm-cli-mapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

static double
now_s (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* A photo-like 256 × 256 RGB PNG: smooth ramps and a few edges. */
static gboolean
write_image (const char *path, GError **error)
{
  enum { N = 256 };
  float *px = g_new (float, N * N * 3);
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      for (int c = 0; c < 3; c++)
        px[(y * N + x) * 3 + c] = ((x + 2 * y + 40 * c) % 97) / 96.0f * ((x / 32 + y / 32) % 2 ? 1.0f : 0.6f);
  FmCliMapFile *file = fm_cli_png_create (path, N, N, 3, 8, error);
  gboolean ok = file && fm_cli_map_file_rows (file, px, N, error)
                && fm_cli_map_file_finish (file, error);
  if (file && !ok)
    fm_cli_map_file_free (file);
  g_free (px);
  return ok;
}

static gboolean
copy_file (const char *from, const char *to, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  return g_file_get_contents (from, &data, &len, error)
         && g_file_set_contents (to, data, len, error);
}

/* One child: exec → exit. */
static gboolean
run_child (char **argv, char **envp, double *wall, double *cpu, double *rss_mb,
           GError **error)
{
  double t0 = now_s ();
  pid_t pid = fork ();
  if (pid < 0)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "bench: fork: %s",
                   g_strerror (errno));
      return FALSE;
    }
  if (pid == 0)
    {
      int null = open ("/dev/null", O_WRONLY);
      dup2 (null, STDOUT_FILENO);
      dup2 (null, STDERR_FILENO);
      execve (argv[0], argv, envp);
      _exit (127);
    }
  int status;
  struct rusage ru;
  if (wait4 (pid, &status, 0, &ru) != pid)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "bench: wait4: %s",
                   g_strerror (errno));
      return FALSE;
    }
  *wall = now_s () - t0;
  *cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
  *rss_mb = ru.ru_maxrss / 1024.0;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "bench: start-up run %s failed (status %d)", argv[0], status);
      return FALSE;
    }
  return TRUE;
}

/* The user's own babl cache, where babl looks for it. */
static char *
users_cache (void)
{
  const char *xdg = g_getenv ("XDG_CACHE_HOME");
  char *path = xdg && *xdg ? g_build_filename (xdg, "babl", "babl-fishes", NULL)
                           : g_build_filename (g_get_home_dir (), ".cache", "babl",
                                               "babl-fishes", NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

gboolean
fm_cli_bench_startup (const char *babl_cache, int n_runs, FmBenchStartup *res,
                      int *n_res, GError **error)
{
  *n_res = 0;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", error);
  if (!exe)
    return FALSE;
  g_autofree char *dir = g_dir_make_tmp ("fm-bench-startup-XXXXXX", error);
  if (!dir)
    return FALSE;
  g_autofree char *image = g_build_filename (dir, "photo.png", NULL);
  g_autofree char *out = g_build_filename (dir, "maps.npy", NULL);
  g_autofree char *cache_home = g_build_filename (dir, "cache", NULL);
  g_autofree char *cache_dir = g_build_filename (cache_home, "babl", NULL);
  g_autofree char *cache_file = g_build_filename (cache_dir, "babl-fishes", NULL);
  g_autofree char *found = babl_cache ? g_strdup (babl_cache) : users_cache ();
  gboolean ok = write_image (image, error);

  char *argv[] = { exe, "apply", "-k", "sobel", "-i", image, "-o", out, NULL };
  char **envp = g_environ_setenv (g_get_environ (), "XDG_CACHE_HOME", cache_home, TRUE);
  for (int which = 0; ok && which < 2; which++)
    {
      FmBenchStartup *r = &res[*n_res];
      memset (r, 0, sizeof *r);
      if (which == 1 && !found)
        break;
      g_strlcpy (r->cache, which ? found : "none", sizeof r->cache);
      double *wall = g_new (double, n_runs), *cpu = g_new (double, n_runs),
             *rss = g_new (double, n_runs);
      for (int i = 0; ok && i <= n_runs; i++)
        {
          /* A fresh cache each time: babl rewrites it at exit. */
          if (g_file_test (cache_file, G_FILE_TEST_EXISTS))
            g_unlink (cache_file);
          g_mkdir_with_parents (cache_dir, 0700);
          if (which == 1)
            ok = copy_file (found, cache_file, error);
          double w, c, m;
          ok = ok && run_child (argv, envp, &w, &c, &m, error);
          if (ok && i > 0)   /* run 0 warms the page cache */
            {
              wall[i - 1] = w;
              cpu[i - 1] = c;
              rss[i - 1] = m;
            }
        }
      if (ok)
        {
          qsort (wall, n_runs, sizeof *wall, compare_double);
          qsort (cpu, n_runs, sizeof *cpu, compare_double);
          qsort (rss, n_runs, sizeof *rss, compare_double);
          r->median = wall[n_runs / 2];
          r->min = wall[0];
          r->max = wall[n_runs - 1];
          r->cpu = cpu[n_runs / 2];
          r->rss_mb = rss[n_runs - 1];
          (*n_res)++;
        }
      g_free (wall);
      g_free (cpu);
      g_free (rss);
    }
  g_strfreev (envp);
  g_unlink (cache_file);
  g_rmdir (cache_dir);
  g_rmdir (cache_home);
  g_unlink (out);
  g_unlink (image);
  g_rmdir (dir);
  return ok;
}
