/* engine/classify.c — the feed-forward classifier of the classification
 * experiment (paper 5.4; contract in irvi/classify.h).
 *
 * Shapes: n rows per pass (at most the batch size), layer l maps dim[l]
 * inputs to dim[l+1] outputs, l = 0..nl-1, dim[0] = in_dim, dim[nl] = C
 * classes. Forward: u_0 = x (times the input dropout mask), a_l = u_l W_l +
 * b_l, sigmoid for hidden layers, u_{l+1} = a_l times the hidden dropout mask
 * (inverted dropout: kept units scaled by 1/(1-rate), so nothing changes at
 * test time), softmax on the last a. Backward from d = (p - onehot(y)) / n.
 * Products go through linalg.c, the softmax and sigmoid through kernels.c,
 * the update through optim.c (the trainer's RMSprop / SGD).
 */
#include "irvi/classify.h"
#include "kernels.h"
#include "linalg.h"
#include "train_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NL_MAX (IRVI_CLASSIFIER_MAX_HIDDEN + 1)

struct irvi_classifier {
    irvi_classifier_opts o;
    int nl;                   /* weight layers = nhidden + 1 */
    int dim[NL_MAX + 1];      /* layer widths, dim[0] = in_dim, dim[nl] = classes */
    size_t W[NL_MAX], b[NL_MAX]; /* offsets of each layer's weights / biases in theta */
    size_t np;
    float *theta, *grad;      /* (np) */
    optim_state opt;
    irvi_rng rng;             /* dropout masks and epoch order */
    int cap;                  /* rows per pass (the batch size) */
    float *a[NL_MAX];         /* (cap, dim[l+1]) sigmoid outputs / logits */
    float *u[NL_MAX];         /* (cap, dim[l]) layer input after dropout */
    float *mask[NL_MAX];      /* (cap, dim[l]) 0 or 1/(1-rate) */
    const float *in[NL_MAX];  /* the input each layer saw in the last forward pass */
    int dropped[NL_MAX];      /* 1 if that input went through a mask */
    float *prob;              /* (cap, C) */
    double *lse;              /* (cap) */
    float *d0, *d1;           /* (cap, max width) deltas */
    float *xb;                /* (cap, in_dim) gathered minibatch */
    uint8_t *yb;              /* (cap) */
};

void irvi_classifier_opts_default(irvi_classifier_opts *o)
{
    memset(o, 0, sizeof *o);
    o->nhidden = 1;
    o->hidden[0] = 100;
    o->n_classes = 10;
    o->batch = 100;
    o->opt = IRVI_OPT_RMSPROP;
    o->lr = 1e-4f;
    o->l2 = 2e-4f;
    o->dropout_hidden = 0.1f;
    o->dropout_in = 0.0f;
}

irvi_status irvi_classifier_opts_validate(const irvi_classifier_opts *o)
{
    if (o->in_dim < 1 || o->in_dim > 65536)
        return irvi_fail(IRVI_EINVAL, "classifier input size %d (must be 1..65536)", o->in_dim);
    if (o->nhidden < 1 || o->nhidden > IRVI_CLASSIFIER_MAX_HIDDEN)
        return irvi_fail(IRVI_EINVAL, "classifier hidden layers %d (must be 1..%d)", o->nhidden,
                         IRVI_CLASSIFIER_MAX_HIDDEN);
    for (int l = 0; l < o->nhidden; l++)
        if (o->hidden[l] < 1 || o->hidden[l] > 65536)
            return irvi_fail(IRVI_EINVAL, "classifier hidden layer %d has %d units (must be 1..65536)",
                             l + 1, o->hidden[l]);
    if (o->n_classes < 2 || o->n_classes > 256)
        return irvi_fail(IRVI_EINVAL, "classifier classes %d (must be 2..256)", o->n_classes);
    if (o->batch < 1 || o->batch > 65536)
        return irvi_fail(IRVI_EINVAL, "classifier batch %d (must be 1..65536)", o->batch);
    if (o->opt != IRVI_OPT_RMSPROP && o->opt != IRVI_OPT_SGD)
        return irvi_fail(IRVI_EINVAL, "classifier optimizer %d unknown", (int)o->opt);
    if (!(o->lr > 0) || !isfinite(o->lr))
        return irvi_fail(IRVI_EINVAL, "classifier learning rate %g (must be > 0)", (double)o->lr);
    if (!(o->l2 >= 0) || !isfinite(o->l2))
        return irvi_fail(IRVI_EINVAL, "classifier L2 %g (must be >= 0)", (double)o->l2);
    if (!(o->dropout_hidden >= 0 && o->dropout_hidden < 1) ||
        !(o->dropout_in >= 0 && o->dropout_in < 1))
        return irvi_fail(IRVI_EINVAL, "classifier dropout rates %g / %g (must be in [0, 1))",
                         (double)o->dropout_hidden, (double)o->dropout_in);
    return IRVI_OK;
}

void irvi_classifier_free(irvi_classifier *c)
{
    if (!c)
        return;
    free(c->theta);
    free(c->grad);
    optim_free(&c->opt);
    for (int l = 0; l < NL_MAX; l++) {
        free(c->a[l]);
        free(c->u[l]);
        free(c->mask[l]);
    }
    free(c->prob);
    free(c->lse);
    free(c->d0);
    free(c->d1);
    free(c->xb);
    free(c->yb);
    free(c);
}

/* Weights uniform in +-r, r = sqrt(6 / (in + out)) (Glorot), 4 r for
 * matrices feeding sigmoid units (their slope at 0 is 1/4). */
static void init_params(irvi_classifier *c, uint64_t seed)
{
    irvi_rng r;
    irvi_rng_seed(&r, seed, 0);
    memset(c->theta, 0, sizeof(float) * c->np);
    for (int l = 0; l < c->nl; l++) {
        int in = c->dim[l], out = c->dim[l + 1];
        double range = sqrt(6.0 / (in + out)) * (l < c->nl - 1 ? 4.0 : 1.0);
        float *W = c->theta + c->W[l];
        for (size_t i = 0; i < (size_t)in * out; i++)
            W[i] = (float)((2.0 * irvi_rng_uniform(&r) - 1.0) * range);
    }
}

irvi_status irvi_classifier_create(const irvi_classifier_opts *o, uint64_t seed,
                                   irvi_classifier **out)
{
    *out = NULL;
    irvi_status st = irvi_classifier_opts_validate(o);
    if (st)
        return st;
    irvi_classifier *c = calloc(1, sizeof *c);
    if (!c)
        return irvi_fail(IRVI_ENOMEM, "classifier");
    c->o = *o;
    c->nl = o->nhidden + 1;
    c->dim[0] = o->in_dim;
    for (int l = 0; l < o->nhidden; l++)
        c->dim[l + 1] = o->hidden[l];
    c->dim[c->nl] = o->n_classes;
    int wmax = 0;
    for (int l = 0; l < c->nl; l++) {
        c->W[l] = c->np;
        c->np += (size_t)c->dim[l] * c->dim[l + 1];
        c->b[l] = c->np;
        c->np += (size_t)c->dim[l + 1];
        wmax = c->dim[l + 1] > wmax ? c->dim[l + 1] : wmax;
    }
    size_t B = (size_t)(c->cap = o->batch), C = (size_t)o->n_classes;
    c->theta = malloc(sizeof(float) * c->np);
    c->grad = malloc(sizeof(float) * c->np);
    int ok = c->theta && c->grad && optim_init(&c->opt, o->opt, c->np) == 0;
    for (int l = 0; ok && l < c->nl; l++) {
        c->a[l] = malloc(sizeof(float) * B * c->dim[l + 1]);
        c->u[l] = malloc(sizeof(float) * B * c->dim[l]);
        c->mask[l] = malloc(sizeof(float) * B * c->dim[l]);
        ok = c->a[l] && c->u[l] && c->mask[l];
    }
    c->prob = malloc(sizeof(float) * B * C);
    c->lse = malloc(sizeof(double) * B);
    c->d0 = malloc(sizeof(float) * B * wmax);
    c->d1 = malloc(sizeof(float) * B * wmax);
    c->xb = malloc(sizeof(float) * B * o->in_dim);
    c->yb = malloc(B);
    if (!ok || !c->prob || !c->lse || !c->d0 || !c->d1 || !c->xb || !c->yb) {
        irvi_classifier_free(c);
        return irvi_fail(IRVI_ENOMEM, "classifier of %zu parameters", c->np);
    }
    init_params(c, seed);
    irvi_rng_seed(&c->rng, seed, 1);
    *out = c;
    return IRVI_OK;
}

const irvi_classifier_opts *irvi_classifier_get_opts(const irvi_classifier *c) { return &c->o; }
size_t irvi_classifier_nparams(const irvi_classifier *c) { return c->np; }
float *irvi_classifier_params(irvi_classifier *c) { return c->theta; }

/* Reject what would poison the parameters: no rows, non-finite features,
 * labels out of range (y may be NULL). */
static irvi_status check_inputs(const irvi_classifier *c, const float *x, const uint8_t *y, int n,
                                const char *where)
{
    if (n < 1 || !x)
        return irvi_fail(IRVI_EINVAL, "%s: %d examples (need at least 1)", where, n);
    int F = c->o.in_dim;
    for (int i = 0; i < n; i++) {
        if (!k_all_finite(x + (size_t)i * F, (size_t)F))
            return irvi_fail(IRVI_EINVAL, "%s: features of row %d are not finite", where, i);
        if (y && y[i] >= c->o.n_classes)
            return irvi_fail(IRVI_EINVAL, "%s: label %d of row %d out of range (0..%d)", where,
                             y[i], i, c->o.n_classes - 1);
    }
    return IRVI_OK;
}

/* u[l] = v * mask, mask = 0 with probability rate, else 1/(1-rate). */
static const float *drop(irvi_classifier *c, int l, const float *v, size_t cnt, float rate)
{
    float *m = c->mask[l], keep = 1.0f / (1.0f - rate);
    irvi_rng_fill_uniform(&c->rng, m, cnt);
    for (size_t i = 0; i < cnt; i++) {
        m[i] = m[i] < rate ? 0.0f : keep;
        c->u[l][i] = v[i] * m[i];
    }
    return c->u[l];
}

/* Forward pass of rows examples x (rows, in_dim), dropout on if train:
 * leaves the logits in a[nl-1], prob and lse. */
static void forward(irvi_classifier *c, const float *x, int rows, int train)
{
    const float *v = x;
    for (int l = 0; l < c->nl; l++) {
        int in = c->dim[l], out = c->dim[l + 1];
        float rate = l == 0 ? c->o.dropout_in : c->o.dropout_hidden;
        c->dropped[l] = train && rate > 0;
        if (c->dropped[l])
            v = drop(c, l, v, (size_t)rows * in, rate);
        c->in[l] = v;
        la_sgemm(0, 0, rows, out, in, 1.0f, v, in, c->theta + c->W[l], out, 0.0f, c->a[l], out);
        k_add_bias(c->a[l], c->theta + c->b[l], rows, out);
        if (l < c->nl - 1)
            k_sigmoid(c->a[l], c->a[l], (size_t)rows * out);
        v = c->a[l];
    }
    k_softmax_rows(c->a[c->nl - 1], rows, c->o.n_classes, c->prob, c->lse);
}

/* Sum over the rows of the cross-entropy -log p(y) = LSE(z) - z_y. */
static double xent_sum(const irvi_classifier *c, const uint8_t *y, int rows)
{
    int C = c->o.n_classes;
    const float *z = c->a[c->nl - 1];
    double s = 0;
    for (int b = 0; b < rows; b++)
        s += c->lse[b] - z[(size_t)b * C + y[b]];
    return s;
}

/* grad += scale * d(sum of the rows' cross-entropies)/dtheta, after forward(). */
static void backward(irvi_classifier *c, const uint8_t *y, int rows, float scale)
{
    int C = c->o.n_classes;
    float *d = c->d0, *dn = c->d1;
    for (int b = 0; b < rows; b++)
        for (int j = 0; j < C; j++) {
            size_t i = (size_t)b * C + j;
            d[i] = scale * (c->prob[i] - (j == y[b] ? 1.0f : 0.0f));
        }
    for (int l = c->nl - 1; l >= 0; l--) {
        int in = c->dim[l], out = c->dim[l + 1];
        la_sgemm(1, 0, in, out, rows, 1.0f, c->in[l], in, d, out, 1.0f, c->grad + c->W[l], out);
        k_colsum_add(d, rows, out, c->grad + c->b[l]);
        if (l == 0)
            break; /* the input needs no gradient */
        la_sgemm(0, 1, rows, in, out, 1.0f, d, out, c->theta + c->W[l], out, 0.0f, dn, in);
        if (c->dropped[l])
            for (size_t i = 0; i < (size_t)rows * in; i++)
                dn[i] *= c->mask[l][i];
        k_sigmoid_backprop(dn, c->a[l - 1], (size_t)rows * in);
        float *t = d;
        d = dn;
        dn = t;
    }
}

/* l2 * sum ||W||^2 over the weight matrices; adds its gradient 2 l2 W. */
static double l2_term(irvi_classifier *c)
{
    double s = 0;
    float l2 = c->o.l2;
    if (l2 == 0)
        return 0;
    for (int l = 0; l < c->nl; l++) {
        const float *W = c->theta + c->W[l];
        float *g = c->grad + c->W[l];
        for (size_t i = 0; i < (size_t)c->dim[l] * c->dim[l + 1]; i++) {
            s += (double)W[i] * W[i];
            g[i] += 2.0f * l2 * W[i];
        }
    }
    return l2 * s;
}

irvi_status irvi_classifier_loss(irvi_classifier *c, const float *x, const uint8_t *y, int n,
                                 double *loss, float *grad)
{
    irvi_status st = check_inputs(c, x, y, n, "classifier loss");
    if (!y && !st)
        st = irvi_fail(IRVI_EINVAL, "classifier loss: no labels");
    if (st)
        return st;
    memset(c->grad, 0, sizeof(float) * c->np);
    double ce = 0;
    for (int i0 = 0; i0 < n; i0 += c->cap) {
        int rows = n - i0 < c->cap ? n - i0 : c->cap;
        forward(c, x + (size_t)i0 * c->o.in_dim, rows, 0);
        ce += xent_sum(c, y + i0, rows);
        if (grad)
            backward(c, y + i0, rows, 1.0f / (float)n);
    }
    double reg = l2_term(c);
    if (loss)
        *loss = ce / n + reg;
    if (grad)
        memcpy(grad, c->grad, sizeof(float) * c->np);
    return IRVI_OK;
}

irvi_status irvi_classifier_train_epoch(irvi_classifier *c, const float *x, const uint8_t *y,
                                        int n, double *mean_loss)
{
    irvi_status st = check_inputs(c, x, y, n, "classifier training");
    if (!y && !st)
        st = irvi_fail(IRVI_EINVAL, "classifier training: no labels");
    if (st)
        return st;
    int *perm = malloc(sizeof(int) * (size_t)n);
    if (!perm)
        return irvi_fail(IRVI_ENOMEM, "classifier epoch order of %d examples", n);
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)(irvi_rng_next(&c->rng) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    int F = c->o.in_dim;
    double ce = 0;
    for (int i0 = 0; i0 < n && !st; i0 += c->cap) {
        if (irvi_cancel_requested()) {
            st = irvi_fail(IRVI_ECANCELLED, "classifier training cancelled");
            break;
        }
        int rows = n - i0 < c->cap ? n - i0 : c->cap;
        for (int b = 0; b < rows; b++) {
            memcpy(c->xb + (size_t)b * F, x + (size_t)perm[i0 + b] * F, sizeof(float) * F);
            c->yb[b] = y[perm[i0 + b]];
        }
        forward(c, c->xb, rows, 1);
        ce += xent_sum(c, c->yb, rows);
        memset(c->grad, 0, sizeof(float) * c->np);
        backward(c, c->yb, rows, 1.0f / (float)rows);
        l2_term(c);
        if (optim_step(&c->opt, c->theta, c->grad, c->o.lr) != 0)
            st = irvi_fail(IRVI_ENUMERIC, "classifier step at example %d of %d: non-finite update",
                           i0, n);
    }
    free(perm);
    if (!st && mean_loss)
        *mean_loss = ce / n;
    return st;
}

/* Index of the largest of v[0..C-1] (the first on ties). */
static int argmax(const float *v, int C)
{
    int k = 0;
    for (int j = 1; j < C; j++)
        if (v[j] > v[k])
            k = j;
    return k;
}

irvi_status irvi_classifier_predict(irvi_classifier *c, const float *x, int n, uint8_t *pred)
{
    irvi_status st = check_inputs(c, x, NULL, n, "classifier predict");
    if (st)
        return st;
    int C = c->o.n_classes;
    for (int i0 = 0; i0 < n; i0 += c->cap) {
        int rows = n - i0 < c->cap ? n - i0 : c->cap;
        forward(c, x + (size_t)i0 * c->o.in_dim, rows, 0);
        for (int b = 0; b < rows; b++)
            pred[i0 + b] = (uint8_t)argmax(c->a[c->nl - 1] + (size_t)b * C, C);
    }
    return IRVI_OK;
}

irvi_status irvi_classifier_error(irvi_classifier *c, const float *x, const uint8_t *y, int n,
                                  double *err)
{
    irvi_status st = check_inputs(c, x, y, n, "classifier error");
    if (!y && !st)
        st = irvi_fail(IRVI_EINVAL, "classifier error: no labels");
    if (st)
        return st;
    int C = c->o.n_classes;
    long wrong = 0;
    for (int i0 = 0; i0 < n; i0 += c->cap) {
        int rows = n - i0 < c->cap ? n - i0 : c->cap;
        forward(c, x + (size_t)i0 * c->o.in_dim, rows, 0);
        for (int b = 0; b < rows; b++)
            wrong += argmax(c->a[c->nl - 1] + (size_t)b * C, C) != y[i0 + b];
    }
    *err = (double)wrong / n;
    return IRVI_OK;
}
