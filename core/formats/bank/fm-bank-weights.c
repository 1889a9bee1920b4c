/* fm-bank-weights.c: learned weights from .npy / .npz into a bank.
 *
 * Shapes understood (docs/kernels.md):
 *   2-D (kh, kw)            one single-channel filter
 *   3-D Keras (k, C, K)     PyTorch (K, C, k)        1-D kernels: kh = 1
 *   4-D Keras (kh, kw, C, K)  PyTorch (K, C, kh, kw)
 * When the layout is AUTO, fm_bank_guess_layout decides (the rule is below
 * and in docs/kernels.md); ":hwio" / ":oihw" after the path forces it. */
#include "fm-formats-private.h"
#include "fm-npy.h"
#include "fm-net-load.h"

#include <stdio.h>
#include <string.h>

/* A spatial kernel of 1 × 1 beats a bigger one only when the bigger one is
 * too large to be a plausible hand-sized kernel. */
#define SMALL_KERNEL 15

static gsize
pair_max (gsize a, gsize b)
{
  return MAX (a, b);
}

/* The AUTO rule.  Each layout puts the kernel's taps in different
 * dimensions; pick the reading whose kernel looks like a kernel:
 *  4-D (a, b, c, d): HWIO's kernel is a × b, OIHW's is c × d.
 *   1. exactly one of them square → that one (3×3×1×2 is HWIO, 2×1×3×3 OIHW);
 *   2. otherwise a 1 × 1 (or 1-tap) kernel loses to one of ≤ 15 taps per
 *      side (3×3×1×1 is one 3 × 3 Keras filter, not three 1 × 1 filters);
 *   3. otherwise the smaller kernel wins, since layers have at least as
 *      many channels as taps (3×3×64×64 HWIO, 64×64×3×3 OIHW);
 *   4. a tie is HWIO.
 *  3-D (a, C, b): HWIO's kernel is a, OIHW's is b; rules 2 to 4. */
FmWeightsLayout
fm_bank_guess_layout (int ndim, const gsize *shape)
{
  gsize hwio, oihw; /* the kernel size each reading implies */
  if (ndim == 4)
    {
      gboolean hwio_square = shape[0] == shape[1], oihw_square = shape[2] == shape[3];
      if (hwio_square != oihw_square)
        return hwio_square ? FM_LAYOUT_HWIO : FM_LAYOUT_OIHW;
      hwio = pair_max (shape[0], shape[1]);
      oihw = pair_max (shape[2], shape[3]);
    }
  else if (ndim == 3)
    {
      hwio = shape[0];
      oihw = shape[2];
    }
  else
    return FM_LAYOUT_HWIO; /* 2-D: both readings agree */
  if (hwio == 1 && oihw > 1 && oihw <= SMALL_KERNEL)
    return FM_LAYOUT_OIHW;
  if (oihw == 1 && hwio > 1 && hwio <= SMALL_KERNEL)
    return FM_LAYOUT_HWIO;
  return oihw < hwio ? FM_LAYOUT_OIHW : FM_LAYOUT_HWIO;
}

static const char *
layout_name (FmWeightsLayout layout)
{
  return layout == FM_LAYOUT_OIHW ? "OIHW" : "HWIO";
}

static char *
shape_text (const FmArray *a)
{
  GString *s = g_string_new ("(");
  for (int i = 0; i < a->ndim; i++)
    g_string_append_printf (s, "%s%" G_GSIZE_FORMAT, i ? ", " : "", a->shape[i]);
  g_string_append (s, a->ndim == 1 ? ",)" : ")");
  return g_string_free (s, FALSE);
}

/* Filters (K) a 3-D / 4-D array holds when read in a layout. */
static gsize
filters_in (const FmArray *w, FmWeightsLayout layout)
{
  return layout == FM_LAYOUT_OIHW ? w->shape[0] : w->shape[w->ndim - 1];
}

/* AUTO inside an .npz has more to go on than the shape: the member's name
 * says which framework saved it (PyTorch's state_dict calls it "weight",
 * Keras "kernel"), and a bias has one value per filter.  Only when neither
 * speaks does the shape rule decide. */
static FmWeightsLayout
npz_layout (const FmArray *kernel, const FmArray *bias)
{
  if (kernel->ndim != 3 && kernel->ndim != 4)
    return FM_LAYOUT_AUTO;
  gsize n = strlen (kernel->name);
  if (n >= 6 && g_ascii_strcasecmp (kernel->name + n - 6, "weight") == 0)
    return FM_LAYOUT_OIHW;
  if (n >= 6 && g_ascii_strcasecmp (kernel->name + n - 6, "kernel") == 0)
    return FM_LAYOUT_HWIO;
  if (bias)
    {
      gboolean hwio = filters_in (kernel, FM_LAYOUT_HWIO) == bias->size;
      gboolean oihw = filters_in (kernel, FM_LAYOUT_OIHW) == bias->size;
      if (hwio != oihw)
        return hwio ? FM_LAYOUT_HWIO : FM_LAYOUT_OIHW;
    }
  return FM_LAYOUT_AUTO;
}

/* Where the arrays' data comes from once their shapes passed: the
 * headers are read first, the data only for a kernel that fits. */
typedef struct {
  FmNpz *npz;              /* .npz: load the picked arrays from it */
  const char *npy_path;    /* .npy: read the whole file */
  FmArray *npy;            /* … into this */
} Source;

static gboolean
load_data (Source *src, const FmArray **w, const FmArray **b, GError **error)
{
  GError *local = NULL;
  if (src->npz)
    {
      if (fm_npz_load (src->npz, (FmArray *) *w, &local)
          && (!*b || fm_npz_load (src->npz, (FmArray *) *b, &local)))
        return TRUE;
    }
  else
    {
      src->npy = fm_npy_read_file (src->npy_path, &local);
      if (src->npy && src->npy->ndim == (*w)->ndim
          && memcmp (src->npy->shape, (*w)->shape, (gsize) (*w)->ndim * sizeof (gsize)) == 0)
        {
          *w = src->npy;
          return TRUE;
        }
      if (src->npy)
        g_set_error (&local, FM_NPY_ERROR, FM_NPY_ERROR_PARSE, "%s changed while it was read",
                     (*w)->name);
    }
  g_set_error_literal (error, FM_BANK_ERROR,
                       g_error_matches (local, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE)
                       ? FM_BANK_ERROR_TOO_LARGE : FM_BANK_ERROR_PARSE, local->message);
  g_error_free (local);
  return FALSE;
}

/* The input declaration's mean or std, inflated only when it is small
 * enough to be one (fm_bank_npz_apply_decl refuses the others by their
 * header's shape, before it looks at values). */
static gboolean
load_decl (FmNpz *npz, FmArray *a, const FmBank *bank, const char *where, GError **error)
{
  if (!a || a->data || a->ndim > 1 || a->size > G_N_ELEMENTS (bank->mean))
    return TRUE;
  GError *local = NULL;
  if (fm_npz_load (npz, a, &local))
    return TRUE;
  (void) where; /* the npz reader's message names the file already */
  g_set_error_literal (error, FM_BANK_ERROR, FM_BANK_ERROR_PARSE, local->message);
  g_error_free (local);
  return FALSE;
}

static FmBank *
bank_from_arrays (const FmArray *w, const FmArray *b, FmWeightsLayout layout, Source *src,
                  const char *path, const char *where, GError **error)
{
  g_autofree char *shape = shape_text (w);
  gsize kh, kw, C, K;
  /* strides of the source array, in elements, per (y, x, c, k) */
  gsize sy, sx, sc, sk;
  if (w->ndim == 2)
    {
      kh = w->shape[0]; kw = w->shape[1]; C = 1; K = 1;
      sy = kw; sx = 1; sc = 0; sk = 0;
      layout = FM_LAYOUT_HWIO;
    }
  else if (w->ndim == 3 || w->ndim == 4)
    {
      if (layout == FM_LAYOUT_AUTO)
        layout = fm_bank_guess_layout (w->ndim, w->shape);
      const gsize *s = w->shape;
      if (w->ndim == 3 && layout == FM_LAYOUT_HWIO)
        {
          kh = 1; kw = s[0]; C = s[1]; K = s[2];
          sy = 0; sx = C * K; sc = K; sk = 1;
        }
      else if (w->ndim == 3)
        {
          K = s[0]; C = s[1]; kh = 1; kw = s[2];
          sy = 0; sx = 1; sc = kw; sk = C * kw;
        }
      else if (layout == FM_LAYOUT_HWIO)
        {
          kh = s[0]; kw = s[1]; C = s[2]; K = s[3];
          sk = 1; sc = K; sx = C * K; sy = kw * C * K;
        }
      else
        {
          K = s[0]; C = s[1]; kh = s[2]; kw = s[3];
          sx = 1; sy = kw; sc = kh * kw; sk = C * kh * kw;
        }
    }
  else
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                   "%sweights of shape %s: expected 2-D (kh, kw), 3-D (k, C, K) / (K, C, k) "
                   "or 4-D (kh, kw, C, K) / (K, C, kh, kw)", where, shape);
      return NULL;
    }
  g_autofree char *shape_where = g_strdup_printf ("%sweights %s read as %s: ", where, shape,
                                                  layout_name (layout));
  if (!fm_bank_check_shape (shape_where, kh, kw, C, K, error))
    return NULL;
  if (b && b->size != K)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                   "%sbias has %" G_GSIZE_FORMAT " values, the weights %s read as %s have %" G_GSIZE_FORMAT
                   " filters (force the layout with :hwio or :oihw?)",
                   where, b->size, shape, layout_name (layout), K);
      return NULL;
    }
  if (!load_data (src, &w, &b, error))
    return NULL;

  g_autofree char *stem = fm_text_path_stem (path);
  FmBank *bank = fm_bank_new (stem, (int) kh, (int) kw, (int) C, (int) K);
  g_free (bank->kind);
  bank->kind = g_strdup ("learned");
  g_free (bank->description);
  bank->description = g_strdup_printf ("Learned weights %s (%s): %d filters of %d × %d × %d",
                                       shape, layout_name (layout), (int) K, (int) kh, (int) kw, (int) C);
  bank->origin = g_strdup (path);
  for (gsize k = 0; k < K; k++)
    {
      FmFilter *f = &bank->filters[k];
      float *dst = f->weights;
      for (gsize y = 0; y < kh; y++)
        for (gsize x = 0; x < kw; x++)
          for (gsize c = 0; c < C; c++)
            *dst++ = w->data[y * sy + x * sx + c * sc + k * sk];
      f->bias = b ? b->data[k] : 0.0f;
    }
  g_autoptr (GError) err = NULL;
  if (!fm_bank_validate (bank, &err))
    {
      g_set_error (error, FM_BANK_ERROR, err->code, "%s%s", where, err->message);
      fm_bank_free (bank);
      return NULL;
    }
  return bank;
}


FmBank *
fm_bank_from_weights_file (const char *path, FmWeightsLayout layout, GError **error)
{
  return fm_bank_from_weights_member (path, NULL, layout, error);
}

FmBank *
fm_bank_from_weights_member (const char *path, const char *member,
                             FmWeightsLayout layout, GError **error)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *display = fm_file_display (base);
  g_autofree char *shown_member = member ? fm_text_escape (member, -1, 80) : NULL;
  g_autofree char *where = member ? g_strdup_printf ("%s#%s: ", display, shown_member)
                                  : g_strdup_printf ("%s: ", display);
  GError *local = NULL;

  /* the content decides, not the extension: a renamed file still loads */
  guint8 head[2] = { 0 };
  gsize got = 0;
  if (!fm_file_read_head (path, "weights file", head, 2, &got, &local))
    goto npy_failed;
  if (got == 0)
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_PARSE, "%sthe file is empty (0 bytes)", where);
      return NULL;
    }
  Source src = { 0 };
  if (got == 2 && head[0] == 'P' && head[1] == 'K')
    {
      /* headers only; the kernel and bias are inflated once they fit */
      g_autoptr (FmNpz) npz = fm_npz_open_file (path, &local);
      if (!npz)
        goto npy_failed;
      GPtrArray *arrays = fm_npz_arrays (npz);
      if (!fm_npz_check_not_empty (npz, &local))
        goto npy_failed;
      FmArray *kernel, *bias, *mean, *std;
      if (!fm_bank_npz_pick (arrays, display, member, where, &kernel, &bias, &mean, &std, error))
        return NULL;
      if (layout == FM_LAYOUT_AUTO)
        layout = npz_layout (kernel, bias);
      src.npz = npz;
      FmBank *bank = bank_from_arrays (kernel, bias, layout, &src, path, where, error);
      if (bank && member)
        {
          g_free (bank->name);
          g_autofree char *stem = fm_text_path_stem (path);
          bank->name = g_strdup_printf ("%s#%s", stem, member);
        }
      if (bank && (!load_decl (npz, mean, bank, where, error)
                   || !load_decl (npz, std, bank, where, error)
                   || !fm_bank_npz_apply_decl (bank, mean, std, where, error)))
        {
          fm_bank_free (bank);
          return NULL;
        }
      return bank;
    }
  else
    {
      if (member)
        {
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%sa .npy holds one array: #LAYER picks a layer of an .npz", where);
          return NULL;
        }
      g_autoptr (FmArray) w = fm_npy_read_file_header (path, &local);
      if (!w)
        goto npy_failed;
      src.npy_path = path;
      FmBank *bank = bank_from_arrays (w, NULL, layout, &src, path, where, error);
      fm_array_free (src.npy);
      return bank;
    }

npy_failed:
  if (local->domain == FM_FILE_ERROR || local->domain == G_FILE_ERROR)
    {
      fm_formats_file_error (error, local);
      return NULL;
    }
  g_set_error_literal (error, FM_BANK_ERROR,
                       g_error_matches (local, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE) ? FM_BANK_ERROR_TOO_LARGE
                       : FM_BANK_ERROR_PARSE,
                       local->message);
  g_error_free (local);
  return NULL;
}

/* ---- the registry entries (fm-formats.def) -------------------------------
 * Both load through fm_bank_from_weights_file, which looks at the content:
 * a renamed .npz still loads. */

static gboolean
npy_sniff (const guint8 *head, gsize n)
{
  return n >= 6 && memcmp (head, "\x93NUMPY", 6) == 0;
}

/* Any zip: the weights reader tells an .npz from other archives. */
static gboolean
npz_sniff (const guint8 *head, gsize n)
{
  return n >= 2 && head[0] == 'P' && head[1] == 'K';
}

static FmBank *
weights_load (const char *path, const FmKernelSpec *spec, GError **error)
{
  return fm_bank_from_weights_member (path, spec->member, spec->layout, error);
}

/* An .npz state dict as a network: the stack description beside it. */
static FmNetGraph *
npz_load_graph (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  return fm_net_load_npz_file (path, error);
}

static const char *const npy_suffixes[] = { ".npy", NULL };
static const char *const npz_suffixes[] = { ".npz", NULL };

const FmFormat fm_format_npy = {
  .name = "npy",
  .label = ".npy",
  .plural = ".npy arrays",
  .kind = FM_FORMAT_BANK,
  .suffixes = npy_suffixes,
  .takes_layout = TRUE,
  .sniff = npy_sniff,
  .load_bank = weights_load,
};

const FmFormat fm_format_npz = {
  .name = "npz",
  .label = ".npz",
  .plural = ".npz archives",
  .kind = FM_FORMAT_BANK,
  .suffixes = npz_suffixes,
  .takes_layout = TRUE,
  .takes_member = TRUE,
  .sniff = npz_sniff,
  .load_bank = weights_load,
  .load_graph = npz_load_graph,
};
