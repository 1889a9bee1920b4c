/* pca-dump MAPS.npy BAND_ROWS [MASK.npy]: runs fm-pca over H × W × K maps
 * handed over in bands of BAND_ROWS rows (as the runner streams them) and
 * prints, for test_pca.py to check against numpy: the weight, the mean,
 * each component's variance, share and loadings, one line each; then
 * "projection" and every pixel's three coordinates. */
#include "fm-pca.h"
#include "fm-npy.h"

#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: pca-dump MAPS.npy BAND_ROWS [MASK.npy]\n");
      return 2;
    }
  GError *error = NULL;
  g_autoptr (FmArray) maps = fm_npy_read_file (argv[1], &error);
  g_autoptr (FmArray) mask = argc > 3 ? fm_npy_read_file (argv[3], &error) : NULL;
  if (!maps || (argc > 3 && !mask) || maps->ndim != 3)
    {
      fprintf (stderr, "pca-dump: %s\n", error ? error->message : "maps must be H × W × K");
      return 2;
    }
  const int H = maps->shape[0], W = maps->shape[1], K = maps->shape[2];
  const int band = atoi (argv[2]);
  g_autoptr (FmPca) pca = fm_pca_new (K, &error);
  if (!pca || band < 1)
    return 2;
  float *planes = g_new (float, (gsize) band * W * K);
  float *coords = g_new (float, (gsize) band * W * 3);
  for (int pass = 0; pass < 2; pass++)
    {
      if (pass == 1)
        {
          if (!fm_pca_solve (pca, &error))
            {
              fprintf (stderr, "pca-dump: %s\n", error->message);
              return 2;
            }
          printf ("weight %.17g\nmean", fm_pca_weight (pca));
          for (int k = 0; k < K; k++)
            printf (" %.17g", fm_pca_mean (pca)[k]);
          printf ("\n");
          for (int c = 0; c < fm_pca_n_components (pca); c++)
            {
              printf ("component %.17g %.17g", fm_pca_variance (pca, c),
                      fm_pca_explained (pca, c));
              for (int k = 0; k < K; k++)
                printf (" %.17g", fm_pca_component (pca, c)[k]);
              printf ("\n");
            }
          printf ("projection\n");
        }
      for (int y0 = 0; y0 < H; y0 += band)
        {
          const int n = MIN (band, H - y0);
          const gsize plane = (gsize) n * W;
          for (gsize i = 0; i < plane; i++)
            for (int k = 0; k < K; k++)
              planes[k * plane + i] = maps->data[((gsize) y0 * W + i) * K + k];
          if (pass == 0)
            fm_pca_accumulate (pca, planes, plane, W, n,
                               mask ? mask->data + (gsize) y0 * W : NULL);
          else
            {
              fm_pca_project (pca, planes, plane, W, n, coords);
              for (gsize i = 0; i < plane; i++)
                printf ("%.9g %.9g %.9g\n", coords[i * 3], coords[i * 3 + 1], coords[i * 3 + 2]);
            }
        }
    }
  g_free (planes);
  g_free (coords);
  return 0;
}
