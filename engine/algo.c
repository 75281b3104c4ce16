/* engine/algo.c — the training algorithms as one table: the engine (train.c,
 * the families' training code) and the app read their properties here
 * instead of switching on the enum. Rows are in enum order, so stored
 * algorithm numbers keep their meaning. The (wgen, target) columns are the
 * table of engine/train_impl.h. */
#include "irvi/train.h"

#include <stdio.h>
#include <string.h>

#define AIR_DEFAULTS 20, 20, 0.1f
#define GDIR_DEFAULTS 20, 20, IRVI_GDIR_GAMMA_DEFAULT

static const irvi_algo_info algos[] = {
    {IRVI_ALGO_AIR, "air", "AIR", IRVI_LATENT_BERNOULLI, 1, IRVI_WGEN_UNIFORM,
     IRVI_TARGET_SAMPLE_MEAN, 1, AIR_DEFAULTS},
    {IRVI_ALGO_RWS, "rws", "RWS", IRVI_LATENT_BERNOULLI, 0, IRVI_WGEN_SOFTMAX,
     IRVI_TARGET_WEIGHTED, 1, AIR_DEFAULTS},
    {IRVI_ALGO_AIR_REWEIGHT, "air-reweight", "reweighted AIR", IRVI_LATENT_BERNOULLI, 1,
     IRVI_WGEN_SOFTMAX, IRVI_TARGET_SAMPLE_MEAN, 1, AIR_DEFAULTS},
    {IRVI_ALGO_AIR_INCLUSIVE, "air-inclusive", "inclusive-KL AIR", IRVI_LATENT_BERNOULLI, 1,
     IRVI_WGEN_SOFTMAX, IRVI_TARGET_WEIGHTED, 1, AIR_DEFAULTS},
    {IRVI_ALGO_VAE, "vae", "VAE", IRVI_LATENT_GAUSSIAN, 0, IRVI_WGEN_BATCH_MEAN,
     IRVI_TARGET_ELBO, 0, GDIR_DEFAULTS},
    {IRVI_ALGO_GDIR, "gdir", "GDIR", IRVI_LATENT_GAUSSIAN, 1, IRVI_WGEN_BATCH_MEAN,
     IRVI_TARGET_KL_QK, 0, GDIR_DEFAULTS},
    {IRVI_ALGO_BIHM, "bihm", "BiHM", IRVI_LATENT_BERNOULLI, 0, IRVI_WGEN_SOFTMAX_HALF,
     IRVI_TARGET_BIHM, 1, AIR_DEFAULTS},
};
#define N_ALGOS ((int)(sizeof algos / sizeof algos[0]))

int irvi_algo_count(void) { return N_ALGOS; }

const irvi_algo_info *irvi_algo_info_get(irvi_algo a)
{
    return (int)a >= 0 && (int)a < N_ALGOS ? &algos[a] : NULL;
}

const irvi_algo_info *irvi_algo_by_name(const char *s)
{
    for (int i = 0; s && i < N_ALGOS; i++)
        if (!strcmp(s, algos[i].name))
            return &algos[i];
    return NULL;
}

const char *irvi_algo_name(irvi_algo a)
{
    const irvi_algo_info *i = irvi_algo_info_get(a);
    return i ? i->name : "unknown";
}

irvi_status irvi_algo_parse(const char *s, irvi_algo *out)
{
    const irvi_algo_info *i = irvi_algo_by_name(s);
    if (i) {
        *out = i->algo;
        return IRVI_OK;
    }
    char known[256] = "";
    for (int k = 0; k < N_ALGOS; k++) /* the table is the one list */
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "",
                 algos[k].name);
    return irvi_fail(IRVI_EINVAL, "unknown algorithm '%s' (%s)", s ? s : "", known);
}
