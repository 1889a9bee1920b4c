/* fuzz-pick: a layer's bracket in a kernel string — the channel pick
 * ("conv2[0-7,12]") and the summary word ("conv2[summary,0-7]"), as
 * every front end reads them. */
#include "fuzz.h"
#include "fm-net-plan.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (memchr (data, '\0', size) || size > 1 << 16)
    return 0; /* a command-line argument: a C string */
  g_autofree char *text = g_strndup ((const char *) data, size);

  char *rest = NULL;
  gboolean summary = FALSE, maps = FALSE;
  fm_net_layer_summary_parse (text, &rest, &summary, &maps);
  g_assert_nonnull (rest);
  /* Without the word the text is unchanged, with it shorter. */
  if (!summary)
    g_assert_cmpstr (rest, ==, text);
  else
    g_assert_cmpuint (strlen (rest), <, strlen (text));

  for (int pass = 0; pass < 2; pass++)
    {
      char *name = NULL;
      int *channels = NULL, n = -1;
      GError *error = NULL;
      gboolean ok = fm_net_layer_pick_parse (pass ? rest : text, &name, &channels, &n, &error);
      FUZZ_ASSERT_RESULT (ok ? name : NULL, error);
      if (ok)
        {
          g_assert_cmpint (n, >=, 0);
          g_assert_true ((n == 0) == (channels == NULL));
          for (int i = 0; i < n; i++)
            {
              g_assert_cmpint (channels[i], >=, 0);
              g_assert_cmpint (channels[i], <=, FM_NET_MAX_CHANNEL);
            }
        }
      /* The word is never a layer's name. */
      if (!pass && summary)
        g_assert_false (ok);
      g_free (name);
      g_free (channels);
      g_clear_error (&error);
    }
  g_free (rest);
  return 0;
}
