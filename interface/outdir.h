/* outdir.h — result folders that are never half-written, never overwritten
 * by accident, and never touched by two processes at once:
 * - results are written into a fresh temporary sibling folder
 *   (DIR.tmp-PID) and renamed into place at the end; a signal (SIGINT,
 *   SIGTERM) removes the temporary folder, and a later run removes those
 *   of processes that are gone;
 * - every folder hydrores writes carries a manifest (.hydrores) listing its
 *   files, so --force replaces only a folder whose every file hydrores
 *   wrote, and refuses naming any other;
 * - a process writing into a folder holds an advisory lock on it
 *   (.hydrores.lock, fcntl), and others are refused naming its pid. */
#ifndef HR_OUTDIR_H
#define HR_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

/* The manifest and lock file names inside a results folder. */
#define HR_OUTDIR_MANIFEST ".hydrores"
#define HR_OUTDIR_LOCK ".hydrores.lock"

typedef struct hr_outdir {
    char final[1024]; /* the folder the user asked for */
    char tmp[1100];   /* where results are written until commit */
    int force;        /* replace an existing folder on commit */
    int lock_fd;      /* the lock on tmp (and, after commit, on final), or -1 */
} hr_outdir;

/* Checks that `dir` does not exist (or force is set and it may be replaced:
 * see hr_outdir_replaceable), removes stale temporary folders of dir left by
 * processes that are gone, creates the temporary folder, locks it, and
 * removes it again if the process gets SIGINT or SIGTERM before the commit
 * (the signal then ends the process as it would have). HR_EEXIST if dir
 * exists without force or cannot be replaced. */
int hr_outdir_begin(hr_outdir *o, const char *dir, int force);

/* Opens a file inside the temporary folder for writing. NULL on failure
 * (with the error recorded). */
FILE *hr_outdir_open(const hr_outdir *o, const char *name);

/* Full path of a file in the temporary folder. */
void hr_outdir_path(const hr_outdir *o, const char *name, char *buf, size_t size);

/* Writes the manifest and moves the finished results into place (replacing
 * an old folder if force, which is moved aside first and removed only once
 * the new one is in place). The lock is released. */
int hr_outdir_commit(hr_outdir *o);

/* Removes the temporary folder and what is in it (after a failure). */
void hr_outdir_abort(hr_outdir *o);

/* Whether an existing folder may be replaced with --force: only a folder
 * hydrores wrote (its manifest lists every file in it; sub-folders or
 * foreign files refuse, naming them) and that no process holds. HR_OK, or
 * HR_EEXIST with a message. */
int hr_outdir_replaceable(const char *dir);

/* Writes dir's manifest: every plain file now in it (but the manifest and
 * the lock), atomically. */
int hr_outdir_write_manifest(const char *dir);

/* Takes the lock of folder `dir` for the life of the process (or until
 * hr_outdir_unlock): *fd gets the lock file's descriptor. HR_EEXIST naming
 * the pid of the process that holds it, HR_EIO. */
int hr_outdir_lock(const char *dir, int *fd);

/* Releases a lock taken by hr_outdir_lock (fd < 0: nothing). */
void hr_outdir_unlock(int fd);

/* Removes the temporary (NAME.tmp-PID) and set-aside (NAME.old-PID) folders
 * of `dir` whose process is gone. */
void hr_outdir_clean_stale(const char *dir);

/* Removes the temporary folder `tmp` on SIGINT and SIGTERM (then ends the
 * process by the signal); NULL stops doing so. One folder at a time. */
void hr_outdir_remove_on_signal(const char *tmp);

/* Creates the folders above `path` that are missing (as mkdir -p does for
 * its parent). HR_OK or HR_EIO naming the folder that could not be made. */
int hr_mkdir_parents(const char *path);

/* Removes a folder of plain files (and sub-folders of them) and the folder
 * itself; 0 on success (or if it does not exist), -1 otherwise. */
int hr_remove_tree(const char *dir);

/* Closes f, reporting a write error (disk full) as HR_EIO. */
int hr_close_checked(FILE *f, const char *what);

#endif
