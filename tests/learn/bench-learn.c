/* bench-learn: fm_learn_pair on the sizes docs/learning.md quotes, on a
 * textured random pair made in memory (file loading is not timed).
 *
 *   bench-learn [WIDTH HEIGHT]        default 4000 × 3000 (12 MP)
 *
 * Prints, per case, wall seconds, CPU seconds of the process (on a busy
 * machine wall time says little: CPU / threads is what an idle machine
 * would take at best), the peak resident memory, and the PSNR the fit
 * reached.  A case is a hidden kernel, so the fit must be exact: the PSNR
 * column shows it is. */
#include "fm-learn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
peak_rss_mb (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

/* A hidden 3 × 3 kernel applied as a `same` map (borders left as they are):
 * a kh × kw fit holds it exactly (the timing does not depend on what the
 * kernel is, and making the pair stays quick). */
static void
make_after (const float *b, float *a, int W, int H, int C, gboolean per_channel,
            GRand *rand)
{
  const int kh = 3, kw = 3;
  const int O = C, CF = per_channel ? 1 : C;
  double *k = g_new (double, (gsize) O * kh * kw * CF);
  for (int i = 0; i < O * kh * kw * CF; i++)
    k[i] = (g_rand_double (rand) - 0.5) / (kh * kw);
  memcpy (a, b, (gsize) W * H * C * sizeof (float));
  const int pt = (kh - 1) / 2, pl = (kw - 1) / 2;
  for (int y = 0; y + kh <= H; y++)
    for (int x = 0; x + kw <= W; x++)
      for (int o = 0; o < O; o++)
        {
          double v = per_channel ? 0.01 : 0.01 * o;
          for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
              for (int c = 0; c < CF; c++)
                {
                  const int ch = per_channel ? o : c;
                  const double w = per_channel ? k[(i * kw + j)] : k[((o * kh + i) * kw + j) * CF + c];
                  v += w * b[((gsize) (y + i) * W + x + j) * C + ch];
                }
          a[((gsize) (y + pt) * W + x + pl) * C + o] = (float) v;
        }
  g_free (k);
}

static const char *only_case;

static void
run_case (const char *label, const float *b, float *a, int W, int H, int kh, int kw,
          FmLearnMode mode, gboolean robust, const float *mask, GRand *rand)
{
  const gboolean outliers = robust;
  if (only_case && !g_str_has_prefix (label, only_case))
    return;
  make_after (b, a, W, H, 3, mode != FM_LEARN_MODE_FULL, rand);
  /* robust: noise of 1/255 and 1 % of the values clipped to 1, so IRLS has
   * work to do */
  for (gsize i = 0; outliers && i < (gsize) W * H * 3; i++)
    a[i] = g_rand_int_range (rand, 0, 100) == 0 ? 1.0f
           : a[i] + (float) ((g_rand_double (rand) - 0.5) / 255.0);
  FmLearnImage before = { W, H, 3, b }, after = { W, H, 3, a }, m = { W, H, 1, mask };
  FmLearnPairOptions opt;
  fm_learn_pair_options_init (&opt);
  opt.mode = mode;
  opt.kh = kh;
  opt.kw = kw;
  opt.robust = robust;
  FmLearnQuality q;
  GError *error = NULL;
  const double c0 = cpu_seconds ();
  const gint64 t0 = g_get_monotonic_time ();
  FmBank *bank = fm_learn_pair (&before, &after, mask ? &m : NULL, &opt, &q, NULL, NULL, &error);
  const double wall = (g_get_monotonic_time () - t0) / 1e6, cpu = cpu_seconds () - c0;
  if (!bank)
    {
      printf ("%-34s failed: %s\n", label, error->message);
      g_error_free (error);
      return;
    }
  printf ("%-34s %8.2f %8.2f %8ld %9.1f %6d\n", label, wall, cpu, peak_rss_mb (), q.psnr,
          q.iterations);
  fflush (stdout);
  fm_learn_quality_clear (&q);
  fm_bank_free (bank);
}

int
main (int argc, char **argv)
{
  only_case = g_getenv ("BENCH_LEARN_ONLY"); /* a case's label prefix */
  const int W = argc > 2 ? atoi (argv[1]) : 4000, H = argc > 2 ? atoi (argv[2]) : 3000;
  GRand *rand = g_rand_new_with_seed (7);
  float *b = g_new (float, (gsize) W * H * 3), *a = g_new (float, (gsize) W * H * 3);
  float *mask = g_new (float, (gsize) W * H);
  /* texture: noise plus its neighbours (correlated, like an image) */
  for (gsize i = 0; i < (gsize) W * H * 3; i++)
    b[i] = (float) g_rand_double (rand);
  for (gsize i = (gsize) W * 3 + 3; i < (gsize) W * H * 3; i++)
    b[i] = (b[i] + b[i - 3] + b[i - (gsize) W * 3]) / 3;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      mask[(gsize) y * W + x] = x < W * 3 / 4 ? 1.0f : 0.0f;

  printf ("%d × %d RGB pair, %u cores\n", W, H, g_get_num_processors ());
  printf ("%-34s %8s %8s %8s %9s %6s\n", "case", "wall s", "cpu s", "peak MB", "PSNR dB",
          "iter");
  run_case ("7x7 full (3 × 147 + bias)", b, a, W, H, 7, 7, FM_LEARN_MODE_FULL, FALSE, NULL, rand);
  run_case ("15x15 per-channel (225 + bias)", b, a, W, H, 15, 15, FM_LEARN_MODE_PER_CHANNEL, FALSE, NULL, rand);
  run_case ("5x5 luminance", b, a, W, H, 5, 5, FM_LEARN_MODE_LUMINANCE, FALSE, NULL, rand);
  run_case ("7x7 full, mask of 3/4", b, a, W, H, 7, 7, FM_LEARN_MODE_FULL, FALSE, mask, rand);
  run_case ("7x7 full, --robust", b, a, W, H, 7, 7, FM_LEARN_MODE_FULL, TRUE, NULL, rand);
  g_free (b);
  g_free (a);
  g_free (mask);
  g_rand_free (rand);
  return 0;
}
