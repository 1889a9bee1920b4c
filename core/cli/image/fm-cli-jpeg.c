/* fm-cli-jpeg: JPEG input with libjpeg(-turbo), as GEGL's jpg-load reads
 * it (float DCT, grey or RGB, an APP2 ICC profile converted to sRGB), with
 * two differences: an error ends the read (libjpeg's default ends the
 * process), and a warning that means missing or damaged data (premature
 * end, bad Huffman code …) is an error too, where libjpeg would return a
 * grey-filled image.  CMYK and YCCK files become RGB through babl's "cmyk
 * u8" (inverted, as Adobe writes it) in the profile's space, as in GEGL. */
#include "fm-cli.h"
#include "fm-cli-image.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <babl/babl.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
  struct jpeg_error_mgr mgr;
  jmp_buf jmp;
  int code;                   /* FM_CLI_ERROR_* of the first problem, or -1 */
  char message[JMSG_LENGTH_MAX];
} Errors;

static void
on_error_exit (j_common_ptr cinfo)
{
  Errors *e = (Errors *) cinfo->err;
  if (e->code < 0)
    {
      e->code = FM_CLI_ERROR_DAMAGED;
      cinfo->err->format_message (cinfo, e->message);
    }
  longjmp (e->jmp, 1);
}

/* Level -1 is a warning; higher levels are traces.  The warnings that mean
 * the pixels are not all there stop the read at the next scanline. */
static void
on_message (j_common_ptr cinfo, int level)
{
  Errors *e = (Errors *) cinfo->err;
  if (level >= 0 || e->code >= 0)
    return;
  switch (cinfo->err->msg_code)
    {
    case JWRN_JPEG_EOF:
      e->code = FM_CLI_ERROR_TRUNCATED;
      break;
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_EXTRANEOUS_DATA:
      e->code = FM_CLI_ERROR_DAMAGED;
      break;
    default:   /* unknown JFIF revision, odd Adobe transform …: harmless */
      return;
    }
  cinfo->err->format_message (cinfo, e->message);
}

/* (Inverted) CMYK to sRGB floats, in the space of the file's CMYK profile
 * when it has one, else babl's naive CMYK. */
static const Babl *
cmyk_fish (const FmCliColour *colour)
{
  fm_cli_babl_start ();
  const Babl *space = fm_cli_colour_space_from_icc (colour->icc, colour->icc_len);
  return babl_fish (babl_format_with_space ("cmyk u8", space),
                    babl_format ("R'G'B' float"));
}

gboolean
fm_cli_jpeg_load (const char *path, FmCliImage *image, FmCliColour *colour,
                  GError **error)
{
  FILE *file = fopen (path, "rb");
  if (!file)
    {
      int e = errno;
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "%s: cannot read: %s",
                   path, g_strerror (e));
      return FALSE;
    }
  struct jpeg_decompress_struct cinfo;
  Errors errors = { .code = -1 };
  cinfo.err = jpeg_std_error (&errors.mgr);
  errors.mgr.error_exit = on_error_exit;
  errors.mgr.emit_message = on_message;
  volatile gboolean started = FALSE;
  const Babl *volatile fish = NULL;
  guint8 *volatile row = NULL;
  gboolean ok = FALSE;

  jpeg_create_decompress (&cinfo);
  if (setjmp (errors.jmp))
    {
      fm_cli_image_clear (image);
      if (!started)
        g_set_error (error, FM_CLI_ERROR, errors.code == FM_CLI_ERROR_TRUNCATED
                     ? FM_CLI_ERROR_TRUNCATED : FM_CLI_ERROR_NOT_IMAGE,
                     "%s: damaged or truncated JPEG (%s)", path, errors.message);
      else
        g_set_error (error, FM_CLI_ERROR, errors.code,
                     "%s: damaged or truncated image (%s)", path, errors.message);
      goto done;
    }
  jpeg_stdio_src (&cinfo, file);
  jpeg_save_markers (&cinfo, JPEG_APP0 + 2, 0xffff);
  jpeg_read_header (&cinfo, TRUE);
  if (errors.code >= 0)
    on_error_exit ((j_common_ptr) &cinfo);

  const gboolean cmyk = cinfo.jpeg_color_space == JCS_CMYK
                        || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK
                          : cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  cinfo.dct_method = JDCT_FLOAT;   /* GEGL's choice: the same values */

  JOCTET *icc = NULL;
  unsigned int icc_len = 0;
  if (jpeg_read_icc_profile (&cinfo, &icc, &icc_len) && icc)
    {
      colour->icc = g_memdup2 (icc, icc_len);
      colour->icc_len = icc_len;
      free (icc);
    }

  /* The budget before libjpeg allocates for the image (a progressive file
   * keeps all its coefficients). */
  if (!fm_cli_image_check_size (path, cinfo.image_height, cinfo.image_width,
                                cmyk ? 3 : cinfo.num_components == 1 ? 1 : 3, error))
    goto done;
  jpeg_start_decompress (&cinfo);
  started = TRUE;
  if (cmyk)
    fish = cmyk_fish (colour);
  const int channels = cmyk ? 3 : cinfo.output_components;
  if (!fm_cli_image_alloc (image, path, cinfo.output_height, cinfo.output_width,
                           channels, error))
    goto done;
  const gsize n = (gsize) cinfo.output_width * cinfo.output_components;
  row = g_try_malloc (n);
  if (!row)
    {
      fm_cli_image_clear (image);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_TOO_LARGE,
                   "%s: not enough memory for a row", path);
      goto done;
    }
  while (cinfo.output_scanline < cinfo.output_height)
    {
      JSAMPROW rows[1] = { row };
      gsize y = cinfo.output_scanline;
      if (jpeg_read_scanlines (&cinfo, rows, 1) != 1 || errors.code >= 0)
        on_error_exit ((j_common_ptr) &cinfo);
      if (fish)
        babl_process (fish, row, image->pixels + y * cinfo.output_width * 3,
                      cinfo.output_width);
      else
        fm_cli_u8_to_float (row, image->pixels + y * n, n);
    }
  /* The profile, if any, was the CMYK one: applied already. */
  if (cmyk)
    fm_cli_colour_clear (colour);
  jpeg_finish_decompress (&cinfo);
  if (errors.code >= 0)
    on_error_exit ((j_common_ptr) &cinfo);
  ok = TRUE;

done:
  jpeg_destroy_decompress (&cinfo);
  g_free (row);
  fclose (file);
  return ok;
}
