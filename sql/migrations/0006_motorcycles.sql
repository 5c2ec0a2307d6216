-- 0006_motorcycles: the motorcycle WMI table for offline VIN decoding, and
-- the index of the value estimate's comparables. Needs 0002.
-- Runs inside one transaction opened by `throttlecove migrate`.
-- The INSERTs are shipped reference data (sql/VIN.md: sources, caveats).

-- World Manufacturer Identifiers (ISO 3780) of motorcycle makers: the
-- first three characters of a VIN. Small makers (third character '9',
-- named by VIN positions 12-14 too) are not listed.
CREATE TABLE vin_wmi (
	wmi char(3) PRIMARY KEY
		CONSTRAINT vin_wmi_wmi_check
		CHECK (wmi ~ '^[A-HJ-NPR-Z0-9]{2}[A-HJ-NPR-Z0-8]$'),
	manufacturer text NOT NULL,
	country text
);

INSERT INTO vin_wmi (wmi, manufacturer, country) VALUES
	-- Japan
	('JH2', 'Honda', 'Japan'),
	('JYA', 'Yamaha', 'Japan'),
	('JKA', 'Kawasaki', 'Japan'),
	('JKB', 'Kawasaki', 'Japan'),
	('JS1', 'Suzuki', 'Japan'),
	-- United States
	('1HD', 'Harley-Davidson', 'United States'),
	('5HD', 'Harley-Davidson', 'United States'),
	('1HF', 'Honda', 'United States'),
	('56K', 'Indian', 'United States'),
	('5VP', 'Victory', 'United States'),
	('4MZ', 'Buell', 'United States'),
	('538', 'Zero Motorcycles', 'United States'),
	-- Europe
	('WB1', 'BMW Motorrad', 'Germany'),
	('WB3', 'BMW Motorrad', 'Germany'),
	('ZDM', 'Ducati', 'Italy'),
	('ZD4', 'Aprilia', 'Italy'),
	('ZGU', 'Moto Guzzi', 'Italy'),
	('ZCG', 'MV Agusta (Cagiva)', 'Italy'),
	('ZBN', 'Benelli', 'Italy'),
	('ZAP', 'Piaggio (Vespa)', 'Italy'),
	('ZDC', 'Honda Italia', 'Italy'),
	('ZKH', 'Husqvarna', 'Italy'),
	('VBK', 'KTM', 'Austria'),
	('VTT', 'Suzuki', 'Spain'),
	('SMT', 'Triumph', 'United Kingdom'),
	-- Asia and South America
	('ME3', 'Royal Enfield', 'India'),
	('MD2', 'Bajaj', 'India'),
	('MD6', 'TVS', 'India'),
	('MBL', 'Hero MotoCorp', 'India'),
	('ME4', 'Honda', 'India'),
	('MLH', 'Honda', 'Thailand'),
	('MH3', 'Yamaha', 'Indonesia'),
	('LCE', 'CFMoto', 'China'),
	('KM4', 'Hyosung', 'South Korea'),
	('RFB', 'Kymco', 'Taiwan'),
	('9C2', 'Honda', 'Brazil');

-- The value estimate's comparables (motorcycles/db.c, moto_value_inputs):
-- same make and model, a year close by, a current value set.
CREATE INDEX idx_motorcycles_comparables ON motorcycles
	(lower(make), lower(model), year) WHERE current_value IS NOT NULL;
