/* fm-net-load: the front door for model files (fm-net-load.h): the format
 * registry (fm-formats.def) picks the reader by suffix, else by the first
 * bytes; PyTorch pickles are refused before anything is read, and so are
 * zips that are torch.save checkpoints whatever their name. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fm-formats-private.h"
#include "fm-net-load.h"
#include "fm-net-load-private.h"
#include "fm-model-file.h"

FmNetGraph *
fm_net_graph_load (const char *path, GError **error)
{
  g_return_val_if_fail (path, NULL);
  g_autofree char *display = g_filename_display_name (path);
  guint8 head[FM_FORMAT_SNIFF_BYTES] = { 0 };
  gsize n = 0;
  gboolean torch_zip = FALSE;
  {
    struct stat st;
    int fd = fm_model_open (path, &st, error);
    if (fd < 0)
      return NULL;
    ssize_t got = read (fd, head, sizeof head);
    n = got > 0 ? (gsize) got : 0;
    torch_zip = n >= 4 && memcmp (head, "PK\x03\x04", 4) == 0
                && fm_net_is_torch_zip (fd, (guint64) st.st_size);
    close (fd);
  }

  const FmFormat *fmt = fm_format_for_path (path);
  if (!fmt)
    fmt = fm_format_sniff (head, n);
  if (torch_zip || fmt == &fm_format_torch)
    {
      fm_net_set_torch_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED, display);
      return NULL;
    }
  if (fmt && fmt->load_graph)
    return fmt->load_graph (path, NULL, error);
  g_autofree char *models = fm_formats_suffixes (FM_FORMAT_MODEL, FALSE, ", ");
  if (fmt && fmt->sniff)
    g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                 "%s: %s hold one bank of filters, not a network (use it as a kernel; "
                 "networks: %s, or .npz with a stack description)", display, fmt->plural,
                 models);
  else
    g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                 "%s: not a model file (%s, .npz with a stack description, or a stack "
                 "description .json)", display, models);
  return NULL;
}

/* ---- registry entries (fm-formats.def) --------------------------------- */

/* ONNX: protobuf has no magic, but a ModelProto starts with ir_version
 * (field 1, a small varint) and then one of the fields a writer puts
 * next: producer_name, producer_version, domain, model_version,
 * doc_string, graph or opset_import. */
static gboolean
onnx_sniff (const guint8 *head, gsize n)
{
  if (n < 3 || head[0] != 0x08 || head[1] == 0 || head[1] > 64)
    return FALSE;
  static const guint8 next[] = { 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42 };
  return memchr (next, head[2], sizeof next) != NULL;
}

/* The model, and the preprocessing in model.json beside it when there. */
static FmNetGraph *
onnx_load_graph (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  g_autoptr (FmNetGraph) graph = fm_net_load_onnx_file (path, error);
  if (!graph)
    return NULL;
  g_autofree char *sidecar = fm_net_sidecar_path (path);
  if (strcmp (sidecar, path) != 0 && g_file_test (sidecar, G_FILE_TEST_IS_REGULAR)
      && !fm_net_apply_onnx_sidecar (graph, sidecar, error))
    return NULL;
  return g_steal_pointer (&graph);
}

static const char *const onnx_suffixes[] = { ".onnx", NULL };

const FmFormat fm_format_onnx = {
  .name = "onnx",
  .label = "ONNX model",
  .plural = "ONNX models",
  .kind = FM_FORMAT_MODEL,
  .suffixes = onnx_suffixes,
  .takes_member = TRUE,
  .sniff = onnx_sniff,
  .load_graph = onnx_load_graph,
};

/* safetensors: an 8-byte little-endian header length (at most 100 MB),
 * then the JSON header's '{'. */
static gboolean
safetensors_sniff (const guint8 *head, gsize n)
{
  if (n < 9 || head[8] != '{')
    return FALSE;
  guint64 h = 0;
  for (int k = 0; k < 8; k++)
    h |= (guint64) head[k] << (8 * k);
  return h >= 2 && h <= 100000000;
}

static FmNetGraph *
safetensors_load_graph (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  return fm_net_load_safetensors_file (path, error);
}

static const char *const safetensors_suffixes[] = { ".safetensors", NULL };

const FmFormat fm_format_safetensors = {
  .name = "safetensors",
  .label = ".safetensors with a stack description",
  .plural = "safetensors files",
  .kind = FM_FORMAT_MODEL,
  .suffixes = safetensors_suffixes,
  .takes_member = TRUE,
  .sniff = safetensors_sniff,
  .load_graph = safetensors_load_graph,
};
