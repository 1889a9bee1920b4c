; Every input mode, padding, border, activation, mapping and destination,
; stride 2 and dilation 2: each run's maps compared with the command line's.
; Images are float (gamma) so raw maps keep their values; 650 = float gamma.

(define (fm-opt-case label base alpha kernel opts)
  (fm-case label
    (lambda () (fm-check-run label 13 11 base PRECISION-FLOAT-GAMMA alpha 3 #f kernel opts))))

(define rgb-bank (string-append fm-data "/rgb-bank.json"))
(define rgba-bank (string-append fm-data "/rgba-bank.json"))

; input modes
(fm-opt-case "input auto (sobel on RGB: luminance)" RGB FALSE "sobel" (fm-opts 'input 0))
(fm-opt-case "input luminance" RGB FALSE "sobel" (fm-opts 'input 1))
(fm-opt-case "input rgb (3-channel bank)" RGB FALSE rgb-bank (fm-opts 'input 2))
(fm-opt-case "input rgb on a GRAY image" GRAY FALSE rgb-bank (fm-opts 'input 2))
(fm-opt-case "input rgba (4-channel bank on RGBA)" RGB TRUE rgba-bank (fm-opts 'input 3))
(fm-opt-case "input rgba on RGB without alpha" RGB FALSE rgba-bank (fm-opts 'input 3))
(fm-opt-case "input per-channel (RGB maps)" RGB FALSE "sobel" (fm-opts 'input 4))
(fm-opt-case "input per-channel on GRAY" GRAY FALSE "sobel" (fm-opts 'input 4))

; padding and border
(fm-opt-case "padding valid" RGB FALSE "gaussian-5" (fm-opts 'padding 0))
(fm-opt-case "padding same, border zero" RGB FALSE "gaussian-5" (fm-opts 'padding 1 'border 0))
(fm-opt-case "padding full" RGB FALSE "gaussian-5" (fm-opts 'padding 2))
(fm-opt-case "border clamp" GRAY FALSE "emboss" (fm-opts 'border 1))
(fm-opt-case "border reflect" GRAY FALSE "emboss" (fm-opts 'border 2))
(fm-opt-case "border wrap" GRAY FALSE "emboss" (fm-opts 'border 3))
(fm-opt-case "full padding, reflect border" GRAY FALSE "laplacian" (fm-opts 'padding 2 'border 2))

; steps
(fm-opt-case "stride 2" RGB FALSE "sobel" (fm-opts 'stride 2))
(fm-opt-case "dilation 2" RGB FALSE "sobel" (fm-opts 'dilation 2))
(fm-opt-case "stride 2, dilation 2, valid, even kernel" GRAY FALSE "1,2;3,4" (fm-opts 'stride 2 'dilation 2 'padding 0))

; activations
(fm-opt-case "activation relu" GRAY FALSE "sobel" (fm-opts 'activation 1))
(fm-opt-case "activation leaky-relu" GRAY FALSE "sobel" (fm-opts 'activation 2))
(fm-opt-case "activation abs" GRAY FALSE "sobel" (fm-opts 'activation 3))
(fm-opt-case "activation sigmoid" GRAY FALSE "sobel" (fm-opts 'activation 4))
(fm-opt-case "activation tanh" GRAY FALSE "sobel" (fm-opts 'activation 5))

; mappings
(fm-opt-case "mapping clamp" RGB FALSE "sobel" (fm-opts 'mapping 1))
(fm-opt-case "mapping normalize" RGB FALSE "sobel" (fm-opts 'mapping 2))
(fm-opt-case "mapping normalize-joint" RGB FALSE "sobel" (fm-opts 'mapping 3))
(fm-opt-case "mapping abs-normalize" RGB FALSE "sobel" (fm-opts 'mapping 4))
(fm-opt-case "mapping normalize, per-channel" RGB FALSE "sobel" (fm-opts 'mapping 2 'input 4))

; destination 1: a new float linear image, raw values exact
(fm-opt-case "destination new image, raw" RGB FALSE "sobel" (fm-opts 'destination 1))
(fm-opt-case "destination new image, per-channel (RGB image)" RGB FALSE "sobel" (fm-opts 'destination 1 'input 4))
(fm-opt-case "destination new image, normalize-joint" GRAY FALSE "lines-4" (fm-opts 'destination 1 'mapping 3))
