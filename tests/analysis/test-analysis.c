/* test-analysis: the map tools' own rules, on small hand-made inputs whose
 * answers are worked out here: the ranking's order and ties, a mask on a
 * layer's grid, PCA on points of known spread, the sheet's sizes, the
 * colour scale's end points. */
#include "fm-colour.h"
#include "fm-pca.h"
#include "fm-rank.h"
#include "fm-sheet.h"

#include <math.h>

static void
test_rank_order (void)
{
  /* 3 channels over 4 pixels (one row): planes of 4. */
  const float maps[] = {
    1, 1, 1, 1,       /* mean 1, max 1 */
    0, 0, 0, 4,       /* mean 1, max 4: ties on mean, wins on max */
    2, NAN, 2, 2,     /* mean 2 (the NaN skipped), max 2 */
  };
  g_autoptr (FmChannelStats) s = fm_channel_stats_new (3, NULL);
  fm_channel_stats_accumulate (s, maps, 4, 4, 1, NULL);
  g_autofree FmChannelRank *by_mean = fm_channel_stats_rank (s, FM_RANK_BY_MEAN, NULL);
  g_assert_cmpint (by_mean[0].channel, ==, 2);
  g_assert_cmpint (by_mean[1].channel, ==, 1);
  g_assert_cmpint (by_mean[2].channel, ==, 0);
  g_assert_cmpfloat_with_epsilon (by_mean[0].mean, 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (by_mean[1].max, 4.0, 1e-12);
  g_autofree FmChannelRank *by_max = fm_channel_stats_rank (s, FM_RANK_BY_MAX, NULL);
  g_assert_cmpint (by_max[0].channel, ==, 1);
  g_assert_cmpint (by_max[1].channel, ==, 2);
  g_assert_cmpint (by_max[2].channel, ==, 0);
}

static void
test_rank_mask (void)
{
  const float maps[] = { 1, 2, 3, 10 };
  const float mask[] = { 0, 1, 0.5f, NAN };   /* NaN is outside */
  g_autoptr (FmChannelStats) s = fm_channel_stats_new (1, NULL);
  fm_channel_stats_accumulate (s, maps, 4, 2, 2, mask);
  g_autofree FmChannelRank *r = fm_channel_stats_rank (s, FM_RANK_BY_MEAN, NULL);
  g_assert_cmpfloat_with_epsilon (r[0].mean, (2 + 0.5 * 3) / 1.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (r[0].max, 3, 1e-12);

  const float none[] = { 0, 0, 0, 0 };
  g_autoptr (FmChannelStats) e = fm_channel_stats_new (1, NULL);
  fm_channel_stats_accumulate (e, maps, 4, 2, 2, none);
  GError *error = NULL;
  g_assert_null (fm_channel_stats_rank (e, FM_RANK_BY_MEAN, &error));
  g_assert_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (fm_channel_stats_new (0, &error));
  g_assert_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID);
  g_clear_error (&error);
  FmRankBy by;
  g_assert_true (fm_rank_by_parse ("max", &by) && by == FM_RANK_BY_MAX);
  g_assert_false (fm_rank_by_parse ("median", &by));
}

static void
test_mask_grid (void)
{
  /* A layer of stride 4, offset 1.5 (the tiny CNN's third stage) on a
   * 10 × 10 image: map pixel i samples input row floor(1.5 + 4i + 0.5). */
  FmJobOutput out = { .out_h = 3, .out_w = 3, .stride_y = 4, .stride_x = 4,
                      .offset_y = 1.5, .offset_x = 1.5 };
  float mask[100] = { 0 };
  mask[2 * 10 + 6] = 1;    /* row 2, column 6: map pixel (0, 1) */
  mask[9 * 10 + 9] = 1;    /* row 9 (10 clamps to 9), column 9: (2, 2) */
  mask[3 * 10 + 3] = 1;    /* sampled by nobody */
  g_autofree float *g = fm_maps_mask_to_grid (mask, 10, 10, 10, 10, &out, NULL);
  const float want[9] = { 0, 1, 0, 0, 0, 0, 0, 0, 1 };
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat (g[i], ==, want[i]);
  GError *error = NULL;
  g_assert_null (fm_maps_mask_to_grid (mask, 5, 20, 10, 10, &out, &error));
  g_assert_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID);
  g_clear_error (&error);
  /* The grid's own size passes as it is. */
  g_autofree float *same = fm_maps_mask_to_grid (want, 3, 3, 10, 10, &out, NULL);
  g_assert_cmpmem (same, sizeof want, want, sizeof want);
}

static void
test_pca_known (void)
{
  /* Points along (3, 4, 0)/5 with spread ±3 and along (−4, 3, 0)/5 with
   * ±1, around the mean (10⁴, 2·10⁴, 3·10⁴) — far from 0, so a naive sum
   * of squares would lose the digits: the components are those directions,
   * the variances worked out below. */
  const double u[3] = { 0.6, 0.8, 0 }, v[3] = { -0.8, 0.6, 0 };
  const double a[4] = { 3, -3, 0, 0 }, b[4] = { 0, 0, 1, -1 };
  float planes[3 * 4];
  const double mean[3] = { 1e4, 2e4, 3e4 };
  for (int p = 0; p < 4; p++)
    for (int k = 0; k < 3; k++)
      planes[k * 4 + p] = (float) (mean[k] + a[p] * u[k] + b[p] * v[k]);
  g_autoptr (FmPca) pca = fm_pca_new (3, NULL);
  fm_pca_accumulate (pca, planes, 4, 2, 1, NULL);          /* two bands of */
  fm_pca_accumulate (pca, planes + 2, 4, 2, 1, NULL);      /* two pixels */
  g_assert_true (fm_pca_solve (pca, NULL));
  /* Variances: Σ a² / 4 = 4.5 and Σ b² / 4 = 0.5, and none left. */
  g_assert_cmpfloat_with_epsilon (fm_pca_variance (pca, 0), 4.5, 1e-2);
  g_assert_cmpfloat_with_epsilon (fm_pca_variance (pca, 1), 0.5, 1e-2);
  g_assert_cmpfloat_with_epsilon (fm_pca_variance (pca, 2), 0.0, 1e-2);
  double dot0 = 0, dot1 = 0;
  for (int k = 0; k < 3; k++)
    {
      dot0 += fm_pca_component (pca, 0)[k] * u[k];
      dot1 += fm_pca_component (pca, 1)[k] * v[k];
    }
  /* The sign rule: the largest |entry| positive — u as it is, v turned
   * round (its −0.8). */
  g_assert_cmpfloat_with_epsilon (dot0, 1.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (dot1, -1.0, 1e-3);
  float coords[4 * 3], rgb[4 * 3];
  fm_pca_project (pca, planes, 4, 4, 1, coords);
  g_assert_cmpfloat_with_epsilon (coords[0], 3.0, 2e-2);
  g_assert_cmpfloat_with_epsilon (coords[2 * 3 + 1], -1.0, 2e-2);
  fm_pca_to_rgb (pca, coords, 4, rgb);
  /* +3 along component 0: 0.5 + 3 / (6σ), σ = √4.5. */
  g_assert_cmpfloat_with_epsilon (rgb[0], 0.5 + 3 / (6 * sqrt (4.5)), 2e-3);
  g_assert_cmpfloat_with_epsilon (rgb[2], 0.5, 2e-3);   /* no variance: grey */

  GError *error = NULL;
  g_autoptr (FmPca) empty = fm_pca_new (3, NULL);
  const float none[4] = { 0 };
  fm_pca_accumulate (empty, planes, 4, 4, 1, none);
  g_assert_false (fm_pca_solve (empty, &error));
  g_assert_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (fm_pca_new (FM_MAPS_MAX_CHANNELS + 1, &error));
  g_assert_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID);
  g_clear_error (&error);
}

static void
test_sheet_sizes (void)
{
  /* 5 RGB filters of 2 × 3: ⌈√5⌉ = 3 columns, 2 rows of tiles. */
  float w[5 * 3 * 2 * 3];
  for (gsize i = 0; i < G_N_ELEMENTS (w); i++)
    w[i] = (float) ((int) (i % 7) - 3);
  FmSheetOptions o = { .cell = 2, .gap = 1 };
  int W, H;
  FmSheetLayout used;
  g_autofree float *rgb = fm_sheet_render (w, 5, 3, 2, 3, &o, &W, &H, &used, NULL);
  g_assert_cmpint (used, ==, FM_SHEET_RGB);
  g_assert_cmpint (W, ==, 3 * (3 * 2 + 1) + 1);
  g_assert_cmpint (H, ==, 2 * (2 * 2 + 1) + 1);
  g_assert_cmpfloat (rgb[0], ==, 0.0f);          /* the border is black */
  /* Filter 0's weight (0, 0) in channel 0 is −3, its largest |w| 3: 0. */
  g_assert_cmpfloat_with_epsilon (rgb[(1 * W + 1) * 3], 0.0, 1e-6);

  o.layout = FM_SHEET_GRID;
  g_autofree float *grid = fm_sheet_render (w, 5, 3, 2, 3, &o, &W, &H, &used, NULL);
  g_assert_cmpint (W, ==, 3 * (3 * 2 + 1) + 1);  /* C columns */
  g_assert_cmpint (H, ==, 5 * (2 * 2 + 1) + 1);  /* K rows */
  float blue[3];
  fm_colour_diverging (-1.0, blue);
  g_assert_cmpmem (grid + (1 * W + 1) * 3, sizeof blue, blue, sizeof blue);

  GError *error = NULL;
  o = (FmSheetOptions) { .max_side = 100, .gap = 1 };
  g_assert_null (fm_sheet_render (w, 1, 90, 2, 3, &o, &W, &H, NULL, &error));
  g_assert_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_null (fm_sheet_render (w, 2, 2, 1, 1, &(FmSheetOptions) { .layout = FM_SHEET_RGB },
                                  &W, &H, NULL, &error));
  g_assert_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID);
  g_clear_error (&error);
}

static void
test_colour (void)
{
  guint8 c[3];
  fm_colour_diverging_u8 (-1, c);
  g_assert_true (c[0] == 33 && c[1] == 102 && c[2] == 172);
  fm_colour_diverging_u8 (-7, c);                /* clipped */
  g_assert_true (c[0] == 33 && c[1] == 102 && c[2] == 172);
  fm_colour_diverging_u8 (0, c);
  g_assert_true (c[0] == 247 && c[1] == 247 && c[2] == 247);
  fm_colour_diverging_u8 (1, c);
  g_assert_true (c[0] == 178 && c[1] == 24 && c[2] == 43);
  fm_colour_diverging_u8 (0.5, c);               /* halfway, rounded */
  g_assert_true (c[0] == 213 && c[1] == 136 && c[2] == 145);
  fm_colour_diverging_u8 (NAN, c);
  g_assert_true (c[0] == 178);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/analysis/rank/order", test_rank_order);
  g_test_add_func ("/analysis/rank/mask", test_rank_mask);
  g_test_add_func ("/analysis/mask/grid", test_mask_grid);
  g_test_add_func ("/analysis/pca/known", test_pca_known);
  g_test_add_func ("/analysis/sheet/sizes", test_sheet_sizes);
  g_test_add_func ("/analysis/colour", test_colour);
  return g_test_run ();
}
