//! Threads (coroutines): a suspended thread keeps its own stack, frames and open upvalues here;
//! the running thread's are held by the `State` itself and swapped in and out on resume/yield.

use super::{UpVal, Value};
use crate::gc::Gc;
use crate::vm::CallInfo;

/// `coroutine.status` of a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadStatus {
    /// Created and not started, or stopped in `yield`.
    Suspended,
    Running,
    /// Active but not running: it resumed another coroutine.
    Normal,
    /// Finished, or stopped by an error.
    Dead,
}

impl ThreadStatus {
    pub fn name(self) -> &'static str {
        match self {
            ThreadStatus::Suspended => "suspended",
            ThreadStatus::Running => "running",
            ThreadStatus::Normal => "normal",
            ThreadStatus::Dead => "dead",
        }
    }
}

/// The execution context of one thread, as stored while the thread is not running.
pub(crate) struct ExecContext {
    /// The thread's global table (`LUA_GLOBALSINDEX`): where `loadstring` and native functions
    /// find globals; a new thread starts with its creator's.
    pub(crate) globals: Gc<super::Table>,
    pub(crate) stack: Vec<Value>,
    pub(crate) top: usize,
    pub(crate) frames: Vec<CallInfo>,
    pub(crate) open_upvals: Vec<Gc<UpVal>>,
    pub(crate) error_handler: Option<usize>,
    pub(crate) frame_capacity: usize,
    /// Instructions left before this thread's next count hook.
    pub(crate) hook_countdown: u32,
}

impl ExecContext {
    pub(crate) fn new(
        globals: Gc<super::Table>,
        stack: Vec<Value>,
        frame_capacity: usize,
    ) -> ExecContext {
        ExecContext {
            globals,
            stack,
            top: 0,
            frames: Vec::new(),
            open_upvals: Vec::new(),
            error_handler: None,
            frame_capacity,
            hook_countdown: 0,
        }
    }
}

pub struct LuaThread {
    pub(crate) ctx: ExecContext,
    pub(crate) status: ThreadStatus,
    /// The thread has begun running its function (a suspended thread is then in `yield`).
    pub(crate) started: bool,
    /// The Rust-call depth at which this thread was resumed: yielding is only possible when no
    /// Rust call is active above it.
    pub(crate) base_rust_calls: u32,
}

impl LuaThread {
    pub(crate) fn new(ctx: ExecContext) -> LuaThread {
        LuaThread {
            ctx,
            status: ThreadStatus::Suspended,
            started: false,
            base_rust_calls: 0,
        }
    }

    pub fn status(&self) -> ThreadStatus {
        self.status
    }
}
