/* config.h — experiment files: XML read with libxml2, checked against the
 * settings tables and against the RELAX NG schema generated from them
 * (shipped as configs/hydrores.rng), and written back resolved.
 *
 * Every error is one line "FILE:LINE: what is wrong (allowed: ...)". */
#ifndef HR_CONFIG_H
#define HR_CONFIG_H

#include <stdio.h>

#include "reservoir/experiment.h"

/* Loads and validates an experiment file. On success *out owns a new
 * experiment; on failure *out is NULL and the error message has FILE:LINE. */
int hr_config_load(const char *path, hr_experiment **out);

/* Loads from memory (`name` is used in messages). */
int hr_config_load_memory(const char *xml, size_t size, const char *name, hr_experiment **out);

/* Writes the resolved experiment (every setting, defaults included, and the
 * genes) as XML. */
int hr_config_write(const hr_experiment *e, FILE *f);

/* Writes it to a file path (atomically: temporary file, then rename). */
int hr_config_write_file(const hr_experiment *e, const char *path);

/* The resolved experiment as text (what hr_config_write writes), malloc'd;
 * without_budget drops the <evaluations> line (a run's identity without its
 * budget). NULL on failure. */
char *hr_config_text(const hr_experiment *e, int without_budget);

/* A file's text, likewise (NULL if it cannot be read). */
char *hr_config_text_of_file(const char *path, int without_budget);

/* Writes the RELAX NG schema generated from the settings tables. */
int hr_config_write_schema(FILE *f);

#endif
