/* url.c - taking one URL apart the way a browser would, and a reader would.
 *
 * The syntax split follows RFC 3986 (scheme ":" "//" authority path "?" query
 * "#" fragment) with the leniencies browsers apply to web URLs, because the
 * browser is what the victim uses: backslashes count as slashes, any number of
 * slashes may follow "https:", tabs and newlines inside are dropped, the host
 * is percent-decoded, and a host whose last label is a number is an IPv4
 * address written in decimal, hex or octal parts (http://3232235777/ is
 * 192.168.1.1). Mail adds its own habits, which we undo so that checks see the
 * real destination: defanged schemes ("hxxps", "h**ps", "ttps") and dots
 * ("www[.]evil[.]com"), and scheme-less "www.example.com/path".
 *
 * Host names go through domain.h (libidn2 + libpsl), so the ASCII/punycode
 * form, the Unicode form and the registrable domain come from one place.
 * Input is bounded: only the first MK_URL_MAX_INPUT bytes are read, and every
 * step is a single forward pass.
 */
#include "url.h"

#include <libpsl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "urltext.h"
#include "platform.h"
#include "util.h"

#define MK_URL_MAX_INPUT 16384

/* ---- small helpers ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX once. %00 stays as written so the result remains a C string. */
static char *percent_decode(const char *s, size_t n)
{
    char *out = mk_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0 && (hi | lo) != 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- clean-up before splitting ---- */

/* Copies the input without surrounding white space and control characters,
 * drops tabs and newlines inside (as browsers do), turns backslashes into
 * slashes and undoes defanged punctuation: "[.]", "(.)", "{.}" and "[:]". */
static char *clean_input(const char *s)
{
    size_t n = strnlen(s, MK_URL_MAX_INPUT);
    while (n > 0 && (unsigned char)*s <= 0x20) {
        s++;
        n--;
    }
    while (n > 0 && (unsigned char)s[n - 1] <= 0x20)
        n--;
    mk_strbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if ((c == '[' || c == '(' || c == '{') && i + 2 < n && (s[i + 1] == '.' || s[i + 1] == ':') &&
            s[i + 2] == (c == '[' ? ']' : c == '(' ? ')' : '}')) {
            mk_strbuf_putc(&b, s[i + 1]);
            i += 2;
            continue;
        }
        mk_strbuf_putc(&b, c == '\\' ? '/' : c);
    }
    return mk_strbuf_steal(&b);
}

/* ---- IPv4 in the forms browsers accept ---- */

/* One part of a numeric host: decimal, 0x hex or 0-prefixed octal. */
static bool parse_ipv4_part(const char *s, size_t n, uint64_t *out)
{
    int base = 10;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    } else if (n >= 2 && s[0] == '0') {
        base = 8;
        s++;
        n--;
    }
    if (n > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hex_value(s[i]);
        if (d < 0 || d >= base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > 0xffffffffULL)
            return false;
    }
    *out = v;
    return true;
}

/* True when the last label looks numeric, so the host must be an IPv4 address. */
static bool ends_with_number(const char *host)
{
    const char *last = strrchr(host, '.');
    last = last ? last + 1 : host;
    if (!*last)
        return false;
    if (last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
        for (const char *p = last + 2; *p; p++)
            if (hex_value(*p) < 0)
                return false;
        return true;
    }
    for (const char *p = last; *p; p++)
        if (!is_digit(*p))
            return false;
    return true;
}

/* WHATWG IPv4 parser: 1 to 4 parts, the last one filling the remaining bytes. */
static bool parse_ipv4(const char *host, char out[16])
{
    uint64_t parts[4];
    size_t np = 0;
    const char *p = host;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (np == 4 || n == 0 || !parse_ipv4_part(p, n, &parts[np]))
            return false;
        np++;
        if (!dot)
            break;
        p = dot + 1;
    }
    uint64_t v = 0;
    for (size_t i = 0; i + 1 < np; i++) {
        if (parts[i] > 255)
            return false;
        v |= parts[i] << (8 * (3 - i));
    }
    uint64_t last = parts[np - 1];
    if (last >= (1ULL << (8 * (5 - np))))
        return false;
    v |= last;
    snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(v >> 24) & 255, (unsigned)(v >> 16) & 255,
             (unsigned)(v >> 8) & 255, (unsigned)v & 255);
    return true;
}

static bool parse_ipv6(const char *host, char out[INET6_ADDRSTRLEN])
{
    unsigned char addr[16];
    if (inet_pton(AF_INET6, host, addr) != 1)
        return false;
    return inet_ntop(AF_INET6, addr, out, INET6_ADDRSTRLEN) != NULL;
}

/* ---- host normalisation ---- */

/* Full-width and ideographic full stops act as dots in IDNA. */
static char *map_unicode_dots(const char *s)
{
    mk_strbuf b = {0};
    for (size_t i = 0; s[i];) {
        const unsigned char *u = (const unsigned char *)s + i;
        if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x82) {          /* U+3002 。 */
            mk_strbuf_putc(&b, '.');
            i += 3;
        } else if (u[0] == 0xef && u[1] == 0xbc && u[2] == 0x8e) {   /* U+FF0E ． */
            mk_strbuf_putc(&b, '.');
            i += 3;
        } else if (u[0] == 0xef && u[1] == 0xbd && u[2] == 0xa1) {   /* U+FF61 ｡ */
            mk_strbuf_putc(&b, '.');
            i += 3;
        } else {
            mk_strbuf_putc(&b, s[i]);
            i++;
        }
    }
    return mk_strbuf_steal(&b);
}

/* Fills host, host_unicode, regdom and host_is_ip from the raw host text. */
static bool set_host(mk_url *u, const char *raw, size_t n, bool bracketed)
{
    char *decoded = percent_decode(raw, n);
    char *host = map_unicode_dots(decoded);
    free(decoded);
    mk_ascii_lower_inplace(host);
    size_t len = strlen(host);
    while (len > 0 && host[len - 1] == '.')
        host[--len] = '\0';

    char ip[INET6_ADDRSTRLEN];
    char *ascii = NULL;
    if (bracketed) {
        if (parse_ipv6(host, ip))
            ascii = mk_xstrdup(ip);
    } else if (len > 0 && ends_with_number(host)) {
        if (parse_ipv4(host, ip))
            ascii = mk_xstrdup(ip);
    } else if (len > 0) {
        ascii = mk_domain_to_ascii(host);
    }
    free(host);
    if (!ascii)
        return false;

    free(u->host);
    free(u->host_unicode);
    free(u->regdom);
    u->host = ascii;
    u->host_is_ip = mk_ip_is_literal(ascii);
    u->host_unicode = u->host_is_ip ? mk_xstrdup(ascii) : mk_domain_to_unicode(ascii);
    if (!u->host_unicode)
        u->host_unicode = mk_xstrdup(ascii);
    char *reg = u->host_is_ip ? NULL : mk_domain_registrable(ascii);
    u->regdom = reg ? reg : mk_xstrdup("");
    return true;
}

/* ---- authority ---- */

static int parse_port(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return 0;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v <= 65535 ? v : 0;
}

/* authority = [ userinfo "@" ] host [ ":" port ]; the last "@" wins, as in browsers. */
static bool parse_authority(mk_url *u, const char *a, size_t n)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (a[i] == '@')
            at = a + i;
    if (at) {
        free(u->userinfo);
        u->userinfo = percent_decode(a, (size_t)(at - a));
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close)
            return false;
        size_t rest = n - (size_t)(close + 1 - a);
        if (rest > 1 && close[1] == ':')
            u->port = parse_port(close + 2, rest - 1);
        return set_host(u, a + 1, (size_t)(close - a - 1), true);
    }
    const char *colon = memchr(a, ':', n);
    size_t host_len = n;
    if (colon) {
        host_len = (size_t)(colon - a);
        u->port = parse_port(colon + 1, n - host_len - 1);
    }
    return set_host(u, a, host_len, false);
}

/* ---- path, query, fragment ---- */

static void parse_rest(mk_url *u, const char *s)
{
    size_t n = strlen(s);
    const char *hash = memchr(s, '#', n);
    size_t before_hash = hash ? (size_t)(hash - s) : n;
    const char *q = memchr(s, '?', before_hash);
    size_t path_len = q ? (size_t)(q - s) : before_hash;
    free(u->path);
    u->path = percent_decode(s, path_len);
    if (q) {
        free(u->query);
        u->query = percent_decode(q + 1, before_hash - path_len - 1);
    }
    if (hash) {
        free(u->fragment);
        u->fragment = percent_decode(hash + 1, n - before_hash - 1);
    }
}

/* Splits "authority[/?#rest]" and parses both. */
static bool parse_after_authority_start(mk_url *u, const char *s)
{
    size_t alen = strcspn(s, "/?#");
    bool ok = parse_authority(u, s, alen);
    parse_rest(u, s + alen);
    return ok;
}

/* ---- scheme ---- */

static bool is_web_scheme(const char *scheme)
{
    return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 || strcmp(scheme, "ftp") == 0 ||
           strcmp(scheme, "ws") == 0 || strcmp(scheme, "wss") == 0;
}

/* Length of an RFC 3986 scheme followed by ':' at s, 0 if none. */
static size_t scheme_len(const char *s)
{
    if (!is_alpha(s[0]))
        return 0;
    size_t i = 1;
    while (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    return s[i] == ':' ? i : 0;
}

/* "www.x.com:8080/" is a host and port, not the scheme "www.x.com". */
static bool colon_starts_port(const char *after_colon)
{
    size_t d = 0;
    while (is_digit(after_colon[d]))
        d++;
    return d > 0 && (after_colon[d] == '\0' || after_colon[d] == '/' || after_colon[d] == '?' ||
                     after_colon[d] == '#');
}

/* True when the TLD of a scheme-less candidate is a real one, so that
 * "index.html" or "v1.2" are not taken for hosts. */
static bool has_known_tld(const char *authority, size_t n)
{
    char *host = mk_xstrndup(authority, strcspn(authority, ":@"));
    if (strlen(host) > n)
        host[n] = '\0';
    size_t len = strlen(host);
    while (len > 0 && host[len - 1] == '.')
        host[--len] = '\0';
    char *ascii = mk_domain_to_ascii(host);
    free(host);
    if (!ascii)
        return false;
    bool known = mk_ip_is_literal(ascii);
    const char *dot = strrchr(ascii, '.');
    if (!known && dot) {
        const psl_ctx_t *psl = psl_builtin();
        known = psl ? psl_is_public_suffix2(psl, dot + 1, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0
                    : strlen(dot + 1) >= 2;
    }
    free(ascii);
    return known;
}

static void init_empty(mk_url *u)
{
    memset(u, 0, sizeof *u);
    u->scheme = mk_xstrdup("");
    u->userinfo = mk_xstrdup("");
    u->host = mk_xstrdup("");
    u->host_unicode = mk_xstrdup("");
    u->regdom = mk_xstrdup("");
    u->path = mk_xstrdup("");
    u->query = mk_xstrdup("");
    u->fragment = mk_xstrdup("");
}

static void set_scheme(mk_url *u, const char *s, size_t n)
{
    free(u->scheme);
    u->scheme = mk_ascii_lower_inplace(mk_xstrndup(s, n));
}

static bool parse_cleaned(mk_url *u, const char *s)
{
    size_t obf = mk_urltext_scheme_len(s, strlen(s));
    if (obf > 0) {
        size_t word = strcspn(s, ":[");   /* "hxxps" of "hxxps://" or "hxxps[:]//" */
        bool secure = word > 0 && (s[word - 1] == 's' || s[word - 1] == 'S');
        set_scheme(u, secure ? "https" : "http", secure ? 5 : 4);
        s += obf;
        while (*s == '/')
            s++;
        return parse_after_authority_start(u, s);
    }
    size_t sl = scheme_len(s);
    if (sl > 0 && !colon_starts_port(s + sl + 1)) {
        set_scheme(u, s, sl);
        if (!is_web_scheme(u->scheme)) {
            parse_rest(u, s + sl + 1);   /* mailto:, tel:, javascript: ... have no web host */
            return false;
        }
        s += sl + 1;
        while (*s == '/')
            s++;
        return parse_after_authority_start(u, s);
    }
    if (s[0] == '/' && s[1] == '/')
        return parse_after_authority_start(u, s + 2);
    size_t alen = strcspn(s, "/?#");
    if (alen == 0 || s[0] == '.' || !memchr(s, '.', alen) || !has_known_tld(s, alen))
        return false;   /* a relative reference, not a host */
    return parse_after_authority_start(u, s);
}

/* ---- public ---- */

bool mk_url_parse(const char *s, mk_url *out)
{
    init_empty(out);
    if (!s)
        return false;
    char *clean = clean_input(s);
    out->valid = parse_cleaned(out, clean);
    free(clean);
    if (!out->valid) {
        free(out->host);
        free(out->host_unicode);
        free(out->regdom);
        out->host = mk_xstrdup("");
        out->host_unicode = mk_xstrdup("");
        out->regdom = mk_xstrdup("");
        out->host_is_ip = false;
    }
    return out->valid;
}

void mk_url_free(mk_url *u)
{
    if (!u)
        return;
    free(u->scheme);
    free(u->userinfo);
    free(u->host);
    free(u->host_unicode);
    free(u->regdom);
    free(u->path);
    free(u->query);
    free(u->fragment);
    memset(u, 0, sizeof *u);
}

/* ---- link captions ---- */

/* Caption characters that frame a domain without being part of it. */
static bool is_caption_frame(unsigned char c)
{
    return c <= 0x20 || strchr("\"'<>()[]", c) != NULL;
}

/* Two-label names whose "TLD" is far more often a file extension. */
static bool looks_like_file_name(const char *ascii)
{
    static const char *const exts[] = {"zip", "mov", "md", "py", "sh", "pl", "rs", "ps", "exe", "pdf"};
    const char *dot = strrchr(ascii, '.');
    if (!dot || strchr(ascii, '.') != dot)
        return false;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcmp(dot + 1, exts[i]) == 0)
            return true;
    return false;
}

/* A caption that is nothing but a domain, optionally with a path:
 * "eki-net.com", "eki-net.com/login". Addresses ("a@b.com") are not. */
static char *bare_domain_host(const char *text)
{
    size_t n = strnlen(text, 1024);
    if (n == 1024)
        return NULL;
    while (n > 0 && is_caption_frame((unsigned char)*text)) {
        text++;
        n--;
    }
    while (n > 0 && is_caption_frame((unsigned char)text[n - 1]))
        n--;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] <= 0x20 || text[i] == '@')
            return NULL;
    char *copy = mk_xstrndup(text, n);
    mk_url u;
    char *host = NULL;
    if (mk_url_parse(copy, &u) && !u.host_is_ip && u.scheme[0] == '\0' && u.userinfo[0] == '\0' &&
        strchr(u.host, '.') && !looks_like_file_name(u.host))
        host = mk_xstrdup(u.host);
    mk_url_free(&u);
    free(copy);
    return host;
}

char *mk_url_host_in_text(const char *text)
{
    if (!text)
        return NULL;
    size_t len = strnlen(text, MK_URL_MAX_INPUT);
    size_t start, end;
    if (mk_urltext_find(text, len, 0, &start, &end)) {
        char *span = mk_xstrndup(text + start, end - start);
        mk_url u;
        char *host = mk_url_parse(span, &u) ? mk_xstrdup(u.host) : NULL;
        mk_url_free(&u);
        free(span);
        if (host)
            return host;
    }
    return bare_domain_host(text);
}
