/* platform_posix.c - platform.h for Linux and macOS.
 *
 * Folders follow each system's convention: the XDG base directories on
 * Linux, ~/Library/Caches and ~/Library/Application Support on macOS. Scan
 * workers are fork()ed children writing into a pipe. Sockets are ordinary
 * descriptors made non-blocking with fcntl() (SOCK_NONBLOCK is Linux-only)
 * and written with MSG_NOSIGNAL where it exists, SO_NOSIGPIPE on macOS.
 */
#ifndef _WIN32
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

#include "util.h"

void mk_platform_init(void)
{
    signal(SIGPIPE, SIG_IGN);
}

char *mk_platform_exe_path(void)
{
    char path[PATH_MAX];
#ifdef __APPLE__
    uint32_t size = sizeof path;
    if (_NSGetExecutablePath(path, &size) != 0)
        return NULL;
    char resolved[PATH_MAX];
    return realpath(path, resolved) ? mk_xstrdup(resolved) : mk_xstrdup(path);
#else
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return NULL;
    path[n] = '\0';
    return mk_xstrdup(path);
#endif
}

char *mk_platform_install_dir(void)
{
    char *exe = mk_platform_exe_path();
    char *slash = exe ? strrchr(exe, '/') : NULL;
    char *dir = NULL;
    if (slash) {
        *slash = '\0';
        dir = mk_xasprintf("%s/../share/mekiki", exe);
    }
    free(exe);
    return dir;
}

char *mk_platform_system_dir(void)
{
    return mk_xstrdup("/usr/local/share/mekiki");
}

char *mk_platform_user_dir(mk_user_dir kind)
{
    const char *home = getenv("HOME");
#ifdef __APPLE__
    if (!home || !home[0])
        return NULL;
    return mk_xasprintf("%s/Library/%s/Mekiki", home, kind == MK_USER_CACHE ? "Caches" : "Application Support");
#else
    const char *xdg = getenv(kind == MK_USER_CACHE ? "XDG_CACHE_HOME" : "XDG_DATA_HOME");
    if (xdg && xdg[0] == '/')
        return mk_xasprintf("%s/mekiki", xdg);
    if (!home || !home[0])
        return NULL;
    return mk_xasprintf("%s/%s/mekiki", home, kind == MK_USER_CACHE ? ".cache" : ".local/share");
#endif
}

char *mk_platform_manifest_dir(bool system)
{
#ifdef __APPLE__
    const char *tail = "Library/Application Support/Mozilla/NativeMessagingHosts";
    if (system)
        return mk_xasprintf("/%s", tail);
#else
    const char *tail = ".mozilla/native-messaging-hosts";
    if (system)
        return mk_xstrdup("/usr/lib/mozilla/native-messaging-hosts");
#endif
    const char *home = getenv("HOME");
    return home && home[0] ? mk_xasprintf("%s/%s", home, tail) : NULL;
}

char *mk_platform_register_manifest(const char *name, const char *manifest_path, bool system)
{
    (void)name;
    (void)manifest_path;
    (void)system;
    return NULL;   /* the file in the manifest folder is all Thunderbird needs */
}

char *mk_platform_unregister_manifest(const char *name, bool system)
{
    (void)name;
    (void)system;
    return NULL;
}

static char *wrapper_path(bool system)
{
    if (system)
        return mk_xstrdup("/usr/local/lib/mekiki/mekiki-native");
    char *dir = mk_platform_user_dir(MK_USER_DATA);
    char *path = dir ? mk_xasprintf("%s/mekiki-native", dir) : NULL;
    free(dir);
    return path;
}

/* s in single quotes for /bin/sh: ' becomes '\'' */
static void put_sh_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

char *mk_platform_write_env_wrapper(const char *host, char *const *env, size_t n, bool system, char **wrapper)
{
    *wrapper = wrapper_path(system);
    if (!*wrapper)
        return mk_xstrdup("no HOME to keep the wrapper in");
    char *dir = mk_xstrdup(*wrapper);
    *strrchr(dir, '/') = '\0';
    int made = mk_platform_make_dirs(dir);
    free(dir);
    char *tmp = mk_xasprintf("%s.tmp", *wrapper);
    FILE *f = made == 0 ? fopen(tmp, "w") : NULL;
    if (!f) {
        char *err = mk_xasprintf("cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return err;
    }
    fputs("#!/bin/sh\n# Written by mekiki install: the environment of the Mekiki host.\n", f);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(env[i], '=');
        fprintf(f, "export %.*s=", (int)(eq - env[i]), env[i]);
        put_sh_quoted(f, eq + 1);
        fputc('\n', f);
    }
    fputs("exec ", f);
    put_sh_quoted(f, host);
    fputs(" \"$@\"\n", f);
    bool ok = fclose(f) == 0 && chmod(tmp, 0755) == 0 && rename(tmp, *wrapper) == 0;
    char *err = ok ? NULL : mk_xasprintf("cannot write %s: %s", *wrapper, strerror(errno));
    free(tmp);
    return err;
}

void mk_platform_remove_env_wrapper(bool system)
{
    char *path = wrapper_path(system);
    if (path)
        unlink(path);
    free(path);
}

bool mk_platform_is_separator(char c)
{
    return c == '/';
}

char *mk_platform_path_join(const char *dir, const char *name)
{
    return mk_xasprintf("%s/%s", dir, name);
}

bool mk_platform_is_absolute(const char *path)
{
    return path && path[0] == '/';
}

/* mkdir -p with MODE for every folder it creates; errno survives the free. */
static int make_dirs_with_mode(const char *dir, mode_t mode)
{
    char *p = mk_xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1; *s && rc == 0; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
    }
    if (rc == 0 && p[0] && mkdir(p, mode) != 0 && errno != EEXIST)
        rc = -1;
    int saved = errno;
    free(p);
    errno = saved;
    return rc;
}

int mk_platform_make_dirs(const char *dir)
{
    return make_dirs_with_mode(dir, 0700);
}

int mk_platform_make_public_dirs(const char *dir)
{
    return make_dirs_with_mode(dir, 0755);
}

int mk_platform_create_temp(char *template_path)
{
    int fd = mkstemp(template_path);
    if (fd >= 0)
        fchmod(fd, 0644);   /* mkstemp makes 0600; the files replaced are shared data */
    return fd;
}

int mk_platform_sync_file(int fd)
{
    return fsync(fd);
}

int mk_platform_replace_file(const char *temp, const char *target)
{
    if (rename(temp, target) != 0)
        return -1;
    /* The rename is durable once the folder holding it is flushed. */
    const char *slash = strrchr(target, '/');
    char *dir = slash ? mk_xstrndup(target, (size_t)(slash - target)) : mk_xstrdup(".");
    int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    return 0;
}

void mk_platform_release_pages(const void *start, size_t len)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t aligned = (uintptr_t)start & ~(page - 1);
    madvise((void *)aligned, len + ((uintptr_t)start - aligned), MADV_DONTNEED);
}

mk_entry_kind mk_platform_entry_kind(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return MK_ENTRY_NONE;
    if (S_ISDIR(sb.st_mode))
        return MK_ENTRY_DIR;
    if (S_ISLNK(sb.st_mode) && (stat(path, &sb) != 0 || S_ISDIR(sb.st_mode)))
        return MK_ENTRY_NONE;
    return S_ISREG(sb.st_mode) ? MK_ENTRY_FILE : MK_ENTRY_OTHER;
}

time_t mk_platform_timegm(struct tm *tm)
{
    return timegm(tm);
}

/* ---- sockets ---------------------------------------------------------------- */

mk_socket mk_socket_connect_start(const struct sockaddr *addr, mk_socklen len)
{
    int fd = socket(addr->sa_family, SOCK_STREAM, 0);
    if (fd < 0)
        return MK_SOCKET_BAD;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        close(fd);
        return MK_SOCKET_BAD;
    }
#ifdef SO_NOSIGPIPE
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    if (connect(fd, addr, len) != 0 && errno != EINPROGRESS) {
        close(fd);
        return MK_SOCKET_BAD;
    }
    return fd;
}

bool mk_socket_failed(mk_socket s)
{
    int err = 0;
    socklen_t el = sizeof err;
    return getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0;
}

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0   /* macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

static long socket_result(ssize_t k)
{
    if (k >= 0)
        return (long)k;
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? MK_SOCKET_AGAIN : MK_SOCKET_ERROR;
}

long mk_socket_send(mk_socket s, const char *buf, size_t len)
{
    return socket_result(send(s, buf, len, MSG_NOSIGNAL));
}

long mk_socket_recv(mk_socket s, char *buf, size_t len)
{
    return socket_result(recv(s, buf, len, 0));
}

void mk_socket_close(mk_socket s)
{
    if (s >= 0)
        close(s);
}

/* ---- workers ---------------------------------------------------------------- */

bool mk_worker_start(mk_worker *w, int slot, int jobs, mk_worker_main run, void *arg)
{
    int p[2];
    *w = (mk_worker){.handle = -1, .fd = -1};
    if (pipe(p) != 0) {
        fprintf(stderr, "mekiki: pipe: %s\n", strerror(errno));
        return false;
    }
    fcntl(p[0], F_SETFD, FD_CLOEXEC);   /* later workers do not hold this one's pipe open */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        _exit(run(slot, jobs, p[1], arg));
    }
    close(p[1]);
    if (pid < 0) {
        fprintf(stderr, "mekiki: fork: %s\n", strerror(errno));
        close(p[0]);
        return false;
    }
    *w = (mk_worker){.handle = pid, .fd = p[0]};
    return true;
}

int mk_worker_wait(mk_worker *w)
{
    int status = 0;
    if (w->handle <= 0)
        return 0;
    pid_t pid = (pid_t)w->handle;
    w->handle = -1;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

bool mk_worker_role(int *slot, int *jobs)
{
    (void)slot;
    (void)jobs;
    return false;
}
#endif
