//! Comparing an outcome with its golden and describing the difference
//! briefly: the first differing line of each stream and the exit statuses.

use crate::outcome::Outcome;

/// Longest rendering of one line in a report, in characters.
const SHOWN_LINE_MAX: usize = 160;

/// How one run differed from the golden; each entry is one human-readable
/// line about one stream or the exit status.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub details: Vec<String>,
}

/// `None` when `actual` equals `expected` in all three respects.
pub fn compare(expected: &Outcome, actual: &Outcome) -> Option<Mismatch> {
    let mut details = Vec::new();
    if expected.exit != actual.exit {
        details.push(format!(
            "status: expected {}, got {}",
            expected.exit, actual.exit
        ));
    }
    for (stream, want, got) in [
        ("stdout", &expected.stdout, &actual.stdout),
        ("stderr", &expected.stderr, &actual.stderr),
    ] {
        if let Some(text) = first_difference(want, got) {
            details.push(format!("{stream}: {text}"));
        }
    }
    (!details.is_empty()).then_some(Mismatch { details })
}

/// Describes the first line where two byte streams part ways.
fn first_difference(want: &[u8], got: &[u8]) -> Option<String> {
    if want == got {
        return None;
    }
    let want_lines = lines(want);
    let got_lines = lines(got);
    let position = want_lines
        .iter()
        .zip(got_lines.iter())
        .position(|(w, g)| w != g);
    if let Some(index) = position {
        let w = want_lines.get(index).copied().unwrap_or_default();
        let g = got_lines.get(index).copied().unwrap_or_default();
        return Some(format!(
            "line {}: expected {} got {}",
            index + 1,
            show(w),
            show(g)
        ));
    }
    // One stream is a prefix of the other, line-wise.
    let shared = want_lines.len().min(got_lines.len());
    let text = match (want_lines.get(shared), got_lines.get(shared)) {
        (Some(next), _) => format!(
            "line {}: output ends early; expected {}",
            shared + 1,
            show(next)
        ),
        (None, Some(next)) => format!(
            "line {}: unexpected extra output {}",
            shared + 1,
            show(next)
        ),
        (None, None) if want.ends_with(b"\n") => "missing final newline".to_string(),
        (None, None) => "unexpected final newline".to_string(),
    };
    Some(text)
}

/// Splits on newlines, where a final newline ends the last line rather than
/// starting an empty one.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    body.split(|&b| b == b'\n').collect()
}

/// A line as a quoted string, with non-printable bytes escaped and long
/// lines cut.
fn show(line: &[u8]) -> String {
    let mut out = String::from("\"");
    for (count, &byte) in line.iter().enumerate() {
        if count >= SHOWN_LINE_MAX {
            out.push_str("...");
            break;
        }
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn names_the_first_differing_line() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
        assert_eq!(
            first_difference(b"a\nb\n", b"a\nc\n").as_deref(),
            Some("line 2: expected \"b\" got \"c\"")
        );
        assert_eq!(
            first_difference(b"a\nb\n", b"a\n").as_deref(),
            Some("line 2: output ends early; expected \"b\"")
        );
        assert_eq!(
            first_difference(b"a\n", b"a\n\n").as_deref(),
            Some("line 2: unexpected extra output \"\"")
        );
        assert_eq!(
            first_difference(b"a", b"a\n").as_deref(),
            Some("unexpected final newline")
        );
        assert_eq!(
            first_difference(b"a\n", b"a").as_deref(),
            Some("missing final newline")
        );
        assert_eq!(
            first_difference(b"\x00", b"\xff").as_deref(),
            Some("line 1: expected \"\\x00\" got \"\\xff\"")
        );
    }
}
