/* app/live/watch.c — following several runs' metrics.jsonl (see watch.h). */
#include "live/watch.h"

#include "picture/picture.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const watch_series_key[WS_COUNT] = {"valid_lb", "valid_lb0", "valid_ll", "train_lb",
                                                "valid_ess"};

#define WATCH_HISTORY 2048 /* stored points per curve (plot_series halves beyond) */

/* ---- finding runs -------------------------------------------------------- */

/* src into dst[cap], cut to fit */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memmove(dst, src, n);
    dst[n] = 0;
}

static int has_metrics(const char *dir)
{
    char p[1200];
    struct stat st;
    snprintf(p, sizeof p, "%s/metrics.jsonl", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_run(watch_set *w, const char *dir, char *err, size_t errcap)
{
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->run[i].dir, dir))
            return 0; /* given twice */
    if (w->n == WATCH_MAX_RUNS) {
        snprintf(err, errcap, "watch: more than %d runs", WATCH_MAX_RUNS);
        return -1;
    }
    watch_run *r = &w->run[w->n];
    memset(r, 0, sizeof *r);
    copy_str(r->dir, sizeof r->dir, dir);
    size_t len = strlen(r->dir);
    while (len > 1 && r->dir[len - 1] == '/')
        r->dir[--len] = 0;
    memcpy(r->file, r->dir, len);
    memcpy(r->file + len, "/metrics.jsonl", sizeof "/metrics.jsonl");
    r->color = w->n;
    for (int s = 0; s < WS_COUNT; s++)
        if (series_init(&r->s[s], WATCH_HISTORY) != 0) {
            snprintf(err, errcap, "watch: out of memory");
            return -1;
        }
    w->n++;
    return 0;
}

/* folders under dir holding metrics.jsonl, depth levels down, sorted */
static int scan(watch_set *w, const char *dir, int depth, char *err, size_t errcap)
{
    if (has_metrics(dir))
        return add_run(w, dir, err, errcap);
    if (depth <= 0)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **nn = realloc(names, (size_t)cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n > 1) /* (qsort of an empty folder's NULL list is undefined) */
        qsort(names, (size_t)n, sizeof *names, cmp_str);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char sub[1024];
        struct stat st;
        snprintf(sub, sizeof sub, "%s/%s", dir, names[i]);
        if (rc == 0 && stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            rc = scan(w, sub, depth - 1, err, errcap);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* the last k path components of dir */
static const char *tail_parts(const char *dir, int k)
{
    const char *p = dir + strlen(dir);
    while (p > dir && k > 0) {
        p--;
        if (*p == '/' && --k == 0)
            return p + 1;
    }
    return dir;
}

/* Basenames, with more of the path where two runs would share a name. */
static void set_labels(watch_set *w)
{
    for (int i = 0; i < w->n; i++) {
        int k = 1;
        for (; k < 8; k++) {
            int clash = 0;
            for (int j = 0; j < w->n && !clash; j++)
                clash = j != i && !strcmp(tail_parts(w->run[i].dir, k), tail_parts(w->run[j].dir, k));
            if (!clash)
                break;
        }
        const char *t = tail_parts(w->run[i].dir, k);
        /* skip a middle "models/" so exp/models/a reads exp/a */
        char buf[256];
        copy_str(buf, sizeof buf, t);
        char *m = strstr(buf, "/models/");
        if (m && k > 1)
            memmove(m + 1, m + 8, strlen(m + 8) + 1);
        copy_str(w->run[i].label, sizeof w->run[i].label, buf);
    }
}

int watch_open(watch_set *w, char *const *paths, int npaths, char *err, size_t errcap)
{
    memset(w, 0, sizeof *w);
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errcap, "watch: %s: not a folder", paths[i]);
            watch_close(w);
            return -1;
        }
        int before = w->n;
        if (scan(w, paths[i], 4, err, errcap) != 0) {
            watch_close(w);
            return -1;
        }
        if (w->n == before) {
            snprintf(err, errcap, "watch: %s: no metrics.jsonl in it or in folders under it",
                     paths[i]);
            watch_close(w);
            return -1;
        }
    }
    if (w->n == 0) {
        snprintf(err, errcap, "watch: no run folder given");
        return -1;
    }
    set_labels(w);
    return 0;
}

void watch_close(watch_set *w)
{
    for (int i = 0; i < w->n; i++) {
        free(w->run[i].rec);
        for (int s = 0; s < WS_COUNT; s++)
            series_free(&w->run[i].s[s]);
    }
    memset(w, 0, sizeof *w);
}

/* ---- reading rows ----------------------------------------------------------- */

/* the number after "key": in a flat JSON object; NaN for null or absent */
static double json_get(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(line, pat);
    if (!p)
        return NAN;
    p += strlen(pat);
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p++ != ':')
        return NAN;
    while (*p == ' ' || *p == '\t')
        p++;
    char *end;
    double v = strtod(p, &end);
    return end == p ? NAN : v;
}

int watch_parse_line(const char *line, watch_rec *r)
{
    r->epoch = json_get(line, "epoch");
    if (!isfinite(r->epoch))
        return -1;
    r->updates = json_get(line, "updates");
    r->wall = json_get(line, "wall");
    for (int s = 0; s < WS_COUNT; s++)
        r->v[s] = json_get(line, watch_series_key[s]);
    return 0;
}

double watch_x(const watch_run *run, const watch_rec *r, plot_xaxis a)
{
    if (a == PLOT_X_UPDATE)
        return r->updates;
    if (a == PLOT_X_SECONDS)
        return r->wall - run->wall0;
    return r->epoch;
}

static void push_series(watch_run *r, const watch_rec *x)
{
    for (int s = 0; s < WS_COUNT; s++)
        series_push(&r->s[s], x->epoch, isfinite(x->updates) ? x->updates : 0,
                    isfinite(x->wall) ? x->wall - r->wall0 : 0, x->v[s]);
}

static void rebuild(watch_run *r)
{
    for (int s = 0; s < WS_COUNT; s++)
        series_clear(&r->s[s]);
    for (int i = 0; i < r->n; i++)
        push_series(r, &r->rec[i]);
}

static int add_rec(watch_run *r, const watch_rec *x)
{
    /* a resumed run repeats epochs: the newer rows replace the rest */
    int regress = 0;
    while (r->n > 0 && r->rec[r->n - 1].epoch >= x->epoch) {
        r->n--;
        regress = 1;
    }
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 64;
        watch_rec *nr = realloc(r->rec, (size_t)cap * sizeof *nr);
        if (!nr)
            return -1;
        r->rec = nr;
        r->cap = cap;
    }
    if (r->n == 0)
        r->wall0 = isfinite(x->wall) ? x->wall : 0;
    r->rec[r->n++] = *x;
    if (regress)
        rebuild(r);
    else
        push_series(r, x);
    return 0;
}

static int poll_run(watch_run *r, void (*log)(void *, const char *), void *ctx)
{
    struct stat st;
    char msg[1300];
    if (stat(r->file, &st) != 0) {
        if (r->seen && log) {
            snprintf(msg, sizeof msg, "%s: metrics.jsonl is gone", r->label);
            log(ctx, msg);
        }
        r->seen = 0;
        return 0;
    }
    int changed = 0;
    if (r->seen && (st.st_size < r->pos || st.st_ino != r->ino)) {
        /* truncated or replaced (a resume rewrites it): read it afresh */
        r->pos = 0;
        r->n = 0;
        r->restarts++;
        rebuild(r);
        changed = 1;
        if (log) {
            snprintf(msg, sizeof msg, "%s: metrics.jsonl restarted, reading it again", r->label);
            log(ctx, msg);
        }
    }
    r->seen = 1;
    r->ino = st.st_ino;
    if (st.st_size <= r->pos)
        return changed;
    FILE *f = fopen(r->file, "r");
    if (!f)
        return changed;
    if (fseeko(f, r->pos, SEEK_SET) != 0) {
        fclose(f);
        return changed;
    }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n')
            break; /* a line still being written: next poll */
        r->pos += (off_t)len;
        watch_rec x;
        if (watch_parse_line(line, &x) == 0 && add_rec(r, &x) == 0)
            changed = 1;
    }
    fclose(f);
    return changed;
}

int watch_poll(watch_set *w, void (*log)(void *ctx, const char *line), void *ctx)
{
    int n = 0;
    for (int i = 0; i < w->n; i++)
        n += poll_run(&w->run[i], log, ctx) != 0;
    return n;
}

/* ---- exports -------------------------------------------------------------------- */

uint32_t watch_png_color(int i)
{
    static const uint32_t pal[] = {0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD,
                                   0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF};
    return pal[i % (int)(sizeof pal / sizeof pal[0])];
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputs(",", f);
}

int watch_write_csv(const watch_set *w, const char *path, char *err, size_t errcap)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    fputs("run,epoch,updates,seconds", f);
    for (int s = 0; s < WS_COUNT; s++)
        fprintf(f, ",%s", watch_series_key[s]);
    fputc('\n', f);
    for (int i = 0; i < w->n; i++) {
        const watch_run *r = &w->run[i];
        for (int k = 0; k < r->n; k++) {
            const watch_rec *x = &r->rec[k];
            fprintf(f, "%s", r->label);
            csv_num(f, x->epoch);
            csv_num(f, x->updates);
            csv_num(f, watch_x(r, x, PLOT_X_SECONDS));
            for (int s = 0; s < WS_COUNT; s++)
                csv_num(f, x->v[s]);
            fputc('\n', f);
        }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        snprintf(err, errcap, "%s: write failed: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

#define PNG_W 960
#define PNG_PANEL_H 480

/* A run drawn pale while another is highlighted: its colour 65% of the way
 * to white. */
static uint32_t pale(uint32_t c)
{
    uint32_t out = 0;
    for (int sh = 0; sh <= 16; sh += 8) {
        uint32_t v = (c >> sh) & 0xFF;
        out |= (v + (255 - v) * 65 / 100) << sh;
    }
    return out;
}

static int chart(const watch_set *w, watch_series ws, const watch_view *v, uint8_t *rgb, char *err,
                 size_t errcap)
{
    static const char *const xnames[PLOT_X_COUNT] = {"epoch", "updates", "seconds"};
    irvi_series ser[WATCH_MAX_RUNS + 1];
    double *buf[WATCH_MAX_RUNS] = {0};
    int ns = 0, rc = 0, hi = v->highlight - 1;
    /* the x range shown: the last zoom fraction of all visible rows' x, as
     * the terminal zooms */
    double xlo = INFINITY, xhi = -INFINITY;
    for (int i = 0; i < w->n; i++)
        for (int k = 0; !w->run[i].hidden && k < w->run[i].n; k++) {
            double x = watch_x(&w->run[i], &w->run[i].rec[k], v->xaxis);
            if (isfinite(x) && (!v->xlog || x > 0)) {
                xlo = fmin(xlo, x);
                xhi = fmax(xhi, x);
            }
        }
    int zoomed = v->zoom > 0 && v->zoom < 1 && xlo < xhi; /* else every row */
    double xmin = zoomed ? plot_zoom_lo(xlo, xhi, v->zoom, v->xlog) : -INFINITY;
    double best = -INFINITY, worst = INFINITY;
    for (int i = 0; i < w->n; i++) {
        const watch_run *r = &w->run[i];
        if (r->hidden)
            continue;
        double *xy = malloc((size_t)(2 * r->n + 2) * sizeof *xy);
        if (!xy) {
            rc = -1;
            break;
        }
        buf[ns] = xy;
        int n = 0;
        for (int k = 0; k < r->n; k++) {
            double x = watch_x(r, &r->rec[k], v->xaxis);
            if (!(x >= xmin))
                continue; /* zoomed out of view (the y range follows what is shown) */
            xy[n] = x;
            xy[r->n + n] = r->rec[k].v[ws];
            n++;
        }
        plot_ema(xy + r->n, n, v->smooth);
        for (int k = 0; k < n; k++)
            if (isfinite(xy[r->n + k])) {
                best = fmax(best, xy[r->n + k]);
                worst = fmin(worst, xy[r->n + k]);
            }
        uint32_t c = watch_png_color(r->color);
        ser[ns] = (irvi_series){r->label, xy, xy + r->n, n, hi >= 0 && i != hi ? pale(c) : c};
        ns++;
        if (i == hi) /* drawn again last, over the others */
            ser[WATCH_MAX_RUNS] = (irvi_series){NULL, xy, xy + r->n, n, c};
    }
    /* log y: the distance to the best value shown, as in the terminal */
    double eps = plot_log_eps(best - worst);
    for (int s = 0; v->ylog && s < ns; s++)
        for (int k = 0; k < ser[s].n; k++)
            ((double *)ser[s].y)[k] = best - ser[s].y[k] + eps;
    int drawn = ns;
    if (hi >= 0 && hi < w->n && !w->run[hi].hidden && rc == 0)
        ser[drawn++] = ser[WATCH_MAX_RUNS];
    char title[160], ylabel[96];
    snprintf(title, sizeof title, "%s%s%s%s", watch_series_key[ws], v->smooth > 0 ? ", EMA smoothed" : "",
             v->zoom > 0 && v->zoom < 1 ? ", last part" : "",
             hi >= 0 && hi < w->n ? ", one run highlighted" : "");
    if (v->ylog)
        snprintf(ylabel, sizeof ylabel, "best - %s (+%.2g), log", watch_series_key[ws], eps);
    else
        snprintf(ylabel, sizeof ylabel, "%s", watch_series_key[ws]);
    irvi_plot p = {.title = title, .xlabel = xnames[v->xaxis], .ylabel = ylabel,
                   .series = ser, .nseries = drawn, .xlog = v->xlog, .ylog = v->ylog};
    if (rc == 0) {
        irvi_status st = irvi_plot_render(&p, PNG_W, PNG_PANEL_H, rgb, (size_t)PNG_W * PNG_PANEL_H * 3);
        if (st != IRVI_OK) {
            snprintf(err, errcap, "watch: chart of %s failed", watch_series_key[ws]);
            rc = -1;
        }
    } else
        snprintf(err, errcap, "watch: out of memory");
    for (int i = 0; i < ns; i++)
        free(buf[i]);
    return rc;
}

int watch_write_png(const watch_set *w, const char *path, const watch_view *v, char *err,
                    size_t errcap)
{
    uint8_t *rgb = malloc((size_t)PNG_W * PNG_PANEL_H * 2 * 3);
    if (!rgb) {
        snprintf(err, errcap, "watch: out of memory");
        return -1;
    }
    int rc = chart(w, v->lb, v, rgb, err, errcap);
    if (rc == 0)
        rc = chart(w, WS_VALID_ESS, v, rgb + (size_t)PNG_W * PNG_PANEL_H * 3, err, errcap);
    if (rc == 0 && irvi_png_write(path, rgb, PNG_W, 2 * PNG_PANEL_H) != IRVI_OK) {
        snprintf(err, errcap, "%s: cannot write the PNG", path);
        rc = -1;
    }
    free(rgb);
    return rc;
}
