/* fm-bank-json-read.c: reading the hand-written JSON bank file (schema:
 * docs/kernels.md; the writer is fm-bank-json-write.c).
 *
 * Hand-written files get typos, so nothing is silently ignored: unknown keys
 * are errors that suggest the closest known key, every value is type-checked
 * (fm-json-strict.h), and every message says where (file, filter, row). */
#include "fm-formats-private.h"
#include "fm-net-load.h"
#include "fm-json-strict.h"

#include <float.h>
#include <math.h>
#include <string.h>

static const char *const bank_keys[] = {
  "name", "description", "kind", "input", "light", "range", "mean", "std", "order",
  "mode", "filters", "defaults", "stride", "dilation", "divisor", "normalize",
  "offset", "comment", NULL };
static const char *const filter_keys[] = {
  "name", "weights", "bias", "divisor", "normalize", "offset", "stride",
  "dilation", "range", "mean", "std", "comment", NULL };
static const char *const lights[] = { "perceptual", "linear", NULL };
static const char *const orders[] = { "rgb", "bgr", NULL };
static const char *const modes[] = { "correlate", "convolve", NULL };

typedef struct {
  const char *where;      /* "bank.json: " or "" */
  FmJsonCtx cx;           /* the same, for the strict-JSON getters */
  FmBank *bank;
  /* bank-wide values may be repeated in filters; remember who set them */
  gboolean stride_set, dilation_set, range_set;
  /* bank-level defaults for the per-filter divisor / normalize / offset */
  double divisor, offset;
  gboolean normalize;
} Parser;

static gboolean
fail (Parser *p, GError **error, int code, const char *format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (Parser *p, GError **error, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FM_BANK_ERROR, code, "%s%s", p->where, msg);
  return FALSE;
}

/* stride / dilation: a number, or [y, x] */
static gboolean
get_step (Parser *p, JsonNode *node, const char *what, int *y, int *x, GError **error)
{
  double v[2];
  int n;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      n = json_array_get_length (a);
      if (n != 2)
        return fail (p, error, FM_BANK_ERROR_PARSE, "%s: give one number or [y, x], not %d values", what, n);
      for (int i = 0; i < 2; i++)
        if (!fm_json_get_number (&p->cx, json_array_get_element (a, i), what, FALSE, &v[i], error))
          return FALSE;
    }
  else
    {
      if (!fm_json_get_number (&p->cx, node, what, FALSE, &v[0], error))
        return FALSE;
      v[1] = v[0];
    }
  for (int i = 0; i < 2; i++)
    if (v[i] != floor (v[i]) || v[i] < 1 || v[i] > FM_CONV_MAX_STEP)
      return fail (p, error, FM_BANK_ERROR_INVALID, "%s %g: must be a whole number from 1 to %d",
                   what, v[i], FM_CONV_MAX_STEP);
  *y = (int) v[0];
  *x = (int) v[1];
  return TRUE;
}

/* mean / std: a number (every channel) or an array (one per channel) */
static gboolean
get_channel_values (Parser *p, JsonNode *node, const char *what, double *out, int *n,
                    GError **error)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      int len = json_array_get_length (a);
      if (len < 1 || len > 4)
        return fail (p, error, FM_BANK_ERROR_INVALID, "%s: give one number or one per channel (1 to 4), not %d",
                     what, len);
      for (int i = 0; i < len; i++)
        if (!fm_json_get_number (&p->cx, json_array_get_element (a, i), what, FALSE, &out[i], error))
          return FALSE;
      *n = len;
      return TRUE;
    }
  *n = 1;
  return fm_json_get_number (&p->cx, node, what, FALSE, &out[0], error);
}

static gboolean
get_range (Parser *p, JsonNode *node, const char *what, double *out, GError **error)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (node);
      if (strcmp (s, "0..1") == 0)
        *out = 1.0;
      else if (strcmp (s, "0..255") == 0)
        *out = 255.0;
      else
        return fail (p, error, FM_BANK_ERROR_INVALID, "%s '%s': must be \"0..1\", \"0..255\" or a positive number",
                     what, s);
      return TRUE;
    }
  if (!fm_json_get_number (&p->cx, node, what, FALSE, out, error))
    return FALSE;
  if (*out <= 0)
    return fail (p, error, FM_BANK_ERROR_INVALID, "%s %g: must be a positive number", what, *out);
  return TRUE;
}

/* ---- weights ----------------------------------------------------------- */

/* The cell at (row r, column c) as a list of channel values. */
static gboolean
weights_shape (Parser *p, JsonNode *node, const char *label, int *kh, int *kw, int *ch,
               int *depth, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (p, error, FM_BANK_ERROR_PARSE, "%s: weights are %s, expected an array of rows",
                 label, fm_json_type_name (node));
  JsonArray *rows = json_node_get_array (node);
  int n_rows = json_array_get_length (rows);
  if (n_rows == 0)
    return fail (p, error, FM_BANK_ERROR_INVALID, "%s: weights are empty", label);
  JsonNode *first = json_array_get_element (rows, 0);
  if (!JSON_NODE_HOLDS_ARRAY (first))
    {
      /* [1, 2, 1]: one row, for 1-D kernels */
      *depth = 1;
      *kh = 1;
      *kw = n_rows;
      *ch = 1;
      return TRUE;
    }
  JsonArray *r0 = json_node_get_array (first);
  int n_cols = json_array_get_length (r0);
  if (n_cols == 0)
    return fail (p, error, FM_BANK_ERROR_INVALID, "%s: row 1 is empty", label);
  JsonNode *cell = json_array_get_element (r0, 0);
  *kh = n_rows;
  *kw = n_cols;
  if (JSON_NODE_HOLDS_ARRAY (cell))
    {
      *depth = 3;
      *ch = json_array_get_length (json_node_get_array (cell));
      if (*ch == 0)
        return fail (p, error, FM_BANK_ERROR_INVALID, "%s: row 1, column 1 has no channel values", label);
    }
  else
    {
      *depth = 2;
      *ch = 1;
    }
  return TRUE;
}

static gboolean
read_value (Parser *p, JsonNode *node, const char *label, int r, int c, int k, int depth,
            float *out, GError **error)
{
  g_autofree char *what = NULL;
  if (depth == 1)
    what = g_strdup_printf ("%s: value %d", label, c + 1);
  else if (depth == 2)
    what = g_strdup_printf ("%s: row %d, value %d", label, r + 1, c + 1);
  else
    what = g_strdup_printf ("%s: row %d, column %d, channel %d", label, r + 1, c + 1, k + 1);
  double v;
  if (!fm_json_get_number (&p->cx, node, what, TRUE, &v, error))
    return FALSE;
  *out = (float) v;
  return TRUE;
}

/* Fills w (kh × kw × ch, already allocated) and reports ragged arrays by
 * comparing every row and cell with the first. */
static gboolean
read_weights (Parser *p, JsonNode *node, const char *label, int kh, int kw, int ch,
              int depth, float *w, GError **error)
{
  JsonArray *rows = json_node_get_array (node);
  if (depth == 1)
    {
      for (int c = 0; c < kw; c++)
        if (!read_value (p, json_array_get_element (rows, c), label, 0, c, 0, 1, &w[c], error))
          return FALSE;
      return TRUE;
    }
  for (int r = 0; r < kh; r++)
    {
      JsonNode *row = json_array_get_element (rows, r);
      if (!JSON_NODE_HOLDS_ARRAY (row))
        return fail (p, error, FM_BANK_ERROR_PARSE, "%s: row %d is %s, expected an array like row 1",
                     label, r + 1, fm_json_type_name (row));
      JsonArray *cols = json_node_get_array (row);
      int n = json_array_get_length (cols);
      if (n != kw)
        return fail (p, error, FM_BANK_ERROR_INVALID, "%s: row %d has %d values, row 1 has %d",
                     label, r + 1, n, kw);
      for (int c = 0; c < kw; c++)
        {
          JsonNode *cell = json_array_get_element (cols, c);
          float *dst = &w[((gsize) r * kw + c) * ch];
          if (depth == 2)
            {
              if (JSON_NODE_HOLDS_ARRAY (cell))
                return fail (p, error, FM_BANK_ERROR_INVALID,
                             "%s: row %d, value %d is an array, but row 1 holds plain numbers (2-D weights)",
                             label, r + 1, c + 1);
              if (!read_value (p, cell, label, r, c, 0, 2, dst, error))
                return FALSE;
              continue;
            }
          if (!JSON_NODE_HOLDS_ARRAY (cell))
            return fail (p, error, FM_BANK_ERROR_INVALID,
                         "%s: row %d, column %d is %s, but 3-D weights need an array of %d channel values",
                         label, r + 1, c + 1, fm_json_type_name (cell), ch);
          JsonArray *chans = json_node_get_array (cell);
          int m = json_array_get_length (chans);
          if (m != ch)
            return fail (p, error, FM_BANK_ERROR_INVALID,
                         "%s: row %d, column %d has %d channels, row 1, column 1 has %d",
                         label, r + 1, c + 1, m, ch);
          for (int k = 0; k < ch; k++)
            if (!read_value (p, json_array_get_element (chans, k), label, r, c, k, 3, &dst[k], error))
              return FALSE;
        }
    }
  return TRUE;
}

/* ---- bank-wide values repeated per filter ------------------------------ */

static gboolean
bank_wide_step (Parser *p, JsonNode *node, const char *label, const char *what,
                gboolean *set, int *y, int *x, GError **error)
{
  int vy, vx;
  g_autofree char *full = g_strdup_printf ("%s: %s", label, what);
  if (!get_step (p, node, full, &vy, &vx, error))
    return FALSE;
  if (!*set)
    {
      *set = TRUE;
      *y = vy;
      *x = vx;
      return TRUE;
    }
  if (vy != *y || vx != *x)
    return fail (p, error, FM_BANK_ERROR_INVALID,
                 "%s: %s [%d, %d] differs from the bank's [%d, %d]: %s must be bank-wide "
                 "(all filters run as one layer), so give it once at the top level",
                 label, what, vy, vx, *y, *x, what);
  return TRUE;
}

static gboolean
bank_wide_values (Parser *p, JsonNode *node, const char *label, const char *what,
                  double *bank_values, int *bank_n, GError **error)
{
  double v[4];
  int n;
  g_autofree char *full = g_strdup_printf ("%s: %s", label, what);
  if (!get_channel_values (p, node, full, v, &n, error))
    return FALSE;
  if (*bank_n == 0)
    {
      memcpy (bank_values, v, sizeof v);
      *bank_n = n;
      return TRUE;
    }
  gboolean same = n == *bank_n;
  for (int i = 0; same && i < n; i++)
    same = v[i] == bank_values[i];
  if (!same)
    return fail (p, error, FM_BANK_ERROR_INVALID,
                 "%s: %s differs from the bank's: %s must be bank-wide "
                 "(one input feeds every filter), so give it once at the top level",
                 label, what, what);
  return TRUE;
}

/* ---- one filter -------------------------------------------------------- */

static gboolean
parse_filter (Parser *p, JsonNode *node, int index, int n_filters, float **weights_out,
              int *shape, GError **error)
{
  FmBank *bank = p->bank;
  g_autofree char *generic = g_strdup_printf ("filter %d", index + 1);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (p, error, FM_BANK_ERROR_PARSE, "%s is %s, expected an object { \"weights\": ... }",
                 generic, fm_json_type_name (node));
  JsonObject *obj = json_node_get_object (node);
  FmFilter *f = &bank->filters[index];

  const char *name = NULL;
  g_autofree char *name_what = g_strdup_printf ("%s: name", generic);
  if (json_object_has_member (obj, "name")
      && !fm_json_get_string (&p->cx, json_object_get_member (obj, "name"), name_what, &name, error))
    return FALSE;
  f->name = g_strdup (name && *name ? name : generic);
  g_autofree char *label = fm_bank_filter_label (index, f->name);

  if (!fm_json_check_keys (&p->cx, obj, filter_keys, label, error))
    return FALSE;
  if (!json_object_has_member (obj, "weights"))
    return fail (p, error, FM_BANK_ERROR_PARSE, "%s has no \"weights\"", label);

  JsonNode *wnode = json_object_get_member (obj, "weights");
  int kh = 0, kw = 0, ch = 0, depth = 0;
  if (!weights_shape (p, wnode, label, &kh, &kw, &ch, &depth, error))
    return FALSE;
  if (index == 0)
    {
      g_autofree char *where = g_strdup_printf ("%s%s: ", p->where, label);
      if (!fm_bank_check_shape (where, kh, kw, ch, n_filters, error))
        return FALSE;
      shape[0] = kh;
      shape[1] = kw;
      shape[2] = ch;
    }
  else if (kh != shape[0] || kw != shape[1] || ch != shape[2])
    {
      g_autofree char *first = fm_bank_filter_label (0, bank->filters[0].name);
      return fail (p, error, FM_BANK_ERROR_INVALID,
                   "%s: weights are %d × %d × %d, %s has %d × %d × %d: all filters of a bank share one shape",
                   label, kh, kw, ch, first, shape[0], shape[1], shape[2]);
    }
  f->weights = g_new (float, (gsize) kh * kw * ch);
  if (!read_weights (p, wnode, label, kh, kw, ch, depth, f->weights, error))
    return FALSE;
  *weights_out = f->weights;

  double v;
  f->bias = 0;
  if (json_object_has_member (obj, "bias"))
    {
      g_autofree char *what = g_strdup_printf ("%s: bias", label);
      if (!fm_json_get_number (&p->cx, json_object_get_member (obj, "bias"), what, TRUE, &v, error))
        return FALSE;
      f->bias = (float) v;
    }
  f->offset = p->offset;
  if (json_object_has_member (obj, "offset"))
    {
      g_autofree char *what = g_strdup_printf ("%s: offset", label);
      if (!fm_json_get_number (&p->cx, json_object_get_member (obj, "offset"), what, TRUE, &f->offset, error))
        return FALSE;
    }

  /* divisor: the filter's own, else normalize (own, else the bank's), else
   * the bank's divisor */
  gboolean has_div = json_object_has_member (obj, "divisor");
  gboolean has_norm = json_object_has_member (obj, "normalize");
  gboolean normalize = p->normalize;
  if (has_norm)
    {
      g_autofree char *what = g_strdup_printf ("%s: normalize", label);
      if (!fm_json_get_bool (&p->cx, json_object_get_member (obj, "normalize"), what, &normalize, error))
        return FALSE;
    }
  if (has_div && has_norm && normalize)
    return fail (p, error, FM_BANK_ERROR_INVALID,
                 "%s: give \"divisor\" or \"normalize\": true, not both", label);
  if (has_div)
    {
      g_autofree char *what = g_strdup_printf ("%s: divisor", label);
      if (!fm_json_get_number (&p->cx, json_object_get_member (obj, "divisor"), what, FALSE, &f->divisor, error))
        return FALSE;
      if (f->divisor == 0)
        return fail (p, error, FM_BANK_ERROR_INVALID, "%s: divisor 0: must not be 0", label);
    }
  else if (normalize)
    {
      double sum = 0;
      for (gsize i = 0; i < (gsize) kh * kw * ch; i++)
        sum += f->weights[i];
      if (fabs (sum) < 1e-12)
        return fail (p, error, FM_BANK_ERROR_INVALID,
                     "%s: normalize: the weights sum to 0, so there is nothing to divide by "
                     "(edge detectors usually sum to 0: drop \"normalize\" or give a \"divisor\")", label);
      f->divisor = sum;
    }
  else
    f->divisor = p->divisor;

  if (json_object_has_member (obj, "stride")
      && !bank_wide_step (p, json_object_get_member (obj, "stride"), label, "stride",
                          &p->stride_set, &bank->stride_y, &bank->stride_x, error))
    return FALSE;
  if (json_object_has_member (obj, "dilation")
      && !bank_wide_step (p, json_object_get_member (obj, "dilation"), label, "dilation",
                          &p->dilation_set, &bank->dilation_y, &bank->dilation_x, error))
    return FALSE;
  if (json_object_has_member (obj, "range"))
    {
      double r;
      g_autofree char *what = g_strdup_printf ("%s: range", label);
      if (!get_range (p, json_object_get_member (obj, "range"), what, &r, error))
        return FALSE;
      if (p->range_set && r != bank->range)
        return fail (p, error, FM_BANK_ERROR_INVALID,
                     "%s: range %g differs from the bank's %g: range must be bank-wide "
                     "(one input feeds every filter), so give it once at the top level",
                     label, r, bank->range);
      p->range_set = TRUE;
      bank->range = r;
    }
  if (json_object_has_member (obj, "mean")
      && !bank_wide_values (p, json_object_get_member (obj, "mean"), label, "mean",
                            bank->mean, &bank->n_mean, error))
    return FALSE;
  if (json_object_has_member (obj, "std")
      && !bank_wide_values (p, json_object_get_member (obj, "std"), label, "std",
                            bank->std, &bank->n_std, error))
    return FALSE;
  return TRUE;
}

/* ---- the bank ---------------------------------------------------------- */

static gboolean
parse_defaults (Parser *p, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (p, error, FM_BANK_ERROR_PARSE, "defaults is %s, expected an object", fm_json_type_name (node));
  JsonObject *obj = json_node_get_object (node);
  /* the keys are the option table's names of the options a bank may set */
  const char *keys[FM_N_OPTIONS + 1];
  int n = 0;
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (fm_option_spec (id)->bank_default)
      keys[n++] = fm_option_spec (id)->name;
  keys[n] = NULL;
  if (!fm_json_check_keys (&p->cx, obj, keys, "defaults", error))
    return FALSE;
  for (int id = 0; id < FM_N_OPTIONS; id++)
    {
      const FmOptionSpec *spec = fm_option_spec (id);
      if (!spec->bank_default || !json_object_has_member (obj, spec->name))
        continue;
      g_autofree char *what = g_strdup_printf ("defaults: %s", spec->name);
      if (!fm_json_get_choice (&p->cx, json_object_get_member (obj, spec->name), what,
                               spec->choices, &p->bank->defaults[id], error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_bank (Parser *p, JsonObject *root, GError **error)
{
  FmBank *bank = p->bank;
  if (json_object_has_member (root, "layers") && !json_object_has_member (root, "filters"))
    return fm_json_fail (&p->cx, error, FALSE, "a stack description (a network's layers), "
                         "not a bank: pick its layers as FILE#LAYER");
  if (!fm_json_check_keys (&p->cx, root, bank_keys, "the bank", error))
    return FALSE;

  const char *s;
  if (json_object_has_member (root, "name"))
    {
      if (!fm_json_get_string (&p->cx, json_object_get_member (root, "name"), "name", &s, error))
        return FALSE;
      if (*s)
        {
          g_free (bank->name);
          bank->name = g_strdup (s);
        }
    }
  if (json_object_has_member (root, "description"))
    {
      if (!fm_json_get_string (&p->cx, json_object_get_member (root, "description"), "description", &s, error))
        return FALSE;
      g_free (bank->description);
      bank->description = g_strdup (s);
    }
  if (json_object_has_member (root, "kind"))
    {
      if (!fm_json_get_string (&p->cx, json_object_get_member (root, "kind"), "kind", &s, error))
        return FALSE;
      if (*s)
        {
          g_free (bank->kind);
          bank->kind = g_strdup (s);
        }
    }
  if (json_object_has_member (root, "comment")
      && !fm_json_get_string (&p->cx, json_object_get_member (root, "comment"), "comment", &s, error))
    return FALSE;

  int choice;
  if (json_object_has_member (root, "input"))
    {
      if (!fm_json_get_choice (&p->cx, json_object_get_member (root, "input"), "input",
                       fm_option_spec (FM_OPT_INPUT_MODE)->choices, &choice, error))
        return FALSE;
      bank->input = choice;
    }
  if (json_object_has_member (root, "light"))
    {
      if (!fm_json_get_choice (&p->cx, json_object_get_member (root, "light"), "light", lights, &choice, error))
        return FALSE;
      bank->linear = choice == 1;
    }
  if (json_object_has_member (root, "order"))
    {
      if (!fm_json_get_choice (&p->cx, json_object_get_member (root, "order"), "order", orders, &choice, error))
        return FALSE;
      bank->bgr = choice == 1;
    }
  if (json_object_has_member (root, "mode"))
    {
      if (!fm_json_get_choice (&p->cx, json_object_get_member (root, "mode"), "mode", modes, &choice, error))
        return FALSE;
      bank->convolve = choice == 1;
    }
  if (json_object_has_member (root, "range"))
    {
      if (!get_range (p, json_object_get_member (root, "range"), "range", &bank->range, error))
        return FALSE;
      p->range_set = TRUE;
    }
  if (json_object_has_member (root, "mean")
      && !get_channel_values (p, json_object_get_member (root, "mean"), "mean", bank->mean,
                              &bank->n_mean, error))
    return FALSE;
  if (json_object_has_member (root, "std")
      && !get_channel_values (p, json_object_get_member (root, "std"), "std", bank->std,
                              &bank->n_std, error))
    return FALSE;
  if (json_object_has_member (root, "stride"))
    {
      if (!get_step (p, json_object_get_member (root, "stride"), "stride",
                     &bank->stride_y, &bank->stride_x, error))
        return FALSE;
      p->stride_set = TRUE;
    }
  if (json_object_has_member (root, "dilation"))
    {
      if (!get_step (p, json_object_get_member (root, "dilation"), "dilation",
                     &bank->dilation_y, &bank->dilation_x, error))
        return FALSE;
      p->dilation_set = TRUE;
    }
  if (json_object_has_member (root, "defaults")
      && !parse_defaults (p, json_object_get_member (root, "defaults"), error))
    return FALSE;

  p->divisor = 1.0;
  gboolean has_div = json_object_has_member (root, "divisor");
  if (json_object_has_member (root, "normalize")
      && !fm_json_get_bool (&p->cx, json_object_get_member (root, "normalize"), "normalize", &p->normalize, error))
    return FALSE;
  if (has_div && p->normalize)
    return fail (p, error, FM_BANK_ERROR_INVALID, "give \"divisor\" or \"normalize\": true, not both");
  if (has_div)
    {
      if (!fm_json_get_number (&p->cx, json_object_get_member (root, "divisor"), "divisor", FALSE, &p->divisor, error))
        return FALSE;
      if (p->divisor == 0)
        return fail (p, error, FM_BANK_ERROR_INVALID, "divisor 0: must not be 0");
    }
  if (json_object_has_member (root, "offset")
      && !fm_json_get_number (&p->cx, json_object_get_member (root, "offset"), "offset", TRUE, &p->offset, error))
    return FALSE;

  if (!json_object_has_member (root, "filters"))
    return fail (p, error, FM_BANK_ERROR_PARSE, "no \"filters\": a bank needs at least one filter");
  JsonNode *fnode = json_object_get_member (root, "filters");
  if (!JSON_NODE_HOLDS_ARRAY (fnode))
    return fail (p, error, FM_BANK_ERROR_PARSE, "filters is %s, expected an array of filters",
                 fm_json_type_name (fnode));
  JsonArray *filters = json_node_get_array (fnode);
  int n = json_array_get_length (filters);
  if (n == 0)
    return fail (p, error, FM_BANK_ERROR_INVALID, "the bank has no filters (\"filters\" is empty)");
  if (n > FM_BANK_MAX_FILTERS)
    return fail (p, error, FM_BANK_ERROR_TOO_LARGE, "%d filters: must be at most %d", n, FM_BANK_MAX_FILTERS);

  bank->filters = g_new0 (FmFilter, n);
  bank->n_filters = n;
  int shape[3] = { 0, 0, 0 };
  for (int k = 0; k < n; k++)
    {
      float *w = NULL;
      if (!parse_filter (p, json_array_get_element (filters, k), k, n, &w, shape, error))
        return FALSE;
    }
  bank->kh = shape[0];
  bank->kw = shape[1];
  bank->channels = shape[2];
  return TRUE;
}

FmBank *
fm_bank_from_json_data (const char *data, gssize length, const char *origin,
                        GError **error)
{
  g_return_val_if_fail (data, NULL);
  gsize len = length < 0 ? strlen (data) : (gsize) length;
  g_autofree char *base = origin ? g_path_get_basename (origin) : NULL;
  g_autofree char *display = base ? fm_file_display (base) : NULL;
  g_autofree char *where = display ? g_strdup_printf ("%s: ", display) : g_strdup ("");
  Parser p = { .where = where,
               .cx = { .where = where, .domain = FM_BANK_ERROR,
                       .parse_code = FM_BANK_ERROR_PARSE, .invalid_code = FM_BANK_ERROR_INVALID,
                       .too_large_code = FM_BANK_ERROR_TOO_LARGE } };

  if (len > FM_BANK_MAX_FILE_SIZE)
    {
      fail (&p, error, FM_BANK_ERROR_TOO_LARGE, "%" G_GSIZE_FORMAT " bytes is too large for a bank file", len);
      return NULL;
    }
  g_autoptr (JsonParser) parser = fm_json_parse (&p.cx, data, len, "JSON bank file", error);
  if (!parser)
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (!root)
    {
      fail (&p, error, FM_BANK_ERROR_PARSE, "the file is empty (a bank is an object { \"filters\": [...] })");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (&p, error, FM_BANK_ERROR_PARSE, "the top level must be an object { \"filters\": [...] }, not %s",
            fm_json_type_name (root));
      return NULL;
    }

  g_autofree char *stem = origin ? fm_text_path_stem (origin) : NULL;
  FmBank *bank = g_new0 (FmBank, 1);
  bank->name = g_strdup (stem ? stem : "Untitled bank");
  bank->description = g_strdup ("");
  bank->kind = g_strdup ("other");
  bank->origin = g_strdup (origin);
  fm_bank_init_fields (bank);
  p.bank = bank;

  g_autoptr (GError) err = NULL;
  if (!parse_bank (&p, json_node_get_object (root), &err))
    {
      /* a half-parsed bank holds NULLs where it stopped; free copes */
      fm_bank_free (bank);
      g_propagate_error (error, g_steal_pointer (&err));
      return NULL;
    }
  if (!fm_bank_validate (bank, &err))
    {
      fm_bank_free (bank);
      g_set_error (error, FM_BANK_ERROR, err->code, "%s%s", where, err->message);
      return NULL;
    }
  return bank;
}

FmBank *
fm_bank_from_json_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  if (!fm_formats_read_text (path, "bank file", &data, &length, error))
    return NULL;
  return fm_bank_from_json_data (data, (gssize) length, path, error);
}


/* ---- the registry entry (fm-formats.def) ------------------------------ */

static gboolean
json_sniff (const guint8 *head, gsize n)
{
  gsize i = 0;
  while (i < n && g_ascii_isspace (head[i]))
    i++;
  return i < n && head[i] == '{';
}

static FmBank *
json_load (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  return fm_bank_from_json_file (path, error);
}

/* A JSON file holds a bank ("filters") or a stack description ("layers",
 * a network): the same suffix, two readers. */
static FmNetGraph *
json_load_graph (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  return fm_net_load_stack_file (path, error);
}

static const char *const json_suffixes[] = { ".json", NULL };

const FmFormat fm_format_json = {
  .name = "json",
  .label = "JSON bank",
  .plural = "JSON banks",
  .kind = FM_FORMAT_BANK,
  .suffixes = json_suffixes,
  .sniff = json_sniff,
  .load_bank = json_load,
  .load_graph = json_load_graph,
};
