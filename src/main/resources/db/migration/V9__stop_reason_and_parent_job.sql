-- Portable SQL: runs on H2 (MODE=PostgreSQL) and PostgreSQL.
-- Why a job that succeeded ended before its budget (early stopping), null when it ran its whole budget.
alter table training_job add column stop_reason varchar(1000);
-- The job a continued run starts from (its last checkpoint). No foreign key: the parent may be deleted later, its
-- child keeps the id as a record of where it came from.
alter table training_job add column parent_job varchar(36);
