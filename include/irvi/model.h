/* irvi/model.h — directed belief networks with binary latent variables and
 * their recognition networks.
 *
 * Generative model (bottom layer h_1 next to x, top layer h_L):
 *   p(h_L) factorized Bernoulli (logits z) or DARN (autoregressive, R strictly
 *   triangular), p(h_l | h_{l+1}) = Bern(sig(h_{l+1} G_l + c_l)),
 *   p(x | h_1) = Bern(sig(h_1 G_0 + c_0)), or with a tanh deterministic layer
 *   p(x | h_1) = Bern(sig(tanh(h_1 A + alpha) C + c_0)).
 * Recognition network (deterministic chain, mean field over all layers):
 *   mu^(1) = sig((x - xbar) V_1 + v_1), mu^(l) = sig(mu^(l-1) V_l + v_l);
 *   optionally mu^(1) = sig(tanh((x - xbar) U + u) V_1 + v_1).
 * Weights are stored [in][out] and applied as a = u.W + b (row vectors).
 * All parameters live in one contiguous float block (the optimizer, NaN checks
 * and checkpoints each become one loop); xbar is kept beside it, not trained.
 */
#ifndef IRVI_MODEL_H
#define IRVI_MODEL_H

#include "core.h"
#include "data.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IRVI_MAX_LAYERS 3

typedef enum { IRVI_PRIOR_FACTORIZED = 0, IRVI_PRIOR_DARN = 1 } irvi_prior;

/* Latent variables. Gaussian models are VAEs (DESIGN §8, paper 5.5), with
 * L = 1, Z = H[0] latents, a factorized prior only and both deterministic
 * layers required (softplus, not tanh):
 *   encoder  e = softplus((x - xbar) E1 + e1),  (mu | rho) = e E2 + e2,
 *            rho = log sigma; E2 is (rec_hidden, 2Z), columns 0..Z-1 give mu,
 *            Z..2Z-1 give rho;
 *   decoder  d = softplus(h F1 + f1),  p(x|h) = Bern(mean(d F2 + f2))
 *            (mean = sig, or the squash with arch.squash);
 *   prior    p(h) = N(0, I) (not learned).
 * Tensors: generative F1 (Z, gen_hidden), f1, F2 (gen_hidden, D), f2;
 * recognition E1 (D, rec_hidden), e1, E2 (rec_hidden, 2Z), e2; the matrices
 * are L2-decayed, the biases not. */
typedef enum { IRVI_LATENT_BERNOULLI = 0, IRVI_LATENT_GAUSSIAN = 1 } irvi_latent;

typedef struct {
    int D;                       /* visible units */
    int L;                       /* stochastic layers, 1..IRVI_MAX_LAYERS */
    int H[IRVI_MAX_LAYERS];      /* units per layer, bottom (h_1) first */
    irvi_prior prior;            /* top-layer prior */
    int gen_hidden;              /* tanh units between h_1 and x (0 = none; L must be 1);
                                    Gaussian: softplus decoder units (>= 1) */
    int rec_hidden;              /* tanh units in the first recognition map (0 = none);
                                    Gaussian: softplus encoder units (>= 1) */
    int squash;                  /* 1: means are s(a) = 0.9999 sig(a) + 5e-6 (reference code) */
    irvi_latent latent;          /* binary (0, default) or Gaussian (VAE); last so that
                                    zero-initialized archs stay binary */
} irvi_arch;

/* Parse "200,200" into arch->L and arch->H. IRVI_EINVAL on bad text. */
irvi_status irvi_arch_parse_layers(const char *text, irvi_arch *arch);
/* Check ranges (1 <= L <= 3, 1 <= H <= 65536, D >= 1, ...). */
irvi_status irvi_arch_validate(const irvi_arch *arch);
/* "SBN 200-200" / "DARN 500 (tanh 500)" into buf. */
void irvi_arch_describe(const irvi_arch *arch, char *buf, size_t cap);

typedef struct irvi_model irvi_model;

/* Weights ~ N(0, 0.001^2), biases and prior logits 0, xbar = 0.5. */
irvi_status irvi_model_create(const irvi_arch *arch, uint64_t seed, irvi_model **out);
void irvi_model_free(irvi_model *m);
irvi_status irvi_model_clone(const irvi_model *m, irvi_model **out);
/* Copy parameters and xbar from src (same arch). */
irvi_status irvi_model_copy_params(irvi_model *dst, const irvi_model *src);

/* The data the model was trained on, as recorded in its file (the DATA
 * section; irvi_trainer_create records the training set): 1 and o filled
 * (o->name points into m, o->dir NULL), or 0 when the file predates it. */
int irvi_model_data(const irvi_model *m, irvi_data_opts *o);
/* Record o's name, binarization and seed in m (o NULL or o->name NULL clears). */
void irvi_model_set_data(irvi_model *m, const irvi_data_opts *o);

const irvi_arch *irvi_model_arch(const irvi_model *m);
int irvi_model_total_hidden(const irvi_model *m);        /* sum of H_l */
size_t irvi_model_nparams(const irvi_model *m);
float *irvi_model_params(irvi_model *m);                 /* nparams floats */
const float *irvi_model_params_const(const irvi_model *m);
void irvi_model_set_mean(irvi_model *m, const float *xbar);   /* D floats */
const float *irvi_model_mean(const irvi_model *m);

/* A named parameter tensor, for checkpoints, import/export and tests. */
typedef struct {
    const char *name;   /* "G0", "c0", "z", "R", "V1", ... */
    size_t offset;      /* into the parameter block */
    int rows, cols;     /* cols = 1 for vectors */
    int decay;          /* 1 if L2 applies (weight matrices) */
    int generative;     /* 1 = generative (phi), 0 = recognition (psi) */
} irvi_tensor;
int irvi_model_ntensors(const irvi_model *m);
const irvi_tensor *irvi_model_tensor(const irvi_model *m, int i);
const irvi_tensor *irvi_model_find_tensor(const irvi_model *m, const char *name);

/* 1 if every parameter is finite. */
int irvi_model_finite(const irvi_model *m);

/* ---- densities on batches ----------------------------------------------
 * x is n rows of D bytes (0/1). h is given per layer as float 0/1 arrays of
 * shape (S*n, H_l), sample-major: row s*n + b is sample s of example b.
 * Output (S*n) doubles. These allocate scratch; hot loops use the workspace
 * API in refine.h instead. */
irvi_status irvi_model_log_joint(const irvi_model *m, const uint8_t *x, int n, int S,
                                 const float *const *h, double *out);
/* Recognition means mu0 for n examples: mu[l] has shape (n, H_l).
 * Gaussian models: h[0] holds real-valued latents, log p(x,h) = log p(x|h) +
 * log N(h; 0, I); irvi_model_recognize gives the encoder means mu in mu[0]
 * (the log-sigmas are in the posterior, irvi_posterior_logsigma). */
irvi_status irvi_model_recognize(const irvi_model *m, const uint8_t *x, int n, float *const *mu);

/* Ancestral samples from p: x (n, D) as 0/1 bytes and, if h != NULL, each layer. */
irvi_status irvi_model_sample(const irvi_model *m, irvi_rng *r, int n, uint8_t *x, float *const *h);

/* ---- the PyTorch peer's parameter file (SBNPARM2, shared/peers/) -----------
 * Little-endian: "SBNPARM2", u32 version 2, u32 dtype (4 = f32, 8 = f64),
 * u32 D, u32 L, u32 H_1..H_L, u32 flags (bit 0 recognition arrays present,
 * bit 1 squashed means), then G_0 c_0 G_1 c_1 ... z [xbar V_1 v_1 ...], the
 * engine's own tensors in the same [in][out] layout. Import makes a plain SBN
 * (factorized prior, no tanh layers, arch.squash from bit 1); without bit 0
 * the recognition weights and biases are zero and xbar is 0.5. Bad magic,
 * version, dtype, dimensions, flags, size or non-finite values give
 * IRVI_EFORMAT naming the file. Export writes float32 (exact) with the
 * recognition arrays, atomically; models the format cannot hold (DARN, tanh
 * layers) give IRVI_EINVAL. */
irvi_status irvi_model_import_sbnparm(const char *path, irvi_model **out);
irvi_status irvi_model_export_sbnparm(const irvi_model *m, const char *path);

#ifdef __cplusplus
}
#endif
#endif
