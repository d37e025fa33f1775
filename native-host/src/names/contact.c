/* contact.c - the one rule for what the look-ups may reach.
 *
 * Addresses. Only global unicast may be asked about (PTR) or connected to.
 * IPv4 follows IANA's special-purpose registry. IPv6 is allowed only inside
 * 2000::/3 (the global unicast space), minus the blocks carved out of it
 * (2001::/23 protocol assignments, 2001:db8::/32 and 3fff::/20
 * documentation). Everything outside 2000::/3 is refused - which covers
 * ::1, ::, IPv4-compatible ::a.b.c.d, SIIT ::ffff:0:a.b.c.d, 100::/64,
 * fc00::/7, fec0::/10, fe80::/10, ff00::/8 at once - except the two forms
 * that stand for an IPv4 address on the wire, IPv4-mapped ::ffff:0:0/96 and
 * NAT64 64:ff9b::/96, which are judged as the IPv4 address they carry. 6to4
 * (2002::/16) is global unicast but names its IPv4 router in bits 16-47, so
 * it is judged by that address too. Judging by the embedded address is what
 * stops "::ffff:127.0.0.2" and "64:ff9b::10.0.0.1" from reaching inside.
 *
 * Names. A name from a message is only worth a look-up when a registry could
 * hold it: at least two labels, DNS syntax, and not under a suffix reserved
 * for special or private use. Those suffixes are data
 * (data/special_use_names.json, with the RFC or ICANN decision for each),
 * loaded once per process (mk_contact_load(), from mk_context_open()) and
 * read-only afterwards. libpsl's implicit "*" rule would call
 * "printer.local" registrable, so the PSL cannot decide this. Until the list
 * is loaded, or when it cannot be, every name is refused: failing closed
 * costs online findings, failing open leaks internal names. (This file
 * depends only on names and addresses, not on the catalog, so that the
 * name functions in domain.c can share its address ranges.)
 */
#include "contact.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "util.h"

/* ---- addresses ---------------------------------------------------------------- */

typedef struct v4_range {
    unsigned char net[4];
    unsigned bits;
    mk_address_scope scope;
} v4_range;

/* IANA IPv4 special-purpose address registry, the blocks that are not globally reachable. */
static const v4_range V4_RANGES[] = {
    {{0, 0, 0, 0}, 8, MK_SCOPE_UNSPECIFIED},        /* "this network" */
    {{10, 0, 0, 0}, 8, MK_SCOPE_PRIVATE},           /* RFC 1918 */
    {{100, 64, 0, 0}, 10, MK_SCOPE_SHARED},         /* RFC 6598 carrier-grade NAT */
    {{127, 0, 0, 0}, 8, MK_SCOPE_LOOPBACK},
    {{169, 254, 0, 0}, 16, MK_SCOPE_LINK_LOCAL},
    {{172, 16, 0, 0}, 12, MK_SCOPE_PRIVATE},        /* RFC 1918 */
    {{192, 0, 0, 0}, 24, MK_SCOPE_RESERVED},        /* IETF protocol assignments */
    {{192, 0, 2, 0}, 24, MK_SCOPE_DOCUMENTATION},   /* TEST-NET-1 */
    {{192, 88, 99, 0}, 24, MK_SCOPE_RESERVED},      /* deprecated 6to4 relay anycast */
    {{192, 168, 0, 0}, 16, MK_SCOPE_PRIVATE},       /* RFC 1918 */
    {{198, 18, 0, 0}, 15, MK_SCOPE_RESERVED},       /* RFC 2544 benchmarking */
    {{198, 51, 100, 0}, 24, MK_SCOPE_DOCUMENTATION},/* TEST-NET-2 */
    {{203, 0, 113, 0}, 24, MK_SCOPE_DOCUMENTATION}, /* TEST-NET-3 */
    {{224, 0, 0, 0}, 4, MK_SCOPE_MULTICAST},
    {{240, 0, 0, 0}, 4, MK_SCOPE_RESERVED},         /* future use, and 255.255.255.255 */
};

typedef struct v6_range {
    unsigned char net[16];
    unsigned bits;
    mk_address_scope scope;
} v6_range;

/* Blocks inside 2000::/3 that are not globally reachable. */
static const v6_range V6_GLOBAL_EXCEPTIONS[] = {
    {{0x20, 0x01, 0x0d, 0xb8}, 32, MK_SCOPE_DOCUMENTATION},   /* RFC 3849 */
    {{0x20, 0x01}, 23, MK_SCOPE_RESERVED},                    /* IETF protocol assignments (Teredo, ORCHID, ...) */
    {{0x3f, 0xff}, 20, MK_SCOPE_DOCUMENTATION},               /* RFC 9637 */
};

/* Blocks outside 2000::/3, for naming why they are refused (the rest is "reserved"). */
static const v6_range V6_OTHER[] = {
    {{0}, 128, MK_SCOPE_UNSPECIFIED},
    {{[15] = 1}, 128, MK_SCOPE_LOOPBACK},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, MK_SCOPE_PRIVATE},   /* RFC 8215 local-use NAT64 */
    {{0xfc}, 7, MK_SCOPE_PRIVATE},                                  /* unique local */
    {{0xfe, 0xc0}, 10, MK_SCOPE_PRIVATE},                           /* deprecated site-local */
    {{0xfe, 0x80}, 10, MK_SCOPE_LINK_LOCAL},
    {{0xff}, 8, MK_SCOPE_MULTICAST},
};

static const unsigned char V4_MAPPED[12] = {[10] = 0xff, [11] = 0xff};
static const unsigned char NAT64_WKP[12] = {0x00, 0x64, 0xff, 0x9b};

/* True when the first `bits` bits of addr equal those of prefix. */
static bool in_prefix(const unsigned char *addr, const unsigned char *prefix, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(addr, prefix, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (addr[full] & mask) == (prefix[full] & mask);
}

static mk_address_scope v4_scope(const unsigned char a[4])
{
    for (size_t i = 0; i < sizeof V4_RANGES / sizeof V4_RANGES[0]; i++)
        if (in_prefix(a, V4_RANGES[i].net, V4_RANGES[i].bits))
            return V4_RANGES[i].scope;
    return MK_SCOPE_PUBLIC;
}

mk_address_scope mk_address_scope_of_bytes(const unsigned char a[16])
{
    if (memcmp(a, V4_MAPPED, 12) == 0 || memcmp(a, NAT64_WKP, 12) == 0)
        return v4_scope(a + 12);
    if ((a[0] & 0xe0) == 0x20) {   /* 2000::/3 */
        for (size_t i = 0; i < sizeof V6_GLOBAL_EXCEPTIONS / sizeof V6_GLOBAL_EXCEPTIONS[0]; i++)
            if (in_prefix(a, V6_GLOBAL_EXCEPTIONS[i].net, V6_GLOBAL_EXCEPTIONS[i].bits))
                return V6_GLOBAL_EXCEPTIONS[i].scope;
        if (a[0] == 0x20 && a[1] == 0x02)   /* 6to4: the router's IPv4 address follows */
            return v4_scope(a + 2);
        return MK_SCOPE_PUBLIC;
    }
    for (size_t i = 0; i < sizeof V6_OTHER / sizeof V6_OTHER[0]; i++)
        if (in_prefix(a, V6_OTHER[i].net, V6_OTHER[i].bits))
            return V6_OTHER[i].scope;
    if (in_prefix(a, (const unsigned char[16]){0}, 96)) {
        /* IPv4-compatible ::a.b.c.d (deprecated): as internal as what it carries, else reserved */
        mk_address_scope inner = v4_scope(a + 12);
        return inner != MK_SCOPE_PUBLIC ? inner : MK_SCOPE_RESERVED;
    }
    return MK_SCOPE_RESERVED;
}

mk_address_scope mk_address_scope_of(const char *ip)
{
    unsigned char a[16];
    if (!mk_ip_to_bytes(ip, a))
        return MK_SCOPE_NOT_ADDRESS;
    return mk_address_scope_of_bytes(a);
}

const char *mk_address_scope_name(mk_address_scope scope)
{
    switch (scope) {
    case MK_SCOPE_PUBLIC: return "public";
    case MK_SCOPE_NOT_ADDRESS: return "not_address";
    case MK_SCOPE_UNSPECIFIED: return "unspecified";
    case MK_SCOPE_LOOPBACK: return "loopback";
    case MK_SCOPE_PRIVATE: return "private";
    case MK_SCOPE_SHARED: return "shared";
    case MK_SCOPE_LINK_LOCAL: return "link_local";
    case MK_SCOPE_MULTICAST: return "multicast";
    case MK_SCOPE_DOCUMENTATION: return "documentation";
    case MK_SCOPE_RESERVED: return "reserved";
    }
    return "reserved";
}

/* ---- the special-use suffix list ------------------------------------------------- */

typedef struct suffix_list {
    mk_strlist suffixes;   /* lower-case, no leading or trailing dot */
    bool ok;
    char *error;
} suffix_list;

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static suffix_list *the_list;   /* set once, read-only afterwards, kept until exit */

/* A suffix as the file must write it: lower-case LDH labels, no empty label. */
static bool suffix_is_valid(const char *s)
{
    size_t label = 0, n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

static char *load_entries(suffix_list *l, const json_t *names)
{
    if (!json_is_array(names) || json_array_size(names) == 0)
        return mk_xstrdup("expected {\"names\": [{\"suffix\", \"source\"}, ...]} with at least one name");
    size_t i;
    json_t *e;
    json_array_foreach(names, i, e) {
        const char *suffix = json_string_value(json_object_get(e, "suffix"));
        const char *source = json_string_value(json_object_get(e, "source"));
        if (!suffix || !suffix_is_valid(suffix))
            return mk_xasprintf("entry %zu: \"suffix\" must be a lower-case DNS name without dots at the ends", i);
        if (!source || !source[0])
            return mk_xasprintf("entry %zu (%s): \"source\" must say which RFC or decision reserves it", i, suffix);
        if (mk_strlist_contains(&l->suffixes, suffix))
            return mk_xasprintf("entry %zu: \"%s\" is listed twice", i, suffix);
        mk_strlist_push(&l->suffixes, suffix);
    }
    return NULL;
}

static suffix_list *load_list(const char *dir)
{
    suffix_list *l = mk_xcalloc(1, sizeof *l);
    char *path = mk_xasprintf("%s/special_use_names.json", dir ? dir : ".");
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    char *why = doc ? load_entries(l, json_object_get(doc, "names")) : mk_xstrdup(je.text);
    if (why) {
        l->error = mk_xasprintf("%s: %s", path, why);
        mk_strlist_free(&l->suffixes);
        free(why);
    }
    l->ok = why == NULL;
    json_decref(doc);
    free(path);
    return l;
}

/* The process's list; NULL until mk_contact_load() has been called. */
static const suffix_list *get_list(void)
{
    pthread_mutex_lock(&list_lock);
    const suffix_list *l = the_list;
    pthread_mutex_unlock(&list_lock);
    return l;
}

bool mk_contact_load(const char *dir, char **error)
{
    pthread_mutex_lock(&list_lock);
    if (!the_list)
        the_list = load_list(dir);
    const suffix_list *l = the_list;
    pthread_mutex_unlock(&list_lock);
    if (error)
        *error = l->ok ? NULL : mk_xstrdup(l->error);
    return l->ok;
}

/* ---- the decision ------------------------------------------------------------------- */

static bool under_suffix(const char *name, size_t len, const char *suffix)
{
    size_t sl = strlen(suffix);
    if (len < sl || strncmp(name + len - sl, suffix, sl) != 0)
        return false;
    return len == sl || name[len - sl - 1] == '.';
}

static bool last_label_is_numeric(const char *name, size_t len)
{
    size_t i = len;
    while (i > 0 && name[i - 1] != '.')
        i--;
    for (size_t k = i; k < len; k++)
        if (name[k] < '0' || name[k] > '9')
            return false;
    return true;
}

static mk_contact check_name(const char *target)
{
    char *ascii = mk_domain_to_ascii(target);   /* lower-case punycode, NULL when not DNS syntax */
    if (!ascii)
        return MK_CONTACT_NOT_A_NAME;
    size_t len = strlen(ascii);
    while (len > 0 && ascii[len - 1] == '.')
        len--;
    mk_contact verdict = MK_CONTACT_ALLOWED;
    if (len == 0 || !memchr(ascii, '.', len) || last_label_is_numeric(ascii, len)) {
        /* One label: a resolver would complete it with local search domains. A numeric
         * last label: no TLD is numeric, but "127.1" and "0x7f.1" are IPv4 to getaddrinfo. */
        verdict = MK_CONTACT_NOT_A_NAME;
    } else {
        const suffix_list *l = get_list();
        if (!l || !l->ok)
            verdict = MK_CONTACT_NO_LIST;
        for (size_t i = 0; l && l->ok && i < l->suffixes.n && verdict == MK_CONTACT_ALLOWED; i++)
            if (under_suffix(ascii, len, l->suffixes.v[i]))
                verdict = MK_CONTACT_SPECIAL_NAME;
    }
    free(ascii);
    return verdict;
}

mk_contact mk_contact_check(const char *target)
{
    if (!target || !target[0])
        return MK_CONTACT_NOT_A_NAME;
    mk_address_scope scope = mk_address_scope_of(target);
    if (scope != MK_SCOPE_NOT_ADDRESS)
        return scope == MK_SCOPE_PUBLIC ? MK_CONTACT_ALLOWED : MK_CONTACT_INTERNAL_ADDRESS;
    return check_name(target);
}

bool mk_contact_allowed(const char *target)
{
    return mk_contact_check(target) == MK_CONTACT_ALLOWED;
}

const char *mk_contact_name(mk_contact c)
{
    switch (c) {
    case MK_CONTACT_ALLOWED: return "allowed";
    case MK_CONTACT_INTERNAL_ADDRESS: return "internal_address";
    case MK_CONTACT_SPECIAL_NAME: return "special_name";
    case MK_CONTACT_NOT_A_NAME: return "not_a_name";
    case MK_CONTACT_NO_LIST: return "no_list";
    }
    return "not_a_name";
}
