/*
 * A stacked bar chart as a standalone SVG document, fixed at
 * SVG_WIDTH x SVG_HEIGHT.
 *
 * Layout, top to bottom: the title, the legend (one swatch per series),
 * the plot (y axis on the left with "nice" round ticks and grid lines, one
 * bar per label, its segments stacked in series order), and the labels
 * under the bars.  Labels are written flat when they fit, else turned
 * 45 degrees, and when even that would overlap only every k-th label is
 * written.  Bars get a total above them while there is room for it.
 * Without data (no bars, or every value 0) the chart says so instead of
 * drawing empty axes.
 *
 * Every text that reaches the document passes svg_escape(): markup
 * characters become entities, control characters (not allowed in XML
 * 1.0, even escaped) and broken UTF-8 are dropped.  Each bar segment is a
 * <rect class="bar"> with a <title> (a tooltip: label, series, value);
 * nothing else has that class, so a client or a test can count them.
 */
#include "autoconfig.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "reports/svg.h"

#define W		SVG_WIDTH
#define H		SVG_HEIGHT
#define PLOT_L		84.0	/* plot area */
#define PLOT_R		(W - 24.0)
#define PLOT_T		72.0
#define PLOT_B		(H - 84.0)
#define TITLE_MAX	90	/* characters */
#define LABEL_MAX	16
#define LEGEND_MAX	32
#define CHAR_W		6.6	/* mean advance of an 11px sans-serif glyph */
#define LEGEND_CHAR_W	6.4	/* the same at 12px, for mixed-case words */
#define BAR_MAX_W	56.0
#define TARGET_TICKS	5

/*
 * Decode one UTF-8 character at s (n bytes left): its length, or 0 if the
 * bytes are not a well-formed character.
 */
static size_t
utf8_char(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t		 len, k;
	unsigned	 c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return (0);
	if (n < len)
		return (0);
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return (0);
		c = c << 6 | (s[k] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return (0);
	*cp = c;
	return (len);
}

/*
 * s as XML character data or an attribute value: & < > " ' escaped,
 * control characters, U+FFFE/U+FFFF and malformed UTF-8 dropped, at most
 * max characters (0: no limit; a cut text ends in an ellipsis).  Lives in
 * the arena.
 */
char *
svg_escape(struct arena *a, const char *s, size_t max)
{
	struct buf		 b;
	const unsigned char	*p = (const unsigned char *)(s ? s : "");
	size_t			 n = strlen((const char *)p), len, chars = 0;
	unsigned		 c;

	buf_init(&b, a, n + 16);
	while (n > 0) {
		if ((len = utf8_char(p, n, &c)) == 0) {
			p++;
			n--;
			continue;
		}
		if (max > 0 && chars == max) {
			buf_puts(&b, "\xe2\x80\xa6");	/* ... */
			break;
		}
		if (c < 0x20 || c == 0x7f || c == 0xfffe || c == 0xffff)
			;	/* not allowed in XML 1.0 */
		else if (c == '&')
			buf_puts(&b, "&amp;");
		else if (c == '<')
			buf_puts(&b, "&lt;");
		else if (c == '>')
			buf_puts(&b, "&gt;");
		else if (c == '"')
			buf_puts(&b, "&quot;");
		else if (c == '\'')
			buf_puts(&b, "&apos;");
		else
			buf_append(&b, (const char *)p, len);
		if (c >= 0x20)
			chars++;
		p += len;
		n -= len;
	}
	return (b.p);
}

/*
 * A y axis for values up to max: ticks every *step (1, 2, 2.5 or 5 times a
 * power of ten) from 0 to *top >= max, about TARGET_TICKS of them, and
 * the decimals the tick labels need.
 */
void
svg_nice_axis(double max, double *top, double *step, int *decimals)
{
	static const double	 nice[] = { 1, 2, 2.5, 5, 10 };
	double			 raw, mag, f, s;
	size_t			 i;
	int			 d;

	if (!(max > 0) || !isfinite(max))
		max = 1;
	raw = max / TARGET_TICKS;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	for (i = 0; i < sizeof(nice) / sizeof(nice[0]) - 1; i++)
		if (f <= nice[i] * (1 + 1e-9))
			break;
	s = nice[i] * mag;
	*step = s;
	*top = ceil(max / s - 1e-9) * s;
	for (d = 0; d < 6; d++) {
		f = s * pow(10, d);
		if (fabs(f - round(f)) < 1e-6)
			break;
	}
	*decimals = d;
}

/* v with d decimals and thousands separators: 12,500 or 0.25. */
static const char *
fmt_num(struct arena *a, double v, int d)
{
	char		 tmp[64], out[96];
	const char	*dot;
	size_t		 i, j = 0, intlen, start = 0;

	if (!(fabs(v) < 1e15))
		return (arena_printf(a, "%.3g", v));	/* absurd, but short */
	snprintf(tmp, sizeof(tmp), "%.*f", d, v);
	if (tmp[0] == '-')
		out[j++] = tmp[start++];
	dot = strchr(tmp, '.');
	intlen = (dot ? (size_t)(dot - tmp) : strlen(tmp)) - start;
	for (i = 0; i < intlen; i++) {
		if (i > 0 && (intlen - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = tmp[start + i];
	}
	if (dot != NULL) {
		memcpy(out + j, dot, strlen(dot));
		j += strlen(dot);
	}
	out[j] = '\0';
	return (arena_strdup(a, out));
}

static double
val(const struct svg_series *s, size_t i)
{
	double	 v = s->value[i];

	return (isfinite(v) && v > 0 ? v : 0);
}

/* a legend item: swatch, gap, name, space after */
static double
item_width(const char *name)
{
	return (18 + LEGEND_CHAR_W * (double)strlen(name) + 24);
}

static void
legend(struct buf *b, struct arena *a, const struct svg_chart *c)
{
	double	 w = 0, x;
	size_t	 i;

	for (i = 0; i < c->nseries; i++)
		w += item_width(c->series[i].name);
	x = (W - w) / 2;
	buf_puts(b, "<g class=\"legend\" font-size=\"12\">\n");
	for (i = 0; i < c->nseries; i++) {
		buf_printf(b, "<rect class=\"swatch\" x=\"%.1f\" y=\"38\" "
		    "width=\"12\" height=\"12\" fill=\"%s\"/>", x,
		    svg_escape(a, c->series[i].color, 16));
		buf_printf(b, "<text x=\"%.1f\" y=\"49\">%s</text>\n", x + 18,
		    svg_escape(a, c->series[i].name, LEGEND_MAX));
		x += item_width(c->series[i].name);
	}
	buf_puts(b, "</g>\n");
}

static void
y_axis(struct buf *b, struct arena *a, const struct svg_chart *c,
    double top, double step, int d)
{
	double	 v, y;
	int	 k;

	buf_puts(b, "<g class=\"y-axis\" font-size=\"11\" "
	    "text-anchor=\"end\">\n");
	for (k = 0; (v = k * step) <= top * (1 + 1e-9); k++) {
		y = PLOT_B - v / top * (PLOT_B - PLOT_T);
		buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\"/>", PLOT_L, y, PLOT_R, y,
		    k == 0 ? "#333" : "#e3e3e3");
		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
		    PLOT_L - 8, y + 4, fmt_num(a, v, d));
	}
	buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#333\"/>\n", PLOT_L, PLOT_T, PLOT_L, PLOT_B);
	if (c->y_label != NULL)
		buf_printf(b, "<text x=\"24\" y=\"%.1f\" "
		    "text-anchor=\"middle\" "
		    "transform=\"rotate(-90 24 %.1f)\">%s</text>\n",
		    (PLOT_T + PLOT_B) / 2, (PLOT_T + PLOT_B) / 2,
		    svg_escape(a, c->y_label, 40));
	buf_puts(b, "</g>\n");
}

static void
x_labels(struct buf *b, struct arena *a, const struct svg_chart *c,
    double slot)
{
	static const size_t	 steps[] = { 1, 2, 3, 4, 6, 12 };
	double			 longest = 0, cx, len;
	size_t			 i, every, need;
	int			 turn;

	for (i = 0; i < c->n; i++) {
		len = (double)strlen(c->label[i] ? c->label[i] : "");
		if (len > LABEL_MAX)
			len = LABEL_MAX;
		if (len > longest)
			longest = len;
	}
	turn = longest * CHAR_W + 6 > slot;
	/*
	 * Turned labels need about 18px between them.  Showing every k-th,
	 * k divides 12 (or is a multiple of it), so that monthly labels
	 * land on the same months every year.
	 */
	every = 1;
	if (turn) {
		need = (size_t)ceil(18.0 / slot);
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			if ((every = steps[i]) >= need)
				break;
		if (every < need)
			every = (need + 11) / 12 * 12;
	}
	buf_printf(b, "<g class=\"x-axis\" font-size=\"11\" "
	    "text-anchor=\"%s\">\n", turn ? "end" : "middle");
	for (i = 0; i < c->n; i += every) {
		cx = PLOT_L + slot * ((double)i + 0.5);
		if (turn)
			buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
			    "transform=\"rotate(-45 %.1f %.1f)\">%s</text>\n",
			    cx + 4, PLOT_B + 14, cx + 4, PLOT_B + 14,
			    svg_escape(a, c->label[i], LABEL_MAX));
		else
			buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			    cx, PLOT_B + 18, svg_escape(a, c->label[i],
			    LABEL_MAX));
	}
	buf_puts(b, "</g>\n");
}

static void
bars(struct buf *b, struct arena *a, const struct svg_chart *c, double top,
    double slot)
{
	double	 bw, x, y, h, v, sum;
	size_t	 i, k;
	int	 totals;

	bw = slot * 0.7 < BAR_MAX_W ? slot * 0.7 : BAR_MAX_W;
	totals = slot >= 44;
	buf_puts(b, "<g class=\"bars\">\n");
	for (i = 0; i < c->n; i++) {
		x = PLOT_L + slot * (double)i + (slot - bw) / 2;
		y = PLOT_B;
		sum = 0;
		for (k = 0; k < c->nseries; k++) {
			if ((v = val(&c->series[k], i)) == 0)
				continue;
			h = v / top * (PLOT_B - PLOT_T);
			y -= h;
			sum += v;
			buf_printf(b, "<rect class=\"bar\" x=\"%.2f\" "
			    "y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
			    "fill=\"%s\">"
			    "<title>%s, %s: %s</title></rect>\n", x, y, bw, h,
			    svg_escape(a, c->series[k].color, 16),
			    svg_escape(a, c->label[i], LABEL_MAX),
			    svg_escape(a, c->series[k].name, LEGEND_MAX),
			    fmt_num(a, v, 2));
		}
		if (totals && sum > 0)
			buf_printf(b, "<text class=\"total\" x=\"%.2f\" "
			    "y=\"%.2f\" font-size=\"10\" "
			    "text-anchor=\"middle\">"
			    "%s</text>\n", x + bw / 2, y - 4,
			    fmt_num(a, sum, sum >= 1000 ? 0 : 2));
	}
	buf_puts(b, "</g>\n");
}

/*
 * The chart c as an SVG document (UTF-8 XML), in the arena.  Values below
 * 0 or not finite count as 0.
 */
char *
svg_bar_chart(struct arena *a, const struct svg_chart *c)
{
	struct svg_chart	 cc = *c;
	struct buf		 b;
	double			 max = 0, sum, top, step, slot;
	size_t			 i, k;
	int			 d;

	if (cc.nseries > SVG_MAX_SERIES)
		cc.nseries = SVG_MAX_SERIES;
	for (i = 0; i < c->n; i++) {
		for (sum = 0, k = 0; k < cc.nseries; k++)
			sum += val(&c->series[k], i);
		if (sum > max)
			max = sum;
	}
	buf_init(&b, a, 4096 + c->n * cc.nseries * 200);
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-labelledby=\"chart-title\" font-family=\"sans-serif\" "
	    "fill=\"#222\">\n", W, H, W, H);
	buf_printf(&b, "<title id=\"chart-title\">%s</title>\n",
	    svg_escape(a, c->title, TITLE_MAX));
	buf_printf(&b, "<rect class=\"background\" width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/>\n", W, H);
	buf_printf(&b, "<text class=\"title\" x=\"%d\" y=\"24\" "
	    "font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">"
	    "%s</text>\n", W / 2, svg_escape(a, c->title, TITLE_MAX));
	if (max == 0) {
		buf_printf(&b, "<text class=\"empty\" x=\"%d\" y=\"%d\" "
		    "font-size=\"14\" text-anchor=\"middle\" fill=\"#777\">"
		    "%s</text>\n</svg>\n", W / 2, H / 2,
		    svg_escape(a, c->empty_text ? c->empty_text : "No data",
		    TITLE_MAX));
		return (b.p);
	}
	svg_nice_axis(max, &top, &step, &d);
	slot = (PLOT_R - PLOT_L) / (double)c->n;
	legend(&b, a, &cc);
	y_axis(&b, a, &cc, top, step, d);
	bars(&b, a, &cc, top, slot);
	x_labels(&b, a, &cc, slot);
	buf_puts(&b, "</svg>\n");
	return (b.p);
}
