/* fm-cli-learn: `featuremaps learn`, the two forms of core/include/fm-learn.h.
 *
 *   learn --before B --after A --size KHxKW [--mode M] [--ridge λ] [--robust]
 *         [--mask IMAGE] [--name NAME] -o BANK.json
 *   learn --patches IMAGE… --filters K --size KHxKW --method pca|kmeans|ica
 *         [--mode M] [--seed N] [--samples N] [--dump-patches FILE.npy]
 *         [--name NAME] -o BANK.json
 *
 * Images load through fm-cli-image (any file GEGL reads, or a .npy).  The fit's
 * report goes to stdout, its warnings to stderr ("featuremaps: warning: …");
 * a failure is one line and exit status 2 with no bank written.  No output
 * may name an input: a bank never replaces the images it was learned from. */
#include "fm-cli.h"
#include "fm-cli-image.h"
#include "fm-learn.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

typedef struct {
  char *before, *after, *mask, *output, *size, *mode, *method, *name, *dump;
  char **patches;
  double ridge;
  gboolean robust;
  int filters, seed, samples, threads;
} Args;

static void
args_clear (Args *a)
{
  g_free (a->before);
  g_free (a->after);
  g_free (a->mask);
  g_free (a->output);
  g_free (a->size);
  g_free (a->mode);
  g_free (a->method);
  g_free (a->name);
  g_free (a->dump);
  g_strfreev (a->patches);
}

static gboolean
usage (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE, "learn: %s", msg);
  return FALSE;
}

/* "a|b|c" and the one-line help of each, from the learning tables. */
static char *
mode_values (void)
{
  GString *s = g_string_new (NULL);
  for (int m = 0; m < FM_LEARN_N_MODES; m++)
    g_string_append_printf (s, "%s%s", m ? "|" : "", fm_learn_mode_name (m));
  return g_string_free (s, FALSE);
}

static char *
method_values (void)
{
  GString *s = g_string_new (NULL);
  for (int m = 0; m < FM_LEARN_N_METHODS; m++)
    g_string_append_printf (s, "%s%s", m ? "|" : "", fm_learn_method_name (m));
  return g_string_free (s, FALSE);
}

static char *
description (void)
{
  GString *s = g_string_new ("From a pair: the convolution that turns --before into --after; "
                             "A(y, x) is the\nresult of the window whose top-left is "
                             "(y − ⌊(kh−1)/2⌋, x − ⌊(kw−1)/2⌋), as a `same` map;\n"
                             "only windows wholly inside the image are fitted.  "
                             "`featuremaps apply -k BANK.json\n-i B -o X --padding same "
                             "--mapping raw` then reproduces A inside that region.\n\n"
                             "From --patches: a bank learned from the images alone.\n\n"
                             "--mode\n");
  for (int m = 0; m < FM_LEARN_N_MODES; m++)
    g_string_append_printf (s, "  %-14s %s\n", fm_learn_mode_name (m), fm_learn_mode_help (m));
  g_string_append (s, "--method\n");
  for (int m = 0; m < FM_LEARN_N_METHODS; m++)
    g_string_append_printf (s, "  %-14s %s\n", fm_learn_method_name (m), fm_learn_method_help (m));
  g_string_append (s, "\nExit status 0 on success, 2 on bad usage or bad input (one line on "
                      "stderr; no bank is written).");
  return g_string_free (s, FALSE);
}

static GOptionContext *
make_context (Args *a, GPtrArray *keep)
{
  char *modes = mode_values (), *methods = method_values (), *desc = description ();
  g_ptr_array_add (keep, modes);
  g_ptr_array_add (keep, methods);
  g_ptr_array_add (keep, desc);
  GOptionEntry entries[] = {
    { "before", 0, 0, G_OPTION_ARG_FILENAME, &a->before, "The image before the effect (any image GEGL loads, or a .npy)", "B" },
    { "after", 0, 0, G_OPTION_ARG_FILENAME, &a->after, "The same image after the effect (same size)", "A" },
    { "patches", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->patches, "Learn from these images alone (more may follow as arguments)", "IMAGE" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &a->size, "Kernel size, e.g. 7x7, 5x3 or 7", "KHxKW" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &a->mode, "Which channels the filters see (default auto)", modes },
    { "ridge", 0, 0, G_OPTION_ARG_DOUBLE, &a->ridge, "Ridge λ ≥ 0 added to the per-pixel normal matrix (default 0)", "λ" },
    { "robust", 0, 0, G_OPTION_ARG_NONE, &a->robust, "Down-weight outliers (clipped highlights, JPEG damage): Huber IRLS", NULL },
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &a->mask, "Fit only where this image (same size) is white (luma ≥ 0.5)", "IMAGE" },
    { "filters", 0, 0, G_OPTION_ARG_INT, &a->filters, "--patches: number of filters K", "K" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &a->method, "--patches: how the filters are learned", methods },
    { "seed", 0, 0, G_OPTION_ARG_INT, &a->seed, "--patches: random seed (default 1)", "N" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &a->samples, "--patches: patches drawn (default 10000)", "N" },
    { "dump-patches", 0, 0, G_OPTION_ARG_FILENAME, &a->dump, "--patches: also write the sampled patches (N × kh × kw × C float32)", "FILE.npy" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &a->name, "The bank's name (default: the output's file name)", "NAME" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &a->threads, "Threads of a --before/--after fit (default: every core)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->output, "The bank to write (.json)", "BANK.json" },
    { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("- learn a filter bank from images");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx, desc);
  return ctx;
}

static gboolean
parse (int argc, char **argv, Args *a, GError **error)
{
  a->seed = 1;
  a->ridge = 0;
  a->filters = -1;
  a->samples = -1;
  GPtrArray *keep = g_ptr_array_new_with_free_func (g_free);
  GOptionContext *ctx = make_context (a, keep);
  g_set_prgname ("featuremaps learn");
  GError *local = NULL;
  gboolean ok = g_option_context_parse (ctx, &argc, &argv, &local);
  g_option_context_free (ctx);
  g_ptr_array_unref (keep);
  if (!ok)
    {
      usage (error, "%s (see featuremaps learn --help)", local->message);
      g_error_free (local);
      return FALSE;
    }
  if (argc > 1 && !a->patches)
    return usage (error, "unexpected argument '%s'", argv[1]);
  if (argc > 1)
    {
      /* --patches a.png b.png c.png: the images after the first arrive as arguments */
      GStrvBuilder *b = g_strv_builder_new ();
      g_strv_builder_addv (b, (const char **) a->patches);
      for (int i = 1; i < argc; i++)
        {
          if (argv[i][0] == '-' && argv[i][1])
            {
              g_strv_builder_unref (b);
              return usage (error, "unknown option '%s'", argv[i]);
            }
          g_strv_builder_add (b, argv[i]);
        }
      g_strfreev (a->patches);
      a->patches = g_strv_builder_end (b);
      g_strv_builder_unref (b);
    }

  const gboolean pair = a->before || a->after;
  if (pair && a->patches)
    return usage (error, "--patches learns from images alone: give either --before and "
                         "--after or --patches");
  if (!pair && !a->patches)
    return usage (error, "missing --before B --after A (a pair) or --patches IMAGE… "
                         "(images alone)");
  if (pair && !a->before)
    return usage (error, "missing --before B (the image before the effect)");
  if (pair && !a->after)
    return usage (error, "missing --after A (the image after the effect)");
  if (!a->size)
    return usage (error, "missing --size KHxKW (e.g. 7x7)");
  if (!a->output)
    return usage (error, "missing -o BANK.json");
  if (!g_str_has_suffix (a->output, ".json") && !g_str_has_suffix (a->output, ".JSON"))
    return usage (error, "-o %s: a learned bank is written as JSON: name it NAME.json", a->output);
  if (pair)
    {
      const char *patch_only = a->method ? "--method" : a->filters >= 0 ? "--filters"
                               : a->samples >= 0 ? "--samples" : a->dump ? "--dump-patches" : NULL;
      if (patch_only)
        return usage (error, "%s belongs to --patches, not to a --before/--after pair",
                      patch_only);
    }
  else
    {
      const char *pair_only = a->mask ? "--mask" : a->robust ? "--robust"
                              : a->ridge != 0 ? "--ridge" : a->threads ? "--threads" : NULL;
      if (pair_only)
        return usage (error, "%s belongs to a --before/--after pair, not to --patches",
                      pair_only);
      if (!a->method)
        return usage (error, "missing --method pca|kmeans|ica");
      if (a->filters < 0)
        return usage (error, "missing --filters K (how many filters to learn)");
      if (a->dump && !g_str_has_suffix (a->dump, ".npy"))
        return usage (error, "--dump-patches %s: the patches are written as a .npy", a->dump);
    }
  if (a->threads < 0)
    return usage (error, "--threads %d: must be ≥ 0", a->threads);
  return TRUE;
}

/* Whether two paths name one existing file (a hard link or another
 * spelling of it included). */
static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;
  if (g_stat (a, &sa) != 0 || g_stat (b, &sb) != 0)
    return FALSE;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static gboolean
check_outputs (const Args *a, GError **error)
{
  const char *inputs[] = { a->before, a->after, a->mask };
  const char *outputs[] = { a->output, a->dump };
  for (gsize o = 0; o < G_N_ELEMENTS (outputs); o++)
    {
      if (!outputs[o])
        continue;
      for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
        if (inputs[i] && (same_file (outputs[o], inputs[i]) || !strcmp (outputs[o], inputs[i])))
          return usage (error, "%s is an input: the output must be another file", outputs[o]);
      for (int i = 0; a->patches && a->patches[i]; i++)
        if (same_file (outputs[o], a->patches[i]) || !strcmp (outputs[o], a->patches[i]))
          return usage (error, "%s is an input: the output must be another file", outputs[o]);
    }
  if (a->dump && (same_file (a->dump, a->output) || !strcmp (a->dump, a->output)))
    return usage (error, "--dump-patches and -o name the same file");
  return TRUE;
}

static gboolean
load (const char *path, const char *what, FmCliImage *img, GError **error)
{
  GError *local = NULL;
  if (fm_cli_image_load (path, img, &local))
    return TRUE;
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "learn: %s: %s", what, local->message);
  g_error_free (local);
  return FALSE;
}

/* The bank's name when --name is not given: the output's file stem. */
static char *
default_name (const char *output)
{
  g_autofree char *base = g_path_get_basename (output);
  char *dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return g_strdup (base);
}

static void
warn (char **warnings)
{
  for (int i = 0; warnings && warnings[i]; i++)
    fprintf (stderr, "featuremaps: warning: %s\n", warnings[i]);
}

static FmLearnImage
as_learn_image (const FmCliImage *img)
{
  return (FmLearnImage) { img->width, img->height, img->channels, img->pixels };
}

static gboolean
learn_pair (const Args *a, int mode, int kh, int kw, GError **error)
{
  FmCliImage before = { 0 }, after = { 0 }, mask = { 0 };
  FmBank *bank = NULL;
  FmLearnQuality q = { 0 };
  gboolean ok = FALSE;
  char *name = a->name ? g_strdup (a->name) : default_name (a->output);

  if (!load (a->before, "--before", &before, error) || !load (a->after, "--after", &after, error)
      || (a->mask && !load (a->mask, "--mask", &mask, error)))
    goto done;

  FmLearnPairOptions opt;
  fm_learn_pair_options_init (&opt);
  opt.mode = mode;
  opt.kh = kh;
  opt.kw = kw;
  opt.ridge = a->ridge;
  opt.robust = a->robust;
  opt.n_threads = a->threads;
  opt.name = name;

  FmLearnImage b = as_learn_image (&before), af = as_learn_image (&after),
               m = as_learn_image (&mask);
  gint64 t0 = g_get_monotonic_time ();
  GError *local = NULL;
  if (!(bank = fm_learn_pair (&b, &af, a->mask ? &m : NULL, &opt, &q, NULL, NULL, &local)))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "learn: %s", local->message);
      g_error_free (local);
      goto done;
    }
  double secs = (g_get_monotonic_time () - t0) / 1e6;
  if (!fm_bank_save_json (bank, a->output, &local))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "learn: %s", local->message);
      g_error_free (local);
      goto done;
    }
  printf ("learned: %d × %d %s kernel%s, %d filter%s × %d weights + bias, from %"
          G_GINT64_FORMAT " windows in %.2f s%s\n", kh, kw,
          fm_learn_mode_name (mode == FM_LEARN_MODE_AUTO
                                ? (bank->input == FM_INPUT_LUMINANCE ? FM_LEARN_MODE_LUMINANCE
                                                                     : FM_LEARN_MODE_FULL)
                                : mode),
          a->mask ? " (masked)" : "", q.n_filters, q.n_filters == 1 ? "" : "s", q.n_weights,
          q.n_windows, secs, a->robust ? (q.iterations > 1 ? ", robust" : ", robust (exact fit)") : "");
  printf ("fit: residual RMS %.3g, PSNR %.2f dB, %.4f %% of the variance explained, "
          "condition number %.3g", q.rms, q.psnr, 100 * q.explained, q.condition);
  if (a->robust)
    printf (", %d iterations, %.1f %% of the windows down-weighted", q.iterations,
            100 * q.downweighted);
  printf ("\nwrote %s\n", a->output);
  warn (q.warnings);
  ok = TRUE;

done:
  g_free (name);
  fm_learn_quality_clear (&q);
  if (bank)
    fm_bank_free (bank);
  fm_cli_image_clear (&before);
  fm_cli_image_clear (&after);
  fm_cli_image_clear (&mask);
  return ok;
}

static gboolean
learn_patches (const Args *a, int mode, int kh, int kw, GError **error)
{
  int method = fm_learn_method_from_name (a->method);
  if (method < 0)
    return usage (error, "--method %s: must be pca, kmeans or ica", a->method);
  const int n = g_strv_length (a->patches);
  FmCliImage *imgs = g_new0 (FmCliImage, n);
  FmLearnImage *limgs = g_new0 (FmLearnImage, n);
  FmLearnPatches *patches = NULL;
  FmBank *bank = NULL;
  gboolean ok = FALSE;
  GError *local = NULL;
  char *name = a->name ? g_strdup (a->name) : default_name (a->output);

  for (int i = 0; i < n; i++)
    {
      if (!load (a->patches[i], "--patches", &imgs[i], error))
        goto done;
      limgs[i] = as_learn_image (&imgs[i]);
    }

  FmLearnPatchOptions opt;
  fm_learn_patch_options_init (&opt);
  opt.method = method;
  opt.mode = mode;
  opt.kh = kh;
  opt.kw = kw;
  opt.n_filters = a->filters;
  opt.seed = (guint32) a->seed;
  if (a->samples >= 0)
    opt.n_samples = a->samples;
  opt.name = name;

  gint64 t0 = g_get_monotonic_time ();
  if (!(patches = fm_learn_sample_patches (limgs, n, &opt, &local)))
    goto learn_error;
  if (a->dump)
    {
      gsize shape[4] = { patches->n, patches->kh, patches->kw, patches->channels };
      if (!fm_npy_write_file (a->dump, patches->data, 4, shape, &local))
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "learn: %s", local->message);
          g_error_free (local);
          goto done;
        }
    }
  FmLearnPatchReport report = { 0 };
  if (!(bank = fm_learn_patches (patches, &opt, &report, &local)))
    goto learn_error;
  double secs = (g_get_monotonic_time () - t0) / 1e6;
  if (!fm_bank_save_json (bank, a->output, &local))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "learn: %s", local->message);
      g_error_free (local);
      goto done;
    }
  printf ("learned: %d %s filters of %d × %d × %d from %d patches in %.2f s\n",
          bank->n_filters, fm_learn_method_name (method), kh, kw, patches->channels,
          patches->n, secs);
  switch (method)
    {
    case FM_LEARN_METHOD_PCA:
      printf ("objective: %.6g (fraction of the patch variance the filters explain)\n",
              report.objective);
      break;
    case FM_LEARN_METHOD_KMEANS:
      printf ("objective: %.6g (mean squared error of the whitened patches' 1-sparse code), "
              "%d iterations%s\n", report.objective, report.iterations,
              report.converged ? "" : ", not converged");
      break;
    default:
      printf ("objective: %.6g (sum of the sources' negentropy), %d iterations%s\n",
              report.objective, report.iterations, report.converged ? "" : ", not converged");
      break;
    }
  if (!report.converged && method != FM_LEARN_METHOD_PCA)
    fprintf (stderr, "featuremaps: warning: %s did not converge in %d iterations: the "
             "filters are usable but another --seed may do better\n",
             fm_learn_method_name (method), report.iterations);
  printf ("wrote %s\n", a->output);
  ok = TRUE;
  goto done;

learn_error:
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "learn: %s", local->message);
  g_error_free (local);
done:
  if (!ok && a->dump && patches)
    g_unlink (a->dump); /* nothing is left behind by a failed run */
  g_free (name);
  if (bank)
    fm_bank_free (bank);
  fm_learn_patches_free (patches);
  for (int i = 0; i < n; i++)
    fm_cli_image_clear (&imgs[i]);
  g_free (imgs);
  g_free (limgs);
  return ok;
}

gboolean
fm_cli_learn (int argc, char **argv, GError **error)
{
  Args a = { 0 };
  gboolean ok = FALSE;
  int kh, kw, mode = FM_LEARN_MODE_AUTO;
  GError *local = NULL;

  if (!parse (argc, argv, &a, error))
    goto done;
  if (!fm_learn_parse_size (a.size, &kh, &kw, &local))
    {
      usage (error, "--size: %s", local->message);
      g_error_free (local);
      goto done;
    }
  if (a.mode && (mode = fm_learn_mode_from_name (a.mode)) < 0)
    {
      g_autofree char *values = mode_values ();
      usage (error, "--mode %s: must be one of %s", a.mode, values);
      goto done;
    }
  if (!(a.ridge >= 0) || !isfinite (a.ridge))
    {
      usage (error, "--ridge %g: must be a number ≥ 0", a.ridge);
      goto done;
    }
  if (!check_outputs (&a, error))
    goto done;
  ok = a.patches ? learn_patches (&a, mode, kh, kw, error)
                 : learn_pair (&a, mode, kh, kw, error);

done:
  args_clear (&a);
  return ok;
}
