/* engine/workspace.c — the batched passes' scratch (model_ws): grown on
 * demand, never shrunk; the family adds its own buffers through its table. */
#include "family.h"
#include "workspace.h"

#include <stdlib.h>
#include <string.h>

int ws_grow(void **p, size_t bytes)
{
    void *q = realloc(*p, bytes ? bytes : 1);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

static int max_width(const irvi_model *m)
{
    const irvi_arch *a = &m->arch;
    int w = a->D > a->gen_hidden ? a->D : a->gen_hidden;
    if (a->rec_hidden > w)
        w = a->rec_hidden;
    for (int l = 0; l < a->L; l++)
        w = a->H[l] > w ? a->H[l] : w;
    if (family_of(a)->ws_width && 2 * a->H[0] > w) /* the encoder's (mu | rho) */
        w = 2 * a->H[0];
    return w;
}

int model_ws_reserve(model_ws *w, const irvi_model *m, int rows, int n)
{
    const irvi_arch *a = &m->arch;
    size_t W = (size_t)max_width(m);
    int fail = 0;
    if (rows > w->rows_cap) {
        size_t R = (size_t)rows;
        for (int l = 0; l < a->L; l++) {
            fail |= ws_grow((void **)&w->h[l], sizeof(float) * R * a->H[l]);
            fail |= ws_grow((void **)&w->logit[l], sizeof(float) * R * a->H[l]);
        }
        fail |= ws_grow((void **)&w->logit_x, sizeof(float) * R * a->D);
        fail |= ws_grow((void **)&w->tanh_x, sizeof(float) * R * (a->gen_hidden ? a->gen_hidden : 1));
        fail |= ws_grow((void **)&w->delta, sizeof(float) * R * W);
        fail |= ws_grow((void **)&w->delta2, sizeof(float) * R * W);
        fail |= ws_grow((void **)&w->lp, sizeof(double) * R);
        fail |= ws_grow((void **)&w->lq, sizeof(double) * R);
        fail |= ws_grow((void **)&w->lw, sizeof(double) * R);
        fail |= ws_grow((void **)&w->pdiff, sizeof(float) * a->H[a->L - 1]);
        if (family_of(a)->ws_reserve_rows)
            fail |= family_of(a)->ws_reserve_rows(w, a, R);
        if (fail)
            return -1;
        w->rows_cap = rows;
    }
    if (n > w->n_cap) {
        size_t N = (size_t)n;
        fail |= ws_grow((void **)&w->xt, sizeof(float) * N * a->D);
        fail |= ws_grow((void **)&w->rhid, sizeof(float) * N * (a->rec_hidden ? a->rec_hidden : 1));
        for (int l = 0; l < a->L; l++) {
            fail |= ws_grow((void **)&w->ra[l], sizeof(float) * N * a->H[l]);
            fail |= ws_grow((void **)&w->rmu[l], sizeof(float) * N * a->H[l]);
        }
        fail |= ws_grow((void **)&w->rdelta, sizeof(float) * N * W);
        fail |= ws_grow((void **)&w->rdelta2, sizeof(float) * N * W);
        fail |= ws_grow((void **)&w->ql1, sizeof(float) * N * m->Htot);
        fail |= ws_grow((void **)&w->ql0, sizeof(float) * N * m->Htot);
        if (family_of(a)->ws_reserve_n)
            fail |= family_of(a)->ws_reserve_n(w, a, N);
        if (fail)
            return -1;
        w->n_cap = n;
    }
    return 0;
}

void model_ws_free(model_ws *w)
{
    for (int l = 0; l < IRVI_MAX_LAYERS; l++) {
        free(w->h[l]);
        free(w->logit[l]);
        free(w->ra[l]);
        free(w->rmu[l]);
    }
    free(w->logit_x);
    free(w->tanh_x);
    free(w->delta);
    free(w->delta2);
    free(w->lp);
    free(w->lq);
    free(w->lw);
    free(w->xt);
    free(w->rhid);
    free(w->rdelta);
    free(w->rdelta2);
    free(w->ql1);
    free(w->ql0);
    free(w->pdiff);
    free(w->geps);
    free(w->gsig);
    free(w->gdh);
    free(w->rsig);
    free(w->rout);
    memset(w, 0, sizeof *w);
}
