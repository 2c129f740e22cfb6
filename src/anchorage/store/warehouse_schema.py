"""Warehouse migration 1: the tables as they stood when migrations began (payments are migration 2)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    row_no BIGINT,
    line_no BIGINT,
    column_name VARCHAR,
    reason VARCHAR NOT NULL,
    amount DECIMAL(18, 2),
    raw VARCHAR
);
CREATE TABLE IF NOT EXISTS supplier_master (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    row_no BIGINT NOT NULL,
    supplier_ref VARCHAR,
    supplier_name VARCHAR NOT NULL,
    supplier_name_norm VARCHAR NOT NULL,
    postcode VARCHAR,
    country VARCHAR,
    company_number VARCHAR,
    charity_number VARCHAR,
    vat_number VARCHAR,
    is_sme BOOLEAN,
    is_vcse BOOLEAN
);
CREATE TABLE IF NOT EXISTS supplier_profile (
    org VARCHAR NOT NULL,
    supplier_name_norm VARCHAR NOT NULL,
    postcode VARCHAR,
    country VARCHAR,
    company_number VARCHAR,
    charity_number VARCHAR,
    is_sme BOOLEAN,
    is_vcse BOOLEAN,
    source VARCHAR
);
CREATE TABLE IF NOT EXISTS postcodes (
    pcd_key VARCHAR NOT NULL,
    pcds VARCHAR NOT NULL,
    lad VARCHAR,
    ward VARCHAR,
    lsoa11 VARCHAR,
    lsoa21 VARCHAR,
    rgn VARCHAR,
    ctry VARCHAR,
    lat DOUBLE,
    long DOUBLE,
    terminated VARCHAR,
    source VARCHAR
);
CREATE TABLE IF NOT EXISTS imd (
    lsoa VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    imd_rank INTEGER,
    imd_decile INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS areas (
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    parent VARCHAR
);
CREATE TABLE IF NOT EXISTS boundaries (
    kind VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR,
    geometry VARCHAR NOT NULL
);
-- One row per employee of a staff extract. The home postcode is never stored: only its LSOA and LAD.
CREATE TABLE IF NOT EXISTS staff (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    row_no BIGINT NOT NULL,
    staff_id VARCHAR NOT NULL,
    as_at DATE NOT NULL,
    lad VARCHAR,
    lsoa11 VARCHAR,
    lsoa21 VARCHAR,
    hourly_pay DECIMAL(10, 2),
    pay_band VARCHAR,
    contract_type VARCHAR,
    start_date DATE,
    role_family VARCHAR,
    is_apprentice BOOLEAN NOT NULL,
    is_new_hire BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS assets (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    row_no BIGINT NOT NULL,
    asset_key VARCHAR NOT NULL,
    uprn VARCHAR,
    asset_ref VARCHAR,
    name VARCHAR,
    address VARCHAR,
    postcode VARCHAR,
    asset_type VARCHAR,
    tenure VARCHAR,
    holding_type VARCHAR,
    building_m2 DOUBLE,
    land_ha DOUBLE,
    energy_rating VARCHAR,
    gross_floor_m2 DOUBLE,
    occupied_floor_m2 DOUBLE,
    running_cost DECIMAL(18, 2),
    backlog_maintenance DECIMAL(18, 2),
    services VARCHAR,
    acv_flag BOOLEAN,
    easting DOUBLE,
    northing DOUBLE,
    lat DOUBLE,
    lon DOUBLE,
    location_source VARCHAR,
    lsoa VARCHAR,
    ward VARCHAR,
    source_row VARCHAR
);
CREATE TABLE IF NOT EXISTS asset_utilisation (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    row_no BIGINT NOT NULL,
    asset_ref VARCHAR,
    uprn VARCHAR,
    period VARCHAR,
    occupied_floor_m2 DOUBLE,
    hours_per_week DOUBLE,
    vacancy_pct DOUBLE,
    surplus BOOLEAN
);
-- One row per contract of an anchor: from its contract register, or an OCDS process (ocid) compiled to its
-- latest state per stage. Definitions in docs/pipeline.md.
CREATE TABLE IF NOT EXISTS contracts (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    row_no BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    contract_key VARCHAR NOT NULL,
    ocid VARCHAR,
    reference VARCHAR,
    title VARCHAR NOT NULL,
    description VARCHAR,
    buyer_name VARCHAR,
    supplier_name VARCHAR,
    supplier_name_norm VARCHAR,
    supplier_id VARCHAR,
    supplier_postcode VARCHAR,
    value DECIMAL(18, 2),
    currency VARCHAR,
    start_date DATE,
    end_date DATE,
    end_date_max DATE,
    extension_options VARCHAR,
    category VARCHAR,
    cpv VARCHAR,
    proclass VARCHAR,
    stage VARCHAR NOT NULL,
    status VARCHAR,
    tender_deadline DATE,
    procurement_start DATE,
    award_date DATE,
    release_date TIMESTAMP,
    releases INTEGER NOT NULL,
    source_url VARCHAR,
    is_public BOOLEAN NOT NULL
);
-- The releases behind OCDS contracts, as read (one row per release); contracts are compiled from them per
-- (anchor, ocid), so releases of one process loaded from several files make one contract.
CREATE TABLE IF NOT EXISTS ocds_releases (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    seq BIGINT NOT NULL,
    line_no BIGINT,
    ocid VARCHAR NOT NULL,
    release_id VARCHAR,
    release_ts TIMESTAMP,
    stage_rank INTEGER NOT NULL,
    buyer_name VARCHAR,
    title VARCHAR,
    description VARCHAR,
    supplier_name VARCHAR,
    supplier_id VARCHAR,
    supplier_postcode VARCHAR,
    value DOUBLE,
    currency VARCHAR,
    start_date DATE,
    end_date DATE,
    end_date_max DATE,
    cpv VARCHAR,
    tender_deadline DATE,
    procurement_start DATE,
    award_date DATE,
    status VARCHAR,
    source_url VARCHAR
);
CREATE TABLE IF NOT EXISTS register_entities (
    upload_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    register_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name_norm VARCHAR NOT NULL,
    postcode VARCHAR,
    town VARCHAR,
    entity_type VARCHAR,
    status VARCHAR,
    sic_codes VARCHAR,
    accounts_category VARCHAR,
    income DECIMAL(18, 2),
    company_number VARCHAR,
    incorporated DATE,
    dissolved DATE
);
CREATE TABLE IF NOT EXISTS supplier_candidates (
    record_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    register_id VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL,
    match_weight DOUBLE,
    method VARCHAR NOT NULL,
    explanation VARCHAR
);
CREATE TABLE IF NOT EXISTS supplier_resolution (
    org VARCHAR NOT NULL,
    supplier_name_norm VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    supplier_name VARCHAR,
    supplier_id VARCHAR NOT NULL,
    register_source VARCHAR,
    register_id VARCHAR,
    register_name VARCHAR,
    match_probability DOUBLE,
    method VARCHAR,
    explanation VARCHAR,
    registered_postcode VARCHAR,
    sector VARCHAR,
    register_sme BOOLEAN,
    register_vcse BOOLEAN,
    warning VARCHAR
);
CREATE TABLE IF NOT EXISTS sv_commitments (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    row_no BIGINT,
    contract_ref VARCHAR NOT NULL,
    supplier_name VARCHAR NOT NULL,
    supplier_key VARCHAR NOT NULL,
    measure_id VARCHAR NOT NULL,
    quantity DOUBLE NOT NULL,
    contract_start DATE NOT NULL,
    contract_end DATE NOT NULL,
    source_row VARCHAR
);
CREATE TABLE IF NOT EXISTS sv_deliveries (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    row_no BIGINT,
    contract_ref VARCHAR NOT NULL,
    supplier_name VARCHAR NOT NULL,
    supplier_key VARCHAR NOT NULL,
    measure_id VARCHAR NOT NULL,
    quantity DOUBLE NOT NULL,
    period_end DATE NOT NULL,
    evidence VARCHAR,
    source_row VARCHAR
);
CREATE TABLE IF NOT EXISTS lm3_responses (
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    row_no BIGINT,
    supplier_name VARCHAR NOT NULL,
    supplier_key VARCHAR NOT NULL,
    year INTEGER,
    income DECIMAL(18, 2) NOT NULL,
    wages_share DOUBLE NOT NULL,
    local_staff_share DOUBLE NOT NULL,
    purchases_share DOUBLE NOT NULL,
    local_purchases_share DOUBLE NOT NULL,
    postcode VARCHAR,
    source_row VARCHAR
);
"""
