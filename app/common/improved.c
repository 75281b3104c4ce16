/* app/common/improved.c — the most improved digits (see improved.h); moved here
 * from cmd_refine.c so the Fig. 2 experiment uses the same scan. */
#include "common/improved.h"

#include <stdlib.h>

irvi_status most_improved_scan(const irvi_model *m, irvi_split sp, int n, int N,
                               const irvi_refine_opts *air, int simplified, uint64_t seed,
                               int want, int *digits, double *delta_best, int *got,
                               irvi_progress_fn progress, void *user)
{
    enum { B = 100 };
    if (n <= 0 || n > sp.n)
        n = sp.n;
    *got = 0;
    double *delta = malloc(sizeof(double) * (n > 0 ? n : 1)), e0[B], eK[B];
    float *recon = malloc(sizeof(float) * B * (size_t)sp.D);
    int *order = malloc(sizeof(int) * (n > 0 ? n : 1));
    irvi_posterior *q = NULL;
    irvi_rng r;
    irvi_rng_seed(&r, seed, 21);
    irvi_status st = delta && recon && order ? irvi_posterior_create(m, B, &q)
                                             : irvi_fail(IRVI_ENOMEM, "most improved: buffers");
    for (int b0 = 0; !st && b0 < n; b0 += B) {
        int nb = n - b0 < B ? n - b0 : B;
        st = irvi_posterior_set_data(q, m, sp.x + (size_t)b0 * sp.D, nb);
        if (!st && simplified) {
            irvi_rng rs;
            irvi_rng_seed(&rs, seed, 22);
            irvi_posterior_simplify(q, 0.8f, &rs);
        }
        if (!st)
            st = irvi_eval_recon(q, m, N, &r, recon, e0);
        if (!st)
            st = irvi_refine(q, m, air, &r);
        if (!st)
            st = irvi_eval_recon(q, m, N, &r, recon, eK);
        for (int i = 0; !st && i < nb; i++)
            delta[b0 + i] = eK[i] - e0[i];
        if (!st && progress && progress(user, b0 + nb, n))
            st = irvi_fail(IRVI_ECANCELLED, "most improved: cancelled");
    }
    if (!st) { /* partial selection sort of the `want` most negative changes */
        if (want > n)
            want = n;
        for (int i = 0; i < n; i++)
            order[i] = i;
        for (int k = 0; k < want; k++) {
            int best = k;
            for (int i = k + 1; i < n; i++)
                if (delta[order[i]] < delta[order[best]])
                    best = i;
            int tmp = order[k];
            order[k] = order[best];
            order[best] = tmp;
            digits[k] = order[k];
            if (delta_best)
                delta_best[k] = delta[order[k]];
        }
        *got = want;
    }
    free(order);
    irvi_posterior_free(q);
    free(recon);
    free(delta);
    return st;
}
