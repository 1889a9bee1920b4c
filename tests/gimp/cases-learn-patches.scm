; plug-in-feature-maps-learn-patches: a bank learned from a layer's patches.
;
; A textured RGB layer (pseudo-random 8-bit noise) is learned from with each
; method; the layer (or its selected rectangle) is exported as a PNG, and
; the harness learns from that file with `featuremaps learn --patches` and
; the same options and seed: the saved bank's filters and biases must be the
; command line's, and for pca numpy's principal components of the same
; patches (PATCHES: harness.py).  Bad input is a calling error naming the
; problem, and no bank file appears.

(define fm-lcg 4321)
(define (fm-lcg-next)
  (set! fm-lcg (modulo (+ (* fm-lcg 1103515245) 12345) 2147483648))
  (modulo (quotient fm-lcg 65536) 256))

(define (fm-noise-image w h)
  (let* ((img (car (gimp-image-new w h RGB)))
         (layer (car (gimp-layer-new img w h RGB-IMAGE "texture" 100 LAYER-MODE-NORMAL))))
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

; The pixels the command line learns from: the image (or a rectangle of
; it) as a PNG, 8-bit values as stored.
(define fm-png-count 0)
(define (fm-export-png img x y w h)
  (set! fm-png-count (+ fm-png-count 1))
  (let ((copy (car (gimp-image-duplicate img)))
        (path (string-append fm-out "/patches-" (number->string fm-png-count) ".png")))
    (gimp-image-crop copy w h x y)
    (file-png-save-defaults RUN-NONINTERACTIVE copy (fm-layer-of copy) path path)
    (gimp-image-delete copy)
    path))

(define fm-methods '("pca" "kmeans" "ica"))
(define fm-patch-dir "")
(define (fm-bank-files) (cadr (file-glob (string-append fm-patch-dir "/*.json") 0)))

(define (fm-ends-with? s tail)
  (let ((n (string-length s)) (k (string-length tail)))
    (and (>= n k) (string=? (substring s (- n k) n) tail))))

(define (fm-learn-patches img layer k kh kw method seed name)
  (plug-in-feature-maps-learn-patches RUN-NONINTERACTIVE img layer k kh kw method seed name))

; Learn, then ask the harness to compare with the command line (and numpy).
(define (fm-patch-case case-name w h sel k kh kw method seed name stem)
  (fm-case case-name
    (lambda ()
      (let* ((img (fm-noise-image w h))
             (layer (fm-layer-of img)))
        (if sel (gimp-image-select-rectangle img CHANNEL-OP-REPLACE
                                             (car sel) (cadr sel) (caddr sel) (cadddr sel)))
        (let* ((r (fm-learn-patches img layer k kh kw method seed name))
               (path (car r)) (kernel (cadr r)) (objective (caddr r))
               (png (if sel (fm-export-png img (car sel) (cadr sel) (caddr sel) (cadddr sel))
                            (fm-export-png img 0 0 w h))))
          (set! fm-patch-dir (substring path 0 (- (string-length path)
                                                  (string-length (string-append "/" stem ".json")))))
          (fm-assert= "kernel name" stem kernel)
          (fm-assert (fm-ends-with? path (string-append "/featuremaps/" stem ".json")) "path " path)
          (if (= method 0)
              (fm-assert (and (> objective 0) (<= objective 1)) "explained fraction "
                         (fm-num objective)))
          (fm-say "PATCHES " path " " png " " (fm-num k) " " (fm-num kh) " " (fm-num kw) " "
                  (list-ref fm-methods method) " " (fm-num seed))
          ; the layer learned from is left as it was: nothing added
          (fm-assert= "layers" 1 (fm-n-layers img)))
        (gimp-image-delete img)))))

(fm-patch-case "pca from the layer" 40 32 #f 6 4 4 0 7 "Patches PCA" "patches-pca")
(fm-patch-case "kmeans inside the selection" 40 32 '(6 4 26 22) 5 3 3 1 3 "Patches k-means"
               "patches-k-means")
(fm-patch-case "ica from the layer" 40 32 #f 5 3 3 2 11 "Patches ICA" "patches-ica")

; the same name again: a new file beside the first
(fm-case "a name already taken"
  (lambda ()
    (let* ((img (fm-noise-image 24 20))
           (r (fm-learn-patches img (fm-layer-of img) 4 3 3 0 1 "Patches PCA")))
      (fm-assert= "second name" "patches-pca-2" (cadr r))
      (fm-assert= "both files" 2
                  (length (cadr (file-glob (string-append fm-patch-dir "/patches-pca*.json") 0))))
      (gimp-image-delete img))))

; needles: what the calling error must say; no bank file may appear.
(define (fm-patch-error-case name make k kh kw method needles)
  (fm-case name
    (lambda ()
      (let* ((img-layer (make))
             (files (fm-bank-files)))
        (fm-expect-error (cons "invalid input arguments" needles)
                         (lambda () (fm-learn-patches (car img-layer) (cadr img-layer)
                                                      k kh kw method 1 "bad")))
        (fm-assert= "bank files after the error" files (fm-bank-files))
        (gimp-image-delete (car img-layer))))))

(define (fm-noise-layer)
  (let ((img (fm-noise-image 24 20))) (list img (fm-layer-of img))))

(fm-patch-error-case "more filters than the patch has values" fm-noise-layer 28 3 3 0
  '("28 filters" "3 × 3 × 3 patch" "at most 27"))
(fm-patch-error-case "ica: one filter fewer" fm-noise-layer 27 3 3 2
  '("27 filters" "at most 26"))
(fm-patch-error-case "a flat layer"
  (lambda ()
    (let ((il (fm-noise-layer)))
      (gimp-drawable-fill (cadr il) FILL-WHITE)
      il))
  4 3 3 0 '("the layer is flat" "no texture"))
(fm-patch-error-case "a selection smaller than a patch"
  (lambda ()
    (let ((il (fm-noise-layer)))
      (gimp-image-select-rectangle (car il) CHANNEL-OP-REPLACE 5 5 4 2)
      il))
  4 3 3 0 '("selection (4 × 2)" "smaller than one 3 × 3 patch"))
(fm-patch-error-case "a selection that misses the layer"
  (lambda ()
    (let* ((il (fm-noise-layer))
           (small (car (gimp-layer-new (car il) 6 6 RGB-IMAGE "corner" 100 LAYER-MODE-NORMAL))))
      (gimp-image-insert-layer (car il) small 0 0)
      (gimp-layer-set-offsets small 18 14)
      (gimp-image-select-rectangle (car il) CHANNEL-OP-REPLACE 0 0 8 8)
      (list (car il) small)))
  4 3 3 0 '("the selection does not touch the layer"))
(fm-patch-error-case "an indexed image"
  (lambda ()
    (let* ((img (car (gimp-image-new 24 20 INDEXED)))
           (layer (car (gimp-layer-new img 24 20 INDEXED-IMAGE "indexed" 100 LAYER-MODE-NORMAL))))
      (gimp-image-insert-layer img layer 0 0)
      (list img layer)))
  4 3 3 0 '("indexed" "convert the image to RGB or grey"))
;; GIMP 3: method is a GimpChoice, Script-Fu cannot pass a name outside it.
(fm-2.10-only
 (fm-patch-error-case "method 3" fm-noise-layer 4 3 3 3 '("method 3" "0 pca, 1 kmeans or 2 ica")))
