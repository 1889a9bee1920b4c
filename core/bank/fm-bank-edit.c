/* fm-bank-edit.c: see fm-bank-edit.h. */
#include "fm-bank-edit.h"
#include "fm-bank-private.h"

#include <string.h>

FmBank *
fm_bank_like (const FmBank *src, int kh, int kw, int n_filters)
{
  g_return_val_if_fail (src && kh > 0 && kw > 0 && n_filters >= 0, NULL);
  FmBank *fresh = fm_bank_new (src->name, kh, kw, src->channels, n_filters);
  /* The bank-wide fields by one struct copy, so a field FmBank gains
   * later is carried over; then the owned pieces made the copy's own. */
  FmBank *like = g_new (FmBank, 1);
  *like = *src;
  like->name = g_strdup (src->name);
  like->description = g_strdup (src->description);
  like->kind = g_strdup (src->kind);
  like->origin = g_strdup (src->origin);
  like->kh = fresh->kh;
  like->kw = fresh->kw;
  like->n_filters = fresh->n_filters;
  like->filters = g_steal_pointer (&fresh->filters);
  fresh->n_filters = 0;
  fm_bank_free (fresh);
  return like;
}

/* bank takes fresh's contents; fresh (now holding the old ones) is freed. */
static void
replace (FmBank *bank, FmBank *fresh)
{
  FmBank old = *bank;
  *bank = *fresh;
  *fresh = old;
  fm_bank_free (fresh);
}

static gsize
filter_floats (const FmBank *bank)
{
  return (gsize) bank->kh * bank->kw * bank->channels;
}

static float *
cell (const FmBank *bank, int k, int y, int x)
{
  return bank->filters[k].weights + ((gsize) y * bank->kw + x) * bank->channels;
}

/* The filter's name, bias, divisor and offset (not its weights). */
static void
copy_header (FmFilter *dst, const FmFilter *src)
{
  g_free (dst->name);
  dst->name = g_strdup (src->name);
  dst->bias = src->bias;
  dst->divisor = src->divisor;
  dst->offset = src->offset;
}

/* Where cell (y, x) of a kh × kw kernel goes. */
typedef void (*CellMap) (int y, int x, int kh, int kw, const int *shift, int *ny, int *nx);

static void map_cw (int y, int x, int kh, int kw, const int *s, int *ny, int *nx)
{ (void) kw; (void) s; *ny = x; *nx = kh - 1 - y; }
static void map_ccw (int y, int x, int kh, int kw, const int *s, int *ny, int *nx)
{ (void) kh; (void) s; *ny = kw - 1 - x; *nx = y; }
static void map_flip_h (int y, int x, int kh, int kw, const int *s, int *ny, int *nx)
{ (void) kh; (void) s; *ny = y; *nx = kw - 1 - x; }
static void map_flip_v (int y, int x, int kh, int kw, const int *s, int *ny, int *nx)
{ (void) kw; (void) s; *ny = kh - 1 - y; *nx = x; }
static void map_shift (int y, int x, int kh, int kw, const int *s, int *ny, int *nx)
{ (void) kh; (void) kw; *ny = y + s[0]; *nx = x + s[1]; }

/* The bank as nkh × nkw with filter's cells (every filter's for −1) moved
 * through map; the others keep theirs (their shape is unchanged then). */
static void
remap (FmBank *bank, int filter, int nkh, int nkw, CellMap map, const int *shift)
{
  FmBank *fresh = fm_bank_like (bank, nkh, nkw, bank->n_filters);
  for (int k = 0; k < bank->n_filters; k++)
    {
      copy_header (&fresh->filters[k], &bank->filters[k]);
      if (filter >= 0 && k != filter)
        {
          memcpy (fresh->filters[k].weights, bank->filters[k].weights,
                  filter_floats (bank) * sizeof (float));
          continue;
        }
      for (int y = 0; y < bank->kh; y++)
        for (int x = 0; x < bank->kw; x++)
          {
            int ny, nx;
            map (y, x, bank->kh, bank->kw, shift, &ny, &nx);
            if (ny >= 0 && nx >= 0 && ny < nkh && nx < nkw)
              memcpy (cell (fresh, k, ny, nx), cell (bank, k, y, x),
                      bank->channels * sizeof (float));
          }
    }
  replace (bank, fresh);
}

gboolean
fm_bank_can_rotate (const FmBank *bank, int filter, GError **error)
{
  g_return_val_if_fail (bank && filter >= -1 && filter < bank->n_filters, FALSE);
  if (bank->kh == bank->kw || filter == -1 || bank->n_filters == 1)
    return TRUE;
  g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
               "The filters of a bank share one shape: a %d × %d filter cannot turn alone. "
               "Make the kernel square first.", bank->kh, bank->kw);
  return FALSE;
}

gboolean
fm_bank_rotate (FmBank *bank, int filter, gboolean clockwise, GError **error)
{
  if (!fm_bank_can_rotate (bank, filter, error))
    return FALSE;
  remap (bank, bank->n_filters == 1 ? -1 : filter, bank->kw, bank->kh,
         clockwise ? map_cw : map_ccw, NULL);
  return TRUE;
}

void
fm_bank_flip (FmBank *bank, int filter, gboolean horizontal)
{
  g_return_if_fail (bank && filter >= -1 && filter < bank->n_filters);
  remap (bank, filter, bank->kh, bank->kw, horizontal ? map_flip_h : map_flip_v, NULL);
}

gboolean
fm_bank_resize (FmBank *bank, int kh, int kw, GError **error)
{
  g_return_val_if_fail (bank, FALSE);
  if (kh < 1 || kw < 1 || kh > FM_BANK_MAX_KERNEL || kw > FM_BANK_MAX_KERNEL)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                   "kernel %d × %d: must be from 1 × 1 to %d × %d", kh, kw,
                   FM_BANK_MAX_KERNEL, FM_BANK_MAX_KERNEL);
      return FALSE;
    }
  if (!fm_bank_check_shape ("", kh, kw, bank->channels, bank->n_filters, error))
    return FALSE;
  if (kh == bank->kh && kw == bank->kw)
    return TRUE;
  const int shift[2] = { kh / 2 - bank->kh / 2, kw / 2 - bank->kw / 2 };
  remap (bank, -1, kh, kw, map_shift, shift);
  return TRUE;
}

/* A bank one filter longer, filter `at` left as fm_bank_like made it. */
static gboolean
insert_at (FmBank *bank, int at, GError **error)
{
  if (!fm_bank_check_shape ("", bank->kh, bank->kw, bank->channels, bank->n_filters + 1, error))
    return FALSE;
  FmBank *fresh = fm_bank_like (bank, bank->kh, bank->kw, bank->n_filters + 1);
  for (int k = 0, j = 0; k < fresh->n_filters; k++)
    {
      if (k == at)
        continue;
      copy_header (&fresh->filters[k], &bank->filters[j]);
      memcpy (fresh->filters[k].weights, bank->filters[j++].weights,
              filter_floats (bank) * sizeof (float));
    }
  replace (bank, fresh);
  return TRUE;
}

int
fm_bank_add_filter (FmBank *bank, int at, GError **error)
{
  g_return_val_if_fail (bank && at >= 0 && at <= bank->n_filters, -1);
  if (!insert_at (bank, at, error))
    return -1;
  /* fm_bank_like named it "filter <at + 1>", divisor 1, zero weights */
  for (int c = 0; c < bank->channels; c++)
    cell (bank, at, (bank->kh - 1) / 2, (bank->kw - 1) / 2)[c] = 1.0f;
  return at;
}

int
fm_bank_duplicate_filter (FmBank *bank, int filter, GError **error)
{
  g_return_val_if_fail (bank && filter >= 0 && filter < bank->n_filters, -1);
  if (!insert_at (bank, filter + 1, error))
    return -1;
  FmFilter *src = &bank->filters[filter], *dst = &bank->filters[filter + 1];
  copy_header (dst, src);
  g_free (dst->name);
  dst->name = g_strdup_printf ("%s copy", src->name ? src->name : "filter");
  memcpy (dst->weights, src->weights, filter_floats (bank) * sizeof (float));
  return filter + 1;
}

gboolean
fm_bank_remove_filter (FmBank *bank, int filter, GError **error)
{
  g_return_val_if_fail (bank && filter >= 0 && filter < bank->n_filters, FALSE);
  if (bank->n_filters <= 1)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                   "the bank's only filter cannot be removed: a bank has at least one");
      return FALSE;
    }
  FmBank *fresh = fm_bank_like (bank, bank->kh, bank->kw, bank->n_filters - 1);
  for (int k = 0, j = 0; j < bank->n_filters; j++)
    {
      if (j == filter)
        continue;
      copy_header (&fresh->filters[k], &bank->filters[j]);
      memcpy (fresh->filters[k++].weights, bank->filters[j].weights,
              filter_floats (bank) * sizeof (float));
    }
  replace (bank, fresh);
  return TRUE;
}

void
fm_bank_rename_filter (FmBank *bank, int filter, const char *name)
{
  g_return_if_fail (bank && filter >= 0 && filter < bank->n_filters);
  char *copy = g_strdup (name);
  g_free (bank->filters[filter].name);
  bank->filters[filter].name = copy;
}
