/* outdir.c — atomic result folders. */
#include "interface/outdir.h"
#include "base/status.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int hr_outdir_replaceable(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/config.xml", dir);
    int ok = access(path, F_OK) == 0;
    DIR *d = opendir(dir);
    struct dirent *ent;
    while (ok && d && (ent = readdir(d))) {
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..") && lstat(path, &sb) == 0 &&
            !S_ISREG(sb.st_mode))
            ok = 0;
    }
    if (d)
        closedir(d);
    if (!ok)
        return HR_ERROR(HR_EEXIST, "--out %s: exists and is not a hydrores results folder, so "
                        "--force will not replace it (allowed: a new folder, or one hydrores "
                        "wrote: config.xml and plain files)", dir);
    return HR_OK;
}

int hr_outdir_begin(hr_outdir *o, const char *dir, int force)
{
    memset(o, 0, sizeof *o);
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
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%d", o->final, (int)getpid());
    if (hr_mkdir_parents(o->final))
        return HR_EIO;
    hr_remove_tree(o->tmp);
    if (mkdir(o->tmp, 0777) != 0)
        return HR_ERROR(HR_EIO, "--out %s: cannot create %s (%s)", o->final, o->tmp, strerror(errno));
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
    char old[1100];
    old[0] = '\0';
    struct stat sb;
    if (stat(o->final, &sb) == 0) {
        if (!o->force)
            return HR_ERROR(HR_EEXIST, "--out %s appeared while running; results are in %s",
                            o->final, o->tmp);
        snprintf(old, sizeof old, "%s.old-%d", o->final, (int)getpid());
        if (rename(o->final, old) != 0)
            return HR_ERROR(HR_EIO, "cannot move the old %s aside (%s); new results are in %s",
                            o->final, strerror(errno), o->tmp);
    }
    if (rename(o->tmp, o->final) != 0) {
        int err = errno;
        if (old[0])
            rename(old, o->final);
        return HR_ERROR(HR_EIO, "cannot rename %s to %s (%s)", o->tmp, o->final, strerror(err));
    }
    if (old[0])
        hr_remove_tree(old);
    return HR_OK;
}

void hr_outdir_abort(hr_outdir *o)
{
    if (o->tmp[0])
        hr_remove_tree(o->tmp);
}
