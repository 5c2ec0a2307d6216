/*
 * Private to src/files/ and its tests: what storage.c, download.c, debug.c
 * and sweep.c share beyond the contract in files.h, and the handlers of
 * the debug routes (test stacks only, debug_routes = 1).
 */
#ifndef TC_FILES_STORAGE_H
#define TC_FILES_STORAGE_H

#include <stddef.h>

struct arena;
struct config;
struct request;

/* The longest key storage_new_key() makes: "prefix/xx/<32 hex>.webp". */
#define STORAGE_KEY_MAX	(16 + 1 + 2 + 1 + 32 + 5)

/* storage.c */
int		 storage_key_valid(const char *);
int		 storage_prefix_valid(const char *);
const char	*storage_ext_mime(const char *);
const char	*storage_key_mime(const char *);
int		 storage_is_s3(const struct config *);
char		*storage_local_path(struct arena *, const struct config *,
		    const char *);

/* download.c */
void		 download_init(const struct config *);
int		 download_mime_valid(const char *);
char		*download_disposition(struct arena *, int, const char *);
char		*download_cache_control(struct arena *, long, int);

/* debug.c -- handlers of the debug routes */
int	files_debug_put(struct request *);
int	files_debug_get(struct request *);
int	files_debug_bytes(struct request *);
int	files_debug_delete(struct request *);
int	files_debug_link(struct request *);

#endif
