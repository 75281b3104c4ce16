/* app/live/inspector.h — what the lab shows beyond Fig. 2: the posterior
 * inspector (heat maps of q0's and q_k's means, the exact marginals E[h|x]
 * of small one-layer models, or mu and sigma for Gaussian models), the
 * filmstrip of one digit's expected reconstruction over the steps, the
 * per-digit histories (bound, exact ELBO, exact KL) and ancestral samples
 * x ~ p(x).
 *
 * inspector_* gather on the ENGINE thread (after lab_tiles); the *_render
 * and *_png functions draw an app_inspect / app_samples copy on any thread
 * with the picture library only (SDL window and PNG export share them). */
#ifndef IRVI_APP_INSPECTOR_H
#define IRVI_APP_INSPECTOR_H

#include "live/lab.h"
#include "live/link.h"

#include <irvi/irvi.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    app_inspect *out;        /* the record being built (heap: a few MB) */
    app_samples *smp;
    irvi_exact_table *tab;   /* for the model it was built from */
    irvi_rng rng;            /* samples only: the lab's stream is untouched */
    int hist_reset;          /* next update starts new histories */
} inspector;

int inspector_init(inspector *in, uint64_t seed);
void inspector_free(inspector *in);
/* Rebuild the record from the lab after lab_tiles filled t: maps of q0 and
 * q_k, a filmstrip frame and a history row for the current step (a step
 * count of 0 or lower than the last one starts new histories). exact != 0
 * allows the enumeration (one-layer binary models with H <= 24): a table is
 * (re)built when the model's parameters changed. */
irvi_status inspector_update(inspector *in, lab *b, const irvi_model *m, const app_tiles *t,
                             int exact);
/* n ancestral samples x ~ p(x) of the current model into in->smp. */
irvi_status inspector_samples(inspector *in, const irvi_model *m, const irvi_dataset *ds, int n,
                              long updates);

/* ---- drawing (any thread) ------------------------------------------------
 * Views of the SDL window, in the order the v key cycles them. */
enum { VIEW_RECON, VIEW_INSPECT, VIEW_FILM, VIEW_SAMPLES, VIEW_COUNT };
const char *view_name(int view);

/* Size then fill (cap >= 3 w h): the inspector of digit d (its position in
 * the tiles): truth, heat maps, the exact KL and the bound relative to
 * step 0 for every digit (d drawn on top). */
void inspect_size(const app_inspect *in, int *w, int *h);
int inspect_render(const app_inspect *in, int d, uint8_t *rgb, size_t cap);
/* The filmstrip of digit d: truth, then the expected reconstruction at each
 * recorded step. */
void film_size(const app_inspect *in, int *w, int *h);
int film_render(const app_inspect *in, int d, uint8_t *rgb, size_t cap);
/* The samples as an 8-column grid. */
void samples_size(const app_samples *sm, int *w, int *h);
int samples_render(const app_samples *sm, uint8_t *rgb, size_t cap);

/* PNG / CSV files (0, or -1 with a reason in err). The CSV has one row per
 * digit and recorded step: digit,index,step,lb,lb_minus_step0,elbo_exact,
 * kl_exact,log_px_exact. */
int inspect_png(const app_inspect *in, int d, const char *path, char *err, size_t errcap);
int film_png(const app_inspect *in, int d, const char *path, char *err, size_t errcap);
int samples_png(const app_samples *sm, const char *path, char *err, size_t errcap);
int inspect_csv(const app_inspect *in, const char *path, char *err, size_t errcap);

#endif
