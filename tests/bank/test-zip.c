/* The zip reader on its own (formats/parsers/fm-zip.h): what an .npz, a
 * .keras archive or a torch.save checkpoint needs from it — members listed
 * and found, read with a cap, recognised as PyTorch's. */
#include "bank-test.h"
#include "fm-zip.h"

static void
test_members (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = bank_data ("lines-keras.npz");   /* deflated */
  gsize len;
  g_autofree guint8 *data = bank_read (path, &len);
  g_autoptr (FmZip) zip = fm_zip_open_data (data, len, "k.npz", ".npz (zip) file", &error);
  g_assert_no_error (error);
  g_assert_true (fm_zip_sniff (data, len));
  g_assert_cmpuint (fm_zip_n_members (zip), ==, 2);
  int k = fm_zip_find (zip, "kernel.npy");
  g_assert_cmpint (k, >=, 0);
  g_assert_cmpint (fm_zip_find (zip, "bias.npy"), >=, 0);
  g_assert_cmpint (fm_zip_find (zip, "kernel"), ==, -1);
  g_assert_cmpint (fm_zip_find_suffix (zip, "l.npy"), ==, k);
  g_assert_cmpint (fm_zip_find_suffix (zip, "/data.pkl"), ==, -1);

  /* (3, 3, 1, 2) float32: 18 values after the .npy header */
  gsize size = fm_zip_member_size (zip, k), got = 0;
  g_assert_cmpuint (size, >, 72);
  g_autofree guint8 *bytes = fm_zip_read_member (zip, k, size, &got, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, size);
  g_assert_true (memcmp (bytes, "\x93NUMPY", 6) == 0);

  /* a cap below the declared size refuses before inflating */
  g_assert_null (fm_zip_read_member (zip, k, size - 1, &got, &error));
  g_assert_error (error, FM_ZIP_ERROR, FM_ZIP_ERROR_TOO_LARGE);
  assert_error_has (error, "k.npz: member 'kernel.npy' is");
  g_clear_error (&error);

  /* the archive is borrowed: a stored member reads back as its bytes */
  g_autofree char *tpath = bank_data ("lines-torch.npz");   /* stored */
  gsize tlen;
  g_autofree guint8 *tdata = bank_read (tpath, &tlen);
  g_autoptr (FmZip) stored = fm_zip_open_data (tdata, tlen, NULL, NULL, &error);
  g_assert_no_error (error);
  int w = fm_zip_find (stored, "weight.npy");
  g_autofree guint8 *wbytes = fm_zip_read_member (stored, w, G_MAXSIZE, &got, &error);
  g_assert_no_error (error);
  g_assert_true (memcmp (wbytes, "\x93NUMPY", 6) == 0);

  /* not a zip: the caller's words in the message */
  g_assert_false (fm_zip_sniff ((const guint8 *) "\x93NUMPY", 6));
  g_assert_null (fm_zip_open_data ((const guint8 *) "hello world, this is not a zip", 30,
                                   "x.keras", "Keras archive", &error));
  assert_error_has (error, "x.keras: not a valid Keras archive: no end-of-central-directory record");
}

/* torch.save writes a zip (with a zip64 end record even when small):
 * listed, recognised, and refused as an .npz with a message that says so. */
static void
test_torch (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = bank_data ("torch-save.pth");
  gsize len;
  g_autofree guint8 *data = bank_read (path, &len);
  g_autoptr (FmZip) zip = fm_zip_open_data (data, len, "torch-save.pth", "zip archive", &error);
  g_assert_no_error (error);
  g_assert_cmpint (fm_zip_find_suffix (zip, "/data.pkl"), >=, 0);
  g_assert_cmpint (fm_zip_find_suffix (zip, "/version"), >=, 0);

  g_autoptr (FmBank) bank = fm_bank_load (path, NULL, &error);
  g_assert_null (bank);
  assert_error_has (error, "torch-save.pth: a PyTorch pickle (torch.save), which featuremaps does not read");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/zip/members", test_members);
  g_test_add_func ("/zip/torch", test_torch);
  return g_test_run ();
}
