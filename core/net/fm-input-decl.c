/* fm-input-decl: the neutral input declaration (fm-input-decl.h). */
#include <string.h>

#include "fm-input-decl.h"

void
fm_input_decl_init (FmInputDecl *decl)
{
  g_return_if_fail (decl);
  memset (decl, 0, sizeof *decl);
  decl->range = 1.0;
}
