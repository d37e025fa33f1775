/* html_arena.h - the memory of one gumbo parse, handed out in blocks.
 *
 * gumbo allocates every node, attribute, string and vector of the tree on
 * its own and frees them one by one when the tree is destroyed; for mail
 * HTML that malloc/free traffic cost about as much as a third of the parse.
 * An arena serves gumbo's requests from 64 KiB blocks by moving a pointer,
 * ignores its frees, and gives all blocks back at once when the page has been
 * read. Memory stays bounded: past MK_HTML_ARENA_MAX bytes of blocks (and for
 * requests too large for a block) it falls back to malloc and free, so a
 * hostile document costs no more than it did without the arena. Each
 * allocation carries a 16-byte header saying where it came from.
 *
 *   mk_html_arena arena;
 *   GumboOptions options = kGumboDefaultOptions;
 *   mk_html_arena_begin(&arena, &options);
 *   GumboOutput *out = gumbo_parse_with_options(&options, html, len);
 *   ... read out ...
 *   mk_html_arena_end(&arena, &options, out);   // destroys out and frees the blocks
 */
#ifndef MK_HTML_ARENA_H
#define MK_HTML_ARENA_H

#include <gumbo.h>
#include <stddef.h>

#define MK_HTML_ARENA_MAX (8u << 20)

typedef struct mk_html_arena_block mk_html_arena_block;

typedef struct mk_html_arena {
    mk_html_arena_block *blocks;   /* newest first */
    size_t used;                   /* bytes used in the newest block */
    size_t total;                  /* bytes of all blocks */
    size_t heap_live;              /* allocations that went to malloc and are not yet freed */
} mk_html_arena;

/* Empties the arena and points options' allocator at it. */
void mk_html_arena_begin(mk_html_arena *arena, GumboOptions *options);
/* Releases out (may be NULL) and every block. */
void mk_html_arena_end(mk_html_arena *arena, GumboOptions *options, GumboOutput *out);

#endif
