; featuremaps batch for GIMP 2.10: apply a filter bank to every file of a
; folder (or every file a pattern matches) and save each image with its
; layer group of feature maps as OUT-DIR/<stem>.xcf.
;
; Each -b of gimp-console is a fresh Script-Fu interpreter, so load this
; file in the same -b that calls it (README, "Script-Fu and batches"):
;
;   gimp-console-2.10 -i -b "(begin (load \"$src/tests/gimp/batch-example.scm\")
;     (featuremaps-batch \"$photos\" \"sobel\" \"$maps\"))" -b '(gimp-quit 0)'
;
; - Files are taken in sorted order; "featuremaps: [n/N] FILE" says which.
; - Each file is tried on its own.  plug-in-feature-maps-check-file decodes
;   it first (GIMP 2.10 loads a truncated PNG as a partly black image and
;   only says so on its stderr, and hangs on a few bytes of text named
;   .png); then GIMP loads it, the bank runs, the XCF is saved.  A file that
;   fails any step is named with the reason and skipped; the others go on.
; - The run ends with "featuremaps: 5 written, 2 skipped: a.png
;   (truncated), notes.txt (not an image)", and OUT-DIR/featuremaps-batch.txt
;   holds one line per file plus that summary.  OUT-DIR/featuremaps-
;   skipped.txt lists the skipped files and is empty when none was:
;   gimp-console-2.10 always exits with status 0, so a script tests
;       test ! -s "$maps/featuremaps-skipped.txt"
; OUT-DIR must exist (Script-Fu cannot create folders).
;
; Maps are normalised to 0..1 (mapping 2) so they show in 8-bit images;
; for raw values convert the image to float first, or use destination 1.

; A merge sort of strings (Script-Fu has none).
(define (featuremaps-sort items)
  (define (merge a b)
    (cond ((null? a) b)
          ((null? b) a)
          ((string<? (car b) (car a)) (cons (car b) (merge a (cdr b))))
          (else (cons (car a) (merge (cdr a) b)))))
  (define (split l)
    (if (or (null? l) (null? (cdr l)))
        (list l '())
        (let ((rest (split (cddr l))))
          (list (cons (car l) (car rest)) (cons (cadr l) (cadr rest))))))
  (if (or (null? items) (null? (cdr items)))
      items
      (let ((halves (split items)))
        (merge (featuremaps-sort (car halves)) (featuremaps-sort (cadr halves))))))

; (result . #f) on success, (#f . message) when body raised an error.
(define (featuremaps-try thunk)
  (let* ((said "")
         (old *error-hook*)
         (result (catch #f
                   (set! *error-hook*
                         (lambda args
                           (set! said (apply string-append
                                             (map (lambda (a)
                                                    (if (string? a) a ""))
                                                  args)))
                           (old)))
                   (thunk))))
    (set! *error-hook* old)
    (if result (cons result #f) (cons #f said))))

(define (featuremaps-basename file)
  (car (reverse (strbreakup file "/"))))

(define (featuremaps-stem file)
  (let ((parts (strbreakup (featuremaps-basename file) ".")))
    (if (null? (cdr parts))
        (car parts)
        (unbreakupstr (butlast parts) "."))))

; The files to try: a folder's files, or what a pattern matches.
(define (featuremaps-files where)
  (let ((pattern (if (= (car (file-glob (string-append where "/*") 1)) 0)
                     where
                     (string-append where "/*"))))
    (featuremaps-sort (cadr (file-glob pattern 1)))))

; One file: #f when written, else the short reason.
(define (featuremaps-one file kernel out)
  (let ((check (featuremaps-try
                 (lambda () (plug-in-feature-maps-check-file RUN-NONINTERACTIVE file)))))
    (cond
      ((not (car check)) "could not check it")
      ((not (string=? (car (car check)) "")) (car (car check)))
      (else
        (let ((loaded (featuremaps-try
                        (lambda () (car (gimp-file-load RUN-NONINTERACTIVE file file))))))
          (if (not (car loaded))
              "GIMP cannot load it"
              (let* ((image (car loaded))
                     (drawable (car (gimp-image-get-active-drawable image)))
                     ;                    kernel input padding border stride dilation activation mapping destination
                     (ran (featuremaps-try
                            (lambda ()
                              (plug-in-feature-maps RUN-NONINTERACTIVE image drawable
                                                    kernel 0     1       0      1      1        0          2       0))))
                     (saved (and (car ran)
                                 (featuremaps-try
                                   (lambda () (gimp-xcf-save RUN-NONINTERACTIVE image drawable out out))))))
                (gimp-image-delete image)
                (cond ((not (car ran)) (string-append "feature maps failed: " (cdr ran)))
                      ((not (car saved)) "could not save the XCF")
                      (else #f)))))))))

(define (featuremaps-batch where kernel out-dir)
  (let* ((files (featuremaps-files where))
         (total (length files))
         (report (open-output-file (string-append out-dir "/featuremaps-batch.txt")))
         (skipped-file (open-output-file (string-append out-dir "/featuremaps-skipped.txt")))
         (written 0)
         (skipped '())
         (n 0))
    (for-each
      (lambda (file)
        (set! n (+ n 1))
        (gimp-message (string-append "featuremaps: [" (number->string n) "/"
                                     (number->string total) "] " file))
        (let* ((out (string-append out-dir "/" (featuremaps-stem file) ".xcf"))
               (why (featuremaps-one file kernel out)))
          (if why
              (begin
                (set! skipped (cons (string-append (featuremaps-basename file) " (" why ")") skipped))
                (gimp-message (string-append "featuremaps: skipped " file ": " why))
                (display (string-append "skipped " file ": " why "\n") report)
                (display (string-append file "\t" why "\n") skipped-file))
              (begin
                (set! written (+ written 1))
                (display (string-append "written " file " -> " out "\n") report)))))
      files)
    (let ((summary (string-append
                     (number->string written) " written"
                     (if (null? skipped)
                         ""
                         (string-append ", " (number->string (length skipped)) " skipped: "
                                        (unbreakupstr (reverse skipped) ", "))))))
      (gimp-message (string-append "featuremaps: " summary))
      (display (string-append summary "\n") report)
      (close-output-port report)
      (close-output-port skipped-file)
      summary)))
