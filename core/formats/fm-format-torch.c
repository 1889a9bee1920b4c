/* fm-format-torch: PyTorch's own files (torch.save: .pt, .pth), recognised
 * and refused with how to export instead.  They are pickles — a format
 * that runs code while loading — so nothing in them is ever read: the
 * legacy format starts with pickle's PROTO opcode, the zip format holds
 * "<name>/data.pkl" among its first entries. */
#include <string.h>

#include "fm-formats-private.h"
#include "fm-net-load.h"
#include "fm-net-load-private.h"
#include "fm-model-file.h"

#define REFUSAL "a PyTorch pickle (torch.save), which featuremaps does not read " \
  "because unpickling can run code; export the model with torch.onnx.export, or " \
  "save its state_dict as .safetensors with a stack description (docs/kernels.md)"

void
fm_net_set_torch_error (GError **error, GQuark domain, int code, const char *display)
{
  g_set_error (error, domain, code, "%s: " REFUSAL, display);
}

static gboolean
ends_with_pickle (const guint8 *name, gsize len)
{
  return len >= 8 && memcmp (name + len - 8, "data.pkl", 8) == 0;
}

gboolean
fm_net_is_torch_zip (int fd, guint64 size)
{
  /* the first local entry */
  guint8 head[30 + 256];
  if (size >= 30 && fm_model_pread (fd, head, 30, 0, "zip", NULL)
      && memcmp (head, "PK\x03\x04", 4) == 0)
    {
      gsize name_len = head[26] | (head[27] << 8);
      if (name_len <= 256 && 30 + name_len <= size
          && fm_model_pread (fd, head + 30, name_len, 30, "zip", NULL)
          && ends_with_pickle (head + 30, name_len))
        return TRUE;
    }
  /* the first entries of the central directory, found from the end record */
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

/* pickle protocol 2 to 5 opens with PROTO (0x80) and its version */
static gboolean
torch_sniff (const guint8 *head, gsize n)
{
  return n >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5;
}

static FmBank *
torch_load_bank (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  g_autofree char *display = g_filename_display_name (path);
  fm_net_set_torch_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID, display);
  return NULL;
}

static const char *const torch_suffixes[] = { ".pt", ".pth", NULL };

const FmFormat fm_format_torch = {
  .name = "torch",
  .label = "PyTorch .pt/.pth (refused: export to ONNX)",
  .plural = "PyTorch checkpoints",
  .kind = FM_FORMAT_MODEL,
  .suffixes = torch_suffixes,
  .sniff = torch_sniff,
  .load_bank = torch_load_bank,
  /* no load_graph: the help texts list the networks that load, and
   * fm_net_graph_load refuses these itself */
};
