/* builtins.c — the list of every built-in kind, registered at start-up by
 * hr_init(). This file sits at the top of the library because it names kinds
 * of every layer; the layers below see only the registry (base/registry.h).
 * Adding a kind: its file, and one line here. */
#include "base/registry.h"
#include "base/status.h"
#include "reservoir/substrate.h"

#include <stdio.h>
#include <stdlib.h>

extern const hr_substrate_type hr_substrate_kdv;
extern const hr_substrate_type hr_substrate_tank;
extern const hr_substrate_type hr_substrate_process;
extern const hr_substrate_type hr_substrate_tcp;
extern const hr_substrate_type hr_substrate_replay;

static const hr_substrate_type *const substrates[] = {
    &hr_substrate_kdv,
    &hr_substrate_tank,
    &hr_substrate_process,
    &hr_substrate_tcp,
    &hr_substrate_replay,
};

/* A built-in that does not register is a programming error: say so loudly. */
static void must(int status)
{
    if (status) {
        fprintf(stderr, "hydrores: internal error registering a built-in kind: %s\n",
                hr_error_message());
        abort();
    }
}

void hr__register_builtins(void)
{
    for (size_t i = 0; i < sizeof substrates / sizeof substrates[0]; i++)
        must(hr_substrate_register(substrates[i]));
}
