/* app/live/inspector.c — gathering the inspector record on the engine thread
 * (see inspector.h). The exact enumeration runs here, between lab steps,
 * never on the UI thread: the table (x-free part, once per model) and then
 * per update one call for q_k's exact ELBO and KL (the marginals and q0's
 * ELBO only when the histories restart). */
#include "live/inspector.h"

#include "common/sysutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int inspector_init(inspector *in, uint64_t seed)
{
    memset(in, 0, sizeof *in);
    in->out = calloc(1, sizeof *in->out);
    in->smp = calloc(1, sizeof *in->smp);
    irvi_rng_seed(&in->rng, seed, 13);
    in->hist_reset = 1;
    return in->out && in->smp ? 0 : -1;
}

void inspector_free(inspector *in)
{
    free(in->out);
    free(in->smp);
    irvi_exact_table_free(in->tab);
    memset(in, 0, sizeof *in);
}

/* All layers' means of digit i side by side (capped), and sigma for VAEs. */
static int copy_maps(const irvi_model *m, irvi_posterior *q, int i, float *mu, float *sig)
{
    const irvi_arch *a = irvi_model_arch(m);
    int u = 0;
    for (int l = 0; l < a->L; l++) {
        const float *src = irvi_posterior_mu(q, l) + (size_t)i * a->H[l];
        for (int k = 0; k < a->H[l] && u < INSPECT_MAX_UNITS; k++)
            mu[u++] = src[k];
    }
    const float *ls = irvi_posterior_logsigma(q);
    for (int k = 0; k < u; k++)
        sig[k] = ls ? expf(ls[(size_t)i * a->H[0] + k]) : NAN;
    return u;
}

static int exact_ok(const irvi_model *m)
{
    const irvi_arch *a = irvi_model_arch(m);
    return irvi_arch_discrete(a) && a->L == 1 && a->H[0] <= IRVI_EXACT_MAX_H;
}

/* Exact ELBO/KL of q's means (and marginals into marg when non-NULL). */
static irvi_status run_exact(inspector *in, const irvi_model *m, irvi_posterior *q, int n,
                             float *marg, irvi_exact_post *res)
{
    irvi_status st = IRVI_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!in->tab) {
            double t0 = app_now();
            if ((st = irvi_exact_table_create(m, &in->tab)))
                return st;
            in->out->table_ms = 1e3 * (app_now() - t0);
        }
        double t0 = app_now();
        st = irvi_exact_posterior(m, in->tab, irvi_posterior_x(q), n, irvi_posterior_mu(q, 0),
                                  marg, res);
        if (st != IRVI_EINVAL) { /* EINVAL: the model changed since the table */
            in->out->exact_ms = 1e3 * (app_now() - t0) / n;
            return st;
        }
        irvi_exact_table_free(in->tab);
        in->tab = NULL;
    }
    return st;
}

irvi_status inspector_update(inspector *in, lab *b, const irvi_model *m, const app_tiles *t,
                             int exact)
{
    app_inspect *o = in->out;
    const irvi_arch *a = irvi_model_arch(m);
    int n = t->n, D = t->rows * t->cols, H = a->H[0];
    int reset = in->hist_reset || t->steps == 0 || o->nhist == 0 || o->n != n ||
                t->steps <= o->hist_step[o->nhist - 1] ||
                memcmp(o->index, t->index, sizeof(int) * (size_t)n) != 0;
    o->n = n;
    o->rows = t->rows;
    o->cols = t->cols;
    o->transposed = t->transposed;
    o->steps = t->steps;
    o->gaussian = !irvi_arch_discrete(a);
    memcpy(o->index, t->index, sizeof o->index);
    memcpy(o->label, t->label, sizeof o->label);
    for (int i = 0; i < n; i++) {
        memcpy(o->truth[i], t->truth[i], sizeof(float) * D);
        o->units = copy_maps(m, b->q0, i, o->mu0[i], o->sig0[i]);
        copy_maps(m, b->q, i, o->muk[i], o->sigk[i]);
    }
    int ex = exact && exact_ok(m);
    irvi_exact_post r0[LINK_MAX_DIGITS], rk[LINK_MAX_DIGITS];
    irvi_status st = IRVI_OK;
    if (ex && reset) {
        float marg[LINK_MAX_DIGITS * IRVI_EXACT_MAX_H];
        st = run_exact(in, m, b->q0, n, marg, r0);
        for (int i = 0; i < n && !st; i++) {
            memcpy(o->exact_mu[i], marg + (size_t)i * H, sizeof(float) * H);
            o->exact_ll[i] = r0[i].ll;
        }
    }
    if (ex && !st && t->steps > 0)
        st = run_exact(in, m, b->q, n, NULL, rk);
    if (st) {
        ex = 0; /* the maps and the bound still show */
        st = IRVI_OK;
    }
    if (!ex && reset)
        o->exact = 0;
    if (ex && reset)
        o->exact = 1;
    if (reset) {
        o->nhist = o->nframes = 0;
        in->hist_reset = 0;
        /* step 0 from q0: its bound, exact ELBO and reconstruction */
        o->hist_step[0] = 0;
        o->frame_step[0] = 0;
        for (int i = 0; i < n; i++) {
            o->lb[i][0] = t->lb0[i];
            o->elbo[i][0] = o->exact ? r0[i].elbo : NAN;
            o->kl[i][0] = o->exact ? r0[i].kl : NAN;
            memcpy(o->film[i][0], t->unrefined[i], sizeof(float) * D);
        }
        o->nhist = o->nframes = 1;
    }
    if (t->steps > 0) {
        /* full histories keep the newest row in the last slot */
        int j = o->nhist < HIST_MAX ? o->nhist++ : HIST_MAX - 1;
        int f = o->nframes < FILM_MAX ? o->nframes++ : FILM_MAX - 1;
        o->hist_step[j] = t->steps;
        o->frame_step[f] = t->steps;
        for (int i = 0; i < n; i++) {
            o->lb[i][j] = t->lbK[i];
            o->elbo[i][j] = o->exact && ex ? rk[i].elbo : NAN;
            o->kl[i][j] = o->exact && ex ? rk[i].kl : NAN;
            memcpy(o->film[i][f], t->refined[i], sizeof(float) * D);
        }
    }
    return st;
}

irvi_status inspector_samples(inspector *in, const irvi_model *m, const irvi_dataset *ds, int n,
                              long updates)
{
    app_samples *s = in->smp;
    int rows, cols, D = irvi_model_arch(m)->D;
    irvi_dataset_shape(ds, &rows, &cols);
    if (D > 784 || rows * cols != D)
        return irvi_fail(IRVI_EINVAL, "samples of %d pixels do not fit the viewer", D);
    n = n < SAMPLES_MAX ? n : SAMPLES_MAX;
    uint8_t *x = malloc((size_t)n * D);
    if (!x)
        return irvi_fail(IRVI_ENOMEM, "samples");
    irvi_status st = irvi_model_sample(m, &in->rng, n, x, NULL);
    if (!st) {
        s->n = n;
        s->rows = rows;
        s->cols = cols;
        s->transposed = irvi_dataset_transposed(ds);
        s->updates = updates;
        for (int i = 0; i < n; i++)
            for (int d = 0; d < D; d++)
                s->x[i][d] = x[(size_t)i * D + d];
    }
    free(x);
    return st;
}
