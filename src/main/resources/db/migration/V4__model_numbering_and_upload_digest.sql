-- Portable SQL: runs on H2 (MODE=PostgreSQL) and PostgreSQL.
-- Version numbers are never reused: each model name keeps the highest number it ever gave, and the row stays when
-- versions or the whole model are deleted, so "v2" always means one network. Names registered before this
-- migration start from their current newest version.
create table model_name (
    name         varchar(128) not null primary key,
    last_version integer      not null
);

insert into model_name (name, last_version)
    select name, max(version) from model_version group by name;

-- The sha256 of the bytes a user uploaded for an import (the stored file is rewritten by the service's own writer,
-- so its sha256, which loading verifies, differs). Null for trained versions and for imports made before this.
alter table model_version add column upload_sha256 char(64);
