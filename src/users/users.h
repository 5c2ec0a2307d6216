/*
 * Users: one's own profile and account, public profiles, search, and
 * follows.
 */
#ifndef TC_USERS_H
#define TC_USERS_H

struct request;
struct schema;

/* api.c -- HTTP handlers */
int	users_profile_get(struct request *);
int	users_profile_update(struct request *);
int	users_account_delete(struct request *);
int	users_get(struct request *);
int	users_search(struct request *);
int	users_follow(struct request *);
int	users_unfollow(struct request *);
int	users_followers(struct request *);
int	users_following(struct request *);

extern const struct schema users_profile_in, users_delete_in, users_follow_in;

/* db.c -- statements */
int	users_register_stmts(void);

#endif
