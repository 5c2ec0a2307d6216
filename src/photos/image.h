/*
 * Image variants with MagickWand, with no database, storage or HTTP in
 * it: bytes in, JPEG bytes out.  image_ping() reads an image's size
 * without decoding its pixels; image_make() decodes once and writes the
 * variants a list of specs asks for.  The geometry (image_geometry()) is
 * plain arithmetic, testable without ImageMagick.
 */
#ifndef TC_PHOTOS_IMAGE_H
#define TC_PHOTOS_IMAGE_H

#include <stddef.h>

/*
 * IMAGE_FIT: inside the box, aspect ratio kept.  IMAGE_COVER: fill the
 * box (scale to the larger ratio), then crop the centre.  Neither ever
 * enlarges: an image smaller than the box stays as it is (a cover of a
 * small image is cropped to at most the box, not scaled up).
 */
enum image_fit { IMAGE_FIT, IMAGE_COVER };

struct image_spec {
	const char	*name;		/* "thumbnail", ... */
	int		 width;		/* the box */
	int		 height;
	enum image_fit	 fit;
};

/* Where a source of sw x sh goes for a spec. */
struct image_geom {
	int	 scaled_w, scaled_h;	/* resized to this... */
	int	 crop_x, crop_y;	/* ...then cropped here... */
	int	 width, height;		/* ...to this (the output) */
};

/* Limits of the process; they can only lower policy.xml's. */
struct image_limits {
	long	 max_pixels;		/* width * height of one frame */
	int	 memory_mb;		/* pixel cache in memory and mapped */
	int	 time_limit;		/* seconds; 0: none (see image.c) */
	int	 threads;		/* 0: the library's default */
};

struct image_out {
	unsigned char	*data;		/* JPEG; malloc'd, image_out_free() */
	size_t		 len;
	int		 width, height;
};

enum image_rc {
	IMAGE_OK = 0,
	IMAGE_UNREADABLE = -1,		/* not a readable image of its type */
	IMAGE_TOO_LARGE = -2,		/* over max_pixels */
	IMAGE_FAILED = -3		/* out of memory or a limit, or a bug */
};

/* image_make() flags */
#define IMAGE_NO_SHRINK	0x01	/* decode JPEGs at full size (benchmark) */

#define IMAGE_QUALITY	85	/* JPEG quality of the variants */
#define IMAGE_FATAL_EXIT 70	/* exit status after ImageMagick's fatal
				   errors (its time limit) */
#define IMAGE_SIDE_MAX	16384	/* width or height; refused beyond */

void		 image_geometry(int, int, const struct image_spec *,
		    struct image_geom *);
const char	*image_format_of(const char *);
int		 image_setup(const struct image_limits *);
int		 image_ping(const void *, size_t, const char *, long, int *,
		    int *, char *, size_t);
int		 image_make(const void *, size_t, const char *, long,
		    const struct image_spec *, size_t, unsigned,
		    struct image_out *, char *, size_t);
void		 image_out_free(struct image_out *, size_t);
void		 image_teardown(void);

#endif
