/* native_jobs.c - workers, deadlines and cancels for the native host.
 *
 * Every accepted analyze request becomes a job with its own thread. The job
 * list, each job's reply state and the in-flight counts live under one mutex
 * (jobs->lock); the reply stream has its own (native_reply.h). A reply is
 * decided under jobs->lock - may this job still speak, and in which stage? -
 * and the write lock is taken before jobs->lock is released, so a worker's
 * report and the watch's deadline reply for the same job can never be sent
 * out of order or both: a reply decided earlier already holds the write lock
 * when a later decision is taken. The lock order is always jobs->lock, then
 * the write lock. Serialising a report happens before either is taken.
 *
 * A job's states: RUNNING until its offline report is sent, OFFLINE_SENT
 * while its look-ups run, DONE once nothing more may be sent (final report
 * sent, deadline reply sent, cancelled). The watch thread sleeps until the
 * earliest deadline of a job that is not DONE and answers for it:
 *   - no offline report yet: {"type":"error","code":"deadline"};
 *   - offline sent, final late: the offline report again as the final one
 *     (what the host has), like a host configured offline.
 * It also raises the job's stop flag, which ends its look-ups at once and
 * makes the worker skip what is left; a worker cannot be interrupted inside
 * the offline analysis, so it runs that to its end (message parsing is
 * bounded by its own limits) and frees its memory, still counted in flight.
 * A job answered in full leaves the count with its last reply, so a client
 * that sends the next request on receiving a final report is never "busy".
 *
 * Workers that have ended are joined by the reader between frames and by
 * mk_native_jobs_free(); the job record outlives its worker until then, so
 * nothing another thread can still see is ever freed under it.
 */
#include "native_jobs.h"

#include <glib.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

/* A worker's stack: the parser and report builder recurse a little, and the
 * platforms' thread defaults differ (1 MiB on Windows, 8 MiB on Linux). */
#define MK_NATIVE_JOB_STACK (8u * 1024u * 1024u)
/* The watch re-reads the clock at least this often, whatever the deadlines. */
#define MK_NATIVE_WATCH_MAX_SLEEP_MS 1000

typedef enum mk_job_state {
    MK_JOB_RUNNING,
    MK_JOB_OFFLINE_SENT,
    MK_JOB_DONE,
} mk_job_state;

typedef struct mk_job mk_job;

struct mk_job {
    mk_job *next;
    mk_native_jobs *jobs;
    pthread_t thread;
    json_t *id;              /* private copy: only ever read (copied for replies), freed after the join */
    json_t *raw_b64;         /* the worker's alone */
    mk_trust_list *trust;    /* the reader's trusted senders, or NULL; the job's own */
    const char *locale;
    bool online, dns, registration;
    size_t bytes;
    int deadline_ms;         /* for the offline report, from arrival */
    atomic_bool stop;        /* cancelled or past the deadline: look-ups end, nothing more is done */
    /* Under jobs->lock: */
    mk_job_state state;
    double deadline;         /* mk_now_ms() clock */
    json_t *offline_report;  /* kept once sent, for a late final */
    bool ended;              /* the worker has returned */
    bool released;           /* no longer counted in flight */
};

struct mk_native_jobs {
    mk_context *ctx;
    mk_native_out *out;
    pthread_mutex_t lock;
    pthread_cond_t changed;   /* a job started, ended or changed deadline; or closing */
    mk_job *head;
    size_t in_flight;
    size_t in_flight_bytes;
    bool closing;
    pthread_t watch;
};

/* ---- replies --------------------------------------------------------------- */

/* Gives back j's place among the requests in flight; under jobs->lock. A job
 * answered in full gives it back with its last reply; one stopped early (a
 * cancel, a deadline) only when its worker has really ended. */
static void release_slot(mk_native_jobs *jobs, mk_job *j)
{
    if (j->released)
        return;
    j->released = true;
    jobs->in_flight--;
    jobs->in_flight_bytes -= j->bytes;
}

/* Sends text for job j when it may still speak in state `from`, moving it to
 * `to`. Called without jobs->lock. Returns whether it was sent (or dropped
 * only because the channel is broken). */
static bool job_reply(mk_job *j, mk_job_state from, mk_job_state to, const char *text, size_t len)
{
    mk_native_jobs *jobs = j->jobs;
    pthread_mutex_lock(&jobs->lock);
    bool may = j->state == from;
    if (may) {
        j->state = to;
        if (to == MK_JOB_DONE)
            release_slot(jobs, j);   /* answered in full: only freeing is left */
        if (to == MK_JOB_OFFLINE_SENT)
            j->deadline = mk_now_ms() + jobs->ctx->opt.budget_ms + MK_NATIVE_FINAL_GRACE_MS;
        pthread_cond_broadcast(&jobs->changed);
        mk_native_out_lock(jobs->out);
    }
    pthread_mutex_unlock(&jobs->lock);
    if (may) {
        mk_native_out_write_locked(jobs->out, text, len);
        mk_native_out_unlock(jobs->out);
    }
    return may;
}

/* Reply messages carry their own copy of the id: jansson's reference counts are
 * not meant to be shared between threads, so nothing a reply holds is shared. */
static json_t *report_message(const mk_job *j, const char *stage, json_t *report)
{
    return json_pack("{s:s, s:o?, s:s, s:O}", "type", "report", "id", json_deep_copy(j->id), "stage", stage,
                     "report", report);
}

static json_t *error_message(const mk_job *j, const char *code, const char *text)
{
    json_t *id = json_deep_copy(j->id);
    json_t *msg = mk_native_error(id, code, "%s", text);
    json_decref(id);
    return msg;
}

/* Serialises msg and sends it as job j's reply in state from -> to. */
static bool job_send(mk_job *j, json_t *msg, mk_job_state from, mk_job_state to)
{
    size_t len = 0;
    char *text = mk_native_serialise(msg, &len);
    bool sent = text && job_reply(j, from, to, text, len);
    free(text);
    return sent;
}

static void job_fail(mk_job *j, mk_job_state from, const char *why)
{
    json_t *msg = error_message(j, "internal", why);
    job_send(j, msg, from, MK_JOB_DONE);
    json_decref(msg);
}

/* ---- the worker ------------------------------------------------------------ */

static bool stopped(mk_job *j)
{
    return atomic_load(&j->stop);
}

static void run_online(mk_job *j, mk_analysis *a)
{
    mk_analysis_allow_lookups(a, j->dns, j->registration);
    mk_analysis_set_stop(a, &j->stop);
    mk_analysis_enrich(a);   /* a no-op in --offline mode */
    if (stopped(j))
        return;
    json_t *report = mk_analysis_report(a, j->locale);
    if (!report) {
        job_fail(j, MK_JOB_OFFLINE_SENT, "the final report could not be built");
        return;
    }
    json_t *msg = report_message(j, "final", report);
    job_send(j, msg, MK_JOB_OFFLINE_SENT, MK_JOB_DONE);
    json_decref(msg);
    json_decref(report);
}

static void run_job(mk_job *j)
{
    gsize raw_len = 0;
    guchar *raw = g_base64_decode(json_string_value(j->raw_b64), &raw_len);
    json_decref(j->raw_b64);   /* the base64 text can be tens of MiB */
    j->raw_b64 = NULL;
    mk_analysis *a = stopped(j) ? NULL : mk_analysis_offline(j->jobs->ctx, (const char *)raw, raw_len);
    g_free(raw);
    if (!a) {
        if (!stopped(j))
            job_fail(j, MK_JOB_RUNNING, "the analysis could not be started");
        return;
    }
    if (j->trust)
        mk_analysis_trust_senders(a, j->trust);
    json_t *report = stopped(j) ? NULL : mk_analysis_report(a, j->locale);
    if (!report) {
        if (!stopped(j))
            job_fail(j, MK_JOB_RUNNING, "the report could not be built");
        mk_analysis_free(a);
        return;
    }
    json_t *msg = report_message(j, "offline", report);
    bool sent = job_send(j, msg, MK_JOB_RUNNING, j->online ? MK_JOB_OFFLINE_SENT : MK_JOB_DONE);
    json_decref(msg);
    if (sent && j->online) {
        pthread_mutex_lock(&j->jobs->lock);
        j->offline_report = report;   /* the watch's answer if the final one is late */
        report = NULL;
        pthread_mutex_unlock(&j->jobs->lock);
        run_online(j, a);
    }
    json_decref(report);
    mk_analysis_free(a);
}

static void *job_main(void *arg)
{
    mk_job *j = arg;
    run_job(j);
    mk_native_jobs *jobs = j->jobs;
    pthread_mutex_lock(&jobs->lock);
    mk_job_state state = j->state;
    pthread_mutex_unlock(&jobs->lock);
    if (state != MK_JOB_DONE && !stopped(j))   /* a reply could not be built: never leave a request unanswered */
        job_fail(j, state, "the analysis ended without a report");
    pthread_mutex_lock(&jobs->lock);
    j->ended = true;
    j->state = MK_JOB_DONE;
    release_slot(jobs, j);
    pthread_cond_broadcast(&jobs->changed);
    pthread_mutex_unlock(&jobs->lock);
    return NULL;
}

/* ---- the deadline watch ----------------------------------------------------- */

/* Answers for job j, past its deadline; called with jobs->lock held, returns with it released. */
static void answer_late(mk_native_jobs *jobs, mk_job *j)
{
    mk_job_state was = j->state;
    j->state = MK_JOB_DONE;
    atomic_store(&j->stop, true);
    json_t *msg;
    if (was == MK_JOB_OFFLINE_SENT && j->offline_report) {
        fprintf(stderr, "mekiki: native: look-ups past the deadline; the offline report stands as final\n");
        msg = report_message(j, "final", j->offline_report);
        json_decref(j->offline_report);   /* msg holds it now; only this thread touches it */
        j->offline_report = NULL;
    } else {
        char *text = mk_xasprintf("the analysis did not finish within %d ms; the host goes on serving "
                                  "other messages", j->deadline_ms);
        msg = error_message(j, "deadline", text);
        free(text);
    }
    pthread_mutex_unlock(&jobs->lock);
    mk_native_send(jobs->out, msg);   /* j is DONE: no worker reply can come before or after */
    json_decref(msg);
}

static void wait_until(mk_native_jobs *jobs, double when_ms)
{
    double wait = when_ms - mk_now_ms();
    if (wait > MK_NATIVE_WATCH_MAX_SLEEP_MS)
        wait = MK_NATIVE_WATCH_MAX_SLEEP_MS;
    if (wait < 1)
        wait = 1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = (long long)ts.tv_nsec + (long long)(wait * 1e6);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_cond_timedwait(&jobs->changed, &jobs->lock, &ts);
}

static void *watch_main(void *arg)
{
    mk_native_jobs *jobs = arg;
    pthread_mutex_lock(&jobs->lock);
    while (!jobs->closing) {
        double now = mk_now_ms(), next = now + MK_NATIVE_WATCH_MAX_SLEEP_MS;
        mk_job *late = NULL;
        for (mk_job *j = jobs->head; j; j = j->next) {
            if (j->state == MK_JOB_DONE)
                continue;
            if (j->deadline <= now) {
                late = j;
                break;
            }
            if (j->deadline < next)
                next = j->deadline;
        }
        if (late) {
            answer_late(jobs, late);   /* releases the lock */
            pthread_mutex_lock(&jobs->lock);
            continue;
        }
        wait_until(jobs, next);
    }
    pthread_mutex_unlock(&jobs->lock);
    return NULL;
}

/* ---- the job list ------------------------------------------------------------ */

mk_native_jobs *mk_native_jobs_new(mk_context *ctx, mk_native_out *out)
{
    mk_native_jobs *jobs = mk_xcalloc(1, sizeof *jobs);
    jobs->ctx = ctx;
    jobs->out = out;
    pthread_mutex_init(&jobs->lock, NULL);
    pthread_cond_init(&jobs->changed, NULL);
    if (pthread_create(&jobs->watch, NULL, watch_main, jobs) != 0) {
        fprintf(stderr, "mekiki: native: cannot start the deadline watch\n");
        abort();
    }
    return jobs;
}

static void job_free(mk_job *j)
{
    json_decref(j->id);
    json_decref(j->raw_b64);
    json_decref(j->offline_report);
    mk_trust_list_free(j->trust);
    free(j);
}

static bool start_thread(mk_job *j)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return false;
    pthread_attr_setstacksize(&attr, MK_NATIVE_JOB_STACK);
    bool ok = pthread_create(&j->thread, &attr, job_main, j) == 0;
    pthread_attr_destroy(&attr);
    return ok;
}

void mk_native_jobs_start(mk_native_jobs *jobs, const mk_native_job_spec *spec)
{
    pthread_mutex_lock(&jobs->lock);
    size_t n = jobs->in_flight, bytes = jobs->in_flight_bytes;
    bool busy = n >= MK_NATIVE_MAX_JOBS || (n > 0 && bytes + spec->message_bytes > MK_NATIVE_MAX_JOB_BYTES);
    pthread_mutex_unlock(&jobs->lock);
    if (busy) {
        json_decref(spec->raw_b64);
        mk_trust_list_free(spec->trust);
        mk_native_send_error(jobs->out, spec->id, "busy",
                             "%zu messages (%zu bytes) are being analysed; the host takes at most %d "
                             "(%u bytes) at once: ask again when one has been answered",
                             n, bytes, MK_NATIVE_MAX_JOBS, MK_NATIVE_MAX_JOB_BYTES);
        return;
    }
    mk_job *j = mk_xcalloc(1, sizeof *j);
    j->jobs = jobs;
    j->id = json_deep_copy(spec->id);
    j->raw_b64 = spec->raw_b64;
    j->trust = spec->trust;
    j->locale = spec->locale;
    j->online = spec->online;
    j->dns = spec->dns;
    j->registration = spec->registration;
    j->bytes = spec->message_bytes;
    atomic_init(&j->stop, false);
    j->deadline_ms = jobs->ctx->opt.deadline_ms > 0 ? jobs->ctx->opt.deadline_ms : MK_NATIVE_DEFAULT_DEADLINE_MS;
    if (spec->deadline_ms > 0 && spec->deadline_ms < j->deadline_ms)
        j->deadline_ms = (int)spec->deadline_ms;
    j->deadline = mk_now_ms() + j->deadline_ms;
    j->state = MK_JOB_RUNNING;

    pthread_mutex_lock(&jobs->lock);
    jobs->in_flight++;
    jobs->in_flight_bytes += j->bytes;
    j->next = jobs->head;
    jobs->head = j;
    bool started = start_thread(j);
    if (!started) {
        jobs->head = j->next;
        release_slot(jobs, j);
    }
    pthread_cond_broadcast(&jobs->changed);
    pthread_mutex_unlock(&jobs->lock);
    if (!started) {
        json_t *msg = error_message(j, "internal", "no thread could be started for the analysis");
        mk_native_send(jobs->out, msg);
        json_decref(msg);
        job_free(j);
    }
}

void mk_native_jobs_cancel(mk_native_jobs *jobs, const json_t *id)
{
    pthread_mutex_lock(&jobs->lock);
    for (mk_job *j = jobs->head; j; j = j->next) {
        if (!json_equal(j->id, (json_t *)id))
            continue;
        j->state = MK_JOB_DONE;
        atomic_store(&j->stop, true);
    }
    pthread_cond_broadcast(&jobs->changed);
    pthread_mutex_unlock(&jobs->lock);
}

/* Unlinks the jobs whose workers have ended; returns them as a list. */
bool mk_native_jobs_idle(mk_native_jobs *jobs)
{
    pthread_mutex_lock(&jobs->lock);
    bool idle = jobs->in_flight == 0;
    pthread_mutex_unlock(&jobs->lock);
    return idle;
}

static mk_job *take_ended(mk_native_jobs *jobs)
{
    mk_job *ended = NULL;
    for (mk_job **p = &jobs->head; *p;) {
        mk_job *j = *p;
        if (j->ended) {
            *p = j->next;
            j->next = ended;
            ended = j;
        } else {
            p = &j->next;
        }
    }
    return ended;
}

static void join_all(mk_job *list)
{
    while (list) {
        mk_job *next = list->next;
        pthread_join(list->thread, NULL);
        job_free(list);
        list = next;
    }
}

void mk_native_jobs_reap(mk_native_jobs *jobs)
{
    pthread_mutex_lock(&jobs->lock);
    mk_job *ended = take_ended(jobs);
    pthread_mutex_unlock(&jobs->lock);
    join_all(ended);
}

static bool all_ended(const mk_native_jobs *jobs)
{
    for (const mk_job *j = jobs->head; j; j = j->next)
        if (!j->ended)
            return false;
    return true;
}

void mk_native_jobs_free(mk_native_jobs *jobs, bool stop)
{
    if (!jobs)
        return;
    pthread_mutex_lock(&jobs->lock);
    if (stop)
        for (mk_job *j = jobs->head; j; j = j->next) {
            j->state = MK_JOB_DONE;
            atomic_store(&j->stop, true);
        }
    while (!all_ended(jobs))
        pthread_cond_wait(&jobs->changed, &jobs->lock);
    jobs->closing = true;
    pthread_cond_broadcast(&jobs->changed);
    mk_job *ended = take_ended(jobs);
    pthread_mutex_unlock(&jobs->lock);
    pthread_join(jobs->watch, NULL);
    join_all(ended);
    pthread_cond_destroy(&jobs->changed);
    pthread_mutex_destroy(&jobs->lock);
    free(jobs);
}
