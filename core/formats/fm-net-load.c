/* fm-net-load: the front door for model files (fm-net-load.h): sniff the
 * first bytes, refuse what must not be read, hand the rest to its reader. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fm-net-load.h"
#include "fm-model-file.h"

typedef enum {
  KIND_UNKNOWN, KIND_ONNX, KIND_SAFETENSORS, KIND_ZIP, KIND_TORCH_ZIP,
  KIND_PICKLE, KIND_JSON, KIND_KERAS, KIND_HDF5
} Kind;

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
              if (name_len >= 8 && memcmp (name + name_len - 8, "data.pkl", 8) == 0)
                return KIND_TORCH_ZIP;
              /* Keras's saving_lib writes metadata.json, then config.json */
              if ((name_len == 13 && memcmp (name, "metadata.json", 13) == 0)
                  || (name_len == 11 && memcmp (name, "config.json", 11) == 0))
                return KIND_KERAS;
            }
        }
      return g_str_has_suffix (path, ".keras") ? KIND_KERAS : KIND_ZIP;
    }
  /* HDF5's signature (Keras's legacy .h5) */
  if (n >= 8 && memcmp (head, "\x89HDF\r\n\x1a\n", 8) == 0)
    return KIND_HDF5;
  /* a file named as Keras names them goes to its reader, which says what
   * is wrong with it */
  if (g_str_has_suffix (path, ".keras"))
    return KIND_KERAS;
  if (g_str_has_suffix (path, ".h5") || g_str_has_suffix (path, ".hdf5"))
    return KIND_HDF5;
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

FmNetGraph *
fm_net_graph_load (const char *path, GError **error)
{
  g_return_val_if_fail (path, NULL);
  g_autofree char *display = g_filename_display_name (path);
  guint8 head[512];
  gsize n = 0;
  guint64 size = 0;
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
    close (fd);
    n = got > 0 ? (gsize) got : 0;
  }

  switch (sniff (head, n, size, path))
    {
    case KIND_ONNX:
      return fm_net_load_onnx_file (path, error);
    case KIND_KERAS:
      return fm_net_load_keras_file (path, error);
    case KIND_HDF5:
      return fm_net_load_keras_h5_file (path, error);
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
               "%s: not a model file (ONNX, Keras .keras / .h5, safetensors or a "
               "stack description)",
               display);
  return NULL;
}
