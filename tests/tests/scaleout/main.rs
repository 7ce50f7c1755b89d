//! Scale-out through Redis: several server processes (and several hubs in one process) share
//! topics through a `redis-server` each test starts on a free port. `scripts/ensure/redis`
//! installs `redis-server` where it is missing.

mod support;

mod broker_outage;
mod chat_across_processes;
mod exclude_and_order_across_hubs;
mod history_chaos;
