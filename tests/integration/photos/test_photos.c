/*
 * Integration tests of a motorcycle's photos (/v1/motorcycles/{id}/photos
 * ...) through the test stack's nginx, with the job worker running:
 * uploads of JPEG, PNG and WebP (multipart and raw) answered 202 and made
 * ready by the "photo.variants" job; every variant downloaded through
 * nginx and its size read from its JPEG SOF marker (fit, cover, never
 * enlarged); EXIF GPS absent from every variant (exiftool) and EXIF
 * orientation applied; a script appended to a JPEG gone from the
 * variants; a 20000x20000 PNG bomb and a damaged image refused with
 * nothing stored; a text file named .jpg refused; an image
 * that cannot be decoded marked failed; the per-bike limit (also under
 * two concurrent uploads); access (a stranger gets 404 everywhere, a
 * viewer reads but may not add or delete); deletion removes the row and,
 * after the sweep job, the files; the list and its cursor.
 *
 * Test images are made here with ImageMagick's convert, exiftool and
 * python3 (imagemagick, libimage-exiftool-perl, python3), in a temporary
 * directory.  Bikes and shares are rows written with itest_sql().
 *
 * The stack needs rate limits a test run cannot reach (rate_upload,
 * rate_read, rate_write) and the job worker (scripts/stack jobs-start).
 *
 * Environment: TC_HTTP_URL, TC_STACK_DIR (see itest.h).
 */
#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "itest.h"

#define READY_SECS	60	/* the job worker has this long per photo */

static const char *const photo_keys[] = { "id", "motorcycle_id",
	"uploaded_by", "status", "error", "caption", "width", "height",
	"mime_type", "file_size", "variants", "created_at", "updated_at",
	NULL };
static const char *const variant_names[] = { "thumbnail", "medium", "large",
	NULL };

static char	 tmpdir[256];	/* the test images */

/* ------------------------------------------------------------------ */
/* files and commands */

/* path of name in the temporary directory (a static buffer per call) */
static const char *
tmp(const char *name)
{
	static char	 buf[4][512];
	static int	 k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return (buf[k]);
}

/* Run a shell command line; fails the test if it does not exit 0. */
static void
run(const char *fmt, ...)
{
	va_list	 ap;
	char	 cmd[2048];
	int	 rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* The output of a command line (at most len - 1 bytes). */
static void
run_out(char *out, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	char	 cmd[2048];
	FILE	*p;
	size_t	 n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((p = popen(cmd, "r")) == NULL)
		fail_msg("popen: %s", cmd);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	if (pclose(p) != 0)
		fail_msg("command failed: %s", cmd);
}

struct file {
	char	*p;
	size_t	 len;
};

static struct file
slurp(const char *path)
{
	struct file	 f = { NULL, 0 };
	struct stat	 st;
	FILE		*fp;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) != 0)
		fail_msg("cannot read %s", path);
	f.len = (size_t)st.st_size;
	f.p = malloc(f.len + 1);
	assert_non_null(f.p);
	if (fread(f.p, 1, f.len, fp) != f.len)
		fail_msg("short read of %s", path);
	fclose(fp);
	return (f);
}

static void
spill(const char *path, const char *p, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, fp) != len || fclose(fp) != 0)
		fail_msg("cannot write %s", path);
}

static long	 nfiles;

static int
count_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path;
	(void)st;
	(void)f;
	if (flag == FTW_F)
		nfiles++;
	return (0);
}

/* Files under the stack's media directory. */
static long
media_files(void)
{
	char	*dir = stack_path("media");

	nfiles = 0;
	if (access(dir, F_OK) == 0 &&
	    nftw(dir, count_one, 16, FTW_PHYS) != 0)
		fail_msg("cannot walk %s", dir);
	free(dir);
	return (nfiles);
}

/* Does the stack's media directory hold the object key? */
static int
media_has(const char *key)
{
	char	 rel[2048], *path;
	int	 yes;

	snprintf(rel, sizeof(rel), "media/%s", key);
	path = stack_path(rel);
	yes = access(path, F_OK) == 0;
	free(path);
	return (yes);
}

/*
 * The test images: JPEG 1600x1200, PNG 640x480 with transparency, WebP
 * 400x300, a JPEG 400x200 with EXIF GPS and orientation 6 (shown
 * 200x400), a 20000x20000 PNG bomb (about 48 KB: 400 million pixels of
 * 1-bit zeros), a PNG whose pixel data stops early, a text file.
 */
static void
make_images(void)
{
	run("convert -size 1600x1200 gradient:navy-orange -quality 90 '%s'",
	    tmp("big.jpg"));
	run("convert -size 640x480 xc:none -fill red -draw "
	    "'circle 320,240 320,100' '%s'", tmp("alpha.png"));
	run("convert -size 400x300 gradient:green-yellow -quality 80 '%s'",
	    tmp("small.webp"));
	run("convert -size 400x200 gradient:red-blue -quality 90 '%s' && "
	    "exiftool -q -q -overwrite_original -GPSLatitude=47.3769 "
	    "-GPSLatitudeRef=N -GPSLongitude=8.5417 -GPSLongitudeRef=E "
	    "-GPSAltitude=408 -Orientation#=6 -Comment='at home' "
	    "-XMP:Creator='A rider' '%s'", tmp("gps.jpg"), tmp("gps.jpg"));
	run("python3 -c 'import sys, zlib, struct\n"
	    "def ch(t, d):\n"
	    "    return struct.pack(\">I\", len(d)) + t + d + "
	    "struct.pack(\">I\", zlib.crc32(t + d))\n"
	    "def png(w, h, rows):\n"
	    "    z = zlib.compressobj(9)\n"
	    "    row = bytes((w + 7) // 8 + 1)\n"
	    "    d = b\"\".join(z.compress(row) for i in range(rows)) + "
	    "z.flush()\n"
	    "    return b\"\\x89PNG\\r\\n\\x1a\\n\" + ch(b\"IHDR\", "
	    "struct.pack(\">IIBBBBB\", w, h, 1, 0, 0, 0, 0)) + "
	    "ch(b\"IDAT\", d) + ch(b\"IEND\", b\"\")\n"
	    "open(sys.argv[1], \"wb\").write(png(20000, 20000, 20000))\n"
	    "open(sys.argv[2], \"wb\").write(png(3000, 2000, 10))\n"
	    "' '%s' '%s'", tmp("bomb.png"), tmp("short.png"));
	spill(tmp("text.jpg"), "just some text, not a JPEG at all\n", 35);
	/* JPEG's magic, then nothing an image decoder can read */
	spill(tmp("damaged.jpg"), "\xff\xd8\xff\xe0 garbage after the "
	    "magic bytes, no JPEG header at all", 50);
	/* a JPEG with a script behind it: still image/jpeg to a sniffer */
	run("convert -size 640x400 gradient:white-black -quality 80 '%s' && "
	    "printf '<?php system($_GET[\"c\"]); ?>' >>'%s'",
	    tmp("polyglot.jpg"), tmp("polyglot.jpg"));
}

/* ------------------------------------------------------------------ */
/* HTTP */

struct sink {
	char	*p;
	size_t	 len;
};

static size_t
sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 len = size * n;
	char		*p;

	if ((p = realloc(s->p, s->len + len + 1)) == NULL)
		return (0);
	memcpy(p + s->len, data, len);
	s->p = p;
	s->len += len;
	s->p[s->len] = '\0';
	return (len);
}

static size_t
hdr_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;

	if (size * n > 5 && strncmp(data, "HTTP/", 5) == 0)
		s->len = 0;
	return (sink_write(data, size, n, arg));
}

/*
 * POST an upload to bike's photos as u: multipart (file in part "file"
 * named fname, plus the caption part if caption is not NULL) when ctype
 * is NULL, else the raw bytes with that Content-Type (query appended to
 * the URL).  The answer in r.
 */
static void
upload(const struct tuser *u, long long bike, const struct file *f,
    const char *fname, const char *caption, const char *ctype,
    const char *query, struct resp *r)
{
	struct curl_slist	*list = NULL;
	struct sink		 b = { NULL, 0 }, h = { NULL, 0 };
	curl_mime		*mime = NULL;
	curl_mimepart		*part;
	char			 url[1024], line[256];
	CURL			*c;

	itest_init();
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s/v1/motorcycles/%lld/photos%s%s",
	    itest_env("TC_HTTP_URL"), bike, query != NULL ? "?" : "",
	    query != NULL ? query : "");
	assert_non_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hdr_write);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	list = curl_slist_append(list, u->auth);
	list = curl_slist_append(list, "Expect:");
	if (ctype == NULL) {
		mime = curl_mime_init(c);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "file");
		curl_mime_filename(part, fname);
		curl_mime_type(part, "application/octet-stream");
		curl_mime_data(part, f->p, f->len);
		if (caption != NULL) {
			part = curl_mime_addpart(mime);
			curl_mime_name(part, "caption");
			curl_mime_data(part, caption, CURL_ZERO_TERMINATED);
		}
		curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	} else {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		list = curl_slist_append(list, line);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, f->p);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)f->len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	r->curl_rc = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_mime_free(mime);
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	r->body = b.p != NULL ? b.p : strdup("");
	r->len = b.len;
	r->headers = h.p != NULL ? h.p : strdup("");
	if (r->curl_rc != 0)
		fail_msg("upload: curl error %d", r->curl_rc);
}

static void
req(const struct tuser *u, const char *method, const char *path,
    struct resp *r)
{
	const char	*hdrs[] = { u->auth, NULL };

	if (http_req(method, path, NULL, NULL, hdrs, r) != 0)
		fail_msg("%s %s: no answer", method, path);
}

static struct json_object *
body_json(const struct resp *r)
{
	struct json_object	*o = json_tokener_parse(r->body);

	if (o == NULL)
		fail_msg("not JSON (status %ld): %s", r->status, r->body);
	return (o);
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v = itest_jget(o, key);

	return (v == NULL ? NULL : json_object_get_string(v));
}

static void
assert_keys(struct json_object *o, const char *const *keys)
{
	struct json_object	*v;
	size_t			 n;

	assert_true(json_object_is_type(o, json_type_object));
	for (n = 0; keys[n] != NULL; n++)
		if (!json_object_object_get_ex(o, keys[n], &v))
			fail_msg("key %s missing in %s", keys[n],
			    json_object_to_json_string(o));
	if ((size_t)json_object_object_length(o) != n)
		fail_msg("unexpected keys in %s",
		    json_object_to_json_string(o));
}

static void
assert_problem(const struct resp *r, long status, const char *code)
{
	struct json_object	*o;
	char			 h[256];

	if (r->status != status)
		fail_msg("expected %ld %s, got %ld: %s", status, code,
		    r->status, r->body);
	assert_non_null(resp_header(r, "Content-Type", h, sizeof(h)));
	assert_string_equal(h, "application/problem+json");
	o = body_json(r);
	assert_string_equal(jstr(o, "code"), code);
	json_object_put(o);
}

/* ------------------------------------------------------------------ */
/* fixtures */

static void
user(const char *tag, struct tuser *u)
{
	if (itest_user(tag, u) != 0)
		fail_msg("could not register a %s user", tag);
}

static long long
sql_num(const char *fmt, ...)
{
	va_list	 ap;
	char	 q[1024], out[64];

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (itest_sql(q, out, sizeof(out)) != 0)
		fail_msg("%s failed", q);
	return (atoll(out));
}

static long long
bike_new(const struct tuser *owner)
{
	return (sql_num("INSERT INTO motorcycles (user_id, name, make, model) "
	    "VALUES (%lld, 'Photo test', 'Ducati', 'Monster') RETURNING id",
	    owner->id));
}

static void
share(long long bike, const struct tuser *u, const char *role)
{
	sql_num("INSERT INTO motorcycle_collaborators (motorcycle_id, user_id, "
	    "role) VALUES (%lld, %lld, '%s') RETURNING 1", bike, u->id, role);
}

/* Upload and expect 202; the photo's JSON (the caller puts it). */
static struct json_object *
upload_ok(const struct tuser *u, long long bike, const char *file,
    const char *caption)
{
	struct file		 f = slurp(tmp(file));
	struct json_object	*o;
	struct resp		 r;
	char			 loc[256], want[256];

	upload(u, bike, &f, file, caption, NULL, NULL, &r);
	if (r.status != 202)
		fail_msg("upload %s: %ld %s", file, r.status, r.body);
	o = body_json(&r);
	assert_keys(o, photo_keys);
	assert_string_equal(jstr(o, "status"), "processing");
	assert_true(json_object_is_type(itest_jget(o, "variants"),
	    json_type_null));
	assert_int_equal(itest_jint(o, "motorcycle_id"), bike);
	assert_int_equal(itest_jint(o, "file_size"), (long long)f.len);
	assert_int_equal(itest_jint(o, "uploaded_by"), u->id);
	assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
	snprintf(want, sizeof(want), "/v1/motorcycles/%lld/photos/%lld",
	    bike, itest_jint(o, "id"));
	assert_string_equal(loc, want);
	resp_free(&r);
	free(f.p);
	return (o);
}

/* Poll the photo until it is no longer processing; its JSON. */
static struct json_object *
wait_done(const struct tuser *u, long long bike, long long id)
{
	struct json_object	*o;
	struct resp		 r;
	char			 path[256];
	int			 i;

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos/%lld",
	    bike, id);
	for (i = 0; i < READY_SECS * 10; i++) {
		req(u, "GET", path, &r);
		if (r.status != 200)
			fail_msg("GET %s: %ld %s", path, r.status, r.body);
		o = body_json(&r);
		resp_free(&r);
		if (strcmp(jstr(o, "status"), "processing") != 0)
			return (o);
		json_object_put(o);
		sleep_ms(100);
	}
	fail_msg("photo %lld still processing after %d s", id, READY_SECS);
	return (NULL);
}

/* The size of a JPEG from its SOF marker; -1 if it is not a JPEG. */
static int
jpeg_size(const unsigned char *p, size_t len, int *w, int *h)
{
	size_t	 i = 2, seg;
	int	 m;

	if (len < 4 || p[0] != 0xff || p[1] != 0xd8)
		return (-1);
	while (i + 4 <= len && p[i] == 0xff) {
		m = p[i + 1];
		seg = (size_t)p[i + 2] << 8 | p[i + 3];
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc && i + 9 <= len) {
			*h = p[i + 5] << 8 | p[i + 6];
			*w = p[i + 7] << 8 | p[i + 8];
			return (0);
		}
		i += 2 + seg;
	}
	return (-1);
}

/*
 * The answer has Cache-Control: private, a long max-age and immutable,
 * and no other Cache-Control (a second "no-store" would win).
 */
static void
check_cache_control(const struct resp *r)
{
	const char	*p, *e;
	char		 v[256];
	int		 n = 0;

	for (p = r->headers; (p = strcasestr(p, "\ncache-control:")) != NULL;
	    p = e) {
		p += strlen("\ncache-control:");
		p += strspn(p, " ");
		e = p + strcspn(p, "\r\n");
		snprintf(v, sizeof(v), "%.*s", (int)(e - p), p);
		if (strstr(v, "private") == NULL ||
		    strstr(v, "max-age=31536000") == NULL ||
		    strstr(v, "immutable") == NULL)
			fail_msg("Cache-Control: %s", v);
		n++;
	}
	if (n != 1)
		fail_msg("%d Cache-Control headers:\n%s", n, r->headers);
}

/*
 * Download each variant of a ready photo o through nginx and check it:
 * 200 image/jpeg, cached, nosniff, its SOF size equal to the JSON's and
 * to want (w, h per variant).  save: keep the bytes in tmp(<name>.out).
 */
static void
check_variants(const struct tuser *u, struct json_object *o,
    const int want[3][2], int save)
{
	struct json_object	*vs, *v;
	struct resp		 r;
	char			 h[256], path[256];
	int			 i, w, ht;

	assert_string_equal(jstr(o, "status"), "ready");
	assert_true(json_object_is_type(itest_jget(o, "error"),
	    json_type_null));
	vs = itest_jget(o, "variants");
	assert_int_equal(json_object_object_length(vs), 3);
	for (i = 0; variant_names[i] != NULL; i++) {
		v = itest_jget(vs, variant_names[i]);
		snprintf(path, sizeof(path),
		    "/v1/motorcycles/%lld/photos/%lld/%s",
		    itest_jint(o, "motorcycle_id"), itest_jint(o, "id"),
		    variant_names[i]);
		assert_string_equal(jstr(v, "url"), path);
		assert_int_equal(itest_jint(v, "width"), want[i][0]);
		assert_int_equal(itest_jint(v, "height"), want[i][1]);
		req(u, "GET", path, &r);
		if (r.status != 200)
			fail_msg("GET %s: %ld %s", path, r.status, r.body);
		assert_non_null(resp_header(&r, "Content-Type", h, sizeof(h)));
		assert_string_equal(h, "image/jpeg");
		assert_non_null(resp_header(&r, "X-Content-Type-Options", h,
		    sizeof(h)));
		assert_string_equal(h, "nosniff");
		check_cache_control(&r);
		assert_null(resp_header(&r, "X-Accel-Redirect", h, sizeof(h)));
		if (jpeg_size((const unsigned char *)r.body, r.len, &w,
		    &ht) != 0)
			fail_msg("%s: not a JPEG (%zu bytes)", path, r.len);
		if (w != want[i][0] || ht != want[i][1])
			fail_msg("%s: %dx%d, want %dx%d", path, w, ht,
			    want[i][0], want[i][1]);
		if (save) {
			snprintf(h, sizeof(h), "%s.out", variant_names[i]);
			spill(tmp(h), r.body, r.len);
		}
		resp_free(&r);
	}
}

/* ------------------------------------------------------------------ */
/* tests */

static void
test_jpeg_multipart(void **state)
{
	struct tuser		 u;
	struct json_object	*o, *d;
	long long		 bike, id;
	static const int	 want[3][2] = { { 150, 150 }, { 800, 600 },
	    { 1200, 900 } };

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	o = upload_ok(&u, bike, "big.jpg", "On the pass");
	assert_string_equal(jstr(o, "caption"), "On the pass");
	assert_string_equal(jstr(o, "mime_type"), "image/jpeg");
	assert_int_equal(itest_jint(o, "width"), 1600);
	assert_int_equal(itest_jint(o, "height"), 1200);
	id = itest_jint(o, "id");
	json_object_put(o);
	d = wait_done(&u, bike, id);
	check_variants(&u, d, want, 0);
	json_object_put(d);
}

static void
test_png_webp_raw_never_enlarged(void **state)
{
	struct tuser		 u;
	struct json_object	*o, *d;
	struct file		 f;
	struct resp		 r;
	long long		 bike;
	static const int	 png_want[3][2] = { { 150, 150 },
	    { 640, 480 }, { 640, 480 } };
	static const int	 webp_want[3][2] = { { 150, 150 },
	    { 400, 300 }, { 400, 300 } };

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);

	/* raw PNG with ?caption=: the type comes from the bytes */
	f = slurp(tmp("alpha.png"));
	upload(&u, bike, &f, NULL, NULL, "image/png",
	    "caption=Garage%20%26%20tools", &r);
	if (r.status != 202)
		fail_msg("raw PNG: %ld %s", r.status, r.body);
	o = body_json(&r);
	resp_free(&r);
	free(f.p);
	assert_string_equal(jstr(o, "caption"), "Garage & tools");
	assert_string_equal(jstr(o, "mime_type"), "image/png");
	d = wait_done(&u, bike, itest_jint(o, "id"));
	check_variants(&u, d, png_want, 0);
	json_object_put(o);
	json_object_put(d);

	/* WebP, multipart, no caption: null */
	o = upload_ok(&u, bike, "small.webp", NULL);
	assert_true(json_object_is_type(itest_jget(o, "caption"),
	    json_type_null));
	assert_string_equal(jstr(o, "mime_type"), "image/webp");
	d = wait_done(&u, bike, itest_jint(o, "id"));
	check_variants(&u, d, webp_want, 0);
	json_object_put(o);
	json_object_put(d);
}

static void
test_exif_gps_stripped_orientation_applied(void **state)
{
	struct tuser		 u;
	struct json_object	*o, *d;
	struct file		 f;
	char			 out[4096], name[64];
	long long		 bike;
	int			 i;
	static const int	 want[3][2] = { { 150, 150 }, { 200, 400 },
	    { 200, 400 } };

	(void)state;
	/* the upload does carry them */
	run_out(out, sizeof(out), "exiftool -s -s -s -GPSLatitude "
	    "-Orientation -n '%s'", tmp("gps.jpg"));
	if (strstr(out, "47.37") == NULL || strstr(out, "6") == NULL)
		fail_msg("the test image has no GPS or orientation: %s", out);

	user("photo", &u);
	bike = bike_new(&u);
	o = upload_ok(&u, bike, "gps.jpg", NULL);
	/* the size as displayed: orientation 6 turns 400x200 upright */
	assert_int_equal(itest_jint(o, "width"), 200);
	assert_int_equal(itest_jint(o, "height"), 400);
	d = wait_done(&u, bike, itest_jint(o, "id"));
	check_variants(&u, d, want, 1);
	json_object_put(o);
	json_object_put(d);
	for (i = 0; variant_names[i] != NULL; i++) {
		snprintf(name, sizeof(name), "%s.out", variant_names[i]);
		run_out(out, sizeof(out), "exiftool -s -G -a -u "
		    "-EXIF:all -GPS:all -XMP:all -IPTC:all -Comment '%s'",
		    tmp(name));
		if (out[0] != '\0')
			fail_msg("%s still carries metadata:\n%s",
			    variant_names[i], out);
		f = slurp(tmp(name));
		assert_null(memmem(f.p, f.len, "Exif", 4));
		assert_null(memmem(f.p, f.len, "at home", 7));
		free(f.p);
	}
}

static void
test_polyglot_reencoded(void **state)
{
	struct tuser		 u;
	struct json_object	*o, *d;
	struct file		 f;
	char			 name[64];
	long long		 bike;
	int			 i;
	static const int	 want[3][2] = { { 150, 150 }, { 640, 400 },
	    { 640, 400 } };

	(void)state;
	f = slurp(tmp("polyglot.jpg"));
	assert_non_null(memmem(f.p, f.len, "<?php", 5));
	free(f.p);
	user("photo", &u);
	bike = bike_new(&u);
	o = upload_ok(&u, bike, "polyglot.jpg", NULL);
	d = wait_done(&u, bike, itest_jint(o, "id"));
	check_variants(&u, d, want, 1);
	json_object_put(o);
	json_object_put(d);
	/* the variants are new JPEGs: what followed the image is gone */
	for (i = 0; variant_names[i] != NULL; i++) {
		snprintf(name, sizeof(name), "%s.out", variant_names[i]);
		f = slurp(tmp(name));
		assert_null(memmem(f.p, f.len, "<?php", 5));
		assert_null(memmem(f.p, f.len, "system", 6));
		free(f.p);
	}
}

static void
test_bomb_refused_nothing_stored(void **state)
{
	struct tuser	 u;
	struct file	 f;
	struct resp	 r;
	long long	 bike;
	long		 before;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	before = media_files();
	f = slurp(tmp("bomb.png"));
	assert_true(f.len < 200000);	/* small file, 400 megapixels */
	upload(&u, bike, &f, "bomb.png", "boom", NULL, NULL, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	/* raw, too */
	upload(&u, bike, &f, NULL, NULL, "image/png", NULL, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	free(f.p);
	/* an image whose headers cannot be read: the same answer */
	f = slurp(tmp("damaged.jpg"));
	upload(&u, bike, &f, "damaged.jpg", NULL, NULL, NULL, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	free(f.p);
	assert_int_equal(media_files(), before);
	assert_int_equal(sql_num("SELECT count(*) FROM photos WHERE "
	    "motorcycle_id = %lld", bike), 0);
	assert_int_equal(sql_num("SELECT count(*) FROM outbox WHERE topic = "
	    "'photo.uploaded' AND aggregate_id IN (SELECT id FROM photos "
	    "WHERE motorcycle_id = %lld)", bike), 0);
}

static void
test_text_named_jpg_refused(void **state)
{
	struct tuser	 u;
	struct file	 f;
	struct resp	 r;
	long long	 bike;
	long		 before;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	before = media_files();
	f = slurp(tmp("text.jpg"));
	upload(&u, bike, &f, "holiday.jpg", NULL, NULL, NULL, &r);
	assert_problem(&r, 415, "unsupported_media_type");
	resp_free(&r);
	upload(&u, bike, &f, NULL, NULL, "image/jpeg", NULL, &r);
	assert_problem(&r, 415, "unsupported_media_type");
	resp_free(&r);
	free(f.p);
	assert_int_equal(media_files(), before);
	assert_int_equal(sql_num("SELECT count(*) FROM photos WHERE "
	    "motorcycle_id = %lld", bike), 0);
}

static void
test_undecodable_marked_failed(void **state)
{
	struct tuser		 u;
	struct json_object	*o, *d;
	struct resp		 r;
	char			 path[256];
	long long		 bike, id;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	/* its header is fine (the ping passes), its pixels stop early */
	o = upload_ok(&u, bike, "short.png", NULL);
	assert_int_equal(itest_jint(o, "width"), 3000);
	id = itest_jint(o, "id");
	json_object_put(o);
	d = wait_done(&u, bike, id);
	assert_string_equal(jstr(d, "status"), "failed");
	assert_non_null(jstr(d, "error"));
	assert_true(json_object_is_type(itest_jget(d, "variants"),
	    json_type_null));
	json_object_put(d);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos/%lld/large",
	    bike, id);
	req(&u, "GET", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
}

/*
 * A photo whose job can never read its upload (a directory stands where
 * the file should be: every attempt fails and is retried) ends failed
 * once the job is dead-lettered, not processing for ever.
 */
static void
test_dead_lettered_job_fails_photo(void **state)
{
	struct tuser		 u;
	struct json_object	*d;
	char			 key[64], rel[96], *dir;
	unsigned char		 rnd[16];
	long long		 bike, id;
	size_t			 i;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fail_msg("getrandom");
	memcpy(key, "photos/", 7);
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(key + 10 + 2 * i, 3, "%02x", rnd[i]);
	key[7] = key[10];
	key[8] = key[11];
	key[9] = '/';
	memcpy(key + 42, ".jpg", 5);
	snprintf(rel, sizeof(rel), "media/%s", key);
	dir = stack_path(rel);
	run("mkdir -p '%s'", dir);
	id = sql_num("INSERT INTO photos (motorcycle_id, status, storage_key, "
	    "mime_type, file_size, width, height) VALUES (%lld, 'processing', "
	    "'%s', 'image/jpeg', 100, 10, 10) RETURNING id", bike, key);
	sql_num("INSERT INTO outbox (topic, aggregate, aggregate_id, payload) "
	    "VALUES ('photo.uploaded', 'photo', %lld, "
	    "json_build_object('photo_id', %lld)) RETURNING id", id, id);
	/* 3 attempts, 2 s and 4 s apart: well inside READY_SECS */
	d = wait_done(&u, bike, id);
	assert_string_equal(jstr(d, "status"), "failed");
	assert_non_null(strstr(jstr(d, "error"), "not processed"));
	json_object_put(d);
	run("rmdir '%s'", dir);
	free(dir);
}

static void
test_validation(void **state)
{
	struct tuser	 u;
	struct file	 f;
	struct resp	 r;
	char		 caption[600], path[256];
	long long	 bike;
	long		 before;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	before = media_files();
	f = slurp(tmp("small.webp"));
	memset(caption, 'x', 501);
	caption[501] = '\0';
	upload(&u, bike, &f, "a.webp", caption, NULL, NULL, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	upload(&u, bike, &f, NULL, NULL, "image/webp", "colour=red", &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
	free(f.p);
	assert_int_equal(media_files(), before);

	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos/abc", bike);
	req(&u, "GET", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos/999999999",
	    bike);
	req(&u, "GET", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	snprintf(path, sizeof(path),
	    "/v1/motorcycles/%lld/photos/999999999/original", bike);
	req(&u, "GET", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos?cursor=x",
	    bike);
	req(&u, "GET", path, &r);
	assert_problem(&r, 400, "validation_failed");
	resp_free(&r);
}

static void
test_access(void **state)
{
	struct tuser		 owner, viewer, editor, stranger;
	struct json_object	*o;
	struct file		 f;
	struct resp		 r;
	char			 path[256];
	long long		 bike, id;
	const char		*const *v;

	(void)state;
	user("photo", &owner);
	user("photo", &viewer);
	user("photo", &editor);
	user("photo", &stranger);
	bike = bike_new(&owner);
	share(bike, &viewer, "viewer");
	share(bike, &editor, "editor");
	o = upload_ok(&owner, bike, "small.webp", NULL);
	id = itest_jint(o, "id");
	json_object_put(o);
	json_object_put(wait_done(&owner, bike, id));
	f = slurp(tmp("small.webp"));

	/* a stranger: 404 everywhere, nothing stored */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos", bike);
	req(&stranger, "GET", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos/%lld", bike,
	    id);
	req(&stranger, "GET", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	req(&stranger, "DELETE", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	for (v = variant_names; *v != NULL; v++) {
		snprintf(path, sizeof(path),
		    "/v1/motorcycles/%lld/photos/%lld/%s", bike, id, *v);
		req(&stranger, "GET", path, &r);
		assert_problem(&r, 404, "not_found");
		resp_free(&r);
	}
	upload(&stranger, bike, &f, "x.webp", NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);

	/* a viewer reads, but may not add or delete: 403 */
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos", bike);
	req(&viewer, "GET", path, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	snprintf(path, sizeof(path),
	    "/v1/motorcycles/%lld/photos/%lld/thumbnail", bike, id);
	req(&viewer, "GET", path, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	upload(&viewer, bike, &f, "x.webp", NULL, NULL, NULL, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos/%lld", bike,
	    id);
	req(&viewer, "DELETE", path, &r);
	assert_problem(&r, 403, "forbidden");
	resp_free(&r);
	assert_int_equal(sql_num("SELECT count(*) FROM photos WHERE "
	    "motorcycle_id = %lld", bike), 1);

	/* an editor adds and deletes */
	o = upload_ok(&editor, bike, "small.webp", "by the editor");
	json_object_put(o);
	req(&editor, "DELETE", path, &r);
	assert_int_equal(r.status, 204);
	resp_free(&r);
	assert_int_equal(sql_num("SELECT count(*) FROM photos WHERE "
	    "motorcycle_id = %lld", bike), 1);
	free(f.p);
}

static void
test_delete_removes_files(void **state)
{
	struct tuser		 u;
	struct json_object	*o;
	struct resp		 r;
	char			 keys[4][256], q[512], path[256];
	long long		 bike, id;
	int			 i, k, gone;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	o = upload_ok(&u, bike, "big.jpg", NULL);
	id = itest_jint(o, "id");
	json_object_put(o);
	json_object_put(wait_done(&u, bike, id));
	/* the upload and its three variants */
	for (i = 0; i < 4; i++) {
		snprintf(q, sizeof(q), "SELECT %s FROM photos WHERE id = %lld",
		    i == 0 ? "storage_key" : i == 1 ?
		    "variants->'thumbnail'->>'key'" : i == 2 ?
		    "variants->'medium'->>'key'" :
		    "variants->'large'->>'key'", id);
		if (itest_sql(q, keys[i], sizeof(keys[i])) != 0 ||
		    keys[i][0] == '\0')
			fail_msg("no key %d", i);
		if (!media_has(keys[i]))
			fail_msg("%s is not in the media directory", keys[i]);
	}
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos/%lld", bike,
	    id);
	req(&u, "DELETE", path, &r);
	assert_int_equal(r.status, 204);
	resp_free(&r);
	req(&u, "GET", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos/%lld/medium",
	    bike, id);
	req(&u, "GET", path, &r);
	assert_problem(&r, 404, "not_found");
	resp_free(&r);
	req(&u, "DELETE", path, &r);	/* not a route: 405 */
	assert_int_equal(r.status, 405);
	resp_free(&r);
	/* the sweep job removes the objects (from storage_trash) */
	for (k = 0; k < 300; k++) {
		for (gone = 0, i = 0; i < 4; i++)
			gone += !media_has(keys[i]);
		if (gone == 4)
			break;
		sleep_ms(100);
	}
	if (gone != 4)
		fail_msg("%d of 4 files still there 30 s after the delete",
		    4 - gone);
}

static void
test_bike_deleted_trashes_files(void **state)
{
	struct tuser		 u;
	struct json_object	*o;
	char			 key[256], q[256];
	long long		 bike, id;
	int			 k;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	o = upload_ok(&u, bike, "small.webp", NULL);
	id = itest_jint(o, "id");
	json_object_put(o);
	json_object_put(wait_done(&u, bike, id));
	snprintf(q, sizeof(q), "SELECT variants->'large'->>'key' FROM photos "
	    "WHERE id = %lld", id);
	if (itest_sql(q, key, sizeof(key)) != 0 || !media_has(key))
		fail_msg("no large variant");
	/* the cascade from the bike goes through the same trigger */
	sql_num("WITH d AS (DELETE FROM motorcycles WHERE id = %lld "
	    "RETURNING id) SELECT count(*) FROM d", bike);
	for (k = 0; k < 300 && media_has(key); k++)
		sleep_ms(100);
	if (media_has(key))
		fail_msg("%s still there after the bike was deleted", key);
}

static void
test_list_and_cursor(void **state)
{
	struct tuser		 u;
	struct json_object	*o, *page, *data;
	struct resp		 r;
	char			 path[512], cur[256];
	long long		 bike, ids[3];
	int			 i;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	for (i = 0; i < 3; i++) {
		o = upload_ok(&u, bike, "small.webp", NULL);
		ids[i] = itest_jint(o, "id");
		json_object_put(o);
	}
	snprintf(path, sizeof(path), "/v1/motorcycles/%lld/photos?limit=2",
	    bike);
	req(&u, "GET", path, &r);
	assert_int_equal(r.status, 200);
	page = body_json(&r);
	resp_free(&r);
	data = itest_jget(page, "data");
	assert_int_equal(json_object_array_length(data), 2);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "id"),
	    ids[2]);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 1), "id"),
	    ids[1]);
	assert_keys(json_object_array_get_idx(data, 0), photo_keys);
	itest_qenc(cur, sizeof(cur), jstr(page, "next_cursor"));
	json_object_put(page);
	snprintf(path, sizeof(path),
	    "/v1/motorcycles/%lld/photos?limit=2&cursor=%s", bike, cur);
	req(&u, "GET", path, &r);
	assert_int_equal(r.status, 200);
	page = body_json(&r);
	resp_free(&r);
	data = itest_jget(page, "data");
	assert_int_equal(json_object_array_length(data), 1);
	assert_int_equal(itest_jint(json_object_array_get_idx(data, 0), "id"),
	    ids[0]);
	assert_true(json_object_is_type(itest_jget(page, "next_cursor"),
	    json_type_null));
	json_object_put(page);
}

/* Upload in a child process: exit 0 on 202, 1 on 409, 2 otherwise. */
static pid_t
upload_bg(const struct tuser *u, long long bike, const struct file *f)
{
	struct resp	 r;
	pid_t		 pid;

	if ((pid = fork()) == -1)
		fail_msg("fork");
	if (pid == 0) {
		upload(u, bike, f, "x.webp", NULL, NULL, NULL, &r);
		_exit(r.status == 202 ? 0 : r.status == 409 ? 1 : 2);
	}
	return (pid);
}

static void
test_limit_reached(void **state)
{
	struct tuser	 u;
	struct file	 f;
	struct resp	 r;
	pid_t		 a, b;
	int		 sa, sb;
	long long	 bike;
	long		 before;

	(void)state;
	user("photo", &u);
	bike = bike_new(&u);
	/* 49 photos as rows (their keys name nothing) */
	sql_num("WITH i AS (INSERT INTO photos (motorcycle_id, storage_key, "
	    "mime_type, file_size, width, height, status, error) "
	    "SELECT %lld, 'photos/00/none' || g, 'image/png', 1, 1, 1, "
	    "'failed', 'test row' FROM generate_series(1, 49) g RETURNING 1) "
	    "SELECT count(*) FROM i", bike);
	f = slurp(tmp("small.webp"));
	/* two at once for the last place: exactly one gets it */
	a = upload_bg(&u, bike, &f);
	b = upload_bg(&u, bike, &f);
	if (waitpid(a, &sa, 0) != a || waitpid(b, &sb, 0) != b ||
	    !WIFEXITED(sa) || !WIFEXITED(sb))
		fail_msg("upload children");
	if (WEXITSTATUS(sa) + WEXITSTATUS(sb) != 1)
		fail_msg("concurrent uploads for the last place: exits %d "
		    "and %d (0: 202, 1: 409)", WEXITSTATUS(sa),
		    WEXITSTATUS(sb));
	assert_int_equal(sql_num("SELECT count(*) FROM photos WHERE "
	    "motorcycle_id = %lld", bike), 50);
	/* full: refused before anything is stored */
	before = media_files();
	upload(&u, bike, &f, "x.webp", NULL, NULL, NULL, &r);
	assert_problem(&r, 409, "limit_reached");
	resp_free(&r);
	assert_int_equal(media_files(), before);
	free(f.p);
	sql_num("WITH d AS (DELETE FROM photos WHERE motorcycle_id = %lld "
	    "AND error = 'test row' RETURNING 1) SELECT count(*) FROM d",
	    bike);
}

static void
test_unauthenticated(void **state)
{
	struct resp	 r;

	(void)state;
	if (http_req("GET", "/v1/motorcycles/1/photos", NULL, NULL, NULL,
	    &r) != 0)
		fail_msg("no answer");
	assert_problem(&r, 401, "unauthorized");
	resp_free(&r);
	if (http_req("GET", "/v1/motorcycles/1/photos/1/thumbnail", NULL,
	    NULL, NULL, &r) != 0)
		fail_msg("no answer");
	assert_problem(&r, 401, "unauthorized");
	resp_free(&r);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tc-photos.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	make_images();
	return (0);
}

static int
teardown(void **state)
{
	char	 cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unauthenticated),
		cmocka_unit_test(test_jpeg_multipart),
		cmocka_unit_test(test_png_webp_raw_never_enlarged),
		cmocka_unit_test(test_exif_gps_stripped_orientation_applied),
		cmocka_unit_test(test_polyglot_reencoded),
		cmocka_unit_test(test_bomb_refused_nothing_stored),
		cmocka_unit_test(test_text_named_jpg_refused),
		cmocka_unit_test(test_undecodable_marked_failed),
		cmocka_unit_test(test_dead_lettered_job_fails_photo),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_delete_removes_files),
		cmocka_unit_test(test_bike_deleted_trashes_files),
		cmocka_unit_test(test_list_and_cursor),
		cmocka_unit_test(test_limit_reached),
	};

	itest_init();
	return (cmocka_run_group_tests(tests, setup, teardown));
}
