/* engine/model_impl.h — the model's insides, shared by the engine's numeric
 * files of both families (binary/, gaussian/) and the shared core. Types
 * only: the functions on them are in model_layout.h (model.c) and
 * workspace.h (workspace.c), so any file can see the types without
 * depending on those.
 *
 * Dimension letters: D visible units, H_l units of stochastic layer l (0 =
 * bottom), Hd tanh units of the generative deterministic layer, Hr tanh units
 * of the recognition hidden layer, n examples, S samples per example,
 * R = S*n sample rows (sample-major: row s*n + b is sample s of example b).
 */
#ifndef IRVI_MODEL_IMPL_H
#define IRVI_MODEL_IMPL_H

#include "irvi/model.h"

#define MAX_TENSORS 24

struct irvi_model {
    irvi_arch arch;
    int Htot;                 /* sum of H_l */
    size_t np;                /* parameter count */
    float *p;                 /* the parameter block */
    float *xbar;              /* (D) recognition centring, not trained */
    int nt;
    irvi_tensor t[MAX_TENSORS];
    /* The data the model was trained on (empty name: not recorded; files
     * from before the DATA section), so commands open the same set. */
    char data_name[32];
    uint32_t data_binarize;
    uint64_t data_seed;
    /* Offsets into p of the family's tensors (SIZE_MAX when absent); one
     * family's set or the other's, never both (anonymous, so m->G, m->F1). */
    union {
        struct { /* binary latents (binary/sbn_model.c). Generative: */
            size_t G[IRVI_MAX_LAYERS]; /* G_0 (H_1, D) [absent with gen_hidden], G_l (H_{l+1}, H_l) */
            size_t c[IRVI_MAX_LAYERS]; /* c_0 (D), c_l (H_l) */
            size_t A, alpha, C;        /* tanh layer: A (H_1, Hd), alpha (Hd), C (Hd, D) */
            size_t z;                  /* top prior logits / DARN biases (H_L) */
            size_t R;                  /* DARN (H_L, H_L), [in][out]: a_i = z_i + sum_{j<i} h_j R[j][i] */
            /* Recognition: */
            size_t U, u;               /* tanh hidden: U (D, Hr), u (Hr) */
            size_t V[IRVI_MAX_LAYERS]; /* V_1 (D or Hr, H_1), V_l (H_{l-1}, H_l) */
            size_t v[IRVI_MAX_LAYERS];
        };
        struct { /* Gaussian latents (gaussian/vae_model.c), Z = H_1:
                  * decoder F1 (Z, Hd), f1 (Hd), F2 (Hd, D), f2 (D);
                  * encoder E1 (D, Hr), e1 (Hr), E2 (Hr, 2Z), e2 (2Z). */
            size_t F1, f1, F2, f2, E1, e1, E2, e2;
        };
    };
};

static inline float *P(const irvi_model *m, size_t off) { return m->p + off; }

/* Scratch for batched passes; grows on demand, never shrinks. Buffers of the
 * last forward pass stay valid for the matching backward pass. */
typedef struct {
    int rows_cap, n_cap;
    float *h[IRVI_MAX_LAYERS];     /* (R, H_l) samples */
    float *logit_x;                /* (R, D) output logits */
    float *tanh_x;                 /* (R, Hd) */
    float *logit[IRVI_MAX_LAYERS]; /* (R, H_l) logits of layer l given layer l+1; [L-1]: DARN prior */
    float *delta;                  /* (R, max width) backward scratch */
    float *delta2;                 /* (R, max width) */
    double *lp, *lq, *lw;          /* (R) */
    float *xt;                     /* (n, D) centred input */
    float *rhid;                   /* (n, Hr) recognition tanh layer */
    float *ra[IRVI_MAX_LAYERS];    /* (n, H_l) recognition logits */
    float *rmu[IRVI_MAX_LAYERS];   /* (n, H_l) recognition means */
    float *rdelta, *rdelta2;       /* (n, max width) */
    float *ql1, *ql0;              /* (n, Htot) log mu, log(1 - mu) for model_log_q */
    float *pdiff;                  /* (H_top) factorized prior: log p(h_i=1) - log p(h_i=0) */
    double pbase;                  /* sum_i log p(h_i=0) */
    /* Gaussian latents only (NULL otherwise); h[0] holds h = mu + sigma eps,
     * tanh_x the decoder's softplus layer and rhid the encoder's: */
    float *geps;                   /* (R, Z) reparameterization noise eps */
    float *gsig;                   /* (R, Hd) decoder slopes softplus' = sig(pre-activation) */
    float *gdh;                    /* (R, Z) gradient with respect to the samples h */
    float *rsig;                   /* (n, Hr) encoder slopes */
    float *rout;                   /* (n, 2Z) encoder output, row b = (mu_b | rho_b) */
} model_ws;

#endif
