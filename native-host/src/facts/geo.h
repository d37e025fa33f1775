/* geo.h - where an IP address is and whose network it belongs to.
 *
 * Reads MaxMind-format databases with libmaxminddb: a City database (MaxMind's
 * GeoLite2/GeoIP2 schema: country.iso_code, city.names.en) and an ASN database
 * (autonomous_system_number / autonomous_system_organization, the schema of
 * MaxMind's GeoLite2-ASN and of the file Mekiki's set-up builds). Either may
 * be absent. Lookups are local file reads, so they also run in --offline mode.
 * A mk_geo is read-only after opening and can be shared between threads.
 */
#ifndef MK_GEO_H
#define MK_GEO_H

#include <jansson.h>
#include <stdbool.h>

typedef struct mk_geo mk_geo;

typedef struct mk_geo_info {
    bool has_location;
    char country[3];   /* ISO alpha-2, "" when unknown */
    char *city;        /* English name, "" when unknown; never NULL after lookup */
    bool has_asn;
    long asn;          /* 0 when unknown */
    char *asn_org;     /* "" when unknown; never NULL after lookup */
} mk_geo_info;

/* Opens whichever paths are non-NULL and readable. Never NULL; problems are
 * reported through *error (allocated) when error is non-NULL. */
mk_geo *mk_geo_open(const char *city_path, const char *asn_path, char **error);
void mk_geo_close(mk_geo *geo);

/* Default paths: $MEKIKI_GEOIP_CITY / $MEKIKI_GEOIP_ASN, else the files set-up installs. */
const char *mk_geo_default_city_path(void);
const char *mk_geo_default_asn_path(void);

/* Fills *out (always initialised); returns true when anything was found. */
bool mk_geo_lookup(const mk_geo *geo, const char *ip, mk_geo_info *out);
void mk_geo_info_free(mk_geo_info *info);

/* Gives the pages of the memory-mapped databases back to the kernel. Long
 * runs (scan) touch most of a 60 MB City database over thousands of lookups;
 * calling this now and then keeps resident memory bounded, at the cost of
 * re-reading pages from the page cache. Lookups stay valid. */
void mk_geo_release_pages(const mk_geo *geo);

/* {"city": {"path", "build_epoch", "type"} | null, "asn": {...} | null} */
json_t *mk_geo_describe(const mk_geo *geo);

#endif
