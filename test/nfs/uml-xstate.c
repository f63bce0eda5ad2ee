/*
 * Preloaded into the lab's User-mode Linux kernel (Debian's 6.1 build).
 *
 * That kernel keeps a task's extended CPU state in a 4 KiB buffer and writes it back with
 * PTRACE_SETREGSET (NT_X86_XSTATE). A host kernel accepts that write only when it is exactly
 * the size of the host's own XSAVE area, and on a CPU with AMX the area is 11008 bytes: every
 * write fails with EFAULT and the guest's init dies at its first instruction.
 *
 * This wrapper pads such a write to the host's size. A component that does not fit wholly in
 * the caller's buffer (on AMX hosts: the tile data) is written in its initial state; no guest
 * process can have used it, since the guest kernel never grants the permission AMX needs.
 * Every other ptrace call, and a write of the right size, passes through unchanged.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(enum __ptrace_request, pid_t, void *, void *);

/* Offset of XSTATE_BV, the bitmap of components present, in the standard XSAVE format. */
#define XSTATE_BV_OFFSET 512
/* Large enough for any XSAVE area so far; the host answers with the size it has. */
#define PROBE_SIZE 65536

static ptrace_fn next_ptrace(void) {
  static ptrace_fn next;
  if (!next) next = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
  return next;
}

/* The host's XSAVE size as ptrace reports it for this tracee, 0 if it cannot tell. */
static size_t host_xstate_size(pid_t pid) {
  static size_t size;
  if (size) return size;
  void *probe = malloc(PROBE_SIZE);
  if (!probe) return 0;
  struct iovec iov = {probe, PROBE_SIZE};
  if (next_ptrace()(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_X86_XSTATE, &iov) == 0)
    size = iov.iov_len;
  free(probe);
  return size;
}

/* Marks absent every component that ends beyond the first `given` bytes. */
static void drop_cut_components(unsigned char *area, size_t given) {
  uint64_t present;
  memcpy(&present, area + XSTATE_BV_OFFSET, sizeof present);
  for (unsigned int i = 2; i < 64; i++) {
    if (!(present & (1ULL << i))) continue;
    unsigned int size, offset, ecx, edx;
    if (!__get_cpuid_count(0xd, i, &size, &offset, &ecx, &edx)) continue;
    if ((size_t)offset + size > given) present &= ~(1ULL << i);
  }
  memcpy(area + XSTATE_BV_OFFSET, &present, sizeof present);
}

static long padded_xstate_write(pid_t pid, void *addr, struct iovec *given) {
  size_t full = host_xstate_size(pid);
  if (full <= given->iov_len || given->iov_len <= XSTATE_BV_OFFSET + 8)
    return next_ptrace()(PTRACE_SETREGSET, pid, addr, given);
  static __thread unsigned char *area;
  static __thread size_t area_size;
  if (area_size < full) {
    free(area);
    area = malloc(full);
    area_size = area ? full : 0;
    if (!area) {
      errno = ENOMEM;
      return -1;
    }
  }
  memcpy(area, given->iov_base, given->iov_len);
  memset(area + given->iov_len, 0, full - given->iov_len);
  drop_cut_components(area, given->iov_len);
  struct iovec padded = {area, full};
  return next_ptrace()(PTRACE_SETREGSET, pid, addr, &padded);
}

long ptrace(enum __ptrace_request request, ...) {
  va_list args;
  va_start(args, request);
  pid_t pid = va_arg(args, pid_t);
  void *addr = va_arg(args, void *);
  void *data = va_arg(args, void *);
  va_end(args);
  if (request == PTRACE_SETREGSET && (uintptr_t)addr == NT_X86_XSTATE && data)
    return padded_xstate_write(pid, addr, (struct iovec *)data);
  return next_ptrace()(request, pid, addr, data);
}
