/*
 * Fuel log: a motorcycle's fill-ups under /v1/motorcycles/{id}/fuel, with
 * consumption (L/100 km and km/L) between full fill-ups, partial fills
 * counted toward the next full one, and the statistics of a period.
 * Viewers of the bike read; its owner and editors write.  A fill-up above
 * the bike's mileage raises it.
 */
#ifndef TC_FUEL_H
#define TC_FUEL_H

struct request;
struct schema;

/* api.c -- HTTP handlers */
int	fuel_list(struct request *);
int	fuel_get(struct request *);
int	fuel_create(struct request *);
int	fuel_update(struct request *);
int	fuel_delete(struct request *);
int	fuel_stats(struct request *);

extern const struct schema fuel_create_in, fuel_update_in;

/* db.c -- statements */
int	fuel_register_stmts(void);

#endif
