/* npy.h — NumPy .npy files (format version 1.0, numpy.lib.format): what a
 * numpy user or a hardware toolchain loads with numpy.load.
 *
 * Layout: the 6 bytes "\x93NUMPY", version bytes 1 and 0, the header length
 * H as a little-endian uint16, then H bytes of ASCII header, a Python dict
 * literal such as
 *     {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and ended by '\n' so that the data starts at a multiple
 * of 64 bytes, then the array's elements in C (row-major) order,
 * little-endian: '<f8' float64, '<i4' int32, '<c16' complex128 (real,
 * imaginary float64 pairs). */
#ifndef HR_NPY_H
#define HR_NPY_H

#include <stddef.h>

#include "reservoir/experiment.h"
#include "reservoir/pipeline.h"
#include "reservoir/substrate.h"

enum hr_npy_dtype { HR_NPY_F64 = 0, HR_NPY_I32 = 1, HR_NPY_C128 = 2 };

#define HR_NPY_MAXDIM 8

/* Writes an array of `ndim` (0 .. 8) dimensions `shape` from `data`
 * (doubles, int32_t, or interleaved re/im doubles for C128) to `path`,
 * atomically (temporary file, fsync, rename). HR_EIO with the path on
 * failure. */
int hr_npy_write(const char *path, int dtype, int ndim, const size_t *shape, const void *data);

/* The header text hr_npy_write puts before the data (for the tests): into
 * buf (NUL-terminated), its length with the padding and '\n' in *len. */
int hr_npy_header(int dtype, int ndim, const size_t *shape, char *buf, size_t size,
                  size_t *len);

/* Everything one evaluation used and produced, as .npy files in folder
 * `dir`, each name prefixed by `prefix` ("" or e.g. "cell3_"):
 *   X, X_test          readout matrix rows (training / held-out), float64
 *   y, y_test          targets;  pred, pred_test  the trained readout's predictions
 *   readout_weights    (columns + bias) x outputs: pred = X w (+ the last row, the
 *                      intercept, if readout.bias), if a readout was trained
 *   traces             runs x probes x samples (NaN-padded if runs differ), if kept
 * and the substrate's parameters as evaluated (esn: W, W_in, bias; lru:
 * Lambda, B, C (complex128), D; float64 values as used, i.e. dequantized if
 * quantized; with substrate.bits > 0 also the integer codes *_code (int32;
 * a trailing axis of 2 for the real and imaginary parts of complex ones)
 * and the row scales *_scale, value = scale[row] x code). `sub` is the open
 * substrate that ran (NULL: one is opened from e's substrate settings,
 * which draws the same weights; hr_worker_substrate gives the worker's). Substrates other than esn and lru export
 * no parameters. */
int hr_npy_write_result(const char *dir, const char *prefix, const hr_experiment *e,
                        const hr_result *r, const hr_substrate *sub);

#endif
