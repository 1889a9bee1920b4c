/* fm-input: turns the image's pixels (its own channel layout, perceptual
 * values in 0..1, see fm-job.h) into the C channels a bank's weights expect.
 *
 * Two steps, decided once by fm_input_new:
 *   1. the input mode picks or builds the channels:
 *        luminance    Rec. 709 luma 0.2126 R' + 0.7152 G' + 0.0722 B' of the
 *                     perceptual values (exactly Y' on a grey image); with a
 *                     bank declaring linear light, the same weights on
 *                     sRGB-decoded values (true luminance)
 *        rgb / rgba   grey is replicated, a missing alpha reads as 1
 *        per-channel  every colour channel of the image on its own (grey: 1,
 *                     colour: 3, N raw: N); alpha is dropped
 *        raw          (auto only) the image's N channels as they are, when
 *                     bank and image have the same channel count
 *   2. the bank's declaration, per resulting channel, in this order: sRGB
 *      decode (linear light), B and R swapped (BGR order, 3 or 4 channels),
 *      × range, then (v − mean[c]) / std[c] with c the bank's channel index.
 *      Raw channels get only range and mean/std: they have no colour meaning.
 */
#pragma once

#include <glib.h>
#include "fm-options.h"
#include "fm-bank.h"
#include "fm-input-decl.h"

G_BEGIN_DECLS

#define FM_INPUT_ERROR (fm_input_error_quark ())
GQuark fm_input_error_quark (void);

typedef enum { FM_INPUT_ERROR_MISMATCH } FmInputError;

typedef struct _FmInput FmInput;

/* The input mode auto resolves to: the bank's declared mode, else
 * 1 channel → luminance, 3 → rgb, 4 → rgba, else the image's raw channels
 * when their count equals the bank's.  Raw channels resolve to
 * FM_INPUT_AUTO (there is no mode name for them); every other result is a
 * named mode.  Checks that bank, mode and image fit; the message names the
 * mode, the bank and both channel counts. */
FmInput *fm_input_new (const FmBank *bank, FmInputMode mode,
                       int image_channels, GError **error);

/* What the weights expect, whatever holds them (a bank, a network's first
 * layer): their channel count, the input mode they declare (AUTO: none)
 * and their declaration.  label and kind ("bank", "model") name them in
 * messages.  fm_input_new is this with the bank's own fields. */
typedef struct {
  const char *label;
  const char *kind;
  int channels;
  FmInputMode declared;
  FmInputDecl decl;
} FmInputTarget;

FmInput *fm_input_new_for (const FmInputTarget *target, FmInputMode mode,
                           int image_channels, GError **error);
void fm_input_free (FmInput *input);

FmInputMode fm_input_mode (const FmInput *input);
int fm_input_image_channels (const FmInput *input);
/* Channels produced per pixel: the bank's C, or for per-channel the image's
 * colour channels (then each is run through the same 1-channel filters). */
int fm_input_channels (const FmInput *input);

/* n_pixels pixels of image_channels floats → n_pixels × fm_input_channels. */
void fm_input_convert (const FmInput *input, const float *pixels, float *dst,
                       gsize n_pixels);

/* The image's colour channels (alpha not counted): 1 for Y'/Y'A, 3 for
 * R'G'B'/R'G'B'A, N for N raw channels. */
int fm_input_colour_channels (int image_channels);

/* "luminance", or "raw" for the raw channels of auto. */
const char *fm_input_mode_name (FmInputMode mode);

G_END_DECLS
