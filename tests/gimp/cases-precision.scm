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
