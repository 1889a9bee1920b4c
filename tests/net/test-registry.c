/* test-registry: the model formats in the format registry — suffixes and
 * first bytes pick the reader, '#LAYER' is split off the kernel argument
 * once, and bank loading says what a model file is instead of misreading
 * it. */
#include <glib/gstdio.h>
#include <string.h>

#include "fm-formats.h"
#include "fm-npy.h"
#include "fm-net-load.h"
#include "fm-net-plan.h"
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
assert_pick (const char *text, const char *name, const int *want, int n_want)
{
  char *got_name = NULL;
  int *channels = NULL, n = -1;
  GError *error = NULL;
  g_assert_true (fm_net_layer_pick_parse (text, &got_name, &channels, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (got_name, ==, name);
  g_assert_cmpint (n, ==, n_want);
  for (int i = 0; i < n_want; i++)
    g_assert_cmpint (channels[i], ==, want[i]);
  if (n_want == 0)
    g_assert_null (channels);
  g_free (got_name);
  g_free (channels);
}

static void
assert_pick_fails (const char *text, const char *needle)
{
  char *name = NULL;
  int *channels = NULL, n = -1;
  GError *error = NULL;
  g_assert_false (fm_net_layer_pick_parse (text, &name, &channels, &n, &error));
  g_assert_null (name);
  g_assert_null (channels);
  assert_error_has (error, needle);
  g_clear_error (&error);
}

static void
assert_summary (const char *text, const char *rest, gboolean summary, gboolean maps)
{
  char *got = NULL;
  gboolean s = !summary, m = !maps;
  fm_net_layer_summary_parse (text, &got, &s, &m);
  g_assert_cmpstr (got, ==, rest);
  g_assert_cmpint (s, ==, summary);
  g_assert_cmpint (m, ==, maps);
  g_free (got);
}

/* The summary is one more entry of the pick's brackets. */
static void
test_summary_word (void)
{
  assert_summary ("conv2", "conv2", FALSE, TRUE);
  assert_summary ("conv2[0-3]", "conv2[0-3]", FALSE, TRUE);
  assert_summary ("conv2[summary]", "conv2", TRUE, FALSE);
  assert_summary ("conv2[ summary ]", "conv2", TRUE, FALSE);
  assert_summary ("conv2[summary,0-7]", "conv2[0-7]", TRUE, TRUE);
  assert_summary ("conv2[3, summary ,5]", "conv2[3,5]", TRUE, TRUE);
  assert_summary ("conv2[summary,]", "conv2[]", TRUE, TRUE);  /* the pick refuses it */
  assert_summary ("conv2[summary,a]", "conv2[summary,a]", FALSE, TRUE);  /* a name */
  assert_summary ("conv2[Summary]", "conv2[Summary]", FALSE, TRUE);
  assert_summary ("[summary]", "[summary]", FALSE, TRUE);
  assert_summary ("/features/features.3/Conv[summary]", "/features/features.3/Conv", TRUE,
                  FALSE);
}

/* Channel picks: LAYER[0-7,12], kept apart from the bank's ':hwio'. */
static void
test_pick (void)
{
  assert_pick ("conv2", "conv2", NULL, 0);
  assert_pick ("conv2[3]", "conv2", (int[]) { 3 }, 1);
  assert_pick ("conv2[0-3,12]", "conv2", (int[]) { 0, 1, 2, 3, 12 }, 5);
  assert_pick ("conv2[ 5 , 1-2 ]", "conv2", (int[]) { 5, 1, 2 }, 3);
  assert_pick ("conv2[2,2,1-3]", "conv2", (int[]) { 2, 1, 3 }, 3);   /* each once */
  assert_pick ("/features/features.3/Conv[7]", "/features/features.3/Conv", (int[]) { 7 }, 1);
  assert_pick ("x[a]", "x[a]", NULL, 0);      /* not a channel list: a name */
  assert_pick ("[3]", "[3]", NULL, 0);        /* no name before it */
  assert_pick ("a[1]b", "a[1]b", NULL, 0);
  assert_pick ("conv2[65535]", "conv2", (int[]) { 65535 }, 1);
  assert_pick_fails ("conv2[]", "no channels between the brackets");
  assert_pick_fails ("conv2[ ]", "no channels between the brackets");
  assert_pick_fails ("conv2[7-3]", "range 7-3 goes backwards");
  assert_pick_fails ("conv2[1,]", "numbers and ranges");
  assert_pick_fails ("conv2[summary]", "featuremaps summary MODEL#conv2 -i");
  assert_pick_fails ("conv2[summary,0-3]", "featuremaps summary MODEL#conv2 -i");
  assert_pick_fails ("conv2[,1]", "numbers and ranges");
  assert_pick_fails ("conv2[1-]", "a number on each side");
  assert_pick_fails ("conv2[1 2]", "numbers and ranges");
  assert_pick_fails ("conv2[65536]", "go up to 65535");
  assert_pick_fails ("conv2[0-99999999999999999999]", "go up to 65535");
  assert_pick_fails ("conv2[-1]", "LAYER[0-7,12]");

  /* Commas inside brackets stay with their layer. */
  g_autofree char *dir = g_dir_make_tmp ("fm-pick-XXXXXX", NULL);
  g_autofree char *model = g_build_filename (dir, "m.onnx", NULL);
  g_assert_true (g_file_set_contents (model, "", 0, NULL));
  g_autofree char *spec = g_strdup_printf ("%s#conv1[0,2-3],relu2, pool[1]", model);
  char *path = NULL, **layers = NULL;
  g_assert_true (fm_net_spec_parse (spec, &path, &layers));
  g_assert_cmpstr (path, ==, model);
  g_assert_cmpint (g_strv_length (layers), ==, 3);
  g_assert_cmpstr (layers[0], ==, "conv1[0,2-3]");
  g_assert_cmpstr (layers[1], ==, "relu2");
  g_assert_cmpstr (layers[2], ==, "pool[1]");
  g_free (path);
  g_strfreev (layers);
  g_remove (model);
  g_rmdir (dir);
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
  g_test_add_func ("/net/registry/pick", test_pick);
  g_test_add_func ("/net/registry/summary-word", test_summary_word);
  g_test_add_func ("/net/registry/bank-load", test_bank_load);
  return g_test_run ();
}
