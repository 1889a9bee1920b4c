; Networks through the kernel string (MODEL#LAYER[,LAYER], channel picks
; LAYER[0-7,12]) on the shipped tiny CNN (models/tiny-cnn, docs/learned-model.md):
; a group per model holding a group per layer; a stride-2 layer written
; over the photo at the photo's resolution; exact values in a new float
; image against PyTorch's own activations; calling errors that leave the
; image as it was.

(define F PRECISION-FLOAT-GAMMA)
(define fm-tiny (string-append fm-src "/models/tiny-cnn/tiny-cnn.onnx"))
(define (fm-tiny# layers) (string-append fm-tiny "#" layers))

(define (fm-names ids) (map (lambda (id) (car (gimp-item-get-name id))) ids))
(define (fm-children group) (vector->list (cadr (gimp-item-get-children group))))
(define (fm-size id) (list (car (gimp-drawable-width id)) (car (gimp-drawable-height id))))

; A map too large for one DATA line (Script-Fu's string-append takes at
; most 65535 pieces): alone in an image of its precision, as a TIFF the
; harness reads (TIFFDATA).  GIMP 3's fm-dump always does this (lib3.scm).
(define fm-big-count 0)
(define (fm-dump-big label layer)
  (if fm-gimp3
      (fm-dump label layer)
      (let* ((w (car (gimp-drawable-width layer)))
             (h (car (gimp-drawable-height layer)))
             (prec (car (gimp-image-get-precision (car (gimp-item-get-image layer)))))
             (img (car (gimp-image-new-with-precision w h GRAY prec)))
             (copy (car (gimp-layer-new-from-drawable layer img)))
             (path (begin (set! fm-big-count (+ fm-big-count 1))
                          (string-append fm-out "/big-" (fm-num fm-big-count) ".tif"))))
        (fm-assert "a grey map" (= 0 (car (gimp-drawable-is-rgb layer))))
        (gimp-image-insert-layer img copy 0 0)
        (gimp-layer-set-offsets copy 0 0)
        (gimp-item-set-visible copy TRUE)
        (file-tiff-save RUN-NONINTERACTIVE img copy path path 0)
        (gimp-image-delete img)
        (fm-say "TIFFDATA " label " " (fm-num w) " " (fm-num h) " 0 0 " (fm-num prec) " 1 " path))))

(fm-case "stride-2 layer over the photo: groups, names, size, offsets and values"
  (lambda ()
    ; 25 × 21: relu2 has 12 × 10 pixels of stride 2 whose windows are
    ; centred on input 0.5 + 2i, so each covers input pixels 2i .. 2i + 1
    ; and the layers are 24 × 20 at the source's own offsets.  The bank
    ; options (stride 3, relu, valid padding) are the network's own and
    ; ignored.
    (let* ((img (fm-make-image 25 21 RGB F FALSE 3))
           (src (fm-layer-of img))
           (kernel (fm-tiny# "/relu2/Relu[3,5],/pool2/MaxPool[0]")))
      (gimp-layer-set-offsets src 3 5)
      (gimp-image-resize img 40 40 0 0)
      (gimp-image-clean-all img)
      (if fm-gimp3 (fm-dump "s2-src" src))
      (let* ((r (fm-run img src kernel (fm-opts 'padding 0 'stride 3 'activation 1 'mapping 0)))
             (model (list-ref r 1))
             (ids (vector->list (list-ref r 3)))
             (groups (fm-children model)))
        (fm-assert= "same image" img (car r))
        (fm-assert= "num-layers" 3 (list-ref r 2))
        (fm-assert= "model group" "tiny-cnn.onnx" (car (gimp-item-get-name model)))
        (fm-assert= "stack" (list "tiny-cnn.onnx" "source")
                    (fm-names (vector->list (cadr (gimp-image-get-layers img)))))
        (fm-assert= "a group per layer" (list "/relu2/Relu (1/2)" "/pool2/MaxPool (1/4)")
                    (fm-names groups))
        (fm-assert= "relu2's maps" (list "/relu2/Relu · 3" "/relu2/Relu · 5")
                    (fm-names (fm-children (car groups))))
        (fm-assert= "pool2's map" (list "/pool2/MaxPool · 0") (fm-names (fm-children (cadr groups))))
        (fm-assert= "returned layers" (append (fm-children (car groups)) (fm-children (cadr groups))) ids)
        (fm-assert= "relu2 size" '(24 20) (fm-size (car ids)))
        (fm-assert= "relu2 offsets" '(3 5) (gimp-drawable-offsets (car ids)))
        ; pool2: 6 × 5 pixels of stride 4 centred on 1.5 + 4i: pixels 4i .. 4i + 3.
        (fm-assert= "pool2 size" '(24 20) (fm-size (caddr ids)))
        (fm-assert= "pool2 offsets" '(3 5) (gimp-drawable-offsets (caddr ids)))
        (fm-assert= "maps hidden" '(0 0 0) (map (lambda (id) (car (gimp-item-get-visible id))) ids))
        (fm-assert= "source still the active layer" src (fm-active-layer img))
        (fm-dump "s2#0" (car ids))
        (fm-dump "s2#1" (cadr ids))
        (fm-dump "s4#0" (caddr ids))
        (fm-say "NETCLI s2 25 21 3 3 " (fm-num F) " 2 2 3 5 " (fm-tiny# "/relu2/Relu[3,5]"))
        (fm-say "NETCLI s4 25 21 3 3 " (fm-num F) " 4 4 3 5 " (fm-tiny# "/pool2/MaxPool[0]")))
      (gimp-image-delete img))))

(fm-case "new float image: maps at their own size, values as PyTorch computed them"
  (lambda ()
    (let* ((png (string-append fm-src "/samples/lines.png"))
           (img (car (gimp-file-load RUN-NONINTERACTIVE png png)))
           (src (fm-layer-of img))
           (r (fm-run img src (fm-tiny# "/relu2/Relu[5,13],/relu1/Relu[7]")
                      (fm-opts 'mapping 0 'destination 1)))
           (new (car r))
           (ids (vector->list (list-ref r 3))))
      (fm-assert "a new image" (not (= new img)))
      (fm-assert= "precision" PRECISION-FLOAT-LINEAR (car (gimp-image-get-precision new)))
      (fm-assert= "image size: the largest map" '(256 256)
                  (list (car (gimp-image-width new)) (car (gimp-image-height new))))
      (fm-assert= "model group" "tiny-cnn.onnx" (car (gimp-item-get-name (list-ref r 1))))
      (fm-assert= "groups" (list "/relu2/Relu (1/2)" "/relu1/Relu")
                  (fm-names (fm-children (list-ref r 1))))
      (fm-assert= "names" (list "/relu2/Relu · 5" "/relu2/Relu · 13" "/relu1/Relu · 7") (fm-names ids))
      (fm-assert= "relu2 at its own size" '(128 128) (fm-size (car ids)))
      (fm-assert= "relu2 offsets" '(0 0) (gimp-drawable-offsets (car ids)))
      (fm-assert= "relu1 size" '(256 256) (fm-size (caddr ids)))
      (fm-assert= "source image unchanged" 1 (fm-n-layers img))
      (fm-dump-big "ref5" (car ids))
      (fm-dump-big "ref13" (cadr ids))
      (fm-dump-big "ref1-7" (caddr ids))
      ; Tolerances of docs/learned-model.md: 1e-4 × max |map| for one conv,
      ; 1e-3 × max |map| after a stack.
      (fm-say "REF ref5 tests/data/net/tiny-cnn/lines/relu2.npy 5 1e-3")
      (fm-say "REF ref13 tests/data/net/tiny-cnn/lines/relu2.npy 13 1e-3")
      (fm-say "REF ref1-7 tests/data/net/tiny-cnn/lines/relu1.npy 7 1e-4")
      (gimp-image-delete new)
      (gimp-image-delete img))))

;; The preprocessing the dialog's Input preset remembered for a model (the
;; harness wrote net-preprocessing.json: prep/tiny-cnn.onnx → imagenet) is the
;; procedure's too: its maps are the command line's on a copy whose sidecar
;; declares ImageNet's mean / std, not those of the model's own sidecar.
(fm-case "remembered preprocessing: the procedure applies the dialog's preset"
  (lambda ()
    (let* ((img (fm-make-image 25 21 RGB F FALSE 3))
           (src (fm-layer-of img))
           (root (string-append fm-out "/../.."))
           (r (fm-run img src (string-append root "/prep/tiny-cnn.onnx#/relu1/Relu[0,4]")
                      (fm-opts 'mapping 0)))
           (ids (vector->list (list-ref r 3))))
      (fm-assert= "two maps" 2 (list-ref r 2))
      (if fm-gimp3 (fm-dump "prep-src" src))
      (fm-dump "prep#0" (car ids))
      (fm-dump "prep#1" (cadr ids))
      (fm-say "NETCLI prep 25 21 3 3 " (fm-num F) " 1 1 0 0 "
              root "/prep-ref/tiny-cnn.onnx#/relu1/Relu[0,4]")
      (gimp-image-delete img))))

; ---- calling errors: one message, the image exactly as it was ------------

(define (fm-net-error-case name kernel opts needles)
  (fm-case name
    (lambda ()
      (let* ((img (fm-make-image 16 12 RGB F FALSE 1))
             (src (fm-layer-of img)))
        (gimp-image-clean-all img)
        (let ((before (fm-item-tree img))
              (images (car (gimp-image-list))))
          (fm-expect-error (cons "invalid input arguments" needles)
                           (lambda () (fm-run img src kernel opts)))
          (fm-assert= "items after the error" before (fm-item-tree img))
          (fm-assert= "dirty after the error" 0 (car (gimp-image-is-dirty img)))
          (fm-assert= "number of images" images (car (gimp-image-list))))
        (gimp-image-delete img)))))

(fm-net-error-case "bad layer name: the model's layers listed" (fm-tiny# "conv9") fm-default-opts
                   '("kernel" "no layer 'conv9'" "tiny-cnn.onnx" "/conv1/Conv" "/relu2/Relu" "/relu3/Relu"))
(fm-net-error-case "no layer named" fm-tiny fm-default-opts
                   '("kernel" "is a network" "#LAYER"))
(fm-net-error-case "too many channels: how to pick them"
                   (fm-tiny# "/relu3/Relu,/conv3/Conv,/relu2/Relu") fm-default-opts
                   '("makes 80 map layers" "at most 64" "pick" "#/relu3/Relu[0-31]" "[0-7,12]"))
(fm-net-error-case "channel past the layer's" (fm-tiny# "/relu2/Relu[3,16]") fm-default-opts
                   '("'/relu2/Relu' has 16 channels (0-15)" "channel 16"))
(fm-net-error-case "malformed channel pick" (fm-tiny# "/relu2/Relu[4-2]") fm-default-opts
                   '("range 4-2 goes backwards" "LAYER[0-7,12]"))
(fm-net-error-case "per-channel input on a network" (fm-tiny# "/relu1/Relu") (fm-opts 'input 4)
                   '("per-channel" "network"))

(fm-case "picked channels may pass the 64 maps of a whole-layer call"
  (lambda ()
    (let* ((img (fm-make-image 8 8 RGB F FALSE 4))
           (src (fm-layer-of img))
           (r (fm-run img src (fm-tiny# "/relu3/Relu[0-31],/conv3/Conv[0-31],/relu2/Relu[0-15]")
                      (fm-opts 'mapping 1))))
      (fm-assert= "num-layers" 80 (list-ref r 2))
      (fm-assert= "groups" 3 (length (fm-children (list-ref r 1))))
      (gimp-image-delete img))))
