/* lookalike_index.h - every brand's official labels, prepared once.
 *
 * Look-alike detection compares the label in front of a host's public suffix
 * ("ekl-net" of ekl-net.shop) with the first label of every official domain
 * of every brand ("eki-net" of eki-net.com), several ways: exactly, after
 * folding the ASCII characters that read alike, by UTS #39 skeleton, and by
 * edit distance. A message can hold hundreds of link hosts and the catalog
 * has hundreds of official domains, so the official side of each comparison
 * (label, its fold, its skeleton, its length) is computed when the catalog is
 * loaded, not once per host. The index also keeps every official label and
 * brand token in one sorted array, so "is this label some brand's own name?"
 * is a binary search, and the official domains sorted once more, so "which
 * brand owns this registrable domain?" is one too. Every official domain
 * and token also goes into one phrase set (phraseset.h), so the parts of a
 * URL are read once for all of them instead of once per domain. Byte sets
 * (the first bytes of each brand's labels and folds, the bytes of each
 * token) let a host skip the brands none of whose tests could succeed.
 *
 * The index borrows the brands and their domain strings: it lives exactly
 * as long as the catalog that built it (mk_catalog_load builds it and
 * mk_catalog_free frees it). Catalogs assembled by hand have none; callers
 * then build a temporary one with mk_lookalike_index_build().
 */
#ifndef MK_LOOKALIKE_INDEX_H
#define MK_LOOKALIKE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brand.h"
#include "phraseset.h"

typedef struct mk_official_label {
    const mk_brand *brand;   /* owner (borrowed) */
    const char *official;    /* the official domain, e.g. "smbc.co.jp" (borrowed) */
    const char *suffix;      /* what follows the first label: "co.jp" (points into official) */
    char *label;             /* first label: "smbc" */
    size_t len;              /* strlen(label) */
    char *fold;              /* mk_fold_ascii_lookalikes(label) */
    char *skeleton;          /* UTS #39 skeleton of label, NULL when ICU cannot give one */
} mk_official_label;

/* A set of byte values. */
typedef struct mk_byteset {
    uint64_t bits[4];
} mk_byteset;

static inline void mk_byteset_add(mk_byteset *s, unsigned char c)
{
    s->bits[c >> 6] |= (uint64_t)1 << (c & 63);
}

static inline bool mk_byteset_has(const mk_byteset *s, unsigned char c)
{
    return (s->bits[c >> 6] >> (c & 63)) & 1;
}

/* True when every byte of a is in b. */
static inline bool mk_byteset_within(const mk_byteset *a, const mk_byteset *b)
{
    return !((a->bits[0] & ~b->bits[0]) | (a->bits[1] & ~b->bits[1]) | (a->bits[2] & ~b->bits[2]) |
             (a->bits[3] & ~b->bits[3]));
}

typedef struct mk_lookalike_index {
    mk_official_label *labels;   /* every official domain of every brand, in catalog order */
    size_t n_labels;
    size_t *brand_start;         /* labels of brand b: [brand_start[b], brand_start[b + 1]) */
    size_t n_brands;
    char **names;                /* every official label and brand token, sorted, unique */
    size_t n_names;
    const mk_official_label **by_domain;   /* labels sorted by official domain, then catalog order */
    mk_phraseset *in_text;       /* phrase id i < n_labels: labels[i].official; id n_labels +
                                    token_start[b] + t: token t of brand b */
    size_t *token_start;
    mk_byteset *token_bytes;     /* the bytes of each token, by token_start[b] + t */
    mk_byteset *label_heads;     /* per brand: the first bytes of its labels */
    mk_byteset *fold_heads;      /* per brand: the first bytes of its labels' folds */
} mk_lookalike_index;

/* Folds the ASCII characters that read alike in a URL bar (0/o, 1/i/l, rn/m,
 * vv/w, cl/d) and drops hyphens, so "eki-net", "ekinet" and "ek1-net" fold to
 * the same string. Returns an allocated string. */
char *mk_fold_ascii_lookalikes(const char *label);

/* Builds the index of brands[0..n_brands) as they are now; never NULL. */
mk_lookalike_index *mk_lookalike_index_build(const mk_brand *brands, size_t n_brands);
void mk_lookalike_index_free(mk_lookalike_index *ix);

/* Sets seen[id] for every phrase of ix->in_text that occurs in text;
 * seen has mk_phraseset_count(ix->in_text) entries, all false before. */
void mk_lookalike_index_mark(const mk_lookalike_index *ix, const char *text, bool *seen);

/* True when label is exactly the first label of an official domain, or a
 * token, of any brand. */
bool mk_lookalike_index_names_brand(const mk_lookalike_index *ix, const char *label);

/* The first brand, in catalog order, that lists regdom among its official
 * domains; NULL when none does. */
const mk_brand *mk_lookalike_index_owner(const mk_lookalike_index *ix, const char *regdom);

#endif
