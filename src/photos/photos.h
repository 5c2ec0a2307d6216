/*
 * Photos of a motorcycle under /v1/motorcycles/{id}/photos.  An upload is
 * sniffed and scanned by the files intake, its size checked without
 * decoding it (a decompression bomb is refused before anything is kept),
 * stored as it came and answered 202 with status "processing".  The job
 * worker's "photo.variants" job then decodes it once and writes three
 * re-encoded JPEG variants (thumbnail 150x150 cover, medium fit 800x600,
 * large fit 1200x900; auto-oriented, never enlarged, all metadata
 * stripped); the photo is "ready" with their URLs, or "failed".  The
 * upload itself is never served.  Viewers of the bike read; its owner and
 * editors add and delete.
 */
#ifndef TC_PHOTOS_H
#define TC_PHOTOS_H

#include "photos/image.h"

struct request;
struct schema;
struct worker;

#define PHOTOS_MAX_PER_BIKE	50	/* photos a bike may have */
#define PHOTO_CAPTION_MAX	500	/* characters */
#define PHOTO_MAX_AGE		31536000L /* seconds a variant is cached */
/* the upload route's body: upload_max's default plus multipart framing */
#define PHOTO_BODY_MAX		(10485760 + 65536)

/* api.c -- HTTP handlers */
int	photo_list(struct request *);
int	photo_get(struct request *);
int	photo_create(struct request *);
int	photo_delete(struct request *);
int	photo_variant(struct request *);

extern const struct schema photo_fields_in;

/* db.c -- statements */
int	photos_register_stmts(void);

/* job.c -- the "photo.variants" job ({"photo_id": N}) */
#define PHOTO_NVARIANTS	3
extern const struct image_spec photo_specs[PHOTO_NVARIANTS];

int	photo_variants_job(struct worker *, const char *);
void	photo_variants_dead(struct worker *, const char *, const char *);

#endif
