-- Sharing a motorcycle: its owner lets another user see it (viewer) or
-- also keep its records (editor).  Only the owner deletes, shares or
-- transfers the bike.
CREATE TABLE motorcycle_collaborators (
	motorcycle_id integer NOT NULL REFERENCES motorcycles (id) ON DELETE CASCADE,
	user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role varchar(10) NOT NULL
		CONSTRAINT motorcycle_collaborators_role_check
		CHECK (role IN ('viewer', 'editor')),
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (motorcycle_id, user_id)
);
CREATE INDEX idx_motorcycle_collaborators_user_id
	ON motorcycle_collaborators (user_id);
