//! The wire protocol: requests in, replies out.

pub mod reply;
pub mod request;
