/* app/cli/cmd_watch.c — irvi watch: several runs' curves side by side, live
 * in the terminal UI (following their metrics.jsonl as they grow), or
 * exported once as PNG / CSV for scripts. */
#include "cli/commands.h"
#include "common/args.h"
#include "live/tui.h"
#include "live/watch.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void watch_usage(FILE *f)
{
    fprintf(f,
            "usage: irvi watch DIR... [--png FILE] [--csv FILE] [--series NAME] [--x AXIS]\n"
            "                         [--xlog] [--ylog] [--smooth W] [--zoom F] [--highlight I]\n"
            "  DIR      a run folder (with metrics.jsonl) or a folder above runs, e.g. an\n"
            "           experiment root: every folder under it holding metrics.jsonl\n"
            "  --png    write the overlay (SERIES on top, valid_ess below) and exit\n"
            "  --csv    write every run's rows (run,epoch,updates,seconds,series...) and exit\n"
            "  --series valid_lb (default), valid_lb0, valid_ll or train_lb\n"
            "  --x      epoch (default), updates or seconds\n"
            "  --xlog   logarithmic x axis;  --ylog  log of the distance to the best value\n"
            "  --smooth W  EMA weight in [0, 1);  --zoom F  the last fraction F of the x range\n"
            "  --highlight I  run I (1.., in the order given) over the others, which turn pale\n"
            "Without --png / --csv: the terminal UI, live, starting with the reading these\n"
            "flags give (? lists the keys that change it).\n");
}

int cmd_watch(int argc, char **argv)
{
    char *paths[64];
    int np = 0;
    const char *png = NULL, *csv = NULL;
    watch_view view = {WS_VALID_LB, PLOT_X_EPOCH, 0, 0, 0, 1, 0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            watch_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--xlog")) {
            view.xlog = 1;
        } else if (!strcmp(a, "--ylog")) {
            view.ylog = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            if (!v) {
                fprintf(stderr, "irvi watch: %s needs a value\n", a);
                return 2;
            }
            i++;
            if (!strcmp(a, "--png"))
                png = v;
            else if (!strcmp(a, "--csv"))
                csv = v;
            else if (!strcmp(a, "--smooth")) {
                if (args_double("--smooth", v, 0, 0.999, 0, &view.smooth))
                    return 2;
            } else if (!strcmp(a, "--zoom")) {
                if (args_double("--zoom", v, 0, 1, 1, &view.zoom))
                    return 2;
            } else if (!strcmp(a, "--highlight")) {
                if (args_int("--highlight", v, 1, WATCH_MAX_RUNS, &view.highlight))
                    return 2;
            } else if (!strcmp(a, "--x")) {
                if (!strcmp(v, "epoch"))
                    view.xaxis = PLOT_X_EPOCH;
                else if (!strcmp(v, "updates"))
                    view.xaxis = PLOT_X_UPDATE;
                else if (!strcmp(v, "seconds"))
                    view.xaxis = PLOT_X_SECONDS;
                else {
                    fprintf(stderr, "irvi watch: --x %s: want epoch, updates or seconds\n", v);
                    return 2;
                }
            } else if (!strcmp(a, "--series")) {
                int k = 0;
                while (k < WS_VALID_ESS && strcmp(v, watch_series_key[k]))
                    k++;
                if (k == WS_VALID_ESS) {
                    fprintf(stderr, "irvi watch: --series %s: want valid_lb, valid_lb0, valid_ll or train_lb\n", v);
                    return 2;
                }
                view.lb = (watch_series)k;
            } else {
                fprintf(stderr, "irvi watch: unknown option %s\n", a);
                watch_usage(stderr);
                return 2;
            }
        } else if (np < 64) {
            paths[np++] = argv[i];
        }
    }
    if (np == 0) {
        watch_usage(stderr);
        return 2;
    }
    static watch_set w; /* large: not on the stack */
    char err[512];
    if (watch_open(&w, paths, np, err, sizeof err) != 0) {
        fprintf(stderr, "irvi %s\n", err);
        return 1;
    }
    if (view.highlight > w.n) {
        fprintf(stderr, "irvi watch: --highlight %d: there are %d runs\n", view.highlight, w.n);
        watch_close(&w);
        return 2;
    }
    int rc = 0;
    if (png || csv) {
        watch_poll(&w, NULL, NULL);
        if (png && watch_write_png(&w, png, &view, err, sizeof err) != 0)
            rc = 1;
        if (rc == 0 && csv && watch_write_csv(&w, csv, err, sizeof err) != 0)
            rc = 1;
        if (rc)
            fprintf(stderr, "irvi %s\n", err);
        watch_close(&w);
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    atexit(tui_emergency_restore);
    tui *t = tui_open_watch(&w, &view, err, sizeof err);
    if (!t) {
        fprintf(stderr, "irvi watch: no terminal UI (%s); use --png / --csv\n", err);
        watch_close(&w);
        return 1;
    }
    while (!g_stop && tui_frame(t, 100) == 0) {
    }
    tui_close(t);
    watch_close(&w);
    return 0;
}
