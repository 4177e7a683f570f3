/* outdir.h — result folders that are never half-written and never
 * overwritten by accident: results are written into a fresh temporary
 * sibling folder and renamed into place at the end. An existing folder is
 * replaced only with --force (and only once the new results are complete). */
#ifndef HR_OUTDIR_H
#define HR_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

typedef struct hr_outdir {
    char final[1024]; /* the folder the user asked for */
    char tmp[1100];   /* where results are written until commit */
    int force;        /* replace an existing folder on commit */
} hr_outdir;

/* Checks that `dir` does not exist (or force is set and it is a results
 * folder: see hr_outdir_replaceable) and creates the temporary folder.
 * HR_EEXIST if dir exists without force, or is not a results folder. */
int hr_outdir_begin(hr_outdir *o, const char *dir, int force);

/* Opens a file inside the temporary folder for writing. NULL on failure
 * (with the error recorded). */
FILE *hr_outdir_open(const hr_outdir *o, const char *name);

/* Full path of a file in the temporary folder. */
void hr_outdir_path(const hr_outdir *o, const char *name, char *buf, size_t size);

/* Moves the finished results into place (replacing an old folder if force). */
int hr_outdir_commit(hr_outdir *o);

/* Removes the temporary folder and what is in it (after a failure). */
void hr_outdir_abort(hr_outdir *o);

/* Whether an existing folder may be replaced with --force: only a folder
 * hydrores wrote (it holds config.xml and no sub-folders), so a mistyped
 * --out can never delete anything else. HR_OK or HR_EEXIST with a message. */
int hr_outdir_replaceable(const char *dir);

/* Creates the folders above `path` that are missing (as mkdir -p does for
 * its parent). HR_OK or HR_EIO naming the folder that could not be made. */
int hr_mkdir_parents(const char *path);

/* Removes a folder of plain files (and sub-folders of them) and the folder
 * itself; 0 on success (or if it does not exist), -1 otherwise. */
int hr_remove_tree(const char *dir);

/* Closes f, reporting a write error (disk full) as HR_EIO. */
int hr_close_checked(FILE *f, const char *what);

#endif
