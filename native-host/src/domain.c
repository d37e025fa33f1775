/* domain.c - host names and IP literals as an investigator compares them.
 *
 * A phishing analyser constantly asks "do these two names belong to the same
 * organisation?". The answer is the registrable domain (eTLD+1) from the
 * Public Suffix List: mail.eki-net.com and www.eki-net.com share eki-net.com,
 * while eki-net.com.evil.cn belongs to evil.cn. libpsl answers that question;
 * we load its context once (pthread_once) so every thread can share it
 * read-only. psl_latest(NULL) picks the newer of the list compiled into libpsl
 * and the distribution's list file (/usr/share/publicsuffix, kept current by
 * the OS package); loading it costs about 1.5 ms once, so we prefer it and fall
 * back to the built-in list when the file is missing.
 *
 * Names are compared in their lower-case ASCII (punycode) form. Pure-ASCII
 * input never goes through libidn2: it is lower-cased and checked for DNS
 * syntax, which keeps the common case cheap and lets odd but resolvable
 * labels (underscores, undecodable "xn--" labels) through, because a
 * phisher's host name is evidence even when it is strange. Non-ASCII input is
 * converted with IDNA2008 non-transitional processing (what browsers do), and
 * with transitional processing when that refuses, so that e.g. names with
 * the German sharp s still map to something comparable.
 *
 * IP literals appear in mail in several spellings ("[1.2.3.4]",
 * "IPv6:2001:db8::1", "[IPv6:::1]"); mk_ip_normalise() strips those wrappers
 * before inet_pton does the real parsing. Private ranges are checked on the
 * binary address, with IPv4-mapped IPv6 addresses judged as the IPv4 address
 * they carry.
 */
#define _GNU_SOURCE
#include "domain.h"

#include <idn2.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"
#include "util.h"

/* DNS limits (RFC 1035): a name is at most 253 characters without the final
 * dot and a label at most 63. Anything longer is junk, not a host. */
#define MK_DNS_NAME_MAX 253
#define MK_DNS_LABEL_MAX 63
/* Longest IP literal spelling we accept, wrappers included; generous for an
 * IPv6 address with embedded IPv4 and the "[IPv6:" prefix. */
#define MK_IP_TEXT_MAX 64

/* ---- the Public Suffix List context ---------------------------------------- */

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl_ctx;

static void mk_psl_load(void)
{
    psl_ctx_t *latest = psl_latest(NULL);
    psl_ctx = latest ? latest : psl_builtin();
}

static const psl_ctx_t *mk_psl_get(void)
{
    pthread_once(&psl_once, mk_psl_load);
    return psl_ctx;
}

/* ---- IP literals ------------------------------------------------------------ */

/* Copies the address part of an IP literal spelling into buf (brackets and an
 * "IPv6:" tag removed). Returns false when the text cannot be an address. */
static bool mk_ip_normalise(const char *s, char *buf, size_t bufsz)
{
    if (!s)
        return false;
    size_t len = strnlen(s, MK_IP_TEXT_MAX + 1);
    if (len == 0 || len > MK_IP_TEXT_MAX)
        return false;
    if (s[0] == '[') {
        if (len < 3 || s[len - 1] != ']')
            return false;
        s++;
        len -= 2;
    }
    if (len > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
        s += 5;
        len -= 5;
    }
    if (len == 0 || len >= bufsz)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

/* Parses s into 16 bytes; an IPv4 address is stored IPv4-mapped
 * (::ffff:a.b.c.d) so that both families share one set of range checks. */
static bool mk_ip_parse(const char *s, unsigned char addr[16])
{
    char buf[MK_IP_TEXT_MAX + 1];
    if (!mk_ip_normalise(s, buf, sizeof buf))
        return false;
    struct in_addr v4;
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        memset(addr, 0, 10);
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, buf, addr) == 1;
}

bool mk_ip_is_literal(const char *s)
{
    unsigned char addr[16];
    return mk_ip_parse(s, addr);
}

/* True when the first `bits` bits of addr equal those of prefix. */
static bool mk_ip_in_prefix(const unsigned char *addr, const unsigned char *prefix, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(addr, prefix, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (addr[full] & mask) == (prefix[full] & mask);
}

static bool mk_ipv4_is_private(const unsigned char a[4])
{
    static const struct { unsigned char net[4]; unsigned bits; } ranges[] = {
        {{0, 0, 0, 0}, 8},        /* "this network" */
        {{10, 0, 0, 0}, 8},       /* RFC 1918 */
        {{100, 64, 0, 0}, 10},    /* carrier-grade NAT */
        {{127, 0, 0, 0}, 8},      /* loopback */
        {{169, 254, 0, 0}, 16},   /* link-local */
        {{172, 16, 0, 0}, 12},    /* RFC 1918 */
        {{192, 0, 2, 0}, 24},     /* TEST-NET-1 */
        {{192, 168, 0, 0}, 16},   /* RFC 1918 */
        {{198, 51, 100, 0}, 24},  /* TEST-NET-2 */
        {{203, 0, 113, 0}, 24},   /* TEST-NET-3 */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (mk_ip_in_prefix(a, ranges[i].net, ranges[i].bits))
            return true;
    return false;
}

static bool mk_ipv6_is_private(const unsigned char a[16])
{
    static const unsigned char zero[16] = {0};
    static const unsigned char loopback[16] = {[15] = 1};
    static const unsigned char ula[16] = {0xfc};
    static const unsigned char link_local[16] = {0xfe, 0x80};
    static const unsigned char documentation[16] = {0x20, 0x01, 0x0d, 0xb8};
    return memcmp(a, zero, 16) == 0 || memcmp(a, loopback, 16) == 0 ||
           mk_ip_in_prefix(a, ula, 7) || mk_ip_in_prefix(a, link_local, 10) ||
           mk_ip_in_prefix(a, documentation, 32);
}

bool mk_ip_is_private(const char *ip)
{
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
    unsigned char addr[16];
    if (!mk_ip_parse(ip, addr))
        return false;
    if (memcmp(addr, mapped, 12) == 0)
        return mk_ipv4_is_private(addr + 12);
    return mk_ipv6_is_private(addr);
}

/* ---- host names --------------------------------------------------------------- */

static bool mk_is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* DNS-shaped: labels of letters, digits, '-' and '_' (seen in real host
 * names), 1..63 long, not starting or ending with '-', total <= 253. */
static bool mk_name_is_valid(const char *s)
{
    size_t total = 0, label = 0;
    for (const char *p = s;; p++) {
        char c = *p;
        if (c == '.' || c == '\0') {
            if (label == 0 || label > MK_DNS_LABEL_MAX)
                return false;
            if (p[-1] == '-' || p[-(long)label] == '-')
                return false;
            if (c == '\0')
                break;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            label++;
        } else {
            return false;
        }
        if (++total > MK_DNS_NAME_MAX)
            return false;
    }
    return true;
}

/* libidn2 with non-transitional (IDNA2008/UTS#46) rules, then transitional. */
static char *mk_idn_to_ascii(const char *host)
{
    char *out = NULL;
    if (idn2_to_ascii_8z(host, &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) == IDN2_OK)
        return out;
    free(out);
    out = NULL;
    if (idn2_to_ascii_8z(host, &out, IDN2_NFC_INPUT | IDN2_TRANSITIONAL) == IDN2_OK)
        return out;
    free(out);
    return NULL;
}

/* Copies host without one trailing root dot ("example.com." is the same
 * name); bounded so a megabyte of junk is rejected before any work. */
static char *mk_host_copy(const char *host)
{
    /* UTF-8 input may be up to 4 bytes per character before conversion. */
    size_t len = strnlen(host, MK_DNS_NAME_MAX * 4 + 2);
    if (len == 0 || len > MK_DNS_NAME_MAX * 4 + 1)
        return NULL;
    if (host[len - 1] == '.')
        len--;
    if (len == 0)
        return NULL;
    return mk_xstrndup(host, len);
}

/* An IP literal is a host too: return its plain address text. */
static char *mk_ip_plain(const char *host)
{
    char buf[MK_IP_TEXT_MAX + 1];
    if (!mk_ip_is_literal(host) || !mk_ip_normalise(host, buf, sizeof buf))
        return NULL;
    return mk_ascii_lower_inplace(mk_xstrdup(buf));
}

char *mk_domain_to_ascii(const char *host)
{
    if (!host || !*host)
        return NULL;
    char *ip = mk_ip_plain(host);
    if (ip)
        return ip;
    char *copy = mk_host_copy(host);
    if (!copy)
        return NULL;
    char *ascii = copy;
    if (!mk_is_ascii(copy)) {
        char *converted = mk_idn_to_ascii(copy);
        free(copy);
        if (!converted)
            return NULL;
        /* libidn2 allocates with malloc; rehome into our allocator's world. */
        ascii = mk_xstrdup(converted);
        free(converted);
    }
    mk_ascii_lower_inplace(ascii);
    if (!mk_name_is_valid(ascii)) {
        free(ascii);
        return NULL;
    }
    return ascii;
}

char *mk_domain_to_unicode(const char *host)
{
    if (!host || !*host)
        return NULL;
    if (strnlen(host, MK_DNS_NAME_MAX * 4 + 2) > MK_DNS_NAME_MAX * 4 + 1)
        return NULL;
    /* Only punycode labels need decoding; everything else is returned as is. */
    if (!mk_ascii_istr(host, "xn--"))
        return mk_xstrdup(host);
    char *out = NULL;
    if (idn2_to_unicode_8z8z(host, &out, 0) != IDN2_OK || !out) {
        free(out);
        return mk_xstrdup(host);
    }
    char *copy = mk_xstrdup(out);
    free(out);
    return copy;
}

char *mk_domain_registrable(const char *host)
{
    char *ascii = mk_domain_to_ascii(host);
    if (!ascii)
        return NULL;
    if (mk_ip_is_literal(ascii)) {
        free(ascii);
        return NULL;
    }
    const char *reg = psl_registrable_domain(mk_psl_get(), ascii);
    char *result = reg ? mk_xstrdup(reg) : NULL;
    free(ascii);
    return result;
}

bool mk_domain_same_org(const char *a, const char *b)
{
    char *ra = mk_domain_registrable(a);
    char *rb = mk_domain_registrable(b);
    bool same = ra && rb && strcmp(ra, rb) == 0;
    free(ra);
    free(rb);
    return same;
}

bool mk_domain_within(const char *host, const char *domain)
{
    char *h = mk_domain_to_ascii(host);
    char *d = mk_domain_to_ascii(domain);
    bool within = false;
    if (h && d && (mk_ip_is_literal(h) || mk_ip_is_literal(d))) {
        within = strcmp(h, d) == 0;   /* addresses have no subdomains */
    } else if (h && d) {
        size_t hl = strlen(h), dl = strlen(d);
        if (hl == dl)
            within = strcmp(h, d) == 0;
        else if (hl > dl)
            within = h[hl - dl - 1] == '.' && strcmp(h + hl - dl, d) == 0;
    }
    free(h);
    free(d);
    return within;
}

bool mk_domain_suffix_is_registry(const char *regdom)
{
    const char *dot = regdom ? strchr(regdom, '.') : NULL;
    if (!dot || !dot[1])
        return false;
    return psl_is_public_suffix2(mk_psl_get(), dot + 1, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
}
