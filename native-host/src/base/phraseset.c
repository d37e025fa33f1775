/* phraseset.c - many phrases found in one pass (see phraseset.h).
 *
 * The phrases form a trie of bytes; each node knows the node of the longest
 * proper suffix of its path that is also in the trie (fail) and the nearest
 * such suffix node where a phrase ends (report), so a scan follows one edge
 * per byte of text, falls back along fail links when no edge fits, and lists
 * the phrases ending at each byte by walking report links. The root has a
 * table of 256 edges (most bytes of a text leave from it); other nodes keep
 * their few edges in a list, since a node of a phrase list has one or two.
 * Nodes live in one array indexed by uint32_t; 0 is the root.
 */
#include "phraseset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NO_NODE UINT32_MAX

typedef struct ps_node {
    uint32_t first_child;   /* NO_NODE when none */
    uint32_t next_sibling;  /* NO_NODE when last */
    uint32_t fail;
    uint32_t report;        /* nearest node on the fail chain (or this) where phrases end; NO_NODE */
    uint32_t first_end;     /* index into ends of the first phrase ending here; NO_NODE */
    unsigned char byte;     /* edge from the parent */
} ps_node;

typedef struct ps_end {
    uint32_t id;
    uint32_t next;          /* next phrase ending at the same node; NO_NODE */
} ps_end;

struct mk_phraseset {
    ps_node *nodes;
    size_t n_nodes, cap_nodes;
    ps_end *ends;
    size_t n_ends, cap_ends;
    char **phrases;
    size_t *lengths;
    size_t n_phrases, cap_phrases;
    uint32_t root_edge[256];  /* after seal: the node reached from the root by each byte (0: root) */
    bool sealed;
};

static uint32_t new_node(mk_phraseset *set, unsigned char byte)
{
    if (set->n_nodes == set->cap_nodes) {
        set->cap_nodes = set->cap_nodes ? set->cap_nodes * 2 : 256;
        set->nodes = mk_xrealloc(set->nodes, set->cap_nodes * sizeof *set->nodes);
    }
    ps_node *n = &set->nodes[set->n_nodes];
    n->first_child = n->next_sibling = n->report = n->first_end = NO_NODE;
    n->fail = 0;
    n->byte = byte;
    return (uint32_t)set->n_nodes++;
}

static uint32_t child(const mk_phraseset *set, uint32_t node, unsigned char byte)
{
    for (uint32_t c = set->nodes[node].first_child; c != NO_NODE; c = set->nodes[c].next_sibling)
        if (set->nodes[c].byte == byte)
            return c;
    return NO_NODE;
}

mk_phraseset *mk_phraseset_new(void)
{
    mk_phraseset *set = mk_xcalloc(1, sizeof *set);
    new_node(set, 0);
    return set;
}

size_t mk_phraseset_add(mk_phraseset *set, const char *phrase)
{
    if (set->n_phrases == set->cap_phrases) {
        set->cap_phrases = set->cap_phrases ? set->cap_phrases * 2 : 64;
        set->phrases = mk_xrealloc(set->phrases, set->cap_phrases * sizeof *set->phrases);
        set->lengths = mk_xrealloc(set->lengths, set->cap_phrases * sizeof *set->lengths);
    }
    size_t id = set->n_phrases++;
    set->phrases[id] = mk_xstrdup(phrase ? phrase : "");
    set->lengths[id] = strlen(set->phrases[id]);
    if (set->sealed || set->lengths[id] == 0)
        return id;
    uint32_t node = 0;
    for (const unsigned char *p = (const unsigned char *)set->phrases[id]; *p; p++) {
        uint32_t next = child(set, node, *p);
        if (next == NO_NODE) {
            next = new_node(set, *p);
            set->nodes[next].next_sibling = set->nodes[node].first_child;
            set->nodes[node].first_child = next;
        }
        node = next;
    }
    if (set->n_ends == set->cap_ends) {
        set->cap_ends = set->cap_ends ? set->cap_ends * 2 : 64;
        set->ends = mk_xrealloc(set->ends, set->cap_ends * sizeof *set->ends);
    }
    set->ends[set->n_ends] = (ps_end){(uint32_t)id, set->nodes[node].first_end};
    set->nodes[node].first_end = (uint32_t)set->n_ends++;
    return id;
}

/* The node reached from node by byte, following fail links (the root never fails). */
static uint32_t step(const mk_phraseset *set, uint32_t node, unsigned char byte)
{
    while (node != 0) {
        uint32_t next = child(set, node, byte);
        if (next != NO_NODE)
            return next;
        node = set->nodes[node].fail;
    }
    return set->root_edge[byte];
}

void mk_phraseset_seal(mk_phraseset *set)
{
    if (set->sealed)
        return;
    set->sealed = true;
    for (int b = 0; b < 256; b++) {
        uint32_t c = child(set, 0, (unsigned char)b);
        set->root_edge[b] = c == NO_NODE ? 0 : c;
    }
    /* Breadth first, so a node's fail target is finished before the node. */
    uint32_t *queue = mk_xmalloc(set->n_nodes * sizeof *queue);
    size_t head = 0, tail = 0;
    queue[tail++] = 0;
    while (head < tail) {
        uint32_t node = queue[head++];
        ps_node *n = &set->nodes[node];
        if (node != 0)
            n->report = n->first_end != NO_NODE ? node : set->nodes[n->fail].report;
        for (uint32_t c = n->first_child; c != NO_NODE; c = set->nodes[c].next_sibling) {
            if (node != 0)
                set->nodes[c].fail = step(set, n->fail, set->nodes[c].byte);
            queue[tail++] = c;
        }
    }
    free(queue);
}

size_t mk_phraseset_count(const mk_phraseset *set)
{
    return set ? set->n_phrases : 0;
}

const char *mk_phraseset_phrase(const mk_phraseset *set, size_t id, size_t *len)
{
    if (len)
        *len = set->lengths[id];
    return set->phrases[id];
}

void mk_phraseset_free(mk_phraseset *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_phrases; i++)
        free(set->phrases[i]);
    free(set->phrases);
    free(set->lengths);
    free(set->nodes);
    free(set->ends);
    free(set);
}

void mk_phraseset_scan(const mk_phraseset *set, const char *text, mk_phraseset_hit_fn hit, void *ctx)
{
    if (!set || !set->sealed || !text)
        return;
    uint32_t node = 0;
    for (size_t i = 0; text[i]; i++) {
        node = step(set, node, (unsigned char)text[i]);
        for (uint32_t r = set->nodes[node].report; r != NO_NODE; r = set->nodes[set->nodes[r].fail].report) {
            for (uint32_t e = set->nodes[r].first_end; e != NO_NODE; e = set->ends[e].next) {
                uint32_t id = set->ends[e].id;
                if (!hit(ctx, id, i + 1 - set->lengths[id]))
                    return;
            }
        }
    }
}
