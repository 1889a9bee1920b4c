/* fm-json-strict: JSON read the strict way, for files people write by hand
 * or that come from strangers — bank files, stack descriptions, the
 * header of a safetensors file.  json-glib parses; this adds what it
 * leaves to the caller:
 *  - the strict grammar checked before json-glib parses (fm-json-check.h):
 *    nesting and value count limited (json-glib recurses per level: a file
 *    of a million '[' must not exhaust the stack; a 200 MB array must not
 *    become 2 GB of nodes), duplicate keys refused, UTF-8 and no NUL;
 *  - typed getters whose messages say where and what was found
 *    ("filter 2: bias is a string, expected a number");
 *  - unknown keys and misspelled choices refused with the closest known
 *    one suggested ("unknown key 'weigths' in filter 1: did you mean
 *    'weights'?").
 * Errors go to the caller's domain and codes (FmJsonCtx), so a reader
 * reports in its own module's domain.  Knows nothing of banks or models. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* json-glib recursion is bounded by this nesting depth (a caller may ask
 * for another: FmJsonCtx.max_depth, or fm_json_parse_deep). */
#define FM_JSON_MAX_DEPTH 32
/* Values (numbers, strings, arrays, objects …) in one document, unless the
 * caller says otherwise: json-glib spends about 100 bytes a value, so this
 * keeps a parse under a few hundred MB.  A bank of more weights belongs in
 * a .npy / .npz (docs/robustness.md). */
#define FM_JSON_MAX_VALUES ((gsize) 1 << 21)

typedef struct {
  const char *where;    /* prefix of every message ("bank.json: " or "") */
  GQuark domain;        /* the caller's error domain */
  int parse_code;       /* its code for malformed input: syntax, wrong types, unknown keys */
  int invalid_code;     /* its code for a well-formed value that breaks a rule */
  int too_large_code;   /* its code for a document over the value limit (0: invalid_code) */
  int max_depth;        /* 0: FM_JSON_MAX_DEPTH */
  gsize max_values;     /* 0: FM_JSON_MAX_VALUES */
} FmJsonCtx;

/* Sets error to "<where><message>" with the parse or invalid code;
 * returns FALSE. */
gboolean fm_json_fail (const FmJsonCtx *cx, GError **error, gboolean invalid,
                       const char *format, ...) G_GNUC_PRINTF (4, 5);

/* UTF-8 without NUL, strict JSON (RFC 8259, no duplicate keys; a byte order
 * mark is skipped) within the depth and value limits;
 * what names the document in messages ("not a JSON bank file (not UTF-8
 * text)").  The root may be missing (an empty document): the caller
 * decides what that means.  NULL on failure. */
JsonParser *fm_json_parse (const FmJsonCtx *cx, const char *data, gsize length,
                           const char *what, GError **error);
/* The same with another nesting limit (> 0; over cx->max_depth), for
 * machine-written documents that nest deeper by design (a Keras model
 * config: about ten levels per model, and models nest). */
JsonParser *fm_json_parse_deep (const FmJsonCtx *cx, const char *data, gsize length,
                                const char *what, int max_depth, GError **error);

/* "an object", "an array", "null", "a boolean", "a string", "a number" */
const char *fm_json_type_name (JsonNode *node);

gboolean fm_json_is_number (JsonNode *node);

/* A finite number; as_float: that also fits a 32-bit float.  what names
 * the value in messages ("filter 1: bias"). */
gboolean fm_json_get_number (const FmJsonCtx *cx, JsonNode *node, const char *what,
                             gboolean as_float, double *out, GError **error);
/* A whole number (not 1.0, not 1e3) in [min, max]. */
gboolean fm_json_get_int (const FmJsonCtx *cx, JsonNode *node, const char *what,
                          gint64 min, gint64 max, gint64 *out, GError **error);
gboolean fm_json_get_string (const FmJsonCtx *cx, JsonNode *node, const char *what,
                             const char **out, GError **error);
gboolean fm_json_get_bool (const FmJsonCtx *cx, JsonNode *node, const char *what,
                           gboolean *out, GError **error);

/* A string, one of choices (case-insensitive): *out is its index. */
gboolean fm_json_get_choice (const FmJsonCtx *cx, JsonNode *node, const char *what,
                             const char *const *choices, int *out, GError **error);

/* Every member of obj is one of known (NULL-terminated); context names
 * the object in messages ("the bank", "filter 2"). */
gboolean fm_json_check_keys (const FmJsonCtx *cx, JsonObject *obj,
                             const char *const *known, const char *context,
                             GError **error);

/* Appends s as a JSON string literal (quotes, escapes). */
void fm_json_append_string (GString *out, const char *s);

G_END_DECLS
