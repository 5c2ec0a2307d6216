/*
 * Text from a stored document: tesseract (C API) for images, poppler-glib
 * for a PDF's text layer, and for a PDF page without one, poppler renders
 * it with cairo at 300 dpi and tesseract reads the bitmap.
 *
 * The engine.  TessBaseAPIInit3 loads the language model (about 0.2 s and
 * 30 MB), so the job worker makes one engine on the first OCR job and
 * keeps it; ocr_end() (also at exit) frees it.  Page segmentation mode 6
 * (one uniform block of text): the default mode reorders the label and
 * value columns of forms.  Tesseract's LSTM runs in OpenMP threads (four
 * here), which on a busy two-core host made a page 4x slower than one
 * thread (measured: 1.8 s against 0.44 s for an A4 page at 300 dpi), and
 * libgomp reads OMP_THREAD_LIMIT only when it is loaded: ocr_exec_env()
 * sets it and executes the worker again before anything else happens.
 *
 * Limits, so that no file can take the worker down:
 *   - an image's size is read from its header first: more than
 *     image_max_pixels is refused before decoding; a JPEG is decoded at
 *     1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling) and other
 *     images scaled down to OCR_MAX_PIXELS, which is plenty for text;
 *   - a PDF: at most OCR_PAGES_MAX pages; a page is rendered at 300 dpi,
 *     or less so it stays within OCR_MAX_PIXELS, and pages with absurd
 *     sizes are skipped;
 *   - tesseract gets image_time_limit seconds per page (its monitor's
 *     deadline); a page that needs more fails the file;
 *   - a whole file gets OCR_FILE_SECONDS: the pages not started by then
 *     are left unread (the job worker's watchdog allows 120 s between
 *     two pings, and pings between jobs);
 *   - the text kept is at most OCR_TEXT_MAX bytes.
 * A file that cannot be decoded (or is encrypted) is OCR_BADFILE with a
 * reason; only a failure of the engine itself is worth a retry.
 *
 * Everything a call makes is freed before it returns (pixes, cairo
 * surfaces, poppler objects, tesseract's page results and adaptive
 * classifier); the text is copied into the caller's arena.  What stays
 * is the engine and the libraries' own one-time caches (fontconfig's
 * configuration, cairo's fonts, GLib's type system); see end_at_exit().
 */
#include "autoconfig.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <leptonica/allheaders.h>
#include <poppler.h>
#include <tesseract/capi.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "documents/ocr.h"

#define RENDER_DPI	300.0
#define PAGE_PT_MAX	14400.0		/* 200 inches, PDF's limit */
#define PAGE_TEXT_MIN	3		/* alnums of a real layer */
#define OCR_FILE_SECONDS 60		/* for all the pages of a file */

enum kind { K_NONE, K_JPEG, K_PNG, K_WEBP, K_PDF };

static TessBaseAPI	*api;
static int		 exit_hooked;

struct job {
	struct arena		*a;
	const struct config	*cfg;
	struct ocr_result	*res;
	struct buf		 text;
	int			 full;		/* no more text */
	int64_t			 deadline;	/* monotonic ms */
};

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Free the engine; see ocr.h. */
void
ocr_end(void)
{
	if (api == NULL)
		return;
	TessBaseAPIEnd(api);
	TessBaseAPIDelete(api);
	api = NULL;
}

/*
 * At exit: the engine, and in a sanitizer build fontconfig's
 * configuration.  fontconfig loads it when poppler first looks for a font
 * that a PDF does not embed, and holds some of its blocks through offsets
 * rather than pointers, so LeakSanitizer calls them leaks: a constant 288
 * bytes however many pages are rendered, which FcFini() frees.  (cairo's
 * own caches cannot be reset here: poppler keeps font faces in them.)  A
 * release build just exits.
 */
static void
end_at_exit(void)
{
	ocr_end();
#ifdef TC_SANITIZE
	FcFini();
#endif
}

/* The engine, made on first use; NULL if it cannot be. */
static TessBaseAPI *
engine(const struct config *cfg)
{
	const char	*data, *lang;

	if (api != NULL)
		return (api);
	data = cfg->tessdata != NULL && *cfg->tessdata != '\0' ?
	    cfg->tessdata : NULL;
	lang = cfg->ocr_lang != NULL && *cfg->ocr_lang != '\0' ?
	    cfg->ocr_lang : "eng";
	/* leptonica prints nothing: we say what failed */
	setMsgSeverity(L_SEVERITY_NONE);
	if ((api = TessBaseAPICreate()) == NULL)
		return (NULL);
	if (TessBaseAPIInit3(api, data, lang) != 0) {
		log_err("ocr: tesseract cannot load language %s from %s", lang,
		    data != NULL ? data : "its default directory");
		TessBaseAPIDelete(api);
		api = NULL;
		return (NULL);
	}
	TessBaseAPISetPageSegMode(api, PSM_SINGLE_BLOCK);
	/* its diagnostics ("Estimating resolution...") are not ours */
	(void)TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	/*
	 * After Init: tesseract's dictionary cache is a static object whose
	 * destructor was registered just now; ours must run first, so the
	 * engine gives its dictionaries back before the cache goes.
	 */
	if (!exit_hooked && atexit(end_at_exit) == 0)
		exit_hooked = 1;
	log_info("ocr: tesseract %s ready (language %s)",
	    TessVersion(), lang);
	return (api);
}

/* Make sure libgomp sees OMP_THREAD_LIMIT; see ocr.h. */
void
ocr_exec_env(char **argv)
{
	const char	*v = getenv("OMP_THREAD_LIMIT");

	if (v != NULL && *v != '\0')
		return;	/* set: by us before the exec, or by the admin */
	if (setenv("OMP_THREAD_LIMIT", "1", 1) == -1)
		return;
	execv("/proc/self/exe", argv);
	log_warn("ocr: cannot execute again with OMP_THREAD_LIMIT=1 (%s); "
	    "OCR will run on several threads", strerror(errno));
}

static enum kind
sniff(const unsigned char *p, size_t len)
{
	size_t	 i;

	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return (K_JPEG);
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return (K_PNG);
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return (K_WEBP);
	/* "%PDF-" within the first KB, as readers allow */
	for (i = 0; i + 5 <= len && i < 1024; i++)
		if (memcmp(p + i, "%PDF-", 5) == 0)
			return (K_PDF);
	return (K_NONE);
}

static void
append(struct job *j, const char *s)
{
	size_t	 n = strlen(s), room;

	if (j->full)
		return;
	if (j->text.len > 0 && n > 0)
		buf_puts(&j->text, "\n\n");
	room = OCR_TEXT_MAX > j->text.len ? OCR_TEXT_MAX - j->text.len : 0;
	if (n > room) {
		n = room;
		j->full = 1;
	}
	buf_append(&j->text, s, n);
}

static int
bad(struct job *j, const char *why)
{
	j->res->error = why;
	return (OCR_BADFILE);
}

/*
 * OCR one page held in pix (dpi 0: unknown, tesseract estimates it);
 * 0, OCR_BADFILE or -1.
 */
static int
recognise(struct job *j, struct Pix *pix, int dpi)
{
	TessBaseAPI	*t;
	ETEXT_DESC	*mon;
	char		*text;
	int64_t		 left;
	int		 rc = -1, budget;

	if ((t = engine(j->cfg)) == NULL) {
		j->res->error = "the OCR engine cannot start";
		return (-1);
	}
	if ((mon = TessMonitorCreate()) == NULL)
		return (-1);
	TessBaseAPISetImage2(t, pix);
	if (dpi > 0)
		TessBaseAPISetSourceResolution(t, dpi);
	left = j->deadline - mono_ms();
	if ((budget = left < (int64_t)j->cfg->image_time_limit * 1000) == 0)
		left = (int64_t)j->cfg->image_time_limit * 1000;
	TessMonitorSetDeadlineMSecs(mon, left > 1 ? (int)left : 1);
	if (TessBaseAPIRecognize(t, mon) != 0) {
		if (budget && j->res->pages > 0) {
			/* the file's time is up: keep the pages read */
			log_warn("ocr: out of time on page %d",
			    j->res->pages + 1);
			j->full = 1;
			rc = 0;
		} else
			rc = bad(j, "OCR took longer than image_time_limit");
		goto done;
	}
	if ((text = TessBaseAPIGetUTF8Text(t)) == NULL) {
		j->res->error = "OCR gave no text";
		goto done;
	}
	append(j, text);
	TessDeleteText(text);
	j->res->ocr_pages++;
	rc = 0;
done:
	TessBaseAPIClear(t);
	TessMonitorDelete(mon);
	return (rc);
}

/* An image file: header, limits, decode, OCR. */
static int
ocr_image(struct job *j, enum kind k, const unsigned char *p, size_t len)
{
	struct Pix	*pix = NULL, *scaled;
	l_int32		 format, w, h, bps, spp, cmap, xres;
	int64_t		 px;
	double		 f;
	int		 red = 1, rc;

	if (pixReadHeaderMem(p, len, &format, &w, &h, &bps, &spp, &cmap) != 0
	    || w <= 0 || h <= 0)
		return (bad(j, "the image cannot be read"));
	px = (int64_t)w * h;
	if (px > j->cfg->image_max_pixels)
		return (bad(j, "the image has too many pixels"));
	j->res->pages = j->res->pages_total = 1;
	if (k == K_JPEG) {
		while (red < 8 && px / ((int64_t)red * red) > OCR_MAX_PIXELS)
			red *= 2;
		pix = pixReadMemJpeg(p, len, 0, red, NULL, 0);
	} else
		pix = pixReadMem(p, len);
	if (pix == NULL)
		return (bad(j, "the image cannot be decoded"));
	px = (int64_t)pixGetWidth(pix) * pixGetHeight(pix);
	if (px > OCR_MAX_PIXELS) {
		f = sqrt((double)OCR_MAX_PIXELS / (double)px);
		scaled = pixScale(pix, (l_float32)f, (l_float32)f);
		pixDestroy(&pix);
		if ((pix = scaled) == NULL)
			return (-1);
		red = 0;
	}
	xres = pixGetXRes(pix);
	if (red > 1)
		xres /= red;
	rc = recognise(j, pix, red != 0 && xres >= 70 && xres <= 2400 ?
	    xres : 0);
	pixDestroy(&pix);
	return (rc);
}

static int
has_text(const char *s)
{
	int	 n = 0;

	for (; s != NULL && *s != '\0'; s++)
		if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (unsigned char)*s >= 0x80)
			if (++n >= PAGE_TEXT_MIN)
				return (1);
	return (0);
}

/* Render a PDF page (no text layer) and OCR it. */
static int
ocr_page(struct job *j, PopplerPage *page)
{
	cairo_surface_t	*sf;
	cairo_t		*cr;
	struct Pix	*pix;
	const uint8_t	*row;
	l_uint32	*line;
	double		 pw = 0, ph = 0, dpi = RENDER_DPI, px;
	uint32_t	 v;
	int		 w, h, x, y, stride, rc;

	poppler_page_get_size(page, &pw, &ph);
	if (!(pw >= 1 && ph >= 1 && pw <= PAGE_PT_MAX && ph <= PAGE_PT_MAX))
		return (0);	/* nothing sensible to render */
	px = pw * ph * (dpi / 72) * (dpi / 72);
	if (px > OCR_MAX_PIXELS)
		dpi *= sqrt(OCR_MAX_PIXELS / px);
	w = (int)(pw * dpi / 72);
	h = (int)(ph * dpi / 72);
	if (w < 16 || h < 16)
		return (0);
	sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(sf);
		j->res->error = "cannot make a page bitmap";
		return (-1);
	}
	cr = cairo_create(sf);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, dpi / 72, dpi / 72);
	poppler_page_render(page, cr);
	cairo_destroy(cr);
	cairo_surface_flush(sf);
	if ((pix = pixCreate(w, h, 8)) == NULL) {
		cairo_surface_destroy(sf);
		return (-1);
	}
	/* RGB24 (native 0x00RRGGBB words) to 8-bit grey */
	stride = cairo_image_surface_get_stride(sf);
	row = cairo_image_surface_get_data(sf);
	for (y = 0; y < h; y++, row += stride) {
		line = pixGetData(pix) + y * pixGetWpl(pix);
		for (x = 0; x < w; x++) {
			memcpy(&v, row + (size_t)x * 4, 4);
			SET_DATA_BYTE(line, x, (((v >> 16) & 0xff) * 299 +
			    ((v >> 8) & 0xff) * 587 + (v & 0xff) * 114) / 1000);
		}
	}
	cairo_surface_destroy(sf);
	pixSetResolution(pix, (l_int32)dpi, (l_int32)dpi);
	rc = recognise(j, pix, (int)dpi);
	pixDestroy(&pix);
	return (rc);
}

/* A PDF: each page's text layer, or its rendering through OCR. */
static int
ocr_pdf(struct job *j, const unsigned char *p, size_t len)
{
	PopplerDocument	*doc;
	PopplerPage	*page;
	GBytes		*bytes;
	GError		*err = NULL;
	char		*text;
	int		 i, n, rc = 0;

	bytes = g_bytes_new_static(p, len);
	doc = poppler_document_new_from_bytes(bytes, NULL, &err);
	if (doc == NULL) {
		rc = bad(j, err != NULL && err->domain == POPPLER_ERROR &&
		    err->code == POPPLER_ERROR_ENCRYPTED ?
		    "the PDF is encrypted" : "the PDF cannot be read");
		if (err != NULL)
			g_error_free(err);
		g_bytes_unref(bytes);
		return (rc);
	}
	n = poppler_document_get_n_pages(doc);
	j->res->pages_total = n > 0 ? n : 0;
	for (i = 0; i < n && i < OCR_PAGES_MAX && !j->full; i++) {
		if (mono_ms() >= j->deadline) {
			log_warn("ocr: out of time after %d of %d pages", i, n);
			break;
		}
		if ((page = poppler_document_get_page(doc, i)) == NULL)
			continue;
		text = poppler_page_get_text(page);
		if (has_text(text))
			append(j, text);
		else
			rc = ocr_page(j, page);
		g_free(text);
		g_object_unref(page);
		j->res->pages++;
		if (rc != 0)
			break;
	}
	g_object_unref(doc);
	g_bytes_unref(bytes);
	return (rc);
}

/* Text of a file; see ocr.h. */
int
ocr_file(struct arena *a, const struct config *cfg, const void *data,
    size_t len, struct ocr_result *res)
{
	struct job	 j;
	enum kind	 k;
	int		 rc;

	memset(res, 0, sizeof(*res));
	memset(&j, 0, sizeof(j));
	j.a = a;
	j.cfg = cfg;
	j.res = res;
	j.deadline = mono_ms() + OCR_FILE_SECONDS * 1000;
	buf_init(&j.text, a, 4096);
	k = data != NULL ? sniff(data, len) : K_NONE;
	if (k == K_NONE)
		rc = bad(&j, "not a JPEG, PNG, WebP or PDF file");
	else if (len > (size_t)INT32_MAX)
		rc = bad(&j, "the file is too large");
	else if (k == K_PDF)
		rc = ocr_pdf(&j, data, len);
	else
		rc = ocr_image(&j, k, data, len);
	if (api != NULL)
		TessBaseAPIClearAdaptiveClassifier(api);
	res->text = j.text.p;		/* buf keeps it terminated */
	res->len = j.text.len;
	res->engine = k != K_PDF || res->ocr_pages > 0 ? "tesseract" :
	    "pdf-text";
	if (rc == -1 && res->error == NULL)
		res->error = "the OCR engine failed";
	return (rc);
}
