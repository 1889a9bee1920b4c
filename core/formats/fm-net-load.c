/* fm-net-load: the front door for model files (fm-net-load.h): sniff the
 * first bytes, refuse what must not be read, hand the rest to its reader. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fm-net-load.h"
#include "fm-model-file.h"
#include "fm-net-load-private.h"

typedef enum {
  KIND_UNKNOWN, KIND_ONNX, KIND_SAFETENSORS, KIND_ZIP, KIND_TORCH_ZIP,
  KIND_PICKLE, KIND_JSON
} Kind;

static gboolean
ends_with_pickle (const guint8 *name, gsize len)
{
  return len >= 8 && memcmp (name + len - 8, "data.pkl", 8) == 0;
}

/* What the first bytes say.  head holds up to 512 bytes of the file. */
static Kind
sniff (const guint8 *head, gsize n, guint64 file_size, const char *path)
{
  if (n >= 4 && memcmp (head, "PK\x03\x04", 4) == 0)
    {
      /* torch.save's zip starts with "<name>/data.pkl"; an .npz with
       * "<member>.npy" */
      if (n >= 30)
        {
          gsize name_len = head[26] | (head[27] << 8);
          if (30 + name_len <= n)
            {
              const char *name = (const char *) head + 30;
              if (ends_with_pickle ((const guint8 *) name, name_len))
                return KIND_TORCH_ZIP;
            }
        }
      return KIND_ZIP;
    }
  /* pickle protocol 2+ opens with PROTO (0x80) and its version */
  if (n >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5)
    return KIND_PICKLE;
  if (n >= 9)
    {
      guint64 h = 0;
      for (int k = 0; k < 8; k++)
        h |= (guint64) head[k] << (8 * k);
      if (head[8] == '{' && h >= 2 && h <= file_size - 8)
        return KIND_SAFETENSORS;
    }
  gsize k = 0;
  if (n >= 3 && memcmp (head, "\xef\xbb\xbf", 3) == 0)
    k = 3;
  while (k < n && g_ascii_isspace (head[k]))
    k++;
  if (k < n && head[k] == '{')
    return KIND_JSON;
  /* protobuf has no magic: ModelProto's first field is ir_version (1) */
  if (g_str_has_suffix (path, ".onnx") || (n >= 1 && head[0] == 0x08))
    return KIND_ONNX;
  return KIND_UNKNOWN;
}


/* torch.save's zip holds "<name>/data.pkl" among its first entries;
 * numpy's .npz never does.  The local header was checked by sniff;
 * this finds the central directory from the end record, for zips whose
 * first local entry is something else. */
static gboolean
zip_is_torch (int fd, guint64 size)
{
  guint8 tail[22 + 1024];
  gsize n = (gsize) MIN (size, (guint64) sizeof tail);
  if (n < 22 || !fm_model_pread (fd, tail, n, size - n, "zip", NULL))
    return FALSE;
  for (gsize at = n - 22 + 1; at-- > 0;)
    {
      if (memcmp (tail + at, "PK\x05\x06", 4) != 0)
        continue;
      guint64 cd = tail[at + 16] | (tail[at + 17] << 8) | ((guint64) tail[at + 18] << 16)
                   | ((guint64) tail[at + 19] << 24);
      /* the first entries of the central directory (torch writes a few
       * small records around data.pkl; the tensors come after) */
      for (int k = 0; k < 16; k++)
        {
          guint8 entry[46 + 256];
          if (cd + 46 > size || !fm_model_pread (fd, entry, 46, cd, "zip", NULL)
              || memcmp (entry, "PK\x01\x02", 4) != 0)
            return FALSE;
          gsize name_len = entry[28] | (entry[29] << 8);
          gsize extra = entry[30] | (entry[31] << 8);
          gsize comment = entry[32] | (entry[33] << 8);
          if (name_len <= 256 && cd + 46 + name_len <= size
              && fm_model_pread (fd, entry + 46, name_len, cd + 46, "zip", NULL)
              && ends_with_pickle (entry + 46, name_len))
            return TRUE;
          cd += 46 + name_len + extra + comment;
        }
      return FALSE;
    }
  return FALSE;
}

FmNetGraph *
fm_net_graph_load (const char *path, GError **error)
{
  g_return_val_if_fail (path, NULL);
  g_autofree char *display = g_filename_display_name (path);
  guint8 head[512];
  gsize n = 0;
  guint64 size = 0;
  Kind kind;
  {
    GStatBuf st;
    int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
      {
        gboolean missing = fd < 0 && errno == ENOENT;
        g_set_error (error, FM_NET_ERROR,
                     missing ? FM_NET_ERROR_NOT_FOUND : FM_NET_ERROR_PARSE,
                     "%s: %s", display,
                     fd < 0 ? g_strerror (errno) : "not a regular file");
        if (fd >= 0)
          close (fd);
        return NULL;
      }
    size = (guint64) st.st_size;
    ssize_t got = read (fd, head, sizeof head);
    n = got > 0 ? (gsize) got : 0;
    kind = sniff (head, n, size, path);
    if (kind == KIND_ZIP && zip_is_torch (fd, size))
      kind = KIND_TORCH_ZIP;
    close (fd);
  }

  switch (kind)
    {
    case KIND_ONNX:
      {
        g_autoptr (FmNetGraph) graph = fm_net_load_onnx_file (path, error);
        if (!graph)
          return NULL;
        /* preprocessing from model.json beside model.onnx, when there */
        g_autofree char *sidecar = fm_net_sidecar_path (path);
        if (strcmp (sidecar, path) != 0 && g_file_test (sidecar, G_FILE_TEST_IS_REGULAR)
            && !fm_net_apply_onnx_sidecar (graph, sidecar, error))
          return NULL;
        return g_steal_pointer (&graph);
      }
    case KIND_SAFETENSORS:
    case KIND_ZIP:
      return fm_net_load_weights_with_sidecar (path, error);
    case KIND_JSON:
      return fm_net_load_stack_file (path, error);
    case KIND_TORCH_ZIP:
    case KIND_PICKLE:
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                   "%s: a PyTorch pickle (torch.save), which featuremaps does not "
                   "read because unpickling can run code; export the model with "
                   "torch.onnx.export, or save its state_dict as .safetensors with "
                   "a stack description (docs/kernels.md)", display);
      return NULL;
    default:
      break;
    }
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
               "%s: not a model file (ONNX, safetensors or .npz with a stack "
               "description, or a stack description)", display);
  return NULL;
}
