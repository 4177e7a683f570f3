/* plot.h — figures drawn with cairo: a grid of panels, each an axes with
 * ticks (linear or log), labels with units, a title, a legend, anti-aliased
 * lines and markers, text, and heatmaps with a colour bar; written as PNG,
 * SVG or PDF. Colour maps: viridis (magnitudes) and Moreland's cool-warm
 * (signed fields).
 *
 * The layer is retained: plotting calls record items (copying the data),
 * and hr_plot_fig_write computes the data ranges, the ticks and the layout
 * (margins from the measured tick labels, aligned across the grid) when it
 * draws. All lengths are in points (1/72 inch): the same figure looks the
 * same in every format; a PNG has width * dpi / 72 pixels. */
#ifndef HR_PLOT_H
#define HR_PLOT_H

#include <stddef.h>

/* File format of a figure. */
typedef enum hr_plot_format {
    HR_PLOT_PNG = 0, /* raster, 8-bit RGBA, at the figure's dpi */
    HR_PLOT_SVG = 1, /* vector; width and height attributes in pt */
    HR_PLOT_PDF = 2  /* vector; MediaBox in pt */
} hr_plot_format;

/* The format named "png", "svg" or "pdf"; -1 otherwise. */
int hr_plot_format_parse(const char *name);

/* The file extension of a format ("png", "svg", "pdf"). */
const char *hr_plot_format_ext(hr_plot_format f);

/* Parses a length: a number with an optional unit in (inches, the
 * default), cm, mm, pt or px (pixels at `dpi`). HR_OK and *pt, or
 * HR_EINVAL with a message naming `what` and the allowed forms (a length
 * must be finite, > 0 and at most 100 in). */
int hr_plot_parse_length(const char *text, double dpi, const char *what, double *pt);

/* ---- Colours and colour maps ---- */

/* An sRGB colour, each channel in [0, 1]. */
typedef struct hr_rgb {
    double r, g, b; /* red, green, blue */
} hr_rgb;

/* Colour maps. */
typedef enum hr_cmap {
    HR_CMAP_VIRIDIS = 0, /* perceptually uniform sequential (matplotlib's viridis) */
    HR_CMAP_COOLWARM = 1 /* perceptually uniform diverging, blue - grey - red
                            (Moreland 2009), for signed fields */
} hr_cmap;

/* The colour of map `m` at t in [0, 1] (clamped; NaN gives mid grey).
 * Viridis is its 256-entry table looked up as matplotlib does (entry
 * floor(256 t), the last for t = 1); cool-warm is computed by Moreland's
 * interpolation in Msh space between the end colours (59, 76, 192) and
 * (180, 4, 38). */
hr_rgb hr_cmap_lookup(hr_cmap m, double t);

/* Colour i of the categorical cycle (matplotlib's tab10), i >= 0 wraps. */
hr_rgb hr_plot_cycle(int i);

/* ---- Ticks ---- */

#define HR_PLOT_MAX_TICKS 24

/* Tick marks of one axis over [lo, hi]. Labels may hold superscripts
 * written "^{...}" (drawn raised and smaller), and a minus sign U+2212. */
typedef struct hr_plot_ticks {
    int n;                                /* major ticks */
    double v[HR_PLOT_MAX_TICKS];          /* their values, increasing, inside [lo, hi] */
    char label[HR_PLOT_MAX_TICKS][40];    /* their labels */
    int nminor;                           /* minor ticks (log axes) */
    double minor[4 * HR_PLOT_MAX_TICKS];  /* their values */
    char offset[40];                      /* "" or a common factor shown once at the
                                             axis end, e.g. "×10^{−4}" */
} hr_plot_ticks;

/* Linear ticks: the smallest step of 1, 2, 2.5 or 5 times a power of ten
 * that gives at most `maxn` ticks (>= 2) in [lo, hi] (lo < hi, finite);
 * tick k is an exact multiple k * step. Labels have as many decimals as the
 * step needs; when the largest |tick| is >= 1e5 or < 1e-3 the labels are
 * divided by 10^e and `offset` says "×10^{e}". */
int hr_plot_ticks_linear(double lo, double hi, int maxn, hr_plot_ticks *t);

/* Log ticks over [lo, hi] (0 < lo < hi): the powers of ten inside, every
 * k-th decade when more than 8 fit, with minor ticks at 2..9 x 10^k when
 * every decade is labelled; below two powers of ten in range, 1, 2 and 5
 * times powers of ten, and below two of those, linear ticks. */
int hr_plot_ticks_log(double lo, double hi, hr_plot_ticks *t);

/* The shown range of data [dlo, dhi]: padded by `pad` of its width on both
 * sides (in log10 space for a log axis, where dlo must be > 0: the caller
 * passes the smallest positive value); a degenerate range is widened (a
 * single value v to v -/+ |v| / 10, or -/+ 1 for v = 0, linear; v / 2 ..
 * 2 v log). */
void hr_plot_pad_range(double dlo, double dhi, int log, double pad, double *lo, double *hi);

/* ---- Figures ---- */

typedef struct hr_plot_fig hr_plot_fig;
typedef struct hr_plot_axes hr_plot_axes;

/* Markers. */
typedef enum hr_plot_marker {
    HR_MARK_NONE = 0,
    HR_MARK_CIRCLE,
    HR_MARK_SQUARE,
    HR_MARK_TRIANGLE,
    HR_MARK_DIAMOND,
    HR_MARK_CROSS,
    HR_MARK_PLUS
} hr_plot_marker;

/* How a line or a set of markers is drawn. hr_plot_style_default() gives a
 * 1.5 pt solid line in cycle colour 0, no markers, no legend label. */
typedef struct hr_plot_style {
    hr_rgb color;          /* line and marker colour */
    double alpha;          /* opacity in (0, 1] */
    double width;          /* line width (pt); 0: no line, markers only */
    int dash;              /* 0 solid, 1 dashed, 2 dotted */
    hr_plot_marker marker; /* marker at every point */
    double marker_size;    /* marker diameter (pt) */
    int marker_open;       /* 1: outline only; 0: filled */
    const char *label;     /* legend text (copied), or NULL: not in the legend */
} hr_plot_style;

hr_plot_style hr_plot_style_default(void);

/* Where a panel's legend goes. */
typedef enum hr_plot_legend_pos {
    HR_LEGEND_BEST = 0, /* the corner whose box covers the fewest data points */
    HR_LEGEND_UPPER_RIGHT,
    HR_LEGEND_UPPER_LEFT,
    HR_LEGEND_LOWER_RIGHT,
    HR_LEGEND_LOWER_LEFT,
    HR_LEGEND_OUTSIDE, /* to the right of the axes */
    HR_LEGEND_NONE
} hr_plot_legend_pos;

/* Creates a figure of rows x cols panels (1 .. 64 each), width x height pt
 * (each in 36 .. 7200). NULL on bad sizes or no memory (with the error set).
 * Panels are numbered row by row from 0. */
hr_plot_fig *hr_plot_fig_create(int rows, int cols, double width_pt, double height_pt);

/* Frees a figure and everything recorded in it; NULL is allowed. */
void hr_plot_fig_destroy(hr_plot_fig *f);

/* A title over the whole figure and a caption under it (copied; "" or NULL
 * for none; a caption may have several lines separated by '\n'). */
void hr_plot_fig_title(hr_plot_fig *f, const char *title);
void hr_plot_fig_caption(hr_plot_fig *f, const char *caption);

/* Panel `index` (0 .. rows * cols - 1), or NULL. A panel with nothing
 * recorded in it is left blank. */
hr_plot_axes *hr_plot_panel(hr_plot_fig *f, int index);

/* Panel text and axis settings (strings are copied). Labels should carry
 * units: "time (s)". */
void hr_plot_title(hr_plot_axes *a, const char *title);
void hr_plot_xlabel(hr_plot_axes *a, const char *label);
void hr_plot_ylabel(hr_plot_axes *a, const char *label);
void hr_plot_xlog(hr_plot_axes *a, int on);
void hr_plot_ylog(hr_plot_axes *a, int on);
/* Fixes the shown range (lo < hi; for a log axis lo > 0) instead of the
 * padded data range. */
void hr_plot_xlim(hr_plot_axes *a, double lo, double hi);
void hr_plot_ylim(hr_plot_axes *a, double lo, double hi);
/* One data unit on x the same length as one on y (maps of a tank). */
void hr_plot_equal_aspect(hr_plot_axes *a, int on);
/* y grows downwards (matrix rows from the top). */
void hr_plot_yinvert(hr_plot_axes *a, int on);
void hr_plot_legend(hr_plot_axes *a, hr_plot_legend_pos pos);
/* Light grid lines at the major ticks. */
void hr_plot_grid(hr_plot_axes *a, int on);
/* Category labels for y = 0, 1, ..., n - 1 instead of numeric y ticks. */
int hr_plot_ycategories(hr_plot_axes *a, int n, const char *const *labels);

/* A polyline through (x[i], y[i]), i < n, with markers per the style;
 * non-finite points (and, on log axes, points <= 0) break the line. */
int hr_plot_line(hr_plot_axes *a, int n, const double *x, const double *y,
                 const hr_plot_style *st);

/* A horizontal (vertical) line across the panel at y = v (x = v). */
int hr_plot_hline(hr_plot_axes *a, double v, const hr_plot_style *st);
int hr_plot_vline(hr_plot_axes *a, double v, const hr_plot_style *st);

/* Text anchors: where (x, y) is on the text's box. */
typedef enum hr_plot_anchor {
    HR_ANCHOR_LEFT = 0,   /* left end, vertically centred */
    HR_ANCHOR_CENTER = 1, /* centre */
    HR_ANCHOR_RIGHT = 2,  /* right end, vertically centred */
    HR_ANCHOR_BELOW = 3   /* horizontally centred, text below the point */
} hr_plot_anchor;

/* Text at data coordinates (x, y), `size` pt (0: 8 pt), in `color`. */
int hr_plot_text(hr_plot_axes *a, double x, double y, const char *text, hr_plot_anchor anchor,
                 double size, hr_rgb color);

/* A heatmap of nx x ny cells, z[j * nx + i] the cell i along x, j along y,
 * row j = 0 at y0 (the bottom), spanning [x0, x1] x [y0, y1] in data
 * coordinates, coloured by map `m` from vmin to vmax (vmin < vmax); NaN
 * cells are left transparent. Adds a colour bar labelled `cbar_label`
 * (NULL: no colour bar) at the panel's right. Cells are drawn sharp
 * (nearest neighbour), never smoothed. */
int hr_plot_heatmap(hr_plot_axes *a, int nx, int ny, const double *z, double x0, double x1,
                    double y0, double y1, hr_cmap m, double vmin, double vmax,
                    const char *cbar_label);

/* The shown ranges of a panel as hr_plot_fig_write draws them (data range
 * padded, or as fixed); HR_OK, or HR_EINVAL for a panel with no data.
 * For tests and for callers that align panels. */
int hr_plot_axes_range(const hr_plot_axes *a, double *xlo, double *xhi, double *ylo,
                       double *yhi);

/* The colour range of a panel's colour bar; HR_EINVAL if it has none. */
int hr_plot_axes_crange(const hr_plot_axes *a, double *lo, double *hi);

/* Whether the panel has a log x (y) axis (for tests). */
int hr_plot_axes_log(const hr_plot_axes *a, int axis);

/* Draws the figure and writes it to `path` atomically (base/atomic.h) in
 * format `fmt`; `dpi` (1 .. 2400) sets the pixels of a PNG. HR_OK, or the
 * status with the error set (HR_ENOMEM recorded by an earlier call is
 * reported here). The figure may be written again (other formats). */
int hr_plot_fig_write(hr_plot_fig *f, const char *path, hr_plot_format fmt, double dpi);

/* Draws the figure into a new image of (width * dpi / 72) x (height * dpi
 * / 72) pixels: *data (malloc'd, the caller frees) receives rows of
 * 0xAARRGGBB 32-bit pixels (host order, opaque), *stride bytes apart. */
int hr_plot_fig_render(hr_plot_fig *f, double dpi, unsigned char **data, int *width,
                       int *height, int *stride);

#endif
