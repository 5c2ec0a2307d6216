-- ---------------------------------------------------------------------------
-- 0011_documents_trash: whatever deletes document rows or their versions
-- (DELETE .../documents/{docId}, or a cascade from a deleted motorcycle or
-- user) puts their objects into storage_trash and writes one
-- 'storage.trashed' outbox row, in the deleting transaction, as photos do
-- (0010): the job worker removes the objects after COMMIT, and a ROLLBACK
-- keeps both the rows and their files. Needs 0009 and 0001 (outbox).
-- ---------------------------------------------------------------------------
CREATE FUNCTION storage_keys_trash() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO storage_trash (storage_key)
	SELECT storage_key FROM gone WHERE storage_key IS NOT NULL;
	-- one announcement a transaction: a document's delete also fires
	-- its versions' trigger (the cascade)
	IF FOUND AND NOT EXISTS (SELECT 1 FROM outbox
	    WHERE topic = 'storage.trashed' AND relayed_at IS NULL
	    AND xmin = xid(pg_current_xact_id())) THEN
		INSERT INTO outbox (topic, aggregate, payload)
		VALUES ('storage.trashed', 'storage', '{}');
	END IF;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION storage_keys_trash() IS
	'AFTER DELETE (statement level, OLD TABLE gone with a storage_key '
	'column): the deleted rows'' objects into storage_trash, and one '
	'storage.trashed outbox row';

CREATE TRIGGER documents_trash AFTER DELETE ON documents
	REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION storage_keys_trash();

CREATE TRIGGER document_versions_trash AFTER DELETE ON document_versions
	REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION storage_keys_trash();
