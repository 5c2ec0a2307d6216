/*
 * Parts inventory: a user's stock of parts under /v1/parts, and the call
 * the maintenance module makes to take the parts a service used out of
 * stock, inside its own transaction.
 */
#ifndef TC_PARTS_H
#define TC_PARTS_H

#include <stdint.h>

struct json_object;
struct request;
struct schema;

/* api.c -- HTTP handlers */
int	parts_list(struct request *);
int	parts_get(struct request *);
int	parts_create(struct request *);
int	parts_update(struct request *);
int	parts_delete(struct request *);

extern const struct schema parts_create_in, parts_update_in;

/*
 * api.c -- stock
 *
 * parts_take_or_problem(r, owner_uid, parts_used): for each object of the
 * JSON array parts_used that has a non-null "part_id", take its
 * "quantity" (a whole number, default 1) out of the stock of that part.
 * Only the parts of owner_uid count: pass the bike's OWNER, also when an
 * editor records the service (the stock on the shelf is the owner's).
 * Call it inside the transaction that writes the maintenance record, on
 * the same connection (r->w->db).  0 when every part was taken (or none
 * was named); -1 with the problem written, and the caller must ROLLBACK:
 *   400 validation_failed  a part_id or quantity of the wrong kind
 *			    (field "parts_used[i].part_id" / ".quantity")
 *   404 not_found	    no such part among owner_uid's
 *			    (field "parts_used[i].part_id")
 *   409 conflict	    not enough in stock (field "parts_used[i].quantity")
 *   503 / 500		    the database failed
 * A part named twice is taken twice.  Each take is one conditional UPDATE
 * (quantity >= wanted), so concurrent services never take more than the
 * stock holds.  parts_used NULL or not an array: nothing to take, 0.
 */
int	parts_take_or_problem(struct request *, int64_t, struct json_object *);

/* db.c -- statements */
int	parts_register_stmts(void);

#endif
