/* engine/checkpoint.c — model files and trainer checkpoints, in the
 * container of ckfile.h. Sections (floats are IEEE binary32 bit patterns,
 * doubles binary64, all little-endian):
 *
 *   ARCH  u32 D L H1 H2 H3 prior gen_hidden rec_hidden squash, u64 nparams,
 *         [u32 latent]  — present only for non-binary latents (1 = Gaussian),
 *         so binary model files are byte-for-byte what they always were and
 *         files without it (all older ones) load as binary
 *   PARM  nparams f32          current parameters
 *   XBAR  D f32                recognition centring
 *   --- trainer checkpoints only ---
 *   BEST  nparams f32          best-validation parameters (model loads take these)
 *   OPTS  the irvi_train_opts fields one by one, then u64 seed
 *   OPTM  u32 optimizer, f32 current lr, u64 nparams, n, gbar, delta (nparams f32 each)
 *   RNGS  8 u64: training stream, shuffle stream
 *   POSN  u32 epoch batch batches, u64 updates, u32 ntrain, ntrain u32 permutation
 *   METR  u32 has_best, f64 best_lb, f64 epoch lb sum, u64 epoch examples, f64 epoch seconds
 *   DATA  u32 n, name (n bytes, zero-padded to 4), u32 binarize, u64 seed: the
 *         training set — only when recorded (models trained before it have
 *         none and load with no data recorded)
 *   SLEP  u32 sleep_interleave — only when the sleep phase is on, so other
 *         checkpoints stay byte-for-byte as before; absent means 0
 * Unknown tags are skipped, so later versions can add sections. Every size is
 * checked against the architecture, and the position against the dataset.
 */
#include "ckfile.h"
#include "family.h"
#include "model_layout.h"
#include "train_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_model_sections(wbuf *b, const irvi_model *m, const float *params)
{
    const irvi_arch *a = &m->arch;
    ck_sec_begin(b, "ARCH");
    ck_put_u32(b, (uint32_t)a->D);
    ck_put_u32(b, (uint32_t)a->L);
    for (int l = 0; l < IRVI_MAX_LAYERS; l++)
        ck_put_u32(b, (uint32_t)(l < a->L ? a->H[l] : 0));
    ck_put_u32(b, (uint32_t)a->prior);
    ck_put_u32(b, (uint32_t)a->gen_hidden);
    ck_put_u32(b, (uint32_t)a->rec_hidden);
    ck_put_u32(b, (uint32_t)a->squash);
    ck_put_u64(b, (uint64_t)m->np);
    if (a->latent) /* only other latent types: binary records keep their old size */
        ck_put_u32(b, (uint32_t)a->latent);
    ck_sec_end(b);
    ck_sec_begin(b, "PARM");
    ck_put_f32s(b, params, m->np);
    ck_sec_end(b);
    ck_sec_begin(b, "XBAR");
    ck_put_f32s(b, m->xbar, (size_t)a->D);
    ck_sec_end(b);
    if (m->data_name[0]) {
        uint32_t n = (uint32_t)strlen(m->data_name);
        uint8_t name[sizeof m->data_name] = {0};
        memcpy(name, m->data_name, n);
        ck_sec_begin(b, "DATA");
        ck_put_u32(b, n);
        for (uint32_t i = 0; i < n; i += 4)
            ck_put_u32(b, (uint32_t)name[i] | (uint32_t)name[i + 1] << 8 |
                              (uint32_t)name[i + 2] << 16 | (uint32_t)name[i + 3] << 24);
        ck_put_u32(b, m->data_binarize);
        ck_put_u64(b, m->data_seed);
        ck_sec_end(b);
    }
}

/* The optional DATA section into m; a damaged one is an error. */
static irvi_status get_data(const ckfile *f, irvi_model *m)
{
    rcur c;
    if (ck_section(f, "DATA", &c) != IRVI_OK)
        return IRVI_OK; /* absent: trained before the section existed */
    uint32_t n = ck_get_u32(&c);
    if (!c.ok || n == 0 || n >= sizeof m->data_name)
        return irvi_fail(IRVI_EFORMAT, "%s: bad DATA section (name of %u bytes)", f->path, n);
    for (uint32_t i = 0; i < n; i += 4) {
        uint32_t w = ck_get_u32(&c);
        for (uint32_t k = 0; k < 4 && i + k < n; k++)
            m->data_name[i + k] = (char)(w >> (8 * k));
    }
    m->data_name[n] = 0;
    m->data_binarize = ck_get_u32(&c);
    m->data_seed = ck_get_u64(&c);
    if (!c.ok || c.pos != c.len || strlen(m->data_name) != n || m->data_binarize > 1)
        return irvi_fail(IRVI_EFORMAT, "%s: bad DATA section", f->path);
    return IRVI_OK;
}

static void put_air(wbuf *b, const irvi_refine_opts *a)
{
    ck_put_u32(b, (uint32_t)a->K);
    ck_put_u32(b, (uint32_t)a->M);
    ck_put_f32(b, a->gamma);
    ck_put_f32(b, a->eps);
    ck_put_u32(b, (uint32_t)a->bihm);
}


irvi_status irvi_model_save(const irvi_model *m, const char *path)
{
    if (!m || !path || !*path)
        return irvi_fail(IRVI_EINVAL, "irvi_model_save: no model or no path");
    wbuf b = {0};
    ck_put_header(&b, CK_KIND_MODEL);
    put_model_sections(&b, m, m->p);
    ck_finish(&b);
    return ck_write(path, &b);
}

irvi_status irvi_trainer_save(const irvi_trainer *t, const char *path)
{
    if (!t || !path || !*path)
        return irvi_fail(IRVI_EINVAL, "irvi_trainer_save: no trainer or no path");
    const irvi_model *m = t->m;
    const irvi_train_opts *o = &t->o;
    wbuf b = {0};
    ck_put_header(&b, CK_KIND_TRAINER);
    put_model_sections(&b, m, m->p);
    ck_sec_begin(&b, "BEST");
    ck_put_f32s(&b, t->best->p, m->np);
    ck_sec_end(&b);

    ck_sec_begin(&b, "OPTS");
    ck_put_u32(&b, (uint32_t)o->algo);
    ck_put_u32(&b, (uint32_t)o->batch);
    ck_put_u32(&b, (uint32_t)o->N);
    put_air(&b, &o->air);
    ck_put_u32(&b, (uint32_t)o->opt);
    ck_put_f32(&b, o->lr);
    ck_put_f32(&b, o->l2);
    ck_put_f32(&b, o->lr_decay);
    ck_put_u32(&b, (uint32_t)o->analytic_rec);
    put_air(&b, &o->test_air);
    ck_put_u32(&b, (uint32_t)o->valid_N);
    ck_put_u32(&b, (uint32_t)o->valid_n);
    ck_put_u64(&b, t->seed);
    ck_sec_end(&b);
    if (o->sleep_interleave) {
        ck_sec_begin(&b, "SLEP");
        ck_put_u32(&b, (uint32_t)o->sleep_interleave);
        ck_sec_end(&b);
    }

    ck_sec_begin(&b, "OPTM");
    ck_put_u32(&b, (uint32_t)t->opt.kind);
    ck_put_f32(&b, t->lr);
    ck_put_u64(&b, (uint64_t)m->np);
    ck_put_f32s(&b, t->opt.n, m->np);
    ck_put_f32s(&b, t->opt.gbar, m->np);
    ck_put_f32s(&b, t->opt.delta, m->np);
    ck_sec_end(&b);

    ck_sec_begin(&b, "RNGS");
    for (int i = 0; i < 4; i++)
        ck_put_u64(&b, t->rng.s[i]);
    for (int i = 0; i < 4; i++)
        ck_put_u64(&b, t->shuffle.s[i]);
    ck_sec_end(&b);

    ck_sec_begin(&b, "POSN");
    ck_put_u32(&b, (uint32_t)t->epoch);
    ck_put_u32(&b, (uint32_t)t->batch);
    ck_put_u32(&b, (uint32_t)t->batches);
    ck_put_u64(&b, (uint64_t)t->updates);
    ck_put_u32(&b, (uint32_t)t->ntrain);
    for (int i = 0; i < t->ntrain; i++)
        ck_put_u32(&b, (uint32_t)t->perm[i]);
    ck_sec_end(&b);

    ck_sec_begin(&b, "METR");
    ck_put_u32(&b, (uint32_t)t->has_best);
    ck_put_f64(&b, t->best_lb);
    ck_put_f64(&b, t->ep_lb_sum);
    ck_put_u64(&b, (uint64_t)t->ep_examples);
    ck_put_f64(&b, t->ep_seconds);
    ck_sec_end(&b);
    ck_finish(&b);
    return ck_write(path, &b);
}


static irvi_status bad_size(const ckfile *f, const char *tag, const rcur *c)
{
    return irvi_fail(IRVI_EFORMAT, "%s: section %s has %zu bytes, which does not fit the "
                                   "architecture", f->path, tag, c->len);
}

/* ARCH -> a new model with PARM (or BEST) and XBAR loaded. */
static irvi_status ck_model(const ckfile *f, const char *ptag, irvi_model **out)
{
    *out = NULL;
    rcur c;
    irvi_status st = ck_section(f, "ARCH", &c);
    if (st)
        return st;
    irvi_arch a;
    memset(&a, 0, sizeof a);
    a.D = (int)ck_get_u32(&c);
    a.L = (int)ck_get_u32(&c);
    for (int l = 0; l < IRVI_MAX_LAYERS; l++)
        a.H[l] = (int)ck_get_u32(&c);
    a.prior = (irvi_prior)ck_get_u32(&c);
    a.gen_hidden = (int)ck_get_u32(&c);
    a.rec_hidden = (int)ck_get_u32(&c);
    a.squash = (int)ck_get_u32(&c);
    uint64_t np = ck_get_u64(&c);
    if (c.ok && c.len - c.pos == 4) {
        uint32_t lat = ck_get_u32(&c);
        /* 0 is never stored (binary records have no such field) */
        if (lat == 0 || lat > INT_MAX || !family_of_latent((irvi_latent)lat))
            return irvi_fail(IRVI_EFORMAT, "%s: unknown latent type %u", f->path, lat);
        a.latent = (irvi_latent)lat;
    }
    if (!c.ok || c.pos != c.len)
        return bad_size(f, "ARCH", &c);
    for (int l = a.L; l >= 0 && l < IRVI_MAX_LAYERS; l++)
        if (a.H[l] != 0)
            return irvi_fail(IRVI_EFORMAT, "%s: architecture lists more layers than L = %d",
                             f->path, a.L);
    if (a.squash != 0 && a.squash != 1)
        return irvi_fail(IRVI_EFORMAT, "%s: bad squash flag %d", f->path, a.squash);
    if ((st = irvi_arch_validate(&a))) {
        char d[512];
        snprintf(d, sizeof d, "%s", irvi_last_error());
        return irvi_fail(IRVI_EFORMAT, "%s: bad architecture: %s", f->path, d);
    }
    /* Sizes before allocating: a damaged or crafted ARCH must not make the
     * loader allocate and initialize more parameters than the file holds. */
    size_t want = model_nparams_of(&a);
    if (want != np) {
        char d[128];
        irvi_arch_describe(&a, d, sizeof d);
        return irvi_fail(IRVI_EFORMAT, "%s: %llu parameters stored, but %s has %zu", f->path,
                         (unsigned long long)np, d, want);
    }
    if ((st = ck_section(f, ptag, &c)))
        return st;
    if (c.len % 4 || c.len / 4 != np)
        return bad_size(f, ptag, &c);
    irvi_model *m;
    if ((st = irvi_model_create(&a, 0, &m)))
        return st;
    if (!(st = ck_section(f, ptag, &c))) {
        if (c.len != 4 * m->np)
            st = bad_size(f, ptag, &c);
        else
            ck_get_f32s(&c, m->p, m->np);
    }
    if (!st && !(st = ck_section(f, "XBAR", &c))) {
        if (c.len != 4 * (size_t)a.D)
            st = bad_size(f, "XBAR", &c);
        else
            ck_get_f32s(&c, m->xbar, (size_t)a.D);
    }
    if (!st)
        st = get_data(f, m);
    if (st) {
        irvi_model_free(m);
        return st;
    }
    *out = m;
    return IRVI_OK;
}

irvi_status irvi_model_load(const char *path, irvi_model **out)
{
    *out = NULL;
    ckfile f;
    irvi_status st = ck_open(path, &f);
    if (st)
        return st;
    /* a trainer checkpoint gives its best-validation parameters, or the
     * current ones when no validation has happened yet */
    const char *tag = "PARM";
    rcur c;
    if (f.kind == CK_KIND_TRAINER && !ck_section(&f, "METR", &c) && ck_get_u32(&c))
        tag = "BEST";
    st = ck_model(&f, tag, out);
    free(f.data);
    return st;
}

static void get_air(rcur *c, irvi_refine_opts *a)
{
    a->K = (int)ck_get_u32(c);
    a->M = (int)ck_get_u32(c);
    a->gamma = ck_get_f32(c);
    a->eps = ck_get_f32(c);
    a->bihm = (int)ck_get_u32(c);
}

static irvi_status ck_trainer_state(const ckfile *f, irvi_trainer *t)
{
    rcur c;
    irvi_status st;
    size_t np = t->m->np;
    if ((st = ck_section(f, "BEST", &c)))
        return st;
    if (c.len != 4 * np)
        return bad_size(f, "BEST", &c);
    ck_get_f32s(&c, t->best->p, np);

    if ((st = ck_section(f, "OPTM", &c)))
        return st;
    uint32_t kind = ck_get_u32(&c);
    float lr = ck_get_f32(&c);
    uint64_t onp = ck_get_u64(&c);
    if (!c.ok || onp != np || c.len - c.pos != 12 * np)
        return bad_size(f, "OPTM", &c);
    if (kind != IRVI_OPT_RMSPROP && kind != IRVI_OPT_SGD)
        return irvi_fail(IRVI_EFORMAT, "%s: unknown optimizer %u", f->path, kind);
    if (!(isfinite(lr) && lr > 0))
        return irvi_fail(IRVI_EFORMAT, "%s: bad learning rate %g", f->path, (double)lr);
    t->opt.kind = (irvi_optimizer)kind;
    t->lr = lr;
    ck_get_f32s(&c, t->opt.n, np);
    ck_get_f32s(&c, t->opt.gbar, np);
    ck_get_f32s(&c, t->opt.delta, np);

    if ((st = ck_section(f, "RNGS", &c)))
        return st;
    if (c.len != 64)
        return bad_size(f, "RNGS", &c);
    for (int i = 0; i < 4; i++)
        t->rng.s[i] = ck_get_u64(&c);
    for (int i = 0; i < 4; i++)
        t->shuffle.s[i] = ck_get_u64(&c);

    if ((st = ck_section(f, "POSN", &c)))
        return st;
    int epoch = (int)ck_get_u32(&c), batch = (int)ck_get_u32(&c), batches = (int)ck_get_u32(&c);
    long updates = (long)ck_get_u64(&c);
    uint32_t ntrain = ck_get_u32(&c);
    if (!c.ok)
        return bad_size(f, "POSN", &c);
    if (ntrain != (uint32_t)t->ntrain)
        return irvi_fail(IRVI_EFORMAT,
                         "%s: written for %u training examples, but dataset %s has %d", f->path,
                         ntrain, irvi_dataset_name(t->ds), t->ntrain);
    if (c.len - c.pos != 4 * (size_t)ntrain)
        return bad_size(f, "POSN", &c);
    if (batches != t->batches || epoch < 0 || batch < 0 || batch > batches || updates < 0)
        return irvi_fail(IRVI_EFORMAT, "%s: bad position (epoch %d, batch %d of %d)", f->path,
                         epoch, batch, batches);
    uint8_t *seen = calloc((size_t)t->ntrain, 1);
    if (!seen)
        return irvi_fail(IRVI_ENOMEM, "%s: permutation check", f->path);
    for (int i = 0; i < t->ntrain; i++) {
        uint32_t k = ck_get_u32(&c);
        if (k >= ntrain || seen[k]) {
            free(seen);
            return irvi_fail(IRVI_EFORMAT, "%s: the stored shuffle order is not a permutation",
                             f->path);
        }
        seen[k] = 1;
        t->perm[i] = (int)k;
    }
    free(seen);
    t->epoch = epoch;
    t->batch = batch;
    t->updates = updates;

    if ((st = ck_section(f, "METR", &c)))
        return st;
    t->has_best = ck_get_u32(&c) != 0;
    t->best_lb = ck_get_f64(&c);
    t->ep_lb_sum = ck_get_f64(&c);
    t->ep_examples = (long)ck_get_u64(&c);
    t->ep_seconds = ck_get_f64(&c);
    if (!c.ok || c.pos != c.len)
        return bad_size(f, "METR", &c);
    return IRVI_OK;
}

irvi_status irvi_trainer_resume(const char *path, const irvi_dataset *ds, irvi_trainer **out)
{
    *out = NULL;
    if (!ds)
        return irvi_fail(IRVI_EINVAL, "irvi_trainer_resume: no dataset");
    ckfile f;
    irvi_status st = ck_open(path, &f);
    if (st)
        return st;
    irvi_model *m = NULL;
    irvi_trainer *t = NULL;
    rcur c;
    if (f.kind != CK_KIND_TRAINER) {
        st = irvi_fail(IRVI_EFORMAT, "%s: a model file, not a trainer checkpoint", path);
        goto done;
    }
    if ((st = ck_model(&f, "PARM", &m)))
        goto done;
    if (m->arch.D != irvi_dataset_D(ds)) {
        st = irvi_fail(IRVI_EFORMAT, "%s: written for %d-pixel images, but dataset %s has %d",
                       path, m->arch.D, irvi_dataset_name(ds), irvi_dataset_D(ds));
        goto done;
    }
    if ((st = ck_section(&f, "OPTS", &c)))
        goto done;
    irvi_train_opts o;
    irvi_train_opts_default(&o);
    o.algo = (irvi_algo)ck_get_u32(&c);
    o.batch = (int)ck_get_u32(&c);
    o.N = (int)ck_get_u32(&c);
    get_air(&c, &o.air);
    o.opt = (irvi_optimizer)ck_get_u32(&c);
    o.lr = ck_get_f32(&c);
    o.l2 = ck_get_f32(&c);
    o.lr_decay = ck_get_f32(&c);
    o.analytic_rec = (int)ck_get_u32(&c);
    get_air(&c, &o.test_air);
    o.valid_N = (int)ck_get_u32(&c);
    o.valid_n = (int)ck_get_u32(&c);
    uint64_t seed = ck_get_u64(&c);
    if (!c.ok || c.pos != c.len) {
        st = bad_size(&f, "OPTS", &c);
        goto done;
    }
    if (ck_section(&f, "SLEP", &c) == IRVI_OK) {
        o.sleep_interleave = (int)ck_get_u32(&c);
        if (!c.ok || c.pos != c.len) {
            st = bad_size(&f, "SLEP", &c);
            goto done;
        }
    }
    if ((st = irvi_train_opts_validate(&o))) {
        char d[512];
        snprintf(d, sizeof d, "%s", irvi_last_error());
        st = irvi_fail(IRVI_EFORMAT, "%s: bad training options: %s", path, d);
        goto done;
    }
    if ((st = trainer_new(m, ds, &o, seed, &t))) { /* e.g. non-finite parameters */
        char d[512];
        snprintf(d, sizeof d, "%s", irvi_last_error());
        st = irvi_fail(st, "%s: %s", path, d);
        goto done;
    }
    m = NULL; /* owned by t now */
    if ((st = ck_trainer_state(&f, t)))
        goto done;
    *out = t;
    t = NULL;
done:
    irvi_trainer_free(t);
    irvi_model_free(m);
    free(f.data);
    return st;
}
