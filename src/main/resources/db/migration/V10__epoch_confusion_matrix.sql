-- Each epoch's test confusion matrix (issue 17, per-class evaluation): JSON of the non-zero cells with the labels,
-- at most one cell per test image. Epochs recorded before this migration have none (null).
alter table epoch_metric add column test_confusion text;
