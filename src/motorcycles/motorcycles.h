/*
 * Motorcycles: the garage's root.  Every route under a bike checks access
 * first with moto_access_or_problem(): the owner may do anything, an
 * editor may write the bike's records, a viewer may read; anyone else gets
 * 404, as if the bike did not exist.
 */
#ifndef TC_MOTORCYCLES_H
#define TC_MOTORCYCLES_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"

struct request;
struct schema;

enum moto_role { MOTO_NONE, MOTO_VIEWER, MOTO_EDITOR, MOTO_OWNER };

/* who sees a bike: its owner and collaborators */
struct moto_audience {
	int64_t		 owner;
	int64_t		*uid;		/* owner included */
	size_t		 n;
};

/* access.c -- who may do what with a bike, and who sees it */
int		 moto_access_or_problem(struct request *, size_t,
		    enum moto_role, int64_t *, enum moto_role *);
const char	*moto_role_name(enum moto_role);
int		 moto_register_access(void);
enum db_rc	 moto_audience_read(struct request *, int64_t,
		    struct moto_audience *);
int		 moto_audience_or_problem(struct request *, int64_t,
		    struct moto_audience *);
void		 moto_audience_bump(struct request *,
		    const struct moto_audience *);
void		 moto_bump_bike(struct request *, int64_t);
void		 moto_bump_ids(struct request *, const char *);

#define MOTO_MAX_PER_USER	10	/* bikes a user may own */

/* api.c -- HTTP handlers */
int	moto_create(struct request *);
int	moto_list(struct request *);
int	moto_list_key(struct request *, const char **, const char **);
int	moto_search(struct request *);
int	moto_get(struct request *);
int	moto_update(struct request *);
int	moto_delete(struct request *);
int	moto_collab_add(struct request *);
int	moto_collab_list(struct request *);
int	moto_collab_get(struct request *);
int	moto_collab_update(struct request *);
int	moto_collab_delete(struct request *);
int	moto_transfer(struct request *);
int	moto_value_estimate(struct request *);
int	moto_vin(struct request *);

extern const struct schema moto_create_in, moto_update_in, moto_collab_in,
	    moto_role_in, moto_transfer_in;

/* db.c -- statements */
int	moto_register_stmts(void);

/* value.c -- the value estimate, a pure computation (no I/O) */
struct moto_value_in {
	int	 has_price;
	double	 price;			/* purchase_price */
	double	 age_years;		/* since the purchase */
	int	 has_vehicle_age;
	double	 vehicle_age;		/* since mid-model-year */
	long	 mileage;		/* km */
	long	 comparables;		/* how many */
	double	 comp_median;		/* their median value */
	double	 comp_median_km;	/* their median mileage */
};

struct moto_value_out {
	int		 has_estimate;
	double		 estimate, low, high;
	const char	*method;	/* depreciation, comparables, blended,
					   insufficient_data */
	int		 comparables_used;	/* 0 if too few */
};

#define MOTO_COMPARABLES_MIN	3

void	moto_value_estimate_calc(const struct moto_value_in *,
	    struct moto_value_out *);

#endif
