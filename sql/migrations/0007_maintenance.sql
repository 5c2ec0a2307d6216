-- 0007_maintenance: the default maintenance schedule every new motorcycle
-- gets, the schedules' baseline, and the indexes of the maintenance
-- records list and of the due computation.  Needs 0002.
-- Runs inside one transaction opened by `throttlecove migrate`.
-- The intervals and their sources: sql/SCHEDULES.md.

-- ---------------------------------------------------------------------------
-- Reference data: the default schedule.  maint_create_defaults()
-- (src/maintenance/api.c) copies every row into maintenance_schedules in
-- the transaction that creates a motorcycle, in position order.
-- ---------------------------------------------------------------------------
CREATE TABLE default_schedules (
	position smallint PRIMARY KEY,
	service_type varchar(100) NOT NULL
		CONSTRAINT default_schedules_service_type_key UNIQUE,
	interval_type varchar(20) NOT NULL
		CONSTRAINT default_schedules_interval_type_check
		CHECK (interval_type IN ('mileage', 'time', 'both')),
	mileage_interval integer		/* km */
		CONSTRAINT default_schedules_mileage_interval_check
		CHECK (mileage_interval > 0),
	time_interval integer			/* days */
		CONSTRAINT default_schedules_time_interval_check
		CHECK (time_interval > 0),
	description text NOT NULL,
	is_critical boolean NOT NULL DEFAULT false,
	reminder_settings jsonb,		/* {due_soon_km, due_soon_days} */
	-- exactly the intervals the type names (tidier than the user table)
	CONSTRAINT default_schedules_interval_check CHECK (
		(interval_type IN ('mileage', 'both')) = (mileage_interval IS NOT NULL)
		AND (interval_type IN ('time', 'both')) = (time_interval IS NOT NULL))
);

INSERT INTO default_schedules (position, service_type, interval_type,
    mileage_interval, time_interval, is_critical, reminder_settings,
    description) VALUES
(1, 'Oil change', 'both', 6000, 365, true, NULL,
 'Engine oil (on most bikes also the gearbox and wet clutch oil). '
 'Manuals range from 5,000 to 12,000 km or 1 year; change sooner for '
 'air-cooled or older engines, short trips, heat or hard riding.'),
(2, 'Oil filter', 'both', 12000, 730, false, NULL,
 'Many manuals replace it at every other oil change; many riders at '
 'every one (then set it to the oil change interval).'),
(3, 'Chain clean and lube', 'both', 1000, 30, false,
 '{"due_soon_km": 200, "due_soon_days": 7}',
 'Clean, lube and check the slack of the drive chain; also after riding '
 'in rain. Delete this schedule for a shaft or belt drive.'),
(4, 'Chain and sprockets', 'mileage', 25000, NULL, false,
 '{"due_soon_km": 2000}',
 'Replace chain and both sprockets as a set; check wear at every lube. '
 'Life ranges from 15,000 to 40,000 km with chain type and care.'),
(5, 'Brake fluid', 'time', NULL, 730, true, '{"due_soon_days": 30}',
 'Flush front and rear (and a hydraulic clutch). DOT 4/5.1 fluid absorbs '
 'water and loses its boiling point with age, whatever the distance.'),
(6, 'Coolant', 'time', NULL, 730, false, '{"due_soon_days": 30}',
 'Liquid-cooled engines only (delete it for an air-cooled bike). Some '
 'long-life coolants are specified for 3 to 5 years.'),
(7, 'Tyres', 'both', 10000, 1825, true,
 '{"due_soon_km": 1000, "due_soon_days": 60}',
 'Check tread depth (wear bars or the legal minimum) and replace as '
 'needed: rears often last 5,000-15,000 km, fronts longer. Replace at 5 '
 'years of age at the latest if cracked or hard, whatever the tread.'),
(8, 'Valve clearance', 'mileage', 24000, NULL, false, '{"due_soon_km": 1000}',
 'Check and adjust. Varies more than any other item: 6,000-12,000 km on '
 'some singles and older engines, 24,000 km on many fours, 40,000 km or '
 'more on some recent engines. Follow the manual.'),
(9, 'Spark plugs', 'mileage', 12000, NULL, false, NULL,
 'Standard nickel plugs; iridium plugs often last 24,000-40,000 km.'),
(10, 'Air filter', 'mileage', 18000, NULL, false, NULL,
 'Paper element: replace. Much sooner in dust; oiled foam or cotton '
 'elements are cleaned and re-oiled instead.');

-- ---------------------------------------------------------------------------
-- The baseline of a schedule that was never serviced: the odometer
-- reading its distance limit counts from until a matching service is
-- logged.  Set on insert to the bike's mileage at that moment (the
-- mileage at purchase is not known; the mileage when the bike was added
-- is the best lower bound of "when we started tracking").  NULL (rows
-- older than this migration) counts from 0 km.
-- ---------------------------------------------------------------------------
ALTER TABLE maintenance_schedules ADD COLUMN baseline_mileage integer
	CONSTRAINT maintenance_schedules_baseline_mileage_check
	CHECK (baseline_mileage >= 0);

-- ---------------------------------------------------------------------------
-- Indexes
-- ---------------------------------------------------------------------------
-- A bike's records, newest service first: GET .../maintenance walks
-- (service_date, id) DESC backwards; the keyset cursor is that pair.
CREATE INDEX idx_maintenance_records_motorcycle_service_date
	ON maintenance_records (motorcycle_id, service_date, id);
-- The last matching service of a schedule (due lists): service types
-- match case-insensitively, latest by date, then mileage.
CREATE INDEX idx_maintenance_records_motorcycle_type
	ON maintenance_records (motorcycle_id, lower(service_type),
	    service_date DESC, mileage_at_service DESC NULLS LAST, id DESC);
-- The seed's idx_maintenance_records_motorcycle_id is a prefix of both and
-- could go; it stays because every seed index is kept (sql/README.md).
-- The seed's "optimization" idx_maintenance_due (motorcycle_id, CASE ...
-- interval) matches no query here: the due lists read a bike's schedules
-- by motorcycle_id, which idx_maintenance_schedules_motorcycle_id covers.
