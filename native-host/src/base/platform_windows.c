/* platform_windows.c - platform.h for Windows (built with mingw-w64).
 *
 * Paths are UTF-8 inside Mekiki and converted to UTF-16 at the Windows API.
 * Per-user files live under %LOCALAPPDATA%\Mekiki; an unpacked zip keeps its
 * data beside mekiki.exe. Windows has no fork(), so a scan worker is the same
 * executable started again with the same command line, told its slot by the
 * MEKIKI_WORKER variable, its standard output a pipe the parent reads.
 * Sockets are winsock sockets: WSAStartup at start-up, ioctlsocket for
 * non-blocking mode, WSAGetLastError for "would block". ICU's data file is
 * found beside the executable too (set at start-up).
 */
#ifdef _WIN32
#include "platform.h"

#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unicode/putil.h>
#include <windows.h>

#include "util.h"

#define MK_WORKER_ENV "MEKIKI_WORKER"

/* ICU's data (normalisation, confusables) ships as data\icu\icudt72l.dat
 * beside mekiki.exe; ICU_DATA, when set, still wins. */
static void set_icu_data_dir(void)
{
    static bool done;
    if (done || getenv("ICU_DATA"))
        return;
    done = true;
    char *dir = mk_platform_install_dir();
    if (!dir)
        return;
    char *icu = mk_xasprintf("%s\\data\\icu", dir);
    u_setDataDirectory(icu);   /* copies the string */
    free(icu);
    free(dir);
}

void mk_platform_init(void)
{
    WSADATA wsa;
    WSAStartup(MAKEWORD(2, 2), &wsa);
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    set_icu_data_dir();
}

static char *utf8_from_wide(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    char *s = mk_xmalloc((size_t)n);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

static wchar_t *wide_from_utf8(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = mk_xmalloc((size_t)n * sizeof *w);
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

char *mk_platform_exe_path(void)
{
    wchar_t path[32768];
    DWORD n = GetModuleFileNameW(NULL, path, sizeof path / sizeof path[0]);
    if (n == 0 || n >= sizeof path / sizeof path[0])
        return NULL;
    return utf8_from_wide(path);
}

char *mk_platform_install_dir(void)
{
    char *exe = mk_platform_exe_path();
    char *slash = exe ? strrchr(exe, '\\') : NULL;
    if (!slash) {
        free(exe);
        return NULL;
    }
    *slash = '\0';
    return exe;
}

char *mk_platform_system_dir(void)
{
    return mk_platform_install_dir();
}

char *mk_platform_user_dir(mk_user_dir kind)
{
    /* XDG_DATA_HOME / XDG_CACHE_HOME, when set (a portable set-up, a test
     * run), are honoured as on Linux; otherwise %LOCALAPPDATA%\Mekiki. */
    const wchar_t *xdg = _wgetenv(kind == MK_USER_CACHE ? L"XDG_CACHE_HOME" : L"XDG_DATA_HOME");
    if (xdg && xdg[0]) {
        char *base = utf8_from_wide(xdg);
        char *dir = base ? mk_xasprintf("%s\\mekiki", base) : NULL;
        free(base);
        return dir;
    }
    const wchar_t *local = _wgetenv(L"LOCALAPPDATA");
    char *base = local && local[0] ? utf8_from_wide(local) : NULL;
    if (!base)
        return NULL;
    char *dir = mk_xasprintf("%s\\Mekiki%s", base, kind == MK_USER_CACHE ? "\\cache" : "");
    free(base);
    return dir;
}

char *mk_platform_manifest_dir(bool system)
{
    (void)system;
    return mk_platform_install_dir();
}

static wchar_t *registry_key(const char *name)
{
    char *key = mk_xasprintf("Software\\Mozilla\\NativeMessagingHosts\\%s", name);
    wchar_t *w = wide_from_utf8(key);
    free(key);
    return w;
}

char *mk_platform_register_manifest(const char *name, const char *manifest_path, bool system)
{
    wchar_t *key = registry_key(name);
    wchar_t *value = wide_from_utf8(manifest_path);
    HKEY h;
    LONG rc = key && value ? RegCreateKeyExW(system ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER, key, 0, NULL, 0,
                                             KEY_SET_VALUE, NULL, &h, NULL)
                           : ERROR_INVALID_DATA;
    if (rc == ERROR_SUCCESS) {
        rc = RegSetValueExW(h, NULL, 0, REG_SZ, (const BYTE *)value, (DWORD)((wcslen(value) + 1) * sizeof *value));
        RegCloseKey(h);
    }
    free(key);
    free(value);
    if (rc == ERROR_SUCCESS)
        return NULL;
    return mk_xasprintf("cannot write the registry key %s\\Software\\Mozilla\\NativeMessagingHosts\\%s (error %ld)%s",
                        system ? "HKLM" : "HKCU", name, (long)rc,
                        rc == ERROR_ACCESS_DENIED ? ": --system needs an administrator" : "");
}

char *mk_platform_unregister_manifest(const char *name, bool system)
{
    wchar_t *key = registry_key(name);
    LONG rc = key ? RegDeleteKeyW(system ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER, key) : ERROR_INVALID_DATA;
    free(key);
    if (rc == ERROR_SUCCESS || rc == ERROR_FILE_NOT_FOUND)
        return NULL;
    return mk_xasprintf("cannot remove the registry key for %s (error %ld)", name, (long)rc);
}

char *mk_platform_write_env_wrapper(const char *host, char *const *env, size_t n, bool system, char **wrapper)
{
    (void)host;
    (void)env;
    (void)n;
    (void)system;
    *wrapper = NULL;
    return mk_xstrdup("--env is not available on Windows: Thunderbird starts only executables there");
}

void mk_platform_remove_env_wrapper(bool system)
{
    (void)system;
}

bool mk_platform_is_separator(char c)
{
    return c == '/' || c == '\\';
}

char *mk_platform_path_join(const char *dir, const char *name)
{
    return mk_xasprintf("%s\\%s", dir, name);
}

bool mk_platform_is_absolute(const char *path)
{
    if (!path || !path[0])
        return false;
    if (mk_platform_is_separator(path[0]) && mk_platform_is_separator(path[1]))
        return true;   /* \\server\share */
    return ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) && path[1] == ':' &&
           mk_platform_is_separator(path[2]);
}

static int make_one_dir(const char *dir)
{
    wchar_t *w = wide_from_utf8(dir);
    int rc = w && (CreateDirectoryW(w, NULL) || GetLastError() == ERROR_ALREADY_EXISTS) ? 0 : -1;
    free(w);
    return rc;
}

int mk_platform_make_dirs(const char *dir)
{
    char *p = mk_xstrdup(dir);
    int rc = 0;
    /* Skip the root: "C:\", "\\server\share\" or a leading separator. */
    char *s = p;
    if (mk_platform_is_absolute(p) && p[1] == ':')
        s = p + 3;
    else if (mk_platform_is_absolute(p)) {
        s = p + 2;
        for (int parts = 0; *s && parts < 2; s++)
            if (mk_platform_is_separator(*s))
                parts++;
    }
    for (; *s && rc == 0; s++) {
        if (!mk_platform_is_separator(*s) || s == p)
            continue;
        char sep = *s;
        *s = '\0';
        rc = make_one_dir(p);
        *s = sep;
    }
    if (rc == 0)
        rc = make_one_dir(p);
    free(p);
    return rc;
}

int mk_platform_make_public_dirs(const char *dir)
{
    return mk_platform_make_dirs(dir);   /* folders have no modes here */
}

/* Maps the last Windows error of a file operation to errno. */
static void set_errno_from_windows(void)
{
    switch (GetLastError()) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        errno = ENOENT;
        break;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        errno = EEXIST;
        break;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        errno = ENOSPC;
        break;
    default:
        errno = EACCES;   /* sharing violations, a mapped target, rights */
        break;
    }
}

int mk_platform_create_temp(char *template_path)
{
    size_t n = strlen(template_path);
    if (n < 6 || strcmp(template_path + n - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned long long seed = GetTickCount64() ^ ((unsigned long long)GetCurrentProcessId() << 32) ^
                              (unsigned long long)(uintptr_t)template_path;
    for (int attempt = 0; attempt < 100; attempt++) {
        for (size_t i = n - 6; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            template_path[i] = letters[(seed >> 33) % (sizeof letters - 1)];
        }
        wchar_t *w = wide_from_utf8(template_path);
        int fd = _wopen(w, _O_CREAT | _O_EXCL | _O_RDWR | _O_BINARY, _S_IREAD | _S_IWRITE);
        free(w);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

int mk_platform_sync_file(int fd)
{
    return _commit(fd);
}

/* A file another process has mapped (a running host's GeoIP database) cannot
 * be overwritten, but it can be renamed: the old file steps aside under a
 * name of its own (TARGET.old-XXXXXX, deleted now if nothing holds it, else
 * at the next replacement), and the new file takes its name. */
static void remove_set_aside(const char *target)
{
    char *pattern = mk_xasprintf("%s.old-*", target);
    wchar_t *wpattern = wide_from_utf8(pattern);
    WIN32_FIND_DATAW found;
    HANDLE h = FindFirstFileW(wpattern, &found);
    if (h != INVALID_HANDLE_VALUE) {
        const char *slash = strrchr(target, '\\');
        const char *fwd = strrchr(target, '/');
        if (!slash || (fwd && fwd > slash))
            slash = fwd;
        size_t dir_len = slash ? (size_t)(slash - target) + 1 : 0;
        do {
            char *name = utf8_from_wide(found.cFileName);
            if (name) {
                char *path = mk_xasprintf("%.*s%s", (int)dir_len, target, name);
                wchar_t *wpath = wide_from_utf8(path);
                DeleteFileW(wpath);   /* fails while still mapped: tried again next time */
                free(wpath);
                free(path);
                free(name);
            }
        } while (FindNextFileW(h, &found));
        FindClose(h);
    }
    free(wpattern);
    free(pattern);
}

int mk_platform_replace_file(const char *temp, const char *target)
{
    wchar_t *from = wide_from_utf8(temp), *to = wide_from_utf8(target);
    BOOL moved = MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    if (!moved && GetFileAttributesW(to) != INVALID_FILE_ATTRIBUTES) {
        char *aside = mk_xasprintf("%s.old-XXXXXX", target);
        int fd = mk_platform_create_temp(aside);   /* reserves a unique name */
        if (fd >= 0) {
            _close(fd);
            wchar_t *waside = wide_from_utf8(aside);
            if (MoveFileExW(to, waside, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
                moved = MoveFileExW(from, to, MOVEFILE_WRITE_THROUGH);
                if (!moved)   /* put the old file back rather than leave none */
                    MoveFileExW(waside, to, MOVEFILE_WRITE_THROUGH);
            } else {
                DeleteFileW(waside);
            }
            free(waside);
        }
        free(aside);
    }
    if (!moved)
        set_errno_from_windows();
    free(from);
    free(to);
    if (moved)
        remove_set_aside(target);
    return moved ? 0 : -1;
}

void mk_platform_release_pages(const void *start, size_t len)
{
    (void)start;
    (void)len;
}

mk_entry_kind mk_platform_entry_kind(const char *path)
{
    wchar_t *w = wide_from_utf8(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    if (a == INVALID_FILE_ATTRIBUTES)
        return MK_ENTRY_NONE;
    if (a & FILE_ATTRIBUTE_DIRECTORY)
        return (a & FILE_ATTRIBUTE_REPARSE_POINT) ? MK_ENTRY_NONE : MK_ENTRY_DIR;
    return (a & FILE_ATTRIBUTE_DEVICE) ? MK_ENTRY_OTHER : MK_ENTRY_FILE;
}

time_t mk_platform_timegm(struct tm *tm)
{
    return _mkgmtime(tm);
}

/* ---- sockets ---------------------------------------------------------------- */

mk_socket mk_socket_connect_start(const struct sockaddr *addr, mk_socklen len)
{
    SOCKET s = socket(addr->sa_family, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET)
        return MK_SOCKET_BAD;
    u_long on = 1;
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    if (ioctlsocket(s, FIONBIO, &on) != 0 ||
        (connect(s, addr, len) != 0 && WSAGetLastError() != WSAEWOULDBLOCK)) {
        closesocket(s);
        return MK_SOCKET_BAD;
    }
    return s;
}

bool mk_socket_failed(mk_socket s)
{
    int err = 0;
    int el = sizeof err;
    return getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &el) != 0 || err != 0;
}

static long socket_result(int k)
{
    if (k >= 0)
        return k;
    int e = WSAGetLastError();
    return (e == WSAEWOULDBLOCK || e == WSAEINTR) ? MK_SOCKET_AGAIN : MK_SOCKET_ERROR;
}

long mk_socket_send(mk_socket s, const char *buf, size_t len)
{
    return socket_result(send(s, buf, len > INT_MAX ? INT_MAX : (int)len, 0));
}

long mk_socket_recv(mk_socket s, char *buf, size_t len)
{
    return socket_result(recv(s, buf, len > INT_MAX ? INT_MAX : (int)len, 0));
}

void mk_socket_close(mk_socket s)
{
    if (s != INVALID_SOCKET)
        closesocket(s);
}

/* ---- workers ---------------------------------------------------------------- */

bool mk_worker_start(mk_worker *w, int slot, int jobs, mk_worker_main run, void *arg)
{
    (void)run;
    (void)arg;
    *w = (mk_worker){.handle = 0, .fd = -1};
    wchar_t exe[32768];
    DWORD n = GetModuleFileNameW(NULL, exe, sizeof exe / sizeof exe[0]);
    if (n == 0 || n >= sizeof exe / sizeof exe[0])
        return false;
    SECURITY_ATTRIBUTES sa = {.nLength = sizeof sa, .bInheritHandle = TRUE};
    HANDLE rd, wr;
    if (!CreatePipe(&rd, &wr, &sa, 64 * 1024))
        return false;
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);

    wchar_t role[64];
    _snwprintf(role, sizeof role / sizeof role[0], L"%d/%d", slot, jobs);
    SetEnvironmentVariableW(L"" MK_WORKER_ENV, role);   /* inherited by the child only */
    STARTUPINFOW si = {.cb = sizeof si, .dwFlags = STARTF_USESTDHANDLES};
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = wr;
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    PROCESS_INFORMATION pi;
    wchar_t *cmdline = _wcsdup(GetCommandLineW());
    BOOL ok = CreateProcessW(exe, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
    free(cmdline);
    SetEnvironmentVariableW(L"" MK_WORKER_ENV, NULL);
    CloseHandle(wr);
    if (!ok) {
        fprintf(stderr, "mekiki: cannot start a worker (error %lu)\n", (unsigned long)GetLastError());
        CloseHandle(rd);
        return false;
    }
    CloseHandle(pi.hThread);
    w->handle = (intptr_t)pi.hProcess;
    w->fd = _open_osfhandle((intptr_t)rd, _O_RDONLY | _O_BINARY);
    if (w->fd < 0)
        CloseHandle(rd);
    return true;
}

int mk_worker_wait(mk_worker *w)
{
    if (!w->handle)
        return 0;
    HANDLE h = (HANDLE)w->handle;
    w->handle = 0;
    DWORD code = 1;
    WaitForSingleObject(h, INFINITE);
    GetExitCodeProcess(h, &code);
    CloseHandle(h);
    if (code >= 0xC0000000u)   /* an exception (access violation, ...) ended it */
        return -(int)(code & 0x7fffffff);
    return (int)code;
}

bool mk_worker_role(int *slot, int *jobs)
{
    const char *v = getenv(MK_WORKER_ENV);
    int s, j;
    char end;
    if (!v || sscanf(v, "%d/%d%c", &s, &j, &end) != 2 || j < 1 || s < 0 || s >= j)
        return false;
    *slot = s;
    *jobs = j;
    return true;
}
#endif
