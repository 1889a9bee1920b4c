/* fuzz-npz: the zip container (fm-zip) and the .npz reader on top. */
#include "fuzz.h"
#include "fm-npy.h"
#include "fm-zip.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  FmZip *zip = fm_zip_open_data (data, size, "fuzz.zip", NULL, &error);
  FUZZ_ASSERT_RESULT (zip, error);
  g_clear_error (&error);
  if (zip)
    {
      for (guint i = 0; i < fm_zip_n_members (zip) && i < 64; i++)
        {
          gsize len = 0;
          guint8 *bytes = fm_zip_read_member (zip, i, 1 << 24, &len, &error);
          FUZZ_ASSERT_RESULT (bytes, error);
          if (bytes)
            g_assert_cmpuint (len, ==, fm_zip_member_size (zip, i));
          g_free (bytes);
          g_clear_error (&error);
        }
      fm_zip_free (zip);
    }

  GPtrArray *arrays = fm_npz_read_data (data, size, "fuzz.npz", &error);
  FUZZ_ASSERT_RESULT (arrays, error);
  if (arrays)
    g_ptr_array_unref (arrays);
  g_clear_error (&error);
  return 0;
}
