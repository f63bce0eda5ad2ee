/*
 * One hop between two processes, in C: through the file system as tfgw's
 * sessions pass a message (write a file, rename it into the other's directory,
 * which wakes the other's inotify; it reads the file and unlinks it), and
 * through a Unix socket, as a server's processes may pass one instead. Two
 * processes play ping-pong, 64-byte messages, and the round trip (two hops) is
 * timed, first with the scheduler free to place them, then with both on one
 * CPU. The difference between the two kinds is what file IPC costs per hop on
 * this machine whatever the program around it (docs/perf/analysis.md).
 *
 *   gcc -O2 -o /tmp/hops scripts/floor/hops.c && /tmp/hops <dir on the spool's file system> [rounds]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE 64

struct peer {
  const char *dir;
  int side;   /* 0 starts each round, 1 answers */
  int socket; /* this side's end of the socket pair */
  int notify; /* inotify on this side's inbox */
  int poll;   /* epoll on `notify`: a sleeping wait, as libuv's */
};

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void file_send(const struct peer *p, int n) {
  char staged[512], inbox_file[512], bytes[MESSAGE] = {0};
  snprintf(staged, sizeof staged, "%s/staged.%d", p->dir, p->side);
  snprintf(inbox_file, sizeof inbox_file, "%s/inbox.%d/%d", p->dir, 1 - p->side, n);
  int fd = open(staged, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, bytes, sizeof bytes) != (ssize_t)sizeof bytes || close(fd) != 0 || rename(staged, inbox_file) != 0) {
    perror("file hop: send");
    exit(1);
  }
}

static void file_receive(const struct peer *p, int n) {
  char events[4096], inbox_file[512], bytes[4096];
  struct epoll_event ready;
  while (epoll_wait(p->poll, &ready, 1, -1) != 1) {}
  while (read(p->notify, events, sizeof events) > 0) {}
  snprintf(inbox_file, sizeof inbox_file, "%s/inbox.%d/%d", p->dir, p->side, n);
  int fd = open(inbox_file, O_RDONLY);
  if (fd < 0 || read(fd, bytes, sizeof bytes) != MESSAGE || close(fd) != 0 || unlink(inbox_file) != 0) {
    perror("file hop: receive");
    exit(1);
  }
}

static void socket_send(const struct peer *p) {
  char bytes[MESSAGE] = {0};
  if (write(p->socket, bytes, sizeof bytes) != (ssize_t)sizeof bytes) exit(1);
}

static void socket_receive(const struct peer *p) {
  char bytes[MESSAGE];
  size_t got = 0;
  while (got < MESSAGE) {
    ssize_t n = read(p->socket, bytes, MESSAGE - got);
    if (n <= 0) exit(1);
    got += (size_t)n;
  }
}

/* One round: side 0 sends and waits for the answer, side 1 waits and answers. */
static void round_trip(const struct peer *p, int files, int n) {
  for (int step = 0; step < 2; step++) {
    int sending = (step == 0) == (p->side == 0);
    if (files) sending ? file_send(p, n) : file_receive(p, n);
    else sending ? socket_send(p) : socket_receive(p);
  }
}

static void run(const char *dir, int files, int one_cpu, int rounds) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) exit(1);
  pid_t child = fork();
  struct peer p = {.dir = dir, .side = child == 0 ? 1 : 0};
  p.socket = pair[p.side];
  if (one_cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  char inbox[512];
  snprintf(inbox, sizeof inbox, "%s/inbox.%d", dir, p.side);
  p.notify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  p.poll = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event want = {.events = EPOLLIN};
  if (inotify_add_watch(p.notify, inbox, IN_MOVED_TO) < 0 || epoll_ctl(p.poll, EPOLL_CTL_ADD, p.notify, &want) != 0) {
    perror("inotify");
    exit(1);
  }
  /* Both watch before the first message: a byte each way on the socket. */
  socket_send(&p);
  socket_receive(&p);
  double *times = malloc(sizeof(double) * (size_t)rounds);
  for (int n = 0; n < rounds + rounds / 10; n++) {
    double start = seconds();
    round_trip(&p, files, n);
    if (n >= rounds / 10) times[n - rounds / 10] = seconds() - start; /* the first tenth warms up */
  }
  if (child == 0) exit(0);
  waitpid(child, NULL, 0);
  qsort(times, (size_t)rounds, sizeof(double), by_value);
  printf("%-12s %-9s round trip p50 %6.1f us  p90 %6.1f us\n", files ? "file hops" : "Unix socket", one_cpu ? "one CPU" : "free",
         times[rounds / 2] * 1e6, times[rounds * 9 / 10] * 1e6);
  free(times);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <directory> [rounds]\n", argv[0]);
    return 2;
  }
  int rounds = argc > 2 ? atoi(argv[2]) : 20000;
  if (rounds < 10) rounds = 10;
  char dir[400];
  snprintf(dir, sizeof dir, "%s/.hops-%d", argv[1], (int)getpid());
  char inbox[512];
  mkdir(dir, 0700);
  for (int side = 0; side < 2; side++) {
    snprintf(inbox, sizeof inbox, "%s/inbox.%d", dir, side);
    mkdir(inbox, 0700);
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  for (int one_cpu = 0; one_cpu < 2; one_cpu++)
    for (int files = 0; files < 2; files++) run(dir, files, one_cpu, rounds);
  for (int side = 0; side < 2; side++) {
    snprintf(inbox, sizeof inbox, "%s/inbox.%d", dir, side);
    rmdir(inbox);
  }
  rmdir(dir);
  return 0;
}
