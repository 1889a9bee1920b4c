/* designer-bench: time designer presets (Sobel, Gaussian, Laplacian …) on a
 * large random image through several inner loops, to compare the
 * "separable" and "sparse" kernels with what the cost model would pick
 * otherwise.  Not a standard workload (those are `featuremaps bench`).
 *
 *   designer-bench [--size N] [--runs N] [--threads N] [--mode lum|rgb]
 *                  PRESET PATH...
 *
 * PATH is an inner-loop name (as FEATUREMAPS_CONV_PATH takes) or "auto",
 * the cost model's choice; a path that cannot take the plan falls back
 * to direct-c, and the line says which one ran.  The paths run
 * interleaved, one untimed and one timed run each per round, so a change
 * in the machine's load hits them alike; medians are printed, and the
 * largest difference from the first path relative to its largest value.
 * --mode rgb runs the filters on R, G and B separately (per-channel, as
 * the plug-in's per-channel mode and GIMP's filters do).
 */
#include "fm-bank.h"
#include "fm-conv-select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  int size = 4096, runs = 7, threads = 2;
  const char *mode = "lum";
  int i = 1;
  for (; i < argc && strncmp (argv[i], "--", 2) == 0; i += 2)
    {
      if (i + 1 >= argc)
        break;
      if (strcmp (argv[i], "--size") == 0)
        size = atoi (argv[i + 1]);
      else if (strcmp (argv[i], "--runs") == 0)
        runs = atoi (argv[i + 1]);
      else if (strcmp (argv[i], "--threads") == 0)
        threads = atoi (argv[i + 1]);
      else if (strcmp (argv[i], "--mode") == 0)
        mode = argv[i + 1];
    }
  if (argc - i < 2 || size < 8 || runs < 1 || threads < 1)
    {
      fprintf (stderr, "usage: designer-bench [--size N] [--runs N] [--threads N] "
                       "[--mode lum|rgb] PRESET PATH...\n");
      return 2;
    }
  g_unsetenv ("FEATUREMAPS_CONV_PATH");

  GError *error = NULL;
  FmBank *bank = fm_bank_load (argv[i], NULL, &error);
  if (!bank)
    {
      fprintf (stderr, "designer-bench: %s\n", error->message);
      return 2;
    }
  const gboolean rgb = strcmp (mode, "rgb") == 0;
  const int groups = rgb ? 3 : 1, C = bank->channels * groups, K = bank->n_filters;
  float *weights, *bias;
  fm_bank_pack (bank, &weights, &bias);
  const gsize per_group = (gsize) K * bank->kh * bank->kw * bank->channels;
  float *w = g_new (float, per_group * groups), *b = g_new (float, (gsize) K * groups);
  for (int g = 0; g < groups; g++)
    {
      memcpy (w + g * per_group, weights, per_group * sizeof (float));
      memcpy (b + (gsize) g * K, bias, K * sizeof (float));
    }

  FmConvParams p;
  fm_conv_params_init (&p);
  p.kh = bank->kh;
  p.kw = bank->kw;
  p.channels = C;
  p.n_filters = K * groups;
  p.groups = groups;
  p.weights = w;
  p.bias = b;
  p.convolve = bank->convolve;
  p.padding = FM_PADDING_SAME;
  p.border = FM_BORDER_CLAMP;
  p.n_threads = threads;

  const gsize n_in = (gsize) size * size * C, n_out = (gsize) size * size * p.n_filters;
  float *in = g_new (float, n_in);
  GRand *r = g_rand_new_with_seed (1);
  for (gsize j = 0; j < n_in; j++)
    in[j] = (float) g_rand_double (r);
  g_rand_free (r);

  const int n_paths = argc - i - 1;
  FmConvPlan **plans = g_new0 (FmConvPlan *, n_paths);
  float **outs = g_new0 (float *, n_paths);
  double *times = g_new0 (double, (gsize) n_paths * runs);
  for (int k = 0; k < n_paths; k++)
    {
      const char *name = argv[i + 1 + k];
      fm_conv_select_force (strcmp (name, "auto") == 0 ? NULL : name);
      plans[k] = fm_conv_plan_new (&p, size, size, &error);
      fm_conv_select_force (NULL);
      if (!plans[k])
        {
          fprintf (stderr, "designer-bench: %s\n", error->message);
          return 1;
        }
      outs[k] = g_new (float, n_out);
      fm_conv_plan_run_image (plans[k], in, outs[k], NULL);   /* warm-up */
    }
  for (int run = 0; run < runs; run++)
    for (int k = 0; k < n_paths; k++)
      {
        /* Untimed first: the path's own buffers were cold after the
         * others' runs (measured 10–60 % slower than back-to-back runs). */
        fm_conv_plan_run_image (plans[k], in, outs[k], NULL);
        gint64 t0 = g_get_monotonic_time ();
        if (!fm_conv_plan_run_image (plans[k], in, outs[k], &error))
          {
            fprintf (stderr, "designer-bench: %s\n", error->message);
            return 1;
          }
        times[(gsize) k * runs + run] = (g_get_monotonic_time () - t0) / 1000.0;
      }

  double max_ref = 0;
  for (gsize j = 0; j < n_out; j++)
    max_ref = MAX (max_ref, fabs (outs[0][j]));
  printf ("%s (%s, %d×%d×%d, %d filters %d×%d, %d threads):", argv[i], mode, size, size,
          C, p.n_filters, p.kh, p.kw, threads);
  double first = 0;
  for (int k = 0; k < n_paths; k++)
    {
      double *t = times + (gsize) k * runs;
      qsort (t, runs, sizeof (double), compare_double);
      double diff = 0;
      for (gsize j = 0; j < n_out; j++)
        diff = MAX (diff, fabs (outs[k][j] - outs[0][j]));
      if (k == 0)
        first = t[runs / 2];
      printf ("  %s %.1f ms (%.2f×, diff %.1e)", fm_conv_plan_path (plans[k]), t[runs / 2],
              first / t[runs / 2], max_ref > 0 ? diff / max_ref : diff);
    }
  printf ("\n");
  for (int k = 0; k < n_paths; k++)
    {
      fm_conv_plan_free (plans[k]);
      g_free (outs[k]);
    }
  g_free (plans);
  g_free (outs);
  g_free (times);
  g_free (in);
  g_free (w);
  g_free (b);
  g_free (weights);
  g_free (bias);
  fm_bank_free (bank);
  return 0;
}
