/* mime_prescan.c - one pass over the bytes GMime will parse (see mime_prescan.h).
 *
 * The pass goes line by line. A line that starts with "--" and a boundary
 * declared before it is a delimiter: past the budget its second dash
 * becomes a space. Other "--" lines cost GMime a comparison with each open
 * boundary; past a total they lose their second dash too. A line that
 * starts a Content-Type field (the name, optional blanks, a colon) is read
 * with its continuation lines by a small parser that follows GMime's own:
 * CFWS (white space, line folds and nested comments) may stand between any
 * two tokens; after type "/" subtype anything up to the first ';' is skipped;
 * each parameter is a token name, optional RFC 2231 "*", section number and
 * "*", then "=" and a quoted string or (loosely) everything up to the next
 * ';'. Every well-formed parameter named "boundary" counts. Any
 * "Content-..." field is also looked at for RFC 2047 encoded words, which
 * GMime decodes on its own. Such lines are
 * also looked for in bodies, where GMime would not read them as fields: that
 * only counts a few boundaries more than GMime would, never fewer.
 */
#include "mime_prescan.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "unread.h"
#include "util.h"

/* ---- one field value, as GMime's parameter parser reads it ---- */

typedef struct {
    char *p;     /* next byte */
    char *end;   /* end of the field; a NUL ends it earlier, as it does for GMime */
} cursor;

static bool at_end(const cursor *c)
{
    return c->p >= c->end || *c->p == '\0';
}

static bool is_lwsp(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool is_ttoken(char ch)
{
    unsigned char u = (unsigned char)ch;
    if (u >= 0x80)
        return true;
    return u > 0x20 && u != 0x7f && !strchr("()<>@,;:\\\"/[]?=", ch);
}

static void skip_lwsp(cursor *c)
{
    while (!at_end(c) && is_lwsp(*c->p))
        c->p++;
}

/* Skips white space and comments; an unterminated comment leaves the cursor
 * where it was, as in GMime. */
static void skip_cfws(cursor *c)
{
    cursor t = *c;
    skip_lwsp(&t);
    while (!at_end(&t) && *t.p == '(') {
        int depth = 1;
        t.p++;
        while (!at_end(&t) && depth) {
            if (*t.p == '\\' && t.p + 1 < t.end && t.p[1])
                t.p++;
            else if (*t.p == '(')
                depth++;
            else if (*t.p == ')')
                depth--;
            t.p++;
        }
        if (depth)
            return;
        skip_lwsp(&t);
    }
    *c = t;
}

/* A token after CFWS; its start and length, or len 0 when none. */
static char *read_token(cursor *c, size_t *len, bool stop_at_star)
{
    skip_cfws(c);
    char *start = c->p;
    while (!at_end(c) && is_ttoken(*c->p) && !(stop_at_star && *c->p == '*'))
        c->p++;
    *len = (size_t)(c->p - start);
    return start;
}

static bool token_is(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && strncasecmp(s, word, len) == 0;
}

/* Reads a parameter value as GMime does: a quoted string, unescaped (left
 * open, it keeps its opening quote), or, loosely, everything up to the next
 * ';' less trailing blanks. The value goes into *out; false when empty. */
static bool read_value(cursor *c, mk_strbuf *out)
{
    skip_cfws(c);
    out->len = 0;
    if (at_end(c))
        return false;
    if (*c->p == '"') {
        char *open = c->p++;
        while (!at_end(c) && *c->p != '"')
            if (*c->p++ == '\\' && !at_end(c))
                c->p++;
        bool closed = !at_end(c);
        const char *from = closed ? open + 1 : open;
        for (const char *q = from; q < c->p; q++) {
            if (*q == '\\' && q + 1 < c->p)
                q++;
            mk_strbuf_putc(out, *q);
        }
        if (closed)
            c->p++;
        return true;
    }
    char *start = c->p;
    while (!at_end(c) && *c->p != ';')
        c->p++;
    char *stop = c->p;
    while (stop > start && is_lwsp(stop[-1]))
        stop--;
    mk_strbuf_append(out, start, (size_t)(stop - start));
    return stop > start;
}

/* One parameter "name[*[n][*]] = value": the name's start and length when
 * it is well formed (else NULL), its value in *value, and in *sectioned
 * whether it is an RFC 2231 form. */
static char *read_parameter(cursor *c, size_t *name_len, mk_strbuf *value, bool *sectioned)
{
    char *name = read_token(c, name_len, true);
    skip_cfws(c);
    *sectioned = !at_end(c) && *c->p == '*';
    if (*sectioned) {
        c->p++;
        skip_cfws(c);
        if (!at_end(c) && *c->p != '=') {
            skip_cfws(c);
            while (!at_end(c) && *c->p >= '0' && *c->p <= '9')
                c->p++;
            skip_cfws(c);
            if (!at_end(c) && *c->p == '*') {
                c->p++;
                skip_cfws(c);
            }
        }
    }
    if (at_end(c) || *c->p != '=')
        return NULL;
    c->p++;
    return read_value(c, value) && *name_len ? name : NULL;
}

/* ---- the declared boundaries ---- */

/* Delimiter lines are recognised as GMime does: "--", a declared boundary,
 * optionally "--", then only blanks. The boundaries declared so far are kept
 * in a small hash table. A boundary GMime would assemble from RFC 2231
 * sections or decode from encoded words is not worth imitating: after one
 * of those every "--" line counts as a delimiter, which is never fewer. */
#define BOUNDARY_SLOTS 256   /* twice MK_PRESCAN_MAX_BOUNDARIES */
#define MAX_BOUNDARY_LEN 1024

typedef struct {
    char *slot[BOUNDARY_SLOTS];
    size_t len[BOUNDARY_SLOTS];
    bool every_dash_line;
} boundary_set;

static size_t hash_bytes(const char *s, size_t n)
{
    size_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void boundary_add(boundary_set *set, const mk_strbuf *value, bool sectioned)
{
    const char *v = value->data ? value->data : "";   /* an empty quoted value has no buffer */
    if (sectioned || value->len > MAX_BOUNDARY_LEN || mk_memmem(v, value->len, "=?", 2)) {
        set->every_dash_line = true;
        return;
    }
    size_t i = hash_bytes(v, value->len) % BOUNDARY_SLOTS;
    while (set->slot[i]) {
        if (set->len[i] == value->len && memcmp(set->slot[i], v, value->len) == 0)
            return;
        i = (i + 1) % BOUNDARY_SLOTS;
    }
    set->slot[i] = mk_xstrndup(v, value->len);
    set->len[i] = value->len;
}

static bool boundary_known(const boundary_set *set, const char *s, size_t n)
{
    for (size_t i = hash_bytes(s, n) % BOUNDARY_SLOTS; set->slot[i]; i = (i + 1) % BOUNDARY_SLOTS)
        if (set->len[i] == n && memcmp(set->slot[i], s, n) == 0)
            return true;
    return false;
}

/* Whether the line [p, eol) is a delimiter of a declared boundary. */
static bool is_delimiter(const boundary_set *set, const char *p, const char *eol)
{
    if (eol - p < 2 || p[0] != '-' || p[1] != '-')
        return false;
    if (set->every_dash_line)
        return true;
    const char *e = eol;
    while (e > p + 2 && is_lwsp(e[-1]))
        e--;
    size_t n = (size_t)(e - p - 2);
    return boundary_known(set, p + 2, n) || (n >= 2 && e[-1] == '-' && e[-2] == '-' &&
                                            boundary_known(set, p + 2, n - 2));
}

static void boundary_set_free(boundary_set *set)
{
    for (size_t i = 0; i < BOUNDARY_SLOTS; i++)
        free(set->slot[i]);
}

typedef struct {
    boundary_set declared;
    size_t boundaries;   /* boundary parameters seen */
    size_t delimiters;   /* delimiter lines seen */
    size_t dash_work;    /* boundary comparisons GMime makes for "--" lines that are no delimiter */
    size_t parts;        /* delimiter lines allowed */
    size_t encoded_words; /* encoded words in MIME fields still allowed */
    bool in_block;       /* inside what may be a part's header block */
    size_t block_lines;  /* lines this block may still have */
    size_t header_lines; /* header block lines the whole input may still have */
    unsigned unread;
} prescan;

/* Reads one Content-Type value [v, end): renames attached-message types and
 * counts (and past the bound defuses) boundary parameters. */
static void read_content_type(prescan *s, char *v, char *end)
{
    cursor c = {v, end};
    size_t type_len, sub_len;
    char *type = read_token(&c, &type_len, false);
    skip_cfws(&c);
    if (at_end(&c) || *c.p != '/')
        return;
    c.p++;
    char *sub = read_token(&c, &sub_len, false);
    if (!sub_len)
        return;
    if (token_is(type, type_len, "message") &&
        (token_is(sub, sub_len, "rfc822") || token_is(sub, sub_len, "global") || token_is(sub, sub_len, "news")))
        type[0] = MK_PRESCAN_MESSAGE_TYPE[0];
    if (token_is(type, type_len, "multipart") && token_is(sub, sub_len, "digest"))
        sub[0] = MK_PRESCAN_DIGEST_SUBTYPE[0];
    while (!at_end(&c) && *c.p != ';')
        c.p++;
    mk_strbuf value = {0};
    while (!at_end(&c) && *c.p == ';') {
        c.p++;
        skip_cfws(&c);
        if (at_end(&c))
            break;
        size_t name_len;
        bool sectioned;
        cursor before = c;
        char *name = read_parameter(&c, &name_len, &value, &sectioned);
        if (!name) {
            c = before;   /* GMime does not move past a malformed parameter ... */
            skip_cfws(&c);
            continue;     /* ... so the list ends there unless it was empty */
        }
        if (token_is(name, name_len, "boundary")) {
            if (++s->boundaries > MK_PRESCAN_MAX_BOUNDARIES) {
                name[0] = 'X';
                s->unread |= MK_UNREAD_NESTING;
            } else {
                boundary_add(&s->declared, &value, sectioned);
            }
        }
        skip_cfws(&c);
    }
    mk_strbuf_free(&value);
}

/* ---- lines ---- */

static char *line_end(char *p, char *end)
{
    char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* Length of the field name, blanks and colon when the line starts a
 * "Content-..." field, else 0. */
static size_t content_field(const char *line, const char *end)
{
    size_t n = 8;
    if ((size_t)(end - line) <= n || (line[0] | 0x20) != 'c' || strncasecmp(line, "content-", n) != 0)
        return 0;
    while (line + n < end && line[n] != ':' && is_ttoken(line[n]))
        n++;
    while (line + n < end && (line[n] == ' ' || line[n] == '\t'))
        n++;
    return line + n < end && line[n] == ':' ? n + 1 : 0;
}

static bool names_content_type(const char *line, size_t field)
{
    return field >= 13 && strncasecmp(line, "content-type", 12) == 0 &&
           (line[12] == ':' || line[12] == ' ' || line[12] == '\t');
}

/* GMime decodes the encoded words of MIME fields itself (file names,
 * descriptions), opening a converter for each; past the message's budget
 * an encoded word's "=?" becomes "=_", which leaves it as plain text. */
static void ration_encoded_words(prescan *s, char *v, char *end)
{
    for (char *p = v; (p = memchr(p, '=', (size_t)(end - p))) != NULL && p + 1 < end; p++) {
        if (p[1] != '?')
            continue;
        if (s->encoded_words == 0) {
            p[1] = '_';
            s->unread |= MK_UNREAD_HEADER_DECODING;
        } else {
            s->encoded_words--;
        }
    }
}

/* GMime compares every line that starts with "--" with every open
 * boundary; a text of such lines under many boundaries costs their product.
 * Past MK_PRESCAN_MAX_DASH_WORK comparisons (far beyond any real message)
 * such lines lose their second dash, which changes no structure. */
static bool dash_line_costs_too_much(prescan *s)
{
    size_t open = s->boundaries < MK_PRESCAN_MAX_BOUNDARIES ? s->boundaries : MK_PRESCAN_MAX_BOUNDARIES;
    s->dash_work += open;
    return s->dash_work > MK_PRESCAN_MAX_DASH_WORK;
}

/* Counts a line of a part's header block; past the bounds the line's first
 * byte becomes a line break, which ends the block for GMime (the rest of the
 * block stays as content). */
static void count_header_line(prescan *s, char *line)
{
    if (s->block_lines == 0 || s->header_lines == 0) {
        line[0] = '\n';
        s->in_block = false;
        s->unread |= MK_UNREAD_PART_HEADERS;
        return;
    }
    s->block_lines--;
    s->header_lines--;
}

/* Ends an over-long MIME field at the first byte from `from` on that can
 * become a line break without the next line reading as a fold; what
 * follows is a line that is no field, which GMime skips. Returns the new
 * end of the field. */
static char *cut_field(prescan *s, char *from, char *stop)
{
    char *c = from;
    while (c < stop && (*c == '\r' || *c == '\n' || c[1] == ' ' || c[1] == '\t'))
        c++;
    if (c >= stop)
        return stop;
    *c = '\n';
    s->unread |= MK_UNREAD_PART_HEADERS;
    return c;
}

unsigned mk_mime_prescan(char *buf, size_t len, size_t parts)
{
    prescan s = {.parts = parts, .encoded_words = MK_PRESCAN_MAX_ENCODED_WORDS,
                 .header_lines = MK_PRESCAN_MAX_HEADER_LINES, .in_block = true,
                 .block_lines = MK_PRESCAN_MAX_BLOCK_LINES};
    char *p = buf, *end = buf + len;
    while (p < end) {
        char *eol = line_end(p, end);
        size_t field;
        bool blank = eol == p || (eol - p == 1 && p[0] == '\r');
        if (is_delimiter(&s.declared, p, eol)) {
            if (++s.delimiters > s.parts) {
                p[1] = ' ';
                s.unread |= MK_UNREAD_PARTS;
            } else {
                s.in_block = true;   /* a part's header block may follow */
                s.block_lines = MK_PRESCAN_MAX_BLOCK_LINES;
            }
            p = eol < end ? eol + 1 : end;
            continue;
        }
        if (eol - p >= 2 && p[0] == '-' && p[1] == '-' && dash_line_costs_too_much(&s))
            p[1] = ' ';
        if (blank)
            s.in_block = false;
        else if (s.in_block)
            count_header_line(&s, p);
        if (p[0] == '\n') {
            p++;   /* the line just cut: its rest is read as content */
            continue;
        }
        if ((field = content_field(p, eol)) > 0) {
            char *stop = eol;   /* the field runs on over continuation lines */
            while (stop + 1 < end && (stop[1] == ' ' || stop[1] == '\t'))
                stop = line_end(stop + 1, end);
            if ((size_t)(stop - p) > MK_PRESCAN_MAX_FIELD)
                stop = cut_field(&s, p + MK_PRESCAN_MAX_FIELD, stop);
            if (names_content_type(p, field))
                read_content_type(&s, p + field, stop);
            ration_encoded_words(&s, p + field, stop);
            for (char *nl = eol; s.in_block && nl < stop; nl = line_end(nl + 1, end))
                count_header_line(&s, nl + 1);   /* each continuation line */
            eol = stop;
        }
        p = eol < end ? eol + 1 : end;
    }
    boundary_set_free(&s.declared);
    return s.unread;
}
