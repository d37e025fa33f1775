/* name_index.h - every brand's names in one phrase set, for one-pass searches.
 *
 * Which brand a sender name, a subject or the top of a body names is asked of
 * every message, against every folded name of every brand. The index puts
 * all names in one mk_phraseset (and the sender names in another) when the
 * catalog loads, with ids in catalog order - brand by brand, name by name -
 * so that "the first brand in the catalog" keeps its meaning when ties are
 * broken by id, and records which brand each id belongs to.
 */
#ifndef MK_NAME_INDEX_H
#define MK_NAME_INDEX_H

#include <stddef.h>

#include "brand.h"
#include "phraseset.h"

typedef struct mk_name_index {
    mk_phraseset *names;          /* brand->names of every brand */
    size_t *names_brand;          /* id in names -> index of its brand */
    mk_phraseset *sender_names;   /* brand->sender_names of every brand */
    size_t *sender_names_brand;
} mk_name_index;

mk_name_index *mk_name_index_build(const mk_brand *brands, size_t n_brands);
void mk_name_index_free(mk_name_index *index);

#endif
