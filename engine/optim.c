/* engine/optim.c — the parameter update (DESIGN §10).
 *
 * RMSprop is the reference's centred form with momentum ([IRVI] utils/op.py),
 * per parameter with state n = gbar = delta = 0 at the start:
 *   n     <- 0.95 n + 0.05 g^2
 *   gbar  <- 0.95 gbar + 0.05 g
 *   delta <- 0.9 delta - lr g / sqrt(n - gbar^2 + 1e-4)
 *   theta <- theta + delta
 * Each element is computed in double from the float state. n - gbar^2 is a
 * variance and non-negative in exact arithmetic; float rounding of large n
 * can make it slightly negative, so it is clamped at 0 before adding 1e-4
 * (this changes nothing but the would-be NaN case).
 * SGD: theta <- theta - lr g.
 *
 * The candidate update goes into scratch arrays first; only if every new
 * value is finite is it committed, so a bad step leaves parameters and state
 * untouched.
 */
#include "kernels.h"
#include "train_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RMS_DECAY 0.95
#define RMS_EPS 1e-4
#define RMS_MOMENTUM 0.9

int optim_init(optim_state *s, irvi_optimizer kind, size_t np)
{
    memset(s, 0, sizeof *s);
    s->np = np;
    size_t k = np ? np : 1;
    s->n = calloc(k, sizeof(float));
    s->gbar = calloc(k, sizeof(float));
    s->delta = calloc(k, sizeof(float));
    s->sn = malloc(k * sizeof(float));
    s->sg = malloc(k * sizeof(float));
    s->sd = malloc(k * sizeof(float));
    s->stheta = malloc(k * sizeof(float));
    if (!s->n || !s->gbar || !s->delta || !s->sn || !s->sg || !s->sd || !s->stheta) {
        optim_free(s);
        return -1;
    }
    s->kind = kind;
    return 0;
}

void optim_reset(optim_state *s, irvi_optimizer kind)
{
    s->kind = kind;
    memset(s->n, 0, sizeof(float) * s->np);
    memset(s->gbar, 0, sizeof(float) * s->np);
    memset(s->delta, 0, sizeof(float) * s->np);
}

void optim_free(optim_state *s)
{
    free(s->n);
    free(s->gbar);
    free(s->delta);
    free(s->sn);
    free(s->sg);
    free(s->sd);
    free(s->stheta);
    memset(s, 0, sizeof *s);
}

static void swap(float **a, float **b)
{
    float *t = *a;
    *a = *b;
    *b = t;
}

/* The candidate update of elements [lo, hi) into the scratch arrays (SGD:
 * stheta only); 1 if every new value is finite. */
static int candidate(optim_state *s, const float *theta, const float *g, float lr, size_t lo,
                     size_t hi)
{
    int ok = 1;
    if (s->kind == IRVI_OPT_SGD) {
        for (size_t i = lo; i < hi; i++) {
            float t = theta[i] - lr * g[i];
            s->stheta[i] = t;
            ok &= isfinite(t) ? 1 : 0;
        }
        return ok;
    }
    const double a = RMS_DECAY, b = 1.0 - RMS_DECAY, eta = lr;
    for (size_t i = lo; i < hi; i++) {
        double gi = g[i];
        double n = a * s->n[i] + b * gi * gi;
        double gb = a * s->gbar[i] + b * gi;
        double var = n - gb * gb;
        if (var < 0)
            var = 0;
        double d = RMS_MOMENTUM * s->delta[i] - eta * gi / sqrt(var + RMS_EPS);
        float nf = (float)n, gf = (float)gb, df = (float)d;
        float tf = theta[i] + df;
        s->sn[i] = nf;
        s->sg[i] = gf;
        s->sd[i] = df;
        s->stheta[i] = tf;
        ok &= (isfinite(nf) && isfinite(gf) && isfinite(df) && isfinite(tf)) ? 1 : 0;
    }
    return ok;
}

int optim_step(optim_state *s, float *theta, const float *g, float lr)
{
    size_t np = s->np;
    if (!candidate(s, theta, g, lr, 0, np))
        return -1;
    if (s->kind != IRVI_OPT_SGD) {
        swap(&s->n, &s->sn);
        swap(&s->gbar, &s->sg);
        swap(&s->delta, &s->sd);
    }
    memcpy(theta, s->stheta, sizeof(float) * np);
    return 0;
}

int optim_step_rec(optim_state *s, const irvi_model *m, float *theta, const float *g, float lr)
{
    int ok = 1;
    for (int k = 0; k < m->nt; k++)
        if (!m->t[k].generative)
            ok &= candidate(s, theta, g, lr, m->t[k].offset,
                            m->t[k].offset + (size_t)m->t[k].rows * m->t[k].cols);
    if (!ok)
        return -1;
    for (int k = 0; k < m->nt; k++) {
        if (m->t[k].generative)
            continue;
        size_t o = m->t[k].offset, c = sizeof(float) * (size_t)m->t[k].rows * m->t[k].cols;
        memcpy(theta + o, s->stheta + o, c);
        if (s->kind != IRVI_OPT_SGD) {
            memcpy(s->n + o, s->sn + o, c);
            memcpy(s->gbar + o, s->sg + o, c);
            memcpy(s->delta + o, s->sd + o, c);
        }
    }
    return 0;
}

double train_l2_loss(const irvi_model *m, float l2)
{
    double J = 0;
    for (int k = 0; k < m->nt; k++) {
        const irvi_tensor *tn = &m->t[k];
        if (!tn->decay)
            continue;
        double s = 0;
        for (size_t i = 0; i < (size_t)tn->rows * tn->cols; i++)
            s += (double)m->p[tn->offset + i] * m->p[tn->offset + i];
        J += l2 * s;
    }
    return J;
}

void train_l2_grad(const irvi_model *m, float l2, float *grad)
{
    if (l2 <= 0)
        return;
    for (int k = 0; k < m->nt; k++) {
        const irvi_tensor *tn = &m->t[k];
        if (!tn->decay)
            continue;
        const float *p = m->p + tn->offset;
        float *g = grad + tn->offset;
        for (size_t i = 0; i < (size_t)tn->rows * tn->cols; i++)
            g[i] += 2.0f * l2 * p[i];
    }
}
