; Image precisions and colour models: the plug-in reads any precision as
; perceptual float and writes the maps in the image's own precision.
; (Mapped values in integer images; raw values in float ones.)

(define (fm-prec-case name base alpha precision kernel opts)
  (fm-case name
    (lambda () (fm-check-run name 11 9 base precision alpha 11 #f kernel opts))))

(define norm (fm-opts 'mapping 2))

(fm-prec-case "u8 gamma RGB" RGB FALSE PRECISION-U8-GAMMA "sobel" norm)
(fm-prec-case "u8 linear GRAY" GRAY FALSE PRECISION-U8-LINEAR "sobel" norm)
(fm-prec-case "u16 gamma RGBA" RGB TRUE PRECISION-U16-GAMMA "sobel" norm)
(fm-prec-case "u16 linear RGB" RGB FALSE PRECISION-U16-LINEAR "sobel" (fm-opts 'mapping 1))
(fm-prec-case "u32 gamma GRAY" GRAY FALSE PRECISION-U32-GAMMA "emboss" norm)
(fm-prec-case "half gamma RGB, raw" RGB FALSE PRECISION-HALF-GAMMA "sobel" fm-default-opts)
(fm-prec-case "half linear GRAY with alpha, raw" GRAY TRUE PRECISION-HALF-LINEAR "sobel" fm-default-opts)
(fm-prec-case "float linear RGB, raw" RGB FALSE PRECISION-FLOAT-LINEAR "sobel" fm-default-opts)
(fm-prec-case "float gamma RGBA, raw, per-channel" RGB TRUE PRECISION-FLOAT-GAMMA "sobel" (fm-opts 'input 4))
(fm-prec-case "double gamma GRAY, raw" GRAY FALSE PRECISION-DOUBLE-GAMMA "laplacian" fm-default-opts)
(fm-prec-case "u8 gamma RGB, per-channel, abs-normalize" RGB FALSE PRECISION-U8-GAMMA "sobel" (fm-opts 'input 4 'mapping 4))
(fm-prec-case "u8 gamma GRAY with alpha, rgba input" GRAY TRUE PRECISION-U8-GAMMA
              (string-append fm-data "/rgba-bank.json") (fm-opts 'input 3 'mapping 1))

; The map layers have the most compact format that keeps the mapping's
; values: the image's model and precision, no alpha even when the source
; has one (a map is opaque everywhere), and a grey map in an RGB image as
; R = G = B (GIMP refuses grey layers there).  The harness compares every
; value with the command line's, R, G and B each.
(define (fm-format-case name base precision sample-bytes kernel opts)
  (fm-case (string-append "compact layer format: " name)
    (lambda ()
      (fm-check-run-with name 11 9 base precision TRUE 13 #f kernel opts
        (lambda (img src layers)
          (fm-assert= "image precision unchanged" precision (car (gimp-image-get-precision img)))
          (for-each
            (lambda (id)
              (fm-assert= "no alpha" 0 (car (gimp-drawable-has-alpha id)))
              (fm-assert= "the image's colour model" (car (gimp-drawable-is-rgb src))
                          (car (gimp-drawable-is-rgb id)))
              (fm-assert= "bytes per pixel" (* (if (= base RGB) 3 1) sample-bytes)
                          (car (gimp-drawable-bpp id))))
            layers))))))
(fm-format-case "u8 gamma RGBA source, grey maps → R'G'B' u8" RGB PRECISION-U8-GAMMA 1 "lines-4" norm)
(fm-format-case "u8 gamma GRAYA source → Y' u8" GRAY PRECISION-U8-GAMMA 1 "lines-4" norm)
(fm-format-case "u16 linear GRAYA source → Y u16" GRAY PRECISION-U16-LINEAR 2 "sobel" (fm-opts 'mapping 1))
(fm-format-case "half gamma RGBA, per-channel raw → R'G'B' half" RGB PRECISION-HALF-GAMMA 2 "sobel" (fm-opts 'input 4))
(fm-format-case "float linear RGBA, raw → RGB float" RGB PRECISION-FLOAT-LINEAR 4 "sobel" fm-default-opts)
