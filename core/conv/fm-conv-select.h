/* fm-conv-select: which inner loop a plan gets — the ranking.
 *
 * Every kernel of fm-conv-kernels.def says whether it can run a plan
 * (possible) and what that would cost (cost).  The candidates are the
 * kernels this build has and this CPU runs, of the widest vector ISA the
 * CPU has plus the portable ones (a narrower ISA's loop is never faster
 * than the same loop on wider vectors); the cheapest one runs.
 * FEATUREMAPS_CONV_PATH=<name>, read here and nowhere else, overrides the
 * ranking (tests cross-check every path that way): the named kernel runs
 * when it can take the plan, else direct-c.
 *
 * Only fm-conv.c (and white-box tests) include this header; kernels never
 * do. */
#pragma once

#include "fm-conv-private.h"
#include "fm-cpu.h"

G_BEGIN_DECLS

/* Pick plan->kernel, plan->kernel_name and plan->stream_stores (the
 * kernel is prepared by the caller).  Fails only on an unknown
 * FEATUREMAPS_CONV_PATH. */
gboolean fm_conv_select_choose (FmConvPlan *plan, GError **error);

/* The name of the kernel the ranking picks, forced paths aside. */
const char *fm_conv_select_best (const FmConvPlan *plan);

/* For tests: force `name` as FEATUREMAPS_CONV_PATH does, without touching
 * the environment (setenv is unsafe once threads exist).  NULL clears it.
 * The environment variable, when set, still wins.  An unknown name runs
 * direct-c. */
void fm_conv_select_force (const char *name);

/* Write outputs larger than the caches with streaming (non-temporal)
 * stores?  Off by default: on the reference machine (a KVM guest) they
 * measured 20–35 % slower than ordinary stores on W1, W2, W6 and W6d.
 * FEATUREMAPS_STREAM_STORES=1 turns them on; tests turn them on with
 * fm_conv_select_set_streaming so the path stays checked. */
void fm_conv_select_set_streaming (gboolean on);

G_END_DECLS
