-- Portable SQL: runs on H2 (MODE=PostgreSQL) and PostgreSQL.
-- Users' image-folder data sets. The images themselves are files under cnn.home/datasets/<id>/ (record files and a
-- manifest); a row is written only once its folder is whole, so every listed set can be read. The built-in CIFAR-10
-- set has no row. details is JSON: classes (label order), counts per class and split, the split kind, the test
-- fraction, and the rejected files (up to cnn.datasets.max-rejected-listed) with their count.
create table dataset (
    id          varchar(36)      not null primary key,
    name        varchar(200)     not null,
    source      varchar(16)      not null,
    images      integer          not null,
    sha256      char(64)         not null,
    created_at  timestamp with time zone not null,
    details     varchar(10000000) not null
);

create index dataset_created_at on dataset (created_at);
