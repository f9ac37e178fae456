//! The ACL file (`aclfile`): `ACL SAVE` writes every user as the line `ACL LIST` shows, `ACL
//! LOAD` (and the start of the server) reads them back, as Redis 7.0's `acl.c` does: every line
//! is checked, and any error leaves the users as they were, with Redis's texts.

use super::{Acl, User};
use std::collections::BTreeMap;

/// Read `path` into the users (`ACLLoadFromFile`); the error text lists every problem found.
pub fn load(acl: &mut Acl, path: &str) -> Result<(), String> {
    let text = std::fs::read(path).map_err(|e| {
        format!(
            "Error loading ACLs, opening file '{path}': {}",
            crate::util::strerror(&e)
        )
    })?;
    let mut users: BTreeMap<Vec<u8>, User> = BTreeMap::new();
    let mut errors = String::new();
    for (i, raw) in text.split(|&c| c == b'\n').enumerate() {
        let line_number = i + 1;
        let line = trim(raw, b" \t\r\n");
        if line.is_empty() {
            continue;
        }
        let words: Vec<&[u8]> = line.split(|&c| c == b' ').collect();
        if words[0] != b"user" || words.len() < 2 {
            errors.push_str(&format!(
                "{path}:{line_number} should start with user keyword followed by the username. "
            ));
            continue;
        }
        let name = words[1];
        if name.iter().any(|c| c.is_ascii_whitespace()) {
            errors.push_str(&format!(
                "'{path}:{line_number}: username '{}' contains invalid characters. ",
                String::from_utf8_lossy(name)
            ));
            continue;
        }
        if users.contains_key(name) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{}' found on line {line_number}. ",
                String::from_utf8_lossy(name)
            ));
            continue;
        }
        let mut user = User::created(&acl.universe);
        let mut syntax_error = false;
        let trimmed: Vec<&[u8]> = words[2..].iter().map(|w| trim(w, b"\t\r\n")).collect();
        // Selectors may hold spaces: `(~a* +get)` is one rule split in two words.
        let rules = match crate::acl::merge_selector_args(&trimmed) {
            Ok(rules) => rules,
            Err(_) => {
                errors.push_str(&format!(
                    "{path}:{line_number}: Unmatched parenthesis in selector definition. "
                ));
                Vec::new()
            }
        };
        for rule in &rules {
            let rule = &rule[..];
            if let Err(reason) = user.apply(rule, &acl.universe) {
                if reason.starts_with("Unknown command or category") {
                    errors.push_str(&format!(
                        "{path}:{line_number}: Error in applying operation '{}': {reason}. ",
                        String::from_utf8_lossy(rule)
                    ));
                } else if !syntax_error {
                    errors.push_str(&format!("{path}:{line_number}: {reason}. "));
                    syntax_error = true;
                }
            }
        }
        users.insert(name.to_vec(), user);
    }
    if !errors.is_empty() {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        return Err(errors);
    }
    users
        .entry(b"default".to_vec())
        .or_insert_with(|| User::default_user(&acl.universe));
    acl.users = users;
    Ok(())
}

/// Write every user to `path` (`ACLSaveToFile`), through a temporary file renamed over it.
pub fn save(acl: &Acl, path: &str) -> std::io::Result<()> {
    let mut text = String::new();
    for (name, user) in &acl.users {
        text.push_str(&user.describe(name, &acl.universe));
        text.push('\n');
    }
    let temp = format!("{path}.tmp-{}", std::process::id());
    let written = std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

fn trim<'a>(mut s: &'a [u8], set: &[u8]) -> &'a [u8] {
    while let Some((first, rest)) = s.split_first() {
        if !set.contains(first) {
            break;
        }
        s = rest;
    }
    while let Some((last, rest)) = s.split_last() {
        if !set.contains(last) {
            break;
        }
        s = rest;
    }
    s
}
