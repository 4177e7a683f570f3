/* config.c — experiment files in XML (libxml2). The settings tables of
 * params.h are the one source of truth: they drive the semantic checks here
 * (with the allowed names and ranges in every message) and generate the
 * RELAX NG schema (configs/hydrores.rng) the document is validated against. */
#include "interface/config.h"
#include "base/atomic.h"
#include "base/status.h"
#include "reservoir/substrate.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Errors from libxml2 ---- */

typedef struct xml_err {
    char msg[512];    /* the first error, formatted "FILE:LINE: message" */
    int have;         /* whether an error was recorded */
    const char *name; /* the document's name, for errors that carry none */
} xml_err;

static void xml_error_handler(void *ctx, const xmlError *err)
{
    xml_err *e = ctx;
    if (e->have || !err || err->level < XML_ERR_ERROR)
        return;
    char text[400];
    snprintf(text, sizeof text, "%s", err->message ? err->message : "XML error");
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    int line = err->line;
    if (line <= 0 && err->node)
        line = (int)xmlGetLineNo((xmlNodePtr)err->node);
    snprintf(e->msg, sizeof e->msg, "%s:%d: %s", err->file ? err->file : e->name ? e->name : "?",
             line > 0 ? line : 1, text);
    e->have = 1;
}

/* libxml2 2.9's structured-error callback takes a non-const pointer. */
static void xml_error_cb(void *ctx, xmlErrorPtr err) { xml_error_handler(ctx, err); }

/* ---- Schema generated from the tables ---- */

static void schema_value(FILE *f, const hr_param_spec *p)
{
    switch (p->type) {
    case HR_PARAM_NUMBER:
        fprintf(f, "<data type=\"double\"/>");
        break;
    case HR_PARAM_INT:
        fprintf(f, "<data type=\"integer\"/>");
        break;
    case HR_PARAM_LIST:
        fprintf(f, "<list><zeroOrMore><data type=\"double\"/></zeroOrMore></list>");
        break;
    case HR_PARAM_STRING:
        if (!p->choices) {
            fprintf(f, "<text/>");
            break;
        }
        fprintf(f, "<choice>");
        for (const char *c = p->choices; *c;) {
            const char *bar = strchr(c, '|');
            int m = bar ? (int)(bar - c) : (int)strlen(c);
            fprintf(f, "<value>%.*s</value>", m, c);
            c += m + (bar ? 1 : 0);
        }
        fprintf(f, "</choice>");
        break;
    }
}

/* Text with XML's special characters escaped. */
static void put_escaped(FILE *f, const char *t)
{
    for (; t && *t; t++)
        switch (*t) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        default:
            fputc(*t, f);
        }
}

static void schema_settings(FILE *f, const hr_param_spec *spec, const char *indent)
{
    /* A kind without settings (hydrores record's tap) is plain <empty/>: an
     * <interleave> of <empty/> alone is valid RELAX NG, but libxml2 2.9.14 leaks its
     * interleave partition when it simplifies one away (LeakSanitizer, record). */
    if (!spec->name) {
        fprintf(f, "%s<empty/>\n", indent);
        return;
    }
    fprintf(f, "%s<interleave>\n", indent);
    for (const hr_param_spec *p = spec; p->name; p++) {
        fprintf(f, "%s  <optional><element name=\"%s\"><a:documentation>", indent, p->name);
        put_escaped(f, p->doc);
        fprintf(f, "</a:documentation>");
        schema_value(f, p);
        fprintf(f, "</element></optional>\n");
    }
    fprintf(f, "%s  <empty/>\n%s</interleave>\n", indent, indent);
}

int hr_config_write_schema(FILE *f)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<!-- hydrores experiment files. Generated from the settings tables by\n"
               "     `hydrores schema`; do not edit (tests/check_cli.sh checks it is current). -->\n"
               "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"\n"
               "         xmlns:a=\"http://relaxng.org/ns/compatibility/annotations/1.0\"\n"
               "         datatypeLibrary=\"http://www.w3.org/2001/XMLSchema-datatypes\">\n"
               "  <start>\n    <element name=\"experiment\">\n"
               "      <optional><attribute name=\"name\"/></optional>\n"
               "      <interleave>\n");
    for (int id = 0; id < HR_NSECTIONS; id++) {
        int required = id == HR_SEC_SUBSTRATE || id == HR_SEC_ENCODER || id == HR_SEC_TASK;
        fprintf(f, "        %s<ref name=\"%s\"/>%s\n", required ? "" : "<optional>",
                hr_sections[id], required ? "" : "</optional>");
    }
    fprintf(f, "        <optional><ref name=\"genes\"/></optional>\n"
               "      </interleave>\n    </element>\n  </start>\n");
    for (int id = 0; id < HR_NSECTIONS; id++) {
        char kinds[512];
        hr_experiment_spec(id, "", kinds, sizeof kinds);
        const char *list = kinds;
        fprintf(f, "  <define name=\"%s\">\n    <element name=\"%s\">\n      <choice>\n",
                hr_sections[id], hr_sections[id]);
        char buf[512];
        snprintf(buf, sizeof buf, "%s", list);
        for (char *k = strtok(buf, "|, "); k; k = strtok(NULL, "|, ")) {
            const hr_param_spec *spec = hr_experiment_spec(id, k, NULL, 0);
            if (!spec)
                continue;
            int optional_kind = id == HR_SEC_READOUT || id == HR_SEC_OUTPUT;
            fprintf(f, "        <group>\n          %s<attribute name=\"kind\"><value>%s</value>"
                       "</attribute>%s\n",
                    optional_kind ? "<optional>" : "", k, optional_kind ? "</optional>" : "");
            schema_settings(f, spec, "          ");
            fprintf(f, "        </group>\n");
        }
        fprintf(f, "      </choice>\n    </element>\n  </define>\n");
    }
    fprintf(f, "  <define name=\"genes\">\n    <element name=\"genes\">\n      <zeroOrMore>\n"
               "        <element name=\"gene\">\n"
               "          <attribute name=\"name\"><data type=\"NCName\"/></attribute>\n"
               "          <attribute name=\"target\"/>\n"
               "          <attribute name=\"lo\"><data type=\"double\"/></attribute>\n"
               "          <attribute name=\"hi\"><data type=\"double\"/></attribute>\n"
               "          <optional><attribute name=\"value\"><data type=\"double\"/></attribute>"
               "</optional>\n"
               "          <empty/>\n        </element>\n      </zeroOrMore>\n    </element>\n"
               "  </define>\n</grammar>\n");
    return ferror(f) ? HR_ERROR(HR_EIO, "cannot write the schema") : HR_OK;
}

/* The schema as a string (generated once per call; small). */
static char *schema_text(size_t *size)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, size);
    if (!f)
        return NULL;
    hr_config_write_schema(f);
    fclose(f);
    return buf;
}

static int validate_schema(xmlDocPtr doc, const char *name)
{
    size_t size;
    char *rng = schema_text(&size);
    if (!rng)
        return HR_ERROR(HR_ENOMEM, "out of memory for the schema");
    xml_err err = {{0}, 0, name};
    xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewMemParserCtxt(rng, (int)size);
    xmlRelaxNGSetParserStructuredErrors(pctx, xml_error_cb, &err);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pctx);
    xmlRelaxNGFreeParserCtxt(pctx);
    free(rng);
    if (!schema)
        return HR_ERROR(HR_EPARSE, "internal: the generated schema does not parse: %s", err.msg);
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidStructuredErrors(vctx, xml_error_cb, &err);
    int rc = xmlRelaxNGValidateDoc(vctx, doc);
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlRelaxNGFree(schema);
    if (rc != 0) {
        if (err.have)
            return HR_ERROR(HR_EPARSE, "%s (allowed: see configs/hydrores.rng)", err.msg);
        return HR_ERROR(HR_EPARSE, "%s: does not match the experiment schema (allowed: see "
                        "configs/hydrores.rng)", name);
    }
    return HR_OK;
}

/* ---- Semantic walk ---- */

static int is_blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static int node_line(xmlNodePtr n) { return (int)xmlGetLineNo(n); }

static int read_section(hr_experiment *e, int id, xmlNodePtr node, const char *file)
{
    int line = node_line(node);
    const char *sname = hr_sections[id];
    if (e->sec[id])
        return HR_ERROR(HR_EPARSE, "%s:%d: a second <%s> (allowed: one per experiment)", file, line,
                        sname);
    xmlChar *kind = xmlGetProp(node, BAD_CAST "kind");
    char kinds[512];
    const char *k = kind ? (const char *)kind : "";
    if (!kind && (id == HR_SEC_READOUT || id == HR_SEC_OUTPUT))
        k = "default";
    const hr_param_spec *spec = hr_experiment_spec(id, k, kinds, sizeof kinds);
    if (!spec) {
        int st = HR_ERROR(HR_EPARSE, "%s:%d: <%s%s%s%s> %s (allowed kinds: %s)", file, line, sname,
                          kind ? " kind=\"" : "", kind ? k : "", kind ? "\"" : "",
                          kind ? "is not a known kind" : "needs a kind attribute", kinds);
        xmlFree(kind);
        return st;
    }
    int st = hr_experiment_add_section(e, id, k);
    xmlFree(kind);
    if (st)
        return st;
    hr_section *s = e->sec[id];
    for (xmlAttrPtr a = node->properties; a; a = a->next)
        if (strcmp((const char *)a->name, "kind") != 0)
            return HR_ERROR(HR_EPARSE, "%s:%d: <%s> has an unknown attribute '%s' (allowed: kind)",
                            file, line, sname, a->name);
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && !is_blank(c->content))
            return HR_ERROR(HR_EPARSE, "%s:%d: stray text in <%s> (allowed: setting elements "
                            "like <name>value</name>)", file, node_line(c), sname);
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)c->name;
        if (hr_section_find(s, name) < 0) {
            char names[1024];
            hr_section_names(s, names, sizeof names);
            return HR_ERROR(HR_EPARSE, "%s:%d: unknown element <%s> in <%s kind=\"%s\"> (allowed: %s)",
                            file, node_line(c), name, sname, s->kind, names);
        }
        if (c->children && c->children->next) /* nested markup */
            return HR_ERROR(HR_EPARSE, "%s:%d: <%s> must hold plain text", file, node_line(c), name);
        int si = hr_section_find(s, name);
        if (s->line[si] > 0)
            return HR_ERROR(HR_EPARSE, "%s:%d: <%s> is set twice in <%s> (first at line %d; "
                            "allowed: once)", file, node_line(c), name, sname, s->line[si]);
        xmlChar *text = xmlNodeGetContent(c);
        char where[600];
        snprintf(where, sizeof where, "%s:%d", file, node_line(c));
        st = hr_section_set_text(s, name, text ? (const char *)text : "", where, node_line(c));
        xmlFree(text);
        if (st)
            return st;
    }
    return HR_OK;
}

static int get_double_attr(xmlNodePtr n, const char *attr, double *out, int required,
                           const char *file)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST attr);
    if (!v) {
        if (required)
            return HR_ERROR(HR_EPARSE, "%s:%d: <gene> needs the attribute %s (allowed: a number)",
                            file, node_line(n), attr);
        *out = NAN;
        return HR_OK;
    }
    char *end;
    errno = 0;
    double d = strtod((const char *)v, &end);
    int bad = end == (char *)v || *end != '\0' || !isfinite(d);
    xmlFree(v);
    if (bad)
        return HR_ERROR(HR_EPARSE, "%s:%d: <gene %s=...> is not a finite number", file,
                        node_line(n), attr);
    *out = d;
    return HR_OK;
}

static int read_genes(hr_experiment *e, xmlNodePtr node, const char *file)
{
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && !is_blank(c->content))
            return HR_ERROR(HR_EPARSE, "%s:%d: stray text in <genes> (allowed: <gene .../>)", file,
                            node_line(c));
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "gene") != 0)
            return HR_ERROR(HR_EPARSE, "%s:%d: unknown element <%s> in <genes> (allowed: gene)",
                            file, node_line(c), c->name);
        xmlChar *name = xmlGetProp(c, BAD_CAST "name");
        xmlChar *target = xmlGetProp(c, BAD_CAST "target");
        double lo, hi, value;
        int st = HR_OK;
        if (!name || !target)
            st = HR_ERROR(HR_EPARSE, "%s:%d: <gene> needs name and target attributes (allowed: "
                          "<gene name=\"a\" target=\"encoder.freq0\" lo=\"0\" hi=\"1\"/>)", file,
                          node_line(c));
        if (!st)
            st = get_double_attr(c, "lo", &lo, 1, file);
        if (!st)
            st = get_double_attr(c, "hi", &hi, 1, file);
        if (!st)
            st = get_double_attr(c, "value", &value, 0, file);
        if (!st) {
            st = hr_experiment_add_gene(e, (const char *)name, (const char *)target, lo, hi, value,
                                        node_line(c));
            if (st)
                hr_error_prefix(st, "%s:%d", file, node_line(c));
        }
        xmlFree(name);
        xmlFree(target);
        if (st)
            return st;
    }
    return HR_OK;
}

static int read_doc(hr_experiment *e, xmlDocPtr doc, const char *file)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "experiment") != 0)
        return HR_ERROR(HR_EPARSE, "%s:%d: the root element must be <experiment> (found <%s>)", file,
                        root ? node_line(root) : 1, root ? (const char *)root->name : "nothing");
    xmlChar *name = xmlGetProp(root, BAD_CAST "name");
    if (name && strlen((const char *)name) >= sizeof e->name) {
        int st = HR_ERROR(HR_EPARSE, "%s:%d: <experiment name=...> has %zu characters (allowed: "
                          "1 .. %zu)", file, node_line(root), strlen((const char *)name),
                          sizeof e->name - 1);
        xmlFree(name);
        return st;
    }
    snprintf(e->name, sizeof e->name, "%s", name ? (const char *)name : "experiment");
    xmlFree(name);
    /* Sections first (genes refer to them), genes second. */
    for (int pass = 0; pass < 2; pass++)
        for (xmlNodePtr c = root->children; c; c = c->next) {
            if (c->type == XML_TEXT_NODE && !is_blank(c->content) && pass == 0)
                return HR_ERROR(HR_EPARSE, "%s:%d: stray text in <experiment>", file, node_line(c));
            if (c->type != XML_ELEMENT_NODE)
                continue;
            const char *cn = (const char *)c->name;
            if (strcmp(cn, "genes") == 0) {
                if (pass == 1) {
                    int st = read_genes(e, c, file);
                    if (st)
                        return st;
                }
                continue;
            }
            int id = -1;
            for (int i = 0; i < HR_NSECTIONS; i++)
                if (strcmp(cn, hr_sections[i]) == 0)
                    id = i;
            if (id < 0)
                return HR_ERROR(HR_EPARSE, "%s:%d: unknown element <%s> in <experiment> (allowed: "
                                "substrate, encoder, readout, task, fitness, evolve, output, genes)",
                                file, node_line(c), cn);
            if (pass == 0) {
                int st = read_section(e, id, c, file);
                if (st)
                    return st;
            }
        }
    return HR_OK;
}

static int load_doc(xmlDocPtr doc, const char *name, const xml_err *err, hr_experiment **out)
{
    if (!doc) {
        if (err->have)
            return HR_ERROR(HR_EPARSE, "%s (allowed: well-formed XML)", err->msg);
        return HR_ERROR(HR_EPARSE, "%s:1: not a well-formed XML document", name);
    }
    hr_experiment *e = hr_experiment_create();
    if (!e) {
        xmlFreeDoc(doc);
        return HR_ERROR(HR_ENOMEM, "out of memory loading %s", name);
    }
    snprintf(e->file, sizeof e->file, "%s", name);
    int st = read_doc(e, doc, name);
    if (!st)
        st = validate_schema(doc, name);
    if (!st)
        st = hr_experiment_complete(e);
    xmlFreeDoc(doc);
    if (!st) {
        st = hr_experiment_apply_genes(e);
        if (st)
            hr_error_prefix(st, "%s", name);
    }
    if (!st) {
        st = hr_experiment_check(e);
        if (st)
            hr_error_prefix(st, "%s", name);
    }
    if (st) {
        hr_experiment_destroy(e);
        return st;
    }
    *out = e;
    return HR_OK;
}

static const int parse_options = XML_PARSE_NONET | XML_PARSE_NOWARNING;

int hr_config_load(const char *path, hr_experiment **out)
{
    *out = NULL;
    if (access(path, R_OK) != 0)
        return HR_ERROR(HR_EIO, "%s: cannot open (%s)", path, strerror(errno));
    xml_err err = {{0}, 0, path};
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx)
        return HR_ERROR(HR_ENOMEM, "out of memory reading %s", path);
    xmlSetStructuredErrorFunc(&err, xml_error_cb);
    xmlDocPtr doc = xmlCtxtReadFile(ctx, path, NULL, parse_options);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(ctx);
    return load_doc(doc, path, &err, out);
}

int hr_config_load_memory(const char *xml, size_t size, const char *name, hr_experiment **out)
{
    *out = NULL;
    xml_err err = {{0}, 0, name};
    xmlSetStructuredErrorFunc(&err, xml_error_cb);
    xmlDocPtr doc = xmlReadMemory(xml, (int)size, name, NULL, parse_options);
    xmlSetStructuredErrorFunc(NULL, NULL);
    return load_doc(doc, name, &err, out);
}

/* ---- Writing ---- */

static void xml_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

int hr_config_write(const hr_experiment *e, FILE *f)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<!-- Resolved by hydrores %s: every setting, defaults included. -->\n",
#ifdef HR_VERSION
            HR_VERSION
#else
            ""
#endif
    );
    fprintf(f, "<experiment name=\"");
    xml_escape(f, e->name);
    fprintf(f, "\">\n");
    for (int id = 0; id < HR_NSECTIONS; id++) {
        const hr_section *s = e->sec[id];
        if (!s)
            continue;
        if (strcmp(s->kind, "default") == 0)
            fprintf(f, "  <%s>\n", s->name);
        else
            fprintf(f, "  <%s kind=\"%s\">\n", s->name, s->kind);
        for (int i = 0; i < s->nspec; i++) {
            char buf[8192];
            hr_section_format(s, i, buf, sizeof buf);
            fprintf(f, "    <%s>", s->spec[i].name);
            xml_escape(f, buf);
            fprintf(f, "</%s>\n", s->spec[i].name);
        }
        fprintf(f, "  </%s>\n", s->name);
    }
    if (e->ngenes) {
        fprintf(f, "  <genes>\n");
        for (int i = 0; i < e->ngenes; i++) {
            const hr_gene *g = &e->genes[i];
            fprintf(f, "    <gene name=\"%s\" target=\"%s\" lo=\"%.17g\" hi=\"%.17g\"", g->name,
                    g->target, g->lo, g->hi);
            if (!isnan(g->value))
                fprintf(f, " value=\"%.17g\"", g->value);
            fprintf(f, "/>\n");
        }
        fprintf(f, "  </genes>\n");
    }
    fprintf(f, "</experiment>\n");
    return ferror(f) ? HR_ERROR(HR_EIO, "write error") : HR_OK;
}

int hr_config_write_file(const hr_experiment *e, const char *path)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return HR_ERROR(HR_ENOMEM, "%s: out of memory", path);
    int st = hr_config_write(e, f);
    if (fclose(f) != 0 && !st)
        st = HR_ERROR(HR_ENOMEM, "%s: out of memory", path);
    if (!st)
        st = hr_write_atomic(path, buf, size, "experiment");
    free(buf);
    return st;
}

/* Drops the budget line (<evaluations>): the budget is not part of a run's
 * identity, so a resumed run may be given a larger one. */
static void drop_budget(char *text)
{
    char *p = text ? strstr(text, "<evaluations>") : NULL;
    if (!p)
        return;
    char *end = strchr(p, '\n');
    memmove(p, end ? end : p + strlen(p), strlen(end ? end : p + strlen(p)) + 1);
}

char *hr_config_text(const hr_experiment *e, int without_budget)
{
    char *buf = NULL;
    size_t size;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    int st = hr_config_write(e, f);
    fclose(f);
    if (st) {
        free(buf);
        return NULL;
    }
    if (without_budget)
        drop_budget(buf);
    return buf;
}

char *hr_config_text_of_file(const char *path, int without_budget)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap = cap ? 2 * cap : 4096);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        buf[n++] = (char)c;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (without_budget)
        drop_budget(buf);
    return buf;
}
