/* fm-cli-progress: "[n/N] name ▕█████░░░░░▏ 45%" on a terminal, redrawn in
 * place; nothing at all when stderr is a file or a pipe (logs and batch
 * systems get the failure lines and the summary only). */
#include "fm-cli-apply.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

struct _FmCliProgress {
  gboolean tty;
  int total, index, percent, columns;
  char *name;
  gboolean shown;
};

FmCliProgress *
fm_cli_progress_new (int total)
{
  FmCliProgress *p = g_new0 (FmCliProgress, 1);
  p->tty = isatty (STDERR_FILENO);
  p->total = total;
  p->columns = 80;
  struct winsize ws;
  if (p->tty && ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
    p->columns = ws.ws_col;
  return p;
}

static void
draw (FmCliProgress *p)
{
  enum { BAR = 20 };
  char count[32];
  g_snprintf (count, sizeof count, "[%d/%d] ", p->index, p->total);
  /* The name gets what the count, the bar and the percentage leave. */
  int room = p->columns - 1 - (int) strlen (count) - (BAR + 2) - 6 - 1;
  g_autofree char *name = g_strdup (p->name);
  if (room < 4)
    room = 4;
  if (g_utf8_strlen (name, -1) > room)
    {
      const char *tail = g_utf8_offset_to_pointer (name, g_utf8_strlen (name, -1) - (room - 1));
      char *cut = g_strconcat ("…", tail, NULL);
      g_free (name);
      name = cut;
    }
  GString *line = g_string_new ("\r\033[K");
  g_string_append_printf (line, "%s%s ▕", count, name);
  int full = p->percent * BAR / 100;
  for (int i = 0; i < BAR; i++)
    g_string_append (line, i < full ? "█" : "░");
  g_string_append_printf (line, "▏ %3d%%", p->percent);
  fputs (line->str, stderr);
  fflush (stderr);
  g_string_free (line, TRUE);
  p->shown = TRUE;
}

void
fm_cli_progress_start (FmCliProgress *p, int index, const char *name)
{
  p->index = index;
  p->percent = 0;
  g_free (p->name);
  p->name = g_strdup (name);
  if (p->tty)
    draw (p);
}

gboolean
fm_cli_progress_update (gpointer data, double fraction)
{
  FmCliProgress *p = data;
  int percent = (int) CLAMP (fraction * 100.0, 0.0, 100.0);
  if (p->tty && percent != p->percent)
    {
      p->percent = percent;
      draw (p);
    }
  return TRUE;
}

void
fm_cli_progress_clear (FmCliProgress *p)
{
  if (p->tty && p->shown)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      p->shown = FALSE;
    }
}

void
fm_cli_progress_free (FmCliProgress *p)
{
  if (!p)
    return;
  fm_cli_progress_clear (p);
  g_free (p->name);
  g_free (p);
}
