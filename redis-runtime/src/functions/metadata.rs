//! A library's first line, `#!<engine> name=<library name>` (Redis's
//! `functionExtractLibMetaData`), split into words as Redis's `sdssplitargs` splits them.

/// What the first line of a library gives.
#[derive(Debug, PartialEq)]
pub(crate) struct Metadata<'a> {
    pub(crate) engine: Vec<u8>,
    pub(crate) name: Vec<u8>,
    /// The code after the first line, starting with that line's newline (so line numbers in
    /// errors count the first line).
    pub(crate) code: &'a [u8],
}

/// Read the first line of `payload`; `Err` is the error text (without `ERR `).
pub(crate) fn parse(payload: &[u8]) -> Result<Metadata<'_>, Vec<u8>> {
    if !payload.starts_with(b"#!") {
        return Err(b"Missing library metadata".to_vec());
    }
    // Redis looks for the newline with `strchr`: a NUL before it ends the search.
    let end = payload
        .iter()
        .position(|&b| b == b'\n' || b == 0)
        .filter(|&i| payload[i] == b'\n')
        .ok_or_else(|| b"Invalid library metadata".to_vec())?;
    let words = split_args(&payload[..end]).ok_or_else(|| b"Invalid library metadata".to_vec())?;
    let Some((first, options)) = words.split_first() else {
        return Err(b"Invalid library metadata".to_vec());
    };
    let engine = first.get(2..).unwrap_or_default().to_vec();
    let mut name = None;
    for option in options {
        let is_name = option.len() >= 5 && option[..5].eq_ignore_ascii_case(b"name=");
        if !is_name {
            let mut text = b"Invalid metadata value given: ".to_vec();
            text.extend_from_slice(until_nul(option));
            return Err(text);
        }
        if name.is_some() {
            return Err(b"Invalid metadata value, name argument was given multiple times".to_vec());
        }
        name = Some(option[5..].to_vec());
    }
    let name = name.ok_or_else(|| b"Library name was not given".to_vec())?;
    Ok(Metadata {
        engine,
        name,
        code: &payload[end..],
    })
}

/// The bytes up to the first NUL (a C string's text).
fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Redis's `sdssplitargs`: words separated by blanks, with `"double"` (C escapes, `\xHH`) and
/// `'single'` quoted parts; `None` for an unterminated quote or a closing quote followed by
/// something other than a blank. The line is read as a C string (it ends at a NUL).
pub(crate) fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = until_nul(line);
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut words = Vec::new();
    let mut p = 0;
    loop {
        while at(p) != 0 && is_space(at(p)) {
            p += 1;
        }
        if at(p) == 0 {
            return Some(words);
        }
        let mut current = Vec::new();
        let (mut in_double, mut in_single) = (false, false);
        loop {
            let c = at(p);
            if in_double {
                if c == b'\\' && at(p + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_value(at(p + 2)), hex_value(at(p + 3))) {
                        current.push(h * 16 + l);
                        p += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        if c != 0 {
                            p += 1;
                        }
                        break;
                    }
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    other => current.push(other),
                }
            }
            if at(p) != 0 {
                p += 1;
            }
        }
        words.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes()).map(|w| {
            w.into_iter()
                .map(|x| String::from_utf8_lossy(&x).into_owned())
                .collect()
        })
    }

    #[test]
    fn splits_as_sdssplitargs() {
        assert_eq!(words("#!lua name=x").unwrap(), ["#!lua", "name=x"]);
        assert_eq!(words("  a\tb\r").unwrap(), ["a", "b"]);
        assert_eq!(words("name=\"a b\" c").unwrap(), ["name=a b", "c"]);
        assert_eq!(words("\"\\x41\\n\"").unwrap(), ["A\n"]);
        assert_eq!(words("'it\\'s'").unwrap(), ["it's"]);
        assert_eq!(words("\"a\"b"), None);
        assert_eq!(words("\"abc"), None);
        assert_eq!(words("'abc"), None);
        assert!(words("").unwrap().is_empty());
    }

    #[test]
    fn metadata_errors() {
        let err = |p: &str| String::from_utf8(parse(p.as_bytes()).unwrap_err()).unwrap();
        assert_eq!(err("return 1"), "Missing library metadata");
        assert_eq!(err("#!lua name=x"), "Invalid library metadata");
        assert_eq!(err("#!lua name=x\0\n"), "Invalid library metadata");
        assert_eq!(err("#!lua\n"), "Library name was not given");
        assert_eq!(err("#!lua x=1\n"), "Invalid metadata value given: x=1");
        assert_eq!(
            err("#!lua name=a NAME=b\n"),
            "Invalid metadata value, name argument was given multiple times"
        );
        let md = parse(b"#!LUA Name=lib\nreturn 1").unwrap();
        assert_eq!(md.engine, b"LUA");
        assert_eq!(md.name, b"lib");
        assert_eq!(md.code, b"\nreturn 1");
    }
}
