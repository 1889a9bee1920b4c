/* test-registry: the model formats in the format registry — suffixes and
 * first bytes pick the reader, '#LAYER' is split off the kernel argument
 * once, and bank loading says what a model file is instead of misreading
 * it. */
#include <glib/gstdio.h>
#include <string.h>

#include "fm-formats.h"
#include "fm-npy.h"
#include "fm-net-load.h"
#include "net-test.h"

static void
test_lookup (void)
{
  g_assert_cmpstr (fm_format_for_path ("m.onnx")->name, ==, "onnx");
  g_assert_cmpstr (fm_format_for_path ("M.ONNX")->name, ==, "onnx");
  g_assert_cmpstr (fm_format_for_path ("w.safetensors")->name, ==, "safetensors");
  g_assert_cmpstr (fm_format_for_path ("net.pth")->name, ==, "torch");
  g_assert_cmpstr (fm_format_for_path ("net.pt")->name, ==, "torch");
  g_assert_cmpint (fm_format_for_path ("m.onnx")->kind, ==, FM_FORMAT_MODEL);
  g_assert_true (fm_format_for_path ("m.onnx")->takes_member);
  g_assert_true (fm_format_for_path ("m.npz")->takes_member);
  g_assert_false (fm_format_for_path ("m.npy")->takes_member);
  g_assert_nonnull (fm_format_for_path ("m.json")->load_graph);

  static const struct { const char *bytes; gsize n; const char *want; } sniffs[] = {
    { "\x08\x07\x12\x07pytorch", 11, "onnx" },           /* ir_version 7, producer_name */
    { "\x08\x08\x3a\x10\x0a", 5, "onnx" },               /* ir_version 8, graph */
    { "\x10\0\0\0\0\0\0\0{\"a\":1}", 15, "safetensors" },
    { "\x80\x02\x8a\x0a", 4, "torch" },                   /* legacy torch.save */
    { "PK\x03\x04", 4, "npz" },
    { "  {\"layers\"", 11, "json" },
    { "\x08\x07\x99", 3, "text" },                        /* not an ONNX field after ir_version */
    { "\x10\0\0\0\0\0\0\0[", 9, "text" },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (sniffs); k++)
    g_assert_cmpstr (fm_format_sniff ((const guint8 *) sniffs[k].bytes, sniffs[k].n)->name, ==,
                     sniffs[k].want);

  g_autofree char *models = fm_formats_suffixes (FM_FORMAT_MODEL, FALSE, ", ");
  g_assert_true (strstr (models, ".onnx") && strstr (models, ".safetensors"));
  g_assert_null (strstr (models, ".pth"));    /* refused: never offered */
  g_autofree char *help = fm_kernel_spec_help ();
  g_assert_nonnull (strstr (help, ".onnx"));
}

static void
test_spec (void)
{
  FmKernelSpec spec;
  GError *error = NULL;
  g_assert_true (fm_kernel_spec_parse ("m.npz#conv2:oihw", &spec, &error));
  g_assert_cmpstr (spec.path, ==, "m.npz");
  g_assert_cmpstr (spec.member, ==, "conv2");
  g_assert_cmpint (spec.layout, ==, FM_LAYOUT_OIHW);
  fm_kernel_spec_clear (&spec);
  g_assert_true (fm_kernel_spec_parse ("dir#1/m.onnx#conv1,relu2", &spec, &error));
  g_assert_cmpstr (spec.path, ==, "dir#1/m.onnx");
  g_assert_cmpstr (spec.member, ==, "conv1,relu2");
  fm_kernel_spec_clear (&spec);
  g_assert_true (fm_kernel_spec_parse ("sobel", &spec, &error));
  g_assert_null (spec.member);
  fm_kernel_spec_clear (&spec);
  g_assert_false (fm_kernel_spec_parse ("m.onnx#", &spec, &error));
  assert_error_has (error, "'m.onnx#': no layer name after '#'");
  g_clear_error (&error);

  /* a file whose name holds '#' is that file */
  g_autofree char *dir = g_dir_make_tmp ("fm-reg-XXXXXX", NULL);
  g_autofree char *odd = g_build_filename (dir, "a#b.json", NULL);
  g_assert_true (g_file_set_contents (odd, "{\"filters\":[]}", -1, NULL));
  g_assert_true (fm_kernel_spec_parse (odd, &spec, &error));
  g_assert_cmpstr (spec.path, ==, odd);
  g_assert_null (spec.member);
  fm_kernel_spec_clear (&spec);
  g_remove (odd);
  g_rmdir (dir);
}

static void
test_bank_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fm-reg-XXXXXX", NULL);
  GError *error = NULL;
  struct { const char *name, *content, *spec, *want; } cases[] = {
    { "m.onnx", "\x08\x07\x12\x01x", "m.onnx#conv1", "m.onnx: ONNX models hold networks, not one bank of filters" },
    { "net.pth", "\x80\x02.", "net.pth", "net.pth: a PyTorch pickle (torch.save), which featuremaps does not read" },
    { "stack.json", "{\"layers\":[{\"op\":\"relu\"}]}", "stack.json",
      "stack.json: a stack description (a network's layers), not a bank: pick its layers as FILE#LAYER" },
    { "bank.json", "{\"name\":\"x\",\"name\":\"y\",\"filters\":[]}", "bank.json",
      "bank.json: key 'name' is given twice in one object" },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *path = g_build_filename (dir, cases[k].name, NULL);
      g_assert_true (g_file_set_contents (path, cases[k].content, -1, NULL));
      g_autofree char *spec = g_build_filename (dir, cases[k].spec, NULL);
      g_assert_null (fm_bank_load (spec, NULL, &error));
      assert_error_has (error, cases[k].want);
      g_clear_error (&error);
      g_remove (path);
    }
  /* and the network door says what a bank is */
  g_autofree char *bank = g_build_filename (dir, "b.npy", NULL);
  gsize shape[2] = { 3, 3 };
  float w[9] = { 0 };
  g_assert_true (fm_npy_write_file (bank, w, 2, shape, NULL));
  g_assert_null (fm_net_graph_load (bank, &error));
  assert_error_has (error, "b.npy: .npy arrays hold one bank of filters, not a network");
  g_clear_error (&error);
  g_remove (bank);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net/registry/lookup", test_lookup);
  g_test_add_func ("/net/registry/spec", test_spec);
  g_test_add_func ("/net/registry/bank-load", test_bank_load);
  return g_test_run ();
}
