/* Hostile programs for labgrade's containment tests: argv[1] picks one. Each
 * tries to harm the machine or other checks; labgrade must hold it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <time.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char chunk[1 << 20];
static const char* wanted;     /* find: the name prefix of the files it looks for */
static int found;
static struct timespec started;

/* Prints a file's bytes: what a hostile program would leak into its report. */
static int print_file(const char* path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char text[512];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    printf("%s: %s\n", path, text);
    return 0;
}

static int look(const char* path, const struct stat* st, int kind, struct FTW* where) {
    (void)st;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - started.tv_sec >= 2) return FTW_STOP;  /* within its time limit */
    /* The kernel's and the system's trees hold no secret of the grader's (and walking /usr's 150,000 files
     * would charge their dentries to the world's memory limit). */
    if (kind == FTW_D && (strcmp(path, "/proc") == 0 || strcmp(path, "/sys") == 0 || strcmp(path, "/dev") == 0 ||
                          strcmp(path, "/usr") == 0))
        return FTW_SKIP_SUBTREE;
    if (kind == FTW_F && strncmp(path + where->base, wanted, strlen(wanted)) == 0 && print_file(path) == 0) ++found;
    return FTW_CONTINUE;
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "innocent";
    if (strcmp(mode, "forkbomb") == 0) {
        for (;;) fork();
    }
    if (strcmp(mode, "memhog") == 0) {  /* 16 MiB at a time, every page touched, forever */
        for (;;) {
            volatile char* p = malloc(16 << 20);
            if (p == NULL) continue;
            for (int i = 0; i < (16 << 20); i += 4096) p[i] = 1;
        }
    }
    if (strcmp(mode, "shmfill") == 0) {  /* objects of 1 MiB until /dev/shm refuses */
        memset(chunk, 'x', sizeof chunk);
        for (int i = 0;; ++i) {
            char name[32];
            snprintf(name, sizeof name, "/fill%d", i);
            int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
            if (fd < 0 || write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) {
                perror("filling /dev/shm");
                return 1;
            }
            close(fd);
        }
    }
    if (strcmp(mode, "diskfill") == 0) {  /* file after file, past the file size limit, until the disk refuses */
        memset(chunk, 'x', sizeof chunk);
        signal(SIGXFSZ, SIG_IGN);
        for (int i = 0;; ++i) {
            char name[32];
            snprintf(name, sizeof name, "fill%d", i);
            int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0600);
            while (fd >= 0 && write(fd, chunk, sizeof chunk) > 0) {
            }
            if (fd < 0 || errno != EFBIG) {
                perror("filling the disk");
                return 1;
            }
            close(fd);
        }
    }
    if (strcmp(mode, "flood") == 0) {
        for (;;) fputs("flooding stdout with lines of output\n", stdout);
    }
    if (strcmp(mode, "daemon") == 0) {  /* setsid, double fork, ignore SIGTERM and SIGHUP, spin */
        if (fork() == 0) {
            setsid();
            if (fork() == 0) {
                signal(SIGTERM, SIG_IGN);
                signal(SIGHUP, SIG_IGN);
                for (;;) {
                }
            }
            _exit(0);
        }
        wait(NULL);
        puts("ok");
        return 0;
    }
    if (strcmp(mode, "killall") == 0) {
        kill(-1, SIGKILL);
        puts("ok");
        return 0;
    }
    if (strcmp(mode, "connect") == 0 && argc > 2) {  /* argv[2]: a port of the host; argv[3]: its address (127.0.0.1) */
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (argc > 3)
            inet_pton(AF_INET, argv[3], &to.sin_addr);
        if (s < 0 || connect(s, (struct sockaddr*)&to, sizeof to) != 0) {
            fprintf(stderr, "connect: %s\n", strerror(errno));
            return 1;
        }
        puts("connected");
        return 0;
    }
    if (strcmp(mode, "writeout") == 0 && argc > 2) {  /* argv[2]: a path outside its directory */
        int fd = open(argv[2], O_CREAT | O_WRONLY, 0644);
        if (fd < 0) {
            fprintf(stderr, "open %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        puts("wrote");
        return 0;
    }
    if (strcmp(mode, "ptrace") == 0) {  /* attach to its parent: no lab needs it */
        long rc = ptrace(PTRACE_ATTACH, getppid(), NULL, NULL);
        printf("ptrace returned %ld\n", rc);
        return 0;
    }
    if (strcmp(mode, "read") == 0 && argc > 2) {  /* argv[2]: a file of the machine (/etc/shadow, a root-only file) */
        return print_file(argv[2]) == 0 ? 0 : 1;
    }
    if (strcmp(mode, "find") == 0 && argc > 2) {  /* every file of the tree named argv[2]...: the reference, secrets */
        wanted = argv[2];
        clock_gettime(CLOCK_MONOTONIC, &started);
        nftw("/", look, 64, FTW_PHYS | FTW_ACTIONRETVAL);
        printf("found %d\n", found);
        fprintf(stderr, "found %d\n", found);
        return found > 0 ? 0 : 1;
    }
    if (strcmp(mode, "parentenv") == 0) {  /* the grader's environment, through /proc */
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/environ", (int)getppid());
        return print_file(path) == 0 ? 0 : 1;
    }
    if (strcmp(mode, "env") == 0) {
        extern char** environ;
        for (char** e = environ; *e != NULL; ++e) puts(*e);
        return 0;
    }
    if (strcmp(mode, "killparent") == 0) {
        kill(getppid(), SIGKILL);
        puts("ok");
        return 0;
    }
    if (strcmp(mode, "killpids") == 0) {  /* every pid it can see, but itself; every pid there may be if it sees none */
        DIR* proc = opendir("/proc");
        struct dirent* e;
        while (proc != NULL && (e = readdir(proc)) != NULL) {
            int pid = atoi(e->d_name);
            if (pid > 0 && pid != getpid()) kill(pid, SIGKILL);
        }
        for (int pid = 1; proc == NULL && pid < 32768; ++pid) {
            if (pid != getpid() && kill(pid, SIGKILL) == 0) break;
        }
        puts("ok");
        return 0;
    }
    if (strcmp(mode, "spinner") == 0) {
        signal(SIGTERM, SIG_IGN);
        for (;;) {
        }
    }
    puts("ok");
    return 0;
}
