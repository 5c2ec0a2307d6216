-- Schema self-test: run against a database that has every migration applied.
--   psql -v ON_ERROR_STOP=1 -X -q -f sql/tests/schema_checks.sql
-- Exit status 0 = every check passed. Everything happens in one transaction
-- that is rolled back: it leaves no rows behind.
\set ON_ERROR_STOP 1
\o /dev/null
BEGIN;

-- expect_fail(sql, sqlstate, constraint name or NULL)
CREATE FUNCTION pg_temp.expect_fail(q text, state text, cname text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	failed boolean := false;
	s text;
	c text;
	m text;
BEGIN
	BEGIN
		EXECUTE q;
	EXCEPTION WHEN OTHERS THEN
		failed := true;
		GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, c = CONSTRAINT_NAME,
		    m = MESSAGE_TEXT;
	END;
	IF NOT failed THEN
		RAISE EXCEPTION 'FAIL: expected % (%) but it succeeded: %', state, cname, q;
	END IF;
	IF s <> state OR (cname IS NOT NULL AND c IS DISTINCT FROM cname) THEN
		RAISE EXCEPTION 'FAIL: expected % (%), got % (%) "%": %', state, cname, s, c, m, q;
	END IF;
END
$$;

CREATE FUNCTION pg_temp.expect(ok boolean, what text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'FAIL: %', what;
	END IF;
END
$$;

-- Users -------------------------------------------------------------------
INSERT INTO users (id, username, email, password_hash)
VALUES (1001, 'alice', 'alice@example.org', 'x'),
       (1002, 'bob', 'bob@example.org', 'x');
SELECT pg_temp.expect_fail($$INSERT INTO users (username, email, password_hash) VALUES ('Alice', 'a2@example.org', 'x')$$, '23505', 'users_username_key');
SELECT pg_temp.expect_fail($$INSERT INTO users (username, email, password_hash) VALUES ('alice2', 'ALICE@example.org', 'x')$$, '23505', 'users_email_key');
SELECT pg_temp.expect_fail($$INSERT INTO users (username, email, password_hash) VALUES ('a b', 'ab@example.org', 'x')$$, '23514', 'users_username_check');
SELECT pg_temp.expect_fail($$INSERT INTO users (username, email, password_hash) VALUES ('ab', 'ab@example.org', 'x')$$, '23514', 'users_username_check');
SELECT pg_temp.expect_fail($$INSERT INTO users (username, email, password_hash) VALUES ('carol', 'carol', 'x')$$, '23514', 'users_email_check');
SELECT pg_temp.expect_fail($$INSERT INTO users (username, email, password_hash, role) VALUES ('carol', 'c@example.org', 'x', 'root')$$, '23514', 'users_role_check');
SELECT pg_temp.expect_fail($$INSERT INTO users (username, email, password_hash, mfa_enabled) VALUES ('carol', 'c@example.org', 'x', true)$$, '23514', 'users_mfa_secret_check');
SELECT pg_temp.expect_fail($$UPDATE users SET login_attempts = -1 WHERE id = 1001$$, '23514', 'users_login_attempts_check');
SELECT pg_temp.expect_fail($$UPDATE users SET email_verified = NULL WHERE id = 1001$$, '23502', NULL);
SELECT pg_temp.expect((SELECT role = 'user' AND NOT email_verified AND login_attempts = 0 FROM users WHERE id = 1001), 'user defaults');
SELECT pg_temp.expect((SELECT id FROM users WHERE lower(username) = lower('ALICE') OR lower(email) = lower('ALICE')) = 1001, 'case-insensitive login lookup');
-- encrypted MFA secrets are longer than the seed's 32 characters
UPDATE users SET mfa_secret = repeat('A', 200), mfa_enabled = true WHERE id = 1002;

-- updated_at trigger
UPDATE users SET updated_at = '2000-01-01' WHERE id = 1001;
SELECT pg_temp.expect((SELECT updated_at = now() FROM users WHERE id = 1001), 'set_updated_at overrides updated_at');

-- Sessions ----------------------------------------------------------------
INSERT INTO user_sessions (id, user_id, refresh_token_hash, expires_at)
VALUES ('00000000-0000-0000-0000-000000000001', 1001, sha256('r1'), now() + interval '30 days');
SELECT pg_temp.expect((SELECT octet_length(session_token) = 32 AND revoked_at IS NULL AND last_seen_at IS NOT NULL FROM user_sessions WHERE user_id = 1001), 'session defaults');
SELECT pg_temp.expect_fail($$INSERT INTO user_sessions (user_id, refresh_token_hash, expires_at) VALUES (1002, sha256('r1'), now() + interval '1 day')$$, '23505', 'user_sessions_refresh_token_hash_key');
SELECT pg_temp.expect_fail($$INSERT INTO user_sessions (user_id, refresh_token_hash, expires_at) VALUES (1002, '\x00', now() + interval '1 day')$$, '23514', 'user_sessions_refresh_token_hash_check');
SELECT pg_temp.expect_fail($$INSERT INTO user_sessions (user_id, expires_at) VALUES (NULL, now() + interval '1 day')$$, '23502', NULL);
SELECT pg_temp.expect_fail($$INSERT INTO user_sessions (user_id) VALUES (1002)$$, '23502', NULL);

-- Motorcycles -------------------------------------------------------------
INSERT INTO motorcycles (id, user_id, name, make, model, year, vin)
VALUES (2001, 1001, 'Blue one', 'Yamaha', 'XT660R', 2008, 'JYADM0110000ABCDE');
-- same VIN, same owner: conflict
SELECT pg_temp.expect_fail($$INSERT INTO motorcycles (user_id, name, make, model, vin) VALUES (1001, 'dup', 'Yamaha', 'XT660R', 'JYADM0110000ABCDE')$$, '23505', 'motorcycles_user_id_vin_key');
-- same VIN, another owner (sold bike): allowed
INSERT INTO motorcycles (id, user_id, name, make, model, vin)
VALUES (2002, 1002, 'Bought used', 'Yamaha', 'XT660R', 'JYADM0110000ABCDE');
-- several bikes without VIN for one owner: allowed
INSERT INTO motorcycles (user_id, name, make, model) VALUES (1001, 'no vin 1', 'BSA', 'A10'), (1001, 'no vin 2', 'BSA', 'A7');
SELECT pg_temp.expect_fail($$INSERT INTO motorcycles (user_id, name, make, model, vin) VALUES (1001, 'x', 'Honda', 'CB', 'jh2pc35' )$$, '23514', 'motorcycles_vin_check');
SELECT pg_temp.expect_fail($$INSERT INTO motorcycles (user_id, name, make, model, vin) VALUES (1001, 'x', 'Honda', 'CB', '')$$, '23514', 'motorcycles_vin_check');
SELECT pg_temp.expect_fail($$INSERT INTO motorcycles (user_id, name, make, model, year) VALUES (1001, 'x', 'Daimler', 'Reitwagen', 1884)$$, '23514', 'motorcycles_year_check');
SELECT pg_temp.expect_fail($$INSERT INTO motorcycles (user_id, name, make, model, year) VALUES (1001, 'x', 'Future', 'Bike', 2101)$$, '23514', 'motorcycles_year_check');
INSERT INTO motorcycles (user_id, name, make, model, year) VALUES (1001, 'first', 'Daimler', 'Reitwagen', 1885), (1001, 'last', 'Future', 'Bike', 2100);
SELECT pg_temp.expect_fail($$UPDATE motorcycles SET mileage = -1 WHERE id = 2001$$, '23514', 'motorcycles_mileage_check');
SELECT pg_temp.expect_fail($$UPDATE motorcycles SET mileage = NULL WHERE id = 2001$$, '23502', NULL);
SELECT pg_temp.expect_fail($$UPDATE motorcycles SET purchase_price = -0.01 WHERE id = 2001$$, '23514', 'motorcycles_purchase_price_check');
SELECT pg_temp.expect_fail($$UPDATE motorcycles SET current_value = 'NaN' WHERE id = 2001$$, '23514', 'motorcycles_current_value_check');
SELECT pg_temp.expect_fail($$UPDATE motorcycles SET status = 'crashed' WHERE id = 2001$$, '23514', 'motorcycles_status_check');
SELECT pg_temp.expect_fail($$UPDATE motorcycles SET user_id = NULL WHERE id = 2001$$, '23502', NULL);
UPDATE motorcycles SET status = 'sold', purchase_price = 4999.90 WHERE id = 2001;

-- Maintenance -------------------------------------------------------------
INSERT INTO maintenance_records (motorcycle_id, service_type, service_date, mileage_at_service, next_service_due, cost)
VALUES (2001, 'oil', '2025-05-01', 12000, 18000, 89.50);
SELECT pg_temp.expect_fail($$INSERT INTO maintenance_records (motorcycle_id, service_type, service_date, cost) VALUES (2001, 'oil', '2025-05-01', -1)$$, '23514', 'maintenance_records_cost_check');
SELECT pg_temp.expect_fail($$INSERT INTO maintenance_records (motorcycle_id, service_type, service_date, mileage_at_service, next_service_due) VALUES (2001, 'oil', '2025-05-01', 12000, 11000)$$, '23514', 'maintenance_records_next_service_due_check');
SELECT pg_temp.expect_fail($$INSERT INTO maintenance_records (motorcycle_id, service_type, service_date, next_service_date) VALUES (2001, 'oil', '2025-05-01', '2025-04-01')$$, '23514', 'maintenance_records_next_service_date_check');
SELECT pg_temp.expect_fail($$INSERT INTO maintenance_records (motorcycle_id, service_type, service_date) VALUES (NULL, 'oil', '2025-05-01')$$, '23502', NULL);
INSERT INTO maintenance_schedules (motorcycle_id, service_type, interval_type, mileage_interval, time_interval)
VALUES (2001, 'oil', 'both', 6000, 365), (2001, 'chain', 'mileage', 1000, NULL), (2001, 'brake fluid', 'time', NULL, 730);
SELECT pg_temp.expect_fail($$INSERT INTO maintenance_schedules (motorcycle_id, service_type, interval_type, mileage_interval) VALUES (2001, 'x', 'weekly', 10)$$, '23514', 'maintenance_schedules_interval_type_check');
SELECT pg_temp.expect_fail($$INSERT INTO maintenance_schedules (motorcycle_id, service_type, interval_type, mileage_interval) VALUES (2001, 'x', 'both', 6000)$$, '23514', 'maintenance_schedules_interval_check');
SELECT pg_temp.expect_fail($$INSERT INTO maintenance_schedules (motorcycle_id, service_type, interval_type, time_interval) VALUES (2001, 'x', 'mileage', 30)$$, '23514', 'maintenance_schedules_interval_check');
SELECT pg_temp.expect_fail($$INSERT INTO maintenance_schedules (motorcycle_id, service_type, interval_type, mileage_interval) VALUES (2001, 'x', 'mileage', 0)$$, '23514', 'maintenance_schedules_mileage_interval_check');

-- Documents ---------------------------------------------------------------
INSERT INTO documents (motorcycle_id, document_type, title, file_url, issue_date, expiry_date)
VALUES (2001, 'insurance', 'Policy 2025', '/files/k1', '2025-01-01', '2026-01-01');
SELECT pg_temp.expect_fail($$INSERT INTO documents (motorcycle_id, document_type, title, file_url, status) VALUES (2001, 'x', 'x', '/f', 'lost')$$, '23514', 'documents_status_check');
SELECT pg_temp.expect_fail($$INSERT INTO documents (motorcycle_id, document_type, title, file_url, issue_date, expiry_date) VALUES (2001, 'x', 'x', '/f', '2025-01-01', '2024-01-01')$$, '23514', 'documents_expiry_date_check');

-- Rides -------------------------------------------------------------------
INSERT INTO rides (id, user_id, motorcycle_id, title, start_location_lat, start_location_lng, start_time, end_time, distance)
VALUES (3001, 1002, 2001, 'Pass day', 47.37, 8.54, '2025-06-01 08:00Z', '2025-06-01 17:00Z', 312.4);
SELECT pg_temp.expect_fail($$INSERT INTO rides (user_id, start_location_lat) VALUES (1001, 47.0)$$, '23514', 'rides_start_location_check');
SELECT pg_temp.expect_fail($$INSERT INTO rides (user_id, end_location_lng) VALUES (1001, 8.0)$$, '23514', 'rides_end_location_check');
SELECT pg_temp.expect_fail($$INSERT INTO rides (user_id, start_location_lat, start_location_lng) VALUES (1001, 90.5, 8.0)$$, '23514', 'rides_start_location_check');
SELECT pg_temp.expect_fail($$INSERT INTO rides (user_id, start_location_lat, start_location_lng) VALUES (1001, 47.0, -180.5)$$, '23514', 'rides_start_location_check');
SELECT pg_temp.expect_fail($$INSERT INTO rides (user_id, start_location_lat, start_location_lng) VALUES (1001, 'NaN', 8.0)$$, '23514', 'rides_start_location_check');
SELECT pg_temp.expect_fail($$INSERT INTO rides (user_id, start_time, end_time) VALUES (1001, '2025-06-01 10:00Z', '2025-06-01 09:00Z')$$, '23514', 'rides_end_time_check');
SELECT pg_temp.expect_fail($$INSERT INTO rides (user_id, distance) VALUES (1001, -5)$$, '23514', 'rides_distance_check');
INSERT INTO rides (user_id, start_location_lat, start_location_lng) VALUES (1001, -90, 180), (1001, 90, -180);

-- Social ------------------------------------------------------------------
INSERT INTO user_relationships (follower_id, following_id, status) VALUES (1002, 1001, 'accepted');
SELECT pg_temp.expect_fail($$INSERT INTO user_relationships (follower_id, following_id) VALUES (1001, 1001)$$, '23514', 'user_relationships_self_check');
SELECT pg_temp.expect_fail($$INSERT INTO user_relationships (follower_id, following_id) VALUES (1002, 1001)$$, '23505', 'user_relationships_follower_id_following_id_key');
SELECT pg_temp.expect_fail($$INSERT INTO user_relationships (follower_id, following_id, status) VALUES (1001, 1002, 'friends')$$, '23514', 'user_relationships_status_check');

INSERT INTO groups (id, name, creator_id, location_lat, location_lng) VALUES (4001, 'Alpine Riders', 1001, 46.95, 7.45);
SELECT pg_temp.expect_fail($$INSERT INTO groups (name, type) VALUES ('x', 'secret')$$, '23514', 'groups_type_check');
SELECT pg_temp.expect_fail($$INSERT INTO groups (name, location_lat) VALUES ('x', 1)$$, '23514', 'groups_location_check');
SELECT pg_temp.expect_fail($$UPDATE groups SET member_count = -1 WHERE id = 4001$$, '23514', 'groups_member_count_check');
INSERT INTO group_members (group_id, user_id, role) VALUES (4001, 1001, 'admin'), (4001, 1002, 'member');
SELECT pg_temp.expect_fail($$INSERT INTO group_members (group_id, user_id) VALUES (4001, 1002)$$, '23505', 'group_members_group_id_user_id_key');
SELECT pg_temp.expect_fail($$UPDATE group_members SET role = 'owner' WHERE user_id = 1002$$, '23514', 'group_members_role_check');

INSERT INTO events (id, group_id, creator_id, title, start_time, location_lat, location_lng, max_participants, current_participants)
VALUES (5001, 4001, 1001, 'Grimsel run', now() + interval '7 days', 46.95, 7.45, 2, 1);
SELECT pg_temp.expect_fail($$INSERT INTO events (group_id, creator_id, title, start_time, event_type) VALUES (4001, 1001, 'x', now(), 'race')$$, '23514', 'events_event_type_check');
SELECT pg_temp.expect_fail($$INSERT INTO events (group_id, creator_id, title, start_time, difficulty_level) VALUES (4001, 1001, 'x', now(), 'insane')$$, '23514', 'events_difficulty_level_check');
SELECT pg_temp.expect_fail($$INSERT INTO events (group_id, creator_id, title, start_time, status) VALUES (4001, 1001, 'x', now(), 'postponed')$$, '23514', 'events_status_check');
SELECT pg_temp.expect_fail($$INSERT INTO events (group_id, creator_id, title, start_time, end_time) VALUES (4001, 1001, 'x', now(), now() - interval '1 hour')$$, '23514', 'events_end_time_check');
SELECT pg_temp.expect_fail($$INSERT INTO events (creator_id, title, start_time) VALUES (1001, 'x', now())$$, '23502', NULL);
UPDATE events SET current_participants = current_participants + 1 WHERE id = 5001;
SELECT pg_temp.expect_fail($$UPDATE events SET current_participants = current_participants + 1 WHERE id = 5001$$, '23514', 'events_capacity_check');

-- Outbox ------------------------------------------------------------------
INSERT INTO outbox (topic, aggregate, aggregate_id, payload) VALUES ('motorcycle.created', 'motorcycle', 2001, '{"id": 2001}');
SELECT pg_temp.expect_fail($$INSERT INTO outbox (topic, aggregate, payload) VALUES ('x', 'y', NULL)$$, '23502', NULL);
SELECT pg_temp.expect_fail($$INSERT INTO outbox (topic, aggregate, payload) VALUES ('', 'y', '{}')$$, '23514', 'outbox_topic_check');

-- Full text: NULL description does not hide a group; motorcycles by make.
SELECT pg_temp.expect((SELECT count(*) = 1 FROM groups
	WHERE to_tsvector('english', coalesce(name, '') || ' ' || coalesce(description, ''))
	      @@ plainto_tsquery('english', 'alpine rider')), 'group full-text with NULL description');
SELECT pg_temp.expect((SELECT count(*) = 2 FROM motorcycles
	WHERE to_tsvector('english', coalesce(name, '') || ' ' || coalesce(make, '') || ' ' || coalesce(model, ''))
	      @@ plainto_tsquery('english', 'yamaha xt660r')), 'motorcycle full-text');

-- Geo: Zurich -> Bern is ~95 km great circle.
SELECT pg_temp.expect((SELECT round(earth_distance(geo_ll_to_earth(47.37, 8.54), geo_ll_to_earth(location_lat, location_lng)) / 1000)
	BETWEEN 94 AND 96 FROM events WHERE id = 5001), 'earth_distance Zurich-Bern');
SELECT pg_temp.expect((SELECT count(*) = 1 FROM events
	WHERE earth_box(geo_ll_to_earth(47.37, 8.54), 100 * 1000) @> geo_ll_to_earth(location_lat, location_lng)
	  AND earth_distance(geo_ll_to_earth(47.37, 8.54), geo_ll_to_earth(location_lat, location_lng)) <= 100 * 1000),
	'nearby within 100 km');
SELECT pg_temp.expect((SELECT count(*) = 0 FROM events
	WHERE earth_box(geo_ll_to_earth(47.37, 8.54), 50 * 1000) @> geo_ll_to_earth(location_lat, location_lng)
	  AND earth_distance(geo_ll_to_earth(47.37, 8.54), geo_ll_to_earth(location_lat, location_lng)) <= 50 * 1000),
	'nothing within 50 km');
SELECT pg_temp.expect(geo_ll_to_earth(46.95, 7.45)::text = ll_to_earth(46.95, 7.45)::text, 'geo_ll_to_earth = ll_to_earth');

-- Cascades ----------------------------------------------------------------
-- deleting a motorcycle: its records go, rides keep existing (SET NULL)
DELETE FROM motorcycles WHERE id = 2001;
SELECT pg_temp.expect((SELECT motorcycle_id IS NULL FROM rides WHERE id = 3001), 'rides.motorcycle_id SET NULL');
SELECT pg_temp.expect((SELECT count(*) = 0 FROM maintenance_records WHERE motorcycle_id = 2001)
	AND (SELECT count(*) = 0 FROM maintenance_schedules WHERE motorcycle_id = 2001)
	AND (SELECT count(*) = 0 FROM documents WHERE motorcycle_id = 2001), 'motorcycle children cascade');
-- deleting a user
INSERT INTO api_keys (user_id, name, key_hash) VALUES (1001, 'k', 'h1');
INSERT INTO notifications (user_id, type, title) VALUES (1001, 'x', 'x');
DELETE FROM users WHERE id = 1001;
SELECT pg_temp.expect(
	    (SELECT count(*) = 0 FROM motorcycles WHERE user_id = 1001)
	AND (SELECT count(*) = 0 FROM rides WHERE user_id = 1001)
	AND (SELECT count(*) = 0 FROM user_sessions WHERE user_id = 1001)
	AND (SELECT count(*) = 0 FROM api_keys WHERE user_id = 1001)
	AND (SELECT count(*) = 0 FROM notifications WHERE user_id = 1001)
	AND (SELECT count(*) = 0 FROM user_relationships WHERE 1001 IN (follower_id, following_id))
	AND (SELECT count(*) = 0 FROM group_members WHERE user_id = 1001)
	AND (SELECT count(*) = 0 FROM events WHERE creator_id = 1001),
	'user children cascade');
SELECT pg_temp.expect((SELECT creator_id IS NULL FROM groups WHERE id = 4001), 'groups.creator_id SET NULL');
SELECT pg_temp.expect((SELECT count(*) = 1 FROM motorcycles WHERE id = 2002), 'other owner''s bike untouched');

\echo 'schema_checks: all checks passed'
ROLLBACK;
