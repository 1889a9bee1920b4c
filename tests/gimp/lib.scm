; Helpers for the gimp-console end-to-end cases (loaded before every case
; file by harness.py).  Every line the harness reads starts with "FMTEST ";
; gimp-message is the only output of a batch that reaches stderr.

; #t when lib3.scm (GIMP 3) was loaded after this file.
(define fm-gimp3 #f)
; Cases that only one host can express (each says why where it is used).
(define-macro (fm-2.10-only . body) `(if (not fm-gimp3) (begin ,@body)))
(define-macro (fm-3-only . body) `(if fm-gimp3 (begin ,@body)))

(define (fm-say . parts) (gimp-message (apply string-append "FMTEST " parts)))

(define (fm-num n) (number->string n))

; One string-append over the whole list: joining long byte dumps pairwise
; would copy quadratically.
(define (fm-join items sep)
  (if (null? items) ""
      (apply string-append
             (cons (car items)
                   (let loop ((rest (cdr items)) (out '()))
                     (if (null? rest) (reverse out)
                         (loop (cdr rest) (cons (car rest) (cons sep out)))))))))

(define (fm-error-text args)
  (fm-join (map (lambda (a) (if (string? a) a (fm-any->string a))) args) " "))

(define (fm-any->string a)
  (cond ((number? a) (number->string a))
        ((symbol? a) (symbol->string a))
        ((string? a) a)
        (else "?")))

; (list 'ok value) or (list 'error message).  Script-Fu reports a failed
; procedure call or an unbound name through *error-hook*; an explicit
; (error ...) bypasses the hook in TinyScheme, so our own failures (fm-fail)
; escape through fm-escape instead.  Both are restored on the way out, so
; fm-try nests.
(define fm-escape #f)
(define (fm-try thunk)
  (let* ((saved-escape fm-escape)
         (saved-hook *error-hook*)
         (r (call-with-current-continuation
              (lambda (k)
                (set! fm-escape (lambda (msg) (k (list 'error msg))))
                (set! *error-hook* (lambda args (k (list 'error (fm-error-text args)))))
                (list 'ok (thunk))))))
    (set! fm-escape saved-escape)
    (set! *error-hook* saved-hook)
    r))

(define (fm-fail . parts)
  (let ((msg (apply string-append parts)))
    (if fm-escape (fm-escape msg) (error msg))))

; Script-Fu's TRUE/FALSE are 1/0, and 0 is true in Scheme.
(define (fm-true? v) (and v (not (eqv? v 0))))

(define (fm-assert ok . parts) (if (not ok) (apply fm-fail parts)))

(define (fm-assert= what expected got)
  (if (not (equal? expected got))
      (fm-fail what ": expected " (fm-show expected) ", got " (fm-show got))))

(define (fm-show v)
  (cond ((string? v) (string-append "\"" v "\""))
        ((number? v) (number->string v))
        ((list? v) (string-append "(" (fm-join (map fm-show v) " ") ")"))
        ((vector? v) (fm-show (vector->list v)))
        (else (fm-any->string v))))

(define (fm-contains? hay needle)
  (let ((n (string-length needle)) (h (string-length hay)))
    (let loop ((i 0))
      (cond ((> (+ i n) h) #f)
            ((string=? (substring hay i (+ i n)) needle) #t)
            (else (loop (+ i 1)))))))

(define (fm-case name thunk)
  (fm-say "BEGIN " name)
  (let ((r (fm-try thunk)))
    (if (eq? (car r) 'ok)
        (fm-say "PASS " name)
        (fm-say "FAIL " name " :: " (cadr r))))
  (fm-say "END " name))

; The call must fail, with a message holding every one of needles.
(define (fm-expect-error needles thunk)
  (let ((r (fm-try thunk)))
    (if (eq? (car r) 'ok)
        (fm-fail "expected an error mentioning " (fm-show needles)))
    (for-each (lambda (n)
                (if (not (fm-contains? (cadr r) n))
                    (fm-fail "error message lacks \"" n "\": " (cadr r))))
              needles)
    (cadr r)))

; ---- images --------------------------------------------------------------

; The harness rebuilds the same pattern in numpy (harness.py: pattern()).
(define (fm-pattern x y c seed) (modulo (+ (* x 37) (* y 91) (* c 53) (* seed 17)) 256))

; An image with one layer "source" holding the pattern, made in 8-bit
; gamma and converted to precision (the enum value, e.g. 650 float gamma).
(define (fm-make-image w h base precision alpha seed)
  (let* ((img (car (gimp-image-new w h base)))
         (type (if (= base RGB) (if (fm-true? alpha) RGBA-IMAGE RGB-IMAGE)
                   (if (fm-true? alpha) GRAYA-IMAGE GRAY-IMAGE)))
         (nc (+ (if (= base RGB) 3 1) (if (fm-true? alpha) 1 0)))
         (layer (car (gimp-layer-new img w h type "source" 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img layer 0 0)
    (let yl ((y 0))
      (if (< y h)
          (begin
            (let xl ((x 0))
              (if (< x w)
                  (let ((px (make-vector nc 0)))
                    (let cl ((c 0))
                      (if (< c nc)
                          (begin (vector-set! px c (fm-pattern x y c seed)) (cl (+ c 1)))))
                    (gimp-drawable-set-pixel layer x y nc px)
                    (xl (+ x 1)))))
            (yl (+ y 1)))))
    (if (not (= precision PRECISION-U8-GAMMA))
        (gimp-image-convert-precision img precision))
    (gimp-image-clean-all img)
    img))

; To indexed mode: 16 colours made from the image, no dithering.
(define (fm-convert-indexed img)
  (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE ""))

(define (fm-layer-of img) (vector-ref (cadr (gimp-image-get-layers img)) 0))

(define (fm-n-layers img) (car (gimp-image-get-layers img)))

(define (fm-active-layer img) (car (gimp-image-get-active-layer img)))

; Every item of the image, depth first, as (id name) lists.
(define (fm-item-tree img)
  (define (walk ids)
    (apply append
           (map (lambda (id)
                  (cons (list id (car (gimp-item-get-name id)))
                        (if (= 1 (car (gimp-item-is-group id)))
                            (walk (vector->list (cadr (gimp-item-get-children id))))
                            '())))
                ids)))
  (walk (vector->list (cadr (gimp-image-get-layers img)))))

; ---- reading values back --------------------------------------------------

; One line the harness decodes: the layer's stored bytes, row by row.
(define (fm-dump label layer)
  (let* ((w (car (gimp-drawable-width layer)))
         (h (car (gimp-drawable-height layer)))
         (off (gimp-drawable-offsets layer))
         (bpp (car (gimp-drawable-bpp layer)))
         (img (car (gimp-item-get-image layer)))
         (prec (car (gimp-image-get-precision img)))
         (nc (+ (if (= 1 (car (gimp-drawable-is-rgb layer))) 3 1)
                (car (gimp-drawable-has-alpha layer))))
         (bytes '()))
    (let yl ((y (- h 1)))
      (if (>= y 0)
          (begin
            (let xl ((x (- w 1)))
              (if (>= x 0)
                  (let ((px (cadr (gimp-drawable-get-pixel layer x y))))
                    (let cl ((c (- bpp 1)))
                      (if (>= c 0)
                          (begin (set! bytes (cons (fm-num (vector-ref px c)) bytes))
                                 (cl (- c 1)))))
                    (xl (- x 1)))))
            (yl (- y 1)))))
    (fm-say "DATA " label " " (fm-num w) " " (fm-num h) " " (fm-num (car off)) " "
            (fm-num (cadr off)) " " (fm-num bpp) " " (fm-num prec) " " (fm-num nc)
            " : " (fm-join bytes " "))))

; Ask the harness to run the command line on the same pattern and compare.
; sel: (x y w h) of the source read; opts: the 8 option ints.
(define (fm-expect-cli label w h nc seed precision sel kernel opts)
  (fm-say "CLI " label " " (fm-join (map fm-num (append (list w h nc seed precision) sel opts)) " ")
          " " kernel))

(define (fm-run img drw kernel opts)
  (apply plug-in-feature-maps (append (list RUN-NONINTERACTIVE img drw kernel) opts)))

; Run the plug-in on a pattern image and ask the harness to compare every
; map layer with the command line's output for the same pixels.
; sel: #f or (x y w h); opts: the 8 option ints.  Returns the PDB result.
(define fm-label-count 0)
(define (fm-check-run name w h base precision alpha seed sel kernel opts)
  (fm-check-run-with name w h base precision alpha seed sel kernel opts (lambda (img src layers) #t)))

; The same, calling (check img src layers) on the result before the image goes.
(define (fm-check-run-with name w h base precision alpha seed sel kernel opts check)
  (set! fm-label-count (+ fm-label-count 1))
  (let* ((label (string-append "run" (fm-num fm-label-count)))
         (img (fm-make-image w h base precision alpha seed))
         (src (fm-layer-of img))
         (nc (+ (if (= base RGB) 3 1) (if (fm-true? alpha) 1 0))))
    (if sel
        (gimp-image-select-rectangle img CHANNEL-OP-REPLACE
                                     (car sel) (cadr sel) (caddr sel) (cadddr sel)))
    ; GIMP 3 sets a pixel from an 8-bit colour, which babl may round when it
    ; turns R'G'B' into a grey layer's Y': the command line then gets the
    ; source as stored (label-src) rather than the pattern.
    (if fm-gimp3 (fm-dump (string-append label "-src") src))
    (let* ((r (fm-run img src kernel opts))
           (layers (vector->list (list-ref r 3))))
      (fm-assert= "num-layers" (length layers) (list-ref r 2))
      (check img src layers)
      (let loop ((k 0) (ls layers))
        (if (pair? ls)
            (begin (fm-dump (string-append label "#" (fm-num k)) (car ls))
                   (loop (+ k 1) (cdr ls)))))
      (fm-expect-cli label w h nc seed precision (if sel sel (list 0 0 w h)) kernel opts)
      (if (not (= (car r) img)) (gimp-image-delete (car r)))
      (gimp-image-delete img)
      r)))

; opts with one field changed: (fm-opts 'mapping 2)
(define fm-default-opts '(0 1 0 1 1 0 0 0))
(define (fm-opts . changes)
  (let ((names '(input padding border stride dilation activation mapping destination)))
    (let loop ((changes changes) (opts fm-default-opts))
      (if (null? changes) opts
          (loop (cddr changes)
                (let set ((ns names) (os opts))
                  (cond ((null? ns) '())
                        ((eq? (car ns) (car changes)) (cons (cadr changes) (cdr os)))
                        (else (cons (car os) (set (cdr ns) (cdr os)))))))))))
