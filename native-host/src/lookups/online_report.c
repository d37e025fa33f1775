/* online_report.c - what the look-ups learned, written into the report.
 *
 * The contract's "lookups" list says, for every question, what was asked, of
 * whom, with what result and how long it took, so that a reader can see why
 * an online finding appeared or did not. Links gain the addresses their host
 * resolved to and where those are; the origin gains its live reverse name and
 * forward confirmation; "registrations" summarises what registries said.
 */
#include "lookups.h"

#include <string.h>

static json_t *str_array(const mk_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

static json_t *lookups_json(const mk_online_facts *o)
{
    json_t *a = json_array();
    for (size_t i = 0; i < o->n_lookups; i++) {
        const mk_online_lookup *l = &o->lookups[i];
        json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:f}", "kind", l->kind, "type", l->type, "target", l->target,
                              "status", l->status, "ms", (double)((long)(l->ms * 10)) / 10);
        if (e && l->server[0])
            json_object_set_new(e, "server", json_string(l->server));
        if (e)
            json_array_append_new(a, e);
    }
    return a;
}

static void annotate_link(json_t *link, const mk_online_facts *o)
{
    const mk_online_host *h = mk_online_host_find(o, json_string_value(json_object_get(link, "host")));
    if (!h)
        return;
    json_object_set_new(link, "addresses", str_array(&h->addresses));
    json_object_set_new(link, "dns", json_string(h->dns));
    if (h->has_geo && h->geo.has_location)
        json_object_set_new(link, "geo", json_pack("{s:s, s:s}", "country", h->geo.country, "city", h->geo.city));
    if (h->has_geo && h->geo.has_asn)
        json_object_set_new(link, "asn", json_pack("{s:I, s:s}", "number", (json_int_t)h->geo.asn, "org", h->geo.asn_org));
}

static json_t *registrations_json(const mk_online_facts *o)
{
    json_t *a = json_array();
    for (size_t i = 0; i < o->n_regs; i++) {
        const mk_online_registration *g = &o->regs[i];
        json_t *e = json_pack("{s:s, s:s, s:s}", "domain", g->domain, "status", g->status, "source", g->source);
        const char *keys[] = {"created", "registrar", "registrant_name", "registrant_org", "registrant_country"};
        const char *vals[] = {g->created_text, g->registrar, g->registrant_name, g->registrant_org, g->registrant_country};
        for (size_t k = 0; k < 5; k++) {
            json_t *v = vals[k][0] ? json_string(vals[k]) : NULL;
            if (v)
                json_object_set_new(e, keys[k], v);
        }
        if (g->privacy_service)
            json_object_set_new(e, "privacy_service", json_string(g->privacy_service));
        json_array_append_new(a, e);
    }
    return a;
}

static void annotate_origin(json_t *origin, const mk_online_facts *o)
{
    if (!json_is_object(origin) || !o->origin.ip[0])
        return;
    json_t *live = json_pack("{s:s, s:o, s:s, s:s, s:b}", "ptr", o->origin.ptr, "ptr_names",
                             str_array(&o->origin.ptr_names), "rdns_forward", o->origin.recorded_forward,
                             "ptr_forward", o->origin.ptr_forward, "from_checked", o->origin.from_checked);
    if (live && o->origin.from_match)
        json_object_set_new(live, "from_match", json_string(o->origin.from_match));
    if (live)
        json_object_set_new(origin, "online", live);
}

void mk_online_annotate_report(const mk_online_facts *online, const mk_facts *facts, json_t *report)
{
    (void)facts;
    if (!online || !json_is_object(report))
        return;
    json_object_set_new(report, "mode", json_string("online"));
    json_object_set_new(report, "lookups", lookups_json(online));
    json_object_set_new(report, "registrations", registrations_json(online));
    size_t i;
    json_t *link;
    json_array_foreach(json_object_get(report, "links"), i, link) {
        if (json_is_object(link))
            annotate_link(link, online);
    }
    annotate_origin(json_object_get(report, "origin"), online);
    json_t *timing = json_object_get(report, "timing_ms");
    if (json_is_object(timing))
        json_object_set_new(timing, "enrich", json_real((double)((long)(online->elapsed_ms * 10)) / 10));
}
