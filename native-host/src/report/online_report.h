/* online_report.h - the online part of a report.
 *
 * After the look-ups, the report gains what they learned, written from the
 * online facts: every question asked ("lookups", with its record type and
 * purpose), what registries said ("registrations"), how the questions ended
 * ("online", with notices in the reader's language), and the live view of
 * the origin and of each link host.
 */
#ifndef MK_ONLINE_REPORT_H
#define MK_ONLINE_REPORT_H

#include <jansson.h>

#include "catalog.h"
#include "online_facts.h"

/* Adds what the look-ups learned to report. Notices are taken in locale from
 * cat's finding texts; cat may be NULL (then only their ids are written). */
void mk_online_annotate_report(const mk_online_facts *online, const mk_catalog *cat, const char *locale,
                               json_t *report);

#endif
