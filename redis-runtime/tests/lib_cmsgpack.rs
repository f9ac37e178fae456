//! The `cmsgpack` library against the replies of a live redis-server 7.0.15: every case of
//! `cases/cmsgpack.cases`, then behaviours checked against the same server by hand (stack
//! limits, offsets, keys), round trips over generated values, and hostile input.

use lua_core::api::{Bytes, Error, Lua};
use redis_runtime::libs::cmsgpack;

// ---- harness -----------------------------------------------------------------------------

/// Stand-ins for what the cases use from outside the library: `cjson.encode` (enough of it
/// for the tables the cases print: arrays, objects in `pairs` order, `%.14g` numbers) and
/// Redis's conversion of a script's result to a RESP2 reply (`__resp`).
const PRELUDE: &str = r#"
cjson = {}
local function quote(s)
  return '"' .. (s:gsub('[%c"\\]', function(c) return string.format('\\u%04x', c:byte()) end)) .. '"'
end
local function encode(v)
  local t = type(v)
  if v == nil or v == cjson.null then return 'null' end
  if t == 'boolean' then return tostring(v) end
  if t == 'number' then return string.format('%.14g', v) end
  if t == 'string' then return quote(v) end
  if t ~= 'table' then error('cannot encode ' .. t) end
  local max, array = 0, true
  for k in pairs(v) do
    if type(k) == 'number' and k > 0 and math.floor(k) == k then
      if k > max then max = k end
    else
      array = false
    end
  end
  local out = {}
  if array and max > 0 then
    for i = 1, max do out[i] = encode(v[i]) end
    return '[' .. table.concat(out, ',') .. ']'
  end
  for k, x in pairs(v) do out[#out + 1] = quote(tostring(k)) .. ':' .. encode(x) end
  return '{' .. table.concat(out, ',') .. '}'
end
cjson.encode = encode

function __resp(v)
  local t = type(v)
  if t == 'string' then return '$' .. #v .. '\r\n' .. v .. '\r\n' end
  if t == 'number' then return string.format(':%d\r\n', v) end
  if t == 'boolean' then return v and ':1\r\n' or '$-1\r\n' end
  if t ~= 'table' then return '$-1\r\n' end
  if type(v.err) == 'string' then return '-' .. v.err .. '\r\n' end
  if type(v.ok) == 'string' then return '+' .. v.ok .. '\r\n' end
  local out, i = {}, 1
  while v[i] ~= nil do out[i] = __resp(v[i]) i = i + 1 end
  return '*' .. (i - 1) .. '\r\n' .. table.concat(out)
end
"#;

/// A state with the library open, the prelude loaded and `cjson.null` a userdata (as
/// cjson's is), to be packed as nil.
fn state() -> Lua {
    let lua = Lua::new();
    lua.enter(|ctx| {
        cmsgpack::open(ctx)?;
        Ok(())
    })
    .unwrap();
    lua.load(PRELUDE).set_name("=prelude").exec().unwrap();
    lua.enter(|ctx| {
        let cjson = ctx.push_global("cjson");
        ctx.new_userdata(())?;
        ctx.set_field(cjson, "null")?;
        Ok(())
    })
    .unwrap();
    lua
}

/// Run `src` as Redis names a script, so positions read `user_script:N:`.
fn run<T: lua_core::api::FromLuaMulti>(lua: &Lua, src: &str) -> Result<T, Error> {
    lua.load(src).set_name("@user_script").eval::<T>()
}

fn bytes(lua: &Lua, src: &str) -> Vec<u8> {
    run::<Bytes>(lua, src)
        .unwrap_or_else(|e| panic!("{src}: {e}"))
        .0
}

fn int(lua: &Lua, src: &str) -> i64 {
    run::<i64>(lua, src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn text(lua: &Lua, src: &str) -> String {
    run::<String>(lua, src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// The message of the error `src` raises.
fn error(lua: &Lua, src: &str) -> String {
    match run::<()>(lua, src) {
        Err(Error::RuntimeError { message, .. }) => message,
        other => panic!("{src}: expected a runtime error, got {other:?}"),
    }
}

// ---- the goldens -------------------------------------------------------------------------

/// Cases that test something outside this library.
const NOT_THIS_LIBRARY: &[(&str, &str)] = &[(
    "library readonly",
    "the sandbox makes library tables read-only, not the library",
)];

struct Case {
    name: String,
    script: String,
    reply: Vec<u8>,
}

/// The `.cases` format: `=== name`, the script, `--> ` and the escaped reply.
fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            current = Some((name.to_string(), Vec::new()));
        } else if let Some(reply) = line.strip_prefix("--> ") {
            let (name, script) = current.take().expect("a reply outside a case");
            cases.push(Case {
                name,
                script: script.join("\n"),
                reply: unescape(reply),
            });
        } else if let Some((_, script)) = current.as_mut() {
            assert!(!line.starts_with("--- "), "headers are not used here");
            script.push(line);
        }
    }
    cases
}

fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = text.bytes();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match chars.next() {
            Some(b'\\') => out.push(b'\\'),
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'x') => {
                let hex: Vec<u8> = chars.by_ref().take(2).collect();
                let hex = std::str::from_utf8(&hex).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
            }
            other => panic!("bad escape {other:?}"),
        }
    }
    out
}

/// The error message inside an error reply (`-ERR <message> script: <sha>, on ...`).
fn reply_error_message(reply: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(reply);
    let body = text.strip_prefix("-ERR ")?;
    Some(body[..body.rfind(" script: ")?].to_string())
}

/// What the case gives here, in the golden's terms: a RESP reply, or an error message.
fn outcome(lua: &Lua, case: &Case) -> Result<Vec<u8>, String> {
    // Wrapped in a function on the script's first line, so line numbers stay the same.
    let src = format!("return __resp((function() {}\nend)())", case.script);
    match run::<Bytes>(lua, &src).map(|b| b.0) {
        Ok(reply) => Ok(reply),
        Err(Error::RuntimeError { message, .. }) => Err(message),
        Err(e) => Err(format!("<{e:?}>")),
    }
}

#[test]
fn goldens_from_redis() {
    let text = include_str!("cases/cmsgpack.cases");
    let cases = parse_cases(text);
    assert!(cases.len() > 150, "only {} cases parsed", cases.len());
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        if NOT_THIS_LIBRARY.iter().any(|(name, _)| *name == case.name) {
            continue;
        }
        let lua = state();
        ran += 1;
        let got = outcome(&lua, case);
        let ok = match (reply_error_message(&case.reply), &got) {
            (Some(want), Err(message)) => *message == want,
            (None, Ok(reply)) => *reply == case.reply,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: want {:?}, got {:?}",
                case.name,
                case.reply.escape_ascii().to_string(),
                got.map(|r| r.escape_ascii().to_string())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- pack --------------------------------------------------------------------------------

#[test]
fn registration_order_and_metadata() {
    let lua = state();
    // `pairs` order on redis-server 7.0.15.
    assert_eq!(
        text(
            &lua,
            "local k = {} for n in pairs(cmsgpack) do k[#k+1] = n end return table.concat(k, ' ')"
        ),
        "_DESCRIPTION pack _NAME unpack _COPYRIGHT _VERSION unpack_one unpack_limit"
    );
    assert_eq!(text(&lua, "return cmsgpack._VERSION"), "lua-cmsgpack 0.4.0");
    assert_eq!(text(&lua, "return cmsgpack._NAME"), "cmsgpack");
}

#[test]
fn number_encodings() {
    let lua = state();
    let cases: &[(&str, &[u8])] = &[
        ("0", b"\x00"),
        ("-0.0", b"\x00"),
        ("127", b"\x7f"),
        ("128", b"\xcc\x80"),
        ("65535", b"\xcd\xff\xff"),
        ("2^32", b"\xcf\x00\x00\x00\x01\x00\x00\x00\x00"),
        ("2^63-1024", b"\xcf\x7f\xff\xff\xff\xff\xff\xfc\x00"),
        ("2^63", b"\xca\x5f\x00\x00\x00"),
        ("-32", b"\xe0"),
        ("-33", b"\xd0\xdf"),
        ("-2^31", b"\xd2\x80\x00\x00\x00"),
        ("-2^63", b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00"),
        ("-2^64", b"\xca\xdf\x80\x00\x00"),
        ("1.5", b"\xca\x3f\xc0\x00\x00"),
        ("0.1", b"\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a"),
        ("1/0", b"\xca\x7f\x80\x00\x00"),
        ("-1/0", b"\xca\xff\x80\x00\x00"),
        // From redis-server: a double not exact as a float, and one too small for a float.
        ("2^31+0.5", b"\xcb\x41\xe0\x00\x00\x00\x10\x00\x00"),
        ("1e-40", b"\xcb\x37\xa1\x6c\x26\x27\x77\x57\x9c"),
        ("16777217.5", b"\xcb\x41\x70\x00\x00\x18\x00\x00\x00"),
    ];
    for (expr, want) in cases {
        assert_eq!(
            bytes(&lua, &format!("return cmsgpack.pack({expr})")),
            *want,
            "{expr}"
        );
    }
}

#[test]
fn string_size_classes() {
    let lua = state();
    for (len, header) in [
        (0usize, &b"\xa0"[..]),
        (31, b"\xbf"),
        (32, b"\xd9\x20"),
        (255, b"\xd9\xff"),
        (256, b"\xda\x01\x00"),
        (65535, b"\xda\xff\xff"),
        (65536, b"\xdb\x00\x01\x00\x00"),
        (100_000, b"\xdb\x00\x01\x86\xa0"),
    ] {
        let packed = bytes(
            &lua,
            &format!("return cmsgpack.pack(string.rep('y', {len}))"),
        );
        assert_eq!(&packed[..header.len()], header, "length {len}");
        assert_eq!(packed.len(), header.len() + len);
    }
}

#[test]
fn table_shapes() {
    let lua = state();
    // Checked against redis-server: keys past a C int make a map, as do fractional keys.
    assert_eq!(
        bytes(&lua, "return cmsgpack.pack({[2^31-1]=1})"),
        b"\x81\xce\x7f\xff\xff\xff\x01"
    );
    assert_eq!(
        bytes(&lua, "return cmsgpack.pack({[1]=1, [2]=2, [2.5]=3})"),
        b"\x83\x01\x01\x02\x02\xca\x40\x20\x00\x00\x03"
    );
    assert_eq!(
        bytes(&lua, "return cmsgpack.pack({[2^31]=1, [1]=2})"),
        b"\x82\xce\x80\x00\x00\x00\x01\x01\x02"
    );
    assert_eq!(
        bytes(&lua, "return cmsgpack.pack({[3]=1,[2]=1,[1]=1})"),
        b"\x93\x01\x01\x01"
    );
    // Metatables are not consulted.
    assert_eq!(
        bytes(
            &lua,
            "return cmsgpack.pack(setmetatable({}, {__index=function() return 1 end}))"
        ),
        b"\x90"
    );
    // Map headers past 15 and 65535 entries.
    let header = bytes(
        &lua,
        "local t = {} for i = 1, 70000 do t['k'..i] = 0 end return cmsgpack.pack(t):sub(1, 5)",
    );
    assert_eq!(header, b"\xdf\x00\x01\x11\x70");
}

#[test]
fn nesting_limit_encodes_nil() {
    let lua = state();
    // A table reached at depth 16 (as key or value) is nil; so are self-references.
    let packed = bytes(
        &lua,
        "local t = {} local cur = t for i = 1, 30 do local n = {} cur[n] = 1 cur = n end return cmsgpack.pack(t)",
    );
    let mut want = vec![0x81u8; 16];
    want.extend_from_slice(b"\xc0\x01");
    want.extend(std::iter::repeat_n(0x01, 15));
    assert_eq!(packed, want);
    let packed = bytes(&lua, "local t = {} t.t = t return cmsgpack.pack(t)");
    assert_eq!(packed.len(), 16 * 3 + 1);
}

#[test]
fn pack_argument_count_and_stack_checks() {
    let lua = state();
    assert_eq!(
        int(&lua, "return #cmsgpack.pack(unpack({}, 1, 4000))"),
        4000
    );
    assert_eq!(
        error(&lua, "return cmsgpack.pack(unpack({}, 1, 4001))"),
        "user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)"
    );
    // The C encoder's stack checks, with the slots of 4000 arguments and their results
    // taken (each reply checked against redis-server 7.0.15).
    let at = |index: usize, value: &str, count: usize| {
        format!("local t = {{}} t[{index}] = {value} return #cmsgpack.pack(unpack(t, 1, {count}))")
    };
    assert_eq!(
        error(&lua, &at(4000, "{}", 4000)),
        "user_script:1: stack overflow (in function table_is_an_array)"
    );
    assert_eq!(int(&lua, &at(3998, "{}", 4000)), 4000);
    assert_eq!(
        error(&lua, &at(3998, "{{}}", 4000)),
        "user_script:1: stack overflow (in function table_is_an_array)"
    );
    assert_eq!(
        error(&lua, &at(3998, "{a=1}", 4000)),
        "user_script:1: stack overflow (in function mp_encode_lua_table_as_map)"
    );
    assert_eq!(
        error(&lua, &at(3997, "{a={b=1}}", 4000)),
        "user_script:1: stack overflow (in function table_is_an_array)"
    );
    assert_eq!(int(&lua, &at(3995, "{a={b=1}}", 4000)), 4006);
    assert_eq!(int(&lua, &at(3998, "{a=1}", 3999)), 4002);
    // A key is encoded with one slot more than a value.
    assert_eq!(int(&lua, &at(3995, "{[{}]=1}", 4000)), 4002);
    assert_eq!(
        error(&lua, &at(3996, "{[{}]=1}", 4000)),
        "user_script:1: stack overflow (in function table_is_an_array)"
    );
    assert_eq!(int(&lua, &at(3996, "{a={}}", 4000)), 4003);
}

#[test]
fn pack_as_a_method_with_too_many_arguments() {
    let lua = state();
    // luaL_argerror discounts `self` from argument 0: redis-server says `#-1`.
    assert_eq!(
        error(&lua, "return cmsgpack:pack(unpack({}, 1, 4000))"),
        "user_script:1: bad argument #-1 to 'pack' (Too many arguments for MessagePack pack.)"
    );
}

#[test]
fn pack_errors_outside_a_script_position() {
    let lua = state();
    assert_eq!(
        text(&lua, "local ok, e = pcall(cmsgpack.pack) return e"),
        "bad argument #0 to '?' (MessagePack pack needs input.)"
    );
}

#[test]
fn pack_output_is_bounded_by_the_memory_limit() {
    let lua = state();
    lua.set_memory_limit(Some(32 << 20)).unwrap();
    // 40 self-references per level, 16 levels: far more output than memory allows.
    let e = run::<()>(
        &lua,
        "local t = {} for i = 1, 40 do t[i] = t end cmsgpack.pack(t)",
    );
    assert!(matches!(e, Err(Error::MemoryError)), "{e:?}");
    let e = run::<()>(&lua, "cmsgpack.pack(string.rep('x', 40 * 2^20))");
    assert!(matches!(e, Err(Error::MemoryError)), "{e:?}");
    // The state is still usable.
    assert_eq!(bytes(&lua, "return cmsgpack.pack(1)"), b"\x01");
}

// ---- unpack ------------------------------------------------------------------------------

#[test]
fn unpack_scalars() {
    let lua = state();
    for (src, want) in [
        (r"'\207\255\255\255\255\255\255\255\255'", "-1"),
        (r"'\207\128\0\0\0\0\0\0\0'", "-9.2233720368547758e+18"),
        (r"'\211\255\255\255\255\255\255\255\254'", "-2"),
        (r"'\209\255\127'", "-129"),
        (r"'\210\255\255\127\255'", "-32769"),
        (r"'\206\128\0\0\0'", "2147483648"),
        (r"'\202\127\128\0\0'", "inf"),
        (r"'\202\61\204\204\205'", "0.10000000149011612"),
        (
            r"'\203\63\185\153\153\153\153\153\154'",
            "0.10000000000000001",
        ),
    ] {
        let got = text(
            &lua,
            &format!("return string.format('%.17g', cmsgpack.unpack({src}))"),
        );
        assert_eq!(got, want, "{src}");
    }
    assert_eq!(text(&lua, r"return cmsgpack.unpack('\217\0')"), "");
    assert_eq!(int(&lua, "return cmsgpack.unpack(5)"), 53);
}

#[test]
fn unpack_offsets_and_limits() {
    let lua = state();
    let list = |call: &str| {
        text(
            &lua,
            &format!("local t = {{{call}}} for i = 1, #t do t[i] = tostring(t[i]) end return table.concat(t, ' ')"),
        )
    };
    // Each checked against redis-server 7.0.15.
    assert_eq!(list(r"cmsgpack.unpack('\1\2', 1)"), "1 2");
    assert_eq!(list(r"cmsgpack.unpack_limit('\1\2\3', 0, 1)"), "1");
    assert_eq!(list(r"cmsgpack.unpack_limit('\1\2\3', 2^32+1)"), "-1 1 2 3");
    assert_eq!(list(r"cmsgpack.unpack_limit('\1\2\3', 1.9)"), "1 1");
    assert_eq!(list(r"cmsgpack.unpack_limit('\1\2\3', -0.5)"), "1 2 3");
    assert_eq!(list(r"cmsgpack.unpack_one('\1\2\3', nil)"), "1 1");
    assert_eq!(list(r"cmsgpack.unpack_one('\1\2\3', 2, 'ignored')"), "-1 3");
    assert_eq!(
        error(&lua, r"return cmsgpack.unpack_one('\1\2\3', 1e30)"),
        "user_script:1: Invalid request to unpack with offset of 0 and limit of 3."
    );
    assert_eq!(
        error(&lua, r"return cmsgpack.unpack_one('\1\2\3', 2^32+1)"),
        "user_script:1: Start offset 1 greater than input length 3."
    );
    assert_eq!(
        error(&lua, r"return cmsgpack.unpack_one('\1\2\3', -2^32)"),
        "user_script:1: Invalid request to unpack with offset of 0 and limit of 3."
    );
    assert_eq!(
        error(&lua, "return cmsgpack.unpack_one()"),
        "user_script:1: bad argument #1 to 'unpack_one' (string expected, got no value)"
    );
    assert_eq!(
        error(&lua, "return cmsgpack.unpack_one({}, 'x')"),
        "user_script:1: bad argument #2 to 'unpack_one' (number expected, got string)"
    );
    assert_eq!(
        error(&lua, "return cmsgpack.unpack_limit(nil, 'x')"),
        "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got string)"
    );
}

#[test]
fn unpack_bad_keys() {
    let lua = state();
    assert_eq!(
        error(&lua, r"return cmsgpack.unpack('\129\192\1')"),
        "table index is nil"
    );
    assert_eq!(
        error(&lua, r"return cmsgpack.unpack('\129\202\127\192\0\0\1')"),
        "table index is NaN"
    );
    // A later entry with the same key wins.
    assert_eq!(int(&lua, r"return cmsgpack.unpack('\130\1\1\1\2')[1]"), 2);
}

#[test]
fn unpack_result_count_limits() {
    let lua = state();
    let overflow =
        "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)";
    // One slot holds the input string: 7999 values fit, 8000 do not.
    assert_eq!(
        int(
            &lua,
            r"return select('#', cmsgpack.unpack(string.rep('\1', 7999)))"
        ),
        7999
    );
    assert_eq!(
        error(
            &lua,
            r"return select('#', cmsgpack.unpack(string.rep('\1', 8000)))"
        ),
        overflow
    );
    // Extra arguments to unpack keep their slots.
    assert_eq!(
        int(
            &lua,
            r"return select('#', cmsgpack.unpack(string.rep('\1', 7997), 1, 2))"
        ),
        7997
    );
    assert_eq!(
        error(
            &lua,
            r"return select('#', cmsgpack.unpack(string.rep('\1', 7998), 1, 2))"
        ),
        overflow
    );
    // The offset needs one more slot.
    assert_eq!(
        int(
            &lua,
            r"return select('#', cmsgpack.unpack_limit(string.rep('\1', 7999), 7998))"
        ),
        7999
    );
    assert_eq!(
        error(
            &lua,
            r"return select('#', cmsgpack.unpack_limit(string.rep('\1', 7999), 7999))"
        ),
        "user_script:1: stack overflow (in function mp_unpack_full)"
    );
}

#[test]
fn unpack_nesting_is_bounded_by_the_stack_checks() {
    let lua = state();
    assert_eq!(
        int(
            &lua,
            r"local t = cmsgpack.unpack(string.rep('\145', 3999) .. '\1') local d = 0 while type(t) == 'table' do d = d + 1 t = t[1] end return d"
        ),
        3999
    );
    assert_eq!(
        error(
            &lua,
            r"return cmsgpack.unpack(string.rep('\145', 4000) .. '\1')"
        ),
        "user_script:1: stack overflow (in function mp_decode_to_lua_array)"
    );
    // Maps nested as keys take one slot per level.
    assert_eq!(
        error(&lua, r"return cmsgpack.unpack(string.rep('\129', 8000) .. '\1')"),
        "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)"
    );
    assert_eq!(
        error(
            &lua,
            r"return cmsgpack.unpack(string.rep('\129', 7998) .. '\1')"
        ),
        "user_script:1: Missing bytes in input."
    );
    // Deep nesting within the limit decodes fully (maps as values, 3999 deep).
    let depth = int(
        &lua,
        r"local s = string.rep('\129\1', 3999) .. '\2' local t = cmsgpack.unpack(s) local d = 0 while type(t) == 'table' do d = d + 1 t = t[1] end return d",
    );
    assert_eq!(depth, 3999);
    assert_eq!(
        error(
            &lua,
            r"return cmsgpack.unpack(string.rep('\129\1', 4000) .. '\2')"
        ),
        "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)"
    );
}

#[test]
fn unpack_huge_declared_sizes_fail_without_allocating() {
    let lua = state();
    lua.set_memory_limit(Some(16 << 20)).unwrap();
    for src in [
        r"'\219\255\255\255\255ab'",
        r"'\221\255\255\255\255\1'",
        r"'\223\255\255\255\255\1\1'",
        r"'\220\255\255' .. string.rep('\192', 1000)",
        r"'\207\1\2'",
    ] {
        assert_eq!(
            error(&lua, &format!("return cmsgpack.unpack({src})")),
            "user_script:1: Missing bytes in input.",
            "{src}"
        );
    }
}

// ---- generated values --------------------------------------------------------------------

/// xorshift64*: a small deterministic generator for the generated tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A Lua expression for a random number: integers around every encoding boundary, and
/// doubles that are or are not exact as floats.
fn gen_number(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => format!("{}", rng.below(300) as i64 - 150),
        1 => {
            let bits = rng.below(64) as i32;
            let delta = rng.below(3) as i64 - 1;
            let sign = if rng.below(2) == 0 { "" } else { "-" };
            format!("{sign}(2^{bits}+{delta})")
        }
        2 => format!("{}", (rng.next() >> 11) as i64 - (1 << 52)),
        3 => format!(
            "{:?}",
            f64::from(f32::from_bits(rng.next() as u32 & 0x7f7f_ffff))
        ),
        4 => format!("{:?}", (rng.next() >> 11) as f64 / 1024.0 - 4e12),
        _ => match rng.below(4) {
            0 => "1/0".to_string(),
            1 => "-1/0".to_string(),
            2 => "2^70".to_string(),
            _ => "-0.0".to_string(),
        },
    }
}

/// A Lua expression for a random string, of every size class.
fn gen_string(rng: &mut Rng) -> String {
    let short: String = (0..rng.below(40))
        .map(|_| format!("\\{}", rng.below(256)))
        .collect();
    match rng.below(8) {
        0 => format!("string.rep('ab', {}) .. '{short}'", rng.below(200)),
        1 => format!(
            "string.rep('\\0', {}) .. '{short}'",
            60_000 + rng.below(10_000)
        ),
        _ => format!("'{short}'"),
    }
}

/// A Lua expression for a random value nested at most `depth` tables deep.
fn gen_value(rng: &mut Rng, depth: u32) -> String {
    let kinds = if depth == 0 { 4 } else { 6 };
    match rng.below(kinds) {
        0 => gen_number(rng),
        1 => gen_string(rng),
        2 => ["true", "false"][rng.below(2) as usize].to_string(),
        3 => gen_number(rng),
        4 => {
            let len = [0, 1, 5, 15, 16, 20][rng.below(6) as usize];
            let items: Vec<String> = (0..len).map(|_| gen_value(rng, depth - 1)).collect();
            format!("{{{}}}", items.join(", "))
        }
        _ => {
            let entries: Vec<String> = (0..rng.below(20))
                .map(|_| format!("[{}] = {}", gen_key(rng), gen_value(rng, depth - 1)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

fn gen_key(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => gen_string(rng),
        1 => format!("{}", rng.below(40) as i64 - 5),
        2 => format!("{}.5", rng.below(10)),
        _ => "true".to_string(),
    }
}

const DEEP_EQUAL: &str = r#"
function deep_equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= 'table' then return a == b end
  for k, v in pairs(a) do if not deep_equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
"#;

#[test]
fn round_trip_generated_values() {
    let lua = state();
    lua.load(DEEP_EQUAL).exec().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..400 {
        let values: Vec<String> = (0..1 + rng.below(3))
            .map(|_| gen_value(&mut rng, 4))
            .collect();
        let list = values.join(", ");
        let src = format!(
            "local v = {{{list}}}
             local u = {{cmsgpack.unpack(cmsgpack.pack({list}))}}
             local one = cmsgpack.unpack(cmsgpack.pack(v))
             return deep_equal(v, u) and deep_equal(v, one) and #u == #v"
        );
        let ok = run::<bool>(&lua, &src).unwrap_or_else(|e| panic!("case {i}: {e}\n{list}"));
        assert!(ok, "case {i} does not round-trip: {list}");
    }
}

/// The encoding a number must get, written from the MessagePack rules lua-cmsgpack applies.
fn expected_number_encoding(x: f64) -> Vec<u8> {
    let mut out = Vec::new();
    if x.is_finite()
        && x.trunc() == x
        && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x)
    {
        let n = x as i64;
        let be = n.to_be_bytes();
        match n {
            -32..=127 => out.push(n as u8),
            128..=255 => out.extend([0xcc, n as u8]),
            256..=65535 => out.extend([&[0xcd][..], &be[6..]].concat()),
            65536..=4294967295 => out.extend([&[0xce][..], &be[4..]].concat()),
            -128..=-33 => out.extend([0xd0, n as u8]),
            -32768..=-129 => out.extend([&[0xd1][..], &be[6..]].concat()),
            -2147483648..=-32769 => out.extend([&[0xd2][..], &be[4..]].concat()),
            n if n > 0 => out.extend([&[0xcf][..], &be[..]].concat()),
            _ => out.extend([&[0xd3][..], &be[..]].concat()),
        }
    } else if f64::from(x as f32) == x {
        out.push(0xca);
        out.extend((x as f32).to_bits().to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend(x.to_bits().to_be_bytes());
    }
    out
}

#[test]
fn generated_numbers_take_the_expected_encoding() {
    let lua = state();
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for _ in 0..2000 {
        let expr = gen_number(&mut rng);
        let value = run::<f64>(&lua, &format!("return {expr}")).unwrap();
        let packed = bytes(&lua, &format!("return cmsgpack.pack({expr})"));
        assert_eq!(packed, expected_number_encoding(value), "{expr} = {value}");
        let back = run::<f64>(
            &lua,
            &format!("return cmsgpack.unpack(cmsgpack.pack({expr}))"),
        )
        .unwrap();
        assert!(back == value, "{expr}: {back} != {value}");
    }
}

#[test]
fn random_and_truncated_input_only_gives_the_library_errors() {
    let lua = state();
    lua.load(
        "function try(s)
           local ok, e = pcall(cmsgpack.unpack, s)
           if ok then return 'ok' end
           return e
         end",
    )
    .exec()
    .unwrap();
    let allowed = [
        "ok",
        "Missing bytes in input.",
        "Bad data format in input.",
        "table index is nil",
        "table index is NaN",
    ];
    let mut rng = Rng(42);
    let valid = bytes(
        &lua,
        "return cmsgpack.pack({1, {a = 'x', [2] = {true, 1.5}}, 'str', -70000, {[{}] = 0.1}})",
    );
    for i in 0..3000 {
        let data: Vec<u8> = if i % 2 == 0 {
            (0..rng.below(24)).map(|_| rng.next() as u8).collect()
        } else {
            // A valid encoding, cut short and with a byte changed.
            let mut d = valid[..rng.below(valid.len() as u64 + 1) as usize].to_vec();
            if let Some(b) = d.get_mut(rng.below(24) as usize) {
                *b = rng.next() as u8;
            }
            d
        };
        let literal: String = data.iter().map(|b| format!("\\{b}")).collect();
        let got = text(&lua, &format!("return try('{literal}')"));
        assert!(allowed.contains(&got.as_str()), "{data:?}: {got}");
    }
}
