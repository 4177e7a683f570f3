/* registry.h — one registry for every pluggable kind of hydrores.
 *
 * A kind is a versioned const table (GSL's gsl_rng_type, SQLite's
 * sqlite3_vfs): it starts with an hr_kind header (class, name, doc, its
 * settings table, capability flags) followed by the operations of its class
 * (substrate, encoder, task, fitness, optimiser). Kinds are registered once
 * at start-up (SQLite's sqlite3_vfs_register), serially; afterwards the
 * registry is read-only, so any thread may look kinds up.
 *
 * Everything that lists kinds comes from here: the "(allowed: ...)" lists
 * in error messages, the RELAX NG schema, `--help`. Adding a kind is one new
 * file with its table plus one line in interface/builtins.c (or one
 * hr_kind_register call from a program of one's own). */
#ifndef HR_REGISTRY_H
#define HR_REGISTRY_H

#include <stddef.h>

#include "base/params.h"

/* The classes of pluggable parts. */
enum hr_class {
    HR_CLASS_SUBSTRATE = 0, /* stimulus -> probe traces (reservoir/substrate.h) */
    HR_CLASS_ENCODER,       /* input sample -> stimulus (reservoir/encoder.h) */
    HR_CLASS_TASK,          /* samples, targets and scoring (tasks/tasks.h) */
    HR_CLASS_FITNESS,       /* evaluation -> objectives (reservoir/fitness.h) */
    HR_CLASS_OPTIMIZER,     /* ask/tell search over genomes (evolve/evolve.h) */
    HR_CLASS_COUNT
};

/* The header every kind's table starts with. */
typedef struct hr_kind {
    int version;                 /* version of its class's interface the table was
                                    written for (HR_SUBSTRATE_VERSION, ...); the
                                    class's wrapper refuses versions it does not know */
    enum hr_class cls;           /* which class's table follows */
    const char *name;            /* kind name in experiment files ("kdv", "ga") */
    const char *doc;             /* one line for --help and the schema */
    const hr_param_spec *params; /* its settings (terminated by a NULL name) */
    unsigned flags;              /* class-specific capability flags */
} hr_kind;

/* Most kinds per class. */
#define HR_REGISTRY_MAX 64

/* Registers a kind. HR_EINVAL for a bad header (NULL name, unknown class,
 * version < 1), HR_EEXIST if its class already has
 * a kind of that name, HR_ERANGE if the class is full. The header is
 * checked here (class, name, version >= 1); the class's own checks (the
 * highest version it knows, its required operations) happen where the kind
 * is opened. Call serially, before
 * any thread looks kinds up. Registering the same table twice is a no-op. */
int hr_kind_register(const hr_kind *kind);

/* The kind of class `cls` named `name`, or NULL. */
const hr_kind *hr_kind_find(enum hr_class cls, const char *name);

/* Kinds of class `cls`, in registration order: their number, and the i-th. */
int hr_kind_count(enum hr_class cls);
const hr_kind *hr_kind_at(enum hr_class cls, int i);

/* Writes the names of class `cls`'s kinds as "a, b, c" into buf (for
 * "(allowed: ...)" messages); returns buf. */
char *hr_kind_names(enum hr_class cls, char *buf, size_t size);

/* The class's name as in experiment files ("substrate", "encoder", "task",
 * "fitness", "evolve"). */
const char *hr_class_name(enum hr_class cls);

/* Looks `name` up in class `cls` and raises HR_EINVAL "unknown <class> kind
 * 'x' (allowed: ...)" if there is none. */
int hr_kind_lookup(enum hr_class cls, const char *name, const hr_kind **out);

/* Registers every built-in kind of the library. Defined at the top of the
 * library (interface/builtins.c, which knows every layer) and called by
 * hr_init(); the lower layers only ever see the registry, never the list. */
void hr__register_builtins(void);

#endif
