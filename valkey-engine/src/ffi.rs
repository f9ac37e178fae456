//! The module API as Valkey 9.1 hands it over, declared by hand (no C is compiled, no header
//! read at build time): the opaque types, the scripting-engine structures (ABI version 4) and
//! the table of API functions the module looks up by name at load time.
//!
//! A module gets the API through the context `MODULE LOAD` passes to its `OnLoad`: the
//! context's first field is a pointer to `GetApi(name, &out)`, which writes the function
//! registered under `name` into `out`. [`Api::load`] does that once for every function this
//! module uses and keeps them in one table; nothing else in the crate touches raw pointers to
//! server functions.
//!
//! Layouts follow `valkeymodule.h` of Valkey 9.1 (`ValkeyModuleScriptingEngine*`). Every
//! enum there is a C `int`.

use std::ffi::{c_char, c_double, c_int, c_long, c_longlong, c_void};

/// `ValkeyModuleCtx`: the server's per-call context, only ever behind a pointer.
#[repr(C)]
pub struct ModuleCtx {
    _opaque: [u8; 0],
}

/// `ValkeyModuleString`: the server's string object.
#[repr(C)]
pub struct ModuleString {
    _opaque: [u8; 0],
}

/// `ValkeyModuleCallReply`: the reply of a command run through `ValkeyModule_Call`.
#[repr(C)]
pub struct CallReply {
    _opaque: [u8; 0],
}

/// `ValkeyModuleUser`: an ACL user, as `GetModuleUserFromUserName` returns it.
#[repr(C)]
pub struct ModuleUser {
    _opaque: [u8; 0],
}

/// `ValkeyModuleServerInfoData`: a section of `INFO`, as `GetServerInfo` returns it.
#[repr(C)]
pub struct ServerInfoData {
    _opaque: [u8; 0],
}

/// `ValkeyModuleScriptingEngineServerRuntimeCtx`: the server's view of a running function.
pub type ServerRuntimeCtx = c_void;

pub const OK: c_int = 0;
pub const ERR: c_int = 1;
pub const APIVER_1: c_int = 1;

/// `ValkeyModuleScriptingEngineSubsystemType`.
pub const SUBSYSTEM_FUNCTION: c_int = 1;
pub const SUBSYSTEM_ALL: c_int = 2;

/// `ValkeyModuleScriptingEngineExecutionState`.
pub const STATE_KILLED: c_int = 1;

/// `ValkeyModuleScriptingEngineDebuggerEnableRet`.
pub const DEBUG_NOT_SUPPORTED: c_int = 0;

/// `VMSE_SCRIPT_FLAG_*`: a function's flags as the server reads them.
pub const FLAG_NO_WRITES: u64 = 1 << 0;
pub const FLAG_ALLOW_OOM: u64 = 1 << 1;
pub const FLAG_ALLOW_STALE: u64 = 1 << 2;
pub const FLAG_NO_CLUSTER: u64 = 1 << 3;
pub const FLAG_ALLOW_CROSS_SLOT: u64 = 1 << 5;

pub const ENGINE_ABI_VERSION: u64 = 4;
pub const COMPILED_FUNCTION_VERSION: u64 = 1;
pub const MEMORY_INFO_VERSION: u64 = 1;

/// `ValkeyModuleScriptingEngineCompiledFunction` (V1): what `compile_code` returns, one per
/// script or registered function. The server keeps it until it asks `free_function` to drop
/// it.
#[repr(C)]
pub struct CompiledFunction {
    pub version: u64,
    pub name: *mut ModuleString,
    pub function: *mut c_void,
    pub desc: *mut ModuleString,
    pub f_flags: u64,
}

/// `ValkeyModuleScriptingEngineMemoryInfo` (V1), returned by value.
#[repr(C)]
pub struct MemoryInfo {
    pub version: u64,
    pub used_memory: usize,
    pub engine_memory_overhead: usize,
}

/// `ValkeyModuleScriptingEngineCallableLazyEnvReset`: a reset the server finishes later, on
/// a background thread.
#[repr(C)]
pub struct LazyEnvReset {
    pub context: *mut c_void,
    pub callback: Option<unsafe extern "C" fn(context: *mut c_void)>,
}

pub type CompileCode = unsafe extern "C" fn(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem: c_int,
    code: *const c_char,
    code_len: usize,
    timeout: usize,
    out_count: *mut usize,
    err: *mut *mut ModuleString,
) -> *mut *mut CompiledFunction;

pub type FreeFunction = unsafe extern "C" fn(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem: c_int,
    function: *mut CompiledFunction,
);

pub type CallFunction = unsafe extern "C" fn(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    server_ctx: *mut ServerRuntimeCtx,
    function: *mut CompiledFunction,
    subsystem: c_int,
    keys: *mut *mut ModuleString,
    nkeys: usize,
    args: *mut *mut ModuleString,
    nargs: usize,
);

pub type FunctionMemoryOverhead =
    unsafe extern "C" fn(module_ctx: *mut ModuleCtx, function: *mut CompiledFunction) -> usize;

pub type ResetEnv = unsafe extern "C" fn(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem: c_int,
    asynchronous: c_int,
) -> *mut LazyEnvReset;

pub type GetMemoryInfo = unsafe extern "C" fn(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem: c_int,
) -> MemoryInfo;

pub type DebuggerEnable = unsafe extern "C" fn(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem: c_int,
    commands: *mut *const c_void,
    commands_len: *mut usize,
) -> c_int;

pub type DebuggerDisable =
    unsafe extern "C" fn(module_ctx: *mut ModuleCtx, engine_ctx: *mut c_void, subsystem: c_int);

pub type DebuggerStart = unsafe extern "C" fn(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem: c_int,
    source: *mut ModuleString,
);

pub type DebuggerEnd = DebuggerDisable;

/// `ValkeyModuleScriptingEngineMethods` (V4): the engine's callbacks, in the header's order.
#[repr(C)]
pub struct EngineMethods {
    pub version: u64,
    pub compile_code: Option<CompileCode>,
    pub free_function: Option<FreeFunction>,
    pub call_function: Option<CallFunction>,
    pub get_function_memory_overhead: Option<FunctionMemoryOverhead>,
    pub reset_env: Option<ResetEnv>,
    pub get_memory_info: Option<GetMemoryInfo>,
    pub debugger_enable: Option<DebuggerEnable>,
    pub debugger_disable: Option<DebuggerDisable>,
    pub debugger_start: Option<DebuggerStart>,
    pub debugger_end: Option<DebuggerEnd>,
}

/// Declares [`Api`]: one field per server function, and `load`, which fills every field
/// through `GetApi` and fails naming the first function the server does not have.
macro_rules! api_table {
    ($($field:ident = $name:literal : $ty:ty;)*) => {
        /// The server functions this module calls, looked up once at load time.
        pub struct Api {
            $(pub $field: $ty,)*
        }

        impl Api {
            /// Look every function up through the `GetApi` pointer at the start of `ctx`.
            ///
            /// # Safety
            /// `ctx` is the context the server passed to `OnLoad`.
            pub unsafe fn load(ctx: *mut ModuleCtx) -> Result<Api, &'static str> {
                // SAFETY: the server's module context starts with the `GetApi` function
                // pointer (`ValkeyModule_Init` in valkeymodule.h reads it the same way).
                let get_api: GetApiFn =
                    unsafe { std::mem::transmute(*(ctx as *const *const c_void)) };
                Ok(Api {
                    $($field: {
                        let mut slot: *const c_void = std::ptr::null();
                        let name = concat!("ValkeyModule_", $name, "\0");
                        // SAFETY: `GetApi` writes one function pointer into `slot`, or
                        // leaves it alone and answers ERR.
                        let found = unsafe {
                            get_api(name.as_ptr().cast(), (&mut slot as *mut *const c_void).cast())
                        };
                        if found != OK || slot.is_null() {
                            return Err($name);
                        }
                        // SAFETY: the server registered this function under this name with
                        // the signature declared here (valkeymodule.h).
                        unsafe { std::mem::transmute::<*const c_void, $ty>(slot) }
                    },)*
                })
            }
        }
    };
}

/// `VALKEYMODULE_REPLY_INTEGER`: what `CallReplyType` answers for an integer reply.
pub const REPLY_INTEGER: c_int = 2;

type GetApiFn = unsafe extern "C" fn(name: *const c_char, out: *mut c_void) -> c_int;

/// `ValkeyModule_Call(ctx, command, format, ...)`: variadic in C. The module always calls it
/// with the format `v` plus flags, so the variable part is an argument vector and its length.
pub type CallFn = unsafe extern "C" fn(
    ctx: *mut ModuleCtx,
    command: *const c_char,
    format: *const c_char,
    ...
) -> *mut CallReply;

/// `ValkeyModule_Log(ctx, level, format, ...)`, called with the format `%s`.
pub type LogFn =
    unsafe extern "C" fn(ctx: *mut ModuleCtx, level: *const c_char, format: *const c_char, ...);

/// `ValkeyModule_ReplyWithCustomErrorFormat(ctx, update_error_stats, format, ...)`, called
/// with the format `%s`.
pub type CustomErrorFn = unsafe extern "C" fn(
    ctx: *mut ModuleCtx,
    update_error_stats: c_int,
    format: *const c_char,
    ...
) -> c_int;

api_table! {
    call = "Call": CallFn;
    log = "Log": LogFn;
    reply_with_custom_error_format = "ReplyWithCustomErrorFormat": CustomErrorFn;
    set_module_attribs = "SetModuleAttribs": unsafe extern "C" fn(*mut ModuleCtx, *const c_char, c_int, c_int);
    is_module_name_busy = "IsModuleNameBusy": unsafe extern "C" fn(*const c_char) -> c_int;
    register_scripting_engine = "RegisterScriptingEngine": unsafe extern "C" fn(*mut ModuleCtx, *const c_char, *mut c_void, *mut EngineMethods) -> c_int;
    unregister_scripting_engine = "UnregisterScriptingEngine": unsafe extern "C" fn(*mut ModuleCtx, *const c_char) -> c_int;
    function_execution_state = "GetFunctionExecutionState": unsafe extern "C" fn(*mut ServerRuntimeCtx) -> c_int;
    alloc = "Alloc": unsafe extern "C" fn(usize) -> *mut c_void;
    calloc = "Calloc": unsafe extern "C" fn(usize, usize) -> *mut c_void;
    free = "Free": unsafe extern "C" fn(*mut c_void);
    create_string = "CreateString": unsafe extern "C" fn(*mut ModuleCtx, *const c_char, usize) -> *mut ModuleString;
    free_string = "FreeString": unsafe extern "C" fn(*mut ModuleCtx, *mut ModuleString);
    string_ptr_len = "StringPtrLen": unsafe extern "C" fn(*const ModuleString, *mut usize) -> *const c_char;
    call_reply_proto = "CallReplyProto": unsafe extern "C" fn(*mut CallReply, *mut usize) -> *const c_char;
    call_reply_type = "CallReplyType": unsafe extern "C" fn(*mut CallReply) -> c_int;
    call_reply_integer = "CallReplyInteger": unsafe extern "C" fn(*mut CallReply) -> c_longlong;
    free_call_reply = "FreeCallReply": unsafe extern "C" fn(*mut CallReply);
    reply_with_long_long = "ReplyWithLongLong": unsafe extern "C" fn(*mut ModuleCtx, c_longlong) -> c_int;
    reply_with_error = "ReplyWithError": unsafe extern "C" fn(*mut ModuleCtx, *const c_char) -> c_int;
    reply_with_simple_string = "ReplyWithSimpleString": unsafe extern "C" fn(*mut ModuleCtx, *const c_char) -> c_int;
    reply_with_string_buffer = "ReplyWithStringBuffer": unsafe extern "C" fn(*mut ModuleCtx, *const c_char, usize) -> c_int;
    reply_with_array = "ReplyWithArray": unsafe extern "C" fn(*mut ModuleCtx, c_long) -> c_int;
    reply_with_map = "ReplyWithMap": unsafe extern "C" fn(*mut ModuleCtx, c_long) -> c_int;
    reply_with_set = "ReplyWithSet": unsafe extern "C" fn(*mut ModuleCtx, c_long) -> c_int;
    reply_with_null = "ReplyWithNull": unsafe extern "C" fn(*mut ModuleCtx) -> c_int;
    reply_with_null_array = "ReplyWithNullArray": unsafe extern "C" fn(*mut ModuleCtx) -> c_int;
    reply_with_bool = "ReplyWithBool": unsafe extern "C" fn(*mut ModuleCtx, c_int) -> c_int;
    reply_with_double = "ReplyWithDouble": unsafe extern "C" fn(*mut ModuleCtx, c_double) -> c_int;
    reply_with_big_number = "ReplyWithBigNumber": unsafe extern "C" fn(*mut ModuleCtx, *const c_char, usize) -> c_int;
    reply_with_verbatim_string_type = "ReplyWithVerbatimStringType": unsafe extern "C" fn(*mut ModuleCtx, *const c_char, usize, *const c_char) -> c_int;
    get_server_info = "GetServerInfo": unsafe extern "C" fn(*mut ModuleCtx, *const c_char) -> *mut ServerInfoData;
    server_info_get_field_c = "ServerInfoGetFieldC": unsafe extern "C" fn(*mut ServerInfoData, *const c_char) -> *const c_char;
    get_current_user_name = "GetCurrentUserName": unsafe extern "C" fn(*mut ModuleCtx) -> *mut ModuleString;
    get_module_user_from_user_name = "GetModuleUserFromUserName": unsafe extern "C" fn(*mut ModuleString) -> *mut ModuleUser;
    free_module_user = "FreeModuleUser": unsafe extern "C" fn(*mut ModuleUser) -> c_int;
    acl_check_command_permissions = "ACLCheckCommandPermissions": unsafe extern "C" fn(*mut ModuleUser, *mut *mut ModuleString, c_int) -> c_int;
    free_server_info = "FreeServerInfo": unsafe extern "C" fn(*mut ModuleCtx, *mut ServerInfoData);
}
