/* app/common/sysutil.c — clock, terminals, files, messages and stop
 * signals shared by the whole program (see sysutil.h). */
#include "common/sysutil.h"

#include <irvi/irvi.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double app_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double app_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void app_fmt_duration(double s, char *buf, size_t cap)
{
    if (!(s >= 0) || s > 1e8)
        snprintf(buf, cap, "?");
    else if (s > 0 && s < 0.5) /* work is left: not "0s" */
        snprintf(buf, cap, "<1s");
    else if (s < 60)
        snprintf(buf, cap, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

app_term app_terminal(int fd)
{
    if (!isatty(fd))
        return APP_TERM_NOT_TTY;
    const char *term = getenv("TERM");
    if (!term || !*term)
        return APP_TERM_UNSET;
    if (!strcmp(term, "dumb"))
        return APP_TERM_DUMB;
    return APP_TERM_OK;
}

int app_redraws(int fd)
{
    return app_terminal(fd) == APP_TERM_OK;
}

const char *app_asset(const char *rel, char *buf, size_t cap)
{
    const char *root = getenv("IRVI_ASSETS_DIR");
    snprintf(buf, cap, "%s/%s", root && root[0] ? root : IRVI_SOURCE_ASSETS, rel);
    return buf;
}

void app_report(const char *what, int status)
{
    const char *detail = irvi_last_error();
    fprintf(stderr, "irvi: %s: %s%s%s\n", what, irvi_status_str((irvi_status)status),
            detail[0] ? ": " : "", detail);
}

FILE *app_atomic_open(const char *path, const char *suffix, char *tmp, size_t cap)
{
    if (snprintf(tmp, cap, "%s%s", path, suffix) >= (int)cap) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    return fopen(tmp, "wb");
}

/* Make a rename durable: fsync the directory holding path (best effort;
 * some file systems refuse to fsync directories). */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int app_atomic_close(FILE *f, const char *tmp, const char *path, int commit, const char **what)
{
    const char *w = NULL;
    if (ferror(f) || fflush(f) != 0)
        w = "cannot write";
    else if (commit && fsync(fileno(f)) != 0)
        w = "cannot sync";
    int e = errno;
    if (fclose(f) != 0 && !w) {
        w = "cannot write";
        e = errno;
    }
    if (!w && commit && rename(tmp, path) != 0) {
        w = "cannot replace";
        e = errno;
    }
    if (w || !commit) {
        unlink(tmp);
        errno = e ? e : EIO;
        if (what)
            *what = w;
        return w ? -1 : 0;
    }
    sync_parent(path);
    return 0;
}

int app_mkdir_p(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return -1;
    struct stat sb;
    if (stat(buf, &sb) != 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

volatile sig_atomic_t app_stop_signal;

static void on_stop_signal(int sig)
{
    app_stop_signal = sig;
    irvi_request_cancel(1); /* a running validation or evaluation stops at its next chunk */
}

static void on_stop_flag(int sig)
{
    app_stop_signal = sig;
}

void app_catch_stop_signals(int mode)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = mode == APP_STOP_CANCEL ? on_stop_signal : on_stop_flag;
    sa.sa_flags = mode == APP_STOP_CANCEL ? SA_RESETHAND : 0; /* a second signal kills at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
