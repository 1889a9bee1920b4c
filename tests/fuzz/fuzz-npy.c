/* fuzz-npy: the .npy reader, and learned weights built from what it reads. */
#include "fuzz.h"
#include "fm-npy.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  FmArray *a = fm_npy_read_data (data, size, "fuzz.npy", &error);
  FUZZ_ASSERT_RESULT (a, error);
  if (a)
    {
      gsize count = 1;
      for (int i = 0; i < a->ndim; i++)
        count *= a->shape[i];
      g_assert_cmpuint (count, ==, a->size);
      /* every value was converted: reading them all must be defined */
      volatile float sum = 0;
      for (gsize i = 0; i < a->size; i++)
        sum += a->data[i];
      (void) sum;
      fm_array_free (a);
    }
  g_clear_error (&error);
  return 0;
}
