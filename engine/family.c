/* engine/family.c — the one place that maps a latent type to its family. */
#include "family.h"

#include <stddef.h>

const family_ops *family_of_latent(irvi_latent latent)
{
    switch (latent) {
    case IRVI_LATENT_BERNOULLI: return &binary_family;
    case IRVI_LATENT_GAUSSIAN: return &gaussian_family;
    }
    return NULL;
}
