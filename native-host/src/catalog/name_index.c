/* name_index.c - brand names in phrase sets (see name_index.h). */
#include "name_index.h"

#include <stddef.h>
#include <stdlib.h>

#include "util.h"

static mk_phraseset *index_lists(const mk_brand *brands, size_t n_brands, size_t list_offset, size_t **owner)
{
    size_t total = 0;
    for (size_t i = 0; i < n_brands; i++)
        total += ((const mk_strlist *)((const char *)&brands[i] + list_offset))->n;
    mk_phraseset *set = mk_phraseset_new();
    *owner = mk_xcalloc(total ? total : 1, sizeof **owner);
    for (size_t i = 0; i < n_brands; i++) {
        const mk_strlist *list = (const mk_strlist *)((const char *)&brands[i] + list_offset);
        for (size_t j = 0; j < list->n; j++)
            (*owner)[mk_phraseset_add(set, list->v[j])] = i;
    }
    mk_phraseset_seal(set);
    return set;
}

mk_name_index *mk_name_index_build(const mk_brand *brands, size_t n_brands)
{
    mk_name_index *index = mk_xcalloc(1, sizeof *index);
    index->names = index_lists(brands, n_brands, offsetof(mk_brand, names), &index->names_brand);
    index->sender_names =
        index_lists(brands, n_brands, offsetof(mk_brand, sender_names), &index->sender_names_brand);
    return index;
}

void mk_name_index_free(mk_name_index *index)
{
    if (!index)
        return;
    mk_phraseset_free(index->names);
    free(index->names_brand);
    mk_phraseset_free(index->sender_names);
    free(index->sender_names_brand);
    free(index);
}
