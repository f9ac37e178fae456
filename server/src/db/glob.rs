//! Glob-style matching as Redis's `stringmatchlen` does it (KEYS, SCAN MATCH, CONFIG GET,
//! PSUBSCRIBE): `*`, `?`, `[...]` with ranges and `^` negation, `\` escapes.

/// Nesting of `*` explored at most (Redis bounds it the same way): patterns such as
/// `a*a*a*a*...b` cannot take exponential time.
const MAX_STARS: usize = 1000;

pub fn matches(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_from(pattern, text, nocase, &mut skip_longer, 0)
}

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

fn match_from(
    mut p: &[u8],
    mut s: &[u8],
    nocase: bool,
    skip_longer: &mut bool,
    nesting: usize,
) -> bool {
    if nesting > MAX_STARS {
        return false;
    }
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if match_from(&p[1..], s, nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s = &s[1..];
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                p = &p[1..];
                let negate = p.first() == Some(&b'^');
                if negate {
                    p = &p[1..];
                }
                let mut matched = false;
                loop {
                    match p {
                        [b'\\', c, ..] if p.len() >= 2 => {
                            if *c == s[0] {
                                matched = true;
                            }
                            p = &p[2..];
                        }
                        [b']', ..] => break,
                        [] => {
                            // An unterminated class: Redis steps back onto the last byte.
                            break;
                        }
                        [start, b'-', end, ..] => {
                            let (mut lo, mut hi) = (*start, *end);
                            if lo > hi {
                                std::mem::swap(&mut lo, &mut hi);
                            }
                            let mut c = s[0];
                            if nocase {
                                lo = lo.to_ascii_lowercase();
                                hi = hi.to_ascii_lowercase();
                                c = c.to_ascii_lowercase();
                            }
                            if c >= lo && c <= hi {
                                matched = true;
                            }
                            p = &p[3..];
                        }
                        [c, ..] => {
                            if eq(*c, s[0], nocase) {
                                matched = true;
                            }
                            p = &p[1..];
                        }
                    }
                }
                if negate {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                s = &s[1..];
                if p.is_empty() {
                    // Unterminated class consumed the whole pattern.
                    return s.is_empty();
                }
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if !eq(p[0], s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
            c => {
                if !eq(c, s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
        if s.is_empty() {
            while p.first() == Some(&b'*') {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns() {
        let yes = |p: &str, s: &str| assert!(matches(p.as_bytes(), s.as_bytes(), false), "{p} {s}");
        let no = |p: &str, s: &str| assert!(!matches(p.as_bytes(), s.as_bytes(), false), "{p} {s}");
        no("*", ""); // as in Redis: the loop never starts on an empty string
        yes("*", "abc");
        yes("a*c", "abbbc");
        yes("h?llo", "hello");
        yes("h[ae]llo", "hallo");
        no("h[^e]llo", "hello");
        yes("h[a-b]llo", "hbllo");
        yes("a\\*b", "a*b");
        no("a\\*b", "axb");
        no("a*b", "ac");
        yes("*a*a*a*", "aaa");
        no(&"a*".repeat(40), &"a".repeat(30));
        assert!(matches(b"HELLO", b"hello", true));
    }
}
