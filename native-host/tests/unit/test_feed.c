/* test_feed.c - importing phishing-URL lists and matching links against them.
 *
 * Every test writes its own input files into a fresh temporary directory: a
 * small JPCERT-style CSV (header, quoted fields, a description with commas, a
 * quoted field spanning lines, CRLF, byte order mark), a plain list with
 * comments, and hostile inputs (one huge line, an unterminated quote, binary
 * junk). Matching goes through mk_url_parse(), so these tests also pin down
 * which spellings of a URL count as the same entry.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"
#include "url.h"
#include "util.h"

static char work_dir[PATH_MAX - 64];

static int make_work_dir(void **state)
{
    snprintf(work_dir, sizeof work_dir, "%s/mekiki-feed-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(work_dir) ? 0 : -1;
}

static int remove_work_dir(void **state)
{
    char *cmd = mk_xasprintf("rm -rf '%s'", work_dir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

/* Writes text to a new file in the work dir; returns its allocated path. */
static char *write_file(const char *name, const char *text, size_t len)
{
    char *path = mk_xasprintf("%s/%s", work_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

static char *db_path(const char *name)
{
    return mk_xasprintf("%s/%s", work_dir, name);
}

static long import_ok(const char *db, const char *file)
{
    long n = -1;
    char *error = NULL;
    assert_int_equal(mk_feed_import(db, file, &n, &error), 0);
    assert_null(error);
    return n;
}

static long count_rows(const char *db)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM urls", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

/* Matches href (parsed here, as the analyser does) and returns the hit. */
static char *match(mk_feed *feed, const char *href)
{
    mk_url u;
    mk_url_parse(href, &u);
    char *hit = mk_feed_match(feed, &u, href);
    mk_url_free(&u);
    return hit;
}

static void expect_match(mk_feed *feed, const char *href, const char *want)
{
    char *hit = match(feed, href);
    if (!hit)
        fail_msg("%s: no match, wanted \"%s\"", href, want);
    assert_string_equal(hit, want);
    free(hit);
}

static void expect_no_match(mk_feed *feed, const char *href)
{
    char *hit = match(feed, href);
    if (hit)
        fail_msg("%s: unexpected match \"%s\"", href, hit);
}

static const char JPCERT_CSV[] =
    "\xEF\xBB\xBF"
    "date,URL,description\r\n"
    "2024/01/04 10:02:00,https://dyxdjxx.com/,国税庁\r\n"
    "2024/01/04 11:05:00,https://WWW.Eki-Net-Memoryless.top/login/index.php?id=1,えきねっと\r\n"
    "2024/01/05 09:00:00,\"http://agri.example.com.br/pages/SISRGP.html\","
    "\"Brazil Ministry of Agriculture, Livestock, and Food Supply\"\r\n"
    "2024/01/05 09:30:00,\"https://odd.example.net/a,b\",\"say \"\"hi\"\"\nthere\"\r\n"
    "2024/01/06 12:00:00,http://unquoted.example.org/x/,Brand, with comma\n"
    "\n"
    "2024/01/06 12:00:00,,empty url\n"
    "2024/01/06 12:00:00,not a url at all,junk\n";

/* ---- CSV ---- */

static void test_import_jpcert_csv(void **state)
{
    char *csv = write_file("202401.csv", JPCERT_CSV, sizeof JPCERT_CSV - 1);
    char *db = db_path("sub/dir/feeds.sqlite");   /* parent folders are created */
    assert_int_equal(import_ok(db, csv), 5);
    assert_int_equal(count_rows(db), 5);

    char *error = NULL;
    mk_feed *feed = mk_feed_open(db, &error);
    assert_non_null(feed);
    assert_null(error);
    /* Whole-host entries match every page of the host. */
    expect_match(feed, "https://dyxdjxx.com/", "dyxdjxx.com/ (国税庁)");
    expect_match(feed, "http://DYXDJXX.com/mypage/login?x=1", "dyxdjxx.com/ (国税庁)");
    expect_match(feed, "https://dyxdjxx.com", "dyxdjxx.com/ (国税庁)");
    expect_no_match(feed, "https://sub.dyxdjxx.com/");
    expect_no_match(feed, "https://dyxdjxx.com.evil.example/");
    /* Path entries match that page only, whatever the scheme, case of the
     * host, trailing slash or query. */
    expect_match(feed, "http://www.eki-net-memoryless.top/login/index.php",
                 "www.eki-net-memoryless.top/login/index.php (えきねっと)");
    expect_match(feed, "https://www.eki-net-memoryless.top/login/index.php/?session=9",
                 "www.eki-net-memoryless.top/login/index.php (えきねっと)");
    expect_no_match(feed, "https://www.eki-net-memoryless.top/");
    expect_no_match(feed, "https://www.eki-net-memoryless.top/login/other.php");
    expect_match(feed, "https://agri.example.com.br/pages/SISRGP.html",
                 "agri.example.com.br/pages/SISRGP.html "
                 "(Brazil Ministry of Agriculture, Livestock, and Food Supply)");
    expect_no_match(feed, "https://agri.example.com.br/pages/sisrgp.html");
    expect_match(feed, "https://odd.example.net/a,b", "odd.example.net/a,b (say \"hi\"\nthere)");
    expect_match(feed, "http://unquoted.example.org/x", "unquoted.example.org/x (Brand, with comma)");
    expect_no_match(feed, "https://example.com/");
    mk_feed_close(feed);
    free(db);
    free(csv);
}

static void test_reimport_replaces(void **state)
{
    char *db = db_path("replace.sqlite");
    char *a = write_file("a.csv", "date,URL,description\n2024/01/01 00:00:00,https://x.example/,Old\n",
                         strlen("date,URL,description\n2024/01/01 00:00:00,https://x.example/,Old\n"));
    static const char newer[] = "date,URL,description\n"
                                "2024/02/01 00:00:00,http://X.EXAMPLE,New\n"
                                "2024/02/01 00:00:00,https://y.example/p,Other\n";
    char *b = write_file("b.csv", newer, sizeof newer - 1);
    assert_int_equal(import_ok(db, a), 1);
    assert_int_equal(import_ok(db, a), 1);
    assert_int_equal(count_rows(db), 1);
    assert_int_equal(import_ok(db, b), 2);
    assert_int_equal(count_rows(db), 2);
    mk_feed *feed = mk_feed_open(db, NULL);
    assert_non_null(feed);
    expect_match(feed, "https://x.example/anything", "x.example/ (New)");
    expect_match(feed, "https://y.example/p", "y.example/p (Other)");
    mk_feed_close(feed);
    free(a);
    free(b);
    free(db);
}

/* ---- plain lists ---- */

static void test_import_plain_list(void **state)
{
    static const char list[] = "# my own blocklist\n"
                               "\n"
                               "https://phish.example/login   # seen 2024-03-01\n"
                               "   hxxps://defanged.example/   \r\n"
                               "www.bare-host.com\n"
                               "#https://commented.example/\n"
                               "\t\n";
    char *file = write_file("mylist.txt", list, sizeof list - 1);
    char *db = db_path("plain.sqlite");
    assert_int_equal(import_ok(db, file), 3);
    mk_feed *feed = mk_feed_open(db, NULL);
    assert_non_null(feed);
    expect_match(feed, "https://phish.example/login", "phish.example/login (mylist.txt)");
    expect_match(feed, "https://defanged.example/verify", "defanged.example/ (mylist.txt)");
    expect_match(feed, "http://www.bare-host.com/a/b", "www.bare-host.com/ (mylist.txt)");
    expect_no_match(feed, "https://commented.example/");
    expect_no_match(feed, "https://phish.example/");
    /* Without a parsed URL, the href alone is enough. */
    char *hit = mk_feed_match(feed, NULL, "https://phish.example/login");
    assert_non_null(hit);
    free(hit);
    assert_null(mk_feed_match(feed, NULL, NULL));
    assert_null(mk_feed_match(NULL, NULL, "https://phish.example/login"));
    mk_feed_close(feed);
    free(file);

    /* A byte order mark before the first URL is not part of it. */
    file = write_file("bom.txt", "\xEF\xBB\xBFhttps://bom.example/x\n", 25);
    assert_int_equal(import_ok(db, file), 1);
    feed = mk_feed_open(db, NULL);
    expect_match(feed, "https://bom.example/x", "bom.example/x (bom.txt)");
    mk_feed_close(feed);
    free(file);
    free(db);
}

/* ---- errors and hostile input ---- */

static void test_open_errors(void **state)
{
    char *missing = db_path("does-not-exist.sqlite");
    char *error = (char *)"untouched";
    assert_null(mk_feed_open(missing, &error));
    assert_null(error);
    assert_null(mk_feed_open(NULL, NULL));

    char *junk = write_file("junk.sqlite", "this is not a database, not at all....", 39);
    assert_null(mk_feed_open(junk, &error));
    assert_non_null(error);
    free(error);

    long n = 99;
    char *fresh = db_path("x.sqlite");
    assert_int_not_equal(mk_feed_import(fresh, missing, &n, &error), 0);
    assert_int_equal(access(fresh, F_OK), -1);   /* nothing created for a missing input */
    free(fresh);
    assert_int_equal(n, 0);
    assert_non_null(error);
    assert_non_null(strstr(error, "does-not-exist"));
    free(error);

    char *list = write_file("one.txt", "https://a.example/\n", 19);
    assert_int_not_equal(mk_feed_import(junk, list, &n, &error), 0);
    assert_non_null(error);
    free(error);
    assert_int_not_equal(mk_feed_import(junk, list, NULL, NULL), 0);
    free(list);
    free(junk);
    free(missing);
}

static void test_hostile_input(void **state)
{
    char *db = db_path("hostile.sqlite");
    /* One 2 MB line without a newline, then a good one. */
    size_t big = 2 * 1024 * 1024;
    char *text = mk_xmalloc(big + 64);
    memcpy(text, "https://", 8);
    memset(text + 8, 'a', big - 8);
    strcpy(text + big, "\nhttps://after-huge.example/\n");
    char *file = write_file("huge.txt", text, strlen(text));
    assert_int_equal(import_ok(db, file), 1);
    free(file);

    /* An unterminated quote swallows the rest of the file, which is dropped. */
    static const char open_quote[] = "date,URL,description\n"
                                     "2024/01/01 00:00:00,https://before.example/,ok\n"
                                     "2024/01/01 00:00:00,\"https://never-closed.example/,x\n"
                                     "2024/01/01 00:00:00,https://swallowed.example/,x\n";
    file = write_file("quote.csv", open_quote, sizeof open_quote - 1);
    assert_int_equal(import_ok(db, file), 1);
    free(file);

    for (size_t i = 0; i < big; i++)
        text[i] = (char)((i * 2654435761u) >> 13);
    file = write_file("binary.bin", text, big);
    long n = -1;
    char *error = NULL;
    assert_int_equal(mk_feed_import(db, file, &n, &error), 0);
    assert_null(error);
    free(file);
    free(text);

    mk_feed *feed = mk_feed_open(db, NULL);
    assert_non_null(feed);
    expect_match(feed, "https://after-huge.example/", "after-huge.example/ (huge.txt)");
    expect_match(feed, "https://before.example/", "before.example/ (ok)");
    expect_no_match(feed, "https://swallowed.example/");
    mk_feed_close(feed);
    free(db);
}

/* ---- volume ---- */

static void test_many_rows(void **state)
{
    enum { ROWS = 20000 };
    mk_strbuf b = {0};
    mk_strbuf_puts(&b, "date,URL,description\n");
    for (int i = 0; i < ROWS; i++)
        mk_strbuf_printf(&b, "2024/01/01 00:00:00,https://host%d.example/p/%d,Brand %d\n", i, i, i % 7);
    char *file = write_file("many.csv", b.data, b.len);
    mk_strbuf_free(&b);
    char *db = db_path("many.sqlite");
    assert_int_equal(import_ok(db, file), ROWS);
    mk_feed *feed = mk_feed_open(db, NULL);
    expect_match(feed, "https://host19999.example/p/19999", "host19999.example/p/19999 (Brand 0)");
    expect_no_match(feed, "https://host19999.example/p/1");
    mk_feed_close(feed);
    free(file);
    free(db);
}

static void test_default_path(void **state)
{
    setenv("MEKIKI_FEED_DB", "/somewhere/feeds.sqlite", 1);
    assert_string_equal(mk_feed_default_path(), "/somewhere/feeds.sqlite");
    unsetenv("MEKIKI_FEED_DB");
    setenv("XDG_DATA_HOME", "/xdg", 1);
    assert_string_equal(mk_feed_default_path(), "/xdg/mekiki/feeds.sqlite");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/someone", 1);
    assert_string_equal(mk_feed_default_path(), "/home/someone/.local/share/mekiki/feeds.sqlite");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_jpcert_csv),
        cmocka_unit_test(test_reimport_replaces),
        cmocka_unit_test(test_import_plain_list),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_many_rows),
        cmocka_unit_test(test_default_path),
    };
    return cmocka_run_group_tests(tests, make_work_dir, remove_work_dir);
}
