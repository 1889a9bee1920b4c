; featuremaps batch for GIMP 3 (Script-Fu): apply a filter bank to every
; image matching a pattern and save each result (the image plus a layer
; group of feature maps) as an XCF in out-dir (which must exist).
;
;   gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval \
;     -b '(begin (load "tests/gimp3/batch-example.scm")
;                (featuremaps-batch "photos/*.png" "sobel" "maps"))' --quit
;
; Each file is tried on its own, in sorted order, with "n/N file" progress:
; a file GIMP cannot load, or that fails to load or to filter, is reported
; and skipped, and the rest go on.  A summary closes the run; if any file
; failed, the batch ends with an error, so gimp-console-3.0 exits with a
; non-zero status (70).  Maps are normalised to 0..1 so they show in 8-bit
; images; for raw values convert the image to float first.

(define (featuremaps-batch-try thunk)
  ; (ok . value) or (error . message): Script-Fu reports a failed procedure
  ; through *error-hook*.
  (let* ((saved *error-hook*)
         (r (call-with-current-continuation
              (lambda (k)
                (set! *error-hook*
                      (lambda args
                        (k (cons 'error
                                 (apply string-append
                                        (map (lambda (a) (if (string? a) (string-append a " ") ""))
                                             args))))))
                (cons 'ok (thunk))))))
    (set! *error-hook* saved)
    r))

(define (featuremaps-batch-sort names)    ; Script-Fu has no sort
  (define (insert x sorted)
    (if (or (null? sorted) (string<? x (car sorted)))
        (cons x sorted)
        (cons (car sorted) (insert x (cdr sorted)))))
  (let loop ((names names) (sorted '()))
    (if (null? names) sorted (loop (cdr names) (insert (car names) sorted)))))

(define (featuremaps-batch-one file kernel out-dir)
  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE file)))
         (drawables (car (gimp-image-get-selected-drawables image)))
         (name (car (reverse (strbreakup file "/"))))
         (stem (unbreakupstr (butlast (strbreakup name ".")) "."))
         (out (string-append out-dir "/" stem ".xcf")))
    (plug-in-feature-maps #:run-mode RUN-NONINTERACTIVE #:image image
                          #:drawables (vector (vector-ref drawables 0))
                          #:kernel kernel #:padding "same" #:mapping "normalize")
    (gimp-xcf-save RUN-NONINTERACTIVE image out)
    (gimp-image-delete image)
    out))

(define (featuremaps-batch pattern kernel out-dir)
  (let* ((files (featuremaps-batch-sort (car (file-glob #:pattern pattern #:filename-encoding 1))))
         (total (length files))
         (done 0)
         (failed 0))
    (let loop ((files files) (n 1))
      (if (pair? files)
          (let* ((file (car files))
                 (where (string-append (number->string n) "/" (number->string total) " " file))
                 (r (featuremaps-batch-try
                      (lambda () (featuremaps-batch-one file kernel out-dir)))))
            (if (eq? (car r) 'ok)
                (begin (set! done (+ done 1))
                       (gimp-message (string-append "featuremaps: " where " -> " (cdr r))))
                (begin (set! failed (+ failed 1))
                       (gimp-message (string-append "featuremaps: " where " skipped: " (cdr r)))))
            (loop (cdr files) (+ n 1)))))
    (gimp-message (string-append "featuremaps: " (number->string done) " of "
                                 (number->string total) " files done, "
                                 (number->string failed) " failed"))
    (if (> failed 0)
        (error (string-append "featuremaps: " (number->string failed) " of "
                              (number->string total) " files failed")))))
