/* util.c - allocation that cannot fail, growable strings and string lists.
 *
 * See util.h for the contract. The growth policy doubles capacity so that
 * appending n bytes one at a time costs O(n) overall.
 */
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- allocation ---------------------------------------------------------- */

static void die_oom(size_t n)
{
    fprintf(stderr, "mekiki: out of memory allocating %zu bytes\n", n);
    abort();
}

void *mk_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die_oom(n);
    return p;
}

void *mk_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        die_oom(count * size);
    return p;
}

void *mk_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die_oom(n);
    return q;
}

char *mk_xstrdup(const char *s)
{
    return s ? mk_xstrndup(s, strlen(s)) : NULL;
}

char *mk_xstrndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *d = mk_xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *mk_xasprintf(const char *fmt, ...)
{
    mk_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return mk_xstrdup("");
    }
    if ((size_t)n < sizeof small) {
        va_end(ap2);
        return mk_xstrdup(small);
    }
    b.data = mk_xmalloc((size_t)n + 1);
    vsnprintf(b.data, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return b.data;
}

/* ---- ASCII helpers ------------------------------------------------------- */

char *mk_ascii_lower_inplace(char *s)
{
    for (char *p = s; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

bool mk_ascii_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    return strcasecmp(a, b) == 0;
}

bool mk_ascii_ends_with(const char *s, const char *suffix)
{
    if (!s || !suffix)
        return false;
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

const char *mk_memrchr(const char *s, char c, size_t n)
{
    while (n > 0)
        if (s[--n] == c)
            return s + n;
    return NULL;
}

const char *mk_memmem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return hay;
    const char *end = hay + hlen;
    for (const char *p = hay; (size_t)(end - p) >= nlen; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, nlen) == 0)
            return p;
    }
    return NULL;
}

const char *mk_ascii_istr(const char *haystack, const char *needle)
{
    if (!haystack || !needle)
        return NULL;
    size_t n = strlen(needle);
    if (n == 0)
        return haystack;
    for (const char *p = haystack; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* ---- mk_strbuf ----------------------------------------------------------- */

static void strbuf_reserve(mk_strbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = mk_xrealloc(b->data, cap);
    b->cap = cap;
}

void mk_strbuf_append(mk_strbuf *b, const char *s, size_t n)
{
    strbuf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void mk_strbuf_puts(mk_strbuf *b, const char *s)
{
    if (s)
        mk_strbuf_append(b, s, strlen(s));
}

void mk_strbuf_reserve(mk_strbuf *b, size_t extra)
{
    strbuf_reserve(b, extra);
}

void mk_strbuf_printf(mk_strbuf *b, const char *fmt, ...)
{
    /* Try to format into the spare capacity; grow once to the exact size if short. */
    strbuf_reserve(b, 128);
    size_t room = b->cap - b->len;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n >= room) {
        strbuf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0)
        b->len += (size_t)n;
    b->data[b->len] = '\0';
}

char *mk_strbuf_steal(mk_strbuf *b)
{
    char *s = b->data ? b->data : mk_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void mk_strbuf_free(mk_strbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- mk_strlist ---------------------------------------------------------- */

void mk_strlist_push_owned(mk_strlist *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = mk_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

void mk_strlist_push(mk_strlist *l, const char *s)
{
    mk_strlist_push_owned(l, mk_xstrdup(s ? s : ""));
}

bool mk_strlist_contains(const mk_strlist *l, const char *s)
{
    for (size_t i = 0; s && i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

void mk_strlist_free(mk_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* ---- time ---------------------------------------------------------------- */

double mk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
