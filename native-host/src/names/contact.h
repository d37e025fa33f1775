/* contact.h - may the host ask about, or connect to, this name or address?
 *
 * Everything the look-ups send out comes from a hostile message or from a
 * hostile server's answer, so one function decides, for every caller (DNS
 * questions, PTR queries, RDAP URLs and redirects, WHOIS servers, every
 * address curl connects to): mk_contact_check(). It allows only
 *   - IP addresses that are global unicast: loopback, RFC 1918, CGNAT,
 *     link-local, site-local, unique-local, multicast, documentation,
 *     benchmarking, discard and reserved ranges are refused, and so are IPv6
 *     spellings that carry one of those IPv4 addresses (IPv4-mapped,
 *     IPv4-compatible, SIIT, NAT64 64:ff9b::/96, 6to4 2002::/16);
 *   - host names of at least two labels that are not under a special-use or
 *     private-use suffix (data/special_use_names.json: .local, .localhost,
 *     .internal, .corp, .home.arpa, .onion, .test, ...).
 * Servers the user configured (--dns-server, --rdap-base, --whois-server)
 * are the user's choice and are not judged here; what is judged is every
 * target derived from a message or from a server's answer.
 */
#ifndef MK_CONTACT_H
#define MK_CONTACT_H

#include <stdbool.h>

/* What kind of address an IP is, as far as contacting it goes. */
typedef enum mk_address_scope {
    MK_SCOPE_PUBLIC = 0,      /* global unicast: may be contacted */
    MK_SCOPE_NOT_ADDRESS,     /* not an IP literal */
    MK_SCOPE_UNSPECIFIED,     /* 0.0.0.0/8, :: */
    MK_SCOPE_LOOPBACK,        /* 127.0.0.0/8, ::1 */
    MK_SCOPE_PRIVATE,         /* RFC 1918, fc00::/7, fec0::/10, 64:ff9b:1::/48 */
    MK_SCOPE_SHARED,          /* 100.64.0.0/10 (carrier-grade NAT) */
    MK_SCOPE_LINK_LOCAL,      /* 169.254.0.0/16, fe80::/10 */
    MK_SCOPE_MULTICAST,       /* 224.0.0.0/4, ff00::/8 */
    MK_SCOPE_DOCUMENTATION,   /* TEST-NET-1/2/3, 2001:db8::/32, 3fff::/20 */
    MK_SCOPE_RESERVED,        /* benchmarking, 240/4, broadcast, 100::/64, 2001::/23, IPv6 outside 2000::/3 */
} mk_address_scope;

/* The scope of an IP literal ("1.2.3.4", "[::1]", "IPv6:fe80::1"). */
mk_address_scope mk_address_scope_of(const char *ip);
/* The scope of a binary address: 16 bytes, an IPv4 address as ::ffff:a.b.c.d. */
mk_address_scope mk_address_scope_of_bytes(const unsigned char addr[16]);
/* "public", "loopback", ... */
const char *mk_address_scope_name(mk_address_scope scope);

/* The decision for a name or address. */
typedef enum mk_contact {
    MK_CONTACT_ALLOWED = 0,
    MK_CONTACT_INTERNAL_ADDRESS,   /* an IP literal that is not global unicast */
    MK_CONTACT_SPECIAL_NAME,       /* a name under a special-use / private-use suffix */
    MK_CONTACT_NOT_A_NAME,         /* empty, one label, or not DNS syntax */
    MK_CONTACT_NO_LIST,            /* the suffix list is not loaded (or broken): every name is refused */
} mk_contact;

const char *mk_contact_name(mk_contact c);   /* "allowed", "internal_address", ... */

/* May target (a host name in any case, with or without a final dot, or an IP
 * literal) be looked up or connected to? Thread-safe. */
mk_contact mk_contact_check(const char *target);
bool mk_contact_allowed(const char *target);

/* Loads and validates DIR/special_use_names.json as the process's list, once
 * (mk_context_open() does it): later calls return the first call's result.
 * Until it has been called, every name is refused. False with *error
 * (allocated) when the file is missing or malformed. */
bool mk_contact_load(const char *dir, char **error);

#endif
