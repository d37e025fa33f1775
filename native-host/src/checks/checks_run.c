/* checks_run.c - running the check families.
 *
 * Families run in a fixed order so that findings appear in the report in a
 * stable order: envelope and headers first (what the investigator reads
 * first), then links and brands, then wording, then what look-ups added.
 */
#include "checks.h"

void mk_checks_run(const mk_facts *facts, const mk_catalog *cat, mk_findings *out)
{
    mk_checks_header(facts, cat, out);
    mk_checks_links(facts, cat, out);
    mk_checks_landing(facts, cat, out);
    mk_checks_wording(facts, cat, out);
    mk_checks_online(facts, cat, out);
    mk_checks_coverage(facts, cat, out);
}
