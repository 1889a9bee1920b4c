/* fm-cli-errors: the command line's error domain and the words its
 * summaries use for each kind of failure. */
#include "fm-cli.h"

G_DEFINE_QUARK (fm-cli-error-quark, fm_cli_error)

/* The summary's words for each kind of failure. */
const char *
fm_cli_error_reason (const GError *error)
{
  if (error->domain == FM_CLI_ERROR)
    switch ((FmCliError) error->code)
      {
      case FM_CLI_ERROR_MISSING: return "no such file";
      case FM_CLI_ERROR_NOT_IMAGE: return "not an image";
      case FM_CLI_ERROR_TRUNCATED: return "truncated";
      case FM_CLI_ERROR_DAMAGED: return "damaged";
      case FM_CLI_ERROR_TOO_LARGE: return "too large";
      case FM_CLI_ERROR_OUTPUT: return "not written";
      case FM_CLI_ERROR_INPUT: return "unreadable";
      default: break;
      }
  if (error->domain == FM_JOB_ERROR)
    return "does not fit the bank";
  return "failed";
}
