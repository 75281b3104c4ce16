/* engine/binary/family_binary.c — the binary-latent family's table (SBN,
 * DARN): mean-field Bernoulli posteriors refined by AIR. */
#include "family.h"
#include "sbn_train.h"

const family_ops binary_family = {
    .name = "binary",
    .model_kind = "binary",
    .discrete = 1,
    .refine_name = "AIR",
    .gamma_default = 0.1f,
    .validate = NULL, /* the shared checks of irvi_arch_validate are all it needs */
    .describe = sbn_arch_describe,
    .layout = sbn_layout,
    .init = sbn_mask_darn,
    .ws_width = 0,
    .ws_reserve_rows = NULL,
    .ws_reserve_n = NULL,
    .log_joint = sbn_model_log_joint,
    .recognize = sbn_model_recognize,
    .sample = sbn_model_sample,
    .posterior_alloc = NULL, /* the shared means mu0 / mu are the whole posterior */
    .posterior_free = NULL,
    .posterior_recognize = air_posterior_recognize,
    .posterior_reset = air_posterior_reset,
    .posterior_simplify = air_posterior_simplify,
    .logsigma = NULL,
    .refine_step = air_step,
    .draw_weigh = air_draw_weigh,
    .lb_term = air_lb_term,
    .draw_decode = air_draw_decode,
    .trainer_alloc = sleep_alloc,
    .trainer_free = sleep_free,
    .train_update = sbn_train_update,
    .after_update = trainer_sleep_step,
};
