/* atomic.h — files that are either the old version or the new one, never a
 * torn mix: write a temporary file in the same folder, flush, fsync, rename
 * it over the target, then fsync the folder so the rename is durable. Every
 * result file, checkpoint and config hydrores writes goes through here. */
#ifndef HR_ATOMIC_H
#define HR_ATOMIC_H

#include <stddef.h>

/* Writes `len` bytes of `data` to `path` atomically (see above). `what`
 * names the file's role in messages ("checkpoint", "archive CSV"). On
 * failure (HR_EIO, HR_ENOMEM, HR_EINVAL for an empty path) the file at
 * `path`, if any, is untouched and the temporary file removed. */
int hr_write_atomic(const char *path, const void *data, size_t len, const char *what);

/* fsyncs the folder that holds `path` (so a rename into it is durable).
 * HR_OK, or HR_EIO (file systems that cannot sync folders are not errors). */
int hr_sync_parent(const char *path);

/* Fault injection for tests of the writer (0 in normal use):
 * 1 fails with HR_EIO after writing half the temporary file,
 * 2 _exit(3)s the process there (a kill in mid-write),
 * 3 fails the rename. */
extern int hr__atomic_fault;

#endif
