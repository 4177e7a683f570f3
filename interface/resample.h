/* resample.h — a uniformly sampled signal at another uniform spacing, for
 * tanks that deliver a sample rate other than the one the readout works at.
 *
 *   linear  y(t) = linear interpolation between the two neighbouring samples.
 *   sinc    band-limited: a Lanczos-windowed sinc (a = 8 lobes) with its
 *           cut-off at the Nyquist frequency of the coarser of the two
 *           spacings, T = max(dt_in, dt_out):
 *             y(t) = sum_k w_k x_k / sum_k w_k,
 *             w_k = sinc((t - k dt_in) / T) sinc((t - k dt_in) / (a T)),
 *           over |t - k dt_in| < a T, sinc(u) = sin(pi u) / (pi u); samples
 *           beyond the ends are the end samples (the water is at rest before
 *           t = 0; the tank is asked for a margin after the end). Dividing by
 *           the weight sum keeps constants exact. Downsampling through it
 *           removes what the coarser rate cannot hold instead of aliasing it.
 * Equal spacings copy the samples unchanged (bit for bit). */
#ifndef HR_RESAMPLE_H
#define HR_RESAMPLE_H

enum hr_resample_method { HR_RESAMPLE_SINC = 0, HR_RESAMPLE_LINEAR = 1 };

/* Lobes of the Lanczos window. */
#define HR_RESAMPLE_LOBES 8

/* y[j] = the signal x (n samples, x[k] at t = k dt_in) at t = j dt_out for
 * j in [0, m). x has stride `xs` (x[k * xs]) and y stride `ys`, so a probe
 * of a row-major block can be resampled in place of a copy. HR_EINVAL for
 * n < 1, m < 0 or spacings that are not > 0. */
int hr_resample(const double *x, int n, int xs, double dt_in, double *y, int m, int ys,
                double dt_out, enum hr_resample_method method);

#endif
