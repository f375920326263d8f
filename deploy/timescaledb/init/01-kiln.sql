-- Runs once, when the timescaledb container initialises an empty volume (docker-entrypoint-initdb.d).
-- The database the Kiln services of docker-compose.yml use (the `test` database stays for `npm test`).
CREATE DATABASE kiln;

-- Grafana reads the analytics views (docs/analytics.md) as a member of kiln_analyst, which `kiln migrate`
-- grants the views to; created here first so that the login role can join it.
CREATE ROLE kiln_analyst NOLOGIN;
CREATE ROLE grafana LOGIN PASSWORD 'grafana' IN ROLE kiln_analyst;
ALTER ROLE grafana SET default_transaction_read_only = on;
ALTER ROLE grafana SET statement_timeout = '1min';
