/* html_arena.c - blocks of memory for one gumbo parse (see html_arena.h). */
#include "html_arena.h"

#include <stdint.h>
#include <stdlib.h>

#include "util.h"

#define BLOCK_BYTES (64u << 10)
#define HEADER 16u                 /* keeps the alignment malloc would give */
#define FROM_ARENA ((uint64_t)0x41)
#define FROM_HEAP ((uint64_t)0x48)

struct mk_html_arena_block {
    mk_html_arena_block *next;
    _Alignas(16) unsigned char data[BLOCK_BYTES];
};

static void *from_heap(mk_html_arena *arena, size_t size)
{
    unsigned char *p = mk_xmalloc(HEADER + size);
    *(uint64_t *)p = FROM_HEAP;
    arena->heap_live++;
    return p + HEADER;
}

static void *arena_allocate(void *userdata, size_t size)
{
    mk_html_arena *arena = userdata;
    size_t need = (HEADER + size + 15u) & ~(size_t)15u;
    if (size > BLOCK_BYTES / 4)
        return from_heap(arena, size);
    if (!arena->blocks || arena->used + need > BLOCK_BYTES) {
        if (arena->total + sizeof(mk_html_arena_block) > MK_HTML_ARENA_MAX)
            return from_heap(arena, size);
        mk_html_arena_block *b = mk_xmalloc(sizeof *b);
        b->next = arena->blocks;
        arena->blocks = b;
        arena->used = 0;
        arena->total += sizeof *b;
    }
    unsigned char *p = arena->blocks->data + arena->used;
    arena->used += need;
    *(uint64_t *)p = FROM_ARENA;
    return p + HEADER;
}

static void arena_deallocate(void *userdata, void *ptr)
{
    mk_html_arena *arena = userdata;
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - HEADER;
    if (*(uint64_t *)p == FROM_HEAP) {
        arena->heap_live--;
        free(p);
    }
}

void mk_html_arena_begin(mk_html_arena *arena, GumboOptions *options)
{
    arena->blocks = NULL;
    arena->used = arena->total = arena->heap_live = 0;
    options->allocator = arena_allocate;
    options->deallocator = arena_deallocate;
    options->userdata = arena;
}

void mk_html_arena_end(mk_html_arena *arena, GumboOptions *options, GumboOutput *out)
{
    /* Walking the tree to free it only matters for what went to the heap. */
    if (out && arena->heap_live > 0)
        gumbo_destroy_output(options, out);
    while (arena->blocks) {
        mk_html_arena_block *next = arena->blocks->next;
        free(arena->blocks);
        arena->blocks = next;
    }
    arena->used = arena->total = arena->heap_live = 0;
}
