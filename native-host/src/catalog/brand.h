/* brand.h - one brand as the catalog knows it.
 *
 * The record every stage above the catalog reads: how the brand is named, which
 * domains are its own and which names of hosts imitate it. Filled and validated
 * by the catalog from data/brands.json (catalog.h), indexed for look-alike
 * tests (lookalike_index.h). Strings are owned by the catalog.
 */
#ifndef MK_BRAND_H
#define MK_BRAND_H

#include "util.h"

typedef struct mk_brand {
    char *id;            /* stable id, e.g. "ekinet" */
    char *name_ja;       /* display name in Japanese */
    char *name_en;       /* display name in English */
    char *country;       /* ISO 3166 alpha-2 home country, "" for global brands */
    char *kind;          /* bank, card, rail, carrier, ecommerce, hosting, government, ... */
    char *report_address; /* where the brand documents that phishing in its name be forwarded
                             ("phishing@paypal.com"); "" when the catalog knows none */
    mk_strlist names;    /* folded names users see (kanji, kana, romaji, English, abbreviations) */
    mk_strlist sender_names; /* folded names too common in running text to look for there ("au",
                                "LINE", "ETC"): they claim the brand only as a sender's display
                                name or inside a 【tag】 at the head of the subject */
    mk_strlist domains;  /* official registrable domains, lower-case ASCII */
    mk_strlist tokens;   /* lower-case ASCII tokens that lookalike hosts reuse ("eki-net", "smbc") */
    mk_strlist customer_zones; /* zones whose names belong to the brand's customers, not the brand
                                  (e.g. "vs.sakura.ne.jp" for a VPS provider) */
    mk_strlist mailbox_domains; /* official domains whose addresses are customers' mailboxes
                                   (gmail.com, docomo.ne.jp): a person writing, not the brand */
} mk_brand;

#endif
