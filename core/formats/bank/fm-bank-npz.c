/* fm-bank-npz: which arrays of an .npz make a bank (docs/kernels.md,
 * "Learned weights").
 *
 * Members are grouped into layers by name: "<layer><sep><role>" with sep
 * one of . / : _ and role one of
 *   weight, weights, kernel           the filters
 *   bias                              one value per filter
 *   running_mean, running_var, num_batches_tracked,
 *   moving_mean, moving_variance, gamma, beta    a batch norm's
 * and the top level ("kernel", "weight", "bias", "mean", "std") is the
 * layer "".  A layer whose arrays include a batch norm's statistics, or
 * whose weight is 1-D, holds no filters.  Top-level "mean" and "std" are
 * the input declaration (value = (pixel · range − mean) / std), never
 * ignored.
 *
 *   FILE.npz         exactly one layer with filters, and nothing else
 *                    (an unknown member is an error that names it)
 *   FILE.npz#LAYER   that layer's weight and bias; other layers may be
 *                    there, but not unknown members of LAYER itself */
#include <math.h>
#include <string.h>

#include "fm-formats-private.h"

typedef enum {
  ROLE_WEIGHT, ROLE_BIAS, ROLE_NORM, ROLE_MEAN, ROLE_STD, ROLE_OTHER
} Role;

static const struct { const char *name; Role role; } roles[] = {
  /* longest first: "running_mean" must not read as "<running>_mean" */
  { "num_batches_tracked", ROLE_NORM }, { "moving_variance", ROLE_NORM },
  { "running_mean", ROLE_NORM }, { "running_var", ROLE_NORM }, { "moving_mean", ROLE_NORM },
  { "weights", ROLE_WEIGHT }, { "weight", ROLE_WEIGHT }, { "kernel", ROLE_WEIGHT },
  { "gamma", ROLE_NORM }, { "beta", ROLE_NORM }, { "bias", ROLE_BIAS },
  { "mean", ROLE_MEAN }, { "std", ROLE_STD },
};

/* The member's role and the length of its layer prefix. */
static Role
role_of (const char *name, gsize *prefix_len)
{
  gsize n = strlen (name);
  /* Keras' h5 names end in ":0" */
  if (n > 2 && strcmp (name + n - 2, ":0") == 0)
    n -= 2;
  for (gsize k = 0; k < G_N_ELEMENTS (roles); k++)
    {
      gsize m = strlen (roles[k].name);
      if (n == m && g_ascii_strncasecmp (name, roles[k].name, m) == 0)
        {
          *prefix_len = 0;
          return roles[k].role;
        }
      if (n > m + 1 && g_ascii_strncasecmp (name + n - m, roles[k].name, m) == 0
          && strchr ("./:_", name[n - m - 1]))
        {
          *prefix_len = n - m - 1;
          /* mean and std describe the input: top level only */
          if (roles[k].role == ROLE_MEAN || roles[k].role == ROLE_STD)
            break;
          return roles[k].role;
        }
    }
  /* an unknown role still belongs to the layer its name says */
  *prefix_len = 0;
  for (gsize k = n; k-- > 0;)
    if (strchr ("./:", name[k]))
      {
        *prefix_len = k;
        break;
      }
  return ROLE_OTHER;
}

typedef struct {
  char *name;                 /* "" for the top level */
  FmArray *weight, *bias;
  gboolean norm;              /* holds a batch norm's arrays */
  GPtrArray *unknown;         /* FmArray* of this layer with no known role */
} Layer;

static void
layer_free (Layer *l)
{
  g_free (l->name);
  g_ptr_array_unref (l->unknown);
  g_free (l);
}

/* A layer with filters: a 2-D to 4-D weight, no batch-norm statistics. */
static gboolean
has_filters (const Layer *l)
{
  return l->weight && !l->norm && l->weight->ndim >= 2;
}

static const char *
layer_label (const Layer *l)
{
  return *l->name ? l->name : l->weight ? l->weight->name : "(top level)";
}

typedef struct {
  GHashTable *by_name;        /* prefix → Layer* */
  GPtrArray *order;           /* Layer*, in archive order */
  FmArray *mean, *std;
} Members;

static void
members_clear (Members *m)
{
  g_hash_table_unref (m->by_name);
  g_ptr_array_unref (m->order);
}

static gboolean
group (GPtrArray *arrays, Members *m, const char *where, GError **error)
{
  m->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  m->order = g_ptr_array_new_with_free_func ((GDestroyNotify) layer_free);
  m->mean = m->std = NULL;
  for (guint i = 0; i < arrays->len; i++)
    {
      FmArray *a = arrays->pdata[i];
      gsize pl;
      Role role = role_of (a->name, &pl);
      g_autofree char *prefix = g_strndup (a->name, pl);
      Layer *l = g_hash_table_lookup (m->by_name, prefix);
      if (!l)
        {
          l = g_new0 (Layer, 1);
          l->name = g_steal_pointer (&prefix);
          l->unknown = g_ptr_array_new ();
          g_hash_table_insert (m->by_name, l->name, l);
          g_ptr_array_add (m->order, l);
        }
      FmArray **slot = NULL;
      switch (role)
        {
        case ROLE_WEIGHT: slot = &l->weight; break;
        case ROLE_BIAS: slot = &l->bias; break;
        case ROLE_MEAN: slot = &m->mean; break;
        case ROLE_STD: slot = &m->std; break;
        case ROLE_NORM: l->norm = TRUE; break;
        case ROLE_OTHER: g_ptr_array_add (l->unknown, a); break;
        }
      if (slot && *slot)
        {
          g_autofree char *one = fm_text_escape ((*slot)->name, -1, 60);
          g_autofree char *two = fm_text_escape (a->name, -1, 60);
          g_autofree char *layer = fm_text_escape (layer_label (l), -1, 60);
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%s'%s' and '%s' are both the %s of layer '%s'", where,
                       one, two, role == ROLE_BIAS ? "bias" : "weight", layer);
          return FALSE;
        }
      if (slot)
        *slot = a;
    }
  return TRUE;
}

static char *
name_list (GPtrArray *arrays)
{
  /* "'a', 'b' … and 992 more": an archive of a thousand members still
   * makes a message of one line, its names escaped */
  GString *s = g_string_new (NULL);
  guint shown = MIN (arrays->len, 8);
  for (guint i = 0; i < shown; i++)
    {
      g_autofree char *name = fm_text_escape (((FmArray *) arrays->pdata[i])->name, -1, 40);
      g_string_append_printf (s, "%s'%s'", i ? ", " : "", name);
    }
  if (arrays->len > shown)
    g_string_append_printf (s, " … and %u more", arrays->len - shown);
  return g_string_free (s, FALSE);
}

/* A list of layer names the same way. */
static void
append_layer (GString *names, guint *count, const char *name)
{
  if (*count < 8)
    {
      g_autofree char *shown = fm_text_escape (name, -1, 40);
      g_string_append_printf (names, "%s%s", names->len ? ", " : "", shown);
    }
  (*count)++;
}

static void
end_layers (GString *names, guint count)
{
  if (count > 8)
    g_string_append_printf (names, " … and %u more", count - 8);
}

/* "unknown member 'bais' (did you mean 'bias'?)" for a layer's own
 * members with no known role. */
static gboolean
check_unknown (const Layer *l, const char *where, GError **error)
{
  if (l->unknown->len == 0)
    return TRUE;
  FmArray *first = l->unknown->pdata[0];
  const char *tail = first->name + (*l->name ? strlen (l->name) + 1 : 0);
  static const char *const known[] = { "kernel", "weight", "weights", "bias", "mean", "std", NULL };
  const char *close = fm_text_closest (tail, known);
  g_autofree char *names = name_list (l->unknown);
  g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
               "%sunknown member%s %s%s%s%s (a layer holds weight or kernel, bias; the "
               "archive may add mean and std)", where, l->unknown->len > 1 ? "s" : "",
               names, close ? " (did you mean '" : "", close ? close : "", close ? "'?)" : "");
  return FALSE;
}

/* mean / std members: 1 value or one per channel, finite, std ≠ 0. */
static gboolean
apply_decl (FmBank *bank, const Members *m, const char *where, GError **error)
{
  const FmArray *src[2] = { m->mean, m->std };
  for (int k = 0; k < 2; k++)
    {
      const FmArray *a = src[k];
      if (!a)
        continue;
      g_autofree char *name = fm_text_escape (a->name, -1, 60);
      if (a->ndim > 1 || a->size > G_N_ELEMENTS (bank->mean))
        {
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%s'%s' holds %" G_GSIZE_FORMAT " values: the input declaration "
                       "takes 1 or one per channel (at most %d)", where, name, a->size,
                       (int) G_N_ELEMENTS (bank->mean));
          return FALSE;
        }
      if (a->size != 1 && a->size != (gsize) bank->channels)
        {
          /* the image's mean cannot feed a deeper layer: say why */
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%s'%s' holds %" G_GSIZE_FORMAT " values, one per channel of the "
                       "model's input, but this layer reads %d channels: only a first "
                       "layer runs on the image as a bank (describe the stack to see "
                       "deeper layers, docs/kernels.md)", where, name, a->size,
                       bank->channels);
          return FALSE;
        }
      for (gsize c = 0; c < a->size; c++)
        if (!isfinite (a->data[c]) || (k == 1 && a->data[c] == 0))
          {
            g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                         "%s'%s' value %g: must be finite%s", where, name,
                         a->data[c], k ? " and not 0" : "");
            return FALSE;
          }
      double *dst = k ? bank->std : bank->mean;
      for (gsize c = 0; c < a->size; c++)
        dst[c] = a->data[c];
      if (k)
        bank->n_std = (int) a->size;
      else
        bank->n_mean = (int) a->size;
    }
  return TRUE;
}

gboolean
fm_bank_npz_pick (GPtrArray *arrays, const char *file, const char *member,
                  const char *where, FmArray **kernel, FmArray **bias, FmArray **mean, FmArray **std,
                  GError **error)
{
  Members m;
  gboolean ok = FALSE;
  *kernel = *bias = *mean = *std = NULL;
  if (!group (arrays, &m, where, error))
    goto out;
  const Layer *chosen = NULL;
  if (member)
    {
      chosen = g_hash_table_lookup (m.by_name, member);
      if (!chosen || (!chosen->weight && !chosen->norm))
        {
          GString *names = g_string_new (NULL);
          guint count = 0;
          g_autoptr (GPtrArray) cands = g_ptr_array_new ();
          for (guint i = 0; i < m.order->len; i++)
            {
              const Layer *l = m.order->pdata[i];
              if (has_filters (l) && *l->name)
                {
                  append_layer (names, &count, l->name);
                  g_ptr_array_add (cands, l->name);
                }
            }
          end_layers (names, count);
          g_ptr_array_add (cands, NULL);
          const char *close = fm_text_closest (member, (const char *const *) cands->pdata);
          g_autofree char *shown = fm_text_escape (member, -1, 80);
          g_autofree char *close_shown = close ? fm_text_escape (close, -1, 80) : NULL;
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_NOT_FOUND,
                       "%sno layer '%s'%s%s%s (layers with filters: %s)", where, shown,
                       close ? "; did you mean '" : "", close ? close_shown : "", close ? "'?" : "",
                       names->len ? names->str : "none");
          g_string_free (names, TRUE);
          goto out;
        }
      g_autofree char *shown = fm_text_escape (member, -1, 80);
      if (chosen->norm)
        {
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%slayer '%s' is a batch norm (running statistics, scale and "
                       "shift), not a layer with filters", where, shown);
          goto out;
        }
      if (chosen->weight->ndim < 3)
        {
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%slayer '%s' has %d-D weights (%s), not a convolution's 3-D or 4-D",
                       where, shown, chosen->weight->ndim,
                       chosen->weight->ndim == 2 ? "a fully connected layer?"
                                                 : "a normalisation's scale?");
          goto out;
        }
      if (!check_unknown (chosen, where, error))
        goto out;
    }
  else
    {
      g_autoptr (GPtrArray) with = g_ptr_array_new ();
      for (guint i = 0; i < m.order->len; i++)
        if (has_filters (m.order->pdata[i]))
          g_ptr_array_add (with, m.order->pdata[i]);
      if (with->len == 0)
        {
          g_autofree char *names = name_list (arrays);
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%sno 'kernel' or 'weight' array (the archive holds %s)", where, names);
          goto out;
        }
      if (with->len > 1)
        {
          GString *names = g_string_new (NULL);
          guint count = 0;
          for (guint i = 0; i < with->len; i++)
            append_layer (names, &count, layer_label (with->pdata[i]));
          end_layers (names, count);
          g_autofree char *first = fm_text_escape (layer_label (with->pdata[0]), -1, 80);
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%s%u layers with filters (%s): pick one, as %s#%s",
                       where, with->len, names->str, file, first);
          g_string_free (names, TRUE);
          goto out;
        }
      chosen = with->pdata[0];
      if (!check_unknown (chosen, where, error))
        goto out;
      /* everything else must be the top level's mean / std */
      for (guint i = 0; i < m.order->len; i++)
        {
          const Layer *l = m.order->pdata[i];
          if (l == chosen)
            continue;
          if (l->unknown->len && !*l->name)
            {
              if (!check_unknown (l, where, error))
                goto out;
            }
          g_autoptr (GPtrArray) rest = g_ptr_array_new ();
          for (guint j = 0; j < arrays->len; j++)
            {
              FmArray *a = arrays->pdata[j];
              gsize pl;
              Role role = role_of (a->name, &pl);
              if (pl == strlen (l->name) && strncmp (a->name, l->name, pl) == 0
                  && role != ROLE_MEAN && role != ROLE_STD)
                g_ptr_array_add (rest, a);
            }
          if (rest->len == 0)
            continue;
          g_autofree char *names = name_list (rest);
          g_autofree char *chosen_name = fm_text_escape (layer_label (chosen), -1, 80);
          g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID,
                       "%s%s belong%s to another layer%s: save one layer per .npz or "
                       "pick one, as %s#%s", where, names, rest->len > 1 ? "" : "s",
                       l->norm ? " (a batch norm)" : "", file, chosen_name);
          goto out;
        }
    }
  *kernel = chosen->weight;
  *bias = chosen->bias;
  *mean = m.mean;
  *std = m.std;
  ok = TRUE;
out:
  members_clear (&m);
  return ok;
}

gboolean
fm_bank_npz_apply_decl (FmBank *bank, FmArray *mean, FmArray *std,
                        const char *where, GError **error)
{
  Members m = { .mean = mean, .std = std };
  return apply_decl (bank, &m, where, error);
}
