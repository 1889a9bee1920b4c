/* fm-format-safetensors: .safetensors weight files into a graph that holds
 * only initializers (a stack description adds the nodes: fm-format-stack.c).
 *
 * The format: an 8-byte little-endian header length N, N bytes of JSON
 *   { "name": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] },
 *     …, "__metadata__": { "key": "text", … } }
 * then the data area, which the tensors must cover exactly: offsets inside
 * it, in order, with neither overlaps nor holes (the rules of the format's
 * own reference implementation).  Everything in the header is checked
 * before any tensor is allocated; tensors are then read straight from the
 * file into their storage, a chunk at a time. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fm-net-load.h"
#include "fm-model-file.h"
#include "fm-net-load-private.h"

/* The reference implementation refuses headers over 100 MB too. */
#define SAFETENSORS_MAX_HEADER ((guint64) 100000000)

typedef struct {
  const char *name;       /* the header's own key */
  FmElem elem;
  int ndim;
  gint64 dims[FM_TENSOR_MAX_DIMS];
  gsize n;
  guint64 begin, end;     /* in the data area */
} Entry;

/* Where the bytes are: a buffer (tests, fuzzing) or an open file. */
typedef struct {
  const guint8 *buf;
  int fd;
  guint64 size;
} Source;

static gboolean
source_read (const Source *s, guint8 *out, gsize len, guint64 offset,
             GError **error)
{
  if (s->buf)
    {
      /* callers checked offset + len ≤ size */
      memcpy (out, s->buf + offset, len);
      return TRUE;
    }
  return fm_model_pread (s->fd, out, len, offset, "read", error);
}

static gboolean
parse_dtype (const char *s, FmElem *elem, GError **error)
{
  static const struct { const char *name; FmElem elem; } dtypes[] = {
    { "F32", FM_ELEM_F32 }, { "F16", FM_ELEM_F16 }, { "BF16", FM_ELEM_BF16 },
    { "F64", FM_ELEM_F64 }, { "I64", FM_ELEM_I64 }, { "I32", FM_ELEM_I32 },
    { "I16", FM_ELEM_I16 }, { "I8", FM_ELEM_I8 }, { "U64", FM_ELEM_U64 },
    { "U32", FM_ELEM_U32 }, { "U16", FM_ELEM_U16 }, { "U8", FM_ELEM_U8 },
    { "BOOL", FM_ELEM_BOOL },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (dtypes); k++)
    if (strcmp (s, dtypes[k].name) == 0)
      {
        *elem = dtypes[k].elem;
        return TRUE;
      }
  g_autofree char *label = fm_net_escape (s);
  if (g_str_has_prefix (s, "F8_"))
    g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                 "dtype '%s' (8-bit float) is not supported", label);
  else
    g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                 "unknown dtype '%s' (F32, F16, BF16, F64, I64, I32, I16, I8, "
                 "U64, U32, U16, U8, BOOL)", label);
  return FALSE;
}

static gboolean
parse_entry (const char *name, JsonNode *node, guint64 data_len, Entry *e,
             GError **error)
{
  e->name = name;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "is %s, expected an object with dtype, shape and data_offsets",
                   fm_json_type_name (node));
      return FALSE;
    }
  JsonObject *obj = json_node_get_object (node);
  static const char *const keys[] = { "dtype", "shape", "data_offsets" };
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      gboolean known = FALSE;
      for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
        known |= strcmp (l->data, keys[k]) == 0;
      if (!known)
        {
          g_autofree char *label = fm_net_escape (l->data);
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "unknown key '%s' (dtype, shape, data_offsets)", label);
          return FALSE;
        }
    }
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    if (!json_object_has_member (obj, keys[k]))
      {
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "no %s", keys[k]);
        return FALSE;
      }

  JsonNode *dtype = json_object_get_member (obj, "dtype");
  if (!JSON_NODE_HOLDS_VALUE (dtype) || json_node_get_value_type (dtype) != G_TYPE_STRING)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "dtype is %s, expected a string", fm_json_type_name (dtype));
      return FALSE;
    }
  if (!parse_dtype (json_node_get_string (dtype), &e->elem, error))
    return FALSE;

  JsonNode *shape = json_object_get_member (obj, "shape");
  if (!JSON_NODE_HOLDS_ARRAY (shape))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "shape is %s, expected an array", fm_json_type_name (shape));
      return FALSE;
    }
  JsonArray *sa = json_node_get_array (shape);
  guint ndim = json_array_get_length (sa);
  if (ndim > FM_TENSOR_MAX_DIMS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "shape has %u dimensions, at most %d are supported", ndim,
                   FM_TENSOR_MAX_DIMS);
      return FALSE;
    }
  e->ndim = (int) ndim;
  guint64 n = 1;
  gboolean overflow = FALSE;
  for (guint d = 0; d < ndim; d++)
    {
      g_autofree char *what = g_strdup_printf ("shape[%u]", d);
      if (!fm_json_get_int (fm_model_json_ctx (), json_array_get_element (sa, d), what, 0, G_MAXINT64,
                            &e->dims[d], error))
        return FALSE;
      if (__builtin_mul_overflow (n, (guint64) e->dims[d], &n))
        overflow = TRUE;
    }
  for (guint d = 0; d < ndim; d++)
    if (e->dims[d] == 0)
      n = 0, overflow = FALSE;
  if (overflow || n > FM_NET_MAX_TENSOR_ELEMS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "shape holds more than %" G_GSIZE_FORMAT
                   " elements (the limit for one tensor)", FM_NET_MAX_TENSOR_ELEMS);
      return FALSE;
    }
  e->n = (gsize) n;

  JsonNode *offsets = json_object_get_member (obj, "data_offsets");
  if (!JSON_NODE_HOLDS_ARRAY (offsets)
      || json_array_get_length (json_node_get_array (offsets)) != 2)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "data_offsets must be [begin, end]");
      return FALSE;
    }
  JsonArray *oa = json_node_get_array (offsets);
  gint64 begin, end;
  if (!fm_json_get_int (fm_model_json_ctx (), json_array_get_element (oa, 0), "data_offsets[0]", 0,
                        G_MAXINT64, &begin, error)
      || !fm_json_get_int (fm_model_json_ctx (), json_array_get_element (oa, 1), "data_offsets[1]", 0,
                           G_MAXINT64, &end, error))
    return FALSE;
  e->begin = (guint64) begin;
  e->end = (guint64) end;
  if (e->end < e->begin)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   "] end before they begin", e->begin, e->end);
      return FALSE;
    }
  if (e->end > data_len)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   "] run past the end of the data area (%" G_GUINT64_FORMAT " bytes)",
                   e->begin, e->end, data_len);
      return FALSE;
    }
  guint64 need = (guint64) e->n * fm_elem_size (e->elem);
  if (e->end - e->begin != need)
    {
      GString *s = g_string_new (NULL);
      for (int d = 0; d < e->ndim; d++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", e->dims[d]);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "shape [%s] of %s needs %" G_GUINT64_FORMAT " bytes, but "
                   "data_offsets give %" G_GUINT64_FORMAT, s->str,
                   json_node_get_string (dtype), need, e->end - e->begin);
      g_string_free (s, TRUE);
      return FALSE;
    }
  return TRUE;
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

static gboolean
check_metadata (JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "__metadata__ is %s, expected an object of strings",
                   fm_json_type_name (node));
      return FALSE;
    }
  JsonObject *obj = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (obj, l->data);
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
        {
          g_autofree char *label = fm_net_escape (l->data);
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "__metadata__ '%s' is %s, expected a string", label,
                       fm_json_type_name (v));
          return FALSE;
        }
    }
  return TRUE;
}

static FmNetGraph *
read_safetensors (const Source *src, const char *origin, GError **error)
{
  if (src->size < 8)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "%" G_GUINT64_FORMAT " bytes, shorter than the 8-byte header length",
                   src->size);
      return NULL;
    }
  guint8 le[8];
  if (!source_read (src, le, 8, 0, error))
    return NULL;
  guint64 hlen = 0;
  for (int k = 0; k < 8; k++)
    hlen |= (guint64) le[k] << (8 * k);
  if (hlen > SAFETENSORS_MAX_HEADER)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "header of %" G_GUINT64_FORMAT " bytes, over the limit of %"
                   G_GUINT64_FORMAT, hlen, SAFETENSORS_MAX_HEADER);
      return NULL;
    }
  if (hlen > src->size - 8)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "header length %" G_GUINT64_FORMAT " runs past the end of the "
                   "file (%" G_GUINT64_FORMAT " bytes)", hlen, src->size);
      return NULL;
    }
  g_autofree char *text = g_malloc (hlen + 1);
  if (!source_read (src, (guint8 *) text, hlen, 8, error))
    return NULL;
  text[hlen] = 0;
  if (hlen == 0 || text[0] != '{')
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "the header does not start with '{'");
      return NULL;
    }
  GError *local = NULL;
  g_autoptr (JsonNode) root = fm_model_parse_json (text, hlen, "JSON header", &local);
  if (!root)
    {
      g_set_error (error, FM_NET_ERROR, local->code, "header: %s", local->message);
      g_error_free (local);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "the header is %s, expected an object", fm_json_type_name (root));
      return NULL;
    }

  guint64 data_start = 8 + hlen;
  guint64 data_len = src->size - data_start;
  JsonObject *obj = json_node_get_object (root);
  guint n_members = json_object_get_size (obj);
  if (n_members > FM_NET_MAX_TENSORS + 1)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "more than %d tensors", FM_NET_MAX_TENSORS);
      return NULL;
    }
  g_autofree Entry *entries = g_new0 (Entry, MAX (n_members, 1));
  guint n = 0;
  g_autoptr (GList) members = json_object_get_members (obj);
  gsize total = 0;
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (obj, name);
      if (strcmp (name, "__metadata__") == 0)
        {
          if (!check_metadata (node, error))
            return NULL;
          continue;
        }
      g_autofree char *label = fm_net_escape (name);
      if (!*name)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "a tensor without a name");
          return NULL;
        }
      if (strlen (name) > FM_NET_MAX_NAME)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                       "tensor '%s': a name over %d bytes", label, FM_NET_MAX_NAME);
          return NULL;
        }
      if (!parse_entry (name, node, data_len, &entries[n], error))
        {
          g_prefix_error (error, "tensor '%s': ", label);
          return NULL;
        }
      if (entries[n].n > FM_NET_MAX_TOTAL_ELEMS - total)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                       "tensor '%s': the file's tensors hold more than %"
                       G_GSIZE_FORMAT " elements together", label,
                       FM_NET_MAX_TOTAL_ELEMS);
          return NULL;
        }
      total += entries[n].n;
      n++;
    }

  /* the data area, covered exactly: sorted by offset, each tensor starts
   * where the previous one ended */
  qsort (entries, n, sizeof *entries, compare_entries);
  guint64 at = 0;
  const Entry *prev = NULL;
  for (guint k = 0; k < n; k++)
    {
      const Entry *e = &entries[k];
      g_autofree char *label = fm_net_escape (e->name);
      if (e->begin < at)
        {
          g_autofree char *plabel = fm_net_escape (prev->name);
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %"
                       G_GUINT64_FORMAT "] overlap tensor '%s' [%" G_GUINT64_FORMAT
                       ", %" G_GUINT64_FORMAT "]", label, e->begin, e->end, plabel,
                       prev->begin, prev->end);
          return NULL;
        }
      if (e->begin > at)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "tensor '%s' starts at byte %" G_GUINT64_FORMAT " of the data "
                       "area, but the tensors before it end at %" G_GUINT64_FORMAT
                       " (a hole)", label, e->begin, at);
          return NULL;
        }
      at = e->end;
      prev = e;
    }
  if (at != data_len)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "the tensors end at byte %" G_GUINT64_FORMAT " of the data area, "
                   "which holds %" G_GUINT64_FORMAT " bytes (bytes no tensor owns)",
                   at, data_len);
      return NULL;
    }

  g_autoptr (FmNetGraph) graph = fm_net_graph_new (origin, "safetensors");
  for (guint k = 0; k < n; k++)
    {
      const Entry *e = &entries[k];
      FmTensor *t = fm_tensor_new (e->name, fm_elem_tensor_type (e->elem), e->ndim,
                                   e->dims, error);
      if (!t)
        return NULL;
      gsize esize = fm_elem_size (e->elem);
      gsize chunk = MAX ((gsize) 1, ((gsize) 1 << 20) / esize);
      g_autofree guint8 *buf = g_malloc (MIN (chunk, MAX (e->n, (gsize) 1)) * esize);
      for (gsize done = 0; done < e->n; done += chunk)
        {
          gsize count = MIN (chunk, e->n - done);
          if (!source_read (src, buf, count * esize,
                            data_start + e->begin + (guint64) done * esize, error)
              || !fm_elem_convert (e->elem, buf, count, t, done, error))
            {
              g_autofree char *label = fm_net_escape (e->name);
              g_prefix_error (error, "tensor '%s': ", label);
              fm_tensor_free (t);
              return NULL;
            }
        }
      if (!fm_net_graph_add_initializer (graph, t, error))
        return NULL;
    }
  return g_steal_pointer (&graph);
}

static FmNetGraph *
prefixed (FmNetGraph *graph, const char *origin, GError *local, GError **error)
{
  if (!graph)
    {
      g_prefix_error (&local, "%s: ", origin);
      g_propagate_error (error, local);
    }
  return graph;
}

FmNetGraph *
fm_net_load_safetensors_weights_data (const guint8 *data, gsize len,
                                      const char *origin, GError **error)
{
  const char *file = origin && *origin ? origin : "model.safetensors";
  Source src = { .buf = data, .fd = -1, .size = len };
  GError *local = NULL;
  FmNetGraph *graph = read_safetensors (&src, file, &local);
  return prefixed (graph, file, local, error);
}

FmNetGraph *
fm_safetensors_read_fd (int fd, gsize size, const char *origin, GError **error)
{
  Source src = { .buf = NULL, .fd = fd, .size = size };
  GError *local = NULL;
  FmNetGraph *graph = read_safetensors (&src, origin, &local);
  return prefixed (graph, origin, local, error);
}

FmNetGraph *
fm_net_load_safetensors_file (const char *path, GError **error)
{
  return fm_net_load_weights_with_sidecar (path, error);
}

FmNetGraph *
fm_net_load_safetensors_weights (const char *path, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  struct stat st;
  int fd = fm_model_open (path, &st, error);
  if (fd < 0)
    return NULL;
  Source src = { .buf = NULL, .fd = fd, .size = (guint64) st.st_size };
  GError *local = NULL;
  FmNetGraph *graph = read_safetensors (&src, path, &local);
  close (fd);
  return prefixed (graph, display, local, error);
}
