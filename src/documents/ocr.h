/*
 * Documents: text from a stored file (tesseract for images and for PDF
 * pages without a text layer, poppler for the text layer), the OCR job
 * that extracts metadata from it, and the daily expiry reminder task.
 */
#ifndef TC_OCR_H
#define TC_OCR_H

#include <stddef.h>

struct arena;
struct config;
struct worker;

#define OCR_PAGES_MAX	10		/* PDF pages read */
#define OCR_TEXT_MAX	(256 * 1024)	/* bytes of text kept */
#define OCR_MAX_PIXELS	16000000L	/* tesseract's page at most */

#define OCR_BADFILE	(-2)		/* the file cannot be read */

struct ocr_result {
	const char	*text;		/* UTF-8, in the arena */
	size_t		 len;
	int		 pages;		/* pages read */
	int		 pages_total;	/* of the file (1: an image) */
	int		 ocr_pages;	/* of them through tesseract */
	const char	*engine;	/* "tesseract" or "pdf-text" */
	const char	*error;		/* why it failed (static) */
};

/* ocr.c -- text from a file */

/*
 * The text of len bytes of data (JPEG, PNG, WebP or PDF) into *res, text
 * in a; 0, OCR_BADFILE (the file cannot be read: res->error says why) or
 * -1 (the engine failed: worth a retry).
 */
int	ocr_file(struct arena *, const struct config *, const void *, size_t,
	    struct ocr_result *);
/* Free the engine (it is made on first use, once per process). */
void	ocr_end(void);
/*
 * Before anything else in the job worker: libgomp reads OMP_THREAD_LIMIT
 * once, when it is loaded, so unless it is set this sets it to 1 and
 * executes the program again (same pid); returns only if it need not or
 * cannot.
 */
void	ocr_exec_env(char **);

/* job.c -- the "document.ocr" job: {"document_id":N,"version":V} */
int	document_ocr_job(struct worker *, const char *);
void	document_ocr_dead(struct worker *, const char *, const char *);
int	document_ocr_register(void);

/* remind.c -- "throttlecove task document-expiry" */
int	document_expiry_task(struct worker *);
int	document_remind_register(void);

#endif
