/* geo.h - where an IP address is and whose network it belongs to.
 *
 * Reads MaxMind DB files with libmaxminddb: one or more City databases and an
 * ASN database. City files may use MaxMind's GeoLite2/GeoIP2 schema
 * (country.iso_code, city.names.en) or ip-location-db's flat schema
 * (country_code, city), which is what the shipped DB-IP City Lite files use;
 * they come as one IPv4 and one IPv6 file, so several City files are consulted
 * in order. The ASN database has the GeoLite2-ASN field names
 * (autonomous_system_number / autonomous_system_organization). Any file may
 * be absent. Lookups are local file reads, so they also run in --offline mode.
 * A mk_geo is read-only after opening and can be shared between threads.
 */
#ifndef MK_GEO_H
#define MK_GEO_H

#include "platform.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mk_geo mk_geo;

typedef struct mk_geo_info {
    bool has_location;
    char country[3];   /* ISO alpha-2, "" when unknown */
    char *city;        /* English name, "" when unknown; never NULL after lookup */
    bool has_asn;
    long asn;          /* 0 when unknown */
    char *asn_org;     /* "" when unknown; never NULL after lookup */
} mk_geo_info;

/* Separates the files of a City path list, as in $PATH (platform.h). */
#define MK_GEO_PATH_SEP MK_PATH_LIST_SEP
/* At most this many City files are opened from one list. */
#define MK_GEO_MAX_CITY_FILES 4

/* Opens whichever paths are non-NULL and readable. city_paths is one file or
 * several separated by MK_GEO_PATH_SEP; the first that answers an address
 * wins. Never NULL; problems are reported through *error (allocated) when
 * error is non-NULL. */
mk_geo *mk_geo_open(const char *city_paths, const char *asn_path, char **error);
void mk_geo_close(mk_geo *geo);

/* The per-user folder of the databases: $XDG_DATA_HOME/mekiki/geo, else
 * ~/.local/share/mekiki/geo. Written into buf; false when no folder can be
 * named. The one place that decides where the data lives on this platform. */
bool mk_geo_user_dir(char *buf, size_t size);

/* File names of the shipped databases inside that folder. */
extern const char *const mk_geo_city_files[];   /* NULL-terminated */
#define MK_GEO_ASN_FILE "asn.mmdb"

/* Default paths: $MEKIKI_GEOIP_CITY / $MEKIKI_GEOIP_ASN, else the files set-up
 * installs (the City default is a list of the IPv4 and IPv6 files). */
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

/* Build time of the oldest City file; 0 when none is open. */
uint64_t mk_geo_city_build_epoch(const mk_geo *geo);

/* For the pong: {"city": [FILE...], "asn": FILE | null}, where FILE is
 * {"path", "type", "build_epoch" (RFC 3339), "build_date", "name", "licence",
 * "attribution", "url", "ip_version"}. */
json_t *mk_geo_describe(const mk_geo *geo);

/* For reports: one entry per distinct database (the IPv4 and IPv6 halves of
 * one publication count once), as mk_geo_source_json() describes; no paths. */
json_t *mk_geo_sources(const mk_geo *geo);

#endif
