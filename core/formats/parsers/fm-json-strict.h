/* fm-json-strict: JSON read the strict way, for files people write by hand
 * or that come from strangers — bank files, stack descriptions, the
 * header of a safetensors file.  json-glib parses; this adds what it
 * leaves to the caller:
 *  - a nesting limit checked before parsing (json-glib recurses per level:
 *    a file of a million '[' must not exhaust the stack), UTF-8 and no NUL;
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

/* json-glib recursion is bounded by this nesting depth. */
#define FM_JSON_MAX_DEPTH 32

typedef struct {
  const char *where;    /* prefix of every message ("bank.json: " or "") */
  GQuark domain;        /* the caller's error domain */
  int parse_code;       /* its code for malformed input: syntax, wrong types, unknown keys */
  int invalid_code;     /* its code for a well-formed value that breaks a rule */
} FmJsonCtx;

/* Sets error to "<where><message>" with the parse or invalid code;
 * returns FALSE. */
gboolean fm_json_fail (const FmJsonCtx *cx, GError **error, gboolean invalid,
                       const char *format, ...) G_GNUC_PRINTF (4, 5);

/* UTF-8 without NUL, nested at most FM_JSON_MAX_DEPTH deep, valid JSON;
 * what names the document in messages ("not a JSON bank file (not UTF-8
 * text)").  The root may be missing (an empty document): the caller
 * decides what that means.  NULL on failure. */
JsonParser *fm_json_parse (const FmJsonCtx *cx, const char *data, gsize length,
                           const char *what, GError **error);

/* "an object", "an array", "null", "a boolean", "a string", "a number" */
const char *fm_json_type_name (JsonNode *node);

gboolean fm_json_is_number (JsonNode *node);

/* A finite number; as_float: that also fits a 32-bit float.  what names
 * the value in messages ("filter 1: bias"). */
gboolean fm_json_get_number (const FmJsonCtx *cx, JsonNode *node, const char *what,
                             gboolean as_float, double *out, GError **error);
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
