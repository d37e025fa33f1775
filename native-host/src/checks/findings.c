/* findings.c - a small ordered set of findings keyed by id.
 *
 * Messages produce a handful of findings, so a linear array beats a hash
 * table. Repeats of an id fold into the first finding's "more" array (capped)
 * so the evidence of every link that tripped a check is still visible while
 * the score counts the problem once.
 */
#include "findings.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MORE_MAX 20

static mk_finding *find(const mk_findings *f, const char *id)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].id, id) == 0)
            return &f->v[i];
    return NULL;
}

static void append_more(mk_finding *first, json_t *evidence)
{
    json_t *more = json_object_get(first->evidence, "more");
    if (!more) {
        more = json_array();
        json_object_set_new(first->evidence, "more", more);
    }
    if (json_array_size(more) < MORE_MAX)
        json_array_append_new(more, evidence);
    else
        json_decref(evidence);
}

void mk_findings_add(mk_findings *f, const char *id, json_t *evidence)
{
    if (!evidence)
        evidence = json_object();
    mk_finding *existing = find(f, id);
    if (existing) {
        append_more(existing, evidence);
        return;
    }
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->v = mk_xrealloc(f->v, f->cap * sizeof *f->v);
    }
    f->v[f->n].id = mk_xstrdup(id);
    f->v[f->n].evidence = evidence;
    f->n++;
}

bool mk_findings_has(const mk_findings *f, const char *id)
{
    return find(f, id) != NULL;
}

const mk_finding *mk_findings_get(const mk_findings *f, const char *id)
{
    return find(f, id);
}

void mk_findings_remove(mk_findings *f, const char *id)
{
    mk_finding *hit = find(f, id);
    if (!hit)
        return;
    size_t i = (size_t)(hit - f->v);
    free(hit->id);
    json_decref(hit->evidence);
    memmove(&f->v[i], &f->v[i + 1], (f->n - i - 1) * sizeof *f->v);
    f->n--;
}

void mk_findings_free(mk_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].id);
        json_decref(f->v[i].evidence);
    }
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}
