/*
 * bench/photos/variants.c -- time src/photos/image.c on one image.
 *
 *   variants [-f] [-n] [-r N] FILE
 *   variants -x [-r N] COMMAND [ARG...]
 *
 * Makes the three photo variants of FILE (a JPEG, PNG or WebP) N times
 * (default 5) and prints one line per run: "ms <wall ms> rss_kb <peak
 * RSS>".  -f: each run in a fresh child process, as the "photo.variants"
 * job does (fork, start ImageMagick, set its limits, decode, encode,
 * exit); the RSS is that child's peak.  Without -f the runs share this
 * process (ImageMagick started once) and the RSS is this process's peak
 * so far.  -n: decode JPEGs at full size (no shrink-on-load).  The
 * variants of the last run are written as FILE.<name>.jpg.  -x: run
 * COMMAND N times instead and print the same line for each (its wall
 * time and peak RSS, from wait4), so another tool is measured alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "photos/image.h"
#include "photos/photos.h"

#define MAX_PIXELS	50000000L

static const struct image_limits limits = { MAX_PIXELS, 256, 30, 0 };

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static const char *
format_of(const unsigned char *p, size_t n)
{
	if (n > 3 && p[0] == 0xff && p[1] == 0xd8)
		return ("JPEG");
	if (n > 8 && memcmp(p, "\x89PNG", 4) == 0)
		return ("PNG");
	if (n > 12 && memcmp(p + 8, "WEBP", 4) == 0)
		return ("WEBP");
	return (NULL);
}

/* One run in this process; 0 or -1.  save: write the variants. */
static int
once(const char *path, const unsigned char *buf, size_t len, unsigned flags,
    int save)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	char			 err[256], name[4096];
	FILE			*f;
	int			 i, rc;

	rc = image_make(buf, len, format_of(buf, len), MAX_PIXELS,
	    photo_specs, PHOTO_NVARIANTS, flags, out, err, sizeof(err));
	if (rc != IMAGE_OK) {
		fprintf(stderr, "variants: %s: %s\n", path, err);
		image_out_free(out, PHOTO_NVARIANTS);
		return (-1);
	}
	for (i = 0; save && i < PHOTO_NVARIANTS; i++) {
		snprintf(name, sizeof(name), "%s.%s.jpg", path,
		    photo_specs[i].name);
		if ((f = fopen(name, "wb")) == NULL ||
		    fwrite(out[i].data, 1, out[i].len, f) != out[i].len ||
		    fclose(f) != 0) {
			fprintf(stderr, "variants: cannot write %s\n", name);
			rc = -1;
		}
	}
	image_out_free(out, PHOTO_NVARIANTS);
	return (rc == IMAGE_OK ? 0 : -1);
}

int
main(int argc, char **argv)
{
	struct rusage	 ru;
	struct stat	 st;
	unsigned char	*buf;
	unsigned	 flags = 0;
	double		 t0;
	FILE		*f;
	pid_t		 pid;
	int		 ch, fork_each = 0, exec_cmd = 0, runs = 5, i, status;

	while ((ch = getopt(argc, argv, "+fnr:x")) != -1) {
		switch (ch) {
		case 'x':
			exec_cmd = 1;
			break;
		case 'f':
			fork_each = 1;
			break;
		case 'n':
			flags |= IMAGE_NO_SHRINK;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (exec_cmd) {
		if (optind >= argc || runs < 1)
			goto usage;
		for (i = 0; i < runs; i++) {
			t0 = now_ms();
			if ((pid = fork()) == -1)
				return (1);
			if (pid == 0) {
				execvp(argv[optind], argv + optind);
				_exit(127);
			}
			if (wait4(pid, &status, 0, &ru) != pid ||
			    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fprintf(stderr, "variants: %s failed\n",
				    argv[optind]);
				return (1);
			}
			printf("ms %.1f rss_kb %ld\n", now_ms() - t0,
			    ru.ru_maxrss);
			fflush(stdout);
		}
		return (0);
	}
	if (optind + 1 != argc || runs < 1)
		goto usage;
	if ((f = fopen(argv[optind], "rb")) == NULL ||
	    fstat(fileno(f), &st) != 0 ||
	    (buf = malloc((size_t)st.st_size)) == NULL ||
	    fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "variants: cannot read %s\n", argv[optind]);
		return (1);
	}
	fclose(f);
	if (!fork_each && image_setup(&limits) == -1)
		return (1);
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		if (!fork_each) {
			if (once(argv[optind], buf, (size_t)st.st_size, flags,
			    i == runs - 1) == -1)
				return (1);
			getrusage(RUSAGE_SELF, &ru);
		} else {
			if ((pid = fork()) == -1)
				return (1);
			if (pid == 0) {
				if (image_setup(&limits) == -1)
					_exit(1);
				_exit(once(argv[optind], buf,
				    (size_t)st.st_size, flags,
				    i == runs - 1) == 0 ? 0 : 1);
			}
			if (wait4(pid, &status, 0, &ru) != pid ||
			    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
				return (1);
		}
		printf("ms %.1f rss_kb %ld\n", now_ms() - t0, ru.ru_maxrss);
		fflush(stdout);
	}
	if (!fork_each)
		image_teardown();
	free(buf);
	return (0);
usage:
	fprintf(stderr, "usage: variants [-f] [-n] [-r runs] file\n"
	    "       variants -x [-r runs] command [arg ...]\n");
	return (2);
}
