/*
 * Photo variants with MagickWand (ImageMagick 6).
 *
 * image_make() pings first (the size from the headers, no pixels), then
 * decodes once with the coder of the sniffed type only (a PNG named a
 * JPEG is not read as a PNG), keeps the first frame, applies the EXIF
 * orientation, strips every profile and comment (EXIF with its GPS tags,
 * XMP, IPTC, ICC), brings the pixels to sRGB, flattens transparency onto
 * white and writes each variant as a baseline JPEG at IMAGE_QUALITY.
 * Variants are made largest box first, each from the previous one when
 * that is still at least as large as needed (a 1200x900 "large" makes
 * "medium" faster than the 12-megapixel original would, and looks the
 * same), never from a cropped one.
 *
 * Large JPEGs are decoded shrunk: libjpeg scales by M/8 in its IDCT, so a
 * 4000x3000 photo is decoded at 2000x1500 when the largest box is
 * 1200x900, which halves the time and quarters the memory.  The hint is
 * only given when both sides are at least twice the largest box side:
 * ImageMagick turns it into a 1/N scale and N must not be 0.
 *
 * Limits.  image_setup() sets ImageMagick's resource limits once per
 * process; policy.xml's values are ceilings that these can only lower.
 * The pixel limit that matters is ours, checked on the ping: ImageMagick's
 * "area" only moves a large pixel cache to disk.  Its "time" limit is not
 * per image: in 6.9.11 it counts from the process's first pixel-cache use
 * and, once passed, ends the process (a fatal error, exit 1).  So a time
 * limit belongs only in a process that handles one image (the job's
 * child, src/photos/job.c); image_setup() with time_limit 0 sets none.
 *
 * Errors: a read refused by a limit answers MagickFalse with an empty
 * exception text, so MagickFalse itself is the error; the text (for the
 * log only, it names ImageMagick's source files) is added when there is
 * one.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unistd.h>

#include <wand/MagickWand.h>

#include "core/log.h"
#include "photos/image.h"
#include "photos/photos.h"

#define SPECS_MAX	8	/* variants one image_make() call makes */

static int	ready;		/* image_setup() ran */

/*
 * A photo's variants, in the order of the API and the variants column
 * (here rather than in job.c, so a program can use image.c alone).
 */
const struct image_spec photo_specs[PHOTO_NVARIANTS] = {
	{ "thumbnail",	150,	150,	IMAGE_COVER },
	{ "medium",	800,	600,	IMAGE_FIT },
	{ "large",	1200,	900,	IMAGE_FIT },
};

/* ------------------------------------------------------------------ */
/* geometry */

/* a * b / c rounded to the nearest integer, at least 1 */
static int
muldiv(int a, int b, int c)
{
	int64_t	 v;

	v = ((int64_t)a * b * 2 + c) / ((int64_t)c * 2);
	return (v < 1 ? 1 : v > INT32_MAX ? INT32_MAX : (int)v);
}

/*
 * Where a source of sw x sh pixels goes for spec s: the size to resize
 * to, the crop and the output size.  Fit: inside the box with the aspect
 * ratio kept.  Cover: scaled so the box is filled, then the centre
 * cropped.  Neither enlarges: a source smaller than the box keeps its
 * size (a cover then crops to at most the box).
 */
void
image_geometry(int sw, int sh, const struct image_spec *s,
    struct image_geom *g)
{
	int	 bw = s->width, bh = s->height;
	int	 wider = (int64_t)sw * bh > (int64_t)sh * bw;

	memset(g, 0, sizeof(*g));
	g->scaled_w = sw;
	g->scaled_h = sh;
	if (s->fit == IMAGE_FIT) {
		if (sw > bw || sh > bh) {
			if (wider) {
				g->scaled_w = bw;
				g->scaled_h = muldiv(sh, bw, sw);
			} else {
				g->scaled_h = bh;
				g->scaled_w = muldiv(sw, bh, sh);
			}
		}
		g->width = g->scaled_w;
		g->height = g->scaled_h;
		return;
	}
	/* cover: scale down only if both sides exceed the box */
	if (sw >= bw && sh >= bh) {
		if (wider) {
			g->scaled_h = bh;
			g->scaled_w = muldiv(sw, bh, sh);
			if (g->scaled_w < bw)
				g->scaled_w = bw;
		} else {
			g->scaled_w = bw;
			g->scaled_h = muldiv(sh, bw, sw);
			if (g->scaled_h < bh)
				g->scaled_h = bh;
		}
	}
	g->width = g->scaled_w < bw ? g->scaled_w : bw;
	g->height = g->scaled_h < bh ? g->scaled_h : bh;
	g->crop_x = (g->scaled_w - g->width) / 2;
	g->crop_y = (g->scaled_h - g->height) / 2;
}

/* ImageMagick's coder name for a sniffed MIME type, or NULL. */
const char *
image_format_of(const char *mime)
{
	if (mime == NULL)
		return (NULL);
	if (strcmp(mime, "image/jpeg") == 0)
		return ("JPEG");
	if (strcmp(mime, "image/png") == 0)
		return ("PNG");
	if (strcmp(mime, "image/webp") == 0)
		return ("WEBP");
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* ImageMagick */

/*
 * ImageMagick's fatal errors (its time limit among them) end the process:
 * log them as our lines (not its bare stderr text), remove its temporary
 * files (a pixel cache on disk) as its own handler would, and end with a
 * status the job's parent recognises.
 */
static void
fatal(const ExceptionType t, const char *reason, const char *desc)
{
	log_err("ImageMagick fatal error %d: %s%s%s", (int)t,
	    reason != NULL ? reason : "?", desc != NULL ? ": " : "",
	    desc != NULL ? desc : "");
	MagickCoreTerminus();
	_exit(IMAGE_FATAL_EXIT);
}

/*
 * Start ImageMagick in this process and set its limits (once; later
 * calls do nothing).  0, or -1 if a limit could not be set.
 */
int
image_setup(const struct image_limits *l)
{
	MagickSizeType	 mem, side;
	int		 ok = 1;

	if (ready)
		return (0);
	MagickWandGenesis();
	SetFatalErrorHandler(fatal);
	mem = (MagickSizeType)l->memory_mb * 1024 * 1024;
	side = l->max_pixels < IMAGE_SIDE_MAX ? (MagickSizeType)l->max_pixels :
	    IMAGE_SIDE_MAX;
	ok &= MagickSetResourceLimit(AreaResource,
	    (MagickSizeType)l->max_pixels) == MagickTrue;
	ok &= MagickSetResourceLimit(MemoryResource, mem) == MagickTrue;
	ok &= MagickSetResourceLimit(MapResource, mem) == MagickTrue;
	ok &= MagickSetResourceLimit(WidthResource, side) == MagickTrue;
	ok &= MagickSetResourceLimit(HeightResource, side) == MagickTrue;
	if (l->time_limit > 0)
		ok &= MagickSetResourceLimit(TimeResource,
		    (MagickSizeType)l->time_limit) == MagickTrue;
	if (l->threads > 0)
		ok &= MagickSetResourceLimit(ThreadResource,
		    (MagickSizeType)l->threads) == MagickTrue;
	ready = 1;
	return (ok ? 0 : -1);
}

/* Stop ImageMagick (at the end of a process, or of a test). */
void
image_teardown(void)
{
	if (ready)
		MagickWandTerminus();
	ready = 0;
}

/* what failed, and ImageMagick's exception text if it has one */
static void
why(MagickWand *w, const char *what, char *err, size_t errlen)
{
	ExceptionType	 t;
	char		*d;

	if (err == NULL || errlen == 0)
		return;
	d = w != NULL ? MagickGetException(w, &t) : NULL;
	snprintf(err, errlen, "%s%s%s", what, d != NULL && *d != '\0' ?
	    ": " : "", d != NULL ? d : "");
	if (d != NULL)
		MagickRelinquishMemory(d);
}

/* EXIF orientations 5 to 8 turn the image a quarter. */
static int
turned(OrientationType o)
{
	return (o == LeftTopOrientation || o == RightTopOrientation ||
	    o == RightBottomOrientation || o == LeftBottomOrientation);
}

/* Is the current image of pw of ImageMagick coder format? */
static int
same_format(MagickWand *pw, const char *format)
{
	char	*f;
	int	 same;

	if ((f = MagickGetImageFormat(pw)) == NULL)
		return (0);
	same = strcasecmp(f, format) == 0;
	MagickRelinquishMemory(f);
	return (same);
}

/*
 * The size of the image in buf (of ImageMagick coder format, or any
 * readable type if NULL) as displayed, EXIF orientation applied, read
 * from its headers without decoding the pixels: IMAGE_OK with *w and *h
 * (the first frame's), IMAGE_UNREADABLE, or IMAGE_TOO_LARGE if its
 * frames hold more than max_pixels pixels in all or a side passes
 * IMAGE_SIDE_MAX.  err (may be NULL) says why, for the log.
 */
int
image_ping(const void *buf, size_t len, const char *format, long max_pixels,
    int *w, int *h, char *err, size_t errlen)
{
	MagickWand	*pw;
	size_t		 i, n, cw, ch;
	uint64_t	 total = 0;
	int		 rc = IMAGE_OK;

	*w = *h = 0;
	if (buf == NULL || len == 0) {
		why(NULL, "empty", err, errlen);
		return (IMAGE_UNREADABLE);
	}
	if ((pw = NewMagickWand()) == NULL) {
		why(NULL, "out of memory", err, errlen);
		return (IMAGE_FAILED);
	}
	if (format != NULL && MagickSetFormat(pw, format) == MagickFalse) {
		why(pw, "unknown format", err, errlen);
		rc = IMAGE_FAILED;
		goto done;
	}
	if (MagickPingImageBlob(pw, buf, len) == MagickFalse ||
	    (n = MagickGetNumberImages(pw)) == 0) {
		why(pw, "cannot read the image's header", err, errlen);
		rc = IMAGE_UNREADABLE;
		goto done;
	}
	/* a ping finds the type itself: it must be the one we were told */
	MagickSetFirstIterator(pw);
	if (format != NULL && !same_format(pw, format)) {
		why(NULL, "the bytes are of another type", err, errlen);
		rc = IMAGE_UNREADABLE;
		goto done;
	}
	for (i = 0; i < n; i++) {
		MagickSetIteratorIndex(pw, (ssize_t)i);
		cw = MagickGetImageWidth(pw);
		ch = MagickGetImageHeight(pw);
		if (cw == 0 || ch == 0) {
			why(NULL, "the image has no pixels", err, errlen);
			rc = IMAGE_UNREADABLE;
			goto done;
		}
		if (cw > IMAGE_SIDE_MAX || ch > IMAGE_SIDE_MAX) {
			if (err != NULL)
				snprintf(err, errlen, "%zux%zu pixels", cw, ch);
			rc = IMAGE_TOO_LARGE;
			goto done;
		}
		total += (uint64_t)cw * ch;
		if (total > (uint64_t)max_pixels) {
			if (err != NULL)
				snprintf(err, errlen, "%zux%zu pixels (%zu "
				    "frames), over %ld", cw, ch, n,
				    max_pixels);
			rc = IMAGE_TOO_LARGE;
			goto done;
		}
		if (i == 0) {
			*w = (int)cw;
			*h = (int)ch;
			if (turned(MagickGetImageOrientation(pw))) {
				*w = (int)ch;
				*h = (int)cw;
			}
		}
	}
done:
	DestroyMagickWand(pw);
	return (rc);
}

/*
 * Encode v as the JPEG of a variant into o (malloc'd); 0 or -1.  Chroma
 * 4:2:0 as cameras write it: a source's own factors (4:4:4 from some
 * encoders) would otherwise carry over.  (MagickSetSamplingFactors()
 * gives 2x2,2x2,1x1 in 6.9.11, not what it says.)
 */
static int
encode(MagickWand *v, struct image_out *o)
{
	unsigned char	*blob;
	size_t		 len = 0;

	/* the wand's format (the source's coder) would win over the image's */
	if (MagickSetFormat(v, "JPEG") == MagickFalse ||
	    MagickSetImageFormat(v, "JPEG") == MagickFalse ||
	    MagickSetImageCompressionQuality(v, IMAGE_QUALITY) ==
	    MagickFalse ||
	    MagickSetImageInterlaceScheme(v, NoInterlace) == MagickFalse ||
	    MagickSetOption(v, "jpeg:sampling-factor", "2x2,1x1,1x1") ==
	    MagickFalse)
		return (-1);
	if ((blob = MagickGetImageBlob(v, &len)) == NULL)
		return (-1);
	if (len == 0 || (o->data = malloc(len)) == NULL) {
		MagickRelinquishMemory(blob);
		return (-1);
	}
	memcpy(o->data, blob, len);
	MagickRelinquishMemory(blob);
	o->len = len;
	o->width = (int)MagickGetImageWidth(v);
	o->height = (int)MagickGetImageHeight(v);
	return (0);
}

/*
 * The first frame, oriented, stripped, sRGB and opaque, in *bp (which
 * may be replaced); IMAGE_OK, or an error with err set.
 */
static int
prepare(MagickWand **bp, char *err, size_t errlen)
{
	MagickWand	*b = *bp, *first;
	PixelWand	*white;
	ColorspaceType	 cs;
	MagickBooleanType ok;

	if (MagickGetNumberImages(b) > 1) {
		MagickSetFirstIterator(b);
		if ((first = MagickGetImage(b)) == NULL) {
			why(b, "cannot take the first frame", err, errlen);
			return (IMAGE_FAILED);
		}
		DestroyMagickWand(b);
		*bp = b = first;
	}
	if (MagickAutoOrientImage(b) == MagickFalse ||
	    MagickStripImage(b) == MagickFalse) {
		why(b, "cannot orient or strip", err, errlen);
		return (IMAGE_FAILED);
	}
	cs = MagickGetImageColorspace(b);
	if (cs != sRGBColorspace && cs != GRAYColorspace &&
	    MagickTransformImageColorspace(b, sRGBColorspace) == MagickFalse) {
		why(b, "cannot convert to sRGB", err, errlen);
		return (IMAGE_FAILED);
	}
	if (MagickGetImageAlphaChannel(b) == MagickTrue) {
		if ((white = NewPixelWand()) == NULL) {
			why(NULL, "out of memory", err, errlen);
			return (IMAGE_FAILED);
		}
		ok = PixelSetColor(white, "white");
		if (ok == MagickTrue)
			ok = MagickSetImageBackgroundColor(b, white);
		DestroyPixelWand(white);
		if (ok == MagickFalse || MagickSetImageAlphaChannel(b,
		    RemoveAlphaChannel) == MagickFalse) {
			why(b, "cannot flatten the transparency", err, errlen);
			return (IMAGE_FAILED);
		}
	}
	return (IMAGE_OK);
}

/*
 * The n variants spec[] of the image in buf (ImageMagick coder format,
 * e.g. "JPEG" from image_format_of(); NULL: any type ImageMagick
 * recognises) as JPEGs in out[i] (malloc'd; the caller frees them with
 * image_out_free(), also after an error).  IMAGE_OK, IMAGE_UNREADABLE
 * (not decodable), IMAGE_TOO_LARGE (over max_pixels, refused before
 * decoding) or IMAGE_FAILED; err (may be NULL) says why, for the log.
 * flags: IMAGE_NO_SHRINK.  image_setup() must have run.
 */
int
image_make(const void *buf, size_t len, const char *format, long max_pixels,
    const struct image_spec *spec, size_t n, unsigned flags,
    struct image_out *out, char *err, size_t errlen)
{
	MagickWand	*base = NULL, *prev = NULL, *v = NULL, *src;
	struct image_geom g;
	size_t		 order[SPECS_MAX], i, j, t;
	char		 hint[32];
	int		 rc, pw, ph, need = 0, bw, bh;

	if (n == 0 || n > SPECS_MAX) {
		why(NULL, "bad number of variants", err, errlen);
		return (IMAGE_FAILED);
	}
	memset(out, 0, n * sizeof(*out));
	rc = image_ping(buf, len, format, max_pixels, &pw, &ph, err, errlen);
	if (rc != IMAGE_OK)
		return (rc);
	if ((base = NewMagickWand()) == NULL) {
		why(NULL, "out of memory", err, errlen);
		return (IMAGE_FAILED);
	}
	rc = IMAGE_FAILED;
	if (format != NULL && MagickSetFormat(base, format) == MagickFalse) {
		why(base, "unknown format", err, errlen);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (spec[i].width > need)
			need = spec[i].width;
		if (spec[i].height > need)
			need = spec[i].height;
	}
	if (format != NULL && strcmp(format, "JPEG") == 0 &&
	    !(flags & IMAGE_NO_SHRINK) && pw >= 2 * need && ph >= 2 * need) {
		snprintf(hint, sizeof(hint), "%dx%d", need, need);
		if (MagickSetOption(base, "jpeg:size", hint) == MagickFalse) {
			why(base, "cannot set the size hint", err, errlen);
			goto done;
		}
	}
	/*
	 * With the format set, only that coder reads; one that gives up may
	 * still answer MagickTrue with an empty image, so check the size.
	 */
	if (MagickReadImageBlob(base, buf, len) == MagickFalse ||
	    MagickGetNumberImages(base) == 0) {
		why(base, "cannot decode the image", err, errlen);
		rc = IMAGE_UNREADABLE;
		goto done;
	}
	MagickSetFirstIterator(base);
	if (MagickGetImageWidth(base) == 0 || MagickGetImageHeight(base) == 0) {
		why(base, "the decoded image is empty", err, errlen);
		rc = IMAGE_UNREADABLE;
		goto done;
	}
	if ((rc = prepare(&base, err, errlen)) != IMAGE_OK)
		goto done;
	rc = IMAGE_FAILED;
	bw = (int)MagickGetImageWidth(base);
	bh = (int)MagickGetImageHeight(base);

	/* largest box first (insertion sort of at most SPECS_MAX) */
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && (int64_t)spec[order[j - 1]].width *
		    spec[order[j - 1]].height < (int64_t)spec[i].width *
		    spec[i].height; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (t = 0; t < n; t++) {
		i = order[t];
		if (spec[i].width < 1 || spec[i].height < 1) {
			why(NULL, "bad variant size", err, errlen);
			goto done;
		}
		image_geometry(bw, bh, &spec[i], &g);
		src = prev != NULL &&
		    (int)MagickGetImageWidth(prev) >= g.scaled_w &&
		    (int)MagickGetImageHeight(prev) >= g.scaled_h ? prev : base;
		if ((v = CloneMagickWand(src)) == NULL) {
			why(NULL, "out of memory", err, errlen);
			goto done;
		}
		if (((int)MagickGetImageWidth(v) != g.scaled_w ||
		    (int)MagickGetImageHeight(v) != g.scaled_h) &&
		    MagickResizeImage(v, (size_t)g.scaled_w,
		    (size_t)g.scaled_h, LanczosFilter, 1.0) == MagickFalse) {
			why(v, "cannot resize", err, errlen);
			goto done;
		}
		if ((g.width != g.scaled_w || g.height != g.scaled_h) &&
		    (MagickCropImage(v, (size_t)g.width, (size_t)g.height,
		    g.crop_x, g.crop_y) == MagickFalse ||
		    MagickSetImagePage(v, (size_t)g.width, (size_t)g.height,
		    0, 0) == MagickFalse)) {
			why(v, "cannot crop", err, errlen);
			goto done;
		}
		if (encode(v, &out[i]) == -1) {
			why(v, "cannot encode the JPEG", err, errlen);
			goto done;
		}
		if (g.width == g.scaled_w && g.height == g.scaled_h) {
			/* uncropped: a source for the smaller ones */
			if (prev != NULL)
				DestroyMagickWand(prev);
			prev = v;
		} else
			DestroyMagickWand(v);
		v = NULL;
	}
	rc = IMAGE_OK;
done:
	if (v != NULL)
		DestroyMagickWand(v);
	if (prev != NULL)
		DestroyMagickWand(prev);
	DestroyMagickWand(base);
	return (rc);
}

/* Free the n outputs of image_make(). */
void
image_out_free(struct image_out *out, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(out[i].data);
		out[i].data = NULL;
		out[i].len = 0;
	}
}
