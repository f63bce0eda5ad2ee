/*
 * A small file replaced as a whole, for a run record (docs/SPOOL.md §3.6):
 * written into a spare file of its own and exchanged with the record in one
 * rename. The spare is the previous record, overwritten: after the first two
 * writes no file is created or freed, and no rename replaces a file. On ext4 a
 * rename over a file flushes the new file's data to the disk first (its
 * auto_da_alloc guard), and a creation right after deletions searches past the
 * recently freed inodes; a run record is written for each connection's state
 * changes, by every session process in the one `.run` directory.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native_args.h"

/* The answers JavaScript reads (src/native/index.ts names them). */
#define RECORD_EXCHANGED 0
#define RECORD_RENAMED 1
#define RECORD_NO_EXCHANGE 2

/* The spare, opened for writing: the existing one when it is private, else a new one. */
static int open_spare(const char *spare, off_t *old_size) {
  int fd = open(spare, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && private_file(&st)) {
    *old_size = st.st_size;
    return fd;
  }
  if (fd >= 0) close(fd);
  /* Missing, or not a file to write through (a link, another name): a new one. */
  if (errno != ENOENT || fd >= 0) unlink(spare);
  *old_size = 0;
  return open(spare, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
}

static int write_all(int fd, const uint8_t *data, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = pwrite(fd, data + done, length - done, (off_t)done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += (size_t)n;
  }
  return 0;
}

/*
 * replace_record(file, spare, bytes) -> RECORD_EXCHANGED (`file` holds `bytes`,
 * `spare` the previous record) | RECORD_RENAMED (there was no `file`: the spare
 * was renamed to it) | RECORD_NO_EXCHANGE (the file system cannot exchange
 * names, NFS for one: renamed over `file`, and the caller writes its own way
 * from now on) | -errno (nothing replaced; the spare may hold anything).
 */
struct record_call {
  char file[PATH_MAX];
  char spare[PATH_MAX];
  uint8_t *data;
  size_t length;
};

static int record_call_args(napi_env env, napi_callback_info info, struct record_call *call) {
  napi_value argv[3];
  return call_args(env, info, argv, 3) == 3 && path_arg(env, argv[0], call->file) && path_arg(env, argv[1], call->spare) &&
         bytes_arg(env, argv[2], &call->data, &call->length);
}

static napi_value replace_record(napi_env env, napi_callback_info info) {
  struct record_call call;
  if (!record_call_args(env, info, &call)) return int_value(env, -EINVAL);
  const char *file = call.file, *spare = call.spare;
  const uint8_t *data = call.data;
  size_t length = call.length;
  off_t old_size = 0;
  int fd = open_spare(spare, &old_size);
  if (fd < 0) return int_value(env, -errno);
  int failed = write_all(fd, data, length);
  if (failed == 0 && old_size > (off_t)length && ftruncate(fd, (off_t)length) != 0) failed = errno;
  if (close(fd) != 0 && failed == 0) failed = errno;
  if (failed != 0) return int_value(env, -failed);
  if (renameat2(AT_FDCWD, spare, AT_FDCWD, file, RENAME_EXCHANGE) == 0) return int_value(env, RECORD_EXCHANGED);
  int why = errno;
  if (why != ENOENT && why != EINVAL && why != ENOSYS && why != EOPNOTSUPP) return int_value(env, -why);
  if (rename(spare, file) != 0) return int_value(env, -errno);
  return int_value(env, why == ENOENT ? RECORD_RENAMED : RECORD_NO_EXCHANGE);
}

void tfgw_export_record_file(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "replaceRecord", NAPI_AUTO_LENGTH, replace_record, NULL, &fn);
  napi_set_named_property(env, exports, "replaceRecord", fn);
}
