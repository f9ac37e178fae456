//! FUNCTION libraries and FCALL (Redis 7.0's `functions.c`): the loaded libraries and their
//! functions, loading with the `#!lua name=<library>` first line, deleting, flushing, the
//! `FUNCTION DUMP` payload and its restoring, and calling a function.
//!
//! Libraries live in their own Lua interpreter, apart from EVAL's (see `lua::library` for the
//! environment their code runs in). Redis keeps libraries and functions in hash tables whose
//! iteration order is random per process; here they are listed in the order they were loaded.

mod command;

mod metadata;
mod pattern;
mod payload;

pub use command::{stats_reply, RunningFunction};

use crate::dialect::Dialect;
use crate::eval::CallOptions;
use crate::host::Host;
use crate::lua::rand48::Rand48;
use crate::lua::{Flavor, LuaEngine, Registered};
use crate::script::{RunContext, ScriptFlags};
use crate::{ExtraLibrary, Reply};
use std::collections::HashMap;
use std::time::Duration;

/// The error for a library or function name that is not `[A-Za-z0-9_]+` (Redis words it for
/// libraries in both cases).
pub(crate) const INVALID_NAME: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// How long a library's code may run when `FUNCTION LOAD` loads it (`LOAD_TIMEOUT_MS`).
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

/// Whether `name` may name a library or a function.
pub(crate) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// What `FUNCTION RESTORE` does with the libraries already loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestorePolicy {
    /// Drop them all first.
    Flush,
    /// Keep them; a library of the same name fails the restore (the default).
    Append,
    /// Keep them, replacing those the payload has a library of the same name for.
    Replace,
}

/// A loaded library.
struct Library {
    name: Vec<u8>,
    /// The whole code, first line included (`FUNCTION LIST WITHCODE`, `FUNCTION DUMP`).
    code: Vec<u8>,
    /// In registration order.
    functions: Vec<Registered>,
}

/// A function as FCALL finds it.
#[derive(Clone)]
struct Entry {
    function: Registered,
}

/// A set of libraries and the index of their functions by name (Redis's `functionsLibCtx`).
#[derive(Default)]
struct LibrarySet {
    libraries: Vec<Library>,
    /// Function names ignore case (as Redis's function table does). When two functions of one
    /// library differ only in case, the first registered is the one found.
    by_name: HashMap<Vec<u8>, Entry>,
}

fn folded(name: &[u8]) -> Vec<u8> {
    name.to_ascii_lowercase()
}

impl LibrarySet {
    fn position(&self, name: &[u8]) -> Option<usize> {
        self.libraries.iter().position(|l| l.name == name)
    }

    fn has_function(&self, name: &[u8]) -> bool {
        self.by_name.contains_key(&folded(name))
    }

    /// Take library `pos` out, with its functions.
    fn unlink(&mut self, pos: usize) -> Library {
        let library = self.libraries.remove(pos);
        for f in &library.functions {
            let key = folded(&f.name);
            if self
                .by_name
                .get(&key)
                .is_some_and(|e| e.function.index == f.index)
            {
                self.by_name.remove(&key);
            }
        }
        library
    }

    /// Put `library` in at `pos` (at the end for `None`), with its functions.
    fn link(&mut self, library: Library, pos: Option<usize>) {
        for f in &library.functions {
            self.by_name
                .entry(folded(&f.name))
                .or_insert_with(|| Entry {
                    function: f.clone(),
                });
        }
        match pos {
            Some(pos) if pos <= self.libraries.len() => self.libraries.insert(pos, library),
            _ => self.libraries.push(library),
        }
    }
}

/// The function libraries and the interpreter they run in.
pub struct Functions {
    engine: LuaEngine,
    current: LibrarySet,
}

impl Functions {
    pub(crate) fn new(
        libraries: &[ExtraLibrary],
        random: Rand48,
    ) -> Result<Functions, lua_core::api::Error> {
        Ok(Functions {
            engine: LuaEngine::new(libraries, random, Flavor::Functions, Dialect::default())?,
            current: LibrarySet::default(),
        })
    }

    /// Loaded libraries (`libraries_count`, `number_of_libraries`).
    pub fn library_count(&self) -> usize {
        self.current.libraries.len()
    }

    /// Functions of all libraries (`FUNCTION STATS`'s `functions_count`).
    pub fn function_count(&self) -> usize {
        self.current
            .libraries
            .iter()
            .map(|l| l.functions.len())
            .sum()
    }

    /// Functions FCALL can find (`INFO`'s `number_of_functions`): fewer than
    /// [`Functions::function_count`] when names of one library differ only in case.
    pub fn callable_count(&self) -> usize {
        self.current.by_name.len()
    }

    /// Bytes the functions' interpreter holds (`used_memory_vm_functions`).
    pub fn used_memory(&self) -> usize {
        self.engine.used_memory()
    }

    /// The flags of function `name` (any case), if it exists.
    pub fn flags(&self, name: &[u8]) -> Option<ScriptFlags> {
        self.current
            .by_name
            .get(&folded(name))
            .map(|e| e.function.flags)
    }

    /// How long the running function has run.
    pub fn elapsed(&self) -> Duration {
        self.engine.elapsed()
    }

    /// `FUNCTION LOAD [REPLACE] code`: the library's name, or the error text (without `ERR `).
    /// On any error the libraries are as they were.
    pub fn load(
        &mut self,
        host: &mut dyn Host,
        code: &[u8],
        replace: bool,
    ) -> Result<Vec<u8>, Vec<u8>> {
        create(
            &mut self.engine,
            &mut self.current,
            host,
            code,
            replace,
            Some(LOAD_TIMEOUT),
        )
    }

    /// `FUNCTION DELETE name`: whether there was such a library.
    pub fn delete(&mut self, name: &[u8]) -> bool {
        let Some(pos) = self.current.position(name) else {
            return false;
        };
        let library = self.current.unlink(pos);
        self.release(&library);
        true
    }

    /// `FUNCTION FLUSH`: drop every library.
    pub fn flush(&mut self) {
        let old = std::mem::take(&mut self.current);
        for library in &old.libraries {
            self.release(library);
        }
    }

    /// Every library's code, in the order `FUNCTION DUMP` writes them (hosts keep them in
    /// their snapshots).
    pub fn codes(&self) -> impl Iterator<Item = &[u8]> {
        self.current.libraries.iter().map(|l| l.code.as_slice())
    }

    /// `FUNCTION DUMP`: the payload of every library (LZF-compressed strings when `compress`,
    /// as with `rdbcompression yes`).
    pub fn dump(&self, compress: bool) -> Vec<u8> {
        payload::dump(
            self.current.libraries.iter().map(|l| l.code.as_slice()),
            compress,
        )
    }

    /// `FUNCTION RESTORE payload [policy]`: `Err` is the error text (without `ERR `). On any
    /// error the libraries are as they were.
    pub fn restore(
        &mut self,
        host: &mut dyn Host,
        data: &[u8],
        policy: RestorePolicy,
    ) -> Result<(), Vec<u8>> {
        if !payload::verify(data) {
            return Err(b"DUMP payload version or checksum are wrong".to_vec());
        }
        let mut incoming = LibrarySet::default();
        let loaded = payload::read_libraries(data).and_then(|codes| {
            codes.iter().try_for_each(|code| {
                create(&mut self.engine, &mut incoming, host, code, false, None).map(drop)
            })
        });
        let joined = loaded.and_then(|()| match policy {
            RestorePolicy::Flush => {
                self.flush();
                self.current = std::mem::take(&mut incoming);
                Ok(())
            }
            RestorePolicy::Append | RestorePolicy::Replace => join(
                &mut self.current,
                &mut incoming,
                policy == RestorePolicy::Replace,
            ),
        });
        // Whatever was not moved in (all of it, on an error) is dropped.
        for library in std::mem::take(&mut incoming.libraries) {
            self.release(&library);
        }
        joined
    }

    /// `FCALL` / `FCALL_RO` with `argv` its whole command line (`FCALL name numkeys key...
    /// arg...`), with Redis's errors in its order.
    pub fn call(&mut self, host: &mut dyn Host, argv: &[&[u8]], options: CallOptions) -> Reply {
        self.call_counted(host, argv, options).0
    }

    /// [`Functions::call`], and whether its error reply was counted by the host already.
    pub(crate) fn call_counted(
        &mut self,
        host: &mut dyn Host,
        argv: &[&[u8]],
        options: CallOptions,
    ) -> (Reply, bool) {
        let early = |reply: Reply| (reply, false);
        if argv.len() < 3 {
            let name = String::from_utf8_lossy(argv.first().copied().unwrap_or(b"fcall"))
                .to_ascii_lowercase();
            return early(Reply::Error(
                format!("ERR wrong number of arguments for '{name}' command").into_bytes(),
            ));
        }
        let Some(entry) = self.current.by_name.get(&folded(argv[1])) else {
            return early(Reply::error("ERR Function not found"));
        };
        let function = entry.function.clone();
        let Some(numkeys) = parse_long_long(argv[2]) else {
            return early(Reply::error("ERR Bad number of keys provided"));
        };
        let rest = &argv[3..];
        if numkeys > rest.len() as i64 {
            return early(Reply::error(
                "ERR Number of keys can't be greater than number of args",
            ));
        }
        if numkeys < 0 {
            return early(Reply::error("ERR Number of keys can't be negative"));
        }
        let (keys, args) = rest.split_at(numkeys as usize);
        let flags = function.flags;
        if options.read_only && !flags.no_writes {
            return early(Reply::error(
                "ERR Can not execute a script with write flag using *_ro command.",
            ));
        }
        if let Some(refused) = crate::script::refuse_before_run(host, flags) {
            return early(refused);
        }
        let run = RunContext::new(
            std::rc::Rc::from(String::from_utf8_lossy(&function.name).as_ref()),
            flags,
            options.read_only,
            options.client_resp,
        );
        let reply = self
            .engine
            .call_function(host, function.index, run, keys, args);
        (reply, self.engine.last_error_counted())
    }

    fn release(&mut self, library: &Library) {
        for f in &library.functions {
            self.engine.release(f.index);
        }
    }
}

/// Load library `code` into `set` (Redis's `functionsCreateWithLibraryCtx`): its name, or the
/// error text. With `replace` a library of the same name is replaced (and put back if the new
/// one fails).
fn create(
    engine: &mut LuaEngine,
    set: &mut LibrarySet,
    host: &mut dyn Host,
    code: &[u8],
    replace: bool,
    timeout: Option<Duration>,
) -> Result<Vec<u8>, Vec<u8>> {
    let md = metadata::parse(code)?;
    if !valid_name(&md.name) {
        return Err(INVALID_NAME.as_bytes().to_vec());
    }
    if !md.engine.eq_ignore_ascii_case(b"lua") {
        let mut text = b"Engine '".to_vec();
        text.extend_from_slice(&md.engine);
        text.extend_from_slice(b"' not found");
        return Err(text);
    }
    let old = match set.position(&md.name) {
        Some(_) if !replace => {
            let mut text = b"Library '".to_vec();
            text.extend_from_slice(&md.name);
            text.extend_from_slice(b"' already exists");
            return Err(text);
        }
        Some(pos) => Some((pos, set.unlink(pos))),
        None => None,
    };
    let outcome = engine
        .load_library(host, md.code, timeout)
        .and_then(|functions| {
            let problem = if functions.is_empty() {
                Some(b"No functions registered".to_vec())
            } else {
                functions
                    .iter()
                    .find(|f| set.has_function(&f.name))
                    .map(|f| {
                        let mut text = b"Function ".to_vec();
                        text.extend_from_slice(&f.name);
                        text.extend_from_slice(b" already exists");
                        text
                    })
            };
            match problem {
                None => Ok(functions),
                Some(text) => {
                    for f in &functions {
                        engine.release(f.index);
                    }
                    Err(text)
                }
            }
        });
    match outcome {
        Ok(functions) => {
            let position = old.as_ref().map(|(pos, _)| *pos);
            set.link(
                Library {
                    name: md.name.clone(),
                    code: code.to_vec(),
                    functions,
                },
                position,
            );
            if let Some((_, library)) = old {
                for f in &library.functions {
                    engine.release(f.index);
                }
            }
            Ok(md.name)
        }
        Err(text) => {
            if let Some((pos, library)) = old {
                set.link(library, Some(pos));
            }
            Err(text)
        }
    }
}

/// Move the libraries of `incoming` into `current` (Redis's `libraryJoin`): a library name
/// both have fails the join unless `replace`, a function name both have fails it always; on
/// failure both sets are as they were.
fn join(current: &mut LibrarySet, incoming: &mut LibrarySet, replace: bool) -> Result<(), Vec<u8>> {
    let mut replaced = Vec::new();
    for library in &incoming.libraries {
        if let Some(pos) = current.position(&library.name) {
            if !replace {
                put_back(current, replaced);
                let mut text = b"Library ".to_vec();
                text.extend_from_slice(&library.name);
                text.extend_from_slice(b" already exists");
                return Err(text);
            }
            replaced.push((pos, current.unlink(pos)));
        }
    }
    let clash = incoming
        .libraries
        .iter()
        .flat_map(|l| &l.functions)
        .find(|f| current.has_function(&f.name));
    if let Some(f) = clash {
        let mut text = b"Function ".to_vec();
        text.extend_from_slice(&f.name);
        text.extend_from_slice(b" already exists");
        put_back(current, replaced);
        return Err(text);
    }
    for library in std::mem::take(&mut incoming.libraries) {
        current.link(library, None);
    }
    // The replaced libraries go with `incoming`, whose owner releases their functions.
    incoming.libraries = replaced.into_iter().map(|(_, l)| l).collect();
    Ok(())
}

/// Link back libraries taken out of `set` (in reverse, so positions stay right).
fn put_back(set: &mut LibrarySet, taken: Vec<(usize, Library)>) {
    for (pos, library) in taken.into_iter().rev() {
        set.link(library, Some(pos));
    }
}

/// Redis's `string2ll`: a decimal integer with no sign but `-`, no leading zeros, no spaces,
/// fewer than 21 bytes.
pub(crate) fn parse_long_long(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut value: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if value > i64::MAX as u64 + 1 {
            return None;
        }
        Some((value as i64).wrapping_neg())
    } else {
        i64::try_from(value).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::parse_long_long;

    #[test]
    fn string2ll() {
        assert_eq!(parse_long_long(b"0"), Some(0));
        assert_eq!(parse_long_long(b"12"), Some(12));
        assert_eq!(parse_long_long(b"-7"), Some(-7));
        assert_eq!(parse_long_long(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"x",
            b"9223372036854775808",
        ] {
            assert_eq!(parse_long_long(bad), None, "{bad:?}");
        }
    }
}
