/* sw_expr.c — a small, safe expression language for bathymetry formulas
 * H(x, y): a recursive-descent parser that compiles the text to postfix code,
 * and a stack machine that evaluates it. No allocation during evaluation, a
 * bounded nesting depth and a bounded evaluation stack, so any input string
 * either compiles or fails with a message giving the character position.
 *
 * Grammar (whitespace ignored between tokens):
 *     expr    := term (('+' | '-') term)*
 *     term    := unary (('*' | '/') unary)*
 *     unary   := ('-' | '+') unary | power
 *     power   := primary ('^' unary)?        (right-associative: 2^3^2 = 2^9)
 *     primary := number | 'x' | 'y' | 'pi' | name '(' expr (',' expr)? ')' | '(' expr ')'
 * so -x^2 is -(x^2), as in mathematics. */
#include "shallowwater/sw.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

/* Deepest nesting of parentheses / unary operators, and deepest stack. */
#define EXPR_MAX_DEPTH 64
#define EXPR_MAX_STACK 64
/* Longest formula accepted. */
#define EXPR_MAX_LEN 4096

enum op {
    OP_NUM, OP_X, OP_Y, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_NEG,
    OP_SIN, OP_COS, OP_TAN, OP_EXP, OP_LOG, OP_SQRT, OP_TANH, OP_ABS, OP_MIN, OP_MAX
};

static const struct {
    const char *name;
    int op;
    int nargs;
} functions[] = {
    {"sin", OP_SIN, 1},   {"cos", OP_COS, 1},   {"tan", OP_TAN, 1},   {"exp", OP_EXP, 1},
    {"log", OP_LOG, 1},   {"sqrt", OP_SQRT, 1}, {"tanh", OP_TANH, 1}, {"abs", OP_ABS, 1},
    {"min", OP_MIN, 2},   {"max", OP_MAX, 2},
};
#define NFUNCTIONS (sizeof functions / sizeof functions[0])

typedef struct instr {
    int op;
    double value; /* OP_NUM */
} instr;

struct hr_sw_expr {
    int n;       /* instructions */
    instr *code; /* postfix code */
};

typedef struct parser {
    const char *text;
    size_t pos;      /* next character */
    int depth;       /* current nesting */
    int sp, maxsp;   /* evaluation stack height while emitting */
    hr_sw_expr *e;
    int cap;
    int status;      /* first error, or HR_OK */
} parser;

static int fail(parser *ps, size_t at, const char *what)
{
    if (ps->status == HR_OK) {
        char near[16];
        size_t k = 0;
        for (const char *c = ps->text + at; *c && k < 10; c++)
            near[k++] = *c;
        near[k] = '\0';
        if (k > 0)
            ps->status = HR_ERROR(HR_EPARSE, "%s at character %zu (near \"%s\")", what, at + 1,
                                  near);
        else
            ps->status = HR_ERROR(HR_EPARSE, "%s at character %zu (the end of the formula)",
                                  what, at + 1);
    }
    return ps->status;
}

static void skip_space(parser *ps)
{
    while (isspace((unsigned char)ps->text[ps->pos]))
        ps->pos++;
}

static int emit(parser *ps, int op, double value, int pops, int pushes)
{
    if (ps->e->n == ps->cap) {
        int cap = ps->cap ? 2 * ps->cap : 16;
        instr *c = realloc(ps->e->code, (size_t)cap * sizeof *c);
        if (!c) {
            if (ps->status == HR_OK)
                ps->status = HR_ERROR(HR_ENOMEM, "out of memory compiling the formula");
            return ps->status;
        }
        ps->e->code = c;
        ps->cap = cap;
    }
    ps->e->code[ps->e->n].op = op;
    ps->e->code[ps->e->n].value = value;
    ps->e->n++;
    ps->sp += pushes - pops;
    if (ps->sp > ps->maxsp)
        ps->maxsp = ps->sp;
    if (ps->maxsp > EXPR_MAX_STACK)
        return fail(ps, ps->pos, "the formula is too complex (its evaluation needs more than "
                                 "64 stack slots)");
    return HR_OK;
}

static int parse_expr(parser *ps);
static int parse_unary(parser *ps);

static int parse_number(parser *ps)
{
    const char *t = ps->text;
    size_t start = ps->pos, p = ps->pos;
    int digits = 0;
    while (isdigit((unsigned char)t[p]))
        p++, digits++;
    if (t[p] == '.') {
        p++;
        while (isdigit((unsigned char)t[p]))
            p++, digits++;
    }
    if (digits == 0)
        return fail(ps, start, "expected a number");
    if (t[p] == 'e' || t[p] == 'E') {
        size_t q = p + 1;
        if (t[q] == '+' || t[q] == '-')
            q++;
        if (!isdigit((unsigned char)t[q]))
            return fail(ps, q, "expected the digits of an exponent");
        while (isdigit((unsigned char)t[q]))
            q++;
        p = q;
    }
    char buf[64];
    if (p - start >= sizeof buf)
        return fail(ps, start, "number too long (at most 63 characters)");
    memcpy(buf, t + start, p - start);
    buf[p - start] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return fail(ps, start, "number out of range");
    ps->pos = p;
    return emit(ps, OP_NUM, v, 0, 1);
}

static int parse_primary(parser *ps)
{
    skip_space(ps);
    const char *t = ps->text;
    size_t start = ps->pos;
    char c = t[start];
    if (isdigit((unsigned char)c) || c == '.')
        return parse_number(ps);
    if (c == '(') {
        ps->pos++;
        int st = parse_expr(ps);
        if (st)
            return st;
        skip_space(ps);
        if (t[ps->pos] != ')')
            return fail(ps, ps->pos, "expected ')' to close the '(' opened earlier");
        ps->pos++;
        return HR_OK;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t p = start;
        while (isalnum((unsigned char)t[p]) || t[p] == '_')
            p++;
        size_t len = p - start;
        ps->pos = p;
        if (len == 1 && c == 'x')
            return emit(ps, OP_X, 0, 0, 1);
        if (len == 1 && c == 'y')
            return emit(ps, OP_Y, 0, 0, 1);
        if (len == 2 && strncmp(t + start, "pi", 2) == 0)
            return emit(ps, OP_NUM, M_PI, 0, 1);
        for (size_t f = 0; f < NFUNCTIONS; f++) {
            if (strlen(functions[f].name) != len || strncmp(functions[f].name, t + start, len))
                continue;
            skip_space(ps);
            if (t[ps->pos] != '(')
                return fail(ps, ps->pos, "expected '(' after a function name");
            ps->pos++;
            for (int a = 0; a < functions[f].nargs; a++) {
                if (a > 0) {
                    skip_space(ps);
                    if (t[ps->pos] != ',')
                        return fail(ps, ps->pos, functions[f].nargs == 2
                                                     ? "expected ',' (this function takes 2 "
                                                       "arguments)"
                                                     : "expected ','");
                    ps->pos++;
                }
                int st = parse_expr(ps);
                if (st)
                    return st;
            }
            skip_space(ps);
            if (t[ps->pos] != ')')
                return fail(ps, ps->pos, functions[f].nargs == 1
                                             ? "expected ')' (this function takes 1 argument)"
                                             : "expected ')' (this function takes 2 "
                                               "arguments)");
            ps->pos++;
            return emit(ps, functions[f].op, 0, functions[f].nargs, 1);
        }
        return fail(ps, start, "unknown name (allowed: x, y, pi, sin, cos, tan, exp, log, "
                               "sqrt, tanh, abs, min, max)");
    }
    if (c == '\0')
        return fail(ps, start, "expected a number, a name or '(' but the formula ended");
    return fail(ps, start, "expected a number, a name or '('");
}

static int parse_power(parser *ps)
{
    int st = parse_primary(ps);
    if (st)
        return st;
    skip_space(ps);
    if (ps->text[ps->pos] == '^') {
        ps->pos++;
        st = parse_unary(ps);
        if (st)
            return st;
        return emit(ps, OP_POW, 0, 2, 1);
    }
    return HR_OK;
}

static int parse_unary(parser *ps)
{
    if (++ps->depth > EXPR_MAX_DEPTH)
        return fail(ps, ps->pos, "the formula is nested too deeply (at most 64 levels)");
    skip_space(ps);
    char c = ps->text[ps->pos];
    int st;
    if (c == '-' || c == '+') {
        ps->pos++;
        st = parse_unary(ps);
        if (!st && c == '-')
            st = emit(ps, OP_NEG, 0, 1, 1);
    } else {
        st = parse_power(ps);
    }
    ps->depth--;
    return st;
}

static int parse_term(parser *ps)
{
    int st = parse_unary(ps);
    while (!st) {
        skip_space(ps);
        char c = ps->text[ps->pos];
        if (c != '*' && c != '/')
            break;
        ps->pos++;
        st = parse_unary(ps);
        if (!st)
            st = emit(ps, c == '*' ? OP_MUL : OP_DIV, 0, 2, 1);
    }
    return st;
}

static int parse_expr(parser *ps)
{
    if (++ps->depth > EXPR_MAX_DEPTH)
        return fail(ps, ps->pos, "the formula is nested too deeply (at most 64 levels)");
    int st = parse_term(ps);
    while (!st) {
        skip_space(ps);
        char c = ps->text[ps->pos];
        if (c != '+' && c != '-')
            break;
        ps->pos++;
        st = parse_term(ps);
        if (!st)
            st = emit(ps, c == '+' ? OP_ADD : OP_SUB, 0, 2, 1);
    }
    ps->depth--;
    return st;
}

int hr_sw_expr_compile(hr_sw_expr **out, const char *text)
{
    if (!out)
        return HR_ERROR(HR_EINVAL, "sw_expr_compile: out is NULL");
    *out = NULL;
    if (!text)
        return HR_ERROR(HR_EINVAL, "sw_expr_compile: text is NULL");
    if (strlen(text) > EXPR_MAX_LEN)
        return HR_ERROR(HR_EPARSE, "formula of %zu characters is too long (at most %d)",
                        strlen(text), EXPR_MAX_LEN);
    hr_sw_expr *e = calloc(1, sizeof *e);
    if (!e)
        return HR_ERROR(HR_ENOMEM, "out of memory compiling the formula");
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.text = text;
    ps.e = e;
    ps.status = HR_OK;
    skip_space(&ps);
    int st;
    if (text[ps.pos] == '\0')
        st = fail(&ps, ps.pos, "empty formula: expected an expression");
    else
        st = parse_expr(&ps);
    if (!st) {
        skip_space(&ps);
        if (text[ps.pos] != '\0')
            st = fail(&ps, ps.pos, text[ps.pos] == ')' ? "unmatched ')'"
                                                       : "unexpected character after a "
                                                         "complete expression (a missing "
                                                         "operator?)");
    }
    if (st) {
        hr_sw_expr_free(e);
        return st;
    }
    *out = e;
    return HR_OK;
}

double hr_sw_expr_eval(const hr_sw_expr *e, double x, double y)
{
    if (!e)
        return NAN;
    double st[EXPR_MAX_STACK + 1];
    int sp = 0;
    for (int k = 0; k < e->n; k++) {
        const instr *in = &e->code[k];
        switch (in->op) {
        case OP_NUM: st[sp++] = in->value; break;
        case OP_X: st[sp++] = x; break;
        case OP_Y: st[sp++] = y; break;
        case OP_ADD: sp--; st[sp - 1] += st[sp]; break;
        case OP_SUB: sp--; st[sp - 1] -= st[sp]; break;
        case OP_MUL: sp--; st[sp - 1] *= st[sp]; break;
        case OP_DIV: sp--; st[sp - 1] /= st[sp]; break;
        case OP_POW: sp--; st[sp - 1] = pow(st[sp - 1], st[sp]); break;
        case OP_MIN: sp--; st[sp - 1] = fmin(st[sp - 1], st[sp]); break;
        case OP_MAX: sp--; st[sp - 1] = fmax(st[sp - 1], st[sp]); break;
        case OP_NEG: st[sp - 1] = -st[sp - 1]; break;
        case OP_SIN: st[sp - 1] = sin(st[sp - 1]); break;
        case OP_COS: st[sp - 1] = cos(st[sp - 1]); break;
        case OP_TAN: st[sp - 1] = tan(st[sp - 1]); break;
        case OP_EXP: st[sp - 1] = exp(st[sp - 1]); break;
        case OP_LOG: st[sp - 1] = log(st[sp - 1]); break;
        case OP_SQRT: st[sp - 1] = sqrt(st[sp - 1]); break;
        case OP_TANH: st[sp - 1] = tanh(st[sp - 1]); break;
        case OP_ABS: st[sp - 1] = fabs(st[sp - 1]); break;
        default: return NAN;
        }
    }
    return sp == 1 ? st[0] : NAN;
}

void hr_sw_expr_free(hr_sw_expr *e)
{
    if (!e)
        return;
    free(e->code);
    free(e);
}
