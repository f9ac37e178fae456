//! `oom-score-adj`: the server tells Linux's out-of-memory killer how expendable it is, by
//! writing `/proc/self/oom_score_adj` as Redis's `setOOMScoreAdj` does: one of three values
//! (`oom-score-adj-values`) for a primary, a replica, and a forked child (BGSAVE, rewrites),
//! relative to the score the process started with or absolute. Turning it off puts the
//! original score back.

use crate::server::Server;

const PATH: &str = "/proc/self/oom_score_adj";

/// Which of the three values applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessClass {
    Primary = 0,
    Replica = 1,
    Child = 2,
}

/// The score the process had before the server first changed it, while it is changed.
#[derive(Clone, Copy, Debug, Default)]
pub struct OomScore {
    original: Option<i32>,
}

impl OomScore {
    /// Write the score `mode` (`no`, `yes`/`relative`, `absolute`) and `values` give `class`;
    /// with `no`, put back the original score if the server had changed it. The error is what
    /// Redis logs.
    pub fn apply(
        &mut self,
        mode: &str,
        values: [i32; 3],
        class: ProcessClass,
    ) -> Result<(), String> {
        let score = if mode == "no" {
            match self.original.take() {
                Some(original) => original,
                None => return Ok(()),
            }
        } else {
            let original = match self.original {
                Some(original) => original,
                None => {
                    let text = std::fs::read_to_string(PATH).map_err(|e| {
                        format!(
                            "Unable to read oom_score_adj: {}",
                            crate::util::strerror(&e)
                        )
                    })?;
                    let original = text.trim().parse().unwrap_or(0);
                    self.original = Some(original);
                    original
                }
            };
            let value = values[class as usize];
            let score = if mode == "absolute" {
                value
            } else {
                value + original
            };
            score.clamp(-1000, 1000)
        };
        std::fs::write(PATH, format!("{score}\n")).map_err(|e| {
            format!(
                "Unable to write oom_score_adj: {}",
                crate::util::strerror(&e)
            )
        })
    }
}

/// The server's three values, from `oom-score-adj-values`.
fn values(server: &Server) -> [i32; 3] {
    let mut values = [0; 3];
    let text = server.config.get("oom-score-adj-values").unwrap_or("");
    for (slot, word) in values.iter_mut().zip(text.split_whitespace()) {
        *slot = word.parse().unwrap_or(0);
    }
    values
}

/// Apply the configuration for what the server is now (a replica or a primary), logging a
/// failure; false when it failed.
pub fn update(server: &mut Server) -> bool {
    let class = if server.master_link.is_some() {
        ProcessClass::Replica
    } else {
        ProcessClass::Primary
    };
    apply_class(server, class)
}

/// In a forked child, just after the fork: the child's value (the child's copy of the
/// server is read-only; what it would record dies with it).
pub fn enter_child(server: &Server) {
    let mut state = server.oom_score;
    apply_with(server, &mut state, ProcessClass::Child);
}

fn apply_class(server: &mut Server, class: ProcessClass) -> bool {
    let mut state = server.oom_score;
    let ok = apply_with(server, &mut state, class);
    server.oom_score = state;
    ok
}

fn apply_with(server: &Server, state: &mut OomScore, class: ProcessClass) -> bool {
    let mode = server.config.get("oom-score-adj").unwrap_or("no");
    match state.apply(mode, values(server), class) {
        Ok(()) => true,
        Err(e) => {
            server.log_warning(&e);
            false
        }
    }
}
