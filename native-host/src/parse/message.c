/* message.c - one raw RFC 5322 message as plain UTF-8 data.
 *
 * The work is split between our own code and GMime on purpose. The top-level
 * header block is read here, line by line: it is what phishing analysis looks
 * at most closely (trace headers in order, display names, raw 8-bit bytes,
 * mislabelled charsets), and reading it ourselves keeps every header in its
 * original order with its original bytes, which we then decode with
 * charset.c. Addresses are parsed from the undecoded value so that a display
 * name whose decoded text contains commas or angle brackets cannot forge a
 * second mailbox. The MIME tree is GMime's job: it handles transfer
 * encodings, boundaries and RFC 2231 parameters; we walk the tree it builds
 * to a bounded depth and convert each body with charset.c. GMime is given
 * only the top-level Content-* and MIME-Version fields and the body: it would
 * otherwise decode and parse From, To, Subject and the rest a second time,
 * which cost more than everything else together (an iconv_open per encoded
 * word), and a message without the blank line gets one this way too.
 *
 * Hostile input is bounded everywhere, and every bound that stops reading
 * says so in msg->unread (see unread.h), for the report. At most 1000
 * header fields are kept, plus, past those, the first of each field the
 * checks read (From, Subject, Reply-To, ...), so padding put before From
 * cannot hide it. A value is decoded from at most 64 KiB of raw text, within
 * the per-message decoding budget of charset.h. Decoded bodies take at most
 * 8 MiB in total, attachment pages at most 2 MiB each, the tree is walked 64
 * levels deep. Before GMime parses anything, mime_prescan.c bounds what it
 * may build: boundaries (GMime checks every "--" line against every open
 * one), delimiter lines (the part cap must stop the parser, not only the
 * walk) and attached messages. GMime would decode every header of an
 * attached message and re-serialise it to learn its size; instead it keeps
 * each attached message as one leaf, whose bytes give its size and are then
 * read here like the outer message (header block by us, MIME by GMime, with
 * the same bounds), at most MAX_MESSAGE_NESTING deep. Attached messages wait
 * in a queue until the tree that holds them is freed, so memory holds one
 * level's copy at a time, not one per nesting level.
 */
#include "message.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "mime_prescan.h"
#include "unread.h"
#include "util.h"

#define MAX_HEADERS 1000
#define MAX_HEADER_VALUE (64 * 1024)
#define MAX_RAW_HEADER (256 * 1024)     /* raw bytes looked at per header */
#define MAX_HEADER_NAME 256
#define MAX_BODY_TOTAL (8 * 1024 * 1024)
#define MAX_ATTACHMENT_HTML (2 * 1024 * 1024)
#define MAX_ATTACHMENT_HTML_TOTAL (8 * 1024 * 1024)
#define MAX_DEPTH 64
#define MAX_PARTS 10000
#define MAX_RECIPIENTS 1000
#define MAX_MESSAGE_NESTING 8
#define MAX_FILENAME 4096

/* ---- library setup ------------------------------------------------------ */

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static GMimeParserOptions *parser_options;

static void init_library_once(void)
{
    g_mime_init();
    /* Only GMime's own decoding of parameters (file names) uses these; the
     * order tries the charsets raw 8-bit mail most often really is in. */
    static const char *fallback[] = {"UTF-8", "CP932", "EUC-JP", "WINDOWS-1252", NULL};
    parser_options = g_mime_parser_options_new();
    g_mime_parser_options_set_fallback_charsets(parser_options, fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
}

/* GObject initialises a class when its first instance is made, writing the
 * type system's tables; the native host parses messages on several threads at
 * once, so every class a parse can meet is initialised here, once, by parsing
 * a small message holding each kind of part. */
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;
static void read_bodies(mk_message *msg, const mk_strbuf *mime_head, const char *body, size_t len);

static void init_classes_once(void)
{
    static const char head[] = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n";
    static const char body[] = "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx\r\n"
                               "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>x</p>\r\n"
                               "--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
                               "Subject: x\r\n\r\nx\r\n"
                               "--b\r\nContent-Type: application/octet-stream; name=x.bin\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\neA==\r\n--b--\r\n";
    mk_strbuf mime_head = {0};
    mk_strbuf_append(&mime_head, head, sizeof head - 1);
    mk_message *msg = mk_xcalloc(1, sizeof *msg);
    read_bodies(msg, &mime_head, body, sizeof body - 1);
    mk_message_free(msg);
    mk_strbuf_free(&mime_head);
}

void mk_message_library_init(void)
{
    pthread_once(&library_once, init_library_once);
    pthread_once(&classes_once, init_classes_once);
}

/* ---- the header block ---------------------------------------------------- */

typedef struct {
    const char *line;   /* without its line ending */
    size_t len;
    const char *next;   /* start of the following line */
} line_span;

static line_span read_line(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    line_span l = {p, (size_t)(stop - p), nl ? nl + 1 : end};
    if (l.len && p[l.len - 1] == '\r')
        l.len--;
    return l;
}

/* Length of the header name when the line starts a header field, else 0.
 * Lenient like mail readers: spaces before the colon are tolerated. */
static size_t header_name_length(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && i <= MAX_HEADER_NAME && s[i] != ':') {
        unsigned char c = (unsigned char)s[i];
        if (c <= 32 || c >= 127)
            break;
        i++;
    }
    size_t name_len = i;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (name_len == 0 || i >= len || s[i] != ':')
        return 0;
    return name_len;
}

typedef struct {
    mk_strbuf raw;      /* unfolded raw value of the header being read */
    bool open;
    bool mime;          /* a Content-* or MIME-Version field, kept for GMime */
} pending_header;

typedef struct {
    mk_message *msg;    /* NULL: an attached message, of which only the MIME fields are read */
    char **raws;        /* undecoded unfolded values, parallel to msg->headers */
    size_t cap;
    size_t body_offset; /* where the body starts in the input */
    mk_strbuf mime_head; /* the raw MIME fields, what GMime needs of the header */
    unsigned kept_past_cap; /* checks_read_field() indexes kept past MAX_HEADERS */
} header_reader;

static void trim_span(const char **s, size_t *len)
{
    while (*len && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

static void finish_header(header_reader *r, pending_header *h)
{
    if (!h->open)
        return;
    h->open = false;
    mk_message *msg = r->msg;
    const char *v = h->raw.data ? h->raw.data : "";
    size_t len = h->raw.len;
    trim_span(&v, &len);
    /* Decoding only ever grows text, so nothing past this many raw bytes
     * could be kept anyway. */
    char *decoded = mk_charset_decode_header(v, len < MAX_HEADER_VALUE ? len : MAX_HEADER_VALUE);
    size_t dlen = strlen(decoded);
    decoded[mk_utf8_clip(decoded, dlen, MAX_HEADER_VALUE)] = '\0';
    msg->headers[msg->n_headers - 1].value = decoded;
    r->raws[msg->n_headers - 1] = mk_xstrndup(v, len);
    h->raw.len = 0;
}

static void start_header(header_reader *r, pending_header *h, line_span l, size_t name_len)
{
    mk_message *msg = r->msg;
    if (msg->n_headers == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        msg->headers = mk_xrealloc(msg->headers, r->cap * sizeof *msg->headers);
        r->raws = mk_xrealloc(r->raws, r->cap * sizeof *r->raws);
    }
    char *name = mk_charset_to_utf8(l.line, name_len, NULL);
    msg->headers[msg->n_headers++] = (mk_header){name, NULL};
    const char *colon = memchr(l.line + name_len, ':', l.len - name_len);
    size_t skip = (size_t)(colon - l.line) + 1;
    h->raw.len = 0;
    mk_strbuf_append(&h->raw, l.line + skip, l.len - skip);
    h->open = true;
}

/* Whether a fold between `before` (the value so far) and `after` (the next
 * line without its leading whitespace) sits inside Japanese text. Mailing
 * lists that rewrite a subject re-fold it as decoded raw text, often right
 * after an encoded word; Japanese has no spaces between words, so such a
 * fold is a line-length artefact and must not become a space. */
static bool fold_inside_cjk(const mk_strbuf *before, const char *after, size_t after_len)
{
    if (!before->len || !after_len)
        return false;
    const unsigned char *b = (const unsigned char *)before->data;
    size_t n = before->len;
    bool before_raw = b[n - 1] >= 0x80;
    bool before_word = n >= 2 && b[n - 2] == '?' && b[n - 1] == '=';
    bool after_raw = (unsigned char)after[0] >= 0x80;
    bool after_word = after_len >= 2 && after[0] == '=' && after[1] == '?';
    return (before_raw && (after_raw || after_word)) || (before_word && after_raw);
}

/* Appends a folded continuation line; the fold itself (the line break)
 * disappears and the whitespace that began the line reads as one space. */
static void continue_header(pending_header *h, line_span l)
{
    if (h->raw.len >= MAX_RAW_HEADER)
        return;
    size_t room = MAX_RAW_HEADER - h->raw.len;
    size_t skip = 1;
    while (skip < l.len && (l.line[skip] == ' ' || l.line[skip] == '\t'))
        skip++;
    const char *rest = l.line + skip;
    size_t rest_len = l.len - skip;
    if (!fold_inside_cjk(&h->raw, rest, rest_len))
        mk_strbuf_putc(&h->raw, ' ');
    mk_strbuf_append(&h->raw, rest, rest_len < room ? rest_len : room);
}

static bool is_mime_field(const char *name, size_t len)
{
    return (len >= 8 && strncasecmp(name, "Content-", 8) == 0) ||
           (len == 12 && strncasecmp(name, "MIME-Version", 12) == 0);
}

static void keep_mime_line(header_reader *r, const pending_header *h, line_span l)
{
    if (h->mime && r->mime_head.len < MAX_RAW_HEADER)
        mk_strbuf_append(&r->mime_head, l.line, (size_t)(l.next - l.line));
}

/* Fields read by the checks wherever they stand: past MAX_HEADERS the first
 * of each is still kept, so a thousand fields of padding cannot hide them.
 * Returns the field's index in the list, or -1. */
static int checks_read_field(const char *name, size_t len)
{
    static const char *const names[] = {"From", "Sender", "Reply-To", "Return-Path", "To", "Cc", "Subject",
        "Date", "Message-ID", "List-Id", "List-Post", "List-Unsubscribe", "List-Help", "List-Archive",
        "Mailing-List", NULL};
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0)
            return i;
    return -1;
}

/* Whether the field starting line l is kept: any of the first MAX_HEADERS,
 * then the first of each field the checks read. */
static bool keep_field(header_reader *r, line_span l, size_t name_len)
{
    mk_message *msg = r->msg;
    if (!msg)
        return false;
    if (msg->n_headers < MAX_HEADERS)
        return true;
    msg->unread |= MK_UNREAD_HEADERS;
    int i = checks_read_field(l.line, name_len);
    if (i < 0 || (r->kept_past_cap & (1u << i)))
        return false;
    r->kept_past_cap |= 1u << i;
    return true;
}

/* Reads headers until the blank line, or until a line that is neither a
 * field nor a continuation (a message without the blank line). */
static void read_header_block(header_reader *r, const char *raw, size_t len)
{
    const char *p = raw, *end = raw + len;
    if (len >= 5 && memcmp(raw, "From ", 5) == 0)   /* mbox envelope line */
        p = read_line(p, end).next;
    pending_header h = {{0}, false, false};
    size_t fields = 0;
    while (p < end) {
        line_span l = read_line(p, end);
        if (l.len == 0) {
            p = l.next;
            break;
        }
        size_t name_len;
        if (l.line[0] == ' ' || l.line[0] == '\t') {
            if (fields == 0)
                break;
            if (h.open)
                continue_header(&h, l);
            keep_mime_line(r, &h, l);
        } else if ((name_len = header_name_length(l.line, l.len)) > 0) {
            fields++;
            finish_header(r, &h);
            if (keep_field(r, l, name_len))
                start_header(r, &h, l, name_len);
            h.mime = is_mime_field(l.line, name_len);
            keep_mime_line(r, &h, l);
        } else {
            break;
        }
        p = l.next;
    }
    finish_header(r, &h);
    mk_strbuf_free(&h.raw);
    r->body_offset = (size_t)(p - raw);
}

/* ---- addresses ---------------------------------------------------------- */

static void set_empty_address(mk_address *a)
{
    a->name = mk_xstrdup("");
    a->address = mk_xstrdup("");
    a->domain = mk_xstrdup("");
}

static void free_address(mk_address *a)
{
    free(a->name);
    free(a->address);
    free(a->domain);
}

/* Removes quotes, backslash escapes and (when drop_comments) parenthesised
 * comments; comments nest, so depth is counted. */
static void unquote(mk_strbuf *out, const char *s, size_t len, bool drop_comments)
{
    bool quoted = false;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < len && (quoted || depth)) {
            if (!depth || !drop_comments)
                mk_strbuf_putc(out, s[i + 1]);
            i++;
        } else if (c == '"' && !depth) {
            quoted = !quoted;
        } else if (c == '(' && !quoted && drop_comments) {
            depth++;
        } else if (c == ')' && !quoted && depth) {
            depth--;
        } else if (!depth || !drop_comments) {
            mk_strbuf_putc(out, c);
        }
    }
}

/* The text of the last comment, the old "addr (Name)" form. */
static bool last_comment(const char *s, size_t len, const char **cs, size_t *clen)
{
    const char *close = NULL;
    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == ')') {
            close = s + i - 1;
            break;
        }
    if (!close)
        return false;
    const char *open = close;
    while (open > s && open[0] != '(')
        open--;
    if (open[0] != '(')
        return false;
    *cs = open + 1;
    *clen = (size_t)(close - open - 1);
    return true;
}

static char *decode_display_name(const char *s, size_t len)
{
    mk_strbuf b = {0};
    unquote(&b, s, len, true);
    const char *v = b.data ? b.data : "";
    size_t vlen = b.len;
    trim_span(&v, &vlen);
    char *name = mk_charset_decode_header(v, vlen);
    mk_strbuf_free(&b);
    size_t n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
        name[--n] = '\0';
    return name;
}

static char *clean_addr_spec(const char *s, size_t len)
{
    mk_strbuf b = {0};
    unquote(&b, s, len, true);
    const char *v = b.data ? b.data : "";
    const char *route = memchr(v, ':', b.len);   /* obsolete "@a,@b:" source route */
    if (route && v[0] == '@')
        v = route + 1;
    mk_strbuf clean = {0};
    for (const char *c = v; *c; c++)
        if (*c != ' ' && *c != '\t' && *c != '<' && *c != '>')
            mk_strbuf_putc(&clean, *c);
    char *addr = mk_charset_to_utf8(clean.data ? clean.data : "", clean.len, NULL);
    mk_strbuf_free(&b);
    mk_strbuf_free(&clean);
    return addr;
}

static char *domain_of(const char *address)
{
    const char *at = strrchr(address, '@');
    if (!at)
        return mk_xstrdup("");
    char *d = mk_xstrdup(at + 1);
    size_t n = strlen(d);
    while (n && d[n - 1] == '.')
        d[--n] = '\0';
    return mk_ascii_lower_inplace(d);
}

/* Parses one mailbox: "Name <addr>", "<addr>", "addr" or "addr (Name)". */
static bool parse_mailbox(const char *s, size_t len, mk_address *out)
{
    const char *lt = NULL;
    bool quoted = false;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\' && (quoted || depth))
            i++;
        else if (c == '"' && !depth)
            quoted = !quoted;
        else if (c == '(' && !quoted)
            depth++;
        else if (c == ')' && !quoted && depth)
            depth--;
        else if (c == '<' && !quoted && !depth)
            lt = s + i;
    }
    const char *cs;
    size_t clen;
    if (lt) {
        const char *gt = memchr(lt, '>', (size_t)(s + len - lt));
        const char *aend = gt ? gt : s + len;
        out->address = clean_addr_spec(lt + 1, (size_t)(aend - lt - 1));
        out->name = decode_display_name(s, (size_t)(lt - s));
    } else if (!memchr(s, '@', len)) {
        /* No address at all ("Name", an encoded word): a name, never an invented address. */
        out->address = mk_xstrdup("");
        out->name = decode_display_name(s, len);
    } else {
        /* "a@b c@d" (two bare addresses without a comma): the first one, not "a@bc@d". */
        const char *at = memchr(s, '@', len);
        const char *second = memchr(at + 1, '@', (size_t)(s + len - at - 1));
        size_t take = len;
        if (second) {
            const char *gap = at;
            while (gap < second && *gap != ' ' && *gap != '\t')
                gap++;
            if (gap < second)
                take = (size_t)(gap - s);
        }
        out->address = clean_addr_spec(s, take);
        out->name = last_comment(s, len, &cs, &clen) ? decode_display_name(cs, clen)
                                                     : mk_xstrdup("");
    }
    out->domain = domain_of(out->address);
    if (!*out->address && !*out->name) {
        free_address(out);
        return false;
    }
    return true;
}

typedef struct {
    mk_address *v;
    size_t n, cap, max;
} address_list;

static void push_mailbox(address_list *l, const char *s, size_t len)
{
    if (l->n >= l->max)
        return;
    mk_address a;
    if (!parse_mailbox(s, len, &a))
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = mk_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = a;
}

/* Splits a mailbox list at top-level commas; a group's "name:" prefix and
 * its closing ';' are dropped, its members kept. */
static void parse_address_list(const char *s, address_list *l)
{
    size_t len = strlen(s), start = 0;
    bool quoted = false, angle = false;
    int depth = 0;
    for (size_t i = 0; i <= len && l->n < l->max; i++) {
        char c = i < len ? s[i] : ',';
        if (c == '\\' && (quoted || depth) && i + 1 < len) {
            i++;
        } else if (c == '"' && !depth) {
            quoted = !quoted;
        } else if (quoted) {
            continue;
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && depth) {
            depth--;
        } else if (depth) {
            continue;
        } else if (c == '<') {
            angle = true;
        } else if (c == '>') {
            angle = false;
        } else if (c == ':' && !angle && !memchr(s + start, '@', i - start)) {
            start = i + 1;
        } else if ((c == ',' || c == ';') && !angle) {
            push_mailbox(l, s + start, i - start);
            start = i + 1;
        }
    }
}

static void first_mailbox(const char *raw, mk_address *out)
{
    address_list l = {.max = 1};
    if (raw)
        parse_address_list(raw, &l);
    if (l.n)
        *out = l.v[0];
    else
        set_empty_address(out);
    free(l.v);
}

/* The author as a reader sees it. Forged From headers list name fragments and
 * empty mailboxes before the real address ("Microsoft account team", _ <x@y>;
 * GLS, <>, service@z): the names are joined as the client shows them, and the
 * address is the first mailbox that has one. */
#define MAX_FROM_MAILBOXES 8

static void author_mailbox(const char *raw, mk_address *out)
{
    address_list l = {.max = MAX_FROM_MAILBOXES};
    if (raw)
        parse_address_list(raw, &l);
    if (l.n <= 1) {
        if (l.n)
            *out = l.v[0];
        else
            set_empty_address(out);
        free(l.v);
        return;
    }
    mk_strbuf names = {0};
    size_t with_address = l.n;
    for (size_t i = 0; i < l.n; i++) {
        if (*l.v[i].name) {
            if (names.len)
                mk_strbuf_append(&names, ", ", 2);
            mk_strbuf_append(&names, l.v[i].name, strlen(l.v[i].name));
        }
        if (with_address == l.n && strchr(l.v[i].address, '@'))
            with_address = i;
    }
    size_t pick = with_address < l.n ? with_address : 0;
    out->address = l.v[pick].address;
    out->domain = l.v[pick].domain;
    l.v[pick].address = l.v[pick].domain = NULL;
    out->name = mk_strbuf_steal(&names);
    if (!out->name)
        out->name = mk_xstrdup("");
    for (size_t i = 0; i < l.n; i++)
        free_address(&l.v[i]);
    free(l.v);
}

/* ---- typed headers ------------------------------------------------------ */

static const char *raw_header(const mk_message *msg, char **raws, const char *name)
{
    long i = mk_message_header_index(msg, name, 0);
    return i < 0 ? NULL : raws[i];
}

static void read_message_id(mk_message *msg)
{
    const char *v = mk_message_header(msg, "Message-ID");
    if (!v)
        v = "";
    const char *lt = strchr(v, '<');
    const char *s = lt ? lt + 1 : v;
    const char *gt = strchr(s, '>');
    size_t n = gt ? (size_t)(gt - s) : strlen(s);
    trim_span(&s, &n);
    msg->message_id = mk_xstrndup(s, n);
    const char *at = strrchr(msg->message_id, '@');
    msg->message_id_domain = mk_ascii_lower_inplace(mk_xstrdup(at ? at + 1 : ""));
}

static void read_date(mk_message *msg)
{
    const char *v = mk_message_header(msg, "Date");
    msg->date_raw = mk_xstrdup(v ? v : "");
    msg->date = 0;
    GDateTime *dt = v && *v ? g_mime_utils_header_decode_date(v) : NULL;
    if (dt) {
        msg->date = (time_t)g_date_time_to_unix(dt);
        g_date_time_unref(dt);
    }
    char buf[64] = "";
    struct tm tm;
    if (msg->date != 0 && gmtime_r(&msg->date, &tm))
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    msg->date_rfc3339 = mk_xstrdup(buf);
}

static void read_typed_headers(mk_message *msg, char **raws)
{
    const char *subject = mk_message_header(msg, "Subject");
    msg->subject = mk_xstrdup(subject ? subject : "");
    read_date(msg);
    author_mailbox(raw_header(msg, raws, "From"), &msg->from);
    first_mailbox(raw_header(msg, raws, "Sender"), &msg->sender);
    first_mailbox(raw_header(msg, raws, "Reply-To"), &msg->reply_to);
    first_mailbox(raw_header(msg, raws, "Return-Path"), &msg->return_path);
    address_list to = {.max = MAX_RECIPIENTS};
    for (size_t i = 0; i < msg->n_headers; i++)
        if (mk_ascii_ieq(msg->headers[i].name, "To") || mk_ascii_ieq(msg->headers[i].name, "Cc"))
            parse_address_list(raws[i], &to);
    msg->to = to.v;
    msg->n_to = to.n;
    read_message_id(msg);
}

/* ---- the MIME tree ------------------------------------------------------ */

/* An attached message waiting to be read, once the tree holding it is gone. */
typedef struct queued_message {
    GByteArray *bytes;
    int depth;         /* tree depth of the part that held it */
    int nesting;       /* attached messages around it, itself included */
    struct queued_message *next;
} queued_message;

typedef struct {
    mk_message *msg;
    mk_strlist texts, htmls;
    size_t body_budget;        /* bytes of text+html still allowed */
    size_t attachment_budget;  /* bytes of attachment pages still allowed */
    size_t parts_seen;
    size_t attachments_cap;
    int nesting;               /* attached messages around the tree being walked */
    queued_message *queue, **queue_tail;
} mime_walk;

/* Decoded (transfer-encoding removed) content of a leaf part. */
static GByteArray *part_bytes(GMimePart *part)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    GMimeStream *mem = g_mime_stream_mem_new();
    if (w)
        g_mime_data_wrapper_write_to_stream(w, mem);
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_object_unref(mem);
    return ba;
}

static size_t part_decoded_size(GMimePart *part)
{
    GMimeStream *null = g_mime_stream_null_new();
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    if (w)
        g_mime_data_wrapper_write_to_stream(w, null);
    size_t n = (size_t)GMIME_STREAM_NULL(null)->written;
    g_object_unref(null);
    return n;
}

/* Converts a body to UTF-8, at most `cap` bytes of it; *cut tells whether
 * some of it was left out. HTML without a declared charset gets the one its
 * <meta> names. */
static char *part_text(GMimePart *part, bool html, size_t cap, bool *cut)
{
    GByteArray *ba = part_bytes(part);
    const char *label = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    char *sniffed = NULL;
    if ((!label || !*label) && html)
        label = sniffed = mk_charset_sniff_html((const char *)ba->data, ba->len);
    size_t in_len = ba->len < cap ? ba->len : cap;
    char *text = mk_charset_to_utf8((const char *)ba->data, in_len, label);
    size_t len = strlen(text);
    *cut = in_len < ba->len || len > cap;
    text[mk_utf8_clip(text, len, cap)] = '\0';
    free(sniffed);
    g_byte_array_unref(ba);
    return text;
}

/* The lower-case type of a part, with the type mime_prescan.c renamed for
 * attached messages given back its real name. */
static char *lower_mime_type(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    char *t = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    char *out = mk_ascii_lower_inplace(mk_xstrdup(t ? t : "application/octet-stream"));
    g_free(t);
    size_t renamed = strlen(MK_PRESCAN_MESSAGE_TYPE);
    if (strncmp(out, MK_PRESCAN_MESSAGE_TYPE "/", renamed + 1) == 0)
        out[0] = 'm';
    return out;
}

static bool renders_as_page(const char *type, const char *filename)
{
    static const char *const types[] = {"text/html", "application/xhtml+xml", "image/svg+xml", NULL};
    static const char *const exts[] = {".htm", ".html", ".shtml", ".xhtml", ".svg", ".svgz", NULL};
    for (size_t i = 0; types[i]; i++)
        if (strcmp(type, types[i]) == 0)
            return true;
    for (size_t i = 0; exts[i]; i++)
        if (mk_ascii_ends_with(filename, exts[i]))
            return true;
    return false;
}

static char *part_filename(GMimeObject *obj)
{
    const char *f = GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) : NULL;
    if (!f)
        f = g_mime_object_get_content_disposition_parameter(obj, "filename");
    if (!f)
        f = g_mime_object_get_content_type_parameter(obj, "name");
    if (!f)
        return mk_xstrdup("");
    /* GMime decoded it already; encoded words it left alone get our decoder.
     * No file system takes a name this long, so no more is read. */
    size_t len = strlen(f);
    return mk_charset_decode_header(f, len < MAX_FILENAME ? len : MAX_FILENAME);
}

static mk_attachment *new_attachment(mime_walk *w, char *type, char *filename, size_t size)
{
    mk_message *msg = w->msg;
    if (msg->n_attachments == w->attachments_cap) {
        w->attachments_cap = w->attachments_cap ? w->attachments_cap * 2 : 4;
        msg->attachments = mk_xrealloc(msg->attachments, w->attachments_cap * sizeof *msg->attachments);
    }
    mk_attachment *a = &msg->attachments[msg->n_attachments++];
    *a = (mk_attachment){filename, type, size, NULL};
    return a;
}

static void add_attachment(mime_walk *w, GMimePart *part, char *type, char *filename)
{
    mk_attachment *a = new_attachment(w, type, filename, part_decoded_size(part));
    if (!renders_as_page(type, filename))
        return;
    if (w->attachment_budget == 0) {
        w->msg->unread |= MK_UNREAD_ATTACHMENT_PAGES;
        return;
    }
    size_t cap = w->attachment_budget < MAX_ATTACHMENT_HTML ? w->attachment_budget : MAX_ATTACHMENT_HTML;
    bool cut;
    a->html = part_text(part, true, cap, &cut);
    if (cut)
        w->msg->unread |= MK_UNREAD_ATTACHMENT_PAGES;
    w->attachment_budget -= strlen(a->html);
}

static bool is_attachment(GMimeObject *obj)
{
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
    if (d && g_mime_content_disposition_is_attachment(d))
        return true;
    const char *f = GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) : NULL;
    return f && *f;
}

/* An attached message: listed when it is an attachment, and queued to be
 * read once the current tree is freed. */
static void attached_message(mime_walk *w, GMimePart *part, char *type, int depth)
{
    GByteArray *bytes = part_bytes(part);
    if (is_attachment(GMIME_OBJECT(part)))
        new_attachment(w, type, part_filename(GMIME_OBJECT(part)), bytes->len);
    else
        free(type);
    if (depth >= MAX_DEPTH || w->nesting >= MAX_MESSAGE_NESTING) {
        w->msg->unread |= MK_UNREAD_NESTING;
        g_byte_array_unref(bytes);
        return;
    }
    queued_message *q = mk_xcalloc(1, sizeof *q);
    *q = (queued_message){bytes, depth, w->nesting + 1, NULL};
    *w->queue_tail = q;
    w->queue_tail = &q->next;
}

static void walk_leaf(mime_walk *w, GMimePart *part, bool in_digest, int depth)
{
    char *type = lower_mime_type(GMIME_OBJECT(part));
    /* In a digest a part without a type is a message (RFC 2046 5.1.5). */
    if (strncmp(type, "message/", 8) == 0 ||
        (in_digest && !g_mime_object_get_header(GMIME_OBJECT(part), "Content-Type"))) {
        if (strncmp(type, "message/", 8) != 0) {
            free(type);
            type = mk_xstrdup("message/rfc822");
        }
        if (strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/global") == 0 ||
            strcmp(type, "message/news") == 0) {
            attached_message(w, part, type, depth);
            return;
        }
    }
    bool text = strcmp(type, "text/plain") == 0, html = strcmp(type, "text/html") == 0;
    if ((text || html) && !is_attachment(GMIME_OBJECT(part))) {
        free(type);
        if (w->body_budget == 0) {
            w->msg->unread |= MK_UNREAD_BODY;
            return;
        }
        bool cut;
        char *body = part_text(part, html, w->body_budget, &cut);
        if (cut)
            w->msg->unread |= MK_UNREAD_BODY;
        w->body_budget -= strlen(body);
        mk_strlist_push_owned(html ? &w->htmls : &w->texts, body);
        return;
    }
    add_attachment(w, part, type, part_filename(GMIME_OBJECT(part)));
}

static void walk_object(mime_walk *w, GMimeObject *obj, bool in_digest, int depth)
{
    if (!obj)
        return;
    if (depth > MAX_DEPTH || w->parts_seen >= MAX_PARTS) {
        w->msg->unread |= depth > MAX_DEPTH ? MK_UNREAD_NESTING : MK_UNREAD_PARTS;
        return;
    }
    w->parts_seen++;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        GMimeContentType *ct = g_mime_object_get_content_type(obj);
        bool digest = ct && g_mime_content_type_is_type(ct, "multipart", MK_PRESCAN_DIGEST_SUBTYPE);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; i++)
            walk_object(w, g_mime_multipart_get_part(mp, i), digest, depth + 1);
    } else if (GMIME_IS_PART(obj)) {
        walk_leaf(w, GMIME_PART(obj), in_digest, depth);
    }
}

/* What GMime reads: the MIME fields of the header, a blank line, the body.
 * The other header fields are left out because we read them ourselves and
 * GMime would otherwise decode and parse every one of them again. The copy
 * is then bounded by mime_prescan.c, which keeps every byte in place. */
static GByteArray *input_for_gmime(mime_walk *w, const mk_strbuf *mime_head, const char *body, size_t len)
{
    GByteArray *ba = g_byte_array_sized_new((guint)(mime_head->len + 2 + len));
    if (mime_head->len)
        g_byte_array_append(ba, (const guint8 *)mime_head->data, (guint)mime_head->len);
    g_byte_array_append(ba, (const guint8 *)"\r\n", 2);
    g_byte_array_append(ba, (const guint8 *)body, (guint)len);
    size_t parts_left = MAX_PARTS - (w->parts_seen < MAX_PARTS ? w->parts_seen : MAX_PARTS);
    w->msg->unread |= mk_mime_prescan((char *)ba->data, ba->len, parts_left);
    return ba;
}

/* Parses and walks one MIME tree: the outer message's or an attached one's. */
static void read_tree(mime_walk *w, const mk_strbuf *mime_head, const char *body, size_t len, int depth)
{
    GByteArray *ba = input_for_gmime(w, mime_head, body, len);
    GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(ba);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage *gm = g_mime_parser_construct_message(parser, parser_options);
    if (gm) {
        walk_object(w, g_mime_message_get_mime_part(gm), false, depth);
        g_object_unref(gm);
    }
    g_object_unref(parser);
    g_object_unref(stream);
}

/* Reads an attached message: its MIME fields by our header reader (nothing
 * else of its header is decoded), its body as a tree of its own. */
static void read_attached(mime_walk *w, queued_message *q)
{
    header_reader r = {.msg = NULL};
    const char *raw = (const char *)q->bytes->data;
    size_t len = q->bytes->len;
    if (len == 0)
        return;   /* GMime may hand over no buffer at all for an empty part */
    read_header_block(&r, raw, len);
    w->nesting = q->nesting;
    read_tree(w, &r.mime_head, raw + r.body_offset, len - r.body_offset, q->depth + 1);
    mk_strbuf_free(&r.mime_head);
}

static void read_bodies(mk_message *msg, const mk_strbuf *mime_head, const char *body, size_t len)
{
    mime_walk w = {.msg = msg, .body_budget = MAX_BODY_TOTAL,
                   .attachment_budget = MAX_ATTACHMENT_HTML_TOTAL};
    w.queue_tail = &w.queue;
    read_tree(&w, mime_head, body, len, 0);
    while (w.queue) {
        queued_message *q = w.queue;
        w.queue = q->next;
        if (!w.queue)
            w.queue_tail = &w.queue;
        read_attached(&w, q);
        g_byte_array_unref(q->bytes);
        free(q);
    }
    msg->texts = w.texts.v;
    msg->n_texts = w.texts.n;
    msg->htmls = w.htmls.v;
    msg->n_htmls = w.htmls.n;
}

/* ---- public face -------------------------------------------------------- */

static void fill_empty_fields(mk_message *msg)
{
    if (!msg->subject)
        msg->subject = mk_xstrdup("");
    if (!msg->date_raw)
        msg->date_raw = mk_xstrdup("");
    if (!msg->date_rfc3339)
        msg->date_rfc3339 = mk_xstrdup("");
    if (!msg->message_id)
        msg->message_id = mk_xstrdup("");
    if (!msg->message_id_domain)
        msg->message_id_domain = mk_xstrdup("");
    mk_address *singles[] = {&msg->from, &msg->sender, &msg->reply_to, &msg->return_path};
    for (size_t i = 0; i < sizeof singles / sizeof *singles; i++)
        if (!singles[i]->address)
            set_empty_address(singles[i]);
}

mk_message *mk_message_parse(const char *raw, size_t len)
{
    mk_message_library_init();
    mk_message *msg = mk_xcalloc(1, sizeof *msg);
    msg->raw_size = len;
    if (!raw)
        len = 0;
    header_reader r = {.msg = msg};
    mk_charset_budget_begin();
    if (len)
        read_header_block(&r, raw, len);
    if (msg->n_headers == 0) {
        msg->error = mk_xstrdup(len ? "no message header could be read" : "empty input");
    } else {
        read_typed_headers(msg, r.raws);
        read_bodies(msg, &r.mime_head, raw + r.body_offset, len - r.body_offset);
    }
    mk_strbuf_free(&r.mime_head);
    for (size_t i = 0; i < msg->n_headers; i++)
        free(r.raws[i]);
    free(r.raws);
    if (mk_charset_budget_end())
        msg->unread |= MK_UNREAD_HEADER_DECODING;
    fill_empty_fields(msg);
    return msg;
}

void mk_message_free(mk_message *msg)
{
    if (!msg)
        return;
    for (size_t i = 0; i < msg->n_headers; i++) {
        free(msg->headers[i].name);
        free(msg->headers[i].value);
    }
    free(msg->headers);
    free(msg->subject);
    free(msg->date_raw);
    free(msg->date_rfc3339);
    free_address(&msg->from);
    free_address(&msg->sender);
    free_address(&msg->reply_to);
    free_address(&msg->return_path);
    for (size_t i = 0; i < msg->n_to; i++)
        free_address(&msg->to[i]);
    free(msg->to);
    free(msg->message_id);
    free(msg->message_id_domain);
    mk_strlist texts = {msg->texts, msg->n_texts, msg->n_texts};
    mk_strlist htmls = {msg->htmls, msg->n_htmls, msg->n_htmls};
    mk_strlist_free(&texts);
    mk_strlist_free(&htmls);
    for (size_t i = 0; i < msg->n_attachments; i++) {
        free(msg->attachments[i].filename);
        free(msg->attachments[i].content_type);
        free(msg->attachments[i].html);
    }
    free(msg->attachments);
    free(msg->error);
    free(msg);
}

long mk_message_header_index(const mk_message *msg, const char *name, size_t from)
{
    if (!msg || !name)
        return -1;
    for (size_t i = from; i < msg->n_headers; i++)
        if (mk_ascii_ieq(msg->headers[i].name, name))
            return (long)i;
    return -1;
}

const char *mk_message_header(const mk_message *msg, const char *name)
{
    long i = mk_message_header_index(msg, name, 0);
    return i < 0 ? NULL : msg->headers[i].value;
}
