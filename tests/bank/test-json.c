/* JSON bank files: every key read right, every mistake named. */
#include "bank-test.h"
#include "fm-bank-private.h"

#include <math.h>

static FmBank *
parse_ok (const char *json, const char *origin)
{
  GError *error = NULL;
  FmBank *bank = fm_bank_from_json_data (json, -1, origin, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bank);
  return bank;
}

static void
test_line_detectors (void)
{
  g_autoptr (FmBank) bank = parse_ok (
    "{ \"name\": \"Line detectors\", \"description\": \"d\", \"input\": \"luminance\","
    "  \"mode\": \"correlate\","
    "  \"filters\": ["
    "    { \"name\": \"vertical\", \"weights\": [[0,1,0],[0,1,0],[0,1,0]], \"bias\": 0 },"
    "    { \"name\": \"horizontal\", \"weights\": [[0,0,0],[1,1,1],[0,0,0]] } ],"
    "  \"defaults\": { \"padding\": \"same\", \"activation\": \"none\", \"mapping\": \"normalize\" } }",
    "/somewhere/lines.json");
  g_assert_cmpstr (bank->name, ==, "Line detectors");
  g_assert_cmpstr (bank->description, ==, "d");
  g_assert_cmpstr (bank->kind, ==, "other");
  g_assert_cmpstr (bank->origin, ==, "/somewhere/lines.json");
  g_assert_cmpint (bank->kh, ==, 3);
  g_assert_cmpint (bank->kw, ==, 3);
  g_assert_cmpint (bank->channels, ==, 1);
  g_assert_cmpint (bank->n_filters, ==, 2);
  g_assert_cmpint (bank->input, ==, FM_INPUT_LUMINANCE);
  g_assert_false (bank->convolve);
  g_assert_cmpstr (bank->filters[0].name, ==, "vertical");
  g_assert_cmpstr (bank->filters[1].name, ==, "horizontal");
  static const float v[9] = { 0, 1, 0, 0, 1, 0, 0, 1, 0 }, h[9] = { 0, 0, 0, 1, 1, 1, 0, 0, 0 };
  for (int i = 0; i < 9; i++)
    {
      g_assert_cmpfloat (bank->filters[0].weights[i], ==, v[i]);
      g_assert_cmpfloat (bank->filters[1].weights[i], ==, h[i]);
    }
  g_assert_cmpfloat (bank->filters[0].divisor, ==, 1.0);
  g_assert_cmpint (bank->defaults[FM_OPT_PADDING], ==, FM_PADDING_SAME);
  g_assert_cmpint (bank->defaults[FM_OPT_ACTIVATION], ==, FM_ACTIVATION_NONE);
  g_assert_cmpint (bank->defaults[FM_OPT_MAPPING], ==, FM_MAPPING_NORMALIZE);
  g_assert_cmpint (bank->defaults[FM_OPT_BORDER], ==, -1);
  g_assert_cmpint (bank->stride_y, ==, 0);
  g_assert_cmpfloat (bank->range, ==, 1.0);
}

static void
test_3d_and_1d (void)
{
  /* rows × cols × channels, channels fastest: w[y][x][c] = 100y + 10x + c */
  g_autoptr (FmBank) bank = parse_ok (
    "{ \"input\": \"rgb\", \"filters\": [ { \"weights\": ["
    "  [[0,1,2],[10,11,12]],"
    "  [[100,101,102],[110,111,112]] ] } ] }", "/x/colour.json");
  g_assert_cmpstr (bank->name, ==, "colour");
  g_assert_cmpstr (bank->filters[0].name, ==, "filter 1");
  g_assert_cmpint (bank->kh, ==, 2);
  g_assert_cmpint (bank->kw, ==, 2);
  g_assert_cmpint (bank->channels, ==, 3);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 2; x++)
      for (int c = 0; c < 3; c++)
        g_assert_cmpfloat (bank->filters[0].weights[(y * 2 + x) * 3 + c], ==, 100 * y + 10 * x + c);

  g_autoptr (FmBank) row = parse_ok ("{ \"filters\": [ { \"weights\": [1, 2.5, -3] }, {\"weights\": [0,0,1]} ] }", NULL);
  g_assert_cmpstr (row->name, ==, "Untitled bank");
  g_assert_cmpint (row->kh, ==, 1);
  g_assert_cmpint (row->kw, ==, 3);
  g_assert_cmpfloat (row->filters[0].weights[1], ==, 2.5f);
  g_assert_cmpstr (row->filters[1].name, ==, "filter 2");
}

static void
test_divisor_offset (void)
{
  g_autoptr (FmBank) bank = parse_ok (
    "{ \"normalize\": true, \"offset\": 0.5, \"filters\": ["
    "  { \"name\": \"a\", \"weights\": [[1,2],[3,4]], \"bias\": 1 },"
    "  { \"name\": \"b\", \"weights\": [[1,2],[3,4]], \"divisor\": 2, \"offset\": 0 },"
    "  { \"name\": \"c\", \"weights\": [[1,-1],[0,0]], \"normalize\": false } ] }", NULL);
  g_assert_cmpfloat (bank->filters[0].divisor, ==, 10.0);
  g_assert_cmpfloat (bank->filters[0].offset, ==, 0.5);
  g_assert_cmpfloat (bank->filters[1].divisor, ==, 2.0);
  g_assert_cmpfloat (bank->filters[1].offset, ==, 0.0);
  g_assert_cmpfloat (bank->filters[2].divisor, ==, 1.0);
  g_autofree float *w = NULL, *b = NULL;
  fm_bank_pack (bank, &w, &b);
  g_assert_cmpfloat_with_epsilon (w[0], 0.1f, 1e-7);
  g_assert_cmpfloat_with_epsilon (w[3], 0.4f, 1e-7);
  g_assert_cmpfloat (w[4 + 1], ==, 1.0f);
  g_assert_cmpfloat (w[8], ==, 1.0f);
  g_assert_cmpfloat (b[0], ==, 1.5f);
  g_assert_cmpfloat (b[1], ==, 0.0f);
  g_assert_cmpfloat (b[2], ==, 0.5f);
}

static void
test_input_declaration (void)
{
  g_autoptr (FmBank) bank = parse_ok (
    "{ \"input\": \"RGB\", \"light\": \"linear\", \"range\": \"0..255\", \"order\": \"bgr\","
    "  \"mean\": [103.9, 116.8, 123.7], \"std\": 58, \"mode\": \"convolve\","
    "  \"stride\": [2, 1], \"dilation\": 3,"
    "  \"filters\": [ { \"weights\": [[[1,2,3]]], \"range\": 255, \"stride\": [2,1], \"mean\": [103.9, 116.8, 123.7] } ] }",
    NULL);
  g_assert_cmpint (bank->input, ==, FM_INPUT_RGB);
  g_assert_true (bank->linear);
  g_assert_true (bank->bgr);
  g_assert_true (bank->convolve);
  g_assert_cmpfloat (bank->range, ==, 255.0);
  g_assert_cmpint (bank->n_mean, ==, 3);
  g_assert_cmpfloat (bank->mean[2], ==, 123.7);
  g_assert_cmpint (bank->n_std, ==, 1);
  g_assert_cmpfloat (bank->std[0], ==, 58);
  g_assert_cmpint (bank->stride_y, ==, 2);
  g_assert_cmpint (bank->stride_x, ==, 1);
  g_assert_cmpint (bank->dilation_y, ==, 3);
  g_assert_cmpint (bank->dilation_x, ==, 3);

  /* a filter may state a bank-wide value the bank left out: it becomes the bank's */
  g_autoptr (FmBank) adopt = parse_ok (
    "{ \"filters\": [ { \"weights\": [[1]], \"stride\": 2, \"range\": \"0..255\" }, { \"weights\": [[2]] } ] }", NULL);
  g_assert_cmpint (adopt->stride_y, ==, 2);
  g_assert_cmpint (adopt->stride_x, ==, 2);
  g_assert_cmpfloat (adopt->range, ==, 255.0);
}

static void
test_every_key_file (void)
{
  g_autofree char *path = bank_data ("full-bank.json");
  GError *error = NULL;
  g_autoptr (FmBank) bank = fm_bank_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bank->name, ==, "Every key");
  g_assert_cmpint (bank->channels, ==, 3);
  g_assert_cmpint (bank->input, ==, FM_INPUT_RGB);
  g_assert_true (bank->linear && bank->bgr && bank->convolve);
  g_assert_cmpfloat (bank->range, ==, 255);
  g_assert_cmpfloat (bank->mean[1], ==, 116.779);
  g_assert_cmpint (bank->n_std, ==, 1);
  g_assert_cmpint (bank->stride_y, ==, 1);
  g_assert_cmpint (bank->stride_x, ==, 2);
  g_assert_cmpint (bank->dilation_x, ==, 1);
  g_assert_cmpint (bank->defaults[FM_OPT_BORDER], ==, FM_BORDER_REFLECT);
  g_assert_cmpint (bank->defaults[FM_OPT_ACTIVATION], ==, FM_ACTIVATION_RELU);
  g_assert_cmpint (bank->defaults[FM_OPT_MAPPING], ==, FM_MAPPING_NORMALIZE_JOINT);
  g_assert_cmpstr (bank->filters[0].name, ==, "red-ish");
  g_assert_cmpfloat (bank->filters[0].divisor, ==, 6);   /* normalize: 1+2+1+2 */
  g_assert_cmpfloat (bank->filters[0].offset, ==, 0.25); /* the bank's */
  g_assert_cmpfloat (bank->filters[0].bias, ==, -0.5f);
  g_assert_cmpfloat (bank->filters[0].weights[3], ==, 2);  /* row 0, col 1, channel 0 */
  g_assert_cmpstr (bank->filters[1].name, ==, "filter 2");
  g_assert_cmpfloat (bank->filters[1].divisor, ==, 2);
  g_assert_cmpfloat (bank->filters[1].offset, ==, 0);
  g_assert_cmpfloat (bank->filters[1].weights[4], ==, -1);

  g_autofree char *ragged = bank_data ("ragged.json");
  g_assert_null (fm_bank_load (ragged, NULL, &error));
  assert_error_has (error, "ragged.json: filter 1 'blur': row 3 has 4 values, row 1 has 3");
  g_clear_error (&error);
}

typedef struct {
  const char *json;
  const char *message;
  int code;
} BadCase;

static const BadCase bad_cases[] = {
  { "{ \"filters\": [ {\"name\": \"a\", \"weights\": [[1,2,3],[1,2,3],[1,2,3]]},"
    "  {\"name\": \"blur\", \"weights\": [[1,2,3],[1,2,3],[1,2,3,4]]} ] }",
    "bad.json: filter 2 'blur': row 3 has 4 values, row 1 has 3", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[[1,2,3]],[[1,2]]]} ] }",
    "filter 1: row 2, column 1 has 2 channels, row 1, column 1 has 3", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[1,2],[[1],2]]} ] }",
    "filter 1: row 2, value 1 is an array, but row 1 holds plain numbers", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[1,2],3]} ] }", "filter 1: row 2 is a number, expected an array", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": [[1,\"2\"]]} ] }",
    "filter 1: row 1, value 2 is a string, expected a number", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": [[1,true]]} ] }", "row 1, value 2 is a boolean, expected a number", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": [[1,null]]} ] }", "row 1, value 2 is null, expected a number", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": \"0,1,0\"} ] }", "filter 1: weights are a string, expected an array of rows", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": []} ] }", "filter 1: weights are empty", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[]]} ] }", "filter 1: row 1 is empty", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"name\": \"x\"} ] }", "filter 1 'x' has no \"weights\"", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": [[1]], \"bias\": \"1\"} ] }", "filter 1: bias is a string, expected a number", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [] }", "the bank has no filters", FM_BANK_ERROR_INVALID },
  { "{ \"name\": \"x\" }", "no \"filters\"", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": {} }", "filters is an object, expected an array", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ 3 ] }", "filter 1 is a number, expected an object", FM_BANK_ERROR_PARSE },
  { "[ 1, 2 ]", "the top level must be an object", FM_BANK_ERROR_PARSE },
  { "", "the file is empty", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": [[1,2]]} ], }", "not valid JSON", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": [[1,2],[3", "not valid JSON", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": [[1,2]]}, {\"name\": \"big\", \"weights\": [[1,2,3]]} ] }",
    "filter 2 'big': weights are 1 × 3 × 1, filter 1 has 1 × 2 × 1: all filters of a bank share one shape",
    FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[1, 1e39]]} ] }", "filter 1: row 1, value 2 is too large for a 32-bit float", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[1, -1e300]]} ] }", "row 1, value 2 is too large for a 32-bit float", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weigths\": [[1]]} ] }", "unknown key 'weigths' in filter 1: did you mean 'weights'?", FM_BANK_ERROR_PARSE },
  { "{ \"fliters\": [] }", "unknown key 'fliters' in the bank: did you mean 'filters'?", FM_BANK_ERROR_PARSE },
  { "{ \"colour\": 1, \"filters\": [ {\"weights\": [[1]]} ] }", "unknown key 'colour' in the bank (known keys: name,", FM_BANK_ERROR_PARSE },
  { "{ \"defaults\": {\"padding\": \"sam\"}, \"filters\": [ {\"weights\": [[1]]} ] }",
    "defaults: padding 'sam': must be one of valid, same, full (did you mean 'same'?)", FM_BANK_ERROR_INVALID },
  { "{ \"defaults\": {\"stride\": 2}, \"filters\": [ {\"weights\": [[1]]} ] }", "unknown key 'stride' in defaults", FM_BANK_ERROR_PARSE },
  { "{ \"defaults\": {\"mapping\": 2}, \"filters\": [ {\"weights\": [[1]]} ] }",
    "defaults: mapping is a number, expected a string", FM_BANK_ERROR_PARSE },
  { "{ \"input\": \"luminence\", \"filters\": [ {\"weights\": [[1]]} ] }",
    "input 'luminence': must be one of auto, luminance, rgb, rgba, per-channel (did you mean 'luminance'?)", FM_BANK_ERROR_INVALID },
  { "{ \"input\": \"rgb\", \"filters\": [ {\"weights\": [[1]]} ] }",
    "input 'rgb' gives 3 channels, but the filters have 1", FM_BANK_ERROR_INVALID },
  { "{ \"mode\": \"convolution\", \"filters\": [ {\"weights\": [[1]]} ] }", "mode 'convolution': must be one of correlate, convolve", FM_BANK_ERROR_INVALID },
  { "{ \"light\": 1, \"filters\": [ {\"weights\": [[1]]} ] }", "light is a number, expected a string", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"weights\": [[1]], \"divisor\": 0} ] }", "filter 1: divisor 0: must not be 0", FM_BANK_ERROR_INVALID },
  { "{ \"divisor\": 0, \"filters\": [ {\"weights\": [[1]]} ] }", "divisor 0: must not be 0", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"name\": \"edge\", \"weights\": [[1,-1]], \"normalize\": true} ] }",
    "filter 1 'edge': normalize: the weights sum to 0", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[1]], \"normalize\": true, \"divisor\": 2} ] }", "not both", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[1]], \"normalize\": 1} ] }", "filter 1: normalize is a number, expected true or false", FM_BANK_ERROR_PARSE },
  { "{ \"stride\": 0, \"filters\": [ {\"weights\": [[1]]} ] }", "stride 0: must be a whole number from 1 to 1024", FM_BANK_ERROR_INVALID },
  { "{ \"dilation\": 1.5, \"filters\": [ {\"weights\": [[1]]} ] }", "dilation 1.5: must be a whole number", FM_BANK_ERROR_INVALID },
  { "{ \"stride\": [1,2,3], \"filters\": [ {\"weights\": [[1]]} ] }", "stride: give one number or [y, x], not 3 values", FM_BANK_ERROR_PARSE },
  { "{ \"stride\": 1, \"filters\": [ {\"name\": \"s\", \"weights\": [[1]], \"stride\": 2} ] }",
    "filter 1 's': stride [2, 2] differs from the bank's [1, 1]: stride must be bank-wide", FM_BANK_ERROR_INVALID },
  { "{ \"filters\": [ {\"weights\": [[1]], \"dilation\": 2}, {\"weights\": [[1]], \"dilation\": 3} ] }",
    "filter 2: dilation [3, 3] differs from the bank's [2, 2]: dilation must be bank-wide", FM_BANK_ERROR_INVALID },
  { "{ \"range\": 1, \"filters\": [ {\"weights\": [[1]], \"range\": \"0..255\"} ] }",
    "filter 1: range 255 differs from the bank's 1: range must be bank-wide", FM_BANK_ERROR_INVALID },
  { "{ \"mean\": 0.5, \"filters\": [ {\"weights\": [[1]], \"mean\": 0.4} ] }",
    "filter 1: mean differs from the bank's: mean must be bank-wide", FM_BANK_ERROR_INVALID },
  { "{ \"range\": \"0..100\", \"filters\": [ {\"weights\": [[1]]} ] }", "range '0..100': must be \"0..1\", \"0..255\" or a positive number", FM_BANK_ERROR_INVALID },
  { "{ \"range\": -1, \"filters\": [ {\"weights\": [[1]]} ] }", "range -1: must be a positive number", FM_BANK_ERROR_INVALID },
  { "{ \"mean\": [0.5, 0.5], \"filters\": [ {\"weights\": [[1]]} ] }", "mean has 2 values: give 1 or one per channel (1)", FM_BANK_ERROR_INVALID },
  { "{ \"std\": [0], \"filters\": [ {\"weights\": [[1]]} ] }", "std[0] 0: must be a finite number other than 0", FM_BANK_ERROR_INVALID },
  { "{ \"mean\": [1,2,3,4,5], \"filters\": [ {\"weights\": [[1]]} ] }", "mean: give one number or one per channel (1 to 4), not 5", FM_BANK_ERROR_INVALID },
  { "{ \"name\": 3, \"filters\": [ {\"weights\": [[1]]} ] }", "name is a number, expected a string", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ {\"name\": [], \"weights\": [[1]]} ] }", "filter 1: name is an array, expected a string", FM_BANK_ERROR_PARSE },
  { "{ \"filters\": [ [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] ] }",
    "nested more than 32 levels deep", FM_BANK_ERROR_PARSE },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  GError *error = NULL;
  FmBank *bank = fm_bank_from_json_data (c->json, -1, "/tmp/bad.json", &error);
  g_assert_null (bank);
  assert_error_has (error, c->message);
  g_assert_true (g_str_has_prefix (error->message, "bad.json: "));
  g_assert_error (error, FM_BANK_ERROR, c->code);
  g_error_free (error);
}

static void
test_absurd_sizes (void)
{
  /* a row of 1025 values */
  GString *s = g_string_new ("{ \"filters\": [ { \"weights\": [[0");
  for (int i = 1; i < 1025; i++)
    g_string_append (s, ",0");
  g_string_append (s, "]] } ] }");
  GError *error = NULL;
  g_assert_null (fm_bank_from_json_data (s->str, -1, NULL, &error));
  assert_error_has (error, "filter 1: kernel 1 × 1025: must be at most 1024 × 1024");
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_string_free (s, TRUE);

  s = g_string_new ("{ \"filters\": [ {\"weights\": [[1]]}");
  for (int i = 1; i < 4097; i++)
    g_string_append (s, ", {\"weights\": [[1]]}");
  g_string_append (s, "] }");
  g_assert_null (fm_bank_from_json_data (s->str, -1, NULL, &error));
  assert_error_has (error, "4097 filters: must be at most 4096");
  g_clear_error (&error);
  g_string_free (s, TRUE);

  /* the total: limits each fine on their own */
  g_assert_false (fm_bank_check_shape ("", 1024, 1024, 4, 8, &error));
  assert_error_has (error, "33554432 weights in all: must be at most 16777216");
  g_clear_error (&error);
  g_assert_true (fm_bank_check_shape ("", 3, 3, 512, 512, &error));
  g_assert_no_error (error);

  /* a non-UTF-8 or binary file is refused before json-glib sees it */
  g_assert_null (fm_bank_from_json_data ("{\"\xff\": 1}", -1, NULL, &error));
  assert_error_has (error, "not UTF-8 text");
  g_clear_error (&error);
}

static void
assert_banks_equal (const FmBank *a, const FmBank *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->description, ==, b->description);
  g_assert_cmpstr (a->kind, ==, b->kind);
  g_assert_cmpint (a->kh, ==, b->kh);
  g_assert_cmpint (a->kw, ==, b->kw);
  g_assert_cmpint (a->channels, ==, b->channels);
  g_assert_cmpint (a->n_filters, ==, b->n_filters);
  g_assert_cmpint (a->input, ==, b->input);
  g_assert_cmpint (a->convolve, ==, b->convolve);
  g_assert_cmpint (a->linear, ==, b->linear);
  g_assert_cmpint (a->bgr, ==, b->bgr);
  g_assert_cmpfloat (a->range, ==, b->range);
  g_assert_cmpint (a->n_mean, ==, b->n_mean);
  g_assert_cmpint (a->n_std, ==, b->n_std);
  for (int i = 0; i < a->n_mean; i++)
    g_assert_cmpfloat (a->mean[i], ==, b->mean[i]);
  for (int i = 0; i < a->n_std; i++)
    g_assert_cmpfloat (a->std[i], ==, b->std[i]);
  g_assert_cmpint (a->stride_y, ==, b->stride_y);
  g_assert_cmpint (a->stride_x, ==, b->stride_x);
  g_assert_cmpint (a->dilation_y, ==, b->dilation_y);
  g_assert_cmpint (a->dilation_x, ==, b->dilation_x);
  g_assert_cmpint (a->defaults[FM_OPT_PADDING], ==, b->defaults[FM_OPT_PADDING]);
  g_assert_cmpint (a->defaults[FM_OPT_BORDER], ==, b->defaults[FM_OPT_BORDER]);
  g_assert_cmpint (a->defaults[FM_OPT_ACTIVATION], ==, b->defaults[FM_OPT_ACTIVATION]);
  g_assert_cmpint (a->defaults[FM_OPT_MAPPING], ==, b->defaults[FM_OPT_MAPPING]);
  gsize per = (gsize) a->kh * a->kw * a->channels;
  for (int k = 0; k < a->n_filters; k++)
    {
      g_assert_cmpstr (a->filters[k].name, ==, b->filters[k].name);
      g_assert_cmpmem (a->filters[k].weights, per * sizeof (float), b->filters[k].weights, per * sizeof (float));
      g_assert_cmpfloat (a->filters[k].bias, ==, b->filters[k].bias);
      g_assert_cmpfloat (a->filters[k].divisor, ==, b->filters[k].divisor);
      g_assert_cmpfloat (a->filters[k].offset, ==, b->filters[k].offset);
    }
}

static void
test_round_trip (void)
{
  g_autoptr (FmBank) bank = parse_ok (
    "{ \"name\": \"Trip \\\"quoted\\\" ✓\", \"description\": \"line\\nbreak\\ttab\", \"kind\": \"emboss\","
    "  \"input\": \"rgb\", \"light\": \"linear\", \"range\": 255, \"order\": \"bgr\","
    "  \"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225], \"mode\": \"convolve\","
    "  \"stride\": [2, 3], \"dilation\": 2,"
    "  \"defaults\": { \"padding\": \"full\", \"border\": \"wrap\", \"activation\": \"leaky-relu\", \"mapping\": \"abs-normalize\" },"
    "  \"filters\": ["
    "    { \"name\": \"a\", \"weights\": [[[0.1, -0.2, 3e-8], [1, 2, 3]], [[1e30, 0, -0], [0.333333343, 7, 8]]],"
    "      \"bias\": -0.125, \"normalize\": true, \"offset\": 0.5 },"
    "    { \"weights\": [[[1,1,1],[1,1,1]],[[1,1,1],[1,1,1]]], \"divisor\": 3 } ] }",
    "/x/trip.json");
  g_autofree char *text = fm_bank_to_json (bank);
  g_test_message ("%s", text);
  g_autoptr (FmBank) again = parse_ok (text, "/x/trip.json");
  assert_banks_equal (bank, again);

  /* save, then load through the front door */
  char *dir = bank_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "saved.json", NULL);
  GError *error = NULL;
  g_assert_true (fm_bank_save_json (bank, path, &error));
  g_assert_no_error (error);
  g_autoptr (FmBank) loaded = fm_bank_load (path, dir, &error);
  g_assert_no_error (error);
  assert_banks_equal (bank, loaded);
  g_assert_cmpstr (loaded->origin, ==, path);
  g_autoptr (FmBank) copy = fm_bank_copy (loaded);
  assert_banks_equal (copy, loaded);
  bank_tmpdir_free (dir);

  /* a bank built in memory (inline) round-trips too */
  g_autoptr (FmBank) in = fm_bank_from_inline ("0.1 0.2; 0.3 0.4 | 1,2;3,4", &error);
  g_assert_no_error (error);
  g_autofree char *in_text = fm_bank_to_json (in);
  g_autoptr (FmBank) in_again = parse_ok (in_text, NULL);
  assert_banks_equal (in, in_again);
  /* plain weights are written as typed, not as float noise */
  g_assert_nonnull (strstr (in_text, "[0.1, 0.2]"));
}

static void
test_validate (void)
{
  g_autoptr (FmBank) bank = fm_bank_new ("t", 2, 2, 1, 3);
  GError *error = NULL;
  g_assert_true (fm_bank_validate (bank, &error));
  bank->filters[2].weights[3] = NAN;
  g_assert_false (fm_bank_validate (bank, &error));
  assert_error_has (error, "filter 3: weight [1,1,0] is NaN");
  g_clear_error (&error);
  bank->filters[2].weights[3] = INFINITY;
  g_assert_false (fm_bank_validate (bank, &error));
  assert_error_has (error, "filter 3: weight [1,1,0] is infinite");
  g_clear_error (&error);
  bank->filters[2].weights[3] = 0;
  bank->filters[1].divisor = 0;
  g_assert_false (fm_bank_validate (bank, &error));
  assert_error_has (error, "filter 2: divisor 0: must not be 0");
  g_clear_error (&error);
  bank->filters[1].divisor = 1;
  bank->filters[0].bias = NAN;
  g_assert_false (fm_bank_validate (bank, &error));
  assert_error_has (error, "filter 1: bias is NaN");
  g_clear_error (&error);
  bank->filters[0].bias = 0;
  bank->defaults[FM_OPT_MAPPING] = 9;
  g_assert_false (fm_bank_validate (bank, &error));
  assert_error_has (error, "defaults: mapping 9: must be one of 0 raw");
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/line-detectors", test_line_detectors);
  g_test_add_func ("/json/3d-and-1d", test_3d_and_1d);
  g_test_add_func ("/json/divisor-offset", test_divisor_offset);
  g_test_add_func ("/json/input-declaration", test_input_declaration);
  g_test_add_func ("/json/every-key-file", test_every_key_file);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/json/bad/%02" G_GSIZE_FORMAT, i);
      g_test_add_data_func (name, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/json/absurd-sizes", test_absurd_sizes);
  g_test_add_func ("/json/round-trip", test_round_trip);
  g_test_add_func ("/json/validate", test_validate);
  return g_test_run ();
}
