/* test-safetensors: the safetensors reader on files built here, good and
 * broken, each broken one refused with its own one-line message.  (Files
 * written from PyTorch state dicts are checked in test_stack_read.py.) */
#include <string.h>

#include "fm-net-load.h"
#include "net-test.h"

/* 8-byte length, header, then data_len bytes of data (0, 1, 2, … as
 * float32 when data is NULL). */
static GByteArray *
st_file (const char *header, gsize data_len, const void *data)
{
  GByteArray *b = g_byte_array_new ();
  guint64 n = strlen (header);
  guint8 le[8];
  for (int k = 0; k < 8; k++)
    le[k] = (guint8) (n >> (8 * k));
  g_byte_array_append (b, le, 8);
  g_byte_array_append (b, (const guint8 *) header, (guint) n);
  for (gsize k = 0; k < data_len; k++)
    {
      guint8 c;
      if (data)
        c = ((const guint8 *) data)[k];
      else
        {
          float f = (float) (k / 4);
          guint8 fb[4];
          memcpy (fb, &f, 4);
          c = fb[k % 4];
        }
      g_byte_array_append (b, &c, 1);
    }
  return b;
}

static FmNetGraph *
load (GByteArray *b, GError **error)
{
  FmNetGraph *g = fm_net_load_safetensors_weights_data (b->data, b->len, "w.safetensors", error);
  g_byte_array_unref (b);
  return g;
}

static GHashTable *messages;

static void
expect_fail (GByteArray *b, int code, const char *want)
{
  GError *error = NULL;
  FmNetGraph *g = load (b, &error);
  if (g)
    g_error ("accepted a file that should fail with '%s'", want);
  assert_error_has (error, want);
  g_assert_true (error->domain == FM_NET_ERROR);
  if (code >= 0 && error->code != code)
    g_error ("'%s': code %d, expected %d", error->message, error->code, code);
  g_assert_true (g_str_has_prefix (error->message, "w.safetensors: "));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_false (g_hash_table_contains (messages, error->message));
  g_hash_table_add (messages, g_strdup (error->message));
  g_error_free (error);
}

#define T(name, dtype, shape, b, e) \
  "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static void
test_good (void)
{
  GError *error = NULL;
  /* tensors listed out of order, metadata, header padded with spaces */
  g_autoptr (FmNetGraph) g = load (st_file ("{" T ("b", "F32", "[2]", 8, 16) ","
                                            "\"__metadata__\":{\"format\":\"pt\"},"
                                            T ("a", "F32", "[1,2]", 0, 8) ","
                                            T ("e", "F32", "[0,3]", 16, 16) "}    ",
                                            16, NULL), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g->format, ==, "safetensors");
  g_assert_cmpuint (g->nodes->len, ==, 0);
  g_assert_cmpuint (g_hash_table_size (g->initializers), ==, 3);
  const FmTensor *a = fm_net_graph_initializer (g, "a");
  g_assert_cmpint (a->ndim, ==, 2);
  g_assert_cmpfloat (a->f[1], ==, 1.0f);
  g_assert_cmpfloat (fm_net_graph_initializer (g, "b")->f[1], ==, 3.0f);
  g_assert_cmpuint (fm_net_graph_initializer (g, "e")->n, ==, 0);

  /* every dtype, converted */
  guint8 data[2 + 2 + 8 + 8 + 4 + 1 + 1 + 2 + 8];
  guint8 *p = data;
  guint16 h = 0x3c00;                                 /* F16 1.0 */
  memcpy (p, &h, 2), p += 2;
  guint16 bf = 0xc000;                                /* BF16 -2.0 */
  memcpy (p, &bf, 2), p += 2;
  double d = 0.1;
  memcpy (p, &d, 8), p += 8;
  gint64 i = -5;
  memcpy (p, &i, 8), p += 8;
  gint32 i32 = -7;
  memcpy (p, &i32, 4), p += 4;
  *p++ = 0xff;                                        /* U8 255 */
  *p++ = 0x80;                                        /* I8 -128 */
  guint16 u16 = 65535;
  memcpy (p, &u16, 2), p += 2;
  guint64 u64 = 1ull << 40;
  memcpy (p, &u64, 8), p += 8;
  g_autoptr (FmNetGraph) t = load (st_file ("{" T ("h", "F16", "[]", 0, 2) ","
                                            T ("bf", "BF16", "[1]", 2, 4) ","
                                            T ("d", "F64", "[1]", 4, 12) ","
                                            T ("i", "I64", "[1]", 12, 20) ","
                                            T ("i32", "I32", "[1]", 20, 24) ","
                                            T ("u8", "U8", "[1]", 24, 25) ","
                                            T ("i8", "I8", "[1]", 25, 26) ","
                                            T ("u16", "U16", "[1]", 26, 28) ","
                                            T ("u64", "U64", "[1]", 28, 36) "}",
                                            sizeof data, data), &error);
  g_assert_no_error (error);
  g_assert_cmpint (fm_net_graph_initializer (t, "h")->ndim, ==, 0);
  g_assert_cmpfloat (fm_net_graph_initializer (t, "h")->f[0], ==, 1.0f);
  g_assert_cmpfloat (fm_net_graph_initializer (t, "bf")->f[0], ==, -2.0f);
  g_assert_cmpfloat (fm_net_graph_initializer (t, "d")->f[0], ==, (float) 0.1);
  g_assert_cmpint (fm_net_graph_initializer (t, "i")->i[0], ==, -5);
  g_assert_cmpint (fm_net_graph_initializer (t, "i32")->i[0], ==, -7);
  g_assert_cmpint (fm_net_graph_initializer (t, "u8")->i[0], ==, 255);
  g_assert_cmpint (fm_net_graph_initializer (t, "i8")->i[0], ==, -128);
  g_assert_cmpint (fm_net_graph_initializer (t, "u16")->i[0], ==, 65535);
  g_assert_cmpint (fm_net_graph_initializer (t, "u64")->i[0], ==, (gint64) 1 << 40);
}

static void
test_bad (void)
{
  {
    GByteArray *b = g_byte_array_new ();
    g_byte_array_append (b, (const guint8 *) "\x02\0\0", 3);
    expect_fail (b, FM_NET_ERROR_PARSE, "3 bytes, shorter than the 8-byte header length");
  }
  {
    GByteArray *b = st_file ("{}", 0, NULL);
    b->data[0] = 0xe8, b->data[1] = 0x03;             /* 1000 */
    expect_fail (b, FM_NET_ERROR_PARSE,
                 "header length 1000 runs past the end of the file (10 bytes)");
  }
  {
    GByteArray *b = st_file ("{}", 0, NULL);
    b->data[5] = 1;                                   /* 2^40 + 2 */
    expect_fail (b, FM_NET_ERROR_TOO_LARGE,
                 "header of 1099511627778 bytes, over the limit of 100000000");
  }
  expect_fail (st_file ("[1]", 0, NULL), FM_NET_ERROR_PARSE, "the header does not start with '{'");
  expect_fail (st_file ("{\"a\":", 0, NULL), FM_NET_ERROR_PARSE, "w.safetensors: header: ");
  expect_fail (st_file ("{" T ("a", "F32", "[1]", 0, 4) "," T ("a", "F32", "[1]", 4, 8) "}", 8, NULL),
               FM_NET_ERROR_PARSE, "header: key 'a' is given twice in one object");
  expect_fail (st_file ("{" T ("a", "F17", "[1]", 0, 4) "}", 4, NULL), FM_NET_ERROR_PARSE,
               "tensor 'a': unknown dtype 'F17'");
  expect_fail (st_file ("{" T ("a", "F8_E4M3", "[1]", 0, 1) "}", 1, NULL), FM_NET_ERROR_UNSUPPORTED,
               "tensor 'a': dtype 'F8_E4M3' (8-bit float) is not supported");
  expect_fail (st_file ("{" T ("a", "F32", "[3]", 0, 8) "}", 8, NULL), FM_NET_ERROR_PARSE,
               "tensor 'a': shape [3] of F32 needs 12 bytes, but data_offsets give 8");
  expect_fail (st_file ("{" T ("a", "F32", "[2]", 0, 8) "," T ("b", "F32", "[2]", 4, 12) "}", 12, NULL),
               FM_NET_ERROR_PARSE, "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]");
  expect_fail (st_file ("{" T ("a", "F32", "[2]", 0, 8) "," T ("b", "F32", "[2]", 12, 20) "}", 20, NULL),
               FM_NET_ERROR_PARSE,
               "tensor 'b' starts at byte 12 of the data area, but the tensors before it end at 8 (a hole)");
  expect_fail (st_file ("{" T ("a", "F32", "[2]", 4, 12) "}", 12, NULL), FM_NET_ERROR_PARSE,
               "tensor 'a' starts at byte 4 of the data area, but the tensors before it end at 0");
  expect_fail (st_file ("{" T ("a", "F32", "[2]", 0, 8) "}", 12, NULL), FM_NET_ERROR_PARSE,
               "the tensors end at byte 8 of the data area, which holds 12 bytes");
  expect_fail (st_file ("{" T ("a", "F32", "[4]", 0, 16) "}", 8, NULL), FM_NET_ERROR_PARSE,
               "tensor 'a': data_offsets [0, 16] run past the end of the data area (8 bytes)");
  expect_fail (st_file ("{" T ("a", "F32", "[0]", 8, 0) "}", 8, NULL), FM_NET_ERROR_PARSE,
               "tensor 'a': data_offsets [8, 0] end before they begin");
  expect_fail (st_file ("{\"a\":{\"dtyp\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, NULL),
               FM_NET_ERROR_PARSE, "tensor 'a': unknown key 'dtyp'");
  expect_fail (st_file ("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, NULL),
               FM_NET_ERROR_PARSE, "tensor 'a': no shape");
  expect_fail (st_file ("{" T ("a", "F32", "[-1]", 0, 4) "}", 4, NULL), FM_NET_ERROR_PARSE,
               "tensor 'a': shape[0] is -1, must be 0");
  expect_fail (st_file ("{" T ("a", "F32", "[4294967296,4294967296,4]", 0, 4) "}", 4, NULL),
               FM_NET_ERROR_TOO_LARGE, "tensor 'a': shape holds more than 268435456 elements");
  expect_fail (st_file ("{" T ("a", "F32", "[1,1,1,1,1,1,1,1,1]", 0, 4) "}", 4, NULL),
               FM_NET_ERROR_TOO_LARGE, "tensor 'a': shape has 9 dimensions, at most 8");
  expect_fail (st_file ("{" T ("a", "F32", "[1]", 0.5, 4) "}", 4, NULL), FM_NET_ERROR_PARSE,
               "tensor 'a': data_offsets[0] is 0.5, expected an integer");
  expect_fail (st_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", 4, NULL),
               FM_NET_ERROR_PARSE, "tensor 'a': shape is a string, expected an array");
  expect_fail (st_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, NULL),
               FM_NET_ERROR_PARSE, "tensor 'a': data_offsets must be [begin, end]");
  expect_fail (st_file ("{\"__metadata__\":{\"k\":1}}", 0, NULL), FM_NET_ERROR_PARSE,
               "__metadata__ 'k' is a number, expected a string");
  expect_fail (st_file ("{\"a\":\"F32\"}", 0, NULL), FM_NET_ERROR_PARSE,
               "tensor 'a': is a string, expected an object");
  {
    GString *deep = g_string_new ("{\"a\":");
    for (int k = 0; k < 40; k++)
      g_string_append_c (deep, '[');
    for (int k = 0; k < 40; k++)
      g_string_append_c (deep, ']');
    g_string_append_c (deep, '}');
    expect_fail (st_file (deep->str, 0, NULL), FM_NET_ERROR_PARSE,
                 "header: nested more than 32 levels deep");
    g_string_free (deep, TRUE);
  }
  {
    GByteArray *b = st_file ("{\"a\x01\":1}", 0, NULL);
    b->data[11] = 0;
    expect_fail (b, FM_NET_ERROR_PARSE, "header: not a JSON header (not UTF-8 text)");
  }
  {
    guint64 big = G_MAXUINT64;
    expect_fail (st_file ("{" T ("u", "U64", "[1]", 0, 8) "}", 8, &big), FM_NET_ERROR_INVALID,
                 "tensor 'u': element 0: uint64 value 18446744073709551615 does not fit int64");
  }
  expect_fail (st_file ("{" T ("", "F32", "[1]", 0, 4) "}", 4, NULL), FM_NET_ERROR_PARSE,
               "a tensor without a name");
  expect_fail (st_file ("{" T ("a", "F32", "[1]", 99999999999999999999, 4) "}", 4, NULL),
               FM_NET_ERROR_PARSE, "tensor 'a': data_offsets[0] is ");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_test_add_func ("/net/safetensors/good", test_good);
  g_test_add_func ("/net/safetensors/bad", test_bad);
  int rc = g_test_run ();
  g_hash_table_unref (messages);
  return rc;
}
