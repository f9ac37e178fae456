//! The standalone interpreter's behaviour (what `lua` does with its command line), kept in the
//! library so that tests and embedders can run it in-process.

use crate::value::Value;
use crate::vm::{CallInfo, LuaResult, State, MULTRET};
use std::io::{BufRead, IsTerminal, Write};

const VERSION: &str = "Lua 5.1.5  Copyright (C) 1994-2012 Lua.org, PUC-Rio";
const PROMPT: &[u8] = b"> ";
const PROMPT2: &[u8] = b">> ";

/// Run the interpreter with `args` (`args[0]` is the program name); returns the exit status.
pub fn run(args: Vec<Vec<u8>>) -> i32 {
    let progname = match args.first() {
        Some(a) if !a.is_empty() => a.clone(),
        _ => b"lua".to_vec(),
    };
    let mut state = State::new();
    // Under an address-space limit (`ulimit -v`), keep the heap well inside it, so that a
    // runaway script gets "not enough memory" rather than the allocator failing.
    if let Some(limit) = address_space_limit() {
        // The allocator's own overhead and growing buffers need room beyond what the heap
        // accounts for, hence a quarter.
        state.set_memory_limit(Some(limit / 4));
    }
    state.set_stdout(Box::new(std::io::BufWriter::with_capacity(
        1 << 16,
        std::io::stdout(),
    )));
    let mut cli = Cli {
        progname: Some(progname),
        args,
    };
    let status = cli.main(&mut state);
    state.close();
    state.flush_stdout();
    status
}

struct Cli {
    /// Prefix of error messages (`lua: ...`); none in interactive mode.
    progname: Option<Vec<u8>>,
    args: Vec<Vec<u8>>,
}

/// Options found before the script name.
struct Options {
    interactive: bool,
    version: bool,
    execute: bool,
    /// Index of the script argument, or `None` when there is none.
    script: Option<usize>,
}

impl Cli {
    fn message(&self, state: &mut State, msg: &[u8]) {
        state.flush_stdout();
        let mut err = std::io::stderr().lock();
        if let Some(p) = &self.progname {
            let _ = err.write_all(p);
            let _ = err.write_all(b": ");
        }
        // Printed with `%s`: the message stops at a zero byte.
        let _ = err.write_all(crate::cstr::c_str(msg));
        let _ = err.write_all(b"\n");
        let _ = err.flush();
    }

    /// Print an error's message; returns the status (1 on error).
    fn report(&self, state: &mut State, r: LuaResult<()>) -> i32 {
        match r {
            Ok(()) => 0,
            Err(e) => {
                let msg = match e.value {
                    Value::Nil => None,
                    Value::String(s) => Some(s.as_bytes().to_vec()),
                    Value::Number(n) => {
                        let mut out = Vec::new();
                        crate::number::format_number(n, &mut out);
                        Some(out)
                    }
                    _ => Some(b"(error object is not a string)".to_vec()),
                };
                if let Some(msg) = msg {
                    self.message(state, &msg);
                }
                1
            }
        }
    }

    fn main(&mut self, state: &mut State) -> i32 {
        // Everything runs inside one host frame, as lua.c runs inside a protected C call; it
        // shows as `[C]: ?` at the bottom of tracebacks.
        state.heap_mut().set_stopped(true);
        let opened = crate::stdlib::open_all(state);
        state.heap_mut().set_stopped(false);
        if let Err(e) = opened {
            return self.report(state, Err(e));
        }
        // Like lua.c's `pmain`, which runs inside `lua_cpcall`, the whole run counts as one
        // call through the host towards the nesting limits.
        state.rust_calls += 1;
        let host = state.new_native("?", host_frame_marker);
        state.push(host);
        let func = state.top - 1;
        state.frames.push(CallInfo {
            func,
            base: func + 1,
            top: func + 1,
            pc: 0,
            nresults: 0,
            tailcalls: 0,
            closure: None,
            entry: false,
        });
        let status = self.pmain(state);
        state.rust_calls -= 1;
        state.frames.pop();
        state.top = func;
        status
    }

    fn pmain(&mut self, state: &mut State) -> i32 {
        if let Some(init) = std::env::var_os("LUA_INIT") {
            let init = init.into_encoded_bytes();
            let status = match init.strip_prefix(b"@") {
                Some(file) => self.dofile(state, Some(file)),
                None => self.dostring(state, &init, b"=LUA_INIT"),
            };
            if status != 0 {
                return status;
            }
        }
        let Some(opts) = self.collect_options() else {
            self.print_usage(state);
            return 1;
        };
        if opts.version {
            self.print_version(state);
        }
        let end = opts.script.unwrap_or(self.args.len());
        if self.run_options(state, end) != 0 {
            return 1;
        }
        if let Some(script) = opts.script {
            let status = self.handle_script(state, script);
            if status != 0 {
                return status;
            }
        }
        if opts.interactive {
            self.repl(state);
        } else if opts.script.is_none() && !opts.execute && !opts.version {
            if std::io::stdin().is_terminal() {
                self.print_version(state);
                self.repl(state);
            } else {
                return self.dofile(state, None);
            }
        }
        0
    }

    fn print_version(&self, state: &mut State) {
        let saved = self.progname.clone();
        let quiet = Cli {
            progname: None,
            args: Vec::new(),
        };
        quiet.message(state, VERSION.as_bytes());
        let _ = saved;
    }

    fn print_usage(&self, state: &mut State) {
        state.flush_stdout();
        let name = String::from_utf8_lossy(self.progname.as_deref().unwrap_or(b"lua")).into_owned();
        eprint!(
            "usage: {} [options] [script [args]].\n\
             Available options are:\n  \
             -e stat  execute string 'stat'\n  \
             -l name  require library 'name'\n  \
             -i       enter interactive mode after executing 'script'\n  \
             -v       show version information\n  \
             --       stop handling options\n  \
             -        execute stdin and stop handling options\n",
            name
        );
    }

    /// Scan the options (`collectargs`); `None` for an invalid command line.
    fn collect_options(&self) -> Option<Options> {
        let mut o = Options {
            interactive: false,
            version: false,
            execute: false,
            script: None,
        };
        let mut i = 1;
        while i < self.args.len() {
            let a = &self.args[i];
            if a.first() != Some(&b'-') {
                o.script = Some(i);
                return Some(o);
            }
            let no_tail = a.len() <= 2;
            match a.get(1) {
                Some(b'-') => {
                    if !no_tail {
                        return None;
                    }
                    o.script = if i + 1 < self.args.len() {
                        Some(i + 1)
                    } else {
                        None
                    };
                    return Some(o);
                }
                None => {
                    o.script = Some(i);
                    return Some(o);
                }
                Some(b'i') => {
                    if !no_tail {
                        return None;
                    }
                    o.interactive = true;
                    o.version = true;
                }
                Some(b'v') => {
                    if !no_tail {
                        return None;
                    }
                    o.version = true;
                }
                Some(b'e') | Some(b'l') => {
                    if a[1] == b'e' {
                        o.execute = true;
                    }
                    if a.len() == 2 {
                        i += 1;
                        if i >= self.args.len() {
                            return None;
                        }
                    }
                }
                Some(_) => return None,
            }
            i += 1;
        }
        Some(o)
    }

    /// Run the `-e` and `-l` options before the script (`runargs`).
    fn run_options(&mut self, state: &mut State, end: usize) -> i32 {
        let mut i = 1;
        while i < end {
            let a = self.args[i].clone();
            match a.get(1) {
                Some(b'e') => {
                    let chunk = if a.len() > 2 {
                        a[2..].to_vec()
                    } else {
                        i += 1;
                        self.args.get(i).cloned().unwrap_or_default()
                    };
                    if self.dostring(state, &chunk, b"=(command line)") != 0 {
                        return 1;
                    }
                }
                Some(b'l') => {
                    let name = if a.len() > 2 {
                        a[2..].to_vec()
                    } else {
                        i += 1;
                        self.args.get(i).cloned().unwrap_or_default()
                    };
                    let require = state.get_global("require");
                    let name = state.new_string(&name);
                    let r = self.docall(state, require, &[name], false);
                    if self.report(state, r) != 0 {
                        return 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        0
    }

    /// Build `arg`, load the script and run it with the remaining arguments (`handle_script`).
    fn handle_script(&mut self, state: &mut State, script: usize) -> i32 {
        let arg_table =
            state.new_table_with(self.args.len().saturating_sub(script + 1), script + 1);
        for (i, a) in self.args.iter().enumerate() {
            let v = state.new_string(a);
            if let Err(e) = state.raw_set_int(arg_table, i as i64 - script as i64, v) {
                return self.report(state, Err(e));
            }
        }
        if let Err(e) = state.set_global("arg", Value::Table(arg_table)) {
            return self.report(state, Err(e));
        }
        let name = &self.args[script];
        let from_stdin = name.as_slice() == b"-" && self.args[script - 1].as_slice() != b"--";
        let loaded = state.load_file(if from_stdin { None } else { Some(name) });
        let f = match loaded {
            Ok(f) => f,
            Err(e) => return self.report(state, Err(e)),
        };
        let script_args: Vec<Value> = self.args[script + 1..]
            .iter()
            .map(|a| state.new_string(a))
            .collect();
        let r = self.docall(state, f, &script_args, true);
        self.report(state, r)
    }

    fn dostring(&mut self, state: &mut State, chunk: &[u8], name: &[u8]) -> i32 {
        let r = state
            .load(chunk, name)
            .and_then(|f| self.docall(state, f, &[], true));
        self.report(state, r)
    }

    fn dofile(&mut self, state: &mut State, path: Option<&[u8]>) -> i32 {
        let r = state
            .load_file(path)
            .and_then(|f| self.docall(state, f, &[], true));
        self.report(state, r)
    }

    /// Call `f` with a traceback message handler (`docall`). With `clear`, results are dropped;
    /// otherwise they stay on the stack for the REPL to print.
    fn docall(
        &mut self,
        state: &mut State,
        f: Value,
        args: &[Value],
        clear: bool,
    ) -> LuaResult<()> {
        let handler = state.new_native("traceback", cli_traceback);
        let base = state.top;
        state.push(handler);
        state.push(f);
        for a in args {
            state.push(*a);
        }
        let nresults = if clear { 0 } else { MULTRET };
        let r = state.pcall_at(base + 1, args.len(), nresults, Some(base));
        // Remove the handler, keeping any results.
        let end = state.top.max(base + 1);
        state.stack.copy_within(base + 1..end, base);
        state.top = end - 1;
        if let Err(e) = &r {
            // Collect after an error, as lua.c does, keeping the error value rooted meanwhile.
            state.top = base;
            state.push(e.value);
            state.collect_garbage();
            state.top = base;
        }
        r
    }

    fn read_line(&self, state: &mut State, first: bool) -> Option<Vec<u8>> {
        state.flush_stdout();
        let mut out = std::io::stdout().lock();
        // `_PROMPT`/`_PROMPT2` override the prompts, as in lua.c.
        let custom = state.get_global(if first { "_PROMPT" } else { "_PROMPT2" });
        let prompt = match custom {
            Value::String(s) => s.as_bytes().to_vec(),
            Value::Number(n) => {
                let mut b = Vec::new();
                crate::number::format_number(n, &mut b);
                b
            }
            _ => (if first { PROMPT } else { PROMPT2 }).to_vec(),
        };
        let _ = out.write_all(&prompt);
        let _ = out.flush();
        let mut line = Vec::new();
        match std::io::stdin().lock().read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                Some(line)
            }
        }
    }

    /// Read a complete chunk, asking for more lines while the error is an unexpected end.
    fn load_line(&self, state: &mut State) -> Option<LuaResult<Value>> {
        let mut line = self.read_line(state, true)?;
        if line.first() == Some(&b'=') {
            let mut l = b"return ".to_vec();
            l.extend_from_slice(&line[1..]);
            line = l;
        }
        loop {
            let r = state.load(&line, b"=stdin");
            let incomplete = match &r {
                Err(e) if e.kind == crate::vm::ErrorKind::Syntax => {
                    matches!(e.value, Value::String(s) if s.as_bytes().ends_with(b"'<eof>'"))
                }
                _ => false,
            };
            if !incomplete {
                return Some(r);
            }
            let more = self.read_line(state, false)?;
            line.push(b'\n');
            line.extend_from_slice(&more);
        }
    }

    /// The interactive loop (`dotty`).
    fn repl(&mut self, state: &mut State) {
        let saved = self.progname.take();
        while let Some(loaded) = self.load_line(state) {
            let base = state.top;
            let r = loaded.and_then(|f| self.docall(state, f, &[], false));
            let ok = r.is_ok();
            self.report(state, r);
            if ok && state.top > base {
                let results: Vec<Value> = state.stack[base..state.top].to_vec();
                state.top = base;
                let print = state.get_global("print");
                if let Err(e) = state.call_function(print, &results) {
                    let mut msg = b"error calling 'print' (".to_vec();
                    msg.extend_from_slice(&state.error_text(&e));
                    msg.push(b')');
                    self.message(state, &msg);
                }
            }
            state.top = base;
        }
        let _ = state.stdout().write_all(b"\n");
        state.flush_stdout();
        self.progname = saved;
    }
}

/// The process's address-space limit in bytes, if one is set (read from `/proc/self/limits`).
fn address_space_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft = line.split_whitespace().nth(3)?;
    soft.parse::<usize>().ok()
}

/// Stands in the bottom frame of every CLI run.
fn host_frame_marker(_state: &mut State) -> LuaResult<usize> {
    Ok(0)
}

/// The CLI's message handler: `debug.traceback(msg, 2)` when `msg` is a string and the debug
/// library is there; the message unchanged otherwise.
fn cli_traceback(state: &mut State) -> LuaResult<usize> {
    let msg = state.arg(1);
    if !matches!(msg, Value::String(_) | Value::Number(_)) {
        state.push(msg);
        return Ok(1);
    }
    let debug = state.get_global("debug");
    let Value::Table(debug) = debug else {
        state.push(msg);
        return Ok(1);
    };
    let tb = state.get_field(debug, "traceback");
    if !tb.is_function() {
        state.push(msg);
        return Ok(1);
    }
    let r = state.call_function(tb, &[msg, Value::Number(2.0)])?;
    state.push(r.first().copied().unwrap_or(Value::Nil));
    Ok(1)
}

impl State {
    /// Flush what `print` has buffered.
    pub fn flush_stdout(&mut self) {
        let _ = self.stdout.flush();
    }
}
