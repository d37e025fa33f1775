/* page.c - what a reader sees in a message, and where its links really go.
 *
 * HTML goes through gumbo, the HTML5 tree builder, so the tree is the one a
 * mail client would build from the same broken markup. We then walk it once,
 * depth first, with an explicit stack instead of recursion: phishing HTML can
 * nest thousands of elements and the walk must not run out of C stack.
 *
 * Pairing text with targets: each <a href> or <area href> opens a link; every
 * visible text node and every image alt text below it is appended to that
 * link's caption until the element closes. So for
 *   <a href="https://ekl-net.evil.shop/"><b>https://www.eki-net.com/</b></a>
 * the link's text is "https://www.eki-net.com/" and its target the .shop host,
 * which is exactly the gap link_text_mismatch looks for. Form actions are
 * links too (MK_LINK_FORM), since that is where typed passwords go.
 *
 * Visibility: script, style, template and the document head (including
 * <title>) are never shown. Text is hidden when an element or an ancestor
 * says display:none, visibility:hidden, opacity:0, a zero or 1px font size,
 * zero width or height with overflow:hidden, the `hidden` attribute, or a
 * text colour equal to the background colour in effect. Hidden text is
 * counted and sampled for hidden_text; visible text feeds the wording checks.
 *
 * Bounds: gumbo's tree builder costs up to (open elements) x (tags): an
 * element nests under every open one, and an end tag that closes nothing
 * searches the whole stack of open elements (10,000 nested <div>s take a
 * fifth of a second; 6,000 open <span>s followed by 4 MB of stray end tags
 * took 16 s). A document is therefore cut after MK_HTML_MAX_TAGS tags, start
 * and end tags alike, and MK_HTML_MAX_BYTES bytes before parsing; real mail
 * stays far below both. Links stop at MK_LINKS_MAX and visible text at
 * MK_VISIBLE_MAX bytes. Every cut is recorded in page->unread, so the report
 * says that part of the message was not read.
 *
 * Memory: gumbo's tree is built in an arena (html_arena.h) and dropped whole.
 */
#include "page.h"

#include <gumbo.h>
#include <stdlib.h>
#include <string.h>

#include "html_arena.h"
#include "urltext.h"
#include "util.h"

#define MK_HTML_MAX_BYTES (4u << 20)
#define MK_HTML_MAX_TAGS 12000
#define MK_VISIBLE_MAX (1u << 20)
#define MK_TEXT_SCAN_MAX (4u << 20)
#define MK_CAPTION_MAX 2048
#define MK_HIDDEN_SAMPLE 200
#define MK_STYLE_MAX 4096
#define MK_COLOR_MAX 32

/* ---- text accumulation ---- */

static bool is_space_at(const unsigned char *s, size_t n, size_t *width)
{
    if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == '\f' || s[0] == '\v') {
        *width = 1;
        return true;
    }
    if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0) {                 /* U+00A0 no-break space */
        *width = 2;
        return true;
    }
    if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) { /* U+3000 ideographic space */
        *width = 3;
        return true;
    }
    return false;
}

/* Whether white space as is_space_at() knows it can start at byte c. */
static bool may_start_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xc2 || c == 0xe3;
}

/* Appends s with white space runs collapsed to one ASCII space, up to cap
 * bytes. The result is never longer than s, so room is made once and the
 * bytes are written without a check each. */
static void append_collapsed(mk_strbuf *b, const char *s, size_t n, size_t cap)
{
    if (n == 0 || b->len >= cap)
        return;
    size_t room = cap - b->len;
    mk_strbuf_reserve(b, n < room ? n : room);
    const unsigned char *u = (const unsigned char *)s;
    char *d = b->data;
    size_t len = b->len;
    for (size_t i = 0; i < n && len < cap;) {
        size_t w;
        if (!may_start_space(u[i])) {
            d[len++] = (char)u[i++];
        } else if (is_space_at(u + i, n - i, &w)) {
            if (len > 0 && d[len - 1] != ' ')
                d[len++] = ' ';
            i += w;
        } else {
            d[len++] = (char)u[i++];
        }
    }
    b->len = len;
    d[len] = '\0';
}

static void append_space(mk_strbuf *b)
{
    if (b->len > 0 && b->data[b->len - 1] != ' ')
        mk_strbuf_putc(b, ' ');
}

/* Format characters that take no room on screen; preheader padding is made
 * of them ("&zwnj;&nbsp;" repeated), so they are not counted as hidden text. */
static bool is_invisible_format(const unsigned char *u, size_t n)
{
    if (n >= 2 && ((u[0] == 0xc2 && u[1] == 0xad) || (u[0] == 0xcd && u[1] == 0x8f)))   /* U+00AD, U+034F */
        return true;
    if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x8b && u[2] <= 0x8f)          /* U+200B..U+200F */
        return true;
    if (n >= 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0xa0)                           /* U+2060 */
        return true;
    return n >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf;                       /* U+FEFF */
}

/* Number of characters (code points) in s that take room on screen. */
static size_t count_visible_chars(const char *s, size_t n)
{
    size_t k = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t w;
        if (is_space_at(u + i, n - i, &w)) {
            i += w;
            continue;
        }
        if ((u[i] & 0xc0) != 0x80 && !is_invisible_format(u + i, n - i))
            k++;
        i++;
    }
    return k;
}

/* Copies at most max bytes of s, trimmed, without splitting a UTF-8 sequence. */
static char *trimmed_copy(const char *s, size_t n, size_t max)
{
    while (n > 0 && *s == ' ') {
        s++;
        n--;
    }
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    return mk_xstrndup(s, n);
}

/* ---- links ---- */

static long add_link(mk_page *page, const char *href, mk_link_source source)
{
    if (page->n_links >= MK_LINKS_MAX) {
        page->links_dropped++;
        page->unread |= MK_UNREAD_LINKS;
        return -1;
    }
    if (page->n_links == 0 || (page->n_links >= 8 && (page->n_links & (page->n_links - 1)) == 0)) {
        size_t cap = page->n_links ? page->n_links * 2 : 8;
        page->links = mk_xrealloc(page->links, cap * sizeof *page->links);
    }
    mk_link *l = &page->links[page->n_links];
    memset(l, 0, sizeof *l);
    size_t n = strlen(href);
    l->href = trimmed_copy(href, n, n);
    l->text = mk_xstrdup("");
    l->source = source;
    mk_url_parse(l->href, &l->url);
    return (long)page->n_links++;
}

static void set_link_text(mk_page *page, long idx, const mk_strbuf *caption)
{
    if (idx < 0)
        return;
    mk_link *l = &page->links[idx];
    free(l->text);
    l->text = trimmed_copy(caption->data ? caption->data : "", caption->len, MK_CAPTION_MAX);
}

/* ---- inline CSS ---- */

typedef struct style_facts {
    bool hides;          /* display:none and friends */
    char color[MK_COLOR_MAX];
    char background[MK_COLOR_MAX];
} style_facts;

/* Lower-case, spaces removed, "#abc" expanded, two common names mapped. */
static void normalise_color(const char *v, size_t n, char out[MK_COLOR_MAX])
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < MK_COLOR_MAX; i++) {
        char c = v[i];
        if (c == ' ' || c == '\t')
            continue;
        out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[o] = '\0';
    char *imp = strstr(out, "!important");
    if (imp)
        *imp = '\0';
    if (strcmp(out, "white") == 0)
        strcpy(out, "#ffffff");
    else if (strcmp(out, "black") == 0)
        strcpy(out, "#000000");
    else if (out[0] == '#' && strlen(out) == 4) {
        char e[8] = {'#', out[1], out[1], out[2], out[2], out[3], out[3], '\0'};
        strcpy(out, e);
    }
}

static bool value_is_zero_size(const char *v)
{
    while (*v == ' ')
        v++;
    if (v[0] == '0' && (v[1] == '\0' || strchr("pxetr%;! .", v[1])) && !(v[1] == '.' && v[2] >= '1' && v[2] <= '9'))
        return true;
    return strncmp(v, "1px", 3) == 0;
}

/* Reads one "prop: value" declaration. */
static void read_declaration(const char *d, size_t n, style_facts *sf, bool *overflow_hidden, bool *zero_box)
{
    const char *colon = memchr(d, ':', n);
    if (!colon)
        return;
    char prop[32], val[64];
    size_t pl = 0, vl = 0;
    for (const char *p = d; p < colon && pl + 1 < sizeof prop; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            prop[pl++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    prop[pl] = '\0';
    for (const char *p = colon + 1; p < d + n && vl + 1 < sizeof val; p++)
        if (*p != '\t' && *p != '\n' && *p != '\r' && !(vl == 0 && *p == ' '))
            val[vl++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    val[vl] = '\0';
    if ((strcmp(prop, "display") == 0 && strncmp(val, "none", 4) == 0) ||
        (strcmp(prop, "visibility") == 0 && strncmp(val, "hidden", 6) == 0) ||
        (strcmp(prop, "opacity") == 0 && value_is_zero_size(val) && strncmp(val, "1px", 3) != 0) ||
        (strcmp(prop, "font-size") == 0 && value_is_zero_size(val)))
        sf->hides = true;
    else if (strcmp(prop, "overflow") == 0 && strncmp(val, "hidden", 6) == 0)
        *overflow_hidden = true;
    else if ((strcmp(prop, "width") == 0 || strcmp(prop, "height") == 0 || strcmp(prop, "max-height") == 0 ||
              strcmp(prop, "max-width") == 0) &&
             value_is_zero_size(val) && strncmp(val, "1px", 3) != 0)
        *zero_box = true;
    else if (strcmp(prop, "color") == 0)
        normalise_color(val, vl, sf->color);
    else if (strcmp(prop, "background-color") == 0 || strcmp(prop, "background") == 0)
        normalise_color(val, vl, sf->background);
}

static void read_style(const char *style, style_facts *sf)
{
    size_t n = strnlen(style, MK_STYLE_MAX);
    bool overflow_hidden = false, zero_box = false;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && style[j] != ';')
            j++;
        read_declaration(style + i, j - i, sf, &overflow_hidden, &zero_box);
        i = j + 1;
    }
    if (overflow_hidden && zero_box)
        sf->hides = true;
}

/* ---- the walk ---- */

typedef struct frame {
    GumboNode *node;
    unsigned next_child;
    bool hidden;              /* this element or an ancestor hides its content */
    bool skip;                /* never shown (script, style, head, ...) */
    bool opened_link;         /* this element opened the current link */
    bool is_form;
    bool form_counted;
    long link;                /* link receiving captions, -1 when none */
    long form;                /* index of the innermost form frame, -1 when none */
    char background[MK_COLOR_MAX];
} frame;

typedef struct walker {
    mk_page *page;
    mk_link_source source;
    frame *stack;
    size_t depth, cap;
    mk_strbuf visible, hidden, caption;
} walker;

static bool is_skipped_tag(GumboTag t)
{
    return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_HEAD || t == GUMBO_TAG_TITLE ||
           t == GUMBO_TAG_TEMPLATE;
}

static bool is_inline_tag(GumboTag t)
{
    return t == GUMBO_TAG_A || t == GUMBO_TAG_SPAN || t == GUMBO_TAG_B || t == GUMBO_TAG_I || t == GUMBO_TAG_U ||
           t == GUMBO_TAG_FONT || t == GUMBO_TAG_STRONG || t == GUMBO_TAG_EM || t == GUMBO_TAG_SMALL ||
           t == GUMBO_TAG_BIG || t == GUMBO_TAG_SUP || t == GUMBO_TAG_SUB || t == GUMBO_TAG_IMG;
}

static const char *attr(const GumboElement *e, const char *name)
{
    const GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
    return a ? a->value : NULL;
}

static bool is_text_input(const char *type)
{
    if (!type)
        return true;   /* <input> without a type is a text field */
    static const char *const kinds[] = {"text", "password", "email", "tel", "number", "search", ""};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (mk_ascii_ieq(type, kinds[i]))
            return true;
    return false;
}

static void count_form(walker *w, frame *f)
{
    if (f->form >= 0 && !w->stack[f->form].form_counted) {
        w->stack[f->form].form_counted = true;
        w->page->forms++;
    }
}

static void push_frame(walker *w, const frame *f)
{
    if (w->depth == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->stack = mk_xrealloc(w->stack, w->cap * sizeof *w->stack);
    }
    w->stack[w->depth++] = *f;
}

/* The element's own effect on visibility, colours, links and forms. */
static void enter_element(walker *w, frame *f)
{
    GumboElement *e = &f->node->v.element;
    GumboTag t = e->tag;
    if (is_skipped_tag(t))
        f->skip = true;
    style_facts sf = {0};
    const char *style = attr(e, "style");
    if (style)
        read_style(style, &sf);
    if (sf.hides || attr(e, "hidden") || (t == GUMBO_TAG_INPUT && mk_ascii_ieq(attr(e, "type") ? attr(e, "type") : "", "hidden")))
        f->hidden = true;
    const char *bgcolor = attr(e, "bgcolor");
    if (sf.background[0])
        strcpy(f->background, sf.background);
    else if (bgcolor)
        normalise_color(bgcolor, strlen(bgcolor), f->background);
    const char *font_color = t == GUMBO_TAG_FONT ? attr(e, "color") : NULL;
    char color[MK_COLOR_MAX] = "";
    if (sf.color[0])
        strcpy(color, sf.color);
    else if (font_color)
        normalise_color(font_color, strlen(font_color), color);
    if (color[0] && f->background[0] && strcmp(color, f->background) == 0)
        f->hidden = true;

    if (!is_inline_tag(t) && !f->skip) {
        append_space(&w->visible);
        if (f->link >= 0)
            append_space(&w->caption);
    }
    const char *href = (t == GUMBO_TAG_A || t == GUMBO_TAG_AREA) ? attr(e, "href") : NULL;
    if (href && f->link < 0) {
        f->link = add_link(w->page, href, w->source == MK_LINK_FORM ? MK_LINK_HTML : w->source);
        f->opened_link = f->link >= 0;
        mk_strbuf_free(&w->caption);
    }
    if (t == GUMBO_TAG_IMG && f->link >= 0 && !f->hidden) {
        const char *alt = attr(e, "alt");
        if (alt) {
            append_space(&w->caption);
            append_collapsed(&w->caption, alt, strlen(alt), MK_CAPTION_MAX);
        }
    }
    if (t == GUMBO_TAG_FORM) {
        f->is_form = true;
        f->form = (long)w->depth;   /* this frame's index once pushed */
        const char *action = attr(e, "action");
        if (action && *action) {
            add_link(w->page, action, MK_LINK_FORM);
            f->form_counted = true;
            w->page->forms++;
        }
    }
    if (t == GUMBO_TAG_INPUT) {
        const char *type = attr(e, "type");
        if (type && mk_ascii_ieq(type, "password"))
            w->page->password_input = true;
        if (is_text_input(type))
            count_form(w, f);
    }
}

static void add_text(walker *w, const frame *parent, const char *text)
{
    if (parent->skip)
        return;
    size_t n = strlen(text);
    if (parent->hidden) {
        append_collapsed(&w->hidden, text, n, MK_VISIBLE_MAX);
        w->page->hidden_chars += count_visible_chars(text, n);
        return;
    }
    append_collapsed(&w->visible, text, n, MK_VISIBLE_MAX);
    if (parent->link >= 0)
        append_collapsed(&w->caption, text, n, MK_CAPTION_MAX);
}

/* A child inherits the parent's state; elements then apply their own. */
static void visit_child(walker *w, GumboNode *child)
{
    frame *parent = &w->stack[w->depth - 1];
    if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_CDATA || child->type == GUMBO_NODE_WHITESPACE) {
        add_text(w, parent, child->v.text.text);
        return;
    }
    if (child->type != GUMBO_NODE_ELEMENT && child->type != GUMBO_NODE_TEMPLATE)
        return;
    frame f = *parent;
    f.node = child;
    f.next_child = 0;
    f.opened_link = false;
    f.is_form = false;
    f.form_counted = false;
    enter_element(w, &f);
    push_frame(w, &f);
}

static void leave_element(walker *w, const frame *f)
{
    if (f->opened_link)
        set_link_text(w->page, f->link, &w->caption);
    if (!f->skip && f->node->type == GUMBO_NODE_ELEMENT && !is_inline_tag(f->node->v.element.tag))
        append_space(&w->visible);
}

static void walk(walker *w, GumboNode *root)
{
    frame top = {.node = root, .link = -1, .form = -1};
    push_frame(w, &top);
    while (w->depth > 0) {
        frame *f = &w->stack[w->depth - 1];
        const GumboVector *children = f->node->type == GUMBO_NODE_DOCUMENT ? &f->node->v.document.children
                                                                           : &f->node->v.element.children;
        if (f->next_child < children->length) {
            GumboNode *child = children->data[f->next_child++];
            visit_child(w, child);
        } else {
            leave_element(w, f);
            w->depth--;
        }
    }
}

/* ---- bounding the input ---- */

/* Whether a tag (start "<x" or end "</x", as the HTML tokenizer reads
 * them) begins at html[i]. */
static bool tag_at(const char *html, size_t len, size_t i)
{
    if (html[i] != '<' || i + 1 >= len)
        return false;
    size_t k = i + 1;
    if (html[k] == '/' && k + 1 < len)
        k++;
    char c = (char)(html[k] | 0x20);
    return c >= 'a' && c <= 'z';
}

/* Length of the prefix holding at most MK_HTML_MAX_TAGS tags and
 * MK_HTML_MAX_BYTES bytes; *cut says whether that is less than len. */
static size_t bounded_length(const char *html, size_t len, bool *cut)
{
    *cut = len > MK_HTML_MAX_BYTES;
    if (*cut)
        len = MK_HTML_MAX_BYTES;
    size_t tags = 0;
    for (const char *p = html; (p = memchr(p, '<', len - (size_t)(p - html))) != NULL; p++) {
        size_t i = (size_t)(p - html);
        if (tag_at(html, len, i) && ++tags > MK_HTML_MAX_TAGS) {
            *cut = true;
            return i;
        }
    }
    return len;
}

/* ---- merging into the page ---- */

/* Appends the collected text to the page's visible text, which stops at
 * MK_VISIBLE_MAX bytes; reaching that (less a cut UTF-8 sequence) is noted
 * as text the wording checks did not read. */
static void merge_text(mk_page *page, mk_strbuf *into)
{
    if (into->len == 0)
        return;
    char **field = &page->visible_text;
    mk_strbuf b = {0};
    if (*field && **field) {
        mk_strbuf_puts(&b, *field);
        mk_strbuf_putc(&b, ' ');
    }
    append_collapsed(&b, into->data, into->len, MK_VISIBLE_MAX);
    free(*field);
    *field = trimmed_copy(b.data, b.len, MK_VISIBLE_MAX);
    if (into->len >= MK_VISIBLE_MAX || b.len >= MK_VISIBLE_MAX)
        page->unread |= MK_UNREAD_VISIBLE;
    mk_strbuf_free(&b);
}

static void merge_hidden(mk_page *page, const mk_strbuf *hidden)
{
    if (hidden->len == 0)
        return;
    size_t have = page->hidden_text ? strlen(page->hidden_text) : 0;
    if (have >= MK_HIDDEN_SAMPLE)
        return;
    mk_strbuf b = {0};
    if (have)
        mk_strbuf_puts(&b, page->hidden_text);
    append_collapsed(&b, hidden->data, hidden->len, MK_HIDDEN_SAMPLE * 2);
    char *sample = trimmed_copy(b.data, b.len, MK_HIDDEN_SAMPLE);
    mk_strbuf_free(&b);
    free(page->hidden_text);
    page->hidden_text = *sample ? sample : NULL;
    if (!page->hidden_text)
        free(sample);
}

void mk_page_add_html(mk_page *page, const char *html, size_t len, mk_link_source source)
{
    if (!page || !html || len == 0)
        return;
    bool cut;
    len = bounded_length(html, len, &cut);
    if (cut)
        page->unread |= MK_UNREAD_HTML;
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 16;
    mk_html_arena arena;
    mk_html_arena_begin(&arena, &options);
    GumboOutput *out = gumbo_parse_with_options(&options, html, len);
    if (!out) {
        mk_html_arena_end(&arena, &options, NULL);
        return;
    }
    walker w = {.page = page, .source = source};
    walk(&w, out->document);
    merge_text(page, &w.visible);
    merge_hidden(page, &w.hidden);
    free(w.stack);
    mk_strbuf_free(&w.visible);
    mk_strbuf_free(&w.hidden);
    mk_strbuf_free(&w.caption);
    mk_html_arena_end(&arena, &options, out);
}

void mk_page_add_text(mk_page *page, const char *text, size_t len)
{
    if (!page || !text)
        return;
    if (len > MK_TEXT_SCAN_MAX) {
        len = MK_TEXT_SCAN_MAX;
        page->unread |= MK_UNREAD_TEXT;
    }
    size_t from = 0, start, end;
    while (mk_urltext_find(text, len, from, &start, &end)) {
        char *href = mk_xstrndup(text + start, end - start);
        add_link(page, href, MK_LINK_TEXT);
        free(href);
        from = end;
    }
    mk_strbuf b = {0};
    append_collapsed(&b, text, len, MK_VISIBLE_MAX);
    merge_text(page, &b);
    mk_strbuf_free(&b);
}

void mk_page_free(mk_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->n_links; i++) {
        free(page->links[i].href);
        free(page->links[i].text);
        free(page->links[i].wrapper_host);
        mk_url_free(&page->links[i].url);
    }
    free(page->links);
    free(page->visible_text);
    free(page->hidden_text);
    memset(page, 0, sizeof *page);
}
