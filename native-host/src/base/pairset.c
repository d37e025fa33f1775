/* pairset.c - which byte pairs occur in a text (see pairset.h). */
#include "pairset.h"

static size_t pair_index(unsigned char a, unsigned char b)
{
    return (size_t)a << 8 | b;
}

void mk_pairset_add(mk_pairset *set, const char *text)
{
    if (!text || !text[0])
        return;
    const unsigned char *p = (const unsigned char *)text;
    for (; p[1]; p++) {
        size_t i = pair_index(p[0], p[1]);
        set->bits[i / 64] |= (uint64_t)1 << (i % 64);
    }
}

bool mk_pairset_may_contain(const mk_pairset *set, const char *needle)
{
    if (!set || !needle || !needle[0])
        return true;
    const unsigned char *p = (const unsigned char *)needle;
    for (; p[1]; p++) {
        size_t i = pair_index(p[0], p[1]);
        if (!(set->bits[i / 64] >> (i % 64) & 1))
            return false;
    }
    return true;
}
