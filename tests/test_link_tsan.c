/* tests/test_link_tsan.c — app/live/link.c, the engine/UI boundary, under two
 * threads, written to be run under ThreadSanitizer as well (any build works;
 * -Db_sanitize=thread makes the data-race check meaningful).
 *
 *   queue      before the engine runs, exactly LINK_QUEUE commands fit and the
 *              next is refused; they come out in order. Then the UI thread
 *              sends NCMD numbered commands (retrying when the queue is full)
 *              while the engine thread takes them (polling, with a timeout, or
 *              blocking): every accepted command arrives once, in order.
 *   points     the engine pushes NPTS numbered points; the UI reads them in
 *              chunks: consecutive numbers, only what wrap-around dropped
 *              (counted) missing, nothing after the last one pushed.
 *   snapshots  status and tiles are replaced whole: every copy the UI gets is
 *              internally consistent (no torn record), and the values and
 *              generation counters never go back.
 *   log        lines arrive in order (older ones may be dropped by the ring).
 */
#include "check.h"
#include "live/link.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#define NCMD 20000
#define NPTS 200000
#define NSNAP 3000

static app_link g_link;

/* engine-side results, read by main after join */
static int e_cmds, e_order_bad, e_blocking_ok;

static void fill_tiles(app_tiles *t, int k)
{
    t->n = LINK_MAX_DIGITS;
    t->rows = t->cols = 28;
    t->steps = k;
    for (int i = 0; i < LINK_MAX_DIGITS; i++) {
        t->index[i] = k;
        t->label[i] = k % 10;
        t->lb0[i] = -k;
        t->lbK[i] = -k - 0.5;
        t->truth[i][0] = t->unrefined[i][391] = t->refined[i][783] = (float)k;
    }
}

static int tiles_consistent(const app_tiles *t)
{
    int k = t->steps;
    for (int i = 0; i < t->n; i++)
        if (t->index[i] != k || t->label[i] != k % 10 || t->lb0[i] != -k ||
            t->lbK[i] != -k - 0.5 || t->truth[i][0] != (float)k ||
            t->unrefined[i][391] != (float)k || t->refined[i][783] != (float)k)
            return 0;
    return 1;
}

static void *engine(void *arg)
{
    (void)arg;
    app_status st;
    memset(&st, 0, sizeof st);
    app_tiles *tiles = calloc(1, sizeof *tiles);
    int next = 0, pushed = 0, snaps = 0;
    app_cmd c;
    /* the first command is awaited blocking (wait_ms < 0) */
    if (link_recv(&g_link, &c, -1) && c.kind == CMD_SET_K && c.ival == next) {
        e_blocking_ok = 1;
        next++;
    }
    for (int round = 0;; round++) {
        /* take some of what is there: poll, or wait a little on odd rounds */
        for (int k = 0; k < 32 && link_recv(&g_link, &c, round % 2 ? 1 : 0); k++) {
            if (c.kind == CMD_QUIT)
                goto done;
            if (c.kind != CMD_SET_K || c.ival != next)
                e_order_bad++;
            next = c.ival + 1;
            e_cmds++;
        }
        for (int k = 0; k < 64 && pushed < NPTS; k++, pushed++) {
            metric_point p = {SERIES_TRAIN_LB, pushed, pushed, pushed, (double)pushed};
            link_push_point(&g_link, &p);
        }
        if (snaps < NSNAP) {
            snaps++;
            st.updates = snaps;
            st.epoch = snaps;
            st.batch = snaps % 7;
            st.last_lb = -snaps;
            snprintf(st.model, sizeof st.model, "SBN %d", snaps);
            link_set_status(&g_link, &st);
            fill_tiles(tiles, snaps);
            link_set_tiles(&g_link, tiles);
            if (snaps % 10 == 0)
                link_log(&g_link, "line %d", snaps / 10);
        }
    }
done:
    /* publish the final state the UI waits for */
    for (; pushed < NPTS; pushed++) {
        metric_point p = {SERIES_TRAIN_LB, pushed, pushed, pushed, (double)pushed};
        link_push_point(&g_link, &p);
    }
    st.updates = NSNAP;
    st.finished = 1;
    link_set_status(&g_link, &st);
    free(tiles);
    return NULL;
}

static void test_queue_alone(void)
{
    app_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = CMD_SET_M;
    int accepted = 0;
    for (int i = 0; i < LINK_QUEUE + 5; i++) {
        c.ival = i;
        accepted += link_send(&g_link, &c) == 0;
    }
    CHECK(accepted == LINK_QUEUE);
    int got = 0, order = 1;
    app_cmd r;
    while (link_recv(&g_link, &r, 0)) {
        order &= r.ival == got && r.kind == CMD_SET_M;
        got++;
    }
    CHECK(got == LINK_QUEUE && order);
    /* an empty queue with a timeout returns nothing, after about that long */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK(link_recv(&g_link, &r, 20) == 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    CHECK_MSG(ms >= 15, "timed wait returned after %.1f ms", ms);
}

int main(void)
{
    link_init(&g_link);
    test_queue_alone();

    pthread_t th;
    CHECK(pthread_create(&th, NULL, engine, NULL) == 0);

    /* UI side */
    app_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = CMD_SET_K;
    int sent = 0, refused = 0, sent_quit = 0;
    uint64_t since = 0, dropped = 0, sgen = 0, tgen = 0, lsince = 0;
    uint64_t last_sgen = 0, last_tgen = 0;
    long last_upd = -1;
    int last_steps = -1, last_line = 0;
    double expect = 0;
    int pts_bad = 0, torn_status = 0, torn_tiles = 0, back = 0, log_bad = 0, finished = 0;
    long n_points = 0, n_status = 0, n_tiles = 0, n_log = 0;
    metric_point buf[512];
    app_status st;
    app_tiles *tiles = calloc(1, sizeof *tiles);
    char (*lines)[LINK_LOG_LEN] = calloc(LINK_LOG_LINES, LINK_LOG_LEN);
    while (!finished) {
        for (int k = 0; k < 8 && sent < NCMD; k++) {
            c.ival = sent;
            if (link_send(&g_link, &c) == 0)
                sent++;
            else {
                refused++;
                sched_yield();
                break;
            }
        }
        if (sent == NCMD && !sent_quit) {
            app_cmd q = {.kind = CMD_QUIT};
            while (link_send(&g_link, &q) != 0)
                sched_yield();
            sent_quit = 1;
        }
        int n;
        while ((n = link_points_since(&g_link, &since, buf, 512, &dropped)) > 0) {
            for (int i = 0; i < n; i++) {
                /* after a drop the stream resumes at since - n + i */
                double want = (double)(since - (uint64_t)n + (uint64_t)i);
                if (buf[i].y != want || buf[i].y < expect)
                    pts_bad++;
                expect = buf[i].y + 1;
            }
            n_points += n;
        }
        if (link_get_status(&g_link, &sgen, &st)) {
            n_status++;
            char want[64];
            snprintf(want, sizeof want, "SBN %ld", st.updates);
            if (!st.finished && (st.epoch != st.updates || st.batch != st.updates % 7 ||
                                 st.last_lb != -st.updates || strcmp(st.model, want)))
                torn_status++;
            if (st.updates < last_upd || sgen <= last_sgen)
                back++;
            last_upd = st.updates;
            last_sgen = sgen;
            finished = st.finished;
        }
        if (link_get_tiles(&g_link, &tgen, tiles)) {
            n_tiles++;
            if (!tiles_consistent(tiles))
                torn_tiles++;
            if (tiles->steps < last_steps || tgen <= last_tgen)
                back++;
            last_steps = tiles->steps;
            last_tgen = tgen;
        }
        int nl = link_log_since(&g_link, &lsince, lines, LINK_LOG_LINES);
        for (int i = 0; i < nl; i++) {
            int v = 0;
            if (sscanf(lines[i], "line %d", &v) != 1 || v <= last_line)
                log_bad++;
            last_line = v;
        }
        n_log += nl;
    }
    pthread_join(th, NULL);
    /* whatever is left in the ring after the engine finished */
    int n;
    while ((n = link_points_since(&g_link, &since, buf, 512, &dropped)) > 0) {
        for (int i = 0; i < n; i++) {
            double want = (double)(since - (uint64_t)n + (uint64_t)i);
            if (buf[i].y != want || buf[i].y < expect)
                pts_bad++;
            expect = buf[i].y + 1;
        }
        n_points += n;
    }

    printf("commands: %d sent (%d refused while full), %d received; points: %ld read + %llu "
           "dropped of %d; status copies %ld, tile copies %ld, log lines %ld\n",
           sent, refused, e_cmds + e_blocking_ok, n_points, (unsigned long long)dropped, NPTS,
           n_status, n_tiles, n_log);
    CHECK(e_blocking_ok);
    CHECK_MSG(e_cmds + e_blocking_ok == NCMD, "received %d of %d", e_cmds + e_blocking_ok, NCMD);
    CHECK_MSG(e_order_bad == 0, "%d commands out of order", e_order_bad);
    CHECK_MSG(pts_bad == 0, "%d points out of sequence", pts_bad);
    CHECK_MSG((uint64_t)n_points + dropped == NPTS, "points: %ld + %llu != %d", n_points,
              (unsigned long long)dropped, NPTS);
    CHECK(expect == NPTS);
    CHECK_MSG(torn_status == 0 && torn_tiles == 0, "torn copies: status %d, tiles %d",
              torn_status, torn_tiles);
    CHECK_MSG(back == 0, "%d snapshots went back", back);
    CHECK(log_bad == 0);
    CHECK(last_upd == NSNAP);
    free(tiles);
    free(lines);
    link_destroy(&g_link);
    return CHECK_DONE();
}
