; Reading a deep layer in GIMP: the summary layer (LAYER[summary] in the
; kernel string) and plug-in-feature-maps-rank, on the shipped tiny CNN and
; samples/lines.png, whose relu2 activations PyTorch wrote
; (tests/data/net/tiny-cnn/lines/relu2.npy).  The selection is two
; rectangles whose bounding box is the whole photo, so the network sees
; the photo as PyTorch did and the selection is a true mask.  The harness
; checks the values against numpy (deepcheck.py: PCA, RANKED records).

(define F PRECISION-FLOAT-GAMMA)
(define fm-tiny (string-append fm-src "/models/tiny-cnn/tiny-cnn.onnx"))
(define (fm-tiny# layers) (string-append fm-tiny "#" layers))
(define fm-relu2-ref "tests/data/net/tiny-cnn/lines/relu2.npy")
; relu2: stride 2, map pixel i centred on input 0.5 + 2i
(define fm-relu2-grid " 2 0.5 ")
(define fm-rects '((0 0 100 80) (150 170 106 86)))
(define fm-rects-text "0 0 100 80 150 170 106 86")

(define (fm-names ids) (map (lambda (id) (car (gimp-item-get-name id))) ids))
(define (fm-children group) (vector->list (cadr (gimp-item-get-children group))))

(define (fm-lines-image)
  (let* ((png (string-append fm-src "/samples/lines.png"))
         (img (car (gimp-file-load RUN-NONINTERACTIVE png png))))
    (gimp-image-convert-precision img F)
    (gimp-image-clean-all img)
    img))

(define (fm-select-rects img)
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 0 0 100 80)
  (gimp-image-select-rectangle img CHANNEL-OP-ADD 150 170 106 86))

; An RGB layer too large for a DATA line: alone in an image of its
; precision, without alpha, as a TIFF the harness reads.
(define fm-rgb-count 0)
(define (fm-dump-rgb label layer)
  (if fm-gimp3
      (fm-dump label layer)
      (let* ((w (car (gimp-drawable-width layer)))
             (h (car (gimp-drawable-height layer)))
             (off (gimp-drawable-offsets layer))
             (prec (car (gimp-image-get-precision (car (gimp-item-get-image layer)))))
             (img (car (gimp-image-new-with-precision w h RGB prec)))
             (copy (car (gimp-layer-new-from-drawable layer img)))
             (path (begin (set! fm-rgb-count (+ fm-rgb-count 1))
                          (string-append fm-out "/rgb-" (fm-num fm-rgb-count) ".tif"))))
        (gimp-image-insert-layer img copy 0 0)
        (gimp-layer-flatten copy)
        (gimp-layer-set-offsets copy 0 0)
        (gimp-item-set-visible copy TRUE)
        (file-tiff-save RUN-NONINTERACTIVE img copy path path 0)
        (gimp-image-delete img)
        (fm-say "TIFFDATA " label " " (fm-num w) " " (fm-num h) " " (fm-num (car off)) " "
                (fm-num (cadr off)) " " (fm-num prec) " 3 " path))))

; plug-in-feature-maps-rank as a list (channels means maxes) of vectors
; (2.10 returns the layer's name, then each array after its count; lib3.scm
; gives GIMP 3 that shape).
(define (fm-rank img drw kernel by)
  (let ((r (plug-in-feature-maps-rank RUN-NONINTERACTIVE img drw kernel by)))
    (fm-assert= "the layer ranked" "/relu2/Relu" (car r))
    (list (list-ref r 2) (list-ref r 4) (list-ref r 6))))

(define (fm-vector-text v)
  (fm-join (map fm-num (vector->list v)) " "))

(fm-case "summary layer first in its layer's group, numpy's PCA inside the selection"
  (lambda ()
    (let* ((img (fm-lines-image))
           (src (fm-layer-of img)))
      (fm-select-rects img)
      (let* ((r (fm-run img src (fm-tiny# "/relu2/Relu[summary,3]") (fm-opts 'mapping 0)))
             (model (list-ref r 1))
             (groups (fm-children model))
             (in-group (fm-children (car groups)))
             (summary (car in-group)))
        (fm-assert= "num-layers: the maps" 1 (list-ref r 2))
        (fm-assert= "one group" (list "/relu2/Relu (1/2)") (fm-names groups))
        (fm-assert= "summary first, then the map"
                    (list "/relu2/Relu · summary (PC1–3)" "/relu2/Relu · 3")
                    (fm-names in-group))
        (fm-assert= "layer-ids: the map" (cadr in-group) (vector-ref (list-ref r 3) 0))
        (fm-assert "an RGB layer" (= 1 (car (gimp-drawable-is-rgb summary))))
        (fm-assert= "summary shown" 1 (car (gimp-item-get-visible summary)))
        (fm-assert= "map hidden" 0 (car (gimp-item-get-visible (cadr in-group))))
        (fm-assert= "source still the active layer" src (fm-active-layer img))
        (fm-assert= "summary size: the photo's" '(256 256)
                    (list (car (gimp-drawable-width summary)) (car (gimp-drawable-height summary))))
        (fm-dump-rgb "sum" summary)
        (fm-say "PCA sum " fm-relu2-ref fm-relu2-grid fm-rects-text))
      (gimp-image-delete img))))

(fm-case "summary alone: LAYER[summary] makes no map, a group of its own"
  (lambda ()
    (let* ((img (fm-lines-image))
           (src (fm-layer-of img))
           (r (fm-run img src (fm-tiny# "/relu2/Relu[summary]") (fm-opts 'mapping 0)))
           (model (list-ref r 1))
           (groups (fm-children model)))
      (fm-assert= "num-layers" 0 (list-ref r 2))
      (fm-assert= "model group" "tiny-cnn.onnx" (car (gimp-item-get-name model)))
      (fm-assert= "stack" (list "tiny-cnn.onnx" (car (gimp-item-get-name src)))
                  (fm-names (vector->list (cadr (gimp-image-get-layers img)))))
      (fm-assert= "one group" (list "/relu2/Relu (1/2)") (fm-names groups))
      (fm-assert= "only the summary" (list "/relu2/Relu · summary (PC1–3)")
                  (fm-names (fm-children (car groups))))
      (fm-dump-rgb "sum-all" (car (fm-children (car groups))))
      (fm-say "PCA sum-all " fm-relu2-ref fm-relu2-grid "0 0 256 256")
      (gimp-image-delete img))))

(fm-case "summary alone in an 8-bit image: the mapping does not matter"
  (lambda ()
    (let* ((png (string-append fm-src "/samples/lines.png"))
           (img (car (gimp-file-load RUN-NONINTERACTIVE png png)))
           (src (fm-layer-of img))
           (r (fm-run img src (fm-tiny# "/relu2/Relu[summary]") (fm-opts 'mapping 0)))
           (groups (fm-children (list-ref r 1))))
      (fm-assert= "only the summary" (list "/relu2/Relu · summary (PC1–3)")
                  (fm-names (fm-children (car groups))))
      ; maps with mapping raw are still refused in an 8-bit image
      (fm-expect-error '("mapping 0 raw" "float")
                       (lambda () (fm-run img src (fm-tiny# "/relu2/Relu[summary,3]")
                                          (fm-opts 'mapping 0))))
      (gimp-image-delete img))))

(fm-case "ranking in a selection: numpy's, by mean and by max"
  (lambda ()
    (let* ((img (fm-lines-image))
           (src (fm-layer-of img)))
      (fm-select-rects img)
      (for-each
        (lambda (by)
          (let ((r (fm-rank img src (fm-tiny# "/relu2/Relu") by)))
            (fm-assert= "16 channels" 16 (vector-length (car r)))
            (fm-say "RANKED " by " " fm-relu2-ref fm-relu2-grid fm-rects-text
                    " : " (fm-vector-text (car r)) " : " (fm-vector-text (cadr r))
                    " : " (fm-vector-text (caddr r)))))
        '("mean" "max"))
      (fm-assert= "nothing added" 1 (fm-n-layers img))
      (gimp-image-delete img))))

; ---- calling errors: one line, nothing added -------------------------------

(define (fm-deep-error-case name thunk-of needles)
  (fm-case name
    (lambda ()
      (let* ((img (fm-lines-image))
             (src (fm-layer-of img)))
        (let ((before (fm-item-tree img)))
          (fm-expect-error (cons "invalid input arguments" needles)
                           (lambda () ((thunk-of img src))))
          (fm-assert= "items after the error" before (fm-item-tree img)))
        (gimp-image-delete img)))))

(fm-deep-error-case "rank: bad layer name"
  (lambda (img src) (lambda () (fm-rank img src (fm-tiny# "conv9") "mean")))
  '("kernel" "no layer 'conv9'" "/relu2/Relu"))
(fm-deep-error-case "rank: by neither mean nor max"
  (lambda (img src) (lambda () (fm-rank img src (fm-tiny# "/relu2/Relu") "median")))
  '("by 'median'" "mean or max"))
(fm-deep-error-case "rank: two layers"
  (lambda (img src) (lambda () (fm-rank img src (fm-tiny# "/relu1/Relu,/relu2/Relu") "mean")))
  '("rank one layer"))
(fm-deep-error-case "rank: a channel pick"
  (lambda (img src) (lambda () (fm-rank img src (fm-tiny# "/relu2/Relu[0-3]") "mean")))
  '("without a channel pick"))
(fm-deep-error-case "rank: a selection missing every map pixel"
  (lambda (img src)
    (lambda ()
      ; pool2's map pixels are centred on input rows and columns 2 + 4i
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 0 0 1 1)
      (gimp-image-select-rectangle img CHANNEL-OP-ADD 251 251 1 1)
      (fm-rank img src (fm-tiny# "/pool2/MaxPool") "mean")))
  '("selection" "no pixel of '/pool2/MaxPool'"))
(fm-deep-error-case "summary: bad layer name"
  (lambda (img src) (lambda () (fm-run img src (fm-tiny# "conv9[summary]") fm-default-opts)))
  '("kernel" "no layer 'conv9'"))
(fm-deep-error-case "summary: bad layer name beside a good one"
  (lambda (img src)
    (lambda () (fm-run img src (fm-tiny# "/relu2/Relu[0],conv9[summary]") fm-default-opts)))
  '("kernel" "no layer 'conv9'"))
(fm-deep-error-case "summary: not into a new image"
  (lambda (img src)
    (lambda () (fm-run img src (fm-tiny# "/relu2/Relu[summary]") (fm-opts 'destination 1))))
  '("summary" "destination 0"))
