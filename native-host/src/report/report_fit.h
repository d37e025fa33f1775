/* report_fit.h - making a reply fit the native-messaging size limit.
 *
 * Thunderbird refuses host messages of 1 MiB or more, and a hostile message
 * can make a report of any size (100,000 links, megabyte-long subjects). A
 * reply is never dropped for that: the report inside it is trimmed, least
 * useful parts first, until the serialised reply fits, and marked with
 * "truncated": true.
 */
#ifndef MK_REPORT_FIT_H
#define MK_REPORT_FIT_H

#include <jansson.h>
#include <stddef.h>

/* Serialises envelope (compact JSON) in at most max bytes. report must be the
 * object stored under envelope's "report" key (or NULL when there is none); it
 * is trimmed in place when needed. Returns an allocated string (free with
 * free()) and its length in *len; NULL only when even a minimal reply cannot
 * fit in max bytes. */
char *mk_report_fit(json_t *envelope, size_t max, size_t *len);

/* Cuts s to at most max bytes on a UTF-8 character boundary and appends "…"
 * when it was cut. Returns an allocated string. */
char *mk_utf8_truncate(const char *s, size_t max);

#endif
