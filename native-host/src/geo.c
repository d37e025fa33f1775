/* geo.c - country, city and autonomous system of an IP address.
 *
 * Two MaxMind DB files answer the question "where is this sender and whose
 * network is it": a City database in MaxMind's GeoLite2/GeoIP2 schema and an
 * ASN database with the GeoLite2-ASN field names (set-up builds one from
 * ip-location-db data; a real GeoLite2-ASN.mmdb works the same). Either may be
 * missing, in which case the corresponding half of every answer stays empty.
 *
 * Design choices:
 * - Files are memory-mapped by libmaxminddb (MMDB_MODE_MMAP), so opening is
 *   cheap and lookups are pure reads of a mapping that is never written to.
 *   That is what makes a mk_geo shareable between threads without locks.
 * - Addresses are parsed with MMDB_lookup_string(), which uses getaddrinfo()
 *   with AI_NUMERICHOST: it never resolves names, so a hostile "IP" string
 *   can cost no network I/O. Strings longer than any textual address, and
 *   bracketed forms from headers ("[203.0.113.5]"), are handled before that.
 * - Country comes from `country`, falling back to `registered_country` (the
 *   country the block is registered to), which is all some anycast and
 *   satellite ranges have. Only the English city name is read: reports are
 *   localised from data, not from the database's own translations.
 * - Default paths are recomputed on each call into thread-local storage so
 *   that environment overrides (tests, the CLI's options) take effect at once
 *   while callers still get the plain `const char *` the header promises.
 */
#define _GNU_SOURCE

#include "geo.h"


#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <maxminddb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"
#include "util.h"

/* The longest textual IPv6 address (with an embedded IPv4 and a zone) is
 * well below this; anything longer is not an address. */
#define MK_GEO_MAX_IP_TEXT 96

typedef struct mk_geo_db {
    bool open;
    char *path;
    MMDB_s mmdb;
} mk_geo_db;

struct mk_geo {
    mk_geo_db city;
    mk_geo_db asn;
};

/* ---- default paths ---------------------------------------------------- */

static _Thread_local char mk_geo_city_path_buf[PATH_MAX];
static _Thread_local char mk_geo_asn_path_buf[PATH_MAX];

/* Writes the per-user location (see mk_platform_user_dir) of NAME into buf;
 * false when the environment names no home. */
static bool mk_geo_user_path(char *buf, size_t size, const char *name)
{
    char *dir = mk_platform_user_dir(MK_USER_DATA);
    int n = dir ? snprintf(buf, size, "%s/geo/%s", dir, name) : -1;
    free(dir);
    return n > 0 && (size_t)n < size;
}

/* Environment override first; then the per-user file if it exists; then the
 * system-wide copy if it exists (beside mekiki.exe on Windows); else the
 * per-user path, which is where scripts/setup-geo.sh installs and so the most
 * useful name in a message. */
static const char *mk_geo_pick_path(char *buf, size_t size, const char *env, const char *name)
{
    const char *override = getenv(env);
    if (override && override[0])
        return override;
    bool have_user = mk_geo_user_path(buf, size, name);
    if (have_user && access(buf, R_OK) == 0)
        return buf;
    char system_path[PATH_MAX];
    char *system_dir = mk_platform_system_dir();
    snprintf(system_path, sizeof system_path, "%s/geo/%s", system_dir ? system_dir : ".", name);
    free(system_dir);
    if (!have_user || access(system_path, R_OK) == 0)
        snprintf(buf, size, "%s", system_path);
    return buf;
}

const char *mk_geo_default_city_path(void)
{
    return mk_geo_pick_path(mk_geo_city_path_buf, sizeof mk_geo_city_path_buf,
                            "MEKIKI_GEOIP_CITY", "GeoLite2-City.mmdb");
}

const char *mk_geo_default_asn_path(void)
{
    return mk_geo_pick_path(mk_geo_asn_path_buf, sizeof mk_geo_asn_path_buf,
                            "MEKIKI_GEOIP_ASN", "asn.mmdb");
}

/* ---- opening and closing ---------------------------------------------- */

static void mk_geo_add_error(mk_strbuf *errors, const char *what, const char *path, const char *why)
{
    if (errors->len)
        mk_strbuf_puts(errors, "; ");
    mk_strbuf_printf(errors, "%s database %s: %s", what, path, why);
}

static void mk_geo_db_open(mk_geo_db *db, const char *what, const char *path, mk_strbuf *errors)
{
    if (!path || !path[0])
        return;
    int status = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
    if (status != MMDB_SUCCESS) {
        const char *why = status == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(status);
        mk_geo_add_error(errors, what, path, why);
        return;
    }
    db->open = true;
    db->path = mk_xstrdup(path);
}

mk_geo *mk_geo_open(const char *city_path, const char *asn_path, char **error)
{
    mk_geo *geo = mk_xcalloc(1, sizeof *geo);
    mk_strbuf errors = {0};
    mk_geo_db_open(&geo->city, "city", city_path, &errors);
    mk_geo_db_open(&geo->asn, "ASN", asn_path, &errors);
    if (error)
        *error = errors.len ? mk_strbuf_steal(&errors) : NULL;
    mk_strbuf_free(&errors);
    return geo;
}

static void mk_geo_db_close(mk_geo_db *db)
{
    if (db->open)
        MMDB_close(&db->mmdb);
    free(db->path);
    db->open = false;
    db->path = NULL;
}

void mk_geo_close(mk_geo *geo)
{
    if (!geo)
        return;
    mk_geo_db_close(&geo->city);
    mk_geo_db_close(&geo->asn);
    free(geo);
}

/* ---- lookups ----------------------------------------------------------- */

/* Copies the IP text into buf without surrounding whitespace or brackets, as
 * found in Received headers; false when it cannot be an address. */
static bool mk_geo_clean_ip(const char *ip, char *buf, size_t size)
{
    if (!ip)
        return false;
    while (*ip == ' ' || *ip == '\t' || *ip == '[')
        ip++;
    size_t n = strnlen(ip, size);
    if (n >= size)
        return false;
    while (n && (ip[n - 1] == ' ' || ip[n - 1] == '\t' || ip[n - 1] == ']'))
        n--;
    if (n == 0)
        return false;
    memcpy(buf, ip, n);
    buf[n] = '\0';
    /* "IPv6:2001:db8::1" is how RFC 5321 writes v6 literals. */
    if (n > 5 && strncasecmp(buf, "IPv6:", 5) == 0)
        memmove(buf, buf + 5, n - 4);
    return true;
}

/* Finds the record for ip in db; false when the db is closed or has none. */
static bool mk_geo_find(const mk_geo_db *db, const char *ip, MMDB_entry_s *entry)
{
    if (!db->open)
        return false;
    int gai_error = 0, mmdb_error = MMDB_SUCCESS;
    /* libmaxminddb takes a non-const MMDB_s but only reads it. */
    MMDB_lookup_result_s result =
        MMDB_lookup_string((MMDB_s *)&db->mmdb, ip, &gai_error, &mmdb_error);
    if (gai_error != 0 || mmdb_error != MMDB_SUCCESS || !result.found_entry)
        return false;
    *entry = result.entry;
    return true;
}

/* A UTF-8 string at the given path, allocated; NULL when absent or not a string. */
static char *mk_geo_get_string(MMDB_entry_s *entry, const char *const *path)
{
    MMDB_entry_data_s data;
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING)
        return NULL;
    return mk_xstrndup(data.utf8_string, data.data_size);
}

/* An unsigned integer at the given path; 0 when absent or of another type.
 * GeoLite2-ASN stores uint32, but other writers have used other widths. */
static long mk_geo_get_number(MMDB_entry_s *entry, const char *const *path)
{
    MMDB_entry_data_s data;
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data)
        return 0;
    switch (data.type) {
    case MMDB_DATA_TYPE_UINT16: return data.uint16;
    case MMDB_DATA_TYPE_UINT32: return (long)data.uint32;
    case MMDB_DATA_TYPE_INT32: return data.int32 > 0 ? data.int32 : 0;
    case MMDB_DATA_TYPE_UINT64: return data.uint64 <= LONG_MAX ? (long)data.uint64 : 0;
    default: return 0;
    }
}

/* Copies a two-letter country code; anything else is ignored. */
static bool mk_geo_set_country(mk_geo_info *out, char *code)
{
    bool ok = code && strlen(code) == 2;
    if (ok) {
        out->country[0] = code[0];
        out->country[1] = code[1];
        out->country[2] = '\0';
    }
    free(code);
    return ok;
}

static void mk_geo_lookup_city(const mk_geo_db *db, const char *ip, mk_geo_info *out)
{
    static const char *const country[] = {"country", "iso_code", NULL};
    static const char *const registered[] = {"registered_country", "iso_code", NULL};
    static const char *const city[] = {"city", "names", "en", NULL};
    MMDB_entry_s entry;
    if (!mk_geo_find(db, ip, &entry))
        return;
    if (!mk_geo_set_country(out, mk_geo_get_string(&entry, country)))
        mk_geo_set_country(out, mk_geo_get_string(&entry, registered));
    char *name = mk_geo_get_string(&entry, city);
    if (name) {
        free(out->city);
        out->city = name;
    }
    out->has_location = out->country[0] || out->city[0];
}

static void mk_geo_lookup_asn(const mk_geo_db *db, const char *ip, mk_geo_info *out)
{
    static const char *const number[] = {"autonomous_system_number", NULL};
    static const char *const org[] = {"autonomous_system_organization", NULL};
    MMDB_entry_s entry;
    if (!mk_geo_find(db, ip, &entry))
        return;
    out->asn = mk_geo_get_number(&entry, number);
    char *name = mk_geo_get_string(&entry, org);
    if (name) {
        free(out->asn_org);
        out->asn_org = name;
    }
    out->has_asn = out->asn > 0 || out->asn_org[0];
}

bool mk_geo_lookup(const mk_geo *geo, const char *ip, mk_geo_info *out)
{
    memset(out, 0, sizeof *out);
    out->city = mk_xstrdup("");
    out->asn_org = mk_xstrdup("");
    char clean[MK_GEO_MAX_IP_TEXT];
    if (!geo || !mk_geo_clean_ip(ip, clean, sizeof clean))
        return false;
    mk_geo_lookup_city(&geo->city, clean, out);
    mk_geo_lookup_asn(&geo->asn, clean, out);
    return out->has_location || out->has_asn;
}

void mk_geo_info_free(mk_geo_info *info)
{
    if (!info)
        return;
    free(info->city);
    free(info->asn_org);
    info->city = NULL;
    info->asn_org = NULL;
}

static void release_db_pages(const mk_geo_db *db)
{
    if (!db->open || db->mmdb.file_size <= 0)
        return;
    /* The mapping is private and read-only: dropping pages loses nothing. */
    mk_platform_release_pages(db->mmdb.file_content, (size_t)db->mmdb.file_size);
}

void mk_geo_release_pages(const mk_geo *geo)
{
    if (!geo)
        return;
    release_db_pages(&geo->city);
    release_db_pages(&geo->asn);
}

/* ---- description for the "pong" message -------------------------------- */

/* The build time as RFC 3339 in UTC, e.g. "2024-05-07T12:00:00Z". */
static json_t *mk_geo_format_epoch(uint64_t epoch)
{
    if (epoch > (uint64_t)INT32_MAX * 4)
        return json_null();
    time_t t = (time_t)epoch;
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

static json_t *mk_geo_describe_db(const mk_geo_db *db)
{
    if (!db->open)
        return json_null();
    const char *type = db->mmdb.metadata.database_type;
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(db->path));
    json_object_set_new(o, "build_epoch", mk_geo_format_epoch(db->mmdb.metadata.build_epoch));
    /* The type string comes from the file; refuse to emit invalid UTF-8. */
    json_t *type_json = type ? json_string(type) : NULL;
    json_object_set_new(o, "type", type_json ? type_json : json_null());
    return o;
}

json_t *mk_geo_describe(const mk_geo *geo)
{
    json_t *o = json_object();
    json_object_set_new(o, "city", geo ? mk_geo_describe_db(&geo->city) : json_null());
    json_object_set_new(o, "asn", geo ? mk_geo_describe_db(&geo->asn) : json_null());
    return o;
}
