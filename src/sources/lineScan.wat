;; The line splitter's inner loop in WebAssembly SIMD (compiled into lineScanWasm.ts by
;; `npm run build:wasm`; test/sources/lineScan.test.ts checks the two agree).
;;
;; scan(base, len, out) looks at memory[base, base+len) 16 bytes at a time and writes one i32
;; per `\n` at out, out+4, …: (offset of the `\n` from base) << 4 | flags, where flags are what
;; LineSplitter's JS loop computes for the line that ends there, plus one fact only this scan has:
;;   1  LINE_CONTROL    a byte 0x00-0x08 or 0x0E-0x1A
;;   2  LINE_NEEDLE     `upstream` or `could not be resolved`
;;   8  LINE_SAME_HEAD  no control byte; the same 19-byte stamp as the line before it in this
;;                      chunk; `[level] PID#TID: ` as NginxByteScanner accepts it; and no needle,
;;                      or a needle in a message notAFailure (nginxLine.ts) calls no failure. Such
;;                      a line is OTHER with the previous line's time whenever the previous line was valid.
;; It returns the number of lines. Bytes after the last `\n` are the caller's (a partial line).
;; The caller leaves 32 readable bytes after base+len: blocks and needle checks read past the end,
;; and what they find there is masked off (positions) or cannot matter (see below).
(module
  (memory (export "memory") 1)

  (func (export "scan") (param $base i32) (param $len i32) (param $out i32) (result i32)
    (local $p i32) (local $end i32) (local $v v128)
    (local $nl i32) (local $ctl i32) (local $cu i32) (local $cc i32) (local $m i32)
    (local $bit i32) (local $pos i32) (local $flags i32) (local $n i32)
    (local $lineStart i32) (local $prevStart i32)
    (local.set $p (local.get $base))
    (local.set $lineStart (local.get $base))
    ;; The first line of a chunk may be the tail of a line begun in the last one: no line before it here.
    (local.set $prevStart (i32.const -1))
    (local.set $end (i32.add (local.get $base) (local.get $len)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $nl (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10)))))
        ;; b < 9, or 14 <= b <= 26 (b - 14 wraps, so one unsigned compare covers the range)
        (local.set $ctl (i8x16.bitmask (v128.or
          (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 9)))
          (i8x16.lt_u (i8x16.sub (local.get $v) (i8x16.splat (i32.const 14))) (i8x16.splat (i32.const 13))))))
        ;; Needle candidates: first byte here and last byte where it would be.
        (local.set $cu (i8x16.bitmask (v128.and
          (i8x16.eq (local.get $v) (i8x16.splat (i32.const 117)))                                   ;; u
          (i8x16.eq (v128.load offset=7 (local.get $p)) (i8x16.splat (i32.const 109))))))           ;; m
        (local.set $cc (i8x16.bitmask (v128.and
          (i8x16.eq (local.get $v) (i8x16.splat (i32.const 99)))                                    ;; c
          (i8x16.eq (v128.load offset=20 (local.get $p)) (i8x16.splat (i32.const 100))))))          ;; d
        (local.set $m (i32.or (i32.or (local.get $nl) (local.get $ctl)) (i32.or (local.get $cu) (local.get $cc))))
        ;; The last block: only positions before the end count.
        (if (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 16))
          (then (local.set $m (i32.and (local.get $m)
            (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $end) (local.get $p))) (i32.const 1))))))
        ;; Positions in order: control bytes and needles mark the current line, a `\n` ends it.
        (block $bits_done
          (loop $bits
            (br_if $bits_done (i32.eqz (local.get $m)))
            (local.set $bit (i32.ctz (local.get $m)))
            (local.set $pos (i32.add (local.get $p) (local.get $bit)))
            (if (i32.and (local.get $ctl) (i32.shl (i32.const 1) (local.get $bit)))
              (then (local.set $flags (i32.or (local.get $flags) (i32.const 1)))))
            ;; A needle holds no `\n`, so a match lies inside one line. One that runs past the end
            ;; lies in the trailing partial line, whose flags are never written.
            (if (i32.and (local.get $cu) (i32.shl (i32.const 1) (local.get $bit)))
              (then (if (i64.eq (i64.load (local.get $pos)) (i64.const 0x6d61657274737075))          ;; "upstream"
                (then (local.set $flags (i32.or (local.get $flags) (i32.const 2)))))))
            (if (i32.and (local.get $cc) (i32.shl (i32.const 1) (local.get $bit)))
              (then (if (i32.and (i32.and
                    (i64.eq (i64.load (local.get $pos)) (i64.const 0x6f6e20646c756f63))                ;; "could no"
                    (i64.eq (i64.load offset=8 (local.get $pos)) (i64.const 0x7365722065622074)))      ;; "t be res"
                    (i64.eq (i64.load offset=13 (local.get $pos)) (i64.const 0x6465766c6f736572)))     ;; "resolved"
                (then (local.set $flags (i32.or (local.get $flags) (i32.const 2)))))))
            (if (i32.and (local.get $nl) (i32.shl (i32.const 1) (local.get $bit)))
              (then
                (if (i32.eqz (i32.and (local.get $flags) (i32.const 1)))
                  (then (if (call $sameHead (local.get $lineStart) (local.get $pos) (local.get $prevStart) (local.get $flags))
                    (then (local.set $flags (i32.or (local.get $flags) (i32.const 8)))))))
                (i32.store
                  (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2)))
                  (i32.or (i32.shl (i32.sub (local.get $pos) (local.get $base)) (i32.const 4)) (local.get $flags)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (local.set $flags (i32.const 0))
                (local.set $prevStart (local.get $lineStart))
                (local.set $lineStart (i32.add (local.get $pos) (i32.const 1)))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
    (local.get $n))

  ;; `[ls, le)` is one line without control bytes, `ps` the start of the line before it (-1: none).
  ;; True when NginxByteScanner.scan would answer OTHER with the previous line's time, given that
  ;; the previous line was valid (its stamp, this one's, read as a time). Checks are as strict as the scanner's or stricter.
  (func $sameHead (param $ls i32) (param $le i32) (param $ps i32) (param $flags i32) (result i32)
    (local $p i32) (local $from i32) (local $w i64)
    (if (i32.lt_s (local.get $ps) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.lt_u (i32.sub (local.get $le) (local.get $ls)) (i32.const 24)) (then (return (i32.const 0))))
    (if (i32.gt_u (i32.sub (local.get $le) (local.get $ls)) (i32.const 65536)) (then (return (i32.const 0))))
    ;; The stamp, bytes 0-18, as the previous line's. A shorter previous line cannot match: its
    ;; `\n` would have to equal a byte of this one's first 24.
    (if (i64.ne (i64.load (local.get $ls)) (i64.load (local.get $ps))) (then (return (i32.const 0))))
    (if (i64.ne (i64.load offset=8 (local.get $ls)) (i64.load offset=8 (local.get $ps))) (then (return (i32.const 0))))
    (if (i32.ne (i32.load offset=15 (local.get $ls)) (i32.load offset=15 (local.get $ps))) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u offset=19 (local.get $ls)) (i32.const 32)) (then (return (i32.const 0))))
    ;; `[level] `: a word read past a short line holds its `\n`, which no level has.
    (local.set $w (i64.load offset=20 (local.get $ls)))
    (if (i32.or
          (i32.or (i64.eq (local.get $w) (i64.const 0x205d726f7272655b))      ;; "[error] "
                  (i64.eq (local.get $w) (i64.const 0x205d67756265645b)))     ;; "[debug] "
          (i32.or (i64.eq (local.get $w) (i64.const 0x205d7472656c615b))      ;; "[alert] "
                  (i64.eq (local.get $w) (i64.const 0x205d6772656d655b))))    ;; "[emerg] "
      (then (local.set $p (i32.add (local.get $ls) (i32.const 28))))
      (else
        (local.set $w (i64.and (local.get $w) (i64.const 0x00ffffffffffffff)))
        (if (i32.or
              (i64.eq (local.get $w) (i64.const 0x00205d6e7261775b))          ;; "[warn] "
              (i32.or (i64.eq (local.get $w) (i64.const 0x00205d6f666e695b))  ;; "[info] "
                      (i64.eq (local.get $w) (i64.const 0x00205d746972635b)))) ;; "[crit] "
          (then (local.set $p (i32.add (local.get $ls) (i32.const 27))))
          (else
            (if (i32.and (i64.eq (i64.load offset=20 (local.get $ls)) (i64.const 0x5d656369746f6e5b)) ;; "[notice]"
                         (i32.eq (i32.load8_u offset=28 (local.get $ls)) (i32.const 32)))
              (then (local.set $p (i32.add (local.get $ls) (i32.const 29))))
              (else (return (i32.const 0))))))))
    ;; `PID#TID: ` in plain digits, at most 24 characters from the PID to the colon.
    (local.set $from (local.get $p))
    (local.set $p (call $digits (local.get $p) (local.get $le)))
    (if (i32.eq (local.get $p) (local.get $from)) (then (return (i32.const 0))))
    (if (i32.ge_u (local.get $p) (local.get $le)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 35)) (then (return (i32.const 0))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (if (i32.eq (call $digits (local.get $p) (local.get $le)) (local.get $p)) (then (return (i32.const 0))))
    (local.set $p (call $digits (local.get $p) (local.get $le)))
    (if (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $le)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x203a)) (then (return (i32.const 0))))  ;; ": "
    (if (i32.gt_u (i32.sub (local.get $p) (local.get $from)) (i32.const 24)) (then (return (i32.const 0))))
    (if (i32.eqz (i32.and (local.get $flags) (i32.const 2))) (then (return (i32.const 1))))
    ;; A needle line: OTHER only when the message is a client leaving, after an optional `*CONN `.
    (local.set $p (i32.add (local.get $p) (i32.const 2)))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 42))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $from (local.get $p))
        (local.set $p (call $digits (local.get $p) (local.get $le)))
        (if (i32.eq (local.get $p) (local.get $from)) (then (return (i32.const 0))))
        (if (i32.gt_u (i32.sub (local.get $p) (local.get $from)) (i32.const 15)) (then (return (i32.const 0))))
        (if (i32.ge_u (local.get $p) (local.get $le)) (then (return (i32.const 0))))
        (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 32)) (then (return (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (if (i32.ge_s (i32.sub (local.get $le) (local.get $p)) (i32.const 25))
      (then (if (i32.and
                  (i32.and (i64.eq (i64.load (local.get $p)) (i64.const 0x7020746e65696c63))               ;; "client p"
                           (i64.eq (i64.load offset=8 (local.get $p)) (i64.const 0x65727574616d6572)))      ;; "remature"
                  (i32.and (i64.eq (i64.load offset=16 (local.get $p)) (i64.const 0x65736f6c6320796c))     ;; "ly close"
                           (i64.eq (i64.load offset=17 (local.get $p)) (i64.const 0x6465736f6c632079))))    ;; "y closed"
              (then (return (i32.const 1))))))
    (if (i32.ge_s (i32.sub (local.get $le) (local.get $p)) (i32.const 16))
      (then (if (i32.and (i64.eq (i64.load (local.get $p)) (i64.const 0x7420746e65696c63))                 ;; "client t"
                         (i64.eq (i64.load offset=8 (local.get $p)) (i64.const 0x74756f2064656d69)))        ;; "imed out"
              (then (return (i32.const 1))))))
    ;; Messages that start as a failure does (`upstream …`, `no live upstreams`, `connect() to unix:`),
    ;; judged on their first 8 bytes: stricter than the scanner, never looser.
    (local.set $w (i64.load (local.get $p)))
    (if (i32.or (i64.eq (local.get $w) (i64.const 0x6d61657274737075))                                 ;; "upstream"
          (i32.or (i64.eq (local.get $w) (i64.const 0x206576696c206f6e))                               ;; "no live "
                  (i64.eq (local.get $w) (i64.const 0x287463656e6e6f63))))                             ;; "connect("
      (then (return (i32.const 0))))
    (call $noFailurePhrase (local.get $p) (local.get $le)))

  ;; notAFailure's pass over a message from `i`: no phrase that makes a failure before `, client: `,
  ;; and no errno group `(N: …)` ending the text before its last ` while `. The phrases are
  ;; matched on 8 bytes (`host not`, `could no`, `SSL hand`): a longer match is only stricter.
  (func $noFailurePhrase (param $i i32) (param $le i32) (result i32)
    (local $k i32) (local $b i32) (local $lastWhile i32) (local $w i64)
    (local.set $k (local.get $i))
    (local.set $lastWhile (i32.const -1))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $k) (local.get $le)))
        (local.set $b (i32.load8_u (local.get $k)))
        (local.set $w (i64.load (local.get $k)))
        (if (i32.eq (local.get $b) (i32.const 44))
          (then (br_if $done (i32.and (i32.le_u (i32.add (local.get $k) (i32.const 10)) (local.get $le))
                             (i32.and (i64.eq (local.get $w) (i64.const 0x746e65696c63202c))            ;; ", client"
                                      (i32.eq (i32.load16_u offset=8 (local.get $k)) (i32.const 0x203a))))))) ;; ": "
        (if (i32.eq (local.get $b) (i32.const 32))
          (then (if (i32.and (i32.le_u (i32.add (local.get $k) (i32.const 7)) (local.get $le))
                             (i64.eq (i64.and (local.get $w) (i64.const 0x00ffffffffffffff)) (i64.const 0x0020656c69687720))) ;; " while "
                  (then (local.set $lastWhile (local.get $k))))))
        (if (i32.or (i64.eq (local.get $w) (i64.const 0x746f6e2074736f68))                             ;; "host not"
              (i32.or (i64.eq (local.get $w) (i64.const 0x6f6e20646c756f63))                           ;; "could no"
                      (i64.eq (local.get $w) (i64.const 0x646e6168204c5353))))                         ;; "SSL hand"
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $bytes)))
    (if (i32.ge_s (local.get $lastWhile) (i32.const 0)) (then (local.set $k (local.get $lastWhile))))
    (if (i32.gt_u (local.get $k) (local.get $i))
      (then (if (i32.eq (i32.load8_u (i32.sub (local.get $k) (i32.const 1))) (i32.const 41))
        (then (return (i32.const 0))))))
    (i32.const 1))

  ;; The first position at or after `p` (before `le`) that is not an ASCII digit.
  (func $digits (param $p i32) (param $le i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $p) (local.get $le)))
        (br_if $done (i32.gt_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 9)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $more)))
    (local.get $p))
)
