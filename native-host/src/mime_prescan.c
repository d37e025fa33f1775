/* mime_prescan.c - one pass over the bytes GMime will parse (see mime_prescan.h).
 *
 * The pass goes line by line. A line that starts with "--" may be a
 * delimiter: past the budget its second dash becomes a space. A line that
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
#include <string.h>
#include <strings.h>

#include "unread.h"

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

/* Skips a parameter value: a quoted string (to its closing quote, or the end)
 * or, loosely, everything up to the next ';'. */
static bool skip_value(cursor *c)
{
    skip_cfws(c);
    if (at_end(c))
        return false;
    if (*c->p == '"') {
        c->p++;
        while (!at_end(c) && *c->p != '"')
            if (*c->p++ == '\\' && !at_end(c))
                c->p++;
        if (!at_end(c))
            c->p++;
        return true;
    }
    char *start = c->p;
    while (!at_end(c) && *c->p != ';')
        c->p++;
    char *stop = c->p;
    while (stop > start && is_lwsp(stop[-1]))
        stop--;
    return stop > start;
}

/* One parameter "name[*[n][*]] = value"; the name's start and length when it
 * is well formed, else NULL. */
static char *read_parameter(cursor *c, size_t *name_len)
{
    char *name = read_token(c, name_len, true);
    skip_cfws(c);
    if (!at_end(c) && *c->p == '*') {
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
    return skip_value(c) && *name_len ? name : NULL;
}

typedef struct {
    size_t boundaries;   /* boundary parameters seen */
    size_t delimiters;   /* delimiter lines seen */
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
    while (!at_end(&c) && *c.p == ';') {
        c.p++;
        skip_cfws(&c);
        if (at_end(&c))
            break;
        size_t name_len;
        cursor before = c;
        char *name = read_parameter(&c, &name_len);
        if (!name) {
            c = before;   /* GMime does not move past a malformed parameter ... */
            skip_cfws(&c);
            continue;     /* ... so the list ends there unless it was empty */
        }
        if (token_is(name, name_len, "boundary") && ++s->boundaries > MK_PRESCAN_MAX_BOUNDARIES) {
            name[0] = 'X';
            s->unread |= MK_UNREAD_NESTING;
        }
        skip_cfws(&c);
    }
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
    if ((size_t)(end - line) <= n || strncasecmp(line, "content-", n) != 0)
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
        if (eol - p >= 2 && p[0] == '-' && p[1] == '-') {
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
            if (names_content_type(p, field))
                read_content_type(&s, p + field, stop);
            ration_encoded_words(&s, p + field, stop);
            for (char *nl = eol; s.in_block && nl < stop; nl = line_end(nl + 1, end))
                count_header_line(&s, nl + 1);   /* each continuation line */
            eol = stop;
        }
        p = eol < end ? eol + 1 : end;
    }
    return s.unread;
}
