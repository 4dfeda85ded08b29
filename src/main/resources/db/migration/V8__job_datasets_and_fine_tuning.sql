-- Portable SQL: runs on H2 (MODE=PostgreSQL) and PostgreSQL.
-- A job trains on a data set (jobs from before data sets trained on CIFAR-10) and may start from a registered model
-- version (fine-tuning), resolved at submit to a concrete version; freeze_features keeps its feature layers fixed
-- ("freeze" is a reserved word in PostgreSQL).
alter table training_job add column dataset_id varchar(64) default 'cifar10' not null;
alter table training_job add column init_from_model varchar(128);
alter table training_job add column init_from_version integer;
alter table training_job add column freeze_features boolean default false not null;

-- the queued or running jobs of a data set: a set in use is not deleted
create index training_job_dataset_state on training_job (dataset_id, state);

-- A version records the data set it was trained on and the version it was fine-tuned from; imports have neither.
alter table model_version add column dataset_id varchar(64);
alter table model_version add column init_from_model varchar(128);
alter table model_version add column init_from_version integer;

-- labels are the data set's class names, up to 1,000 of them
alter table model_version alter column labels set data type varchar(1000000);
