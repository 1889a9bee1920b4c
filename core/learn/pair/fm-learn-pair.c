/* fm-learn-pair: the kernel that turns a before image into an after image.
 *
 * The steps, each in its own file: check the inputs (fm-learn-checks.c),
 * centre the planes (here), accumulate the normal equations from
 * correlations (fm-learn-normal.c) or, for a small mask, from the windows
 * inside it (fm-learn-weighted.c), solve them (fm-learn-solve.c), re-weight
 * and solve again for --robust (fm-learn-robust.c), then measure the saved
 * bank as `apply` runs it (fm-learn-quality.c).  The bank
 * carries the weights and what reproduces the effect: input mode, padding
 * same, mapping raw. */
#include "fm-learn-private.h"

#include <math.h>
#include <string.h>

/* Below this PSNR the effect is not reproduced by any convolution: warn. */
#define NOT_CONVOLUTION_DB 20.0
/* The smallest eigenvalue of the per-pixel normal matrix below 1e-7 of the
 * largest: the before image barely determines some directions of the kernel. */
#define CONDITION_WARN 1e7
/* Doubles a band of one plane may hold (keeps a worker's rows in L2). */
#define BAND_TARGET_DOUBLES (1 << 17)

void
fm_learn_pair_options_init (FmLearnPairOptions *options)
{
  memset (options, 0, sizeof *options);
  options->mode = FM_LEARN_MODE_AUTO;
  options->kh = options->kw = 3;
}

void
fm_learn_quality_clear (FmLearnQuality *quality)
{
  if (!quality)
    return;
  g_strfreev (quality->warnings);
  memset (quality, 0, sizeof *quality);
}

/* ---- the problem ------------------------------------------------------------ */

static void
problem_clear (FmLearnProblem *pb)
{
  fm_input_free (pb->in_before);
  fm_input_free (pb->in_after);
  fm_input_free (pb->in_mask);
}

static gboolean
problem_init (FmLearnProblem *pb, const FmLearnImage *before, const FmLearnImage *after,
              const FmLearnImage *mask, const FmLearnPairOptions *opt, GError **error)
{
  memset (pb, 0, sizeof *pb);
  pb->before = before;
  pb->after = after;
  pb->mask = mask;
  pb->H = before->height;
  pb->W = before->width;
  pb->kh = opt->kh;
  pb->kw = opt->kw;
  pb->pt = (opt->kh - 1) / 2;
  pb->pl = (opt->kw - 1) / 2;
  pb->Hv = pb->H - pb->kh + 1;
  pb->Wv = pb->W - pb->kw + 1;

  const int colour = fm_input_colour_channels (before->channels);
  FmLearnMode mode = opt->mode;
  if (mode == FM_LEARN_MODE_AUTO || (mode == FM_LEARN_MODE_FULL && colour == 1))
    mode = colour == 1 ? FM_LEARN_MODE_LUMINANCE : FM_LEARN_MODE_FULL;
  pb->mode = mode;

  int bank_channels = 1;
  switch (mode)
    {
    case FM_LEARN_MODE_LUMINANCE:
      pb->input = FM_INPUT_LUMINANCE;
      break;
    case FM_LEARN_MODE_PER_CHANNEL:
      pb->input = FM_INPUT_PER_CHANNEL;
      break;
    default:
      /* colour → rgb; N raw channels (a .npy) → the raw channels as they are */
      pb->input = before->channels <= 4 ? FM_INPUT_RGB : FM_INPUT_AUTO;
      bank_channels = colour;
      break;
    }
  if (!(pb->in_before = fm_learn_input_new (pb->input, bank_channels, before->channels, error))
      || !(pb->in_after = fm_learn_input_new (pb->input, bank_channels, after->channels, error)))
    return FALSE;
  if (mask && !(pb->in_mask = fm_learn_input_new (FM_INPUT_LUMINANCE, 1, mask->channels, error)))
    return FALSE;

  pb->nch = fm_input_channels (pb->in_before);
  if (pb->nch > FM_LEARN_MAX_PLANES)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "%d channels: at most %d can be learned", pb->nch, FM_LEARN_MAX_PLANES);
      return FALSE;
    }
  if (mode == FM_LEARN_MODE_PER_CHANNEL)
    pb->S = pb->nch, pb->CF = pb->O = 1;
  else
    pb->S = 1, pb->CF = pb->O = pb->nch;
  pb->P = pb->kh * pb->kw * pb->CF;
  pb->Q = pb->P + 1 + pb->O;
  if (pb->P > FM_LEARN_MAX_WEIGHTS)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "a %d × %d %s kernel over %d channel%s has %d weights per filter: "
                   "at most %d can be learned; use a smaller kernel",
                   pb->kh, pb->kw, fm_learn_mode_name (mode), pb->CF,
                   pb->CF == 1 ? "" : "s", pb->P, FM_LEARN_MAX_WEIGHTS);
      return FALSE;
    }
  pb->n_workers = fm_learn_n_workers (opt->n_threads);
  pb->band_rows = CLAMP (BAND_TARGET_DOUBLES / MAX (pb->W, 1), 4, 256);
  return TRUE;
}

/* Centring shifts: each plane's mean over a sample of rows (one shift for
 * all planes in per-channel mode, whose filters share one bias). */
static void
centre (FmLearnProblem *pb)
{
  const int nch = pb->nch, W = pb->W;
  const int step = MAX (1, pb->H / 256);
  float *tmp = g_new (float, (gsize) W * nch);
  double sb[FM_LEARN_MAX_PLANES] = { 0 }, sa[FM_LEARN_MAX_PLANES] = { 0 };
  gint64 n = 0;
  for (int y = 0; y < pb->H; y += step)
    {
      fm_input_convert (pb->in_before, pb->before->pixels + (gsize) y * W * pb->before->channels,
                        tmp, W);
      for (gsize i = 0; i < (gsize) W * nch; i++)
        sb[i % nch] += tmp[i];
      fm_input_convert (pb->in_after, pb->after->pixels + (gsize) y * W * pb->after->channels,
                        tmp, W);
      for (gsize i = 0; i < (gsize) W * nch; i++)
        sa[i % nch] += tmp[i];
      n += W;
    }
  g_free (tmp);
  double all_b = 0, all_a = 0;
  for (int c = 0; c < nch; c++)
    {
      pb->shift_b[c] = sb[c] / n;
      pb->shift_a[c] = sa[c] / n;
      all_b += pb->shift_b[c] / nch;
      all_a += pb->shift_a[c] / nch;
    }
  if (pb->mode == FM_LEARN_MODE_PER_CHANNEL)
    for (int c = 0; c < nch; c++)
      pb->shift_b[c] = all_b, pb->shift_a[c] = all_a;
}

/* Windows inside the mask (all of them without one). */
static gint64
count_inside (const FmLearnProblem *pb)
{
  if (!pb->mask)
    return (gint64) pb->Hv * pb->Wv;
  float *tmp = g_new (float, (gsize) pb->W * pb->mask->channels);
  gint64 n = 0;
  for (int py = 0; py < pb->Hv; py++)
    {
      const int y = py + pb->pt;
      fm_input_convert (pb->in_mask, pb->mask->pixels + (gsize) y * pb->W * pb->mask->channels,
                        tmp, pb->W);
      for (int x = 0; x < pb->Wv; x++)
        n += tmp[x + pb->pl] >= 0.5f;
    }
  g_free (tmp);
  return n;
}

/* ---- the bank ----------------------------------------------------------------- */

static FmBank *
make_bank (const FmLearnProblem *pb, const FmLearnSolution *sol,
           const FmLearnPairOptions *opt)
{
  const char *name = opt->name && *opt->name ? opt->name : "Learned";
  FmBank *bank = fm_bank_new (name, pb->kh, pb->kw, pb->CF, pb->O);
  g_free (bank->kind);
  bank->kind = g_strdup ("learned");
  bank->input = pb->input;
  bank->defaults[FM_OPT_PADDING] = FM_PADDING_SAME;
  bank->defaults[FM_OPT_BORDER] = FM_BORDER_CLAMP;
  bank->defaults[FM_OPT_ACTIVATION] = FM_ACTIVATION_NONE;
  bank->defaults[FM_OPT_MAPPING] = FM_MAPPING_RAW;

  static const char *const rgb[] = { "red", "green", "blue" };
  for (int o = 0; o < pb->O; o++)
    {
      FmFilter *f = &bank->filters[o];
      g_free (f->name);
      if (pb->mode == FM_LEARN_MODE_LUMINANCE)
        f->name = g_strdup ("luminance");
      else if (pb->mode == FM_LEARN_MODE_PER_CHANNEL)
        f->name = g_strdup ("kernel");
      else if (pb->input == FM_INPUT_RGB && pb->O == 3)
        f->name = g_strdup (rgb[o]);
      else
        f->name = g_strdup_printf ("channel %d", o + 1);

      /* back from centred units: y = w·(x − shift_b) + bias + shift_a */
      double bias = sol->bias[o] + pb->shift_a[pb->mode == FM_LEARN_MODE_PER_CHANNEL ? 0 : o];
      for (int u = 0; u < pb->P; u++)
        {
          const double w = sol->w[(gsize) o * pb->P + u];
          f->weights[u] = (float) w;
          bias -= w * pb->shift_b[u % pb->CF];
        }
      f->bias = (float) bias;
    }
  return bank;
}

static void
add_warnings (GPtrArray *out, const FmLearnProblem *pb, const FmLearnQuality *q,
              const FmLearnPairOptions *opt, gint64 n_clipped, gint64 n_values)
{
  if (q->psnr < NOT_CONVOLUTION_DB)
    g_ptr_array_add (out, g_strdup_printf (
      "the effect does not look like a convolution: the best %d × %d kernel "
      "reproduces it at only %.1f dB (%.0f %% of its variance); a non-linear "
      "effect can only be approximated", pb->kh, pb->kw, q->psnr,
      100 * MAX (0.0, q->explained)));
  if (q->condition > CONDITION_WARN)
    g_ptr_array_add (out, g_strdup_printf (
      "the before image barely determines a %d × %d kernel (condition number "
      "%.2g): the kernel may not carry over to other images; use a larger image, "
      "one with more texture, a smaller kernel, or a ridge (e.g. --ridge 1e-5)",
      pb->kh, pb->kw, q->condition));
  if (q->dropped > 0)
    g_ptr_array_add (out, g_strdup_printf (
      "the normal equations are singular in %d direction%s: solved by "
      "eigen-decomposition without them (the smallest kernel that fits)",
      q->dropped, q->dropped == 1 ? "" : "s"));
  if (q->n_windows < 10 * ((gint64) pb->P + 1))
    g_ptr_array_add (out, g_strdup_printf (
      "only %" G_GINT64_FORMAT " windows for %d unknowns per filter: the fit may "
      "follow noise; use a larger image or a smaller kernel", q->n_windows, pb->P + 1));
  if (!opt->robust && n_values > 0 && n_clipped > n_values / 100)
    g_ptr_array_add (out, g_strdup_printf (
      "%.1f %% of the after image is clipped at 0 or 1: --robust down-weights "
      "such pixels", 100.0 * n_clipped / n_values));
}

/* ---- the fit -------------------------------------------------------------------- */

FmBank *
fm_learn_pair (const FmLearnImage *before, const FmLearnImage *after,
               const FmLearnImage *mask, const FmLearnPairOptions *opt,
               FmLearnQuality *quality, FmLearnProgress progress,
               gpointer progress_data, GError **error)
{
  g_return_val_if_fail (opt != NULL, NULL);
  if (quality)
    memset (quality, 0, sizeof *quality);

  if (opt->kh < 1 || opt->kw < 1 || opt->kh > FM_LEARN_MAX_SIDE || opt->kw > FM_LEARN_MAX_SIDE)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "kernel size %d × %d: each side must be 1 to %d", opt->kh, opt->kw,
                   FM_LEARN_MAX_SIDE);
      return NULL;
    }
  if ((int) opt->mode < 0 || opt->mode >= FM_LEARN_N_MODES)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "learning mode %d: must be auto, luminance, per-channel or full", opt->mode);
      return NULL;
    }
  if (!(opt->ridge >= 0) || !isfinite (opt->ridge))
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "ridge %g: must be a number ≥ 0", opt->ridge);
      return NULL;
    }
  if (!fm_learn_check_pixels (before, "before", error)
      || !fm_learn_check_pixels (after, "after", error)
      || (mask && !fm_learn_check_pixels (mask, "mask", error)))
    return NULL;
  if (before->width != after->width || before->height != after->height)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SIZE,
                   "the before image is %d × %d but the after image is %d × %d: "
                   "they must be the same size", before->width, before->height,
                   after->width, after->height);
      return NULL;
    }
  if (fm_input_colour_channels (before->channels) != fm_input_colour_channels (after->channels))
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "the before image has %d colour channels but the after image has %d: "
                   "they must have the same", fm_input_colour_channels (before->channels),
                   fm_input_colour_channels (after->channels));
      return NULL;
    }
  if (mask && (mask->width != before->width || mask->height != before->height))
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SIZE,
                   "the mask is %d × %d but the images are %d × %d: it must be the same size",
                   mask->width, mask->height, before->width, before->height);
      return NULL;
    }
  if (mask && mask->channels > 4)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "the mask has %d channels: it must be a grey or colour image", mask->channels);
      return NULL;
    }
  if (opt->kh > before->height || opt->kw > before->width)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SIZE,
                   "a %d × %d kernel is larger than the %d × %d image: no window fits inside",
                   opt->kh, opt->kw, before->width, before->height);
      return NULL;
    }
  double flat_value;
  if (fm_learn_image_is_flat (before, &flat_value))
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_FLAT,
                   "the before image is flat (every pixel %g): there is no texture to "
                   "learn a kernel from", flat_value);
      return NULL;
    }

  FmLearnProblem pb;
  if (!problem_init (&pb, before, after, mask, opt, error))
    {
      problem_clear (&pb);
      return NULL;
    }
  centre (&pb);

  FmBank *bank = NULL;
  FmLearnSolution sol = { 0 };
  FmLearnPass pass = { 0 };
  double *M = NULL;
  GPtrArray *warnings = g_ptr_array_new ();
  FmLearnQuality q = { 0 };

  const gint64 inside = count_inside (&pb);
  if (inside == 0)
    {
      g_set_error_literal (error, FM_LEARN_ERROR, FM_LEARN_ERROR_EMPTY,
                           "the mask leaves no window to fit: paint (white) where the "
                           "effect should be learned");
      goto out;
    }
  if (inside * pb.S < pb.P + 1 && opt->ridge == 0)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_EMPTY,
                   "only %" G_GINT64_FORMAT " windows for %d unknowns per filter: use a "
                   "larger image or region, a smaller kernel, or a ridge",
                   inside * pb.S, pb.P + 1);
      goto out;
    }

  const gsize QQ = (gsize) pb.Q * pb.Q;
  M = g_new0 (double, QQ);
  /* A mask over most of the image: correlations, minus the windows outside.
   * A small one: the windows inside, directly. */
  const gboolean direct = mask && inside < (gint64) pb.Hv * pb.Wv / 2;
  if (!direct
      && !fm_learn_normal_matrix (&pb, M, progress, progress_data, 0.0, mask ? 0.5 : 0.7, error))
    goto out;
  if (mask)
    {
      pass.weighting = direct ? FM_LEARN_WEIGHT_DIRECT : FM_LEARN_WEIGHT_CORRECT;
      if (!fm_learn_pass (&pb, &pass, M, progress, progress_data, direct ? 0.0 : 0.5, 0.7, error))
        goto out;
    }
  if (!fm_learn_solve (M, pb.P, pb.O, opt->ridge, &sol, error))
    goto out;

  q.iterations = 1;
  if (opt->robust && !fm_learn_robust (&pb, M, &sol, opt->ridge, &q, progress, progress_data,
                                       0.7, 0.9, error))
    goto out;

  /* The bank, then its quality as `apply` will reproduce the effect. */
  bank = make_bank (&pb, &sol, opt);
  if (!fm_bank_validate (bank, error))
    {
      g_clear_pointer (&bank, fm_bank_free);
      goto out;
    }
  FmLearnQualityStats st;
  if (!fm_learn_quality_measure (&pb, bank, &st, error))
    {
      g_clear_pointer (&bank, fm_bank_free);
      goto out;
    }
  if (progress && !progress (progress_data, 1.0))
    {
      g_set_error_literal (error, FM_LEARN_ERROR, FM_LEARN_ERROR_CANCELLED, "cancelled");
      g_clear_pointer (&bank, fm_bank_free);
      goto out;
    }
  q.n_windows = st.n_fit;
  q.n_filters = pb.O;
  q.n_weights = pb.P;
  q.condition = sol.condition;
  q.dropped = sol.dropped;
  const double nvals = (double) st.n_fit * pb.O;
  const double mse = nvals > 0 ? st.sum_r2 / nvals : 0;
  q.rms = sqrt (mse);
  q.psnr = mse > 0 ? -10.0 * log10 (mse) : INFINITY;
  double var = 0;
  for (int c = 0; c < pb.nch; c++)
    var += st.sum_y2[c] - st.sum_y[c] * st.sum_y[c] / MAX (1, st.n_fit / pb.S);
  q.explained = var > 0 ? 1.0 - st.sum_r2 / var : (st.sum_r2 == 0 ? 1.0 : 0.0);
  g_free (bank->description);
  bank->description = g_strdup_printf (
    "Learned from a before/after pair: %d × %d %s kernel, %" G_GINT64_FORMAT
    " windows, reproduction at %.1f dB PSNR.", pb.kh, pb.kw,
    fm_learn_mode_name (pb.mode), q.n_windows, q.psnr);
  add_warnings (warnings, &pb, &q, opt, st.n_clipped, (gint64) nvals);

out:
  g_ptr_array_add (warnings, NULL);
  q.warnings = (char **) g_ptr_array_free (warnings, FALSE);
  if (quality && bank)
    *quality = q;
  else
    g_strfreev (q.warnings);
  fm_learn_pass_clear (&pass);
  fm_learn_solution_clear (&sol);
  g_free (M);
  problem_clear (&pb);
  return bank;
}
