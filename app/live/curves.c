/* app/live/curves.c — the curve table (see curves.h). */
#include "live/curves.h"

#include <irvi/irvi.h>

#include <string.h>

const curve_def curve_table[] = {
    /* training: lower bound */
    {SERIES_TRAIN_LB, PANEL_LB, 0, CURVE_FROM_STEP, offsetof(irvi_step_metrics, lb),
     "train", TC_TRAIN, 0, "train LB (minibatch)", 0xAEC7E8, "train LB", 0x1F77B4, 0},
    {SERIES_VALID_LB0, PANEL_LB, 0, CURVE_FROM_EPOCH, offsetof(irvi_epoch_metrics, valid_lb0),
     "valid q0", TC_VALID0, 2, "valid LB, q0", 0x2CA02C, NULL, 0, 0},
    {SERIES_VALID_LB, PANEL_LB, 0, CURVE_FROM_EPOCH, offsetof(irvi_epoch_metrics, valid_lb),
     "valid", TC_VALID, 1, "valid LB, refined qK", 0xFF7F0E, NULL, 0, 0},
    /* training: ESS */
    {SERIES_TRAIN_ESS, PANEL_ESS, 0, CURVE_FROM_STEP, offsetof(irvi_step_metrics, ess),
     "train", TC_TRAIN, 0, "train ESS (minibatch)", 0xAEC7E8, "train ESS", 0x1F77B4, 0},
    {SERIES_VALID_ESS, PANEL_ESS, 0, CURVE_FROM_EPOCH, offsetof(irvi_epoch_metrics, valid_ess),
     "valid", TC_VALID, 1, "valid ESS, refined qK", 0xFF7F0E, NULL, 0, 0},
    /* refinement lab: every chosen digit in a light tint (one legend entry
     * for all of them), the mean in full colour drawn last */
    {SERIES_DIGIT_LB, PANEL_LB, 1, CURVE_FROM_DIGIT, offsetof(app_tiles, lbK),
     "each digit", TC_DIGIT, 0, "each chosen digit", 0xF4B6B6, NULL, 0, 0},
    {SERIES_REFINE_LB, PANEL_LB, 1, CURVE_FROM_LAB, offsetof(curve_lab_mean, lb),
     "mean", TC_REFINE, 1, "mean of the chosen digits", 0xD62728, NULL, 0, 0},
    {SERIES_DIGIT_ESS, PANEL_ESS, 1, CURVE_FROM_DIGIT, offsetof(app_tiles, essK),
     "each digit", TC_DIGIT, 0, "each chosen digit", 0xCDBEE0, NULL, 0, 0},
    {SERIES_REFINE_ESS, PANEL_ESS, 1, CURVE_FROM_LAB, offsetof(curve_lab_mean, ess),
     "mean", TC_REFINE, 1, "mean of the chosen digits", 0x9467BD, NULL, 0, 0},
    /* refinement lab on models small enough to enumerate (inspector.c):
     * the truth beside the estimates */
    {SERIES_EXACT_ELBO, PANEL_LB, 1, CURVE_FROM_LAB, offsetof(curve_lab_mean, elbo_exact),
     "exact ELBO", TC_VALID, 2, "exact ELBO of q_k, mean", 0x2CA02C, NULL, 0, 1},
    {SERIES_EXACT_LL, PANEL_LB, 1, CURVE_FROM_LAB, offsetof(curve_lab_mean, ll_exact),
     "exact log p(x)", TC_VALID0, 3, "exact log p(x), mean", 0x7F7F7F, NULL, 0, 1},
    {SERIES_EXACT_KL, PANEL_ESS, 1, CURVE_FROM_LAB, offsetof(curve_lab_mean, kl_exact),
     "exact KL", TC_REFINE, 1, "exact KL(q_k || p(h|x)), mean", 0x8C564B, NULL, 0, 1},
};

const int curve_count = (int)(sizeof curve_table / sizeof curve_table[0]);

const curve_def *curve_of(int id)
{
    for (int i = 0; i < curve_count; i++) {
        const curve_def *c = &curve_table[i];
        int n = c->from == CURVE_FROM_DIGIT ? LINK_MAX_DIGITS : 1;
        if (id >= (int)c->id && id < (int)c->id + n)
            return c;
    }
    return NULL;
}

double curve_value(const curve_def *c, const void *rec, int i)
{
    double v;
    const char *p = (const char *)rec + c->field + (c->from == CURVE_FROM_DIGIT ? (size_t)i : 0) * sizeof v;
    memcpy(&v, p, sizeof v);
    return v;
}
