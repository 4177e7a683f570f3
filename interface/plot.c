/* plot.c — the figure layer of plot.h on cairo: recorded items, ranges,
 * ticks, layout and drawing, and the PNG / SVG / PDF writers. */
#include "interface/plot.h"
#include "base/atomic.h"
#include "base/status.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Font sizes (pt) and lengths (pt) of the layout. */
#define FONT "DejaVu Sans"
#define FS_TICK 8.0
#define FS_LABEL 9.0
#define FS_TITLE 10.0
#define FS_FIG 11.5
#define FS_CAPTION 8.0
#define FS_LEGEND 7.5
#define TICK_LEN 3.5
#define PAD 3.0
#define OUTER 5.0
#define CBAR_GAP 8.0
#define CBAR_W 9.0
#define MINUS "\xe2\x88\x92" /* U+2212 */
#define TIMES "\xc3\x97"     /* U+00D7 */

enum item_kind { IT_LINE, IT_HLINE, IT_VLINE, IT_TEXT, IT_HEATMAP };

typedef struct item {
    enum item_kind kind;  /* what it is */
    hr_plot_style st;     /* line / marker style (label copied into `label`) */
    char *label;          /* legend text or the text of IT_TEXT (owned) */
    int n;                /* points of a line */
    double *x, *y;        /* line points (owned) */
    double v;             /* h/vline position */
    double tx, ty, size;  /* text position (data) and size */
    hr_plot_anchor anchor;/* text anchor */
    int nx, ny;           /* heatmap cells */
    double *z;            /* heatmap values (owned) */
    double x0, x1, y0, y1;/* heatmap extent */
    hr_cmap cmap;         /* heatmap map */
    double vmin, vmax;    /* heatmap colour range */
} item;

struct hr_plot_axes {
    char title[256], xlabel[256], ylabel[256];
    int log[2];            /* x, y log scale */
    int lim_set[2];        /* x, y fixed range */
    double lim[2][2];      /* fixed ranges */
    int equal;             /* equal aspect */
    int yinvert;           /* y grows downwards */
    hr_plot_legend_pos legend;
    int grid;
    int nitems, cap;
    item *items;
    int cbar;              /* has a colour bar */
    char cbar_label[256];
    hr_cmap cbar_cmap;
    double cbar_lo, cbar_hi;
    int ncat;              /* y categories */
    char **cat;
    hr_plot_fig *fig;      /* owner (for the sticky status) */
};

struct hr_plot_fig {
    int rows, cols;
    double w, h;           /* pt */
    char title[512];
    char *caption;         /* owned */
    hr_plot_axes *ax;      /* rows * cols */
    int status;            /* first allocation failure, reported by write */
};

/* ---- Small helpers ---- */

int hr_plot_format_parse(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "png") == 0)
        return HR_PLOT_PNG;
    if (strcmp(name, "svg") == 0)
        return HR_PLOT_SVG;
    if (strcmp(name, "pdf") == 0)
        return HR_PLOT_PDF;
    return -1;
}

const char *hr_plot_format_ext(hr_plot_format f)
{
    return f == HR_PLOT_SVG ? "svg" : f == HR_PLOT_PDF ? "pdf" : "png";
}

int hr_plot_parse_length(const char *text, double dpi, const char *what, double *pt)
{
    char *end;
    double v = text ? strtod(text, &end) : NAN;
    double unit = 72; /* inches */
    if (text && end != text) {
        if (*end == '\0' || strcmp(end, "in") == 0)
            unit = 72;
        else if (strcmp(end, "cm") == 0)
            unit = 72 / 2.54;
        else if (strcmp(end, "mm") == 0)
            unit = 72 / 25.4;
        else if (strcmp(end, "pt") == 0)
            unit = 1;
        else if (strcmp(end, "px") == 0)
            unit = 72 / dpi;
        else
            v = NAN;
    }
    double p = v * unit;
    if (!text || end == text || !isfinite(p) || !(p > 0) || p > 7200)
        return HR_ERROR(HR_EINVAL, "%s '%s' is not a valid length (allowed: a number > 0 with "
                        "unit in (default), cm, mm, pt or px, at most 100 in)", what,
                        text ? text : "");
    *pt = p;
    return HR_OK;
}

hr_plot_style hr_plot_style_default(void)
{
    hr_plot_style s;
    memset(&s, 0, sizeof s);
    s.color = hr_plot_cycle(0);
    s.alpha = 1;
    s.width = 1.5;
    s.marker = HR_MARK_NONE;
    s.marker_size = 5;
    return s;
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* Writes v with `dec` decimals, a true minus sign, never "-0". */
static void fmt_fixed(char *buf, size_t size, double v, int dec)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", dec, v);
    int neg = tmp[0] == '-';
    if (neg) {
        int allzero = 1;
        for (const char *c = tmp + 1; *c; c++)
            if (*c >= '1' && *c <= '9')
                allzero = 0;
        if (allzero)
            neg = 0;
    }
    const char *digits = tmp + (tmp[0] == '-');
    size_t o = 0;
    if (neg && size > 4) {
        memcpy(buf, MINUS, 3);
        o = 3;
    }
    size_t n = strlen(digits);
    if (o + n >= size)
        n = size - o - 1;
    memcpy(buf + o, digits, n);
    buf[o + n] = '\0';
}

/* Decimals needed to write multiples of `step` exactly. */
static int decimals_of(double step)
{
    for (int d = 0; d < 12; d++) {
        double s = step * pow(10, d);
        if (fabs(s - round(s)) <= 1e-6 * fmax(1, fabs(s)))
            return d;
    }
    return 12;
}

static void fmt_exp(char *buf, size_t size, int e)
{
    if (e < 0)
        snprintf(buf, size, "10^{" MINUS "%d}", -e);
    else
        snprintf(buf, size, "10^{%d}", e);
}

/* ---- Ticks ---- */

int hr_plot_ticks_linear(double lo, double hi, int maxn, hr_plot_ticks *t)
{
    memset(t, 0, sizeof *t);
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return HR_ERROR(HR_EINVAL, "tick range [%g, %g] (allowed: finite, lo < hi)", lo, hi);
    maxn = maxn < 2 ? 2 : maxn > HR_PLOT_MAX_TICKS ? HR_PLOT_MAX_TICKS : maxn;
    static const double nice[] = {1, 2, 2.5, 5};
    double raw = (hi - lo) / (maxn - 1);
    double mag = pow(10, floor(log10(raw)));
    double step = 0;
    long k0 = 0, k1 = -1;
    for (int e = 0; e < 3 && !step; e++)
        for (int i = 0; i < 4; i++) {
            double s = nice[i] * mag * pow(10, e);
            double tol = 1e-9;
            long a = (long)ceil(lo / s - tol), b = (long)floor(hi / s + tol);
            if (b - a + 1 <= maxn) {
                step = s, k0 = a, k1 = b;
                break;
            }
        }
    if (!step)
        return HR_ERROR(HR_ERANGE, "no ticks for [%g, %g]", lo, hi);
    double amax = 0;
    for (long k = k0; k <= k1 && t->n < HR_PLOT_MAX_TICKS; k++) {
        double v = (double)k * step;
        if (fabs(v) < 1e-9 * step)
            v = 0;
        t->v[t->n++] = v;
        amax = fmax(amax, fabs(v));
    }
    double scale = 1;
    if (amax >= 1e5 || (amax > 0 && amax < 1e-3)) {
        int e = (int)floor(log10(amax) + 1e-12);
        scale = pow(10, e);
        char ex[32];
        fmt_exp(ex, sizeof ex, e);
        snprintf(t->offset, sizeof t->offset, TIMES "%s", ex);
    }
    int dec = decimals_of(step / scale);
    for (int i = 0; i < t->n; i++)
        fmt_fixed(t->label[i], sizeof t->label[i], t->v[i] / scale, dec);
    return HR_OK;
}

/* A label for a positive value on a log axis that is not a power of ten. */
static void fmt_log_value(char *buf, size_t size, double v)
{
    int e = (int)floor(log10(v) + 1e-9);
    if (e >= -3 && e < 5) {
        fmt_fixed(buf, size, v, e >= 0 ? 0 : -e);
    } else {
        char ex[32];
        fmt_exp(ex, sizeof ex, e);
        snprintf(buf, size, "%.0f" TIMES "%s", v / pow(10, e), ex);
    }
}

int hr_plot_ticks_log(double lo, double hi, hr_plot_ticks *t)
{
    memset(t, 0, sizeof *t);
    if (!isfinite(lo) || !isfinite(hi) || !(lo > 0) || !(lo < hi))
        return HR_ERROR(HR_EINVAL, "log tick range [%g, %g] (allowed: finite, 0 < lo < hi)", lo,
                        hi);
    double l0 = log10(lo), l1 = log10(hi);
    int e0 = (int)ceil(l0 - 1e-9), e1 = (int)floor(l1 + 1e-9);
    if (e1 - e0 + 1 >= 2) {
        int stride = 1;
        while ((e1 - e0) / stride + 1 > 8)
            stride++;
        int first = (int)ceil((double)e0 / stride) * stride;
        for (int e = first; e <= e1 && t->n < HR_PLOT_MAX_TICKS; e += stride) {
            t->v[t->n] = pow(10, e);
            fmt_exp(t->label[t->n], sizeof t->label[t->n], e);
            t->n++;
        }
        if (stride == 1)
            for (int e = e0 - 1; e <= e1; e++)
                for (int m = 2; m <= 9; m++) {
                    double v = m * pow(10, e);
                    if (v >= lo && v <= hi && t->nminor < 4 * HR_PLOT_MAX_TICKS)
                        t->minor[t->nminor++] = v;
                }
        return HR_OK;
    }
    static const int m125[] = {1, 2, 5};
    for (int e = (int)floor(l0) - 1; e <= (int)ceil(l1); e++)
        for (int i = 0; i < 3; i++) {
            double v = m125[i] * pow(10, e);
            if (v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12) && t->n < HR_PLOT_MAX_TICKS) {
                t->v[t->n] = v;
                fmt_log_value(t->label[t->n], sizeof t->label[t->n], v);
                t->n++;
            }
        }
    if (t->n >= 2)
        return HR_OK;
    return hr_plot_ticks_linear(lo, hi, 5, t);
}

void hr_plot_pad_range(double dlo, double dhi, int log, double pad, double *lo, double *hi)
{
    if (log) {
        double a = log10(dlo), b = log10(dhi);
        if (!(b > a)) {
            *lo = dlo / 2, *hi = dlo * 2;
            return;
        }
        double w = b - a;
        *lo = pow(10, a - pad * w);
        *hi = pow(10, b + pad * w);
        return;
    }
    if (!(dhi > dlo)) {
        double w = dlo != 0 ? fabs(dlo) / 10 : 1;
        *lo = dlo - w, *hi = dlo + w;
        return;
    }
    double w = dhi - dlo;
    *lo = dlo - pad * w;
    *hi = dhi + pad * w;
}

/* ---- Figures and items ---- */

hr_plot_fig *hr_plot_fig_create(int rows, int cols, double width_pt, double height_pt)
{
    if (rows < 1 || rows > 64 || cols < 1 || cols > 64 || !(width_pt >= 36) ||
        !(width_pt <= 7200) || !(height_pt >= 36) || !(height_pt <= 7200)) {
        HR_ERROR(HR_EINVAL, "figure of %d x %d panels, %g x %g pt (allowed: 1 .. 64 panels per "
                 "side, 36 .. 7200 pt)", rows, cols, width_pt, height_pt);
        return NULL;
    }
    hr_plot_fig *f = calloc(1, sizeof *f);
    if (!f || !(f->ax = calloc((size_t)rows * (size_t)cols, sizeof *f->ax))) {
        free(f);
        HR_ERROR(HR_ENOMEM, "out of memory for a figure");
        return NULL;
    }
    f->rows = rows, f->cols = cols, f->w = width_pt, f->h = height_pt;
    for (int i = 0; i < rows * cols; i++) {
        f->ax[i].fig = f;
        f->ax[i].legend = HR_LEGEND_BEST;
    }
    return f;
}

static void item_free(item *it)
{
    free(it->label);
    free(it->x);
    free(it->y);
    free(it->z);
}

void hr_plot_fig_destroy(hr_plot_fig *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->rows * f->cols; i++) {
        hr_plot_axes *a = &f->ax[i];
        for (int k = 0; k < a->nitems; k++)
            item_free(&a->items[k]);
        free(a->items);
        for (int k = 0; k < a->ncat; k++)
            free(a->cat[k]);
        free(a->cat);
    }
    free(f->ax);
    free(f->caption);
    free(f);
}

void hr_plot_fig_title(hr_plot_fig *f, const char *title) { copy_text(f->title, sizeof f->title, title); }

void hr_plot_fig_caption(hr_plot_fig *f, const char *caption)
{
    free(f->caption);
    f->caption = caption && caption[0] ? dupstr(caption) : NULL;
    if (caption && caption[0] && !f->caption && !f->status)
        f->status = HR_ERROR(HR_ENOMEM, "out of memory for a caption");
}

hr_plot_axes *hr_plot_panel(hr_plot_fig *f, int index)
{
    return f && index >= 0 && index < f->rows * f->cols ? &f->ax[index] : NULL;
}

void hr_plot_title(hr_plot_axes *a, const char *t) { copy_text(a->title, sizeof a->title, t); }
void hr_plot_xlabel(hr_plot_axes *a, const char *t) { copy_text(a->xlabel, sizeof a->xlabel, t); }
void hr_plot_ylabel(hr_plot_axes *a, const char *t) { copy_text(a->ylabel, sizeof a->ylabel, t); }
void hr_plot_xlog(hr_plot_axes *a, int on) { a->log[0] = on != 0; }
void hr_plot_ylog(hr_plot_axes *a, int on) { a->log[1] = on != 0; }
void hr_plot_equal_aspect(hr_plot_axes *a, int on) { a->equal = on != 0; }
void hr_plot_yinvert(hr_plot_axes *a, int on) { a->yinvert = on != 0; }
void hr_plot_legend(hr_plot_axes *a, hr_plot_legend_pos pos) { a->legend = pos; }
void hr_plot_grid(hr_plot_axes *a, int on) { a->grid = on != 0; }

static void set_lim(hr_plot_axes *a, int k, double lo, double hi)
{
    if (isfinite(lo) && isfinite(hi) && lo < hi && (!a->log[k] || lo > 0)) {
        a->lim_set[k] = 1;
        a->lim[k][0] = lo, a->lim[k][1] = hi;
    }
}

void hr_plot_xlim(hr_plot_axes *a, double lo, double hi) { set_lim(a, 0, lo, hi); }
void hr_plot_ylim(hr_plot_axes *a, double lo, double hi) { set_lim(a, 1, lo, hi); }

static int nomem(hr_plot_axes *a)
{
    int st = HR_ERROR(HR_ENOMEM, "out of memory for a plot item");
    if (!a->fig->status)
        a->fig->status = st;
    return st;
}

int hr_plot_ycategories(hr_plot_axes *a, int n, const char *const *labels)
{
    for (int k = 0; k < a->ncat; k++)
        free(a->cat[k]);
    free(a->cat);
    a->cat = NULL, a->ncat = 0;
    if (n <= 0)
        return HR_OK;
    if (!(a->cat = calloc((size_t)n, sizeof *a->cat)))
        return nomem(a);
    a->ncat = n;
    for (int k = 0; k < n; k++)
        if (!(a->cat[k] = dupstr(labels[k] ? labels[k] : "")))
            return nomem(a);
    return HR_OK;
}

static item *new_item(hr_plot_axes *a, enum item_kind kind, const hr_plot_style *st)
{
    if (a->nitems == a->cap) {
        int cap = a->cap ? 2 * a->cap : 8;
        item *p = realloc(a->items, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        a->items = p, a->cap = cap;
    }
    item *it = &a->items[a->nitems];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->st = st ? *st : hr_plot_style_default();
    if (!(it->st.alpha > 0 && it->st.alpha <= 1))
        it->st.alpha = 1;
    if (it->st.label) {
        if (!(it->label = dupstr(it->st.label)))
            return NULL;
    }
    it->st.label = NULL;
    a->nitems++;
    return it;
}

int hr_plot_line(hr_plot_axes *a, int n, const double *x, const double *y,
                 const hr_plot_style *st)
{
    if (n < 0 || (n > 0 && (!x || !y)))
        return HR_ERROR(HR_EINVAL, "hr_plot_line: %d points without data", n);
    item *it = new_item(a, IT_LINE, st);
    if (!it)
        return nomem(a);
    it->n = n;
    it->x = malloc((size_t)(n ? n : 1) * sizeof(double));
    it->y = malloc((size_t)(n ? n : 1) * sizeof(double));
    if (!it->x || !it->y)
        return nomem(a);
    if (n) {
        memcpy(it->x, x, (size_t)n * sizeof(double));
        memcpy(it->y, y, (size_t)n * sizeof(double));
    }
    return HR_OK;
}

static int add_xyline(hr_plot_axes *a, enum item_kind k, double v, const hr_plot_style *st)
{
    if (!isfinite(v))
        return HR_OK; /* nothing to draw */
    item *it = new_item(a, k, st);
    if (!it)
        return nomem(a);
    it->v = v;
    return HR_OK;
}

int hr_plot_hline(hr_plot_axes *a, double v, const hr_plot_style *st) { return add_xyline(a, IT_HLINE, v, st); }
int hr_plot_vline(hr_plot_axes *a, double v, const hr_plot_style *st) { return add_xyline(a, IT_VLINE, v, st); }

int hr_plot_text(hr_plot_axes *a, double x, double y, const char *text, hr_plot_anchor anchor,
                 double size, hr_rgb color)
{
    if (!text || !text[0] || !isfinite(x) || !isfinite(y))
        return HR_OK;
    hr_plot_style st = hr_plot_style_default();
    st.color = color;
    item *it = new_item(a, IT_TEXT, &st);
    if (!it || !(it->label = dupstr(text)))
        return nomem(a);
    it->tx = x, it->ty = y, it->size = size > 0 ? size : 8, it->anchor = anchor;
    return HR_OK;
}

int hr_plot_heatmap(hr_plot_axes *a, int nx, int ny, const double *z, double x0, double x1,
                    double y0, double y1, hr_cmap m, double vmin, double vmax,
                    const char *cbar_label)
{
    if (nx < 1 || ny < 1 || nx > 100000 || ny > 100000 || (double)nx * ny > 5e7 || !z ||
        !isfinite(x0) || !isfinite(x1) || !isfinite(y0) || !isfinite(y1) || !(x1 > x0) ||
        !(y1 > y0) || !isfinite(vmin) || !isfinite(vmax) || !(vmax > vmin))
        return HR_ERROR(HR_EINVAL, "heatmap of %d x %d cells over [%g, %g] x [%g, %g], colours "
                        "%g .. %g (allowed: 1 .. 100000 cells a side, increasing finite ranges)",
                        nx, ny, x0, x1, y0, y1, vmin, vmax);
    item *it = new_item(a, IT_HEATMAP, NULL);
    if (!it)
        return nomem(a);
    it->nx = nx, it->ny = ny;
    it->x0 = x0, it->x1 = x1, it->y0 = y0, it->y1 = y1;
    it->cmap = m, it->vmin = vmin, it->vmax = vmax;
    if (!(it->z = malloc((size_t)nx * (size_t)ny * sizeof(double))))
        return nomem(a);
    memcpy(it->z, z, (size_t)nx * (size_t)ny * sizeof(double));
    if (cbar_label) {
        a->cbar = 1;
        copy_text(a->cbar_label, sizeof a->cbar_label, cbar_label);
        a->cbar_cmap = m, a->cbar_lo = vmin, a->cbar_hi = vmax;
    }
    return HR_OK;
}

/* ---- Ranges ---- */

static int panel_empty(const hr_plot_axes *a) { return a->nitems == 0 && a->ncat == 0; }

/* Data range of axis k (0 x, 1 y); 0 if there is none. */
static int data_range(const hr_plot_axes *a, int k, double *lo, double *hi, int *exact)
{
    double mn = INFINITY, mx = -INFINITY;
    int lg = a->log[k];
    *exact = 0;
#define TAKE(v)                                                                                   \
    do {                                                                                          \
        double v_ = (v);                                                                          \
        if (isfinite(v_) && (!lg || v_ > 0)) {                                                    \
            mn = v_ < mn ? v_ : mn;                                                               \
            mx = v_ > mx ? v_ : mx;                                                               \
        }                                                                                         \
    } while (0)
    for (int i = 0; i < a->nitems; i++) {
        const item *it = &a->items[i];
        switch (it->kind) {
        case IT_LINE:
            for (int j = 0; j < it->n; j++)
                if (isfinite(it->x[j]) && isfinite(it->y[j]) &&
                    (!a->log[0] || it->x[j] > 0) && (!a->log[1] || it->y[j] > 0))
                    TAKE(k ? it->y[j] : it->x[j]);
            break;
        case IT_HLINE:
            if (k == 1)
                TAKE(it->v);
            break;
        case IT_VLINE:
            if (k == 0)
                TAKE(it->v);
            break;
        case IT_HEATMAP:
            TAKE(k ? it->y0 : it->x0);
            TAKE(k ? it->y1 : it->x1);
            *exact = 1;
            break;
        case IT_TEXT:
            break;
        }
    }
#undef TAKE
    if (k == 1 && a->ncat > 0) {
        mn = fmin(mn, -0.5), mx = fmax(mx, a->ncat - 0.5);
        *exact = 1;
    }
    if (!(mn <= mx))
        return 0;
    *lo = mn, *hi = mx;
    return 1;
}

static void axis_range(const hr_plot_axes *a, int k, double *lo, double *hi)
{
    if (a->lim_set[k]) {
        *lo = a->lim[k][0], *hi = a->lim[k][1];
        return;
    }
    double dlo, dhi;
    int exact;
    if (!data_range(a, k, &dlo, &dhi, &exact)) {
        *lo = a->log[k] ? 1 : 0, *hi = a->log[k] ? 10 : 1;
        return;
    }
    hr_plot_pad_range(dlo, dhi, a->log[k], exact ? 0 : 0.05, lo, hi);
}

int hr_plot_axes_crange(const hr_plot_axes *a, double *lo, double *hi)
{
    if (!a || !a->cbar)
        return HR_ERROR(HR_EINVAL, "hr_plot_axes_crange: the panel has no colour bar");
    *lo = a->cbar_lo, *hi = a->cbar_hi;
    return HR_OK;
}

int hr_plot_axes_range(const hr_plot_axes *a, double *xlo, double *xhi, double *ylo,
                       double *yhi)
{
    if (!a || panel_empty(a))
        return HR_ERROR(HR_EINVAL, "hr_plot_axes_range: the panel has no data");
    axis_range(a, 0, xlo, xhi);
    axis_range(a, 1, ylo, yhi);
    return HR_OK;
}

/* ---- Text ---- */

static void set_font(cairo_t *cr, double size)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* Walks "abc^{de}f" as runs of normal and superscript text: width of the
 * whole (draw = 0) or draws it with the baseline at the current point. */
static double rich_text(cairo_t *cr, const char *s, double size, int draw)
{
    double w = 0;
    char run[512];
    double x0 = 0, y0 = 0;
    if (draw)
        cairo_get_current_point(cr, &x0, &y0);
    while (*s) {
        int sup = 0;
        size_t n = 0;
        if (s[0] == '^' && s[1] == '{') {
            const char *e = strchr(s + 2, '}');
            if (e) {
                sup = 1;
                n = (size_t)(e - s - 2);
                if (n >= sizeof run)
                    n = sizeof run - 1;
                memcpy(run, s + 2, n);
                s = e + 1;
            }
        }
        if (!sup) {
            const char *e = strstr(s, "^{");
            n = e && strchr(e, '}') ? (size_t)(e - s) : strlen(s);
            if (n == 0) { /* a lone "^{" without "}" */
                n = 1;
            }
            if (n >= sizeof run)
                n = sizeof run - 1;
            memcpy(run, s, n);
            s += n;
        }
        run[n] = '\0';
        double fs = sup ? 0.72 * size : size;
        set_font(cr, fs);
        cairo_text_extents_t ex;
        cairo_text_extents(cr, run, &ex);
        if (draw) {
            cairo_move_to(cr, x0 + w, y0 - (sup ? 0.42 * size : 0));
            cairo_show_text(cr, run);
        }
        w += ex.x_advance;
    }
    set_font(cr, size);
    return w;
}

static double text_width(cairo_t *cr, const char *s, double size) { return rich_text(cr, s, size, 0); }

/* Draws text with its box's point (hx, vy) at (x, y): hx 0 left .. 1 right;
 * vy 0 top, 0.5 middle, 1 bottom (of the cap height, descenders below). */
static void draw_text(cairo_t *cr, double x, double y, const char *s, double size, double hx,
                      double vy)
{
    if (!s || !s[0])
        return;
    double w = text_width(cr, s, size);
    double cap = 0.73 * size; /* DejaVu Sans cap height */
    cairo_move_to(cr, x - hx * w, y + cap * (1 - vy));
    rich_text(cr, s, size, 1);
}

/* Rotated 90 degrees counter-clockwise, centred on (x, y). */
static void draw_text_vertical(cairo_t *cr, double x, double y, const char *s, double size)
{
    if (!s || !s[0])
        return;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -M_PI / 2);
    draw_text(cr, 0, 0, s, size, 0.5, 0.5);
    cairo_restore(cr);
}

static void set_rgb(cairo_t *cr, hr_rgb c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

static const hr_rgb BLACK = {0, 0, 0}, WHITE = {1, 1, 1};

/* ---- Layout ---- */

typedef struct panel_layout {
    double lo[2], hi[2];     /* shown ranges */
    hr_plot_ticks tk[2];     /* ticks of x, y */
    hr_plot_ticks ctk;       /* colour bar ticks */
    double m[4];             /* margins: left, right, top, bottom */
    double bx, by, bw, bh;   /* the axes box */
    double legend_w, legend_h;
    int nlegend;
} panel_layout;

static double tick_labels_width(cairo_t *cr, const hr_plot_ticks *t)
{
    double w = 0;
    for (int i = 0; i < t->n; i++)
        w = fmax(w, text_width(cr, t->label[i], FS_TICK));
    return w;
}

static void legend_size(cairo_t *cr, const hr_plot_axes *a, panel_layout *L)
{
    L->nlegend = 0;
    L->legend_w = 0;
    for (int i = 0; i < a->nitems; i++)
        if (a->items[i].label && a->items[i].kind != IT_TEXT) {
            L->nlegend++;
            L->legend_w = fmax(L->legend_w, text_width(cr, a->items[i].label, FS_LEGEND));
        }
    L->legend_w += 22 + 3 * PAD;
    L->legend_h = L->nlegend * FS_LEGEND * 1.45 + 2 * PAD;
}

static int layout_panel(cairo_t *cr, const hr_plot_axes *a, panel_layout *L)
{
    memset(L, 0, sizeof *L);
    for (int k = 0; k < 2; k++) {
        axis_range(a, k, &L->lo[k], &L->hi[k]);
        int st = (k == 1 && a->ncat > 0) ? HR_OK
                 : a->log[k] ? hr_plot_ticks_log(L->lo[k], L->hi[k], &L->tk[k])
                             : hr_plot_ticks_linear(L->lo[k], L->hi[k], k ? 6 : 7, &L->tk[k]);
        if (st)
            return st;
    }
    if (a->ncat > 0) {
        hr_plot_ticks *t = &L->tk[1];
        memset(t, 0, sizeof *t);
        for (int i = 0; i < a->ncat && i < HR_PLOT_MAX_TICKS; i++) {
            t->v[t->n] = i;
            copy_text(t->label[t->n], sizeof t->label[t->n], a->cat[i]);
            t->n++;
        }
    }
    if (a->cbar) {
        int st = hr_plot_ticks_linear(a->cbar_lo, a->cbar_hi, 6, &L->ctk);
        if (st)
            return st;
    }
    legend_size(cr, a, L);
    L->m[0] = OUTER + tick_labels_width(cr, &L->tk[1]) + PAD + TICK_LEN +
              (a->ylabel[0] ? FS_LABEL * 1.25 + PAD : 0);
    L->m[1] = OUTER + 4;
    if (L->tk[0].n && L->tk[0].offset[0])
        L->m[1] = fmax(L->m[1], OUTER);
    if (a->cbar)
        L->m[1] += CBAR_GAP + CBAR_W + TICK_LEN + PAD + tick_labels_width(cr, &L->ctk) +
                   (a->cbar_label[0] ? PAD + FS_LABEL * 1.25 : 0);
    if (a->legend == HR_LEGEND_OUTSIDE && L->nlegend)
        L->m[1] += L->legend_w + 2 * PAD;
    L->m[2] = OUTER + (a->title[0] ? FS_TITLE * 1.4 + PAD : 0) +
              ((L->tk[1].offset[0] || (a->cbar && L->ctk.offset[0])) ? FS_TICK * 1.3 : 0);
    L->m[3] = OUTER + TICK_LEN + PAD + FS_TICK * 1.2 + (a->xlabel[0] ? FS_LABEL * 1.3 + PAD : 0) +
              (L->tk[0].offset[0] ? FS_TICK * 1.2 : 0);
    return HR_OK;
}

/* ---- Drawing ---- */

static double map_t(double v, double lo, double hi, int lg)
{
    if (lg)
        return (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
    return (v - lo) / (hi - lo);
}

static double X(const panel_layout *L, const hr_plot_axes *a, double v)
{
    return L->bx + map_t(v, L->lo[0], L->hi[0], a->log[0]) * L->bw;
}

static double Y(const panel_layout *L, const hr_plot_axes *a, double v)
{
    double t = map_t(v, L->lo[1], L->hi[1], a->log[1]);
    return L->by + L->bh - (a->yinvert ? 1 - t : t) * L->bh;
}

static void set_dash(cairo_t *cr, int dash, double width)
{
    if (dash == 1) {
        double d[2] = {3.7 * width, 1.6 * width};
        cairo_set_dash(cr, d, 2, 0);
    } else if (dash == 2) {
        double d[2] = {1 * width, 1.65 * width};
        cairo_set_dash(cr, d, 2, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

static void marker_path(cairo_t *cr, hr_plot_marker m, double x, double y, double d)
{
    double r = d / 2;
    switch (m) {
    case HR_MARK_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        break;
    case HR_MARK_SQUARE:
        cairo_rectangle(cr, x - 0.9 * r, y - 0.9 * r, 1.8 * r, 1.8 * r);
        break;
    case HR_MARK_TRIANGLE:
        cairo_move_to(cr, x, y - 1.1 * r);
        cairo_line_to(cr, x + r, y + 0.75 * r);
        cairo_line_to(cr, x - r, y + 0.75 * r);
        cairo_close_path(cr);
        break;
    case HR_MARK_DIAMOND:
        cairo_move_to(cr, x, y - 1.15 * r);
        cairo_line_to(cr, x + 0.85 * r, y);
        cairo_line_to(cr, x, y + 1.15 * r);
        cairo_line_to(cr, x - 0.85 * r, y);
        cairo_close_path(cr);
        break;
    case HR_MARK_CROSS:
        cairo_move_to(cr, x - r, y - r);
        cairo_line_to(cr, x + r, y + r);
        cairo_move_to(cr, x - r, y + r);
        cairo_line_to(cr, x + r, y - r);
        break;
    case HR_MARK_PLUS:
        cairo_move_to(cr, x - r, y);
        cairo_line_to(cr, x + r, y);
        cairo_move_to(cr, x, y - r);
        cairo_line_to(cr, x, y + r);
        break;
    case HR_MARK_NONE:
        break;
    }
}

static void draw_marker(cairo_t *cr, const hr_plot_style *st, double x, double y)
{
    marker_path(cr, st->marker, x, y, st->marker_size);
    set_rgb(cr, st->color, st->alpha);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 0.9);
    if (st->marker == HR_MARK_CROSS || st->marker == HR_MARK_PLUS) {
        cairo_set_line_width(cr, 1.2);
        cairo_stroke(cr);
    } else if (st->marker_open) {
        cairo_stroke(cr);
    } else {
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, st->color.r * 0.6, st->color.g * 0.6, st->color.b * 0.6,
                              st->alpha);
        cairo_set_line_width(cr, 0.5);
        cairo_stroke(cr);
    }
}

static int point_ok(const hr_plot_axes *a, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!a->log[0] || x > 0) && (!a->log[1] || y > 0);
}

static void draw_line_item(cairo_t *cr, const hr_plot_axes *a, const panel_layout *L,
                           const item *it)
{
    if (it->st.width > 0) {
        int pen = 0;
        for (int j = 0; j < it->n; j++) {
            if (!point_ok(a, it->x[j], it->y[j])) {
                pen = 0;
                continue;
            }
            double px = X(L, a, it->x[j]), py = Y(L, a, it->y[j]);
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
        }
        set_rgb(cr, it->st.color, it->st.alpha);
        cairo_set_line_width(cr, it->st.width);
        set_dash(cr, it->st.dash, it->st.width);
        cairo_stroke(cr);
    }
    if (it->st.marker != HR_MARK_NONE)
        for (int j = 0; j < it->n; j++)
            if (point_ok(a, it->x[j], it->y[j]))
                draw_marker(cr, &it->st, X(L, a, it->x[j]), Y(L, a, it->y[j]));
}

static uint32_t argb_of(hr_rgb c)
{
    uint32_t r = (uint32_t)lround(c.r * 255), g = (uint32_t)lround(c.g * 255),
             b = (uint32_t)lround(c.b * 255);
    return 0xff000000u | r << 16 | g << 8 | b;
}

/* An image of w x h pixels from a colour function; NULL on failure. */
static cairo_surface_t *cell_image(int w, int h)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return NULL;
    }
    return img;
}

static int draw_heatmap_item(cairo_t *cr, const hr_plot_axes *a, const panel_layout *L,
                             const item *it)
{
    cairo_surface_t *img = cell_image(it->nx, it->ny);
    if (!img)
        return HR_ERROR(HR_ENOMEM, "out of memory for a %d x %d heatmap", it->nx, it->ny);
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int j = 0; j < it->ny; j++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)(it->ny - 1 - j) * (size_t)stride);
        for (int i = 0; i < it->nx; i++) {
            double z = it->z[(size_t)j * it->nx + i];
            row[i] = isnan(z) ? 0u
                              : argb_of(hr_cmap_lookup(it->cmap, (z - it->vmin) /
                                                                     (it->vmax - it->vmin)));
        }
    }
    cairo_surface_mark_dirty(img);
    double px0 = X(L, a, it->x0), px1 = X(L, a, it->x1);
    double py0 = Y(L, a, it->y0), py1 = Y(L, a, it->y1);
    cairo_save(cr);
    cairo_translate(cr, px0, py1);
    cairo_scale(cr, (px1 - px0) / it->nx, (py0 - py1) / it->ny);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_rectangle(cr, 0, 0, it->nx, it->ny);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    return HR_OK;
}

static void draw_colorbar(cairo_t *cr, const hr_plot_axes *a, const panel_layout *L)
{
    double x = L->bx + L->bw + CBAR_GAP, y = L->by, h = L->bh;
    cairo_surface_t *img = cell_image(1, 256);
    if (!img)
        return;
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int j = 0; j < 256; j++)
        *(uint32_t *)(void *)(data + (size_t)(255 - j) * (size_t)stride) =
            argb_of(hr_cmap_lookup(a->cbar_cmap, (j + 0.5) / 256));
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, CBAR_W, h / 256);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_rectangle(cr, 0, 0, 1, 256);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    set_rgb(cr, BLACK, 1);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, x, y, CBAR_W, h);
    cairo_stroke(cr);
    double lw = 0;
    for (int i = 0; i < L->ctk.n; i++) {
        double ty = y + h - (L->ctk.v[i] - a->cbar_lo) / (a->cbar_hi - a->cbar_lo) * h;
        cairo_move_to(cr, x + CBAR_W, ty);
        cairo_line_to(cr, x + CBAR_W + TICK_LEN, ty);
        cairo_stroke(cr);
        draw_text(cr, x + CBAR_W + TICK_LEN + PAD, ty, L->ctk.label[i], FS_TICK, 0, 0.5);
        lw = fmax(lw, text_width(cr, L->ctk.label[i], FS_TICK));
    }
    if (L->ctk.offset[0])
        draw_text(cr, x, y - PAD, L->ctk.offset, FS_TICK, 0, 1);
    if (a->cbar_label[0])
        draw_text_vertical(cr, x + CBAR_W + TICK_LEN + 2 * PAD + lw + FS_LABEL * 0.6, y + h / 2,
                           a->cbar_label, FS_LABEL);
}

/* How much of the panel's data a box covers (page coordinates): line points
 * and 8 points along every segment, whole h/vlines heavily. */
static long points_in(const hr_plot_axes *a, const panel_layout *L, double x0, double y0,
                      double x1, double y1)
{
    long n = 0;
    for (int i = 0; i < a->nitems; i++) {
        const item *it = &a->items[i];
        if (it->kind == IT_LINE) {
            double qx = NAN, qy = NAN;
            for (int j = 0; j < it->n; j++) {
                if (!point_ok(a, it->x[j], it->y[j])) {
                    qx = NAN;
                    continue;
                }
                double px = X(L, a, it->x[j]), py = Y(L, a, it->y[j]);
                int steps = (it->st.width > 0 && isfinite(qx)) ? 8 : 1;
                for (int k = 1; k <= steps; k++) {
                    double f = (double)k / steps;
                    double sx = steps > 1 ? qx + f * (px - qx) : px, sy = steps > 1 ? qy + f * (py - qy) : py;
                    n += sx >= x0 && sx <= x1 && sy >= y0 && sy <= y1;
                }
                qx = px, qy = py;
            }
        } else if (it->kind == IT_HLINE) {
            double py = Y(L, a, it->v);
            n += (py >= y0 && py <= y1) ? 30 : 0;
        } else if (it->kind == IT_VLINE) {
            double px = X(L, a, it->v);
            n += (px >= x0 && px <= x1) ? 30 : 0;
        } else if (it->kind == IT_TEXT) {
            double px = X(L, a, it->tx), py = Y(L, a, it->ty);
            n += (px >= x0 - 20 && px <= x1 && py >= y0 && py <= y1) ? 20 : 0;
        }
    }
    return n;
}

static void draw_legend(cairo_t *cr, const hr_plot_axes *a, const panel_layout *L)
{
    if (!L->nlegend || a->legend == HR_LEGEND_NONE)
        return;
    double w = L->legend_w, h = L->legend_h, m = 4;
    /* The four corners (the fixed positions), then a grid of 3 x 7 places;
     * BEST takes the first that covers the least data. */
    double xl = L->bx + m, xr = L->bx + L->bw - w - m, xc = L->bx + (L->bw - w) / 2;
    double yt = L->by + m, yb = L->by + L->bh - h - m;
    double cx[25] = {xr, xl, xr, xl}, cy[25] = {yt, yt, yb, yb};
    for (int k = 0; k < 21; k++) {
        cx[4 + k] = k % 3 == 0 ? xr : k % 3 == 1 ? xl : xc;
        cy[4 + k] = yt + (yb - yt) * (k / 3) / 6.0;
    }
    int pick = 0;
    if (a->legend == HR_LEGEND_BEST) {
        long best = -1;
        for (int c = 0; c < 25; c++) {
            long n = points_in(a, L, cx[c], cy[c], cx[c] + w, cy[c] + h);
            if (best < 0 || n < best)
                best = n, pick = c;
        }
    } else if (a->legend != HR_LEGEND_OUTSIDE) {
        pick = a->legend - HR_LEGEND_UPPER_RIGHT;
    }
    double x = cx[pick], y = cy[pick];
    if (a->legend == HR_LEGEND_OUTSIDE) {
        x = L->bx + L->bw + 2 * PAD; /* (not combined with a colour bar) */
        y = L->by;
    }
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_rectangle(cr, x, y, w, h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0.8, 0.8, 0.8, 1);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
    int k = 0;
    for (int i = 0; i < a->nitems; i++) {
        const item *it = &a->items[i];
        if (!it->label || it->kind == IT_TEXT)
            continue;
        double ly = y + PAD + (k + 0.5) * FS_LEGEND * 1.45;
        if (it->kind == IT_HEATMAP) {
            cairo_rectangle(cr, x + PAD, ly - 3, 18, 6);
            set_rgb(cr, hr_cmap_lookup(it->cmap, 0.7), 1);
            cairo_fill(cr);
        } else {
            if (it->st.width > 0 || it->kind != IT_LINE) {
                cairo_move_to(cr, x + PAD, ly);
                cairo_line_to(cr, x + PAD + 18, ly);
                set_rgb(cr, it->st.color, it->st.alpha);
                cairo_set_line_width(cr, it->st.width > 0 ? it->st.width : 1);
                set_dash(cr, it->st.dash, it->st.width > 0 ? it->st.width : 1);
                cairo_stroke(cr);
            }
            if (it->st.marker != HR_MARK_NONE)
                draw_marker(cr, &it->st, x + PAD + 9, ly);
        }
        set_rgb(cr, BLACK, 1);
        draw_text(cr, x + 2 * PAD + 18, ly, it->label, FS_LEGEND, 0, 0.5);
        k++;
    }
}

static int draw_panel(cairo_t *cr, const hr_plot_axes *a, const panel_layout *L)
{
    int st = HR_OK;
    cairo_save(cr);
    cairo_rectangle(cr, L->bx, L->by, L->bw, L->bh);
    cairo_clip(cr);
    int heat = 0;
    for (int i = 0; i < a->nitems && !st; i++)
        if (a->items[i].kind == IT_HEATMAP) {
            st = draw_heatmap_item(cr, a, L, &a->items[i]);
            heat = 1;
        }
    if (a->grid && !heat) {
        cairo_set_source_rgba(cr, 0.88, 0.88, 0.88, 1);
        cairo_set_line_width(cr, 0.5);
        cairo_set_dash(cr, NULL, 0, 0);
        for (int i = 0; i < L->tk[0].n; i++) {
            cairo_move_to(cr, X(L, a, L->tk[0].v[i]), L->by);
            cairo_line_to(cr, X(L, a, L->tk[0].v[i]), L->by + L->bh);
        }
        for (int i = 0; i < L->tk[1].n; i++) {
            cairo_move_to(cr, L->bx, Y(L, a, L->tk[1].v[i]));
            cairo_line_to(cr, L->bx + L->bw, Y(L, a, L->tk[1].v[i]));
        }
        cairo_stroke(cr);
    }
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    for (int i = 0; i < a->nitems; i++) {
        const item *it = &a->items[i];
        if (it->kind == IT_HLINE || it->kind == IT_VLINE) {
            if (it->kind == IT_HLINE) {
                if (a->log[1] && !(it->v > 0))
                    continue;
                cairo_move_to(cr, L->bx, Y(L, a, it->v));
                cairo_line_to(cr, L->bx + L->bw, Y(L, a, it->v));
            } else {
                if (a->log[0] && !(it->v > 0))
                    continue;
                cairo_move_to(cr, X(L, a, it->v), L->by);
                cairo_line_to(cr, X(L, a, it->v), L->by + L->bh);
            }
            set_rgb(cr, it->st.color, it->st.alpha);
            cairo_set_line_width(cr, it->st.width > 0 ? it->st.width : 1);
            set_dash(cr, it->st.dash, it->st.width > 0 ? it->st.width : 1);
            cairo_stroke(cr);
        }
    }
    for (int i = 0; i < a->nitems; i++)
        if (a->items[i].kind == IT_LINE)
            draw_line_item(cr, a, L, &a->items[i]);
    for (int i = 0; i < a->nitems; i++) {
        const item *it = &a->items[i];
        if (it->kind != IT_TEXT || !point_ok(a, it->tx, it->ty))
            continue;
        set_rgb(cr, it->st.color, 1);
        double hx = it->anchor == HR_ANCHOR_LEFT ? 0 : it->anchor == HR_ANCHOR_RIGHT ? 1 : 0.5;
        double vy = it->anchor == HR_ANCHOR_BELOW ? 0 : 0.5;
        draw_text(cr, X(L, a, it->tx), Y(L, a, it->ty) + (it->anchor == HR_ANCHOR_BELOW ? 2 : 0),
                  it->label, it->size, hx, vy);
    }
    cairo_restore(cr);

    /* Frame, ticks and labels. */
    set_rgb(cr, BLACK, 1);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 0.8);
    cairo_rectangle(cr, L->bx, L->by, L->bw, L->bh);
    cairo_stroke(cr);
    cairo_set_line_width(cr, 0.7);
    for (int i = 0; i < L->tk[0].n; i++) {
        double px = X(L, a, L->tk[0].v[i]);
        if (px < L->bx - 0.5 || px > L->bx + L->bw + 0.5)
            continue;
        cairo_move_to(cr, px, L->by + L->bh);
        cairo_line_to(cr, px, L->by + L->bh + TICK_LEN);
        cairo_stroke(cr);
        draw_text(cr, px, L->by + L->bh + TICK_LEN + PAD, L->tk[0].label[i], FS_TICK, 0.5, 0);
    }
    for (int i = 0; i < L->tk[1].n; i++) {
        double py = Y(L, a, L->tk[1].v[i]);
        if (py < L->by - 0.5 || py > L->by + L->bh + 0.5)
            continue;
        cairo_move_to(cr, L->bx, py);
        cairo_line_to(cr, L->bx - TICK_LEN, py);
        cairo_stroke(cr);
        draw_text(cr, L->bx - TICK_LEN - PAD, py, L->tk[1].label[i], FS_TICK, 1, 0.5);
    }
    cairo_set_line_width(cr, 0.5);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < L->tk[k].nminor; i++) {
            if (k == 0) {
                double px = X(L, a, L->tk[0].minor[i]);
                cairo_move_to(cr, px, L->by + L->bh);
                cairo_line_to(cr, px, L->by + L->bh + TICK_LEN * 0.6);
            } else {
                double py = Y(L, a, L->tk[1].minor[i]);
                cairo_move_to(cr, L->bx, py);
                cairo_line_to(cr, L->bx - TICK_LEN * 0.6, py);
            }
            cairo_stroke(cr);
        }
    double xlab_y = L->by + L->bh + TICK_LEN + PAD + FS_TICK * 1.2 + PAD;
    if (L->tk[0].offset[0]) {
        draw_text(cr, L->bx + L->bw, xlab_y, L->tk[0].offset, FS_TICK, 1, 0);
        xlab_y += FS_TICK * 1.2;
    }
    if (a->xlabel[0])
        draw_text(cr, L->bx + L->bw / 2, xlab_y, a->xlabel, FS_LABEL, 0.5, 0);
    if (L->tk[1].offset[0])
        draw_text(cr, L->bx, L->by - PAD, L->tk[1].offset, FS_TICK, 0, 1);
    if (a->ylabel[0]) {
        double yl = L->bx - TICK_LEN - PAD - tick_labels_width(cr, &L->tk[1]) - PAD -
                    FS_LABEL * 0.55;
        draw_text_vertical(cr, yl, L->by + L->bh / 2, a->ylabel, FS_LABEL);
    }
    if (a->title[0]) {
        double ty = L->by - PAD - ((L->tk[1].offset[0] || (a->cbar && L->ctk.offset[0]))
                                       ? FS_TICK * 1.3 : 0);
        draw_text(cr, L->bx + L->bw / 2, ty, a->title, FS_TITLE, 0.5, 1);
    }
    if (a->cbar)
        draw_colorbar(cr, a, L);
    draw_legend(cr, a, L);
    return st;
}

#define CAP_LINES 24

/* Breaks the caption into lines no wider than `width` (at spaces; a word
 * wider than the line stays whole), keeping its own line breaks. */
static int wrap_caption(cairo_t *cr, const char *c, double width, char lines[][512])
{
    int n = 0;
    while (*c && n < CAP_LINES) {
        const char *e = strchr(c, '\n');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        char para[2048];
        if (len >= sizeof para)
            len = sizeof para - 1;
        memcpy(para, c, len);
        para[len] = '\0';
        c = e ? e + 1 : c + len;
        char *p = para;
        do {
            /* The longest prefix of p ending at a space that fits. */
            size_t best = strlen(p), cut = 0;
            if (text_width(cr, p, FS_CAPTION) > width) {
                best = 0;
                for (size_t i = 1; p[i]; i++)
                    if (p[i] == ' ') {
                        char save = p[i];
                        p[i] = '\0';
                        double w = text_width(cr, p, FS_CAPTION);
                        p[i] = save;
                        if (w > width)
                            break;
                        best = i, cut = 1;
                    }
                if (!best) { /* one long word */
                    char *sp = strchr(p + 1, ' ');
                    best = sp ? (size_t)(sp - p) : strlen(p);
                    cut = sp != NULL;
                }
            }
            size_t l = best < 511 ? best : 511;
            memcpy(lines[n], p, l);
            lines[n][l] = '\0';
            n++;
            p += best + cut;
        } while (*p && n < CAP_LINES);
    }
    return n;
}

/* At exit, cairo's and fontconfig's caches are freed, so leak checkers
 * (the sanitizer build) see only real leaks. FcFini is looked up rather
 * than linked: fontconfig is cairo's dependency, not ours. */
static void release_caches(void)
{
    cairo_debug_reset_static_data();
    void (*fc_fini)(void);
    *(void **)(&fc_fini) = dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini)
        fc_fini();
}

static void register_release(void) { atexit(release_caches); }

static int draw_figure(hr_plot_fig *f, cairo_t *cr)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_release);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);

    set_rgb(cr, WHITE, 1);
    cairo_paint(cr);
    double top = 0, bottom = f->h;
    if (f->title[0]) {
        set_rgb(cr, BLACK, 1);
        draw_text(cr, f->w / 2, OUTER + 2, f->title, FS_FIG, 0.5, 0);
        top = OUTER + 2 + FS_FIG * 1.5;
    }
    if (f->caption) {
        static __thread char lines[CAP_LINES][512];
        int n = wrap_caption(cr, f->caption, f->w - 2 * OUTER - 4, lines);
        bottom = f->h - OUTER - n * FS_CAPTION * 1.35;
        set_rgb(cr, (hr_rgb){0.2, 0.2, 0.2}, 1);
        for (int i = 0; i < n; i++)
            draw_text(cr, OUTER + 2, bottom + i * FS_CAPTION * 1.35 + 1, lines[i], FS_CAPTION, 0, 0);
    }
    int np = f->rows * f->cols;
    panel_layout *L = calloc((size_t)np, sizeof *L);
    if (!L)
        return HR_ERROR(HR_ENOMEM, "out of memory for the figure layout");
    int st = HR_OK;
    for (int i = 0; i < np && !st; i++)
        if (!panel_empty(&f->ax[i]))
            st = layout_panel(cr, &f->ax[i], &L[i]);
    /* Align the margins across rows and columns. */
    double cw = f->w / f->cols, ch = (bottom - top) / f->rows;
    for (int r = 0; r < f->rows && !st; r++)
        for (int c = 0; c < f->cols; c++) {
            int i = r * f->cols + c;
            if (panel_empty(&f->ax[i]))
                continue;
            double m[4] = {0, 0, 0, 0};
            for (int rr = 0; rr < f->rows; rr++) {
                int j = rr * f->cols + c;
                if (!panel_empty(&f->ax[j]))
                    m[0] = fmax(m[0], L[j].m[0]), m[1] = fmax(m[1], L[j].m[1]);
            }
            for (int cc = 0; cc < f->cols; cc++) {
                int j = r * f->cols + cc;
                if (!panel_empty(&f->ax[j]))
                    m[2] = fmax(m[2], L[j].m[2]), m[3] = fmax(m[3], L[j].m[3]);
            }
            L[i].bx = c * cw + m[0];
            L[i].by = top + r * ch + m[2];
            L[i].bw = fmax(cw - m[0] - m[1], 8);
            L[i].bh = fmax(ch - m[2] - m[3], 8);
            const hr_plot_axes *a = &f->ax[i];
            if (a->equal && !a->log[0] && !a->log[1]) {
                double dx = L[i].hi[0] - L[i].lo[0], dy = L[i].hi[1] - L[i].lo[1];
                if (L[i].bw / L[i].bh > dx / dy) {
                    double w = L[i].bh * dx / dy;
                    L[i].bx += (L[i].bw - w) / 2;
                    L[i].bw = w;
                } else {
                    double h = L[i].bw * dy / dx;
                    L[i].by += (L[i].bh - h) / 2;
                    L[i].bh = h;
                }
            }
        }
    for (int i = 0; i < np && !st; i++)
        if (!panel_empty(&f->ax[i]))
            st = draw_panel(cr, &f->ax[i], &L[i]);
    free(L);
    if (!st && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        st = HR_ERROR(HR_ENOMEM, "drawing failed: %s", cairo_status_to_string(cairo_status(cr)));
    return st;
}

/* ---- Output ---- */

typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
    int fail;
} membuf;

static cairo_status_t membuf_write(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *b = closure;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->n + len)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->fail = 1;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return CAIRO_STATUS_SUCCESS;
}

static int pixels_of(const hr_plot_fig *f, double dpi, int *w, int *h)
{
    if (!(dpi >= 1 && dpi <= 2400))
        return HR_ERROR(HR_EINVAL, "dpi %g (allowed: 1 .. 2400)", dpi);
    double pw = round(f->w * dpi / 72), ph = round(f->h * dpi / 72);
    if (pw < 1 || ph < 1 || pw > 32767 || ph > 32767 || pw * ph > 2e8)
        return HR_ERROR(HR_EINVAL, "a picture of %.0f x %.0f pixels (allowed: 1 .. 32767 a side, "
                        "at most 2e8 pixels: lower the size or the dpi)", pw, ph);
    *w = (int)pw, *h = (int)ph;
    return HR_OK;
}

static int draw_image(hr_plot_fig *f, double dpi, cairo_surface_t **out)
{
    int w = 0, h = 0, st = pixels_of(f, dpi, &w, &h);
    if (st)
        return st;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return HR_ERROR(HR_ENOMEM, "out of memory for a %d x %d picture", w, h);
    }
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, w / f->w, h / f->h);
    st = draw_figure(f, cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    if (st) {
        cairo_surface_destroy(s);
        return st;
    }
    *out = s;
    return HR_OK;
}

int hr_plot_fig_render(hr_plot_fig *f, double dpi, unsigned char **data, int *width,
                       int *height, int *stride)
{
    *data = NULL;
    if (f->status)
        return f->status;
    cairo_surface_t *s;
    int st = draw_image(f, dpi, &s);
    if (st)
        return st;
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int sd = cairo_image_surface_get_stride(s);
    unsigned char *p = malloc((size_t)sd * (size_t)h);
    if (!p) {
        cairo_surface_destroy(s);
        return HR_ERROR(HR_ENOMEM, "out of memory for a %d x %d picture", w, h);
    }
    memcpy(p, cairo_image_surface_get_data(s), (size_t)sd * (size_t)h);
    cairo_surface_destroy(s);
    *data = p, *width = w, *height = h, *stride = sd;
    return HR_OK;
}

int hr_plot_fig_write(hr_plot_fig *f, const char *path, hr_plot_format fmt, double dpi)
{
    if (!f || !path || !path[0])
        return HR_ERROR(HR_EINVAL, "hr_plot_fig_write: no figure or path");
    if (f->status)
        return f->status;
    membuf b = {0};
    int st = HR_OK;
    if (fmt == HR_PLOT_PNG) {
        cairo_surface_t *s;
        if ((st = draw_image(f, dpi, &s)))
            return st;
        cairo_status_t cs = cairo_surface_write_to_png_stream(s, membuf_write, &b);
        cairo_surface_destroy(s);
        if (cs != CAIRO_STATUS_SUCCESS)
            st = HR_ERROR(b.fail ? HR_ENOMEM : HR_EIO, "%s: PNG encoding failed: %s", path,
                          cairo_status_to_string(cs));
    } else {
        cairo_surface_t *s =
            fmt == HR_PLOT_SVG ? cairo_svg_surface_create_for_stream(membuf_write, &b, f->w, f->h)
                               : cairo_pdf_surface_create_for_stream(membuf_write, &b, f->w, f->h);
        if (fmt == HR_PLOT_SVG)
            cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PT);
        cairo_t *cr = cairo_create(s);
        st = draw_figure(f, cr);
        cairo_destroy(cr);
        cairo_surface_finish(s);
        cairo_status_t cs = cairo_surface_status(s);
        cairo_surface_destroy(s);
        if (!st && cs != CAIRO_STATUS_SUCCESS)
            st = HR_ERROR(b.fail ? HR_ENOMEM : HR_EIO, "%s: %s output failed: %s", path,
                          hr_plot_format_ext(fmt), cairo_status_to_string(cs));
    }
    if (!st)
        st = hr_write_atomic(path, b.p, b.n, "figure");
    free(b.p);
    return st;
}

int hr_plot_axes_log(const hr_plot_axes *a, int axis) { return a && axis >= 0 && axis < 2 && a->log[axis]; }
