//! Glob-style matching as Redis's `stringmatchlen` does it (`*`, `?`, `[...]` with ranges and
//! `^`, `\` escapes), for `FUNCTION LIST LIBRARYNAME <pattern>` (which ignores case).

/// Whether `string` matches `pattern`.
pub(crate) fn matches(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_at(pattern, string, nocase, &mut skip_longer)
}

fn fold(b: u8, nocase: bool) -> u8 {
    if nocase {
        b.to_ascii_lowercase()
    } else {
        b
    }
}

fn match_at(pattern: &[u8], string: &[u8], nocase: bool, skip_longer: &mut bool) -> bool {
    // The pattern reads as a C string: past its end is a NUL.
    let pat = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let (mut p, mut s) = (0usize, 0usize);
    while p < pattern.len() && s < string.len() {
        match pat(p) {
            b'*' => {
                while p < pattern.len() && pat(p + 1) == b'*' {
                    p += 1;
                }
                if pattern.len() - p == 1 {
                    return true;
                }
                while s < string.len() {
                    if match_at(&pattern[p + 1..], &string[s..], nocase, skip_longer) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s += 1,
            b'[' => {
                p += 1;
                let not = pat(p) == b'^';
                if not {
                    p += 1;
                }
                let c = string[s];
                let mut matched = false;
                loop {
                    let left = pattern.len().saturating_sub(p);
                    if pat(p) == b'\\' && left >= 2 {
                        p += 1;
                        if pat(p) == c {
                            matched = true;
                        }
                    } else if pat(p) == b']' {
                        break;
                    } else if left == 0 {
                        p -= 1;
                        break;
                    } else if left >= 3 && pat(p + 1) == b'-' {
                        let (mut start, mut end) = (pat(p), pat(p + 2));
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        let (start, end, c) =
                            (fold(start, nocase), fold(end, nocase), fold(c, nocase));
                        p += 2;
                        if c >= start && c <= end {
                            matched = true;
                        }
                    } else if fold(pat(p), nocase) == fold(c, nocase) {
                        matched = true;
                    }
                    p += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                s += 1;
            }
            first => {
                let mut want = first;
                if first == b'\\' && pattern.len() - p >= 2 {
                    p += 1;
                    want = pat(p);
                }
                if fold(want, nocase) != fold(string[s], nocase) {
                    return false;
                }
                s += 1;
            }
        }
        p += 1;
        if s == string.len() {
            while pat(p) == b'*' {
                p += 1;
            }
            break;
        }
    }
    p >= pattern.len() && s == string.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        let m = |p: &str, s: &str| matches(p.as_bytes(), s.as_bytes(), true);
        assert!(m("*", "abc"));
        assert!(m("a*", "ABC"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("[a-c]x", "bx"));
        assert!(m("[^a-c]x", "dx"));
        assert!(!m("[^a-c]x", "ax"));
        assert!(m("a\\*", "a*"));
        assert!(!m("a\\*", "ab"));
        assert!(m("lib*", "lib"));
        assert!(!m("lib", "lib2"));
        assert!(m("[abc", "a"));
        assert!(!m("", "a"));
    }
}
