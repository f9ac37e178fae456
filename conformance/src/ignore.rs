//! The list of cases expected to fail, each with the reason why.
//!
//! Format: one entry per line, `area/case  reason...`; blank lines and lines
//! starting with `#` are comments. An entry without a reason is an error:
//! the list is meant to shrink, and a reason says what has to change.

use std::collections::BTreeMap;

/// Case id to reason.
#[derive(Debug, Default, Clone)]
pub struct IgnoreList {
    pub entries: BTreeMap<String, String>,
}

impl IgnoreList {
    pub fn reason(&self, id: &str) -> Option<&str> {
        self.entries.get(id).map(String::as_str)
    }
}

/// Parses the list, collecting every malformed line rather than stopping at
/// the first.
pub fn parse_ignore_list(text: &str) -> Result<IgnoreList, Vec<String>> {
    let mut list = IgnoreList::default();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let number = index + 1;
        let (id, reason) = match line.split_once(char::is_whitespace) {
            Some((id, reason)) => (id, reason.trim()),
            None => (line, ""),
        };
        if reason.is_empty() {
            errors.push(format!("ignore.txt:{number}: `{id}` has no reason"));
        } else if !id.contains('/') {
            errors.push(format!(
                "ignore.txt:{number}: `{id}` is not of the form area/case"
            ));
        } else if list
            .entries
            .insert(id.to_string(), reason.to_string())
            .is_some()
        {
            errors.push(format!("ignore.txt:{number}: `{id}` is listed twice"));
        }
    }
    if errors.is_empty() {
        Ok(list)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ignore_list;

    #[test]
    fn every_entry_needs_a_reason() {
        let list = parse_ignore_list("# c\n\nlexer/a  not yet\n").unwrap_or_default();
        assert_eq!(list.reason("lexer/a"), Some("not yet"));
        assert!(parse_ignore_list("lexer/a\n").is_err());
        assert!(parse_ignore_list("lexer  why\n").is_err());
        assert!(parse_ignore_list("a/b x\na/b y\n").is_err());
    }
}
