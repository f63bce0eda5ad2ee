;; The TFProtocol stream cipher (PROTOCOL.md section 3) as a WebAssembly module.
;;
;; Why WebAssembly: every byte advances a 64-bit seed with one wrapping 64-bit
;; multiply. JavaScript has no 64-bit integer arithmetic short of BigInt, so the
;; JS engine splits the product into 16-bit limbs; here it is a single i64.mul.
;;
;; The module holds ONE cipher state at a time. The host keeps each state as a
;; byte image of the state area below, copies it in before a call and back out
;; after it, so a single instance serves any number of sessions.
;;
;; Linear memory (2 pages, fixed size):
;;
;;   offset 0       seed      i64, little-endian two's-complement bits
;;   offset 8       key_len   i32, number of key bytes (8 .. 65520)
;;   offset 12      (unused, keeps the key 16-byte aligned)
;;   offset 16      key       key_len bytes, overwritten as the cipher runs
;;   offset 65536   data      the window the host copies call data into
;;
;; The state area is bytes 0 .. 16 + key_len. The data window is 65536 bytes;
;; the host splits a longer call into windows and threads the key index from one
;; window to the next, because the index restarts only at the start of a call.
;;
;; Loop shape: the outer loop runs once per stretch of data that reaches no key
;; wrap, so the inner, per-byte loop carries no wrap test. The seed chain (shift,
;; multiply, add) is the critical path; everything else fits beside it.

(module
  (memory (export "memory") 2 2)

  ;; Layout constants, exported so the host has a single source of truth.
  (global (export "state_ptr") i32 (i32.const 0))
  (global (export "data_ptr") i32 (i32.const 65536))
  (global (export "data_size") i32 (i32.const 65536))
  (global (export "key_max") i32 (i32.const 65520))

  ;; encrypt(ptr, len, index) -> index
  ;;
  ;; Enciphers len bytes at ptr in place with the state at offset 0. `index` is
  ;; the key index of the first byte: 0 at the start of a call, or the value the
  ;; previous window returned. Returns the key index for the byte after the last.
  ;; For each byte, with k = key[index]:
  ;;   byte = (byte XOR k) + top8(seed)                               (mod 256)
  ;;   seed = seed * ((seed >> 8) & 0xFFFFFFFF) + ((seed >> 40) & 0xFFFF)
  ;;   if seed == 0: seed = the first 8 bytes of the key as it is now
  ;;   key[index] = low byte of seed; index = (index + 1) mod key_len
  (func (export "encrypt") (param $ptr i32) (param $len i32) (param $index i32) (result i32)
    (local $seed i64)
    (local $end i32)  ;; ptr + len
    (local $stop i32) ;; end of the current stretch: the data end or the next key wrap
    (local $kp i32)   ;; address of key[index]
    (local $kend i32) ;; address one past the last key byte
    (if (i32.eqz (local.get $len)) (then (return (local.get $index))))
    (local.set $seed (i64.load (i32.const 0)))
    (local.set $kend (i32.add (i32.const 16) (i32.load (i32.const 8))))
    (local.set $kp (i32.add (i32.const 16) (local.get $index)))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (loop $stretch
      ;; stop = ptr + min(kend - kp, end - ptr)
      (local.set $stop (i32.add (local.get $ptr) (i32.sub (local.get $kend) (local.get $kp))))
      (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
      (loop $byte
        ;; store8 keeps the low 8 bits, which is the mod 256.
        (i32.store8 (local.get $ptr)
          (i32.add
            (i32.xor (i32.load8_u (local.get $ptr)) (i32.load8_u (local.get $kp)))
            (i32.wrap_i64 (i64.shr_u (local.get $seed) (i64.const 56)))))
        (local.set $seed
          (i64.add
            (i64.mul (local.get $seed)
              (i64.and (i64.shr_u (local.get $seed) (i64.const 8)) (i64.const 0xFFFFFFFF)))
            (i64.and (i64.shr_u (local.get $seed) (i64.const 40)) (i64.const 0xFFFF))))
        ;; The reload reads key[index] before it is overwritten just below.
        (if (i64.eqz (local.get $seed))
          (then (local.set $seed (i64.load (i32.const 16)))))
        (i32.store8 (local.get $kp) (i32.wrap_i64 (local.get $seed)))
        (local.set $kp (i32.add (local.get $kp) (i32.const 1)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br_if $byte (i32.ne (local.get $ptr) (local.get $stop))))
      (if (i32.eq (local.get $kp) (local.get $kend)) (then (local.set $kp (i32.const 16))))
      (br_if $stretch (i32.ne (local.get $ptr) (local.get $end))))
    (i64.store (i32.const 0) (local.get $seed))
    (i32.sub (local.get $kp) (i32.const 16)))

  ;; decrypt(ptr, len, index) -> index
  ;;
  ;; The inverse of encrypt, same contract; only the byte transform differs:
  ;;   byte = (byte - top8(seed)) XOR k                               (mod 256)
  ;; The seed and key evolve exactly as in encrypt. The loop is duplicated rather
  ;; than shared so that neither direction tests a mode flag per byte.
  (func (export "decrypt") (param $ptr i32) (param $len i32) (param $index i32) (result i32)
    (local $seed i64)
    (local $end i32)
    (local $stop i32)
    (local $kp i32)
    (local $kend i32)
    (if (i32.eqz (local.get $len)) (then (return (local.get $index))))
    (local.set $seed (i64.load (i32.const 0)))
    (local.set $kend (i32.add (i32.const 16) (i32.load (i32.const 8))))
    (local.set $kp (i32.add (i32.const 16) (local.get $index)))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (loop $stretch
      (local.set $stop (i32.add (local.get $ptr) (i32.sub (local.get $kend) (local.get $kp))))
      (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
      (loop $byte
        ;; The low 8 bits of (byte - top) XOR k do not depend on the borrow.
        (i32.store8 (local.get $ptr)
          (i32.xor
            (i32.sub (i32.load8_u (local.get $ptr))
              (i32.wrap_i64 (i64.shr_u (local.get $seed) (i64.const 56))))
            (i32.load8_u (local.get $kp))))
        (local.set $seed
          (i64.add
            (i64.mul (local.get $seed)
              (i64.and (i64.shr_u (local.get $seed) (i64.const 8)) (i64.const 0xFFFFFFFF)))
            (i64.and (i64.shr_u (local.get $seed) (i64.const 40)) (i64.const 0xFFFF))))
        (if (i64.eqz (local.get $seed))
          (then (local.set $seed (i64.load (i32.const 16)))))
        (i32.store8 (local.get $kp) (i32.wrap_i64 (local.get $seed)))
        (local.set $kp (i32.add (local.get $kp) (i32.const 1)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br_if $byte (i32.ne (local.get $ptr) (local.get $stop))))
      (if (i32.eq (local.get $kp) (local.get $kend)) (then (local.set $kp (i32.const 16))))
      (br_if $stretch (i32.ne (local.get $ptr) (local.get $end))))
    (i64.store (i32.const 0) (local.get $seed))
    (i32.sub (local.get $kp) (i32.const 16)))
)
