//! Unit tests of the lexer. Expected values were checked against lua5.1.

use std::borrow::Cow;

use super::{LexError, Lexer, Near, Token};

/// Every token of `src` with the line the lexer stands on after reading it.
fn tokens(src: &[u8]) -> Vec<(Token<'_>, u32)> {
    let mut lex = Lexer::new(src);
    let mut out = Vec::new();
    loop {
        lex.next().expect("lexes");
        if lex.token == Token::Eof {
            return out;
        }
        out.push((lex.token.clone(), lex.line()));
    }
}

fn kinds(src: &[u8]) -> Vec<Token<'_>> {
    tokens(src).into_iter().map(|(t, _)| t).collect()
}

/// The single string token of `src`.
fn string(src: &[u8]) -> Vec<u8> {
    match kinds(src).as_slice() {
        [Token::String(s)] => s.to_vec(),
        other => panic!("not one string: {other:?}"),
    }
}

/// The error of lexing `src` to the end: message, "near" text, line.
fn error(src: &[u8]) -> (&'static str, Vec<u8>, u32) {
    let mut lex = Lexer::new(src);
    loop {
        match lex.next() {
            Ok(()) if lex.token == Token::Eof => panic!("no error in {src:?}"),
            Ok(()) => {}
            Err(e) => {
                let near = match e.near {
                    Near::Eof => b"<eof>".to_vec(),
                    Near::Text(t) => t,
                };
                return (e.msg, near, lex.line());
            }
        }
    }
}

#[test]
fn reserved_words_and_names() {
    assert_eq!(
        kinds(b"and break do else elseif end false for function if in local nil not or"),
        vec![
            Token::And,
            Token::Break,
            Token::Do,
            Token::Else,
            Token::Elseif,
            Token::End,
            Token::False,
            Token::For,
            Token::Function,
            Token::If,
            Token::In,
            Token::Local,
            Token::Nil,
            Token::Not,
            Token::Or,
        ]
    );
    assert_eq!(
        kinds(b"repeat return then true until while"),
        vec![
            Token::Repeat,
            Token::Return,
            Token::Then,
            Token::True,
            Token::Until,
            Token::While
        ]
    );
    assert_eq!(
        kinds(b"andy _x x1 End goto"),
        vec![
            Token::Name(b"andy"),
            Token::Name(b"_x"),
            Token::Name(b"x1"),
            Token::Name(b"End"),
            Token::Name(b"goto"),
        ]
    );
}

#[test]
fn symbols() {
    use Token::Char;
    assert_eq!(
        kinds(b"+-*/%^#==~=<=>=< > =(){}[];:,. .. ..."),
        vec![
            Char(b'+'),
            Char(b'-'),
            Char(b'*'),
            Char(b'/'),
            Char(b'%'),
            Char(b'^'),
            Char(b'#'),
            Token::Eq,
            Token::Ne,
            Token::Le,
            Token::Ge,
            Char(b'<'),
            Char(b'>'),
            Char(b'='),
            Char(b'('),
            Char(b')'),
            Char(b'{'),
            Char(b'}'),
            Char(b'['),
            Char(b']'),
            Char(b';'),
            Char(b':'),
            Char(b','),
            Char(b'.'),
            Token::Concat,
            Token::Dots,
        ]
    );
    // Bytes that start no token are single-character tokens for the parser to reject.
    assert_eq!(
        kinds(b"@ $ ~ ! \\ \x01 \x80"),
        vec![
            Char(b'@'),
            Char(b'$'),
            Char(b'~'),
            Char(b'!'),
            Char(b'\\'),
            Char(1),
            Char(0x80)
        ]
    );
}

#[test]
fn numerals() {
    let n = |src: &[u8]| match kinds(src).as_slice() {
        [Token::Number(n)] => *n,
        other => panic!("not one number: {other:?}"),
    };
    assert_eq!(n(b"3"), 3.0);
    assert_eq!(n(b"3.25"), 3.25);
    assert_eq!(n(b".5"), 0.5);
    assert_eq!(n(b"5."), 5.0);
    assert_eq!(n(b"1e3"), 1000.0);
    assert_eq!(n(b"1E+3"), 1000.0);
    assert_eq!(n(b"25e-2"), 0.25);
    assert_eq!(n(b"0x10"), 16.0);
    assert_eq!(n(b"0XfF"), 255.0);
    assert_eq!(n(b"1e999"), f64::INFINITY);
    // A numeral followed by `..` is malformed, as in Lua 5.1.
    assert_eq!(
        error(b"x = 1..2"),
        ("malformed number", b"1..2".to_vec(), 1)
    );
    assert_eq!(error(b"3x"), ("malformed number", b"3x".to_vec(), 1));
    assert_eq!(error(b"\n1e"), ("malformed number", b"1e".to_vec(), 2));
    assert_eq!(error(b"0xg"), ("malformed number", b"0xg".to_vec(), 1));
    assert_eq!(
        kinds(b"1 .. 2"),
        vec![Token::Number(1.0), Token::Concat, Token::Number(2.0)]
    );
}

#[test]
fn short_strings_and_escapes() {
    assert_eq!(string(b"'abc'"), b"abc");
    assert_eq!(string(b"\"it's\""), b"it's");
    assert_eq!(
        string(br#""\a\b\f\n\r\t\v\\\"\'""#),
        b"\x07\x08\x0C\n\r\t\x0B\\\"'"
    );
    assert_eq!(string(br"'\65\066\0677\0\255'"), b"AB\x437\x00\xFF");
    // Unknown escapes keep the character.
    assert_eq!(string(br"'\q\z\?'"), b"qz?");
    // Backslash-newline is a newline, whichever newline it is.
    assert_eq!(string(b"'a\\\nb\\\r\nc\\\rd'"), b"a\nb\nc\nd");
    // Any byte round-trips.
    let all: Vec<u8> = (0u8..=255)
        .filter(|&c| c != b'\'' && c != b'\\' && c != b'\n' && c != b'\r')
        .collect();
    let mut src = vec![b'\''];
    src.extend_from_slice(&all);
    src.push(b'\'');
    assert_eq!(string(&src), all);
}

#[test]
fn strings_without_escapes_borrow_the_source() {
    let src = b"x = 'plain' .. [[long\nstring]]";
    let toks = kinds(src);
    assert!(matches!(
        toks.get(2),
        Some(Token::String(Cow::Borrowed(b"plain")))
    ));
    assert!(matches!(
        toks.get(4),
        Some(Token::String(Cow::Borrowed(b"long\nstring")))
    ));
}

#[test]
fn string_errors() {
    assert_eq!(
        error(b"x = \"abc\ny"),
        ("unfinished string", b"\"abc".to_vec(), 1)
    );
    assert_eq!(
        error(b"x = 'abc"),
        ("unfinished string", b"<eof>".to_vec(), 1)
    );
    assert_eq!(
        error(b"x = 'abc\\"),
        ("unfinished string", b"<eof>".to_vec(), 1)
    );
    assert_eq!(
        error(b"x = 'a\\tb\\300'"),
        ("escape sequence too large", b"'a\tb".to_vec(), 1)
    );
    assert_eq!(
        error(b"'a\\\nb\nc'"),
        ("unfinished string", b"'a\nb".to_vec(), 2)
    );
}

#[test]
fn long_brackets() {
    assert_eq!(string(b"[[abc]]"), b"abc");
    assert_eq!(string(b"[[\nabc]]"), b"abc");
    assert_eq!(string(b"[[\r\nabc]]"), b"abc");
    assert_eq!(string(b"[[\n\nabc]]"), b"\nabc");
    assert_eq!(string(b"[==[a]]b]=]c]==]"), b"a]]b]=]c");
    assert_eq!(string(b"[=[a[[b]]c]=]"), b"a[[b]]c");
    assert_eq!(string(b"[[a\r\nb\n\rc\rd\n\ne]]"), b"a\nb\nc\nd\n\ne");
    assert_eq!(string(b"[[]]"), b"");
    assert_eq!(
        error(b"x = [[a [[b]] c]]"),
        ("nesting of [[...]] is deprecated", b"[".to_vec(), 1)
    );
    assert_eq!(
        error(b"x = [==[abc]=]\n"),
        ("unfinished long string", b"<eof>".to_vec(), 2)
    );
    assert_eq!(
        error(b"x = [==x"),
        ("invalid long string delimiter", b"[==".to_vec(), 1)
    );
    assert_eq!(
        error(b"x = [="),
        ("invalid long string delimiter", b"[=".to_vec(), 1)
    );
}

#[test]
fn comments() {
    assert_eq!(
        kinds(b"a -- comment\nb --[[ long\ncomment ]] c --[==[ x ]] ]==] d --[ short\ne"),
        vec![
            Token::Name(b"a"),
            Token::Name(b"b"),
            Token::Name(b"c"),
            Token::Name(b"d"),
            Token::Name(b"e"),
        ]
    );
    assert_eq!(
        error(b"--[[ abc\n\n"),
        ("unfinished long comment", b"<eof>".to_vec(), 3)
    );
    assert_eq!(
        error(b"--[[ a [[ b"),
        ("nesting of [[...]] is deprecated", b"[".to_vec(), 1)
    );
}

#[test]
fn line_numbers() {
    let lines: Vec<u32> = tokens(b"a\nb\r\nc\n\rd\re\n\nf")
        .iter()
        .map(|t| t.1)
        .collect();
    assert_eq!(lines, vec![1, 2, 3, 4, 5, 7]);
    // `\n\r\n` is two newlines: `\n\r` then `\n`.
    let lines: Vec<u32> = tokens(b"a\n\r\nb").iter().map(|t| t.1).collect();
    assert_eq!(lines, vec![1, 3]);
    // A token spanning lines leaves the lexer on its last line.
    let lines: Vec<u32> = tokens(b"a [[x\ny\r\nz]] b").iter().map(|t| t.1).collect();
    assert_eq!(lines, vec![1, 3, 3]);
    let lines: Vec<u32> = tokens(b"'a\\\nb' c").iter().map(|t| t.1).collect();
    assert_eq!(lines, vec![2, 2]);
}

#[test]
fn look_ahead_keeps_the_current_token() {
    let mut lex = Lexer::new(b"x = 1");
    lex.next().expect("lexes");
    assert_eq!(lex.token, Token::Name(b"x"));
    assert_eq!(lex.look_ahead().expect("lexes"), &Token::Char(b'='));
    assert_eq!(lex.token, Token::Name(b"x"));
    lex.next().expect("lexes");
    assert_eq!(lex.token, Token::Char(b'='));
    lex.next().expect("lexes");
    assert_eq!(lex.token, Token::Number(1.0));
}

#[test]
fn near_text_of_tokens() {
    let near = |src: &'static [u8]| {
        let mut lex = Lexer::new(src);
        lex.next().expect("lexes");
        String::from_utf8_lossy(&lex.near_current()).into_owned()
    };
    assert_eq!(near(b"foo"), "foo");
    assert_eq!(near(b"12.5e3"), "12.5e3");
    assert_eq!(near(b"'a\\tb'"), "'a\tb'");
    assert_eq!(near(b"[==[\nx]==]"), "[==[x]==]");
    assert_eq!(near(b"end"), "end");
    assert_eq!(near(b"..."), "...");
    assert_eq!(near(b"\x01"), "char(1)");
    assert_eq!(near(b""), "<eof>");
}

#[test]
fn nul_bytes_behave_like_lua_5_1() {
    // Lua 5.1 tests "is the next character one of these" with `strchr`, which also matches
    // the terminator, so `\0` continues dots and numerals.
    assert_eq!(
        kinds(b"a .\0 b"),
        vec![Token::Name(b"a"), Token::Concat, Token::Name(b"b")]
    );
    assert_eq!(kinds(b".\0\0"), vec![Token::Dots]);
    assert_eq!(kinds(b"1\0y"), vec![Token::Number(1.0)]);
    assert_eq!(kinds(b"\0"), vec![Token::Char(0)]);
}

/// Lex `src` as if `lines_before` newlines came before it, until the first error.
fn error_after_lines(lines_before: u32, src: &[u8]) -> (LexError, u32) {
    let mut lex = Lexer::new(src);
    lex.scanner.extras += lines_before;
    loop {
        match lex.next() {
            Err(e) => return (e, lex.line()),
            Ok(()) if lex.token == Token::Eof => panic!("no error in {src:?}"),
            Ok(()) => {}
        }
    }
}

#[test]
fn too_many_lines_stops_the_chunk_where_lua51_does() {
    // lua5.1 fed `x = ` and then 2^31 newlines through `load` answers
    // `lines:2147483645: chunk has too many lines near '='`; after a name, numeral or string the
    // text shown is empty (`x = y`, `return 12`), inside a long string or comment it is the
    // token before it (`x = [[`, `x = --[[`).
    let limit = i32::MAX as u32 - 2;
    let cases: [(&[u8], &[u8]); 5] = [
        (b"x = \n\n\n\n", b"="),
        (b"x = y\n\n\n\n", b""),
        (b"return 12\n\n\n\n", b""),
        (b"x = [[\n\n\n\n", b"="),
        (b"x = --[[\n\n\n\n", b"="),
    ];
    for (src, near) in cases {
        let (err, line) = error_after_lines(limit - 4, src);
        assert_eq!(err.msg, "chunk has too many lines", "{src:?}");
        assert_eq!(err.near, Near::Text(near.to_vec()), "{src:?}");
        assert_eq!(line, limit, "{src:?}");
    }
    // One line fewer is still a chunk.
    let mut lex = Lexer::new(b"x = 1\n\n\n");
    lex.scanner.extras += limit - 5;
    while lex.next().is_ok() && lex.token != Token::Eof {}
    assert_eq!(lex.token, Token::Eof);
}
