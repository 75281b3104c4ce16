/* tests/test_ckpt_faults.c — failed checkpoint writes leave the previous
 * checkpoint intact and loadable. tests/test_train.c covers a directory in
 * the way of the temporary file, a parent path that is a regular file or does
 * not exist, a failing rename and (not as root) a read-only directory; this
 * adds the cases where the write itself fails part-way:
 *
 *   disk full       the temporary name is a symlink to /dev/full: every
 *                   write() gets ENOSPC (no root or mounts needed)
 *   size limit      RLIMIT_FSIZE below the checkpoint's size: the write stops
 *                   part-way with EFBIG, a partial temporary file exists
 *   no directory    the temporary name is a dangling symlink into a missing
 *                   directory: the temporary file cannot be created
 *   killed writer   PATH.tmp.<pid> of a process that no longer exists (left
 *                   by SIGKILL) is removed by the next save of PATH; a live
 *                   writer's, another target's and a non-pid suffix are kept
 *   full tmpfs      in a child with its own mount namespace (unshare, as root
 *                   or through a user namespace) a 256 KiB tmpfs is filled up
 *                   and the next save fails with ENOSPC; skipped (with a note)
 *                   when namespaces or mounts are not permitted
 *
 * Each time: the call returns IRVI_EIO naming the path and the failing step,
 * the previous file is byte-identical and still resumes, no temporary file is
 * left, and a later save (fault gone) succeeds. Both writers are exercised:
 * irvi_trainer_save (checkpoint.irvi) and irvi_model_save (best.irvi).
 * Scratch files go under $IRVI_TMP/ckpt_faults.<pid> (removed at the end).
 */
#include "check.h"

#include <irvi/irvi.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GD 16
#define NTRAIN 60

static char root[1024];
static irvi_dataset *g_ds;

static const char *PATH(const char *rel)
{
    static char buf[8][1200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static int has(const char *needle) { return strstr(irvi_last_error(), needle) != NULL; }

static uint8_t *slurp(const char *p, long *n)
{
    *n = -1;
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n > 0 ? (size_t)*n : 1);
    if (fread(b, 1, (size_t)*n, f) != (size_t)*n)
        *n = -1;
    fclose(f);
    return b;
}

/* Number of "*.tmp.*" entries in the directory of path. */
static int temporaries(const char *dirpath)
{
    DIR *d = opendir(dirpath);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void make_data(void)
{
    static uint8_t x[(NTRAIN + 20) * GD];
    irvi_rng r;
    irvi_rng_seed(&r, 5, 0);
    for (size_t i = 0; i < sizeof x; i++)
        x[i] = irvi_rng_uniform(&r) < 0.3 + 0.4 * ((i % GD) < GD / 2);
    irvi_split s[3] = {{NTRAIN, GD, x, NULL}, {20, GD, x + NTRAIN * GD, NULL}, {0, GD, NULL, NULL}};
    CHECK_OK(irvi_dataset_from_memory("faults", 4, 4, s, &g_ds));
}

static irvi_trainer *make_trainer(void)
{
    irvi_arch a = {.D = GD, .L = 1, .H = {6}};
    irvi_model *m;
    irvi_trainer *t = NULL;
    if (irvi_model_create(&a, 9, &m))
        return NULL;
    irvi_model_set_mean(m, irvi_dataset_mean(g_ds));
    irvi_train_opts o;
    irvi_train_opts_default(&o);
    o.batch = 10;
    o.air.K = 2;
    o.air.M = 3;
    o.N = 4;
    o.test_air = o.air;
    o.valid_N = 3;
    CHECK_OK(irvi_trainer_create(m, g_ds, &o, 9, &t));
    return t;
}

static void steps(irvi_trainer *t, int n)
{
    for (int i = 0; i < n; i++) {
        if (irvi_trainer_epoch_done(t))
            CHECK_OK(irvi_trainer_end_epoch(t, NULL, NULL, NULL));
        CHECK_OK(irvi_trainer_step(t, NULL));
    }
}

/* The file at path still has exactly the bytes `want` and still loads. */
static void check_intact(const char *label, const char *path, const uint8_t *want, long n,
                         long updates)
{
    long n2;
    uint8_t *now = slurp(path, &n2);
    CHECK_MSG(now && n2 == n && !memcmp(now, want, (size_t)n), "%s: %s changed", label, path);
    free(now);
    irvi_model *m = NULL;
    CHECK_MSG(irvi_model_load(path, &m) == IRVI_OK, "%s: %s: %s", label, path, irvi_last_error());
    irvi_model_free(m);
    if (updates >= 0) {
        irvi_trainer *r = NULL;
        CHECK_MSG(irvi_trainer_resume(path, g_ds, &r) == IRVI_OK, "%s: %s", label,
                  irvi_last_error());
        CHECK_MSG(r && irvi_trainer_updates(r) == updates, "%s: resumed at update %ld, want %ld",
                  label, r ? irvi_trainer_updates(r) : -1L, updates);
        irvi_trainer_free(r);
    }
}

/* Save t (trainer, or its best model when model != 0) to path and expect a
 * failure naming path and `word`; then the old file is intact. */
static void expect_fail(const char *label, irvi_trainer *t, int model, const char *path,
                        const char *word, const uint8_t *old, long n, long old_updates)
{
    irvi_status st = model ? irvi_model_save(irvi_trainer_best(t), path)
                           : irvi_trainer_save(t, path);
    CHECK_MSG(st == IRVI_EIO, "%s: save gave %d (%s), want IRVI_EIO", label, st,
              irvi_last_error());
    CHECK_MSG(has(path) && has(word), "%s: message '%s' lacks the path or '%s'", label,
              irvi_last_error(), word);
    printf("%s: %s\n", label, irvi_last_error());
    check_intact(label, path, old, n, model ? -1 : old_updates);
}

static void tmp_name(char *buf, size_t cap, const char *path)
{
    snprintf(buf, cap, "%s.tmp.%ld", path, (long)getpid());
}

/* ---- disk full, dangling temporary, size limit ------------------------------ */

static void test_symlink_faults(int model)
{
    irvi_trainer *t = make_trainer();
    if (!t)
        return;
    const char *label = model ? "best.irvi" : "checkpoint.irvi";
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s", PATH(label));
    unlink(path);
    steps(t, 3);
    if (model)
        CHECK_OK(irvi_trainer_end_epoch(t, NULL, NULL, NULL)); /* a best copy */
    CHECK_OK(model ? irvi_model_save(irvi_trainer_best(t), path) : irvi_trainer_save(t, path));
    long n, upd = irvi_trainer_updates(t);
    uint8_t *old = slurp(path, &n);
    CHECK(old && n > 100);
    steps(t, 2);
    if (model)
        CHECK_OK(irvi_trainer_end_epoch(t, NULL, NULL, NULL));
    tmp_name(tmp, sizeof tmp, path);

    /* disk full: every write to the temporary file gets ENOSPC */
    if (access("/dev/full", W_OK) == 0) {
        unlink(tmp);
        CHECK(symlink("/dev/full", tmp) == 0);
        expect_fail(model ? "disk full (model)" : "disk full", t, model, path, "write", old, n, upd);
        struct stat sb;
        CHECK_MSG(lstat(tmp, &sb) != 0, "the temporary name was not removed");
        CHECK(stat("/dev/full", &sb) == 0 && S_ISCHR(sb.st_mode)); /* only the link went */
        unlink(tmp);
    } else {
        printf("no writable /dev/full: disk-full case skipped\n");
    }

    /* the temporary file cannot be created: dangling symlink into nowhere */
    unlink(tmp);
    CHECK(symlink(PATH("no/such/dir/x"), tmp) == 0);
    expect_fail(model ? "cannot create (model)" : "cannot create", t, model, path, "cannot create",
                old, n, upd);
    unlink(tmp);

    /* size limit: the write stops part-way (EFBIG), a partial file existed */
    struct rlimit keep;
    if (getrlimit(RLIMIT_FSIZE, &keep) == 0) {
        void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
        struct rlimit lim = keep;
        lim.rlim_cur = (rlim_t)(n / 2);
        if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
            irvi_status st = model ? irvi_model_save(irvi_trainer_best(t), path)
                                   : irvi_trainer_save(t, path);
            setrlimit(RLIMIT_FSIZE, &keep);
            CHECK_MSG(st == IRVI_EIO && has(path) && has("write") && has("large"),
                      "size limit: %d %s", st, irvi_last_error());
            printf("%s: %s\n", model ? "size limit (model)" : "size limit", irvi_last_error());
            check_intact("size limit", path, old, n, model ? -1 : upd);
        } else {
            printf("cannot lower RLIMIT_FSIZE: size-limit case skipped\n");
        }
        signal(SIGXFSZ, prev);
    }
    CHECK(temporaries(root) == 0);

    /* the fault gone, the next save works and holds the new state */
    CHECK_OK(model ? irvi_model_save(irvi_trainer_best(t), path) : irvi_trainer_save(t, path));
    if (!model) {
        irvi_trainer *r = NULL;
        CHECK_OK(irvi_trainer_resume(path, g_ds, &r));
        CHECK(r && irvi_trainer_updates(r) == irvi_trainer_updates(t));
        irvi_trainer_free(r);
    }
    free(old);
    irvi_trainer_free(t);
}

/* ---- temporary files of killed writers ----------------------------------- */

static int exists(const char *p)
{
    struct stat sb;
    return lstat(p, &sb) == 0;
}

static void touch(const char *p)
{
    FILE *f = fopen(p, "w");
    CHECK_MSG(f != NULL, "cannot create %s", p);
    if (f) {
        fputs("half a checkpoint", f);
        fclose(f);
    }
}

/* A SIGKILLed writer leaves PATH.tmp.<pid> behind. The next save of PATH
 * removes those whose process is gone, and nothing else: not a live
 * writer's, not another target's, not a name whose suffix is no pid. */
static void test_stale_temps(void)
{
    irvi_trainer *t = make_trainer();
    if (!t)
        return;
    steps(t, 2);
    pid_t dead = fork(), alive = dead > 0 ? fork() : -1;
    if (dead == 0)
        _exit(0);
    if (alive == 0) {
        pause(); /* killed below */
        _exit(0);
    }
    CHECK(dead > 0 && alive > 0 && waitpid(dead, NULL, 0) == dead); /* reaped: the pid is free */
    char p_dead[1300], p_alive[1300], p_other[1300], p_junk[1300], p_dead2[1300];
    const char *path = PATH("stale.irvi");
    snprintf(p_dead, sizeof p_dead, "%s.tmp.%ld", path, (long)dead);
    snprintf(p_alive, sizeof p_alive, "%s.tmp.%ld", path, (long)alive);
    snprintf(p_junk, sizeof p_junk, "%s.tmp.%ldx", path, (long)dead);
    snprintf(p_other, sizeof p_other, "%s.tmp.%ld", PATH("other.irvi"), (long)dead);
    touch(p_dead);
    touch(p_alive);
    touch(p_junk);
    touch(p_other);
    CHECK_OK(irvi_trainer_save(t, path));
    CHECK_MSG(!exists(p_dead), "a dead writer's temporary file is still there: %s", p_dead);
    CHECK_MSG(exists(p_alive), "a live writer's temporary file was removed: %s", p_alive);
    CHECK_MSG(exists(p_junk), "a non-pid suffix was taken for a pid: %s", p_junk);
    CHECK_MSG(exists(p_other), "another target's temporary file was removed: %s", p_other);
    irvi_trainer *r = NULL;
    CHECK_OK(irvi_trainer_resume(path, g_ds, &r));
    CHECK(r && irvi_trainer_updates(r) == irvi_trainer_updates(t));
    irvi_trainer_free(r);
    /* model files (best.irvi) too, and a relative path (cleaned in ".") */
    snprintf(p_dead2, sizeof p_dead2, "%s.tmp.%ld", path, (long)dead);
    touch(p_dead2);
    CHECK_OK(irvi_model_save(irvi_trainer_best(t), path));
    CHECK_MSG(!exists(p_dead2), "model save left a dead writer's file: %s", p_dead2);
    char cwd[1024];
    if (getcwd(cwd, sizeof cwd) && chdir(root) == 0) {
        snprintf(p_dead2, sizeof p_dead2, "rel.irvi.tmp.%ld", (long)dead);
        touch(p_dead2);
        CHECK_OK(irvi_model_save(irvi_trainer_best(t), "rel.irvi"));
        CHECK_MSG(!exists(p_dead2), "relative path: a dead writer's file is left: %s", p_dead2);
        unlink("rel.irvi");
        CHECK(chdir(cwd) == 0);
    }
    printf("stale temporary files: the dead writer's removed (pid %ld), the live writer's "
           "(pid %ld), a non-pid suffix and another target's kept\n", (long)dead, (long)alive);
    kill(alive, SIGKILL);
    waitpid(alive, NULL, 0);
    unlink(p_alive);
    unlink(p_junk);
    unlink(p_other);
    unlink(path);
    irvi_trainer_free(t);
}

/* ---- a real full filesystem: tmpfs in a private mount namespace ---------- */

static int write_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t k = write(fd, s, strlen(s));
    close(fd);
    return k == (ssize_t)strlen(s) ? 0 : -1;
}

/* Own mount namespace (directly as root, else inside a user namespace) with
 * private propagation, so that nothing mounted here is seen outside. */
static int private_mounts(char *why, size_t cap)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWNS) != 0) {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            snprintf(why, cap, "unshare: %s", strerror(errno));
            return -1;
        }
        char map[64];
        write_str("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        if (write_str("/proc/self/uid_map", map)) {
            snprintf(why, cap, "uid_map: %s", strerror(errno));
            return -1;
        }
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        write_str("/proc/self/gid_map", map);
    }
    /* (source and type are ignored here; strings rather than NULL keep valgrind quiet) */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0) {
        snprintf(why, cap, "private propagation: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int tmpfs_child(irvi_trainer *older, irvi_trainer *newer, const char *mnt)
{
    char why[256];
    if (private_mounts(why, sizeof why) != 0 ||
        mount("irvi-test", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k") != 0) {
        if (!why[0] || !strstr(why, ":"))
            snprintf(why, sizeof why, "mount tmpfs: %s", strerror(errno));
        printf("full-filesystem case skipped: %s\n", why);
        return 77;
    }
    char path[1300], fill[1300];
    snprintf(path, sizeof path, "%s/checkpoint.irvi", mnt);
    snprintf(fill, sizeof fill, "%s/filler", mnt);
    CHECK_OK(irvi_trainer_save(older, path));
    long n;
    uint8_t *old = slurp(path, &n);
    /* fill the rest */
    int fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char block[4096];
    memset(block, 0xAB, sizeof block);
    long filled = 0;
    ssize_t k;
    while (fd >= 0 && (k = write(fd, block, sizeof block)) > 0)
        filled += k;
    int full = errno == ENOSPC;
    if (fd >= 0)
        close(fd);
    CHECK_MSG(full, "filling the tmpfs ended with %s", strerror(errno));
    printf("tmpfs of 256 KiB: checkpoint %ld bytes, filler %ld bytes\n", n, filled);
    irvi_status st = irvi_trainer_save(newer, path);
    CHECK_MSG(st == IRVI_EIO && has(path) && has("No space"), "full tmpfs: %d %s", st,
              irvi_last_error());
    printf("full tmpfs: %s\n", irvi_last_error());
    check_intact("full tmpfs", path, old, n, irvi_trainer_updates(older));
    st = irvi_model_save(irvi_trainer_model(newer), path);
    CHECK_MSG(st == IRVI_EIO && has("No space"), "full tmpfs, model: %d %s", st, irvi_last_error());
    check_intact("full tmpfs (model)", path, old, n, irvi_trainer_updates(older));
    CHECK(temporaries(mnt) == 0);
    /* room again: the save goes through */
    unlink(fill);
    CHECK_OK(irvi_trainer_save(newer, path));
    irvi_trainer *r = NULL;
    CHECK_OK(irvi_trainer_resume(path, g_ds, &r));
    CHECK(r && irvi_trainer_updates(r) == irvi_trainer_updates(newer));
    irvi_trainer_free(r);
    free(old);
    umount(mnt);
    return check_fail_ ? 1 : 0;
}

static void test_full_tmpfs(void)
{
    irvi_trainer *older = make_trainer(), *newer = make_trainer();
    if (!older || !newer)
        return;
    steps(older, 2);
    steps(newer, 7);
    char mnt[1200];
    snprintf(mnt, sizeof mnt, "%s", PATH("tmpfs"));
    mkdir(mnt, 0755);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        check_fail_ = 0;
        int rc = tmpfs_child(older, newer, mnt);
        fflush(stdout);
        /* the child's copies (leak checkers look at the child too) */
        irvi_trainer_free(older);
        irvi_trainer_free(newer);
        irvi_dataset_free(g_ds);
        _exit(rc);
    }
    int ws = 0;
    CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid);
    CHECK_MSG(WIFEXITED(ws) && (WEXITSTATUS(ws) == 0 || WEXITSTATUS(ws) == 77),
              "the full-filesystem child failed (status %d)", ws);
    /* nothing of the child's mount is visible here */
    CHECK(temporaries(mnt) == 0);
    irvi_trainer_free(older);
    irvi_trainer_free(newer);
}

int main(void)
{
    const char *tmp = getenv("IRVI_TMP");
    /* a directory of its own: several meson runs may share the build tree */
    snprintf(root, sizeof root, "%s/ckpt_faults.%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    mkdir(root, 0755);
    irvi_set_threads(1);
    make_data();
    if (!g_ds)
        return CHECK_DONE();
    test_symlink_faults(0);
    test_symlink_faults(1);
    test_stale_temps();
    test_full_tmpfs();
    irvi_dataset_free(g_ds);
    unlink(PATH("checkpoint.irvi"));
    unlink(PATH("best.irvi"));
    rmdir(PATH("tmpfs"));
    rmdir(root);
    return CHECK_DONE();
}
