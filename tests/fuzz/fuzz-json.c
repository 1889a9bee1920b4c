/* fuzz-json: the JSON bank reader, and the strict checker against
 * json-glib: whatever the checker accepts, json-glib must parse (the
 * checker is the grammar json-glib is trusted with, fm-json-check.h), and
 * a bank that loads must survive its own writer. */
#include "fuzz.h"
#include "fm-formats-private.h"
#include "fm-json-check.h"
#include "fm-json-strict.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  if (!memchr (data, '\0', size) && g_utf8_validate (text, (gssize) size, NULL))
    {
      FmJsonLimits limits = { FM_JSON_MAX_DEPTH, 1 << 16 };
      gsize body = 0;
      g_autofree char *problem = NULL;
      if (fm_json_check (text, size, &limits, &body, &problem) == FM_JSON_CHECK_OK)
        {
          g_assert_null (problem);
          g_autoptr (JsonParser) parser = json_parser_new_immutable ();
          GError *error = NULL;
          /* numbers json-glib cannot hold (a 30-digit integer) are its
           * one way to refuse what the grammar allows: an error, no crash */
          if (!json_parser_load_from_data (parser, text + body, (gssize) (size - body), &error))
            g_clear_error (&error);
        }
      else
        g_assert_nonnull (problem);
    }

  GError *error = NULL;
  FmBank *bank = fm_bank_from_json_data (text, (gssize) size, "fuzz.json", &error);
  FUZZ_ASSERT_RESULT (bank, error);
  if (bank)
    {
      g_assert_true (fm_bank_validate (bank, NULL));
      g_autofree char *json = fm_bank_to_json (bank);
      FmBank *again = fm_bank_from_json_data (json, -1, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (again->n_filters, ==, bank->n_filters);
      fm_bank_free (again);
      fm_bank_free (bank);
    }
  g_clear_error (&error);
  return 0;
}
