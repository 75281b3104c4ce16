/* app/live/session.c — the live session (see session.h).
 *
 * ENGINE thread: runs train_loop() with hooks that drain the command queue
 * between steps (blocking only while paused), push metric points and status
 * after every step, and rebuild the Fig. 2 tiles every few seconds (or after
 * every refinement step in the lab). MAIN thread: tui_frame() every ~30 ms
 * and the SDL window's events and drawing. Quit (q, SIGINT/SIGTERM) reaches
 * the engine as CMD_QUIT; it stops at a step boundary, writes the checkpoint
 * and marks the status finished. The engine thread runs with SIGINT, SIGTERM
 * and SIGWINCH blocked so they reach the main thread (ncurses needs SIGWINCH).
 */
#include "live/session.h"

#include "live/export.h"
#include "live/inspector.h"
#include "live/lab.h"
#include "live/curves.h"
#include "live/link.h"
#include "live/sdlview.h"
#include "live/tui.h"
#include "common/sysutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TILE_PERIOD 3.0 /* seconds between tile refreshes while training */

typedef struct {
    app_link link;
    /* engine-thread state */
    const train_plan *plan;
    const out_paths *p;     /* &plan->out */
    irvi_trainer *t;        /* NULL in the refinement lab */
    irvi_model *m;          /* the lab's model (refine mode) */
    const irvi_dataset *ds;
    const char *export_dir;
    lab lab;
    int lab_ok;
    inspector insp;         /* inspector, filmstrip and samples records */
    int insp_ok;
    app_status st;
    app_tiles *tiles;
    int paused, step_once, quit;
    double t0, last_tiles;
    uint64_t export_cursor; /* the engine's own read position in the point ring */
    metric_point *history;  /* engine copy of all points, for curve export */
    int nhistory, caphistory;
    volatile sig_atomic_t *got_signal;
    int rc;
} session;

static const irvi_model *cur_model(session *s)
{
    return s->t ? irvi_trainer_model(s->t) : s->m;
}

static void publish(session *s)
{
    link_set_status(&s->link, &s->st);
}

static void push(session *s, series_id id, double epoch, double update, double y)
{
    metric_point pt = {id, epoch, update, app_now() - s->t0, y};
    link_push_point(&s->link, &pt);
    if (s->nhistory == s->caphistory) {
        int cap = s->caphistory ? 2 * s->caphistory : 4096;
        metric_point *h = realloc(s->history, sizeof *h * cap);
        if (!h)
            return; /* export will miss points; the live view is unaffected */
        s->history = h;
        s->caphistory = cap;
    }
    s->history[s->nhistory++] = pt;
}

/* Push every curve of the table that reads record rec (n digits for
 * CURVE_FROM_DIGIT rows), in table order. */
static void push_from(session *s, curve_from from, const void *rec, int n, double epoch,
                      double update)
{
    for (int k = 0; k < curve_count; k++) {
        const curve_def *c = &curve_table[k];
        if (c->from != from)
            continue;
        for (int i = 0; i < (from == CURVE_FROM_DIGIT ? n : 1); i++) {
            double y = curve_value(c, rec, i);
            if (!c->exact || isfinite(y))
                push(s, (series_id)(c->id + i), epoch, update, y);
        }
    }
}

/* The means over the chosen digits of the inspector's newest exact ELBO,
 * log p(x) and KL (NaN when it has none). */
static void exact_means(const session *s, curve_lab_mean *mean)
{
    mean->elbo_exact = mean->ll_exact = mean->kl_exact = NAN;
    const app_inspect *in = s->insp_ok ? s->insp.out : NULL;
    if (!in || !in->exact || in->n < 1 || in->nhist < 1)
        return;
    int j = in->nhist - 1;
    double e = 0, l = 0, k = 0;
    for (int i = 0; i < in->n; i++) {
        e += in->elbo[i][j];
        l += in->exact_ll[i];
        k += in->kl[i][j];
    }
    mean->elbo_exact = e / in->n;
    mean->ll_exact = l / in->n;
    mean->kl_exact = k / in->n;
}

/* Rebuild the tiles of the chosen digits; refine K steps first when asked
 * (training: the model changed since the last refresh). */
static void refresh_tiles(session *s, int rerun)
{
    if (!s->lab_ok)
        return;
    const irvi_model *m = cur_model(s);
    irvi_status st = IRVI_OK;
    if (rerun) {
        st = lab_reset(&s->lab, m);
        for (int k = 0; !st && k < s->lab.air.K; k++)
            st = lab_step(&s->lab, m, NULL);
    }
    double lb = NAN, ess = NAN;
    if (!st)
        st = lab_tiles(&s->lab, m, s->tiles, &lb, &ess);
    if (st) {
        link_log(&s->link, "reconstructions: %s", irvi_last_error());
        return;
    }
    link_set_tiles(&s->link, s->tiles);
    if (s->insp_ok) { /* exact enumeration only while no training waits on it */
        if (inspector_update(&s->insp, &s->lab, m, s->tiles, !s->t || s->paused) == IRVI_OK)
            link_set_inspect(&s->link, s->insp.out);
        if (inspector_samples(&s->insp, m, s->ds, SAMPLES_MAX,
                              s->t ? irvi_trainer_updates(s->t) : 0) == IRVI_OK)
            link_set_samples(&s->link, s->insp.smp);
    }
    s->st.refine_steps = irvi_posterior_steps(s->lab.q);
    if (!s->t) { /* the lab plots its bound against the step */
        double x = s->st.refine_steps;
        s->st.last_lb = lb;
        s->st.last_ess = ess;
        double lb0 = 0;
        for (int i = 0; i < s->tiles->n; i++)
            lb0 += s->tiles->lb0[i] / s->tiles->n;
        s->st.last_lb0 = s->tiles->n ? lb0 : NAN;
        curve_lab_mean mean = {lb, ess, NAN, NAN, NAN};
        exact_means(s, &mean);
        push_from(s, CURVE_FROM_LAB, &mean, 1, x, x); /* first: the UI restarts the lab curves on it */
        push_from(s, CURVE_FROM_DIGIT, s->tiles, s->tiles->n, x, x);
    }
    s->st.ndigits = s->tiles->n;
    memcpy(s->st.digits, s->tiles->index, sizeof(int) * (size_t)s->tiles->n);
    s->last_tiles = app_now();
    publish(s); /* the lab waits for a key: its step-0 bound must show now */
}

static void set_air(session *s, int K, int M, float gamma)
{
    irvi_refine_opts air = s->lab.air;
    air.K = K;
    air.M = M;
    air.gamma = gamma;
    if (irvi_refine_opts_validate(&air)) {
        link_log(&s->link, "%s", irvi_last_error());
        return;
    }
    if (s->t && irvi_trainer_set_air(s->t, &air)) {
        link_log(&s->link, "%s", irvi_last_error());
        return;
    }
    s->lab.air = air;
    s->st.K = K;
    s->st.M = M;
    s->st.gamma = gamma;
    link_log(&s->link, "refinement K=%d M=%d gamma=%g", K, M, (double)gamma);
}

/* The inspector, filmstrip (digit d), samples and the inspector CSV beside
 * the grid: STEM-inspect.png, -film.png, -samples.png, -inspect.csv. */
static void export_views(session *s, const char *path, int d)
{
    if (!s->insp_ok)
        return;
    char err[512], p[320];
    const char *dot = strrchr(path, '.');
    int stem = dot && !strcmp(dot, ".png") ? (int)(dot - path) : (int)strlen(path);
    app_inspect *in = s->insp.out;
    d = d >= 0 && d < in->n ? d : 0;
    const char *what[] = {"inspect.png", "film.png", "samples.png", "inspect.csv"};
    for (int k = 0; k < 4; k++) {
        snprintf(p, sizeof p, "%.*s-%s", stem, path, what[k]);
        int rc = k == 0   ? inspect_png(in, d, p, err, sizeof err)
                 : k == 1 ? film_png(in, d, p, err, sizeof err)
                 : k == 2 ? samples_png(s->insp.smp, p, err, sizeof err)
                          : inspect_csv(in, p, err, sizeof err);
        if (rc)
            link_log(&s->link, "export failed: %s", err);
        else
            link_log(&s->link, "exported %s", p);
    }
}

static void export_png(session *s, const char *path)
{
    char err[512], cpath[300];
    if (export_grid_png(s->tiles, path, 4, 2, 1, err, sizeof err))
        link_log(&s->link, "export failed: %s", err);
    else
        link_log(&s->link, "exported %s", path);
    const char *dot = strrchr(path, '.');
    int stem = dot && !strcmp(dot, ".png") ? (int)(dot - path) : (int)strlen(path);
    snprintf(cpath, sizeof cpath, "%.*s-curves.png", stem, path);
    if (export_curves_png(cpath, s->history, s->nhistory, s->t == NULL, err, sizeof err))
        link_log(&s->link, "export failed: %s", err);
    else
        link_log(&s->link, "exported %s", cpath);
}

static void handle(session *s, const app_cmd *c)
{
    const irvi_model *m = cur_model(s);
    irvi_status st = IRVI_OK;
    switch (c->kind) {
    case CMD_PAUSE_TOGGLE:
        if (s->t) {
            s->paused = !s->paused;
            link_log(&s->link, s->paused ? "paused" : "resumed");
        }
        break;
    case CMD_STEP_BATCH:
        if (s->t && s->paused)
            s->step_once = 1;
        else
            link_log(&s->link, s->t ? "pause first (space) to step one minibatch"
                                    : "no training in the refinement lab");
        break;
    case CMD_STEP_REFINE:
        if ((st = lab_step(&s->lab, m, NULL)))
            break;
        refresh_tiles(s, 0);
        if (s->t) /* in training the lab point goes to the log */
            link_log(&s->link, "refinement step %d on %d digits", s->st.refine_steps, s->lab.n);
        break;
    case CMD_SET_K:
        set_air(s, c->ival, s->lab.air.M, s->lab.air.gamma);
        break;
    case CMD_SET_M:
        set_air(s, s->lab.air.K, c->ival, s->lab.air.gamma);
        break;
    case CMD_SET_GAMMA:
        set_air(s, s->lab.air.K, s->lab.air.M, c->fval);
        break;
    case CMD_PICK_DIGITS:
        if (!(st = lab_pick(&s->lab, m, c->digits, c->ndigits))) {
            link_log(&s->link, "%d digits chosen", c->ndigits);
            refresh_tiles(s, 0);
        }
        break;
    case CMD_PICK_CLASS:
        if (!(st = lab_pick_class(&s->lab, m, c->ival, c->ival2 > 0 ? c->ival2 : 5))) {
            link_log(&s->link, "%d digits of class %d", s->lab.n, c->ival);
            refresh_tiles(s, 0);
        }
        break;
    case CMD_RESET_POSTERIOR:
        if (!(st = lab_reset(&s->lab, m))) {
            link_log(&s->link, "posterior reset to q0");
            refresh_tiles(s, 0);
        }
        break;
    case CMD_TOGGLE_SIMPLIFIED:
        s->lab.simplified = !s->lab.simplified;
        s->st.simplified = s->lab.simplified;
        if (!(st = lab_reset(&s->lab, m))) {
            link_log(&s->link, "simplified posterior %s", s->lab.simplified ? "on" : "off");
            refresh_tiles(s, 0);
        }
        break;
    case CMD_EXPORT_PNG:
        export_png(s, c->path);
        export_views(s, c->path, c->ival);
        break;
    case CMD_SAVE:
        if (s->t) {
            if (irvi_trainer_save(s->t, s->p->ckpt))
                link_log(&s->link, "checkpoint failed: %s", irvi_last_error());
            else
                link_log(&s->link, "checkpoint written: %s", s->p->ckpt);
        }
        break;
    case CMD_QUIT:
        s->quit = 1;
        break;
    }
    if (st)
        link_log(&s->link, "%s", irvi_last_error());
    publish(s);
}

/* Drain commands; while paused wait for them. Returns 1 to stop. */
static int live_poll(void *user, irvi_trainer *t)
{
    (void)t;
    session *s = user;
    app_cmd c;
    for (;;) {
        if (*s->got_signal)
            s->quit = 1;
        int waiting = s->paused && !s->step_once && !s->quit;
        if (s->st.paused != waiting) {
            s->st.paused = waiting;
            publish(s);
        }
        if (!link_recv(&s->link, &c, waiting ? 100 : 0)) {
            if (waiting)
                continue;
            break;
        }
        handle(s, &c);
    }
    s->step_once = 0;
    if (!s->quit && !s->paused && app_now() - s->last_tiles > TILE_PERIOD)
        refresh_tiles(s, 1);
    return s->quit;
}

static void live_step(void *user, irvi_trainer *t, const irvi_step_metrics *sm,
                      const run_progress *p)
{
    session *s = user;
    double ep = sm->epoch + (double)sm->batch / (sm->batches > 0 ? sm->batches : 1);
    push_from(s, CURVE_FROM_STEP, sm, 1, ep, (double)sm->update);
    s->st.epoch = sm->epoch;
    s->st.epochs = p->total_epochs;
    s->st.batch = sm->batch;
    s->st.batches = sm->batches;
    s->st.updates = irvi_trainer_updates(t);
    s->st.examples_per_s = p->ex_per_s;
    s->st.eta_seconds = p->eta_seconds;
    s->st.eta_run_seconds = p->eta_run;
    s->st.last_lb = p->lb;
    s->st.last_ess = p->ess;
    s->st.last_lb0 = p->lb0;
    publish(s);
}

static void live_epoch(void *user, irvi_trainer *t, const irvi_epoch_metrics *em, int partial,
                       const run_progress *p)
{
    (void)t;
    (void)p;
    session *s = user;
    double ep = em->epoch + 1;
    push_from(s, CURVE_FROM_EPOCH, em, 1, ep, (double)em->updates);
    s->st.best_valid_lb = em->best_valid_lb;
    link_log(&s->link, "epoch %d%s: valid lb0 %.2f  lb %.2f  ll %.2f  ess %.3f%s", em->epoch + 1,
             partial ? " (cut short)" : "", em->valid_lb0, em->valid_lb, em->valid_ll,
             em->valid_ess, em->improved ? "  (best)" : "");
    publish(s);
}

static int live_valid_progress(void *user, double done, double total)
{
    (void)done;
    (void)total;
    session *s = user;
    app_cmd c;
    while (link_recv(&s->link, &c, 0)) /* keep q responsive during validation */
        handle(s, &c);
    if (*s->got_signal)
        s->quit = 1;
    return s->quit;
}

static void live_say(void *user, int is_error, const char *msg)
{
    session *s = user;
    link_log(&s->link, "%s%s", is_error ? "error: " : "", msg);
}

static void *engine_main(void *arg)
{
    session *s = arg;
    refresh_tiles(s, s->t != NULL);
    if (s->t) {
        run_hooks h = {s, live_poll, live_step, live_epoch, live_valid_progress, live_say};
        run_result r = train_loop(s->plan, s->t, &h);
        s->rc = r == RUN_FAILED ? 1 : 0;
        if (r == RUN_DONE && !s->quit) {
            link_log(&s->link, "training complete (%ld updates); r refines, q quits",
                     irvi_trainer_updates(s->t));
            s->paused = 1;
            while (!live_poll(s, s->t)) /* stay for the lab until q */
                s->paused = 1;
            train_save_checkpoint(s->t, s->p, &h);
        }
        if (r == RUN_STOPPED || s->quit)
            link_log(&s->link, "stopped at update %ld; checkpoint %s", irvi_trainer_updates(s->t),
                     s->p->ckpt);
    } else {
        app_cmd c;
        while (!s->quit) {
            if (link_recv(&s->link, &c, 100))
                handle(s, &c);
            if (*s->got_signal)
                s->quit = 1;
        }
    }
    s->st.finished = 1;
    s->st.exit_code = s->rc;
    publish(s);
    return NULL;
}

/* The SDL window's current view (v cycles it; f picks the digit). */
static void draw_view(sdlview *v, int view, int d, const app_tiles *t, const app_inspect *in,
                      const app_samples *sm, uint8_t **buf, size_t *cap)
{
    int w = 0, h = 0, ok = 0;
    if (view == VIEW_RECON) {
        sdlview_draw(v, t);
        return;
    }
    if (view == VIEW_SAMPLES && sm && sm->n > 0)
        samples_size(sm, &w, &h);
    else if (view != VIEW_SAMPLES && in && in->n > 0 && in->nhist > 0)
        view == VIEW_INSPECT ? inspect_size(in, &w, &h) : film_size(in, &w, &h);
    size_t need = (size_t)3 * w * h;
    if (need && need > *cap) {
        uint8_t *p = realloc(*buf, need);
        if (p) {
            *buf = p;
            *cap = need;
        }
    }
    if (need && need <= *cap) {
        d = in && d < in->n ? d : 0;
        ok = view == VIEW_SAMPLES  ? samples_render(sm, *buf, *cap) == 0
             : view == VIEW_INSPECT ? inspect_render(in, d, *buf, *cap) == 0
                                    : film_render(in, d, *buf, *cap) == 0;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "%s: nothing yet (v switches views)", view_name(view));
    sdlview_draw_rgb(v, ok ? *buf : NULL, w, h, msg);
}

/* The main thread's loop: TUI frames and the SDL window until the engine is
 * finished and the user has quit. */
static int run_ui(session *s)
{
    char err[256], note[96];
    tui *ui = tui_open(&s->link, err, sizeof err);
    if (!ui) {
        fprintf(stderr, "irvi: no terminal UI (%s); plain progress lines instead\n", err);
        return -1;
    }
    sdlview *v = sdlview_open("irvi — ground truth / unrefined / refined", note, sizeof note);
    if (v)
        snprintf(note, sizeof note, "SDL window open");
    tui_set_note(ui, note);
    snprintf(s->st.display_note, sizeof s->st.display_note, "%s", note);

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_t th;
    int started = pthread_create(&th, NULL, engine_main, s) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!started) {
        tui_close(ui);
        sdlview_close(v);
        fprintf(stderr, "irvi: cannot start the engine thread\n");
        return 1;
    }
    app_tiles *tiles = malloc(sizeof *tiles);
    app_inspect *insp = calloc(1, sizeof *insp);
    app_samples *smp = calloc(1, sizeof *smp);
    uint8_t *vbuf = NULL;
    size_t vcap = 0;
    int view = 0, focus = 0;
    uint64_t tgen = 0, sgen = 0, igen = 0, mgen = 0;
    app_status st = {0};
    int sent_quit = 0;
    for (;;) {
        if (*s->got_signal && !sent_quit) {
            app_cmd q = {.kind = CMD_QUIT};
            sent_quit = link_send(&s->link, &q) == 0;
        }
        if (tui_frame(ui, 30) == 1)
            break;
        link_get_status(&s->link, &sgen, &st);
        if (st.finished && sent_quit)
            break;
        int key, f;
        while (v && (f = sdlview_poll(v, &key))) {
            if (f & SDLVIEW_CLOSED) {
                sdlview_close(v);
                v = NULL;
                tui_set_note(ui, "SDL window closed (training goes on)");
                break;
            }
            if (f & SDLVIEW_KEY)
                tui_handle_key(ui, key);
        }
        int changed = tiles && link_get_tiles(&s->link, &tgen, tiles);
        changed |= insp && link_get_inspect(&s->link, &igen, insp);
        changed |= smp && link_get_samples(&s->link, &mgen, smp);
        if (tui_sdl_view(ui) != view || tui_focus(ui) != focus) {
            view = tui_sdl_view(ui);
            focus = tui_focus(ui);
            changed = 1;
        }
        if (v && tiles && changed)
            draw_view(v, view, focus > 0 ? focus - 1 : 0, tiles, insp, smp, &vbuf, &vcap);
    }
    free(insp);
    free(smp);
    free(vbuf);
    pthread_join(th, NULL);
    tui_close(ui);
    sdlview_close(v);
    free(tiles);
    return s->rc;
}

static int session_setup(session *s, const irvi_model *m, const irvi_dataset *ds, uint64_t seed)
{
    link_init(&s->link);
    s->ds = ds;
    s->t0 = app_now();
    s->tiles = calloc(1, sizeof *s->tiles);
    if (!s->tiles)
        return -1;
    s->lab_ok = lab_init(&s->lab, m, ds, seed) == IRVI_OK;
    s->insp_ok = inspector_init(&s->insp, seed) == 0;
    if (!s->lab_ok)
        link_log(&s->link, "no digits to show: %s", irvi_last_error());
    s->st.best_valid_lb = -INFINITY;
    s->st.eta_seconds = -1;
    s->st.eta_run_seconds = -1;
    snprintf(s->st.dataset, sizeof s->st.dataset, "%s", irvi_dataset_name(ds));
    irvi_arch_describe(irvi_model_arch(m), s->st.model, sizeof s->st.model);
    return 0;
}

static void session_teardown(session *s)
{
    if (s->insp_ok)
        inspector_free(&s->insp);
    if (s->lab_ok)
        lab_free(&s->lab);
    free(s->tiles);
    free(s->history);
    link_destroy(&s->link);
}

int session_train(const train_plan *plan, uint64_t seed, irvi_trainer *t,
                  const irvi_dataset *ds, volatile sig_atomic_t *got_signal)
{
    const out_paths *p = &plan->out;
    session *s = calloc(1, sizeof *s);
    if (!s)
        return 1;
    s->plan = plan;
    s->p = p;
    s->t = t;
    s->got_signal = got_signal;
    int rc = 1;
    if (session_setup(s, irvi_trainer_model(t), ds, seed) == 0) {
        const irvi_train_opts *o = irvi_trainer_opts(t);
        s->lab.air = o->test_air;
        s->st.mode = MODE_TRAIN;
        snprintf(s->st.algo, sizeof s->st.algo, "%s", irvi_algo_name(o->algo));
        s->st.K = o->air.K;
        s->st.M = o->air.M;
        s->st.gamma = o->air.gamma;
        s->st.epoch = irvi_trainer_epoch(t);
        s->st.epochs = plan->epochs + plan->ft_epochs;
        s->st.updates = irvi_trainer_updates(t);
        snprintf(s->st.checkpoint, sizeof s->st.checkpoint, "%.255s", p->ckpt);
        publish(s);
        link_log(&s->link, "%s training on %s; space pauses, ? shows every key",
                 irvi_algo_name(o->algo), irvi_dataset_name(ds));
        rc = run_ui(s);
        if (rc >= 0)
            printf("irvi: %s after %ld updates; checkpoint %s%s%s\n", rc ? "failed" : "stopped",
                   irvi_trainer_updates(t), p->ckpt,
                   access(p->best, F_OK) == 0 ? ", best model " : "",
                   access(p->best, F_OK) == 0 ? p->best : "");
    }
    session_teardown(s);
    free(s);
    return rc;
}

int session_refine(irvi_model *m, const irvi_dataset *ds, const int *digits, int n,
                   const irvi_refine_opts *air, int simplified, uint64_t seed, const char *export_dir,
                   volatile sig_atomic_t *got_signal)
{
    session *s = calloc(1, sizeof *s);
    if (!s)
        return 1;
    s->m = m;
    s->got_signal = got_signal;
    s->export_dir = export_dir;
    int rc = 1;
    if (session_setup(s, m, ds, seed) == 0 && s->lab_ok) {
        s->lab.air = *air;
        s->lab.simplified = simplified;
        if (n > 0 && lab_pick(&s->lab, m, digits, n)) {
            fprintf(stderr, "irvi: --digits: %s\n", irvi_last_error());
            session_teardown(s);
            free(s);
            return 2;
        }
        if (simplified)
            lab_reset(&s->lab, m);
        s->st.mode = MODE_REFINE;
        snprintf(s->st.algo, sizeof s->st.algo, "air lab");
        s->st.K = air->K;
        s->st.M = air->M;
        s->st.gamma = air->gamma;
        s->st.simplified = simplified;
        s->st.paused = 1;
        publish(s);
        link_log(&s->link, "refinement lab: r = one AIR step on the %d digits, 0 = back to q0",
                 s->lab.n);
        rc = run_ui(s);
    } else if (!s->lab_ok) {
        fprintf(stderr, "irvi: %s\n", irvi_last_error());
    }
    session_teardown(s);
    free(s);
    return rc;
}
