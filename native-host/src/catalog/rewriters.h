/* rewriters.h - link rewriters: the services that wrap every link of a mail.
 *
 * Mail security gateways (Microsoft Safe Links, Proofpoint URL Defense,
 * Mimecast, Barracuda, Cisco, Trend Micro) and sites' own exit redirects
 * (Google /url?q= and /amp/, Facebook l.php, LinkedIn, Slack) replace a link's
 * target with their own host and carry the real destination inside the URL.
 * Judging the wrapper would judge the gateway; the rules in data/rewriters.json
 * say where each one keeps the destination, and mk_rewriters_unwrap() takes it
 * out so every link check runs on where the reader really goes. The wrapper
 * stays with the link as evidence (mk_link.wrapped_by).
 *
 * A rule names hosts ("safelinks.protection.outlook.com" also matches its
 * subdomains; "google.*" is any public suffix under the label google), an
 * optional path prefix, and how the destination is written:
 *   param        a query parameter holding the percent-encoded URL
 *   proofpoint2  a query parameter with '-' for '%' and '_' for '/'
 *   proofpoint3  the URL between "__" and "__;" in the path
 *   path         the rest of the path after the prefix is "host/path"
 *   segment      the rest of the path after one opaque segment is the encoded URL
 *   host_param   a query parameter holding only the destination's host
 */
#ifndef MK_REWRITERS_H
#define MK_REWRITERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "url.h"
#include "util.h"

typedef enum mk_rewrite_kind {
    MK_REWRITE_PARAM = 0,
    MK_REWRITE_PROOFPOINT2,
    MK_REWRITE_PROOFPOINT3,
    MK_REWRITE_PATH,
    MK_REWRITE_SEGMENT,
    MK_REWRITE_HOST_PARAM,
} mk_rewrite_kind;

typedef struct mk_rewriter {
    char *name;          /* what a reader knows it as: "Microsoft Safe Links" */
    mk_strlist hosts;    /* lower-case; "label.*" for any suffix */
    char *path_prefix;   /* "" for any path */
    char *param;         /* query parameter name, "" when the kind needs none */
    mk_rewrite_kind kind;
} mk_rewriter;

typedef struct mk_rewriters {
    mk_rewriter *v;
    size_t n;
} mk_rewriters;

const char *mk_rewrite_kind_name(mk_rewrite_kind kind);

/* Reads the "rewriters" array of data/rewriters.json. On a bad entry returns
 * false with *error (allocated) naming it; *out is then empty. */
bool mk_rewriters_read(json_t *arr, mk_rewriters *out, char **error);
void mk_rewriters_free(mk_rewriters *r);

/* When u (parsed from href) is a rewriter's link, returns the destination as
 * an absolute URL (allocated) and sets *rule; else NULL. */
char *mk_rewriters_unwrap(const mk_rewriters *r, const mk_url *u, const char *href, const mk_rewriter **rule);

#endif
