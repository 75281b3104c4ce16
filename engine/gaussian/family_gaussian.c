/* engine/gaussian/family_gaussian.c — the Gaussian-latent family's table
 * (VAE): diagonal Gaussian posteriors refined by GDIR. */
#include "family.h"
#include "gdir.h"
#include "vae_model.h"
#include "vae_train.h"

const family_ops gaussian_family = {
    .name = "Gaussian",
    .model_kind = "Gaussian (VAE)",
    .discrete = 0,
    .refine_name = "GDIR",
    .gamma_default = IRVI_GDIR_GAMMA_DEFAULT,
    .validate = vae_arch_validate,
    .describe = vae_arch_describe,
    .layout = vae_layout,
    .init = NULL,
    .ws_width = 1,
    .ws_reserve_rows = vae_ws_reserve_rows,
    .ws_reserve_n = vae_ws_reserve_n,
    .log_joint = vae_model_log_joint,
    .recognize = vae_model_recognize,
    .sample = vae_model_sample,
    .posterior_alloc = gdir_posterior_alloc,
    .posterior_free = gdir_posterior_free,
    .posterior_recognize = gdir_posterior_recognize,
    .posterior_reset = gdir_posterior_reset,
    .posterior_simplify = gdir_posterior_simplify,
    .logsigma = gdir_logsigma,
    .refine_step = gdir_step,
    .draw_weigh = gdir_draw_weigh,
    .lb_term = gdir_lb_term,
    .draw_decode = gdir_draw_decode,
    .trainer_alloc = NULL,
    .trainer_free = NULL,
    .train_update = vae_train_update,
    .after_update = NULL,
};
