//! The error type of the embedding API.

use std::fmt;
use std::sync::Arc;

/// A failure seen from Rust: a script error, a limit reached, or a value that did not convert.
///
/// ```
/// use lua_core::api::{Error, Lua};
///
/// let lua = Lua::new();
/// match lua.load("local x = nil + 1").exec() {
///     Err(Error::RuntimeError { message, .. }) => {
///         assert_eq!(message, r#"[string "local x = nil + 1"]:1: attempt to perform arithmetic on a nil value"#)
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// A chunk did not compile.
    SyntaxError {
        /// Lua's message, with the chunk name and line (`s:1: unexpected symbol near '='`).
        message: String,
        /// The chunk ended before it was complete (`near '<eof>'`): more input could make it
        /// valid, which is how a REPL knows to read another line.
        incomplete_input: bool,
    },
    /// A script raised an error.
    RuntimeError {
        /// The error value as text; values other than strings and numbers read
        /// `(error object is a table value)`.
        message: String,
        /// The call stack where the error was raised, as `debug.traceback` prints it (empty
        /// when unknown).
        traceback: String,
    },
    /// A script raised a value that is neither a string nor a number (`error({code = 42})`,
    /// `error(true)`, `error()`). The value itself stays in the state, and
    /// [`Lua::error_value`](super::Lua::error_value) gives it back (the last
    /// [`KEPT_ERROR_OBJECTS`](super::KEPT_ERROR_OBJECTS) raised are kept). Returned from a
    /// Rust callback, the same value is raised again.
    ErrorObject {
        /// The value as Lua 5.1 reports it: `(error object is a table value)`, `nil`.
        message: String,
        /// The call stack where it was raised.
        traceback: String,
        /// Which raised value this is.
        id: u64,
    },
    /// The memory limit was reached (`not enough memory`).
    MemoryError,
    /// A hook or callback stopped the script with [`Error::Interrupted`]. Scripts cannot catch
    /// this with `pcall`.
    Interrupted,
    /// A function made by [`Lua::create_function_mut`](super::Lua::create_function_mut) was
    /// called again while it was running (it cannot borrow itself twice).
    RecursiveMutCallback,
    /// A function made by [`Scope::create_function`](super::Scope::create_function) was called
    /// after its scope ended.
    CallbackDestructed,
    /// A Rust callback failed, and the error reached the host uncaught.
    CallbackError {
        /// What Lua code saw: the error value raised for the callback's error.
        message: String,
        /// The error the callback returned.
        cause: Arc<Error>,
        /// The call stack where it was raised.
        traceback: String,
    },
    /// A Lua value could not be converted to the Rust type asked for.
    FromLuaConversionError {
        /// The Lua type of the value (`"no value"` for a missing argument).
        from: &'static str,
        /// What was expected (`"number"`, `"string"`, `"i64"`, a userdata type name, ...).
        to: &'static str,
        /// Why, when the type alone does not say (`number out of range`).
        message: Option<String>,
    },
    /// A Rust value could not be converted to a Lua value.
    ToLuaConversionError {
        /// The Rust type.
        from: &'static str,
        /// The Lua type it was converted to.
        to: &'static str,
        /// Why.
        message: Option<String>,
    },
    /// An argument of a Rust function did not convert; Lua code sees
    /// `bad argument #<position> to '<name>' (...)`.
    BadArgument {
        /// The argument's position, from 1 (a method's receiver is 1).
        position: usize,
        /// The conversion error.
        cause: Arc<Error>,
    },
    /// A userdata is not of the Rust type asked for.
    UserDataTypeMismatch,
    /// A userdata could not be borrowed because it is mutably borrowed (a method is running).
    UserDataBorrowError,
    /// A userdata could not be borrowed mutably because it is borrowed.
    UserDataBorrowMutError,
    /// The handle's [`Lua`](super::Lua) has been dropped.
    StateClosed,
    /// The state was used from code that runs while the API holds it (for example a `Drop`
    /// implementation run by the collector).
    StateBusy,
    /// A handle's slot did not hold a value of the handle's type. The API never makes such a
    /// handle; this reports the broken invariant instead of panicking.
    InvalidHandle,
    /// An error from outside Lua, returned by a callback.
    ExternalError(Arc<dyn std::error::Error + Send + Sync>),
}

/// The result type of the embedding API.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A runtime error with this message, as a Rust callback raises one (Lua code sees exactly
    /// `message`, with no position added).
    pub fn runtime(message: impl Into<String>) -> Error {
        Error::RuntimeError {
            message: message.into(),
            traceback: String::new(),
        }
    }

    /// Wrap an error from outside Lua (Lua code sees its `Display` text).
    pub fn external(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::ExternalError(Arc::from(e.into()))
    }

    pub(crate) fn from_lua_conversion(from: &'static str, to: &'static str) -> Error {
        Error::FromLuaConversionError {
            from,
            to,
            message: None,
        }
    }

    /// The text between the parentheses of `bad argument #n to 'f' (...)`.
    pub(crate) fn argument_message(&self) -> String {
        match self {
            Error::FromLuaConversionError {
                from,
                to,
                message: None,
            } => format!("{to} expected, got {from}"),
            Error::FromLuaConversionError {
                message: Some(m), ..
            } => m.clone(),
            other => other.to_string(),
        }
    }
}

impl Error {
    /// A syntax error with Lua's message; incomplete when the compiler stopped at the end of
    /// the input.
    pub(crate) fn syntax(message: String) -> Error {
        let incomplete_input = message.ends_with("'<eof>'");
        Error::SyntaxError {
            message,
            incomplete_input,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SyntaxError { message, .. } => write!(f, "syntax error: {message}"),
            Error::RuntimeError { message, .. } | Error::ErrorObject { message, .. } => {
                write!(f, "runtime error: {message}")
            }
            Error::MemoryError => write!(f, "memory error: not enough memory"),
            Error::Interrupted => write!(f, "interrupted"),
            Error::CallbackError {
                message, traceback, ..
            } => match callback_name(traceback) {
                Some(name) => write!(f, "callback error in function '{name}': {message}"),
                None => write!(f, "callback error: {message}"),
            },
            Error::FromLuaConversionError { from, to, message } => {
                write!(f, "error converting Lua {from} to {to}")?;
                match message {
                    Some(m) => write!(f, " ({m})"),
                    None => Ok(()),
                }
            }
            Error::ToLuaConversionError { from, to, message } => {
                write!(f, "error converting {from} to Lua {to}")?;
                match message {
                    Some(m) => write!(f, " ({m})"),
                    None => Ok(()),
                }
            }
            Error::BadArgument { position, cause } => {
                write!(f, "bad argument #{position}: {cause}")
            }
            Error::UserDataTypeMismatch => write!(f, "userdata is not of the expected type"),
            Error::UserDataBorrowError => write!(f, "userdata already mutably borrowed"),
            Error::UserDataBorrowMutError => write!(f, "userdata already borrowed"),
            Error::StateClosed => write!(f, "the Lua state has been closed"),
            Error::StateBusy => write!(f, "the Lua state is in use"),
            Error::InvalidHandle => write!(f, "a handle does not hold a value of its type"),
            Error::RecursiveMutCallback => write!(f, "mutable callback called recursively"),
            Error::CallbackDestructed => {
                write!(f, "a scoped function was called after its scope ended")
            }
            Error::ExternalError(e) => write!(f, "{e}"),
        }
    }
}

/// The name the traceback gives the Rust function at its top (`[C]: in function 'name'`).
fn callback_name(traceback: &str) -> Option<&str> {
    let first = traceback.lines().nth(1)?.trim_start();
    let name = first.strip_prefix("[C]: in function '")?;
    name.strip_suffix('\'')
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::CallbackError { cause, .. } | Error::BadArgument { cause, .. } => Some(&**cause),
            Error::ExternalError(e) => Some(&**e),
            _ => None,
        }
    }
}
