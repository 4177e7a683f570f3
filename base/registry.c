/* registry.c — the kind registry: a fixed array per class, filled at
 * start-up, read-only afterwards. */
#include "base/registry.h"
#include "base/status.h"

#include <stdio.h>
#include <string.h>

static const hr_kind *kinds[HR_CLASS_COUNT][HR_REGISTRY_MAX];
static int nkinds[HR_CLASS_COUNT];

static const char *const class_names[HR_CLASS_COUNT] = {
    [HR_CLASS_SUBSTRATE] = "substrate", [HR_CLASS_ENCODER] = "encoder",
    [HR_CLASS_TASK] = "task",           [HR_CLASS_FITNESS] = "fitness",
    [HR_CLASS_OPTIMIZER] = "evolve",
};

const char *hr_class_name(enum hr_class cls)
{
    return (int)cls >= 0 && cls < HR_CLASS_COUNT ? class_names[cls] : "unknown";
}

int hr_kind_register(const hr_kind *k)
{
    if (!k || !k->name || !k->name[0])
        return HR_ERROR(HR_EINVAL, "hr_kind_register: a kind needs a name");
    if ((int)k->cls < 0 || k->cls >= HR_CLASS_COUNT)
        return HR_ERROR(HR_EINVAL, "kind '%s': class %d is unknown (allowed: 0 .. %d)", k->name,
                        (int)k->cls, HR_CLASS_COUNT - 1);
    if (k->version < 1)
        return HR_ERROR(HR_EINVAL, "%s kind '%s' has interface version %d (allowed: >= 1)",
                        class_names[k->cls], k->name, k->version);
    if (strlen(k->name) >= 32)
        return HR_ERROR(HR_EINVAL, "%s kind '%s': the name is too long (allowed: up to 31 "
                        "characters)", class_names[k->cls], k->name);
    for (int i = 0; i < nkinds[k->cls]; i++) {
        if (kinds[k->cls][i] == k)
            return HR_OK;
        if (strcmp(kinds[k->cls][i]->name, k->name) == 0)
            return HR_ERROR(HR_EEXIST, "%s kind '%s' is registered twice", class_names[k->cls],
                            k->name);
    }
    if (nkinds[k->cls] >= HR_REGISTRY_MAX)
        return HR_ERROR(HR_ERANGE, "%s kind '%s': the registry is full (allowed: %d kinds)",
                        class_names[k->cls], k->name, HR_REGISTRY_MAX);
    kinds[k->cls][nkinds[k->cls]++] = k;
    return HR_OK;
}

const hr_kind *hr_kind_find(enum hr_class cls, const char *name)
{
    if ((int)cls < 0 || cls >= HR_CLASS_COUNT || !name)
        return NULL;
    for (int i = 0; i < nkinds[cls]; i++)
        if (strcmp(kinds[cls][i]->name, name) == 0)
            return kinds[cls][i];
    return NULL;
}

int hr_kind_count(enum hr_class cls)
{
    return (int)cls >= 0 && cls < HR_CLASS_COUNT ? nkinds[cls] : 0;
}

const hr_kind *hr_kind_at(enum hr_class cls, int i)
{
    if ((int)cls < 0 || cls >= HR_CLASS_COUNT || i < 0 || i >= nkinds[cls])
        return NULL;
    return kinds[cls][i];
}

char *hr_kind_names(enum hr_class cls, char *buf, size_t size)
{
    if (!size)
        return buf;
    buf[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < hr_kind_count(cls) && used + 1 < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", kinds[cls][i]->name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

int hr_kind_lookup(enum hr_class cls, const char *name, const hr_kind **out)
{
    *out = hr_kind_find(cls, name);
    if (*out)
        return HR_OK;
    char names[1024];
    return HR_ERROR(HR_EINVAL, "unknown %s kind '%s' (allowed: %s)", hr_class_name(cls),
                    name ? name : "(null)", hr_kind_names(cls, names, sizeof names));
}
