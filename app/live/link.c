/* app/live/link.c — the engine/UI boundary (see link.h): a mutex-guarded command
 * queue with a condition variable, a ring of metric points, and whole-record
 * snapshots with generation counters. */
#include "live/link.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void link_init(app_link *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cmd_cv, &ca);
    pthread_condattr_destroy(&ca);
}

void link_destroy(app_link *l)
{
    pthread_cond_destroy(&l->cmd_cv);
    pthread_mutex_destroy(&l->mu);
    free(l->insp);
    free(l->samples);
    l->insp = NULL;
    l->samples = NULL;
}

/* One replace-whole slot on the heap: copy in under the lock. */
static int slot_set(app_link *l, void **slot, uint64_t *gen, const void *src, size_t size)
{
    pthread_mutex_lock(&l->mu);
    if (!*slot)
        *slot = malloc(size);
    int ok = *slot != NULL;
    if (ok) {
        memcpy(*slot, src, size);
        (*gen)++;
    }
    pthread_mutex_unlock(&l->mu);
    return ok ? 0 : -1;
}

static int slot_get(app_link *l, void *const *slot, const uint64_t *lgen, uint64_t *gen,
                    void *out, size_t size)
{
    int copied = 0;
    pthread_mutex_lock(&l->mu);
    if (*slot && *gen != *lgen) {
        memcpy(out, *slot, size);
        *gen = *lgen;
        copied = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return copied;
}

int link_set_inspect(app_link *l, const app_inspect *in)
{
    return slot_set(l, (void **)&l->insp, &l->insp_gen, in, sizeof *in);
}

int link_get_inspect(app_link *l, uint64_t *gen, app_inspect *out)
{
    return slot_get(l, (void *const *)&l->insp, &l->insp_gen, gen, out, sizeof *out);
}

int link_set_samples(app_link *l, const app_samples *sm)
{
    return slot_set(l, (void **)&l->samples, &l->samples_gen, sm, sizeof *sm);
}

int link_get_samples(app_link *l, uint64_t *gen, app_samples *out)
{
    return slot_get(l, (void *const *)&l->samples, &l->samples_gen, gen, out, sizeof *out);
}

int link_send(app_link *l, const app_cmd *c)
{
    int rc = -1;
    pthread_mutex_lock(&l->mu);
    if (l->q_len < LINK_QUEUE) {
        l->queue[(l->q_head + l->q_len) % LINK_QUEUE] = *c;
        l->q_len++;
        rc = 0;
        pthread_cond_signal(&l->cmd_cv);
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int link_recv(app_link *l, app_cmd *c, int wait_ms)
{
    pthread_mutex_lock(&l->mu);
    if (l->q_len == 0 && wait_ms != 0) {
        if (wait_ms < 0) {
            while (l->q_len == 0)
                pthread_cond_wait(&l->cmd_cv, &l->mu);
        } else {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            t.tv_sec += wait_ms / 1000;
            t.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
            if (t.tv_nsec >= 1000000000L) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000L;
            }
            while (l->q_len == 0)
                if (pthread_cond_timedwait(&l->cmd_cv, &l->mu, &t) == ETIMEDOUT)
                    break;
        }
    }
    int got = 0;
    if (l->q_len > 0) {
        *c = l->queue[l->q_head];
        l->q_head = (l->q_head + 1) % LINK_QUEUE;
        l->q_len--;
        got = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return got;
}

void link_push_point(app_link *l, const metric_point *p)
{
    pthread_mutex_lock(&l->mu);
    l->points[l->n_points % LINK_POINTS] = *p;
    l->n_points++;
    pthread_mutex_unlock(&l->mu);
}

int link_points_since(app_link *l, uint64_t *since, metric_point *out, int cap, uint64_t *dropped)
{
    pthread_mutex_lock(&l->mu);
    uint64_t first = l->n_points > LINK_POINTS ? l->n_points - LINK_POINTS : 0;
    if (*since < first) {
        if (dropped)
            *dropped += first - *since;
        *since = first;
    }
    int k = 0;
    while (*since < l->n_points && k < cap)
        out[k++] = l->points[(*since)++ % LINK_POINTS];
    pthread_mutex_unlock(&l->mu);
    return k;
}

void link_set_status(app_link *l, const app_status *s)
{
    pthread_mutex_lock(&l->mu);
    l->status = *s;
    l->status_gen++;
    pthread_mutex_unlock(&l->mu);
}

int link_get_status(app_link *l, uint64_t *gen, app_status *out)
{
    int copied = 0;
    pthread_mutex_lock(&l->mu);
    if (*gen != l->status_gen) {
        *out = l->status;
        *gen = l->status_gen;
        copied = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return copied;
}

void link_set_tiles(app_link *l, const app_tiles *t)
{
    pthread_mutex_lock(&l->mu);
    l->tiles = *t;
    l->tiles_gen++;
    pthread_mutex_unlock(&l->mu);
}

int link_get_tiles(app_link *l, uint64_t *gen, app_tiles *out)
{
    int copied = 0;
    pthread_mutex_lock(&l->mu);
    if (*gen != l->tiles_gen) {
        *out = l->tiles;
        *gen = l->tiles_gen;
        copied = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return copied;
}

void link_log(app_link *l, const char *fmt, ...)
{
    char buf[LINK_LOG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&l->mu);
    memcpy(l->log[l->n_log % LINK_LOG_LINES], buf, LINK_LOG_LEN);
    l->n_log++;
    pthread_mutex_unlock(&l->mu);
}

int link_log_since(app_link *l, uint64_t *since, char (*out)[LINK_LOG_LEN], int cap)
{
    pthread_mutex_lock(&l->mu);
    uint64_t first = l->n_log > LINK_LOG_LINES ? l->n_log - LINK_LOG_LINES : 0;
    if (*since < first)
        *since = first;
    int k = 0;
    while (*since < l->n_log && k < cap)
        memcpy(out[k++], l->log[(*since)++ % LINK_LOG_LINES], LINK_LOG_LEN);
    pthread_mutex_unlock(&l->mu);
    return k;
}
