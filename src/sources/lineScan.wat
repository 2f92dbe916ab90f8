;; The line splitter's inner loop in WebAssembly SIMD (compiled into lineScanWasm.ts by
;; `npm run build:wasm`; test/sources/lineScan.test.ts checks it against the JS loop). A plain
;; lexical scanner: it knows newlines, control bytes, byte strings it is given, and nginx's header
;; shape, but no failure phrase (those are data: parse/nginx/signatures.ts). Its `marks` finds a
;; line's field markers (below; the keys are data too), and its `cut` the fields of the usual
;; failure line, with ids for its message and names (what they mean is read in JS: scan/usualCut.ts).
;;
;; scan(base, len, out, needles, heads) looks at memory[base, base+len) 16 bytes at a time and writes
;; one i32 per `\n` at out, out+4, …: (offset of the `\n` from base) << 5 | flags, where flags are
;; what LineSplitter's JS loop computes for the line that ends there, plus two facts only this scan has:
;;   1  LINE_CONTROL    a byte 0x00-0x08 or 0x0E-0x1A
;;   2  LINE_NEEDLE     one of the needles at `needles` (below)
;;   8  LINE_SAME_HEAD  no control byte; the same 19-byte stamp as the line before it in this chunk;
;;                      `[level] PID#TID: ` as NginxByteScanner accepts it; and no needle, or a
;;                      message (after an optional `*CONN `) that starts with one of the `plain`
;;                      prefixes. Such a line is OTHER with the previous line's time whenever the
;;                      previous line was valid.
;;  16  LINE_HEAD_OK    the same, for a needle line whose message starts with no `plain` prefix:
;;                      when the previous line was valid, this one is valid at its time, and the
;;                      byte at heads + (its index) says where its `PID#TID: ` ends, from its start.
;; It returns the number of lines. Bytes after the last `\n` are the caller's (a partial line).
;; `needles`: a table of byte strings (see $prefixAt), one per needle (0-4, each 1-48 bytes long).
;; At `needles` + 320, the `plain` prefixes in the same layout: message
;; starts that make a needle line no failure (the signature table's leading rows of kind null). The caller leaves 64 readable bytes after base+len: blocks and
;; needle checks read past the end, and what they find there is masked off (positions) or lies in
;; the trailing partial line, whose flags are never written.
(module
  ;; Made by the caller at its full size, never grown (lineScan.ts MEMORY_PAGES says why); shared,
  ;; so that a reader thread's batch slots can lie in it too (copyWithin).
  (import "env" "memory" (memory 1 65536 shared))

  ;; copy(to, from, n): memory[to, to+n) = memory[from, from+n) (lineScan.ts copyWithin).
  (func (export "copy") (param $to i32) (param $from i32) (param $n i32)
    (memory.copy (local.get $to) (local.get $from) (local.get $n)))

  (func (export "scan") (param $base i32) (param $len i32) (param $out i32) (param $needles i32) (param $heads i32) (result i32)
    (local $p i32) (local $head i32) (local $end i32) (local $v v128)
    (local $nl i32) (local $ctl i32) (local $cand i32) (local $m i32)
    (local $bit i32) (local $pos i32) (local $flags i32) (local $n i32)
    (local $lineStart i32) (local $prevStart i32)
    (local $count i32) (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128)
    (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128)
    ;; Per needle: its first byte and its last byte (at offset $oK) as splats.
    (local.set $count (i32.load (local.get $needles)))
    (local.set $o0 (i32.sub (i32.load offset=64 (local.get $needles)) (i32.const 1)))
    (local.set $f0 (i8x16.splat (i32.load8_u offset=80 (local.get $needles))))
    (local.set $l0 (i8x16.splat (i32.load8_u offset=80 (i32.add (local.get $needles) (local.get $o0)))))
    (local.set $o1 (i32.sub (i32.load offset=128 (local.get $needles)) (i32.const 1)))
    (local.set $f1 (i8x16.splat (i32.load8_u offset=144 (local.get $needles))))
    (local.set $l1 (i8x16.splat (i32.load8_u offset=144 (i32.add (local.get $needles) (local.get $o1)))))
    (local.set $o2 (i32.sub (i32.load offset=192 (local.get $needles)) (i32.const 1)))
    (local.set $f2 (i8x16.splat (i32.load8_u offset=208 (local.get $needles))))
    (local.set $l2 (i8x16.splat (i32.load8_u offset=208 (i32.add (local.get $needles) (local.get $o2)))))
    (local.set $o3 (i32.sub (i32.load offset=256 (local.get $needles)) (i32.const 1)))
    (local.set $f3 (i8x16.splat (i32.load8_u offset=272 (local.get $needles))))
    (local.set $l3 (i8x16.splat (i32.load8_u offset=272 (i32.add (local.get $needles) (local.get $o3)))))
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
        ;; Needle candidates: a needle's first byte here and its last byte where it would be.
        (local.set $cand (i32.const 0))
        (if (i32.gt_s (local.get $count) (i32.const 0))
          (then (local.set $cand (i8x16.bitmask (v128.and (i8x16.eq (local.get $v) (local.get $f0))
            (i8x16.eq (v128.load (i32.add (local.get $p) (local.get $o0))) (local.get $l0)))))))
        (if (i32.gt_s (local.get $count) (i32.const 1))
          (then (local.set $cand (i32.or (local.get $cand) (i8x16.bitmask (v128.and (i8x16.eq (local.get $v) (local.get $f1))
            (i8x16.eq (v128.load (i32.add (local.get $p) (local.get $o1))) (local.get $l1))))))))
        (if (i32.gt_s (local.get $count) (i32.const 2))
          (then (local.set $cand (i32.or (local.get $cand) (i8x16.bitmask (v128.and (i8x16.eq (local.get $v) (local.get $f2))
            (i8x16.eq (v128.load (i32.add (local.get $p) (local.get $o2))) (local.get $l2))))))))
        (if (i32.gt_s (local.get $count) (i32.const 3))
          (then (local.set $cand (i32.or (local.get $cand) (i8x16.bitmask (v128.and (i8x16.eq (local.get $v) (local.get $f3))
            (i8x16.eq (v128.load (i32.add (local.get $p) (local.get $o3))) (local.get $l3))))))))
        (local.set $m (i32.or (i32.or (local.get $nl) (local.get $ctl)) (local.get $cand)))
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
            (if (i32.and (local.get $cand) (i32.shl (i32.const 1) (local.get $bit)))
              (then (if (i32.ge_s (call $prefixAt (local.get $pos) (i32.add (local.get $pos) (i32.const 64)) (local.get $needles)) (i32.const 0))
                (then (local.set $flags (i32.or (local.get $flags) (i32.const 2)))))))
            (if (i32.and (local.get $nl) (i32.shl (i32.const 1) (local.get $bit)))
              (then
                (if (i32.eqz (i32.and (local.get $flags) (i32.const 1)))
                  (then
                    (local.set $head (call $sameHead (local.get $lineStart) (local.get $pos) (local.get $prevStart) (local.get $flags) (local.get $needles)))
                    (if (i32.eq (local.get $head) (i32.const 1))
                      (then (local.set $flags (i32.or (local.get $flags) (i32.const 8))))
                      (else (if (local.get $head)
                        (then
                          (local.set $flags (i32.or (local.get $flags) (i32.const 16)))
                          (i32.store8 (i32.add (local.get $heads) (local.get $n)) (i32.shr_u (local.get $head) (i32.const 2)))))))))
                (i32.store
                  (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2)))
                  (i32.or (i32.shl (i32.sub (local.get $pos) (local.get $base)) (i32.const 5)) (local.get $flags)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (local.set $flags (i32.const 0))
                (local.set $prevStart (local.get $lineStart))
                (local.set $lineStart (i32.add (local.get $pos) (i32.const 1)))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
    (local.get $n))

;; marks(from, end, keys, out, max): the field markers of the line ending at `end`, as
  ;; parse/nginx/fieldMarks.ts FieldMarks.find finds them: every `, key: ` whose comma lies in
  ;; [from, end - 4) and whose key (a `keys` entry, `client: ` first) ends by `end`, from the
  ;; first `, client: ` on. Writes (comma position, key index) as two i32 per marker at `out`;
  ;; returns their number, or -2 when there are more than `max`. `keys`: a table of byte strings
  ;; (see $prefixAt). Blocks and words read up to 12 bytes past `end` (readable: the caller's
  ;; padding); what they find there is masked off or lies past a length check.
  (func $marks (export "marks") (param $from i32) (param $end i32) (param $keys i32) (param $out i32) (param $max i32) (result i32)
    (local $p i32) (local $last i32) (local $m i32) (local $k i32) (local $key i32) (local $n i32)
    (local.set $last (i32.sub (local.get $end) (i32.const 4)))
    (local.set $p (local.get $from))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_s (local.get $p) (local.get $last)))
        (local.set $m (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (i8x16.splat (i32.const 44)))))
        ;; The last block: only commas before `last` count.
        (if (i32.lt_s (i32.sub (local.get $last) (local.get $p)) (i32.const 16))
          (then (local.set $m (i32.and (local.get $m)
            (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $last) (local.get $p))) (i32.const 1))))))
        (block $bits_done
          (loop $bits
            (br_if $bits_done (i32.eqz (local.get $m)))
            (local.set $k (i32.add (local.get $p) (i32.ctz (local.get $m))))
            (if (i32.eq (i32.load8_u offset=1 (local.get $k)) (i32.const 32))
              (then
                (local.set $key (call $prefixAt (i32.add (local.get $k) (i32.const 2)) (local.get $end) (local.get $keys)))
                ;; Markers are recorded from the first `, client: ` (key 0) on.
                (if (i32.and (i32.ge_s (local.get $key) (i32.const 0))
                             (i32.or (i32.gt_s (local.get $n) (i32.const 0)) (i32.eqz (local.get $key))))
                  (then
                    (if (i32.eq (local.get $n) (local.get $max)) (then (return (i32.const -2))))
                    (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $k))
                    (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $key))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
    (local.get $n))

  ;; cut(le, from, ws): the byte cut (parse/nginx/byteCut.ts) and FailureSample.fromBytes of the
  ;; usual failure line, whose message starts at `from` (after `PID#TID: `) and which ends at `le`,
  ;; done in one call: the common shape only, and 0 (nothing decided) for any other line, which the
  ;; JS cut takes as before. Common: an optional `*CONN ` in plain digits; 1 to 64 field markers
  ;; (found by $marks from `from`), each key after the one before it; every quoted value but the
  ;; last closed by a quote just before the next marker; an `upstream: "…"` value that is not
  ;; empty, whose URL has a `scheme://` and an ASCII authority that is no unix socket; an ASCII
  ;; client; a message of at most 1,024 bytes; server and host names of at most 256. For such a
  ;; line the JS cut's every search has one answer (the next marker), the one found here.
  ;;
  ;; `ws` is a caller's workspace (lineScan.ts CUT_*): the field keys' table at 0, the markers at
  ;; 512, the answer at 1024, then four tables that give byte strings ids (messages, server and
  ;; host names, methods, the URL's `scheme://authority`): the JS side reads a value once per id.
  ;; The answer, i32s: 0-13 the fields' start/end pairs (cut.ts FIELD_KEYS order, -1 absent;
  ;; positions in memory); 14-15 the message; 16 its id; 17-18 server and host ids (0: empty);
  ;; 19 the end of the method's token and 20 its id (0: no token); 21 the end of the URL's
  ;; `scheme://authority` and 22 its id; 23-24 the client's two FNV-1a hashes (fieldValues.ts
  ;; hashAscii). Returns 0, or 1 | 2 << t for every table t emptied before this line's ids were
  ;; given (its ids before are void).
  (func (export "cut") (param $le i32) (param $i i32) (param $ws i32) (result i32)
    (local $sp i32) (local $n i32) (local $m i32) (local $key i32) (local $prev i32)
    (local $vs i32) (local $ve i32) (local $nxt i32) (local $o i32) (local $upq i32)
    (local $u0 i32) (local $u1 i32) (local $se i32) (local $ha i32) (local $sl i32)
    (local $a i32) (local $b i32) (local $c i32) (local $p i32) (local $status i32)
    (local.set $o (i32.add (local.get $ws) (i32.const 1024)))
    ;; `*CONN `, as ByteCut.cut reads it.
    (if (i32.and (i32.lt_u (local.get $i) (local.get $le)) (i32.eq (i32.load8_u (local.get $i)) (i32.const 42)))
      (then
        (local.set $sp (i32.add (local.get $i) (i32.const 1)))
        (block $found (loop $more
          (br_if $found (i32.ge_u (local.get $sp) (local.get $le)))
          (br_if $found (i32.eq (i32.load8_u (local.get $sp)) (i32.const 32)))
          (local.set $sp (i32.add (local.get $sp) (i32.const 1)))
          (br $more)))
        (if (i32.lt_u (local.get $sp) (local.get $le))
          (then
            (if (i32.ne (call $digits (i32.add (local.get $i) (i32.const 1)) (local.get $sp)) (local.get $sp)) (then (return (i32.const 0))))
            (if (i32.eq (local.get $sp) (i32.add (local.get $i) (i32.const 1))) (then (return (i32.const 0))))
            (if (i32.gt_u (i32.sub (local.get $sp) (local.get $i)) (i32.const 16)) (then (return (i32.const 0))))
            (local.set $i (i32.add (local.get $sp) (i32.const 1)))))))
    (local.set $n (call $marks (local.get $i) (local.get $le) (local.get $ws) (i32.add (local.get $ws) (i32.const 512)) (i32.const 64)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
    (local.set $m (i32.const 0))
    (block $cleared (loop $clear
      (br_if $cleared (i32.ge_u (local.get $m) (i32.const 14)))
      (i32.store (i32.add (local.get $o) (i32.shl (local.get $m) (i32.const 2))) (i32.const -1))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $clear)))
    ;; The fields, marker by marker (ByteCut.cutFields).
    (local.set $prev (i32.const -1))
    (local.set $m (i32.const 0))
    (block $walked (loop $walk
      (br_if $walked (i32.ge_s (local.get $m) (local.get $n)))
      (local.set $p (i32.add (i32.add (local.get $ws) (i32.const 512)) (i32.shl (local.get $m) (i32.const 3))))
      (local.set $key (i32.load offset=4 (local.get $p)))
      (if (i32.le_s (local.get $key) (local.get $prev)) (then (return (i32.const 0))))
      (local.set $prev (local.get $key))
      ;; The value starts after `, key: ` (the key's length is in its table slot).
      (local.set $vs (i32.add (i32.add (i32.load (local.get $p)) (i32.const 2))
        (i32.load (i32.add (local.get $ws) (i32.shl (i32.add (local.get $key) (i32.const 1)) (i32.const 6))))))
      (local.set $nxt (i32.const -1))
      (if (i32.lt_s (i32.add (local.get $m) (i32.const 1)) (local.get $n))
        (then (local.set $nxt (i32.load offset=8 (local.get $p)))))
      (if (i32.and (i32.ge_s (local.get $key) (i32.const 2))
            (i32.and (i32.lt_u (local.get $vs) (local.get $le)) (i32.eq (i32.load8_u (local.get $vs)) (i32.const 34))))
        (then
          (if (i32.ge_s (local.get $nxt) (i32.const 0))
            (then
              ;; Closed by the quote before the next marker, and by no other.
              (if (i32.lt_s (local.get $nxt) (i32.add (local.get $vs) (i32.const 2))) (then (return (i32.const 0))))
              (if (i32.ne (i32.load8_u (i32.sub (local.get $nxt) (i32.const 1))) (i32.const 34)) (then (return (i32.const 0))))
              (local.set $ve (i32.sub (local.get $nxt) (i32.const 1))))
            (else
              (local.set $ve (select (i32.sub (local.get $le) (i32.const 1)) (local.get $le)
                (i32.eq (i32.load8_u (i32.sub (local.get $le) (i32.const 1))) (i32.const 34))))))
          (local.set $vs (i32.add (local.get $vs) (i32.const 1)))
          (if (i32.lt_s (local.get $ve) (local.get $vs)) (then (local.set $ve (local.get $vs))))
          (if (i32.eq (local.get $key) (i32.const 4)) (then (local.set $upq (i32.const 1)))))
        (else (local.set $ve (select (local.get $nxt) (local.get $le) (i32.ge_s (local.get $nxt) (i32.const 0))))))
      (i32.store (i32.add (local.get $o) (i32.shl (local.get $key) (i32.const 3))) (local.get $vs))
      (i32.store offset=4 (i32.add (local.get $o) (i32.shl (local.get $key) (i32.const 3))) (local.get $ve))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $walk)))
    ;; A quoted `upstream:` value that is not empty.
    (local.set $u0 (i32.load offset=32 (local.get $o)))
    (local.set $u1 (i32.load offset=36 (local.get $o)))
    (if (i32.or (i32.eqz (local.get $upq)) (i32.le_s (local.get $u1) (local.get $u0))) (then (return (i32.const 0))))
    ;; The message: from `from` to the first marker.
    (local.set $a (i32.load (i32.add (local.get $ws) (i32.const 512))))
    (if (i32.gt_u (i32.sub (local.get $a) (local.get $i)) (i32.const 1024)) (then (return (i32.const 0))))
    (i32.store offset=56 (local.get $o) (local.get $i))
    (i32.store offset=60 (local.get $o) (local.get $a))
    ;; The URL's `scheme://authority` (fieldValues.ts upstreamKeyOfBytes).
    (local.set $se (local.get $u0))
    (block $scheme (loop $more
      (br_if $scheme (i32.gt_s (i32.add (local.get $se) (i32.const 3)) (local.get $u1)))
      (br_if $scheme (i32.and (i32.eq (i32.load16_u (local.get $se)) (i32.const 0x2f3a))
                              (i32.eq (i32.load8_u offset=2 (local.get $se)) (i32.const 47))))
      (local.set $se (i32.add (local.get $se) (i32.const 1)))
      (br $more)))
    (local.set $ha (i32.add (local.get $se) (i32.const 3)))
    (if (i32.or (i32.le_s (local.get $se) (local.get $u0)) (i32.gt_s (local.get $ha) (local.get $u1))) (then (return (i32.const 0))))
    (if (i32.le_s (i32.add (local.get $ha) (i32.const 5)) (local.get $le))
      (then (if (i32.and (i32.eq (i32.load (local.get $ha)) (i32.const 0x78696e75))             ;; "unix"
                         (i32.eq (i32.load8_u offset=4 (local.get $ha)) (i32.const 58)))         ;; ":"
        (then (return (i32.const 0))))))
    (local.set $sl (local.get $ha))
    (block $slash (loop $more
      (br_if $slash (i32.ge_s (local.get $sl) (local.get $u1)))
      (br_if $slash (i32.eq (i32.load8_u (local.get $sl)) (i32.const 47)))
      (local.set $sl (i32.add (local.get $sl) (i32.const 1)))
      (br $more)))
    (if (i32.gt_s (i32.sub (local.get $sl) (local.get $u0)) (i32.const 256)) (then (return (i32.const 0))))
    (if (i32.eqz (call $ascii (local.get $u0) (local.get $sl))) (then (return (i32.const 0))))
    (i32.store offset=84 (local.get $o) (local.get $sl))
    ;; The client's hashes (ASCII only: a decoded client is the JS side's).
    (local.set $p (i32.load (local.get $o)))
    (local.set $c (i32.load offset=4 (local.get $o)))
    (local.set $a (i32.const 0x811c9dc5))
    (local.set $b (i32.const 0x01000193))
    (block $hashed (loop $more
      (br_if $hashed (i32.ge_s (local.get $p) (local.get $c)))
      (local.set $sp (i32.load8_u (local.get $p)))
      (if (i32.ge_u (local.get $sp) (i32.const 128)) (then (return (i32.const 0))))
      (local.set $a (i32.mul (i32.xor (local.get $a) (local.get $sp)) (i32.const 0x01000193)))
      (local.set $b (i32.mul (i32.xor (local.get $b) (local.get $sp)) (i32.const 0x5bd1e995)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $more)))
    (i32.store offset=92 (local.get $o) (local.get $a))
    (i32.store offset=96 (local.get $o) (local.get $b))
    (if (i32.gt_s (i32.sub (i32.load offset=12 (local.get $o)) (i32.load offset=8 (local.get $o))) (i32.const 256)) (then (return (i32.const 0))))
    (if (i32.gt_s (i32.sub (i32.load offset=44 (local.get $o)) (i32.load offset=40 (local.get $o))) (i32.const 256)) (then (return (i32.const 0))))
    ;; Every decline is above: the tables may be emptied now, before any id of this line.
    (local.set $status (i32.const 1))
    (local.set $m (i32.const 0))
    (block $ready (loop $each
      (br_if $ready (i32.ge_u (local.get $m) (i32.const 4)))
      (local.set $p (i32.add (i32.add (local.get $ws) (i32.const 1536)) (i32.mul (local.get $m) (i32.const 196624))))
      (if (i32.or (i32.gt_u (i32.load (local.get $p)) (i32.const 2040))
                  (i32.gt_u (i32.load offset=4 (local.get $p)) (i32.const 126976)))
        (then
          (memory.fill (local.get $p) (i32.const 0) (i32.const 65552))
          (local.set $status (i32.or (local.get $status) (i32.shl (i32.const 2) (local.get $m))))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $each)))
    (local.set $p (i32.add (local.get $ws) (i32.const 1536)))
    (i32.store offset=64 (local.get $o)
      (call $intern (local.get $p) (local.get $i) (i32.sub (i32.load offset=60 (local.get $o)) (local.get $i))))
    (local.set $p (i32.add (local.get $p) (i32.const 196624)))
    (i32.store offset=68 (local.get $o) (call $internRange (local.get $p) (i32.load offset=8 (local.get $o)) (i32.load offset=12 (local.get $o))))
    (i32.store offset=72 (local.get $o) (call $internRange (local.get $p) (i32.load offset=40 (local.get $o)) (i32.load offset=44 (local.get $o))))
    ;; The method's token: up to the request's first space, 1 to 20 bytes (fieldValues.ts methodOfBytes).
    (local.set $p (i32.add (local.get $p) (i32.const 196624)))
    (local.set $a (i32.load offset=16 (local.get $o)))
    (local.set $c (i32.load offset=20 (local.get $o)))
    (local.set $sp (local.get $a))
    (block $space (loop $more
      (br_if $space (i32.ge_s (local.get $sp) (local.get $c)))
      (br_if $space (i32.gt_s (i32.sub (local.get $sp) (local.get $a)) (i32.const 20)))
      (br_if $space (i32.eq (i32.load8_u (local.get $sp)) (i32.const 32)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 1)))
      (br $more)))
    (i32.store offset=76 (local.get $o) (local.get $sp))
    (i32.store offset=80 (local.get $o) (i32.const 0))
    (if (i32.and (i32.ge_s (local.get $a) (i32.const 0))
          (i32.and (i32.gt_s (local.get $sp) (local.get $a))
            (i32.and (i32.lt_s (local.get $sp) (local.get $c)) (i32.le_s (i32.sub (local.get $sp) (local.get $a)) (i32.const 20)))))
      (then (i32.store offset=80 (local.get $o) (call $intern (local.get $p) (local.get $a) (i32.sub (local.get $sp) (local.get $a))))))
    (local.set $p (i32.add (local.get $p) (i32.const 196624)))
    (i32.store offset=88 (local.get $o) (call $intern (local.get $p) (local.get $u0) (i32.sub (local.get $sl) (local.get $u0))))
    (local.get $status))

  ;; The id of `[from, to)` in table `t` (0 when empty or absent).
  (func $internRange (param $t i32) (param $from i32) (param $to i32) (result i32)
    (if (i32.le_s (local.get $to) (local.get $from)) (then (return (i32.const 0))))
    (call $intern (local.get $t) (local.get $from) (i32.sub (local.get $to) (local.get $from))))

  ;; The id (1, 2, …) of the bytes `[p, p+len)` in table `t`, given now if they have none. A table:
  ;; at 0 its number of ids, at 4 the bytes its arena holds; at 16, 4,096 slots of 16 bytes (hash,
  ;; id, offset in the arena, length: open addressing); at 65,552 its arena (128 KB). The caller
  ;; keeps it under 2,048 ids and room for two more strings of up to 1,024 bytes (cut).
  (func $intern (param $t i32) (param $p i32) (param $len i32) (result i32)
    (local $h i32) (local $k i32) (local $idx i32) (local $slot i32) (local $id i32) (local $used i32)
    (local.set $h (i32.mul (i32.add (local.get $len) (i32.const 0x9e3779b9)) (i32.const 0x85ebca6b)))
    (block $words (loop $more
      (br_if $words (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $len)))
      (local.set $h (i32.mul (i32.xor (i32.rotl (local.get $h) (i32.const 5)) (i32.load (i32.add (local.get $p) (local.get $k))))
        (i32.const 0x9e3779b1)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $more)))
    ;; The last 1-3 bytes: a word read past them (readable: see cut), masked.
    (if (i32.lt_s (local.get $k) (local.get $len))
      (then (local.set $h (i32.mul (i32.xor (i32.rotl (local.get $h) (i32.const 5))
          (i32.and (i32.load (i32.add (local.get $p) (local.get $k)))
            (i32.sub (i32.shl (i32.const 1) (i32.shl (i32.sub (local.get $len) (local.get $k)) (i32.const 3))) (i32.const 1))))
        (i32.const 0x9e3779b1)))))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 15))))
    (local.set $idx (i32.and (local.get $h) (i32.const 4095)))
    (loop $probe
      (local.set $slot (i32.add (i32.add (local.get $t) (i32.const 16)) (i32.shl (local.get $idx) (i32.const 4))))
      (local.set $id (i32.load offset=4 (local.get $slot)))
      (if (i32.eqz (local.get $id))
        (then
          (local.set $id (i32.add (i32.load (local.get $t)) (i32.const 1)))
          (local.set $used (i32.load offset=4 (local.get $t)))
          (memory.copy (i32.add (i32.add (local.get $t) (i32.const 65552)) (local.get $used)) (local.get $p) (local.get $len))
          (i32.store (local.get $slot) (local.get $h))
          (i32.store offset=4 (local.get $slot) (local.get $id))
          (i32.store offset=8 (local.get $slot) (local.get $used))
          (i32.store offset=12 (local.get $slot) (local.get $len))
          (i32.store (local.get $t) (local.get $id))
          (i32.store offset=4 (local.get $t) (i32.add (local.get $used) (local.get $len)))
          (return (local.get $id))))
      (if (i32.and (i32.eq (i32.load (local.get $slot)) (local.get $h)) (i32.eq (i32.load offset=12 (local.get $slot)) (local.get $len)))
        (then (if (call $same (i32.add (i32.add (local.get $t) (i32.const 65552)) (i32.load offset=8 (local.get $slot))) (local.get $p) (local.get $len))
          (then (return (local.get $id))))))
      (local.set $idx (i32.and (i32.add (local.get $idx) (i32.const 1)) (i32.const 4095)))
      (br $probe))
    (unreachable))

  ;; `[a, a+len)` and `[b, b+len)` hold the same bytes: eight at a time, the last few masked.
  (func $same (param $a i32) (param $b i32) (param $len i32) (result i32)
    (local $k i32) (local $r i32)
    (block $words (loop $more
      (br_if $words (i32.gt_s (i32.add (local.get $k) (i32.const 8)) (local.get $len)))
      (if (i64.ne (i64.load (i32.add (local.get $a) (local.get $k))) (i64.load (i32.add (local.get $b) (local.get $k))))
        (then (return (i32.const 0))))
      (local.set $k (i32.add (local.get $k) (i32.const 8)))
      (br $more)))
    (local.set $r (i32.sub (local.get $len) (local.get $k)))
    (if (i32.eqz (local.get $r)) (then (return (i32.const 1))))
    (i64.eqz (i64.and
      (i64.xor (i64.load (i32.add (local.get $a) (local.get $k))) (i64.load (i32.add (local.get $b) (local.get $k))))
      (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $r) (i32.const 3)))) (i64.const 1)))))

  ;; No byte of `[p, to)` is 128 or more.
  (func $ascii (param $p i32) (param $to i32) (result i32)
    (block $done (loop $more
      (br_if $done (i32.ge_s (local.get $p) (local.get $to)))
      (if (i32.ge_u (i32.load8_u (local.get $p)) (i32.const 128)) (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $more)))
    (i32.const 1))

  ;; Which byte string of the table at `t` starts at `pos` and ends by `le` (the first, in the
  ;; table's order), or -1. A table is an i32 count, then one 64-byte slot per string: its length
  ;; (i32, 1-48); at byte 8, an i64 mask of its first 8 bytes (all ones for a string of 8 or
  ;; more); from byte 16, its bytes (zero after them). The first 8 bytes are compared as one word
  ;; (read whatever lies there: the caller's padding), the rest byte by byte.
  (func $prefixAt (param $pos i32) (param $le i32) (param $t i32) (result i32)
    (local $j i32) (local $slot i32) (local $len i32) (local $k i32) (local $w i64)
    (local.set $w (i64.load (local.get $pos)))
    (block $none
      (loop $each
        (br_if $none (i32.ge_s (local.get $j) (i32.load (local.get $t))))
        (local.set $slot (i32.add (local.get $t) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 6))))
        (local.set $len (i32.load (local.get $slot)))
        (block $differs
          (br_if $differs (i64.ne (i64.and (local.get $w) (i64.load offset=8 (local.get $slot))) (i64.load offset=16 (local.get $slot))))
          (br_if $differs (i32.gt_s (local.get $len) (i32.sub (local.get $le) (local.get $pos))))
          (local.set $k (i32.const 8))
          (loop $bytes
            (if (i32.ge_s (local.get $k) (local.get $len)) (then (return (local.get $j))))
            (br_if $differs (i32.ne (i32.load8_u (i32.add (local.get $pos) (local.get $k)))
                                    (i32.load8_u offset=16 (i32.add (local.get $slot) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $bytes)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each)))
    (i32.const -1))

  ;; `[ls, le)` is one line without control bytes, `ps` the start of the line before it (-1: none).
  ;; 1 when NginxByteScanner.scan would answer OTHER with the previous line's time, given that
  ;; the previous line was valid (its stamp, this one's, read as a time); for a needle line whose
  ;; header it would pass the same way but whose message starts with no `plain` prefix,
  ;; (where `PID#TID: ` ends, from `ls`) << 2 | 2; else 0. Checks are as strict as the scanner's or stricter.
  (func $sameHead (param $ls i32) (param $le i32) (param $ps i32) (param $flags i32) (param $needles i32) (result i32)
    (local $p i32) (local $from i32) (local $w i64) (local $headOk i32)
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
    ;; A needle line: plain only when its message starts with a `plain` prefix, after an optional `*CONN `.
    ;; Else its header is still the previous line's shape: LINE_HEAD_OK, with where its message starts.
    (local.set $p (i32.add (local.get $p) (i32.const 2)))
    (local.set $headOk (i32.or (i32.shl (i32.sub (local.get $p) (local.get $ls)) (i32.const 2)) (i32.const 2)))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 42))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $from (local.get $p))
        (local.set $p (call $digits (local.get $p) (local.get $le)))
        (if (i32.eq (local.get $p) (local.get $from)) (then (return (local.get $headOk))))
        (if (i32.gt_u (i32.sub (local.get $p) (local.get $from)) (i32.const 15)) (then (return (local.get $headOk))))
        (if (i32.ge_u (local.get $p) (local.get $le)) (then (return (local.get $headOk))))
        (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 32)) (then (return (local.get $headOk))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (select (i32.const 1) (local.get $headOk)
      (i32.ge_s (call $prefixAt (local.get $p) (local.get $le) (i32.add (local.get $needles) (i32.const 320))) (i32.const 0))))

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
