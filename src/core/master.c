/*
 * The master: owns the listening socket, pre-forks the workers, and keeps
 * their number right.
 *
 * Respawn: a worker that exits 0 was recycled (max_requests) and is
 * replaced at once.  One that crashed is replaced after a back-off that
 * doubles with each crash in a row of that slot (100 ms up to 10 s), so a
 * worker that dies at start cannot spin the machine.
 *
 * Reload (SIGHUP): the master first runs "<binary> -c <config> check" and
 * goes on only if it exits 0, so a broken new binary or config never takes
 * the service down.  Then it re-executes itself with the listening socket,
 * the metrics memfd and the pids of the current workers in its environment.
 * The new image starts a new worker per slot and asks one old worker to
 * stop for each; an old worker finishes the request it is serving.  The
 * socket is never closed, so nginx's connections queue in its backlog and
 * no request fails.  The pid stays the same, as systemd's Type=notify wants.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netdb.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "core/config.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/worker.h"

#define MAX_WORKERS	256
#define MAX_OLD		1024
#define BACKOFF_MIN	0.1
#define BACKOFF_MAX	10.0
#define STABLE_AFTER	10.0	/* a worker alive this long resets back-off */

struct slot {
	pid_t	 pid;
	double	 started;
	double	 respawn_at;	/* 0: no respawn pending */
	int	 crashes;	/* in a row */
};

struct old {
	pid_t	 pid;
	double	 asked;		/* when SIGTERM was last sent */
	double	 first;
};

static struct slot	 slots[MAX_WORKERS];
static int		 nslots;
static struct old	 olds[MAX_OLD];
static int		 nolds;

/*
 * The listening socket: fd 3 from systemd socket activation, the inherited
 * TC_LISTEN_FD after a re-exec, else bound from cfg->listen.  *owned is set
 * when we bound it (and so must unlink a unix socket at exit).
 */
int
listen_open(const struct config *cfg, int *owned)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *res, *ai;
	struct stat		 st;
	const char		*env;
	char			 host[256], *colon;
	int			 fd = -1, on = 1, n;

	*owned = 0;
	if ((env = getenv("TC_LISTEN_FD")) != NULL) {
		fd = atoi(env);
		*owned = getenv("TC_LISTEN_OWNED") != NULL;
		return (fd);
	}
	if ((n = sd_listen_fds(0)) > 0) {
		if (n != 1)
			log_warn("%s: %d sockets passed, using the first",
			    __func__, n);
		return (SD_LISTEN_FDS_START);
	}
	if (strncmp(cfg->listen, "unix:", 5) == 0) {
		const char	*path = cfg->listen + 5;

		if (strlen(path) >= sizeof(sun.sun_path)) {
			log_err("%s: socket path too long", __func__);
			return (-1);
		}
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, path);
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    chmod(path, (mode_t)cfg->listen_mode) == -1 ||
		    listen(fd, cfg->listen_backlog) == -1) {
			log_err("%s: %s: %s", __func__, path, strerror(errno));
			if (fd != -1)
				close(fd);
			return (-1);
		}
		*owned = 1;
		return (fd);
	}
	snprintf(host, sizeof(host), "%s", cfg->listen);
	if ((colon = strrchr(host, ':')) == NULL)
		return (-1);
	*colon = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		log_err("%s: bad address %s", __func__, cfg->listen);
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, cfg->listen_backlog) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		log_err("%s: cannot listen on %s: %s", __func__, cfg->listen,
		    strerror(errno));
	return (fd);
}

static double
now(void)
{
	return (now_monotonic());
}

static int
live_workers(void)
{
	int	 i, n = 0;

	for (i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			n++;
	return (n);
}

static void
spawn(const struct config *cfg, int fd, int i)
{
	sigset_t	 none;
	pid_t		 pid;
	int		 rc;

	switch ((pid = fork())) {
	case -1:
		log_err("%s: fork: %s", __func__, strerror(errno));
		slots[i].respawn_at = now() + BACKOFF_MAX;
		return;
	case 0:
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		log_init("worker", LV_INFO);
		{
			enum loglevel	 lv;

			if (log_level_parse(cfg->log_level, &lv) == 0)
				log_set_level(lv);
		}
		metrics_set_slot(i);
		rc = worker_run(cfg, fd);
		exit(rc);
	default:
		slots[i].pid = pid;
		slots[i].started = now();
		slots[i].respawn_at = 0;
		metrics_set_workers(live_workers());
	}
}

static void
reap(void)
{
	pid_t	 pid;
	double	 t = now(), delay;
	int	 status, i, crashed;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nolds; i++)
			if (olds[i].pid == pid) {
				olds[i] = olds[--nolds];
				break;
			}
		for (i = 0; i < nslots; i++)
			if (slots[i].pid == pid)
				break;
		if (i == nslots)
			continue;
		slots[i].pid = 0;
		gate_release_slot(i);
		crashed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		if (!crashed) {
			metrics_worker_exit(0);
			slots[i].respawn_at = t;
			slots[i].crashes = 0;
			continue;
		}
		metrics_worker_exit(WIFSIGNALED(status) ? 1 : 2);
		if (t - slots[i].started > STABLE_AFTER)
			slots[i].crashes = 0;
		delay = BACKOFF_MIN * (double)(1 << (slots[i].crashes < 7 ?
		    slots[i].crashes : 7));
		if (delay > BACKOFF_MAX)
			delay = BACKOFF_MAX;
		slots[i].crashes++;
		slots[i].respawn_at = t + delay;
		if (WIFSIGNALED(status))
			log_warn("worker %ld killed by signal %d; respawn in "
			    "%.1fs", (long)pid, WTERMSIG(status), delay);
		else
			log_warn("worker %ld exited %d; respawn in %.1fs",
			    (long)pid, WEXITSTATUS(status), delay);
	}
	metrics_set_workers(live_workers());
}

/* Old workers get SIGTERM again each second, SIGKILL after the timeout. */
static void
nag_olds(const struct config *cfg)
{
	double	 t = now();
	int	 i;

	for (i = 0; i < nolds; i++) {
		if (t - olds[i].first > cfg->shutdown_timeout)
			kill(olds[i].pid, SIGKILL);
		else if (t - olds[i].asked >= 1.0) {
			kill(olds[i].pid, SIGTERM);
			olds[i].asked = t;
		}
	}
}

static char	 self_exe[PATH_MAX];

static void
find_self(const char *argv0)
{
	const char	*env;
	ssize_t		 n;

	if ((env = getenv("TC_EXE")) != NULL) {
		snprintf(self_exe, sizeof(self_exe), "%s", env);
		return;
	}
	if (strchr(argv0, '/') != NULL && realpath(argv0, self_exe) != NULL)
		return;
	if ((n = readlink("/proc/self/exe", self_exe,
	    sizeof(self_exe) - 1)) > 0)
		self_exe[n] = '\0';
	else
		snprintf(self_exe, sizeof(self_exe), "%s", argv0);
}

/* Run "<self> -c <config> check"; 0 if the new binary accepts the config. */
static int
precheck(const struct config *cfg)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		sigset_t	 none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (cfg->path != NULL)
			execl(self_exe, self_exe, "-c", cfg->path, "check",
			    (char *)NULL);
		else
			execl(self_exe, self_exe, "check", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1);
}

/*
 * The watchdog's timeout while the master loads what the request path
 * needs (the virus signatures take tens of seconds with freshclam's full
 * database) or waits for a reload's check: it cannot ping meanwhile.
 */
#define LOAD_WATCHDOG_USEC	"600000000"	/* 10 minutes */

/*
 * Before a slow load: give systemd's watchdog LOAD_WATCHDOG_USEC, until
 * watchdog_restore() (master_serve() calls it once it is ready).
 */
void
master_watchdog_relax(void)
{
	uint64_t	 usec;

	if (sd_watchdog_enabled(0, &usec) > 0)
		sd_notify(0, "WATCHDOG=1\nWATCHDOG_USEC=" LOAD_WATCHDOG_USEC);
}

/* Back to the configured watchdog timeout (WATCHDOG_USEC as started). */
static void
watchdog_restore(void)
{
	uint64_t	 usec;

	if (sd_watchdog_enabled(0, &usec) > 0)
		sd_notifyf(0, "WATCHDOG=1\nWATCHDOG_USEC=%llu",
		    (unsigned long long)usec);
}

static void
set_env_int(const char *name, long v)
{
	char	 s[32];

	snprintf(s, sizeof(s), "%ld", v);
	setenv(name, s, 1);
}

static void
reexec(const struct config *cfg, int fd, int owned, char **argv)
{
	char	 list[MAX_OLD * 12], *p = list;
	int	 i, flags;

	master_watchdog_relax();
	if (precheck(cfg) == -1) {
		log_err("reload refused: the new binary or config failed its "
		    "check; still serving with the old ones");
		sd_notify(0, "READY=1\nSTATUS=reload refused: check failed");
		watchdog_restore();
		return;
	}
	list[0] = '\0';
	for (i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			p += snprintf(p, sizeof(list) - (size_t)(p - list),
			    "%s%ld", p == list ? "" : ",", (long)slots[i].pid);
	for (i = 0; i < nolds; i++)
		if ((size_t)(p - list) + 16 < sizeof(list))
			p += snprintf(p, sizeof(list) - (size_t)(p - list),
			    "%s%ld", p == list ? "" : ",", (long)olds[i].pid);
	setenv("TC_OLD_WORKERS", list, 1);
	set_env_int("TC_LISTEN_FD", fd);
	if (owned)
		setenv("TC_LISTEN_OWNED", "1", 1);
	set_env_int("TC_METRICS_FD", metrics_fd());
	setenv("TC_EXE", self_exe, 1);
	/* the fds must survive exec */
	flags = fcntl(fd, F_GETFD);
	fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
	flags = fcntl(metrics_fd(), F_GETFD);
	fcntl(metrics_fd(), F_SETFD, flags & ~FD_CLOEXEC);
	log_info("reload: re-executing %s", self_exe);
	execv(self_exe, argv);
	log_err("reload: exec %s: %s", self_exe, strerror(errno));
	sd_notify(0, "READY=1");
}

static void
adopt_olds(void)
{
	const char	*env;
	char		*s, *tok, *save;
	long		 pid;

	if ((env = getenv("TC_OLD_WORKERS")) == NULL)
		return;
	if ((s = strdup(env)) == NULL)
		return;
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if ((pid = strtol(tok, NULL, 10)) > 0 && nolds < MAX_OLD) {
			olds[nolds].pid = (pid_t)pid;
			olds[nolds].first = olds[nolds].asked = 0;
			nolds++;
		}
	free(s);
	unsetenv("TC_OLD_WORKERS");
}

static void
write_pid(const struct config *cfg)
{
	FILE	*f;

	if (cfg->pid_file == NULL)
		return;
	if ((f = fopen(cfg->pid_file, "w")) == NULL) {
		log_warn("cannot write %s: %s", cfg->pid_file,
		    strerror(errno));
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

static void
stop_all(const struct config *cfg)
{
	double	 t0 = now(), last = 0;
	int	 i, left;

	for (i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGTERM);
	for (i = 0; i < nolds; i++)
		kill(olds[i].pid, SIGTERM);
	for (;;) {
		reap();
		left = live_workers() + nolds;
		if (left == 0)
			break;
		if (now() - t0 > cfg->shutdown_timeout) {
			for (i = 0; i < nslots; i++)
				if (slots[i].pid > 0)
					kill(slots[i].pid, SIGKILL);
			for (i = 0; i < nolds; i++)
				kill(olds[i].pid, SIGKILL);
		} else if (now() - last >= 1.0) {
			/* again: one may have been between check and accept */
			for (i = 0; i < nslots; i++)
				if (slots[i].pid > 0)
					kill(slots[i].pid, SIGTERM);
			for (i = 0; i < nolds; i++)
				kill(olds[i].pid, SIGTERM);
			last = now();
		}
		usleep(20000);
	}
}

/*
 * Serve until SIGTERM.  fd is the listening socket (owned: ours to unlink).
 * argv is re-executed on reload.  Returns the process exit code.
 */
int
master_serve(const struct config *cfg, int fd, char **argv)
{
	struct timespec	 tick;
	siginfo_t	 si;
	sigset_t	 set;
	uint64_t	 wd_usec = 0;
	double		 wd_next = 0, t;
	int		 i, sig, owned, reloaded, o;

	owned = getenv("TC_LISTEN_OWNED") != NULL;
	unsetenv("TC_LISTEN_FD");
	unsetenv("TC_LISTEN_OWNED");
	unsetenv("TC_METRICS_FD");
	unsetenv("TC_EXE");
	reloaded = getenv("TC_OLD_WORKERS") != NULL;
	find_self(argv[0]);
	if (fd >= 0 && !owned && strncmp(cfg->listen, "unix:", 5) == 0 &&
	    sd_listen_fds(0) <= 0 && !reloaded)
		owned = 1;

	/*
	 * A signal inherited as ignored (nohup) is discarded even while
	 * blocked: restore the defaults before sigtimedwait() waits for them.
	 */
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	adopt_olds();
	nslots = cfg->workers < MAX_WORKERS ? cfg->workers : MAX_WORKERS;
	memset(slots, 0, sizeof(slots));
	write_pid(cfg);
	/* one new worker per slot, then one old worker asked to leave */
	for (i = 0, o = 0; i < nslots; i++) {
		spawn(cfg, fd, i);
		if (o < nolds) {
			olds[o].first = olds[o].asked = now();
			kill(olds[o].pid, SIGTERM);
			o++;
		}
	}
	for (; o < nolds; o++) {
		olds[o].first = olds[o].asked = now();
		kill(olds[o].pid, SIGTERM);
	}
	if (reloaded) {
		metrics_reload();
		log_info("reload: %d new workers, %d old ones leaving",
		    nslots, nolds);
	} else
		log_info("serving on %s with %d workers", sd_listen_fds(0) > 0 ?
		    "a socket from systemd" : cfg->listen, nslots);
	sd_notifyf(0, "READY=1\nSTATUS=%d workers\nMAINPID=%ld", nslots,
	    (long)getpid());
	watchdog_restore();
	if (sd_watchdog_enabled(0, &wd_usec) > 0)
		wd_next = now();

	for (;;) {
		tick.tv_sec = 0;
		tick.tv_nsec = 100 * 1000 * 1000;
		sig = sigtimedwait(&set, &si, &tick);
		t = now();
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("stopping");
			sd_notify(0, "STOPPING=1");
			break;
		}
		if (sig == SIGHUP) {
			log_info("reload requested");
			sd_notify(0, "RELOADING=1");
			reap();
			reexec(cfg, fd, owned, argv);
			continue;
		}
		reap();
		for (i = 0; i < nslots; i++)
			if (slots[i].pid == 0 && slots[i].respawn_at > 0 &&
			    t >= slots[i].respawn_at)
				spawn(cfg, fd, i);
		nag_olds(cfg);
		if (wd_usec > 0 && t >= wd_next) {
			/* alive means: the master loops and a worker exists */
			if (live_workers() > 0)
				sd_notify(0, "WATCHDOG=1");
			wd_next = t + (double)wd_usec / 2e6;
		}
	}
	stop_all(cfg);
	if (owned && strncmp(cfg->listen, "unix:", 5) == 0)
		unlink(cfg->listen + 5);
	if (cfg->pid_file != NULL)
		unlink(cfg->pid_file);
	close(fd);
	return (0);
}
