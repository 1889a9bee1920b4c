; What the plug-in adds and where: group and layer names, order, placement
; in the layer stack, offsets from layers and selections, return values,
; the with-last-values run mode and the preset search path.

(define F PRECISION-FLOAT-GAMMA)

(fm-case "bank of 4 filters: a group named after the bank, 4 layers in bank order"
  (lambda ()
    (let* ((r (fm-check-run "lines-4" 12 10 RGB PRECISION-U8-GAMMA FALSE 5 #f "lines-4"
                            (fm-opts 'mapping 2)))
           (group (list-ref r 1))
           (ids (vector->list (list-ref r 3))))
      #t)))

(fm-case "names, order, group placement above the source, return values"
  (lambda ()
    (let* ((img (fm-make-image 12 10 RGB F FALSE 2))
           (src (fm-layer-of img))
           (top (car (gimp-layer-new img 12 10 RGB-IMAGE "top" 100 LAYER-MODE-NORMAL)))
           (bottom (car (gimp-layer-new img 12 10 RGB-IMAGE "bottom" 100 LAYER-MODE-NORMAL))))
      (gimp-image-insert-layer img top 0 0)
      (gimp-image-insert-layer img bottom 0 2)
      (gimp-image-clean-all img)
      (let* ((r (fm-run img src "lines-4" fm-default-opts))
             (group (list-ref r 1))
             (ids (vector->list (list-ref r 3)))
             (bank "Line detectors (4 orientations)"))
        (fm-assert= "new-image" img (car r))
        (fm-assert= "group is a group" 1 (car (gimp-item-is-group group)))
        (fm-assert= "group name" bank (car (gimp-item-get-name group)))
        (fm-assert= "num-layers" 4 (list-ref r 2))
        (fm-assert= "group children" ids (vector->list (cadr (gimp-item-get-children group))))
        (fm-assert= "layer names"
                    (map (lambda (f) (string-append f " · " bank)) '("horizontal" "45°" "vertical" "135°"))
                    (map (lambda (id) (car (gimp-item-get-name id))) ids))
        (fm-assert= "stack" (list "top" bank "source" "bottom")
                    (map (lambda (id) (car (gimp-item-get-name id)))
                         (vector->list (cadr (gimp-image-get-layers img)))))
        (fm-assert= "same padding: offsets" '(0 0) (gimp-drawable-offsets (car ids)))
        (fm-assert= "same padding: size" '(12 10)
                    (list (car (gimp-drawable-width (car ids))) (car (gimp-drawable-height (car ids)))))
        ; The most compact format that keeps the values: no alpha, the
        ; image's own model and precision (float gamma RGB: 3 × 4 bytes).
        (fm-assert= "maps have no alpha" '(0 0 0 0)
                    (map (lambda (id) (car (gimp-drawable-has-alpha id))) ids))
        (fm-assert= "maps: R'G'B' float, 12 bytes a pixel" '(12 12 12 12)
                    (map (lambda (id) (car (gimp-drawable-bpp id))) ids))
        ; The photo stays in sight and stays the layer the user works on.
        (fm-assert= "maps hidden" '(0 0 0 0)
                    (map (lambda (id) (car (gimp-item-get-visible id))) ids))
        (fm-assert= "group visible" 1 (car (gimp-item-get-visible group)))
        (fm-assert= "source still the active layer" src (fm-active-layer img))
        (fm-assert "image dirty (one undo group was pushed)" (= 1 (car (gimp-image-is-dirty img)))))
      (gimp-image-delete img))))

(fm-case "source inside a layer group: the maps' group goes in the same group, above it"
  (lambda ()
    (let* ((img (fm-make-image 8 8 GRAY F FALSE 2))
           (src (fm-layer-of img))
           (outer (car (gimp-layer-group-new img)))
           (other (car (gimp-layer-new img 8 8 GRAY-IMAGE "other" 100 LAYER-MODE-NORMAL))))
      (gimp-item-set-name outer "outer")
      (gimp-image-insert-layer img outer 0 0)
      (gimp-image-reorder-item img src outer 0)
      (gimp-image-insert-layer img other outer 0)
      (let* ((r (fm-run img src "sobel" fm-default-opts))
             (group (list-ref r 1)))
        (fm-assert= "parent" outer (car (gimp-item-get-parent group)))
        (fm-assert= "order in outer" (list "other" "Sobel" "source")
                    (map (lambda (id) (car (gimp-item-get-name id)))
                         (vector->list (cadr (gimp-item-get-children outer))))))
      (gimp-image-delete img))))

(fm-case "a layer with offsets and a selection: maps placed over their pixels"
  (lambda ()
    ; 10 × 8 layer at 5,3 in a 20 × 16 image; selection 8,5 6 × 5 (layer
    ; coordinates 3,2); valid 3 × 3 → a 4 × 3 map at 5+3+1, 3+2+1.
    (let* ((img (car (gimp-image-new 20 16 RGB)))
           (pat (fm-make-image 10 8 RGB F FALSE 4))
           (src (car (gimp-layer-new-from-drawable (fm-layer-of pat) img))))
      (gimp-image-insert-layer img src 0 0)
      (gimp-layer-set-offsets src 5 3)
      (gimp-image-convert-precision img F)
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 8 5 6 5)
      (let* ((opts (fm-opts 'padding 0))
             (r (fm-run img src "sobel" opts))
             (ids (vector->list (list-ref r 3))))
        (fm-assert= "offsets" '(9 6) (gimp-drawable-offsets (car ids)))
        (fm-assert= "size" '(4 3) (list (car (gimp-drawable-width (car ids)))
                                        (car (gimp-drawable-height (car ids)))))
        (fm-assert= "selection kept" 1 (car (gimp-selection-bounds img)))
        (fm-dump "offs#0" (car ids))
        (fm-dump "offs#1" (cadr ids))
        (fm-expect-cli "offs" 10 8 3 4 F '(3 2 6 5) "sobel" opts))
      (gimp-image-delete pat)
      (gimp-image-delete img))))

(fm-case "a selection: only its rectangle is read (CLI on the crop)"
  (lambda () (fm-check-run "sel" 14 12 RGB F FALSE 6 '(3 2 7 6) "gaussian-5" (fm-opts 'padding 1 'border 1))))

(fm-case "selection with destination 1: maps placed in the new image by the selection"
  (lambda ()
    (let* ((img (fm-make-image 14 12 GRAY F FALSE 6))
           (src (fm-layer-of img)))
      (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 3 2 7 6)
      (let* ((r (fm-run img src "sobel" (fm-opts 'padding 0 'destination 1)))
             (new (car r))
             (ids (vector->list (list-ref r 3))))
        (fm-assert= "new image size = source size" '(14 12)
                    (list (car (gimp-image-width new)) (car (gimp-image-height new))))
        (fm-assert= "offsets" '(4 3) (gimp-drawable-offsets (car ids)))
        (fm-assert= "layers in the new image, bank order" ids
                    (vector->list (cadr (gimp-image-get-layers new))))
        (gimp-image-delete new))
      (gimp-image-delete img))))

; GIMP 2.10 remembers every successful run; GIMP 3 (GimpProcedureConfig)
; only interactive ones, so there Re-Run after script calls repeats the
; defaults until the dialog has been used (the dialog smoke test checks
; Re-Run after OK on both hosts).
(fm-3-only
 (fm-case "run mode with-last-values without a dialog run uses the defaults"
  (lambda ()
    (let* ((img (fm-make-image 10 9 GRAY F FALSE 7))
           (src (fm-layer-of img)))
      (fm-run img src "prewitt" (fm-opts 'padding 0 'stride 2))
      (let* ((r (plug-in-feature-maps RUN-WITH-LAST-VALS img src "sobel" 0 1 0 1 1 0 2 0))
             (ids (vector->list (list-ref r 3))))
        (fm-assert "group named after the default bank"
                   (fm-contains? (car (gimp-item-get-name (list-ref r 1))) "Line detectors"))
        (fm-assert= "same padding, stride 1: size" '(10 9)
                    (list (car (gimp-drawable-width (car ids))) (car (gimp-drawable-height (car ids))))))
      (gimp-image-delete img)))))

(fm-2.10-only
 (fm-case "run mode with-last-values repeats the last run's kernel and options"
  (lambda ()
    (let* ((img (fm-make-image 10 9 GRAY F FALSE 7))
           (src (fm-layer-of img)))
      (fm-run img src "prewitt" (fm-opts 'padding 0 'stride 2))
      (let* ((r (plug-in-feature-maps RUN-WITH-LAST-VALS img src "sobel" 0 1 0 1 1 0 0 0))
             (ids (vector->list (list-ref r 3))))
        ; GIMP numbers a second group of the same name: "Prewitt #1".
        (fm-assert "group named after the last bank"
                   (fm-contains? (car (gimp-item-get-name (list-ref r 1))) "Prewitt"))
        (fm-assert= "valid, stride 2: size" '(4 4)
                    (list (car (gimp-drawable-width (car ids))) (car (gimp-drawable-height (car ids))))))
      (gimp-image-delete img)))))

(fm-case "presets from the profile's featuremaps folder and FEATUREMAPS_PRESET_PATH"
  (lambda ()
    (let* ((img (fm-make-image 6 6 GRAY F FALSE 8))
           (src (fm-layer-of img))
           (u (fm-run img src "user-bank" fm-default-opts))
           (s (fm-run img src "shared-bank" fm-default-opts)))
      (fm-assert= "user bank" "centre · User bank"
                  (car (gimp-item-get-name (vector-ref (list-ref u 3) 0))))
      (fm-assert= "shared bank" '("left · Shared bank" "down · Shared bank")
                  (map (lambda (id) (car (gimp-item-get-name id))) (vector->list (list-ref s 3))))
      (gimp-image-delete img))))

(fm-case "the source drawable is never modified"
  (lambda ()
    (let* ((img (fm-make-image 9 9 RGB F TRUE 9))
           (src (fm-layer-of img)))
      (fm-dump "before" src)
      (fm-run img src "sobel" (fm-opts 'input 4))
      (fm-dump "after" src)
      (fm-say "SAME before after")
      (gimp-image-delete img))))
