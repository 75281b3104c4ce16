/* tests/fuzz/fuzz_util.h — helpers shared by the libFuzzer harnesses: the
 * input as a file (a memfd, opened through /proc/self/fd/N, so no disk i/o
 * and no temporary files are left behind), and a quiet stderr for code that
 * prints (the sanitizers write their reports to fd 2, which stays open). */
#ifndef IRVI_FUZZ_UTIL_H
#define IRVI_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Put data into a memory-backed file and return a path that opens it. */
static inline const char *fuzz_as_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("irvi-fuzz", MFD_CLOEXEC);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0)
        abort();
    size_t done = 0;
    while (done < size) {
        ssize_t k = pwrite(fd, data + done, size - done, (off_t)done);
        if (k <= 0)
            abort();
        done += (size_t)k;
    }
    return path;
}

/* Send stdio's stderr (not fd 2) to /dev/null: messages of the code under
 * test cost time and hide the fuzzer's own output. */
static inline void fuzz_quiet_stderr(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    FILE *null = fopen("/dev/null", "w");
    if (null && !getenv("FUZZ_VERBOSE"))
        stderr = null;
}

/* Invariant check that survives -DNDEBUG: a failure is a crash the fuzzer keeps. */
#define FUZZ_ASSERT(c)                                                                  \
    do {                                                                                \
        if (!(c)) {                                                                     \
            fprintf(stdout, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c);  \
            fflush(stdout);                                                             \
            abort();                                                                    \
        }                                                                               \
    } while (0)

#endif
