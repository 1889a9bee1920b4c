; Bad arguments: a calling error whose message names the argument and its
; allowed values, and an image left exactly as it was (same items, not
; dirty: no undo step was pushed) and no new image.
;
; On GIMP 3 the enumerations are GimpChoice arguments and the integers carry
; their range, so Script-Fu checks them before the plug-in runs: an integer
; out of range is refused with Script-Fu's own message ("… has value 0 out
; of range: 1 to 1024"), and a choice outside the table cannot be passed at
; all (GIMP 3.0.4's Script-Fu prints a GLib-CRITICAL and sends the default),
; so those cases run on GIMP 2.10 only (fm-2.10-only).

; needles: what the message must hold.  On GIMP 3 a list starting with
; 'script-fu holds the needles of Script-Fu's own refusal instead (no
; "invalid input arguments": the plug-in never ran).
(define (fm-error-case name precision sel kernel opts needles)
  (fm-case name
    (lambda ()
      (let* ((img (fm-make-image 9 7 RGB precision FALSE 1))
             (src (fm-layer-of img)))
        (if sel
            (gimp-image-select-rectangle img CHANNEL-OP-REPLACE
                                         (car sel) (cadr sel) (caddr sel) (cadddr sel)))
        (gimp-image-clean-all img)
        (let ((before (fm-item-tree img))
              (images (car (gimp-image-list))))
          (fm-expect-error (if (eq? (car needles) 'script-fu)
                               (cdr needles)
                               (cons "invalid input arguments" needles))
                           (lambda () (fm-run img src kernel opts)))
          (fm-assert= "items after the error" before (fm-item-tree img))
          (fm-assert= "dirty after the error" 0 (car (gimp-image-is-dirty img)))
          (fm-assert= "number of images" images (car (gimp-image-list))))
        (gimp-image-delete img)))))

(define F PRECISION-FLOAT-GAMMA)

; Script-Fu's range check on GIMP 3, the plug-in's own on 2.10.
(define (fm-range-needles name2)
  (if fm-gimp3 '(script-fu "out of range: 1 to 1024") name2))

(fm-error-case "unknown preset" F #f "no-such-bank" fm-default-opts
               '("kernel" "no-such-bank"))
(fm-error-case "malformed kernel file" F #f (string-append fm-data "/malformed.json")
               fm-default-opts '("kernel" "malformed.json"))
(fm-error-case "missing kernel file" F #f (string-append fm-data "/nowhere.json")
               fm-default-opts '("kernel" "nowhere.json"))
(fm-error-case "malformed inline matrix" F #f "1,2;3" fm-default-opts '("kernel"))
(fm-error-case "empty kernel" F #f "" fm-default-opts '("kernel"))
(fm-2.10-only
 (fm-error-case "input-mode 9" F #f "sobel" (fm-opts 'input 9)
                '("input-mode 9" "0 auto, 1 luminance, 2 rgb, 3 rgba, 4 per-channel"))
 (fm-error-case "padding 7" F #f "sobel" (fm-opts 'padding 7)
                '("padding 7" "0 valid, 1 same, 2 full"))
 (fm-error-case "border -1" F #f "sobel" (fm-opts 'border -1)
                '("border -1" "0 zero, 1 clamp, 2 reflect, 3 wrap")))
(fm-error-case "stride 0" F #f "sobel" (fm-opts 'stride 0) (fm-range-needles '("stride 0: must be ≥ 1")))
(fm-error-case "dilation 0" F #f "sobel" (fm-opts 'dilation 0) (fm-range-needles '("dilation 0: must be ≥ 1")))
(fm-2.10-only
 (fm-error-case "activation 6" F #f "sobel" (fm-opts 'activation 6)
                '("activation 6" "5 tanh"))
 (fm-error-case "mapping 5" F #f "sobel" (fm-opts 'mapping 5)
                '("mapping 5" "4 abs-normalize"))
 (fm-error-case "destination 2" F #f "sobel" (fm-opts 'destination 2)
                '("destination 2" "0 layers, 1 new-image")))
(fm-error-case "raw mapping in an 8-bit image" PRECISION-U8-GAMMA #f "sobel"
               (fm-opts 'mapping 0) '("mapping 0 raw" "destination 1"))
(fm-error-case "raw mapping in a 16-bit linear image" PRECISION-U16-LINEAR #f "sobel"
               (fm-opts 'mapping 0) '("mapping 0 raw" "destination 1"))
(fm-error-case "kernel larger than the selection with valid" F '(2 2 2 2) "sobel"
               (fm-opts 'padding 0) '("3 × 3" "valid"))
(fm-error-case "rgba input with a 1-channel bank" F #f "sobel" (fm-opts 'input 3)
               '("rgba"))

(fm-case "selection outside the drawable"
  (lambda ()
    (let* ((img (fm-make-image 9 7 RGB F FALSE 1))
           (small (car (gimp-layer-new img 3 3 RGB-IMAGE "small" 100 LAYER-MODE-NORMAL))))
      (gimp-image-insert-layer img small 0 0)
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 5 4 3 3)
      (gimp-image-clean-all img)
      (let ((before (fm-item-tree img)))
        (fm-expect-error '("invalid input arguments" "selection")
                         (lambda () (fm-run img small "sobel" fm-default-opts)))
        (fm-assert= "items" before (fm-item-tree img))
        (fm-assert= "dirty" 0 (car (gimp-image-is-dirty img))))
      (gimp-image-delete img))))

(fm-case "raw mapping in an 8-bit image is fine with destination 1"
  (lambda ()
    (let* ((img (fm-make-image 9 7 RGB PRECISION-U8-GAMMA FALSE 1))
           (r (fm-run img (fm-layer-of img) "sobel" (fm-opts 'destination 1))))
      (fm-assert "a new image" (not (= (car r) img)))
      (fm-assert= "source not dirty" 0 (car (gimp-image-is-dirty img)))
      (gimp-image-delete (car r))
      (gimp-image-delete img))))

; An indexed image (a palette) cannot hold map layers: a calling error
; before anything is made, also with destination 1, and the image exactly
; as it was — same layers, not dirty.
(define (fm-indexed-case name opts)
  (fm-case name
    (lambda ()
      (let* ((img (fm-make-image 9 7 RGB PRECISION-U8-GAMMA FALSE 1)))
        (fm-convert-indexed img)
        (fm-assert= "the image is indexed" INDEXED (car (gimp-image-base-type img)))
        (gimp-image-clean-all img)
        (let ((before (fm-item-tree img))
              (n-layers (fm-n-layers img))
              (images (car (gimp-image-list))))
          (fm-expect-error '("invalid input arguments" "indexed" "convert the image")
                           (lambda () (fm-run img (fm-layer-of img) "sobel" opts)))
          (fm-assert= "layers after the error" n-layers (fm-n-layers img))
          (fm-assert= "items after the error" before (fm-item-tree img))
          (fm-assert= "dirty after the error" 0 (car (gimp-image-is-dirty img)))
          (fm-assert= "number of images" images (car (gimp-image-list))))
        (gimp-image-delete img)))))
(fm-indexed-case "indexed image" fm-default-opts)
(fm-indexed-case "indexed image, new image as destination" (fm-opts 'destination 1))
