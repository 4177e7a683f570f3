/* substrate_digital.h — the networks behind open esn and lru substrates,
 * for the weight export (interface/npy.c) and the tests. Internal to
 * hydrores (double underscore): a substrate table has no operation for
 * this yet. */
#ifndef HR_SUBSTRATE_DIGITAL_H
#define HR_SUBSTRATE_DIGITAL_H

#include "reservoir/esn.h"
#include "reservoir/lru.h"
#include "reservoir/substrate.h"

extern const hr_substrate_type hr_substrate_esn;
extern const hr_substrate_type hr_substrate_lru;

/* The network of an open esn substrate, or NULL if s is not one. */
const hr_esn *hr__substrate_esn_net(const hr_substrate *s);

/* The network of an open lru substrate, or NULL if s is not one. */
const hr_lru *hr__substrate_lru_net(const hr_substrate *s);

#endif
