/* checks.h - the checks: pure functions from facts to findings.
 *
 * Each family lives in its own file and only reads the facts and the catalog;
 * none does I/O. mk_checks_run() runs every family in a fixed order.
 */
#ifndef MK_CHECKS_H
#define MK_CHECKS_H

#include "catalog.h"
#include "facts.h"
#include "findings.h"
#include "organisation.h"   /* the notions every family shares */

void mk_checks_header(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);   /* checks_header.c */
void mk_checks_links(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);    /* checks_links.c */
void mk_checks_landing(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);  /* checks_landing.c */
void mk_checks_wording(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);  /* checks_wording.c */
void mk_checks_online(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);   /* checks_online.c; no-op when facts->online is NULL */
void mk_checks_coverage(const mk_facts *facts, const mk_catalog *cat, mk_findings *out); /* checks_coverage.c */

/* A link that carries a recipient's own address in its fragment or in base64 (checks_prefill.c). */
void mk_check_prefilled_recipient(const mk_facts *facts, mk_findings *out);

void mk_checks_run(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);   /* checks_run.c */

/* True when the subject or body presses the reader (checks_wording.c): an
 * urgency phrase, or requests for credentials in two forms. */
bool mk_wording_presses(const mk_facts *facts, const mk_catalog *cat);

#endif
