/* app/live/link.h — the one boundary between the engine thread and the UI.
 *
 * Threads: the ENGINE thread (session.c) owns the trainer, the model and the
 * posterior of the chosen digits, and is the only thread that calls the
 * engine or BLAS. The MAIN thread runs the UI loop (ncurses and SDL: both
 * must stay on one thread; SDL video wants the main thread).
 *
 * Traffic, always by value, never a pointer into the other side's memory:
 *   UI -> engine: app_cmd records through a bounded queue (link_send). The
 *     engine drains it between steps without blocking, and blocks on it only
 *     while paused.
 *   engine -> UI: (1) metric points appended to a ring (link_push_point); the
 *     UI copies out everything newer than what it has (link_points_since);
 *     when the ring wraps the oldest points are dropped and counted;
 *     (2) a status record and (3) an image-tile set, each replaced whole under
 *     the link's mutex with a generation counter the UI compares; (4) log
 *     lines in a small ring. Every lock is held only for a memcpy: never while
 *     drawing, never during engine work.
 */
#ifndef IRVI_APP_LINK_H
#define IRVI_APP_LINK_H

#include <pthread.h>
#include <stdint.h>

/* ---- commands (UI -> engine) -------------------------------------------- */
typedef enum {
    CMD_PAUSE_TOGGLE,   /* pause or resume training */
    CMD_STEP_BATCH,     /* while paused: train on one minibatch */
    CMD_STEP_REFINE,    /* one AIR iteration on the chosen digits */
    CMD_SET_K,          /* ival: training/test refinement steps */
    CMD_SET_M,          /* ival: samples per refinement step */
    CMD_SET_GAMMA,      /* fval: inference rate */
    CMD_PICK_DIGITS,    /* digits[0..ndigits): test-set indices */
    CMD_PICK_CLASS,     /* ival: class, ival2: how many random digits of it */
    CMD_RESET_POSTERIOR,/* chosen digits back to q0 */
    CMD_TOGGLE_SIMPLIFIED, /* start refinement from the simplified posterior (80% of mu0 at 0.5) */
    CMD_EXPORT_PNG,     /* path: grid PNG (and path with -curves.png for the curves) */
    CMD_SAVE,           /* write a checkpoint now */
    CMD_QUIT            /* stop at a step boundary, write a checkpoint, exit */
} cmd_kind;

#define LINK_MAX_DIGITS 25 /* the paper's Fig. 2 shows 25 digits */

typedef struct {
    cmd_kind kind;
    int ival, ival2;
    float fval;
    int ndigits;
    int digits[LINK_MAX_DIGITS];
    char path[256];
} app_cmd;

/* ---- metric points (engine -> UI) --------------------------------------- */
typedef enum {
    SERIES_TRAIN_LB,    /* minibatch lower bound (smoothed by the UI if it likes) */
    SERIES_TRAIN_ESS,   /* minibatch normalized ESS */
    SERIES_VALID_LB,    /* validation lower bound, refined q_K */
    SERIES_VALID_LB0,   /* validation lower bound, q_0 */
    SERIES_VALID_ESS,   /* validation normalized ESS (refined) */
    SERIES_REFINE_LB,   /* refinement lab: mean lower bound of the chosen digits at step x */
    SERIES_REFINE_ESS,  /* refinement lab: mean normalized ESS at step x */
    SERIES_EXACT_ELBO,  /* refinement lab, models small enough to enumerate: mean */
    SERIES_EXACT_LL,    /*   exact ELBO of q_k, mean exact log p(x), */
    SERIES_EXACT_KL,    /*   mean exact KL(q_k || p(h|x)) */
    /* refinement lab, one curve per chosen digit: SERIES_DIGIT_LB + i is the
     * lower bound of digit i (its position in the tiles), SERIES_DIGIT_ESS + i
     * its normalized ESS */
    SERIES_DIGIT_LB,
    SERIES_DIGIT_ESS = SERIES_DIGIT_LB + LINK_MAX_DIGITS,
    SERIES_COUNT = SERIES_DIGIT_ESS + LINK_MAX_DIGITS
} series_id;

typedef struct {
    series_id series;
    double epoch;       /* fractional epoch (training) or refinement step (lab) */
    double update;      /* updates so far (training) or refinement step (lab) */
    double seconds;     /* wall-clock seconds since the session started */
    double y;
} metric_point;

/* ---- status (engine -> UI), replaced whole ------------------------------- */
typedef enum { MODE_TRAIN, MODE_REFINE } app_mode;

typedef struct {
    app_mode mode;
    char dataset[32];
    char model[64];          /* "SBN 200" */
    char algo[24];           /* "air", "rws", ... */
    int K, M;
    float gamma;
    int simplified;          /* refinement starts from the simplified posterior */
    int paused;
    int epoch, epochs;       /* epoch in progress (0-based) and planned */
    int batch, batches;
    long updates;
    double examples_per_s;
    double eta_seconds;      /* to the end of the epoch, validation included; < 0 if unknown */
    double eta_run_seconds;  /* to the end of the run; < 0 if unknown */
    double last_lb, last_ess;
    double last_lb0;         /* the same bound under q0 (training: smoothed; lab: step 0) */
    double best_valid_lb;    /* -inf until the first validation */
    int refine_steps;        /* refinement lab: steps taken on the chosen digits */
    int ndigits;             /* refinement lab: the chosen digits (test-set indices), */
    int digits[LINK_MAX_DIGITS]; /* in the order of the SERIES_DIGIT_* curves */
    char checkpoint[256];
    char display_note[96];   /* e.g. "no display: SDL window off" (set by the UI side) */
    int finished;            /* engine thread has stopped */
    int exit_code;
} app_status;

/* ---- image tiles (engine -> UI): the three rows of paper Fig. 2 ---------- */
typedef struct {
    int n;                   /* chosen digits */
    int rows, cols;          /* image shape (28 x 28) */
    int transposed;          /* source images are column-major */
    int index[LINK_MAX_DIGITS];     /* test-set index of each digit */
    int label[LINK_MAX_DIGITS];     /* class, or -1 */
    float truth[LINK_MAX_DIGITS][784];   /* ground truth x (0/1) */
    float unrefined[LINK_MAX_DIGITS][784]; /* (1/N) sum p(x|h), h ~ q0 */
    float refined[LINK_MAX_DIGITS][784];   /* (1/N) sum p(x|h), h ~ q_K */
    double lb0[LINK_MAX_DIGITS];  /* per-digit lower bound under q0 */
    double lbK[LINK_MAX_DIGITS];  /* per-digit lower bound under the current q */
    double essK[LINK_MAX_DIGITS]; /* per-digit normalized ESS under the current q */
    int steps;               /* refinement steps behind the refined row */
} app_tiles;


/* ---- posterior inspector, filmstrip, samples (engine -> UI) -------------
 * Built by live/inspector.c after every lab refresh; replaced whole like the
 * tiles (heap slots in the link, made on first use). */
#define INSPECT_MAX_UNITS 1024 /* latent units shown per digit (all layers) */
#define FILM_MAX 32            /* filmstrip frames per digit */
#define HIST_MAX 512           /* lab steps kept in the per-digit histories */
#define SAMPLES_MAX 64

typedef struct app_inspect {
    int n, rows, cols, transposed;
    int index[LINK_MAX_DIGITS], label[LINK_MAX_DIGITS];
    int units;               /* units per digit shown (sum of H_l, capped) */
    int gaussian;            /* mu and sigma maps (VAE) instead of Bernoulli means */
    int exact;               /* exact marginals and exact ELBO / KL present */
    double exact_ms;         /* last exact ELBO computation, ms per digit */
    double table_ms;         /* last exact table build (once per model), ms */
    int steps;               /* refinement steps behind muk */
    float truth[LINK_MAX_DIGITS][784];
    float mu0[LINK_MAX_DIGITS][INSPECT_MAX_UNITS], muk[LINK_MAX_DIGITS][INSPECT_MAX_UNITS];
    float sig0[LINK_MAX_DIGITS][INSPECT_MAX_UNITS], sigk[LINK_MAX_DIGITS][INSPECT_MAX_UNITS];
    float exact_mu[LINK_MAX_DIGITS][INSPECT_MAX_UNITS]; /* E[h|x] */
    double exact_ll[LINK_MAX_DIGITS];                  /* log p(x) */
    int nframes;             /* filmstrip: expected reconstructions at frame_step[f] */
    int frame_step[FILM_MAX];
    float film[LINK_MAX_DIGITS][FILM_MAX][784];
    int nhist;               /* per-step histories: step hist_step[j] */
    int hist_step[HIST_MAX];
    double lb[LINK_MAX_DIGITS][HIST_MAX];   /* estimated bound (N samples) */
    double elbo[LINK_MAX_DIGITS][HIST_MAX]; /* exact ELBO (NaN without exact) */
    double kl[LINK_MAX_DIGITS][HIST_MAX];   /* exact KL(q_k || p(h|x)) */
} app_inspect;

typedef struct app_samples {
    int n, rows, cols, transposed;
    long updates;            /* model updates behind the samples */
    float x[SAMPLES_MAX][784];  /* x ~ p(x), 0/1 */
} app_samples;

/* ---- the link ------------------------------------------------------------ */
#define LINK_QUEUE 64
#define LINK_POINTS 65536
#define LINK_LOG_LINES 64
#define LINK_LOG_LEN 160

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cmd_cv;
    app_cmd queue[LINK_QUEUE];
    int q_head, q_len;
    metric_point points[LINK_POINTS];
    uint64_t n_points;       /* total ever pushed; index = n % LINK_POINTS */
    app_status status;
    uint64_t status_gen;
    app_tiles tiles;
    uint64_t tiles_gen;
    char log[LINK_LOG_LINES][LINK_LOG_LEN];
    uint64_t n_log;
    app_inspect *insp;       /* NULL until first set */
    uint64_t insp_gen;
    app_samples *samples;
    uint64_t samples_gen;
} app_link;

void link_init(app_link *l);
void link_destroy(app_link *l);

/* UI side. link_send returns 0, or -1 if the queue is full (command dropped). */
int link_send(app_link *l, const app_cmd *c);
/* Copy points with sequence number >= *since into out (at most cap); returns
 * how many were copied and advances *since. Points lost to wrap-around are
 * skipped (their count is added to *dropped if dropped != NULL). */
int link_points_since(app_link *l, uint64_t *since, metric_point *out, int cap, uint64_t *dropped);
/* Copy status / tiles if their generation differs from *gen; returns 1 if copied. */
int link_get_status(app_link *l, uint64_t *gen, app_status *out);
int link_get_tiles(app_link *l, uint64_t *gen, app_tiles *out);
/* Copy log lines newer than *since (each LINK_LOG_LEN chars); returns count. */
int link_log_since(app_link *l, uint64_t *since, char (*out)[LINK_LOG_LEN], int cap);

/* Engine side. link_recv: next command, waiting up to wait_ms (0 = poll,
 * < 0 = forever); returns 1 if a command was taken. */
int link_recv(app_link *l, app_cmd *c, int wait_ms);
void link_push_point(app_link *l, const metric_point *p);
void link_set_status(app_link *l, const app_status *s);
void link_set_tiles(app_link *l, const app_tiles *t);
/* Inspector and samples slots: set copies in (allocating the slot once;
 * -1 if that fails), get copies out if the generation differs (1 if copied). */
int link_set_inspect(app_link *l, const app_inspect *in);
int link_get_inspect(app_link *l, uint64_t *gen, app_inspect *out);
int link_set_samples(app_link *l, const app_samples *sm);
int link_get_samples(app_link *l, uint64_t *gen, app_samples *out);
void link_log(app_link *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
