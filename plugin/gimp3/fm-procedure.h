/* fm-procedure: plug-in-feature-maps's GIMP 3 arguments and return values,
 * generated from the option table (fm_option_spec): "kernel" (string), then
 * every option under its table name — enumerations as GimpChoice with the
 * table's value names ("valid", "same", …), integers with the table's
 * range — and the values read from and written to a GimpProcedureConfig. */
#pragma once

#include <libgimp/gimp.h>
#include "fm-values.h"

G_BEGIN_DECLS

void fm_procedure_add_arguments (GimpProcedure *procedure);
void fm_procedure_add_return_values (GimpProcedure *procedure);

/* config → values (the kernel unchecked: fm_values_set_kernel does that). */
void fm_procedure_config_get (GimpProcedureConfig *config, FmValues *values,
                              char **kernel);
/* values → config: what the dialog chose becomes the last values. */
void fm_procedure_config_set (GimpProcedureConfig *config, const FmValues *values);

G_END_DECLS
