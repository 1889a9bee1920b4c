/* fm-json-check: strict JSON (RFC 8259) checked in one pass without
 * recursion, before json-glib builds anything.
 *
 * Why a checker beside json-glib: json-glib recurses once per nesting
 * level (a file of 100 000 '[' overflows the stack), keeps the last of two
 * equal keys without a word, and accepts more than JSON — single-quoted
 * strings, comments, hex numbers — so a guard that counts brackets the
 * JSON way can be walked around with a quote or a comment json-glib skips.
 * This checker IS the grammar: whatever it accepts is plain JSON, which
 * json-glib reads the same way, so its depth and size limits hold for
 * the parse that follows.  It also refuses what no hand-written file means
 * and json-glib would mangle: a duplicate key, an unpaired surrogate, a
 * \u0000, a raw control character in a string, and documents with more
 * values than the caller will ever use (counted as it goes, so a 200 MB
 * array of numbers costs no memory before it is refused).  A UTF-8 byte
 * order mark at the start is skipped. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int max_depth;       /* nested arrays and objects; ≥ 1 */
  gsize max_values;    /* values of any kind, containers included */
} FmJsonLimits;

typedef enum {
  FM_JSON_CHECK_OK,
  FM_JSON_CHECK_SYNTAX,     /* not JSON, or JSON nobody means (see above) */
  FM_JSON_CHECK_TOO_DEEP,
  FM_JSON_CHECK_TOO_MANY,   /* more than max_values values */
  FM_JSON_CHECK_DUPLICATE   /* a key given twice in one object */
} FmJsonCheck;

/* Checks data[0 .. len) (UTF-8 already validated by the caller).  On
 * failure *message (g_free) says what and where: "line 3, column 7:
 * expected ',' or ']', found '}'" for a syntax error, "key 'a' is given
 * twice in one object (line 1, column 9)" for the others; *body_start is
 * where the document starts past a byte-order mark. */
FmJsonCheck fm_json_check (const char *data, gsize len, const FmJsonLimits *limits,
                           gsize *body_start, char **message);

G_END_DECLS
