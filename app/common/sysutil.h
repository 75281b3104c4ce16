/* app/sysutil.h — process-level helpers the commands share: creating an
 * output directory, and the SIGINT/SIGTERM flag that asks a long command to
 * stop at its next step boundary. */
#ifndef IRVI_APP_SYSUTIL_H
#define IRVI_APP_SYSUTIL_H

#include <signal.h>

/* mkdir -p; 0, or -1 with errno (ENOTDIR when path exists as a file) */
int app_mkdir_p(const char *path);

/* The signal number that asked to stop, 0 until then. */
extern volatile sig_atomic_t app_stop_signal;
/* SIGINT and SIGTERM set app_stop_signal and cancel a running evaluation at
 * its next chunk; a second signal kills at once. */
void app_catch_stop_signals(void);

#endif
