/*
 * The file operations every message costs, each as one call from JavaScript
 * instead of five or six: sizing an arrival for the inbox bound, taking a message out of an inbox (open
 * without following a link, check it is a regular file that fits, read it,
 * close, unlink) and putting one in (the destination's link leads to a
 * directory, no full mark, write the staged file, close, rename it in). Through
 * Node's synchronous fs each step is a binding call with its own argument
 * checks and, for a stat, a Stats object with four dates; a session process
 * runs those layers for every message, and a fresh one runs them unoptimised
 * for its first few thousand. Only the common case is done here: whatever is
 * unusual (a link, a full inbox, a missing staging directory, a big file) is
 * handed back untouched to the JavaScript code (spool/inbox-file.ts,
 * spool/outbox.ts), which stays the one description of every case.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* The answers JavaScript reads (src/native/index.ts names them). */
#define TAKE_VANISHED (-1)
#define TAKE_OTHER (-2)
#define SEND_SLOW 1
#define SEND_WRITE_FAILED_BASE 100000

static napi_value int_value(napi_env env, int32_t n) {
  napi_value out;
  napi_create_int32(env, n, &out);
  return out;
}

/* A path argument into `out`; 0 when it is not a string or does not fit. */
static int path_arg(napi_env env, napi_value v, char out[PATH_MAX]) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, out, PATH_MAX, &len) != napi_ok) return 0;
  return len > 0 && len < PATH_MAX - 1;
}

static int bytes_arg(napi_env env, napi_value v, uint8_t **data, size_t *length) {
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
 * take_message(path, buffer) -> bytes (the message is in buffer[0..n) and the
 * file is gone) | TAKE_VANISHED (no such entry) | TAKE_OTHER (not read, not
 * removed: a link, not a regular file, as big as the buffer or bigger, an error).
 */
static napi_value take_message(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char file[PATH_MAX];
  uint8_t *buf = NULL;
  size_t cap = 0;
  if (argc < 2 || !path_arg(env, argv[0], file) || !bytes_arg(env, argv[1], &buf, &cap)) return int_value(env, TAKE_OTHER);
  int fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return int_value(env, errno == ENOENT ? TAKE_VANISHED : TAKE_OTHER);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size >= cap || cap > INT32_MAX) {
    close(fd);
    return int_value(env, TAKE_OTHER);
  }
  size_t got = 0;
  while (got < cap) {
    ssize_t n = pread(fd, buf + got, cap - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return int_value(env, TAKE_OTHER);
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  close(fd);
  /* Filled to the brim: it grew since fstat; the JavaScript reader reads it whole. */
  if (got == cap) return int_value(env, TAKE_OTHER);
  unlink(file); /* gone already: the inbox is going away, the message is read */
  return int_value(env, (int32_t)got);
}

/*
 * send_message(link, fullMark, staged, bytes, destination) -> 0 (renamed in) |
 * SEND_SLOW (nothing written: the link is not a directory, the full mark is
 * there, or the staged file could not be created) | SEND_WRITE_FAILED_BASE +
 * errno (writing or closing failed; the staged file is removed) | -errno (the
 * rename failed; the staged file is still there).
 */
static napi_value send_message(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char link[PATH_MAX], full[PATH_MAX], staged[PATH_MAX], destination[PATH_MAX];
  uint8_t *data = NULL;
  size_t length = 0;
  if (argc < 5 || !path_arg(env, argv[0], link) || !path_arg(env, argv[1], full) || !path_arg(env, argv[2], staged) ||
      !bytes_arg(env, argv[3], &data, &length) || !path_arg(env, argv[4], destination))
    return int_value(env, SEND_SLOW);
  struct stat st;
  if (stat(link, &st) != 0 || !S_ISDIR(st.st_mode)) return int_value(env, SEND_SLOW);
  if (stat(full, &st) == 0) return int_value(env, SEND_SLOW);
  int fd = open(staged, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return int_value(env, SEND_SLOW);
  size_t done = 0;
  int failed = 0;
  while (done < length) {
    ssize_t n = write(fd, data + done, length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = errno;
      break;
    }
    done += (size_t)n;
  }
  /* A network file system may report a failed write only at close. */
  if (close(fd) != 0 && failed == 0) failed = errno;
  if (failed != 0) {
    unlink(staged);
    return int_value(env, SEND_WRITE_FAILED_BASE + failed);
  }
  if (rename(staged, destination) != 0) return int_value(env, -errno);
  return int_value(env, 0);
}

/* file_size(path) -> bytes (following links, as stat does) | -1 (not there, or no stat) */
static napi_value file_size(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char file[PATH_MAX];
  struct stat st;
  napi_value out;
  if (argc < 1 || !path_arg(env, argv[0], file) || stat(file, &st) != 0) {
    napi_create_int64(env, -1, &out);
    return out;
  }
  napi_create_int64(env, (int64_t)st.st_size, &out);
  return out;
}

void tfgw_export_spool_files(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "fileSize", NAPI_AUTO_LENGTH, file_size, NULL, &fn);
  napi_set_named_property(env, exports, "fileSize", fn);
  napi_create_function(env, "takeMessage", NAPI_AUTO_LENGTH, take_message, NULL, &fn);
  napi_set_named_property(env, exports, "takeMessage", fn);
  napi_create_function(env, "sendMessage", NAPI_AUTO_LENGTH, send_message, NULL, &fn);
  napi_set_named_property(env, exports, "sendMessage", fn);
}
