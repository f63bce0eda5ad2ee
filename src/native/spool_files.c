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
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native_args.h"

/* The answers JavaScript reads (src/native/index.ts names them). */
#define TAKE_VANISHED (-1)
#define TAKE_OTHER (-2)
#define TAKE_REUSED (1 << 30)
#define SEND_SLOW 1
#define SEND_QUEUED_REUSED 2
#define SEND_WRITE_FAILED_BASE 100000

/*
 * Where a file is cleared before it goes to its slot: the slot's directory, under
 * a name that is not a slot number, so no writer takes it meanwhile. 0 when the
 * slot's path has no directory part or no room.
 */
static int clearing_path(const char *blank, char out[PATH_MAX]) {
  const char *slash = strrchr(blank, '/');
  if (slash == NULL) return 0;
  int n = snprintf(out, PATH_MAX, "%.*s/clearing", (int)(slash - blank), blank);
  return n > 0 && n < PATH_MAX;
}

/* Files up to this size are handed back overwritten with zeros, bigger ones emptied. */
#define WIPE_BYTES 4096

/*
 * Clears a file read, for reuse: a small one is overwritten with zeros, which
 * keeps its page for the next message (emptying it gives the page back, and the
 * next write takes one again: about 10 microseconds more on ext4); a bigger one
 * is emptied. 1 when done.
 */
static int clear_file(int fd, off_t size) {
  static const uint8_t zeros[WIPE_BYTES];
  if (size > WIPE_BYTES) return ftruncate(fd, 0) == 0;
  return size == 0 || pwrite(fd, zeros, (size_t)size, 0) == (ssize_t)size;
}

/*
 * take_message(path, buffer[, blank]) -> bytes (the message is in
 * buffer[0..n) and the file is gone from the inbox; TAKE_REUSED is added when it
 * was cleared and renamed to `blank`, otherwise it was unlinked) | TAKE_VANISHED
 * (no such entry) | TAKE_OTHER (not read, not removed: a link, not a regular
 * file, as big as the buffer or bigger, an error).
 */
static napi_value take_message(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = call_args(env, info, argv, 3);
  char file[PATH_MAX], blank[PATH_MAX];
  uint8_t *buf = NULL;
  size_t cap = 0;
  if (argc < 2 || !path_arg(env, argv[0], file) || !bytes_arg(env, argv[1], &buf, &cap)) return int_value(env, TAKE_OTHER);
  char clearing[PATH_MAX];
  int reuse = argc >= 3 && path_arg(env, argv[2], blank) && clearing_path(blank, clearing);
  /* Emptying the file for reuse needs it open for writing; one we may not write is only read. */
  int fd = reuse ? open(file, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) : -1;
  if (fd < 0) {
    if (reuse && errno == ENOENT) return int_value(env, TAKE_VANISHED);
    reuse = 0;
    fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  }
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
    /* Read to its size: no second call to learn that the file ends there. */
    if (got == (size_t)st.st_size) break;
  }
  /* Filled to the brim: it grew since fstat; the JavaScript reader reads it whole. */
  if (got == cap) {
    close(fd);
    return int_value(env, TAKE_OTHER);
  }
  /*
   * Moved out of the inbox first (clearing it there would notify the inbox's
   * watch once more), cleared under a name no writer takes, and only then put in
   * its slot: a writer that takes the slot never finds bytes of the message read,
   * and never has its own message overwritten by the clearing.
   */
  if (reuse && private_file(&st) && rename(file, clearing) == 0) {
    int cleared = clear_file(fd, st.st_size);
    close(fd);
    if (cleared && rename(clearing, blank) == 0) return int_value(env, (int32_t)got + TAKE_REUSED);
    unlink(clearing);
    return int_value(env, (int32_t)got);
  }
  close(fd);
  unlink(file); /* gone already: the inbox is going away, the message is read */
  return int_value(env, (int32_t)got);
}

/*
 * The staged file: the destination's handed-back `blank` when there is one that
 * may be reused (renamed to `staged` and opened, never created, never followed),
 * otherwise a new one. 1 when it is a reused one, 0 when new, -1 when none.
 */
static int open_staged(const char *blank, const char *staged, int *fd, off_t *old_size) {
  if (blank != NULL && rename(blank, staged) == 0) {
    *fd = open(staged, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (*fd >= 0 && fstat(*fd, &st) == 0 && private_file(&st)) { *old_size = st.st_size; return 1; }
    if (*fd >= 0) close(*fd);
    /* Not one to write into: its name goes, whatever it is. */
    unlink(staged);
  }
  *fd = open(staged, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  return *fd >= 0 ? 0 : -1;
}

/*
 * send_message(link, fullMark, staged, bytes, destination[, blank]) -> 0
 * (renamed in) | SEND_QUEUED_REUSED (renamed in, written into `blank`) |
 * SEND_SLOW (nothing written: the link is not a directory, the full mark is
 * there, or the staged file could not be created) | SEND_WRITE_FAILED_BASE +
 * errno (writing or closing failed; the staged file is removed) | -errno (the
 * rename failed; the staged file is still there).
 */
static napi_value send_message(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  size_t argc = call_args(env, info, argv, 6);
  char link[PATH_MAX], full[PATH_MAX], staged[PATH_MAX], destination[PATH_MAX], blank[PATH_MAX];
  uint8_t *data = NULL;
  size_t length = 0;
  if (argc < 5 || !path_arg(env, argv[0], link) || !path_arg(env, argv[1], full) || !path_arg(env, argv[2], staged) ||
      !bytes_arg(env, argv[3], &data, &length) || !path_arg(env, argv[4], destination))
    return int_value(env, SEND_SLOW);
  struct stat st;
  if (stat(link, &st) != 0 || !S_ISDIR(st.st_mode)) return int_value(env, SEND_SLOW);
  if (stat(full, &st) == 0) return int_value(env, SEND_SLOW);
  int fd = -1;
  off_t old_size = 0;
  int reused = open_staged(argc >= 6 && path_arg(env, argv[5], blank) ? blank : NULL, staged, &fd, &old_size);
  if (reused < 0) return int_value(env, SEND_SLOW);
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
  if (failed == 0 && old_size > (off_t)length && ftruncate(fd, (off_t)length) != 0) failed = errno;
  /* A network file system may report a failed write only at close. */
  if (close(fd) != 0 && failed == 0) failed = errno;
  if (failed != 0) {
    unlink(staged);
    return int_value(env, SEND_WRITE_FAILED_BASE + failed);
  }
  if (rename(staged, destination) != 0) return int_value(env, -errno);
  return int_value(env, reused ? SEND_QUEUED_REUSED : 0);
}

/* file_size(path) -> bytes (following links, as stat does) | -1 (not there, or no stat) */
static napi_value file_size(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = call_args(env, info, argv, 1);
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
