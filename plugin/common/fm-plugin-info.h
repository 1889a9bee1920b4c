/* fm-plugin-info: the words GIMP shows about plug-in-feature-maps (blurb,
 * help, each argument's description), written from the option table so
 * both hosts register the same text and a name, range or help line exists
 * in exactly one place (core's fm-options.c). */
#pragma once

#include <glib.h>
#include "fm-options.h"

G_BEGIN_DECLS

#define FM_PLUGIN_AUTHORS   "featuremaps authors"
#define FM_PLUGIN_DATE      "2024"
#define FM_PLUGIN_MENU      "Filters/Generic"
#define FM_PLUGIN_LABEL     "Feature _Maps…"

/* What the kernel argument takes: the core's format registry says it
 * (fm_kernel_spec_help). */
char *fm_plugin_kernel_help (void);

char *fm_plugin_blurb (void);
char *fm_plugin_help (void);   /* every parameter with its allowed values */
/* "Which image channels the filters see. { 0 auto, 1 luminance, … }" */
char *fm_plugin_option_description (FmOptionId id);

G_END_DECLS
