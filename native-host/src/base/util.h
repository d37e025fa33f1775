/* util.h - small allocation and string helpers shared by every module.
 *
 * Allocation failure is not recoverable for an analyser of one message at a
 * time, so the mk_x* allocators abort with a message instead of returning
 * NULL; everything else in the host can then treat allocation as total.
 * mk_strbuf is a growable NUL-terminated byte buffer; mk_strlist is a growable
 * array of owned strings. Both are plain structs so they can live on the
 * stack or inside other structs; initialise with {0}.
 */
#ifndef MK_UTIL_H
#define MK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* printf-style format checking. mingw-w64 builds use C99 formats (%zu), which
 * its compiler checks under its own archetype name. */
#ifdef __MINGW_PRINTF_FORMAT
#define MK_PRINTF(fmt, args) __attribute__((format(__MINGW_PRINTF_FORMAT, fmt, args)))
#else
#define MK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#endif

void *mk_xmalloc(size_t n);
void *mk_xcalloc(size_t count, size_t size);
void *mk_xrealloc(void *p, size_t n);
char *mk_xstrdup(const char *s);             /* NULL in, NULL out */
char *mk_xstrndup(const char *s, size_t n);  /* copies at most n bytes, always terminates */
char *mk_xasprintf(const char *fmt, ...) MK_PRINTF(1, 2);

/* ASCII-only helpers: mail protocol tokens are ASCII, so locale-free. */
char *mk_ascii_lower_inplace(char *s);
bool mk_ascii_ieq(const char *a, const char *b);
bool mk_ascii_ends_with(const char *s, const char *suffix);   /* case-insensitive */
const char *mk_ascii_istr(const char *haystack, const char *needle);

/* The last byte c in s[0..n), or NULL (memrchr, which only glibc has). */
const char *mk_memrchr(const char *s, char c, size_t n);
/* The first needle[0..nlen) in hay[0..hlen), or NULL (memmem, which Windows
 * lacks). O(hlen * nlen): meant for short needles. */
const char *mk_memmem(const char *hay, size_t hlen, const char *needle, size_t nlen);

typedef struct mk_strbuf {
    char *data;   /* NUL-terminated while len > 0 or after any append */
    size_t len;
    size_t cap;
} mk_strbuf;

void mk_strbuf_append(mk_strbuf *b, const char *s, size_t n);
void mk_strbuf_puts(mk_strbuf *b, const char *s);
/* Appends one byte. Inline, since text is copied a byte at a time in the
 * page and charset loops; growing is left to mk_strbuf_reserve. */
void mk_strbuf_reserve(mk_strbuf *b, size_t extra);
static inline void mk_strbuf_putc(mk_strbuf *b, char c)
{
    if (b->len + 2 > b->cap)
        mk_strbuf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
/* mk_strbuf_reserve (above): room for extra more bytes and the NUL; grows by doubling. */
void mk_strbuf_printf(mk_strbuf *b, const char *fmt, ...) MK_PRINTF(2, 3);
char *mk_strbuf_steal(mk_strbuf *b);         /* returns the buffer ("" if empty), resets b */
void mk_strbuf_free(mk_strbuf *b);

typedef struct mk_strlist {
    char **v;
    size_t n;
    size_t cap;
} mk_strlist;

void mk_strlist_push(mk_strlist *l, const char *s);       /* copies s */
void mk_strlist_push_owned(mk_strlist *l, char *s);       /* takes s */
bool mk_strlist_contains(const mk_strlist *l, const char *s);  /* exact match */
void mk_strlist_free(mk_strlist *l);

/* Monotonic clock in milliseconds, for timing fields in reports. */
double mk_now_ms(void);

#endif
