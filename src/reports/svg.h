/*
 * Charts as SVG text: plain C arrays in, a standalone SVG document out
 * (in an arena).  No HTTP, no database.
 */
#ifndef TC_SVG_H
#define TC_SVG_H

#include <stddef.h>

struct arena;

#define SVG_WIDTH	800
#define SVG_HEIGHT	400
#define SVG_MAX_SERIES	6

/* One stacked series: a name for the legend, a colour, one value a bar. */
struct svg_series {
	const char	*name;
	const char	*color;		/* "#4e79a7" */
	const double	*value;		/* n values; < 0 counts as 0 */
};

struct svg_chart {
	const char		*title;
	const char		*y_label;	/* the unit, or NULL */
	const char		*empty_text;	/* no data (NULL: "No data") */
	const char *const	*label;		/* n bar labels */
	size_t			 n;
	const struct svg_series	*series;
	size_t			 nseries;	/* 1..SVG_MAX_SERIES */
};

char	*svg_bar_chart(struct arena *, const struct svg_chart *);
void	 svg_nice_axis(double, double *, double *, int *);
char	*svg_escape(struct arena *, const char *, size_t);

#endif
