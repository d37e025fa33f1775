/* geo_source.c - naming the publisher, licence and attribution of a database.
 *
 * The table below is the whole knowledge: each row matches a MaxMind DB
 * `database_type` (exactly or by prefix) and, when the type is too generic,
 * a word in the file's base name. The first matching row wins, so specific
 * rows come before generic ones. Attribution lines are the ones each
 * publisher asks for (docs/data-attribution.md quotes their terms).
 */
#include "geo_source.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

typedef struct mk_geo_source_rule {
    const char *type_prefix;     /* matched case-insensitively against database_type */
    const char *file_word;       /* NULL, or a word the base name must contain */
    mk_geo_source source;
} mk_geo_source_rule;

static const mk_geo_source_rule mk_geo_source_rules[] = {
    /* ip-location-db's flat files: the type says only "city ipv4" / "city ipv6". */
    {"city ipv", "dbip",
     {"DB-IP City Lite", "CC BY 4.0", "IP Geolocation by DB-IP", "https://db-ip.com"}},
    {"city ipv", "geolite2",
     {"GeoLite2 City", "GeoLite2 EULA",
      "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com",
      "https://www.maxmind.com"}},
    /* DB-IP's own MaxMind-schema files ("DBIP-City-Lite", "DBIP-ASN-Lite (compat=GeoLite2-ASN)"). */
    {"DBIP-City-Lite", NULL,
     {"DB-IP City Lite", "CC BY 4.0", "IP Geolocation by DB-IP", "https://db-ip.com"}},
    {"DBIP-ASN-Lite", NULL,
     {"DB-IP ASN Lite", "CC BY 4.0", "IP Geolocation by DB-IP", "https://db-ip.com"}},
    {"DBIP", NULL, {"DB-IP (commercial)", "DB-IP licence", NULL, "https://db-ip.com"}},
    /* MaxMind's own files, as geoipupdate installs them. */
    {"GeoLite2-City", NULL,
     {"GeoLite2 City", "GeoLite2 EULA",
      "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com",
      "https://www.maxmind.com"}},
    {"GeoLite2-ASN", NULL,
     {"GeoLite2 ASN", "GeoLite2 EULA",
      "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com",
      "https://www.maxmind.com"}},
    {"GeoIP2", NULL, {"MaxMind GeoIP2", "MaxMind commercial licence", NULL, "https://www.maxmind.com"}},
    /* The ASN file scripts/build-asn-mmdb.pl builds from ip-location-db's CSV. */
    {"Mekiki-ASN", NULL,
     {"ip-location-db ASN", "CC BY 4.0",
      "IP-to-ASN data by RouteViews, DB-IP and the NRO, compiled by ip-location-db",
      "https://github.com/sapics/ip-location-db"}},
};

static bool mk_geo_source_base_has(const char *path, const char *word)
{
    if (!path)
        return false;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* Words in the table are lower case; compare a lower-cased copy (strcasestr is not portable). */
    char lower[256];
    size_t n = 0;
    for (; base[n] && n + 1 < sizeof lower; n++)
        lower[n] = (char)tolower((unsigned char)base[n]);
    lower[n] = '\0';
    return strstr(lower, word) != NULL;
}

const mk_geo_source *mk_geo_source_identify(const char *database_type, const char *path)
{
    static _Thread_local mk_geo_source unknown;
    const char *type = database_type ? database_type : "";
    for (size_t i = 0; i < sizeof mk_geo_source_rules / sizeof *mk_geo_source_rules; i++) {
        const mk_geo_source_rule *r = &mk_geo_source_rules[i];
        if (strncasecmp(type, r->type_prefix, strlen(r->type_prefix)) != 0)
            continue;
        if (r->file_word && !mk_geo_source_base_has(path, r->file_word))
            continue;
        return &r->source;
    }
    unknown.name = type[0] ? type : "unknown database";
    unknown.licence = NULL;
    unknown.attribution = NULL;
    unknown.url = NULL;
    return &unknown;
}

bool mk_geo_source_date(uint64_t build_epoch, char buf[11])
{
    buf[0] = '\0';
    if (build_epoch == 0 || build_epoch > (uint64_t)INT32_MAX * 4)
        return false;
    time_t t = (time_t)build_epoch;
    struct tm tm;
    return gmtime_r(&t, &tm) && strftime(buf, 11, "%Y-%m-%d", &tm) == 10;
}

json_t *mk_geo_source_json(const char *kind, const mk_geo_source *src, uint64_t build_epoch)
{
    char date[11];
    bool dated = mk_geo_source_date(build_epoch, date);
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kind));
    /* Names of unknown files come from the file itself: refuse invalid UTF-8. */
    json_t *name = json_string(src->name);
    json_object_set_new(o, "name", name ? name : json_string("unknown database"));
    json_object_set_new(o, "build_date", dated ? json_string(date) : json_null());
    json_object_set_new(o, "licence", src->licence ? json_string(src->licence) : json_null());
    json_object_set_new(o, "attribution", src->attribution ? json_string(src->attribution) : json_null());
    json_object_set_new(o, "url", src->url ? json_string(src->url) : json_null());
    /* The line to show: the attribution, with the URL unless it already holds it. */
    json_t *credit = json_null();
    if (src->attribution && src->url && !strstr(src->attribution, src->url)) {
        char *line = mk_xasprintf("%s %s", src->attribution, src->url);
        credit = json_string(line);
        free(line);
    } else if (src->attribution) {
        credit = json_string(src->attribution);
    }
    json_object_set_new(o, "credit", credit);
    return o;
}
