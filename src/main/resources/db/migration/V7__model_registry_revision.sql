-- Portable SQL: runs on H2 (MODE=PostgreSQL) and PostgreSQL.
-- One counter every change of the model registry (a version registered or deleted, an alias set or removed) moves
-- in its own transaction: another instance that finds a revision it has not read reads the registry again. The
-- check is one primary-key read, cheap enough to poll every few seconds beside PostgreSQL's notifications.
create table model_registry_revision (
    id       integer not null primary key,
    revision bigint  not null
);

insert into model_registry_revision (id, revision) values (1, 0);
