-- Portable SQL: runs on H2 (MODE=PostgreSQL) and PostgreSQL.
-- Claims with leases: a RUNNING job belongs to one instance (owner) for one attempt (attempts, raised by each claim)
-- until lease_expires_at, read against the database's clock; a heartbeat moves that on. Every write a worker makes
-- for a job names its owner and attempt, so a worker whose job was taken over writes nothing more.
alter table training_job add column owner varchar(200);
alter table training_job add column lease_expires_at timestamp with time zone;
-- a cancel from any instance: the owner's heartbeat reads it back and stops the run
alter table training_job add column cancel_requested boolean default false not null;

-- The queue bound holds for the cluster: a submission locks this one row, counts the queue and inserts in one
-- transaction, so two instances cannot both take the last place.
create table job_queue_gate (
    id integer not null primary key
);
insert into job_queue_gate (id) values (1);
