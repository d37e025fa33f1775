/* pairset.h - which byte pairs occur in a text: a quick "cannot contain" test.
 *
 * Mekiki looks for long lists of phrases and brand names (hundreds of each)
 * in the same text: the body, its opening window, the subject. Scanning the
 * text once per phrase costs the text's length hundreds of times over. A
 * phrase can only occur in a text when every pair of adjacent bytes of the
 * phrase occurs somewhere in the text, so one pass over the text that records
 * its byte pairs (65,536 bits) lets most phrases be ruled out with a few bit
 * tests; only the survivors are searched for. The test never rules out a
 * phrase that occurs: it is a filter in front of a search, never a verdict.
 */
#ifndef MK_PAIRSET_H
#define MK_PAIRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mk_pairset {
    uint64_t bits[65536 / 64];   /* bit (a << 8 | b) set when bytes a, b occur in that order */
} mk_pairset;

/* Adds the byte pairs of the NUL-terminated text (NULL: an empty text) to the
 * set, which starts out zeroed (calloc, or = {0}). Adding several texts gives
 * a filter for "occurs in any of them". */
void mk_pairset_add(mk_pairset *set, const char *text);

/* False when needle certainly does not occur in the texts the set was made
 * from; true when it may (always true for needles shorter than two bytes,
 * and for a NULL set, which stands for "no filter"). */
bool mk_pairset_may_contain(const mk_pairset *set, const char *needle);

#endif
