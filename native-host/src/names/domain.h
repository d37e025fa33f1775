/* domain.h - names and addresses as an investigator compares them.
 *
 * Two names belong to the same organisation when their registrable domains
 * (eTLD+1 by the Public Suffix List, via libpsl) are equal: mail.eki-net.com
 * and www.eki-net.com do, eki-net.com and eki-net.com.evil.cn do not. IDNs are
 * converted with libidn2. All functions accept NULL/"" and then return
 * NULL/false. Returned strings are allocated; the caller frees them.
 */
#ifndef MK_DOMAIN_H
#define MK_DOMAIN_H

#include <stdbool.h>

/* Lower-case ASCII (punycode) form of a host name; NULL when not a valid name. */
char *mk_domain_to_ascii(const char *host);
/* Unicode (UTF-8) form of an ASCII/punycode host name; a copy of host if not IDN. */
char *mk_domain_to_unicode(const char *host);
/* Registrable domain (eTLD+1) in lower-case ASCII; NULL for IPs, bare suffixes, junk. */
char *mk_domain_registrable(const char *host);
/* True when the public suffix of registrable domain regdom (all but its first
 * label) is a registry's (ICANN section: "com.au", "de"), not a hosting
 * platform's (private section: "web.app", "github.io"). */
bool mk_domain_suffix_is_registry(const char *regdom);
/* True when both have the same registrable domain. */
bool mk_domain_same_org(const char *a, const char *b);
/* True when host equals domain or is a subdomain of it (case-insensitive, label-aligned). */
bool mk_domain_within(const char *host, const char *domain);

/* IP literals: "1.2.3.4", "2001:db8::1", "[1.2.3.4]", "IPv6:2001:db8::1". */
bool mk_ip_is_literal(const char *s);
/* The 16-byte form of an IP literal (IPv4 as ::ffff:a.b.c.d); false when s is not one. */
bool mk_ip_to_bytes(const char *s, unsigned char addr[16]);
/* An IP literal that is not global unicast: loopback, RFC 1918, CGNAT, link-local,
 * ULA, multicast, documentation, reserved, and IPv6 forms of those (see contact.h). */
bool mk_ip_is_private(const char *ip);
/* True when ip lies in the network "ADDR[/LEN]" (same family). */
bool mk_ip_in_network(const char *ip, const char *network);

#endif
