//! INCRBYFLOAT and HINCRBYFLOAT against the golden replies of redis-server 7.0.15 (x87 long
//! double), byte for byte. The goldens are written by `tests/long_double/gen_cases.py`; the
//! format is described there.

use server::long_double::{hincrbyfloat, incrbyfloat, IncrFloatError};
use std::path::Path;

type Compute = fn(Option<&[u8]>, &[u8]) -> Result<Vec<u8>, IncrFloatError>;

/// A quoted field's bytes (`\\ \" \r \n \t \xHH` escapes).
fn unquote(field: &str) -> Vec<u8> {
    let inner = field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or_else(|| panic!("not a quoted field: {field}"));
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            b'r' => out.push(b'\r'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'x' => {
                let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("hex escape");
                out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
                i += 2;
            }
            c => out.push(c),
        }
        i += 2;
    }
    out
}

fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() > 80 {
        format!("{}... ({} bytes)", &text[..80], bytes.len())
    } else {
        text.into_owned()
    }
}

fn check(file: &str, compute: Compute) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/long_double")
        .join(file);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Every byte outside printable ASCII is escaped, so the file is ASCII.
    let text = String::from_utf8(text).expect("the goldens are ASCII");
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "{file}:{}: three fields", n + 1);
        let current = (fields[0] != "nil").then(|| unquote(fields[0]));
        let incr = unquote(fields[1]);
        let expected = if fields[2].starts_with('-') {
            fields[2].as_bytes().to_vec()
        } else {
            unquote(fields[2])
        };
        let got = match compute(current.as_deref(), &incr) {
            Ok(value) => value,
            Err(e) => format!("-{}", e.message()).into_bytes(),
        };
        count += 1;
        if got != expected {
            failures.push(format!(
                "{file}:{}: {} + {}\n    expected {}\n    got      {}",
                n + 1,
                current.as_deref().map_or("nil".into(), show),
                show(&incr),
                show(&expected),
                show(&got)
            ));
        }
    }
    assert!(count >= 1000, "{file}: only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn incrbyfloat_matches_redis() {
    check("incrbyfloat.txt", incrbyfloat);
}

#[test]
fn hincrbyfloat_matches_redis() {
    check("hincrbyfloat.txt", hincrbyfloat);
}
