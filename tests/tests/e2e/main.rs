//! End-to-end suites over real loopback sockets: one binary, one module per behaviour.

mod support;

mod chat_example_end_to_end;
mod close_codes;
mod compression;
mod concurrent_calls_and_progress;
mod connect_time_auth;
mod connection_state_and_close;
mod envelope_ids_and_notifications;
mod error_codes;
mod first_frame_on_connect;
mod flat_one_pass;
mod flat_reply_shapes;
mod graceful_drain;
mod graceful_shutdown;
mod heartbeat;
mod http_endpoints;
mod malformed_frames_robustness;
mod origin_allow_list;
mod pubsub_delivery;
mod raw_echo_channel;
mod raw_input;
mod raw_ws;
mod routing_keys_and_fallback;
mod rust_client;
mod session_auth;
mod slow_consumers;
mod topic_history;
mod topic_subscriptions;
mod topics_left_on_close;
mod transport_limits;
