/* fm-profile: phase times of a plug-in call on stderr (see fm-profile.h). */
#include "fm-profile.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int enabled = -1;
static gint64 spans[FM_PROFILE_N_SPANS];
static double last_wall, last_cpu;

gboolean
fm_profile_enabled (void)
{
  if (enabled < 0)
    {
      const char *v = g_getenv ("FEATUREMAPS_PROFILE");
      enabled = v && *v && strcmp (v, "0") != 0;
    }
  return enabled;
}

gint64
fm_profile_now (void)
{
  return fm_profile_enabled () ? g_get_monotonic_time () : 0;
}

void
fm_profile_add (FmProfileSpan span, gint64 start)
{
  if (fm_profile_enabled ())
    spans[span] += g_get_monotonic_time () - start;
}

static double
seconds (clockid_t clock)
{
  struct timespec ts;
  clock_gettime (clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seconds since exec: the process's start (field 22 of /proc/self/stat, in
 * clock ticks after boot) against CLOCK_BOOTTIME; 10 ms resolution. */
static double
since_exec (void)
{
  static double start = -1;
  if (start < 0)
    {
      g_autofree char *stat = NULL;
      start = 0;
      if (g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL))
        {
          const char *p = strrchr (stat, ')');   /* the name may hold spaces */
          unsigned long long ticks = 0;
          /* After ") ": state is field 3; starttime is field 22. */
          for (int field = 2; p && field < 22; field++)
            p = strchr (p + 1, ' ');
          if (p && sscanf (p + 1, "%llu", &ticks) == 1)
            start = (double) ticks / sysconf (_SC_CLK_TCK);
        }
    }
  return seconds (CLOCK_BOOTTIME) - start;
}

static long
peak_kib (void)
{
  g_autofree char *status = NULL;
  long kib = -1;
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      const char *p = strstr (status, "VmHWM:");
      if (p)
        sscanf (p + 6, "%ld", &kib);
    }
  return kib;
}

static void
mark (const char *phase, gboolean last)
{
  if (!fm_profile_enabled ())
    return;
  double wall = since_exec (), cpu = seconds (CLOCK_PROCESS_CPUTIME_ID);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "featuremaps-profile %-10s wall %8.1f ms (+%8.1f) cpu %8.1f ms (+%8.1f)"
                          " read %.1f convert %.1f pack %.1f store %.1f",
                          phase, wall * 1e3, (wall - last_wall) * 1e3, cpu * 1e3,
                          (cpu - last_cpu) * 1e3, spans[FM_PROFILE_READ] * 1e-3,
                          spans[FM_PROFILE_CONVERT] * 1e-3, spans[FM_PROFILE_PACK] * 1e-3,
                          spans[FM_PROFILE_STORE] * 1e-3);
  if (last)
    g_string_append_printf (s, " peak %.1f MiB", peak_kib () / 1024.0);
  fprintf (stderr, "%s\n", s->str);
  g_string_free (s, TRUE);
  last_wall = wall;
  last_cpu = cpu;
}

void fm_profile_mark (const char *phase) { mark (phase, FALSE); }
void fm_profile_end (const char *phase) { mark (phase, TRUE); }
