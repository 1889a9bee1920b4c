/* fm-profile: where a plug-in call's time goes, from inside the plug-in.
 *
 * With FEATUREMAPS_PROFILE=1 in the plug-in's environment (GIMP passes its
 * own environment on), each phase of a call prints one line on stderr:
 * wall time since the process was exec'd and since the last mark, the
 * process's CPU time (all threads) likewise, and the time spent so far in
 * the parts of writing the maps (fm_profile_add).  The last mark adds the
 * process's peak resident memory (VmHWM).  Unset, every call is one test
 * of a static flag.  tests/bench/gimp-maps-profile.sh reads these lines. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FM_PROFILE_READ,      /* reading the source band (GeglBuffer, babl) */
  FM_PROFILE_CONVERT,   /* map floats → the layer's sample type (babl) */
  FM_PROFILE_PACK,      /* grey → RGB, strided maps → photo resolution */
  FM_PROFILE_STORE,     /* gegl_buffer_set: into tiles, tiles to GIMP */
  FM_PROFILE_N_SPANS
} FmProfileSpan;

gboolean fm_profile_enabled (void);
/* A start time for fm_profile_add (0 when profiling is off). */
gint64 fm_profile_now (void);
/* Adds now − start to span (on the calling thread's clock: wall). */
void fm_profile_add (FmProfileSpan span, gint64 start);
/* One line on stderr: "featuremaps-profile PHASE …". */
void fm_profile_mark (const char *phase);
/* The last line: like fm_profile_mark, with the peak resident memory. */
void fm_profile_end (const char *phase);

G_END_DECLS
