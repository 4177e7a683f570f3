/* front.c — front.csv of an NSGA-II run (see front.h). */
#include "reservoir/front.h"
#include "base/status.h"
#include "evolve/nsga2.h"
#include "reservoir/fitness_multi.h"

#include <stdio.h>

int hr_front_write(const hr_evo *evo, const hr_experiment *e, const char *dir)
{
    if (!evo || hr_evo_get_config(evo)->kind != HR_EVO_NSGA2)
        return HR_OK;
    const char *objectives[HR_MAX_OBJECTIVES], *genes[HR_MAX_GENES];
    int n;
    int st = hr_fitness_objectives(e->sec[HR_SEC_FITNESS], &n, objectives);
    if (st)
        return st;
    if (n != hr_evo_get_config(evo)->nobj)
        return HR_ERROR(HR_EINVAL, "front.csv: the fitness lists %d objectives, the run has %d",
                        n, hr_evo_get_config(evo)->nobj);
    for (int i = 0; i < e->ngenes; i++)
        genes[i] = e->genes[i].name;
    char path[1200];
    snprintf(path, sizeof path, "%s/front.csv", dir);
    return hr_nsga2_write_front(evo, path, objectives, genes);
}
