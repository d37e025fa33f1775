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
 * before inet_pton does the real parsing. Which addresses are internal is
 * decided in one place, contact.c, on the binary address.
 *
 * The registrable domain of the same few hosts is asked for many times per
 * message (the sender's domain by every check that compares parties, a link
 * host by the link and look-alike checks), and each answer costs an IDNA
 * conversion and a walk of the suffix list. Each thread keeps the last
 * answers in a small direct-mapped table keyed by the host as given; hosts
 * too long for a slot are always computed.
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

#include "contact.h"
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

bool mk_ip_to_bytes(const char *s, unsigned char addr[16])
{
    return mk_ip_parse(s, addr);
}

/* The ranges are contact.c's: one rule for "internal" everywhere. */
bool mk_ip_is_private(const char *ip)
{
    mk_address_scope scope = mk_address_scope_of(ip);
    return scope != MK_SCOPE_PUBLIC && scope != MK_SCOPE_NOT_ADDRESS;
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

#define REGDOM_SLOTS 64
#define REGDOM_SLOT_BYTES 96

typedef struct regdom_slot {
    bool used;
    bool has_regdom;                  /* false: the host has none (IP, bare suffix, junk) */
    char host[REGDOM_SLOT_BYTES];
    char regdom[REGDOM_SLOT_BYTES];
} regdom_slot;

static _Thread_local regdom_slot regdom_memo[REGDOM_SLOTS];

static char *registrable_uncached(const char *host);

char *mk_domain_registrable(const char *host)
{
    size_t len = host ? strlen(host) : 0;
    if (len == 0 || len >= REGDOM_SLOT_BYTES)
        return registrable_uncached(host);
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)host[i]) * 16777619u;
    regdom_slot *slot = &regdom_memo[h % REGDOM_SLOTS];
    if (slot->used && strcmp(slot->host, host) == 0)
        return slot->has_regdom ? mk_xstrdup(slot->regdom) : NULL;
    char *result = registrable_uncached(host);
    if (!result || strlen(result) < REGDOM_SLOT_BYTES) {
        slot->used = true;
        memcpy(slot->host, host, len + 1);
        slot->has_regdom = result != NULL;
        if (result)
            strcpy(slot->regdom, result);
    }
    return result;
}

static char *registrable_uncached(const char *host)
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

bool mk_ip_in_network(const char *ip, const char *network)
{
    unsigned char a[16], n[16];
    char addr[64];
    const char *slash = strchr(network, '/');
    size_t alen = slash ? (size_t)(slash - network) : strlen(network);
    if (alen >= sizeof addr)
        return false;
    memcpy(addr, network, alen);
    addr[alen] = '\0';
    int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    int bits = family == AF_INET ? 32 : 128;
    if (inet_pton(family, ip, a) != 1 || inet_pton(family, addr, n) != 1)
        return false;
    long len = bits;
    if (slash) {
        char *end;
        len = strtol(slash + 1, &end, 10);
        if (*end || len < 0 || len > bits)
            return false;
    }
    for (long i = 0; i < len; i++) {
        int mask = 0x80 >> (i % 8);
        if ((a[i / 8] & mask) != (n[i / 8] & mask))
            return false;
    }
    return true;
}
