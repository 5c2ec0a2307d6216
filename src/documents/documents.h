/*
 * Documents: a bike's papers (registration, insurance, service records,
 * ...) under /v1/motorcycles/{id}/documents.  A document is one stored
 * file plus its metadata; a renewal with a new file keeps the earlier
 * files as versions.  Every route checks access to the bike first
 * (motorcycles.h): viewers read, download and make share links, editors
 * and the owner upload, change, renew and delete; another user's bike is
 * 404 on every route.
 *
 * The metadata the user sets is named in documents.user_fields; text
 * recognition (the job worker) fills only the other fields.  status is
 * computed on every read by the SQL function document_status(), never
 * taken from the stored column.
 */
#ifndef TC_DOCUMENTS_H
#define TC_DOCUMENTS_H

struct request;
struct schema;

/* api.c -- HTTP handlers */
int	doc_list(struct request *);
int	doc_create(struct request *);
int	doc_expiring(struct request *);
int	doc_get(struct request *);
int	doc_update(struct request *);
int	doc_delete(struct request *);
int	doc_renew(struct request *);
int	doc_versions(struct request *);
int	doc_file(struct request *);
int	doc_version_file(struct request *);
int	doc_link(struct request *);

extern const struct schema doc_update_in, doc_link_in;

/* Bytes of a multipart document upload the routes accept (file + fields). */
#define DOC_BODY_MAX	(10485760 + 65536)

/* db.c -- statements */
int	docs_register_stmts(void);

#endif
