;; One pass over a stretch of CSV bytes that tells the CSV fast path what it must know about it:
;; how many newlines it holds, and whether it holds a control byte inside quotes, an underscore,
;; a blank line or a control byte. 16 bytes per step with WebAssembly SIMD; the same answers by
;; Buffer.indexOf take ~40 passes and cost more than DuckDB's own read of the file.
;;
;; Compiled by `npm run build:wasm` (scripts/build-wasm.mjs) into byte-scan-wasm.ts; a test checks the two agree.
(module
  (import "env" "memory" (memory 1))

  ;; scan(ptr, len, before2, before1, quote, delimiter, inQuotes) -> newlines << 5 | flags
  ;;   ptr, len         the bytes; the 15 bytes after them must be readable and hold no newline,
  ;;                    carriage return, quote, underscore or control byte (the caller pads them)
  ;;   before2, before1 the two bytes that precede them in the file (-1: none), so a blank line
  ;;                    across a chunk seam is seen
  ;;   quote            the quote byte, -1 when the profile has none
  ;;   delimiter        a control byte that is the delimiter does not count as a control byte
  ;;                    outside quotes (inside quotes it does: it would be part of a value)
  ;;   inQuotes         1 when the bytes before left a quoted field open
  ;; flags: 1 a quote hazard: a control byte inside quotes (below 0x20, "\n" and "\r" included, or
;; 0x7f), or a quote opening a quoted field anywhere but after a delimiter, a "\n" or another quote
;; (DuckDB takes such a quote as a plain character, so the parity would part from its reading), 2 underscore,
  ;; 4 blank line ("\n\n" or "\n\r\n"), 8 control byte (below 0x20 other than "\n", "\r" and the
  ;; delimiter, or 0x7f), 16 a quoted field is open at the end. len < 2^26.
  ;; Quotes are RFC 4180 (the escape is the quote doubled), so the parity of the quotes before a
  ;; byte says whether it is inside a quoted field.
  (func (export "scan")
    (param $ptr i32) (param $len i32) (param $before2 i32) (param $before1 i32) (param $quote i32) (param $delimiter i32)
    (param $inQuotes i32)
    (result i32)
    (local $end i32) (local $v v128) (local $nl v128) (local $cr v128) (local $below v128)
    (local $nlMask i32) (local $crMask i32) (local $prevNl i32) (local $prevCr i32)
    (local $wideNl i32) (local $wideCr i32) (local $newlines i32) (local $blank i32)
    (local $quoteMask i32) (local $quoted i32) (local $quotedControl i32) (local $quoteEnabled i32)
    (local $fieldStart i32) (local $prevFieldStart i32)
    (local $anyUnderscore v128) (local $anyControl v128)
    (local $splatNl v128) (local $splatCr v128) (local $splatQuote v128) (local $splatUnderscore v128)
    (local $splatDelimiter v128) (local $splatSpace v128) (local $splatDel v128)
    (local.set $splatNl (i8x16.splat (i32.const 0x0a)))
    (local.set $splatCr (i8x16.splat (i32.const 0x0d)))
    (local.set $splatQuote (i8x16.splat (local.get $quote)))
    (local.set $quoteEnabled (i32.sub (i32.const 0) (i32.ge_s (local.get $quote) (i32.const 0))))
    (local.set $splatUnderscore (i8x16.splat (i32.const 0x5f)))
    (local.set $splatDelimiter (i8x16.splat (local.get $delimiter)))
    (local.set $splatSpace (i8x16.splat (i32.const 0x20)))
    (local.set $splatDel (i8x16.splat (i32.const 0x7f)))
    ;; Masks of the previous 16 bytes: only bits 14 and 15 (the two bytes before) are used.
    (local.set $prevNl (i32.or
      (i32.shl (i32.eq (local.get $before2) (i32.const 0x0a)) (i32.const 14))
      (i32.shl (i32.eq (local.get $before1) (i32.const 0x0a)) (i32.const 15))))
    (local.set $prevCr (i32.or
      (i32.shl (i32.eq (local.get $before2) (i32.const 0x0d)) (i32.const 14))
      (i32.shl (i32.eq (local.get $before1) (i32.const 0x0d)) (i32.const 15))))
    ;; Bit 15: the byte before may precede the opening quote of a quoted field.
    (local.set $prevFieldStart (i32.shl (i32.or (i32.or
      (i32.eq (local.get $before1) (local.get $delimiter)) (i32.eq (local.get $before1) (i32.const 0x0a)))
      (i32.and (i32.eq (local.get $before1) (local.get $quote)) (i32.ge_s (local.get $quote) (i32.const 0)))) (i32.const 15)))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $v (v128.load align=1 (local.get $ptr)))
        (local.set $nl (i8x16.eq (local.get $v) (local.get $splatNl)))
        (local.set $cr (i8x16.eq (local.get $v) (local.get $splatCr)))
        (local.set $nlMask (i8x16.bitmask (local.get $nl)))
        (local.set $crMask (i8x16.bitmask (local.get $cr)))
        (local.set $newlines (i32.add (local.get $newlines) (i32.popcnt (local.get $nlMask))))
        ;; 18 positions: the two bytes before these 16 (bits 0-1), then these (bits 2-17).
        (local.set $wideNl (i32.or (i32.shl (local.get $nlMask) (i32.const 2)) (i32.shr_u (local.get $prevNl) (i32.const 14))))
        (local.set $wideCr (i32.or (i32.shl (local.get $crMask) (i32.const 2)) (i32.shr_u (local.get $prevCr) (i32.const 14))))
        ;; "\n\n": a newline followed by a newline; "\n\r\n": newline, carriage return, newline.
        ;; A "\n\n" wholly in the two bytes before (bit 0 of the pair test) was the previous chunk's.
        (local.set $blank (i32.or (local.get $blank) (i32.or
          (i32.and (i32.and (local.get $wideNl) (i32.shr_u (local.get $wideNl) (i32.const 1))) (i32.const 0x1fffe))
          (i32.and (i32.and (local.get $wideNl) (i32.shr_u (local.get $wideCr) (i32.const 1)))
                   (i32.shr_u (local.get $wideNl) (i32.const 2))))))
        (local.set $prevNl (local.get $nlMask))
        (local.set $prevCr (local.get $crMask))
        ;; Inside quotes: bit i of the prefix XOR of the quote mask (the parity of the quotes up to
        ;; byte i), inverted when a quoted field was already open.
        (local.set $quoteMask (i32.and (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $splatQuote))) (local.get $quoteEnabled)))
        (local.set $below (i8x16.lt_u (local.get $v) (local.get $splatSpace)))
        ;; Bytes after which a quote may open a quoted field: the delimiter, "\n", a quote (the second of a doubled pair).
        (local.set $fieldStart (i32.or (local.get $quoteMask) (i8x16.bitmask (v128.or (local.get $nl)
          (i8x16.eq (local.get $v) (local.get $splatDelimiter))))))
        ;; Most steps of most files have no quote and no open quoted field: nothing to track.
        (if (i32.or (local.get $quoteMask) (local.get $inQuotes))
          (then
            (local.set $quoted (i32.xor (local.get $quoteMask) (i32.shl (local.get $quoteMask) (i32.const 1))))
            (local.set $quoted (i32.xor (local.get $quoted) (i32.shl (local.get $quoted) (i32.const 2))))
            (local.set $quoted (i32.xor (local.get $quoted) (i32.shl (local.get $quoted) (i32.const 4))))
            (local.set $quoted (i32.xor (local.get $quoted) (i32.shl (local.get $quoted) (i32.const 8))))
            (local.set $quoted (i32.xor (local.get $quoted) (i32.sub (i32.const 0) (local.get $inQuotes))))
            (local.set $quotedControl (i32.or (local.get $quotedControl) (i32.and (local.get $quoted)
              (i8x16.bitmask (v128.or (local.get $below) (i8x16.eq (local.get $v) (local.get $splatDel)))))))
            ;; Opening quotes (the parity turns odd at them) must follow a field start.
            (local.set $quotedControl (i32.or (local.get $quotedControl) (i32.and (i32.and (local.get $quoteMask) (local.get $quoted))
              (i32.xor (i32.or (i32.shl (local.get $fieldStart) (i32.const 1)) (i32.shr_u (local.get $prevFieldStart) (i32.const 15)))
                       (i32.const -1)))))
            (local.set $inQuotes (i32.xor (local.get $inQuotes) (i32.and (i32.popcnt (local.get $quoteMask)) (i32.const 1))))))
        (local.set $prevFieldStart (local.get $fieldStart))
        (local.set $anyUnderscore (v128.or (local.get $anyUnderscore) (i8x16.eq (local.get $v) (local.get $splatUnderscore))))
        (local.set $anyControl (v128.or (local.get $anyControl) (v128.or
          (v128.andnot
            (v128.andnot (v128.andnot (local.get $below) (local.get $nl)) (local.get $cr))
            (i8x16.eq (local.get $v) (local.get $splatDelimiter)))
          (i8x16.eq (local.get $v) (local.get $splatDel)))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
        (br $next)))
    (i32.or
      (i32.or
        (i32.shl (local.get $newlines) (i32.const 5))
        (i32.shl (local.get $inQuotes) (i32.const 4)))
      (i32.or
        (i32.or (i32.ne (i32.and (local.get $quotedControl) (i32.const 0xffff)) (i32.const 0))
                (i32.shl (v128.any_true (local.get $anyUnderscore)) (i32.const 1)))
        (i32.or (i32.shl (i32.ne (local.get $blank) (i32.const 0)) (i32.const 2))
                (i32.shl (v128.any_true (local.get $anyControl)) (i32.const 3)))))))
