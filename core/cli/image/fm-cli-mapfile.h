/* fm-cli-mapfile: one map written as an image file, rows top to bottom as
 * the engine's bands arrive, so a folder of K maps never holds K maps in
 * memory.  16-bit PNG for mapped values (0..1; grey or RGB), 32-bit float
 * TIFF for raw values (kept exactly; grey or RGB).  (8-bit PNG: images for
 * the benchmarks.) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FmCliMapFile FmCliMapFile;

FmCliMapFile *fm_cli_png_create (const char *path, int width, int height,
                                 int channels, int depth, GError **error);
FmCliMapFile *fm_cli_tiff_create (const char *path, int width, int height,
                                  int channels, GError **error);

/* n_rows × width × channels floats, the next rows of the map. */
gboolean fm_cli_map_file_rows (FmCliMapFile *file, const float *rows,
                               int n_rows, GError **error);
/* Completes and closes the file; frees file whatever happens. */
gboolean fm_cli_map_file_finish (FmCliMapFile *file, GError **error);
/* Closes without completing (the caller removes the file); NULL is fine. */
void fm_cli_map_file_free (FmCliMapFile *file);

/* What each writer provides (fm-cli-png.c, fm-cli-tiff.c). */
typedef struct {
  gboolean (*rows) (gpointer data, const float *rows, int n_rows, GError **error);
  gboolean (*finish) (gpointer data, GError **error);
  void (*free) (gpointer data);
} FmCliMapFileClass;

FmCliMapFile *fm_cli_map_file_new (const FmCliMapFileClass *klass, gpointer data);

G_END_DECLS
