/* checks_landing.c - where a link lands: what kind of page, on whose site.
 *
 * Credential phishing needs a page to collect what it asks for, and the page
 * has to live somewhere the phisher controls. Three marks of that page show in
 * the link itself, whatever the message claims:
 *
 *   link_credential_page  a sign-in / verification page ("/login", "/verify",
 *                         "webscr") on a site that is neither the sender's,
 *                         nor the bounce or list agent's, nor any known
 *                         company's: genuine mail sends you to sign in at the
 *                         sender's own site. A sender writing under a brand
 *                         its address cannot back has no site of its own.
 *   link_cms_path         a page served from inside a website's software
 *                         folders (wp-content, wp-includes, wp-admin) of an
 *                         unrelated site, where phishing kits are planted on
 *                         hacked sites; pictures, documents and gallery
 *                         folders there are ordinary: a page file (php,
 *                         html) counts, a folder only when it is a sign-in page.
 *                         A user's home folder ("/~name/") is a personal
 *                         homepage unless the page in it is a sign-in page.
 *   link_unusual_port     a link behind text or a button (not a URL written
 *                         out in running text, where developers name their
 *                         own test servers) that names a port other than the
 *                         standard ones ("https://host:8443/") on an unrelated
 *                         site: throw-away servers and kits listen where no
 *                         site does.
 *
 * The words, folders, page types and ports are data (data/landing.json). Only
 * links a reader can click (HTML anchors, plain-text URLs, attachment links)
 * count; form targets are html_form's. Pure functions of the facts.
 */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "domain.h"
#include "util.h"

#define MK_PER_CHECK_LINKS 20   /* links reported per finding id */

static bool is_web(const mk_url *u)
{
    return strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0 || u->scheme[0] == '\0';
}

/* Does the sender write under a brand name its address cannot back? Then its
 * own domain is the impostor's, and excuses nothing. */
static bool sender_borrows_brand(const mk_facts *f)
{
    const mk_brand *b = f->claimed_brand;
    return b && f->claim_source && strcmp(f->claim_source, "body") != 0 && f->from.addr &&
           !mk_brand_speaks_for(b, f->from.addr->domain, f->from.regdom);
}

/* The sender's organisation, or an agent sending for it (bounce domain,
 * Sender, list), or a known company's own site (not a page its customers publish). */
static bool site_is_accounted_for(const mk_facts *f, const mk_catalog *cat, const mk_url *u)
{
    const char *r = u->regdom;
    if (!*r)
        return false;
    if (sender_borrows_brand(f))
        return mk_catalog_brand_owning(cat, r) && !mk_catalog_is_customer_host(cat, u->host);
    if (mk_org_related(cat, r, f->from.regdom) || mk_org_related(cat, r, f->return_path.regdom) ||
        mk_org_related(cat, r, f->sender.regdom) || mk_org_related(cat, r, f->reply_to.regdom) ||
        mk_is_list_domain(f, r))
        return true;
    return mk_catalog_brand_owning(cat, r) && !mk_catalog_is_customer_host(cat, u->host);
}

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c >= 0x80;
}

/* True when one of the path's words (split at anything but letters, digits,
 * '-', '_' and non-ASCII bytes), lower-cased, is in words. */
static bool any_path_word(const char *path, const mk_strlist *words)
{
    const char *p = path;
    while (*p) {
        size_t n = 0;
        while (p[n] && is_word_byte((unsigned char)p[n]))
            n++;
        if (n > 0 && n < 64) {
            char *word = mk_ascii_lower_inplace(mk_xstrndup(p, n));
            bool hit = mk_strlist_contains(words, word);
            free(word);
            if (hit)
                return true;
        }
        p += n;
        if (*p)
            p++;
    }
    return false;
}

/* The last segment of the path: a page when it has a page extension, or
 * (when folders count) no extension at all ("/x/", "/verify"); pictures,
 * scripts, styles and documents are not. */
static bool lands_on_page(const mk_catalog *cat, const char *path, bool folders_count)
{
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    if (!*last)
        return folders_count;
    const char *dot = strrchr(last, '.');
    if (!dot)
        return folders_count;
    size_t n = strlen(dot + 1);
    if (n == 0 || n > 8)
        return false;
    char *ext = mk_ascii_lower_inplace(mk_xstrndup(dot + 1, n));
    bool page = mk_strlist_contains(&cat->page_extensions, ext);
    free(ext);
    return page;
}

/* A site-software folder (or "~name") among the path's segments; returns it. */
static char *cms_folder_in(const mk_catalog *cat, const char *path)
{
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (!p[n])
            break;   /* the last segment is the page itself, not a folder */
        char *seg = mk_ascii_lower_inplace(mk_xstrndup(p, n));
        bool home = n > 1 && seg[0] == '~' && any_path_word(p + n, &cat->credential_path_words);
        if (home || mk_strlist_contains(&cat->cms_folders, seg))
            return seg;
        free(seg);
        p += n;
    }
    return NULL;
}

static bool standard_port(const mk_catalog *cat, int port)
{
    if (port == 0)
        return true;
    for (size_t i = 0; i < cat->n_standard_ports; i++)
        if (cat->standard_ports[i] == port)
            return true;
    return false;
}

static json_t *landing_evidence(size_t i, const mk_url *u)
{
    json_t *ev = json_object();
    json_object_set_new(ev, "link", json_integer((json_int_t)i));
    json_object_set_new(ev, "host", json_string(u->host));
    json_object_set_new(ev, "path", json_stringn(u->path, strnlen(u->path, 200)));
    return ev;
}

void mk_checks_landing(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    size_t pages = 0, cms = 0, ports = 0;
    for (size_t i = 0; i < f->page.n_links; i++) {
        const mk_link *l = &f->page.links[i];
        const mk_url *u = &l->url;
        /* Hosts without a registrable domain ("yourserver", "localhost") are placeholders. */
        if (l->source == MK_LINK_FORM || !u->valid || !is_web(u) ||
            (u->host_is_ip ? mk_ip_is_private(u->host) : !*u->regdom))
            continue;
        if (site_is_accounted_for(f, cat, u))
            continue;
        /* Developers write "http://host:8080/" in running text about their
         * own servers; a port behind a link's text is the unusual thing. */
        if (l->source != MK_LINK_TEXT && !standard_port(cat, u->port) && ports < MK_PER_CHECK_LINKS) {
            json_t *ev = landing_evidence(i, u);
            json_object_set_new(ev, "port", json_integer(u->port));
            mk_findings_add(out, "link_unusual_port", ev);
            ports++;
        }
        /* A gallery or upload folder of a partner's WordPress site is an
         * ordinary link; a script or page file there, or a sign-in page, is not. */
        bool signin = any_path_word(u->path, &cat->credential_path_words);
        char *folder = cms_folder_in(cat, u->path);
        if (folder && lands_on_page(cat, u->path, signin) && cms < MK_PER_CHECK_LINKS) {
            json_t *ev = landing_evidence(i, u);
            json_object_set_new(ev, "folder", json_string(folder));
            mk_findings_add(out, "link_cms_path", ev);
            cms++;
        }
        free(folder);
        if (pages < MK_PER_CHECK_LINKS && signin && lands_on_page(cat, u->path, true)) {
            mk_findings_add(out, "link_credential_page", landing_evidence(i, u));
            pages++;
        }
    }
}
