/*
 * bare.c -- the floor of the benchmark: the least a libfcgi responder can do.
 *
 * A master opens a unix socket, pre-forks N workers that each loop on
 * FCGX_Accept_r and answer every request with the same fixed JSON body, and
 * waits. SIGTERM or SIGINT to the master stops the workers and removes the
 * socket. No parsing, no routing, no arena, no database: whatever the real
 * server spends above this is the price of its own code.
 *
 * The one trick it shares with the real server is the plain close: libfcgi
 * 2.4.2's FCGX_Finish_r -> FCGX_Free(req, 1) calls
 * OS_IpcClose(req->ipcFd, !req->detached), and OS_Close(fd, 1) does
 * shutdown(SHUT_WR) and then waits in select()/read() until nginx closes its
 * end (a "lingering" close). With detached set it is a plain close(), which
 * is safe on a unix socket: the whole response is already in nginx's receive
 * queue. FCGX_Free clears detached again, so it is set for every request.
 *
 * usage: bare -s SOCKET [-n WORKERS] [-b BODYFILE]
 * build: cc -O2 -Wall -Wextra -Werror bare.c -lfcgi
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_WORKERS	64
#define MAX_RESPONSE	65536

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bare -s SOCKET [-n WORKERS] [-b BODYFILE]\n");
	exit(2);
}

/* Read the body from path, or use the /health answer; returns its length. */
static size_t
load_body(const char *path, char *buf, size_t bufsz)
{
	static const char	 dflt[] = "{\"status\":\"ok\"}";
	FILE			*f;
	size_t			 n;

	if (path == NULL) {
		memcpy(buf, dflt, sizeof(dflt) - 1);
		return (sizeof(dflt) - 1);
	}
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, bufsz, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "%s: unreadable or over %zu bytes\n", path, bufsz);
		exit(1);
	}
	fclose(f);
	return (n);
}

/* One worker: answer requests until killed. */
static void
worker(int sock, const char *resp, int resplen)
{
	FCGX_Request	req;

	if (FCGX_InitRequest(&req, sock, 0) != 0)
		_exit(1);
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(resp, resplen, req.out);
		req.detached = 1;	/* plain close(), see the top */
		FCGX_Finish_r(&req);
	}
	_exit(0);
}

int
main(int argc, char *argv[])
{
	static char		 body[MAX_RESPONSE / 2];
	static char		 resp[MAX_RESPONSE];
	const char		*sockpath = NULL, *bodypath = NULL;
	struct sigaction	 sa;
	pid_t			 pids[MAX_WORKERS];
	size_t			 bodylen;
	int			 ch, i, n = 2, sock, resplen, status;

	while ((ch = getopt(argc, argv, "b:n:s:")) != -1) {
		switch (ch) {
		case 'b':
			bodypath = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 's':
			sockpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (sockpath == NULL || n < 1 || n > MAX_WORKERS || optind != argc)
		usage();

	bodylen = load_body(bodypath, body, sizeof(body));
	resplen = snprintf(resp, sizeof(resp),
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n", bodylen);
	if (resplen < 0 || (size_t)resplen + bodylen > sizeof(resp))
		return (1);
	memcpy(resp + resplen, body, bodylen);
	resplen += (int)bodylen;

	if (FCGX_Init() != 0) {
		fprintf(stderr, "FCGX_Init failed\n");
		return (1);
	}
	unlink(sockpath);
	if ((sock = FCGX_OpenSocket(sockpath, 1024)) < 0) {
		fprintf(stderr, "%s: cannot listen\n", sockpath);
		return (1);
	}
	/* nginx's workers may run as another user. */
	if (chmod(sockpath, 0666) == -1) {
		perror(sockpath);
		return (1);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) == -1) {
			perror("fork");
			stop = 1;
			n = i;
			break;
		}
		if (pids[i] == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			worker(sock, resp, resplen);
		}
	}

	/* Wait for a signal or a dead worker; either ends the run. */
	while (!stop) {
		if (waitpid(-1, &status, 0) > 0) {
			fprintf(stderr, "bare: a worker died\n");
			break;
		}
		if (errno != EINTR)
			break;
	}
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	unlink(sockpath);
	return (0);
}
