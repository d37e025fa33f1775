/* whois.c - the port-43 protocol: send one line, read until the server hangs up.
 *
 * WHOIS has no structure, so both halves are defensive. The client keeps
 * every connection non-blocking and never reads more than
 * MK_WHOIS_MAX_ANSWER bytes; a server that keeps the socket open forever is
 * cut off by the engine's budget through mk_whois_cancel(). The parser looks
 * at each line as "key: value" or "[key] value" (JPRS, optionally with an
 * "a. " item prefix), matches keys by a few known spellings, and decides
 * "unregistered" from the phrases registries use for a miss ("No match!!",
 * "NOT FOUND", "No entries found", ...). Anything it cannot read stays absent
 * rather than guessed.
 */
#include "whois.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "rdap.h"
#include "util.h"

typedef struct whois_conn whois_conn;

struct whois_conn {
    whois_conn *next;
    mk_socket fd;
    char *request;     /* query + CRLF */
    size_t sent;
    mk_strbuf answer;
    mk_whois_cb cb;
    void *arg;
    double started;
};

struct mk_whois {
    whois_conn *head;
    size_t pending;
};

/* ---- connections --------------------------------------------------------- */

mk_whois *mk_whois_new(void)
{
    return mk_xcalloc(1, sizeof(mk_whois));
}

static void finish(mk_whois *w, whois_conn *c, const char *error)
{
    whois_conn **pp = &w->head;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp)
        *pp = c->next;
    if (c->fd != MK_SOCKET_BAD)
        mk_socket_close(c->fd);
    w->pending--;
    c->cb(c->arg, c->answer.data ? c->answer.data : "", c->answer.len, error, mk_now_ms() - c->started);
    mk_strbuf_free(&c->answer);
    free(c->request);
    free(c);
}

static mk_socket open_socket(const char *ip, int port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    mk_socklen len;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)port);
        len = sizeof *v6;
    } else {
        return MK_SOCKET_BAD;
    }
    return mk_socket_connect_start((struct sockaddr *)&ss, len);
}

void mk_whois_query(mk_whois *w, const char *ip, int port, const char *query, mk_whois_cb cb, void *arg)
{
    whois_conn *c = mk_xcalloc(1, sizeof *c);
    c->cb = cb;
    c->arg = arg;
    c->started = mk_now_ms();
    c->request = mk_xasprintf("%s\r\n", query);
    c->fd = (port > 0 && port < 65536) ? open_socket(ip, port) : MK_SOCKET_BAD;
    c->next = w->head;
    w->head = c;
    w->pending++;
    if (c->fd == MK_SOCKET_BAD)
        finish(w, c, "error");
}

size_t mk_whois_pending(const mk_whois *w)
{
    return w ? w->pending : 0;
}

size_t mk_whois_pollfds(mk_whois *w, struct pollfd *fds, size_t max)
{
    size_t n = 0;
    for (whois_conn *c = w->head; c && n < max; c = c->next) {
        fds[n].fd = c->fd;
        fds[n].events = c->sent < strlen(c->request) ? POLLOUT : POLLIN;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

static whois_conn *find_conn(mk_whois *w, mk_socket fd)
{
    for (whois_conn *c = w->head; c; c = c->next)
        if (c->fd == fd)
            return c;
    return NULL;
}

/* Returns an error word when the connection is over, else NULL. */
static const char *write_some(whois_conn *c)
{
    if (mk_socket_failed(c->fd))
        return "error";
    size_t total = strlen(c->request);
    long k = mk_socket_send(c->fd, c->request + c->sent, total - c->sent);
    if (k < 0)
        return k == MK_SOCKET_AGAIN ? NULL : "error";
    c->sent += (size_t)k;
    return NULL;
}

/* Returns "" when the server closed (done), an error word, or NULL to keep reading. */
static const char *read_some(whois_conn *c)
{
    char buf[4096];
    long k = mk_socket_recv(c->fd, buf, sizeof buf);
    if (k == 0)
        return "";
    if (k < 0)
        return k == MK_SOCKET_AGAIN ? NULL : "error";
    size_t room = MK_WHOIS_MAX_ANSWER - c->answer.len;
    mk_strbuf_append(&c->answer, buf, (size_t)k < room ? (size_t)k : room);
    return c->answer.len >= MK_WHOIS_MAX_ANSWER ? "" : NULL;
}

void mk_whois_process(mk_whois *w, const struct pollfd *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!fds[i].revents)
            continue;
        whois_conn *c = find_conn(w, fds[i].fd);
        if (!c)
            continue;
        const char *done = NULL;
        if (c->sent < strlen(c->request))
            done = write_some(c);
        else
            done = read_some(c);
        if (done)
            finish(w, c, done[0] ? done : NULL);
    }
}

void mk_whois_cancel(mk_whois *w)
{
    while (w && w->head)
        finish(w, w->head, "timeout");
}

void mk_whois_free(mk_whois *w)
{
    if (!w)
        return;
    mk_whois_cancel(w);
    free(w);
}

bool mk_whois_split_server(const char *spec, char **host, int *port)
{
    *host = NULL;
    *port = MK_WHOIS_PORT;
    if (!spec || !spec[0] || strlen(spec) > 255)
        return false;
    const char *colon = NULL;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end)
            return false;
        *host = mk_xstrndup(spec + 1, (size_t)(end - spec - 1));
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strchr(spec, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL;   /* a bare IPv6 address */
        *host = colon ? mk_xstrndup(spec, (size_t)(colon - spec)) : mk_xstrdup(spec);
    }
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (*end || p <= 0 || p > 65535) {
            free(*host);
            *host = NULL;
            return false;
        }
        *port = (int)p;
    }
    return (*host)[0] != '\0';
}

/* ---- the server table ---------------------------------------------------- */

json_t *mk_whois_servers_load(const char *dir, char **error)
{
    char *path = mk_xasprintf("%s/whois_servers.json", dir ? dir : ".");
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (error)
        *error = NULL;
    if (!json_is_object(doc) || !json_is_object(json_object_get(doc, "tlds"))) {
        if (error)
            *error = mk_xasprintf("%s: %s", path, doc ? "expected {\"tlds\": {...}}" : je.text);
        json_decref(doc);
        doc = NULL;
    }
    free(path);
    return doc;
}

const char *mk_whois_server_for(const json_t *servers, const char *tld, const char **suffix)
{
    *suffix = "";
    json_t *e = json_object_get(json_object_get(servers, "tlds"), tld ? tld : "");
    const char *server = json_string_value(json_object_get(e, "server"));
    const char *s = json_string_value(json_object_get(e, "query_suffix"));
    if (server && s)
        *suffix = s;
    return server;
}

/* ---- parsing answers ----------------------------------------------------- */
/* The parser reads the formats of the registries phishing uses most; a recorded answer
 * of each is in tests/online/fixtures/whois/ and test_online.c reads them all. */

/* Key spellings per registry family: gTLD/Verisign and registrars ("Creation Date"),
 * JPRS in English and Japanese ("[Created on]", "[登録年月日]"), CNNIC ("Registration
 * Time"), Nominet ("Registered on"), registro.br ("created", "owner"), TCI .ru
 * ("created", "person", "org", "state"), auDA ("Registrar Name", "Registrant"). */
static const char *const KEYS_CREATED[] = {"creation date", "created", "created on", "registered date",
                                           "registered on", "registration time", "registered",
                                           "domain registration date", "record created", "登録年月日", NULL};
static const char *const KEYS_REGISTRAR[] = {"registrar", "sponsoring registrar", "registrar name", NULL};
static const char *const KEYS_ORG[] = {"registrant organization", "registrant organisation",
                                       "organization", "registrant org", "org", "owner", "組織名", NULL};
static const char *const KEYS_NAME[] = {"registrant name", "registrant", "registrant contact name", "person",
                                        "登録者名", NULL};
static const char *const KEYS_COUNTRY[] = {"registrant country", "registrant country code", NULL};
static const char *const KEYS_STATUS[] = {"status", "domain status", "state", "registration status", "状態", NULL};
static const char *const KEYS_REFER[] = {"refer", "whois", "registrar whois server", NULL};

static const char *const MISS_PHRASES[] = {"no match", "not found", "no entries found", "no data found",
                                           "domain not found", "status: free", "status: available",
                                           "is available for registration", "no object found",
                                           "no matching record", "has not been registered", NULL};

/* Registry status words that say the name is free, whatever the key is called. */
static const char *const FREE_STATUSES[] = {"free", "available", "not registered", NULL};

static bool key_in(const char *key, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++)
        if (mk_ascii_ieq(key, keys[i]))
            return true;
    return false;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static size_t indent_of(const char *line)
{
    size_t n = 0;
    while (line[n] == ' ' || line[n] == '\t')
        n++;
    return n;
}

/* Splits one line into key and value in place; false when the line has neither form. */
static bool split_line(char *line, char **key, char **value)
{
    char *s = trim(line);
    if (isalpha((unsigned char)s[0]) && s[1] == '.' && s[2] == ' ')
        s = trim(s + 3);   /* JPRS item letters: "a. [Domain Name]" */
    if (s[0] == '[') {
        char *end = strchr(s, ']');
        if (!end)
            return false;
        *end = '\0';
        *key = trim(s + 1);
        *value = trim(end + 1);
        return true;
    }
    char *colon = strchr(s, ':');
    if (!colon || colon == s || colon - s > 48)
        return false;
    *colon = '\0';
    *key = trim(s);
    *value = trim(colon + 1);
    return true;
}

static void set_first(json_t *out, const char *field, const char *value)
{
    if (!value[0] || json_object_get(out, field))
        return;
    json_t *v = json_string(value);
    if (v)
        json_object_set_new(out, field, v);
}

/* "01-Apr-2024" (Nominet) to "2024-04-01"; false when value is not in that form. */
static bool day_month_year(const char *value, char *buf, size_t size)
{
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    int d, y;
    char mon[4];
    if (sscanf(value, "%2d-%3[A-Za-z]-%4d", &d, mon, &y) != 3)
        return false;
    for (int m = 0; m < 12; m++)
        if (tolower((unsigned char)mon[0]) == months[3 * m] && tolower((unsigned char)mon[1]) == months[3 * m + 1] &&
            tolower((unsigned char)mon[2]) == months[3 * m + 2]) {
            snprintf(buf, size, "%04d-%02d-%02d", y, m + 1, d);
            return true;
        }
    return false;
}

/* WHOIS dates: "2019/04/01", "2019-04-01T00:00:00Z", "2019.04.01 ...", "2024-03-01 09:12:45",
 * "01-Apr-2024", "20240322 #123"; RDAP's parser after normalising. */
static void set_created(json_t *out, const char *value)
{
    if (json_object_get(out, "created_epoch"))
        return;
    char buf[64];
    if (!day_month_year(value, buf, sizeof buf)) {
        size_t digits = strspn(value, "0123456789");
        if (digits == 8)   /* registro.br: YYYYMMDD */
            snprintf(buf, sizeof buf, "%.4s-%.2s-%.2s", value, value + 4, value + 6);
        else
            snprintf(buf, sizeof buf, "%s", value);
    }
    for (size_t i = 0; i < 10 && buf[i]; i++)
        if (buf[i] == '/' || buf[i] == '.')
            buf[i] = '-';
    if (strlen(buf) > 10 && buf[10] == ' ' && !isdigit((unsigned char)buf[11]))
        buf[10] = '\0';   /* "2019-04-01 (JST)" */
    time_t t = mk_rdap_parse_time(buf);
    if (t <= 0)
        return;
    set_first(out, "created", value);
    json_object_set_new(out, "created_epoch", json_integer((json_int_t)t));
}

/* The registry's own status ("connect", "Active", "ok", "REGISTERED, DELEGATED"), and
 * whether it says the name is free. */
static void set_status(json_t *out, const char *value)
{
    for (size_t i = 0; FREE_STATUSES[i]; i++) {
        size_t n = strlen(FREE_STATUSES[i]), k = 0;
        while (k < n && value[k] && tolower((unsigned char)value[k]) == FREE_STATUSES[i][k])
            k++;
        if (k == n)
            json_object_set_new(out, "free", json_true());
    }
    char word[80];
    snprintf(word, sizeof word, "%.*s", (int)strcspn(value, " \t(,"), value);   /* drop EPP URLs, dates, other words */
    set_first(out, "registry_status", word);
}

static bool known_key(const char *key)
{
    const char *const *lists[] = {KEYS_CREATED, KEYS_REGISTRAR, KEYS_ORG, KEYS_NAME, KEYS_COUNTRY, KEYS_STATUS, KEYS_REFER};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
        if (key_in(key, lists[i]))
            return true;
    return false;
}

static void read_field(json_t *out, const char *key, const char *value)
{
    if (key_in(key, KEYS_CREATED))
        set_created(out, value);
    else if (key_in(key, KEYS_REGISTRAR))
        set_first(out, "registrar", value);
    else if (key_in(key, KEYS_ORG))
        set_first(out, "registrant_org", value);
    else if (key_in(key, KEYS_NAME))
        set_first(out, "registrant_name", value);
    else if (key_in(key, KEYS_COUNTRY))
        set_first(out, "registrant_country", value);
    else if (key_in(key, KEYS_STATUS))
        set_status(out, value);
    else if (key_in(key, KEYS_REFER) && strchr(value, '.') && !strchr(value, ' '))
        set_first(out, "refer", value);
}

/* The phrases are lower-case: the head is folded once and searched with strstr, not
 * compared case-blind at every position for every phrase. */
static bool says_no_match(const char *text, size_t len)
{
    char head[2048];
    size_t n = len < sizeof head - 1 ? len : sizeof head - 1;
    for (size_t i = 0; i < n; i++)
        head[i] = (char)tolower((unsigned char)(text[i] ? text[i] : ' '));
    head[n] = '\0';
    for (size_t i = 0; MISS_PHRASES[i]; i++)
        if (strstr(head, MISS_PHRASES[i]))
            return true;
    return false;
}

/* JPRS answers in Japanese come in ISO-2022-JP; everything else is read as it is. */
static char *to_text(const char *raw, size_t len)
{
    if (mk_memmem(raw, len, "\x1b$B", 3) || mk_memmem(raw, len, "\x1b$@", 3)) {
        char *u = mk_charset_to_utf8(raw, len, "ISO-2022-JP");
        if (u)
            return u;
    }
    return mk_xstrndup(raw, len);
}

/* Reads every line; a key with no value takes the next, deeper-indented line (Nominet:
 * "Registrar:" and the registrar's name on the line below). */
static void read_lines(json_t *out, char *text)
{
    size_t lines = 0;
    char pending[64] = "";
    size_t pending_indent = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && lines < 4000;
         line = strtok_r(NULL, "\n", &save), lines++) {
        if (line[0] == '%' || line[0] == '#')
            continue;
        size_t indent = indent_of(line);
        char whole[512];
        snprintf(whole, sizeof whole, "%s", line);
        char *key, *value;
        bool pair = split_line(line, &key, &value);
        if (pending[0] && indent > pending_indent && trim(whole)[0] && !(pair && value[0] && known_key(key))) {
            read_field(out, pending, trim(whole));
            pending[0] = '\0';
            continue;
        }
        pending[0] = '\0';
        if (!pair)
            continue;
        if (value[0])
            read_field(out, key, value);
        else if (strlen(key) < sizeof pending) {
            snprintf(pending, sizeof pending, "%s", key);
            pending_indent = indent;
        }
    }
}

json_t *mk_whois_parse(const char *raw, size_t len)
{
    json_t *out = json_object();
    if (!raw || len == 0) {
        json_object_set_new(out, "status", json_string("error"));
        return out;
    }
    if (len > MK_WHOIS_MAX_ANSWER)
        len = MK_WHOIS_MAX_ANSWER;
    char *text = to_text(raw, len);
    bool no_match = says_no_match(text, strlen(text));
    read_lines(out, text);   /* cuts text into lines */
    bool free_status = json_is_true(json_object_get(out, "free"));
    json_object_del(out, "free");
    bool miss = !json_object_get(out, "created_epoch") && (free_status || no_match);
    bool found = json_object_get(out, "created_epoch") || json_object_get(out, "registrar") ||
                 json_object_get(out, "registrant_org") || json_object_get(out, "registrant_name") ||
                 json_object_get(out, "registry_status");
    free(text);
    const char *status = miss ? "unregistered" : found ? "registered" : "error";
    json_object_set_new(out, "status", json_string(status));
    return out;
}
