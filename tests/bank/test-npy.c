/* .npy and .npz: numpy's own files read right, broken ones refused clearly. */
#include "bank-test.h"

#include <math.h>

static const float lines_hwio[18] = {
  /* (3, 3, 1, 2): [y][x][0][k], k = vertical, horizontal */
  0, 0, 1, 0, 0, 0,
  0, 1, 1, 1, 0, 1,
  0, 0, 1, 0, 0, 0,
};

static FmArray *
read_fixture (const char *name)
{
  g_autofree char *path = bank_data (name);
  GError *error = NULL;
  FmArray *a = fm_npy_read_file (path, &error);
  g_assert_no_error (error);
  return a;
}

static void
test_dtypes (void)
{
  static const char *const files[] = {
    "lines-hwio.npy", "lines-hwio-f8be.npy", "lines-hwio-f2.npy", "lines-hwio-i2be.npy",
    "lines-hwio-u1.npy", "lines-hwio-fortran.npy" };
  static const char *const dtypes[] = { "f4", "f8", "f2", "i2", "u1", "f4" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (FmArray) a = read_fixture (files[i]);
      g_assert_cmpstr (a->name, ==, files[i]);
      g_assert_cmpstr (a->dtype, ==, dtypes[i]);
      g_assert_cmpint (a->ndim, ==, 4);
      g_assert_cmpuint (a->shape[0], ==, 3);
      g_assert_cmpuint (a->shape[1], ==, 3);
      g_assert_cmpuint (a->shape[2], ==, 1);
      g_assert_cmpuint (a->shape[3], ==, 2);
      g_assert_cmpuint (a->size, ==, 18);
      g_assert_cmpmem (a->data, sizeof lines_hwio, lines_hwio, sizeof lines_hwio);
    }
  g_autoptr (FmArray) ramp = read_fixture ("ramp-2x3.npy");
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (ramp->data[i], ==, i + 1);
  g_autoptr (FmArray) scalar = read_fixture ("scalar.npy");
  g_assert_cmpint (scalar->ndim, ==, 0);
  g_assert_cmpuint (scalar->size, ==, 1);
  g_assert_cmpfloat (scalar->data[0], ==, 3.5f);
}

/* A hand-made .npy: header text + data bytes. */
static GByteArray *
make_npy (int major, const char *header, const void *data, gsize data_len)
{
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) "\x93NUMPY", 6);
  guint8 ver[2] = { (guint8) major, 0 };
  g_byte_array_append (b, ver, 2);
  gsize hlen = strlen (header);
  if (major == 1)
    {
      guint8 len[2] = { hlen & 0xff, hlen >> 8 };
      g_byte_array_append (b, len, 2);
    }
  else
    {
      guint8 len[4] = { hlen & 0xff, (hlen >> 8) & 0xff, 0, 0 };
      g_byte_array_append (b, len, 4);
    }
  g_byte_array_append (b, (const guint8 *) header, hlen);
  if (data_len)
    g_byte_array_append (b, data, data_len);
  return b;
}

static void
test_hand_made (void)
{
  /* every integer type, both byte orders, versions 2 and 3 */
  guint8 be64[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 7 };
  GByteArray *b = make_npy (2, "{'descr': '>i8', 'fortran_order': False, 'shape': (2,), }\n", be64, 16);
  GError *error = NULL;
  g_autoptr (FmArray) a = fm_npy_read_data (b->data, b->len, "x", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (a->data[0], ==, -2.0f);
  g_assert_cmpfloat (a->data[1], ==, 7.0f);
  g_byte_array_unref (b);

  guint8 le32[8] = { 0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0 };
  b = make_npy (3, "{\"descr\":\"<u4\",\"shape\":(1, 2),\"fortran_order\":False}", le32, 8);
  g_autoptr (FmArray) u = fm_npy_read_data (b->data, b->len, "x", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (u->data[0], ==, 4294967295.0f);
  g_assert_cmpfloat (u->data[1], ==, 5.0f);
  g_byte_array_unref (b);

  guint8 i1[3] = { 0x80, 0x7f, 0xff };
  b = make_npy (1, "{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }", i1, 3);
  g_autoptr (FmArray) s = fm_npy_read_data (b->data, b->len, "x", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (s->data[0], ==, -128.0f);
  g_assert_cmpfloat (s->data[1], ==, 127.0f);
  g_assert_cmpfloat (s->data[2], ==, -1.0f);
  g_byte_array_unref (b);

  /* float16 specials: 1.0, -2.0, 65504, smallest subnormal, inf, nan */
  guint16 h[6] = { GUINT16_TO_LE (0x3c00), GUINT16_TO_LE (0xc000), GUINT16_TO_LE (0x7bff),
                   GUINT16_TO_LE (0x0001), GUINT16_TO_LE (0x7c00), GUINT16_TO_LE (0x7e00) };
  b = make_npy (1, "{'descr': '<f2', 'fortran_order': False, 'shape': (6,), }", h, 12);
  g_autoptr (FmArray) f = fm_npy_read_data (b->data, b->len, "x", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (f->data[0], ==, 1.0f);
  g_assert_cmpfloat (f->data[1], ==, -2.0f);
  g_assert_cmpfloat (f->data[2], ==, 65504.0f);
  g_assert_cmpfloat (f->data[3], ==, ldexpf (1, -24));
  g_assert_true (isinf (f->data[4]));
  g_assert_true (isnan (f->data[5]));
  g_byte_array_unref (b);

  /* Fortran order in 3-D: element (i, j, k) at i + 2j + 6k */
  float fd[12];
  for (int i = 0; i < 12; i++)
    fd[i] = (float) i;
  b = make_npy (1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 2), }", fd, sizeof fd);
  g_autoptr (FmArray) fo = fm_npy_read_data (b->data, b->len, "x", &error);
  g_assert_no_error (error);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 2; k++)
        g_assert_cmpfloat (fo->data[(i * 3 + j) * 2 + k], ==, i + 2 * j + 6 * k);
  g_byte_array_unref (b);
}

typedef struct {
  int major;
  const char *header;
  gsize data_len;
  const char *message;
  int code;
} BadNpy;

static const BadNpy bad_npy[] = {
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000, 1000), }", 16,
    "x.npy: shape (1000000, 1000000, 1000) of '<f4' needs 4000000000000000 bytes of data (4.0",
    FM_NPY_ERROR_TOO_LARGE },
  { 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", 0,
    "x.npy: shape (4294967296, 4294967296, 4) overflows", FM_NPY_ERROR_TOO_LARGE },
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 0,
    "a 'shape' dimension does not fit in 64 bits", FM_NPY_ERROR_PARSE },
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 12,
    "needs 16 bytes of data (16 bytes), the file holds 12 (truncated, or a corrupt header)", FM_NPY_ERROR_TOO_LARGE },
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12,
    "needs 8 bytes of data (8 bytes), the file holds 12 (trailing bytes)", FM_NPY_ERROR_PARSE },
  { 1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16, "object arrays are not supported", FM_NPY_ERROR_UNSUPPORTED },
  { 1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, "dtype '<c8' is not supported", FM_NPY_ERROR_UNSUPPORTED },
  { 1, "{'descr': '<f16', 'fortran_order': False, 'shape': (2,), }", 32, "dtype '<f16' is not supported", FM_NPY_ERROR_UNSUPPORTED },
  { 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured (record) dtypes are not supported", FM_NPY_ERROR_UNSUPPORTED },
  { 1, "{'descr': '<f4', 'shape': (2,), }", 8, "the header lacks 'descr', 'fortran_order' or 'shape'", FM_NPY_ERROR_PARSE },
  { 1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", 8, "'fortran_order' is neither True nor False", FM_NPY_ERROR_PARSE },
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", 8, "'shape' holds something other than non-negative integers", FM_NPY_ERROR_PARSE },
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': 2, }", 8, "'shape' is not a tuple", FM_NPY_ERROR_PARSE },
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 8, "unknown header key 'extra'", FM_NPY_ERROR_PARSE },
  { 1, "['descr']", 8, "the header is not a dict", FM_NPY_ERROR_PARSE },
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4, "more than 8 dimensions", FM_NPY_ERROR_UNSUPPORTED },
  { 4, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, "x.npy: .npy format version 4.0 is not supported", FM_NPY_ERROR_UNSUPPORTED },
};

static void
test_bad (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_npy); i++)
    {
      g_autofree guint8 *zeros = g_malloc0 (bad_npy[i].data_len + 1);
      GByteArray *b = make_npy (bad_npy[i].major, bad_npy[i].header, zeros, bad_npy[i].data_len);
      GError *error = NULL;
      g_assert_null (fm_npy_read_data (b->data, b->len, "x.npy", &error));
      assert_error_has (error, bad_npy[i].message);
      g_assert_error (error, FM_NPY_ERROR, bad_npy[i].code);
      g_error_free (error);
      g_byte_array_unref (b);
    }

  GError *error = NULL;
  g_assert_null (fm_npy_read_data ((const guint8 *) "PK\3\4 not numpy", 15, "x.npy", &error));
  assert_error_has (error, "x.npy: not a valid .npy file: missing the \\x93NUMPY magic");
  g_clear_error (&error);
  g_assert_null (fm_npy_read_data ((const guint8 *) "\x93NUMPY\1", 7, "x.npy", &error));
  assert_error_has (error, "truncated header");
  g_clear_error (&error);
  g_assert_null (fm_npy_read_data ((const guint8 *) "\x93NUMPY\1\0\x40\0{'de", 14, "x.npy", &error));
  assert_error_has (error, "x.npy: truncated: the header needs 74 bytes, the file has 14");
  g_clear_error (&error);
  g_assert_null (fm_npy_read_data ((const guint8 *) "\x93NUMPY\2\0\xff\xff\xff\x7f", 12, "x.npy", &error));
  assert_error_has (error, "bytes is absurdly long");
  g_assert_error (error, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* numpy's own object and complex files */
  g_autofree char *obj = bank_data ("object.npy");
  g_assert_null (fm_npy_read_file (obj, &error));
  assert_error_has (error, "object.npy: object arrays are not supported");
  g_clear_error (&error);
  g_autofree char *cplx = bank_data ("complex.npy");
  g_assert_null (fm_npy_read_file (cplx, &error));
  assert_error_has (error, "complex.npy: dtype '<c8' is not supported");
  g_clear_error (&error);

  /* every truncation of a real file fails, none crashes */
  g_autofree char *path = bank_data ("lines-hwio.npy");
  gsize len;
  g_autofree guint8 *data = bank_read (path, &len);
  for (gsize cut = 0; cut < len; cut++)
    {
      g_assert_null (fm_npy_read_data (data, cut, "cut.npy", &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
}

static void
test_write (void)
{
  char *dir = bank_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "w.npy", NULL);
  float v[6] = { 1, -2, 3.5f, 0, 1e-3f, 6 };
  gsize shape[2] = { 2, 3 };
  GError *error = NULL;
  g_assert_true (fm_npy_write_file (path, v, 2, shape, &error));
  g_assert_no_error (error);
  gsize len;
  g_autofree guint8 *data = bank_read (path, &len);
  g_assert_cmpuint (len, ==, 128 + 24); /* header padded to 64 bytes, as numpy does */
  g_assert_cmpint (data[127], ==, '\n');
  g_autoptr (FmArray) a = fm_npy_read_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->ndim, ==, 2);
  g_assert_cmpuint (a->shape[1], ==, 3);
  g_assert_cmpmem (a->data, sizeof v, v, sizeof v);

  g_autofree char *p1 = g_build_filename (dir, "one.npy", NULL);
  gsize shape1[1] = { 6 };
  g_assert_true (fm_npy_write_file (p1, v, 1, shape1, &error));
  g_autoptr (FmArray) b = fm_npy_read_file (p1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->ndim, ==, 1);
  bank_tmpdir_free (dir);
}

static FmArray *
member (GPtrArray *arrays, const char *name)
{
  for (guint i = 0; i < arrays->len; i++)
    if (strcmp (((FmArray *) arrays->pdata[i])->name, name) == 0)
      return arrays->pdata[i];
  return NULL;
}

static void
test_npz (void)
{
  GError *error = NULL;
  g_autofree char *keras = bank_data ("lines-keras.npz"); /* deflated */
  g_autoptr (GPtrArray) k = fm_npz_read_file (keras, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (k->len, ==, 2);
  FmArray *kernel = member (k, "kernel"), *bias = member (k, "bias");
  g_assert_nonnull (kernel);
  g_assert_nonnull (bias);
  g_assert_cmpmem (kernel->data, sizeof lines_hwio, lines_hwio, sizeof lines_hwio);
  g_assert_cmpfloat (bias->data[0], ==, 0.5f);
  g_assert_cmpfloat (bias->data[1], ==, -1.0f);

  g_autofree char *torch = bank_data ("lines-torch.npz"); /* stored, zip64 extras */
  g_autoptr (GPtrArray) t = fm_npz_read_file (torch, &error);
  g_assert_no_error (error);
  g_assert_nonnull (member (t, "weight"));
  g_assert_cmpstr (member (t, "bias")->dtype, ==, "f8");
}

/* Offsets of the first member's fields in a numpy-written archive. */
static gsize
first_data_offset (const guint8 *d)
{
  return 30 + (d[26] | d[27] << 8) + (d[28] | d[29] << 8);
}

static void
test_npz_bad (void)
{
  GError *error = NULL;
  gsize len;
  g_autofree char *keras = bank_data ("lines-keras.npz");
  g_autofree guint8 *data = bank_read (keras, &len);

  /* truncated anywhere: a clear error, never a crash */
  for (gsize cut = 0; cut < len; cut++)
    {
      g_assert_null (fm_npz_read_data (data, cut, "t.npz", &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  g_assert_null (fm_npz_read_data (data, len - 30, "t.npz", &error));
  assert_error_has (error, "t.npz: not a valid .npz (zip) file: truncated (no end-of-central-directory record)");
  g_clear_error (&error);

  /* corrupt deflate data: garbage in the middle of the first member */
  g_autofree guint8 *bad = g_memdup2 (data, len);
  gsize start = first_data_offset (bad);
  for (int i = 0; i < 6; i++)
    bad[start + 2 + i] ^= 0x5a;
  g_assert_null (fm_npz_read_data (bad, len, "c.npz", &error));
  g_test_message ("%s", error->message);
  g_assert_true (strstr (error->message, "has corrupt deflate data")
                 || strstr (error->message, "fails its CRC check")
                 || strstr (error->message, "inflates to"));
  g_clear_error (&error);
  /* a block type of 3 does not exist: always a deflate error */
  memcpy (bad, data, len);
  bad[start] = 0x07;
  g_assert_null (fm_npz_read_data (bad, len, "c.npz", &error));
  assert_error_has (error, "c.npz: member 'kernel.npy' has corrupt deflate data");
  g_clear_error (&error);

  /* stored member with one byte flipped: the CRC catches it */
  g_autofree char *torch = bank_data ("lines-torch.npz");
  gsize tlen;
  g_autofree guint8 *tdata = bank_read (torch, &tlen);
  tdata[first_data_offset (tdata) + 150] ^= 1;
  g_assert_null (fm_npz_read_data (tdata, tlen, "s.npz", &error));
  assert_error_has (error, "s.npz: not a valid .npz (zip) file: member 'weight.npy' fails its CRC check");
  g_clear_error (&error);

  /* zip64 end record */
  memcpy (bad, data, len);
  gsize eocd = len - 22;
  g_assert_cmpint (bad[eocd], ==, 'P');
  bad[eocd + 10] = bad[eocd + 11] = 0xff;
  g_assert_null (fm_npz_read_data (bad, len, "z.npz", &error));
  assert_error_has (error, "z.npz: zip64 archives are not supported");
  g_clear_error (&error);

  /* a member claiming a huge inflated size from a few bytes */
  memcpy (bad, data, len);
  guint32 cd = bad[eocd + 16] | bad[eocd + 17] << 8 | bad[eocd + 18] << 16 | (guint32) bad[eocd + 19] << 24;
  bad[cd + 24] = 0x00; bad[cd + 25] = 0x00; bad[cd + 26] = 0x00; bad[cd + 27] = 0x7f;
  g_assert_null (fm_npz_read_data (bad, len, "b.npz", &error));
  assert_error_has (error, "declares 2130706432 bytes from");
  g_clear_error (&error);

  /* a member whose declared size is smaller than its stream */
  memcpy (bad, data, len);
  bad[cd + 24] -= 1;
  g_assert_null (fm_npz_read_data (bad, len, "b.npz", &error));
  assert_error_has (error, "inflates to more than its declared");
  g_clear_error (&error);

  /* not a zip at all, and an empty archive */
  g_assert_null (fm_npz_read_data ((const guint8 *) "hello world, this is not a zip", 30, "n.npz", &error));
  assert_error_has (error, "n.npz: not a valid .npz (zip) file: no end-of-central-directory record");
  g_clear_error (&error);
  static const guint8 empty[22] = { 'P', 'K', 5, 6 };
  g_assert_null (fm_npz_read_data (empty, 22, "e.npz", &error));
  assert_error_has (error, "e.npz: the archive holds no .npy arrays");
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/npy/dtypes", test_dtypes);
  g_test_add_func ("/npy/hand-made", test_hand_made);
  g_test_add_func ("/npy/bad", test_bad);
  g_test_add_func ("/npy/write", test_write);
  g_test_add_func ("/npz/read", test_npz);
  g_test_add_func ("/npz/bad", test_npz_bad);
  return g_test_run ();
}
