/* fuzz-inline: the inline matrix parser ("0,1,0; 0,1,0 | …"). */
#include "fuzz.h"
#include "fm-formats-private.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (memchr (data, '\0', size) || size > 1 << 16)
    return 0; /* a command-line argument: a C string */
  g_autofree char *text = g_strndup ((const char *) data, size);
  GError *error = NULL;
  FmBank *bank = fm_bank_from_inline (text, &error);
  FUZZ_ASSERT_RESULT (bank, error);
  if (bank)
    {
      g_assert_true (fm_bank_validate (bank, NULL));
      fm_bank_free (bank);
    }
  g_clear_error (&error);
  return 0;
}
