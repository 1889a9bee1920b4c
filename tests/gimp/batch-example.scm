; featuremaps batch: apply a filter bank to every image matching a pattern
; and save each result (the image plus a layer group of feature maps) as an
; XCF in out-dir.  Usage (out-dir must exist):
;
;   gimp-console-2.10 -i -b '(load "batch-example.scm")' \
;     -b '(featuremaps-batch "/abs/photos/*.png" "sobel" "/abs/maps")' \
;     -b '(gimp-quit 0)'
;
; Maps are normalised to 0..1 (mapping 2) so they show in 8-bit images;
; for raw values convert the image to float first, or use destination 1.
(define (featuremaps-batch pattern kernel out-dir)
  (for-each
    (lambda (file)
      (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE file file)))
             (drawable (car (gimp-image-get-active-drawable image)))
             (name (car (reverse (strbreakup file "/"))))
             (stem (unbreakupstr (butlast (strbreakup name ".")) "."))
             (out (string-append out-dir "/" stem ".xcf")))
        ;                    kernel input padding border stride dilation activation mapping destination
        (plug-in-feature-maps RUN-NONINTERACTIVE image drawable
                              kernel 0     1       0      1      1        0          2       0)
        (gimp-xcf-save RUN-NONINTERACTIVE image drawable out out)
        (gimp-message (string-append "featuremaps: " file " -> " out))
        (gimp-image-delete image)))
    (cadr (file-glob pattern 1))))
