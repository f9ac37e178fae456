//! The safe layer over the module API: the looked-up function table, a context handle whose
//! methods run commands, send replies and log, and the conversions between the server's
//! strings and byte slices. Everything above this file is safe Rust.

use crate::ffi::{self, Api, ModuleCtx, ModuleString};
use redis_runtime::Reply;
use smallvec::SmallVec;
use std::ffi::{c_char, c_int, c_long, CStr, CString};
use std::sync::OnceLock;

static API: OnceLock<Api> = OnceLock::new();

/// Look the API up (first load only; a reload keeps the table, which the server does not
/// change while it runs).
///
/// # Safety
/// `ctx` is the context the server passed to `OnLoad`.
pub unsafe fn init(ctx: *mut ModuleCtx) -> Result<(), &'static str> {
    if API.get().is_none() {
        // SAFETY: forwarded from the caller.
        let api = unsafe { Api::load(ctx)? };
        let _ = API.set(api);
    }
    Ok(())
}

/// The function table. Only reachable after [`init`] succeeded: every entry point the server
/// calls exists only once `OnLoad` registered the engine, which it does after `init`.
pub fn api() -> &'static Api {
    match API.get() {
        Some(api) => api,
        // Unreachable by construction (see above); aborting beats calling through nothing.
        None => std::process::abort(),
    }
}

/// A context the server passed to a callback, valid for that callback's duration.
#[derive(Clone, Copy)]
pub struct Context {
    raw: *mut ModuleCtx,
}

impl Context {
    /// # Safety
    /// `raw` is a context the server passed to the running callback; the `Context` is not
    /// kept past that callback.
    pub unsafe fn new(raw: *mut ModuleCtx) -> Context {
        Context { raw }
    }

    pub fn raw(&self) -> *mut ModuleCtx {
        self.raw
    }

    /// Run a command: `argv[0]` is its name, `format` the `ValkeyModule_Call` format: `v` (the
    /// argument vector) then flags (say `E` for errors as replies, `S` for script mode). The
    /// reply, read from the RESP bytes the call reply holds (`None` when the server gave no
    /// reply object), and the `errno` the server left, which says why it refused a command
    /// (`ENOENT`: no such command, `EINVAL`: wrong arity, `ESPIPE`: not allowed in scripts).
    pub fn call(&self, argv: &[&[u8]], format: &CStr) -> (Option<Reply>, i32) {
        self.call_reusing(argv, format, &[])
    }

    /// [`Context::call`], passing the server's own string for an argument equal to one of
    /// `reusable` (a script's command naming one of its keys, typically) instead of a copy.
    pub fn call_reusing(
        &self,
        argv: &[&[u8]],
        format: &CStr,
        reusable: &[(&[u8], *mut ModuleString)],
    ) -> (Option<Reply>, i32) {
        let Some(name) = argv.first() else {
            return (None, libc::ENOENT);
        };
        // Command names are short: their C string is built on the stack.
        let mut name_buffer = SmallVec::<[u8; 32]>::new();
        name_buffer
            .extend_from_slice(&name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())]);
        name_buffer.push(0);
        let strings = OwnedStrings::new(&argv[1..], reusable);
        set_errno(0);
        let reply = self.call_raw(name_buffer.as_ptr().cast(), format, &strings);
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        (reply, errno)
    }

    fn call_raw(
        &self,
        name: *const c_char,
        format: &CStr,
        strings: &OwnedStrings,
    ) -> Option<Reply> {
        let api = api();
        // SAFETY: `self.raw` is live for this callback; the format `v` takes an array of
        // server strings and its length, which `strings` holds until the call returns.
        let reply = unsafe {
            (api.call)(
                self.raw,
                name,
                format.as_ptr(),
                strings.as_ptr(),
                strings.len(),
            )
        };
        if reply.is_null() {
            return None;
        }
        let mut len = 0usize;
        // SAFETY: `reply` is the live reply just returned; the bytes it points at stay valid
        // until it is freed below, and are copied into the parsed `Reply` before that.
        let parsed = unsafe {
            // The server parses the reply into its own objects anyway (freeing it asks its
            // type): an integer, the most common reply of a script's commands, is read from
            // there; anything else from its protocol bytes.
            let parsed = if (api.call_reply_type)(reply) == ffi::REPLY_INTEGER {
                Some(Reply::Integer((api.call_reply_integer)(reply)))
            } else {
                let proto = (api.call_reply_proto)(reply, &mut len);
                (!proto.is_null())
                    .then(|| Reply::parse(std::slice::from_raw_parts(proto.cast::<u8>(), len)))
                    .flatten()
            };
            (api.free_call_reply)(reply);
            parsed
        };
        parsed
    }

    /// Send the error reply `text` (`CODE message`), counting it in the server's error
    /// statistics only when `count` (a command's error the script passed on was counted when
    /// the command failed).
    pub fn reply_error(&self, text: &[u8], count: bool) {
        let text = c_string(text);
        // SAFETY: the context is live; the format `%s` takes the one NUL-terminated string.
        unsafe {
            (api().reply_with_custom_error_format)(
                self.raw,
                c_int::from(count),
                c"%s".as_ptr(),
                text.as_ptr(),
            )
        };
    }

    /// Send `reply` to the client the callback serves. Replies nest as deep as scripts make
    /// them (thousands of levels), so the walk keeps its own stack instead of recursing.
    pub fn reply(&self, reply: &Reply) {
        // Inline room for the usual shallow reply: a single value costs no allocation.
        let mut pending: SmallVec<[&Reply; 16]> = SmallVec::new();
        pending.push(reply);
        while let Some(next) = pending.pop() {
            self.reply_one(next);
            match next {
                Reply::Array(items) | Reply::Set(items) => pending.extend(items.iter().rev()),
                Reply::Map(pairs) => {
                    for (key, value) in pairs.iter().rev() {
                        pending.push(value);
                        pending.push(key);
                    }
                }
                _ => {}
            }
        }
    }

    /// Send one reply, or the header of an aggregate (its elements follow).
    fn reply_one(&self, reply: &Reply) {
        let api = api();
        let ctx = self.raw;
        // SAFETY (every call below): `ctx` is live for this callback; buffers are passed with
        // their lengths, C strings are NUL-terminated copies that outlive the call.
        unsafe {
            match reply {
                Reply::Status(text) => {
                    let text = c_string(text);
                    (api.reply_with_simple_string)(ctx, text.as_ptr());
                }
                Reply::Error(text) => {
                    let text = c_string(text);
                    (api.reply_with_error)(ctx, text.as_ptr());
                }
                Reply::Integer(n) => {
                    (api.reply_with_long_long)(ctx, *n);
                }
                Reply::Bulk(bytes) => {
                    (api.reply_with_string_buffer)(ctx, bytes.as_ptr().cast(), bytes.len());
                }
                Reply::Null => {
                    (api.reply_with_null)(ctx);
                }
                Reply::NullArray => {
                    (api.reply_with_null_array)(ctx);
                }
                Reply::Array(items) => {
                    (api.reply_with_array)(ctx, items.len() as c_long);
                }
                Reply::Set(items) => {
                    (api.reply_with_set)(ctx, items.len() as c_long);
                }
                Reply::Map(pairs) => {
                    (api.reply_with_map)(ctx, pairs.len() as c_long);
                }
                Reply::Double(x) => {
                    (api.reply_with_double)(ctx, *x);
                }
                Reply::Boolean(b) => {
                    (api.reply_with_bool)(ctx, c_int::from(*b));
                }
                Reply::BigNumber(digits) => {
                    (api.reply_with_big_number)(ctx, digits.as_ptr().cast(), digits.len());
                }
                Reply::Verbatim { format, text } => {
                    let format = c_string(format);
                    (api.reply_with_verbatim_string_type)(
                        ctx,
                        text.as_ptr().cast(),
                        text.len(),
                        format.as_ptr(),
                    );
                }
            }
        }
    }

    /// Write `message` to the server's log at `level` (`warning`, `notice`, ...).
    pub fn log(&self, level: &str, message: &[u8]) {
        let level = c_string(level.as_bytes());
        let message = c_string(message);
        // SAFETY: the context is live; the format `%s` takes the one NUL-terminated string.
        unsafe { (api().log)(self.raw, level.as_ptr(), c"%s".as_ptr(), message.as_ptr()) };
    }

    /// Whether the client the callback serves may run `argv` (its command and keys), by the
    /// server's ACL: `Ok(true)` allowed, `Ok(false)` refused, `Err(())` when the server does
    /// not know the command.
    pub fn acl_allows(&self, argv: &[&[u8]]) -> Result<bool, ()> {
        let api = api();
        let strings = OwnedStrings::new(argv, &[]);
        // SAFETY: the context is live; the user name and user are freed here after use, and
        // the argument strings outlive the check.
        unsafe {
            let name = (api.get_current_user_name)(self.raw);
            if name.is_null() {
                // No user (an internal client): nothing to refuse.
                return Ok(true);
            }
            let user = (api.get_module_user_from_user_name)(name);
            (api.free_string)(self.raw, name);
            if user.is_null() {
                return Ok(true);
            }
            set_errno(0);
            let argc = c_int::try_from(strings.len()).unwrap_or(c_int::MAX);
            let status = (api.acl_check_command_permissions)(user, strings.as_ptr(), argc);
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            (api.free_module_user)(user);
            match (status == ffi::OK, errno) {
                (true, _) => Ok(true),
                (false, libc::ENOENT) | (false, libc::EINVAL) => Err(()),
                (false, _) => Ok(false),
            }
        }
    }

    /// A field of an `INFO` section (`server`, `redis_version`), if the server has it.
    pub fn server_info_field(&self, section: &str, field: &str) -> Option<String> {
        let api = api();
        let section = c_string(section.as_bytes());
        let field = c_string(field.as_bytes());
        // SAFETY: the context is live; the info data is freed after its field was copied.
        unsafe {
            let info = (api.get_server_info)(self.raw, section.as_ptr());
            if info.is_null() {
                return None;
            }
            let value = (api.server_info_get_field_c)(info, field.as_ptr());
            let copied = (!value.is_null()).then(|| {
                std::ffi::CStr::from_ptr(value)
                    .to_string_lossy()
                    .into_owned()
            });
            (api.free_server_info)(self.raw, info);
            copied
        }
    }
}

fn set_errno(value: i32) {
    // SAFETY: `__errno_location` gives this thread's errno, always valid to write.
    unsafe { *libc::__errno_location() = value };
}

/// The bytes of a server string.
///
/// # Safety
/// `s` is a live server string, not modified or freed while the slice is used.
pub unsafe fn string_bytes<'a>(s: *const ModuleString) -> &'a [u8] {
    if s.is_null() {
        return &[];
    }
    let mut len = 0usize;
    // SAFETY: forwarded from the caller.
    unsafe {
        let ptr = (api().string_ptr_len)(s, &mut len);
        if ptr.is_null() {
            return &[];
        }
        std::slice::from_raw_parts(ptr.cast::<u8>(), len)
    }
}

/// A new server string holding `bytes`, owned by the caller (no automatic memory).
pub fn new_string(bytes: &[u8]) -> *mut ModuleString {
    // SAFETY: a null context makes a string the caller frees; the buffer is read whole.
    unsafe { (api().create_string)(std::ptr::null_mut(), bytes.as_ptr().cast(), bytes.len()) }
}

/// Free a string made by [`new_string`].
///
/// # Safety
/// `s` came from [`new_string`] and is not used afterwards.
pub unsafe fn free_string(s: *mut ModuleString) {
    if !s.is_null() {
        // SAFETY: forwarded from the caller.
        unsafe { (api().free_string)(std::ptr::null_mut(), s) };
    }
}

/// Server strings for one call's arguments: made for it (freed when dropped) or borrowed
/// from the server for the running callback (a command reading them takes its own
/// reference, so they are never freed here).
struct OwnedStrings {
    strings: SmallVec<[*mut ModuleString; 8]>,
    made: SmallVec<[bool; 8]>,
}

impl OwnedStrings {
    fn new(items: &[&[u8]], reusable: &[(&[u8], *mut ModuleString)]) -> OwnedStrings {
        /// Past this many keys the search would cost more than the copies it saves (it is
        /// one comparison per key for every argument).
        const MOST_KEYS_SEARCHED: usize = 16;
        let reusable = if reusable.len() > MOST_KEYS_SEARCHED {
            &[][..]
        } else {
            reusable
        };
        let mut strings = SmallVec::with_capacity(items.len());
        let mut made = SmallVec::with_capacity(items.len());
        for item in items {
            match reusable.iter().find(|(bytes, _)| bytes == item) {
                Some(&(_, server_string)) => {
                    strings.push(server_string);
                    made.push(false);
                }
                None => {
                    strings.push(new_string(item));
                    made.push(true);
                }
            }
        }
        OwnedStrings { strings, made }
    }

    fn as_ptr(&self) -> *mut *mut ModuleString {
        self.strings.as_ptr().cast_mut()
    }

    fn len(&self) -> usize {
        self.strings.len()
    }
}

impl Drop for OwnedStrings {
    fn drop(&mut self) {
        for (&s, &made) in self.strings.iter().zip(&self.made) {
            if made {
                // SAFETY: it came from `new_string` and is used by nobody after the call.
                unsafe { free_string(s) };
            }
        }
    }
}

/// `bytes` up to its first NUL, NUL-terminated: what the server's C-string functions read.
fn c_string(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    // No NUL is left in `bytes[..end]`, so this cannot fail; an empty string if it did.
    CString::new(&bytes[..end]).unwrap_or_default()
}

/// The API's `OK`/`ERR` as a `Result`.
pub fn status(code: c_int) -> Result<(), ()> {
    if code == ffi::OK {
        Ok(())
    } else {
        Err(())
    }
}

/// The server's state of one running function (`ValkeyModuleScriptingEngineServerRuntimeCtx`).
#[derive(Clone, Copy)]
pub struct RunState {
    raw: *mut ffi::ServerRuntimeCtx,
}

impl RunState {
    /// # Safety
    /// `raw` is the server context of the run in progress; the `RunState` is not kept past it.
    pub unsafe fn new(raw: *mut ffi::ServerRuntimeCtx) -> Option<RunState> {
        (!raw.is_null()).then_some(RunState { raw })
    }

    /// Whether `SCRIPT KILL` or `FUNCTION KILL` stopped the run. Asking also lets the server
    /// serve other clients (`BUSY` replies, the kill itself) once the run is past the busy
    /// threshold.
    pub fn killed(&self) -> bool {
        // SAFETY: `raw` is live for the run (see `new`).
        unsafe { (api().function_execution_state)(self.raw) == ffi::STATE_KILLED }
    }
}
