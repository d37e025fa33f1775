/* feed.h - local phishing-URL feeds kept in SQLite.
 *
 * `mekiki feed import FILE` loads JPCERT/CC's CSV lists (date,URL,description)
 * or plain URL-per-line lists into a SQLite database; analysis then checks
 * every link against it without any network. Entries are matched by exact
 * normalised URL, and by host when the feed lists a whole host.
 */
#ifndef MK_FEED_H
#define MK_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "url.h"

typedef struct mk_feed mk_feed;

/* $MEKIKI_FEED_DB, else under the user's data directory. */
const char *mk_feed_default_path(void);
/* Opens an existing database read-only; NULL (without error) when it does not exist. */
mk_feed *mk_feed_open(const char *db_path, char **error);
void mk_feed_close(mk_feed *feed);
/* The feed entry (allocated "URL (description)") matching this link, or NULL. */
char *mk_feed_match(mk_feed *feed, const mk_url *url, const char *href);
/* Imports FILE (CSV or one URL per line) into db_path (created when missing).
 * Returns 0 on success and sets *imported; else nonzero and *error. */
int mk_feed_import(const char *db_path, const char *file, long *imported, char **error);
/* The same for a list held in memory (the add-on's import); `name` is what
 * an entry without a description of its own is attributed to. */
int mk_feed_import_bytes(const char *db_path, const char *name, const char *data, size_t len, long *imported,
                         char **error);
/* How many entries the feed holds and the date of the newest one (as the
 * list gave it, e.g. JPCERT/CC's "2025/01/27", else the time of its import)
 * into `added`, "" when empty. False when the database cannot be read. */
bool mk_feed_stats(mk_feed *feed, long *entries, char *added, size_t size);

#endif
