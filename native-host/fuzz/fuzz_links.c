/* fuzz_links.c - libFuzzer target: link extraction from HTML and plain text.
 *
 * The input is one HTML document (links, forms, hidden text, images with alt
 * text) and is also scanned as plain text, merged into the same page, because
 * that is how a message with both parts is read. Every kept link is read to
 * its end and the page's counters are checked against the cap in links.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"

static size_t touch(const char *s)
{
    return s ? strlen(s) : 0;
}

static size_t touch_page(const mk_page *p)
{
    if (p->n_links > MK_LINKS_MAX)
        abort();   /* links.h caps what is kept */
    size_t sum = touch(p->visible_text) + touch(p->hidden_text);
    for (size_t i = 0; i < p->n_links; i++) {
        const mk_link *l = &p->links[i];
        if (!l->href || !l->text)
            abort();
        sum += strlen(l->href) + strlen(l->text) + touch(l->url.host) + touch(l->url.path);
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mk_page page;
    memset(&page, 0, sizeof page);
    mk_page_add_html(&page, (const char *)data, size, MK_LINK_HTML);
    mk_page_add_text(&page, (const char *)data, size);
    volatile size_t sink = touch_page(&page);
    (void)sink;
    mk_page_free(&page);
    return 0;
}
