/* received.c - reading one Received trace header.
 *
 * Every mail server that accepts a message prepends a Received header:
 * "from <client> by <itself> with <protocol> id <queue id> for <recipient>;
 * <date>" (RFC 5321 section 4.4). RFC 5322 gives the clauses a grammar, but
 * each MTA fills them its own way, and the part an investigator cares about,
 * who the client really was, lives in free-form comments:
 *
 *   Postfix   from HELO (RDNS [IP]) ...           RDNS may be "unknown";
 *                                                 IP may be "IPv6:2001:db8::1"
 *   Sendmail  from HELO (RDNS [IP] (may be forged)) / from HELO ([IP])
 *   Gmail     from HELO (RDNS. [IP]) by mx.google.com ...
 *   Exim      from RDNS ([IP] helo=HELO) / from [IP] (helo=HELO) / from RDNS ([IP])
 *             (Exim puts the verified host name or the bare address first)
 *   qmail     from RDNS (HELO name) (ident@IP) / (qmail 1234 invoked from network)
 *             from RDNS (IP) by HOST with SMTP (the HELO said the same name)
 *   Microsoft from HELO (IP) by HOST (IP) with Microsoft SMTP Server ...
 *   fetchmail from HELO [IP] by localhost with IMAP ...
 *   local     by host (Postfix, from userid 1000) id ...; from userid 1000 ...
 *
 * The header is read in one linear pass by a small lexer that knows the
 * RFC 5322 token kinds that matter here: words, (nested comments), [address
 * literals] and <angle addresses>, plus the last top-level ';' which starts
 * the date. Clause keywords (from, by, via, with, id, for) only count at the
 * top level, so "(envelope-from <x>)" does not open a from clause. Comments of
 * the from clause are lexed once more, one level deep, to find the RDNS [IP]
 * pair, a bare IP, "helo=" or "HELO name". The interpretation of the first
 * word (HELO or verified RDNS) depends on which MTA wrote the header, which is
 * recognised from those markers.
 *
 * Hostile input: only the first MK_RECV_MAX_TOKENS tokens are interpreted
 * (real headers have fewer than 60), comment nesting is followed by a
 * counter rather than recursion, every extracted field is capped and cleaned
 * to printable UTF-8, and the date handed to GMime is length-limited. The
 * whole parse is O(length of the header).
 */
#define _GNU_SOURCE
#include "received.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "util.h"

#define MK_RECV_MAX_TOKENS 256
#define MK_RECV_FIELD_MAX 320      /* longest kept helo/rdns/by/id/for value */
#define MK_RECV_DATE_MAX 128       /* longest date text handed to GMime */
#define MK_RECV_WITH_WORDS 4       /* "Microsoft SMTP Server" and the like */
#define MK_RECV_MIN_PLAUSIBLE 315532800L  /* 1980-01-01: older dates are garbage */

/* ---- lexer ---------------------------------------------------------------- */

typedef enum { TOK_WORD, TOK_COMMENT, TOK_LITERAL, TOK_ANGLE } mk_tok_kind;

typedef struct mk_tok {
    mk_tok_kind kind;
    const char *s;   /* token text; for comment/literal/angle, the inside */
    size_t len;
} mk_tok;

typedef struct mk_lex {
    mk_tok tok[MK_RECV_MAX_TOKENS];
    size_t n;
    const char *last_semi;   /* last top-level ';', or NULL */
} mk_lex;

static bool mk_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void mk_lex_push(mk_lex *lx, mk_tok_kind kind, const char *s, size_t len)
{
    if (lx->n < MK_RECV_MAX_TOKENS)
        lx->tok[lx->n++] = (mk_tok){kind, s, len};
}

/* Skips a comment starting at p (after the '('); returns the position after
 * its closing ')' or the end of input when unbalanced. Depth is a counter, so
 * a million '(' cost nothing but time proportional to their number. */
static const char *mk_lex_skip_comment(const char *p, const char *end, const char **inner_end)
{
    size_t depth = 1;
    for (; p < end; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            *inner_end = p;
            return p + 1;
        }
    }
    *inner_end = end;
    return end;
}

/* Finds the closing delimiter of a literal or angle address; end when absent. */
static const char *mk_lex_find(const char *p, const char *end, char close)
{
    const char *q = memchr(p, close, (size_t)(end - p));
    return q ? q : end;
}

static const char *mk_lex_word_end(const char *p, const char *end)
{
    while (p < end && !mk_is_space(*p) && *p != '(' && *p != ')' && *p != ';')
        p++;
    return p;
}

/* Tokenises [s, end). Scanning continues past the token limit only to find
 * the last top-level ';'. */
static void mk_lex_run(mk_lex *lx, const char *s, const char *end)
{
    lx->n = 0;
    lx->last_semi = NULL;
    const char *p = s;
    while (p < end) {
        char c = *p;
        if (mk_is_space(c) || c == ')') {
            p++;
        } else if (c == ';') {
            lx->last_semi = p++;
        } else if (c == '(') {
            const char *inner_end;
            const char *next = mk_lex_skip_comment(p + 1, end, &inner_end);
            mk_lex_push(lx, TOK_COMMENT, p + 1, (size_t)(inner_end - (p + 1)));
            p = next;
        } else if (c == '[' || c == '<') {
            const char *close = mk_lex_find(p + 1, end, c == '[' ? ']' : '>');
            mk_lex_push(lx, c == '[' ? TOK_LITERAL : TOK_ANGLE, p + 1, (size_t)(close - (p + 1)));
            /* Text glued to the closing bracket (":25" after an address) is
             * part of the same token and carries nothing we use. */
            p = close < end ? mk_lex_word_end(close + 1, end) : end;
        } else {
            const char *w = mk_lex_word_end(p, end);
            mk_lex_push(lx, TOK_WORD, p, (size_t)(w - p));
            p = w;
        }
    }
}

static bool mk_tok_is(const mk_tok *t, const char *word)
{
    size_t n = strlen(word);
    return t->kind == TOK_WORD && t->len == n && strncasecmp(t->s, word, n) == 0;
}

/* ---- field values --------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at p (at most avail bytes), 0 if invalid. */
static size_t mk_utf8_seq_len(const unsigned char *p, size_t avail)
{
    size_t n;
    unsigned min;
    unsigned cp;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xe0) == 0xc0) {
        n = 2, min = 0x80, cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3, min = 0x800, cp = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A field as it will be shown: capped, control characters and broken UTF-8
 * replaced by '?', so that report writers can trust it. */
static char *mk_field_clean(const char *s, size_t len)
{
    if (len > MK_RECV_FIELD_MAX)
        len = MK_RECV_FIELD_MAX;
    mk_strbuf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = mk_utf8_seq_len(p + i, len - i);
        if (n == 0 || (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
            mk_strbuf_putc(&b, '?');
            i++;
        } else {
            mk_strbuf_append(&b, s + i, n);
            i += n;
        }
    }
    return mk_strbuf_steal(&b);
}

/* Replaces *field with a cleaned copy of [s, s+len), dropping one trailing
 * root dot (Gmail writes "host.example.com."). */
static void mk_field_set(char **field, const char *s, size_t len)
{
    if (len > 1 && s[len - 1] == '.')
        len--;
    free(*field);
    *field = mk_field_clean(s, len);
}

/* If text spells an IP address, writes the bare address into out (size
 * outsz). Accepts "1.2.3.4", "[1.2.3.4]", "IPv6:2001:db8::1", "user@1.2.3.4",
 * "@[10.1.2.1]", "fe80::1%5" and a trailing ":port" after a bracket. */
static bool mk_ip_extract(const char *text, size_t len, char *out, size_t outsz)
{
    const char *at = len ? mk_memrchr(text, '@', len) : NULL;
    if (at) {
        len -= (size_t)(at + 1 - text);
        text = at + 1;
    }
    if (len && text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (!close)
            return false;
        text++;
        len = (size_t)(close - text);
    }
    if (len > 5 && strncasecmp(text, "IPv6:", 5) == 0) {
        text += 5;
        len -= 5;
    }
    const char *zone = len ? memchr(text, '%', len) : NULL;
    if (zone)
        len = (size_t)(zone - text);
    char buf[64];
    if (len == 0 || len >= sizeof buf || len >= outsz)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (!mk_ip_is_literal(buf)) {
        /* "[127.0.0.1:43887]": an IPv4 address with the client port. */
        char *colon = strchr(buf, ':');
        if (!colon || strchr(colon + 1, ':'))
            return false;
        *colon = '\0';
        if (!mk_ip_is_literal(buf))
            return false;
    }
    /* out is only written on success: callers test out[0]. */
    memcpy(out, buf, strlen(buf) + 1);
    mk_ascii_lower_inplace(out);
    return true;
}

/* ---- the from clause ------------------------------------------------------ */

/* What the from clause says before we know which MTA wrote it. */
typedef struct mk_from_info {
    bool seen;
    const mk_tok *first;     /* first word or literal after "from" */
    char ip[64];             /* from a comment: "[IP]", "(IP)", "(user@IP)" */
    mk_tok rdns;             /* the word before the commented [IP]; len 0 if none */
    char loose_ip[64];       /* "from HELO [IP]" (fetchmail) */
    mk_tok qmail_helo;       /* "(HELO name)"; len 0 if none */
    const char *exim_helo;   /* "helo=name" inside a comment */
    size_t exim_helo_len;
    bool may_be_forged;      /* sendmail: the reverse name did not resolve back */
    bool ip_alone;           /* the address stood alone in its comment: "(IP)", "(ident@IP)" */
} mk_from_info;

static void mk_from_note_helo_word(mk_from_info *fi, const mk_tok *t)
{
    if (t->len > 5 && strncasecmp(t->s, "helo=", 5) == 0) {
        fi->exim_helo = t->s + 5;
        fi->exim_helo_len = t->len - 5;
    }
}

/* Reads one comment of the from clause. The first comment that names an
 * address wins: later ones are TLS, authentication or list details. Tokens
 * are copied by value: they point into the header text, not into `inner`,
 * which the next comment reuses. */
static void mk_from_read_comment(mk_from_info *fi, const mk_tok *c, mk_lex *inner)
{
    static const char forged[] = "(may be forged)";
    if (c->len >= sizeof forged - 1 &&
        strncasecmp(c->s + c->len - (sizeof forged - 1), forged, sizeof forged - 1) == 0)
        fi->may_be_forged = true;
    mk_lex_run(inner, c->s, c->s + c->len);
    for (size_t i = 0; i < inner->n; i++) {
        const mk_tok *t = &inner->tok[i];
        if (t->kind == TOK_WORD && (mk_tok_is(t, "HELO") || mk_tok_is(t, "EHLO")) && i + 1 < inner->n &&
            inner->tok[i + 1].kind == TOK_WORD) {
            fi->qmail_helo = inner->tok[i + 1];
            return;
        }
        if (t->kind == TOK_WORD)
            mk_from_note_helo_word(fi, t);
        if (fi->ip[0] || (t->kind != TOK_WORD && t->kind != TOK_LITERAL))
            continue;
        char ip[64];
        if (mk_ip_extract(t->s, t->len, ip, sizeof ip)) {
            memcpy(fi->ip, ip, sizeof ip);
            fi->ip_alone = t->kind == TOK_WORD && inner->n == 1 && !memchr(t->s, '[', t->len);
            if (t->kind == TOK_LITERAL && i > 0 && inner->tok[i - 1].kind == TOK_WORD &&
                !memchr(inner->tok[i - 1].s, '=', inner->tok[i - 1].len))
                fi->rdns = inner->tok[i - 1];
        }
    }
}

/* ---- hop assembly --------------------------------------------------------- */

static void mk_hop_init(mk_hop *hop)
{
    memset(hop, 0, sizeof *hop);
    hop->helo = mk_xstrdup("");
    hop->rdns = mk_xstrdup("");
    hop->ip = mk_xstrdup("");
    hop->by = mk_xstrdup("");
    hop->with = mk_xstrdup("");
    hop->id = mk_xstrdup("");
    hop->for_addr = mk_xstrdup("");
    hop->date_rfc3339 = mk_xstrdup("");
    hop->raw = mk_xstrdup("");
    hop->delay_s = -1;
}

void mk_hop_free(mk_hop *hop)
{
    if (!hop)
        return;
    free(hop->helo);
    free(hop->rdns);
    free(hop->ip);
    free(hop->by);
    free(hop->with);
    free(hop->id);
    free(hop->for_addr);
    free(hop->date_rfc3339);
    free(hop->raw);
    memset(hop, 0, sizeof *hop);
}

/* Removes the user part of "root@host" that Sendmail records for ident.) */
static void mk_hop_set_rdns(mk_hop *hop, const mk_tok *t)
{
    const char *at = mk_memrchr(t->s, '@', t->len);
    const char *s = at ? at + 1 : t->s;
    mk_field_set(&hop->rdns, s, (size_t)(t->s + t->len - s));
}

/* Exim signs its headers "(Exim 4.x)" and alone writes "helo=". */
static bool mk_is_exim(const mk_from_info *fi, const char *value)
{
    return fi->exim_helo || strstr(value, "(Exim ");
}

/* qmail writes "from RDNS (IP) by HOST with SMTP" (or QMQP), with no queue
 * id, when the HELO matched the reverse name it looked up; it adds "(HELO
 * name)" only when they differ. Exchange writes "from HELO (IP)" too, but
 * names itself ("Microsoft SMTP Server") and an id. */
static bool mk_is_qmail_plain(const mk_hop *hop, const mk_from_info *fi, const char *value)
{
    return fi->ip_alone && !fi->rdns.len && !*hop->id &&
           (strcmp(hop->with, "SMTP") == 0 || strcmp(hop->with, "QMQP") == 0) && !strstr(value, "Microsoft");
}

/* Turns what the from clause said into helo/rdns/ip, per MTA convention. */
static void mk_hop_resolve_from(mk_hop *hop, const mk_from_info *fi, const char *value)
{
    const mk_tok *first = fi->first;
    char first_ip[64] = "";
    bool first_is_literal = first && first->kind == TOK_LITERAL;
    /* A first item that is an address ("[1.2.3.4]", or bare as Yahoo writes
     * it) is never a reverse name; it is the peer when nothing better is said. */
    bool first_is_ip = first && mk_ip_extract(first->s, first->len, first_ip, sizeof first_ip) &&
                       (first_is_literal || !memchr(first->s, '@', first->len));

    if (fi->ip[0])
        mk_field_set(&hop->ip, fi->ip, strlen(fi->ip));
    else if (fi->loose_ip[0])
        mk_field_set(&hop->ip, fi->loose_ip, strlen(fi->loose_ip));
    else if (first_ip[0])
        mk_field_set(&hop->ip, first_ip, strlen(first_ip));
    if (fi->rdns.len)
        mk_hop_set_rdns(hop, &fi->rdns);
    hop->rdns_unconfirmed = fi->may_be_forged && *hop->rdns && strcmp(hop->rdns, "unknown") != 0;

    if (!first)
        return;
    if (fi->qmail_helo.len) {
        /* qmail: "from RDNS (HELO name) (IP)". */
        if (!first_is_ip)
            mk_field_set(&hop->rdns, first->s, first->len);
        mk_field_set(&hop->helo, fi->qmail_helo.s, fi->qmail_helo.len);
    } else if (mk_is_exim(fi, value)) {
        /* Exim: the first item is the verified name (always followed by
         * "([IP]") or "[IP]"; the HELO is given separately unless it equals
         * the verified name. Without an address ("from nobody by x with
         * local") the first item is a local user, not a host. */
        if (!first_is_ip && fi->ip[0])
            mk_field_set(&hop->rdns, first->s, first->len);
        if (fi->exim_helo)
            mk_field_set(&hop->helo, fi->exim_helo, fi->exim_helo_len);
        else if (!first_is_ip)
            mk_field_set(&hop->helo, first->s, first->len);
    } else if (first_is_literal) {
        /* An address-literal HELO ("from [1.2.3.4] (rdns [1.2.3.4])"). */
        free(hop->helo);
        hop->helo = mk_xasprintf("[%.*s]", (int)(first->len > MK_RECV_FIELD_MAX ? MK_RECV_FIELD_MAX : first->len),
                                 first->s);
        char *clean = mk_field_clean(hop->helo, strlen(hop->helo));
        free(hop->helo);
        hop->helo = clean;
    } else if (!fi->rdns.len && first->len == 7 && strncasecmp(first->s, "unknown", 7) == 0) {
        /* "from unknown (1.2.3.4)": qmail's way of saying no reverse name. */
        mk_field_set(&hop->rdns, first->s, first->len);
    } else if (!first_is_ip && mk_is_qmail_plain(hop, fi, value)) {
        mk_field_set(&hop->rdns, first->s, first->len);
        mk_field_set(&hop->helo, first->s, first->len);
    } else {
        mk_field_set(&hop->helo, first->s, first->len);
    }
}

/* ---- the date ------------------------------------------------------------- */

static void mk_hop_set_date(mk_hop *hop, const char *semi, const char *end)
{
    const char *p = semi + 1;
    while (p < end && mk_is_space(*p))
        p++;
    size_t len = (size_t)(end - p);
    if (len == 0 || len > MK_RECV_DATE_MAX)
        return;
    char *text = mk_xstrndup(p, len);
    GDateTime *dt = g_mime_utils_header_decode_date(text);
    free(text);
    if (!dt)
        return;
    gint64 t = g_date_time_to_unix(dt);
    if (t >= MK_RECV_MIN_PLAUSIBLE) {
        gchar *iso = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S%:z");
        if (iso) {
            hop->date = (time_t)t;
            free(hop->date_rfc3339);
            hop->date_rfc3339 = mk_xstrdup(iso);
            g_free(iso);
        }
    }
    g_date_time_unref(dt);
}

/* ---- clauses -------------------------------------------------------------- */

typedef enum { CL_NONE, CL_FROM, CL_BY, CL_VIA, CL_WITH, CL_ID, CL_FOR } mk_clause;

static mk_clause mk_clause_of(const mk_tok *t)
{
    static const struct { const char *word; mk_clause clause; } keys[] = {
        {"from", CL_FROM}, {"by", CL_BY}, {"via", CL_VIA},
        {"with", CL_WITH}, {"id", CL_ID}, {"for", CL_FOR},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (mk_tok_is(t, keys[i].word))
            return keys[i].clause;
    return CL_NONE;
}

/* Working state of one parse; the lexers are large, so this lives on the heap. */
typedef struct mk_parse {
    mk_lex top;
    mk_lex inner;
    mk_from_info from;
    mk_strbuf with;
    size_t with_words;
    bool with_closed;
    bool have_by;
} mk_parse;

static void mk_parse_from_token(mk_parse *ps, const mk_tok *t)
{
    mk_from_info *fi = &ps->from;
    if (!fi->first && (t->kind == TOK_WORD || t->kind == TOK_LITERAL)) {
        fi->first = t;
    } else if (t->kind == TOK_LITERAL && !fi->loose_ip[0]) {
        mk_ip_extract(t->s, t->len, fi->loose_ip, sizeof fi->loose_ip);
    } else if (t->kind == TOK_COMMENT) {
        mk_from_read_comment(fi, t, &ps->inner);
    }
}


static void mk_parse_token(mk_parse *ps, mk_clause cl, const mk_tok *t, bool first_in_clause, mk_hop *hop)
{
    switch (cl) {
    case CL_FROM:
        mk_parse_from_token(ps, t);
        break;
    case CL_BY:
        if (first_in_clause && (t->kind == TOK_WORD || t->kind == TOK_LITERAL)) {
            mk_field_set(&hop->by, t->s, t->len);
            ps->have_by = true;
        }
        break;
    case CL_WITH:
        if (t->kind != TOK_WORD)
            ps->with_closed = true;
        if (!ps->with_closed && ps->with_words < MK_RECV_WITH_WORDS) {
            if (ps->with_words++)
                mk_strbuf_putc(&ps->with, ' ');
            mk_strbuf_append(&ps->with, t->s, t->len > MK_RECV_FIELD_MAX ? MK_RECV_FIELD_MAX : t->len);
        }
        break;
    case CL_ID:
        if (first_in_clause && (t->kind == TOK_WORD || t->kind == TOK_ANGLE))
            mk_field_set(&hop->id, t->s, t->len);
        break;
    case CL_FOR:
        if (first_in_clause && (t->kind == TOK_WORD || t->kind == TOK_ANGLE)) {
            const char *s = t->s;
            size_t len = t->len;
            if (t->kind == TOK_WORD && len >= 2 && s[0] == '<' && s[len - 1] == '>')
                s++, len -= 2;
            mk_field_set(&hop->for_addr, s, len);
        }
        break;
    case CL_NONE:
    case CL_VIA:
        break;
    }
}

bool mk_received_parse(const char *value, mk_hop *hop)
{
    mk_hop_init(hop);
    if (!value)
        return false;
    free(hop->raw);
    hop->raw = mk_xstrdup(value);

    /* Not calloc: the two lexers are 12 KB that mk_lex_run starts afresh, and
     * zeroing them cost more than the rest of the parse. */
    mk_parse *ps = mk_xmalloc(sizeof *ps);
    ps->top.n = ps->inner.n = 0;
    ps->top.last_semi = ps->inner.last_semi = NULL;
    memset(&ps->from, 0, sizeof ps->from);
    memset(&ps->with, 0, sizeof ps->with);
    ps->with_words = 0;
    ps->with_closed = ps->have_by = false;
    const char *end = value + strlen(value);
    mk_lex_run(&ps->top, value, end);
    const char *body_end = ps->top.last_semi ? ps->top.last_semi : end;

    mk_clause cl = CL_NONE;
    bool first_in_clause = false;
    for (size_t i = 0; i < ps->top.n; i++) {
        const mk_tok *t = &ps->top.tok[i];
        if (t->s >= body_end)
            break;
        mk_clause next = mk_clause_of(t);
        if (next != CL_NONE) {
            cl = next;
            ps->from.seen |= next == CL_FROM;
            first_in_clause = true;
            continue;
        }
        mk_parse_token(ps, cl, t, first_in_clause, hop);
        first_in_clause = false;
    }

    if (ps->with.len) {
        free(hop->with);
        hop->with = mk_field_clean(ps->with.data, ps->with.len);
    }
    mk_strbuf_free(&ps->with);
    mk_hop_resolve_from(hop, &ps->from, value);
    if (ps->top.last_semi)
        mk_hop_set_date(hop, ps->top.last_semi, end);

    bool recognised = (ps->from.seen && ps->from.first) || ps->have_by;
    free(ps);
    return recognised;
}
