/* tests/test_train.c — training: option handling; the minibatch loss given
 * samples, weights and targets (finite differences on tiny models, and
 * equality with each algorithm's stated loss); the optimizer's refusal of
 * non-finite updates; learning a known small SBN with AIR and RWS (exact NLL
 * moves toward the generator's); checkpoints (round trip, resume after an
 * epoch and mid-epoch equals uninterrupted training bit for bit, corrupted
 * files, atomic writes); NaN detection; determinism.
 * Scratch files go under $IRVI_TMP/train_fixtures.
 */
#include "check.h"
#include "known_sbn.h"
#include "sbn_train.h"

#include <irvi/irvi.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[1024];

static const char *PATH(const char *rel)
{
    static char buf[8][1200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static int has(const char *needle) { return strstr(irvi_last_error(), needle) != NULL; }

/* ---- options ------------------------------------------------------------ */

static void test_opts(void)
{
    irvi_algo a;
    const char *names[] = {"air", "rws", "air-reweight", "air-inclusive"};
    for (int i = 0; i < 4; i++) {
        CHECK_OK(irvi_algo_parse(names[i], &a));
        CHECK(a == (irvi_algo)i);
        CHECK(!strcmp(irvi_algo_name(a), names[i]));
    }
    CHECK(irvi_algo_parse("foo", &a) == IRVI_EINVAL && has("foo"));

    /* the algorithm table: in enum order, names round-trip, the (wgen,
     * target) table of train_impl.h, and which ones refine */
    CHECK(irvi_algo_count() == 7);
    for (int i = 0; i < irvi_algo_count(); i++) {
        const irvi_algo_info *ai = irvi_algo_info_get((irvi_algo)i);
        CHECK(ai && ai->algo == (irvi_algo)i && irvi_algo_by_name(ai->name) == ai);
        CHECK(ai->sleep == (ai->latent == IRVI_LATENT_BERNOULLI));
    }
    CHECK(!irvi_algo_info_get((irvi_algo)7) && !irvi_algo_info_get((irvi_algo)-1));
    CHECK(!irvi_algo_by_name("foo") && !irvi_algo_by_name(NULL));
    const irvi_algo_info *air = irvi_algo_info_get(IRVI_ALGO_AIR);
    CHECK(air->refines && air->wgen == IRVI_WGEN_UNIFORM && air->target == IRVI_TARGET_SAMPLE_MEAN);
    CHECK(air->K == 20 && air->M == 20 && fabsf(air->gamma - 0.1f) < 1e-7f);
    const irvi_algo_info *rws = irvi_algo_info_get(IRVI_ALGO_RWS);
    CHECK(!rws->refines && rws->wgen == IRVI_WGEN_SOFTMAX && rws->target == IRVI_TARGET_WEIGHTED);
    const irvi_algo_info *bihm = irvi_algo_by_name("bihm");
    CHECK(!bihm->refines && bihm->wgen == IRVI_WGEN_SOFTMAX_HALF && bihm->target == IRVI_TARGET_BIHM);
    CHECK(irvi_algo_info_get(IRVI_ALGO_AIR_REWEIGHT)->target == IRVI_TARGET_SAMPLE_MEAN);
    CHECK(irvi_algo_info_get(IRVI_ALGO_AIR_INCLUSIVE)->target == IRVI_TARGET_WEIGHTED);
    const irvi_algo_info *gdir = irvi_algo_by_name("gdir"), *vae = irvi_algo_by_name("vae");
    CHECK(gdir->refines && !vae->refines && gdir->latent == IRVI_LATENT_GAUSSIAN &&
          vae->latent == IRVI_LATENT_GAUSSIAN);
    CHECK(gdir->gamma == IRVI_GDIR_GAMMA_DEFAULT);

    irvi_train_opts o;
    irvi_train_opts_default(&o);
    CHECK(o.algo == IRVI_ALGO_AIR && o.batch == 100 && o.N == 20);
    CHECK(o.air.K == 20 && o.air.M == 20 && fabsf(o.air.gamma - 0.1f) < 1e-7f);
    CHECK(fabsf(o.air.eps - 1e-6f) < 1e-12f);
    CHECK(o.opt == IRVI_OPT_RMSPROP && fabsf(o.lr - 1e-4f) < 1e-10f);
    CHECK(fabsf(o.l2 - 2e-4f) < 1e-10f && o.lr_decay == 1.0f && o.analytic_rec == 0);
    CHECK(o.test_air.K == 20 && o.test_air.M == 20 && o.valid_N == 100 && o.valid_n == 0);
    CHECK_OK(irvi_train_opts_validate(&o));

    irvi_train_opts b;
    b = o; b.batch = 0;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("batch"));
    b = o; b.N = 0;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("N"));
    b = o; b.lr = 0;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("learning rate"));
    b = o; b.lr = NAN;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL);
    b = o; b.lr = 11;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL);
    b = o; b.l2 = -1;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("L2"));
    b = o; b.lr_decay = 0.5f;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("decay"));
    b = o; b.air.gamma = 2;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("training refinement") && has("gamma"));
    b = o; b.test_air.M = 0;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("validation refinement"));
    b = o; b.valid_N = 0;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("valid_N"));
    b = o; b.valid_n = -1;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL && has("valid_n"));
    b = o; b.algo = (irvi_algo)7;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL);
    b = o; b.opt = (irvi_optimizer)5;
    CHECK(irvi_train_opts_validate(&b) == IRVI_EINVAL);
}

/* ---- the loss given samples: finite differences ------------------------- */

typedef struct {
    int n, S;
    uint8_t *x;
    float *h[IRVI_MAX_LAYERS], *t[IRVI_MAX_LAYERS], *wgen;
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
        for (int i = 0; i < S * n * a->H[l]; i++)
            fb->h[l][i] = irvi_rng_uniform(r) < 0.5 ? 1.0f : 0.0f;
        for (int i = 0; i < n * a->H[l]; i++)
            fb->t[l][i] = irvi_rng_uniform_f(r);
    }
    fb->wgen = malloc(sizeof(float) * (size_t)S * n);
    for (int i = 0; i < S * n; i++)
        fb->wgen[i] = 0.1f + irvi_rng_uniform_f(r);
}

static void batch_free(fixed_batch *fb)
{
    free(fb->x);
    free(fb->wgen);
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(fb->h[l]);
        free(fb->t[l]);
    }
}

static void load_h(const irvi_model *m, model_ws *w, const fixed_batch *fb)
{
    for (int l = 0; l < m->arch.L; l++)
        memcpy(w->h[l], fb->h[l], sizeof(float) * (size_t)fb->S * fb->n * m->arch.H[l]);
}

static double loss_at(irvi_model *m, model_ws *w, const fixed_batch *fb, float l2)
{
    load_h(m, w, fb);
    return train_loss(m, w, fb->x, fb->n, fb->S, fb->wgen, (const float *const *)fb->t, NULL, l2);
}

static void fd_check(const char *label, irvi_arch a)
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
    const float l2 = 0.05f;
    size_t np = irvi_model_nparams(m);
    float *g = calloc(np, sizeof(float));
    load_h(m, &w, &fb);
    model_log_joint(m, &w, fb.x, fb.n, fb.S, w.lp);
    train_loss_grad(m, &w, fb.x, fb.n, fb.S, fb.wgen, (const float *const *)fb.t, NULL, l2, g);
    float *p = irvi_model_params(m);
    int bad = 0;
    double worst = 0;
    for (size_t k = 0; k < np; k++) {
        if (masked(m, k)) {
            if (g[k] != 0)
                bad++;
            continue;
        }
        float p0 = p[k];
        float up = p0 + 1e-2f, dn = p0 - 1e-2f;
        p[k] = up;
        double Ju = loss_at(m, &w, &fb, l2);
        p[k] = dn;
        double Jd = loss_at(m, &w, &fb, l2);
        p[k] = p0;
        double fd = (Ju - Jd) / ((double)up - (double)dn);
        double err = fabs(fd - g[k]) / (1e-2 + fabs(fd));
        if (err > worst)
            worst = err;
        if (fabs(fd - g[k]) > 2e-3 + 2e-3 * fabs(fd)) {
            if (bad < 5)
                fprintf(stderr, "%s: param %zu: analytic %.6g, finite difference %.6g\n", label, k,
                        (double)g[k], fd);
            bad++;
        }
    }
    CHECK_MSG(bad == 0, "%s: %d of %zu gradient entries disagree (worst rel %.3g)", label, bad, np,
              worst);
    printf("fd %-28s %zu params, worst relative error %.2e\n", label, np, worst);
    free(g);
    model_ws_free(&w);
    batch_free(&fb);
    irvi_model_free(m);
}

static void test_loss_grad(void)
{
    irvi_arch a = {.D = 10, .L = 1, .H = {4}};
    fd_check("SBN 10-4", a);
    a.squash = 1;
    fd_check("SBN 10-4 squashed", a);
    irvi_arch b = {.D = 10, .L = 2, .H = {4, 3}};
    fd_check("SBN 10-4-3", b);
    irvi_arch c = {.D = 10, .L = 3, .H = {4, 3, 2}, .squash = 1};
    fd_check("SBN 10-4-3-2 squashed", c);
    irvi_arch d = {.D = 10, .L = 1, .H = {4}, .prior = IRVI_PRIOR_DARN, .gen_hidden = 5,
                   .rec_hidden = 3};
    fd_check("DARN 4 tanh 5, rec tanh 3", d);
}

/* With the samples, weights and targets an algorithm derives, the trainer's
 * loss equals that algorithm's stated loss as a function of the parameters:
 *   sum_b sum_n [ a_bn (-log p(x_b, h_bn)) + c_bn (-log q0(h_bn | x_b)) ]. */
static double stated_loss(irvi_model *m, const fixed_batch *fb, const float *a, const float *c)
{
    const irvi_arch *ar = irvi_model_arch(m);
    int n = fb->n, S = fb->S;
    double *lp = malloc(sizeof(double) * (size_t)S * n);
    irvi_model_log_joint(m, fb->x, n, S, (const float *const *)fb->h, lp);
    float *mu[IRVI_MAX_LAYERS];
    for (int l = 0; l < ar->L; l++)
        mu[l] = malloc(sizeof(float) * (size_t)n * ar->H[l]);
    irvi_model_recognize(m, fb->x, n, mu);
    double J = 0;
    for (int s = 0; s < S; s++)
        for (int b = 0; b < n; b++) {
            size_t r = (size_t)s * n + b;
            double lq = 0;
            for (int l = 0; l < ar->L; l++)
                for (int i = 0; i < ar->H[l]; i++) {
                    float hv = fb->h[l][r * ar->H[l] + i], mv = mu[l][(size_t)b * ar->H[l] + i];
                    lq += hv != 0 ? log(mv) : log1p(-(double)mv);
                }
            J += a[r] * -lp[r] + c[r] * -lq;
        }
    for (int l = 0; l < ar->L; l++)
        free(mu[l]);
    free(lp);
    return J;
}

static void test_stated_losses(void)
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
    double lw[64];
    for (int i = 0; i < R; i++)
        lw[i] = -20 + 3 * irvi_rng_gauss(&r);
    float wn[64], wgen[64], a[64], c[64], *mu[IRVI_MAX_LAYERS];
    for (int l = 0; l < ar.L; l++) {
        mu[l] = malloc(sizeof(float) * n * ar.H[l]);
        for (int i = 0; i < n * ar.H[l]; i++)
            mu[l][i] = 0.05f + 0.9f * irvi_rng_uniform_f(&r);
    }
    model_ws w = {0};
    model_ws_reserve(&w, m, R, n);
    for (int algo = 0; algo < 4; algo++) {
        double ess = train_weights_targets(m, (irvi_algo)algo, 0, n, S,
                                           (const float *const *)fb.h, lw,
                                           (const float *const *)mu, wn, wgen, fb.t, NULL);
        CHECK(ess >= 1.0 / S - 1e-9 && ess <= 1 + 1e-9);
        for (int b = 0; b < n; b++) {
            double sw = 0;
            for (int s = 0; s < S; s++)
                sw += wn[s * n + b];
            CHECK_NEAR(sw, 1, 1e-6);
        }
        int gen_w = algo != IRVI_ALGO_AIR;
        int rec_w = algo == IRVI_ALGO_RWS || algo == IRVI_ALGO_AIR_INCLUSIVE;
        for (int i = 0; i < R; i++) {
            a[i] = gen_w ? wn[i] : 1.0f / S;
            c[i] = rec_w ? wn[i] : 1.0f / S;
            CHECK(wgen[i] == a[i]);
        }
        memcpy(fb.wgen, wgen, sizeof(float) * R);
        /* equal values at several parameter settings -> equal functions */
        for (int rep = 0; rep < 3; rep++) {
            if (rep)
                fill_gauss(m, &r, 0.5 * rep);
            double Jt = loss_at(m, &w, &fb, 0);
            double Js = stated_loss(m, &fb, a, c);
            CHECK_MSG(fabs(Jt - Js) <= 1e-4 * fmax(1, fabs(Js)), "%s: trainer loss %.9g, stated %.9g",
                      irvi_algo_name((irvi_algo)algo), Jt, Js);
        }
    }
    /* analytic targets are mu_K for AIR and AIR_REWEIGHT */
    train_weights_targets(m, IRVI_ALGO_AIR, 1, n, S, (const float *const *)fb.h, lw,
                          (const float *const *)mu, wn, wgen, fb.t, NULL);
    CHECK(!memcmp(fb.t[0], mu[0], sizeof(float) * n * ar.H[0]));
    for (int l = 0; l < ar.L; l++)
        free(mu[l]);
    model_ws_free(&w);
    batch_free(&fb);
    irvi_model_free(m);
}

/* ---- optimizer ---------------------------------------------------------- */

static void test_optim(void)
{
    optim_state s;
    CHECK(optim_init(&s, IRVI_OPT_RMSPROP, 3) == 0);
    float th[3] = {1, 2, 3}, g[3] = {0.5f, -1, 2};
    CHECK(optim_step(&s, th, g, 0.1f) == 0);
    /* first step by hand: n = .05 g^2, gbar = .05 g, d = -lr g / sqrt(n - gbar^2 + 1e-4) */
    for (int i = 0; i < 3; i++) {
        double n = 0.05 * g[i] * g[i], gb = 0.05 * g[i];
        double d = -0.1 * g[i] / sqrt(n - gb * gb + 1e-4);
        CHECK_NEAR(th[i], (i + 1) + d, 1e-5);
        CHECK_NEAR(s.delta[i], d, 1e-6);
    }
    float before[3], nb[3];
    memcpy(before, th, sizeof th);
    memcpy(nb, s.n, sizeof nb);
    float huge[3] = {1e30f, 0, 0}; /* g^2 overflows float in the state */
    CHECK(optim_step(&s, th, huge, 0.1f) == -1);
    CHECK(!memcmp(th, before, sizeof th) && !memcmp(s.n, nb, sizeof nb));
    optim_reset(&s, IRVI_OPT_SGD);
    float g2[3] = {1, 1, 1};
    CHECK(optim_step(&s, th, g2, 0.5f) == 0);
    CHECK_NEAR(th[0], before[0] - 0.5, 1e-6);
    float inf[3] = {INFINITY, 0, 0};
    memcpy(before, th, sizeof th);
    CHECK(optim_step(&s, th, inf, 0.5f) == -1 && !memcmp(th, before, sizeof th));
    optim_free(&s);
}

static void small_opts(irvi_train_opts *o, irvi_algo algo)
{
    irvi_train_opts_default(o);
    o->algo = algo;
    o->lr = 3e-3f;
    o->air.K = 10;
    o->air.M = 10;
    o->test_air.K = 5;
    o->test_air.M = 10;
    o->valid_N = 20;
    o->valid_n = 200;
}

static irvi_trainer *small_trainer(const irvi_train_opts *o, uint64_t seed)
{
    irvi_arch a = {.D = GD, .L = 1, .H = {GH}};
    irvi_model *m;
    CHECK_OK(irvi_model_create(&a, seed, &m));
    irvi_model_set_mean(m, irvi_dataset_mean(g_ds));
    irvi_trainer *t = NULL;
    CHECK_OK(irvi_trainer_create(m, g_ds, o, seed, &t));
    return t;
}

static void run_epochs(irvi_trainer *t, int epochs, irvi_epoch_metrics *last)
{
    for (int e = 0; e < epochs; e++) {
        while (!irvi_trainer_epoch_done(t))
            if (irvi_trainer_step(t, NULL)) {
                CHECK_MSG(0, "step failed: %s", irvi_last_error());
                return;
            }
        CHECK_OK(irvi_trainer_end_epoch(t, last, NULL, NULL));
    }
}

static void test_learning(irvi_algo algo)
{
    irvi_train_opts o;
    small_opts(&o, algo);
    irvi_trainer *t = small_trainer(&o, 17);
    if (!t)
        return;
    double nll0 = test_nll(irvi_trainer_model(t));
    irvi_step_metrics sm;
    CHECK_OK(irvi_trainer_step(t, &sm));
    CHECK(sm.update == 1 && sm.epoch == 0 && sm.batch == 1 && sm.batches == NTRAIN / 100);
    CHECK(isfinite(sm.lb) && isfinite(sm.lb0) && sm.lb < 0 && sm.seconds >= 0);
    CHECK(sm.ess >= 1.0 / o.N - 1e-9 && sm.ess <= 1 + 1e-9);
    irvi_epoch_metrics em;
    memset(&em, 0, sizeof em);
    int epochs = 8;
    run_epochs(t, epochs, &em);
    CHECK(em.epoch == epochs - 1 && em.updates == (long)epochs * (NTRAIN / 100));
    CHECK(isfinite(em.train_lb) && isfinite(em.valid_lb0) && isfinite(em.valid_lb));
    CHECK(isfinite(em.valid_ll) && em.valid_ll >= em.valid_lb - 1e-9);
    CHECK(em.valid_ess > 0 && em.valid_ess <= 1 && em.best_valid_lb >= em.valid_lb);
    CHECK(em.lr == o.lr && em.train_seconds > 0 && em.valid_seconds > 0);
    CHECK(irvi_trainer_epoch(t) == epochs && irvi_trainer_updates(t) == em.updates);
    double nll = test_nll(irvi_trainer_model(t)), nllb = test_nll(irvi_trainer_best(t));
    printf("%s: exact test NLL %.3f -> %.3f (best copy %.3f), generator %.3f; "
           "valid lb0 %.3f lb %.3f ll %.3f ess %.3f\n",
           irvi_algo_name(algo), nll0, nll, nllb, g_gen_nll, em.valid_lb0, em.valid_lb,
           em.valid_ll, em.valid_ess);
    /* more than half the way from the fresh model to the generator */
    CHECK_MSG(nll < nll0 - 0.5 * (nll0 - g_gen_nll), "%s: NLL %.3f -> %.3f, generator %.3f",
              irvi_algo_name(algo), nll0, nll, g_gen_nll);
    CHECK(nllb < nll0 - 0.3 * (nll0 - g_gen_nll));
    irvi_trainer_free(t);
}

static void test_variants_run(void)
{
    /* the supplement's variants and the analytic recognition target train too */
    for (int v = 0; v < 3; v++) {
        irvi_train_opts o;
        small_opts(&o, v == 0 ? IRVI_ALGO_AIR_REWEIGHT : v == 1 ? IRVI_ALGO_AIR_INCLUSIVE
                                                                   : IRVI_ALGO_AIR);
        o.analytic_rec = v == 2;
        irvi_trainer *t = small_trainer(&o, 5);
        if (!t)
            continue;
        double nll0 = test_nll(irvi_trainer_model(t));
        irvi_epoch_metrics em;
        run_epochs(t, 3, &em);
        double nll = test_nll(irvi_trainer_model(t));
        CHECK_MSG(nll < nll0 - 0.2 * (nll0 - g_gen_nll), "variant %d: NLL %.3f -> %.3f", v, nll0,
                  nll);
        irvi_trainer_free(t);
    }
}

/* ---- determinism, NaN --------------------------------------------------- */

static void test_determinism(void)
{
    irvi_train_opts o;
    small_opts(&o, IRVI_ALGO_AIR);
    irvi_trainer *a = small_trainer(&o, 42), *b = small_trainer(&o, 42), *c = small_trainer(&o, 43);
    if (!a || !b || !c)
        return;
    for (int i = 0; i < 20; i++) {
        if (irvi_trainer_epoch_done(a)) {
            CHECK_OK(irvi_trainer_end_epoch(a, NULL, NULL, NULL));
            CHECK_OK(irvi_trainer_end_epoch(b, NULL, NULL, NULL));
            CHECK_OK(irvi_trainer_end_epoch(c, NULL, NULL, NULL));
        }
        CHECK_OK(irvi_trainer_step(a, NULL));
        CHECK_OK(irvi_trainer_step(b, NULL));
        CHECK_OK(irvi_trainer_step(c, NULL));
    }
    size_t np = irvi_model_nparams(irvi_trainer_model(a));
    CHECK(!memcmp(irvi_model_params(irvi_trainer_model(a)), irvi_model_params(irvi_trainer_model(b)),
                  np * sizeof(float)));
    CHECK(memcmp(irvi_model_params(irvi_trainer_model(a)), irvi_model_params(irvi_trainer_model(c)),
                 np * sizeof(float)) != 0);
    /* stepping past the end of an epoch is refused */
    while (!irvi_trainer_epoch_done(a))
        CHECK_OK(irvi_trainer_step(a, NULL));
    CHECK(irvi_trainer_step(a, NULL) == IRVI_EINVAL && has("end_epoch"));
    irvi_trainer_free(a);
    irvi_trainer_free(b);
    irvi_trainer_free(c);
}

static void test_nan(void)
{
    for (int algo = 0; algo < 2; algo++)
        for (int kind = 0; kind < 3; kind++) { /* NaN in G0, 3e38 in V1, 3e38 in G0 */
            irvi_train_opts o;
            small_opts(&o, (irvi_algo)algo);
            irvi_trainer *t = small_trainer(&o, 8);
            if (!t)
                continue;
            CHECK_OK(irvi_trainer_step(t, NULL));
            irvi_model *m = irvi_trainer_model(t);
            size_t np = irvi_model_nparams(m);
            float *p = irvi_model_params(m);
            const irvi_tensor *G = irvi_model_find_tensor(m, kind == 1 ? "V1" : "G0");
            size_t k = G->offset + 3;
            float keep = p[k];
            p[k] = kind ? 3e38f : NAN;
            float *copy = malloc(np * sizeof(float));
            memcpy(copy, p, np * sizeof(float));
            irvi_status st = irvi_trainer_step(t, NULL);
            if (st == IRVI_OK)
                st = irvi_trainer_step(t, NULL);
            CHECK_MSG(st == IRVI_ENUMERIC, "algo %d poison %d: status %d (%s)", algo, kind, st,
                      irvi_last_error());
            CHECK_MSG(has("update 2"), "message: %s", irvi_last_error());
            CHECK(!memcmp(copy, p, np * sizeof(float)));
            CHECK(irvi_trainer_updates(t) == 1);
            p[k] = keep; /* repaired, the trainer carries on */
            CHECK_OK(irvi_trainer_step(t, NULL));
            CHECK(irvi_model_finite(m) && irvi_trainer_updates(t) == 2);
            free(copy);
            irvi_trainer_free(t);
        }
}

static void test_live_changes(void)
{
    irvi_train_opts o;
    small_opts(&o, IRVI_ALGO_AIR);
    irvi_trainer *t = small_trainer(&o, 9);
    if (!t)
        return;
    irvi_refine_opts air = o.air;
    air.gamma = 0;
    CHECK(irvi_trainer_set_air(t, &air) == IRVI_EINVAL);
    air.gamma = 0.2f;
    air.K = 3;
    CHECK_OK(irvi_trainer_set_air(t, &air));
    CHECK(irvi_trainer_opts(t)->air.K == 3);
    irvi_trainer_set_optimizer(t, IRVI_OPT_SGD, 1e-3f, 1.005f);
    CHECK(irvi_trainer_opts(t)->opt == IRVI_OPT_SGD && irvi_trainer_opts(t)->lr == 1e-3f);
    irvi_trainer_set_optimizer(t, IRVI_OPT_SGD, -1, 1); /* ignored */
    CHECK(irvi_trainer_opts(t)->lr == 1e-3f);
    irvi_epoch_metrics em;
    run_epochs(t, 2, &em);
    CHECK(fabs(em.lr - 1e-3 / 1.005) < 1e-9);
    irvi_trainer_free(t);
}

/* ---- checkpoints -------------------------------------------------------- */

static int same_params(const irvi_model *a, const irvi_model *b)
{
    size_t n = irvi_model_nparams(a);
    return n == irvi_model_nparams(b) &&
           !memcmp(irvi_model_params_const(a), irvi_model_params_const(b), n * sizeof(float)) &&
           !memcmp(irvi_model_mean(a), irvi_model_mean(b),
                   sizeof(float) * irvi_model_arch(a)->D);
}

static void test_model_file(void)
{
    irvi_arch a = {.D = 12, .L = 2, .H = {5, 3}, .squash = 1, .rec_hidden = 4};
    irvi_model *m, *m2 = NULL;
    CHECK_OK(irvi_model_create(&a, 1, &m));
    irvi_rng r;
    irvi_rng_seed(&r, 1, 0);
    fill_gauss(m, &r, 0.3);
    float xbar[12];
    for (int i = 0; i < 12; i++)
        xbar[i] = i / 12.0f;
    irvi_model_set_mean(m, xbar);
    char f[1200];
    snprintf(f, sizeof f, "%s", PATH("model.irvi"));
    CHECK_OK(irvi_model_save(m, f));
    CHECK_OK(irvi_model_load(f, &m2));
    if (!m2)
        return;
    CHECK(same_params(m, m2));
    CHECK(irvi_model_arch(m2)->squash == 1 && irvi_model_arch(m2)->rec_hidden == 4);
    CHECK(irvi_model_arch(m2)->L == 2 && irvi_model_arch(m2)->H[1] == 3);
    /* identical outputs */
    uint8_t x[3 * 12];
    float h0[2 * 3 * 5], h1[2 * 3 * 3];
    for (int i = 0; i < 36; i++)
        x[i] = (uint8_t)(irvi_rng_uniform(&r) < 0.5);
    for (int i = 0; i < 30; i++)
        h0[i] = irvi_rng_uniform(&r) < 0.5;
    for (int i = 0; i < 18; i++)
        h1[i] = irvi_rng_uniform(&r) < 0.5;
    const float *h[2] = {h0, h1};
    double o1[6], o2[6];
    CHECK_OK(irvi_model_log_joint(m, x, 3, 2, h, o1));
    CHECK_OK(irvi_model_log_joint(m2, x, 3, 2, h, o2));
    CHECK(!memcmp(o1, o2, sizeof o1));
    float mu1a[15], mu1b[9], mu2a[15], mu2b[9];
    float *mu1[2] = {mu1a, mu1b}, *mu2[2] = {mu2a, mu2b};
    CHECK_OK(irvi_model_recognize(m, x, 3, mu1));
    CHECK_OK(irvi_model_recognize(m2, x, 3, mu2));
    CHECK(!memcmp(mu1a, mu2a, sizeof mu1a) && !memcmp(mu1b, mu2b, sizeof mu1b));
    irvi_model_free(m);
    irvi_model_free(m2);
}

static void train_steps(irvi_trainer *t, int steps)
{
    for (int i = 0; i < steps; i++) {
        if (irvi_trainer_epoch_done(t))
            CHECK_OK(irvi_trainer_end_epoch(t, NULL, NULL, NULL));
        CHECK_OK(irvi_trainer_step(t, NULL));
    }
}

static void compare_trainers(const char *label, irvi_trainer *a, irvi_trainer *b)
{
    CHECK_MSG(same_params(irvi_trainer_model(a), irvi_trainer_model(b)), "%s: parameters differ",
              label);
    CHECK_MSG(same_params(irvi_trainer_best(a), irvi_trainer_best(b)), "%s: best copies differ",
              label);
    CHECK(irvi_trainer_updates(a) == irvi_trainer_updates(b));
    CHECK(irvi_trainer_epoch(a) == irvi_trainer_epoch(b));
    CHECK(a->batch == b->batch && a->lr == b->lr && a->best_lb == b->best_lb);
    CHECK(!memcmp(a->perm, b->perm, sizeof(int) * a->ntrain));
}

static void test_resume(void)
{
    irvi_train_opts o;
    small_opts(&o, IRVI_ALGO_AIR);
    o.air.K = 4;
    o.air.M = 5;
    o.lr_decay = 1.01f;
    int per = NTRAIN / 100;
    char ck[1200];
    snprintf(ck, sizeof ck, "%s", PATH("resume.irvi"));
    for (int mode = 0; mode < 3; mode++) {
        /* mode 0: 2 epochs vs 1 + resume + 1; mode 1: resume after 7 batches of
         * epoch 2; mode 2: resume at the end of an epoch before its validation */
        irvi_trainer *a = small_trainer(&o, 77), *b = small_trainer(&o, 77), *c = NULL;
        if (!a || !b)
            return;
        int total = 2 * per, cut = mode == 0 ? per : mode == 1 ? per + 7 : per;
        train_steps(a, total);
        CHECK_OK(irvi_trainer_end_epoch(a, NULL, NULL, NULL));
        train_steps(b, cut);
        if (mode == 0)
            CHECK_OK(irvi_trainer_end_epoch(b, NULL, NULL, NULL));
        CHECK_OK(irvi_trainer_save(b, ck));
        CHECK_OK(irvi_trainer_resume(ck, g_ds, &c));
        if (!c)
            return;
        compare_trainers("right after resume", b, c);
        irvi_trainer_free(b);
        train_steps(c, total - cut);
        CHECK_OK(irvi_trainer_end_epoch(c, NULL, NULL, NULL));
        char label[32];
        snprintf(label, sizeof label, "resume mode %d", mode);
        compare_trainers(label, a, c);
        /* irvi_model_load on a trainer checkpoint gives the best parameters */
        irvi_model *best;
        CHECK_OK(irvi_trainer_save(c, ck));
        CHECK_OK(irvi_model_load(ck, &best));
        if (best) {
            CHECK(same_params(best, irvi_trainer_best(c)));
            irvi_model_free(best);
        }
        irvi_trainer_free(a);
        irvi_trainer_free(c);
    }
}

static long file_size(const char *p)
{
    struct stat sb;
    return stat(p, &sb) ? -1 : (long)sb.st_size;
}

static uint8_t *read_all(const char *p, long *n)
{
    *n = file_size(p);
    FILE *f = fopen(p, "rb");
    uint8_t *b = malloc(*n > 0 ? (size_t)*n : 1);
    if (f) {
        if (fread(b, 1, (size_t)*n, f) != (size_t)*n)
            *n = -1;
        fclose(f);
    }
    return b;
}

static void write_all(const char *p, const uint8_t *b, long n)
{
    FILE *f = fopen(p, "wb");
    if (n > 0)
        fwrite(b, 1, (size_t)n, f);
    fclose(f);
}

static void expect_bad(const char *file, irvi_status want, const char *word)
{
    irvi_trainer *t = NULL;
    irvi_model *m = NULL;
    irvi_status st = irvi_trainer_resume(file, g_ds, &t);
    CHECK_MSG(st == want && t == NULL, "%s: resume gave %d, want %d", file, st, want);
    CHECK_MSG(has(file) && has(word), "%s: message '%s' lacks the path or '%s'", file,
              irvi_last_error(), word);
    st = irvi_model_load(file, &m);
    CHECK_MSG(st == want && m == NULL, "%s: model load gave %d", file, st);
    CHECK_MSG(has(file) && has(word), "%s: model load message '%s'", file, irvi_last_error());
    irvi_trainer_free(t);
    irvi_model_free(m);
}

static void test_corrupt(void)
{
    irvi_train_opts o;
    small_opts(&o, IRVI_ALGO_RWS);
    irvi_trainer *t = small_trainer(&o, 3);
    if (!t)
        return;
    train_steps(t, 3);
    char good[1200];
    snprintf(good, sizeof good, "%s", PATH("good.irvi"));
    CHECK_OK(irvi_trainer_save(t, good));
    long n;
    uint8_t *b = read_all(good, &n);
    CHECK(n > 100);
    write_all(PATH("trunc.irvi"), b, n / 2);
    expect_bad(PATH("trunc.irvi"), IRVI_EFORMAT, "truncated");
    write_all(PATH("trunc2.irvi"), b, 5);
    expect_bad(PATH("trunc2.irvi"), IRVI_EFORMAT, "truncated");
    b[n / 2] ^= 0x10;
    write_all(PATH("flip.irvi"), b, n);
    expect_bad(PATH("flip.irvi"), IRVI_EFORMAT, "checksum");
    b[n / 2] ^= 0x10;
    b[0] = 'X';
    write_all(PATH("magic.irvi"), b, n);
    expect_bad(PATH("magic.irvi"), IRVI_EFORMAT, "magic");
    b[0] = 'I';
    b[8] = 9; /* version 9 */
    write_all(PATH("version.irvi"), b, n);
    expect_bad(PATH("version.irvi"), IRVI_EFORMAT, "version");
    write_all(PATH("empty.irvi"), b, 0);
    expect_bad(PATH("empty.irvi"), IRVI_EFORMAT, "empty");
    expect_bad(PATH("no-such-file.irvi"), IRVI_EIO, "cannot open");
    free(b);

    /* a model file is not a trainer checkpoint */
    irvi_trainer *t2 = NULL;
    CHECK_OK(irvi_model_save(irvi_trainer_model(t), PATH("m.irvi")));
    CHECK(irvi_trainer_resume(PATH("m.irvi"), g_ds, &t2) == IRVI_EFORMAT && has("m.irvi"));
    /* dimension mismatch with the dataset */
    uint8_t x9[10 * 9] = {0};
    irvi_split s[3] = {{10, 9, x9, NULL}, {0, 9, NULL, NULL}, {0, 9, NULL, NULL}};
    irvi_dataset *ds9;
    CHECK_OK(irvi_dataset_from_memory("nine", 3, 3, s, &ds9));
    CHECK_MSG(irvi_trainer_resume(good, ds9, &t2) == IRVI_EFORMAT && has(good) && has("16"), "%s",
              irvi_last_error());
    irvi_dataset_free(ds9);
    /* same D, other number of training examples */
    uint8_t *x16 = calloc(50 * GD, 1);
    irvi_split s2[3] = {{50, GD, x16, NULL}, {0, GD, NULL, NULL}, {0, GD, NULL, NULL}};
    irvi_dataset *ds50;
    CHECK_OK(irvi_dataset_from_memory("fifty", 4, 4, s2, &ds50));
    CHECK_MSG(irvi_trainer_resume(good, ds50, &t2) == IRVI_EFORMAT && has(good) && has("50"),
              "%s", irvi_last_error());
    irvi_dataset_free(ds50);
    free(x16);
    CHECK(t2 == NULL);
    irvi_trainer_free(t);
}

static void test_atomic(void)
{
    irvi_train_opts o;
    small_opts(&o, IRVI_ALGO_AIR);
    irvi_trainer *t = small_trainer(&o, 4);
    if (!t)
        return;
    char dst[1200];
    snprintf(dst, sizeof dst, "%s", PATH("atomic.irvi"));
    CHECK_OK(irvi_trainer_save(t, dst));
    long n0;
    uint8_t *orig = read_all(dst, &n0);
    train_steps(t, 2);

    /* the temporary file cannot be created (a directory is in its way) */
    char tmpname[1300];
    snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", dst, (long)getpid());
    CHECK(mkdir(tmpname, 0755) == 0);
    CHECK(irvi_trainer_save(t, dst) == IRVI_EIO && has(dst));
    rmdir(tmpname);
    long n1;
    uint8_t *now = read_all(dst, &n1);
    CHECK(n1 == n0 && !memcmp(orig, now, (size_t)n0));
    free(now);

    /* parent is a regular file / does not exist */
    char file[1200];
    snprintf(file, sizeof file, "%s", PATH("file.txt"));
    write_all(file, (const uint8_t *)"x", 1);
    char bad[1300];
    snprintf(bad, sizeof bad, "%s/ckpt.irvi", file);
    CHECK(irvi_trainer_save(t, bad) == IRVI_EIO && has(bad));
    CHECK(irvi_model_save(irvi_trainer_model(t), bad) == IRVI_EIO && has(bad));
    CHECK(irvi_trainer_save(t, PATH("no/such/dir/ckpt.irvi")) == IRVI_EIO &&
          has("no/such/dir/ckpt.irvi"));

    /* the rename fails (a non-empty directory at the destination): no temp left */
    char dd[1200];
    snprintf(dd, sizeof dd, "%s", PATH("dest-dir"));
    mkdir(dd, 0755);
    write_all(PATH("dest-dir/inside"), (const uint8_t *)"y", 1);
    CHECK(irvi_trainer_save(t, dd) == IRVI_EIO && has("rename"));
    snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", dd, (long)getpid());
    CHECK(access(tmpname, F_OK) != 0);
    CHECK(file_size(PATH("dest-dir/inside")) == 1);

    /* a read-only directory (only meaningful when not root) */
    if (geteuid() != 0) {
        char ro[1200];
        snprintf(ro, sizeof ro, "%s", PATH("ro"));
        mkdir(ro, 0755);
        char rof[1300];
        snprintf(rof, sizeof rof, "%s/ckpt.irvi", ro);
        CHECK_OK(irvi_trainer_save(t, rof));
        long a0;
        uint8_t *before = read_all(rof, &a0);
        chmod(ro, 0555);
        train_steps(t, 1);
        CHECK(irvi_trainer_save(t, rof) == IRVI_EIO && has(rof));
        long a1;
        uint8_t *after = read_all(rof, &a1);
        CHECK(a0 == a1 && !memcmp(before, after, (size_t)a0));
        chmod(ro, 0755);
        free(before);
        free(after);
    } else {
        printf("running as root: read-only directory case covered by the cases above\n");
    }
    /* the existing checkpoint still loads */
    irvi_trainer *r = NULL;
    CHECK_OK(irvi_trainer_resume(dst, g_ds, &r));
    irvi_trainer_free(r);
    free(orig);
    irvi_trainer_free(t);
}

int main(void)
{
    const char *tmp = getenv("IRVI_TMP");
    snprintf(root, sizeof root, "%s/train_fixtures", tmp && *tmp ? tmp : "/tmp");
    mkdir(root, 0755);
    irvi_set_threads(1);

    test_opts();
    test_loss_grad();
    test_stated_losses();
    test_optim();
    make_data();
    if (!g_ds)
        return CHECK_DONE();
    printf("generator: exact test NLL %.3f (fresh model: %.3f)\n", g_gen_nll, GD * log(2.0));
    test_learning(IRVI_ALGO_AIR);
    test_learning(IRVI_ALGO_RWS);
    test_variants_run();
    test_determinism();
    test_nan();
    test_live_changes();
    test_model_file();
    test_resume();
    test_corrupt();
    test_atomic();
    irvi_dataset_free(g_ds);
    free(g_test);
    return CHECK_DONE();
}
