/* atomic.c — atomic file replacement (write, flush, fsync, rename, fsync
 * the folder). */
#include "base/atomic.h"
#include "base/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hr__atomic_fault = 0;

int hr_sync_parent(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return HR_ERROR(HR_ENOMEM, "'%s': out of memory", path);
    char *slash = strrchr(dir, '/');
    const char *d = ".";
    if (slash == dir)
        d = "/";
    else if (slash) {
        *slash = '\0';
        d = dir;
    }
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    int ds = dfd >= 0 ? fsync(dfd) : -1;
    int e = errno;
    if (dfd >= 0)
        close(dfd);
    int st = HR_OK;
    if (ds != 0 && e != EINVAL && e != ENOTSUP)
        st = HR_ERROR(HR_EIO, "its folder '%s' could not be synced: %s", d, strerror(e));
    free(dir);
    return st;
}

int hr_write_atomic(const char *path, const void *data, size_t len, const char *what)
{
    if (!path || !path[0])
        return HR_ERROR(HR_EINVAL, "%s: no file name given", what);
    size_t pl = strlen(path);
    char *tmp = malloc(pl + sizeof ".tmp.XXXXXX");
    if (!tmp)
        return HR_ERROR(HR_ENOMEM, "%s '%s': out of memory", what, path);
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return HR_ERROR(HR_EIO, "cannot create a temporary file for %s '%s': %s", what, path,
                        strerror(e));
    }
    (void)fchmod(fd, 0644);
    FILE *f = fdopen(fd, "wb");
    const char *step = "open";
    int e = 0;
    if (!f) {
        e = errno;
        close(fd);
        goto fail;
    }
    size_t first = hr__atomic_fault == 1 || hr__atomic_fault == 2 ? len / 2 : len;
    step = "write";
    if (fwrite(data, 1, first, f) != first) {
        e = errno;
        goto fail;
    }
    if (hr__atomic_fault == 1) {
        e = EIO;
        goto fail;
    }
    if (hr__atomic_fault == 2) {
        fflush(f);
        fsync(fileno(f));
        _exit(3);
    }
    step = "flush";
    if (fflush(f) != 0) {
        e = errno;
        goto fail;
    }
    step = "fsync";
    if (fsync(fileno(f)) != 0) {
        e = errno;
        goto fail;
    }
    step = "close";
    int rc = fclose(f);
    f = NULL;
    if (rc != 0) {
        e = errno;
        goto fail;
    }
    step = "rename";
    if (hr__atomic_fault == 3) {
        e = EIO;
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        goto fail;
    }
    free(tmp);
    int ds = hr_sync_parent(path);
    return ds ? hr_error_prefix(ds, "%s '%s' written", what, path) : HR_OK;
fail:
    if (f)
        fclose(f);
    unlink(tmp);
    int status = HR_ERROR(HR_EIO,
                          "cannot write %s '%s' (%s of temporary file '%s' failed: %s); the "
                          "previous file, if any, is untouched",
                          what, path, step, tmp, strerror(e ? e : EIO));
    free(tmp);
    return status;
}
