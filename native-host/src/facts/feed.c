/* feed.c - local phishing-URL lists in SQLite, checked without any network.
 *
 * A feed is a list of URLs someone has confirmed as phishing: JPCERT/CC
 * publishes one a month as CSV ("date,URL,description", the description
 * naming the imitated brand), and users keep their own as plain text, one URL
 * per line with '#' comments. `mekiki feed import` loads either into one
 * SQLite table,
 *
 *     urls(url TEXT PRIMARY KEY, host TEXT, description TEXT, added TEXT)
 *
 * and analysis asks, for every link in a message, whether it is listed.
 *
 * Keys. Phishing URLs are written many ways (http/https, upper-case hosts,
 * IDN or punycode, a trailing slash or not, a tracking query), so entries and
 * links are both reduced by mk_feed_key() to "host + path": the host as
 * mk_url_parse() normalises it (lower-case punycode), the decoded path with
 * trailing slashes removed, and "/" for the root. Scheme, port, query and
 * fragment are dropped: a listed page is just as dangerous with another
 * query string, and JPCERT entries often carry one-time tokens there.
 *
 * Matching. A link matches when its key is listed, or when its host's root
 * ("host/") is listed: most JPCERT rows name a whole throw-away host, and
 * every page of such a host is part of the same campaign. Both are primary
 * key look-ups through one prepared statement.
 *
 * Import runs in a single transaction with one prepared upsert, so a 226,000
 * row file is a few seconds of work rather than 226,000 fsyncs. A later row
 * for the same key replaces the earlier one (newer description and date).
 * The input file is hostile like everything else: records are read by a
 * bounded CSV state machine (quoted fields may span lines, "" escapes a
 * quote); a record longer than MK_FEED_MAX_RECORD, or whose quote is still
 * open at the end of the file, is skipped whole.
 */
#define _GNU_SOURCE

#include "feed.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"
#include "util.h"

#define MK_FEED_MAX_RECORD (64 * 1024)   /* longer records are skipped */
#define MK_FEED_MAX_FIELDS 3             /* date, URL, description (rest joins the last) */

/* One connection and one prepared statement, shared by the analyses running
 * at once in native mode: a statement is stepped by one thread at a time, so
 * the look-up (a primary-key probe, microseconds) holds the lock. */
struct mk_feed {
    sqlite3 *db;
    sqlite3_stmt *match;
    pthread_mutex_t lock;
};

static const char MK_FEED_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS urls("
    " url TEXT PRIMARY KEY, host TEXT, description TEXT, added TEXT);"
    "CREATE INDEX IF NOT EXISTS urls_host ON urls(host);";

/* ---- paths -------------------------------------------------------------- */

static _Thread_local char mk_feed_path_buf[PATH_MAX];

const char *mk_feed_default_path(void)
{
    const char *env = getenv("MEKIKI_FEED_DB");
    if (env && env[0])
        return env;
    char *dir = mk_platform_user_dir(MK_USER_DATA);
    if (dir)
        snprintf(mk_feed_path_buf, sizeof mk_feed_path_buf, "%s/feeds.sqlite", dir);
    else
        snprintf(mk_feed_path_buf, sizeof mk_feed_path_buf, "feeds.sqlite");
    free(dir);
    return mk_feed_path_buf;
}

/* mkdir -p for the directory that will hold path; errors surface later when
 * SQLite cannot create the file, with a clearer message. */
static void mk_feed_make_parent_dirs(const char *path)
{
    char *dir = mk_xstrdup(path);
    char *end = dir + strlen(dir);
    while (end > dir && !mk_platform_is_separator(end[-1]))
        end--;
    if (end > dir + 1) {
        end[-1] = '\0';
        mk_platform_make_dirs(dir);
    }
    free(dir);
}

/* ---- keys --------------------------------------------------------------- */

/* The "host + path" key of a parsed URL, allocated; NULL when it has no host. */
static char *mk_feed_key(const mk_url *u)
{
    if (!u || !u->valid || !u->host[0])
        return NULL;
    size_t n = strlen(u->path);
    while (n && u->path[n - 1] == '/')
        n--;
    mk_strbuf b = {0};
    mk_strbuf_puts(&b, u->host);
    if (n == 0 || u->path[0] != '/')
        mk_strbuf_putc(&b, '/');
    mk_strbuf_append(&b, u->path, n);
    return mk_strbuf_steal(&b);
}

/* The key of a bare host, i.e. of its root page. */
static char *mk_feed_host_key(const mk_url *u)
{
    if (!u || !u->valid || !u->host[0])
        return NULL;
    return mk_xasprintf("%s/", u->host);
}

/* ---- opening and matching ----------------------------------------------- */

static char *mk_feed_db_error(sqlite3 *db, const char *what, const char *path)
{
    return mk_xasprintf("%s %s: %s", what, path, db ? sqlite3_errmsg(db) : "out of memory");
}

mk_feed *mk_feed_open(const char *db_path, char **error)
{
    if (error)
        *error = NULL;
    if (!db_path || access(db_path, F_OK) != 0)
        return NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    const char *sql = "SELECT url, description FROM urls WHERE url = ?1 OR url = ?2 "
                      "ORDER BY url = ?1 DESC LIMIT 1";
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        if (error)
            *error = mk_feed_db_error(db, "cannot read feed database", db_path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 2000);   /* an import may be committing right now */
    mk_feed *feed = mk_xcalloc(1, sizeof *feed);
    feed->db = db;
    feed->match = stmt;
    pthread_mutex_init(&feed->lock, NULL);
    return feed;
}

void mk_feed_close(mk_feed *feed)
{
    if (!feed)
        return;
    sqlite3_finalize(feed->match);
    sqlite3_close(feed->db);
    pthread_mutex_destroy(&feed->lock);
    free(feed);
}

/* Looks both keys up; returns "URL (description)" of the better hit. */
static char *mk_feed_lookup(mk_feed *feed, const char *key, const char *host_key)
{
    char *hit = NULL;
    sqlite3_stmt *s = feed->match;
    pthread_mutex_lock(&feed->lock);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, host_key, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *url = (const char *)sqlite3_column_text(s, 0);
        const char *desc = (const char *)sqlite3_column_text(s, 1);
        if (desc && desc[0])
            hit = mk_xasprintf("%s (%s)", url ? url : key, desc);
        else
            hit = mk_xstrdup(url ? url : key);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    pthread_mutex_unlock(&feed->lock);
    return hit;
}

char *mk_feed_match(mk_feed *feed, const mk_url *url, const char *href)
{
    if (!feed)
        return NULL;
    mk_url parsed;
    bool own = false;
    if ((!url || !url->valid) && href) {
        mk_url_parse(href, &parsed);
        url = &parsed;
        own = true;
    }
    char *key = mk_feed_key(url);
    char *host_key = mk_feed_host_key(url);
    char *hit = key ? mk_feed_lookup(feed, key, host_key) : NULL;
    free(key);
    free(host_key);
    if (own)
        mk_url_free(&parsed);
    return hit;
}

/* ---- reading the input file --------------------------------------------- */

/* One record of the input: up to MK_FEED_MAX_FIELDS fields. */
typedef struct mk_feed_record {
    mk_strbuf field[MK_FEED_MAX_FIELDS];
    int count;          /* fields seen (the last may have absorbed extra ones) */
    size_t size;        /* bytes in the record */
    bool malformed;     /* longer than MK_FEED_MAX_RECORD, or a quote never closed */
} mk_feed_record;

static void mk_feed_record_reset(mk_feed_record *r)
{
    for (int i = 0; i < MK_FEED_MAX_FIELDS; i++) {
        r->field[i].len = 0;
        if (r->field[i].data)
            r->field[i].data[0] = '\0';
    }
    r->count = 0;
    r->size = 0;
    r->malformed = false;
}

static void mk_feed_record_free(mk_feed_record *r)
{
    for (int i = 0; i < MK_FEED_MAX_FIELDS; i++)
        mk_strbuf_free(&r->field[i]);
}

/* Adds one byte to the current field. A comma past the last field is kept as
 * text, so an unquoted description containing commas survives whole. */
static void mk_feed_record_add(mk_feed_record *r, int c)
{
    if (++r->size > MK_FEED_MAX_RECORD) {
        r->malformed = true;
        return;
    }
    if (r->count == 0)
        r->count = 1;
    mk_strbuf_putc(&r->field[r->count - 1], (char)c);
}

static void mk_feed_record_next_field(mk_feed_record *r)
{
    if (r->count == 0)
        r->count = 1;
    if (r->count < MK_FEED_MAX_FIELDS)
        r->count++;
    else
        mk_feed_record_add(r, ',');
}

static bool mk_feed_record_field_empty(const mk_feed_record *r)
{
    return r->count == 0 || r->field[r->count - 1].len == 0;
}

/* Reads one CSV record (RFC 4180 quoting, LF or CRLF); false at end of file.
 * With csv false, a record is simply a line. */
static bool mk_feed_read_record(FILE *f, bool csv, mk_feed_record *r)
{
    mk_feed_record_reset(r);
    bool quoted = false, any = false;
    int c;
    while ((c = mk_getc_unlocked(f)) != EOF) {
        any = true;
        if (quoted) {
            if (c != '"') {
                mk_feed_record_add(r, c);
                continue;
            }
            int next = mk_getc_unlocked(f);
            if (next == '"') {
                mk_feed_record_add(r, '"');
                continue;
            }
            quoted = false;
            if (next == EOF)
                break;
            c = next;
        }
        if (c == '\n')
            return true;
        if (c == '\r')
            continue;
        if (csv && c == ',')
            mk_feed_record_next_field(r);
        else if (csv && c == '"' && mk_feed_record_field_empty(r))
            quoted = true;   /* a quote opens a field only at its start */
        else
            mk_feed_record_add(r, c);
    }
    /* A quote still open at the end of the file: the record is broken. */
    if (quoted)
        r->malformed = true;
    return any;
}

/* Trims ASCII blanks around s in place and returns it. */
static char *mk_feed_trim(char *s)
{
    if (!s)
        return (char *)"";
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static char *mk_feed_field(mk_feed_record *r, int i)
{
    return i < r->count ? mk_feed_trim(r->field[i].data) : (char *)"";
}

/* JPCERT CSV starts with the header "date,URL,description" (perhaps after a
 * UTF-8 byte order mark); anything else is a plain URL list. Deciding on the
 * first line needs no seeking, so pipes and FIFOs work too. */
static bool mk_feed_is_csv_header(const char *line)
{
    if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)
        line += 3;
    return strncasecmp(line, "date,url", 8) == 0;
}

/* ---- importing ---------------------------------------------------------- */

typedef struct mk_feed_import_ctx {
    sqlite3_stmt *insert;
    const char *default_description;   /* for plain lists: the file's name */
    char now[32];                      /* "added" for rows without a date */
    long imported;
} mk_feed_import_ctx;

/* Normalises one listed URL and upserts it; skipped when it has no host. */
static bool mk_feed_store(mk_feed_import_ctx *ctx, const char *text, const char *description,
                          const char *added)
{
    mk_url u;
    mk_url_parse(text, &u);
    char *key = mk_feed_key(&u);
    bool ok = false;
    if (key) {
        sqlite3_stmt *s = ctx->insert;
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, u.host, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, description, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, added[0] ? added : ctx->now, -1, SQLITE_STATIC);
        ok = sqlite3_step(s) == SQLITE_DONE;
        sqlite3_reset(s);
        if (ok)
            ctx->imported++;
    }
    free(key);
    mk_url_free(&u);
    return ok;
}

static void mk_feed_import_csv_record(mk_feed_import_ctx *ctx, mk_feed_record *r)
{
    char *url = mk_feed_field(r, 1);
    if (url[0])
        mk_feed_store(ctx, url, mk_feed_field(r, 2), mk_feed_field(r, 0));
}

/* A plain line: the first blank-separated word is the URL; '#' starts a comment. */
static void mk_feed_import_line(mk_feed_import_ctx *ctx, mk_feed_record *r)
{
    char *line = mk_feed_field(r, 0);
    if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)   /* byte order mark on the first line */
        line = mk_feed_trim(line + 3);
    char *hash = strchr(line, '#');
    if (!line[0] || hash == line)
        return;
    if (hash && (hash[-1] == ' ' || hash[-1] == '\t'))
        *hash = '\0';
    line[strcspn(line, " \t")] = '\0';
    if (line[0])
        mk_feed_store(ctx, line, ctx->default_description, "");
}

static void mk_feed_import_stream(mk_feed_import_ctx *ctx, FILE *f)
{
    mk_feed_record r = {0};
    bool csv = false;
    if (mk_feed_read_record(f, false, &r) && !r.malformed && r.count > 0) {
        csv = mk_feed_is_csv_header(r.field[0].data);
        if (!csv)
            mk_feed_import_line(ctx, &r);
    }
    while (mk_feed_read_record(f, csv, &r)) {
        if (r.malformed || r.count == 0)
            continue;
        if (csv)
            mk_feed_import_csv_record(ctx, &r);
        else
            mk_feed_import_line(ctx, &r);
    }
    mk_feed_record_free(&r);
}

static void mk_feed_format_now(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        buf[0] = '\0';
}

/* Opens (creating) the database for writing and prepares the upsert. */
static int mk_feed_open_writable(const char *db_path, sqlite3 **db, sqlite3_stmt **insert, char **error)
{
    static const char upsert[] =
        "INSERT INTO urls(url, host, description, added) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(url) DO UPDATE SET host = excluded.host, "
        "description = excluded.description, added = excluded.added";
    mk_feed_make_parent_dirs(db_path);
    if (sqlite3_open_v2(db_path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(*db, 5000) != SQLITE_OK ||
        sqlite3_exec(*db, MK_FEED_SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(*db, upsert, -1, insert, NULL) != SQLITE_OK) {
        *error = mk_feed_db_error(*db, "cannot write feed database", db_path);
        return -1;
    }
    return 0;
}

static const char *mk_feed_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Imports the open stream f into db_path in one transaction; NULL on
 * success, else an allocated message (and nothing is kept). */
static char *mk_feed_import_file(const char *db_path, const char *file, FILE *f, long *imported)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *insert = NULL;
    char *err = NULL;
    mk_feed_import_ctx ctx = {.default_description = mk_feed_basename(file)};
    mk_feed_format_now(ctx.now, sizeof ctx.now);
    if (mk_feed_open_writable(db_path, &db, &insert, &err) == 0) {
        ctx.insert = insert;
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
            err = mk_feed_db_error(db, "cannot write feed database", db_path);
        } else {
            mk_feed_import_stream(&ctx, f);
            if (ferror(f))
                err = mk_xasprintf("cannot read %s", file);
            const char *end = err ? "ROLLBACK" : "COMMIT";
            if (sqlite3_exec(db, end, NULL, NULL, NULL) != SQLITE_OK && !err)
                err = mk_feed_db_error(db, "cannot write feed database", db_path);
        }
    }
    sqlite3_finalize(insert);
    sqlite3_close(db);
    *imported = err ? 0 : ctx.imported;
    return err;
}

/* Imports the stream f (NULL when it could not be opened, open_error saying
 * why) and closes it; the public functions' common end. */
static int mk_feed_import_opened(const char *db_path, const char *name, FILE *f, char *open_error, long *imported,
                                 char **error)
{
    long count = 0;
    char *err = open_error;
    if (f) {
        err = mk_feed_import_file(db_path, name, f, &count);
        fclose(f);
    }
    if (imported)
        *imported = count;
    if (error)
        *error = err;
    else
        free(err);
    return err ? 1 : 0;
}

int mk_feed_import_bytes(const char *db_path, const char *name, const char *data, size_t len, long *imported,
                         char **error)
{
    /* tmpfile() rather than fmemopen(): standard C, so it builds everywhere. */
    FILE *f = len ? tmpfile() : NULL;
    if (f && (fwrite(data, 1, len, f) != len || fseek(f, 0, SEEK_SET) != 0)) {
        fclose(f);
        f = NULL;
    }
    char *why = f ? NULL
                  : len ? mk_xasprintf("cannot buffer %s: %s", name, strerror(errno))
                        : mk_xasprintf("%s is empty", name);
    return mk_feed_import_opened(db_path, name, f, why, imported, error);
}

bool mk_feed_stats(mk_feed *feed, long *entries, char *added, size_t size)
{
    *entries = 0;
    if (size)
        added[0] = '\0';
    if (!feed)
        return false;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(feed->db, "SELECT COUNT(*), MAX(added) FROM urls", -1, &s, NULL) != SQLITE_OK)
        return false;
    bool ok = sqlite3_step(s) == SQLITE_ROW;
    if (ok) {
        *entries = (long)sqlite3_column_int64(s, 0);
        const unsigned char *last = sqlite3_column_text(s, 1);
        if (last && size)
            snprintf(added, size, "%s", (const char *)last);
    }
    sqlite3_finalize(s);
    return ok;
}

int mk_feed_import(const char *db_path, const char *file, long *imported, char **error)
{
    FILE *f = fopen(file, "rb");
    char *why = f ? NULL : mk_xasprintf("cannot read %s: %s", file, strerror(errno));
    return mk_feed_import_opened(db_path, file, f, why, imported, error);
}
