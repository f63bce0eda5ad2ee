/*
 * The TFProtocol stream cipher (PROTOCOL.md section 3) in plain C, as a speed
 * floor for the TypeScript engines. src/bench/cipher-bench.ts builds and runs it.
 *
 *   cc -O2 -o cipher-floor cipher.c
 *   ./cipher-floor MIB CALL_SIZE
 *
 * Enciphers MIB MiB in calls of CALL_SIZE bytes, then deciphers the same amount,
 * five times each, and prints the best ns/byte of each direction as JSON:
 *   {"enc":1.92,"dec":1.95,"check":123}
 * `check` folds the output into one number so the work cannot be optimised away.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct cipher {
  uint8_t *key;
  size_t len;
  uint64_t seed; /* the int64 seed's two's-complement bits */
};

static uint64_t load_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int b = 7; b >= 0; b--) v = (v << 8) | p[b];
  return v;
}

static uint64_t next_seed(uint64_t seed, const uint8_t *key) {
  seed = seed * ((seed >> 8) & 0xFFFFFFFFu) + ((seed >> 40) & 0xFFFFu);
  /* The reload reads the key as it is now, before this byte's slot is rewritten. */
  return seed != 0 ? seed : load_le64(key);
}

/*
 * One pass of either direction. `decipher` is a constant at each call below and
 * the body is always inlined, so the compiler folds the choice away: each
 * direction still runs its own branch-free loop, as a floor should.
 */
static inline __attribute__((always_inline)) void pass(struct cipher *c, uint8_t *buf, size_t n, const int decipher) {
  uint8_t *key = c->key;
  size_t len = c->len;
  uint64_t seed = c->seed;
  size_t i = 0;
  for (size_t p = 0; p < n; p++) {
    uint8_t pad = (uint8_t)(seed >> 56);
    buf[p] = decipher ? (uint8_t)((uint8_t)(buf[p] - pad) ^ key[i]) : (uint8_t)((buf[p] ^ key[i]) + pad);
    seed = next_seed(seed, key);
    key[i] = (uint8_t)seed;
    if (++i == len) i = 0;
  }
  c->seed = seed;
}

static void encrypt(struct cipher *c, uint8_t *buf, size_t n) {
  pass(c, buf, n, 0);
}

static void decrypt(struct cipher *c, uint8_t *buf, size_t n) {
  pass(c, buf, n, 1);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef void (*cipher_fn)(struct cipher *, uint8_t *, size_t);

/* Best ns/byte over five runs of `calls` calls of `size` bytes on one state. */
static double measure(cipher_fn fn, struct cipher *c, uint8_t *buf, size_t size, size_t calls) {
  double best = 0;
  for (int run = 0; run < 5; run++) {
    double start = now_ns();
    for (size_t k = 0; k < calls; k++) fn(c, buf, size);
    double ns = (now_ns() - start) / ((double)calls * (double)size);
    if (run == 0 || ns < best) best = ns;
  }
  return best;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MIB CALL_SIZE\n", argv[0]);
    return 2;
  }
  double mib = atof(argv[1]);
  size_t size = (size_t)strtoul(argv[2], NULL, 10);
  if (mib <= 0 || size == 0) {
    fprintf(stderr, "MIB and CALL_SIZE must be positive\n");
    return 2;
  }
  size_t calls = (size_t)(mib * 1048576.0 / (double)size);
  if (calls == 0) calls = 1;

  /* A fixed 32-byte key; its seed does not degenerate. */
  uint8_t key[32];
  for (int b = 0; b < 32; b++) key[b] = (uint8_t)(b * 97 + 13);
  struct cipher c = {key, sizeof key, load_le64(key)};

  uint8_t *buf = malloc(size);
  if (buf == NULL) return 1;
  for (size_t p = 0; p < size; p++) buf[p] = (uint8_t)(p % 251);

  double enc = measure(encrypt, &c, buf, size, calls);
  double dec = measure(decrypt, &c, buf, size, calls);
  unsigned check = 0;
  for (size_t p = 0; p < size; p++) check = check * 31 + buf[p];
  printf("{\"enc\":%.3f,\"dec\":%.3f,\"check\":%u}\n", enc, dec, check);
  free(buf);
  return 0;
}
