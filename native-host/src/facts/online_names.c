/* online_names.c - the JSON spelling of the online stage's enums (enrich.h).
 *
 * Statuses travel inside the engine as enums, so a finding can never test a
 * misspelt string and no struct points into a JSON answer that is freed
 * later. Each enum has one table here; an out-of-range value reads as the
 * table's first word rather than crashing, like a strerror for unknown codes.
 */
#include "online_facts.h"

#define NAME_OF(table, v) ((size_t)(v) < sizeof(table) / sizeof *(table) ? (table)[(v)] : (table)[0])

const char *mk_lookup_kind_name(mk_lookup_kind kind)
{
    static const char *const names[] = {"dns", "rdap", "whois", "geo", "asn"};
    return NAME_OF(names, kind);
}

const char *mk_lookup_status_name(mk_lookup_status status)
{
    static const char *const names[] = {"ok", "nxdomain", "timeout", "error", "skipped", "cached"};
    return NAME_OF(names, status);
}

const char *mk_lookup_purpose_name(mk_lookup_purpose purpose)
{
    static const char *const names[] = {"sender", "reply_to", "return_path", "link", "origin_reverse",
                                        "origin_forward", "helo", "spf", "registration", "resolver_check",
                                        "geo", "asn", "feed"};
    return NAME_OF(names, purpose);
}

const char *mk_existence_name(mk_existence e)
{
    static const char *const names[] = {"unknown", "ok", "nxdomain", "nodata", "skipped"};
    return NAME_OF(names, e);
}

bool mk_existence_denied(mk_existence e)
{
    return e == MK_EXIST_NXDOMAIN || e == MK_EXIST_NODATA;
}

const char *mk_forward_name(mk_forward f)
{
    static const char *const names[] = {"", "confirmed", "mismatch", "unresolvable", "unknown"};
    return NAME_OF(names, f);
}

bool mk_forward_failed(mk_forward f)
{
    return f == MK_FORWARD_MISMATCH || f == MK_FORWARD_UNRESOLVABLE;
}

const char *mk_reg_status_name(mk_reg_status s)
{
    static const char *const names[] = {"unknown", "registered", "unregistered"};
    return NAME_OF(names, s);
}

const char *mk_reg_source_name(mk_reg_source s)
{
    static const char *const names[] = {"", "rdap", "whois"};
    return NAME_OF(names, s);
}

const char *mk_from_match_name(mk_from_match m)
{
    static const char *const names[] = {"", "a", "mx", "spf"};
    return NAME_OF(names, m);
}

const char *mk_clock_name(mk_clock c)
{
    static const char *const names[] = {"received", "date", "analysis"};
    return NAME_OF(names, c);
}
