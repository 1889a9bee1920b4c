/* fm-bank-private: the bank model's limits and helpers, for the code that
 * builds banks (the readers in core/formats, the edits); not installed. */
#pragma once

#include "fm-bank.h"
#include "fm-conv.h"
#include "fm-file.h"
#include "fm-text.h"

G_BEGIN_DECLS

/* The engine's limits are the bank's: a bank the engine would refuse is
 * refused at load time, where the message can name the file. */
#define FM_BANK_MAX_KERNEL   FM_CONV_MAX_KERNEL
#define FM_BANK_MAX_FILTERS  FM_CONV_MAX_FILTERS
#define FM_BANK_MAX_CHANNELS FM_CONV_MAX_CHANNELS
/* 64 MB of float weights: far above any single conv layer (VGG's largest is
 * 2.4 M weights) yet small enough to allocate without a second thought. */
#define FM_BANK_MAX_WEIGHTS  ((gsize) 1 << 24)
/* Text files larger than this are not hand-written banks: 64 MB holds
 * the most numbers a JSON document may (FM_JSON_MAX_VALUES) at 30 bytes
 * each.  Bigger weights come as .npy / .npz (docs/robustness.md). */
#define FM_BANK_MAX_FILE_SIZE ((gsize) 64 << 20)

/* Checks kh, kw, channels, n_filters against the limits (and their product
 * against FM_BANK_MAX_WEIGHTS).  where prefixes the message ("" or "x.npy: "). */
gboolean fm_bank_check_shape (const char *where, gsize kh, gsize kw,
                              gsize channels, gsize n_filters, GError **error);

/* Every bank-wide field to what an undeclared one means (input auto, range
 * 1, no defaults …): fm_bank_new and the readers start from it. */
void fm_bank_init_fields (FmBank *bank);

/* "filter 2 'blur'" — how every message names a filter (index from 1). */
char *fm_bank_filter_label (int index, const char *name);

G_END_DECLS
