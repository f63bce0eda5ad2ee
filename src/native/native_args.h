/*
 * What the native file calls share: reading their arguments, answering an
 * integer, and the one test a file must pass before tfgw writes into a file it
 * did not just create.
 */
#ifndef TFGW_NATIVE_ARGS_H
#define TFGW_NATIVE_ARGS_H

#include <node_api.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static inline napi_value int_value(napi_env env, int32_t n) {
  napi_value out;
  napi_create_int32(env, n, &out);
  return out;
}

/* The call's arguments into argv[0..max): how many the caller passed, at most `max`. */
static inline size_t call_args(napi_env env, napi_callback_info info, napi_value *argv, size_t max) {
  size_t argc = max;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  return argc < max ? argc : max;
}

/* A path argument into `out`; 0 when it is not a string or does not fit. */
static inline int path_arg(napi_env env, napi_value v, char out[PATH_MAX]) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, out, PATH_MAX, &len) != napi_ok) return 0;
  return len > 0 && len < PATH_MAX - 1;
}

static inline int bytes_arg(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void *base = NULL;
  if (napi_get_typedarray_info(env, v, &type, length, &base, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = base;
  return 1;
}

/*
 * A file tfgw writes into without creating it (a handed-back message file,
 * docs/SPOOL.md §8.3; a run record's spare, §3.6) must be one nobody else can
 * reach: a regular file of ours with no other name. A hard link to anything
 * else is never written through.
 */
static inline int private_file(const struct stat *st) {
  /* A session never changes its user: asked once. */
  static uid_t self = (uid_t)-1;
  if (self == (uid_t)-1) self = geteuid();
  return S_ISREG(st->st_mode) && st->st_nlink == 1 && st->st_uid == self;
}

#endif
