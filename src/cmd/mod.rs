//! The binary's own modules: the clap definitions, the reindex progress
//! display, what the commands print, and the server's start-up.

pub mod access;
pub mod cli;
pub mod print;
pub mod progress;
pub mod serve;
pub mod ship;
