/* outdir.c — atomic, locked, manifest-carrying result folders. */
#define _GNU_SOURCE
#include "interface/outdir.h"
#include "base/atomic.h"
#include "base/status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int hr_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *ent;
    char path[2200];
    int rc = 0;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            rc |= hr_remove_tree(path);
        else if (unlink(path) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(dir) != 0)
        rc = -1;
    return rc;
}

int hr_mkdir_parents(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *c = buf + 1; *c; c++) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            int err = errno;
            *c = '/';
            return HR_ERROR(HR_EIO, "cannot create folder %.*s (%s)", (int)(c - buf), buf,
                            strerror(err));
        }
        *c = '/';
    }
    return HR_OK;
}

/* ---- Locks ---- */

int hr_outdir_lock(const char *dir, int *fd)
{
    *fd = -1;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, HR_OUTDIR_LOCK);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0)
        return HR_ERROR(HR_EIO, "%s: cannot open the folder's lock %s (%s)", dir, path,
                        strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(f, F_SETLK, &fl) != 0) {
        struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        long pid = fcntl(f, F_GETLK, &who) == 0 && who.l_type != F_UNLCK ? (long)who.l_pid : -1;
        close(f);
        if (pid > 0)
            return HR_ERROR(HR_EEXIST, "%s is in use by process %ld (another hydrores writing "
                            "there); wait for it to end or stop it", dir, pid);
        return HR_ERROR(HR_EEXIST, "%s is in use by another process", dir);
    }
    *fd = f;
    return HR_OK;
}

void hr_outdir_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* closing releases the fcntl lock */
}

/* Whether some process holds dir's lock: its pid, or 0. */
static long lock_holder(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, HR_OUTDIR_LOCK);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return 0;
    struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    long pid = fcntl(f, F_GETLK, &who) == 0 && who.l_type != F_UNLCK ? (long)who.l_pid : 0;
    close(f);
    return pid;
}

/* ---- Manifests ---- */

static int is_own_name(const char *name)
{
    return strcmp(name, HR_OUTDIR_MANIFEST) == 0 || strcmp(name, HR_OUTDIR_LOCK) == 0;
}

int hr_outdir_write_manifest(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return HR_ERROR(HR_EIO, "%s: cannot list the folder (%s)", dir, strerror(errno));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        closedir(d);
        return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    fprintf(f, "# hydrores results folder: the files hydrores wrote here\n");
    struct dirent *ent;
    char path[2200];
    while ((ent = readdir(d))) {
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (ent->d_name[0] == '.' && (!ent->d_name[1] || strcmp(ent->d_name, "..") == 0))
            continue;
        if (is_own_name(ent->d_name) || lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        fprintf(f, "%s\n", ent->d_name);
    }
    closedir(d);
    int st = fclose(f) == 0 ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory");
    snprintf(path, sizeof path, "%s/%s", dir, HR_OUTDIR_MANIFEST);
    if (!st)
        st = hr_write_atomic(path, text, len, "manifest");
    free(text);
    return st;
}

/* Whether `name` is listed in the manifest text. */
static int listed(const char *manifest, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = manifest; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m == n && strncmp(p, name, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* A temporary file of the atomic writer (NAME.tmp.XXXXXX) left by a kill. */
static int atomic_leftover(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    return t && strlen(t) == 11;
}

int hr_outdir_replaceable(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, HR_OUTDIR_MANIFEST);
    FILE *f = fopen(path, "r");
    if (!f)
        return HR_ERROR(HR_EEXIST, "--out %s: exists and is not a hydrores results folder, so "
                        "--force will not replace it (it has no %s manifest; allowed: a new "
                        "folder, or one hydrores wrote)", dir, HR_OUTDIR_MANIFEST);
    char manifest[65536];
    size_t n = fread(manifest, 1, sizeof manifest - 1, f);
    manifest[n] = '\0';
    fclose(f);
    long pid = lock_holder(dir);
    if (pid)
        return HR_ERROR(HR_EEXIST, "--out %s is in use by process %ld; --force will not replace "
                        "it while it runs", dir, pid);
    DIR *d = opendir(dir);
    if (!d)
        return HR_ERROR(HR_EIO, "--out %s: cannot list it (%s)", dir, strerror(errno));
    char foreign[600] = "";
    int nforeign = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0 ||
            is_own_name(ent->d_name) || atomic_leftover(ent->d_name))
            continue;
        struct stat sb;
        char p[2200];
        snprintf(p, sizeof p, "%s/%s", dir, ent->d_name);
        int plain = lstat(p, &sb) == 0 && S_ISREG(sb.st_mode);
        if (plain && listed(manifest, ent->d_name))
            continue;
        if (nforeign++ < 5) {
            size_t u = strlen(foreign);
            snprintf(foreign + u, sizeof foreign - u, "%s%s%s", u ? ", " : "", ent->d_name,
                     plain ? "" : "/");
        }
    }
    closedir(d);
    if (nforeign)
        return HR_ERROR(HR_EEXIST, "--out %s holds %d file%s hydrores did not write (%s%s), so "
                        "--force will not replace it (allowed: move them out first, or a new "
                        "folder)", dir, nforeign, nforeign == 1 ? "" : "s", foreign,
                        nforeign > 5 ? ", ..." : "");
    return HR_OK;
}

/* ---- Stale folders ---- */

void hr_outdir_clean_stale(const char *dir)
{
    char parent[1024], base[512];
    const char *slash = strrchr(dir, '/');
    if (slash) {
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - dir), dir);
        if (!parent[0])
            snprintf(parent, sizeof parent, "/");
        snprintf(base, sizeof base, "%s", slash + 1);
    } else {
        snprintf(parent, sizeof parent, ".");
        snprintf(base, sizeof base, "%s", dir);
    }
    size_t bl = strlen(base);
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        const char *n = ent->d_name;
        if (strncmp(n, base, bl) != 0 ||
            (strncmp(n + bl, ".tmp-", 5) != 0 && strncmp(n + bl, ".old-", 5) != 0))
            continue;
        char *end;
        long pid = strtol(n + bl + 5, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its process is alive (or not ours to ask): leave it */
        char path[2200];
        snprintf(path, sizeof path, "%s/%s", parent, n);
        hr_remove_tree(path);
    }
    closedir(d);
}

/* ---- Removal on a signal ---- */

static int sig_dirfd = -1;            /* the temporary folder, opened */
static char sig_path[1200];           /* its path */
static struct sigaction sig_old[2];   /* the handlers before ours */

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Only async-signal-safe calls: getdents64, unlinkat, rmdir, raise. */
static void remove_and_die(int sig)
{
    if (sig_dirfd >= 0) {
        char buf[4096];
        /* Passes over the listing until one removes nothing (at most 100). */
        for (int pass = 0, removed = 1; removed && pass < 100; pass++) {
            removed = 0;
            lseek(sig_dirfd, 0, SEEK_SET);
            long n;
            while ((n = syscall(SYS_getdents64, sig_dirfd, buf, sizeof buf)) > 0)
                for (long off = 0; off < n;) {
                    struct linux_dirent64 *e = (struct linux_dirent64 *)(void *)(buf + off);
                    if (!(e->d_name[0] == '.' &&
                          (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) &&
                        unlinkat(sig_dirfd, e->d_name, 0) == 0)
                        removed = 1;
                    off += e->d_reclen;
                }
        }
        rmdir(sig_path);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void hr_outdir_remove_on_signal(const char *tmp)
{
    if (!tmp) {
        if (sig_dirfd >= 0) {
            sigaction(SIGINT, &sig_old[0], NULL);
            sigaction(SIGTERM, &sig_old[1], NULL);
            close(sig_dirfd);
            sig_dirfd = -1;
        }
        return;
    }
    snprintf(sig_path, sizeof sig_path, "%s", tmp);
    sig_dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sig_dirfd < 0)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_and_die;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &sig_old[0]);
    sigaction(SIGTERM, &sa, &sig_old[1]);
}

/* ---- The folder's life ---- */

int hr_outdir_begin(hr_outdir *o, const char *dir, int force)
{
    memset(o, 0, sizeof *o);
    o->lock_fd = -1;
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof o->final)
        return HR_ERROR(HR_EINVAL, "--out '%s': not a usable folder name", dir);
    memcpy(o->final, dir, n);
    o->final[n] = '\0';
    o->force = force;
    struct stat sb;
    if (stat(o->final, &sb) == 0 && !force)
        return HR_ERROR(HR_EEXIST, "--out %s: already exists; results there are kept (allowed: a "
                        "new folder, or --force to replace it)", o->final);
    if (stat(o->final, &sb) == 0 && hr_outdir_replaceable(o->final))
        return HR_EEXIST;
    if (hr_mkdir_parents(o->final))
        return HR_EIO;
    hr_outdir_clean_stale(o->final);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%d", o->final, (int)getpid());
    hr_remove_tree(o->tmp);
    if (mkdir(o->tmp, 0777) != 0)
        return HR_ERROR(HR_EIO, "--out %s: cannot create %s (%s)", o->final, o->tmp, strerror(errno));
    int st = hr_outdir_lock(o->tmp, &o->lock_fd);
    if (st) {
        hr_remove_tree(o->tmp);
        return st;
    }
    hr_outdir_remove_on_signal(o->tmp);
    return HR_OK;
}

void hr_outdir_path(const hr_outdir *o, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", o->tmp, name);
}

FILE *hr_outdir_open(const hr_outdir *o, const char *name)
{
    char path[1200];
    hr_outdir_path(o, name, path, sizeof path);
    FILE *f = fopen(path, "w");
    if (!f)
        HR_ERROR(HR_EIO, "%s: cannot write (%s)", path, strerror(errno));
    return f;
}

int hr_close_checked(FILE *f, const char *what)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return HR_ERROR(HR_EIO, "%s: write error (%s)", what, strerror(errno));
    return HR_OK;
}

int hr_outdir_commit(hr_outdir *o)
{
    int st = hr_outdir_write_manifest(o->tmp);
    if (st)
        return st;
    char old[1100];
    old[0] = '\0';
    struct stat sb;
    if (stat(o->final, &sb) == 0) {
        if (!o->force)
            return HR_ERROR(HR_EEXIST, "--out %s appeared while running; results are in %s",
                            o->final, o->tmp);
        if ((st = hr_outdir_replaceable(o->final)))
            return hr_error_prefix(st, "results are in %s", o->tmp);
        snprintf(old, sizeof old, "%s.old-%d", o->final, (int)getpid());
        if (rename(o->final, old) != 0)
            return HR_ERROR(HR_EIO, "cannot move the old %s aside (%s); new results are in %s",
                            o->final, strerror(errno), o->tmp);
    }
    hr_outdir_remove_on_signal(NULL);
    if (rename(o->tmp, o->final) != 0) {
        int err = errno;
        if (old[0])
            rename(old, o->final);
        hr_outdir_remove_on_signal(o->tmp);
        return HR_ERROR(HR_EIO, "cannot rename %s to %s (%s)", o->tmp, o->final, strerror(err));
    }
    hr_sync_parent(o->final);
    if (old[0])
        hr_remove_tree(old);
    hr_outdir_unlock(o->lock_fd);
    o->lock_fd = -1;
    return HR_OK;
}

void hr_outdir_abort(hr_outdir *o)
{
    hr_outdir_remove_on_signal(NULL);
    if (o->tmp[0])
        hr_remove_tree(o->tmp);
    hr_outdir_unlock(o->lock_fd);
    o->lock_fd = -1;
}
