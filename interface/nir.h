/* nir.h — NIR graph files (HDF5, exactly the layout nir.write of
 * neuromorphs/NIR 7232ada writes and nir.read reads): reading into and
 * writing from the in-memory graphs of reservoir/nirgraph.h, through
 * libhdf5. The layout (/version; /node with type "NIRGraph", edges, nodes/
 * <name>/{type, parameters...}, optional metadata groups) is described in
 * tests/reference/nir/README.md. */
#ifndef HR_NIR_H
#define HR_NIR_H

#include "reservoir/nirgraph.h"

/* The NIR version whose layout this module writes ("1.0.7"). */
#define HR_NIR_VERSION "1.0.7"

/* Reads the NIR graph in `path` and checks it as nir.read does
 * (hr_nir_graph_check). A file without /version is accepted (nir.read
 * ignores it); a /version whose major number is not 1 is refused. Total: any
 * file gets either a graph or a status with a message naming the file and
 * the fault (HR_EIO cannot open, HR_ECORRUPT not HDF5 / truncated / an
 * unreadable object, HR_EPARSE a layout or content fault, HR_ENOTSUP a
 * nested graph or a newer major version, HR_ERANGE sizes beyond the
 * reader's limits). On failure *out is NULL. */
int hr_nir_read(const char *path, hr_nir_graph **out);

/* Writes the graph to `path` in NIR's layout (float64 parameters, int64
 * Input/Output shapes and integer parameters, gzip-compressed arrays as
 * h5py writes them, vlen UTF-8 strings), atomically: a temporary file in the
 * same folder, fsync, rename, fsync of the folder. The graph's version is
 * written if set, else HR_NIR_VERSION. */
int hr_nir_write(const char *path, const hr_nir_graph *g);

/* The reader runs libhdf5 in a child process (libhdf5 1.10 crashes or
 * loops on some corrupt files); this is how long it may take, in ms
 * (default 10000; tests lower it). HR_NIR_IN_PROCESS=1 in the environment
 * reads in this process instead (debugging). */
extern int hr__nir_read_timeout_ms;

#endif
