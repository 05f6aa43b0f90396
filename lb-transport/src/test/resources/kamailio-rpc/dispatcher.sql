-- Schema: verbatim from Kamailio 5.6.3 /usr/share/kamailio/postgres/standard-create.sql
-- and /usr/share/kamailio/postgres/dispatcher-create.sql (package kamailio-postgres-modules).
-- Placeholder __SIP_PORT__ must be replaced with the UDP port Kamailio listens on
-- (the 'socket' attribute must name a local listening socket).

CREATE TABLE version (
    id SERIAL PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);

INSERT INTO version (table_name, table_version) values ('version','1');

CREATE TABLE dispatcher (
    id SERIAL PRIMARY KEY NOT NULL,
    setid INTEGER DEFAULT 0 NOT NULL,
    destination VARCHAR(192) DEFAULT '' NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    priority INTEGER DEFAULT 0 NOT NULL,
    attrs VARCHAR(128) DEFAULT '' NOT NULL,
    description VARCHAR(64) DEFAULT '' NOT NULL
);

INSERT INTO version (table_name, table_version) values ('dispatcher','4');

-- Test data
INSERT INTO dispatcher (setid, destination, flags, priority, attrs, description) VALUES
  (1, 'sip:127.0.0.1:5070', 0, 10, 'duid=pbx1;weight=50;maxload=20;custom=x', 'first pbx'),
  (1, 'sip:127.0.0.1:5080', 0, 5,  'duid=pbx2;weight=50', 'second pbx'),
  (2, 'sip:127.0.0.1:5090;transport=tcp', 8, 0, '', ''),
  (2, 'sip:127.0.0.1:5091', 2, 3, 'duid=sock1;socket=udp:127.0.0.1:__SIP_PORT__;rweight=25', 'with socket');
