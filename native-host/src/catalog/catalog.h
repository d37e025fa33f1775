/* catalog.h - the knowledge Mekiki reads from data/: brands, phrases, lists, texts.
 *
 * Engine code holds mechanisms; every list lives in a JSON file under the data
 * directory and is loaded and validated once at start-up:
 *   brands.json     brands: names in every script, official domains, tokens, country, kind
 *   phrases.json    phrase lists per purpose and language (urgency, credentials, ...)
 *   landing.json    what marks a link's landing page: sign-in words, site-software folders, ports
 *   shorteners.json URL shorteners / open redirectors, and click-tracking hosts
 *   rewriters.json  link rewriters and where each keeps the destination (rewriters.h)
 *   hosting.json    hosting / VPS networks (ASNs and rDNS suffixes)
 *   findings.json   per finding id: severity, points, title and detail in ja/en
 *   labels.json     words of the text report and verdict names, in ja/en
 * Phrases and brand names are stored folded (mk_text_fold) so that matching is
 * width-, case- and kana-insensitive. A catalog is immutable after loading and
 * may be shared between threads.
 */
#ifndef MK_CATALOG_H
#define MK_CATALOG_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "brand.h"
#include "lookalike_index.h"
#include "name_index.h"
#include "rewriters.h"
#include "util.h"

typedef struct mk_phrases {
    mk_strlist urgency;             /* deadlines, suspension, lock-out threats */
    mk_strlist credential;          /* log in, verify identity, update payment */
    mk_strlist credential_everyday; /* the ones any account mail uses ("log in", "password",
                                       "click here"): a subset of credential, one request together */
    mk_strlist generic_salutation;  /* "dear customer", "お客様" */
    mk_strlist admin_roles;         /* "webmail admin", "メール管理者" */
    mk_strlist spam_stamps;         /* subject tags added by filters: "[spam]", "[迷惑メール]" */
    mk_strlist reward;              /* prizes, gifts, payouts: "you have won", "ギフト券", "airdrop" */
    mk_strlist claim;               /* taking them: "claim your", "受け取り", "resgatar" */
    json_t *written;                /* folded phrase -> the phrase as phrases.json writes it */
} mk_phrases;

typedef struct mk_catalog {
    char *dir;
    mk_brand *brands;
    size_t n_brands;
    mk_phrases phrases;
    mk_strlist shorteners;          /* registrable domains or hosts of shorteners / open redirectors */
    mk_strlist tracking_hosts;      /* hosts/domains of e-mail click-tracking services */
    mk_rewriters rewriters;         /* link rewriters whose destination can be read (rewriters.h) */
    long *hosting_asns;             /* ASNs of hosting / VPS networks */
    size_t n_hosting_asns;
    mk_strlist hosting_rdns;        /* rDNS suffixes of hosting / VPS networks */
    mk_strlist credential_path_words; /* landing.json: path words of sign-in pages ("login", "verify") */
    mk_strlist cms_folders;         /* landing.json: site-software folders ("wp-content", "wp-includes") */
    mk_strlist page_extensions;     /* landing.json: file types a browser shows as a page ("php", "html") */
    int *standard_ports;            /* landing.json: ports a web link names without being unusual */
    size_t n_standard_ports;
    json_t *findings;               /* object: id -> {severity, points, title{ja,en}, detail{ja,en}} */
    json_t *labels;                 /* object: key -> {ja, en} */
    /* Built on first use, not at load: read them through mk_catalog_lookalike_index()
     * and mk_catalog_name_index(). */
    mk_lookalike_index *lookalike_index;
    mk_name_index *name_index;
    bool indexed;                   /* set by mk_catalog_load: the indexes may be built */
    atomic_bool index_ready;        /* both are built */
} mk_catalog;

/* The official labels prepared for look-alike tests (lookalike_index.h) and
 * the brand names in one-pass phrase sets (name_index.h). A loaded catalog
 * builds both the first time either is asked for (a few million
 * instructions that a start-up answering only a ping need not pay), once
 * for all threads; NULL for catalogs built by hand. */
const mk_lookalike_index *mk_catalog_lookalike_index(const mk_catalog *cat);
const mk_name_index *mk_catalog_name_index(const mk_catalog *cat);

/* Loads and validates every file in dir. On failure returns NULL and sets *error
 * (allocated) to a message naming the file and the problem. */
mk_catalog *mk_catalog_load(const char *dir, char **error);
void mk_catalog_free(mk_catalog *cat);
/* Releases what one brand owns (the struct itself is not freed); for catalogs built by hand. */
void mk_brand_free(mk_brand *brand);

/* The data directory to use: $MEKIKI_DATA_DIR; else the installed data relative
 * to the program (PREFIX/bin -> PREFIX/share/mekiki/data); else a `data`
 * directory beside the program (the build tree); else the install location
 * fixed at build time, even when missing, so that loading names it. */
const char *mk_catalog_default_dir(void);

const mk_brand *mk_catalog_brand_by_id(const mk_catalog *cat, const char *id);
/* The brand whose official domains contain regdom (lower-case ASCII), or NULL. */
const mk_brand *mk_catalog_brand_owning(const mk_catalog *cat, const char *regdom);
/* True when domain (an address's domain) is, or is under, a brand's customer
 * mailbox domain (free-mail, ISP: gmail.com, i.softbank.jp). */
bool mk_catalog_is_mailbox_domain(const mk_catalog *cat, const char *domain);
/* True when host is a brand's official domain but lies in one of its customer zones. */
bool mk_catalog_is_customer_host(const mk_catalog *cat, const char *host);
/* Who may speak for brand b: a host of its official domains (regdom is host's
 * registrable domain) that is neither a customer mailbox domain (gmail.com) nor
 * inside one of its customer zones (contoso.onmicrosoft.com, x-my.sharepoint.com). */
bool mk_brand_speaks_for(const mk_brand *b, const char *host, const char *regdom);

/* Points for a finding id (0 when unknown); severity string or "low". */
int mk_catalog_points(const mk_catalog *cat, const char *id);
const char *mk_catalog_severity(const mk_catalog *cat, const char *id);
/* How a folded phrase is written in phrases.json ("ろぐいん" -> "ログイン"), for
 * quoting it to a reader; folded itself when no list has it. Borrowed. */
const char *mk_catalog_phrase_as_written(const mk_catalog *cat, const char *folded);
/* A label of labels.json in locale ("ja"/"en"); the key itself when missing. Borrowed. */
const char *mk_catalog_label(const mk_catalog *cat, const char *key, const char *locale);

#endif
