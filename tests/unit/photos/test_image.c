/*
 * Unit tests of src/photos/image.c: the geometry of fit and cover (never
 * enlarged), and real variants made with MagickWand from images built
 * here: sizes read back from the JPEGs' SOF markers, EXIF orientation 6
 * applied, EXIF (GPS included), comments and XMP gone, transparency on
 * white, bombs and mislabelled bytes refused without decoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <wand/MagickWand.h>

#include "photos/image.h"
#include "photos/photos.h"

#define MAX_PIXELS	50000000L

static const struct image_limits limits = { MAX_PIXELS, 256, 0, 0 };

/* ------------------------------------------------------------------ */
/* geometry */

static void
geom(int sw, int sh, const struct image_spec *s, int w, int h)
{
	struct image_geom	 g;

	image_geometry(sw, sh, s, &g);
	if (g.width != w || g.height != h)
		fail_msg("%dx%d in %s %dx%d: got %dx%d, want %dx%d", sw, sh,
		    s->fit == IMAGE_FIT ? "fit" : "cover", s->width,
		    s->height, g.width, g.height, w, h);
	assert_true(g.width <= s->width && g.height <= s->height);
	assert_true(g.scaled_w <= sw && g.scaled_h <= sh);	/* never up */
	assert_true(g.crop_x >= 0 && g.crop_y >= 0);
	assert_true(g.crop_x + g.width <= g.scaled_w);
	assert_true(g.crop_y + g.height <= g.scaled_h);
}

static void
test_fit(void **state)
{
	const struct image_spec	*medium = &photo_specs[1];
	const struct image_spec	*large = &photo_specs[2];

	(void)state;
	assert_string_equal(medium->name, "medium");
	assert_string_equal(large->name, "large");
	/* landscape 4:3, portrait 3:4 */
	geom(4000, 3000, medium, 800, 600);
	geom(4000, 3000, large, 1200, 900);
	geom(3000, 4000, medium, 450, 600);
	geom(3000, 4000, large, 675, 900);
	/* wider than the box: the width limits; taller: the height */
	geom(1000, 100, medium, 800, 80);
	geom(100, 1000, medium, 60, 600);
	geom(1601, 1200, medium, 800, 600);	/* 599.6 rounds to 600 */
	geom(801, 600, medium, 800, 599);	/* 599.25 rounds to 599 */
	/* never enlarged: smaller or equal sources keep their size */
	geom(400, 300, medium, 400, 300);
	geom(400, 300, large, 400, 300);
	geom(800, 600, medium, 800, 600);
	geom(1, 1, large, 1, 1);
	/* extreme aspect: never 0 */
	geom(10, 16000, medium, 1, 600);
	geom(16000, 10, large, 1200, 1);
}

static void
test_cover(void **state)
{
	const struct image_spec	*thumb = &photo_specs[0];
	struct image_geom	 g;

	(void)state;
	assert_string_equal(thumb->name, "thumbnail");
	assert_int_equal(thumb->fit, IMAGE_COVER);
	geom(4000, 3000, thumb, 150, 150);
	image_geometry(4000, 3000, thumb, &g);
	assert_int_equal(g.scaled_w, 200);	/* the height fills */
	assert_int_equal(g.scaled_h, 150);
	assert_int_equal(g.crop_x, 25);		/* the centre */
	assert_int_equal(g.crop_y, 0);
	image_geometry(3000, 4000, thumb, &g);
	assert_int_equal(g.scaled_w, 150);
	assert_int_equal(g.scaled_h, 200);
	assert_int_equal(g.crop_y, 25);
	geom(150, 150, thumb, 150, 150);
	geom(400, 300, thumb, 150, 150);
	/* a side under the box: not scaled up, only cropped */
	geom(100, 80, thumb, 100, 80);
	geom(400, 100, thumb, 150, 100);
	image_geometry(400, 100, thumb, &g);
	assert_int_equal(g.scaled_w, 400);
	assert_int_equal(g.crop_x, 125);
	geom(100, 400, thumb, 100, 150);
	geom(20000, 151, thumb, 150, 150);
}

static void
test_format_of(void **state)
{
	(void)state;
	assert_string_equal(image_format_of("image/jpeg"), "JPEG");
	assert_string_equal(image_format_of("image/png"), "PNG");
	assert_string_equal(image_format_of("image/webp"), "WEBP");
	assert_null(image_format_of("application/pdf"));
	assert_null(image_format_of("image/gif"));
	assert_null(image_format_of(NULL));
}

/* ------------------------------------------------------------------ */
/* helpers: images made here, JPEGs read back */

struct blob {
	unsigned char	*p;
	size_t		 len;
};

static void
blob_free(struct blob *b)
{
	free(b->p);
	b->p = NULL;
}

/* A w x h image of colour in format ("PNG", "JPEG", "WEBP"). */
static struct blob
make(int w, int h, const char *colour, const char *format)
{
	MagickWand	*mw = NewMagickWand();
	PixelWand	*pw = NewPixelWand();
	unsigned char	*p;
	struct blob	 b;

	assert_true(PixelSetColor(pw, colour) == MagickTrue);
	assert_true(MagickNewImage(mw, (size_t)w, (size_t)h, pw) ==
	    MagickTrue);
	/* some detail, so the resize has something to do */
	assert_true(MagickAddNoiseImage(mw, GaussianNoise) == MagickTrue);
	assert_true(MagickSetImageFormat(mw, format) == MagickTrue);
	p = MagickGetImageBlob(mw, &b.len);
	assert_non_null(p);
	b.p = malloc(b.len);
	assert_non_null(b.p);
	memcpy(b.p, p, b.len);
	MagickRelinquishMemory(p);
	DestroyPixelWand(pw);
	DestroyMagickWand(mw);
	return (b);
}

/*
 * The JPEG's size from its SOF marker; fails on a malformed one.
 * *app1 counts APP1 segments (EXIF, XMP), *com comments.
 */
static void
jpeg_info(const unsigned char *p, size_t len, int *w, int *h, int *app1,
    int *com)
{
	size_t	 i = 2, seg;
	int	 m;

	*w = *h = *app1 = *com = 0;
	assert_true(len > 4 && p[0] == 0xff && p[1] == 0xd8);
	while (i + 4 <= len) {
		assert_int_equal(p[i], 0xff);
		m = p[i + 1];
		seg = (size_t)p[i + 2] << 8 | p[i + 3];
		if (m == 0xe1)
			(*app1)++;
		if (m == 0xfe)
			(*com)++;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			assert_true(i + 9 <= len);
			*h = p[i + 5] << 8 | p[i + 6];
			*w = p[i + 7] << 8 | p[i + 8];
			return;
		}
		i += 2 + seg;
	}
	fail_msg("no SOF marker");
}

static int
contains(const unsigned char *p, size_t len, const char *s)
{
	return (memmem(p, len, s, strlen(s)) != NULL);
}

/* The colour of pixel (x, y) of a JPEG, as 0..255 r, g, b. */
static void
pixel_at(const struct image_out *o, int x, int y, int *rgb)
{
	MagickWand	*mw = NewMagickWand();
	PixelWand	*pw = NewPixelWand();

	assert_true(MagickReadImageBlob(mw, o->data, o->len) == MagickTrue);
	assert_true(MagickGetImagePixelColor(mw, x, y, pw) == MagickTrue);
	rgb[0] = (int)(PixelGetRed(pw) * 255 + 0.5);
	rgb[1] = (int)(PixelGetGreen(pw) * 255 + 0.5);
	rgb[2] = (int)(PixelGetBlue(pw) * 255 + 0.5);
	DestroyPixelWand(pw);
	DestroyMagickWand(mw);
}

static void
assert_variants(const struct image_out *out, int tw, int th, int mw,
    int mh, int lw, int lh)
{
	const int	 want[PHOTO_NVARIANTS][2] = { { tw, th }, { mw, mh },
	    { lw, lh } };
	int		 i, w, h, app1, com;

	for (i = 0; i < PHOTO_NVARIANTS; i++) {
		assert_non_null(out[i].data);
		jpeg_info(out[i].data, out[i].len, &w, &h, &app1, &com);
		if (w != want[i][0] || h != want[i][1] ||
		    out[i].width != w || out[i].height != h)
			fail_msg("%s: %dx%d (says %dx%d), want %dx%d",
			    photo_specs[i].name, w, h, out[i].width,
			    out[i].height, want[i][0], want[i][1]);
		assert_int_equal(app1, 0);
		assert_int_equal(com, 0);
	}
}

static int
make_variants(const struct blob *b, const char *format, unsigned flags,
    struct image_out *out)
{
	char	 err[256];
	int	 rc;

	rc = image_make(b->p, b->len, format, MAX_PIXELS, photo_specs,
	    PHOTO_NVARIANTS, flags, out, err, sizeof(err));
	if (rc != IMAGE_OK)
		print_message("image_make: %d %s\n", rc, err);
	return (rc);
}

/* ------------------------------------------------------------------ */
/* real variants */

static void
test_resize_landscape(void **state)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	struct blob		 b = make(2400, 1800, "steelblue", "JPEG");

	(void)state;
	assert_int_equal(make_variants(&b, "JPEG", 0, out), IMAGE_OK);
	assert_variants(out, 150, 150, 800, 600, 1200, 900);
	image_out_free(out, PHOTO_NVARIANTS);
	/* decoded at full size: the same sizes */
	assert_int_equal(make_variants(&b, "JPEG", IMAGE_NO_SHRINK, out),
	    IMAGE_OK);
	assert_variants(out, 150, 150, 800, 600, 1200, 900);
	image_out_free(out, PHOTO_NVARIANTS);
	blob_free(&b);
}

static void
test_resize_portrait_png(void **state)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	struct blob		 b = make(900, 1600, "olive", "PNG");

	(void)state;
	assert_int_equal(make_variants(&b, "PNG", 0, out), IMAGE_OK);
	/* 900x1600 fit 800x600: 338x600; fit 1200x900: 506x900 */
	assert_variants(out, 150, 150, 338, 600, 506, 900);
	image_out_free(out, PHOTO_NVARIANTS);
	blob_free(&b);
}

static void
test_never_enlarged(void **state)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	struct blob		 b = make(400, 300, "orange", "WEBP");

	(void)state;
	assert_int_equal(make_variants(&b, "WEBP", 0, out), IMAGE_OK);
	assert_variants(out, 150, 150, 400, 300, 400, 300);
	image_out_free(out, PHOTO_NVARIANTS);
	blob_free(&b);

	b = make(120, 90, "orange", "PNG");
	assert_int_equal(make_variants(&b, "PNG", 0, out), IMAGE_OK);
	assert_variants(out, 120, 90, 120, 90, 120, 90);
	image_out_free(out, PHOTO_NVARIANTS);
	blob_free(&b);
}

/* Big-endian and little-endian helpers for the EXIF segment below. */
static void
put16le(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
}

static void
put32le(unsigned char *p, unsigned long v)
{
	put16le(p, v & 0xffff);
	put16le(p + 2, v >> 16 & 0xffff);
}

/* One 12-byte IFD entry. */
static void
ifd_entry(unsigned char *p, unsigned tag, unsigned type, unsigned long n,
    unsigned long value)
{
	put16le(p, tag);
	put16le(p + 2, type);
	put32le(p + 4, n);
	put32le(p + 8, value);
}

/*
 * jpeg with an APP1 EXIF segment spliced in after SOI: IFD0 holds
 * Orientation and a GPS IFD pointer; the GPS IFD holds GPSLatitudeRef
 * "N" and GPSLongitudeRef "E" (enough for the GPS tags to be there).
 */
static struct blob
with_exif(const struct blob *jpeg, int orientation)
{
	unsigned char	 seg[2 + 2 + 6 + 8 + 2 + 2 * 12 + 4 + 2 + 2 * 12 + 4];
	unsigned char	*t = seg + 10;		/* the TIFF header */
	size_t		 gps = 8 + 2 + 2 * 12 + 4;	/* its offset in TIFF */
	struct blob	 b;

	memset(seg, 0, sizeof(seg));
	seg[0] = 0xff;
	seg[1] = 0xe1;
	seg[2] = (sizeof(seg) - 2) >> 8;
	seg[3] = (sizeof(seg) - 2) & 0xff;
	memcpy(seg + 4, "Exif\0\0", 6);
	memcpy(t, "II*\0", 4);
	put32le(t + 4, 8);
	put16le(t + 8, 2);
	ifd_entry(t + 10, 0x0112, 3, 1, (unsigned long)orientation);
	ifd_entry(t + 22, 0x8825, 4, 1, gps);
	put32le(t + 34, 0);
	put16le(t + gps, 2);
	ifd_entry(t + gps + 2, 0x0001, 2, 2, 'N');	/* "N\0" inline */
	ifd_entry(t + gps + 14, 0x0003, 2, 2, 'E');
	put32le(t + gps + 26, 0);

	b.len = jpeg->len + sizeof(seg);
	b.p = malloc(b.len);
	assert_non_null(b.p);
	memcpy(b.p, jpeg->p, 2);
	memcpy(b.p + 2, seg, sizeof(seg));
	memcpy(b.p + 2 + sizeof(seg), jpeg->p + 2, jpeg->len - 2);
	return (b);
}

static void
test_exif_orientation_and_gps(void **state)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	struct blob		 plain = make(400, 200, "darkred", "JPEG");
	struct blob		 b = with_exif(&plain, 6);
	char			 err[128];
	int			 w, h, i;

	(void)state;
	blob_free(&plain);
	assert_true(contains(b.p, b.len, "Exif"));
	/* the ping reports the size as displayed: turned a quarter */
	assert_int_equal(image_ping(b.p, b.len, "JPEG", MAX_PIXELS, &w, &h,
	    err, sizeof(err)), IMAGE_OK);
	assert_int_equal(w, 200);
	assert_int_equal(h, 400);
	assert_int_equal(make_variants(&b, "JPEG", 0, out), IMAGE_OK);
	/* portrait now: 200x400, never enlarged; the thumbnail crops */
	assert_variants(out, 150, 150, 200, 400, 200, 400);
	for (i = 0; i < PHOTO_NVARIANTS; i++) {
		assert_false(contains(out[i].data, out[i].len, "Exif"));
		assert_false(contains(out[i].data, out[i].len, "http://ns."
		    "adobe.com/xap"));
	}
	image_out_free(out, PHOTO_NVARIANTS);
	blob_free(&b);
}

static void
test_alpha_on_white(void **state)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	struct blob		 b;
	MagickWand		*mw = NewMagickWand();
	PixelWand		*pw = NewPixelWand();
	unsigned char		*p;
	int			 rgb[3];

	(void)state;
	/* fully transparent black: flattened, it must be white */
	assert_true(PixelSetColor(pw, "rgba(0,0,0,0)") == MagickTrue);
	assert_true(MagickNewImage(mw, 300, 200, pw) == MagickTrue);
	assert_true(MagickSetImageFormat(mw, "PNG") == MagickTrue);
	p = MagickGetImageBlob(mw, &b.len);
	b.p = malloc(b.len);
	memcpy(b.p, p, b.len);
	MagickRelinquishMemory(p);
	DestroyPixelWand(pw);
	DestroyMagickWand(mw);

	assert_int_equal(make_variants(&b, "PNG", 0, out), IMAGE_OK);
	assert_variants(out, 150, 150, 300, 200, 300, 200);
	pixel_at(&out[1], 150, 100, rgb);
	if (rgb[0] < 250 || rgb[1] < 250 || rgb[2] < 250)
		fail_msg("not white: %d,%d,%d", rgb[0], rgb[1], rgb[2]);
	image_out_free(out, PHOTO_NVARIANTS);
	blob_free(&b);
}

/* ------------------------------------------------------------------ */
/* refusals */

static unsigned long
crc32_of(const unsigned char *p, size_t n)
{
	unsigned long	 c = 0xffffffffUL;
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320UL ^ (c >> 1) : c >> 1;
	}
	return (c ^ 0xffffffffUL);
}

static void
put32be(unsigned char *p, unsigned long v)
{
	p[0] = v >> 24 & 0xff;
	p[1] = v >> 16 & 0xff;
	p[2] = v >> 8 & 0xff;
	p[3] = v & 0xff;
}

/* zlib of 100 zero bytes: a start of the pixel data, enough for a ping */
static const unsigned char idat[] = { 0x78, 0x9c, 0x63, 0x60, 0xa0, 0x3d,
	0x00, 0x00, 0x00, 0x64, 0x00, 0x01 };

#define PNG_LEN	(8 + 25 + 12 + sizeof(idat) + 12)

/*
 * A PNG of w x h (1-bit grey) whose pixel data stops after 100 bytes:
 * signature, IHDR, a short IDAT, IEND.  A ping reads its size; a decode
 * finds too little data.  (The bomb of the integration test is whole.)
 */
static void
png_header(unsigned char *p, unsigned long w, unsigned long h)
{
	unsigned char	*d;

	memcpy(p, "\x89PNG\r\n\x1a\n", 8);
	put32be(p + 8, 13);
	memcpy(p + 12, "IHDR", 4);
	put32be(p + 16, w);
	put32be(p + 20, h);
	p[24] = 1;		/* depth */
	p[25] = 0;		/* grey */
	p[26] = p[27] = p[28] = 0;
	put32be(p + 29, crc32_of(p + 12, 17));
	d = p + 33;
	put32be(d, sizeof(idat));
	memcpy(d + 4, "IDAT", 4);
	memcpy(d + 8, idat, sizeof(idat));
	put32be(d + 8 + sizeof(idat), crc32_of(d + 4, 4 + sizeof(idat)));
	d += 12 + sizeof(idat);
	put32be(d, 0);
	memcpy(d + 4, "IEND", 4);
	put32be(d + 8, crc32_of(d + 4, 4));
}

static void
test_bombs_refused_on_ping(void **state)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	unsigned char		 png[PNG_LEN];
	char			 err[256];
	int			 w, h;

	(void)state;
	/* 20000x20000: beyond 16K a side (ours and the policy's) */
	png_header(png, 20000, 20000);
	assert_int_not_equal(image_ping(png, sizeof(png), "PNG", MAX_PIXELS,
	    &w, &h, err, sizeof(err)), IMAGE_OK);
	/* 9000x9000 = 81 MP: a side within the limits, the area not */
	png_header(png, 9000, 9000);
	assert_int_equal(image_ping(png, sizeof(png), "PNG", MAX_PIXELS, &w,
	    &h, err, sizeof(err)), IMAGE_TOO_LARGE);
	assert_int_equal(image_make(png, sizeof(png), "PNG", MAX_PIXELS,
	    photo_specs, PHOTO_NVARIANTS, 0, out, err, sizeof(err)),
	    IMAGE_TOO_LARGE);
	/* within the limits: the ping is fine (no pixels read) */
	png_header(png, 4000, 3000);
	assert_int_equal(image_ping(png, sizeof(png), "PNG", MAX_PIXELS, &w,
	    &h, err, sizeof(err)), IMAGE_OK);
	assert_int_equal(w, 4000);
	assert_int_equal(h, 3000);
	/* ... but there are none to decode */
	assert_int_equal(image_make(png, sizeof(png), "PNG", MAX_PIXELS,
	    photo_specs, PHOTO_NVARIANTS, 0, out, err, sizeof(err)),
	    IMAGE_UNREADABLE);
	image_out_free(out, PHOTO_NVARIANTS);
	/* a lower limit refuses it */
	assert_int_equal(image_ping(png, sizeof(png), "PNG", 1000000L, &w,
	    &h, err, sizeof(err)), IMAGE_TOO_LARGE);
}

static void
test_unreadable(void **state)
{
	struct image_out	 out[PHOTO_NVARIANTS];
	struct blob		 b = make(64, 48, "green", "PNG");
	static const char	 text[] = "this is not an image at all\n";
	char			 err[256];
	int			 w, h;

	(void)state;
	/* the sniffed type is the only coder: PNG bytes are not a JPEG */
	assert_int_equal(image_ping(b.p, b.len, "JPEG", MAX_PIXELS, &w, &h,
	    err, sizeof(err)), IMAGE_UNREADABLE);
	assert_int_equal(image_make(b.p, b.len, "JPEG", MAX_PIXELS,
	    photo_specs, PHOTO_NVARIANTS, 0, out, err, sizeof(err)),
	    IMAGE_UNREADABLE);
	image_out_free(out, PHOTO_NVARIANTS);
	/* a truncated PNG */
	assert_int_not_equal(image_make(b.p, b.len / 2, "PNG", MAX_PIXELS,
	    photo_specs, PHOTO_NVARIANTS, 0, out, err, sizeof(err)),
	    IMAGE_OK);
	image_out_free(out, PHOTO_NVARIANTS);
	assert_int_equal(image_ping(text, sizeof(text) - 1, "JPEG",
	    MAX_PIXELS, &w, &h, err, sizeof(err)), IMAGE_UNREADABLE);
	assert_int_equal(image_ping(NULL, 0, "JPEG", MAX_PIXELS, &w, &h,
	    err, sizeof(err)), IMAGE_UNREADABLE);
	blob_free(&b);
}

static int
setup(void **state)
{
	(void)state;
	return (image_setup(&limits) == 0 ? 0 : -1);
}

static int
teardown(void **state)
{
	(void)state;
	image_teardown();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_format_of),
		cmocka_unit_test(test_resize_landscape),
		cmocka_unit_test(test_resize_portrait_png),
		cmocka_unit_test(test_never_enlarged),
		cmocka_unit_test(test_exif_orientation_and_gps),
		cmocka_unit_test(test_alpha_on_white),
		cmocka_unit_test(test_bombs_refused_on_ping),
		cmocka_unit_test(test_unreadable),
	};

	return (cmocka_run_group_tests_name("photos/image", tests, setup,
	    teardown));
}
