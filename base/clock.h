/* clock.h — the one monotonic clock of hydrores (timings, progress, ETA). */
#ifndef HR_CLOCK_H
#define HR_CLOCK_H

/* Seconds on a monotonic clock (CLOCK_MONOTONIC); only differences mean
 * anything. */
double hr_now(void);

#endif
