/* phraseset.h - every occurrence of many phrases in a text, in one pass.
 *
 * The catalog holds hundreds of folded brand names and phrases, and a message
 * is searched for all of them in its sender name, subject and body. Searching
 * for each in turn reads the text once per phrase; a phrase set reads it once
 * for all of them (an Aho-Corasick automaton over bytes, built once when the
 * catalog loads and only read afterwards, so threads may share it). Matching
 * is on bytes, as strstr matches: the phrases and the text are folded
 * (mk_text_fold) by the caller, and what counts as a hit at a place (word
 * boundaries, brackets) is the caller's test.
 */
#ifndef MK_PHRASESET_H
#define MK_PHRASESET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mk_phraseset mk_phraseset;

mk_phraseset *mk_phraseset_new(void);
/* Adds a phrase (copied) and returns its id: 0, 1, 2, ... in order of
 * addition. An empty phrase gets an id and never occurs. Only before seal. */
size_t mk_phraseset_add(mk_phraseset *set, const char *phrase);
/* Ends the additions and prepares the set for searching. */
void mk_phraseset_seal(mk_phraseset *set);
size_t mk_phraseset_count(const mk_phraseset *set);
/* The phrase with that id, and its length in bytes (borrowed). */
const char *mk_phraseset_phrase(const mk_phraseset *set, size_t id, size_t *len);
void mk_phraseset_free(mk_phraseset *set);

/* Called for every occurrence of phrase id starting at byte start of the
 * text, in order of the occurrence's end; returning false stops the search. */
typedef bool (*mk_phraseset_hit_fn)(void *ctx, size_t id, size_t start);

/* Reports every occurrence in the NUL-terminated text (NULL: none). */
void mk_phraseset_scan(const mk_phraseset *set, const char *text, mk_phraseset_hit_fn hit, void *ctx);

#endif
