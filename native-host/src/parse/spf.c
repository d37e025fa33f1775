/* spf.c - reading a sender policy record down to networks and includes.
 *
 * Terms are separated by spaces; each may carry a qualifier (+ - ~ ?), of
 * which only "+" (the default) says "this host may send". Anything we do not
 * model (exists:, ptr, macros, modifiers other than redirect=) is skipped,
 * which can only make the answer "not found among the networks", never a
 * false "it belongs". The term count is capped so a hostile record costs
 * little.
 */
#include "spf.h"
#include "platform.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"

#define MK_SPF_MAX_TERMS 32

const char *mk_spf_pick(const char *const *txt, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (txt[i] && strncasecmp(txt[i], "v=spf1", 6) == 0 && (txt[i][6] == ' ' || txt[i][6] == '\0'))
            return txt[i];
    return NULL;
}

static void read_term(mk_spf *out, const char *term)
{
    if (term[0] == '-' || term[0] == '~' || term[0] == '?')
        return;
    if (term[0] == '+')
        term++;
    if (strncasecmp(term, "ip4:", 4) == 0 || strncasecmp(term, "ip6:", 4) == 0)
        mk_strlist_push(&out->networks, term);
    else if (strncasecmp(term, "include:", 8) == 0 && term[8])
        mk_strlist_push_owned(&out->includes, mk_ascii_lower_inplace(mk_xstrdup(term + 8)));
    else if (strncasecmp(term, "redirect=", 9) == 0 && term[9])
        mk_strlist_push_owned(&out->includes, mk_ascii_lower_inplace(mk_xstrdup(term + 9)));
    else if (strcasecmp(term, "a") == 0 || strncasecmp(term, "a/", 2) == 0)
        out->uses_a = true;
    else if (strcasecmp(term, "mx") == 0 || strncasecmp(term, "mx/", 3) == 0)
        out->uses_mx = true;
}

bool mk_spf_parse(const char *record, mk_spf *out)
{
    memset(out, 0, sizeof *out);
    if (!record || !mk_spf_pick(&record, 1))
        return false;
    char *copy = mk_xstrndup(record, 4096);
    size_t terms = 0;
    for (char *save = NULL, *t = strtok_r(copy + 6, " \t", &save); t && terms < MK_SPF_MAX_TERMS;
         t = strtok_r(NULL, " \t", &save), terms++)
        read_term(out, t);
    free(copy);
    return true;
}

void mk_spf_free(mk_spf *spf)
{
    mk_strlist_free(&spf->networks);
    mk_strlist_free(&spf->includes);
}

const char *mk_spf_match_ip(const mk_spf *spf, const char *ip)
{
    for (size_t i = 0; i < spf->networks.n; i++)
        if (mk_ip_in_network(ip, spf->networks.v[i] + 4))
            return spf->networks.v[i];
    return NULL;
}
