/*
 * The storage trash: objects whose rows are gone (storage_trash, written
 * in the same transaction as the deletion of the row, with an outbox row
 * of topic "storage.trashed") are removed from storage after the commit,
 * by the job "storage.sweep" and, for whatever that left, the task
 * "throttlecove task storage-sweep".
 */
#ifndef TC_FILES_SWEEP_H
#define TC_FILES_SWEEP_H

struct worker;

#define STORAGE_TRASHED_TOPIC	"storage.trashed"
#define STORAGE_SWEEP_JOB	"storage.sweep"

int	storage_sweep_register(void);
int	storage_sweep_job(struct worker *, const char *);
int	storage_sweep_task(struct worker *);

#endif
