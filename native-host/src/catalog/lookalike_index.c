/* lookalike_index.c - every brand's official labels, prepared once.
 *
 * Built in three passes over the catalog: count the official domains, fill
 * one entry per domain (label, fold, skeleton) with each brand's entries
 * contiguous, then gather labels and tokens into a sorted, de-duplicated
 * array for the "is this label a brand's own name" question. A last array
 * points at the entries sorted by their whole official domain, ties in
 * catalog order, for "who owns this domain". Last, the official domains and
 * then the tokens go into one phrase set, in catalog order.
 */
#include "lookalike_index.h"

#include <stdlib.h>
#include <string.h>

#include "textnorm.h"
#include "util.h"

char *mk_fold_ascii_lookalikes(const char *s)
{
    mk_strbuf b = {0};
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (c == '-')
            continue;
        if (c == 'r' && s[i + 1] == 'n') {
            c = 'm';
            i++;
        } else if (c == 'v' && s[i + 1] == 'v') {
            c = 'w';
            i++;
        } else if (c == 'c' && s[i + 1] == 'l') {
            c = 'd';
            i++;
        } else if (c == '0') {
            c = 'o';
        } else if (c == '1' || c == 'i') {
            c = 'l';
        }
        mk_strbuf_putc(&b, c);
    }
    return mk_strbuf_steal(&b);
}

static void fill_label(mk_official_label *e, const mk_brand *brand, const char *official)
{
    size_t len = strcspn(official, ".");
    e->brand = brand;
    e->official = official;
    e->suffix = official[len] == '.' ? official + len + 1 : official + len;
    e->label = mk_xstrndup(official, len);
    e->len = len;
    e->fold = mk_fold_ascii_lookalikes(e->label);
    e->skeleton = mk_text_skeleton(e->label);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the names and drops repeats (each string is borrowed from an entry or a token). */
static void sort_unique(mk_lookalike_index *ix)
{
    if (ix->n_names == 0)
        return;
    qsort(ix->names, ix->n_names, sizeof *ix->names, compare_strings);
    size_t kept = 1;
    for (size_t i = 1; i < ix->n_names; i++)
        if (strcmp(ix->names[i], ix->names[kept - 1]) != 0)
            ix->names[kept++] = ix->names[i];
    ix->n_names = kept;
}

/* By official domain; equal domains keep catalog order, which is entry order. */
static int compare_by_domain(const void *a, const void *b)
{
    const mk_official_label *x = *(const mk_official_label *const *)a, *y = *(const mk_official_label *const *)b;
    int c = strcmp(x->official, y->official);
    return c ? c : (x > y) - (x < y);
}

static void sort_by_domain(mk_lookalike_index *ix)
{
    ix->by_domain = mk_xcalloc(ix->n_labels ? ix->n_labels : 1, sizeof *ix->by_domain);
    for (size_t i = 0; i < ix->n_labels; i++)
        ix->by_domain[i] = &ix->labels[i];
    qsort(ix->by_domain, ix->n_labels, sizeof *ix->by_domain, compare_by_domain);
}

mk_lookalike_index *mk_lookalike_index_build(const mk_brand *brands, size_t n_brands)
{
    mk_lookalike_index *ix = mk_xcalloc(1, sizeof *ix);
    size_t n_tokens = 0;
    for (size_t b = 0; b < n_brands; b++) {
        ix->n_labels += brands[b].domains.n;
        n_tokens += brands[b].tokens.n;
    }
    ix->n_brands = n_brands;
    ix->labels = mk_xcalloc(ix->n_labels ? ix->n_labels : 1, sizeof *ix->labels);
    ix->brand_start = mk_xcalloc(n_brands + 1, sizeof *ix->brand_start);
    ix->names = mk_xcalloc(ix->n_labels + n_tokens + 1, sizeof *ix->names);
    size_t at = 0;
    for (size_t b = 0; b < n_brands; b++) {
        const mk_brand *brand = &brands[b];
        ix->brand_start[b] = at;
        for (size_t d = 0; d < brand->domains.n; d++, at++) {
            fill_label(&ix->labels[at], brand, brand->domains.v[d]);
            ix->names[ix->n_names++] = ix->labels[at].label;
        }
        for (size_t t = 0; t < brand->tokens.n; t++)
            ix->names[ix->n_names++] = brand->tokens.v[t];
    }
    ix->brand_start[n_brands] = at;
    ix->in_text = mk_phraseset_new();
    ix->token_start = mk_xcalloc(n_brands + 1, sizeof *ix->token_start);
    for (size_t i = 0; i < ix->n_labels; i++)
        mk_phraseset_add(ix->in_text, ix->labels[i].official);
    size_t tokens = 0;
    ix->token_bytes = mk_xcalloc(n_tokens + 1, sizeof *ix->token_bytes);
    ix->label_heads = mk_xcalloc(n_brands + 1, sizeof *ix->label_heads);
    ix->fold_heads = mk_xcalloc(n_brands + 1, sizeof *ix->fold_heads);
    for (size_t b = 0; b < n_brands; b++) {
        ix->token_start[b] = tokens;
        for (size_t t = 0; t < brands[b].tokens.n; t++, tokens++) {
            mk_phraseset_add(ix->in_text, brands[b].tokens.v[t]);
            for (const unsigned char *p = (const unsigned char *)brands[b].tokens.v[t]; *p; p++)
                mk_byteset_add(&ix->token_bytes[tokens], *p);
        }
        for (size_t i = ix->brand_start[b]; i < ix->brand_start[b + 1]; i++) {
            mk_byteset_add(&ix->label_heads[b], (unsigned char)ix->labels[i].label[0]);
            mk_byteset_add(&ix->fold_heads[b], (unsigned char)ix->labels[i].fold[0]);
        }
    }
    ix->token_start[n_brands] = tokens;
    mk_phraseset_seal(ix->in_text);
    sort_unique(ix);
    sort_by_domain(ix);
    return ix;
}

void mk_lookalike_index_free(mk_lookalike_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n_labels; i++) {
        free(ix->labels[i].label);
        free(ix->labels[i].fold);
        free(ix->labels[i].skeleton);
    }
    free(ix->labels);
    free(ix->brand_start);
    free(ix->names);
    free(ix->by_domain);
    mk_phraseset_free(ix->in_text);
    free(ix->token_start);
    free(ix->token_bytes);
    free(ix->label_heads);
    free(ix->fold_heads);
    free(ix);
}

static bool mark_seen(void *ctx, size_t id, size_t start)
{
    ((bool *)ctx)[id] = true;
    return true;
}

void mk_lookalike_index_mark(const mk_lookalike_index *ix, const char *text, bool *seen)
{
    mk_phraseset_scan(ix->in_text, text, mark_seen, seen);
}

bool mk_lookalike_index_names_brand(const mk_lookalike_index *ix, const char *label)
{
    return ix->n_names && bsearch(&label, ix->names, ix->n_names, sizeof *ix->names, compare_strings) != NULL;
}

const mk_brand *mk_lookalike_index_owner(const mk_lookalike_index *ix, const char *regdom)
{
    size_t lo = 0, hi = ix->n_labels;   /* the first entry whose domain is >= regdom */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->by_domain[mid]->official, regdom) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ix->n_labels || strcmp(ix->by_domain[lo]->official, regdom) != 0)
        return NULL;
    return ix->by_domain[lo]->brand;
}
