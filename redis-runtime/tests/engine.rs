//! A second scripting engine under the runtime, to show the engine trait is the whole seam:
//! a toy language whose script is one command per line (`$k1` is KEYS[1], `$a1` ARGV[1]) runs
//! through the same script cache, shebang flags, `_RO` rules and run-context command gate as
//! Lua, and the texts of those refusals come out as they do for Lua scripts.

mod toy_host;

use redis_runtime::{CallOptions, Engine, Reply, RunContext, Runtime, ScriptId};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use toy_host::ToyHost;

/// The toy engine: compiled scripts are their lines; `resets` counts `SCRIPT FLUSH`es.
#[derive(Default)]
struct LineEngine {
    scripts: Vec<Vec<Vec<u8>>>,
    resets: Rc<Cell<u32>>,
}

impl LineEngine {
    fn word<'a>(word: &'a [u8], keys: &[&'a [u8]], args: &[&'a [u8]]) -> &'a [u8] {
        let pick = |list: &[&'a [u8]], n: &[u8]| {
            let n: usize = std::str::from_utf8(n).ok()?.parse().ok()?;
            list.get(n.checked_sub(1)?).copied()
        };
        match word {
            [b'$', b'k', n @ ..] => pick(keys, n).unwrap_or(b""),
            [b'$', b'a', n @ ..] => pick(args, n).unwrap_or(b""),
            _ => word,
        }
    }
}

impl Engine for LineEngine {
    fn name(&self) -> &str {
        "lines"
    }

    fn compile(&mut self, source: &[u8]) -> Result<ScriptId, Reply> {
        let lines: Vec<Vec<u8>> = source
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        if lines.is_empty() {
            return Err(Reply::error("ERR Error compiling script: no commands"));
        }
        self.scripts.push(lines);
        Ok(ScriptId(self.scripts.len() as i64 - 1))
    }

    fn run(
        &mut self,
        host: &mut dyn redis_runtime::Host,
        id: ScriptId,
        mut run: RunContext,
        keys: &[&[u8]],
        args: &[&[u8]],
    ) -> Reply {
        let Some(lines) = self.scripts.get(id.0 as usize) else {
            return Reply::error("ERR no such script");
        };
        let mut last = Reply::Null;
        for line in lines {
            let argv: Vec<&[u8]> = line
                .split(|&b| b == b' ')
                .filter(|w| !w.is_empty())
                .map(|w| Self::word(w, keys, args))
                .collect();
            if let Err(refused) = run.check_command(host, &argv) {
                return Reply::Error(refused.into_bytes());
            }
            last = host.call(&argv, run.resp);
        }
        last
    }

    fn reset(&mut self) -> Result<(), String> {
        self.scripts.clear();
        self.resets.set(self.resets.get() + 1);
        Ok(())
    }

    fn used_memory(&self) -> usize {
        self.scripts.iter().flatten().map(Vec::len).sum()
    }

    fn elapsed(&self) -> Duration {
        Duration::ZERO
    }
}

fn runtime() -> (Runtime, Rc<Cell<u32>>) {
    let engine = LineEngine::default();
    let resets = engine.resets.clone();
    let runtime = Runtime::with_engine(Box::new(engine)).expect("runtime");
    (runtime, resets)
}

fn error_text(reply: Reply) -> String {
    match reply {
        Reply::Error(e) => String::from_utf8_lossy(&e).into_owned(),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn scripts_of_another_engine_run_through_the_host() {
    let (mut rt, _) = runtime();
    let mut host = ToyHost::default();
    let body = b"#!lines\nSET $k1 $a1\nGET $k1";
    let reply = rt.eval(
        &mut host,
        body,
        &[b"greeting"],
        &[b"hello"],
        CallOptions::default(),
    );
    assert_eq!(reply, Reply::Bulk(b"hello".to_vec()));
    assert_eq!(host.calls, 2);
}

#[test]
fn the_cache_and_flush_are_the_runtimes() {
    let (mut rt, resets) = runtime();
    let mut host = ToyHost::default();
    let sha = rt.script_load(b"#!lines\nINCR $k1").expect("loads");
    assert!(rt.script_exists(sha.to_uppercase().as_bytes()));
    let call = |rt: &mut Runtime, host: &mut ToyHost| {
        rt.evalsha(host, sha.as_bytes(), &[b"n"], &[], CallOptions::default())
    };
    assert_eq!(call(&mut rt, &mut host), Reply::Integer(1));
    assert_eq!(call(&mut rt, &mut host), Reply::Integer(2));
    rt.script_flush().expect("flush");
    assert_eq!(resets.get(), 1);
    assert_eq!(
        error_text(call(&mut rt, &mut host)),
        "NOSCRIPT No matching script. Please use EVAL."
    );
}

#[test]
fn shebang_flags_and_the_command_gate_apply_to_any_engine() {
    let (mut rt, _) = runtime();
    let mut host = ToyHost::default();
    let read_only = CallOptions {
        read_only: true,
        ..CallOptions::default()
    };
    // A write in a no-writes script is refused by the run context, not by the engine.
    let reply = rt.eval(
        &mut host,
        b"#!lines flags=no-writes\nSET k v",
        &[],
        &[],
        CallOptions::default(),
    );
    assert_eq!(
        error_text(reply),
        "ERR Write commands are not allowed from read-only scripts."
    );
    // A script that may write cannot run through EVAL_RO.
    let reply = rt.eval(&mut host, b"#!lines\nGET k", &[], &[], read_only);
    assert_eq!(
        error_text(reply),
        "ERR Can not execute a script with write flag using *_ro command."
    );
    // Commands scripts may not call, and unknown ones.
    let reply = rt.eval(
        &mut host,
        b"#!lines\nMULTI",
        &[],
        &[],
        CallOptions::default(),
    );
    assert_eq!(
        error_text(reply),
        "ERR This Redis command is not allowed from script"
    );
    let reply = rt.eval(
        &mut host,
        b"#!lines\nNOSUCH x",
        &[],
        &[],
        CallOptions::default(),
    );
    assert_eq!(
        error_text(reply),
        "ERR Unknown Redis command called from script"
    );
    assert_eq!(host.calls, 0);
}

#[test]
fn the_shebang_names_the_engine() {
    let (mut rt, _) = runtime();
    let mut host = ToyHost::default();
    let reply = rt.eval(
        &mut host,
        b"#!lua\nreturn 1",
        &[],
        &[],
        CallOptions::default(),
    );
    assert_eq!(
        error_text(reply),
        "ERR Unexpected engine in script shebang: #!lua"
    );
    let reply = rt.eval(&mut host, b"#!lines\n", &[], &[], CallOptions::default());
    assert_eq!(error_text(reply), "ERR Error compiling script: no commands");
    let reply = rt.eval(
        &mut host,
        b"#!lines flags=bogus\nPING",
        &[],
        &[],
        CallOptions::default(),
    );
    assert_eq!(
        error_text(reply),
        "ERR Unexpected flag in script shebang: bogus"
    );
}

/// An embedder that wants fewer libraries gets exactly those: the others are absent globals,
/// with the sandbox's error for them.
#[test]
fn the_lua_environment_can_hold_any_subset_of_the_bundled_libraries() {
    use redis_runtime::ExtraLibrary;
    let mut host = ToyHost::default();
    let mut rt = Runtime::with_libraries(&[ExtraLibrary::Bit]).expect("runtime");
    let reply = rt.eval(
        &mut host,
        b"return bit.band(7, 3)",
        &[],
        &[],
        CallOptions::default(),
    );
    assert_eq!(reply, Reply::Integer(3));
    for absent in ["cjson", "cmsgpack", "struct"] {
        let body = format!("return type({absent})");
        let reply = rt.eval(&mut host, body.as_bytes(), &[], &[], CallOptions::default());
        assert!(
            error_text(reply).contains(&format!(
                "Script attempted to access nonexistent global variable '{absent}'"
            )),
            "{absent} should be absent"
        );
    }
    let mut none = Runtime::with_libraries(&[]).expect("runtime");
    let reply = none.eval(
        &mut host,
        b"return string.rep('a', 3)",
        &[],
        &[],
        CallOptions::default(),
    );
    assert_eq!(reply, Reply::Bulk(b"aaa".to_vec()));
}
