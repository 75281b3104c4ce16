/* engine/family.h — one operations table per latent family.
 *
 * The engine has two families of latent variables: binary (SBN, DARN;
 * binary/) and Gaussian (VAE; gaussian/). Every public entry point whose
 * work depends on the family looks the table up once (family_of) and calls
 * through it, so no other file tests the latent type. Shared code (model.c,
 * refine.c, eval.c, train.c) keeps what the families have in common: option
 * checks, buffers, the chunked estimator loop and the training-step skeleton.
 */
#ifndef IRVI_FAMILY_H
#define IRVI_FAMILY_H

#include "irvi/train.h"
#include "model_impl.h"

struct irvi_trainer;

typedef struct family_ops {
    const char *name;           /* "binary", "Gaussian" (messages) */
    const char *model_kind;     /* "binary", "Gaussian (VAE)" (messages) */
    int discrete;               /* 1: latents are 0/1 (exact enumeration, SBNPARM2 files) */
    const char *refine_name;    /* "AIR", "GDIR" (irvi_refine_method) */
    float gamma_default;        /* its step size (irvi_refine_gamma_default) */

    /* ---- model ---------------------------------------------------------- */
    irvi_status (*validate)(const irvi_arch *a);            /* family-specific ranges */
    void (*describe)(const irvi_arch *a, char *buf, size_t cap);
    void (*layout)(irvi_model *m);                          /* tensors, via model_add_tensor */
    void (*init)(irvi_model *m);    /* after the random initialization (may be NULL) */
    int ws_width;               /* 1: workspace rows also hold the encoder's (mu | rho), 2Z wide */
    /* Family buffers of the workspace for `rows` sample rows and `n` examples
     * (called when either grows); 0 ok, -1 out of memory. */
    int (*ws_reserve_rows)(model_ws *w, const irvi_arch *a, size_t rows);
    int (*ws_reserve_n)(model_ws *w, const irvi_arch *a, size_t n);
    irvi_status (*log_joint)(const irvi_model *m, const uint8_t *x, int n, int S,
                             const float *const *h, double *out);
    irvi_status (*recognize)(const irvi_model *m, const uint8_t *x, int n, float *const *mu);
    irvi_status (*sample)(const irvi_model *m, irvi_rng *r, int n, uint8_t *x, float *const *h);

    /* ---- posterior ------------------------------------------------------ */
    irvi_status (*posterior_alloc)(irvi_posterior *q, const irvi_model *m); /* may be NULL */
    void (*posterior_free)(irvi_posterior *q);                               /* may be NULL */
    void (*posterior_recognize)(irvi_posterior *q, const irvi_model *m);    /* q0, then reset */
    void (*posterior_reset)(irvi_posterior *q);
    void (*posterior_simplify)(irvi_posterior *q, float frac, irvi_rng *r);
    /* The log standard deviations of q (initial = 0) or q0 (1); NULL: none. */
    float *(*logsigma)(const irvi_posterior *q, int initial);
    /* One refinement step; options, shape and buffers (M rows) already checked. */
    irvi_status (*refine_step)(irvi_posterior *q, const irvi_model *m, const irvi_refine_opts *o,
                               irvi_rng *r, irvi_refine_stats *st);
    /* S draws per example from the current q (buffers reserved): ws.lp gets the
     * term whose mean enters the bound (log p(x,h) binary, log p(x|h) Gaussian),
     * ws.lw the log weight log p(x,h) - log q(h). */
    void (*draw_weigh)(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r);
    /* Example b's analytic part of the bound: entropy of q (binary), -KL(q || p(h)). */
    double (*lb_term)(const irvi_posterior *q, const irvi_model *m, int b);
    /* S draws per example: output logits in ws.logit_x, log p(x_b | h_r) in ws.lp. */
    void (*draw_decode)(irvi_posterior *q, const irvi_model *m, int S, irvi_rng *r);

    /* ---- training ------------------------------------------------------- */
    /* The family's trainer buffers (made by trainer_new, freed by
     * irvi_trainer_free; may be NULL): -1 when out of memory. */
    int (*trainer_alloc)(struct irvi_trainer *t);
    void (*trainer_free)(struct irvi_trainer *t);
    /* The update of a step after the refinement (t->q holds the proposal,
     * buffers for N samples reserved): fresh samples, t->grad (zeroed here)
     * and the step's bound lb and ESS; errors name the step (`where`). */
    irvi_status (*train_update)(struct irvi_trainer *t, int n, const char *where, double *lb,
                                double *ess);
    /* After the update's optimizer step (may be NULL): a second, separate
     * step of the same update (the binary family's RWS sleep phase). On
     * failure it leaves the parameters and optimizer state as they were
     * before the update's own step. */
    irvi_status (*after_update)(struct irvi_trainer *t, const char *where);
} family_ops;

extern const family_ops binary_family, gaussian_family;

/* The table of a latent type; NULL if unknown. */
const family_ops *family_of_latent(irvi_latent latent);
/* The table of an architecture (whose latent type must be known). */
static inline const family_ops *family_of(const irvi_arch *a) { return family_of_latent(a->latent); }

#endif
