/* builtins.c — the list of every built-in kind, registered at start-up by
 * hr_init(). This file sits at the top of the library because it names kinds
 * of every layer; the layers below see only the registry (base/registry.h).
 * Adding a kind: its file, and one line here. */
#include "base/registry.h"
#include "base/status.h"
#include "reservoir/encoder.h"
#include "reservoir/fitness.h"
#include "reservoir/fitness_multi.h"
#include "reservoir/substrate.h"
#include "tasks/task_kind.h"
#include "evolve/optimizer.h"

#include <stdio.h>
#include <stdlib.h>

/* Substrates (reservoir/substrate_*.c, interface/ drivers). */
extern const hr_substrate_type hr_substrate_kdv, hr_substrate_tank, hr_substrate_esn,
    hr_substrate_lru;
/* Neuromorphic substrates (reservoir/substrate_loihi.c, interface/substrate_nir.c). */
extern const hr_substrate_type hr_substrate_loihi_lif, hr_substrate_loihi_sdn, hr_substrate_nir;
/* A real tank and its recordings (interface/tank_driver.c, interface/replay.c). */
extern const hr_substrate_type hr_substrate_process, hr_substrate_tcp, hr_substrate_replay;
/* Encoders (reservoir/encoder.c). */
extern const hr_encoder_type hr_encoder_amplitude, hr_encoder_frequency, hr_encoder_phase,
    hr_encoder_digits, hr_encoder_stream;
/* Tasks (tasks/task_kinds.c). */
extern const hr_task_type hr_task_kind_xnor, hr_task_kind_digits, hr_task_kind_narma10,
    hr_task_kind_memory, hr_task_kind_mackey_glass;
/* Optimisers (evolve/ga.c, evolve/map_elites.c): declared in evolve_internal.h. */
extern const hr_optimizer_type hr_optimizer_cmaes, hr_optimizer_nsga2;
/* Fitness (reservoir/fitness.c). */
extern const hr_fitness_type hr_fitness_logdet, hr_fitness_det_abs, hr_fitness_logdet_gram,
    hr_fitness_score;
extern const hr_fitness_type hr_fitness_match; /* interface/fitness_match.c */

static const hr_optimizer_type *const optimizers[] = {
    &hr_optimizer_ga,
    &hr_optimizer_map_elites,
    &hr_optimizer_cmaes,
    &hr_optimizer_nsga2,
};

static const hr_substrate_type *const substrates[] = {
    &hr_substrate_kdv,
    &hr_substrate_tank,
    &hr_substrate_esn,
    &hr_substrate_lru,
    &hr_substrate_loihi_lif,
    &hr_substrate_loihi_sdn,
    &hr_substrate_nir,
    &hr_substrate_process,
    &hr_substrate_tcp,
    &hr_substrate_replay,
};

static const hr_encoder_type *const encoders[] = {
    &hr_encoder_amplitude, &hr_encoder_frequency, &hr_encoder_phase,
    &hr_encoder_digits,    &hr_encoder_stream,
};

static const hr_task_type *const tasks[] = {
    &hr_task_kind_xnor,   &hr_task_kind_digits,       &hr_task_kind_narma10,
    &hr_task_kind_memory, &hr_task_kind_mackey_glass,
};

static const hr_fitness_type *const fitnesses[] = {
    &hr_fitness_logdet,
    &hr_fitness_det_abs,
    &hr_fitness_logdet_gram,
    &hr_fitness_score,
    &hr_fitness_multi,
    &hr_fitness_match,
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

#define EACH(list, reg)                                                  \
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)           \
        must(reg(list[i]))

void hr__register_builtins(void)
{
    EACH(substrates, hr_substrate_register);
    EACH(encoders, hr_encoder_register);
    EACH(tasks, hr_task_type_register);
    EACH(fitnesses, hr_fitness_register);
    EACH(optimizers, hr_optimizer_register);
}
