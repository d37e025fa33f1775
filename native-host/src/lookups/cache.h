/* cache.h - remembered look-up answers, so a second look at a message stays local.
 *
 * A small SQLite database maps (kind, target) to the JSON result of one
 * look-up and the moment it stops being valid. The engine decides the time to
 * live per answer (see the MK_TTL_* constants); the cache only stores and
 * expires. Every operation is best-effort: a cache that cannot be opened or
 * written simply behaves as empty, because analysis must never fail for it.
 */
#ifndef MK_CACHE_H
#define MK_CACHE_H

#include <jansson.h>
#include <time.h>

typedef struct mk_cache mk_cache;

/* Time-to-live of answers, in seconds. */
enum {
    MK_TTL_DNS_POSITIVE = 3600,
    MK_TTL_DNS_NEGATIVE = 900,
    MK_TTL_RDAP_POSITIVE = 86400,
    MK_TTL_RDAP_NEGATIVE = 3600,
    MK_TTL_BOOTSTRAP = 7 * 86400,
};

/* The default directory: $XDG_CACHE_HOME/mekiki, else $HOME/.cache/mekiki. Allocated. */
char *mk_cache_default_dir(void);

/* Opens (creating the directory and file as needed) DIR/lookups.sqlite.
 * NULL with *error set (allocated) when it cannot be used. */
mk_cache *mk_cache_open(const char *dir, char **error);
void mk_cache_close(mk_cache *cache);

/* A new reference to the stored result, or NULL when absent or expired at `now`. */
json_t *mk_cache_get(mk_cache *cache, const char *kind, const char *target, time_t now);
/* Groups the following puts into one transaction (one disk sync instead of one per answer). */
void mk_cache_begin(mk_cache *cache);
void mk_cache_commit(mk_cache *cache);

/* Stores a copy of result, valid for ttl_s seconds from now. */
void mk_cache_put(mk_cache *cache, const char *kind, const char *target, const json_t *result,
                  time_t now, long ttl_s);

#endif
