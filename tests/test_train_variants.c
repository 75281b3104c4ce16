/* tests/test_train_variants.c — the RWS sleep phase and BiHM training
 * (DESIGN §5.2, 9): options; finite-difference checks of the sleep loss and of
 * the BiHM loss (weights held constant); BiHM's loss equals its stated form
 * -sum w½ log p - sum (w½ - 1/N) log q0; sleep updates alone move q0 toward
 * the exact posterior (expected KL(p(h|x) || q0(h|x)) over x ~ p, all by
 * enumeration); sleep touches only the recognition network; BiHM and RWS +
 * sleep training raise the exact log-likelihood of a known small SBN;
 * checkpoints with sleep on resume bit for bit.
 * Scratch files go under $IRVI_TMP/train_variants.
 */
#include "check.h"
#include "known_sbn.h"
#include "sbn_train.h"

#include <irvi/irvi.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char root[1024];

static int has(const char *needle) { return strstr(irvi_last_error(), needle) != NULL; }

/* 1 if parameter k belongs to a generative tensor */
static int generative(const irvi_model *m, size_t k)
{
    for (int i = 0; i < irvi_model_ntensors(m); i++) {
        const irvi_tensor *t = irvi_model_tensor(m, i);
        if (k >= t->offset && k < t->offset + (size_t)t->rows * t->cols)
            return t->generative;
    }
    return -1;
}

/* ---- options ------------------------------------------------------------ */

static void test_opts(void)
{
    irvi_algo a;
    CHECK_OK(irvi_algo_parse("bihm", &a));
    CHECK(a == IRVI_ALGO_BIHM && !strcmp(irvi_algo_name(a), "bihm"));
    irvi_train_opts o;
    irvi_train_opts_default(&o);
    CHECK(o.sleep_interleave == 0);
    irvi_train_opts b = o;
    b.sleep_interleave = 2;
    CHECK_OK(irvi_train_opts_validate(&b));
    b.sleep_interleave = -1;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("sleep_interleave"));
    b.sleep_interleave = 1001;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL);
    b.sleep_interleave = 2;
    b.algo = IRVI_ALGO_VAE;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("binary"));
    b = o;
    b.algo = IRVI_ALGO_BIHM;
    CHECK_OK(irvi_train_opts_validate(&b));
}

/* ---- finite differences ------------------------------------------------- */

typedef struct {
    int n, S;
    uint8_t *x;
    float *h[IRVI_MAX_LAYERS], *t[IRVI_MAX_LAYERS], *u[IRVI_MAX_LAYERS], *wgen;
} fixed_batch;

static void batch_make(const irvi_model *m, fixed_batch *fb, int n, int S, irvi_rng *r)
{
    const irvi_arch *a = irvi_model_arch(m);
    memset(fb, 0, sizeof *fb);
    fb->n = n;
    fb->S = S;
    fb->x = malloc((size_t)n * a->D);
    for (int i = 0; i < n * a->D; i++)
        fb->x[i] = irvi_rng_uniform(r) < 0.4;
    for (int l = 0; l < a->L; l++) {
        fb->h[l] = malloc(sizeof(float) * (size_t)S * n * a->H[l]);
        fb->t[l] = malloc(sizeof(float) * (size_t)n * a->H[l]);
        fb->u[l] = malloc(sizeof(float) * (size_t)n * a->H[l]);
        for (int i = 0; i < S * n * a->H[l]; i++)
            fb->h[l][i] = irvi_rng_uniform(r) < 0.5 ? 1.0f : 0.0f;
    }
    fb->wgen = malloc(sizeof(float) * (size_t)S * n);
}

static void batch_free(fixed_batch *fb)
{
    free(fb->x);
    free(fb->wgen);
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(fb->h[l]);
        free(fb->t[l]);
        free(fb->u[l]);
    }
}

static void load_h(const irvi_model *m, model_ws *w, const fixed_batch *fb)
{
    for (int l = 0; l < irvi_model_arch(m)->L; l++)
        memcpy(w->h[l], fb->h[l], sizeof(float) * (size_t)fb->S * fb->n * irvi_model_arch(m)->H[l]);
}

/* which = 0: the BiHM minibatch loss; 1: the sleep loss of the fixed batch
 * read as n dreams (x, h of sample 0) */
static double loss_at(irvi_model *m, model_ws *w, const fixed_batch *fb, int which, float l2)
{
    if (which == 1)
        return sleep_loss(m, w, fb->x, fb->n, (const float *const *)fb->h);
    load_h(m, w, fb);
    return train_loss(m, w, fb->x, fb->n, fb->S, fb->wgen, (const float *const *)fb->t,
                      (const float *const *)fb->u, l2);
}

static void fd_check(const char *label, irvi_arch a, int which)
{
    irvi_model *m;
    CHECK_OK(irvi_model_create(&a, 11, &m));
    if (!m)
        return;
    irvi_rng r;
    irvi_rng_seed(&r, 99, 0);
    fill_gauss(m, &r, 0.7);
    float xbar[64];
    for (int d = 0; d < a.D; d++)
        xbar[d] = 0.3f + 0.02f * d;
    irvi_model_set_mean(m, xbar);
    fixed_batch fb;
    batch_make(m, &fb, 4, 3, &r);
    model_ws w = {0};
    CHECK(model_ws_reserve(&w, m, fb.S * fb.n, fb.n) == 0);
    /* BiHM weights and targets from made-up log weights (constants from here on) */
    double lw[12];
    for (int i = 0; i < fb.S * fb.n; i++)
        lw[i] = -30 + 4 * irvi_rng_gauss(&r);
    float wn[12];
    train_weights_targets(m, IRVI_ALGO_BIHM, 0, fb.n, fb.S, (const float *const *)fb.h, lw, NULL,
                          wn, fb.wgen, fb.t, fb.u);
    const float l2 = 0.05f;
    size_t np = irvi_model_nparams(m);
    float *g = calloc(np, sizeof(float));
    if (which == 1) {
        sleep_loss_grad(m, &w, fb.x, fb.n, (const float *const *)fb.h, g);
    } else {
        load_h(m, &w, &fb);
        model_log_joint(m, &w, fb.x, fb.n, fb.S, w.lp);
        train_loss_grad(m, &w, fb.x, fb.n, fb.S, fb.wgen, (const float *const *)fb.t,
                        (const float *const *)fb.u, l2, g);
    }
    float *p = irvi_model_params(m);
    int bad = 0, gen_nonzero = 0;
    double worst = 0;
    for (size_t k = 0; k < np; k++) {
        if (which == 1 && generative(m, k) && g[k] != 0)
            gen_nonzero++;
        if (masked(m, k)) {
            if (g[k] != 0)
                bad++;
            continue;
        }
        float p0 = p[k];
        float up = p0 + 1e-2f, dn = p0 - 1e-2f;
        p[k] = up;
        double Ju = loss_at(m, &w, &fb, which, l2);
        p[k] = dn;
        double Jd = loss_at(m, &w, &fb, which, l2);
        p[k] = p0;
        double fd = (Ju - Jd) / ((double)up - (double)dn);
        double err = fabs(fd - g[k]) / (1e-2 + fabs(fd));
        worst = err > worst ? err : worst;
        if (fabs(fd - g[k]) > 2e-3 + 2e-3 * fabs(fd)) {
            if (bad < 5)
                fprintf(stderr, "%s: param %zu: analytic %.6g, finite difference %.6g\n", label, k,
                        (double)g[k], fd);
            bad++;
        }
    }
    CHECK_MSG(bad == 0, "%s: %d of %zu gradient entries disagree (worst rel %.3g)", label, bad, np,
              worst);
    CHECK_MSG(gen_nonzero == 0, "%s: the sleep loss moved %d generative parameters", label,
              gen_nonzero);
    printf("fd %-36s %zu params, worst relative error %.2e\n", label, np, worst);
    free(g);
    model_ws_free(&w);
    batch_free(&fb);
    irvi_model_free(m);
}

static void test_fd(void)
{
    irvi_arch a = {.D = 10, .L = 1, .H = {4}};
    irvi_arch b = {.D = 10, .L = 2, .H = {4, 3}, .squash = 1};
    irvi_arch c = {.D = 10, .L = 3, .H = {4, 3, 2}};
    irvi_arch d = {.D = 10, .L = 1, .H = {4}, .prior = IRVI_PRIOR_DARN, .gen_hidden = 5,
                   .rec_hidden = 3};
    fd_check("bihm SBN 10-4", a, 0);
    fd_check("bihm SBN 10-4-3 squashed", b, 0);
    fd_check("bihm SBN 10-4-3-2", c, 0);
    fd_check("bihm DARN 4 tanh 5, rec tanh 3", d, 0);
    fd_check("sleep SBN 10-4", a, 1);
    fd_check("sleep SBN 10-4-3 squashed", b, 1);
    fd_check("sleep SBN 10-4-3-2", c, 1);
    fd_check("sleep DARN 4 tanh 5, rec tanh 3", d, 1);
}

/* ---- BiHM's loss is its stated loss ------------------------------------- */

static void test_bihm_stated(void)
{
    irvi_arch ar = {.D = 10, .L = 2, .H = {4, 3}};
    irvi_model *m;
    CHECK_OK(irvi_model_create(&ar, 5, &m));
    irvi_rng r;
    irvi_rng_seed(&r, 7, 0);
    fill_gauss(m, &r, 0.5);
    fixed_batch fb;
    batch_make(m, &fb, 5, 6, &r);
    int n = fb.n, S = fb.S, R = n * S;
    double lw[30];
    for (int i = 0; i < R; i++)
        lw[i] = -20 + 3 * irvi_rng_gauss(&r);
    float wn[30];
    double ess = train_weights_targets(m, IRVI_ALGO_BIHM, 0, n, S, (const float *const *)fb.h, lw,
                                       NULL, wn, fb.wgen, fb.t, fb.u);
    CHECK(ess >= 1.0 / S - 1e-9 && ess <= 1 + 1e-9);
    for (int b = 0; b < n; b++) { /* w½ = softmax(lw / 2), written out directly */
        double z = 0;
        for (int s = 0; s < S; s++)
            z += exp(0.5 * lw[s * n + b]);
        for (int s = 0; s < S; s++) {
            CHECK_NEAR(wn[s * n + b], exp(0.5 * lw[s * n + b]) / z, 1e-6);
            CHECK(fb.wgen[s * n + b] == wn[s * n + b]);
        }
    }
    model_ws w = {0};
    model_ws_reserve(&w, m, R, n);
    float *mu[IRVI_MAX_LAYERS];
    for (int l = 0; l < ar.L; l++)
        mu[l] = malloc(sizeof(float) * n * ar.H[l]);
    double *lp = malloc(sizeof(double) * R);
    for (int rep = 0; rep < 3; rep++) {
        if (rep)
            fill_gauss(m, &r, 0.5 * rep);
        irvi_model_log_joint(m, fb.x, n, S, (const float *const *)fb.h, lp);
        irvi_model_recognize(m, fb.x, n, mu);
        double Js = 0;
        for (int s = 0; s < S; s++)
            for (int b = 0; b < n; b++) {
                int i = s * n + b;
                double lq = 0;
                for (int l = 0; l < ar.L; l++)
                    for (int k = 0; k < ar.H[l]; k++) {
                        float hv = fb.h[l][(size_t)i * ar.H[l] + k], mv = mu[l][b * ar.H[l] + k];
                        lq += hv != 0 ? log(mv) : log1p(-(double)mv);
                    }
                Js += wn[i] * -lp[i] + (wn[i] - 1.0 / S) * -lq;
            }
        load_h(m, &w, &fb);
        double Jt = train_loss(m, &w, fb.x, n, S, fb.wgen, (const float *const *)fb.t,
                               (const float *const *)fb.u, 0);
        CHECK_MSG(fabs(Jt - Js) <= 1e-4 * fmax(1, fabs(Js)), "bihm: trainer loss %.9g, stated %.9g",
                  Jt, Js);
    }
    free(lp);
    for (int l = 0; l < ar.L; l++)
        free(mu[l]);
    model_ws_free(&w);
    batch_free(&fb);
    irvi_model_free(m);
}

static void small_opts(irvi_train_opts *o, irvi_algo algo, int sleep)
{
    irvi_train_opts_default(o);
    o->algo = algo;
    o->sleep_interleave = sleep;
    o->lr = 3e-3f;
    o->air.K = 10;
    o->air.M = 10;
    o->test_air.K = 5;
    o->test_air.M = 10;
    o->valid_N = 20;
    o->valid_n = 200;
}

static irvi_trainer *small_trainer(const irvi_train_opts *o, const irvi_arch *arch, uint64_t seed)
{
    irvi_arch a = {.D = GD, .L = 1, .H = {GH}};
    irvi_model *m;
    CHECK_OK(irvi_model_create(arch ? arch : &a, seed, &m));
    if (!m)
        return NULL;
    irvi_model_set_mean(m, irvi_dataset_mean(g_ds));
    irvi_trainer *t = NULL;
    CHECK_OK(irvi_trainer_create(m, g_ds, o, seed, &t));
    return t;
}

static void train_steps(irvi_trainer *t, int steps)
{
    for (int i = 0; i < steps; i++) {
        if (irvi_trainer_epoch_done(t))
            CHECK_OK(irvi_trainer_end_epoch(t, NULL, NULL, NULL));
        irvi_status st = irvi_trainer_step(t, NULL);
        CHECK_MSG(st == IRVI_OK, "step failed: %s", irvi_last_error());
        if (st)
            return;
    }
}

/* Training raises the exact log-likelihood well toward the generator's. */
static void test_learning(irvi_algo algo, int sleep)
{
    irvi_train_opts o;
    small_opts(&o, algo, sleep);
    irvi_trainer *t = small_trainer(&o, NULL, 17);
    if (!t)
        return;
    double nll0 = test_nll(irvi_trainer_model(t));
    int per = NTRAIN / 100;
    train_steps(t, 8 * per);
    irvi_epoch_metrics em;
    CHECK_OK(irvi_trainer_end_epoch(t, &em, NULL, NULL));
    CHECK(isfinite(em.valid_lb) && isfinite(em.valid_ll) && em.valid_ll >= em.valid_lb - 1e-9);
    double nll = test_nll(irvi_trainer_model(t));
    printf("%s%s: exact test NLL %.3f -> %.3f, generator %.3f; valid lb0 %.3f lb %.3f ll %.3f\n",
           irvi_algo_name(algo), sleep ? " + sleep" : "", nll0, nll, g_gen_nll, em.valid_lb0,
           em.valid_lb, em.valid_ll);
    CHECK_MSG(nll < nll0 - 0.5 * (nll0 - g_gen_nll), "%s sleep %d: NLL %.3f -> %.3f, generator %.3f",
              irvi_algo_name(algo), sleep, nll0, nll, g_gen_nll);
    irvi_trainer_free(t);
}

/* ---- the sleep phase moves q0 toward the true posterior ------------------ */

/* E_{x ~ p} KL(p(h|x) || q0(h|x)), exact: all 2^D images and 2^Htot latent states. */
static double expected_kl(const irvi_model *m)
{
    const irvi_arch *a = irvi_model_arch(m);
    int D = a->D, Ht = irvi_model_total_hidden(m), nx = 1 << D, nh = 1 << Ht;
    uint8_t *x = malloc((size_t)nx * D);
    for (int i = 0; i < nx; i++)
        for (int d = 0; d < D; d++)
            x[(size_t)i * D + d] = (uint8_t)((i >> d) & 1);
    float *h[IRVI_MAX_LAYERS], *mu[IRVI_MAX_LAYERS];
    for (int l = 0, bit = 0; l < a->L; bit += a->H[l], l++) {
        /* sample-major: row s * nx + i is latent state s of image i */
        h[l] = malloc(sizeof(float) * (size_t)nh * nx * a->H[l]);
        for (int s = 0; s < nh; s++)
            for (int i = 0; i < nx; i++)
                for (int k = 0; k < a->H[l]; k++)
                    h[l][((size_t)s * nx + i) * a->H[l] + k] = (float)((s >> (bit + k)) & 1);
        mu[l] = malloc(sizeof(float) * (size_t)nx * a->H[l]);
    }
    double *lj = malloc(sizeof(double) * (size_t)nh * nx);
    CHECK_OK(irvi_model_log_joint(m, x, nx, nh, (const float *const *)h, lj));
    CHECK_OK(irvi_model_recognize(m, x, nx, mu));
    double kl = 0;
    for (int i = 0; i < nx; i++) {
        double mx = -INFINITY, z = 0;
        for (int s = 0; s < nh; s++)
            mx = fmax(mx, lj[(size_t)s * nx + i]);
        for (int s = 0; s < nh; s++)
            z += exp(lj[(size_t)s * nx + i] - mx);
        double lpx = mx + log(z), klx = 0;
        for (int s = 0; s < nh; s++) {
            double lpost = lj[(size_t)s * nx + i] - lpx, lq = 0;
            for (int l = 0; l < a->L; l++)
                for (int k = 0; k < a->H[l]; k++) {
                    double mv = mu[l][(size_t)i * a->H[l] + k];
                    lq += h[l][((size_t)s * nx + i) * a->H[l] + k] != 0 ? log(mv) : log1p(-mv);
                }
            klx += exp(lpost) * (lpost - lq);
        }
        kl += exp(lpx) * klx;
    }
    for (int l = 0; l < a->L; l++) {
        free(h[l]);
        free(mu[l]);
    }
    free(lj);
    free(x);
    return kl;
}

/* Sleep updates only (plain SGD on the recognition parameters, the
 * generative model fixed), through the trainer's own sleep phase. */
static void test_sleep_moves_q(const char *label, irvi_arch arch)
{
    static uint8_t xs[4 * 100 * 16];
    irvi_split s[3] = {{100, arch.D, xs, NULL}, {0, arch.D, NULL, NULL}, {0, arch.D, NULL, NULL}};
    irvi_dataset *ds;
    CHECK_OK(irvi_dataset_from_memory("dummy", 1, arch.D, s, &ds));
    if (!ds)
        return;
    irvi_model *m;
    CHECK_OK(irvi_model_create(&arch, 1, &m));
    irvi_rng r;
    irvi_rng_seed(&r, 31, 0);
    float *p = irvi_model_params(m);
    for (int i = 0; i < irvi_model_ntensors(m); i++) { /* a generative model with structure */
        const irvi_tensor *tn = irvi_model_tensor(m, i);
        if (tn->generative)
            for (int k = 0; k < tn->rows * tn->cols; k++)
                p[tn->offset + k] = (float)(tn->cols == 1 ? -0.5 + 0.5 * irvi_rng_gauss(&r)
                                                          : 2.0 * irvi_rng_gauss(&r));
    }
    irvi_train_opts o;
    small_opts(&o, IRVI_ALGO_RWS, 1);
    o.batch = 100;
    irvi_trainer *t = NULL;
    CHECK_OK(irvi_trainer_create(m, ds, &o, 5, &t));
    if (!t) {
        irvi_dataset_free(ds);
        return;
    }
    size_t np = irvi_model_nparams(m);
    float *p0 = malloc(sizeof(float) * np);
    memcpy(p0, p, sizeof(float) * np);
    double kl0 = expected_kl(m);
    for (int it = 0; it < 400; it++) {
        memset(t->grad, 0, sizeof(float) * np);
        CHECK_OK(trainer_sleep(t, "test")); /* updates = 0: every call sleeps */
        for (size_t k = 0; k < np; k++)
            p[k] -= 0.05f / 100 * t->grad[k];
    }
    double kl = expected_kl(m);
    int gen_moved = 0;
    for (size_t k = 0; k < np; k++)
        gen_moved += generative(m, k) && p[k] != p0[k];
    printf("sleep only, %s: E_x KL(p(h|x) || q0) %.4f -> %.4f nats\n", label, kl0, kl);
    CHECK_MSG(kl < 0.5 * kl0, "%s: expected KL %.4f -> %.4f", label, kl0, kl);
    CHECK(gen_moved == 0);
    free(p0);
    irvi_trainer_free(t);
    irvi_dataset_free(ds);
}

/* With sleep on, the first update (a sleep update) changes the generative
 * parameters exactly as without sleep, and the recognition ones differently. */
static void test_sleep_only_psi(void)
{
    irvi_train_opts o0, o1;
    small_opts(&o0, IRVI_ALGO_RWS, 0);
    small_opts(&o1, IRVI_ALGO_RWS, 2);
    irvi_trainer *a = small_trainer(&o0, NULL, 3), *b = small_trainer(&o1, NULL, 3);
    if (!a || !b)
        return;
    CHECK_OK(irvi_trainer_step(a, NULL));
    CHECK_OK(irvi_trainer_step(b, NULL));
    const irvi_model *ma = irvi_trainer_model(a), *mb = irvi_trainer_model(b);
    int gen_diff = 0, rec_diff = 0;
    for (size_t k = 0; k < irvi_model_nparams(ma); k++) {
        int d = irvi_model_params_const(ma)[k] != irvi_model_params_const(mb)[k];
        if (generative(ma, k))
            gen_diff += d;
        else
            rec_diff += d;
    }
    CHECK_MSG(gen_diff == 0 && rec_diff > 0, "generative %d, recognition %d differ", gen_diff,
              rec_diff);
    irvi_trainer_free(a);
    irvi_trainer_free(b);
}

/* The sleep phase is its own optimizer step after the wake step: a sleep
 * update equals the no-sleep update followed by trainer_sleep_step (dreams
 * from the updated model, the recognition tensors stepped alone), bit for bit;
 * with a non-finite gradient the whole update is undone. */
static void test_sleep_separate_step(void)
{
    irvi_train_opts o0, o1;
    small_opts(&o0, IRVI_ALGO_RWS, 0);
    small_opts(&o1, IRVI_ALGO_RWS, 2);
    irvi_trainer *a = small_trainer(&o0, NULL, 3), *b = small_trainer(&o1, NULL, 3);
    if (!a || !b)
        return;
    CHECK_OK(irvi_trainer_step(a, NULL));
    CHECK_OK(irvi_trainer_step(b, NULL));
    /* replay b's sleep step on a: same options, same update index 0 */
    a->o.sleep_interleave = 2;
    CHECK(sleep_alloc(a) == 0);
    a->updates = 0;
    CHECK_OK(trainer_sleep_step(a, "replay"));
    a->updates = 1;
    size_t np = irvi_model_nparams(a->m);
    CHECK_MSG(memcmp(a->m->p, b->m->p, sizeof(float) * np) == 0,
              "sleep update differs from wake step + separate sleep step");
    CHECK(memcmp(a->opt.n, b->opt.n, sizeof(float) * np) == 0);
    CHECK(memcmp(a->opt.delta, b->opt.delta, sizeof(float) * np) == 0);

    /* a failing sleep step restores the snapshot taken before the wake step */
    float *p0 = malloc(sizeof(float) * np), *n0 = malloc(sizeof(float) * np);
    memcpy(p0, b->m->p, sizeof(float) * np);
    memcpy(n0, b->opt.n, sizeof(float) * np);
    b->updates = 2; /* the next update sleeps */
    sleep_snapshot(b);
    b->m->p[0] += 1.0f; /* stands in for the wake step */
    b->lr = INFINITY;   /* the sleep step's parameters become non-finite */
    CHECK(trainer_sleep_step(b, "fail") == IRVI_ENUMERIC);
    CHECK(memcmp(p0, b->m->p, sizeof(float) * np) == 0 && memcmp(n0, b->opt.n, sizeof(float) * np) == 0);
    free(p0);
    free(n0);
    irvi_trainer_free(a);
    irvi_trainer_free(b);
}

/* ---- resume with sleep on ----------------------------------------------- */

static int same_params(const irvi_model *a, const irvi_model *b)
{
    size_t n = irvi_model_nparams(a);
    return n == irvi_model_nparams(b) &&
           !memcmp(irvi_model_params_const(a), irvi_model_params_const(b), n * sizeof(float));
}

static void test_resume(irvi_algo algo, int sleep)
{
    irvi_train_opts o;
    small_opts(&o, algo, sleep);
    int per = NTRAIN / 100, total = 2 * per, cut = per + 7; /* odd: mid sleep cycle */
    char ck[1200];
    snprintf(ck, sizeof ck, "%s/resume-%s-%d.irvi", root, irvi_algo_name(algo), sleep);
    irvi_trainer *a = small_trainer(&o, NULL, 77), *b = small_trainer(&o, NULL, 77), *c = NULL;
    if (!a || !b)
        return;
    train_steps(a, total);
    CHECK_OK(irvi_trainer_end_epoch(a, NULL, NULL, NULL));
    train_steps(b, cut);
    CHECK_OK(irvi_trainer_save(b, ck));
    irvi_trainer_free(b);
    CHECK_OK(irvi_trainer_resume(ck, g_ds, &c));
    if (!c) {
        irvi_trainer_free(a);
        return;
    }
    CHECK(irvi_trainer_opts(c)->sleep_interleave == sleep && irvi_trainer_opts(c)->algo == algo);
    train_steps(c, total - cut);
    CHECK_OK(irvi_trainer_end_epoch(c, NULL, NULL, NULL));
    CHECK_MSG(same_params(irvi_trainer_model(a), irvi_trainer_model(c)) &&
                  same_params(irvi_trainer_best(a), irvi_trainer_best(c)),
              "%s sleep %d: resumed run differs from the uninterrupted one", irvi_algo_name(algo),
              sleep);
    CHECK(irvi_trainer_updates(a) == irvi_trainer_updates(c));
    irvi_trainer_free(a);
    irvi_trainer_free(c);
}

int main(void)
{
    const char *tmp = getenv("IRVI_TMP");
    snprintf(root, sizeof root, "%s/train_variants", tmp && *tmp ? tmp : "/tmp");
    mkdir(root, 0755);
    irvi_set_threads(1);

    test_opts();
    test_fd();
    test_bihm_stated();
    irvi_arch one = {.D = 6, .L = 1, .H = {4}};
    irvi_arch two = {.D = 6, .L = 2, .H = {3, 2}};
    test_sleep_moves_q("SBN 6-4", one);
    test_sleep_moves_q("SBN 6-3-2", two);
    make_data();
    if (!g_ds)
        return CHECK_DONE();
    printf("generator: exact test NLL %.3f (fresh model: %.3f)\n", g_gen_nll, GD * log(2.0));
    test_sleep_only_psi();
    test_sleep_separate_step();
    test_learning(IRVI_ALGO_BIHM, 0);
    test_learning(IRVI_ALGO_RWS, 2);
    test_resume(IRVI_ALGO_RWS, 2);
    test_resume(IRVI_ALGO_BIHM, 3);
    irvi_dataset_free(g_ds);
    free(g_test);
    return CHECK_DONE();
}
