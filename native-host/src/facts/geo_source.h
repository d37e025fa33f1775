/* geo_source.h - who published a location or ASN database, under which
 * licence, and the attribution that licence asks every reader to see.
 *
 * A MaxMind DB file says little about itself: a type string, a build time
 * and sometimes a description. mk_geo_source_identify() maps that (and, for
 * ip-location-db's flat files, whose type is only "city ipv4", the file name)
 * to a publisher entry from a fixed table, so the report, `mekiki --version`
 * and the pong can name the data, its date, its licence and its attribution.
 */
#ifndef MK_GEO_SOURCE_H
#define MK_GEO_SOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct mk_geo_source {
    const char *name;            /* "DB-IP City Lite" */
    const char *licence;         /* "CC BY 4.0"; NULL when not known */
    const char *attribution;     /* the credit line the licence requires; NULL when none */
    const char *url;             /* where the attribution points */
} mk_geo_source;

/* Identifies a database from its metadata type and its file path. Never NULL:
 * unknown files get an entry named after their type with no licence. */
const mk_geo_source *mk_geo_source_identify(const char *database_type, const char *path);

/* {"kind", "name", "build_date" (YYYY-MM-DD UTC), "licence", "attribution",
 * "url", "credit"}: what a report shows about one database. kind is "city" or
 * "asn"; credit is the line to display (attribution and URL), null when the
 * licence asks for none. */
json_t *mk_geo_source_json(const char *kind, const mk_geo_source *src, uint64_t build_epoch);

/* "YYYY-MM-DD" of a build time into buf (11 bytes); false when out of range. */
bool mk_geo_source_date(uint64_t build_epoch, char buf[11]);

#endif
