; plug-in-feature-maps-learn: a kernel learned from a pair GIMP made.
;
; A textured RGB layer (pseudo-random 8-bit noise, the best-conditioned
; texture) and a copy run through GIMP's own Convolution Matrix with a known
; asymmetric 3 × 3 kernel.  The procedure must save a bank in the profile's
; featuremaps folder whose weights are that kernel, transposed (GIMP applies
; matrix[x][y] to the pixel at column x, row y), divided by the divisor, with
; the offset as bias (BANK: the harness reads the file), at the PSNR 8-bit
; rounding allows; a second run under the same name must get a new file;
; and plug-in-feature-maps given the returned name must reproduce the after
; layer inside the fitted region (CLOSE), at the PSNR the procedure
; returned (PSNR).  Bad input: a calling error with the core's message, and
; no file.
;
; GIMP 3 runs gegl:convolution-matrix in linear light, so its pair is not a
; convolution of the perceptual values a bank sees (the fit reaches about
; 37 dB, not the 8-bit floor): there the kernel's weights and the 8-bit
; bounds are not asserted, the rest is.

(define fm-learn-w 48)
(define fm-learn-h 40)
; rows of the typed matrix; the sum of |m| sets the divisor so nothing clips
(define fm-learn-m '((0.1 0.3 -0.2) (0.4 1.0 0.05) (-0.15 0.2 0.3)))
(define fm-learn-div 5.4)
(define fm-learn-offset 0.3)
; whether GIMP's pair is an exact convolution of perceptual values
(define fm-learn-exact (not fm-gimp3))

; 8-bit noise from a linear congruential generator (the same on every host).
(define fm-lcg 12345)
(define (fm-lcg-next)
  (set! fm-lcg (modulo (+ (* fm-lcg 1103515245) 12345) 2147483648))
  (modulo (quotient fm-lcg 65536) 256))

(define (fm-noise-image w h)
  (let* ((img (car (gimp-image-new w h RGB)))
         (layer (car (gimp-layer-new img w h RGB-IMAGE "before" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img layer 0 0)
    (let yl ((y 0))
      (if (< y h)
          (begin
            (let xl ((x 0))
              (if (< x w)
                  (begin
                    (gimp-drawable-set-pixel layer x y 3
                                             (vector (fm-lcg-next) (fm-lcg-next) (fm-lcg-next)))
                    (xl (+ x 1)))))
            (yl (+ y 1)))))
    img))

; The 5 × 5 matrix plug-in-convmatrix takes, the 3 × 3 in its centre.
(define (fm-matrix25)
  (let ((v (make-vector 25 0.0)))
    (let rl ((r 0) (rows fm-learn-m))
      (if (pair? rows)
          (begin
            (let cl ((c 0) (vals (car rows)))
              (if (pair? vals)
                  (begin (vector-set! v (+ (* (+ r 1) 5) c 1) (car vals))
                         (cl (+ c 1) (cdr vals)))))
            (rl (+ r 1) (cdr rows)))))
    v))

; GIMP 2.10: plug-in-convmatrix; GIMP 3 dropped it, and runs the same GEGL
; operation (gegl:convolution-matrix, whose property "bN" is 2.10's
; matrix[1][N-1]) as a filter merged into the layer.
(define (fm-letter-props)
  (let loop ((i 0) (out '()))
    (if (= i 25) (reverse out)
        (loop (+ i 1)
              (cons (vector-ref (fm-matrix25) i)
                    (cons (string-append (substring "abcde" (quotient i 5) (+ (quotient i 5) 1))
                                         (number->string (+ 1 (modulo i 5))))
                          out))))))

(define (fm-convolved-copy img layer)
  (let ((after (car (if fm-gimp3 (gimp-layer-copy layer) (gimp-layer-copy layer FALSE)))))
    (gimp-image-insert-layer img after 0 -1)
    (gimp-item-set-name after "after")
    (if fm-gimp3
        (apply gimp-drawable-merge-new-filter
               (append (list after "gegl:convolution-matrix" 0 LAYER-MODE-REPLACE 1.0)
                       (fm-letter-props)
                       (list "divisor" fm-learn-div "offset" fm-learn-offset
                             "normalize" FALSE "alpha-weight" FALSE)))
        (plug-in-convmatrix RUN-NONINTERACTIVE img after 25 (fm-matrix25) 0 fm-learn-div
                            fm-learn-offset 5 (vector 1 1 1 1 0) 0))
    after))

; The bank files in the user's folder (the harness put user-bank.json there).
(define fm-learn-dir "")
(define (fm-bank-files) (cadr (file-glob (string-append fm-learn-dir "/*.json") 0)))
(define (fm-learned-files) (cadr (file-glob (string-append fm-learn-dir "/gimp-convolution*.json") 0)))

(define (fm-ends-with? s tail)
  (let ((n (string-length s)) (k (string-length tail)))
    (and (>= n k) (string=? (substring s (- n k) n) tail))))

(define (fm-learn img before after kh kw mode name)
  (plug-in-feature-maps-learn RUN-NONINTERACTIVE img before after kh kw mode 0.0 0 name))

(fm-case "learn the Convolution Matrix"
  (lambda ()
    (let* ((img (fm-noise-image fm-learn-w fm-learn-h))
           (before (fm-layer-of img))
           (after (fm-convolved-copy img before))
           (r (fm-learn img before after 3 3 1 "GIMP convolution"))
           (path (car r)) (name (cadr r)) (psnr (caddr r)) (rms (cadddr r)))
      (set! fm-learn-dir (substring path 0 (- (string-length path)
                                              (string-length "/gimp-convolution.json"))))
      (fm-assert= "kernel name" "gimp-convolution" name)
      (fm-assert (fm-ends-with? path "/featuremaps/gimp-convolution.json") "path " path)
      (fm-assert= "saved files" (list path) (fm-learned-files))
      ; 8-bit rounding of the after layer: 10 log10 (12 · 255²) = 58.9 dB
      (fm-assert (> psnr (if fm-learn-exact 55 30)) "PSNR " (fm-num psnr))
      (fm-assert (< rms (if fm-learn-exact (/ 0.6 255) 0.03)) "RMS " (fm-num rms))
      ; expected weights in (row, column) order: the matrix transposed / divisor
      (if fm-learn-exact
        (fm-say "BANK " path " 3 3 0.002 "
              (fm-join (map (lambda (c) (fm-join (map (lambda (row) (fm-num (/ (list-ref row c) fm-learn-div)))
                                                      fm-learn-m) " "))
                            '(0 1 2)) " ")
              " " (fm-num fm-learn-offset)))
      ; the same name again: a new file, the first one untouched
      (let ((r2 (fm-learn img before after 3 3 1 "GIMP convolution")))
        (fm-assert= "second name" "gimp-convolution-2" (cadr r2))
        (fm-assert= "second file" 2 (length (fm-learned-files))))
      ; the bank by its name reproduces the after layer (a new float image:
      ; raw maps cannot go into an 8-bit image)
      (let* ((out (fm-run img before name (fm-opts 'destination 1)))
             (maps (vector->list (list-ref out 3))))
        (fm-assert= "maps" 1 (length maps))
        ; the new image is float: its stored values come back through a float
        ; TIFF (gimp-drawable-get-pixel gives 8 bits of it)
        (let ((tiff (string-append fm-out "/learned-map.tif")))
          (file-tiff-save RUN-NONINTERACTIVE (car out) (car maps) tiff tiff 0)
          (fm-say "TIFFDATA learned-map " (fm-num fm-learn-w) " " (fm-num fm-learn-h) " 0 0 "
                  (fm-num (car (gimp-image-get-precision (car out)))) " "
                  (fm-num (+ 3 (car (gimp-drawable-has-alpha (car maps))))) " " tiff))
        (fm-dump "after" after)
        ; 8-bit rounding of the after layer allows 0.5 / 255, the fit a little more
        (if fm-learn-exact (fm-say "CLOSE learned-map after 1 " (fm-num (/ 0.6 255))))
        ; the bank applied by name is the one fitted: the PSNR it reported
        (fm-say "PSNR learned-map after 1 " (fm-num psnr) " 0.05")
        (gimp-image-delete (car out)))
      (gimp-image-delete img))))

; needles: what the calling error must say; no bank file may appear.
(define (fm-learn-error-case name make-pair kh kw mode needles)
  (fm-case name
    (lambda ()
      (let* ((img (fm-noise-image 24 20))
             (pair (make-pair img (fm-layer-of img)))
             (files (fm-bank-files)))
        (fm-expect-error (cons "invalid input arguments" needles)
                         (lambda () (fm-learn img (car pair) (cadr pair) kh kw mode "bad")))
        (fm-assert= "bank files after the error" files (fm-bank-files))
        (gimp-image-delete img)))))

(fm-learn-error-case "sizes differ"
  (lambda (img layer)
    (let ((small (car (gimp-layer-new img 20 16 RGB-IMAGE "small" 100 LAYER-MODE-NORMAL))))
      (gimp-image-insert-layer img small 0 -1)
      (list layer small)))
  3 3 1 '("24 × 20" "20 × 16" "same size"))
(fm-learn-error-case "kernel larger than the image"
  (lambda (img layer) (list layer (fm-convolved-copy img layer)))
  31 3 1 '("31 × 3 kernel is larger than the 24 × 20 image"))
(fm-learn-error-case "flat before layer"
  (lambda (img layer)
    (let ((after (fm-convolved-copy img layer)))
      (gimp-drawable-fill layer FILL-WHITE)
      (list layer after)))
  3 3 1 '("flat" "no texture"))
(fm-learn-error-case "after is before"
  (lambda (img layer) (list layer layer))
  3 3 1 '("after-drawable"))
;; GIMP 3: mode is a GimpChoice, Script-Fu cannot pass a name outside it.
(fm-2.10-only
 (fm-learn-error-case "mode 3"
   (lambda (img layer) (list layer (fm-convolved-copy img layer)))
   3 3 3 '("mode 3" "0 luminance, 1 per-channel or 2 full")))

; The selection limits the fit, as --mask: the after layer is spoiled (white)
; outside the selected left half, and the kernel still comes back; without
; the selection the same pair fits badly.
(define fm-learn-selected 0)
(fm-case "the selection limits the fit"
  (lambda ()
    (let* ((img (fm-noise-image fm-learn-w fm-learn-h))
           (before (fm-layer-of img))
           (after (fm-convolved-copy img before)))
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 24 0 24 40)
      (gimp-drawable-edit-fill after FILL-WHITE)
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 0 0 24 40)
      (let ((r (fm-learn img before after 3 3 1 "GIMP convolution selected")))
        (set! fm-learn-selected (caddr r))
        (fm-assert (> (caddr r) (if fm-learn-exact 55 30)) "PSNR under the selection " (fm-num (caddr r)))
        (if fm-learn-exact
          (fm-say "BANK " (car r) " 3 3 0.002 "
                (fm-join (map (lambda (c) (fm-join (map (lambda (row) (fm-num (/ (list-ref row c) fm-learn-div)))
                                                        fm-learn-m) " "))
                              '(0 1 2)) " ")
                " " (fm-num fm-learn-offset))))
      (gimp-selection-none img)
      (let ((r (fm-learn img before after 3 3 1 "GIMP convolution spoiled")))
        (fm-assert (< (caddr r) (- fm-learn-selected 20)) "PSNR without the selection "
                   (fm-num (caddr r)) ", with it " (fm-num fm-learn-selected)))
      (gimp-image-delete img))))
