/* sw_k64.c — the shallow-water kernels in double precision (the template
 * sw_kernel.h compiled with SW_REAL = double). */
#define SW_REAL double
#define SW_TABLE hr_sw__kernel_f64
#include "shallowwater/sw_kernel.h"
