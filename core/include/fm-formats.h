/* fm-formats: the files the library reads, one registry entry per format.
 *
 * Each format declares its name, its file-name suffixes, a sniff of its
 * first bytes (magic numbers) and its loader; fm_bank_load (the front
 * door), the command line's help, the PDB help and the dialog's file
 * filter all read this list, so a format is added in one place (its own
 * file and a line in core/formats/fm-formats.def, docs/architecture.md).
 *
 * Kinds: a BANK format holds one layer of filters (an FmBank); a MODEL
 * format holds a trained network (an FmNetGraph, fm-net-graph.h), read by
 * load_graph.  Formats produce banks and graphs; they never run them.
 */
#pragma once

#include <glib.h>
#include "fm-bank.h"
#include "fm-net-graph.h"

G_BEGIN_DECLS

typedef enum { FM_FORMAT_BANK, FM_FORMAT_MODEL } FmFormatKind;

/* A kernel argument (-k, the PDB's "kernel"), split once by
 * fm_kernel_spec_parse: every reader of such a string goes through it. */
typedef struct {
  char *path;              /* the argument without the suffixes below */
  FmWeightsLayout layout;  /* ":hwio" / ":oihw" at the end; AUTO when none */
  char *member;            /* "#NAME" (or "#A,B"): a model's layers or an
                              archive's layer; NULL when none.  Split off
                              unless the whole argument names an existing
                              file */
} FmKernelSpec;

gboolean fm_kernel_spec_parse (const char *text, FmKernelSpec *spec, GError **error);
void fm_kernel_spec_clear (FmKernelSpec *spec);

/* How many bytes of a file sniff() sees at most. */
#define FM_FORMAT_SNIFF_BYTES 16

typedef struct {
  const char *name;               /* "json", "npy" */
  const char *label;              /* in lists: "JSON bank", ".npy" */
  const char *plural;             /* in messages: "JSON banks" */
  FmFormatKind kind;
  const char *const *suffixes;    /* ".json" (lower case; matched ignoring
                                     case), NULL-terminated; NULL: none */
  gboolean takes_layout;          /* accepts ":hwio" / ":oihw" */
  gboolean takes_member;          /* accepts "#NAME": a layer of the file */
  /* Do these first bytes (n ≤ FM_FORMAT_SNIFF_BYTES) start this format?
   * Asked for an existing file whose suffix is not any format's.  NULL:
   * the fallback, for files no other format claims (at most one). */
  gboolean (*sniff) (const guint8 *head, gsize n);
  /* The loader of a BANK format, and of a MODEL format (NULL until its
   * reader exists). */
  FmBank *(*load_bank) (const char *path, const FmKernelSpec *spec, GError **error);
  FmNetGraph *(*load_graph) (const char *path, const FmKernelSpec *spec, GError **error);
} FmFormat;

/* Every format, NULL-terminated, in sniffing order. */
const FmFormat *const *fm_formats (void);

/* The format whose suffix path ends with, or NULL. */
const FmFormat *fm_format_for_path (const char *path);

/* The format whose sniff claims these bytes, else the fallback (or NULL). */
const FmFormat *fm_format_sniff (const guint8 *head, gsize n);

/* The suffixes of the formats of one kind, joined by sep: ".json, .npy,
 * .npz"; only those that take a layout when layout_only. */
char *fm_formats_suffixes (FmFormatKind kind, gboolean layout_only, const char *sep);

/* What a kernel argument may be, for help texts: the long form (PDB
 * parameter, dialog) and the short one (command line --help). */
char *fm_kernel_spec_help (void);
char *fm_kernel_spec_brief (void);

G_END_DECLS
