/* Preloaded ahead of libfaketime by scripts/test-at. */
#define _GNU_SOURCE
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <sys/syscall.h>
/* clock_nanosleep straight to the kernel, ahead of libfaketime's interposed one. */
int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request, struct timespec *remain) {
    long rc = syscall(SYS_clock_nanosleep, clock_id, flags, request, remain);
    return rc == -1 ? errno : 0;
}
