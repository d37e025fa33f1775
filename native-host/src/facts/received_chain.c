/* received_chain.c - the Received chain of a message and its trust boundary.
 *
 * Anyone can write Received headers into a message before sending it, so only
 * the headers written by the recipient's own servers tell the truth. Those sit
 * on top: each server prepends its header, so the topmost one was written by
 * the last server, which belongs to the recipient. Walking down from there, a
 * header is still trustworthy while the server above it received the message
 * from a machine of the same organisation; the first hop whose client is
 * outside is the origin: the address and reverse name in it were recorded by
 * a trusted server and could not be chosen by the sender.
 *
 * "Same organisation" for a client means, judged on what the trusted server
 * observed rather than what the client claimed:
 *   - no network peer at all (a hop with no from part, local submission,
 *     "from userid", LMTP, an HTTP API with a numeric client id);
 *   - a private, loopback or link-local address;
 *   - a verified reverse name with the registrable domain of a trusted `by`;
 *   - a well-known operator's internal hops: Microsoft 365 moves mail between
 *     outlook.com/office365.com hosts over its own IPv6 ranges (2603:10xx::/24,
 *     2a01:111::/32), and Google's internal hops carry no address at all.
 * When a client address was recorded, the HELO name is not believed: it is
 * the one part a sender chooses freely. Only without an address (where the
 * receiver recorded nothing better) does a HELO of the same organisation
 * count.
 *
 * When every hop is internal (mail that never left one operator, such as
 * Gmail to Gmail), the oldest hop with a public client address is taken as
 * the origin, since all of the chain is trusted; without one there is none.
 *
 * Cost is linear in the number of headers: the set of trusted organisations
 * is capped (MK_TRUST_MAX_ORGS), so a message with 10,000 forged headers is
 * no slower per hop than a normal one.
 */
#include "received.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "util.h"

#define MK_TRUST_MAX_ORGS 32

/* Registrable domains run by one operator that hands mail between them. */
static const char *const mk_microsoft_orgs[] = {
    "outlook.com", "office365.com", "microsoft.com", "hotmail.com",
    "live.com", "msn.com", "exchangelabs.com", "outlook.cn",
};
static const char *const mk_google_orgs[] = {"google.com", "gmail.com", "googlemail.com"};

typedef struct mk_trust {
    char *orgs[MK_TRUST_MAX_ORGS];  /* registrable domains of trusted `by` hosts */
    size_t n_orgs;
    bool microsoft;                 /* a trusted `by` is Microsoft's */
    bool google;                    /* a trusted `by` is Google's */
} mk_trust;

static bool mk_in_list(const char *org, const char *const *list, size_t n)
{
    for (size_t i = 0; org && i < n; i++)
        if (strcmp(org, list[i]) == 0)
            return true;
    return false;
}

static bool mk_is_microsoft_org(const char *org)
{
    return mk_in_list(org, mk_microsoft_orgs, sizeof mk_microsoft_orgs / sizeof mk_microsoft_orgs[0]);
}

static bool mk_is_google_org(const char *org)
{
    return mk_in_list(org, mk_google_orgs, sizeof mk_google_orgs / sizeof mk_google_orgs[0]);
}

/* Microsoft's mail-internal IPv6 space: 2603:1000::/24 and 2a01:111::/32.
 * Textual is enough: mk_received_parse lower-cases addresses, and a /24 on a
 * group boundary means "2603:10" followed by exactly two more hex digits. */
static bool mk_is_microsoft_ip(const char *ip)
{
    if (strncmp(ip, "2a01:111:", 9) == 0)
        return true;
    return strncmp(ip, "2603:10", 7) == 0 && ip[7] && ip[8] && ip[9] == ':';
}

static void mk_trust_add_by(mk_trust *tr, const char *by)
{
    char *org = mk_domain_registrable(by);
    if (!org)
        return;
    tr->microsoft |= mk_is_microsoft_org(org);
    tr->google |= mk_is_google_org(org);
    for (size_t i = 0; i < tr->n_orgs; i++) {
        if (strcmp(tr->orgs[i], org) == 0) {
            free(org);
            return;
        }
    }
    if (tr->n_orgs < MK_TRUST_MAX_ORGS)
        tr->orgs[tr->n_orgs++] = org;
    else
        free(org);
}

static void mk_trust_free(mk_trust *tr)
{
    for (size_t i = 0; i < tr->n_orgs; i++)
        free(tr->orgs[i]);
    tr->n_orgs = 0;
}

/* True when the name belongs to a trusted organisation or its operator. */
static bool mk_trust_knows_name(const mk_trust *tr, const char *name)
{
    char *org = mk_domain_registrable(name);
    if (!org)
        return false;
    bool known = (tr->microsoft && mk_is_microsoft_org(org)) || (tr->google && mk_is_google_org(org));
    for (size_t i = 0; !known && i < tr->n_orgs; i++)
        known = strcmp(tr->orgs[i], org) == 0;
    free(org);
    return known;
}

static bool mk_rdns_is_real(const char *rdns)
{
    return rdns[0] && !mk_ascii_ieq(rdns, "unknown");
}

/* A client that gave only a name: internal unless the name is a real host
 * name of an organisation we do not trust. */
static bool mk_client_without_address_is_internal(const mk_trust *tr, const mk_hop *hop)
{
    if (tr->google || mk_ascii_istr(hop->with, "LMTP"))
        return true;
    const char *name = mk_rdns_is_real(hop->rdns) ? hop->rdns : hop->helo;
    char *org = mk_domain_registrable(name);
    if (!org)
        return true;   /* "localhost", "userid", "mail pickup service", a numeric id */
    free(org);
    return mk_trust_knows_name(tr, name);
}

static bool mk_client_is_internal(const mk_trust *tr, const mk_hop *hop)
{
    if (!hop->helo[0] && !hop->rdns[0] && !hop->ip[0])
        return true;   /* only "by": nobody connected over the network */
    if (!hop->ip[0])
        return mk_client_without_address_is_internal(tr, hop);
    if (mk_ip_is_private(hop->ip))
        return true;
    if (tr->microsoft && mk_is_microsoft_ip(hop->ip))
        return true;
    return mk_rdns_is_real(hop->rdns) && mk_trust_knows_name(tr, hop->rdns);
}

/* ---- building the chain -------------------------------------------------- */

static bool mk_is_received(const mk_header *h)
{
    return h->name && mk_ascii_ieq(h->name, "Received");
}

/* Delay to the previous (older) hop; -1 when either date is missing or the
 * clocks disagree so much that time runs backwards. */
static void mk_hops_set_delays(mk_hops *out)
{
    for (size_t i = 0; i < out->n; i++) {
        mk_hop *h = &out->v[i];
        h->delay_s = -1;
        if (i == 0 || !h->date || !out->v[i - 1].date)
            continue;
        double d = difftime(h->date, out->v[i - 1].date);
        if (d >= 0)
            h->delay_s = (long)d;
    }
}

/* Fallback origin for an all-internal chain: the oldest public client. */
static long mk_hops_oldest_public(const mk_hops *out)
{
    for (size_t i = 0; i < out->n; i++)
        if (out->v[i].ip[0] && !mk_ip_is_private(out->v[i].ip))
            return (long)i;
    return -1;
}

static void mk_hops_walk_trust(mk_hops *out)
{
    out->origin = -1;
    if (out->n == 0)
        return;
    mk_trust tr = {0};
    size_t i = out->n - 1;
    out->v[i].trusted = true;
    mk_trust_add_by(&tr, out->v[i].by);
    for (;;) {
        if (!mk_client_is_internal(&tr, &out->v[i])) {
            out->origin = (long)i;
            break;
        }
        if (i == 0) {
            out->origin = mk_hops_oldest_public(out);
            break;
        }
        i--;
        out->v[i].trusted = true;
        mk_trust_add_by(&tr, out->v[i].by);
    }
    mk_trust_free(&tr);
}

void mk_hops_build(const mk_message *msg, mk_hops *out)
{
    memset(out, 0, sizeof *out);
    out->origin = -1;
    if (!msg || !msg->headers)
        return;
    size_t count = 0;
    for (size_t i = 0; i < msg->n_headers; i++)
        count += mk_is_received(&msg->headers[i]);
    if (count == 0)
        return;
    out->v = mk_xcalloc(count, sizeof *out->v);
    /* Headers run top (newest) to bottom (oldest); hops run oldest first. */
    size_t k = count;
    for (size_t i = 0; i < msg->n_headers && k > 0; i++) {
        if (!mk_is_received(&msg->headers[i]))
            continue;
        mk_hop *hop = &out->v[--k];
        mk_received_parse(msg->headers[i].value ? msg->headers[i].value : "", hop);
        hop->header_index = i;
    }
    out->n = count;
    mk_hops_set_delays(out);
    mk_hops_walk_trust(out);
}

void mk_hops_free(mk_hops *hops)
{
    if (!hops)
        return;
    for (size_t i = 0; i < hops->n; i++)
        mk_hop_free(&hops->v[i]);
    free(hops->v);
    memset(hops, 0, sizeof *hops);
    hops->origin = -1;
}

size_t mk_hops_trusted_header_limit(const mk_hops *hops, const mk_message *msg)
{
    (void)msg;
    if (!hops || hops->n == 0)
        return 0;
    if (hops->origin >= 0 && (size_t)hops->origin < hops->n)
        return hops->v[hops->origin].header_index + 1;
    return hops->v[hops->n - 1].header_index + 1;
}
