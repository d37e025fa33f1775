/* score.c - noisy-OR combination of finding points; see score.h for why. */
#include "score.h"

#include <math.h>

int mk_score_compute(const mk_findings *f, const mk_catalog *cat)
{
    double clean = 1.0;   /* probability that none of the signs means phishing */
    for (size_t i = 0; i < f->n; i++) {
        int p = mk_catalog_points(cat, f->v[i].id);
        if (p < 0)
            p = 0;
        if (p > 100)
            p = 100;
        clean *= 1.0 - (double)p / 100.0;
    }
    return (int)lround(100.0 * (1.0 - clean));
}

const char *mk_score_verdict(int score)
{
    if (score >= MK_SCORE_PHISHING)
        return "phishing";
    if (score >= MK_SCORE_SUSPICIOUS)
        return "suspicious";
    return "safe";
}
