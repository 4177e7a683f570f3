/* sw_k32.c — the shallow-water kernels in single precision (the template
 * sw_kernel.h compiled with SW_REAL = float). */
#define SW_REAL float
#define SW_F32 1
#define SW_TABLE hr_sw__kernel_f32
#include "shallowwater/sw_kernel.h"
