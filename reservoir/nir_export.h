/* nir_export.h — a loihi-lif reservoir (and a trained linear readout) as a
 * NIR graph (reservoir/nirgraph.h; interface/nir.h writes it to a file).
 *
 * Mapping, exact under the NIR runner's forward Euler at the reservoir's dt
 * (nirgraph.h), with NIR's current i = u / 64 and voltage v_nir = v / 64
 * (Loihi's integers over the activation and threshold shift of 6 bits):
 *   tau_syn = dt 4096 / (du + 1),  w_in = 4096 / (du + 1)   (so i <- i (1 - (du+1)/4096) + I)
 *   tau_mem = dt 4096 / dv,        r = 4096 / dv           (so v <- v (1 - dv/4096) + i + bias/64)
 *   v_leak = 64 bias / dv  (bias = the effective bias, mantissa << exponent)
 *   v_threshold = vth,  v_reset = 0
 *   Linear weights = mantissa * 2^shift (after Lava's clipping and truncation)
 * What the float graph does not reproduce: (1) the chip truncates both
 * decays toward zero every step, an error below one integer unit (1/64 of a
 * NIR unit) per step in u and v, which the leak bounds by 4096/(du+1) units
 * in u and 4096/dv (1 + 4096/(du+1)) units in v; (2) with a negative shift
 * Dense floors the shifted sum (up to 1 activation unit per step: export
 * with shifts >= 0 to avoid it); (3) the 24-bit wrap of u and clip of v.
 * Spikes are identical until a voltage lands within that error of the
 * threshold; in a recurrent network the runs part from there. dv = 0 (no
 * leak) has no CubaLIF form (tau_mem and r infinite) and is refused.
 * The time constants are those of forward Euler; a backend that integrates
 * exactly should use tau = -dt / ln(1 - d/4096) instead (the Euler value is
 * 8.1% longer at d = 600, 0.6% at d = 50; see the README). */
#ifndef HR_NIR_EXPORT_H
#define HR_NIR_EXPORT_H

#include "reservoir/nirgraph.h"
#include "reservoir/substrate_loihi.h"

/* A trained linear readout of the reservoir's trace features. */
typedef struct hr_nir_readout {
    int nfeat;        /* features: the recorded neurons (probes), one readout time */
    int nout;         /* outputs */
    int bias;         /* 1: w has an intercept row */
    const double *w;  /* (nfeat + bias) x nout, linreg.h's layout */
} hr_nir_readout;

/* Builds the NIR graph of a loihi-lif network: Input[lines] -> Linear ->
 * CubaLIF[neurons] with a recurrent Linear, then the readout: for trace
 * "spikes" CubaLIF -> Affine -> Output; for "filtered" CubaLIF -> Linear
 * (selects the probes) -> LI (tau = filter_tau dt, r = filter_tau) ->
 * Affine -> Output. Without a readout (ro NULL) the Output is the recorded
 * spikes or filtered spikes themselves (for "v", "u", "counts": the
 * spikes). Graph metadata records dt, the encoding and the mapping.
 * HR_ENOTSUP for dv = 0 and for a readout of "v", "u" or "counts" traces
 * (NIR neuron nodes output spikes); HR_EINVAL if the readout does not fit
 * the probes. On failure *out is NULL. */
int hr_nir_export_loihi_lif(const hr_loihi_lif_net *net, const hr_nir_readout *ro,
                            hr_nir_graph **out);

#endif
