/* platform.h - everything that differs between Windows, Linux and macOS.
 *
 * The rest of the host is written once against this contract; the two
 * implementations are platform_posix.c (Linux, macOS) and platform_windows.c.
 * No other file tests _WIN32. What lives here: process start-up (winsock,
 * SIGPIPE, binary stdio for native messaging), the running executable's
 * location, the per-user cache and data folders, directory creation and path
 * syntax (drive letters, both slashes), non-blocking TCP sockets and the
 * pollfd type c-ares, curl and the WHOIS client share, UTC time conversion,
 * and the worker processes behind `scan --jobs N`.
 *
 * Every returned string is UTF-8 and owned by the caller (free()).
 */
#ifndef MK_PLATFORM_H
#define MK_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
typedef SOCKET mk_socket;
#define MK_SOCKET_BAD INVALID_SOCKET
typedef int mk_socklen;
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
typedef int mk_socket;
#define MK_SOCKET_BAD (-1)
typedef socklen_t mk_socklen;
#endif
/* Either way: struct pollfd, POLLIN/POLLOUT/POLLERR/POLLHUP, inet_pton,
 * struct sockaddr_in/sockaddr_in6/sockaddr_storage, AF_INET/AF_INET6,
 * struct hostent. */

/* getc() without taking the stream's lock, for byte-at-a-time readers that
 * own their stream. */
#ifdef _WIN32
#define mk_getc_unlocked(f) _getc_nolock(f)
#else
#define mk_getc_unlocked(f) getc_unlocked(f)
#endif

/* ---- process ---------------------------------------------------------------- */

/* Once at start-up: sockets usable, a vanished reader an error rather than a
 * signal, stdin/stdout carrying bytes unchanged (no CRLF translation), and on
 * Windows ICU's data file found beside the executable. */
void mk_platform_init(void);

/* The full path of the running executable; NULL when it cannot be known. */
char *mk_platform_exe_path(void);

/* The folder an installed copy keeps its shared files in, found from the
 * executable: PREFIX/share/mekiki for PREFIX/bin/mekiki on Linux and macOS,
 * the executable's own folder on Windows (the unpacked zip). NULL if unknown. */
char *mk_platform_install_dir(void);

/* A system-wide folder for shared files: /usr/local/share/mekiki on Linux and
 * macOS, the install folder on Windows. NULL if unknown. */
char *mk_platform_system_dir(void);

typedef enum mk_user_dir {
    MK_USER_CACHE,   /* look-up cache: XDG_CACHE_HOME, ~/Library/Caches, %LOCALAPPDATA%\Mekiki\cache */
    MK_USER_DATA,    /* feeds, GeoIP: XDG_DATA_HOME, ~/Library/Application Support, %LOCALAPPDATA%\Mekiki */
} mk_user_dir;

/* Mekiki's per-user folder of that kind (not created); NULL when the
 * environment names no home. XDG_CACHE_HOME / XDG_DATA_HOME, when set, are
 * honoured on Windows too (then ...\mekiki, as on Linux). */
char *mk_platform_user_dir(mk_user_dir kind);

/* ---- native-messaging registration ---------------------------------------- */

/* The folder the native-messaging manifest goes to: the per-user (or with
 * system, all users') folder Thunderbird reads on Linux and macOS, the
 * executable's folder on Windows. NULL if unknown. */
char *mk_platform_manifest_dir(bool system);

/* Points Thunderbird at the manifest where a file in the folder is not
 * enough: on Windows the default value of
 * HKCU (system: HKLM)\Software\Mozilla\NativeMessagingHosts\NAME.
 * Elsewhere nothing to do. NULL on success, else an error message. */
char *mk_platform_register_manifest(const char *name, const char *manifest_path, bool system);
char *mk_platform_unregister_manifest(const char *name, bool system);

/* Writes a small /bin/sh program that sets NAME=VALUE for each of env[0..n)
 * and runs host with its arguments, for a host that needs an environment
 * Thunderbird will not give it; *wrapper is its path. Where the wrapper goes
 * follows system (per user or all users). NULL on success, else an error
 * message (always on Windows, where Thunderbird starts only executables). */
char *mk_platform_write_env_wrapper(const char *host, char *const *env, size_t n, bool system, char **wrapper);

/* Removes what mk_platform_write_env_wrapper() wrote, if anything. */
void mk_platform_remove_env_wrapper(bool system);

/* ---- paths ----------------------------------------------------------------- */

/* '/' everywhere, also '\\' on Windows. */
bool mk_platform_is_separator(char c);

/* dir + the system's separator + name, for paths shown to the system or the
 * user (a registry value, a message). */
char *mk_platform_path_join(const char *dir, const char *name);

/* "/x" on POSIX; "C:\x", "C:/x", "\\server\share" on Windows. */
bool mk_platform_is_absolute(const char *path);

/* mkdir -p, readable by the user only where the system has such modes;
 * 0 on success (also when it already existed), -1 otherwise. */
int mk_platform_make_dirs(const char *dir);

/* mkdir -p for folders others read too (0755 where the system has modes, as
 * for shared data); 0 on success (also when it already existed), -1 with
 * errno set otherwise. */
int mk_platform_make_public_dirs(const char *dir);

/* ---- files replaced whole ---------------------------------------------------
 * A file is replaced by writing a temporary file beside it, flushing it, and
 * moving it over the old one in one step: a reader sees the old file or the
 * new one, never a part. */

/* mkstemp(): creates the file TEMPLATE names, its last six characters
 * ("XXXXXX") replaced in place, exclusively, for reading and writing in
 * binary, readable by everyone where the system has modes (0644). The
 * descriptor, or -1 with errno set. */
int mk_platform_create_temp(char *template_path);

/* Flushes a descriptor's data to the disk: 0, or -1 with errno set. */
int mk_platform_sync_file(int fd);

/* Moves TEMP (closed) over TARGET in one step, durable when it returns: 0, or
 * -1 with errno set. Windows refuses to replace a file another process has
 * mapped (EACCES), which POSIX systems allow. */
int mk_platform_replace_file(const char *temp, const char *target);

/* Hands the pages of a read-only file mapping back to the system (they are
 * read again from the file when touched); does nothing where the system
 * trims such pages by itself (Windows). */
void mk_platform_release_pages(const void *start, size_t len);

/* What a directory entry is for a walk that follows links to files but not
 * links to directories (symbolic links, and junctions on Windows). */
typedef enum mk_entry_kind {
    MK_ENTRY_NONE,    /* missing, unreadable, a dangling link, or a link to a directory */
    MK_ENTRY_FILE,    /* a regular file, or a link to one */
    MK_ENTRY_DIR,     /* a real directory */
    MK_ENTRY_OTHER,   /* FIFOs, devices, sockets */
} mk_entry_kind;
mk_entry_kind mk_platform_entry_kind(const char *path);

/* timegm(): broken-down UTC time to seconds since the epoch. */
time_t mk_platform_timegm(struct tm *tm);

/* ---- sockets --------------------------------------------------------------- */

/* A non-blocking TCP socket whose connect() to addr has started;
 * MK_SOCKET_BAD when it could not even start. */
mk_socket mk_socket_connect_start(const struct sockaddr *addr, mk_socklen len);

/* True when a connect started above has failed. */
bool mk_socket_failed(mk_socket s);

/* send()/recv() without SIGPIPE: bytes moved, 0 for end of stream (recv),
 * MK_SOCKET_AGAIN when nothing can move yet, MK_SOCKET_ERROR otherwise. */
#define MK_SOCKET_AGAIN (-2)
#define MK_SOCKET_ERROR (-1)
long mk_socket_send(mk_socket s, const char *buf, size_t len);
long mk_socket_recv(mk_socket s, char *buf, size_t len);
void mk_socket_close(mk_socket s);

/* ---- worker processes ------------------------------------------------------ */

/* What a worker runs: its slot of jobs, writing its output to out_fd. */
typedef int (*mk_worker_main)(int slot, int jobs, int out_fd, void *arg);

typedef struct mk_worker {
    intptr_t handle;   /* process id or process handle */
    int fd;            /* read end of the worker's output; -1 when none */
} mk_worker;

/* Starts worker SLOT of JOBS. On POSIX a fork() runs run(slot, jobs, fd, arg)
 * and exits with its status; on Windows the executable is started again with
 * the same arguments and MEKIKI_WORKER=slot/jobs in its environment, and
 * mk_worker_role() tells it what to do. False when no worker could start. */
bool mk_worker_start(mk_worker *w, int slot, int jobs, mk_worker_main run, void *arg);

/* Waits for the worker to end. Returns its exit status (0 = success), or -N
 * when it was killed by signal or exception N. */
int mk_worker_wait(mk_worker *w);

/* True in a process started by mk_worker_start() on Windows: *slot and *jobs
 * are its share of the work, to be written to standard output. */
bool mk_worker_role(int *slot, int *jobs);

/* Separates the entries of a path list, as in $PATH. */
#ifdef _WIN32
#define MK_PATH_LIST_SEP ';'
#else
#define MK_PATH_LIST_SEP ':'
#endif

#endif
