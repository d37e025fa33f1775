/* cache.c - look-up answers kept in SQLite with an expiry time.
 *
 * One table, keyed by (kind, target), holds the result serialised as compact
 * JSON and an absolute expiry in Unix seconds. Reads ignore expired rows and
 * writes replace, so the table never needs a sweep for correctness; an
 * occasional DELETE of expired rows on open keeps it small. A busy timeout
 * lets two hosts (Thunderbird and a command-line scan) share the file. Any
 * SQLite error degrades to "not cached" rather than failing the analysis.
 */
#include "cache.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "util.h"

struct mk_cache {
    sqlite3 *db;
    sqlite3_stmt *get;
    sqlite3_stmt *put;
};

/* Results larger than this are not worth caching (and hint at garbage). */
#define MK_CACHE_MAX_RESULT (256 * 1024)

/* ---- directories --------------------------------------------------------- */

char *mk_cache_default_dir(void)
{
    char *dir = mk_platform_user_dir(MK_USER_CACHE);
    return dir ? dir : mk_xstrdup("/tmp/mekiki-cache");
}

/* ---- open / close -------------------------------------------------------- */

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS lookups ("
    " kind TEXT NOT NULL, target TEXT NOT NULL, result TEXT NOT NULL,"
    " expires INTEGER NOT NULL, PRIMARY KEY (kind, target));"
    "DELETE FROM lookups WHERE expires < strftime('%s','now');";

static char *fail_open(mk_cache *c, const char *what)
{
    char *msg = mk_xasprintf("cache: %s: %s", what, c->db ? sqlite3_errmsg(c->db) : "no database");
    mk_cache_close(c);
    return msg;
}

mk_cache *mk_cache_open(const char *dir, char **error)
{
    if (error)
        *error = NULL;
    if (!dir || !dir[0] || mk_platform_make_dirs(dir) != 0) {
        if (error)
            *error = mk_xasprintf("cache: cannot create directory %s", dir ? dir : "(null)");
        return NULL;
    }
    mk_cache *c = mk_xcalloc(1, sizeof *c);
    char *path = mk_xasprintf("%s/lookups.sqlite", dir);
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    free(path);
    char *msg = NULL;
    if (rc != SQLITE_OK)
        msg = fail_open(c, "open");
    else {
        sqlite3_busy_timeout(c->db, 200);
        if (sqlite3_exec(c->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
            msg = fail_open(c, "schema");
        else if (sqlite3_prepare_v2(c->db, "SELECT result FROM lookups WHERE kind=?1 AND target=?2 AND expires>=?3",
                                    -1, &c->get, NULL) != SQLITE_OK ||
                 sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO lookups(kind,target,result,expires) VALUES(?1,?2,?3,?4)",
                                    -1, &c->put, NULL) != SQLITE_OK)
            msg = fail_open(c, "prepare");
    }
    if (msg) {
        if (error)
            *error = msg;
        else
            free(msg);
        return NULL;
    }
    return c;
}

void mk_cache_close(mk_cache *cache)
{
    if (!cache)
        return;
    sqlite3_finalize(cache->get);
    sqlite3_finalize(cache->put);
    sqlite3_close(cache->db);
    free(cache);
}

/* ---- transactions ------------------------------------------------------ */

void mk_cache_begin(mk_cache *cache)
{
    if (cache)
        sqlite3_exec(cache->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

void mk_cache_commit(mk_cache *cache)
{
    if (cache && !sqlite3_get_autocommit(cache->db))
        sqlite3_exec(cache->db, "COMMIT", NULL, NULL, NULL);
}

/* ---- get / put ----------------------------------------------------------- */

json_t *mk_cache_get(mk_cache *cache, const char *kind, const char *target, time_t now)
{
    if (!cache || !kind || !target)
        return NULL;
    sqlite3_stmt *st = cache->get;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    json_t *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        if (text)
            out = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (out && !json_is_object(out)) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

void mk_cache_put(mk_cache *cache, const char *kind, const char *target, const json_t *result,
                  time_t now, long ttl_s)
{
    if (!cache || !kind || !target || !result || ttl_s <= 0)
        return;
    char *text = json_dumps(result, JSON_COMPACT);
    if (!text)
        return;
    if (strlen(text) <= MK_CACHE_MAX_RESULT) {
        sqlite3_stmt *st = cache->put;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)now + ttl_s);
        sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    free(text);
}
