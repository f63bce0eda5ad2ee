/*
 * The few socket calls Node.js 20 does not expose, for the server:
 *  - listen_tcp: a listening socket as a bare descriptor that no event loop polls,
 *    so the listening process can hold it and hand it to session processes, which
 *    accept from it themselves;
 *  - dup_cloexec: a private copy of a descriptor (each accept round in a session
 *    process listens on a copy and closes it after one connection);
 *  - set_keepalive: SO_KEEPALIVE with TCP_KEEPIDLE/KEEPINTVL/KEEPCNT and
 *    TCP_USER_TIMEOUT, for the KEEPALIVE command;
 *  - set_quickack: TCP_QUICKACK, which the kernel clears again after a while, so a
 *    client that wants every segment acknowledged at once re-arms it after each
 *    read (the bench's --quick-ack, against servers whose replies meet Nagle and
 *    delayed ACK);
 *  - pending: whether connections wait in a listening socket's backlog (the
 *    listener's check that someone is accepting, without accepting itself);
 *  - release_memory: a low-memory V8 collection (tfgw_v8.cc), then malloc_trim(),
 *    so that an idle session process hands back what start-up and past bursts
 *    freed;
 *  - set_v8_flags: a V8 flag changed at run time (tfgw_v8.cc);
 *  - parent_death_signal: prctl(PR_SET_PDEATHSIG), so that the kernel tells a
 *    session process holding listening sockets that its listener died, instead
 *    of the process asking getppid() several times a second for its whole life.
 * Errors come back as negative errno values. The per-message file operations
 * are in spool_files.c.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <malloc.h>
#include <unistd.h>

static int32_t arg_int(napi_env env, napi_value v) {
  int32_t out = 0;
  napi_get_value_int32(env, v, &out);
  return out;
}

/* A string argument into out[size]: its length, or -1 when it is not a string or does not fit. */
static long string_arg(napi_env env, napi_value v, char *out, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok || len >= size - 1) return -1;
  return (long)len;
}

static napi_value make_int(napi_env env, int32_t n) {
  napi_value out;
  napi_create_int32(env, n, &out);
  return out;
}

/* listen_tcp(host: string (numeric IPv4 or IPv6), port, backlog, v6only) -> fd | -errno */
static napi_value listen_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char host[64];
  if (string_arg(env, argv[0], host, sizeof host) < 0) return make_int(env, -EINVAL);
  int port = arg_int(env, argv[1]);
  int backlog = arg_int(env, argv[2]);
  int v6only = arg_int(env, argv[3]);

  struct sockaddr_storage addr;
  socklen_t addrlen;
  memset(&addr, 0, sizeof addr);
  int family;
  struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    family = AF_INET;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    addrlen = sizeof *a4;
  } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    family = AF_INET6;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    addrlen = sizeof *a6;
  } else {
    return make_int(env, -EAFNOSUPPORT);
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_int(env, -errno);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  if (bind(fd, (struct sockaddr *)&addr, addrlen) < 0 || listen(fd, backlog) < 0) {
    int err = errno;
    close(fd);
    return make_int(env, -err);
  }
  return make_int(env, fd);
}

/* local_port(fd) -> port | -errno */
static napi_value local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;
  if (getsockname(arg_int(env, argv[0]), (struct sockaddr *)&addr, &len) < 0) return make_int(env, -errno);
  if (addr.ss_family == AF_INET) return make_int(env, ntohs(((struct sockaddr_in *)&addr)->sin_port));
  return make_int(env, ntohs(((struct sockaddr_in6 *)&addr)->sin6_port));
}

/* dup_cloexec(fd) -> new fd | -errno */
static napi_value dup_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd = fcntl(arg_int(env, argv[0]), F_DUPFD_CLOEXEC, 0);
  return make_int(env, fd < 0 ? -errno : fd);
}

/* close_fd(fd) -> 0 | -errno */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return make_int(env, close(arg_int(env, argv[0])) < 0 ? -errno : 0);
}

/* set_keepalive(fd, enable, idle s, interval s, count, user timeout ms) -> 0 | -errno */
static napi_value set_keepalive(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd = arg_int(env, argv[0]);
  int enable = arg_int(env, argv[1]) ? 1 : 0;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &enable, sizeof enable) < 0) return make_int(env, -errno);
  if (!enable) return make_int(env, 0);
  int idle = arg_int(env, argv[2]);
  int interval = arg_int(env, argv[3]);
  int count = arg_int(env, argv[4]);
  unsigned int user_timeout = (unsigned int)arg_int(env, argv[5]);
  if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) < 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) < 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count) < 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout) < 0) {
    return make_int(env, -errno);
  }
  return make_int(env, 0);
}

/* set_quickack(fd, on) -> 0 | -errno */
static napi_value set_quickack(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int on = arg_int(env, argv[1]) ? 1 : 0;
  if (setsockopt(arg_int(env, argv[0]), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on) < 0) return make_int(env, -errno);
  return make_int(env, 0);
}

/* get_quickack(fd) -> 0 | 1 | -errno (for tests) */
static napi_value get_quickack(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(arg_int(env, argv[0]), IPPROTO_TCP, TCP_QUICKACK, &value, &len) < 0) return make_int(env, -errno);
  return make_int(env, value ? 1 : 0);
}

/* get_keepalive(fd) -> [enabled, idle, interval, count, user timeout ms] (for tests) */
static napi_value get_keepalive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd = arg_int(env, argv[0]);
  int values[5] = {0, 0, 0, 0, 0};
  socklen_t len = sizeof(int);
  getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &values[0], &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &values[1], &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &values[2], &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &values[3], &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &values[4], &len);
  napi_value out;
  napi_create_array_with_length(env, 5, &out);
  for (uint32_t i = 0; i < 5; i++) napi_set_element(env, out, i, make_int(env, values[i]));
  return out;
}

/* pending(fd) -> 1 when a listening socket has connections waiting to be accepted, 0 if not, -errno */
static napi_value pending(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct pollfd p = {.fd = arg_int(env, argv[0]), .events = POLLIN, .revents = 0};
  int n = poll(&p, 1, 0);
  if (n < 0) return make_int(env, -errno);
  return make_int(env, n > 0 && (p.revents & POLLIN) ? 1 : 0);
}

int tfgw_low_memory_notification(void);

/* V8 low-memory collection, then malloc_trim() -> 1 if memory was returned to the system */
static napi_value release_memory(napi_env env, napi_callback_info info) {
  (void)info;
  tfgw_low_memory_notification();
  return make_int(env, malloc_trim(0));
}

void tfgw_set_v8_flags(const char *flags, size_t length);

/* set_v8_flags(flags: string) -> 0 | -EINVAL (not a string, or longer than 255 bytes) */
static napi_value set_v8_flags(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char flags[256];
  long len = argc < 1 ? -1 : string_arg(env, argv[0], flags, sizeof flags);
  if (len < 0) return make_int(env, -EINVAL);
  tfgw_set_v8_flags(flags, (size_t)len);
  return make_int(env, 0);
}

/* parent_death_signal(signo) -> 0 | -errno: signo arrives when the thread that started this process ends */
static napi_value parent_death_signal(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (prctl(PR_SET_PDEATHSIG, (unsigned long)arg_int(env, argv[0]), 0, 0, 0) < 0) return make_int(env, -errno);
  return make_int(env, 0);
}

void tfgw_export_spool_files(napi_env env, napi_value exports);
void tfgw_export_record_file(napi_env env, napi_value exports);

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

NAPI_MODULE_INIT() {
  export_fn(env, exports, "listenTcp", listen_tcp);
  export_fn(env, exports, "localPort", local_port);
  export_fn(env, exports, "dupCloexec", dup_cloexec);
  export_fn(env, exports, "closeFd", close_fd);
  export_fn(env, exports, "setKeepalive", set_keepalive);
  export_fn(env, exports, "getKeepalive", get_keepalive);
  export_fn(env, exports, "setQuickAck", set_quickack);
  export_fn(env, exports, "getQuickAck", get_quickack);
  export_fn(env, exports, "releaseMemory", release_memory);
  export_fn(env, exports, "pending", pending);
  export_fn(env, exports, "parentDeathSignal", parent_death_signal);
  export_fn(env, exports, "setV8Flags", set_v8_flags);
  tfgw_export_spool_files(env, exports);
  tfgw_export_record_file(env, exports);
  return exports;
}
