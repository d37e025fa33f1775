/* online_report.c - what the look-ups learned, written into the report.
 *
 * The contract's "lookups" list says, for every question, what was asked, of
 * whom, with what result and how long it took, so that a reader can see why
 * an online finding appeared or did not. Links gain the addresses their host
 * resolved to and where those are; the origin gains its live reverse name and
 * forward confirmation; "registrations" summarises what registries said;
 * "online" counts how the questions ended and says, in the reader's words,
 * when the resolver or the registries could not be believed.
 */
#include "online_report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

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
        json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f}", "kind", mk_lookup_kind_name(l->kind), "type", l->type,
                              "target", l->target, "status", mk_lookup_status_name(l->status), "purpose",
                              mk_lookup_purpose_name(l->purpose), "ms", (double)((long)(l->ms * 10)) / 10);
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
    json_object_set_new(link, "dns", json_string(mk_existence_name(h->dns)));
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
        json_t *e = json_pack("{s:s, s:s, s:s}", "domain", g->domain, "status", mk_reg_status_name(g->status),
                              "source", mk_reg_source_name(g->source));
        const char *keys[] = {"created", "registrar", "registrant_name", "registrant_org", "registrant_country",
                              "registry_status"};
        const char *vals[] = {g->created_text, g->registrar, g->registrant_name, g->registrant_org,
                              g->registrant_country, g->registry_status};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
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
    const mk_online_origin *or = &o->origin;
    json_t *live = json_pack("{s:s, s:o, s:s, s:s, s:b}", "ptr", mk_existence_name(or->ptr), "ptr_names",
                             str_array(&or->ptr_names), "rdns_forward", mk_forward_name(or->recorded_forward),
                             "ptr_forward", mk_forward_name(or->ptr_forward), "from_checked", or->from_checked);
    if (!live)
        return;
    if (or->from_match != MK_FROM_MATCH_NONE)
        json_object_set_new(live, "from_match", json_string(mk_from_match_name(or->from_match)));
    if (or->helo[0])
        json_object_set_new(live, "helo", json_pack("{s:s, s:s, s:o}", "name", or->helo, "forward",
                                                    mk_forward_name(or->helo_forward), "addresses",
                                                    str_array(&or->helo_addresses)));
    json_object_set_new(origin, "online", live);
}

/* A notice's sentence from findings.json, or its id when there is no catalog. */
static json_t *notice(const mk_catalog *cat, const char *id, const char *locale)
{
    json_t *ev = json_object();
    char *text = cat ? mk_report_finding_text(cat, id, "title", locale ? locale : "en", ev) : mk_xstrdup(id);
    json_t *n = json_pack("{s:s, s:s}", "id", id, "text", text);
    free(text);
    json_decref(ev);
    return n;
}

static json_t *summary_json(const mk_online_facts *o, const mk_catalog *cat, const char *locale)
{
    const mk_online_summary *s = &o->summary;
    char when[32] = "";
    struct tm tm;
    if (gmtime_r(&o->received_at, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:b, s:b, s:s, s:s}", "answered", (json_int_t)s->answered, "failed",
                          (json_int_t)s->failed, "timed_out", (json_int_t)s->timed_out, "skipped",
                          (json_int_t)s->skipped, "resolver_unreliable", s->resolver_unreliable,
                          "registry_unreliable", s->registry_unreliable, "clock", mk_clock_name(o->received_clock),
                          "received_at", when);
    json_t *notices = json_array();
    if (s->resolver_unreliable)
        json_array_append_new(notices, notice(cat, "online_resolver_unreliable", locale));
    if (s->registry_unreliable)
        json_array_append_new(notices, notice(cat, "online_registry_unreliable", locale));
    json_object_set_new(j, "notices", notices);
    return j;
}

void mk_online_annotate_report(const mk_online_facts *online, const mk_catalog *cat, const char *locale,
                               json_t *report)
{
    if (!online || !json_is_object(report))
        return;
    json_object_set_new(report, "mode", json_string("online"));
    json_object_set_new(report, "lookups", lookups_json(online));
    json_object_set_new(report, "registrations", registrations_json(online));
    json_object_set_new(report, "online", summary_json(online, cat, locale));
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
