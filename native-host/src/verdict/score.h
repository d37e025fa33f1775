/* score.h - from findings to a score (0..100) and a verdict.
 *
 * Each finding has points (data/findings.json): the probability, in percent,
 * that this one sign alone means phishing. Signs are combined as independent
 * evidence ("noisy OR"): score = 100 * (1 - prod(1 - points/100)). Two weak
 * signs therefore add up to less than their sum, a single strong sign carries
 * the verdict, and the score never exceeds 100. The thresholds live here and
 * only here, and are explained in the README.
 */
#ifndef MK_SCORE_H
#define MK_SCORE_H

#include "catalog.h"
#include "findings.h"

#define MK_SCORE_SUSPICIOUS 30   /* at or above: "suspicious" */
#define MK_SCORE_PHISHING 60     /* at or above: "phishing" */

int mk_score_compute(const mk_findings *findings, const mk_catalog *cat);
const char *mk_score_verdict(int score);

#endif
