; GIMP 3 differences for the gimp-console cases, loaded after lib.scm when
; harness.py runs with --gimp 3.  The case files are the ones GIMP 2.10
; runs; what GIMP 3's PDB renamed or reshaped is mapped back here, so a case
; reads the same on both hosts:
;   - plug-in-feature-maps takes the drawables as a vector and the
;     enumerations as GimpChoice names ("same"), returns (image group
;     #(layers)) without a count;
;   - arrays come back without their count (gimp-image-get-layers …);
;   - renamed getters (gimp-drawable-width → gimp-drawable-get-width …) and
;     gimp-layer-new's new argument order;
;   - gimp-drawable-get-pixel returns an 8-bit colour, so a layer's stored
;     values are read back from a TIFF export instead (fm-dump).

(define fm-gimp3 #t)

(define PRECISION-U8-GAMMA PRECISION-U8-NON-LINEAR)
(define PRECISION-U16-GAMMA PRECISION-U16-NON-LINEAR)
(define PRECISION-U32-GAMMA PRECISION-U32-NON-LINEAR)
(define PRECISION-HALF-GAMMA PRECISION-HALF-NON-LINEAR)
(define PRECISION-FLOAT-GAMMA PRECISION-FLOAT-NON-LINEAR)
(define PRECISION-DOUBLE-GAMMA PRECISION-DOUBLE-NON-LINEAR)

; ---- arrays with their count, as GIMP 2.10 returned them -----------------
(define (fm-counted v) (list (vector-length v) v))
(define fm3-get-layers gimp-image-get-layers)
(define (gimp-image-get-layers img) (fm-counted (car (fm3-get-layers img))))
(define fm3-get-children gimp-item-get-children)
(define (gimp-item-get-children item) (fm-counted (car (fm3-get-children item))))
(define (gimp-image-list) (fm-counted (car (gimp-get-images))))
(define fm3-file-glob file-glob)
(define (file-glob pattern encoding)
  (let ((files (car (fm3-file-glob #:pattern pattern #:filename-encoding encoding))))
    (list (length files) files)))

; ---- renamed getters -------------------------------------------------------
(define (gimp-drawable-width d) (gimp-drawable-get-width d))
(define (gimp-drawable-height d) (gimp-drawable-get-height d))
(define (gimp-drawable-offsets d) (gimp-drawable-get-offsets d))
(define (gimp-drawable-bpp d) (gimp-drawable-get-bpp d))
(define (gimp-image-base-type img) (gimp-image-get-base-type img))
(define (gimp-image-width img) (gimp-image-get-width img))
(define (gimp-image-height img) (gimp-image-get-height img))
(define (gimp-layer-group-new img) (gimp-group-layer-new img ""))
(define (fm-active-layer img) (vector-ref (car (gimp-image-get-selected-layers img)) 0))

; 2.10: (image width height type name opacity mode); 3.0 puts the name first.
(define fm3-layer-new gimp-layer-new)
(define (gimp-layer-new img w h type name opacity mode)
  (fm3-layer-new img name w h type opacity mode))

; 2.10 set raw channel bytes; 3.0 takes a colour (8-bit components, R'G'B'
; for a grey layer too: equal components give that grey exactly).
(define fm3-set-pixel gimp-drawable-set-pixel)
(define (gimp-drawable-set-pixel d x y nc px)
  (let ((v (vector->list px)))
    (fm3-set-pixel d x y
                   (cond ((= nc 1) (list (car v) (car v) (car v)))
                         ((= nc 2) (list (car v) (car v) (car v) (cadr v)))
                         (else v)))))

(define (file-tiff-save run-mode img drw file raw-file compression)
  (file-tiff-export #:run-mode run-mode #:image img #:file file #:compression "none"
                    #:include-color-profile TRUE))

(define (file-png-save-defaults run-mode img drw file raw-file)
  (file-png-export #:run-mode run-mode #:image img #:file file))

; ---- the plug-in, called as on 2.10 ---------------------------------------
; (run-mode image drawable kernel input padding border stride dilation
;  activation mapping destination), enumerations as the table's index.
(define fm3-feature-maps plug-in-feature-maps)
(define fm-choice-names
  '((input-mode "auto" "luminance" "rgb" "rgba" "per-channel")
    (padding "valid" "same" "full")
    (border "zero" "clamp" "reflect" "wrap")
    (activation "none" "relu" "leaky-relu" "abs" "sigmoid" "tanh")
    (mapping "raw" "clamp" "normalize" "normalize-joint" "abs-normalize")
    (destination "layers" "new-image")))
(define (fm-choice option n)
  (let ((names (cdr (assq option fm-choice-names))))
    (if (and (>= n 0) (< n (length names))) (list-ref names n) (number->string n))))
(define (plug-in-feature-maps run-mode img drw kernel input padding border stride
                              dilation activation mapping destination)
  (let ((r (fm3-feature-maps #:run-mode run-mode #:image img #:drawables (vector drw)
                             #:kernel kernel
                             #:input-mode (fm-choice 'input-mode input)
                             #:padding (fm-choice 'padding padding)
                             #:border (fm-choice 'border border)
                             #:stride stride #:dilation dilation
                             #:activation (fm-choice 'activation activation)
                             #:mapping (fm-choice 'mapping mapping)
                             #:destination (fm-choice 'destination destination))))
    (list (car r) (cadr r) (vector-length (caddr r)) (caddr r))))

; ---- reading a layer's stored values ---------------------------------------
; The layer alone in an image of the same precision and model, exported as
; an uncompressed TIFF; the harness reads it with tifffile (harness.py:
; TIFFDATA records).
(define fm-dump-count 0)
(define (fm-dump label layer)
  (set! fm-dump-count (+ fm-dump-count 1))
  (let* ((w (car (gimp-drawable-get-width layer)))
         (h (car (gimp-drawable-get-height layer)))
         (off (gimp-drawable-get-offsets layer))
         (src-img (car (gimp-item-get-image layer)))
         (prec (car (gimp-image-get-precision src-img)))
         (rgb (= 1 (car (gimp-drawable-is-rgb layer))))
         (nc (+ (if rgb 3 1) (if (fm-true? (car (gimp-drawable-has-alpha layer))) 1 0)))
         (img (car (gimp-image-new-with-precision w h (if rgb RGB GRAY) prec)))
         (copy (car (gimp-layer-new-from-drawable layer img)))
         (path (string-append fm-out "/dump-" (number->string fm-dump-count) ".tif")))
    (gimp-image-insert-layer img copy 0 0)
    (gimp-layer-set-offsets copy 0 0)
    (gimp-item-set-visible copy TRUE)
    ; With its profile a linear image keeps its linear values (without, GIMP
    ; 3 writes them sRGB-encoded); a non-linear one is written as stored
    ; only without (with, its values pass through a profile transform).
    (file-tiff-export #:run-mode RUN-NONINTERACTIVE #:image img #:file path
                      #:compression "none" #:save-transparent-pixels TRUE
                      #:include-color-profile (if (= 0 (modulo prec 100)) TRUE FALSE))
    (gimp-image-delete img)
    (fm-say "TIFFDATA " label " " (fm-num w) " " (fm-num h) " " (fm-num (car off)) " "
            (fm-num (cadr off)) " " (fm-num prec) " " (fm-num nc) " " path)))

; plug-in-feature-maps-learn as on 2.10: mode as the table's index
; (0 luminance, 1 per-channel, 2 full), the five return values as a list.
(define fm3-feature-maps-learn plug-in-feature-maps-learn)
(define (plug-in-feature-maps-learn run-mode img before after kh kw mode ridge robust name)
  (fm3-feature-maps-learn #:run-mode run-mode #:image img #:drawable before
                          #:after-drawable after #:kernel-size-h kh #:kernel-size-w kw
                          #:mode (list-ref '("luminance" "per-channel" "full") mode)
                          #:ridge ridge #:robust robust #:name name))

; plug-in-feature-maps-rank as on 2.10: the layer, then each array after
; its count.
(define fm3-feature-maps-rank plug-in-feature-maps-rank)
(define (plug-in-feature-maps-rank run-mode img drw kernel by)
  (let ((r (fm3-feature-maps-rank #:run-mode run-mode #:image img #:drawable drw
                                  #:kernel kernel #:by by)))
    (list (car r) (vector-length (cadr r)) (cadr r) (vector-length (caddr r)) (caddr r)
          (vector-length (cadddr r)) (cadddr r))))

; plug-in-feature-maps-learn-patches as on 2.10: method as the table's
; index (0 pca, 1 kmeans, 2 ica), the three return values as a list.
(define fm3-feature-maps-learn-patches plug-in-feature-maps-learn-patches)
(define (plug-in-feature-maps-learn-patches run-mode img drw k kh kw method seed name)
  (fm3-feature-maps-learn-patches #:run-mode run-mode #:image img #:drawable drw
                                  #:filters k #:kernel-size-h kh #:kernel-size-w kw
                                  #:method (list-ref '("pca" "kmeans" "ica") method)
                                  #:seed seed #:name name))
