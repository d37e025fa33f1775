/* page.h - what a reader sees of a message (its page), and where its links go.
 *
 * HTML is parsed with an HTML5 tree builder (gumbo), never with patterns. For
 * every <a href> (and <area>, and form actions) we keep the target and the
 * text a reader sees for it: its text content, or the alt text of images
 * inside it. Plain text is scanned for URLs, including URLs glued to Japanese
 * text without spaces. The walk also notes forms that submit data and text
 * hidden from the reader (display:none, visibility:hidden, zero font size,
 * font colour equal to background), and collects the visible text.
 */
#ifndef MK_PAGE_H
#define MK_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "unread.h"
#include "url.h"

typedef enum mk_link_source {
    MK_LINK_HTML = 0,
    MK_LINK_TEXT = 1,
    MK_LINK_ATTACHMENT = 2,
    MK_LINK_FORM = 3,
} mk_link_source;

typedef struct mk_link {
    char *href;          /* as written (entity-decoded), never NULL */
    char *text;          /* visible text or image alt, whitespace-collapsed, "" when none */
    mk_url url;          /* parsed href; the destination when a rewriter wrapped it */
    mk_link_source source;
    char *wrapper_host;  /* the rewriter's host when url was taken out of a wrapped link, else NULL */
    const char *wrapper_name; /* the rewriter's name (catalog-owned), NULL when not wrapped */
} mk_link;

typedef struct mk_page {
    mk_link *links;
    size_t n_links;
    size_t links_dropped;     /* links beyond the cap (MK_LINKS_MAX) that were not kept */
    char *visible_text;       /* text a reader sees, UTF-8, whitespace-collapsed */
    size_t forms;             /* <form> elements that submit somewhere or have password/text inputs */
    bool password_input;      /* an <input type=password> exists */
    char *hidden_text;        /* a sample of hidden text (<=200 bytes), NULL when none */
    size_t hidden_chars;      /* total hidden text length */
    unsigned unread;          /* mk_unread reasons: what the bounds kept from being read */
} mk_page;

#define MK_LINKS_MAX 2000

/* Adds what one HTML document contains to *page (call several times to merge). */
void mk_page_add_html(mk_page *page, const char *html, size_t len, mk_link_source source);
/* Adds URLs found in plain text to *page; text is also appended to visible_text. */
void mk_page_add_text(mk_page *page, const char *text, size_t len);
void mk_page_free(mk_page *page);

#endif
