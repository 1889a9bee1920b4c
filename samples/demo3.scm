; featuremaps demo on GIMP 3: run a bank on one image through
; plug-in-feature-maps, save the image with its maps as XCF, and a contact
; sheet of all maps as PNG (demo.scm on GIMP 2.10's PDB).
;
;   (featuremaps-demo "/abs/in.png" "line-detectors" "/abs/out/maps.xcf" "/abs/out/sheet.png")
(define (featuremaps-demo in kernel xcf sheet-png)
  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE in)))
         (drawable (vector-ref (car (gimp-image-get-selected-drawables image)) 0))
         (result (plug-in-feature-maps #:run-mode RUN-NONINTERACTIVE #:image image
                                       #:drawables (vector drawable) #:kernel kernel
                                       #:padding "same" #:mapping "normalize"))
         (ids (caddr result))
         (n (vector-length ids))
         (w (car (gimp-image-get-width image)))
         (h (car (gimp-image-get-height image)))
         (gap 8)
         (cols (min n 4))
         (rows (quotient (+ n cols -1) cols))
         (sheet (car (gimp-image-new (- (* cols (+ w gap)) gap)
                                     (- (* rows (+ h gap)) gap) RGB)))
         (i 0))
    (gimp-xcf-save RUN-NONINTERACTIVE image xcf)
    ; One tile per map, left to right, top to bottom, in bank order.
    (while (< i n)
      (let ((tile (car (gimp-layer-new-from-drawable (vector-ref ids i) sheet))))
        (gimp-image-insert-layer sheet tile 0 -1)
        (gimp-item-set-visible tile TRUE)   ; maps arrive hidden
        (gimp-layer-set-offsets tile (* (remainder i cols) (+ w gap))
                                     (* (quotient i cols) (+ h gap))))
      (set! i (+ i 1)))
    (gimp-context-set-background '(40 40 40))
    (gimp-image-flatten sheet)
    (file-png-export #:run-mode RUN-NONINTERACTIVE #:image sheet #:file sheet-png)
    (gimp-message (string-append "featuremaps demo: " (number->string n)
                                 " maps -> " xcf ", " sheet-png))
    (gimp-image-delete sheet)
    (gimp-image-delete image)))
