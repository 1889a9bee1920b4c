/* fm-bank-edit: changing a bank's shape and its list of filters — what a
 * kernel editor does (the plug-in's dialog calls these).  Each works on a
 * whole bank in place: a new shape is built with fm_bank_like (every
 * bank-wide field carried over, whatever fields FmBank gains later) and
 * swapped in, so a caller's FmBank pointer stays valid.
 *
 * `filter` is an index from 0, or −1 for every filter.  Bad indices are
 * programming errors (g_return_if_fail); what a user can ask for and the
 * bank cannot do is a FALSE with a message (FM_BANK_ERROR_INVALID). */
#pragma once

#include "fm-bank.h"

G_BEGIN_DECLS

/* Every bank-wide field of src (name, description, kind, origin, input
 * declaration, steps, defaults …) and n_filters filters of kh × kw ×
 * src->channels: zero weights, named "filter N", divisor 1. */
FmBank *fm_bank_like (const FmBank *src, int kh, int kw, int n_filters);

/* A quarter turn.  The filters of a bank share one shape, so a kernel
 * that is not square turns only with all of them (filter −1, or the only
 * one). */
gboolean fm_bank_can_rotate (const FmBank *bank, int filter, GError **error);
gboolean fm_bank_rotate (FmBank *bank, int filter, gboolean clockwise, GError **error);

/* Mirror left-right (horizontal) or top-bottom. */
void fm_bank_flip (FmBank *bank, int filter, gboolean horizontal);

/* Every filter to kh × kw, keeping the centre cell where it was: cells
 * added are 0, cells outside are dropped; growing then shrinking back is
 * the identity.  FALSE beyond the engine's limits. */
gboolean fm_bank_resize (FmBank *bank, int kh, int kw, GError **error);

/* A new filter at index at (0 … n_filters): the identity (1 at the centre
 * of every channel, so its map is the input).  Returns its index, −1 when
 * the bank has as many filters as it may. */
int fm_bank_add_filter (FmBank *bank, int at, GError **error);

/* A copy of filter, inserted after it and named "<name> copy".  Returns
 * its index or −1. */
int fm_bank_duplicate_filter (FmBank *bank, int filter, GError **error);

/* FALSE for the last filter: a bank has at least one. */
gboolean fm_bank_remove_filter (FmBank *bank, int filter, GError **error);

void fm_bank_rename_filter (FmBank *bank, int filter, const char *name);

G_END_DECLS
