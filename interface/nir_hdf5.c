/* nir_hdf5.c — NIR graph files through libhdf5 (layout of nir.write /
 * nir.read in nir/serialization.py of neuromorphs/NIR 7232ada).
 *
 * Reading is total: every object is checked for its kind (group or
 * dataset), type class, rank and size before it is read, sizes are bounded,
 * and HDF5's own error printing is off (its errors become statuses with the
 * file's name and the object's path). */
#include "interface/nir.h"
#include "base/atomic.h"
#include "base/status.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_NODES 100000
#define MAX_EDGES 1000000
#define MAX_ELEMENTS 100000000ULL /* per dataset */
#define MAX_STRING 4096

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void quiet_hdf5(void)
{
    H5open();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* HDF5 is built without thread safety on Debian: one reader or writer at a
 * time in this process. */
static pthread_mutex_t h5_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- Reading helpers ---- */

typedef struct reader {
    const char *path;   /* the file (for messages) */
    hid_t file;
    hr_nir_graph *g;
} reader;

/* Does `name` exist under `loc` as a link? (Never fails loudly.) */
static int has_link(hid_t loc, const char *name)
{
    return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

/* The kind of object at loc/name: H5O_TYPE_GROUP, _DATASET, or -1. */
static int object_kind(hid_t loc, const char *name)
{
    H5O_info_t info;
    if (!has_link(loc, name))
        return -1;
    if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0)
        return -1;
    return (int)info.type;
}

/* Reads a scalar (or one-element) string dataset into buf. */
static int read_string(const reader *r, hid_t loc, const char *name, const char *where,
                       char *buf, size_t size)
{
    int st = HR_OK;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        return HR_ERROR(HR_ECORRUPT, "%s: %s/%s: cannot open the dataset (corrupt file?)",
                        r->path, where, name);
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    if (t < 0 || sp < 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: %s/%s: unreadable type or shape", r->path, where, name);
        goto done;
    }
    if (H5Tget_class(t) != H5T_STRING) {
        st = HR_ERROR(HR_EPARSE, "%s: %s/%s must be a string (found another type)", r->path,
                      where, name);
        goto done;
    }
    hssize_t npts = H5Sget_simple_extent_npoints(sp);
    if (npts != 1) {
        st = HR_ERROR(HR_EPARSE, "%s: %s/%s must be one string (found %lld)", r->path, where, name,
                      (long long)npts);
        goto done;
    }
    htri_t var = H5Tis_variable_str(t);
    if (var < 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: %s/%s: unreadable string type", r->path, where, name);
        goto done;
    }
    if (var) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t) == H5T_CSET_UTF8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
        char *s = NULL;
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) < 0 || !s) {
            st = HR_ERROR(HR_ECORRUPT, "%s: %s/%s: cannot read the string", r->path, where, name);
        } else if (strlen(s) >= size) {
            st = HR_ERROR(HR_ERANGE, "%s: %s/%s: string of %zu bytes (allowed: at most %zu)",
                          r->path, where, name, strlen(s), size - 1);
        } else {
            memcpy(buf, s, strlen(s) + 1);
        }
        if (s)
            H5free_memory(s);
        H5Tclose(mt);
    } else {
        size_t len = H5Tget_size(t);
        if (len == 0 || len >= size) {
            st = HR_ERROR(HR_ERANGE, "%s: %s/%s: string of %zu bytes (allowed: 1 .. %zu)",
                          r->path, where, name, len, size - 1);
            goto done;
        }
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, len);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        H5Tset_cset(mt, H5Tget_cset(t) == H5T_CSET_UTF8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
        memset(buf, 0, size);
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            st = HR_ERROR(HR_ECORRUPT, "%s: %s/%s: cannot read the string", r->path, where, name);
        buf[len] = '\0';
        /* Space padding (H5T_STR_SPACEPAD) leaves trailing blanks. */
        for (size_t k = strlen(buf); k > 0 && buf[k - 1] == ' '; k--)
            buf[k - 1] = '\0';
        H5Tclose(mt);
    }
done:
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return st;
}

/* Reads a numeric dataset (any integer or float class) as doubles. */
static int read_numeric(const reader *r, hid_t loc, const char *name, const char *where,
                        int *rank, size_t dims[HR_NIR_MAX_RANK], double **v, int *is_int)
{
    *v = NULL;
    int st = HR_OK;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        return HR_ERROR(HR_ECORRUPT, "%s: %s/%s: cannot open the dataset (corrupt file?)",
                        r->path, where, name);
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    if (t < 0 || sp < 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: %s/%s: unreadable type or shape", r->path, where, name);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(t);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        st = HR_ERROR(HR_EPARSE, "%s: %s/%s must be numeric (integers or floats; found %s)",
                      r->path, where, name, cls == H5T_STRING ? "a string" :
                      cls == H5T_ENUM ? "an enum (e.g. booleans)" : cls == H5T_COMPOUND ?
                      "a compound type" : "another HDF5 type");
        goto done;
    }
    *is_int = cls == H5T_INTEGER;
    int rk = H5Sget_simple_extent_ndims(sp);
    if (rk < 0 || rk > HR_NIR_MAX_RANK) {
        st = HR_ERROR(rk < 0 ? HR_ECORRUPT : HR_ERANGE, "%s: %s/%s has rank %d (allowed: 0 .. %d)",
                      r->path, where, name, rk, HR_NIR_MAX_RANK);
        goto done;
    }
    hsize_t hd[HR_NIR_MAX_RANK] = {0};
    if (rk > 0 && H5Sget_simple_extent_dims(sp, hd, NULL) < 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: %s/%s: unreadable shape", r->path, where, name);
        goto done;
    }
    unsigned long long n = 1;
    for (int k = 0; k < rk; k++) {
        if (hd[k] > MAX_ELEMENTS || (hd[k] && n > MAX_ELEMENTS / hd[k])) {
            st = HR_ERROR(HR_ERANGE, "%s: %s/%s is too large (allowed: at most %llu elements)",
                          r->path, where, name, MAX_ELEMENTS);
            goto done;
        }
        n *= hd[k];
        dims[k] = (size_t)hd[k];
    }
    *rank = rk;
    *v = malloc((size_t)(n ? n : 1) * sizeof **v);
    if (!*v) {
        st = HR_ERROR(HR_ENOMEM, "out of memory reading %s/%s of %s", where, name, r->path);
        goto done;
    }
    /* A contiguous dataset must hold all its bytes (a corrupt size makes
     * libhdf5 copy past its buffers). */
    hid_t dcpl = H5Dget_create_plist(d);
    H5D_layout_t lay = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (n && (lay == H5D_LAYOUT_ERROR ||
              (lay == H5D_CONTIGUOUS && H5Dget_storage_size(d) < n * H5Tget_size(t)))) {
        st = HR_ERROR(HR_ECORRUPT, "%s: %s/%s: the stored data is shorter than its shape says "
                      "(corrupt or truncated file)", r->path, where, name);
        goto done;
    }
    if (n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *v) < 0)
        st = HR_ERROR(HR_ECORRUPT, "%s: %s/%s: cannot read the data (corrupt or truncated file?)",
                      r->path, where, name);
done:
    if (st) {
        free(*v);
        *v = NULL;
    }
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return st;
}

/* The names of the links of a group, in name order (NIR reads by name). */
typedef struct names {
    int n, cap;
    char **v;
    int overflow;
} names;

static herr_t collect(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    names *ns = data;
    if (ns->n >= MAX_NODES) {
        ns->overflow = 1;
        return 1;
    }
    if (ns->n == ns->cap) {
        int cap = ns->cap ? 2 * ns->cap : 16;
        char **v = realloc(ns->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        ns->v = v;
        ns->cap = cap;
    }
    if (!(ns->v[ns->n] = strdup(name)))
        return -1;
    ns->n++;
    return 0;
}

static void names_free(names *ns)
{
    for (int i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
    memset(ns, 0, sizeof *ns);
}

static int list_group(const reader *r, hid_t grp, const char *where, names *ns)
{
    memset(ns, 0, sizeof *ns);
    hsize_t idx = 0;
    herr_t e = H5Literate(grp, H5_INDEX_NAME, H5_ITER_INC, &idx, collect, ns);
    if (ns->overflow) {
        names_free(ns);
        return HR_ERROR(HR_ERANGE, "%s: %s has more than %d entries", r->path, where, MAX_NODES);
    }
    if (e < 0) {
        names_free(ns);
        return HR_ERROR(HR_ECORRUPT, "%s: %s: cannot list the group (corrupt file?)", r->path,
                        where);
    }
    return HR_OK;
}

/* Reads a metadata group into the graph (node < 0) or a node. Strings and
 * numeric scalars are kept; other entries (arrays, groups) are skipped:
 * metadata is non-essential in NIR. */
static int read_metadata(reader *r, hid_t loc, const char *where, int node)
{
    hid_t m = H5Gopen2(loc, "metadata", H5P_DEFAULT);
    if (m < 0)
        return HR_ERROR(HR_ECORRUPT, "%s: %s/metadata: cannot open the group", r->path, where);
    char here[600];
    snprintf(here, sizeof here, "%s/metadata", where);
    names ns;
    int st = list_group(r, m, here, &ns);
    for (int i = 0; i < ns.n && !st; i++) {
        if (object_kind(m, ns.v[i]) != H5O_TYPE_DATASET || strlen(ns.v[i]) >= 64)
            continue;
        hid_t d = H5Dopen2(m, ns.v[i], H5P_DEFAULT);
        if (d < 0)
            continue;
        hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
        H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
        hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        if (t >= 0)
            H5Tclose(t);
        if (sp >= 0)
            H5Sclose(sp);
        H5Dclose(d);
        if (np != 1)
            continue;
        if (cls == H5T_STRING) {
            char buf[MAX_STRING];
            if (read_string(r, m, ns.v[i], here, buf, sizeof buf) == HR_OK)
                st = hr_nir_add_meta(r->g, node, ns.v[i], buf, 0);
            else
                hr_error_clear();
        } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
            int rank, isint;
            size_t dims[HR_NIR_MAX_RANK];
            double *v;
            if (read_numeric(r, m, ns.v[i], here, &rank, dims, &v, &isint) == HR_OK) {
                st = hr_nir_add_meta(r->g, node, ns.v[i], NULL, v[0]);
                free(v);
            } else {
                hr_error_clear();
            }
        }
    }
    names_free(&ns);
    H5Gclose(m);
    return st;
}

/* Reads one node group /node/nodes/<name>. */
static int read_node(reader *r, hid_t nodes, const char *name)
{
    char where[400];
    snprintf(where, sizeof where, "/node/nodes/%.300s", name);
    if (object_kind(nodes, name) != H5O_TYPE_GROUP)
        return HR_ERROR(HR_EPARSE, "%s: %s is not a group (each node is a group holding its "
                        "'type' and parameters)", r->path, where);
    if (strlen(name) >= HR_NIR_NAME)
        return HR_ERROR(HR_ERANGE, "%s: node name '%.40s...' is %zu bytes (allowed: at most %d)",
                        r->path, name, strlen(name), HR_NIR_NAME - 1);
    hid_t grp = H5Gopen2(nodes, name, H5P_DEFAULT);
    if (grp < 0)
        return HR_ERROR(HR_ECORRUPT, "%s: %s: cannot open the group", r->path, where);
    int st = HR_OK;
    names ns = {0};
    char type[64];
    if (object_kind(grp, "type") != H5O_TYPE_DATASET) {
        int attr = H5Aexists(grp, "type") > 0;
        st = HR_ERROR(HR_EPARSE, "%s: node '%s' has no 'type' dataset%s (NIR: KeyError: 'type')",
                      r->path, name, attr ? " (it is stored as an attribute; NIR needs a dataset)"
                                          : "");
        goto done;
    }
    if ((st = read_string(r, grp, "type", where, type, sizeof type)))
        goto done;
    int t = hr_nir_type_parse(type);
    if (t < 0) {
        st = HR_ERROR(HR_EPARSE, "%s: node '%s' has unknown type '%s' (NIR 1.0 types: Affine, "
                      "AvgPool2d, Conv1d, Conv2d, CubaLI, CubaLIF, Delay, Flatten, I, IF, Input, "
                      "LI, LIF, Linear, NIRGraph, Output, Scale, SumPool2d, Threshold)", r->path,
                      name, type);
        goto done;
    }
    if (t == HR_NIR_GRAPH) {
        st = HR_ERROR(HR_ENOTSUP, "%s: node '%s' is a nested NIRGraph (not supported: flatten "
                      "the subgraph into its parent)", r->path, name);
        goto done;
    }
    int idx;
    if ((st = hr_nir_add_node(r->g, name, t, &idx)))
        goto done;
    if ((st = list_group(r, grp, where, &ns)))
        goto done;
    for (int i = 0; i < ns.n && !st; i++) {
        const char *p = ns.v[i];
        if (strcmp(p, "type") == 0)
            continue;
        if (strcmp(p, "metadata") == 0 && object_kind(grp, p) == H5O_TYPE_GROUP) {
            st = read_metadata(r, grp, where, idx);
            continue;
        }
        if (object_kind(grp, p) != H5O_TYPE_DATASET) {
            st = HR_ERROR(HR_EPARSE, "%s: %s/%s is not a dataset (a node's parameters are "
                          "datasets)", r->path, where, p);
            break;
        }
        int rank, isint;
        size_t dims[HR_NIR_MAX_RANK];
        double *v;
        if ((st = read_numeric(r, grp, p, where, &rank, dims, &v, &isint)))
            break;
        st = hr_nir_set_param(r->g, idx, p, rank, dims, v, isint);
        free(v);
        if (st)
            st = hr_error_prefix(st, "%s", r->path);
    }
done:
    names_free(&ns);
    H5Gclose(grp);
    return st;
}

/* Reads /node/edges: an (n, 2) string dataset (or an empty one). */
static int read_edges(reader *r, hid_t node)
{
    if (object_kind(node, "edges") != H5O_TYPE_DATASET)
        return HR_ERROR(HR_EPARSE, "%s: /node/edges is missing or not a dataset (NIR: KeyError: "
                        "'edges')", r->path);
    hid_t d = H5Dopen2(node, "edges", H5P_DEFAULT);
    if (d < 0)
        return HR_ERROR(HR_ECORRUPT, "%s: /node/edges: cannot open", r->path);
    int st = HR_OK;
    char **s = NULL;
    char *fixed = NULL;
    hsize_t dims[2] = {0, 0};
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d), mt = -1;
    int rk = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (t < 0 || sp < 0 || rk < 0 || np < 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: /node/edges: unreadable type or shape", r->path);
        goto done;
    }
    if (np == 0)
        goto done; /* no edges (h5py writes an empty list as a (0,) float dataset) */
    if (H5Tget_class(t) != H5T_STRING || rk != 2 ||
        H5Sget_simple_extent_dims(sp, dims, NULL) < 0 || dims[1] != 2) {
        st = HR_ERROR(HR_EPARSE, "%s: /node/edges must be an (n, 2) array of node names (found "
                      "rank %d%s)", r->path, rk, H5Tget_class(t) != H5T_STRING ? ", not strings" : "");
        goto done;
    }
    if (dims[0] > MAX_EDGES) {
        st = HR_ERROR(HR_ERANGE, "%s: /node/edges has %llu edges (allowed: at most %d)", r->path,
                      (unsigned long long)dims[0], MAX_EDGES);
        goto done;
    }
    size_t n = (size_t)dims[0] * 2;
    htri_t var = H5Tis_variable_str(t);
    if (var < 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: /node/edges: unreadable string type", r->path);
        goto done;
    }
    mt = H5Tcopy(H5T_C_S1);
    size_t len = 0;
    if (var) {
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t) == H5T_CSET_UTF8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
        s = calloc(n, sizeof *s);
        if (!s) {
            st = HR_ERROR(HR_ENOMEM, "out of memory reading the edges of %s", r->path);
            goto done;
        }
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) < 0) {
            st = HR_ERROR(HR_ECORRUPT, "%s: /node/edges: cannot read the names", r->path);
            goto done;
        }
    } else {
        len = H5Tget_size(t);
        if (len == 0 || len > MAX_STRING) {
            st = HR_ERROR(HR_ERANGE, "%s: /node/edges: strings of %zu bytes (allowed: 1 .. %d)",
                          r->path, len, MAX_STRING);
            goto done;
        }
        H5Tset_size(mt, len);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        H5Tset_cset(mt, H5Tget_cset(t) == H5T_CSET_UTF8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
        fixed = calloc(n, len + 1);
        char *raw = calloc(n, len);
        if (!fixed || !raw) {
            free(raw);
            st = HR_ERROR(HR_ENOMEM, "out of memory reading the edges of %s", r->path);
            goto done;
        }
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
            free(raw);
            st = HR_ERROR(HR_ECORRUPT, "%s: /node/edges: cannot read the names", r->path);
            goto done;
        }
        for (size_t k = 0; k < n; k++) {
            memcpy(fixed + k * (len + 1), raw + k * len, len);
            char *e = fixed + k * (len + 1);
            for (size_t m = strlen(e); m > 0 && e[m - 1] == ' '; m--)
                e[m - 1] = '\0';
        }
        free(raw);
    }
    for (size_t k = 0; k < (size_t)dims[0] && !st; k++) {
        const char *a = var ? s[2 * k] : fixed + (2 * k) * (len + 1);
        const char *b = var ? s[2 * k + 1] : fixed + (2 * k + 1) * (len + 1);
        if (!a || !b) {
            st = HR_ERROR(HR_EPARSE, "%s: /node/edges row %zu has an empty name", r->path, k);
            break;
        }
        st = hr_nir_add_edge(r->g, a, b);
        if (st)
            st = hr_error_prefix(st, "%s: /node/edges row %zu", r->path, k);
    }
done:
    if (s) {
        if (mt >= 0 && sp >= 0)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, s);
        free(s);
    }
    free(fixed);
    if (mt >= 0)
        H5Tclose(mt);
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return st;
}

static int check_version(reader *r)
{
    if (!has_link(r->file, "version"))
        return HR_OK; /* nir.read does not read it either */
    if (object_kind(r->file, "version") != H5O_TYPE_DATASET)
        return HR_ERROR(HR_EPARSE, "%s: /version is not a dataset", r->path);
    int st = read_string(r, r->file, "version", "", r->g->version, sizeof r->g->version);
    if (st)
        return st;
    const char *v = r->g->version;
    char *end;
    errno = 0;
    long major = strtol(v, &end, 10);
    if (end == v || errno || (*end != '.' && *end != '\0'))
        return HR_ERROR(HR_EPARSE, "%s: /version = '%s' is not a version number (allowed: 1.x.y, "
                        "the NIR 1 layout)", r->path, v);
    if (major != 1)
        return HR_ERROR(HR_ENOTSUP, "%s: /version = '%s': NIR major version %ld (allowed: 1, the "
                        "layout this reader implements)", r->path, v, major);
    return HR_OK;
}

static int read_file(reader *r)
{
    int st = check_version(r);
    if (st)
        return st;
    if (object_kind(r->file, "node") != H5O_TYPE_GROUP)
        return HR_ERROR(HR_EPARSE, "%s: no /node group (not a NIR graph file?)", r->path);
    hid_t node = H5Gopen2(r->file, "node", H5P_DEFAULT);
    if (node < 0)
        return HR_ERROR(HR_ECORRUPT, "%s: /node: cannot open the group", r->path);
    char type[64];
    names ns = {0};
    if (object_kind(node, "type") != H5O_TYPE_DATASET) {
        st = HR_ERROR(HR_EPARSE, "%s: /node has no 'type' dataset (NIR: KeyError: 'type')",
                      r->path);
        goto done;
    }
    if ((st = read_string(r, node, "type", "/node", type, sizeof type)))
        goto done;
    if (strcmp(type, "NIRGraph") != 0) {
        st = HR_ERROR(HR_EPARSE, "%s: /node/type = '%s' (allowed: NIRGraph)", r->path, type);
        goto done;
    }
    if (object_kind(node, "nodes") != H5O_TYPE_GROUP) {
        st = HR_ERROR(HR_EPARSE, "%s: /node/nodes is missing or not a group (NIR: 'The incoming "
                      "dictionary must hade a 'nodes' entry')", r->path);
        goto done;
    }
    hid_t nodes = H5Gopen2(node, "nodes", H5P_DEFAULT);
    if (nodes < 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: /node/nodes: cannot open the group", r->path);
        goto done;
    }
    st = list_group(r, nodes, "/node/nodes", &ns);
    for (int i = 0; i < ns.n && !st; i++)
        st = read_node(r, nodes, ns.v[i]);
    H5Gclose(nodes);
    if (!st)
        st = read_edges(r, node);
    if (!st && object_kind(node, "metadata") == H5O_TYPE_GROUP)
        st = read_metadata(r, node, "/node", -1);
    /* Anything else in /node is what nir.read would pass to NIRGraph(). */
    names top = {0};
    if (!st && !(st = list_group(r, node, "/node", &top)))
        for (int i = 0; i < top.n && !st; i++)
            if (strcmp(top.v[i], "type") && strcmp(top.v[i], "nodes") &&
                strcmp(top.v[i], "edges") && strcmp(top.v[i], "metadata"))
                st = HR_ERROR(HR_EPARSE, "%s: unexpected entry /node/%s (allowed: type, nodes, "
                              "edges, metadata)", r->path, top.v[i]);
    names_free(&top);
done:
    names_free(&ns);
    H5Gclose(node);
    return st;
}

/* Reads the file with libhdf5 in this process (no graph check). */
static int read_direct(const char *path, hr_nir_graph **out)
{
    *out = NULL;
    pthread_once(&quiet_once, quiet_hdf5);
    pthread_mutex_lock(&h5_lock);
    int st = HR_OK;
    reader r = {.path = path, .file = -1, .g = hr_nir_graph_create()};
    if (!r.g) {
        st = HR_ERROR(HR_ENOMEM, "out of memory reading %s", path);
        goto done;
    }
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: not an HDF5 file (or a truncated one): NIR graphs are "
                      "HDF5 files", path);
        goto done;
    }
    r.file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (r.file < 0) {
        st = HR_ERROR(HR_ECORRUPT, "%s: cannot open as HDF5 (truncated or corrupt file)", path);
        goto done;
    }
    st = read_file(&r);
done:
    if (r.file >= 0)
        H5Fclose(r.file);
    pthread_mutex_unlock(&h5_lock);
    if (st) {
        hr_nir_graph_destroy(r.g);
        return st;
    }
    *out = r.g;
    return HR_OK;
}

/* ---- The reader process ----
 * libhdf5 1.10 is not total: some corrupt files make it read out of
 * bounds or loop (fuzzing found both, tests/reference/nir/crashers/). So
 * the file is read by a child process, which sends the graph (or the error)
 * back through a pipe in the small format below; a child that dies or
 * overruns the time limit turns into an error here, never a crash. The
 * parent then checks the graph (hr_nir_graph_check) itself. */

int hr__nir_read_timeout_ms = 10000;

typedef struct wbuf {
    unsigned char *p;
    size_t n, cap;
    int oom;
} wbuf;

static void put(wbuf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void put_u64(wbuf *b, uint64_t x) { put(b, &x, sizeof x); }

static void put_str(wbuf *b, const char *s)
{
    put_u64(b, strlen(s));
    put(b, s, strlen(s));
}

static void put_meta(wbuf *b, const hr_nir_meta *m, int n)
{
    put_u64(b, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        put_str(b, m[i].key);
        put_u64(b, m[i].text != NULL);
        if (m[i].text)
            put_str(b, m[i].text);
        else
            put(b, &m[i].num, sizeof m[i].num);
    }
}

static void serialize(wbuf *b, int st, const hr_nir_graph *g)
{
    put(b, "HRNIR1", 6);
    put_u64(b, (uint64_t)st);
    if (st) {
        put_str(b, hr_error_message());
        return;
    }
    put_str(b, g->version);
    put_u64(b, (uint64_t)g->nnodes);
    for (int i = 0; i < g->nnodes; i++) {
        const hr_nir_node *nd = &g->node[i];
        put_str(b, nd->name);
        put_u64(b, (uint64_t)nd->type);
        put_u64(b, (uint64_t)nd->nparams);
        for (int k = 0; k < nd->nparams; k++) {
            const hr_nir_array *a = &nd->param[k];
            put_str(b, a->name);
            put_u64(b, (uint64_t)a->rank);
            for (int r = 0; r < a->rank; r++)
                put_u64(b, a->dims[r]);
            put_u64(b, (uint64_t)a->is_int);
            put_u64(b, a->n);
            put(b, a->v, a->n * sizeof *a->v);
        }
        put_meta(b, nd->meta, nd->nmeta);
    }
    put_u64(b, (uint64_t)g->nedges);
    for (int e = 0; e < g->nedges; e++) {
        put_u64(b, (uint64_t)g->edge[e][0]);
        put_u64(b, (uint64_t)g->edge[e][1]);
    }
    put_meta(b, g->meta, g->nmeta);
}

typedef struct rbuf {
    const unsigned char *p;
    size_t n, at;
    int bad;
} rbuf;

static void get(rbuf *b, void *out, size_t n)
{
    if (b->bad || n > b->n - b->at) {
        b->bad = 1;
        memset(out, 0, n);
        return;
    }
    memcpy(out, b->p + b->at, n);
    b->at += n;
}

static uint64_t get_u64(rbuf *b)
{
    uint64_t x;
    get(b, &x, sizeof x);
    return x;
}

/* A string of at most max - 1 bytes into buf. */
static void get_str(rbuf *b, char *buf, size_t max)
{
    uint64_t n = get_u64(b);
    if (n >= max) {
        b->bad = 1;
        buf[0] = '\0';
        return;
    }
    get(b, buf, (size_t)n);
    buf[b->bad ? 0 : n] = '\0';
}

static int get_meta(rbuf *b, hr_nir_graph *g, int node)
{
    uint64_t n = get_u64(b);
    if (n > MAX_NODES)
        b->bad = 1;
    char *text = malloc(MAX_STRING + 1);
    int st = text ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory");
    for (uint64_t i = 0; i < n && !b->bad && !st; i++) {
        char key[64];
        get_str(b, key, sizeof key);
        uint64_t has = get_u64(b);
        double num = 0;
        if (has)
            get_str(b, text, MAX_STRING + 1);
        else
            get(b, &num, sizeof num);
        if (!b->bad)
            st = hr_nir_add_meta(g, node, key, has ? text : NULL, num);
    }
    free(text);
    return st;
}

static int deserialize(const unsigned char *p, size_t n, const char *path, hr_nir_graph **out)
{
    *out = NULL;
    rbuf b = {.p = p, .n = n};
    char magic[6];
    get(&b, magic, 6);
    if (b.bad || memcmp(magic, "HRNIR1", 6) != 0)
        return HR_ERROR(HR_ECORRUPT, "%s: the reader process sent nothing usable", path);
    uint64_t st = get_u64(&b);
    if (st) {
        char *msg = malloc(8192);
        if (!msg)
            return HR_ERROR(HR_ENOMEM, "out of memory");
        get_str(&b, msg, 8192);
        int code = st < HR_STATUS_COUNT ? (int)st : HR_ECORRUPT;
        int r = HR_ERROR(code, "%s", b.bad ? "the reader process failed" : msg);
        free(msg);
        return r;
    }
    hr_nir_graph *g = hr_nir_graph_create();
    int s = g ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory");
    if (!s)
        get_str(&b, g->version, sizeof g->version);
    uint64_t nn = get_u64(&b);
    if (nn > MAX_NODES)
        b.bad = 1;
    double *v = NULL;
    for (uint64_t i = 0; i < nn && !b.bad && !s; i++) {
        char name[HR_NIR_NAME];
        get_str(&b, name, sizeof name);
        uint64_t type = get_u64(&b), np = get_u64(&b);
        if (b.bad || type >= HR_NIR_NTYPES || np > HR_NIR_MAX_PARAMS) {
            b.bad = 1;
            break;
        }
        int idx;
        if ((s = hr_nir_add_node(g, name, (enum hr_nir_type)type, &idx)))
            break;
        for (uint64_t k = 0; k < np && !b.bad && !s; k++) {
            char pname[32];
            size_t dims[HR_NIR_MAX_RANK] = {0};
            get_str(&b, pname, sizeof pname);
            uint64_t rank = get_u64(&b);
            if (rank > HR_NIR_MAX_RANK) {
                b.bad = 1;
                break;
            }
            for (uint64_t r = 0; r < rank; r++)
                dims[r] = (size_t)get_u64(&b);
            uint64_t isint = get_u64(&b), cnt = get_u64(&b);
            if (b.bad || cnt > MAX_ELEMENTS || cnt * sizeof(double) > b.n - b.at) {
                b.bad = 1;
                break;
            }
            v = malloc((size_t)(cnt ? cnt : 1) * sizeof *v);
            if (!v) {
                s = HR_ERROR(HR_ENOMEM, "out of memory");
                break;
            }
            get(&b, v, (size_t)cnt * sizeof *v);
            uint64_t want = 1;
            for (uint64_t r = 0; r < rank; r++)
                want *= dims[r];
            if (want != cnt)
                b.bad = 1;
            if (!b.bad)
                s = hr_nir_set_param(g, idx, pname, (int)rank, dims, v, (int)isint);
            free(v);
            v = NULL;
        }
        if (!b.bad && !s)
            s = get_meta(&b, g, idx);
    }
    uint64_t ne = b.bad || s ? 0 : get_u64(&b);
    if (ne > MAX_EDGES)
        b.bad = 1;
    for (uint64_t e = 0; e < ne && !b.bad && !s; e++) {
        uint64_t a = get_u64(&b), c = get_u64(&b);
        if (b.bad || a >= (uint64_t)g->nnodes || c >= (uint64_t)g->nnodes) {
            b.bad = 1;
            break;
        }
        s = hr_nir_add_edge(g, g->node[a].name, g->node[c].name);
    }
    if (!b.bad && !s)
        s = get_meta(&b, g, -1);
    if (!s && (b.bad || b.at != b.n))
        s = HR_ERROR(HR_ECORRUPT, "%s: the reader process sent a damaged graph", path);
    if (s) {
        hr_nir_graph_destroy(g);
        return s;
    }
    *out = g;
    return HR_OK;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Did the child's stderr (a sanitizer's report) blame libhdf5? The report
 * names the faulting frames; the first one outside the sanitizer's own
 * interceptors decides. */
static int blames_hdf5(const char *err)
{
    const char *p = strstr(err, "Sanitizer");
    if (!p)
        return 0;
    for (const char *f = strstr(p, "    #"); f; f = strstr(f + 1, "    #")) {
        const char *eol = strchr(f, '\n');
        size_t len = eol ? (size_t)(eol - f) : strlen(f);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(len < 511 ? len : 511), f);
        if (strstr(line, "interceptor") || strstr(line, "sanitizer"))
            continue;
        return strstr(line, "libhdf5") != NULL;
    }
    return 0;
}

static int read_sandboxed(const char *path, hr_nir_graph **out)
{
    int fds[2], errfds[2];
    if (pipe(fds) != 0)
        return HR_ERROR(HR_EIO, "%s: cannot make a pipe for the reader process: %s", path,
                        strerror(errno));
    if (pipe(errfds) != 0) {
        close(fds[0]);
        close(fds[1]);
        return HR_ERROR(HR_EIO, "%s: cannot make a pipe for the reader process: %s", path,
                        strerror(errno));
    }
    pthread_mutex_lock(&h5_lock); /* no thread of ours is inside libhdf5 while we fork */
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: a crash here must be a plain signal, not a handler's
         * report (sanitizers install SIGSEGV handlers); what it prints (a
         * sanitizer's report) goes to the parent, which judges it. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        close(fds[0]);
        close(errfds[0]);
        dup2(errfds[1], 2);
        pthread_mutex_unlock(&h5_lock);
        hr_nir_graph *g = NULL;
        int st = read_direct(path, &g);
        wbuf b = {0};
        serialize(&b, st, g);
        int e = b.oom ? -1 : write_all(fds[1], b.p, b.n);
        _exit(e ? 3 : 0);
    }
    pthread_mutex_unlock(&h5_lock);
    close(fds[1]);
    close(errfds[1]);
    if (pid < 0) {
        close(fds[0]);
        close(errfds[0]);
        return HR_ERROR(HR_EIO, "%s: cannot start the reader process: %s", path, strerror(errno));
    }
    wbuf in = {0}, err = {0};
    unsigned char chunk[65536];
    int timed_out = 0, open_out = 1, open_err = 1;
    double waited = 0;
    while (open_out || open_err) {
        struct pollfd pf[2] = {{.fd = open_out ? fds[0] : -1, .events = POLLIN},
                               {.fd = open_err ? errfds[0] : -1, .events = POLLIN}};
        int pr = poll(pf, 2, 100);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            waited += 100;
            if (waited >= hr__nir_read_timeout_ms) {
                timed_out = 1;
                kill(pid, SIGKILL);
                break;
            }
            continue;
        }
        for (int k = 0; k < 2; k++) {
            if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(k ? errfds[0] : fds[0], chunk, sizeof chunk);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                if (k)
                    open_err = 0;
                else
                    open_out = 0;
                continue;
            }
            if (k) {
                if (err.n < 65536)
                    put(&err, chunk, (size_t)r);
            } else {
                put(&in, chunk, (size_t)r);
                if (in.n > ((size_t)1 << 33))
                    in.oom = 1;
            }
        }
        if (in.oom || err.oom) {
            kill(pid, SIGKILL);
            break;
        }
    }
    close(fds[0]);
    close(errfds[0]);
    put(&err, "", 1);
    const char *errtext = err.p && !err.oom ? (const char *)err.p : "";
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int st;
    if (timed_out)
        st = HR_ERROR(HR_ECORRUPT, "%s: reading took longer than %.0f s (libhdf5 loops on some "
                      "corrupt files): the file is corrupt", path, hr__nir_read_timeout_ms / 1000.0);
    else if (in.oom)
        st = HR_ERROR(HR_ENOMEM, "out of memory reading %s", path);
    else if (WIFSIGNALED(status))
        st = HR_ERROR(HR_ECORRUPT, "%s: libhdf5 crashed reading it (signal %d): the file is "
                      "corrupt", path, WTERMSIG(status));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && blames_hdf5(errtext))
        st = HR_ERROR(HR_ECORRUPT, "%s: libhdf5 crashed reading it (a sanitizer caught it "
                      "reading out of bounds): the file is corrupt", path);
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        st = HR_ERROR(HR_ECORRUPT, "%s: the reader process exited with status %d%s%.300s", path,
                      WIFEXITED(status) ? WEXITSTATUS(status) : -1, *errtext ? ": " : "",
                      errtext);
    else
        st = deserialize(in.p, in.n, path, out);
    free(in.p);
    free(err.p);
    return st;
}

int hr_nir_read(const char *path, hr_nir_graph **out)
{
    *out = NULL;
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return HR_ERROR(HR_EIO, "%s: cannot open: %s", path, strerror(errno));
    fclose(probe);
    const char *env = getenv("HR_NIR_IN_PROCESS");
    int st = env && strcmp(env, "1") == 0 ? read_direct(path, out) : read_sandboxed(path, out);
    if (!st && (st = hr_nir_graph_check(*out, path))) {
        hr_nir_graph_destroy(*out);
        *out = NULL;
    }
    return st;
}

/* ---- Writing ---- */

static hid_t string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static int write_string(hid_t loc, const char *name, const char *value)
{
    hid_t t = string_type(), sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = d < 0 ? -1 : H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    return e < 0 ? -1 : 0;
}

static int write_scalar(hid_t loc, const char *name, double value)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    return e < 0 ? -1 : 0;
}

/* An array parameter as h5py writes a numpy array: its dtype, gzip level 4
 * in one chunk of the whole shape (contiguous for scalars and empty ones). */
static int write_array(hid_t loc, const hr_nir_array *a, int as_int)
{
    hsize_t dims[HR_NIR_MAX_RANK];
    int empty = 0;
    for (int r = 0; r < a->rank; r++) {
        dims[r] = a->dims[r];
        empty |= dims[r] == 0;
    }
    hid_t sp = a->rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(a->rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (a->rank > 0 && !empty) {
        H5Pset_chunk(dcpl, a->rank, dims);
        H5Pset_deflate(dcpl, 4);
    }
    herr_t e = -1;
    hid_t d = H5Dcreate2(loc, a->name, as_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, sp, H5P_DEFAULT,
                         dcpl, H5P_DEFAULT);
    if (d >= 0) {
        if (as_int) {
            long long *iv = malloc((a->n ? a->n : 1) * sizeof *iv);
            if (iv) {
                for (size_t k = 0; k < a->n; k++)
                    iv[k] = (long long)a->v[k];
                e = a->n ? H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv) : 0;
                free(iv);
            }
        } else {
            e = a->n ? H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->v) : 0;
        }
        H5Dclose(d);
    }
    H5Pclose(dcpl);
    H5Sclose(sp);
    return e < 0 ? -1 : 0;
}

static int write_meta(hid_t loc, const hr_nir_meta *m, int n)
{
    if (n == 0)
        return 0; /* nir.write skips empty metadata */
    hid_t g = H5Gcreate2(loc, "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    int e = 0;
    for (int i = 0; i < n && !e; i++)
        e = m[i].text ? write_string(g, m[i].key, m[i].text) : write_scalar(g, m[i].key, m[i].num);
    H5Gclose(g);
    return e;
}

static int write_graph(hid_t f, const hr_nir_graph *g)
{
    if (write_string(f, "version", g->version[0] ? g->version : HR_NIR_VERSION))
        return -1;
    hid_t node = H5Gcreate2(f, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (node < 0)
        return -1;
    int e = write_string(node, "type", "NIRGraph");
    /* edges: (n, 2) vlen UTF-8 strings, no compression. */
    if (!e) {
        const char **ends = malloc(((size_t)g->nedges * 2 + 1) * sizeof *ends);
        hid_t t = string_type();
        hsize_t dims[2] = {(hsize_t)g->nedges, 2};
        hid_t sp = H5Screate_simple(2, dims, NULL);
        hid_t d = H5Dcreate2(node, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        e = !ends || d < 0;
        for (int k = 0; k < g->nedges && !e; k++) {
            ends[2 * k] = g->node[g->edge[k][0]].name;
            ends[2 * k + 1] = g->node[g->edge[k][1]].name;
        }
        if (!e && g->nedges && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ends) < 0)
            e = 1;
        if (d >= 0)
            H5Dclose(d);
        H5Sclose(sp);
        H5Tclose(t);
        free(ends);
    }
    hid_t nodes = e ? -1 : H5Gcreate2(node, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    e |= nodes < 0;
    for (int i = 0; i < g->nnodes && !e; i++) {
        const hr_nir_node *nd = &g->node[i];
        hid_t ng = H5Gcreate2(nodes, nd->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (ng < 0) {
            e = 1;
            break;
        }
        e = write_string(ng, "type", hr_nir_type_name(nd->type));
        int shape_int = nd->type == HR_NIR_INPUT || nd->type == HR_NIR_OUTPUT;
        for (int k = 0; k < nd->nparams && !e; k++)
            e = write_array(ng, &nd->param[k], shape_int || nd->param[k].is_int);
        if (!e)
            e = write_meta(ng, nd->meta, nd->nmeta);
        H5Gclose(ng);
    }
    if (nodes >= 0)
        H5Gclose(nodes);
    if (!e)
        e = write_meta(node, g->meta, g->nmeta);
    H5Gclose(node);
    return e;
}

int hr_nir_write(const char *path, const hr_nir_graph *g)
{
    pthread_once(&quiet_once, quiet_hdf5);
    if (!path || !*path)
        return HR_ERROR(HR_EINVAL, "NIR file: empty path");
    size_t len = strlen(path);
    char *tmp = malloc(len + 32);
    if (!tmp)
        return HR_ERROR(HR_ENOMEM, "out of memory writing %s", path);
    snprintf(tmp, len + 32, "%s.tmp%ld", path, (long)getpid());
    pthread_mutex_lock(&h5_lock);
    int st = HR_OK;
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        st = HR_ERROR(HR_EIO, "%s: cannot create the NIR file (%s)", tmp, strerror(errno));
    } else {
        int e = write_graph(f, g);
        if (H5Fclose(f) < 0 || e)
            st = HR_ERROR(HR_EIO, "%s: writing the NIR graph failed (disk full?)", path);
    }
    pthread_mutex_unlock(&h5_lock);
    if (!st) {
        int fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            st = HR_ERROR(HR_EIO, "%s: fsync failed: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (!st && rename(tmp, path) != 0)
        st = HR_ERROR(HR_EIO, "%s: cannot rename the new NIR file into place: %s", path,
                      strerror(errno));
    if (st)
        unlink(tmp);
    else
        hr_sync_parent(path);
    free(tmp);
    return st;
}
