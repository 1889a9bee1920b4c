; The batch of tests/gimp/batch-example.scm (the README's command runs it
; as written in readme-batch.py): here, what the XCFs hold.

(fm-case "batch example: every image of a folder -> an XCF with the maps"
  (lambda ()
    (let ((photos (string-append fm-out "/photos"))
          (maps (string-append fm-out "/maps")))
      ; Two photos to process (and one file the pattern must skip).
      (for-each
        (lambda (spec)
          (let* ((img (fm-make-image (cadr spec) (caddr spec) RGB PRECISION-U8-GAMMA FALSE 3))
                 (d (fm-layer-of img))
                 (path (string-append photos "/" (car spec))))
            (file-png-save-defaults RUN-NONINTERACTIVE img d path path)
            (gimp-image-delete img)))
        '(("cat.png" 20 16) ("dog.2.png" 12 10) ("notes.tif" 8 8)))
      (load (string-append fm-tests "/batch-example.scm"))
      (featuremaps-batch (string-append photos "/*.png") "sobel" maps)
      (for-each
        (lambda (spec)
          (let* ((path (string-append maps "/" (car spec)))
                 (img (car (gimp-xcf-load RUN-NONINTERACTIVE path path)))
                 (tree (map cadr (fm-item-tree img))))
            (fm-assert= (string-append (car spec) " layers")
                        '("Sobel" "x · Sobel" "y · Sobel" "Background") tree)
            (fm-assert= (string-append (car spec) " size") (cadr spec)
                        (list (car (gimp-image-width img)) (car (gimp-image-height img))))
            (gimp-image-delete img)))
        '(("cat.xcf" (20 16)) ("dog.2.xcf" (12 10))))
      (fm-assert= "no other XCF written" 2 (car (file-glob (string-append maps "/*.xcf") 1)))
      (fm-assert= "the two reports" 2 (car (file-glob (string-append maps "/featuremaps-*.txt") 1))))))
