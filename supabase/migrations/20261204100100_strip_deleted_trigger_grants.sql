-- 20261204100000 left its trigger function executable by every role (a new function's default): anon and
-- authenticated execute no function of the product (pgTAP 23), this one included.
revoke execute on function billing.tg_workflow_runs__strip_deleted() from public, anon, authenticated;
