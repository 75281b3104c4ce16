/* app/common/improved.h — paper 5.3 (Fig. 2): find the test digits whose expected
 * reconstruction error improves most under refinement. Shared by
 * `irvi export --most-improved` and `irvi experiment fig2`. */
#ifndef IRVI_APP_IMPROVED_H
#define IRVI_APP_IMPROVED_H

#include <irvi/irvi.h>

/* Score the first n examples of sp by the change of the expected
 * reconstruction error E(x) = -(1/N) sum_n log p(x | h_n) from q0 (or the
 * simplified q0, 80% of mu0 at 0.5) to q_K refined by air, and put the
 * indices of the `want` most improved (most negative change) into digits,
 * their changes into delta_best (may be NULL). progress (may be NULL) gets
 * examples done; non-zero cancels (IRVI_ECANCELLED). *got = digits found. */
irvi_status most_improved_scan(const irvi_model *m, irvi_split sp, int n, int N,
                               const irvi_refine_opts *air, int simplified, uint64_t seed,
                               int want, int *digits, double *delta_best, int *got,
                               irvi_progress_fn progress, void *user);

#endif
